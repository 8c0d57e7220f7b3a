"""Email change under the ownership rules, and merge + undo, over real HTTP on DynamoDB Local
with the read model and audit log projected from the real stream."""

from __future__ import annotations

import json
import uuid
from typing import Any

import httpx
import pytest

from functions.api import auth, contacts
from functions.common import admin, ddb
from functions.common.aws import client as aws_client
from functions.common.jobs import now_iso
from functions.common.models import ConfigItem, table_name
from functions.events import store
from functions.query import audit
from functions.query.db import get_database
from local.server import LocalApi
from tests.integration.test_api_support import api, client, error_of, new_workspace  # noqa: F401

pytestmark = pytest.mark.integration
BOOKKEEPING = {"version", "updated_at", "changed_by", "change_source"}


def _email(tag: str = "p") -> str:
    return f"{tag}.{uuid.uuid4().hex[:8]}@mail-example.com"


def _engine(api: LocalApi, ws: str) -> httpx.Client:  # noqa: F811
    return client(api, ws, (auth.EVENTS_WRITE, auth.CONTACTS_READ))


def _event(email: str, kind: str = "opened") -> dict[str, Any]:
    return {"id": f"ev_{uuid.uuid4().hex[:10]}", "type": kind, "email": email, "occurred_at": now_iso()}


def _item(ws: str, contact_id: str) -> dict[str, Any]:
    return contacts.item_by_id(ws, contact_id)


def _bare(item: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in item.items() if k not in BOOKKEEPING}


def test_a_new_email_moves_the_contact_releases_the_old_claim_and_keeps_its_history(
    api: LocalApi,  # noqa: F811
) -> None:
    ws = new_workspace()
    c = client(api, ws)
    old, new = _email("old"), _email("new")
    created = c.post("/api/v1/contacts", json={"email": old, "client_id": "client_a", "title": "CTO"}).json()
    assert admin.assignment_history(old)["active"]["client_id"] == "client_a"

    r = c.patch(f"/api/v1/contacts/{created['id']}", json={"email": new.upper(), "city": "Oslo"})
    assert r.status_code == 200, r.text
    assert (r.json()["id"], r.json()["email"], r.json()["city"], r.json()["title"]) == (
        created["id"],
        new,
        "Oslo",
        "CTO",
    )
    assert c.get(f"/api/v1/contacts/{created['id']}").json()["email"] == new
    assert contacts.item_by_email(ws, old) is None
    assert admin.assignment_history(new)["active"]["client_id"] == "client_a"
    released = admin.assignment_history(old)
    assert released["active"] is None
    assert [(h["client_id"], bool(h.get("released_at"))) for h in released["history"]] == [("client_a", True)]

    listed = [x["email"] for x in c.get("/api/v1/contacts").json()["data"]]
    assert listed == [new]
    entries = c.get(f"/api/v1/contacts/{created['id']}/audit").json()["data"]
    assert entries[0]["changes"]["city"] == {"before": None, "after": "Oslo"}
    assert entries[1]["changes"] == {"email": {"before": old, "after": new}}
    assert entries[-1]["changes"]["title"] == {"before": None, "after": "CTO"}  # the history came along


def test_an_email_another_client_holds_is_refused_naming_the_rule(api: LocalApi) -> None:  # noqa: F811
    taken = _email("taken")
    a, b = client(api, new_workspace()), client(api, new_workspace())
    assert a.post("/api/v1/contacts", json={"email": taken, "client_id": "client_a"}).status_code == 201
    mine = b.post("/api/v1/contacts", json={"email": _email(), "client_id": "client_b"}).json()
    r = b.patch(f"/api/v1/contacts/{mine['id']}", json={"email": taken})
    assert r.status_code == 409, r.text
    err = error_of(r)
    assert (err["code"], err["field"]) == ("conflict", "email")
    assert err["message"].startswith("OWNED_BY_OTHER_CLIENT") and "client_a" in err["message"]
    assert b.get(f"/api/v1/contacts/{mine['id']}").json()["email"] == mine["email"]
    assert admin.assignment_history(mine["email"])["active"]["client_id"] == "client_b"


def test_an_email_another_contact_here_has_is_409_unless_compliance_forces_the_merge(
    api: LocalApi,  # noqa: F811
) -> None:
    ws = new_workspace()
    c = client(api, ws, (auth.CONTACTS_READ, auth.CONTACTS_WRITE))
    holder = c.post("/api/v1/contacts", json={"email": _email("holder"), "tags": ["h"]}).json()
    typo = c.post("/api/v1/contacts", json={"email": _email("typo"), "tags": ["t"], "city": "Rome"}).json()
    r = c.patch(f"/api/v1/contacts/{typo['id']}", json={"email": holder["email"]})
    assert (
        r.status_code == 409 and holder["id"] in error_of(r)["message"] and "merge" in error_of(r)["message"]
    )
    forced = c.patch(
        f"/api/v1/contacts/{typo['id']}", params={"force_merge": "true"}, json={"email": holder["email"]}
    )
    assert forced.status_code == 403 and "admin:compliance" in error_of(forced)["message"]

    compliance = client(api, ws, (auth.CONTACTS_READ, auth.CONTACTS_WRITE, auth.ADMIN_COMPLIANCE))
    done = compliance.patch(
        f"/api/v1/contacts/{typo['id']}", params={"force_merge": "true"}, json={"email": holder["email"]}
    )
    assert done.status_code == 200, done.text
    assert (done.json()["id"], done.json()["tags"], done.json()["city"]) == (holder["id"], ["h", "t"], "Rome")
    archived = c.get(f"/api/v1/contacts/{typo['id']}").json()
    assert archived["is_deleted"] is True and archived["deletion_reason"] == "merged"


def test_merge_then_undo_restores_both_contacts_and_the_timelines_exactly(api: LocalApi) -> None:  # noqa: F811
    ws = new_workspace()
    c = client(api, ws)
    older = c.post(
        "/api/v1/contacts",
        json={"email": _email("older"), "first_name": "Ann", "title": "CTO", "tags": ["a", "x"]},
    ).json()
    newer = c.post(
        "/api/v1/contacts",
        json={
            "email": _email("newer"),
            "title": "CEO",
            "city": "Oslo",
            "tags": ["X", "b"],
            "custom_fields": {},
        },
    ).json()
    engine = _engine(api, ws)
    assert (
        engine.post(
            "/api/v1/engagement-events", json={"events": [_event(newer["email"], "replied")]}
        ).status_code
        == 200
    )
    assert (
        engine.post("/api/v1/engagement-events", json={"events": [_event(older["email"])]}).status_code == 200
    )
    before = {cid: _item(ws, cid) for cid in (older["id"], newer["id"])}
    timelines = {e: store.all_events(ws, e) for e in (older["email"], newer["email"])}

    # merged from the newer contact's side: the older id survives all the same
    r = c.post(f"/api/v1/contacts/{newer['id']}/merge", json={"other_id": older["id"]})
    assert r.status_code == 200, r.text
    doc = r.json()
    assert doc["contact"]["id"] == older["id"] and doc["archived_id"] == newer["id"]
    assert doc["contact"]["tags"] == ["a", "x", "b"]  # united, case-insensitively
    assert (doc["contact"]["first_name"], doc["contact"]["city"], doc["contact"]["title"]) == (
        "Ann",
        "Oslo",
        "CTO",
    )
    assert {"field": "title", "kept": "CTO", "discarded": "CEO"} in doc["conflicts"]
    assert {x["field"] for x in doc["conflicts"]} == {"title", "department"}  # derived from the titles
    archived = c.get(f"/api/v1/contacts/{newer['id']}").json()
    assert (archived["is_deleted"], archived["deletion_reason"]) == (True, "merged")
    joined = store.all_events(ws, older["email"])
    assert len(joined) == 2 and {e.type for e in joined} == {"opened", "replied"}
    survivor_audit = c.get(f"/api/v1/contacts/{older['id']}/audit").json()["data"][0]
    assert (survivor_audit["actor"], survivor_audit["source"]) == (f"merge:{doc['merge_id']}", "merge")

    undone = c.post(f"/api/v1/merges/{doc['merge_id']}/undo")
    assert undone.status_code == 200, undone.text
    assert undone.json()["status"] == "undone"
    for cid, image in before.items():
        after = _item(ws, cid)
        assert _bare(after) == _bare(image)  # every attribute but the version and who wrote it
        assert int(after["version"]) > int(image["version"])
    assert {e: store.all_events(ws, e) for e in timelines} == timelines
    again = c.post(f"/api/v1/merges/{doc['merge_id']}/undo")
    assert again.status_code == 200 and again.json()["undone_at"] == undone.json()["undone_at"]
    listed = {x["id"]: x["is_deleted"] for x in c.get("/api/v1/contacts").json()["data"]}
    assert listed == {older["id"]: False, newer["id"]: False}


def test_undo_after_seven_days_is_merge_permanent_and_after_a_later_edit_a_conflict(api: LocalApi) -> None:  # noqa: F811
    ws = new_workspace()
    c = client(api, ws)
    a = c.post("/api/v1/contacts", json={"email": _email("a")}).json()
    b = c.post("/api/v1/contacts", json={"email": _email("b")}).json()
    merge_id = c.post(f"/api/v1/contacts/{a['id']}/merge", json={"other_id": b["id"]}).json()["merge_id"]
    c.patch(f"/api/v1/contacts/{a['id']}", json={"title": "Changed since"})
    r = c.post(f"/api/v1/merges/{merge_id}/undo")
    assert (
        r.status_code == 409
        and error_of(r)["code"] == "conflict"
        and "changed after the merge" in error_of(r)["message"]
    )

    key = {"pk": {"S": ws}, "sk": {"S": f"MERGE#{merge_id}"}}
    doc = json.loads(
        ddb.from_item(aws_client("dynamodb").get_item(TableName=table_name(ConfigItem), Key=key)["Item"])[
            "doc"
        ]
    )
    doc["undo_until"] = "2020-01-01T00:00:00.000Z"  # the week is over
    aws_client("dynamodb").update_item(
        TableName=table_name(ConfigItem),
        Key=key,
        UpdateExpression="SET doc = :d",
        ExpressionAttributeValues={":d": {"S": json.dumps(doc)}},
    )
    r = c.post(f"/api/v1/merges/{merge_id}/undo")
    assert r.status_code == 409 and error_of(r)["code"] == "merge_permanent"
    bad = c.post(f"/api/v1/contacts/{a['id']}/merge", json={"other_id": a["id"]})
    assert bad.status_code == 400 and error_of(bad)["field"] == "other_id"
    deleted = c.post(f"/api/v1/contacts/{a['id']}/merge", json={"other_id": b["id"]})
    assert deleted.status_code == 409  # b is archived
    db = get_database()
    assert db is not None and list(audit.entries_by_actor(db, ws, f"merge:{merge_id}"))


def _person(email: str) -> dict[str, Any]:
    from functions.common.models import GlobalContact

    item = aws_client("dynamodb").get_item(
        TableName=table_name(GlobalContact), Key={"email": {"S": email}}, ConsistentRead=True
    )
    return dict(item.get("Item") or {})


def test_merge_joins_the_workspace_timeline_but_leaves_each_emails_global_counters_as_they_are(
    api: LocalApi,  # noqa: F811
) -> None:
    """GlobalContact is platform-wide and keyed on the email (seed: "Cross-workspace engagement
    history"): its counters belong to an address, which other workspaces share and the archived
    contact keeps. Summing the other's into the survivor's would count the other address's sends
    for every workspace holding the survivor's, twice (the other's row stays), and carry a bounce
    of one mailbox onto another; so merge joins only this workspace's timeline."""
    ws = new_workspace()
    c = client(api, ws)
    older = c.post("/api/v1/contacts", json={"email": _email("old")}).json()
    newer = c.post("/api/v1/contacts", json={"email": _email("new")}).json()
    engine = _engine(api, ws)
    sent = [_event(newer["email"], "sent"), _event(newer["email"], "replied"), _event(older["email"], "sent")]
    assert engine.post("/api/v1/engagement-events", json={"events": sent}).status_code == 200
    people = {e: _person(e) for e in (older["email"], newer["email"])}
    assert people[newer["email"]]["total_sent"] == {"N": "1"}

    doc = c.post(f"/api/v1/contacts/{older['id']}/merge", json={"other_id": newer["id"]}).json()
    assert {e: _person(e) for e in people} == people
    survivor = c.get(f"/api/v1/contacts/{older['id']}").json()
    assert survivor["engagement"]["total_sent"] == 1 and survivor["engagement"]["total_responses"] == 0
    assert len(store.all_events(ws, older["email"])) == 3  # the timeline is joined

    assert c.post(f"/api/v1/merges/{doc['merge_id']}/undo").status_code == 200
    assert {e: _person(e) for e in people} == people
