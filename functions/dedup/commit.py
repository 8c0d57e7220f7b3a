"""Commit: the arbiter. Writes contacts with conditional statements and decides each row's status.

Safe to run twice: a contact already written by this job (`last_job`) is not written again and
keeps the status it got the first time, so counters never double.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from typing import Any

from functions.common.models import Company, Contact, GlobalContact, table_name
from functions.common.rows import Reason, Row, RowResult, RowStatus, reason_text
from functions.dedup import store

MAX_ROUNDS = 5


@dataclass(frozen=True)
class JobContext:
    job_id: str
    workspace_id: str
    now: str
    client_id: str | None = None
    tags: tuple[str, ...] = ()
    options: dict[str, Any] = field(default_factory=dict)

    @property
    def import_tag(self) -> str:
        return f"import:{self.job_id}"


def new_contact_id() -> str:
    return f"cont_{uuid.uuid4().hex[:20]}"


def _contact_fields(row: Row) -> dict[str, Any]:
    return {
        k: v
        for k, v in row.fields.items()
        if k not in ("email", "tags", "contact_id") and v not in ("", None)
    }


def _new_item(ctx: JobContext, row: Row) -> dict[str, Any]:
    tags = sorted({*row.fields.get("tags", []), *ctx.tags, ctx.import_tag})
    return {
        "workspace_id": ctx.workspace_id,
        "email": row.email,
        "contact_id": new_contact_id(),
        "fields": _contact_fields(row),
        "custom_fields": dict(row.custom),
        "tags": tags,
        "company_domain": row.fields.get("company_domain"),
        "client_id": ctx.client_id,
        "dnt": bool(ctx.options.get("dnt")),
        "created_at": ctx.now,
        "updated_at": ctx.now,
        "created_by_job": ctx.job_id,
        "last_job": ctx.job_id,
        "version": 1,
        "is_deleted": False,
    }


def _merged_sets(ctx: JobContext, existing: dict[str, Any], row: Row) -> dict[str, Any]:
    """Import values overwrite, blank cells never erase, tags only grow."""
    fields = dict(existing.get("fields") or {})
    fields.update(_contact_fields(row))
    custom = dict(existing.get("custom_fields") or {})
    custom.update({k: v for k, v in row.custom.items() if v not in ("", None)})
    tags = sorted({*(existing.get("tags") or []), *row.fields.get("tags", []), *ctx.tags, ctx.import_tag})
    sets: dict[str, Any] = {
        "fields": fields,
        "custom_fields": custom,
        "tags": tags,
        "updated_at": ctx.now,
        "last_job": ctx.job_id,
        "version": int(existing.get("version", 1)) + 1,
    }
    if row.fields.get("company_domain"):
        sets["company_domain"] = row.fields["company_domain"]
    return sets


def commit_rows(ctx: JobContext, rows: list[Row]) -> list[RowResult]:
    """Write every valid row; return exactly one result per input row, in input order."""
    results: dict[int, RowResult] = {}
    pending: dict[str, Row] = {}
    for row in rows:
        if row.error:
            results[row.number] = RowResult(
                row.number, RowStatus.ERROR, reason_text(row.error, row.error_detail)
            )
        else:
            assert row.email
            pending[row.email] = row

    contacts_table = table_name(Contact)
    for _ in range(MAX_ROUNDS):
        if not pending:
            break
        existing = store.contacts_by_email(ctx.workspace_id, pending)
        plans: list[tuple[Row, str, dict[str, Any] | None]] = []
        statements = []
        for email, row in pending.items():
            current = existing.get(email)
            if current is not None and current.get("last_job") == ctx.job_id:
                # this job already wrote it (a retry): report what the first attempt decided
                status = (
                    RowStatus.IMPORTED if current.get("created_by_job") == ctx.job_id else RowStatus.UPDATED
                )
                results[row.number] = _written(row, status, current["contact_id"])
                continue
            if current is None:
                item = _new_item(ctx, row)
                plans.append((row, "insert", item))
                statements.append(store.insert(contacts_table, item))
            else:
                sets = _merged_sets(ctx, current, row)
                plans.append((row, "update", current))
                statements.append(
                    store.update(
                        contacts_table,
                        {"workspace_id": ctx.workspace_id, "email": row.email},
                        sets,
                        condition="version=?",
                        condition_params=(current.get("version", 1),),
                    )
                )
        outcomes = store.execute(statements)
        still: dict[str, Row] = {}
        for (row, kind, item), outcome in zip(plans, outcomes, strict=True):
            if outcome.ok:
                assert item is not None
                status = RowStatus.IMPORTED if kind == "insert" else RowStatus.UPDATED
                results[row.number] = _written(row, status, item["contact_id"])
            elif outcome.code in ("DuplicateItem", "ConditionalCheckFailed"):
                # another writer got there first: read again and merge on top of its write
                still[row.email or ""] = row
            else:
                raise RuntimeError(f"unexpected DynamoDB outcome for row {row.number}: {outcome}")
        pending = still
    if pending:
        raise store.ddb.TransientStoreError(f"{len(pending)} rows kept conflicting with concurrent writers")

    written = [
        r
        for r in rows
        if r.number in results and results[r.number].status in (RowStatus.IMPORTED, RowStatus.UPDATED)
    ]
    _ensure_globals(ctx, written)
    return [results[r.number] for r in rows]


def _written(row: Row, status: RowStatus, contact_id: str) -> RowResult:
    reason = Reason.NEW_CONTACT if status == RowStatus.IMPORTED else Reason.EXISTING_CONTACT
    return RowResult(
        row.number, status, reason_text(reason), contact_id=contact_id, warnings=list(row.warnings)
    )


def _ensure_globals(ctx: JobContext, rows: list[Row]) -> None:
    """GlobalContact and Company records are created once; an existing one is left as it is."""
    statements = []
    for row in rows:
        statements.append(
            store.insert(
                table_name(GlobalContact),
                {
                    "email": row.email,
                    "total_sent": 0,
                    "total_responses": 0,
                    "response_rate": 0,
                    "company_domain": row.fields.get("company_domain"),
                    "first_seen_at": ctx.now,
                    "first_seen_job": ctx.job_id,
                },
            )
        )
    domains = {
        r.fields["company_domain"]: r.fields.get("company_name")
        for r in rows
        if r.fields.get("company_domain")
    }
    for domain, name in domains.items():
        statements.append(
            store.insert(table_name(Company), {"domain": domain, "name": name, "updated_at": ctx.now})
        )
    for outcome in store.execute(statements):
        if not outcome.ok and outcome.code != "DuplicateItem":
            raise RuntimeError(f"unexpected DynamoDB outcome: {outcome}")
