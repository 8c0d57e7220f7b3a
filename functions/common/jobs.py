"""The ImportJob record: stages as they happen, counters, failure and completion.

Every update here is safe to repeat: a stage is appended to the history only once and the
visible stage only moves forward, so retried and concurrent chunk handlers agree.
"""

from __future__ import annotations

import hashlib
import heapq
import itertools
from collections.abc import Iterator
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


# partitions of a workspace's job listing (the `by_workspace_shard` index)
JOB_SHARDS = 4


def shard_key(workspace_id: str, job_id: str) -> str:
    n = int.from_bytes(hashlib.sha256(job_id.encode()).digest()[:2], "big") % JOB_SHARDS
    return f"{workspace_id}#{n}"


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
        workspace_shard=shard_key(workspace_id, job_id),
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


def newest_ids(
    workspace_id: str, *, status: str | None = None, before: tuple[str, str] | None = None
) -> Iterator[tuple[str, str]]:
    """(created_at, job_id) of the workspace's jobs, newest first, lazily merged from the index's
    shards; `before` continues a listing after the last pair it returned. Eventually consistent
    (the index): read the items themselves for their current state."""
    from functions.common.aws import client
    from functions.common.models import table_name

    def shard(n: int) -> Iterator[tuple[str, str]]:
        request: dict[str, Any] = {
            "TableName": table_name(ImportJob),
            "IndexName": "by_workspace_shard",
            "KeyConditionExpression": "workspace_shard = :k",
            "ExpressionAttributeValues": {":k": {"S": f"{workspace_id}#{n}"}},
            "ScanIndexForward": False,
        }
        if before is not None:
            request["KeyConditionExpression"] += " AND created_at <= :c"
            request["ExpressionAttributeValues"][":c"] = {"S": before[0]}
        if status is not None:
            request["FilterExpression"] = "#s = :s"
            request["ExpressionAttributeNames"] = {"#s": "status"}
            request["ExpressionAttributeValues"][":s"] = {"S": status}
        while True:
            resp = client("dynamodb").query(**request)
            # jobs created in the same millisecond: in job id order (within a page)
            page = sorted(
                ((i["created_at"]["S"], i["job_id"]["S"]) for i in resp.get("Items", [])), reverse=True
            )
            yield from (p for p in page if before is None or p < before)
            if "LastEvaluatedKey" not in resp:
                return
            request["ExclusiveStartKey"] = resp["LastEvaluatedKey"]

    yield from heapq.merge(*(shard(n) for n in range(JOB_SHARDS)), reverse=True)


def get_many(job_ids: list[str]) -> list[ImportJob]:
    """The jobs, read consistently, in the order asked (missing ones left out)."""
    found: dict[str, ImportJob] = {}
    for start in range(0, len(job_ids), 100):
        for job in ImportJob.batch_get(job_ids[start : start + 100], consistent_read=True):
            found[job.job_id] = job
    return [found[j] for j in job_ids if j in found]


def page_of_ids(workspace_id: str, limit: int, **kwargs: Any) -> list[tuple[str, str]]:
    return list(itertools.islice(newest_ids(workspace_id, **kwargs), limit))
