"""A re-import row that changes nothing writes nothing: `updated` with reason UNCHANGED, counted,
and no write unit consumed on any table the pipeline writes contacts, identities or claims to."""

from __future__ import annotations

import csv
from collections.abc import Iterator
from pathlib import Path

import boto3
import pytest

from bench.cost_model import CapacityMeter
from functions.common.aws import client
from functions.common.capacity import TableSpec
from functions.common.models import (
    ALL_MODELS,
    ClientAssignment,
    Company,
    Contact,
    GlobalContact,
    key_schema,
    table_name,
)
from local import imports
from local.runtime import Runtime
from tests.integration.helpers import contacts, read_csv

pytestmark = pytest.mark.integration
PIPELINE_TABLES = (Contact, GlobalContact, ClientAssignment, Company)


def make_file(path: Path, tag: str, *, title: str = "Head of Sales") -> Path:
    with path.open("w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["Email", "First Name", "Company Domain", "Title", "Tags"])
        for i in range(30):
            w.writerow([f"p{i}.{tag}@co{i % 3}-{tag}.com", f"P{i}", f"co{i % 3}-{tag}.com", title, "vip"])
    return path


@pytest.fixture
def meter(rt: Runtime) -> Iterator[CapacityMeter]:
    side = boto3.client(
        "dynamodb",
        endpoint_url=rt.ddb_endpoint,
        region_name="us-east-1",
        aws_access_key_id="local",
        aws_secret_access_key="local",
    )
    m = CapacityMeter(
        {table_name(x): TableSpec.from_schema(table_name(x), key_schema(x)) for x in ALL_MODELS}, side
    )
    m.attach(client("dynamodb"))
    try:
        yield m
    finally:
        m.detach(client("dynamodb"))


def _reasons(outcome: imports.ImportOutcome) -> list[tuple[str, str]]:
    rows = read_csv(Path(outcome.results_csv or ""))
    width = rows[0].index("Import Status")
    return [(r[width], r[width + 1]) for r in rows[1:]]


def test_reimport_of_an_unchanged_file_writes_nothing(
    rt: Runtime, workspace: str, out_dir: Path, tmp_path: Path, meter: CapacityMeter
) -> None:
    path = make_file(tmp_path / "people.csv", workspace[-6:])
    options = {"client": "client_u"}
    first = imports.run_import(rt, path, workspace_id=workspace, options=options, out_dir=out_dir)
    assert first.status == "complete" and first.counters["imported"] == 30
    assert meter.written(table_name(Contact)) >= 30  # the meter sees the pipeline's writes
    before = {c["email"]: c for c in contacts(workspace)}

    meter.reset()
    again = imports.run_import(rt, path, workspace_id=workspace, options=options, out_dir=out_dir)

    assert again.status == "complete", again.error
    assert (again.counters["updated"], again.counters["unchanged"]) == (30, 30)
    assert set(_reasons(again)) == {("updated", "UNCHANGED")}
    # nothing was written, so nothing is awaited in the read model (it once waited 60 s, then warned)
    assert not [w for w in again.warnings if w.startswith("READ_MODEL_LAG")], again.warnings
    assert {t.Meta.logical_name: meter.written(table_name(t)) for t in PIPELINE_TABLES} == {
        t.Meta.logical_name: 0 for t in PIPELINE_TABLES
    }
    assert {c["email"]: c for c in contacts(workspace)} == before  # no version, tag or stamp moved


def test_a_changed_row_is_written_and_the_rest_are_not(
    rt: Runtime, workspace: str, out_dir: Path, tmp_path: Path, meter: CapacityMeter
) -> None:
    tag = workspace[-6:]
    options = {"client": "client_u"}
    imports.run_import(
        rt, make_file(tmp_path / "a.csv", tag), workspace_id=workspace, options=options, out_dir=out_dir
    )
    changed = make_file(tmp_path / "b.csv", tag)
    lines = changed.read_text().splitlines()
    lines[1] = lines[1].replace("Head of Sales", "Chief Revenue Officer")
    changed.write_text("\n".join(lines) + "\n")

    meter.reset()
    again = imports.run_import(rt, changed, workspace_id=workspace, options=options, out_dir=out_dir)

    reasons = _reasons(again)
    assert reasons[0] == ("updated", "EXISTING_CONTACT")
    assert set(reasons[1:]) == {("updated", "UNCHANGED")}
    assert again.counters["unchanged"] == 29
    assert meter.written(table_name(Contact)) == 1  # one small item, no index entry changes
    person = next(c for c in contacts(workspace) if c["email"].startswith("p0."))
    assert person["fields"]["title"] == "Chief Revenue Officer" and person["version"] == 2
    assert f"import:{again.job_id}" in person["tags"]
