"""Bulk operations on a workspace's contacts, with their operation log and undo.

An operation selects contacts (ids, or the list/search filters resolved on the read model),
splits them into chunks of `CHUNK_SIZE` in S3 and applies its action chunk by chunk: in the
request for up to `SYNC_LIMIT` contacts, otherwise on the bulk state machine
(`statemachines/bulk.asl.json`). Each chunk:

1. reads its contacts (consistently, as attribute values) and plans each one's change;
2. writes that plan — every changed attribute's exact before and after value — to
   `bulk/{op}/chunks/{n}/log.jsonl` before any write (the operation log);
3. writes each change on the condition that the contact still holds the logged before value.

A chunk run again after a crash reuses its log instead of planning anew, and a contact that
already holds the after value counts as done, so an operation applies exactly once. Undo walks
the same logs and writes each before value back on the condition that the contact still holds
the after value; a contact changed since is left alone and reported. Chunk results are
checkpoints (`applied.json`, `undone.json`) and the record's per-chunk progress map is set, never
incremented, so re-running a chunk never double-counts.

The operation record is a Config item (`pk` the workspace, `sk` `bulkop#<id>`).
"""

from __future__ import annotations

import json
import secrets
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from typing import Any

from botocore.exceptions import ClientError

from functions.common import audit, ddb, s3
from functions.common.aws import client
from functions.common.jobs import now_iso
from functions.common.models import ConfigItem, Contact, Suppression, table_name
from functions.common.settings import get_settings
from functions.events import delivery
from functions.manage import bulk_actions, rollback
from functions.manage.bulk_actions import Change, ParamError
from functions.query import freshness, segments, sql
from functions.query.db import Database, get_database
from functions.query.sql import Params

CHUNK_SIZE = 500
SYNC_LIMIT = 1_000
MAX_IDS = 10_000
UNDO_DAYS = 30
WRITERS = 8  # concurrent conditional writes per chunk: the time is round trips, which overlap
FAILURES_SHOWN = 100
OP_PREFIX = "bulkop#"
SOURCE = "bulk"  # functions.common.audit.SOURCES

APPLY, UNDO = "apply", "undo"
_CHECKPOINT = {APPLY: "applied", UNDO: "undone"}
_PROGRESS = {APPLY: "progress", UNDO: "undo_progress"}


class OperationNotFound(LookupError):
    pass


class OperationConflict(Exception):
    """The operation is in no state to do what was asked (e.g. undo while it still runs)."""

    def __init__(self, message: str, code: str = "conflict") -> None:
        super().__init__(message)
        self.message = message
        self.code = code


def new_op_id() -> str:
    return f"bop_{secrets.token_hex(10)}"


def actor(op_id: str) -> str:
    """Who an operation's writes are audited as."""
    return f"op:{op_id}"


def undo_actor(op_id: str) -> str:
    """Who its undo's writes are audited as: an undo is a change of its own."""
    return f"op:{op_id}:undo"


# --- S3 layout -----------------------------------------------------------------------------------


def _chunk_key(op_id: str, n: int, name: str) -> str:
    return f"bulk/{op_id}/chunks/{n:05d}/{name}"


def manifest_key(op_id: str) -> str:
    return f"bulk/{op_id}/manifest.json"


def export_key(op_id: str) -> str:
    return f"bulk/{op_id}/export.csv"


# --- the record ------------------------------------------------------------------------------------


def _key(workspace_id: str, op_id: str) -> dict[str, Any]:
    return {"pk": {"S": workspace_id}, "sk": {"S": OP_PREFIX + op_id}}


def _create_record(doc: dict[str, Any], runner: str | None = None) -> None:
    client("dynamodb").put_item(
        TableName=table_name(ConfigItem),
        Item={
            **_key(doc["workspace_id"], doc["id"]),
            "doc": {"S": json.dumps(doc)},
            "status": {"S": doc["status"]},
            "run": {"S": APPLY},
            "progress": {"M": {}},
            "undo_progress": {"M": {}},
            "updated_at": {"S": doc["created_at"]},
            **({"runner": {"S": runner}} if runner else {}),
        },
        ConditionExpression="attribute_not_exists(pk)",
    )


def record(workspace_id: str, op_id: str) -> dict[str, Any]:
    """The operation's definition with its status and per-chunk progress maps."""
    resp = client("dynamodb").get_item(
        TableName=table_name(ConfigItem), Key=_key(workspace_id, op_id), ConsistentRead=True
    )
    if "Item" not in resp or not resp["Item"]["sk"]["S"].startswith(OP_PREFIX):
        raise OperationNotFound(f"no bulk operation {op_id} in this workspace")
    item = ddb.from_item(resp["Item"])
    doc = json.loads(item["doc"])
    doc["status"] = item["status"]
    doc["progress"] = item.get("progress") or {}
    doc["undo_progress"] = item.get("undo_progress") or {}
    doc["error"] = item.get("error")
    doc["run"] = item.get("run") or APPLY
    doc["runner"] = item.get("runner")
    doc["updated_at"] = item.get("updated_at")
    return doc


def _set_status(
    workspace_id: str,
    op_id: str,
    status: str,
    *,
    expect: Sequence[str],
    error: str = "",
    run: str | None = None,
    new_run: str | None = None,
) -> bool:
    """Move the status if it is one of `expect` (a re-run finding it moved already changes nothing).

    `run` names the execution asking: an execution that a resume replaced (its late failure, say)
    no longer moves the status. `new_run` names the run that takes over."""
    values = {":s": {"S": status}, ":now": {"S": now_iso()}}
    values.update({f":e{i}": {"S": e} for i, e in enumerate(expect)})
    names = {"#st": "status"}
    expr = "SET #st = :s, updated_at = :now"
    condition = "#st IN (" + ", ".join(f":e{i}" for i in range(len(expect))) + ")"
    if error:
        expr += ", #err = :err"
        values[":err"] = {"S": error[:2000]}
        names["#err"] = "error"
    if run is not None or new_run is not None:
        names["#run"] = "run"
    if run is not None:
        condition += " AND #run = :run"
        values[":run"] = {"S": run}
    if new_run is not None:
        expr += ", #run = :nrun"
        values[":nrun"] = {"S": new_run}
    return _update_record(workspace_id, op_id, expr, condition, names, values)


def _update_record(
    workspace_id: str,
    op_id: str,
    expr: str,
    condition: str,
    names: dict[str, str],
    values: dict[str, Any],
) -> bool:
    """One conditional update of the operation record; False when the condition does not hold."""
    try:
        client("dynamodb").update_item(
            TableName=table_name(ConfigItem),
            Key=_key(workspace_id, op_id),
            UpdateExpression=expr,
            ConditionExpression=condition,
            ExpressionAttributeNames=names,
            ExpressionAttributeValues=values,
        )
    except ClientError as exc:
        if exc.response["Error"]["Code"] == "ConditionalCheckFailedException":
            return False
        raise
    return True


def _record_chunk(workspace_id: str, op_id: str, mode: str, n: int, summary: dict[str, Any]) -> None:
    client("dynamodb").update_item(
        TableName=table_name(ConfigItem),
        Key=_key(workspace_id, op_id),
        UpdateExpression="SET #m.#n = :s, updated_at = :now",
        ExpressionAttributeNames={"#m": _PROGRESS[mode], "#n": f"{n:05d}"},
        ExpressionAttributeValues={":s": ddb.to_av(summary), ":now": {"S": now_iso()}},
    )


def _totals(progress: Mapping[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {"done": 0, "succeeded": 0, "changed": 0, "failed": 0, "failures": []}
    for n in sorted(progress):
        s = progress[n]
        out["done"] += int(s.get("processed", 0))
        out["succeeded"] += int(s.get("succeeded", 0))
        out["changed"] += int(s.get("changed", 0))
        out["failed"] += int(s.get("failed", 0))
        out["failures"].extend(s.get("failures") or [])
    out["failures"] = out["failures"][:FAILURES_SHOWN]
    return out


def view(doc: Mapping[str, Any]) -> dict[str, Any]:
    """The operation as the API shows it (issue 14's status shape, plus the undo's own counters)."""
    applied = _totals(doc["progress"])
    out: dict[str, Any] = {
        "id": doc["id"],
        "action": doc["action"],
        "params": doc["params"],
        "status": doc["status"],
        "total": doc["total"],
        "done": min(applied["done"], doc["total"]),
        "succeeded": applied["succeeded"],
        "changed": applied["changed"],
        "failed": applied["failed"] + len(doc.get("not_found") or []),
        "failures": (
            [{"contact_id": c, "reason": "not_found"} for c in doc.get("not_found") or []]
            + applied["failures"]
        )[:FAILURES_SHOWN],
        "created_at": doc["created_at"],
        "undo_until": doc["undo_until"] if doc["action"] not in bulk_actions.NOT_UNDOABLE else None,
        "error": doc.get("error"),
        "download_key": export_key(doc["id"]) if doc["action"] == "export_csv" else None,
        "undoable": doc["action"] not in bulk_actions.NOT_UNDOABLE,
    }
    if doc["action"] == ENRICH:
        out["enrichment"] = {
            k: sum(int((s.get("enrichment") or {}).get(k, 0)) for s in doc["progress"].values())
            for k in ENRICH_COUNTERS
        }
    if doc["undo_progress"] or doc["status"] in ("undoing", "undone"):
        undone = _totals(doc["undo_progress"])
        out["undo"] = {
            "done": undone["done"],
            "restored": undone["changed"],
            "left_alone": undone["failed"],
            "conflicts": undone["failures"],
        }
    return out


# --- selection -------------------------------------------------------------------------------------

_BY_IDS = """
SELECT contact_id, email FROM contacts
WHERE workspace_id = :ws AND contact_id IN (SELECT jsonb_array_elements_text(:ids::jsonb))
ORDER BY email
"""


def resolve(
    db: Database,
    workspace_id: str,
    selection: Mapping[str, Any],
    custom_types: Mapping[str, str],
) -> tuple[list[tuple[str, str]], list[str]]:
    """(contact id, email) of every selected contact of the workspace, and the ids not found.

    The read model answers (after settling what is already written); the writes then read each
    contact from DynamoDB, the arbiter, so a contact the read model holds stale is still right.
    """
    freshness.settle()
    ids = selection.get("ids")
    if ids is not None:
        wanted = sorted(set(ids))
        rows = db.query(_BY_IDS, {"ws": workspace_id, "ids": wanted})
        found = {r["contact_id"] for r in rows}
        return [(r["contact_id"], r["email"]) for r in rows], [c for c in wanted if c not in found]
    params = Params()
    listed = selection.get("list_filters")
    if listed is not None:
        where = _list_where(workspace_id, listed, custom_types, params)
    else:
        where = sql.where_group(sql.group_from(selection), custom_types, params, "selection.filters")
    rows = db.query(
        f"SELECT contact_id, email FROM contacts WHERE workspace_id = :ws AND {where} ORDER BY email",
        {**params.values, "ws": workspace_id},
    )
    return [(r["contact_id"], r["email"]) for r in rows], []


def _list_where(
    workspace_id: str, listed: Mapping[str, Any], custom_types: Mapping[str, str], params: Params
) -> str:
    """The list's filters (`GET /contacts` query parameters) as one condition: the same contacts
    that list counts."""
    try:
        request = sql.ListRequest.parse(**{k: v for k, v in listed.items() if v is not None})
    except sql.QueryError as exc:
        raise sql.QueryError(exc.message, field=f"selection.list_filters.{exc.field}") from None
    conditions = sql.list_conditions(request, custom_types, params)
    if request.segment_id:
        conditions.append(segments.condition(workspace_id, request.segment_id, custom_types, params))
    return " AND ".join(f"({c})" for c in conditions) or "TRUE"


# --- creating -------------------------------------------------------------------------------------


def create(
    workspace_id: str,
    action: str,
    params: dict[str, Any],
    targets: Sequence[Sequence[Any]],
    *,
    not_found: list[str],
    requested_by: str,
    op_id: str | None = None,
    runner: str | None = None,
) -> dict[str, Any]:
    """The operation's record (status queued) and its chunk inputs in S3; `runner`: the local
    process that runs it (see `abandon`)."""
    op_id = op_id or new_op_id()
    created = datetime.now(UTC)
    doc = {
        "id": op_id,
        "workspace_id": workspace_id,
        "action": action,
        "params": params,
        "status": "queued",
        "total": len(targets) + len(not_found),
        "not_found": not_found[:FAILURES_SHOWN],
        "chunk_count": 0,
        "created_at": created.isoformat().replace("+00:00", "Z"),
        "undo_until": (created + timedelta(days=UNDO_DAYS)).isoformat().replace("+00:00", "Z"),
        "requested_by": requested_by,
    }
    chunk_count = 0
    for start in range(0, len(targets), CHUNK_SIZE):
        s3.put_json(_chunk_key(op_id, chunk_count, "targets.json"), list(targets[start : start + CHUNK_SIZE]))
        chunk_count += 1
    s3.put_json(manifest_key(op_id), list(range(chunk_count)))
    doc["chunk_count"] = chunk_count
    _create_record(doc, runner)
    return doc


# --- writing one contact ----------------------------------------------------------------------------


def _raw_at(raw: Mapping[str, Any], path: Sequence[str]) -> Any:
    """The attribute value at a path of a raw item, or None when absent."""
    value: Any = raw.get(path[0])
    for part in path[1:]:
        if not value or "M" not in value or part not in value["M"]:
            return None
        value = value["M"][part]
    return value


def _write(
    workspace_id: str,
    email: str,
    change: Change,
    *,
    expect: Sequence[Any],
    write: Sequence[Any],
    who: str,
    source: str = SOURCE,
) -> str:
    """Write `write` (attribute values; None removes) where the contact holds `expect`, stamped
    for the audit log as `who` (source `bulk`).

    "written", "already" (it holds `write` already: a re-run), "changed" (something else since),
    or "missing" (the contact is gone)."""
    names: dict[str, str] = {"#upd": "updated_at", "#ver": "version", "#email": "email"}
    values: dict[str, Any] = {":now": {"S": now_iso()}, ":one": {"N": "1"}, ":zero": {"N": "0"}}
    sets = ["#upd = :now", "#ver = if_not_exists(#ver, :zero) + :one"]
    for i, (attr, value) in enumerate(audit.stamp(who, source).items()):
        names[f"#s{i}"], values[f":s{i}"] = attr, {"S": value}
        sets.append(f"#s{i} = :s{i}")
    removes, conditions = [], ["attribute_exists(#email)"]
    for i, path in enumerate(change.paths):
        for j, part in enumerate(path):
            names[f"#p{i}_{j}"] = part
        expr = ".".join(f"#p{i}_{j}" for j in range(len(path)))
        if write[i] is None:
            removes.append(expr)
        else:
            sets.append(f"{expr} = :w{i}")
            values[f":w{i}"] = write[i]
        if expect[i] is None:
            conditions.append(f"attribute_not_exists({expr})")
        else:
            conditions.append(f"{expr} = :x{i}")
            values[f":x{i}"] = expect[i]
    update = "SET " + ", ".join(sets) + (" REMOVE " + ", ".join(removes) if removes else "")
    key = {"workspace_id": {"S": workspace_id}, "email": {"S": email}}
    try:
        client("dynamodb").update_item(
            TableName=table_name(Contact),
            Key=key,
            UpdateExpression=update,
            ConditionExpression=" AND ".join(conditions),
            ExpressionAttributeNames=names,
            ExpressionAttributeValues=values,
        )
        return "written"
    except ClientError as exc:
        if exc.response["Error"]["Code"] != "ConditionalCheckFailedException":
            raise
    current = client("dynamodb").get_item(TableName=table_name(Contact), Key=key, ConsistentRead=True)
    if "Item" not in current:
        return "missing"
    held = [_raw_at(current["Item"], p) for p in change.paths]
    return "already" if held == list(write) else "changed"


# --- one chunk --------------------------------------------------------------------------------------

Planner = Callable[[Mapping[str, Any]], Change | None]


def _planner(doc: Mapping[str, Any], now: str) -> Planner:
    action, params = doc["action"], doc["params"]
    if action == "trigger_scoring":
        from functions.api.contacts import _rescore

        def rescore(item: Mapping[str, Any]) -> Change | None:
            fields, scores = _rescore(doc["workspace_id"], dict(item), dict(item.get("fields") or {}))
            wanted: dict[tuple[str, ...], Any] = {("fields",): fields}
            wanted.update({(k,): v for k, v in scores.items()})
            return bulk_actions.plan_change(item, wanted)

        return rescore
    plan = bulk_actions.PLANNERS[action]
    return lambda item: plan(item, params, now)


def _current(raw_items: Mapping[str, Any], contact_id: str, email: str) -> dict[str, Any] | None:
    """The stored item of a selected contact, if it is still the contact the selection named (an
    email deleted and imported again has a new id): None means `not_found`."""
    raw = raw_items.get(email)
    return raw if raw is not None and raw["contact_id"]["S"] == contact_id else None


def _plan_chunk(doc: Mapping[str, Any], targets: list[list[str]]) -> list[dict[str, Any]]:
    """Each target's outcome-to-be: its logged change (before/after as attribute values), or why
    nothing will be written."""
    keys = [{"workspace_id": doc["workspace_id"], "email": t[1]} for t in targets]
    raw_items = {i["email"]["S"]: i for i in ddb.batch_get(table_name(Contact), keys, raw=True)}
    if doc["action"] == "add_to_suppression":
        return _plan_suppressions(doc, targets, raw_items)
    if doc["action"] in SEGMENT_ACTIONS:
        return _plan_segment(doc, targets, raw_items)
    if doc["action"] == ENRICH:
        return _plan_enrichment(targets, raw_items)
    if doc["action"] == rollback.ACTION:
        return _plan_rollback(targets, raw_items)
    planner = _planner(doc, now_iso())
    entries = []
    for contact_id, email in targets:
        raw = _current(raw_items, contact_id, email)
        entry: dict[str, Any] = {"contact_id": contact_id, "email": email}
        if raw is None:
            entries.append({**entry, "outcome": "not_found"})
            continue
        try:
            change = planner(ddb.from_item(raw))
        except ParamError as exc:
            entries.append({**entry, "outcome": "error", "reason": exc.message})
            continue
        if change is None:
            entries.append({**entry, "outcome": "unchanged"})
            continue
        entries.append(
            {
                **entry,
                "outcome": "change",
                "paths": [list(p) for p in change.paths],
                "before": [_raw_at(raw, p) for p in change.paths],
                "after": [None if v is None else ddb.to_av(v) for v in change.after],
            }
        )
    return entries


def _plan_rollback(targets: list[list[Any]], raw_items: Mapping[str, Any]) -> list[dict[str, Any]]:
    entries = []
    for contact_id, email, spec in targets:
        entry: dict[str, Any] = {"contact_id": contact_id, "email": email}
        raw = _current(raw_items, contact_id, email)
        if raw is None:
            # purged already (a re-run), or gone since: nothing of the import is left to take back
            entries.append({**entry, "outcome": "unchanged" if spec.get("purge") else "not_found"})
        elif spec.get("purge"):
            entries.append({**entry, "outcome": "change", "kind": "purge"})
        else:
            change = rollback.restore_change(raw, spec["changes"])
            entries.append(
                {**entry, "outcome": "change", **change} if change else {**entry, "outcome": "unchanged"}
            )
    return entries


def _purge(workspace_id: str, contact_id: str, job_id: str) -> str:
    """Soft delete, then purge (the hard delete's retention log and claim release), as the rollback."""
    from functions.api import contacts
    from functions.api.errors import NotFound

    with audit.acting(rollback.actor(job_id), "rollback"):
        try:
            contacts.soft_delete(workspace_id, contact_id, "import_rollback")
            contacts.hard_delete(
                workspace_id, contact_id, requested_by=rollback.actor(job_id), reason="import_rollback"
            )
        except NotFound:
            return "already"
    return "purged"


# --- static segment membership (Config items `segment_member#<segment>#<contact>`) ---------------

SEGMENT_ACTIONS = ("add_to_segment", "remove_from_segment")


def _member_key(workspace_id: str, segment_id: str, contact_id: str) -> dict[str, Any]:
    return {"pk": {"S": workspace_id}, "sk": {"S": segments.member_sk(segment_id, contact_id)}}


def _plan_segment(
    doc: Mapping[str, Any], targets: list[list[str]], raw_items: Mapping[str, Any]
) -> list[dict[str, Any]]:
    """A member item to add (one not there), or to remove (one there: its exact item is logged so
    undo can put it back)."""
    workspace_id, segment_id = doc["workspace_id"], doc["params"]["segment_id"]
    adding = doc["action"] == "add_to_segment"
    keys = [{"pk": workspace_id, "sk": segments.member_sk(segment_id, cid)} for cid, _ in targets]
    members = {i["sk"]["S"]: i for i in ddb.batch_get(table_name(ConfigItem), keys, raw=True)}
    entries = []
    for contact_id, email in targets:
        entry: dict[str, Any] = {"contact_id": contact_id, "email": email}
        raw = _current(raw_items, contact_id, email)
        member = members.get(segments.member_sk(segment_id, contact_id))
        if raw is None:
            entries.append({**entry, "outcome": "not_found"})
        elif adding == (member is not None):
            entries.append({**entry, "outcome": "unchanged"})
        elif adding:
            entries.append({**entry, "outcome": "change", "kind": "segment_add"})
        else:
            entries.append({**entry, "outcome": "change", "kind": "segment_remove", "member": member})
    return entries


def _add_member(workspace_id: str, segment_id: str, contact_id: str, item: Mapping[str, Any]) -> str:
    """Put the member item unless the contact is a member already ("already")."""
    try:
        client("dynamodb").put_item(
            TableName=table_name(ConfigItem),
            Item={**item, **_member_key(workspace_id, segment_id, contact_id)},
            ConditionExpression="attribute_not_exists(sk)",
        )
        return "written"
    except ClientError as exc:
        if exc.response["Error"]["Code"] != "ConditionalCheckFailedException":
            raise
    return "already"


def _remove_member(workspace_id: str, segment_id: str, contact_id: str, *, added_by: str | None) -> str:
    """Delete the member item ("already" when it is gone); `added_by`: only the one that writer
    added (undo of an add), so a member added again by anything else since stays ("changed")."""
    condition, values, names = "attribute_exists(sk)", None, None
    if added_by is not None:
        condition, names, values = "#src = :src", {"#src": "source"}, {":src": {"S": added_by}}
    try:
        client("dynamodb").delete_item(
            TableName=table_name(ConfigItem),
            Key=_member_key(workspace_id, segment_id, contact_id),
            ConditionExpression=condition,
            **({"ExpressionAttributeNames": names, "ExpressionAttributeValues": values} if values else {}),
        )
        return "written"
    except ClientError as exc:
        if exc.response["Error"]["Code"] != "ConditionalCheckFailedException":
            raise
    current = client("dynamodb").get_item(
        TableName=table_name(ConfigItem),
        Key=_member_key(workspace_id, segment_id, contact_id),
        ConsistentRead=True,
    )
    return "changed" if "Item" in current else "already"


def _member_write(doc: Mapping[str, Any], entry: Mapping[str, Any], mode: str) -> str:
    workspace_id, segment_id, op_id = doc["workspace_id"], doc["params"]["segment_id"], doc["id"]
    contact_id = entry["contact_id"]
    if (entry["kind"] == "segment_add") == (mode == APPLY):
        item = entry.get("member") or {
            "updated_at": {"S": now_iso()},
            "source": {"S": actor(op_id)},
        }
        return _add_member(workspace_id, segment_id, contact_id, item)
    added_by = actor(op_id) if entry["kind"] == "segment_add" else None
    return _remove_member(workspace_id, segment_id, contact_id, added_by=added_by)


def _project_segment(
    doc: Mapping[str, Any], mode: str, done: Sequence[tuple[Mapping[str, Any], str]]
) -> None:
    """The chunk's membership changes, written through to the read model (list and search join
    on it); contacts whose member item is as this run wants it, so a re-run projects them again."""
    member = [
        e["contact_id"]
        for e, outcome in done
        if outcome in ("written", "already") and (e["kind"] == "segment_add") == (mode == APPLY)
    ]
    gone = [
        e["contact_id"]
        for e, outcome in done
        if outcome in ("written", "already") and (e["kind"] == "segment_add") != (mode == APPLY)
    ]
    db = get_database()
    if db is None:
        raise RuntimeError("no read model configured: segment membership cannot be written through")
    segments.project_members(db, doc["workspace_id"], doc["params"]["segment_id"], added=member, removed=gone)


# --- trigger_enrichment: the enrich-later path, within the operation's call limit -----------------

ENRICH = "trigger_enrichment"
ENRICH_COUNTERS = ("requested", "enriched", "not_found", "failed", "refused", "cache_hits", "provider_calls")


def _plan_enrichment(targets: list[list[str]], raw_items: Mapping[str, Any]) -> list[dict[str, Any]]:
    entries = []
    for contact_id, email in targets:
        entry: dict[str, Any] = {"contact_id": contact_id, "email": email}
        raw = _current(raw_items, contact_id, email)
        if raw is None:
            entries.append({**entry, "outcome": "not_found"})
        elif raw.get("is_deleted", {}).get("BOOL"):
            entries.append(
                {**entry, "outcome": "error", "reason": "deleted: restore the contact to enrich it"}
            )
        else:
            entries.append({**entry, "outcome": "change", "kind": "enrich"})
    return entries


def _enrich_chunk(doc: Mapping[str, Any], n: int, entries: list[dict[str, Any]]) -> dict[str, Any]:
    """Enrich the chunk's logged contacts as `contact-import enrich` does (cache first, then the
    provider; re-scored; written only where the contact did not move since it was read). The
    calls granted to each chunk are kept on the operation's record, so all chunks together stay
    within `params.limit` and a chunk run again gets its first grant back; it finds the provider
    answers of its first run in the cache (`force_refresh` counts from the operation's start)."""
    from functions.common.context import JobContext
    from functions.enrich import later

    op_id, workspace_id, params = doc["id"], doc["workspace_id"], doc["params"]
    wanted = {e["email"]: e["contact_id"] for e in entries if e["outcome"] == "change"}
    keys = [{"workspace_id": workspace_id, "email": email} for email in wanted]
    items = [
        i
        for i in ddb.batch_get(table_name(Contact), keys)
        if wanted.get(i["email"]) == i["contact_id"] and not i.get("is_deleted")
    ]
    options = {
        "force_refresh": bool(params.get("force_refresh")),
        "enrich_limit": params.get("limit"),
        "enrich_ledger": {"table": table_name(ConfigItem), "key": _key(workspace_id, op_id)},
    }
    ctx = JobContext.from_options(
        op_id, workspace_id, options, now_iso(), started_at=doc["created_at"], actor=actor(op_id)
    )
    rows = later.enrich_items(ctx, items, n) if items else []
    _announce(
        doc,
        n,
        APPLY,
        [
            (item["contact_id"], item["email"], t)
            for item, row in zip(items, rows, strict=True)
            if (row.meta.get("e") or {}).get("status") == "enriched"
            for t in (UPDATED, ENRICHED)
        ],
    )
    status: dict[str, str | None] = {}
    for item, row in zip(items, rows, strict=True):
        done = (row.meta.get("e") or {}).get("status")
        status[item["contact_id"]] = "not_found_by_provider" if done == "not_found" else done
    counters = dict.fromkeys(ENRICH_COUNTERS, 0)
    later.tally(rows, counters)
    counters["refused"] = counters.pop("not_enriched", 0)
    counters["requested"] = len(wanted)
    summary: dict[str, Any] = {"processed": len(entries), "succeeded": 0, "changed": 0, "failed": 0}
    failures = []
    refused = f"refused: the operation's enrichment limit ({params.get('limit')} calls) was reached"
    for entry in entries:
        outcome = entry["outcome"]
        if outcome == "change":
            # what enrichment did; "gone" when the contact was deleted between plan and write
            outcome = status.get(entry["contact_id"], "gone")
        if outcome in ("enriched", "not_found_by_provider", None, "unchanged"):
            summary["succeeded"] += 1
            summary["changed"] += outcome == "enriched"
            continue
        summary["failed"] += 1
        reason = {
            "not_enriched": refused,
            "failed": "the provider did not answer; run the operation again for this contact",
            "gone": "not_found",
        }.get(outcome, entry.get("reason") or outcome)
        failures.append({"contact_id": entry["contact_id"], "reason": reason})
    summary["failures"] = failures[:FAILURES_SHOWN]
    summary["enrichment"] = counters
    return summary


def _suppression_key(workspace_id: str, email: str) -> dict[str, Any]:
    return {"scope": {"S": workspace_id}, "value": {"S": email}}


def _plan_suppressions(
    doc: Mapping[str, Any], targets: list[list[str]], raw_items: Mapping[str, Any]
) -> list[dict[str, Any]]:
    """A workspace suppression per contact that has none; one there already is left as it is."""
    workspace_id = doc["workspace_id"]
    keys = [{"scope": workspace_id, "value": email} for _, email in targets]
    existing = {i["value"] for i in ddb.batch_get(table_name(Suppression), keys)}
    entries = []
    for contact_id, email in targets:
        entry: dict[str, Any] = {"contact_id": contact_id, "email": email}
        raw = _current(raw_items, contact_id, email)
        if raw is None:
            entries.append({**entry, "outcome": "not_found"})
        elif email in existing:
            entries.append({**entry, "outcome": "unchanged"})
        else:
            entries.append({**entry, "outcome": "change", "kind": "suppression"})
    return entries


def _suppress(workspace_id: str, email: str, op_id: str, reason: str) -> str:
    """The workspace suppression of this operation, once; "already" when it is there."""
    try:
        client("dynamodb").put_item(
            TableName=table_name(Suppression),
            Item={
                **_suppression_key(workspace_id, email),
                "reason": {"S": reason},
                "created_at": {"S": now_iso()},
                "source": {"S": actor(op_id)},
            },
            ConditionExpression="attribute_not_exists(#scope)",
            ExpressionAttributeNames={"#scope": "scope"},
        )
        return "written"
    except ClientError as exc:
        if exc.response["Error"]["Code"] != "ConditionalCheckFailedException":
            raise
    return "already"


def _unsuppress(workspace_id: str, email: str, op_id: str) -> str:
    """Remove the suppression this operation added; one added or replaced by anything else stays."""
    try:
        resp = client("dynamodb").delete_item(
            TableName=table_name(Suppression),
            Key=_suppression_key(workspace_id, email),
            ConditionExpression="#source = :op",
            ExpressionAttributeNames={"#source": "source"},
            ExpressionAttributeValues={":op": {"S": actor(op_id)}},
            ReturnValues="ALL_OLD",
        )
        return "written" if resp.get("Attributes") else "already"
    except ClientError as exc:
        if exc.response["Error"]["Code"] != "ConditionalCheckFailedException":
            raise
    current = client("dynamodb").get_item(
        TableName=table_name(Suppression), Key=_suppression_key(workspace_id, email), ConsistentRead=True
    )
    return "changed" if "Item" in current else "already"


EXPORT_COLUMNS: tuple[str, ...] = (
    "id", "email", "first_name", "last_name", "full_name", "name_suffix", "title", "department", "seniority",
    "phone", "mobile", "linkedin_url", "city", "state", "country", "time_zone", "lead_source",
    "verification_status", "owner_email", "company", "tags", "custom_fields", "icp_tier", "lead_score", "grade",
    "score_breakdown", "engagement", "dnt", "client_id", "is_enriched", "is_deleted", "deleted_at",
    "deletion_reason", "created_at", "updated_at",
)  # fmt: skip


def _cell(value: Any) -> str:
    from functions.report.logic import neutralise

    if value is None:
        return ""
    if isinstance(value, dict | list):
        value = json.dumps(value, sort_keys=True, default=str)
    elif isinstance(value, bool):
        value = "true" if value else "false"
    return neutralise(str(value))


def _export_chunk(doc: Mapping[str, Any], n: int) -> dict[str, Any]:
    """The chunk's contacts as CSV rows (every field; formula-safe cells), one part per chunk."""
    import csv
    import io

    from functions.api.contacts import views

    targets = s3.get_json(_chunk_key(doc["id"], n, "targets.json"))
    keys = [{"workspace_id": doc["workspace_id"], "email": email} for _, email in targets]
    found = {i["email"]: i for i in ddb.batch_get(table_name(Contact), keys)}
    items = [found[e] for c, e in targets if e in found and found[e]["contact_id"] == c]
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    for view_doc in views(items):
        writer.writerow([_cell(view_doc.get(col)) for col in EXPORT_COLUMNS])
    s3.put_bytes(
        _chunk_key(doc["id"], n, "export.csv"), out.getvalue().encode("utf-8"), content_type="text/csv"
    )
    missing = [{"contact_id": c, "reason": "not_found"} for c, e in targets if e not in found]
    return {
        "processed": len(targets),
        "succeeded": len(items),
        "changed": 0,
        "failed": len(targets) - len(items),
        "failures": missing[:FAILURES_SHOWN],
    }


def _assemble_export(doc: Mapping[str, Any]) -> None:
    header = ",".join(EXPORT_COLUMNS) + "\r\n"
    parts = [header.encode("utf-8")]
    parts += [s3.get_bytes(_chunk_key(doc["id"], n, "export.csv")) for n in range(doc["chunk_count"])]
    s3.put_bytes(export_key(doc["id"]), b"".join(parts), content_type="text/csv")


def _read_log(op_id: str, n: int) -> list[dict[str, Any]] | None:
    key = _chunk_key(op_id, n, "log.jsonl")
    if not s3.exists(key):
        return None
    return [json.loads(line) for line in s3.get_bytes(key).decode("utf-8").splitlines() if line]


def _put_once(key: str, body: bytes, content_type: str) -> bytes | None:
    """Put the object unless one is there already (S3 conditional put); None when this put made
    it, else what is there."""
    try:
        client("s3").put_object(
            Bucket=get_settings().bucket, Key=key, Body=body, IfNoneMatch="*", ContentType=content_type
        )
    except ClientError as exc:
        if exc.response["Error"]["Code"] not in ("PreconditionFailed", "ConditionalRequestConflict"):
            raise
        return s3.get_bytes(key)
    return None


def _log_once(op_id: str, n: int, entries: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Write the chunk's log unless one is there already: two runs of a chunk at once (a resume
    while the first still runs) both follow the first plan, whose before values were read before
    any of the operation's writes."""
    body = "".join(json.dumps(e) + "\n" for e in entries).encode("utf-8")
    if _put_once(_chunk_key(op_id, n, "log.jsonl"), body, "application/x-ndjson") is None:
        return entries
    return _read_log(op_id, n) or entries


# --- webhooks: contact.updated (deleted, enriched) for each contact a chunk changed --------------

UPDATED, DELETED, ENRICHED = "contact.updated", "contact.deleted", "contact.enriched"


def _event_type(change: Change, written: Sequence[Any]) -> str:
    """contact.deleted for a write that soft-deletes the contact (as the API's DELETE), else
    contact.updated."""
    deletes = any(
        p == ("is_deleted",) and w == {"BOOL": True} for p, w in zip(change.paths, written, strict=True)
    )
    return DELETED if deletes else UPDATED


def _announce(doc: Mapping[str, Any], n: int, mode: str, events: Sequence[tuple[str, str, str]]) -> int:
    """Queue (contact id, email, event type) for the workspace's webhook subscribers: the contact
    object as stored now, the event id derived from the operation, the run and the contact, so a
    chunk run again after a crash queues the same events (the same delivery ids too: the time is
    the chunk's first attempt, kept in `events-<mode>.json`, which also records that they were
    queued). Nothing is read when nobody subscribes."""
    workspace_id, op_id = doc["workspace_id"], doc["id"]
    wanted = {t for _, _, t in events}
    if not wanted or not any(delivery.subscribed(workspace_id, t) for t in wanted):
        return 0
    key = _chunk_key(op_id, n, f"events-{mode}.json")
    held = _put_once(key, json.dumps({"at": delivery.iso(delivery.utc_now())}).encode(), "application/json")
    marker = json.loads(held) if held is not None else s3.get_json(key)
    if marker.get("queued"):
        return 0
    contacts = delivery.contact_objects(workspace_id, {cid: email for cid, email, _ in events})
    queued = delivery.queue_events(
        workspace_id,
        (
            (delivery.event_id_for(op_id, mode, cid, t), t, contacts[cid])
            for cid, _, t in events
            if cid in contacts
        ),
        now=delivery.parse_iso(marker["at"]),
    )
    s3.put_json(key, {**marker, "queued": True})
    return queued


def _contact_events(
    changes: Sequence[tuple[Mapping[str, Any], Change]], outcomes: Sequence[str], mode: str
) -> list[tuple[str, str, str]]:
    """The events of a chunk's contact writes: one per contact whose item holds what this run
    wrote (by it, or by the run it resumes); none for suppressions, segment members or purges
    (a purge announces its own deletion); contact.scored too where the score or grade moved."""
    events = []
    for (entry, change), outcome in zip(changes, outcomes, strict=True):
        done = outcome in ("written", "already") or outcome.startswith("partial:")
        if entry.get("kind") is not None or not done:
            continue
        written = change.after if mode == APPLY else change.before
        events.append((entry["contact_id"], entry["email"], _event_type(change, written)))
        if any(p in (("lead_score",), ("grade",)) for p in change.paths):
            # trigger_scoring (or its undo) moved the score: as the pipeline's re-scores announce it
            events.append((entry["contact_id"], entry["email"], delivery.SCORED))
    return events


def _changes(entries: list[dict[str, Any]]) -> list[tuple[dict[str, Any], Change]]:
    return [
        (
            e,
            Change(
                tuple(tuple(p) for p in e.get("paths", [])),
                tuple(e.get("before", [])),
                tuple(e.get("after", [])),
            ),
        )
        for e in entries
        if e["outcome"] == "change"
    ]


def run_chunk(workspace_id: str, op_id: str, n: int, mode: str = APPLY) -> dict[str, Any]:
    """Apply (or undo) one chunk; idempotent, and resumable from any point of a crash."""
    checkpoint = _chunk_key(op_id, n, f"{_CHECKPOINT[mode]}.json")
    if s3.exists(checkpoint):
        summary = dict(s3.get_json(checkpoint))
    else:
        doc = record(workspace_id, op_id)
        if doc["action"] == "export_csv":
            summary = _export_chunk(doc, n)
        else:
            summary = _apply_chunk(doc, n) if mode == APPLY else _undo_chunk(doc, n)
        s3.put_json(checkpoint, summary)
    _record_chunk(workspace_id, op_id, mode, n, summary)
    return summary


def _apply_chunk(doc: Mapping[str, Any], n: int) -> dict[str, Any]:
    op_id, workspace_id = doc["id"], doc["workspace_id"]
    entries = _read_log(op_id, n)
    if entries is None:
        targets = s3.get_json(_chunk_key(op_id, n, "targets.json"))
        # the log is written whole before the first write: what a crash leaves is always undoable
        entries = _log_once(op_id, n, _plan_chunk(doc, targets))
    if doc["action"] == ENRICH:
        return _enrich_chunk(doc, n, entries)
    changes = _changes(entries)

    def apply(pair: tuple[dict[str, Any], Change]) -> str:
        entry, change = pair
        if entry.get("kind") == "suppression":
            return _suppress(workspace_id, entry["email"], op_id, doc["params"]["reason"])
        if entry.get("kind") in ("segment_add", "segment_remove"):
            return _member_write(doc, entry, APPLY)
        if doc["action"] == rollback.ACTION:
            job_id = doc["params"]["job_id"]
            if entry.get("kind") == "purge":
                return _purge(workspace_id, entry["contact_id"], job_id)
            who = rollback.actor(job_id)
            outcome = _write(
                workspace_id,
                entry["email"],
                change,
                expect=change.before,
                write=change.after,
                who=who,
                source="rollback",
            )
            if outcome == "changed" and len(change.paths) > 1:
                # field by field: what was changed since stays, the rest of the import is taken back
                kept = []
                for path, expect, write in zip(change.paths, change.before, change.after, strict=True):
                    one = Change((path,), (expect,), (write,))
                    if (
                        _write(
                            workspace_id,
                            entry["email"],
                            one,
                            expect=(expect,),
                            write=(write,),
                            who=who,
                            source="rollback",
                        )
                        == "changed"
                    ):
                        kept.append(".".join(p for p in path if p != "fields"))
                reported = [k for k in kept if k not in rollback.QUIET]
                if not reported:
                    outcome = "written"  # only bookkeeping a later import moved stays
                elif len(kept) < len(change.paths):
                    outcome = f"partial:{','.join(reported)}"
                else:
                    outcome = "changed"
            rollback.release_claim(entry["email"], workspace_id, job_id)
            return outcome
        return _write(
            workspace_id, entry["email"], change, expect=change.before, write=change.after, who=actor(op_id)
        )

    with ThreadPoolExecutor(max_workers=WRITERS, thread_name_prefix="bulk") as pool:
        results = dict(zip((e["email"] for e, _ in changes), pool.map(apply, changes), strict=True))
    if doc["action"] in SEGMENT_ACTIONS:
        _project_segment(doc, APPLY, [(e, results[e["email"]]) for e, _ in changes])
    _announce(doc, n, APPLY, _contact_events(changes, [results[e["email"]] for e, _ in changes], APPLY))
    summary: dict[str, Any] = {"processed": len(entries), "succeeded": 0, "changed": 0, "failed": 0}
    failures = []
    for entry in entries:
        outcome = entry["outcome"]
        if outcome == "change":
            outcome = results[entry["email"]]
        if entry.get("kind") == "purge" and outcome in ("purged", "already"):
            # "already": a re-run finds the contact purged by the run it resumes
            summary["purged"] = summary.get("purged", 0) + 1
            outcome = "written"
        if outcome.startswith("partial:"):
            summary["partial"] = summary.get("partial", 0) + 1
            kept = outcome.removeprefix("partial:")
            failures.append(
                {"contact_id": entry["contact_id"], "reason": f"changed since, left as it is: {kept}"}
            )
            outcome = "written"
        if outcome in ("written", "already"):
            summary["succeeded"] += 1
            summary["changed"] += 1
        elif outcome == "unchanged":
            summary["succeeded"] += 1
        else:
            summary["failed"] += 1
            reason = {
                "changed": "changed by another writer while the operation ran; run it again for this contact",
                "missing": "not_found",
            }.get(outcome, entry.get("reason") or outcome)
            failures.append({"contact_id": entry["contact_id"], "reason": reason})
    summary["failures"] = failures[:FAILURES_SHOWN]
    return summary


def _undo_chunk(doc: Mapping[str, Any], n: int) -> dict[str, Any]:
    op_id, workspace_id = doc["id"], doc["workspace_id"]
    entries = _read_log(op_id, n) or []
    changes = _changes(entries)

    def revert(pair: tuple[dict[str, Any], Change]) -> str:
        entry, change = pair
        if entry.get("kind") == "suppression":
            return _unsuppress(workspace_id, entry["email"], op_id)
        if entry.get("kind") in ("segment_add", "segment_remove"):
            return _member_write(doc, entry, UNDO)
        return _write(
            workspace_id,
            entry["email"],
            change,
            expect=change.after,
            write=change.before,
            who=undo_actor(op_id),
        )

    with ThreadPoolExecutor(max_workers=WRITERS, thread_name_prefix="bulk-undo") as pool:
        results = list(pool.map(revert, changes))
    if doc["action"] in SEGMENT_ACTIONS:
        _project_segment(doc, UNDO, [(e, outcome) for (e, _), outcome in zip(changes, results, strict=True)])
    _announce(doc, n, UNDO, _contact_events(changes, results, UNDO))
    summary: dict[str, Any] = {"processed": len(changes), "succeeded": 0, "changed": 0, "failed": 0}
    failures = []
    for (entry, _), outcome in zip(changes, results, strict=True):
        if outcome in ("written", "already"):
            summary["succeeded"] += 1
            summary["changed"] += 1
        else:
            summary["failed"] += 1
            reason = "changed since the operation; left as it is" if outcome == "changed" else "not_found"
            failures.append({"contact_id": entry["contact_id"], "reason": reason})
    summary["failures"] = failures[:FAILURES_SHOWN]
    return summary


# --- whole operations --------------------------------------------------------------------------------


def start(workspace_id: str, op_id: str, mode: str = APPLY, run: str | None = None) -> None:
    if mode == APPLY:
        _set_status(workspace_id, op_id, "running", expect=("queued",), run=run)


def finish(workspace_id: str, op_id: str, mode: str = APPLY, run: str | None = None) -> dict[str, Any]:
    """Mark the operation complete (or undone) once every chunk reported; idempotent."""
    doc = record(workspace_id, op_id)
    progress = doc[_PROGRESS[mode]]
    if len(progress) < doc["chunk_count"]:
        missing = doc["chunk_count"] - len(progress)
        raise RuntimeError(f"bulk operation {op_id}: {missing} chunk(s) have not reported")
    if mode == APPLY:
        if doc["action"] == "export_csv":
            _assemble_export(doc)
        if _set_status(workspace_id, op_id, "complete", expect=("queued", "running"), run=run) and (
            doc["action"] == rollback.ACTION
        ):
            rollback.finished(record(workspace_id, op_id))
    else:
        _set_status(workspace_id, op_id, "undone", expect=("undoing",), run=run)
    return view(record(workspace_id, op_id))


def fail(workspace_id: str, op_id: str, message: str, mode: str = APPLY, run: str | None = None) -> None:
    _set_status(
        workspace_id,
        op_id,
        "failed",
        expect=("queued", "running", "undoing"),
        error=f"{mode}: {message}",
        run=run,
    )


def claim_runner(workspace_id: str, op_id: str, runner: str) -> None:
    """Name the process that runs the operation (or its undo, or a resume) from now on."""
    client("dynamodb").update_item(
        TableName=table_name(ConfigItem),
        Key=_key(workspace_id, op_id),
        UpdateExpression="SET runner = :r",
        ConditionExpression="attribute_exists(pk)",
        ExpressionAttributeValues={":r": {"S": runner}},
    )


def abandon(workspace_id: str, op_id: str, *, runner: str | None, reason: str) -> bool:
    """Mark failed an operation left queued, running or undoing by a process that ended (on one
    machine the state machine runs inside the process that started it, so a SIGKILL leaves the
    record moving nowhere), so `begin_resume` takes it up. Conditional on the runner still being
    the one found dead (None: none was named), so a process that took it over meanwhile keeps it."""
    doc = record(workspace_id, op_id)
    mode = UNDO if doc["status"] == "undoing" else APPLY
    values: dict[str, Any] = {
        ":s": {"S": "failed"},
        ":now": {"S": now_iso()},
        ":err": {"S": f"{mode}: interrupted: {reason}"[:2000]},
        ":q": {"S": "queued"},
        ":r": {"S": "running"},
        ":u": {"S": "undoing"},
    }
    condition = "#st IN (:q, :r, :u) AND "
    if runner is None:
        condition += "attribute_not_exists(runner)"
    else:
        condition += "runner = :who"
        values[":who"] = {"S": runner}
    return _update_record(
        workspace_id,
        op_id,
        "SET #st = :s, updated_at = :now, #err = :err",
        condition,
        {"#st": "status", "#err": "error"},
        values,
    )


def begin_resume(workspace_id: str, op_id: str) -> tuple[str, str]:
    """Put a failed operation back to running (or undoing); its mode and the new run's name. The
    chunks that finished are skipped by their checkpoints, a half-done chunk resumes from its log."""
    doc = record(workspace_id, op_id)
    if doc["status"] != "failed":
        raise OperationConflict(f"bulk operation {op_id} is {doc['status']}; only a failed one is resumed")
    mode = UNDO if (doc.get("error") or "").startswith(f"{UNDO}:") else APPLY
    run = f"{mode}-resume-{secrets.token_hex(4)}"
    status = "running" if mode == APPLY else "undoing"
    if not _set_status(workspace_id, op_id, status, expect=("failed",), new_run=run):
        raise OperationConflict(f"bulk operation {op_id} was resumed by another request")
    return mode, run


def run_inline(workspace_id: str, op_id: str, mode: str = APPLY) -> dict[str, Any]:
    """Every chunk in this process, in order (small operations, and tests of the chunk logic)."""
    doc = record(workspace_id, op_id)
    start(workspace_id, op_id, mode)
    try:
        for n in range(doc["chunk_count"]):
            run_chunk(workspace_id, op_id, n, mode)
        return finish(workspace_id, op_id, mode)
    except Exception as exc:
        # as the state machine's MarkFailed does: the operation says why, and can be resumed
        fail(workspace_id, op_id, f"{type(exc).__name__}: {exc}", mode)
        raise


def begin_undo(workspace_id: str, op_id: str, *, now: datetime | None = None) -> dict[str, Any]:
    """Check the operation can be undone and mark it `undoing` (a repeated undo is no new undo)."""
    doc = record(workspace_id, op_id)
    if doc["action"] in bulk_actions.NOT_UNDOABLE:
        raise OperationConflict(bulk_actions.NOT_UNDOABLE_WHY[doc["action"]])
    if doc["status"] in ("undoing", "undone"):
        return doc
    if doc["status"] != "complete":
        raise OperationConflict(
            f"bulk operation {op_id} is {doc['status']}; undo it once it is complete (resume a failed one first)"
        )
    until = datetime.fromisoformat(doc["undo_until"].replace("Z", "+00:00"))
    if (now or datetime.now(UTC)) > until:
        raise OperationConflict(
            f"bulk operation {op_id} can no longer be undone (its log expired {doc['undo_until']})",
            code="undo_expired",
        )
    _set_status(workspace_id, op_id, "undoing", expect=("complete",), new_run=UNDO)
    return record(workspace_id, op_id)
