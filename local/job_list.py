"""`contact-import jobs list`: the jobs, newest first, and whether a live process runs each one."""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

from functions.common import jobs
from functions.common.aws import client
from functions.common.models import ImportJob, table_name
from local import job_lease


def _job_ids_of_workspace(workspace_id: str, status: str | None) -> Iterator[str]:
    """Newest first, from the `by_workspace_shard` index (status there is eventually consistent:
    `describe` reads the item)."""
    for _, job_id in jobs.newest_ids(workspace_id, status=status):
        yield job_id


def _all_items() -> list[dict[str, Any]]:
    paginator = client("dynamodb").get_paginator("scan")
    return [i for page in paginator.paginate(TableName=table_name(ImportJob)) for i in page.get("Items", [])]


def _get_items(job_ids: list[str]) -> list[dict[str, Any]]:
    """Full items in the order asked (BatchGetItem, 100 keys a call, unprocessed keys retried)."""
    ddb = client("dynamodb")
    found: dict[str, dict[str, Any]] = {}
    for start in range(0, len(job_ids), 100):
        keys = [{"job_id": {"S": j}} for j in job_ids[start : start + 100]]
        request: dict[str, Any] = {table_name(ImportJob): {"Keys": keys, "ConsistentRead": True}}
        while request:
            resp = ddb.batch_get_item(RequestItems=request)
            for item in resp.get("Responses", {}).get(table_name(ImportJob), []):
                found[item["job_id"]["S"]] = item
            request = resp.get("UnprocessedKeys") or {}
    return [found[j] for j in job_ids if j in found]


def describe(item: dict[str, Any], *, now: float | None = None) -> dict[str, Any]:
    job = ImportJob.from_raw_data(item)
    doc = jobs.as_dict(job)
    state = {
        "status": job.status,
        "updated_at": job.updated_at,
        "lease_owner": item.get("lease_owner", {}).get("S"),
        "lease_expires_at": float(item["lease_expires_at"]["N"]) if "lease_expires_at" in item else None,
    }
    doc["lease_owner"] = state["lease_owner"]
    doc["abandoned"] = job.status == "running" and job_lease.is_abandoned(state, now=now)
    return doc


def list_jobs(
    *, workspace_id: str | None = None, status: str | None = None, limit: int = 50
) -> list[dict[str, Any]]:
    """Jobs newest first; `status` may also be `abandoned` (running, but no live process runs it)."""
    now = time.time()

    def wanted(doc: dict[str, Any]) -> bool:
        if status is None:
            return True
        if status == "abandoned":
            return bool(doc["abandoned"])
        return bool(doc["status"] == status)

    out: list[dict[str, Any]] = []
    if workspace_id is None:
        items = sorted(_all_items(), key=lambda i: (i["created_at"]["S"], i["job_id"]["S"]), reverse=True)
        for item in items:
            doc = describe(item, now=now)
            if wanted(doc):
                out.append(doc)
                if len(out) >= limit:
                    break
        return out
    batch: list[str] = []
    indexed_status = None if status in (None, "abandoned") else status
    for job_id in _job_ids_of_workspace(workspace_id, indexed_status):
        batch.append(job_id)
        if len(batch) == 100:
            out += [d for d in (describe(i, now=now) for i in _get_items(batch)) if wanted(d)]
            batch = []
            if len(out) >= limit:
                return out[:limit]
    out += [d for d in (describe(i, now=now) for i in _get_items(batch)) if wanted(d)]
    return out[:limit]


def describe_job(job_id: str) -> dict[str, Any]:
    item = (
        client("dynamodb")
        .get_item(TableName=table_name(ImportJob), Key={"job_id": {"S": job_id}}, ConsistentRead=True)
        .get("Item")
    )
    if item is None:
        raise LookupError(f"no job {job_id}")
    return describe(item)
