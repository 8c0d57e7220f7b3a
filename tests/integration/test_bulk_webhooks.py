"""Bulk writes announce themselves to webhook subscribers (issue 15's outbound events): one event
per contact changed, none for a contact left as it was, the same events when a chunk runs again
after a crash; delivered by the real worker to a receiver on 127.0.0.1."""

from __future__ import annotations

from typing import Any

import pytest

from functions.common import s3
from functions.common.aws import client as aws_client
from functions.common.models import WebhookDelivery, table_name
from functions.common.settings import get_settings
from functions.events import subscriptions
from functions.manage import bulk
from local.server import LocalApi
from tests.integration.test_api_support import api, client, new_workspace  # noqa: F401
from tests.integration.test_bulk_operations import _add
from tests.integration.test_webhooks_out import Receiver, drain, receiver  # noqa: F401

pytestmark = pytest.mark.integration
BULK = "/api/v1/contacts/bulk-operations"


def _queued(subscription_id: str) -> list[str]:
    resp = aws_client("dynamodb").query(
        TableName=table_name(WebhookDelivery),
        KeyConditionExpression="subscription_id = :s",
        ExpressionAttributeValues={":s": {"S": subscription_id}},
        ConsistentRead=True,
    )
    return sorted(i["delivery_id"]["S"] for i in resp["Items"])


def _ours(got: Receiver, ids: set[str]) -> list[dict[str, Any]]:
    return [e for e in got.delivered() if e["data"]["id"] in ids]


def test_bulk_writes_announce_each_changed_contact_once_even_when_a_chunk_runs_again(
    api: LocalApi,  # noqa: F811
    receiver: Receiver,  # noqa: F811
) -> None:
    ws = new_workspace()
    c = client(api, ws)
    sub = subscriptions.create(ws, receiver.url, ["contact.updated", "contact.deleted"])
    a, b, d = _add(c, ["x"]), _add(c, []), _add(c, [])
    ids = {a["id"], b["id"], d["id"]}

    op = c.post(
        BULK, json={"action": "add_tags", "params": {"tags": ["x"]}, "selection": {"ids": sorted(ids)}}
    ).json()
    assert (op["status"], op["changed"]) == ("complete", 2)
    queued = _queued(sub["id"])
    assert len(queued) == 2  # a already had the tag: nothing to tell

    # the chunk runs again, as after a crash before its checkpoint: the same deliveries, no more
    checkpoint = bulk._chunk_key(op["id"], 0, "applied.json")
    aws_client("s3").delete_object(Bucket=get_settings().bucket, Key=checkpoint)
    bulk.run_chunk(ws, op["id"], 0)
    assert _queued(sub["id"]) == queued
    # ... and after a crash between queueing and recording that it queued: still the same ones
    marker = bulk._chunk_key(op["id"], 0, "events-apply.json")
    s3.put_json(marker, {"at": s3.get_json(marker)["at"]})
    aws_client("s3").delete_object(Bucket=get_settings().bucket, Key=checkpoint)
    bulk.run_chunk(ws, op["id"], 0)
    assert _queued(sub["id"]) == queued

    drain()
    events = _ours(receiver, ids)
    assert sorted((e["type"], e["data"]["id"]) for e in events) == sorted(
        ("contact.updated", x["id"]) for x in (b, d)
    )
    assert all(e["data"]["tags"] == ["x"] for e in events) and len({e["id"] for e in events}) == 2

    # a bulk soft delete announces deletions; its undo announces the contacts back as updated
    deleted = c.post(BULK, json={"action": "soft_delete", "selection": {"ids": [b["id"]]}}).json()
    assert c.post(f"/api/v1/bulk-operations/{deleted['id']}/undo").json()["status"] == "undone"
    drain()
    later = _ours(receiver, ids)[len(events) :]
    # (sent concurrently: in any order)
    assert sorted((e["type"], e["data"]["id"], e["data"]["is_deleted"]) for e in later) == [
        ("contact.deleted", b["id"], True),
        ("contact.updated", b["id"], False),
    ]


def test_bulk_scoring_announces_the_contacts_whose_score_moved_as_scored_too(
    api: LocalApi,  # noqa: F811
    receiver: Receiver,  # noqa: F811
) -> None:
    ws = new_workspace()
    c = client(api, ws)
    people = [
        c.post("/api/v1/contacts", json={"email": f"p{n}.{ws}@score-example.com", "title": t}).json()
        for n, t in enumerate(("CEO", "VP Sales", "Engineer"))
    ]
    # subscribed after the creates (each announced its own first score): only the bulk's changes count
    subscriptions.create(ws, receiver.url, ["contact.updated", "contact.scored"])
    before = {p["id"]: c.get(f"/api/v1/contacts/{p['id']}").json() for p in people}
    # execs now fit: their score moves; the engineer's does not
    execs = {"seniority_in": ["c_suite", "vp"]}
    model = {"fit_criteria": [{"name": "execs", "points": 10, "conditions": execs}]}
    assert c.put("/api/v1/config/scoring-model", json=model).status_code == 200
    op = c.post(BULK, json={"action": "trigger_scoring", "selection": {"ids": list(before)}}).json()
    assert op["status"] == "complete"
    after = {cid: c.get(f"/api/v1/contacts/{cid}").json() for cid in before}
    moved = {
        cid
        for cid in before
        if (before[cid]["lead_score"], before[cid]["grade"])
        != (after[cid]["lead_score"], after[cid]["grade"])
    }
    assert moved == {people[0]["id"], people[1]["id"]} and op["changed"] == len(moved)

    drain()
    got = _ours(receiver, set(before))
    assert sorted((e["type"], e["data"]["id"]) for e in got) == sorted(
        [("contact.updated", cid) for cid in moved] + [("contact.scored", cid) for cid in moved]
    )
