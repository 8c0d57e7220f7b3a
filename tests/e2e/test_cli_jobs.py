"""An import killed with SIGKILL, as a user would meet it: its job id was on stderr, its engine
died with it, `jobs list` shows it abandoned, and `resume` finishes it exactly."""

from __future__ import annotations

import csv
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from local import dynamodb
from tests.integration.procs_helpers import ROOT, java_children, kill_quietly, wait_gone

pytestmark = [
    pytest.mark.integration,
    pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc"),
]
ROWS = 500  # enough that the import is still running when it is killed


def _own_engine_env() -> dict[str, str]:
    # no shared engine: the CLI starts its own DynamoDB Local on disk under --data-dir
    return {k: v for k, v in os.environ.items() if k != "AWS_ENDPOINT_URL_DYNAMODB"}


def cli(*args: str, data_dir: Path, endpoint: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "local.cli", *args, "--data-dir", str(data_dir)],
        capture_output=True,
        text=True,
        env={**os.environ, "AWS_ENDPOINT_URL_DYNAMODB": endpoint},
        cwd=ROOT,
        timeout=600,
        check=False,
    )


def test_killed_import_is_listed_abandoned_and_resumed_to_the_same_counts(tmp_path: Path) -> None:
    path = tmp_path / "big.csv"
    with path.open("w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["email", "first_name", "company_domain"])
        for i in range(ROWS):
            w.writerow([f"p{i}@kill{i % 50}.example.com", f"P{i}", f"kill{i % 50}.example.com"])
    data_dir = tmp_path / "data"
    cmd = [sys.executable, "-m", "local.cli", "import", str(path), "--workspace", "killed", "--json"]
    proc = subprocess.Popen(
        [*cmd, "--data-dir", str(data_dir)],
        cwd=ROOT,
        env=_own_engine_env(),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    jvms: list[int] = []
    try:
        jvms = java_children(proc.pid)
        assert proc.stderr is not None
        job_id = ""
        deadline = time.monotonic() + 300
        while not job_id and time.monotonic() < deadline:
            line = proc.stderr.readline()
            assert line, "the import ended without printing its job id"
            for word in line.replace("\r", " ").split():
                if word.startswith("job_") and not job_id:
                    job_id = word
        assert job_id
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=30)
        assert all(wait_gone(pid) for pid in jvms), "the import's JVM outlived it"
    finally:
        kill_quietly(proc.pid)
        for pid in jvms:
            kill_quietly(pid)

    # what follows shares one engine on the same files (a JVM start is slow on a busy machine)
    engine = dynamodb.start(data_dir=data_dir / "dynamodb")
    try:
        listed = cli(
            "jobs", "list", "--workspace", "killed", "--json", data_dir=data_dir, endpoint=engine.endpoint
        )
        assert listed.returncode == 0, listed.stderr
        (doc,) = json.loads(listed.stdout)
        assert (doc["job_id"], doc["status"], doc["abandoned"]) == (job_id, "running", True)
        abandoned = cli("jobs", "list", "--status", "abandoned", data_dir=data_dir, endpoint=engine.endpoint)
        assert job_id in abandoned.stdout and "abandoned" in abandoned.stdout

        resumed = cli("resume", job_id, "--json", data_dir=data_dir, endpoint=engine.endpoint)
        assert resumed.returncode == 0, resumed.stderr[-2000:]
        out = json.loads(resumed.stdout)
        assert (out["status"], out["total"], out["imported"], out["errored"]) == ("complete", ROWS, ROWS, 0)
        after = json.loads(cli("jobs", "list", "--json", data_dir=data_dir, endpoint=engine.endpoint).stdout)
        assert [(d["job_id"], d["status"], d["lease_owner"]) for d in after] == [(job_id, "complete", None)]
    finally:
        engine.stop()
