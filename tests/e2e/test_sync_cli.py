"""`contact-import sync` as a user runs it: the token on stdin, `sync run --json` against a CRM
stub server, the exit code and exactly one JSON object on stdout."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime
from pathlib import Path

import pytest

from tests.contracts.openapi_check import conforming_stub
from tests.e2e.test_cli import cli

pytestmark = pytest.mark.integration


def test_connect_with_the_token_on_stdin_then_sync_run_json(ddb_endpoint: str, tmp_path: Path) -> None:
    workspace = f"cli-sync-{uuid.uuid4().hex[:8]}"
    with conforming_stub("hubspot", token="pat-cli-SECRET-42") as stub:
        stub.add_many(
            4,
            start=datetime(2025, 3, 1, tzinfo=UTC),
            make=lambda i: {"email": f"cli{i}@{workspace}.example", "firstname": f"C{i}", "jobtitle": "CTO"},
        )
        connected = cli(
            "sync",
            "connect",
            "hubspot",
            "--workspace",
            workspace,
            "--base-url",
            stub.base_url,
            "--tags",
            "crm,hubspot",
            "--json",
            data_dir=tmp_path,
            endpoint=ddb_endpoint,
            stdin=stub.token + "\n",
        )
        assert connected.returncode == 0, connected.stderr
        assert stub.token not in connected.stdout + connected.stderr
        connection_id = json.loads(connected.stdout)["id"]

        ran = cli(
            "sync", "run", "--connection", connection_id, "--json", data_dir=tmp_path, endpoint=ddb_endpoint
        )
        assert ran.returncode == 0, ran.stderr
        doc = json.loads(ran.stdout)  # exactly one JSON object
        assert doc["status"] == "started" and doc["records"] == 4 and doc["pulled"] == 4
        assert doc["import"]["status"] == "complete" and doc["import"]["imported"] == 4
        assert Path(doc["import"]["results_csv"]).exists()
        assert doc["watermark"] == "2025-03-01T00:00:03.000000Z" and doc["finalized"] == "committed"

        again = cli(
            "sync",
            "run",
            "--connection",
            connection_id,
            "--workspace",
            workspace,
            "--json",
            data_dir=tmp_path,
            endpoint=ddb_endpoint,
        )
        assert again.returncode == 0, again.stderr
        assert json.loads(again.stdout)["status"] == "no_changes"

        stub.revoke()
        stub.add({"email": f"late@{workspace}.example"}, modified_at=datetime(2025, 3, 2, tzinfo=UTC))
        refused = cli(
            "sync", "run", "--connection", connection_id, "--json", data_dir=tmp_path, endpoint=ddb_endpoint
        )
        assert refused.returncode == 1
        failed = json.loads(refused.stdout)
        assert failed["status"] == "failed" and "reconnect" in failed["reason"]
        assert failed["watermark"] == "2025-03-01T00:00:03.000000Z"

        listed = cli(
            "sync", "list", "--workspace", workspace, "--json", data_dir=tmp_path, endpoint=ddb_endpoint
        )
        assert listed.returncode == 0, listed.stderr
        (shown,) = json.loads(listed.stdout)["data"]
        assert shown["id"] == connection_id and shown["options"]["tags"] == ["crm", "hubspot"]
        for proc in (ran, again, refused, listed):
            assert stub.token not in proc.stdout + proc.stderr


def test_connect_without_a_token_on_stdin_is_a_usage_error(ddb_endpoint: str, tmp_path: Path) -> None:
    proc = cli("sync", "connect", "outreach", "--workspace", "w", data_dir=tmp_path, endpoint=ddb_endpoint)
    assert proc.returncode == 2 and "stdin" in proc.stderr
