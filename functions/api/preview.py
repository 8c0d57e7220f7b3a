"""Preview: the first rows of a file through parse, map, dedup, suppression and scoring against
live data, with no write of any kind."""

from __future__ import annotations

import itertools
from typing import Any, BinaryIO

from functions.common.context import JobContext
from functions.common.jobs import now_iso
from functions.common.rows import Reason
from functions.common.settings import get_settings
from functions.common.stage import finished
from functions.dedup.dedup import dedup_rows
from functions.enrich import org_search
from functions.enrich.email_match import hint_without_enrichment
from functions.enrich.orchestrate import projected_calls
from functions.enrich.stage import DynamoCache
from functions.intake.duplicates import InFileDuplicates, twin_detail
from functions.intake.email_resolution import preview_rows
from functions.intake.identifiers import DynamoDirectory, resolve
from functions.intake.parse import Intake
from functions.intake.service import intake_options
from functions.score.stage import score_rows
from functions.suppress.stage import suppress_rows

PREVIEW_ROWS = 100
# Apollo and People Data Labs charge a credit per match (a miss is free at PDL); the local file
# provider nothing. An unknown provider counts one a call: the most it would spend.
CREDITS_PER_CALL = {"file": 0, "apollo": 1, "peopledatalabs": 1}


def preview_stream(
    stream: BinaryIO,
    *,
    size: int | None,
    workspace_id: str,
    options: dict[str, Any],
    limit: int = PREVIEW_ROWS,
) -> dict[str, Any]:
    """Raises FileRejected for a file the import would reject."""
    parsing = intake_options(options, workspace_id)
    parsing.resolve_emails = bool(options.get("enrich")) and parsing.identifier == "email"
    intake = Intake(stream, parsing, size=size)
    rows = list(itertools.islice(intake.rows(), limit))
    resolve(rows, parsing.identifier, DynamoDirectory(workspace_id))
    email_lookups = 0
    if parsing.resolve_emails:
        email_lookups = preview_rows(
            rows, JobContext.from_options("preview", workspace_id, options, now_iso()).now_dt
        )
    elif parsing.identifier == "email":
        for row in rows:
            hint_without_enrichment(row)
    duplicates = InFileDuplicates()
    for row in rows:
        if row.error is None and row.email:
            duplicates.add(row.number, row.email)
    for number, others in duplicates.twins().items():
        row = rows[number - 1]
        row.error, row.error_detail = Reason.DUPLICATE_IN_FILE, twin_detail(row.email or "", others)
    ctx = JobContext.from_options("preview", workspace_id, options, now_iso())
    rows = score_rows(ctx, suppress_rows(ctx, dedup_rows(ctx, rows)))
    predicted: list[dict[str, Any]] = []
    counts: dict[str, int] = {}
    for row in rows:
        d = row.meta.get("d") or {}
        status = "error" if row.error else d.get("status", "error")
        s = row.meta.get("s") or {}
        # the client this import claims it for, the client that keeps it (a skip), or its owner
        owner = (ctx.client_id if d.get("claim") else None) or (row.meta.get("owner") or {}).get("client_id")
        predicted.append(
            {
                "row": row.number,
                "email": row.email,
                "status": status,
                "reason": f"{row.error}: {row.error_detail}" if row.error else d.get("reason"),
                "icp_tier": s.get("tier"),
                "lead_score": s.get("score"),
                "grade": s.get("grade"),
                "owner": owner or row.fields.get("owner_email"),
            }
        )
        counts[status] = counts.get(status, 0) + 1
    doc: dict[str, Any] = {
        "status": "preview",
        "rows": predicted,
        "predicted": counts,
        "headers": intake.headers,
        "column_map": intake.column_plan,
        "warnings": list(intake.warnings),
    }
    if options.get("enrich"):
        not_before = ctx.started_dt if ctx.options.get("force_refresh") else None
        doc["enrichment"] = projected_enrichment(
            ctx,
            [r.email for r in rows if r.email and not finished(r)],
            email_lookups,
            company_searches=org_search.wanted_calls(rows, DynamoCache(not_before), now=ctx.now_dt),
        )
    return doc


def projected_enrichment(
    ctx: JobContext, emails: list[str], email_lookups: int = 0, *, company_searches: int = 0
) -> dict[str, Any]:
    """Provider calls the import would make for these rows now: those without a fresh cache entry,
    plus the organisation searches for company names no Company record resolves (an upper
    bound: person enrichment may find some of those domains first)."""
    provider = ctx.options.get("enrich_provider") or get_settings().enrich_provider
    not_before = ctx.started_dt if ctx.options.get("force_refresh") else None
    limit = ctx.options.get("enrich_limit")
    calls = email_lookups + company_searches
    calls += projected_calls(emails, DynamoCache(not_before), now=ctx.now_dt, limit=limit)
    if limit is not None:
        calls = min(calls, int(limit))
    per_call = CREDITS_PER_CALL.get(provider, 1)
    # email_lookups: match calls for rows without an email (counted in projected_calls too)
    return {
        "provider": provider,
        "projected_calls": calls,
        "rows": len(emails),
        "email_lookups": email_lookups,
        "company_searches": company_searches,
        "credits_per_call": per_call,
        "max_credits": calls * per_call,
    }
