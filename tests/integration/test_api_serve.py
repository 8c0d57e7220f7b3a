"""`serve` as a developer runs it: a separate process on a data directory, a key created
beforehand with `create_key`, real requests, and Ctrl-C stopping everything it started."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

pytestmark = [pytest.mark.integration, pytest.mark.slow]
ROOT = Path(__file__).resolve().parents[2]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_ENDPOINT_URL", "CI_"))}
    return {**env, "PYTHONPATH": str(ROOT)}


def test_serve_answers_with_a_key_made_before_and_stops_on_ctrl_c(tmp_path: Path) -> None:
    data = tmp_path / "data"
    made = subprocess.run(
        [sys.executable, "-c", f"from local.server import create_key; print(create_key('ws_serve', 'contacts:read,contacts:write', data_dir={str(data)!r}))"],
        capture_output=True, text=True, env=_env(), cwd=ROOT, timeout=300,
    )  # fmt: skip
    assert made.returncode == 0, made.stderr
    key = made.stdout.strip().splitlines()[-1]
    assert key.startswith("ci_")

    port = _free_port()
    proc = subprocess.Popen(
        [sys.executable, "-c", f"from local.server import serve; serve({port}, {str(data)!r})"],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=_env(), cwd=ROOT,
    )  # fmt: skip
    try:
        assert proc.stdout is not None
        deadline = time.monotonic() + 300
        banner = []
        while not any("Ctrl-C stops" in line for line in banner):
            line = proc.stdout.readline()
            assert line and time.monotonic() < deadline, "".join(banner)
            banner.append(line)
        c = httpx.Client(base_url=f"http://127.0.0.1:{port}", headers={"Authorization": f"Bearer {key}"})
        created = c.post("/api/v1/contacts/", json={"email": "served@serve-example.com"})
        assert created.status_code == 201, created.text
        assert c.get(f"/api/v1/contacts/{created.json()['id']}").json()["email"] == "served@serve-example.com"
        assert httpx.get(f"http://127.0.0.1:{port}/api/v1/contacts").status_code == 401

        proc.send_signal(signal.SIGINT)
        assert proc.wait(timeout=60) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
    # nothing it started is left listening: not the API, not DynamoDB Local
    with pytest.raises(httpx.ConnectError):
        httpx.get(f"http://127.0.0.1:{port}/api/v1/openapi.json", timeout=2)
    ddb_port = next(line for line in banner if "DynamoDB Local on" in line).split("127.0.0.1:")[1].split()[0]
    with pytest.raises(httpx.HTTPError):
        httpx.get(f"http://127.0.0.1:{ddb_port}", timeout=2)
