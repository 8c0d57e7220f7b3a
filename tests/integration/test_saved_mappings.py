"""Saved FieldMappings and workspace custom fields on the real pipeline (DynamoDB Local).

"The mapping is saved as a FieldMapping record so subsequent imports from the same source skip
this step": an explicit mapping is remembered for the file's header row and reused by the next
file with those headers; custom field definitions type and auto-map their columns."""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Any

import pytest

from functions.api import custom_fields
from functions.common import field_mappings
from local import imports
from local.runtime import Runtime
from tests.integration.helpers import contacts, snapshot_tables

pytestmark = pytest.mark.integration

MAPPING = {"columns": {"Mail": "email", "Rufname": "first_name", "Familie": "last_name", "Notiz": None}}


def write_csv(path: Path, rows: list[list[str]]) -> Path:
    with path.open("w", newline="", encoding="utf-8") as f:
        csv.writer(f).writerows(rows)
    return path


def by_email(workspace: str) -> dict[str, dict[str, Any]]:
    """Contacts by email, standard fields and custom data side by side."""
    return {
        c["email"]: {**c.get("fields", {}), "custom_fields": c.get("custom_fields") or {}}
        for c in contacts(workspace)
    }


def test_an_explicit_mapping_is_reused_for_files_with_the_same_headers(
    rt: Runtime, workspace: str, tmp_path: Path, out_dir: Path
) -> None:
    first = write_csv(
        tmp_path / "crm-export-1.csv",
        [["Mail", "Rufname", "Familie", "Notiz"], ["anna@mapped-example.com", "Anna", "Berg", "private"]],
    )
    done = imports.run_import(
        rt, first, workspace_id=workspace, options={"mapping": MAPPING}, out_dir=out_dir
    )
    assert done.status == "complete", done.error
    (saved,) = field_mappings.list_all(workspace)
    assert saved["columns"] == MAPPING["columns"] and saved["name"] == "crm-export-1.csv"

    # the same source next week: header case and spacing differ, no mapping given
    second = write_csv(
        tmp_path / "crm-export-2.csv",
        [["MAIL", " Rufname", "Familie ", "Notiz"], ["ben@mapped-example.com", "Ben", "Cole", "private"]],
    )
    done = imports.run_import(rt, second, workspace_id=workspace, options={}, out_dir=out_dir)
    assert done.status == "complete", done.error
    assert any(saved["id"] in w and "saved for files with these headers" in w for w in done.warnings)
    ben = by_email(workspace)["ben@mapped-example.com"]
    assert (ben["first_name"], ben["last_name"]) == ("Ben", "Cole")
    assert "Notiz" not in (ben.get("custom_fields") or {})  # the saved mapping ignores it
    assert len(field_mappings.list_all(workspace)) == 1  # reused, not saved again

    # asked not to: auto-mapping, so the unfamiliar headers become custom data
    third = write_csv(
        tmp_path / "crm-export-3.csv",
        [["Mail", "Rufname", "Familie", "Notiz"], ["cleo@mapped-example.com", "Cleo", "Dunn", "x"]],
    )
    done = imports.run_import(
        rt, third, workspace_id=workspace, options={"saved_mapping": False}, out_dir=out_dir
    )
    assert done.status == "complete", done.error
    cleo = by_email(workspace)["cleo@mapped-example.com"]
    assert not cleo.get("first_name")
    assert cleo["custom_fields"]["Rufname"] == "Cleo"


def test_a_file_with_other_headers_does_not_pick_up_a_saved_mapping(
    rt: Runtime, workspace: str, tmp_path: Path, out_dir: Path
) -> None:
    first = write_csv(tmp_path / "a.csv", [["Mail", "Rufname"], ["dora@mapped-example.com", "Dora"]])
    mapping = {"columns": {"Mail": "email", "Rufname": "first_name"}}
    assert imports.run_import(
        rt, first, workspace_id=workspace, options={"mapping": mapping}, out_dir=out_dir
    )
    other = write_csv(
        tmp_path / "b.csv", [["Mail", "Rufname", "Stadt"], ["eli@mapped-example.com", "Eli", "Köln"]]
    )
    done = imports.run_import(rt, other, workspace_id=workspace, options={}, out_dir=out_dir)
    assert done.status == "complete", done.error
    assert not any("saved for files" in w for w in done.warnings)
    assert by_email(workspace)["eli@mapped-example.com"]["custom_fields"]["Rufname"] == "Eli"


def test_a_saved_mapping_chosen_by_id_and_an_unknown_id_rejects_before_any_write(
    rt: Runtime, workspace: str, tmp_path: Path, out_dir: Path
) -> None:
    saved = field_mappings.create(workspace, "partner list", {"Adresse": "email", "Firma": "company_name"})
    path = write_csv(tmp_path / "partner.csv", [["Adresse", "Firma"], ["finn@mapped-example.com", "Acme"]])
    done = imports.run_import(
        rt, path, workspace_id=workspace, options={"field_mapping_id": saved["id"]}, out_dir=out_dir
    )
    assert done.status == "complete", done.error
    assert by_email(workspace)["finn@mapped-example.com"]["company_name"] == "Acme"
    assert field_mappings.for_headers(workspace, ["Adresse", "Firma"])["id"] == saved["id"]

    before = snapshot_tables()
    done = imports.run_import(
        rt, path, workspace_id=workspace, options={"field_mapping_id": "fm_missing"}, out_dir=out_dir
    )
    assert done.status == "rejected"
    assert done.extra.get("code") == "UNKNOWN_MAPPING" and "fm_missing" in (done.error or "")
    after = snapshot_tables()
    jobs_table = next(name for name in after if name.endswith("-ImportJobs"))
    assert {k: v for k, v in after.items() if k != jobs_table} == {
        k: v for k, v in before.items() if k != jobs_table
    }


def test_custom_field_definitions_type_and_map_their_columns(
    rt: Runtime, workspace: str, tmp_path: Path, out_dir: Path
) -> None:
    custom_fields.create(
        workspace, {"name": "renewal_date", "field_type": "date", "display_label": "Renewal Date"}
    )
    custom_fields.create(workspace, {"name": "seats", "field_type": "number"})
    path = write_csv(
        tmp_path / "renewals.csv",
        [
            ["Email", "Renewal Date", "seats"],
            ["gus@mapped-example.com", "2027-03-15", "25"],
            ["hal@mapped-example.com", "next spring", "3"],
        ],
    )
    done = imports.run_import(rt, path, workspace_id=workspace, options={}, out_dir=out_dir)
    assert done.status == "complete", done.error
    assert done.counters["imported"] == 1 and done.counters["errored"] == 1
    gus = by_email(workspace)["gus@mapped-example.com"]["custom_fields"]
    assert gus["renewal_date"] == "2027-03-15" and gus["seats"] == 25
    with done.errors_csv.open(encoding="utf-8") as f:
        (error,) = list(csv.DictReader(f))
    assert error["Email"] == "hal@mapped-example.com"
    assert error["Reason"].startswith("INVALID_FIELD_VALUE") and "renewal_date" in error["Reason"]
