"""Looking at real processes from a test: who are a process's children, and is a process gone."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _stat(pid: int) -> list[str] | None:
    try:
        raw = Path(f"/proc/{pid}/stat").read_text()
    except (FileNotFoundError, ProcessLookupError):
        return None
    # the command name (field 2) is in parentheses and may contain spaces
    return [
        raw[: raw.index(" ")],
        raw[raw.index("(") + 1 : raw.rindex(")")],
        *raw[raw.rindex(")") + 2 :].split(),
    ]


def is_gone(pid: int) -> bool:
    """Not running: no such process, or a zombie waiting for its (new) parent to reap it."""
    stat = _stat(pid)
    return stat is None or stat[2] in ("Z", "X")


def wait_gone(pid: int, timeout: float = 20.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if is_gone(pid):
            return True
        time.sleep(0.1)
    return is_gone(pid)


def children(pid: int) -> list[int]:
    found = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            stat = _stat(int(entry))
            if stat is not None and stat[3] == str(pid) and stat[2] not in ("Z", "X"):
                found.append(int(entry))
    return found


def java_children(pid: int, timeout: float = 60.0) -> list[int]:
    """The JVMs `pid` started (waits until there is one)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = [c for c in children(pid) if b"java" in Path(f"/proc/{c}/cmdline").read_bytes()]
        if found:
            return found
        time.sleep(0.2)
    raise AssertionError(f"process {pid} started no JVM within {timeout}s")


def kill_quietly(pid: int) -> None:
    """Test cleanup only: never leave a process behind when an assertion failed."""
    import contextlib
    import signal

    with contextlib.suppress(ProcessLookupError):
        os.kill(pid, signal.SIGKILL)


def python(code: str, *args: str, env: dict[str, str] | None = None) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-c", code, *args],
        cwd=ROOT,
        env={**os.environ, **(env or {})},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
