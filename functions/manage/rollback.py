"""Import rollback: take back what one import did to a workspace, within 7 days.

What the import changed comes from the audit log (`functions.query.audit.entries_by_actor`,
actor `job:<id>`): every write of an import is stamped with it, and the projector records each
one's per-field before/after. That was chosen over a before-image written by the commit stage
because it costs the import nothing (no extra write per row on the hot path) and covers every
stage that writes as the job (commit and enrichment). The price is waiting for the projector to
have caught up with the job's writes: the rollback checks that the log holds an entry for every
contact the job reports imported before it starts, and answers 409 (retry) otherwise.

The rollback runs as a bulk operation (`rb_<job id>`, action `rollback_import`) on the same
chunked, logged, resumable machinery: per contact,
- created by the import: soft-deleted then purged (the hard delete's retention log, its ownership
  claim released with it);
- updated by it: each changed field written back to its value before the import, on the
  condition that it still holds the value the import left (a field changed since stays and is
  reported); tags it added are removed the same way (`tags` is a field like the others).
Running it again finds the operation and its chunks' checkpoints: idempotent and resumable.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

from pynamodb.expressions.update import Action

from functions.common import ddb, jobs
from functions.common.aws import client
from functions.common.models import Contact, ImportJob, table_name
from functions.manage import bulk  # imports this module too: used inside functions only
from functions.query.db import Database

ACTION = "rollback_import"
WINDOW_DAYS = 7

# Contact attributes stored at the item's top level; every other audited name is `fields.<name>`
_TOP_LEVEL = frozenset(
    {
        "contact_id", "email", "tags", "company_domain", "client_id", "dnt", "icp_tier", "lead_score", "grade",
        "is_deleted", "deleted_at", "deletion_reason", "is_enriched", "last_job",
    }
)  # fmt: skip
# bookkeeping a rollback restores but does not report as "changed since" (a later import moves it)
QUIET = ("last_job",)


class RollbackRefused(Exception):
    def __init__(self, message: str, code: str = "conflict") -> None:
        super().__init__(message)
        self.message = message
        self.code = code


def op_id_for(job_id: str) -> str:
    return f"rb_{job_id}"


def actor(job_id: str) -> str:
    """Who the rollback's writes are audited as."""
    return f"job:{job_id}:rollback"


def attribute_paths(name: str) -> list[tuple[str, ...]]:
    """Where an audited field name lives on the Contacts item (company_domain lives twice)."""
    if name.startswith("custom_fields."):
        return [("custom_fields", name.removeprefix("custom_fields."))]
    if name == "company_domain":
        return [("company_domain",), ("fields", "company_domain")]
    if name in _TOP_LEVEL:
        return [(name,)]
    return [("fields", name)]


def plan_targets(
    entries: Iterable[tuple[str, str, Mapping[str, Mapping[str, Any]]]], created: set[str]
) -> list[list[Any]]:
    """Per contact the import touched: [contact id, email, what to do]. A contact's several entries
    fold into one change: the value before the first, the value after the last."""
    folded: dict[str, dict[str, Any]] = {}
    emails: dict[str, str] = {}
    for contact_id, email, changes in entries:
        emails[contact_id] = email
        mine = folded.setdefault(contact_id, {})
        for name, change in changes.items():
            if name in mine:
                mine[name] = {"before": mine[name]["before"], "after": change.get("after")}
            else:
                mine[name] = {"before": change.get("before"), "after": change.get("after")}
    out: list[list[Any]] = []
    for contact_id in sorted(folded, key=lambda c: emails[c]):
        if contact_id in created:
            out.append([contact_id, emails[contact_id], {"purge": True}])
        else:
            out.append([contact_id, emails[contact_id], {"changes": folded[contact_id]}])
    return out


def restore_change(raw: Mapping[str, Any], changes: Mapping[str, Mapping[str, Any]]) -> dict[str, Any] | None:
    """The logged change of one updated contact: expect the import's after values, write its
    before values. A path absent from the item is expected absent (the log conflates absent and
    empty); an emptied list comes back as an empty list, not as a missing attribute."""
    paths, expect, write = [], [], []
    for name, change in sorted(changes.items()):
        for path in attribute_paths(name):
            if path[0] in ("fields", "custom_fields") and path[0] not in raw:
                continue
            current = bulk._raw_at(raw, path)
            after, before = change.get("after"), change.get("before")
            expected = ddb.to_av(after) if after is not None else current if _empty_av(current) else None
            if before is None and path == ("tags",):
                before = []
            paths.append(list(path))
            expect.append(expected)
            write.append(ddb.to_av(before) if before is not None else None)
    if not paths:
        return None
    return {"paths": paths, "before": expect, "after": write}


def _empty_av(value: Any) -> bool:
    return value is None or value in ({"L": []}, {"M": {}}, {"S": ""}, {"NULL": True})


def start(db: Database, workspace_id: str, job_id: str, *, now: datetime | None = None) -> dict[str, Any]:
    """The rollback's operation record, created on the first call (later calls find it)."""
    job = jobs.get(job_id)
    if job is None or job.workspace_id != workspace_id:
        raise bulk.OperationNotFound(f"no import {job_id} in this workspace")
    op_id = op_id_for(job_id)
    try:
        return bulk.record(workspace_id, op_id)
    except bulk.OperationNotFound:
        pass
    if job.status not in ("complete", "failed"):
        raise RollbackRefused(f"import {job_id} is {job.status}; roll it back once it has finished")
    created_at = datetime.fromisoformat(job.created_at.replace("Z", "+00:00"))
    if (now or datetime.now(UTC)) > created_at + timedelta(days=WINDOW_DAYS):
        raise RollbackRefused(
            f"import {job_id} is older than {WINDOW_DAYS} days and can no longer be rolled back",
            code="rollback_expired",
        )
    from functions.query.audit import entries_by_actor

    entries = list(entries_by_actor(db, workspace_id, f"job:{job_id}"))
    emails = sorted({email for _, email, _ in entries})
    keys = [{"workspace_id": workspace_id, "email": email} for email in emails]
    items = {i["contact_id"]: i for i in ddb.batch_get(table_name(Contact), keys)}
    created = {c for c, i in items.items() if i.get("created_by_job") == job_id}
    expected = int((job.counters or {}).get("imported") or 0)
    if len(created) < expected:
        raise RollbackRefused(
            f"the audit log holds {len(created)} of the {expected} contacts import {job_id} created: it is "
            "still catching up with the import's writes; retry in a moment"
        )
    targets = plan_targets(entries, created)
    _with_previous_jobs(db, workspace_id, job_id, targets)
    doc = bulk.create(
        workspace_id,
        ACTION,
        {"job_id": job_id},
        targets,
        not_found=[],
        requested_by=f"job:{job_id}",
        op_id=op_id,
    )
    _mark_job(job_id, "rolling_back")
    return doc


# the import that last wrote each contact before this one did: what `last_job` held before it
_PREVIOUS_JOBS = """
SELECT DISTINCT ON (a.contact_id) a.contact_id, a.actor FROM contact_audit a
WHERE a.workspace_id = :ws
  AND a.contact_id IN (SELECT jsonb_array_elements_text(:ids::jsonb))
  AND a.source IN ('import', 'api') AND a.actor LIKE 'job:%' AND a.actor <> :me
  AND a.at < (SELECT min(m.at) FROM contact_audit m
              WHERE m.workspace_id = a.workspace_id AND m.contact_id = a.contact_id AND m.actor = :me)
ORDER BY a.contact_id, a.at DESC
"""


def _with_previous_jobs(db: Database, workspace_id: str, job_id: str, targets: list[list[Any]]) -> None:
    """`last_job` (bookkeeping the audit log does not carry) goes back to the import that wrote
    each updated contact before this one, read from the audit log's earlier import entries (none:
    the attribute goes)."""
    updated = [t for t in targets if "changes" in t[2]]
    if not updated:
        return
    rows = db.query(
        _PREVIOUS_JOBS, {"ws": workspace_id, "me": f"job:{job_id}", "ids": [t[0] for t in updated]}
    )
    previous = {str(r["contact_id"]): str(r["actor"]).removeprefix("job:") for r in rows}
    for contact_id, _, spec in updated:
        spec["changes"]["last_job"] = {"before": previous.get(contact_id), "after": job_id}


def _mark_job(job_id: str, status: str, counters: Mapping[str, Any] | None = None) -> None:
    job = jobs.get(job_id)
    if job is None:
        return
    actions: list[Action] = [ImportJob.status.set(status), ImportJob.updated_at.set(jobs.now_iso())]
    if counters is not None:
        actions.append(ImportJob.counters.set({**dict(job.counters or {}), "rollback": dict(counters)}))
    job.update(actions=actions)


def finished(doc: Mapping[str, Any]) -> None:
    """The import shows `rolled_back` with the rollback's counters."""
    view = bulk.view(doc)
    purged = sum(int(s.get("purged", 0)) for s in doc["progress"].values())
    partial = sum(int(s.get("partial", 0)) for s in doc["progress"].values())
    counters = {
        "contacts": view["total"],
        "removed": purged,
        "restored": view["changed"] - purged,
        # contacts with a field (or all) changed since the import, which stays as it is
        "left_alone": view["failed"] + partial,
    }
    _mark_job(doc["params"]["job_id"], "rolled_back", counters)


def release_claim(email: str, workspace_id: str, job_id: str) -> None:
    """The ownership claim this import made on the email, if it is still the active one."""
    from botocore.exceptions import ClientError

    from functions.common import ownership
    from functions.common.models import GlobalContact

    try:
        client("dynamodb").update_item(
            TableName=table_name(GlobalContact),
            Key={"email": {"S": email}},
            UpdateExpression="REMOVE " + ", ".join(ownership.ATTRS),
            ConditionExpression="owner_job_id = :j AND owner_workspace_id = :w",
            ExpressionAttributeValues={":j": {"S": job_id}, ":w": {"S": workspace_id}},
        )
    except ClientError as exc:
        if exc.response["Error"]["Code"] != "ConditionalCheckFailedException":
            raise
