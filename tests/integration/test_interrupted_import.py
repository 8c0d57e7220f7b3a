"""An interrupted `contact-import import` exits promptly, leaves no engine behind, says how to go
on, and `resume` then finishes the job as if nothing had happened."""

from __future__ import annotations

import csv
import json
import os
import re
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from tests.integration.procs_helpers import ROOT, children, java_children, kill_quietly, wait_gone

pytestmark = [
    pytest.mark.integration,
    pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc"),
]

ROWS = 120

# the CLI as users run it, with every chunk's commit stuck for an hour once its claims are made:
# a handler that will not end on its own when the signal comes
STUCK_CLI = """
import sys, time
from functions.common import faults

def stuck(scope):
    print("COMMIT STUCK", file=sys.stderr, flush=True)
    time.sleep(3600)

faults.inject("commit.after_claims", stuck)
from local.cli import main
main(sys.argv[1:], prog_name="contact-import")
"""


def _file(path: Path) -> Path:
    with path.open("w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["Email", "First Name", "Company Domain"])
        for i in range(ROWS):
            w.writerow([f"p{i}@co{i % 4}-interrupt.example", f"P{i}", f"co{i % 4}-interrupt.example"])
    return path


class _Stderr:
    """Collects a process's stderr as it comes (the progress bar redraws with carriage returns)."""

    def __init__(self, proc: subprocess.Popen[str]) -> None:
        self.text = ""
        self._lock = threading.Lock()
        assert proc.stderr is not None
        stream = proc.stderr
        threading.Thread(target=self._read, args=(stream,), daemon=True).start()

    def _read(self, stream: object) -> None:
        while chunk := stream.read(1):  # type: ignore[attr-defined]
            with self._lock:
                self.text += chunk

    def wait_for(self, needle: str, proc: subprocess.Popen[str], timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while needle not in self.text:
            if proc.poll() is not None or time.monotonic() > deadline:
                raise AssertionError(f"no {needle!r} on stderr (exit {proc.poll()}):\n{self.text[-3000:]}")
            time.sleep(0.1)


def test_sigterm_ends_a_stuck_import_promptly_with_no_child_left_and_resume_completes_it(
    tmp_path: Path,
) -> None:
    data_dir = tmp_path / "data"
    # its own engines, so that the test sees them end with it
    env = {k: v for k, v in os.environ.items() if k not in ("AWS_ENDPOINT_URL_DYNAMODB", "CI_PG_DSN")}
    args = ["import", str(_file(tmp_path / "rows.csv")), "--workspace", "ws_interrupted"]
    proc = subprocess.Popen(
        [sys.executable, "-c", STUCK_CLI, *args, "--data-dir", str(data_dir), "--json"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    engines: list[int] = []
    try:
        stderr = _Stderr(proc)
        engines = java_children(proc.pid, timeout=120)
        stderr.wait_for("COMMIT STUCK", proc, timeout=240)
        engines = sorted(set(engines) | set(children(proc.pid)))  # DynamoDB Local and PostgreSQL
        assert len(engines) >= 2, engines

        sent = time.monotonic()
        proc.send_signal(signal.SIGTERM)
        code = proc.wait(timeout=60)
        took = time.monotonic() - sent
        assert code == 128 + signal.SIGTERM
        assert took < 15, f"the import took {took:.1f}s to exit after SIGTERM"
        assert all(wait_gone(pid, timeout=5) for pid in engines), "an engine outlived the import"
        job_id = re.search(r"Job (job_\w+)", stderr.text)
        assert job_id is not None, stderr.text[-3000:]
        assert f"contact-import resume {job_id[1]} --data-dir {data_dir}" in stderr.text
    finally:
        kill_quietly(proc.pid)
        for pid in engines:
            kill_quietly(pid)

    resumed = subprocess.run(
        [sys.executable, "-m", "local.cli", "resume", job_id[1], "--data-dir", str(data_dir), "--json"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert resumed.returncode == 0, resumed.stderr[-3000:]
    doc = json.loads(resumed.stdout)
    assert (doc["status"], doc["total"], doc["imported"], doc["errored"]) == ("complete", ROWS, ROWS, 0)
