"""`contact-import events ingest` and `contact-import contacts events` as a user runs them."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from tests.e2e.test_cli import cli

pytestmark = pytest.mark.integration


def test_ingest_a_jsonl_file_then_read_the_timeline(ddb_endpoint: str, tmp_path: Path) -> None:
    imported = cli(
        "import",
        "examples/contacts.csv",
        "--workspace",
        "ev_ws",
        "--json",
        data_dir=tmp_path,
        endpoint=ddb_endpoint,
    )
    assert imported.returncode == 0, imported.stderr
    listed = json.loads(
        cli(
            "contacts", "list", "--workspace", "ev_ws", "--json", data_dir=tmp_path, endpoint=ddb_endpoint
        ).stdout
    )
    contact = listed[0]
    lines = [
        {"id": "e1", "type": "sent", "email": contact["email"], "occurred_at": "2026-05-01T09:00:00Z"},
        {"id": "e2", "type": "opened", "contact_id": contact["id"], "occurred_at": "2026-05-01T10:00:00Z"},
        {"id": "e3", "type": "replied", "email": contact["email"], "occurred_at": "2026-05-02T08:00:00Z"},
    ]
    path = tmp_path / "events.jsonl"
    path.write_text("\n".join(json.dumps(x) for x in lines) + "\n\n{not json\n", encoding="utf-8")

    proc = cli(
        "events",
        "ingest",
        str(path),
        "--workspace",
        "ev_ws",
        "--json",
        data_dir=tmp_path,
        endpoint=ddb_endpoint,
    )
    assert proc.returncode == 0, proc.stderr
    doc = json.loads(proc.stdout)
    assert (doc["applied"], doc["duplicate"], doc["error"]) == (3, 0, 1)
    assert doc["errors"][0]["line"] == 5 and doc["errors"][0]["code"] == "INVALID_JSON"

    again = json.loads(
        cli(
            "events",
            "ingest",
            str(path),
            "--workspace",
            "ev_ws",
            "--json",
            data_dir=tmp_path,
            endpoint=ddb_endpoint,
        ).stdout
    )
    assert (again["applied"], again["duplicate"]) == (0, 3)

    shown = cli(
        "contacts",
        "events",
        contact["id"],
        "--workspace",
        "ev_ws",
        "--limit",
        "2",
        "--json",
        data_dir=tmp_path,
        endpoint=ddb_endpoint,
    )
    assert shown.returncode == 0, shown.stderr
    page = json.loads(shown.stdout)
    assert [e["id"] for e in page["data"]] == ["e3", "e2"] and page["meta"]["has_more"] is True
    human = cli(
        "contacts",
        "events",
        contact["id"],
        "--workspace",
        "ev_ws",
        "--type",
        "sent",
        data_dir=tmp_path,
        endpoint=ddb_endpoint,
    )
    assert "sent" in human.stdout and "e1" in human.stdout and "replied" not in human.stdout


def test_ingest_of_a_missing_file_exits_2(ddb_endpoint: str, tmp_path: Path) -> None:
    proc = cli("events", "ingest", str(tmp_path / "nope.jsonl"), data_dir=tmp_path, endpoint=ddb_endpoint)
    assert proc.returncode == 2 and "not a readable file" in proc.stderr


def test_set_enrollment_rule_stores_the_tiers_and_refuses_unknown_ones(
    ddb_endpoint: str, tmp_path: Path
) -> None:
    def run(*args: str) -> Any:
        return cli(
            "config",
            "set-enrollment-rule",
            *args,
            "--workspace",
            "en_ws",
            data_dir=tmp_path,
            endpoint=ddb_endpoint,
        )

    proc = run("--tiers", "a,B")
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == "enrollment rule saved for workspace en_ws: A, B"
    bad = run("--tiers", "Z")
    assert bad.returncode == 1 and "unknown ICP tier(s) Z" in bad.stderr
    assert run().returncode == 2  # neither --tiers nor --any-tier
    cleared = run("--any-tier")
    assert cleared.returncode == 0 and cleared.stdout.strip().endswith("every tier")
