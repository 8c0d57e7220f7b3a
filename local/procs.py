"""Child server processes that never outlive the process that started them.

The one-machine runtime starts servers of its own (DynamoDB Local's JVM today; an embedded
PostgreSQL server next). Each holds hundreds of megabytes, so an orphan left behind by a killed
CLI is a real cost. `start_child` is the one way to start such a server:

    from local import procs

    proc = procs.start_child(["java", "-jar", "DynamoDBLocal.jar", ...], cwd=home, stdout=log)
    try:
        ...  # use it
    finally:
        procs.stop_child(proc)  # SIGTERM, then SIGKILL after `grace` seconds

How each way the parent can end is covered:

- normal exit or an exception: the caller's `finally` (or context manager) calls `stop_child`;
  an `atexit` hook stops any child still running when the interpreter exits.
- SIGTERM, SIGHUP (and SIGINT, which Python raises as KeyboardInterrupt): `exit_on_signals()`,
  used by the CLI, turns SIGTERM and SIGHUP into `SystemExit` in the main thread, so the same
  `finally` blocks run and the command exits cleanly (code 128 + signal number).
- the parent killed outright (SIGKILL, the OOM killer, a crash): on Linux the child is started
  with a parent-death signal (`prctl(PR_SET_PDEATHSIG, SIGTERM)` in `preexec_fn`), so the kernel
  sends it SIGTERM when the parent dies. If the parent was already gone by the time the child
  ran `prctl`, the child kills itself before exec.

Two things to know when using it:

- The parent-death signal fires when the *thread* that started the child ends, not only the
  process. Start children from the main thread, or from a thread that lives as long as the
  child should.
- The child gets its own session (`start_new_session=True`): a Ctrl-C in the terminal reaches
  only the parent, which then stops the child in order (a database gets to flush first).

On systems without `prctl` (macOS), the first two cases are covered and a SIGKILLed parent can
still leave its child running.
"""

from __future__ import annotations

import atexit
import contextlib
import ctypes
import ctypes.util
import os
import signal
import subprocess
import sys
import threading
import weakref
from collections.abc import Callable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import IO, Any, NoReturn

PR_SET_PDEATHSIG = 1  # from <linux/prctl.h>
DEFAULT_GRACE_S = 10.0

_children: weakref.WeakSet[subprocess.Popen[bytes]] = weakref.WeakSet()
_children_lock = threading.Lock()


def _parent_death_hook(parent_pid: int) -> Callable[[], None] | None:
    """A preexec_fn that asks the kernel to SIGTERM the child when its parent dies (Linux)."""
    if not sys.platform.startswith("linux"):
        return None
    libc_name = ctypes.util.find_library("c")
    if libc_name is None:
        return None
    libc = ctypes.CDLL(libc_name, use_errno=True)

    def hook() -> None:
        # runs in the child between fork and exec: async-signal-safe calls only
        libc.prctl(PR_SET_PDEATHSIG, signal.SIGTERM, 0, 0, 0)
        if os.getppid() != parent_pid:  # the parent died before prctl took effect
            os.kill(os.getpid(), signal.SIGKILL)

    return hook


def start_child(
    cmd: Sequence[str],
    *,
    cwd: Path | str | None = None,
    env: Mapping[str, str] | None = None,
    stdout: IO[Any] | int | None = subprocess.DEVNULL,
    stderr: IO[Any] | int | None = subprocess.STDOUT,
    stdin: IO[Any] | int | None = subprocess.DEVNULL,
) -> subprocess.Popen[bytes]:
    """Start `cmd` as a child that ends when this process ends, however it ends (see the module
    docstring). Stop it with `stop_child`."""
    proc = subprocess.Popen(
        list(cmd),
        cwd=cwd,
        env=dict(env) if env is not None else None,
        stdin=stdin,
        stdout=stdout,
        stderr=stderr,
        start_new_session=True,
        preexec_fn=_parent_death_hook(os.getpid()),  # only prctl and getppid run there
    )
    with _children_lock:
        _children.add(proc)
    return proc


def stop_child(proc: subprocess.Popen[Any], *, grace: float = DEFAULT_GRACE_S) -> int | None:
    """SIGTERM the child, wait up to `grace` seconds, then SIGKILL it; returns its exit code."""
    with _children_lock:
        _children.discard(proc)
    if proc.poll() is not None:
        return proc.returncode
    with contextlib.suppress(ProcessLookupError):
        proc.terminate()
    try:
        return proc.wait(timeout=grace)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            proc.kill()
        return proc.wait(timeout=grace)


def live_children() -> list[subprocess.Popen[bytes]]:
    with _children_lock:
        return [p for p in _children if p.poll() is None]


@atexit.register
def _stop_all() -> None:
    for proc in live_children():
        stop_child(proc, grace=5.0)


class Terminated(SystemExit):
    """Raised in the main thread when the process receives SIGTERM or SIGHUP."""

    def __init__(self, signum: int) -> None:
        super().__init__(128 + signum)
        self.signum = signum


@contextlib.contextmanager
def exit_on_signals(signals: Sequence[int] = (signal.SIGTERM, signal.SIGHUP)) -> Iterator[None]:
    """Turn `signals` into `Terminated` (a SystemExit) in the main thread while inside, so that
    `finally` blocks and context managers run and children are stopped in order. Outside the main
    thread this does nothing (Python delivers signals to the main thread only)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def raise_terminated(signum: int, _frame: Any) -> None:
        raise Terminated(signum)

    previous = {s: signal.signal(s, raise_terminated) for s in signals}
    try:
        yield
    finally:
        for s, handler in previous.items():
            signal.signal(s, handler)


def exit_now(code: int) -> NoReturn:
    """Exit at once with `code` after stopping every child still running: for a process that was
    interrupted with work abandoned in other threads, which a normal exit would wait for."""
    for proc in live_children():
        stop_child(proc, grace=5.0)
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(Exception):
            stream.flush()
    os._exit(code)
