"""The contact audit log end to end: real writes to DynamoDB Local, the real stream projector
into PostgreSQL, read back over real HTTP and through the query functions."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest

from functions.api import auth, contacts
from functions.common.contact_ids import without_email
from functions.common.context import JobContext
from functions.common.jobs import now_iso
from functions.common.rows import Row
from functions.dedup.commit import commit_rows
from functions.dedup.dedup import dedup_rows
from functions.query import audit, freshness
from functions.query.db import Database, get_database
from functions.query.stream import project_records
from local.server import LocalApi
from tests.integration.test_api_support import api, client, error_of, new_workspace  # noqa: F401

pytestmark = pytest.mark.integration


def _key_actor(c: httpx.Client) -> str:
    principal = auth.lookup(c.headers["Authorization"].split()[1])
    assert principal is not None
    return f"key:{principal.key_id}"


def _db() -> Database:
    db = get_database()
    assert db is not None
    return db


def _email() -> str:
    return f"ann.{uuid.uuid4().hex[:8]}@audit-example.com"


def _import(workspace: str, emails_fields: dict[str, dict[str, str]]) -> str:
    """Rows through dedup + commit as one import job would write them; the job id."""
    ctx = JobContext.from_options(f"job_audit_{uuid.uuid4().hex[:10]}", workspace, {}, now_iso())
    rows = [Row(n, [e], fields={"email": e, **f}) for n, (e, f) in enumerate(emails_fields.items(), start=1)]
    commit_rows(ctx, dedup_rows(ctx, rows))
    return ctx.job_id


def test_every_api_change_is_audited_newest_first_with_the_calling_key(api: LocalApi) -> None:  # noqa: F811
    c = client(api, new_workspace())
    email = _email()
    created = c.post("/api/v1/contacts", json={"email": email, "first_name": "Ann", "title": "CTO"})
    assert created.status_code == 201, created.text
    cid = created.json()["id"]
    assert c.patch(f"/api/v1/contacts/{cid}", json={"title": "CEO", "city": "Oslo"}).status_code == 200
    assert c.post(f"/api/v1/contacts/{cid}/tags", json={"add": ["vip"]}).status_code == 200
    assert (
        c.request("DELETE", f"/api/v1/contacts/{cid}", json={"deletion_reason": "bounced"}).status_code == 200
    )
    assert c.post(f"/api/v1/contacts/{cid}/restore").status_code == 200

    r = c.get(f"/api/v1/contacts/{cid}/audit")
    assert r.status_code == 200, r.text
    doc = r.json()
    entries = doc["data"]
    assert doc["meta"] == {"next_cursor": None, "has_more": False}
    assert {e["actor"] for e in entries} == {_key_actor(c)} and {e["source"] for e in entries} == {"api"}
    restored, deleted, tagged, patched, creation = [e["changes"] for e in entries]
    assert restored["is_deleted"] == {"before": True, "after": False}
    assert restored["deletion_reason"] == {"before": "bounced", "after": None}
    assert deleted["is_deleted"] == {"before": False, "after": True}
    assert tagged == {"tags": {"before": None, "after": ["vip"]}}
    assert patched["title"] == {"before": "CTO", "after": "CEO"}
    assert patched["city"] == {"before": None, "after": "Oslo"}
    assert creation["email"] == {"before": None, "after": email}
    assert creation["first_name"] == {"before": None, "after": "Ann"}
    assert [e["at"] for e in entries] == sorted((e["at"] for e in entries), reverse=True)

    # cursor paging walks the same entries, two at a time
    seen, cursor = [], None
    while True:
        page = c.get(
            f"/api/v1/contacts/{cid}/audit", params={"page_size": 2, **({"cursor": cursor} if cursor else {})}
        )
        assert page.status_code == 200, page.text
        seen += [e["id"] for e in page.json()["data"]]
        cursor = page.json()["meta"]["next_cursor"]
        if not page.json()["meta"]["has_more"]:
            break
    assert seen == [e["id"] for e in entries]
    bad = c.get(f"/api/v1/contacts/{cid}/audit", params={"cursor": "nonsense"})
    assert bad.status_code == 400 and error_of(bad)["field"] == "cursor"


def test_an_import_and_a_rescore_are_audited_as_the_job_and_the_events(api: LocalApi) -> None:  # noqa: F811
    ws = new_workspace()
    c = client(api, ws)
    email = _email()
    first = _import(ws, {email: {"first_name": "Ann"}})
    second = _import(ws, {email: {"title": "VP of Sales"}})
    item = contacts.item_by_email(ws, email)
    assert item is not None
    replied = {
        "id": f"ev_{uuid.uuid4().hex[:8]}",
        "type": "replied",
        "email": email,
        "occurred_at": now_iso(),
    }
    assert c.post("/api/v1/engagement-events", json={"events": [replied]}).status_code in (200, 202)

    entries = audit.page(_db(), ws, item["contact_id"]).entries
    by_source = [(e["source"], e["actor"]) for e in entries]
    assert by_source == [("rescore", "events"), ("import", f"job:{second}"), ("import", f"job:{first}")]
    assert entries[1]["changes"]["title"] == {"before": None, "after": "VP of Sales"}
    rescored = entries[0]["changes"]
    assert rescored["lead_score"]["after"] is not None and rescored["grade"]["after"] is not None

    # what one actor changed, for undo and rollback
    changed = list(audit.entries_by_actor(_db(), ws, f"job:{second}"))
    assert [(cid, e) for cid, e, _ in changed] == [(item["contact_id"], email)]
    assert changed[0][2]["title"]["after"] == "VP of Sales"
    assert list(audit.entries_by_actor(_db(), new_workspace(), f"job:{second}")) == []


def test_a_redelivered_batch_adds_nothing_and_an_erasure_leaves_only_the_retention_log(
    api: LocalApi,  # noqa: F811
) -> None:
    ws = new_workspace()
    c = client(api, ws)
    created = c.post("/api/v1/contacts", json={"email": _email(), "first_name": "Ann"}).json()
    cid = created["id"]
    c.patch(f"/api/v1/contacts/{cid}", json={"title": "CEO"})
    db = _db()
    freshness.settle()
    rows = db.query("SELECT id FROM contact_audit WHERE workspace_id = :ws ORDER BY id", {"ws": ws})
    assert len(rows) == 2
    # the same records again (a redelivery): rebuilt from what the table holds, same event ids
    again = db.query(
        "SELECT id, workspace_id, contact_id, email, at, version, actor, source, changes "
        "FROM contact_audit WHERE workspace_id = :ws",
        {"ws": ws},
    )
    records = [
        {
            "eventID": r["id"],
            "eventName": "MODIFY",
            "dynamodb": {
                "NewImage": {
                    "workspace_id": {"S": ws},
                    "email": {"S": r["email"]},
                    "contact_id": {"S": cid},
                    "version": {"N": str(r["version"])},
                    "fields": {"M": {"title": {"S": "Changed"}}},
                    "updated_at": {"S": now_iso()},
                }
            },
        }
        for r in again
    ]
    project_records(db, records)
    assert len(db.query("SELECT id FROM contact_audit WHERE workspace_id = :ws", {"ws": ws})) == 2

    erased = c.request("DELETE", f"/api/v1/contacts/{cid}?hard=true")
    assert erased.status_code == 200, erased.text
    freshness.settle()
    assert db.query("SELECT id FROM contact_audit WHERE contact_id = :c", {"c": cid}) == []
    log = audit.retention_log(db, ws)
    # no personal data left: not the email, nor the id's part that carries it
    assert [e["contact_id"] for e in log] == [without_email(cid)]
    assert "@" not in str(log) and cid.rsplit("_", 1)[-1] not in str(log)
    # a late copy of an older write (a new event id) finds the tombstone: nothing comes back
    late = {**records[0], "eventID": uuid.uuid4().hex}
    project_records(db, [late])
    assert db.query("SELECT id FROM contact_audit WHERE contact_id = :c", {"c": cid}) == []


def test_an_email_change_keeps_the_history_whatever_order_its_records_arrive_in() -> None:
    """An email change removes the old email's item (its tombstone keeps that email's late images
    out of the read model) but the contact lives on: an entry projected after the removal, e.g.
    its creation in a later or concurrent batch, is still kept. Only an erasure's tombstone
    keeps entries out (the test above)."""
    db = _db()
    ws, cid = new_workspace(), f"cont_{uuid.uuid4().hex[:12]}"
    old, new = _email(), _email()

    def image(email: str, version: int, **extra: dict[str, str]) -> dict[str, Any]:
        item = {
            "workspace_id": {"S": ws},
            "email": {"S": email},
            "contact_id": {"S": cid},
            "version": {"N": str(version)},
            "fields": {"M": {"title": {"S": "CTO"}}},
            "updated_at": {"S": now_iso()},
        }
        return item | extra

    created = {"eventID": uuid.uuid4().hex, "eventName": "INSERT", "dynamodb": {"NewImage": image(old, 1)}}
    moved_away = {
        "eventID": uuid.uuid4().hex,
        "eventName": "REMOVE",
        "dynamodb": {"OldImage": image(old, 2, moved_to={"S": new})},
    }
    arrived = {
        "eventID": uuid.uuid4().hex,
        "eventName": "INSERT",
        "dynamodb": {"NewImage": image(new, 3, moved_from={"S": old})},
    }
    project_records(db, [moved_away, arrived])
    project_records(db, [created])  # late: after the old email's tombstone
    entries = db.query("SELECT version FROM contact_audit WHERE contact_id = :c ORDER BY version", {"c": cid})
    assert [e["version"] for e in entries] == [1, 3]
    rows = db.query("SELECT email FROM contacts WHERE contact_id = :c", {"c": cid})
    assert [r["email"] for r in rows] == [new]  # the old email's late image stayed out


def test_entries_past_their_workspace_retention_are_purged() -> None:
    db = _db()
    short, default = new_workspace(), new_workspace()
    old = (datetime.now(UTC) - timedelta(days=40)).isoformat()
    ancient = (datetime.now(UTC) - timedelta(days=800)).isoformat()
    for ws in (short, default):
        for n, at in enumerate((old, ancient, now_iso())):
            db.execute(
                """INSERT INTO contact_audit (id, workspace_id, contact_id, email, at, version, actor, source, changes)
                VALUES (:id, :ws, 'cont_x', 'x@audit-example.com', :at::timestamptz, :v, 'cli', 'cli', '{}'::jsonb)""",
                {"id": f"{ws}-{n}", "ws": ws, "at": at, "v": n},
            )
    audit.purge_expired(db, {short: 30})
    left = {
        ws: sorted(
            r["version"]
            for r in db.query("SELECT version FROM contact_audit WHERE workspace_id = :ws", {"ws": ws})
        )
        for ws in (short, default)
    }
    assert left == {short: [2], default: [0, 2]}
