"""Fixtures and helpers shared by the HTTP API tests (the test_api_* modules import them).

The API is served in-process by `local.server.running` on a free port against the session's
runtime, and every test talks to it over real HTTP with httpx.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from functions.api import auth
from functions.common.context import JobContext
from functions.common.jobs import now_iso
from functions.common.rows import Row
from functions.dedup.commit import commit_rows
from functions.dedup.dedup import dedup_rows
from local.runtime import Runtime
from local.server import LocalApi, running

ALL_SCOPES: tuple[str, ...] = auth.SCOPES
TERMINAL = ("complete", "failed", "rejected")


@pytest.fixture(scope="module")
def api(rt: Runtime) -> Iterator[LocalApi]:
    with running(rt) as served:
        yield served


def new_workspace() -> str:
    return f"ws_{uuid.uuid4().hex[:10]}"


def client(api: LocalApi, workspace: str, scopes: tuple[str, ...] = ALL_SCOPES) -> httpx.Client:
    key = auth.create_key(workspace, scopes)
    return httpx.Client(base_url=api.url, headers={"Authorization": f"Bearer {key}"}, timeout=60)


def anonymous(api: LocalApi) -> httpx.Client:
    return httpx.Client(base_url=api.url, timeout=60)


def error_of(response: httpx.Response) -> dict[str, Any]:
    """The `error` object of a response, after checking the contract's shape."""
    body = response.json()
    assert set(body) == {"error"}, body
    assert {"code", "message"} <= set(body["error"]) <= {"code", "message", "field"}, body
    return dict(body["error"])


def upload(form: dict[str, Any], filename: str, content: bytes) -> httpx.Response:
    """POST a file to a presigned form exactly as a browser's multipart form does (file last)."""
    return httpx.post(
        form["url"],
        data=form["fields"],
        files={form.get("file_field", "file"): (filename, content, "text/csv")},
    )


def wait_for_job(c: httpx.Client, job_id: str, *, timeout: float = 180) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    while True:
        job = c.get(f"/api/v1/imports/{job_id}").json()
        if job.get("status") in TERMINAL:
            return dict(job)
        if time.monotonic() > deadline:
            raise TimeoutError(f"import {job_id} still {job.get('status')} at {job.get('stage')}")
        time.sleep(0.2)


def seed_contacts(workspace: str, count: int, *, batch: int = 500, prefix: str = "seed") -> list[str]:
    """Contacts written straight through dedup + commit (fast), one job per batch."""
    emails = [f"{prefix}{i:05d}.{uuid.uuid4().hex[:6]}@seed-example.com" for i in range(count)]
    for start in range(0, count, batch):
        part = emails[start : start + batch]
        ctx = JobContext.from_options(f"job_seed_{uuid.uuid4().hex[:12]}", workspace, {}, now_iso())
        rows = [Row(n, [e], fields={"email": e}) for n, e in enumerate(part, start=1)]
        commit_rows(ctx, dedup_rows(ctx, rows))
    return emails
