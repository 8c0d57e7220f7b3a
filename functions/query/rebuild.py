"""Rebuilding the read model from DynamoDB (the system of record), and how far behind it is.

A rebuild reads the workspace's contacts (or every contact) from the Contacts table and applies
them as images through the same version-guarded upsert the projector uses, backfills their
emails' engagement counters from GlobalContacts (as the GlobalContacts stream would), re-reads
the Companies of their domains and carries those firmographics to `companies` and to every row at
those domains (as the Companies stream would: a row whose contact did not change keeps its
version, so the upsert alone would leave its company columns stale), then deletes the rows
DynamoDB no longer has. It is safe while the projector runs: both only ever move a row
forward.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from functions.common import ddb
from functions.common.aws import client
from functions.common.models import Contact, GlobalContact, table_name
from functions.query import projector
from functions.query.db import Database
from functions.query.rows import Change, KeyedChange, engagement, firmographics

BATCH = 500


def _pages(workspace_id: str | None) -> Iterator[list[dict[str, Any]]]:
    if workspace_id is not None:
        pages = (
            client("dynamodb")
            .get_paginator("query")
            .paginate(
                TableName=table_name(Contact),
                KeyConditionExpression="workspace_id = :w",
                ExpressionAttributeValues={":w": {"S": workspace_id}},
                ConsistentRead=True,
            )
        )
    else:
        pages = (
            client("dynamodb")
            .get_paginator("scan")
            .paginate(TableName=table_name(Contact), ConsistentRead=True)
        )
    for page in pages:
        yield [ddb.from_item(i) for i in page.get("Items", [])]


def _change(item: dict[str, Any]) -> Change:
    return Change(
        workspace_id=str(item["workspace_id"]),
        email=str(item["email"]),
        contact_id=str(item["contact_id"]),
        version=int(item.get("version") or 1),
        removed=False,
        item=item,
    )


def _counters(emails: Iterable[str]) -> list[KeyedChange]:
    """The engagement counters of these emails as GlobalContacts holds them (defaults without one)."""
    wanted = sorted(set(emails))
    found = ddb.batch_get(table_name(GlobalContact), [{"email": e} for e in wanted]) if wanted else []
    people = {str(p["email"]): p for p in found}
    return [KeyedChange(e, engagement(people.get(e))) for e in wanted]


def _refresh_companies(db: Database, domains: Iterable[str], done: set[str]) -> tuple[int, int]:
    """The Companies of these domains (once per rebuild) as DynamoDB holds them, carried to the
    read model; (domains read, contact rows changed). A domain without a Company gets empty
    firmographics, as its contacts' projection does."""
    wanted = sorted({d for d in domains if d} - done)
    if not wanted:
        return 0, 0
    done.update(wanted)
    found = projector.companies(wanted)
    changed = projector.apply_companies(db, [KeyedChange(d, firmographics(found.get(d))) for d in wanted])
    return len(wanted), changed


_STALE = """
DELETE FROM contacts c
WHERE c.workspace_id = :ws
  AND NOT EXISTS (SELECT 1 FROM jsonb_array_elements_text(:emails::jsonb) AS e WHERE e = c.email)
"""


# the workspace's row count the triggers keep (migrations/0012), counted afresh
_RECOUNT = """
INSERT INTO workspace_counts (workspace_id, contacts)
SELECT :ws, count(*) FROM contacts WHERE workspace_id = :ws
ON CONFLICT (workspace_id) DO UPDATE SET contacts = EXCLUDED.contacts
"""
# and its per-tag counts (migrations/0017): the tags it no longer has at zero, the others counted
_RECOUNT_TAGS = """
INSERT INTO workspace_tag_counts AS w (workspace_id, tag, contacts)
SELECT :ws, k.tag, count(c.email) FROM (
  SELECT tag FROM workspace_tag_counts WHERE workspace_id = :ws
  UNION SELECT DISTINCT unnest(tags_lc) FROM contacts WHERE workspace_id = :ws
) k LEFT JOIN contacts c ON c.workspace_id = :ws AND c.tags_lc @> ARRAY[k.tag]
GROUP BY k.tag ORDER BY k.tag
ON CONFLICT (workspace_id, tag) DO UPDATE SET contacts = EXCLUDED.contacts
"""


def rebuild(db: Database, workspace_id: str | None = None) -> dict[str, int]:
    """Project every contact of one workspace (or all) from DynamoDB; drop rows it no longer has."""
    seen: dict[str, list[str]] = {}
    projected = companies = company_rows = 0
    refreshed: set[str] = set()
    for items in _pages(workspace_id):
        for start in range(0, len(items), BATCH):
            batch = [i for i in items[start : start + BATCH] if i.get("contact_id")]
            # first: a contact row upserted next reads its domain's fresh firmographics
            read, changed = _refresh_companies(
                db, (str(i.get("company_domain") or "") for i in batch), refreshed
            )
            companies, company_rows = companies + read, company_rows + changed
            projector.apply(db, [_change(i) for i in batch])
            projector.apply_engagement(db, _counters(str(i["email"]) for i in batch))
            projected += len(batch)
            for i in batch:
                seen.setdefault(str(i["workspace_id"]), []).append(str(i["email"]))
    workspaces = [workspace_id] if workspace_id is not None else _workspaces(db)
    removed = 0
    for ws in workspaces:
        removed += db.execute(_STALE, {"ws": ws, "emails": seen.get(ws, [])})
        db.execute(_RECOUNT, {"ws": ws})
        db.execute(_RECOUNT_TAGS, {"ws": ws})
    return {"projected": projected, "removed": removed, "companies": companies, "company_rows": company_rows}


def _workspaces(db: Database) -> list[str]:
    return [r["workspace_id"] for r in db.query("SELECT DISTINCT workspace_id FROM contacts")]


@dataclass
class Status:
    workspace_id: str | None
    in_dynamodb: int
    in_read_model: int
    behind: int  # contacts whose read-model row is missing or at a lower version
    extra: int  # rows DynamoDB no longer has
    last_projected_at: str | None
    checkpoint_lag_s: float | None  # one machine: age of the newest stream record projected

    def as_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


def status(db: Database, workspace_id: str | None = None) -> Status:
    live: dict[tuple[str, str], int] = {}
    for items in _pages(workspace_id):
        for i in items:
            live[(str(i["workspace_id"]), str(i["email"]))] = int(i.get("version") or 1)
    where, params = ("WHERE workspace_id = :ws", {"ws": workspace_id}) if workspace_id else ("", {})
    rows = db.query(f"SELECT workspace_id, email, version FROM contacts {where}", params)
    projected = {(r["workspace_id"], r["email"]): int(r["version"]) for r in rows}
    behind = sum(1 for key, version in live.items() if projected.get(key, 0) < version)
    extra = sum(1 for key in projected if key not in live)
    last = db.query(f"SELECT max(projected_at)::text AS at FROM contacts {where}", params)[0]["at"]
    lag = None
    checkpoint = db.query(
        "SELECT extract(epoch FROM (now() - max(record_time)))::float8 AS lag FROM stream_checkpoints"
    )
    if checkpoint and checkpoint[0]["lag"] is not None:
        lag = float(checkpoint[0]["lag"])
    return Status(workspace_id, len(live), len(projected), behind, extra, last, lag)
