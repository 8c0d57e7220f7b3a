"""Per-chunk stage runners called by the stage handlers."""

from __future__ import annotations

from typing import Any

from functions.common import chunks, jobs
from functions.common.context import job_context
from functions.common.stage import run_chunk_stage, score_source
from functions.dedup.commit import commit_rows
from functions.dedup.dedup import dedup_rows
from functions.score.stage import score_rows
from functions.suppress.stage import suppress_rows


def dedup_chunk(job_id: str, n: int) -> dict[str, Any]:
    return run_chunk_stage(
        job_id, n, stage="dedup", source="intake", job_stage="deduplicating", fn=dedup_rows
    )


def suppress_chunk(job_id: str, n: int) -> dict[str, Any]:
    return run_chunk_stage(
        job_id, n, stage="suppress", source="dedup", job_stage="suppressing", fn=suppress_rows
    )


def enrich_chunk(job_id: str, n: int) -> dict[str, Any]:
    from functions.enrich.stage import enrich_chunk_rows

    return run_chunk_stage(
        job_id,
        n,
        stage="enrich",
        source="suppress",
        job_stage="enriching",
        fn=lambda ctx, rows: enrich_chunk_rows(ctx, n, rows),
    )


def score_chunk(job_id: str, n: int) -> dict[str, Any]:
    jobs.advance(job_id, "segmenting")
    return run_chunk_stage(
        job_id, n, stage="score", source=score_source(job_id, n), job_stage="scoring", fn=score_rows
    )


def commit_chunk(job_id: str, n: int) -> dict[str, Any]:
    if chunks.done(job_id, n, "commit"):
        return {"chunk": n, "stage": "commit", "skipped": True}
    ctx = job_context(job_id)
    results = commit_rows(ctx, list(chunks.read_rows(job_id, n, "score")))
    chunks.write_results(job_id, n, "commit", results)
    return {"chunk": n, "stage": "commit", "rows": len(results)}
