"""Enrich later: enrich a workspace's existing contacts (e.g. only tiers A and B), then
re-segment and re-score them. The efficient path for large lists: import, score, enrich the best."""

from __future__ import annotations

import uuid
from typing import Any

from functions.common import audit, contacts_repo, ddb
from functions.common.context import JobContext
from functions.common.jobs import now_iso
from functions.common.models import Company, Contact, table_name
from functions.common.rows import Row, score_moved
from functions.dedup import store
from functions.dedup.commit import compact_breakdown
from functions.enrich.stage import enrich_chunk_rows
from functions.events import delivery
from functions.score.stage import keep_digest, score_rows

BATCH = 500


def enrich_existing(
    workspace_id: str,
    *,
    tiers: set[str] | None = None,
    force_refresh: bool = False,
    provider: str | None = None,
) -> dict[str, Any]:
    items = [
        i
        for i in contacts_repo.iter_items(workspace_id)
        if not i.get("is_deleted") and (not tiers or (i.get("icp_tier") or "D") in tiers)
    ]
    options = {"force_refresh": force_refresh, "enrich_provider": provider}
    ctx = JobContext.from_options(f"enrich_{uuid.uuid4().hex[:12]}", workspace_id, options, now_iso())
    totals: dict[str, int] = {
        "contacts": len(items),
        "enriched": 0,
        "not_found": 0,
        "failed": 0,
        "cache_hits": 0,
        "provider_calls": 0,
        "rescored": 0,
    }
    for start in range(0, len(items), BATCH):
        rows = enrich_items(ctx, items[start : start + BATCH], 0)
        tally(rows, totals)
        totals["rescored"] += len(rows)
    return totals


def enrich_items(ctx: JobContext, items: list[dict[str, Any]], chunk: int) -> list[Row]:
    """Enrich (cache first, within the context's `enrich_limit`), re-score and write these stored
    contacts; their rows say what enrichment did (`meta["e"]["status"]`). `contact.scored` goes
    out for those whose score or grade moved."""
    rows = [_row(n, item) for n, item in enumerate(items, 1)]
    globals_ = store.global_contacts(r.email or "" for r in rows)
    for row, item in zip(rows, items, strict=True):
        keep_digest(row, item)
        g = globals_.get(row.email or "")
        if g:
            row.meta["g"] = {
                k: g.get(k) for k in ("total_sent", "total_responses", "response_rate", "bounce_status")
            }
    rows = score_rows(ctx, enrich_chunk_rows(ctx, chunk, rows))
    delivery.queue_scored(ctx.workspace_id, _save(ctx, items, rows))
    return rows


def tally(rows: list[Row], totals: dict[str, int]) -> dict[str, int]:
    """Add what enrichment did to each row to `totals` (enriched, not_found, failed, cache_hits,
    provider_calls; `not_enriched`: refused by the call limit)."""
    for row in rows:
        e = row.meta.get("e") or {}
        status = e.get("status")
        if status in totals or status == "not_enriched":
            totals[status] = totals.get(status, 0) + 1
        if e.get("cached"):
            totals["cache_hits"] = totals.get("cache_hits", 0) + 1
        elif status in ("enriched", "not_found", "failed"):
            totals["provider_calls"] = totals.get("provider_calls", 0) + 1
    return totals


def _row(n: int, item: dict[str, Any]) -> Row:
    fields = {**(item.get("fields") or {}), "email": item["email"]}
    if item.get("company_domain"):
        fields["company_domain"] = item["company_domain"]
    return Row(n, [], fields=fields)


def _save(ctx: JobContext, items: list[dict[str, Any]], rows: list[Row]) -> list[tuple[str, str, int]]:
    """Write the batch; returns (contact id, email, version) of those whose score or grade moved."""
    statements = []
    moved: list[tuple[str, str, int] | None] = []
    companies = []
    for item, row in zip(items, rows, strict=True):
        s = row.meta.get("s") or {}
        fields = {k: v for k, v in row.fields.items() if k not in ("email", "tags", "contact_id")}
        sets = {
            "fields": fields,
            "company_domain": row.fields.get("company_domain"),
            "icp_tier": s.get("tier"),
            "lead_score": s.get("score"),
            "grade": s.get("grade"),
            "score_breakdown": compact_breakdown(s),
            "is_enriched": bool(item.get("is_enriched"))
            or (row.meta.get("e") or {}).get("status") == "enriched",
            "updated_at": ctx.now,
            "version": int(item.get("version", 1)) + 1,
            **audit.stamp(ctx.actor or f"job:{ctx.job_id}", "enrichment"),
        }
        moves = score_moved(item, s.get("score"), s.get("grade"))
        moved.append((item["contact_id"], item["email"], int(item.get("version", 1)) + 1) if moves else None)
        statements.append(
            store.update(
                table_name(Contact),
                {"workspace_id": ctx.workspace_id, "email": item["email"]},
                {k: v for k, v in sets.items() if v is not None},
                condition="version=?",
                condition_params=(item.get("version", 1),),
            )
        )
        if row.meta.get("company") and row.fields.get("company_domain"):
            companies.append(
                {**row.meta["company"], "domain": row.fields["company_domain"], "updated_at": ctx.now}
            )
    scored = []
    for outcome, move in zip(store.execute(statements), moved, strict=True):
        if not outcome.ok and outcome.code != "ConditionalCheckFailed":  # a concurrent edit wins; next run
            raise RuntimeError(f"unexpected DynamoDB outcome: {outcome.code}: {outcome.message}")
        if outcome.ok and move is not None:
            scored.append(move)
    if companies:
        ddb.batch_put(table_name(Company), list({c["domain"]: c for c in companies}.values()))
    return scored
