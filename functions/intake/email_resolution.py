"""Intake's edge for rows without an email (functions/enrich/email_match.py holds the rules).

With enrichment on, each batch's resolvable rows are looked up before the batch is written, so
a found email takes part in the in-file duplicate check and in dedup like any other. The calls
count against the import's `enrich_limit` through the same reservation on the job record as the
Enrich stage (`enrich_grant_resolve_<n>` per batch): a retried intake gets its grants back and
finds its answers in the cache, so it never pays twice.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from functions.common import ddb, jobs
from functions.common.context import JobContext
from functions.common.jobs import now_iso
from functions.common.models import EnrichmentCacheEntry, table_name
from functions.common.rows import Row
from functions.enrich.email_match import (
    EmailMatcher,
    MatchEntry,
    ResolveOutcome,
    apply_answer,
    plan,
    query_for,
    resolvable,
    resolve_rows,
    stopped,
    unsupported,
)
from functions.enrich.errors import EnrichmentError


class DynamoMatchCache:
    """The EnrichmentCache table behind `MatchCachePort` (keys carry the `match#` prefix)."""

    def get_many(self, keys: Sequence[str]) -> Mapping[str, MatchEntry]:
        items = ddb.batch_get(table_name(EnrichmentCacheEntry), [{"email_hash": k} for k in keys])
        return {e.key: e for e in (MatchEntry.from_item(i) for i in items)}

    def put_many(self, entries: Sequence[MatchEntry]) -> None:
        ddb.batch_put(table_name(EnrichmentCacheEntry), [e.to_item() for e in entries])


class EmailResolver:
    """Resolves the rows of one intake, batch by batch; the provider is opened on first need."""

    def __init__(
        self, job_id: str, workspace_id: str, options: dict[str, Any], source: str, key: str
    ) -> None:
        self.job_id, self.workspace_id, self.options = job_id, workspace_id, options
        self.source, self.key = source, key
        self.total = ResolveOutcome()
        self._ctx: JobContext | None = None
        # set when the provider refused for good (quota, key): later batches make no call
        self.stopped: str | None = None

    def _context(self) -> JobContext:
        if self._ctx is None:
            # the call reservation lives on the job record, so the job exists from here on
            jobs.create(
                self.job_id,
                workspace_id=self.workspace_id,
                options=self.options,
                source=self.source,
                input_key=self.key,
                stage="parsing",
            )
            self._ctx = JobContext.from_options(self.job_id, self.workspace_id, self.options, now_iso())
        return self._ctx

    def run(self, n: int, batch: Sequence[Row]) -> None:
        """Resolve the batch's rows in place. A provider that refuses for good (quota exhausted,
        key rejected) does not fail the import: its rows stay MISSING_EMAIL saying why, and
        answers already paid for are in the cache for the next import."""
        if not any(resolvable(r) for r in batch):
            return
        try:
            if self.stopped is None:
                self._run(n, batch)
        except EnrichmentError as exc:
            self.stopped = str(exc)
        if self.stopped is not None:
            for row in batch:
                if resolvable(row):
                    stopped(row, self.stopped)
                    self.total.unresolved += 1

    def _run(self, n: int, batch: Sequence[Row]) -> None:
        from functions.enrich.stage import DynamoCache, provider_for, reserve_calls

        ctx = self._context()
        provider = provider_for(ctx)

        async def go() -> ResolveOutcome:
            try:
                if not isinstance(provider, EmailMatcher):
                    for row in batch:
                        if resolvable(row):
                            unsupported(row, provider.name)
                    return ResolveOutcome()
                return await resolve_rows(
                    batch,
                    provider,
                    DynamoMatchCache(),
                    now=ctx.now_dt,
                    reserve=lambda wanted: reserve_calls(ctx, f"resolve_{n}", wanted),
                    profiles=DynamoCache(),
                )
            finally:
                close = getattr(provider, "aclose", None)
                if close is not None:
                    await close()

        outcome = asyncio.run(go())
        for name in ("calls", "cache_hits", "found", "unresolved"):
            setattr(self.total, name, getattr(self.total, name) + getattr(outcome, name))

    def warning(self) -> str | None:
        t = self.total
        if not (t.found or t.unresolved):
            return None
        why = f" Enrichment stopped: {self.stopped}." if self.stopped else ""
        return (
            f"{t.found + t.unresolved} row(s) without an email were looked up by enrichment: "
            f"{t.found} found, {t.unresolved} not ({t.calls} provider call(s), {t.cache_hits} from the cache).{why}"
        )


def preview_rows(rows: Sequence[Row], now: datetime) -> int:
    """Preview (no provider call): fresh cached answers are applied, the other resolvable rows
    say they will be looked up; returns the match calls the import would make for them."""
    todo = [(r, q) for r in rows if resolvable(r) and (q := query_for(r.fields)) is not None]
    if not todo:
        return 0
    cached = DynamoMatchCache().get_many(list(dict.fromkeys(q.cache_key for _, q in todo)))
    fresh, to_call = plan((q for _, q in todo), cached, now=now, limit=None)
    for row, query in todo:
        if query.cache_key in fresh:
            apply_answer(row, query, fresh[query.cache_key].answer, cached=True)
        else:
            row.error_detail = (
                f"the row has no email address; enrichment will look it up by its {query.by} when imported"
            )
    return len(to_call)
