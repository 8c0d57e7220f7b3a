"""The real state machine on moto's engine, real handlers, DynamoDB Local: end to end."""

from __future__ import annotations

import csv
import io
import zipfile
from pathlib import Path

import pytest

from functions.common import chunks, jobs, s3
from functions.common.rows import RowStatus
from functions.dedup.pipeline import commit_chunk
from local import imports
from local.runtime import Runtime
from tests.integration.helpers import contacts, read_csv, snapshot_tables

pytestmark = pytest.mark.integration
EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "contacts.csv"


def write_csv(path: Path, rows: list[list[str]]) -> Path:
    with path.open("w", newline="", encoding="utf-8") as f:
        csv.writer(f).writerows(rows)
    return path


def test_sample_file_every_row_gets_one_status_and_reason(rt: Runtime, workspace: str, out_dir: Path) -> None:
    outcome = imports.run_import(rt, EXAMPLE, workspace_id=workspace, options={}, out_dir=out_dir)

    assert outcome.status == "complete", outcome.error
    c = outcome.counters
    original = read_csv(EXAMPLE)
    assert c["total"] == len(original) - 1
    assert c["total"] == c["imported"] + c["updated"] + c["skipped"] + c["suppressed"] + c["errored"]
    assert c["imported"] == len(contacts(workspace)) > 150
    assert c["errored"] >= 4  # invalid, missing, ragged, duplicate pair

    results = read_csv(outcome.results_csv)
    header = results[0]
    assert header[: len(original[0])] == original[0]
    assert header[len(original[0]) :][:3] == ["Import Status", "Reason", "Contact ID"]
    assert len(results) == len(original)
    width = len(original[0])
    for source, result in zip(original[1:], results[1:], strict=True):
        status, reason = result[width], result[width + 1]
        assert status in {s.value for s in RowStatus}
        assert reason
        if len(source) == width and not any(cell.startswith(("=", "+", "-", "@")) for cell in source):
            assert result[:width] == source  # original cells, untouched

    errors = read_csv(outcome.errors_csv)
    assert len(errors) - 1 == c["errored"]
    assert all(
        row[-1].split(":")[0]
        in {"MISSING_EMAIL", "INVALID_EMAIL", "DUPLICATE_IN_FILE", "MALFORMED_ROW", "INVALID_FIELD_VALUE"}
        for row in errors[1:]
    )


def test_duplicate_emails_in_one_file_error_every_twin(
    rt: Runtime, workspace: str, tmp_path: Path, out_dir: Path
) -> None:
    path = write_csv(
        tmp_path / "d.csv",
        [
            ["Email", "First Name"],
            ["Ann@Acme.com", "Ann"],
            ["bob@acme.com", "Bob"],
            ["ann@acme.com", "Annie"],
        ],
    )
    outcome = imports.run_import(rt, path, workspace_id=workspace, options={}, out_dir=out_dir)
    results = read_csv(outcome.results_csv)
    assert [r[2] for r in results[1:]] == ["error", "imported", "error"]
    assert "DUPLICATE_IN_FILE" in results[1][3] and "3" in results[1][3]
    assert "1" in results[3][3]
    assert [c["email"] for c in contacts(workspace)] == ["bob@acme.com"]


def test_reimport_updates_existing_contacts_and_never_duplicates(
    rt: Runtime, workspace: str, tmp_path: Path, out_dir: Path
) -> None:
    first = write_csv(
        tmp_path / "a.csv",
        [["Email", "First Name", "Title"], ["a@acme.com", "Ann", "CTO"], ["b@acme.com", "Bob", ""]],
    )
    second = write_csv(
        tmp_path / "b.csv",
        [
            ["Email", "First Name", "Title"],
            ["a@acme.com", "", "VP Eng"],
            ["b@acme.com", "Bobby", ""],
            ["c@acme.com", "Cy", ""],
        ],
    )
    one = imports.run_import(rt, first, workspace_id=workspace, options={"tags": ["first"]}, out_dir=out_dir)
    two = imports.run_import(
        rt, second, workspace_id=workspace, options={"tags": ["second"]}, out_dir=out_dir
    )

    assert (one.counters["imported"], one.counters["updated"]) == (2, 0)
    assert (two.counters["imported"], two.counters["updated"]) == (1, 2)
    by_email = {c["email"]: c for c in contacts(workspace)}
    assert len(by_email) == 3
    assert by_email["a@acme.com"]["fields"]["first_name"] == "Ann"  # a blank cell never erases
    assert by_email["a@acme.com"]["fields"]["title"] == "VP Eng"  # a value overwrites
    assert {"first", "second"} <= set(by_email["a@acme.com"]["tags"])  # tags only grow


def test_rejected_file_writes_nothing_to_any_table(
    rt: Runtime, workspace: str, tmp_path: Path, out_dir: Path
) -> None:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("[Content_Types].xml", "<Types/>")
        z.writestr("xl/workbook.xml", "<workbook/>")
    path = tmp_path / "contacts.csv"
    path.write_bytes(buf.getvalue())
    before = snapshot_tables()

    outcome = imports.run_import(rt, path, workspace_id=workspace, options={}, out_dir=out_dir)

    assert outcome.status == "rejected"
    assert "Excel" in (outcome.error or "")
    assert snapshot_tables() == before
    assert jobs.get(outcome.job_id) is None


def test_commit_run_twice_leaves_same_state_and_counters(rt: Runtime, workspace: str, out_dir: Path) -> None:
    outcome = imports.run_import(rt, EXAMPLE, workspace_id=workspace, options={}, out_dir=out_dir)
    first_results = list(chunks.read_results(outcome.job_id, 0, "commit"))
    before = snapshot_tables()

    # drop the checkpoint so the commit really runs again, as after a crash before it was written
    s3.delete_prefix(s3.chunk_key(outcome.job_id, 0, "commit"))
    commit_chunk(outcome.job_id, 0)

    assert list(chunks.read_results(outcome.job_id, 0, "commit")) == first_results
    assert snapshot_tables() == before


def test_failed_chunk_marks_job_failed_then_resume_matches_clean_run(
    rt: Runtime, workspace: str, out_dir: Path
) -> None:
    calls = {"n": 0}

    def crash_second_commit(event: dict) -> None:
        calls["n"] += 1
        if event["chunk"]["n"] == 0:
            raise RuntimeError("injected crash in commit")

    rt.dispatcher.faults["Commit"] = crash_second_commit
    try:
        failed = imports.run_import(rt, EXAMPLE, workspace_id=workspace, options={}, out_dir=out_dir)
    finally:
        rt.dispatcher.faults.clear()
    assert failed.status == "failed"
    assert "injected crash in commit" in (failed.error or "")
    assert jobs.get(failed.job_id).status == "failed"

    resumed = imports.resume(rt, failed.job_id, out_dir=out_dir)
    assert resumed.status == "complete", resumed.error

    clean_ws = workspace + "_clean"
    clean = imports.run_import(rt, EXAMPLE, workspace_id=clean_ws, options={}, out_dir=out_dir)
    assert resumed.counters == clean.counters
    strip = lambda items: sorted(  # noqa: E731
        (
            {
                k: v
                for k, v in i.items()
                if k
                not in (
                    "contact_id",
                    "workspace_id",
                    "created_at",
                    "updated_at",
                    "created_by_job",
                    "last_job",
                    "changed_by",
                    "scored_by_job",
                    "tags",
                )
            }
            for i in items
        ),
        key=lambda i: i["email"],
    )
    assert strip(contacts(workspace)) == strip(contacts(clean_ws))


def test_formula_cells_are_neutralised_in_reports(
    rt: Runtime, workspace: str, tmp_path: Path, out_dir: Path
) -> None:
    path = write_csv(tmp_path / "f.csv", [["Email", "Note"], ["x@acme.com", "=1+2"], ["bad", "@SUM(A1)"]])
    outcome = imports.run_import(rt, path, workspace_id=workspace, options={}, out_dir=out_dir)
    results = read_csv(outcome.results_csv)
    assert results[1][1] == "'=1+2"
    errors = read_csv(outcome.errors_csv)
    assert errors[1][1] == "'@SUM(A1)"
