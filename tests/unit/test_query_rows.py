"""Stream records -> read-model changes (pure): one change per contact key, highest version wins,
a removal wins over an image of the same version; rows carry what filters, sorts and search read."""

from __future__ import annotations

from typing import Any

from functions.common import ddb
from functions.query.rows import SEARCH_SEPARATOR, change_from_record, latest, row


def _record(event: str, version: int, email: str = "a@x.com", **extra: Any) -> dict[str, Any]:
    item = {"workspace_id": "w", "email": email, "contact_id": "c1", "version": version, **extra}
    image = {k: ddb.to_av(v) for k, v in item.items()}
    return {"eventName": event, "dynamodb": {"OldImage" if event == "REMOVE" else "NewImage": image}}


def test_the_highest_version_wins_whatever_the_order() -> None:
    records = [_record("MODIFY", 3), _record("INSERT", 1), _record("MODIFY", 2), _record("MODIFY", 3)]
    (change,) = latest(change_from_record(r) for r in records)
    assert change.version == 3 and not change.removed


def test_a_removal_wins_over_the_image_of_the_same_version_but_not_a_newer_one() -> None:
    (gone,) = latest(change_from_record(r) for r in [_record("MODIFY", 2), _record("REMOVE", 2)])
    assert gone.removed
    (back,) = latest(change_from_record(r) for r in [_record("REMOVE", 2), _record("INSERT", 3)])
    assert not back.removed and back.version == 3


def test_records_without_an_image_or_identity_are_ignored() -> None:
    assert change_from_record({"eventName": "MODIFY", "dynamodb": {}}) is None
    no_id = {
        "eventName": "INSERT",
        "dynamodb": {"NewImage": {"workspace_id": {"S": "w"}, "email": {"S": "a"}}},
    }
    assert change_from_record(no_id) is None
    assert latest([None]) == []


def test_a_row_holds_lowercased_tags_upper_tiers_and_search_text_per_field() -> None:
    out = row(
        {
            "workspace_id": "w",
            "email": "ann@acme.com",
            "contact_id": "c1",
            "fields": {"first_name": "Ann", "title": " ", "company_name": "Acme"},
            "tags": ["VIP", "vip", "Hot"],
            "icp_tier": "a",
            "lead_score": 72,
            "company_domain": "acme.com",
            "created_at": "2026-04-01T10:00:00.000Z",
            "updated_at": "2026-04-02T10:00:00.000Z",
        },
        {"industry": "Software", "employee_count": 120},
    )
    assert out["tags_lc"] == ["hot", "vip"] and out["tags"] == ["VIP", "vip", "Hot"]
    assert out["icp_tier"] == "A" and out["lead_score"] == 72.0 and out["title"] is None
    assert out["company_industry"] == "Software" and out["company_employee_count"] == 120.0
    assert out["search_text"].split(SEARCH_SEPARATOR) == ["ann@acme.com", "acme.com", "ann", "acme"]
