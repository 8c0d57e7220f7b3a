"""Company name -> domain at import, on DynamoDB Local: by the platform's own Company records
(normalised name, confident unique match), never replacing a domain the row already has."""

from __future__ import annotations

import csv
import json
import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from functions.common import aws, company_index, contacts_repo, ddb
from functions.common.models import Company, CompanyName, table_name
from functions.common.settings import reset_settings
from local import imports
from local.runtime import Runtime
from local.server import LocalApi
from tests.integration.helpers import read_csv
from tests.integration.test_api_support import api, client, new_workspace  # noqa: F401
from tests.stubs.enrichment_stub import EnrichmentStub, found, org_profile

pytestmark = pytest.mark.integration


def write_csv(path: Path, rows: list[list[str]]) -> Path:
    with path.open("w", newline="", encoding="utf-8") as f:
        csv.writer(f).writerows(rows)
    return path


def reasons(results_csv: Path) -> dict[str, str]:
    rows = read_csv(results_csv)
    at = rows[0].index("Reason")
    return {r[0]: r[at] for r in rows[1:]}


def test_names_only_file_gets_the_domains_and_firmographics_of_companies_known_by_name(
    rt: Runtime, workspace: str, tmp_path: Path, out_dir: Path
) -> None:
    tag = uuid.uuid4().hex[:8]
    # first words unique to this test: the name index is platform-wide
    acme, umlaut, kessel = f"acme{tag}", f"muller{tag}", f"kessel{tag}"
    first = write_csv(
        tmp_path / "with_domains.csv",
        [
            ["Email", "Company", "Website"],
            [f"ann@{acme}.com", f"Acme{tag} Inc.", f"https://www.{acme}.com"],
            [f"bob@{umlaut}.de", f"Müller{tag} & Söhne GmbH", f"{umlaut}.de"],
            # two companies carry one name: no guess between them
            [f"cy@{kessel}.com", f"Kessel{tag} Labs", f"{kessel}.com"],
            [f"dee@{kessel}-labs.io", f"Kessel{tag} Labs Ltd", f"{kessel}-labs.io"],
        ],
    )
    made = imports.run_import(rt, first, workspace_id=workspace, options={}, out_dir=out_dir)
    assert made.status == "complete", made.error
    # what an earlier enrichment would have stored about the company
    ddb.batch_put(
        table_name(Company),
        [{"domain": f"{acme}.com", "name": f"Acme{tag} Inc.", "industry": "computer software",
          "employee_count": 250}],
    )  # fmt: skip

    second = write_csv(
        tmp_path / "names_only.csv",
        [
            ["Email", "Company"],
            [f"eve.{tag}@gmail.com", f"ACME{tag}, Inc"],
            [f"fay.{tag}@yahoo.com", f"acme{tag} incorporated"],
            [f"gus.{tag}@gmail.com", f"Muller{tag} and Sohne"],
            [f"hal.{tag}@gmail.com", f"Kessel{tag} Labs"],
            [f"ida.{tag}@gmail.com", f"Acme{tag} Logistics"],
            # a work email's domain is never replaced by a name's
            [f"joe@other-{tag}.com", f"Acme{tag} Inc."],
        ],
    )
    outcome = imports.run_import(rt, second, workspace_id=workspace, options={}, out_dir=out_dir)
    assert outcome.status == "complete", outcome.error
    assert outcome.counters["imported"] == 6

    listed = {c["email"]: c for c in contacts_repo.list_contacts(workspace)}
    domain = {e: (c.get("company") or {}).get("domain") for e, c in listed.items()}
    assert domain[f"eve.{tag}@gmail.com"] == f"{acme}.com"
    assert domain[f"fay.{tag}@yahoo.com"] == f"{acme}.com"
    assert domain[f"gus.{tag}@gmail.com"] == f"{umlaut}.de"
    assert domain[f"hal.{tag}@gmail.com"] is None  # ambiguous: two domains carry the name
    assert domain[f"ida.{tag}@gmail.com"] is None  # shares a word, is another company
    assert domain[f"joe@other-{tag}.com"] == f"other-{tag}.com"
    eve = listed[f"eve.{tag}@gmail.com"]["company"]
    assert (eve["industry"], eve["employee_count"]) == ("computer software", 250)

    said = reasons(outcome.results_csv)
    assert (
        f"COMPANY_DOMAIN_RESOLVED: by name ('ACME{tag}, Inc' -> {acme}.com)" in said[f"eve.{tag}@gmail.com"]
    )
    assert "COMPANY_UNRESOLVED" in said[f"hal.{tag}@gmail.com"]
    assert "COMPANY_UNRESOLVED" in said[f"ida.{tag}@gmail.com"]
    assert "COMPANY_" not in said[f"joe@other-{tag}.com"]


def test_a_near_spelling_of_a_known_company_resolves_and_a_rerun_changes_nothing(
    rt: Runtime, workspace: str, tmp_path: Path, out_dir: Path
) -> None:
    tag = uuid.uuid4().hex[:8]
    first = write_csv(
        tmp_path / "a.csv",
        [["Email", "Company Name"], [f"ann@nimbus{tag}.io", f"Nimbus{tag} Cloud Corporation"]],
    )
    assert (
        imports.run_import(rt, first, workspace_id=workspace, options={}, out_dir=out_dir).status
        == "complete"
    )
    second = write_csv(
        tmp_path / "b.csv",
        [["Email", "Company Name"], [f"bo.{tag}@gmail.com", f"Nimbus{tag} Clouds"]],
    )
    for _ in range(2):
        outcome = imports.run_import(rt, second, workspace_id=workspace, options={}, out_dir=out_dir)
        assert outcome.status == "complete", outcome.error
        bo = next(c for c in contacts_repo.list_contacts(workspace) if c["email"] == f"bo.{tag}@gmail.com")
        assert bo["company"]["domain"] == f"nimbus{tag}.io"


def test_the_name_index_adds_to_existing_names_idempotently_and_caps_a_crowded_block(
    rt: Runtime, monkeypatch: pytest.MonkeyPatch
) -> None:
    tag = uuid.uuid4().hex[:8]
    company_index.record({f"a{tag}.com": f"Orbit{tag} Inc"})
    assert company_index.resolve([f"orbit{tag}"]) == {f"orbit{tag}": f"a{tag}.com"}
    company_index.record({f"a{tag}.com": f"Orbit{tag} Inc"})  # a retried chunk adds nothing new
    assert company_index.resolve([f"orbit{tag}"]) == {f"orbit{tag}": f"a{tag}.com"}
    company_index.record({f"b{tag}.com": f"Orbit{tag} GmbH"})  # a second company, same name
    assert company_index.resolve([f"orbit{tag}"]) == {}

    monkeypatch.setattr(company_index, "BLOCK_CAP", 3)  # two Orbit entries are in
    company_index.record({f"c{tag}.com": f"Orbit{tag} Freight"})
    company_index.record({f"d{tag}.com": f"Orbit{tag} Shipping"})  # the block is full: by exact name
    assert company_index.resolve([f"orbit{tag} freight", f"orbit{tag} shipping"]) == {
        f"orbit{tag} freight": f"c{tag}.com",
        f"orbit{tag} shipping": f"d{tag}.com",  # exact names still resolve
    }
    assert company_index.resolve([f"orbit{tag} freigt"]) == {f"orbit{tag} freigt": f"c{tag}.com"}
    assert company_index.resolve([f"orbit{tag} shiping"]) == {}  # not a fuzzy candidate


@pytest.fixture
def stub(rt: Runtime) -> Iterator[EnrichmentStub]:
    # people are not found (free-mail addresses); organisations answer as scripted
    with EnrichmentStub(api_key="platform-key") as s:
        saved = {k: os.environ.get(k) for k in ("CI_ENRICH_BASE_URLS", "CI_PLATFORM_KEYS")}
        os.environ["CI_ENRICH_BASE_URLS"] = json.dumps({"apollo": s.url})
        os.environ["CI_PLATFORM_KEYS"] = json.dumps({"apollo": "platform-key"})
        reset_settings()
        try:
            yield s
        finally:
            for k, v in saved.items():
                if v is None:
                    os.environ.pop(k, None)
                else:
                    os.environ[k] = v
            reset_settings()


def test_unknown_names_resolve_through_the_provider_once_and_a_reimport_costs_no_call(
    rt: Runtime, stub: EnrichmentStub, workspace: str, tmp_path: Path, out_dir: Path
) -> None:
    from local.preview import preview

    tag = uuid.uuid4().hex[:8]
    zephyr, quasar = f"Zephyr{tag} Dynamics Inc.", f"Quasar{tag} Ltd"
    stub.script_org(zephyr, found(org_profile(f"Zephyr{tag} Dynamics", f"zephyr{tag}.io", employees=420)))
    path = write_csv(
        tmp_path / "names.csv",
        [
            ["Email", "Company"],
            [f"amy.{tag}@gmail.com", zephyr],
            [f"ben.{tag}@outlook.com", f"ZEPHYR{tag} DYNAMICS"],
            [f"cat.{tag}@gmail.com", quasar],
        ],
    )
    options = {"enrich": True, "enrich_provider": "apollo"}
    projected = preview(path, workspace_id=workspace, options=options)["enrichment"]
    assert projected["company_searches"] == 2  # two distinct names, neither known nor cached
    assert projected["projected_calls"] == 3 + 2  # three people, two companies

    outcome = imports.run_import(rt, path, workspace_id=workspace, options=options, out_dir=out_dir)
    assert outcome.status == "complete", outcome.error
    assert len(stub.org_calls(zephyr)) == 1 and len(stub.org_calls(quasar)) == 1
    assert len(stub.org_calls()) == 2
    e = outcome.counters["enrichment"]
    assert (e["company_searches"], e["company_search_calls"]) == (3, 2)

    listed = {c["email"]: c for c in contacts_repo.list_contacts(workspace)}
    for person in (f"amy.{tag}@gmail.com", f"ben.{tag}@outlook.com"):
        company = listed[person]["company"]
        assert (company["domain"], company["employee_count"]) == (f"zephyr{tag}.io", 420)
    assert listed[f"cat.{tag}@gmail.com"].get("company", {}).get("domain") is None
    said = reasons(outcome.results_csv)
    assert (
        f"COMPANY_DOMAIN_RESOLVED: by provider ({zephyr!r} -> zephyr{tag}.io)" in said[f"amy.{tag}@gmail.com"]
    )
    assert "COMPANY_UNRESOLVED" in said[f"cat.{tag}@gmail.com"]

    # again, in another workspace: the company is known by name now, the miss is cached
    stub.reset()
    again = imports.run_import(rt, path, workspace_id=workspace + "_b", options=options, out_dir=out_dir)
    assert again.status == "complete", again.error
    assert stub.org_calls() == []
    said = reasons(again.results_csv)
    assert "COMPANY_DOMAIN_RESOLVED: by name" in said[f"amy.{tag}@gmail.com"]
    assert "COMPANY_UNRESOLVED" in said[f"cat.{tag}@gmail.com"]
    assert preview(path, workspace_id=workspace, options=options)["enrichment"]["company_searches"] == 0


def test_a_provider_answer_that_is_not_the_named_company_is_not_used(
    rt: Runtime, stub: EnrichmentStub, workspace: str, tmp_path: Path, out_dir: Path
) -> None:
    tag = uuid.uuid4().hex[:8]
    name = f"Helix{tag} Labs"
    # the search returns companies that share a word, and two that carry the name: no guess
    stub.script_org(
        name,
        found({"many": [org_profile(f"Helix{tag} Logistics"), org_profile(f"Helix{tag} Labs", f"a{tag}.com"),
                        org_profile(f"Helix{tag} Labs GmbH", f"b{tag}.de")]}),
    )  # fmt: skip
    path = write_csv(tmp_path / "h.csv", [["Email", "Company"], [f"dan.{tag}@gmail.com", name]])
    options = {"enrich": True, "enrich_provider": "apollo"}
    outcome = imports.run_import(rt, path, workspace_id=workspace, options=options, out_dir=out_dir)
    assert outcome.status == "complete", outcome.error
    assert len(stub.org_calls(name)) == 1
    assert "COMPANY_UNRESOLVED" in reasons(outcome.results_csv)[f"dan.{tag}@gmail.com"]


def test_the_cost_meter_bills_name_index_updates_on_the_grown_item(rt: Runtime) -> None:
    import boto3

    from bench.cost_model import CapacityMeter
    from functions.common.capacity import TableSpec
    from functions.common.models import key_schema

    tag = uuid.uuid4().hex[:8]
    company_index.record({f"a{tag}.com": f"Pylon{tag} Systems"})
    table = table_name(CompanyName)
    side = boto3.client(
        "dynamodb",
        endpoint_url=rt.ddb_endpoint,
        region_name="us-east-1",
        aws_access_key_id="local",
        aws_secret_access_key="local",
    )
    meter = CapacityMeter({table: TableSpec.from_schema(table, key_schema(CompanyName))}, side)
    meter.attach(aws.client("dynamodb"))
    try:
        # both items exist: the second company is a set_add UPDATE of each, computed from its size
        company_index.record({f"b{tag}.com": f"Pylon{tag} Systems"})
    finally:
        meter.detach(aws.client("dynamodb"))
    # one UPDATE of a small item, one unit (its existence was read first: no failed INSERT)
    assert meter.wru[table] == 1
    assert max(meter.sizes[table]) > 2 * len(f"pylon{tag} systems") + len(f"a{tag}.com") + len(f"b{tag}.com")
    assert company_index.resolve([f"pylon{tag} systems"]) == {}  # two domains carry it now

    meter.reset()
    meter.attach(aws.client("dynamodb"))
    try:
        company_index.record({f"b{tag}.com": f"Pylon{tag} Systems"})  # a retried chunk
    finally:
        meter.detach(aws.client("dynamodb"))
    assert meter.wru[table] == 0  # read, found filed, nothing written


def test_the_api_resolves_a_company_name_like_an_import(api: LocalApi) -> None:  # noqa: F811
    c: httpx.Client = client(api, new_workspace())
    tag = uuid.uuid4().hex[:8]
    made = c.post(
        "/api/v1/contacts", json={"email": f"ann@zorbex{tag}.com", "company_name": f"Zorbex{tag} AG"}
    )
    assert made.status_code == 201, made.text
    named = c.post("/api/v1/contacts", json={"email": f"bo.{tag}@gmail.com", "company_name": f"ZORBEX{tag}"})
    assert named.status_code == 201, named.text
    company = named.json()["company"]
    assert company["domain"] == f"zorbex{tag}.com" and company["id"] == made.json()["company"]["id"]
