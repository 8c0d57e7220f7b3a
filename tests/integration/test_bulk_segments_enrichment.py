"""Bulk membership of static segments and bulk enrichment, over real HTTP on DynamoDB Local and
the read model: the same logged, chunked path as the other bulk actions, undo included (a
member changed since is left alone); enrichment runs within its call limit and says it cannot
be undone."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from functions.common.aws import client as aws_client
from functions.common.models import ConfigItem, table_name
from functions.query import segments
from local.server import LocalApi
from tests.integration.test_api_support import api, client, error_of, new_workspace  # noqa: F401
from tests.integration.test_bulk_operations import _add, wait_for

pytestmark = pytest.mark.integration

BULK = "/api/v1/contacts/bulk-operations"


def _members(c: httpx.Client, segment_id: str) -> set[str]:
    r = c.get("/api/v1/contacts", params={"segment_id": segment_id, "limit": 100})
    assert r.status_code == 200, r.text
    return {x["id"] for x in r.json()["data"]}


def _member_item(ws: str, segment_id: str, contact_id: str) -> dict[str, Any] | None:
    item = aws_client("dynamodb").get_item(
        TableName=table_name(ConfigItem),
        Key={"pk": {"S": ws}, "sk": {"S": segments.member_sk(segment_id, contact_id)}},
        ConsistentRead=True,
    )
    return item.get("Item")


def test_add_to_segment_and_its_undo_leave_alone_a_member_taken_out_and_put_back_since(
    api: LocalApi,  # noqa: F811
) -> None:
    ws = new_workspace()
    c = client(api, ws)
    seg = c.post("/api/v1/segments", json={"name": "Picked", "type": "static"}).json()
    a, b, d = _add(c, ["pick"]), _add(c, ["pick"]), _add(c, [])
    assert c.post(f"/api/v1/segments/{seg['id']}/members", json={"add": [b["id"]]}).status_code == 200
    b_member = _member_item(ws, seg["id"], b["id"])

    r = c.post(
        BULK,
        json={
            "action": "add_to_segment",
            "params": {"segment_id": seg["id"]},
            "selection": {"ids": [a["id"], b["id"], d["id"]]},
        },
    )
    assert r.status_code == 200, r.text
    op = r.json()
    assert (op["status"], op["total"], op["succeeded"], op["changed"], op["failed"]) == (
        "complete",
        3,
        3,
        2,
        0,
    )
    assert _members(c, seg["id"]) == {a["id"], b["id"], d["id"]}  # the read model sees them at once

    # d is taken out and put back by hand: its membership is no longer the operation's
    members = f"/api/v1/segments/{seg['id']}/members"
    assert c.post(members, json={"remove": [d["id"]]}).status_code == 200
    assert c.post(members, json={"add": [d["id"]]}).status_code == 200

    undone = c.post(f"/api/v1/bulk-operations/{op['id']}/undo")
    assert undone.status_code == 200, undone.text
    assert undone.json()["undo"] == {
        "done": 2,
        "restored": 1,
        "left_alone": 1,
        "conflicts": [{"contact_id": d["id"], "reason": "changed since the operation; left as it is"}],
    }
    assert _members(c, seg["id"]) == {b["id"], d["id"]}
    assert _member_item(ws, seg["id"], b["id"]) == b_member, "a member from before is not touched"

    # remove by filter, then undo puts back the very member items that were there
    before = {x: _member_item(ws, seg["id"], x) for x in (b["id"], d["id"])}
    removed = c.post(
        BULK,
        json={
            "action": "remove_from_segment",
            "params": {"segment_id": seg["id"]},
            "selection": {"filters": [{"field": "email", "op": "ends_with", "value": "@bulk-example.com"}]},
        },
    ).json()
    assert (removed["total"], removed["succeeded"], removed["changed"]) == (3, 3, 2)
    assert _members(c, seg["id"]) == set()
    back = c.post(f"/api/v1/bulk-operations/{removed['id']}/undo").json()
    assert back["undo"]["restored"] == 2 and back["undo"]["left_alone"] == 0
    assert _members(c, seg["id"]) == {b["id"], d["id"]}
    assert {x: _member_item(ws, seg["id"], x) for x in before} == before
    # an undo run again is the same undo
    assert c.post(f"/api/v1/bulk-operations/{removed['id']}/undo").json()["undo"] == back["undo"]


def test_segment_actions_refuse_a_dynamic_or_unknown_segment_and_another_workspaces(
    api: LocalApi,  # noqa: F811
) -> None:
    ws = new_workspace()
    c = client(api, ws)
    x = _add(c, [])
    dynamic = c.post(
        "/api/v1/segments",
        json={"name": "Hot", "filter": {"filters": [{"field": "has_tag", "op": "eq", "value": "hot"}]}},
    ).json()
    static = c.post("/api/v1/segments", json={"name": "Mine", "type": "static"}).json()
    for segment_id, says in ((dynamic["id"], "is dynamic"), ("seg_nope", "no segment seg_nope")):
        r = c.post(
            BULK,
            json={
                "action": "add_to_segment",
                "params": {"segment_id": segment_id},
                "selection": {"ids": [x["id"]]},
            },
        )
        assert r.status_code == 400 and says in error_of(r)["message"]
        assert error_of(r)["field"] == "params.segment_id"
    missing = c.post(BULK, json={"action": "remove_from_segment", "selection": {"ids": [x["id"]]}})
    assert error_of(missing)["field"] == "params.segment_id"
    other = client(api, new_workspace())
    theirs = other.post(
        BULK,
        json={
            "action": "add_to_segment",
            "params": {"segment_id": static["id"]},
            "selection": {"ids": ["c1"]},
        },
    )
    assert theirs.status_code == 400 and error_of(theirs)["field"] == "params.segment_id"
    assert _members(c, static["id"]) == set()


# contacts the local provider (examples/enrichment.jsonl) knows
KNOWN = ("zoe.brown@acme-analytics.com", "liam.cohen@acme-analytics.com")


def test_trigger_enrichment_stays_within_its_call_limit_reports_what_it_refused_and_cannot_be_undone(
    api: LocalApi,  # noqa: F811
) -> None:
    ws = new_workspace()
    c = client(api, ws)
    made = [c.post("/api/v1/contacts", json={"email": e}).json() for e in KNOWN]
    unknown = _add(c, [])
    gone = _add(c, [])
    assert c.delete(f"/api/v1/contacts/{gone['id']}").status_code == 200
    ids = [x["id"] for x in (*made, unknown, gone)]

    r = c.post(
        BULK,
        json={
            "action": "trigger_enrichment",
            "params": {"limit": 2, "force_refresh": True},
            "selection": {"ids": ids},
        },
    )
    assert r.status_code == 202, r.text  # provider calls run on the state machine, never in the request
    op = wait_for(c, r.json()["id"], ("complete",))[-1]
    assert op["undoable"] is False and op["undo_until"] is None
    e = op["enrichment"]
    assert (e["requested"], e["provider_calls"], e["refused"], e["cache_hits"]) == (3, 2, 1, 0)
    assert e["enriched"] + e["not_found"] == 2
    reasons = {f["contact_id"]: f["reason"] for f in op["failures"]}
    assert reasons.pop(gone["id"]) == "deleted: restore the contact to enrich it"
    assert list(reasons.values()) == ["refused: the operation's enrichment limit (2 calls) was reached"]
    assert (op["total"], op["succeeded"], op["failed"], op["changed"]) == (4, 2, 2, e["enriched"])
    enriched = [x for x in made if c.get(f"/api/v1/contacts/{x['id']}").json().get("title")]
    assert len(enriched) == e["enriched"] >= 1
    history = c.get(f"/api/v1/contacts/{enriched[0]['id']}/audit").json()["data"]
    assert (history[0]["actor"], history[0]["source"]) == (f"op:{op['id']}", "enrichment")
    assert "title" in history[0]["changes"]

    refused = c.post(f"/api/v1/bulk-operations/{op['id']}/undo")
    assert (
        refused.status_code == 409 and "trigger_enrichment cannot be undone" in error_of(refused)["message"]
    )

    # again without a limit: what the first run called comes from the cache, the refused one is called
    again_id = c.post(BULK, json={"action": "trigger_enrichment", "selection": {"ids": ids[:3]}}).json()["id"]
    again = wait_for(c, again_id, ("complete",))[-1]
    assert again["enrichment"]["refused"] == 0 and again["enrichment"]["cache_hits"] >= 2
    assert all(c.get(f"/api/v1/contacts/{x['id']}").json().get("title") for x in made)

    bad = c.post(
        BULK, json={"action": "trigger_enrichment", "params": {"limit": -1}, "selection": {"ids": ids}}
    )
    assert bad.status_code == 400 and error_of(bad)["field"] == "params.limit"
