"""Merging two contacts' attributes (pure): tags united, blanks filled, conflicts reported."""

from __future__ import annotations

from functions.api.merges import combine


def test_the_survivor_keeps_its_values_fills_its_blanks_and_reports_differences() -> None:
    survivor = {
        "contact_id": "c1",
        "fields": {"first_name": "Ann", "title": "CTO", "city": ""},
        "custom_fields": {"plan": "pro"},
        "tags": ["a", "X"],
        "dnt": False,
        "lead_score": None,
    }
    other = {
        "contact_id": "c2",
        "fields": {"first_name": "Anne", "city": "Oslo", "phone": "+4712345678"},
        "custom_fields": {"plan": "free", "seats": 3},
        "tags": ["x", "b"],
        "dnt": True,
        "lead_score": 40,
        "company_domain": "acme-example.com",
    }
    merged, conflicts = combine(survivor, other)
    assert merged["fields"] == {"first_name": "Ann", "title": "CTO", "city": "Oslo", "phone": "+4712345678"}
    assert merged["custom_fields"] == {"plan": "pro", "seats": 3}
    assert merged["tags"] == ["a", "X", "b"]
    assert (merged["dnt"], merged["lead_score"], merged["company_domain"]) == (True, 40, "acme-example.com")
    assert merged["contact_id"] == "c1"
    assert conflicts == [
        {"field": "first_name", "kept": "Ann", "discarded": "Anne"},
        {"field": "custom_fields.plan", "kept": "pro", "discarded": "free"},
    ]
    assert survivor["fields"]["city"] == ""  # the inputs are not changed
