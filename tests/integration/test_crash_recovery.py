"""A crash between two writes of a commit, then resume: the same tables and counters as a clean run."""

from __future__ import annotations

import csv
import json
from pathlib import Path
from typing import Any

import pytest

from functions.common import admin, faults
from local import imports
from local.runtime import Runtime
from tests.integration.helpers import contacts

pytestmark = pytest.mark.integration


def make_file(path: Path, tag: str) -> Path:
    with path.open("w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["Email", "First Name", "Company Domain", "Title"])
        for i in range(140):
            w.writerow(
                [f"u{i}.{tag}@co{i % 7}-{tag}.example", f"U{i}", f"co{i % 7}-{tag}.example", "Head of Sales"]
            )
        w.writerow(["not-an-email", "Bad", "", ""])
    return path


def normalised_state(workspace: str, tag: str) -> list[dict[str, Any]]:
    drop = {
        "contact_id",
        "workspace_id",
        "created_at",
        "updated_at",
        "created_by_job",
        "last_job",
        "scored_by_job",
        "tags",
        "changed_by",
    }
    items = []
    for c in contacts(workspace):
        doc = {k: v for k, v in c.items() if k not in drop}
        items.append(json.loads(json.dumps(doc, sort_keys=True).replace(tag, "TAG")))
    owners = [admin.assignment_history(c["email"])["active"]["client_id"] for c in contacts(workspace)]
    return sorted(items, key=lambda i: i["email"]) + sorted(owners)


class Crash(Exception):
    pass


@pytest.mark.parametrize(
    "point,after", [("commit.after_claims", 1), ("ddb.batch_written", 3), ("commit.after_contacts", 1)]
)
def test_crash_between_writes_then_resume_equals_clean_run(
    rt: Runtime, tmp_path: Path, workspace: str, out_dir: Path, point: str, after: int
) -> None:
    calls = {"n": 0}

    def crash(scope: str | None) -> None:
        if scope != workspace:
            return  # another test's import running in the same engine
        calls["n"] += 1
        if calls["n"] == after:
            raise Crash(f"injected crash at {point}")

    faults.inject(point, crash)
    try:
        failed = imports.run_import(
            rt,
            make_file(tmp_path / "a.csv", "aaa" + workspace[-4:]),
            workspace_id=workspace,
            options={"client": "client_x"},
            out_dir=out_dir,
        )
    finally:
        faults.clear()
    assert failed.status == "failed" and "injected crash" in (failed.error or "")

    resumed = imports.resume(rt, failed.job_id, out_dir=out_dir)
    clean_ws = workspace + "_clean"
    clean = imports.run_import(
        rt,
        make_file(tmp_path / "b.csv", "bbb" + workspace[-4:]),
        workspace_id=clean_ws,
        options={"client": "client_x"},
        out_dir=out_dir,
    )

    assert resumed.status == "complete", resumed.error
    assert (
        resumed.counters
        == clean.counters
        == {
            "total": 141,
            "imported": 140,
            "updated": 0,
            "skipped": 0,
            "suppressed": 0,
            "errored": 1,
            "unchanged": 0,
        }
    )
    assert normalised_state(workspace, "aaa" + workspace[-4:]) == normalised_state(
        clean_ws, "bbb" + workspace[-4:]
    )
