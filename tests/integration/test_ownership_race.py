"""Concurrent imports by different clients over overlapping emails: never a double booking."""

from __future__ import annotations

import csv
import json
import os
import subprocess
import sys
import threading
import uuid
from pathlib import Path

import pytest

from functions.common import admin
from functions.common.context import JobContext
from functions.common.jobs import now_iso
from functions.common.rows import Row, RowStatus
from functions.dedup.commit import commit_rows
from functions.dedup.dedup import dedup_rows
from local.runtime import Runtime
from tests.integration.helpers import contacts

pytestmark = pytest.mark.integration
ROOT = Path(__file__).resolve().parents[2]


def _rows(emails: list[str]) -> list[Row]:
    return [Row(i, [e], fields={"email": e}) for i, e in enumerate(emails, 1)]


@pytest.mark.parametrize("round_", range(12))
def test_racing_commits_leave_exactly_one_owner_per_email(rt: Runtime, round_: int) -> None:
    emails = [f"r{round_}.{i}.{uuid.uuid4().hex[:6]}@race.example" for i in range(60)]
    workers = 2 if round_ % 2 == 0 else 8
    barrier = threading.Barrier(workers)
    results: dict[str, list] = {}
    errors: list[BaseException] = []

    def work(k: int) -> None:
        try:
            ws, client = f"ws_race_{round_}_{k}_{uuid.uuid4().hex[:4]}", f"client_{k}"
            ctx = JobContext.from_options(
                f"job_race_{uuid.uuid4().hex[:8]}", ws, {"client": client}, now_iso()
            )
            overlap = emails[k * 5 :] + emails[: k * 5]  # same emails, different order per worker
            rows = dedup_rows(ctx, _rows(overlap))
            barrier.wait()
            results[ws] = [(r, row.email) for r, row in zip(commit_rows(ctx, rows), rows, strict=True)]
        except BaseException as exc:  # surfaced below
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(k,)) for k in range(workers)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors, errors

    imported = [e for res in results.values() for r, e in res if r.status == RowStatus.IMPORTED]
    assert sorted(imported) == sorted(emails)  # every email imported exactly once, across all jobs
    for email in emails:
        active = admin.assignment_history(email)["active"]
        winners = [
            ws for ws, res in results.items() for r, e in res if e == email and r.status == RowStatus.IMPORTED
        ]
        assert len(winners) == 1
        assert active is not None and active["workspace_id"] == winners[0]
    for ws, res in results.items():
        assert {c["email"] for c in contacts(ws)} == {e for r, e in res if r.status == RowStatus.IMPORTED}
        assert all(r.status in (RowStatus.IMPORTED, RowStatus.SKIPPED) for r, _ in res)


@pytest.mark.parametrize("processes", [2, 8])
def test_concurrent_import_processes_never_double_book(
    ddb_endpoint: str, pg_dsn: str, tmp_path: Path, processes: int
) -> None:
    tag = uuid.uuid4().hex[:6]
    emails = [f"p{i}.{tag}@proc-race.example" for i in range(300)]
    files = []
    for k in range(processes):
        path = tmp_path / f"f{k}.csv"
        with path.open("w", newline="") as f:
            w = csv.writer(f)
            w.writerow(["Email", "First Name"])
            for e in emails[k * 7 :] + emails[: k * 7]:
                w.writerow([e, "X"])
        files.append(path)
    env = {**os.environ, "AWS_ENDPOINT_URL_DYNAMODB": ddb_endpoint}
    procs = [
        subprocess.Popen(
            [
                sys.executable,
                "-m",
                "local.cli",
                "import",
                str(path),
                "--workspace",
                f"ws_{tag}_{k}",
                "--client",
                f"client_{k}",
                "--json",
                "--data-dir",
                str(tmp_path / f"d{k}"),
            ],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            env=env,
            cwd=ROOT,
            text=True,
        )
        for k, path in enumerate(files)
    ]
    docs = []
    for p in procs:
        out, err = p.communicate(timeout=600)
        assert p.returncode == 0, err[-3000:]
        docs.append(json.loads(out))

    assert sum(d["imported"] for d in docs) == len(emails)
    assert all(d["imported"] + d["skipped"] == d["total"] == len(emails) for d in docs)
    owners = {}
    for k in range(processes):
        for c in contacts(f"ws_{tag}_{k}"):
            assert c["email"] not in owners, f"{c['email']} exists in two workspaces"
            owners[c["email"]] = k
    assert set(owners) == set(emails)
    for email in emails[::37]:
        assert admin.assignment_history(email)["active"]["client_id"] == f"client_{owners[email]}"
