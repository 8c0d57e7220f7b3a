"""The shape every per-chunk stage shares: skip when done, read the previous output, write its own."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from functions.common import chunks, jobs
from functions.common.context import JobContext, job_context
from functions.common.rows import Row


def decision(row: Row) -> dict[str, Any]:
    return dict(row.meta.get("d") or {})


def finished(row: Row) -> bool:
    """An errored, skipped or suppressed row: later stages pass it through untouched."""
    return bool(row.error) or decision(row).get("action") == "none"


def run_chunk_stage(
    job_id: str,
    n: int,
    *,
    stage: str,
    source: str,
    job_stage: str,
    fn: Callable[[JobContext, list[Row]], list[Row]],
) -> dict[str, Any]:
    if chunks.done(job_id, n, stage):
        return {"chunk": n, "stage": stage, "skipped": True}
    ctx = job_context(job_id)
    jobs.advance(job_id, job_stage)
    rows = fn(ctx, list(chunks.read_rows(job_id, n, source)))
    chunks.write_rows(job_id, n, stage, rows)
    return {"chunk": n, "stage": stage, "rows": len(rows)}


def score_source(job_id: str, n: int) -> str:
    return "enrich" if chunks.done(job_id, n, "enrich") else "suppress"
