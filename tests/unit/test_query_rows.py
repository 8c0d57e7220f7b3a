"""Stream records -> read-model changes (pure): one change per contact key, highest version wins,
a removal wins over an image of the same version; rows carry what filters, sorts and search read;
a Companies record becomes its domain's firmographics, or nothing when none of them changed."""

from __future__ import annotations

from typing import Any

from functions.common import ddb
from functions.query.rows import (
    SEARCH_SEPARATOR,
    change_from_record,
    company_change_from_record,
    engagement_change_from_record,
    latest,
    latest_keyed,
    row,
)
from functions.query.stream import source_table


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


def _company_record(event: str, old: dict[str, Any] | None, new: dict[str, Any] | None) -> dict[str, Any]:
    data: dict[str, Any] = {}
    for name, image in (("OldImage", old), ("NewImage", new)):
        if image is not None:
            data[name] = {k: ddb.to_av(v) for k, v in image.items()}
    return {
        "eventName": event,
        "dynamodb": data,
        "eventSourceARN": "arn:aws:dynamodb:r:1:table/p-Companies/stream/x",
    }


def test_a_company_change_carries_its_firmographics_and_drops_what_changes_nothing() -> None:
    before = {"domain": "acme.com", "name": "Acme", "industry": "Retail", "updated_at": "1"}
    after = {**before, "industry": " Fintech ", "employee_count": 250, "updated_at": "2"}
    change = company_change_from_record(_company_record("MODIFY", before, after))
    assert change is not None and change.key == "acme.com"
    assert change.values == {
        "name": "Acme",
        "industry": "Fintech",
        "employee_count": 250.0,
        "revenue_band": None,
    }
    # only updated_at moved: nothing the read model holds changed
    assert company_change_from_record(_company_record("MODIFY", after, {**after, "updated_at": "3"})) is None
    removed = company_change_from_record(_company_record("REMOVE", after, None))
    assert removed is not None and set(removed.values.values()) == {None}
    first = company_change_from_record(_company_record("INSERT", None, before))
    (last,) = latest_keyed([first, change, None])
    assert last is change


def test_company_records_are_told_from_contact_records_by_their_stream() -> None:
    assert source_table(_company_record("INSERT", None, {"domain": "a.com"})) == "p-Companies"
    assert source_table(_record("INSERT", 1)) is None


def test_an_ownership_claim_on_a_global_contact_is_not_an_engagement_change() -> None:
    person = {"email": "a@x.com", "total_sent": 2, "last_sent_at": "2026-03-01T00:00:00Z"}
    claimed = {**person, "owner_workspace_id": "w", "owner_client_id": "c"}
    assert engagement_change_from_record(_company_record("MODIFY", person, claimed)) is None
    assert engagement_change_from_record(_company_record("INSERT", None, {"email": "new@x.com"})) is None
    replied = {
        **person,
        "total_responses": 1,
        "response_rate": 0.5,
        "last_engaged_at": "2026-03-02T00:00:00Z",
    }
    change = engagement_change_from_record(_company_record("MODIFY", person, replied))
    assert change is not None and change.key == "a@x.com"
    assert change.values["total_responses"] == 1 and change.values["bounce_status"] == "none"
    (last,) = latest_keyed([None, change])
    assert last is change


def test_an_item_reads_from_the_wire_as_boto3_would_give_it_plain() -> None:
    from boto3.dynamodb.types import TypeDeserializer

    item = {
        "s": "x",
        "whole": 40,
        "big": 12345678901234567890,
        "frac": 0.1,
        "exp": {"N": "1E+2"},
        "flag": True,
        "none": None,
        "tags": ["b", "a"],
        "m": {"n": 2.5, "l": [1, "two"]},
        "ss": {"SS": ["b", "a"]},
        "ns": {"NS": ["3", "1.5"]},
    }
    image = {
        k: v if isinstance(v, dict) and k in ("exp", "ss", "ns") else ddb.to_av(v) for k, v in item.items()
    }
    boto = {k: ddb._py(TypeDeserializer().deserialize(v)) for k, v in image.items()}
    fast = ddb.from_item(image)
    assert fast == boto
    assert [type(fast[k]) for k in ("whole", "big", "frac", "exp")] == [int, int, float, int]
    assert fast["ss"] == ["a", "b"] and fast["ns"] == [1.5, 3]


def test_a_batch_goes_in_statements_under_the_data_api_request_limit() -> None:
    import json

    from functions.query.rows import rows_json_chunks

    rows = [{"n": n, "pad": "x" * (50 if n != 7 else 500)} for n in range(20)]
    chunks = rows_json_chunks(rows, limit=300)
    assert [r for c in chunks for r in json.loads(c)] == rows  # every row, once, in order
    assert all(len(c.encode()) <= 300 for c in chunks if len(json.loads(c)) > 1)
    assert [json.loads(c) for c in chunks if len(c.encode()) > 300] == [[rows[7]]]  # too big: alone
    assert rows_json_chunks([]) == [] and len(rows_json_chunks(rows)) == 1
