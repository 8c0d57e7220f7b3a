"""Enrichment inside the real pipeline: cache first, never paid twice, limits, off means off."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from functions.common import contacts_repo
from local import imports
from local.runtime import Runtime
from tests.integration.helpers import read_csv

pytestmark = pytest.mark.integration
EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "contacts.csv"
ENRICHMENT = EXAMPLE.with_name("enrichment.jsonl")


def test_enrichment_fills_contacts_and_companies_and_a_reimport_pays_nothing(
    rt: Runtime, workspace: str, out_dir: Path
) -> None:
    first = imports.run_import(rt, EXAMPLE, workspace_id=workspace, options={"enrich": True}, out_dir=out_dir)
    assert first.status == "complete", first.error
    e = first.counters["enrichment"]
    assert e["requested"] == first.counters["imported"]
    assert e["enriched"] > 100 and e["provider_calls"] + e["cache_hits"] == e["requested"]
    assert e["enriched"] + e["not_found"] + e["failed"] + e["not_enriched"] == e["requested"]

    listed = {c["email"]: c for c in contacts_repo.list_contacts(workspace)}
    zoe = listed["zoe.brown@acme-analytics.com"]
    assert zoe["linkedin_url"] and zoe["company"]["industry"] and zoe["company"]["employee_count"]

    calls_before = rt.dispatcher.calls.get("Enrich", 0)
    again = imports.run_import(rt, EXAMPLE, workspace_id=workspace, options={"enrich": True}, out_dir=out_dir)
    e2 = again.counters["enrichment"]
    assert e2["provider_calls"] == 0 and e2["cache_hits"] == e2["requested"] == again.counters["updated"]
    assert rt.dispatcher.calls["Enrich"] > calls_before


def test_enrichment_off_makes_no_enrich_call(rt: Runtime, workspace: str, out_dir: Path) -> None:
    before = rt.dispatcher.calls.get("Enrich", 0)
    outcome = imports.run_import(rt, EXAMPLE, workspace_id=workspace, options={}, out_dir=out_dir)
    assert outcome.status == "complete"
    assert "enrichment" not in outcome.counters
    assert rt.dispatcher.calls.get("Enrich", 0) == before


def test_enrich_limit_caps_provider_calls_and_marks_the_rest(
    rt: Runtime, workspace: str, out_dir: Path
) -> None:
    outcome = imports.run_import(
        rt,
        EXAMPLE,
        workspace_id=workspace,
        options={"enrich": True, "enrich_limit": 10, "force_refresh": True},
        out_dir=out_dir,
    )
    e = outcome.counters["enrichment"]
    assert e["provider_calls"] == 10
    assert e["not_enriched"] == e["requested"] - 10
    rows = read_csv(outcome.results_csv)
    reason = rows[0].index("Reason")
    assert sum("NOT_ENRICHED" in r[reason] for r in rows[1:]) == e["not_enriched"]
    assert outcome.counters["errored"] == 5  # not_enriched is not an error


def test_preview_projects_provider_calls_only_for_rows_not_freshly_cached(
    rt: Runtime, workspace: str, out_dir: Path, tmp_path: Path
) -> None:
    from local.preview import preview

    people = [json.loads(line)["email"] for line in ENRICHMENT.read_text().splitlines()[:40]]
    path = tmp_path / "p.csv"
    path.write_text("Email\n" + "\n".join(p.upper() for p in people) + "\nnew.person@nowhere-known.example\n")
    before = preview(path, workspace_id=workspace, options={"enrich": True, "force_refresh": True})
    assert before["enrichment"]["projected_calls"] == 41
    imports.run_import(rt, path, workspace_id=workspace + "_x", options={"enrich": True}, out_dir=out_dir)
    after = preview(path, workspace_id=workspace, options={"enrich": True})
    assert after["enrichment"]["projected_calls"] == 0  # the cache is platform-wide: nothing left to pay
    assert all(r["status"] == "imported" for r in after["rows"])  # a preview of this workspace: all new


def test_enrich_later_only_touches_the_chosen_tiers_and_rescores(
    rt: Runtime, workspace: str, out_dir: Path
) -> None:
    from functions.common import admin, config_store
    from functions.enrich.later import enrich_existing

    admin.set_config(
        workspace,
        config_store.ICP_RULES,
        json.dumps([{"name": "sales leaders", "tier": "A", "conditions": {"department_in": ["sales"]}}]),
    )
    imports.run_import(rt, EXAMPLE, workspace_id=workspace, options={}, out_dir=out_dir)
    before = {c["email"]: c for c in contacts_repo.list_contacts(workspace)}
    tier_a = {e for e, c in before.items() if c["icp_tier"] == "A"}
    assert 0 < len(tier_a) < len(before)

    totals = enrich_existing(workspace, tiers={"A"}, force_refresh=True)

    assert totals["contacts"] == len(tier_a)
    after = {c["email"]: c for c in contacts_repo.list_contacts(workspace)}
    for email, contact in after.items():
        if email in tier_a:
            continue
        assert contact["updated_at"] == before[email]["updated_at"]  # other tiers untouched
    assert any(after[e]["is_enriched"] for e in tier_a)
