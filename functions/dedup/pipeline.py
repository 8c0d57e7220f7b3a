"""Per-chunk stage runners: read the previous stage's output, write this stage's, skip if done."""

from __future__ import annotations

from typing import Any

from functions.common import chunks, jobs
from functions.common.errors import StageFailed
from functions.dedup.commit import JobContext, commit_rows


def job_context(job_id: str) -> JobContext:
    job = jobs.get(job_id)
    if job is None:
        raise StageFailed(f"job {job_id} does not exist")
    options = dict(job.options or {})
    return JobContext(
        job_id=job_id,
        workspace_id=job.workspace_id,
        now=jobs.now_iso(),
        client_id=options.get("client"),
        tags=tuple(options.get("tags") or ()),
        options=options,
    )


def commit_chunk(job_id: str, n: int) -> dict[str, Any]:
    if chunks.done(job_id, n, "commit"):
        return {"chunk": n, "skipped": True}
    ctx = job_context(job_id)
    rows = list(chunks.read_rows(job_id, n, "intake"))
    results = commit_rows(ctx, rows)
    chunks.write_results(job_id, n, "commit", results)
    return {"chunk": n, "rows": len(results)}
