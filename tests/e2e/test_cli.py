"""The `contact-import` command as a user runs it: a real process, its exit code and its JSON."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.integration
ROOT = Path(__file__).resolve().parents[2]


def cli(*args: str, data_dir: Path, endpoint: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "AWS_ENDPOINT_URL_DYNAMODB": endpoint}
    return subprocess.run(
        [sys.executable, "-m", "local.cli", *args, "--data-dir", str(data_dir)],
        input=stdin,
        capture_output=True,
        text=True,
        env=env,
        cwd=ROOT,
        timeout=300,
        check=False,
    )


def test_import_prints_one_json_object_and_exits_zero(ddb_endpoint: str, tmp_path: Path) -> None:
    proc = cli(
        "import",
        "examples/contacts.csv",
        "--workspace",
        "cli_ws",
        "--json",
        data_dir=tmp_path,
        endpoint=ddb_endpoint,
    )
    assert proc.returncode == 0, proc.stderr
    doc = json.loads(proc.stdout)
    assert set(doc) >= {
        "job_id",
        "status",
        "stage",
        "total",
        "imported",
        "updated",
        "unchanged",
        "skipped",
        "suppressed",
        "errored",
        "results_csv",
        "errors_csv",
        "warnings",
    }
    assert doc["status"] == "complete" and doc["unchanged"] == 0
    assert Path(doc["results_csv"]).is_absolute() and Path(doc["results_csv"]).exists()

    shown = cli("jobs", "show", doc["job_id"], "--json", data_dir=tmp_path, endpoint=ddb_endpoint)
    job = json.loads(shown.stdout)
    assert job["stages"][0]["stage"] == "queued"
    assert job["stages"][-1]["stage"] == "complete"
    assert job["counters"]["total"] == doc["total"]
    work_email = next(c for c in job["column_map"] if c["header"] == "Work Email")
    assert (work_email["target"], work_email["how"], len(work_email["samples"])) == ("email", "synonym", 3)

    listed = cli(
        "contacts", "list", "--workspace", "cli_ws", "--json", data_dir=tmp_path, endpoint=ddb_endpoint
    )
    items = json.loads(listed.stdout)
    assert len(items) == doc["imported"]
    assert {"id", "email", "first_name", "company", "tags", "custom_fields", "created_at"} <= set(items[0])

    migrated = cli("migrate", "--json", data_dir=tmp_path, endpoint=ddb_endpoint)
    assert json.loads(migrated.stdout) == {"claims": {"moved": 0, "to_history": 0}, "jobs_keyed": 0}


def test_rejected_file_exits_two_with_the_reason(ddb_endpoint: str, tmp_path: Path) -> None:
    empty = tmp_path / "empty.csv"
    empty.write_bytes(b"")
    proc = cli("import", str(empty), "--json", data_dir=tmp_path, endpoint=ddb_endpoint)
    assert proc.returncode == 2
    doc = json.loads(proc.stdout)
    assert doc["status"] == "rejected"
    assert "empty" in doc["error"].lower()
    assert "empty" in proc.stderr.lower()
    assert "Traceback" not in proc.stderr


def test_a_mapping_given_once_is_saved_and_reused(ddb_endpoint: str, tmp_path: Path) -> None:
    source = tmp_path / "export.csv"
    source.write_text("Adresse,Rufname\nida@cli-map-example.com,Ida\n", encoding="utf-8")
    mapping = tmp_path / "mapping.json"
    mapping.write_text(json.dumps({"columns": {"Adresse": "email", "Rufname": "first_name"}}))
    args = ("--workspace", "cli_map_ws", "--json")
    first = cli(
        "import", str(source), "--mapping", str(mapping), *args, data_dir=tmp_path, endpoint=ddb_endpoint
    )
    assert first.returncode == 0, first.stderr

    listed = cli("mappings", "list", *args, data_dir=tmp_path, endpoint=ddb_endpoint)
    (saved,) = json.loads(listed.stdout)
    assert saved["columns"] == {"Adresse": "email", "Rufname": "first_name"}

    source.write_text("Adresse,Rufname\njon@cli-map-example.com,Jon\n", encoding="utf-8")
    again = cli("import", str(source), *args, data_dir=tmp_path, endpoint=ddb_endpoint)
    assert again.returncode == 0, again.stderr
    assert any(saved["id"] in w for w in json.loads(again.stdout)["warnings"])
    shown = cli(
        "jobs", "show", json.loads(again.stdout)["job_id"], "--json", data_dir=tmp_path, endpoint=ddb_endpoint
    )
    assert [(c["target"], c["how"]) for c in json.loads(shown.stdout)["column_map"]] == [
        ("email", "saved"),
        ("first_name", "saved"),
    ]

    unknown = cli(
        "import", str(source), "--field-mapping", "fm_nope", *args, data_dir=tmp_path, endpoint=ddb_endpoint
    )
    assert unknown.returncode == 2
    assert json.loads(unknown.stdout)["status"] == "rejected" and "fm_nope" in unknown.stderr


def test_preview_json_shows_the_column_map_of_a_linkedin_export(ddb_endpoint: str, tmp_path: Path) -> None:
    source = tmp_path / "Connections.csv"
    source.write_text(
        "Notes:\n"
        '"When exporting your connection data, you may notice that some of the email addresses are missing."\n'
        "\n"
        "First Name,Last Name,URL,Email Address,Company,Position,Connected On\n"
        "Ann,Lee,https://www.linkedin.com/in/ann-lee-1,ann@cli-li-example.com,Acme,CTO,03 Dec 2026\n"
        "Bob,Stone,https://www.linkedin.com/in/bob-stone-2,,Globex,VP Sales,01 Dec 2026\n",
        encoding="utf-8",
    )
    proc = cli("import", str(source), "--preview", "--json", data_dir=tmp_path, endpoint=ddb_endpoint)
    assert proc.returncode == 0, proc.stderr
    doc = json.loads(proc.stdout)
    by_header = {c["header"]: c for c in doc["column_map"]}
    assert by_header["URL"]["target"] == "linkedin_url" and by_header["URL"]["how"] == "values"
    assert by_header["URL"]["samples"][0] == "https://www.linkedin.com/in/ann-lee-1"
    assert by_header["Email Address"]["target"] == "email" and by_header["Position"]["target"] == "title"
    assert by_header["Connected On"] == {
        **by_header["Connected On"],
        "target": "custom:Connected On",
        "how": "unmatched",
    }
    assert any("Notes:" in w for w in doc["warnings"])
    assert [r["status"] for r in doc["rows"]] == ["imported", "error"]
