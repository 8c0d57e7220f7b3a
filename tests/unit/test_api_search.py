"""The search contract as the tests' oracle states it, the request checks the read model makes
before any SQL, the list filters' one parser, and cursors (pure, no tables)."""

from __future__ import annotations

import pytest

from functions.api.cursors import decode_cursor, encode_cursor
from functions.api.errors import BadRequest
from functions.query.sql import Condition, ListRequest, QueryError, check
from tests.oracle import field_value, holds, list_matches, search_sort_key

ITEM = {
    "email": "alice@acme.com",
    "contact_id": "cont_1",
    "lead_score": 72,
    "icp_tier": "A",
    "tags": ["director_plus", "Verified_Email"],
    "fields": {"title": "Director of RevOps", "city": "", "company_name": "Acme"},
    "custom_fields": {"stage": "trial", "seats": 12},
    "company_domain": "acme.com",
    "created_at": "2026-04-01T10:00:00.000Z",
}


@pytest.mark.parametrize(
    ("field", "op", "value", "expected"),
    [
        ("icp_tier", "eq", "a", True),
        ("icp_tier", "ne", "A", False),
        ("icp_tier", "in", ["A", "B"], True),
        ("icp_tier", "not_in", ["C"], True),
        ("lead_score", "gte", 72, True),
        ("lead_score", "gt", 72, False),
        ("lead_score", "lt", "80", True),
        ("lead_score", "eq", "72", True),
        ("title", "contains", "revops", True),
        ("title", "starts_with", "director", True),
        ("title", "ends_with", "ops", True),
        ("city", "is_empty", None, True),
        ("mobile", "is_empty", None, True),
        ("title", "is_not_empty", None, True),
        ("has_tag", "eq", "verified_email", True),
        ("has_tag", "ne", "verified_email", False),
        ("has_tag", "not_in", ["cold"], True),
        ("tags", "contains", "director", True),
        ("custom_fields.stage", "eq", "trial", True),
        ("custom.seats", "lte", 12, True),
        ("company.domain", "ends_with", ".com", True),
        ("company.name", "eq", "acme", True),
        ("created_at", "gt", "2026-03-31T23:00:00Z", True),
        ("created_at", "lt", "2026-04-01", False),
        ("lead_score", "gt", "not a number", False),  # mismatched types never match, never fail
        ("title", "gt", 5, False),
    ],
)
def test_operator(field: str, op: str, value: object, expected: bool) -> None:
    assert holds(op, field_value(ITEM, field), value) is expected


def test_field_value_reads_every_place_a_value_lives() -> None:
    assert field_value(ITEM, "id") == "cont_1"
    assert field_value(ITEM, "unknown_field") is None
    assert holds("is_empty", [], None) and not holds("is_not_empty", {}, None)


@pytest.mark.parametrize(
    ("condition", "field"),
    [
        (Condition("x", "between", 1), "filters.0.op"),
        (Condition("x", "eq"), "filters.0.value"),
        (Condition("x", "in", "A"), "filters.0.value"),
        (Condition("x", "eq", ["A"]), "filters.0.value"),
    ],
)
def test_invalid_filters_are_400_naming_the_filter(condition: Condition, field: str) -> None:
    with pytest.raises(QueryError) as err:
        check(condition, "filters.0")
    assert err.value.field == field


def test_sort_puts_missing_values_last_in_both_directions() -> None:
    items = [{"email": e, "lead_score": s} for e, s in (("a", 10), ("b", None), ("c", 90), ("d", 10))]
    asc = sorted(items, key=search_sort_key([("lead_score", False)]))
    desc = sorted(items, key=search_sort_key([("lead_score", True)]))
    assert [i["email"] for i in asc] == ["a", "d", "c", "b"]
    assert [i["email"] for i in desc] == ["c", "a", "d", "b"]


def test_a_cursor_round_trips_and_is_bound_to_its_query() -> None:
    cursor = encode_cursor({"f": "q1", "o": 100})
    assert decode_cursor(cursor, "q1") == {"f": "q1", "o": 100}
    for bad, fingerprint in ((cursor, "q2"), ("%%%", "q1"), ("bm9wZQ", "q1")):
        with pytest.raises(BadRequest) as err:
            decode_cursor(bad, fingerprint)
        assert err.value.field == "cursor"


def test_a_contact_stored_without_a_verification_status_is_unverified_in_list_and_search() -> None:
    checked = {**ITEM, "fields": {**ITEM["fields"], "verification_status": "valid"}}
    assert field_value(ITEM, "verification_status") == "unverified"
    assert holds("eq", "unverified", field_value(ITEM, "verification_status"))
    assert not holds("eq", "unverified", field_value(checked, "verification_status"))

    unverified = ListRequest.parse(verification_status="unverified")
    assert list_matches(unverified, ITEM) and not list_matches(unverified, checked)
    # the import's words are understood; a filter with statuses is its own query for cursors
    either = ListRequest.parse(verification_status="Verified, not verified")
    assert either.verification_statuses == ("unverified", "valid")
    assert list_matches(either, ITEM) and list_matches(either, checked)
    with pytest.raises(QueryError, match="unknown verification status 'sort of'") as err:
        ListRequest.parse(verification_status="sort of")
    assert err.value.field == "verification_status"


def test_list_parameters_parse_once_for_api_and_cli() -> None:
    request = ListRequest.parse(
        icp_tier="b, a,,A",
        grade="c",
        tag="Hot,VIP,hot",
        search="  Smith ",
        created_after="2026-04-01T12:00:00Z",
        updated_after=" ",
        segment_id="",
    )
    assert request.icp_tiers == ("A", "B")
    assert request.grades == ("C",)
    assert request.tags == ("hot", "vip")
    assert request.search == "smith"
    assert request.created_after == "2026-04-01T12:00:00+00:00"
    assert request.updated_after is None and request.segment_id is None
    assert ListRequest.parse(tag=["a", " B "]).tags == ("a", "b")  # the CLI may pass a list


@pytest.mark.parametrize("name", ["created_after", "updated_after"])
def test_a_malformed_timestamp_is_a_400_naming_its_parameter(name: str) -> None:
    with pytest.raises(QueryError) as err:
        ListRequest.parse(**{name: "yesterday"})
    assert err.value.field == name
    assert "ISO 8601" in err.value.message


def test_the_openapi_document_lists_every_filterable_field() -> None:
    from functions.api.app import openapi_document

    schemas = openapi_document()["components"]["schemas"]
    for model in ("SearchFilter", "SearchSort"):
        help_text = schemas[model]["properties"]["field"]["description"]
        for name in (
            "company.industry",
            "has_tag",
            "total_responses",
            "last_engaged_at",
            "custom_fields.<name>",
        ):
            assert name in help_text, (model, name)
