"""Segments: named selections of a workspace's contacts.

- dynamic: a stored filter (the search body's `filters` / `filters_logic`), evaluated on every
  read, so a contact appears as soon as the read model holds it (an import's contacts do by the
  time it reports `complete`);
- static: explicit members, added and removed by contact id or by a filter evaluated once.

Definitions and members live in the Config table (`segment#<id>`, `segment_member#<id>#<contact>`),
the system of record; members are written through to the read model's `segment_members`, which
list and search join on.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterable, Mapping
from typing import Any

from functions.common import ddb
from functions.common.aws import client
from functions.common.jobs import now_iso
from functions.common.models import ConfigItem, table_name
from functions.query import freshness, sql
from functions.query.db import Database, json_value
from functions.query.sql import Params, QueryError, group_from

PREFIX = "segment#"
MEMBER_PREFIX = "segment_member#"
MAX_SEGMENTS = 500
KINDS = ("dynamic", "static")


class SegmentNotFound(LookupError):
    pass


def new_segment_id() -> str:
    return f"seg_{secrets.token_hex(8)}"


def _query(workspace_id: str, prefix: str) -> list[dict[str, Any]]:
    pages = (
        client("dynamodb")
        .get_paginator("query")
        .paginate(
            TableName=table_name(ConfigItem),
            KeyConditionExpression="pk = :p AND begins_with(sk, :s)",
            ExpressionAttributeValues={":p": {"S": workspace_id}, ":s": {"S": prefix}},
            ConsistentRead=True,
        )
    )
    return [ddb.from_item(i) for page in pages for i in page.get("Items", [])]


def _doc(item: Mapping[str, Any]) -> dict[str, Any]:
    return dict(json_value(item.get("doc")) or {})


def list_docs(workspace_id: str) -> list[dict[str, Any]]:
    return sorted((_doc(i) for i in _query(workspace_id, PREFIX)), key=lambda d: d["created_at"])


def get_doc(workspace_id: str, segment_id: str) -> dict[str, Any]:
    try:
        item = ConfigItem.get(workspace_id, PREFIX + segment_id, consistent_read=True)
    except ConfigItem.DoesNotExist:
        raise SegmentNotFound(f"no segment {segment_id} in this workspace") from None
    return dict(json_value(item.doc) or {})


def validate_filter(doc: Mapping[str, Any], custom_types: Mapping[str, str]) -> sql.Group:
    """The stored filter as a Group, compiled once so a bad filter is refused when saved."""
    group = group_from(doc)
    sql.where_group(group, custom_types, Params(), "filter.filters")
    return group


def create(workspace_id: str, body: Mapping[str, Any], custom_types: Mapping[str, str]) -> dict[str, Any]:
    kind = body.get("type", "dynamic")
    if kind not in KINDS:
        raise QueryError("type must be dynamic or static", field="type")
    flt = body.get("filter")
    if kind == "dynamic":
        if not isinstance(flt, Mapping):
            raise QueryError("a dynamic segment needs a filter", field="filter")
        validate_filter(flt, custom_types)
    elif flt is not None:
        raise QueryError("a static segment has members, not a filter", field="filter")
    if len(_query(workspace_id, PREFIX)) >= MAX_SEGMENTS:
        raise QueryError(f"a workspace has at most {MAX_SEGMENTS} segments", field="name")
    now = now_iso()
    doc = {
        "id": new_segment_id(),
        "name": body["name"],
        "description": body.get("description"),
        "type": kind,
        "filter": dict(flt) if flt is not None else None,
        "created_at": now,
        "updated_at": now,
    }
    ConfigItem(workspace_id, PREFIX + doc["id"], doc=doc, updated_at=now).save()
    return doc


def update(
    workspace_id: str, segment_id: str, changes: Mapping[str, Any], custom_types: Mapping[str, str]
) -> dict[str, Any]:
    doc = get_doc(workspace_id, segment_id)
    if "filter" in changes:
        if doc["type"] != "dynamic":
            raise QueryError("a static segment has members, not a filter", field="filter")
        if not isinstance(changes["filter"], Mapping):
            raise QueryError("a dynamic segment needs a filter", field="filter")
        validate_filter(changes["filter"], custom_types)
    doc = {**doc, **{k: v for k, v in changes.items() if k in ("name", "description", "filter")}}
    doc["updated_at"] = now_iso()
    ConfigItem(workspace_id, PREFIX + segment_id, doc=doc, updated_at=doc["updated_at"]).save()
    return doc


def delete(db: Database, workspace_id: str, segment_id: str) -> None:
    get_doc(workspace_id, segment_id)
    members = _query(workspace_id, f"{MEMBER_PREFIX}{segment_id}#")
    _delete_items(workspace_id, [m["sk"] for m in members])
    db.execute(
        "DELETE FROM segment_members WHERE workspace_id = :ws AND segment_id = :seg",
        {"ws": workspace_id, "seg": segment_id},
    )
    ConfigItem(workspace_id, PREFIX + segment_id).delete()


def _delete_items(workspace_id: str, sort_keys: list[str]) -> None:
    for start in range(0, len(sort_keys), 25):
        requests = [
            {"DeleteRequest": {"Key": {"pk": {"S": workspace_id}, "sk": {"S": sk}}}}
            for sk in sort_keys[start : start + 25]
        ]
        pending = {table_name(ConfigItem): requests}
        while pending:
            resp = client("dynamodb").batch_write_item(RequestItems=pending)
            pending = resp.get("UnprocessedItems") or {}


# --- evaluation ----------------------------------------------------------------------------------


def condition(workspace_id: str, segment_id: str, custom_types: Mapping[str, str], params: Params) -> str:
    """The SQL condition selecting a segment's contacts (for list and search)."""
    return _condition(get_doc(workspace_id, segment_id), custom_types, params)


def _condition(doc: Mapping[str, Any], custom_types: Mapping[str, str], params: Params) -> str:
    if doc["type"] == "dynamic":
        return sql.where_group(group_from(doc["filter"] or {}), custom_types, params, "segment")
    seg = params.add(doc["id"])
    return (
        "EXISTS (SELECT 1 FROM segment_members m WHERE m.workspace_id = contacts.workspace_id"
        f" AND m.segment_id = {seg}::text AND m.contact_id = contacts.contact_id)"
    )


def count(db: Database, workspace_id: str, segment_id: str, custom_types: Mapping[str, str]) -> int:
    params = Params()
    where = condition(workspace_id, segment_id, custom_types, params)
    freshness.settle()
    return int(db.query(sql.select_count([where]), {**params.values, "ws": workspace_id})[0]["n"])


def of_contact(
    db: Database, workspace_id: str, contact_id: str, custom_types: Mapping[str, str]
) -> list[str]:
    """The ids of the segments a contact is in."""
    docs = list_docs(workspace_id)
    if not docs:
        return []
    freshness.settle()
    params = Params()
    cases = [
        f"CASE WHEN {_condition(doc, custom_types, params)} THEN {params.add(doc['id'])}::text END AS s{n}"
        for n, doc in enumerate(docs)
    ]
    rows = db.query(
        f"SELECT {', '.join(cases)} FROM contacts WHERE workspace_id = :ws AND contact_id = :cid",
        {**params.values, "ws": workspace_id, "cid": contact_id},
    )
    return [v for r in rows[:1] for v in r.values() if v]


# --- static members ------------------------------------------------------------------------------

_EXISTING = """
SELECT contact_id FROM contacts
WHERE workspace_id = :ws AND contact_id IN (SELECT jsonb_array_elements_text(:ids::jsonb))
"""
_ADD = """
INSERT INTO segment_members (workspace_id, segment_id, contact_id)
SELECT :ws, :seg, jsonb_array_elements_text(:ids::jsonb)
ON CONFLICT DO NOTHING
"""
_REMOVE = """
DELETE FROM segment_members
WHERE workspace_id = :ws AND segment_id = :seg AND contact_id IN (SELECT jsonb_array_elements_text(:ids::jsonb))
"""


def member_sk(segment_id: str, contact_id: str) -> str:
    """The sort key of a static member's Config item (under the workspace's `pk`)."""
    return f"{MEMBER_PREFIX}{segment_id}#{contact_id}"


def project_members(
    db: Database, workspace_id: str, segment_id: str, *, added: list[str], removed: list[str]
) -> None:
    """Write member changes already made in DynamoDB through to the read model (idempotent)."""
    if added:
        db.execute(_ADD, {"ws": workspace_id, "seg": segment_id, "ids": added})
    if removed:
        db.execute(_REMOVE, {"ws": workspace_id, "seg": segment_id, "ids": removed})


def change_members(
    db: Database,
    workspace_id: str,
    segment_id: str,
    *,
    add: Iterable[str] = (),
    remove: Iterable[str] = (),
    add_filter: Mapping[str, Any] | None = None,
    custom_types: Mapping[str, str] | None = None,
) -> dict[str, Any]:
    """Add and remove members of a static segment; ids that are not this workspace's contacts are
    reported as `not_found` and change nothing."""
    doc = get_doc(workspace_id, segment_id)
    if doc["type"] != "static":
        raise QueryError("members belong to static segments; a dynamic segment is its filter", field="add")
    types = custom_types or {}
    freshness.settle()
    wanted = sorted(set(add))
    if add_filter is not None:
        group = validate_filter(add_filter, types)
        params = Params()
        where = sql.where_group(group, types, params, "filter.filters")
        rows = db.query(
            f"SELECT contact_id FROM contacts WHERE workspace_id = :ws AND {where}",
            {**params.values, "ws": workspace_id},
        )
        wanted = sorted(set(wanted) | {r["contact_id"] for r in rows})
    found = (
        {r["contact_id"] for r in db.query(_EXISTING, {"ws": workspace_id, "ids": wanted})}
        if wanted
        else set()
    )
    added = [c for c in wanted if c in found]
    dropped = sorted(set(remove))
    now = now_iso()
    items = [
        {"pk": workspace_id, "sk": member_sk(segment_id, c), "doc": None, "updated_at": now} for c in added
    ]
    ddb.batch_put(table_name(ConfigItem), items)
    _delete_items(workspace_id, [member_sk(segment_id, c) for c in dropped])
    project_members(db, workspace_id, segment_id, added=added, removed=dropped)
    return {
        "added": len(added),
        "removed": len(dropped),
        "not_found": sorted(set(wanted) - found),
        "member_count": count(db, workspace_id, segment_id, types),
    }


def forget_contact(db: Database | None, workspace_id: str, contact_id: str) -> None:
    """A GDPR erasure: the contact leaves every static segment, in DynamoDB and the read model
    (its id may carry its email: `functions.common.contact_ids`)."""
    static = [d["id"] for d in list_docs(workspace_id) if d.get("type") == "static"]
    _delete_items(workspace_id, [f"{MEMBER_PREFIX}{seg}#{contact_id}" for seg in static])
    if db is not None:
        db.execute(
            "DELETE FROM segment_members WHERE workspace_id = :ws AND contact_id = :cid",
            {"ws": workspace_id, "cid": contact_id},
        )


def restore_members(db: Database, workspace_id: str | None = None) -> int:
    """Write the static members from DynamoDB back into the read model (part of a rebuild)."""
    if workspace_id is None:
        return 0
    members = _query(workspace_id, MEMBER_PREFIX)
    rows = [m["sk"].removeprefix(MEMBER_PREFIX).split("#", 1) for m in members]
    by_segment: dict[str, list[str]] = {}
    for seg, cid in rows:
        by_segment.setdefault(seg, []).append(cid)
    for seg, ids in by_segment.items():
        db.execute(_ADD, {"ws": workspace_id, "seg": seg, "ids": ids})
    return len(rows)
