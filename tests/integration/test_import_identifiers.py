"""Imports identified by phone or contact id, on the real pipeline and DynamoDB Local."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from local import imports
from local.runtime import Runtime
from tests.integration.helpers import contacts, read_csv

pytestmark = pytest.mark.integration


def write_csv(path: Path, rows: list[list[str]]) -> Path:
    with path.open("w", newline="", encoding="utf-8") as f:
        csv.writer(f).writerows(rows)
    return path


def test_rows_identified_by_phone_update_the_contact_that_has_it(
    rt: Runtime, workspace: str, tmp_path: Path, out_dir: Path
) -> None:
    seed = write_csv(
        tmp_path / "seed.csv",
        [
            ["Email", "First Name", "Phone"],
            ["ann@phone-id-example.com", "Ann", "+1 415 555 0100"],
            ["bob@phone-id-example.com", "Bob", "+1 415 555 0199"],
            ["cara@phone-id-example.com", "Cara", "+1 415 555 0199"],
        ],
    )
    assert (
        imports.run_import(rt, seed, workspace_id=workspace, options={}, out_dir=out_dir).status == "complete"
    )

    update = write_csv(
        tmp_path / "by_phone.csv",
        [
            ["Mobile Phone", "Job Title"],
            ["'+1 415 555 0100", "CEO"],
            ["+1 415 555 0199", "CTO"],
            ["+1 415 555 0142", "VP"],
        ],
    )
    options = {"identifier": "phone", "purpose": "update"}
    outcome = imports.run_import(rt, update, workspace_id=workspace, options=options, out_dir=out_dir)
    assert outcome.status == "complete", outcome.error
    results = read_csv(outcome.results_csv)
    status = results[0].index("Import Status")
    assert [r[status] for r in results[1:]] == ["updated", "error", "error"]
    assert (
        results[2][status + 1].startswith("AMBIGUOUS_IDENTIFIER")
        and "cara@phone-id-example.com" in results[2][status + 1]
    )
    assert results[3][status + 1].startswith(
        "MISSING_EMAIL: no contact of this workspace has phone +14155550142"
    )
    ann = next(c for c in contacts(workspace) if c["email"] == "ann@phone-id-example.com")
    assert ann["fields"]["title"] == "CEO" and ann["fields"]["first_name"] == "Ann"


def test_contact_id_identifier_needs_purpose_update(
    rt: Runtime, workspace: str, tmp_path: Path, out_dir: Path
) -> None:
    path = write_csv(tmp_path / "ids.csv", [["Contact ID"], ["cont_00000000000000000a01"]])
    outcome = imports.run_import(
        rt, path, workspace_id=workspace, options={"identifier": "contact_id"}, out_dir=out_dir
    )
    assert outcome.status == "rejected" and "purpose 'update'" in (outcome.error or "")
