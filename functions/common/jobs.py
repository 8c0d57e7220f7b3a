"""The ImportJob record: stages as they happen, counters, failure and completion.

Every update here is safe to repeat: a stage is appended to the history only once and the
visible stage only moves forward, so retried and concurrent chunk handlers agree.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from pynamodb.exceptions import DoesNotExist
from pynamodb.expressions.update import Action

from functions.common.models import ImportJob

STAGES: tuple[str, ...] = (
    "queued",
    "parsing",
    "deduplicating",
    "suppressing",
    "enriching",
    "segmenting",
    "scoring",
    "complete",
)
STAGE_RANK = {name: rank for rank, name in enumerate(STAGES)}


def now_iso() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def get(job_id: str) -> ImportJob | None:
    try:
        return ImportJob.get(job_id, consistent_read=True)
    except DoesNotExist:
        return None


def create(
    job_id: str,
    *,
    workspace_id: str,
    options: dict[str, Any],
    source: str = "csv",
    input_key: str | None = None,
    stage: str = "queued",
) -> ImportJob:
    """Create the job once; a repeat returns the existing record unchanged."""
    ts = now_iso()
    job = ImportJob(
        job_id,
        workspace_id=workspace_id,
        source=source,
        status="running" if stage != "queued" else "queued",
        stage=stage,
        stages=[{"stage": s, "at": ts} for s in STAGES[: STAGE_RANK[stage] + 1]],
        options=options,
        counters={},
        input_key=input_key,
        created_at=ts,
        updated_at=ts,
    )
    try:
        job.save(condition=ImportJob.job_id.does_not_exist())
    except Exception as exc:
        if "ConditionalCheckFailed" not in str(exc):
            raise
        existing = get(job_id)
        assert existing is not None
        return existing
    return job


def advance(job_id: str, stage: str, **attrs: Any) -> None:
    """Record that the job reached `stage`: once in the history; the visible stage never moves back."""
    job = get(job_id)
    if job is None:
        return
    seen = {s["stage"] for s in job.stages}
    actions: list[Action] = [ImportJob.updated_at.set(now_iso())]
    for name, value in attrs.items():
        actions.append(getattr(ImportJob, name).set(value))
    if STAGE_RANK[stage] > STAGE_RANK.get(job.stage, 0):
        actions.append(ImportJob.stage.set(stage))
    if job.status in ("queued", "failed"):
        actions += [ImportJob.status.set("running"), ImportJob.error.remove()]
    if stage not in seen:
        entry = [{"stage": stage, "at": now_iso()}]
        actions.append(ImportJob.stages.set(ImportJob.stages.append(entry)))
    job.update(actions=actions)


def reject(job_id: str, message: str) -> None:
    """Mark a job whose file was rejected; a job that was never recorded stays unrecorded."""
    job = get(job_id)
    if job is None:
        return
    job.update(
        actions=[
            ImportJob.status.set("rejected"),
            ImportJob.error.set(message),
            ImportJob.updated_at.set(now_iso()),
        ]
    )


def fail(job_id: str, message: str) -> None:
    job = get(job_id)
    if job is None or job.status == "complete":
        return
    job.update(
        actions=[
            ImportJob.status.set("failed"),
            ImportJob.error.set(message),
            ImportJob.updated_at.set(now_iso()),
        ]
    )


def add_warning(job_id: str, warning: str) -> None:
    job = get(job_id)
    if job is None or warning in (job.warnings or []):
        return
    job.update(actions=[ImportJob.warnings.set([*(job.warnings or []), warning])])


def complete(job_id: str, *, counters: dict[str, Any], results_key: str, errors_key: str) -> None:
    advance(job_id, "complete")
    job = get(job_id)
    assert job is not None
    job.update(
        actions=[
            ImportJob.status.set("complete"),
            ImportJob.counters.set(counters),
            ImportJob.results_key.set(results_key),
            ImportJob.errors_key.set(errors_key),
            ImportJob.updated_at.set(now_iso()),
        ]
    )


def as_dict(job: ImportJob) -> dict[str, Any]:
    counters = dict(job.counters or {})
    return {
        "job_id": job.job_id,
        "workspace_id": job.workspace_id,
        "source": job.source,
        "status": job.status,
        "stage": job.stage,
        "stages": [dict(s) for s in job.stages],
        "counters": counters,
        "warnings": list(job.warnings or []),
        "column_map": job.column_map,
        "error": job.error,
        "options": job.options,
        "chunk_count": job.chunk_count,
        "results_key": job.results_key,
        "errors_key": job.errors_key,
        "created_at": job.created_at,
        "updated_at": job.updated_at,
    }
