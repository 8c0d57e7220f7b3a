"""No orphans: a child server started with local.procs ends when its parent ends, however the
parent ends; `contact-import local dynamodb` exits cleanly on SIGTERM and takes its JVM along."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from local import dynamodb, postgres
from tests.integration.procs_helpers import ROOT, java_children, kill_quietly, python, wait_gone

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")

# a parent written the way the CLI is: signals unwind, the child is stopped in `finally`
COOPERATIVE_PARENT = """
import sys, time
from local import procs
with procs.exit_on_signals():
    child = procs.start_child(["sleep", "300"])
    print(child.pid, flush=True)
    try:
        if sys.argv[1] == "raise":
            raise RuntimeError("boom")
        time.sleep(300)
    finally:
        procs.stop_child(child)
"""

# a parent that does nothing to stop its child: only the parent-death signal can
CARELESS_PARENT = """
import time
from local import procs
child = procs.start_child(["sleep", "300"])
print(child.pid, flush=True)
time.sleep(300)
"""


def _run_parent(code: str, *args: str) -> tuple[subprocess.Popen[str], int]:
    parent = python(code, *args)
    assert parent.stdout is not None
    line = parent.stdout.readline()
    if not line.strip():
        kill_quietly(parent.pid)
        raise AssertionError(f"the parent printed no child pid: {parent.communicate()[1]}")
    return parent, int(line)


@pytest.mark.parametrize(
    ("how", "expected_code"),
    [
        ("SIGTERM", 128 + signal.SIGTERM),
        ("SIGINT", -signal.SIGINT),  # KeyboardInterrupt, unwound, then re-raised as Python does
        ("SIGHUP", 128 + signal.SIGHUP),
        ("SIGKILL", -signal.SIGKILL),
        ("raise", 1),
    ],
)
def test_child_ends_with_its_parent_however_the_parent_ends(how: str, expected_code: int) -> None:
    parent, child = _run_parent(COOPERATIVE_PARENT, how)
    try:
        if how != "raise":
            os.kill(parent.pid, getattr(signal, how))
        assert parent.wait(timeout=20) == expected_code
        assert wait_gone(child), f"child {child} outlived its parent ({how})"
    finally:
        kill_quietly(parent.pid)
        kill_quietly(child)


@pytest.mark.parametrize("sig", [signal.SIGKILL, signal.SIGTERM])
def test_parent_death_signal_ends_the_child_without_the_parents_help(sig: int) -> None:
    parent, child = _run_parent(CARELESS_PARENT)
    try:
        os.kill(parent.pid, sig)
        assert parent.wait(timeout=20) == -sig
        assert wait_gone(child), f"child {child} outlived a parent killed by {signal.Signals(sig).name}"
    finally:
        kill_quietly(parent.pid)
        kill_quietly(child)


@pytest.mark.integration
def test_local_dynamodb_exits_zero_on_sigterm_and_stops_its_jvm(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if k != "AWS_ENDPOINT_URL_DYNAMODB"}
    cmd = [sys.executable, "-m", "local.cli", "local", "dynamodb", "--port", str(dynamodb.free_port())]
    proc = subprocess.Popen(
        [*cmd, "--data-dir", str(tmp_path)],
        cwd=ROOT,
        env=env,
        stderr=subprocess.PIPE,
        text=True,
    )
    jvms: list[int] = []
    try:
        assert proc.stderr is not None
        assert "DynamoDB Local on" in proc.stderr.readline()
        jvms = java_children(proc.pid)
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=30) == 0
        assert all(wait_gone(pid) for pid in jvms), "the JVM outlived `local dynamodb`"
    finally:
        kill_quietly(proc.pid)
        for pid in jvms:
            kill_quietly(pid)


@pytest.mark.integration
def test_engine_of_a_sigkilled_process_does_not_survive_it() -> None:
    parent = python(
        "import time\n"
        "from local import dynamodb\n"
        "engine = dynamodb.start(data_dir=None)\n"
        "print(engine.process.pid, flush=True)\n"
        "time.sleep(300)\n",
        env={"AWS_ENDPOINT_URL_DYNAMODB": ""},
    )
    jvm = 0
    try:
        assert parent.stdout is not None
        jvm = int(parent.stdout.readline())
        os.kill(parent.pid, signal.SIGKILL)
        parent.wait(timeout=20)
        assert wait_gone(jvm), "DynamoDB Local outlived the process that started it"
    finally:
        kill_quietly(parent.pid)
        if jvm:
            kill_quietly(jvm)


@pytest.mark.integration
def test_the_memory_backed_cluster_of_a_sigkilled_process_is_cleared_by_the_next_start() -> None:
    parent = python(
        "import time\n"
        "from local import postgres\n"
        "server = postgres.start(data_dir=None)\n"
        "print(server.process.pid, server.data_dir, flush=True)\n"
        "time.sleep(300)\n",
        env={},
    )
    server_pid = 0
    try:
        assert parent.stdout is not None
        pid, path = parent.stdout.readline().split()
        server_pid, cluster = int(pid), Path(path)
        assert (cluster / "pgdata" / "PG_VERSION").exists()
        os.kill(parent.pid, signal.SIGKILL)
        parent.wait(timeout=20)
        assert wait_gone(server_pid), "PostgreSQL outlived the process that started it"
        assert cluster.exists()  # nobody was left to remove it ...
        assert cluster in postgres.sweep_orphans(cluster.parent)  # ... so the next start does
        assert not cluster.exists()
        # a live process's cluster is never taken
        with postgres.running(data_dir=None):
            mine = [p for p in cluster.parent.glob("contact-import-pg-*") if _owned_by(p, os.getpid())]
            assert mine and not set(mine) & set(postgres.sweep_orphans(cluster.parent))
            assert all(p.exists() for p in mine)
    finally:
        kill_quietly(parent.pid)
        if server_pid:
            kill_quietly(server_pid)


def _owned_by(cluster: Path, pid: int) -> bool:
    try:
        return (cluster / "owner").read_text().split()[0] == str(pid)
    except (OSError, IndexError):
        return False
