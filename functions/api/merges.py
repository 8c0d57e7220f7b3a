"""Merging two contacts of a workspace, and undoing it within 7 days (seed: "Merging Duplicates").

The older contact (by `created_at`, then id) survives: tags united, its blank fields filled from
the other, values that differ reported as conflicts (the survivor's kept). The newer one is
archived (`is_deleted`, `deletion_reason` `merged`, `merged_into`), not deleted, so its
ownership claim and segment memberships stay where they were. The other's engagement timeline
is copied into the survivor's, so the survivor's history is both (the copies are listed).
The GlobalContact engagement counters are not combined: they belong to an email address,
platform-wide (other workspaces hold the same address; the archived contact keeps its own), so
summing would count one address's sends for every workspace holding the other, and carry one
mailbox's bounce onto another.

One transaction writes both contacts and the Merge record (Config table, `MERGE#<id>` under the
workspace), which keeps the full before-image of both items. Undo puts those images back, with
only the bookkeeping moved on (a higher `version`, `updated_at`, who did it), because the read
model and every conditional writer rely on versions only ever growing; then it removes the
copied events. Undo refuses when either contact changed after the merge (it would silently
drop that change) and after 7 days (`merge_permanent`); undoing twice answers the same.
"""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

from botocore.exceptions import ClientError

from functions.api.errors import ApiError, BadRequest, Conflict, NotFound
from functions.common import audit, ddb
from functions.common.aws import client
from functions.common.jobs import now_iso
from functions.common.models import ConfigItem, Contact, EngagementEvent, table_name
from functions.dedup.merge import union_tags

UNDO_DAYS = 7
BOOKKEEPING = ("version", "updated_at", audit.CHANGED_BY, audit.CHANGE_SOURCE)


class MergePermanent(ApiError):
    status, code = 409, "merge_permanent"


def merge_sk(merge_id: str) -> str:
    return f"MERGE#{merge_id}"


def _blank(value: Any) -> bool:
    return value is None or value == "" or value == [] or value == {}


def combine(survivor: dict[str, Any], other: dict[str, Any]) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """The survivor as merged (pure): tags united, blank fields filled; and the conflicts."""
    merged = dict(survivor)
    conflicts: list[dict[str, Any]] = []
    for part in ("fields", "custom_fields"):
        mine = dict(survivor.get(part) or {})
        prefix = "custom_fields." if part == "custom_fields" else ""
        for name, value in (other.get(part) or {}).items():
            if _blank(value):
                continue
            if _blank(mine.get(name)):
                mine[name] = value
            elif mine[name] != value:
                conflicts.append({"field": prefix + name, "kept": mine[name], "discarded": value})
        merged[part] = mine
    for name in ("company_domain", "client_id", "icp_tier", "lead_score", "grade", "score_breakdown"):
        if _blank(merged.get(name)) and not _blank(other.get(name)):
            merged[name] = other[name]
    merged["tags"] = union_tags(list(survivor.get("tags") or []), list(other.get("tags") or []))
    merged["dnt"] = bool(survivor.get("dnt")) or bool(other.get("dnt"))
    return merged, conflicts


def _older_first(a: dict[str, Any], b: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    return (
        (a, b)
        if (a.get("created_at") or "", a["contact_id"]) <= (b.get("created_at") or "", b["contact_id"])
        else (b, a)
    )


def _put(item: dict[str, Any], expected_version: Any) -> dict[str, Any]:
    return {
        "Put": {
            "TableName": table_name(Contact),
            "Item": {k: ddb.to_av(v) for k, v in item.items() if v is not None},
            "ConditionExpression": "#v = :v",
            "ExpressionAttributeNames": {"#v": "version"},
            "ExpressionAttributeValues": {":v": ddb.to_av(expected_version)},
        }
    }


def _next(item: dict[str, Any], now: str, actor: audit.Actor) -> dict[str, Any]:
    return {**item, "version": int(item.get("version") or 1) + 1, "updated_at": now, **actor.stamp()}


def _copy_timeline(workspace_id: str, from_email: str, to_email: str) -> list[str]:
    """The other's events copied into the survivor's timeline; the sort keys copied."""
    from functions.events.store import timeline_pk

    table = table_name(EngagementEvent)

    def events(email: str) -> list[dict[str, Any]]:
        pages = (
            client("dynamodb")
            .get_paginator("query")
            .paginate(
                TableName=table,
                KeyConditionExpression="pk = :pk",
                ExpressionAttributeValues={":pk": {"S": timeline_pk(workspace_id, email)}},
                ConsistentRead=True,
            )
        )
        return [ddb.from_item(raw) for page in pages for raw in page.get("Items", [])]

    own = {e["sk"] for e in events(to_email)}  # never overwritten, so undo never deletes one
    copies = [
        {**e, "pk": timeline_pk(workspace_id, to_email), "merged_from": from_email}
        for e in events(from_email)
        if e["sk"] not in own
    ]
    if copies:
        ddb.batch_put(table, copies)
    return [c["sk"] for c in copies]


def _delete_copies(workspace_id: str, email: str, sort_keys: list[str]) -> None:
    from functions.events.store import timeline_pk

    table = table_name(EngagementEvent)
    for batch in ddb.chunked(sort_keys, 25):
        pending = [
            {"DeleteRequest": {"Key": {"pk": {"S": timeline_pk(workspace_id, email)}, "sk": {"S": sk}}}}
            for sk in batch
        ]
        attempt = 0
        while pending:
            resp = client("dynamodb").batch_write_item(RequestItems={table: pending})
            pending = resp.get("UnprocessedItems", {}).get(table, [])
            if pending:
                attempt = ddb._backoff(attempt)


def merge(
    workspace_id: str, a: dict[str, Any], b: dict[str, Any], *, survivor_id: str | None = None
) -> dict[str, Any]:
    """Merge two live contacts (items as read); `survivor_id` overrides the older-survives rule
    (a forced email change keeps the contact that holds the email). The Merge record's view."""
    if a["contact_id"] == b["contact_id"]:
        raise BadRequest("a contact cannot be merged with itself", field="other_id")
    for item in (a, b):
        if item.get("is_deleted"):
            raise Conflict(
                f"contact {item['contact_id']} is deleted; restore it before merging", field="other_id"
            )
    survivor, other = _older_first(a, b)
    if survivor_id is not None and other["contact_id"] == survivor_id:
        survivor, other = other, survivor
    merge_id = f"merge_{uuid.uuid4().hex[:20]}"
    actor = audit.Actor(f"merge:{merge_id}", "merge")
    now = now_iso()
    combined, conflicts = combine(survivor, other)
    kept = _next(combined, now, actor)
    archived = _next(
        {
            **other,
            "is_deleted": True,
            "deleted_at": now,
            "deletion_reason": "merged",
            "merged_into": survivor["contact_id"],
        },
        now,
        actor,
    )
    undo_until = (
        (datetime.now(UTC) + timedelta(days=UNDO_DAYS))
        .isoformat(timespec="milliseconds")
        .replace("+00:00", "Z")
    )
    record = {
        "merge_id": merge_id,
        "status": "merged",
        "created_at": now,
        "undo_until": undo_until,
        "survivor_id": survivor["contact_id"],
        "archived_id": other["contact_id"],
        "conflicts": conflicts,
        "before": {"survivor": survivor, "archived": other},
        "after_versions": {"survivor": kept["version"], "archived": archived["version"]},
        "copied_events": [],
        "requested_by": audit.current().who,
    }
    try:
        client("dynamodb").transact_write_items(
            TransactItems=[
                _put(kept, survivor.get("version", 1)),
                _put(archived, other.get("version", 1)),
                _record_put(workspace_id, record, new=True),
            ]
        )
    except ClientError as exc:
        if exc.response["Error"]["Code"] == "TransactionCanceledException":
            raise Conflict("one of the contacts was changed meanwhile; read both and retry") from None
        raise
    record["copied_events"] = _copy_timeline(workspace_id, other["email"], survivor["email"])
    if record["copied_events"]:
        client("dynamodb").put_item(**_record_put(workspace_id, record, new=False)["Put"])
    return {"merge_id": merge_id, "contact": kept, "conflicts": conflicts, "record": record}


def _record_put(workspace_id: str, record: dict[str, Any], *, new: bool) -> dict[str, Any]:
    put: dict[str, Any] = {
        "TableName": table_name(ConfigItem),
        "Item": {
            "pk": {"S": workspace_id},
            "sk": {"S": merge_sk(record["merge_id"])},
            "doc": {"S": json.dumps(record, default=str)},
            "updated_at": {"S": now_iso()},
        },
    }
    if new:
        put["ConditionExpression"] = "attribute_not_exists(pk)"
    return {"Put": put}


def load(workspace_id: str, merge_id: str) -> dict[str, Any]:
    resp = client("dynamodb").get_item(
        TableName=table_name(ConfigItem),
        Key={"pk": {"S": workspace_id}, "sk": {"S": merge_sk(merge_id)}},
        ConsistentRead=True,
    )
    if "Item" not in resp:
        raise NotFound(f"no merge {merge_id} in this workspace")
    return dict(json.loads(ddb.from_item(resp["Item"])["doc"]))


def undo(workspace_id: str, merge_id: str, *, now: datetime | None = None) -> dict[str, Any]:
    """Both contacts as they were before the merge (bookkeeping aside); the record's view."""
    from functions.api.contacts import item_by_email

    record = load(workspace_id, merge_id)
    if record["status"] == "undone":
        return record
    if (now or datetime.now(UTC)) > datetime.fromisoformat(record["undo_until"].replace("Z", "+00:00")):
        raise MergePermanent(
            f"merge {merge_id} is permanent: it could be undone until {record['undo_until']}"
        )
    before = record["before"]
    actor = audit.Actor(f"merge:{merge_id}", "undo")
    stamp = now_iso()
    puts = []
    for role in ("survivor", "archived"):
        image = before[role]
        current = item_by_email(workspace_id, image["email"])
        if current is None or current.get("contact_id") != image["contact_id"]:
            raise Conflict(f"contact {image['contact_id']} is gone; the merge cannot be undone")
        if int(current.get("version") or 1) != int(record["after_versions"][role]):
            raise Conflict(
                f"contact {image['contact_id']} was changed after the merge; undoing would lose that change",
                field="merge_id",
            )
        restored = {**image, "version": int(current["version"]) + 1, "updated_at": stamp, **actor.stamp()}
        puts.append(_put(restored, current["version"]))
    record["status"] = "undone"
    record["undone_at"] = stamp
    record["undone_by"] = audit.current().who
    try:
        client("dynamodb").transact_write_items(
            TransactItems=[*puts, _record_put(workspace_id, record, new=False)]
        )
    except ClientError as exc:
        if exc.response["Error"]["Code"] == "TransactionCanceledException":
            raise Conflict("one of the contacts was changed meanwhile; retry the undo") from None
        raise
    _delete_copies(workspace_id, before["survivor"]["email"], list(record.get("copied_events") or []))
    return record


def view(record: dict[str, Any]) -> dict[str, Any]:
    """A Merge record as the API shows it (no before-images: those are for undo)."""
    return {
        "merge_id": record["merge_id"],
        "status": record["status"],
        "survivor_id": record["survivor_id"],
        "archived_id": record["archived_id"],
        "conflicts": record.get("conflicts") or [],
        "created_at": record["created_at"],
        "undo_until": record["undo_until"],
        "undone_at": record.get("undone_at"),
    }
