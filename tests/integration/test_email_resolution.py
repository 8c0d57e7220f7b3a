"""Rows without an email (a LinkedIn Connections export) through the real pipeline: resolved by
the enrichment provider's match call before dedup, cached platform-wide, capped by the limit."""

from __future__ import annotations

import json
import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from functions.common import contacts_repo, jobs
from functions.common.settings import reset_settings
from local import imports
from local.runtime import Runtime
from tests.integration.helpers import read_csv
from tests.stubs.enrichment_stub import EnrichmentStub, found, profile_for, quota_exhausted

pytestmark = pytest.mark.integration
ENRICHMENT = Path(__file__).resolve().parents[2] / "examples" / "enrichment.jsonl"
PREAMBLE = (
    "Notes:\n"
    '"When exporting your connection data, you may notice that some of the email addresses are missing."\n'
    "\n"
)


def known_people(n: int, skip: int = 0) -> list[tuple[str, str]]:
    """(email, linkedin url) of people the local file provider knows."""
    found = []
    for line in ENRICHMENT.read_text().splitlines()[skip:]:
        doc = json.loads(line)
        url = (doc.get("contact") or {}).get("linkedin_url")
        if url:
            found.append((doc["email"], url))
        if len(found) == n:
            break
    return found


def connections_csv(path: Path, urls: list[str], *, email_column: bool = True) -> Path:
    header = "First Name,Last Name,URL,Email Address,Company,Position,Connected On"
    lines = [PREAMBLE + (header if email_column else header.replace("Email Address,", ""))]
    for i, url in enumerate(urls):
        cells = [f"First{i}", f"Last{i}", url, "", "Some Company", "Engineer", "03 Dec 2026"]
        if not email_column:
            del cells[3]
        lines.append(",".join(cells))
    path.write_text("\n".join(lines) + "\n")
    return path


def reasons(outcome: imports.ImportOutcome) -> dict[str, str]:
    rows = read_csv(outcome.results_csv)
    head = rows[0]
    url, reason = head.index("URL"), head.index("Reason")
    return {r[url]: r[reason] for r in rows[1:]}


def test_linkedin_export_resolves_known_profiles_and_a_reimport_pays_nothing(
    rt: Runtime, workspace: str, out_dir: Path, tmp_path: Path
) -> None:
    people = known_people(6, skip=3)
    unknown = [f"https://www.linkedin.com/in/nobody-{uuid.uuid4().hex[:12]}" for _ in range(2)]
    path = connections_csv(tmp_path / "Connections.csv", [u for _, u in people] + unknown, email_column=False)

    first = imports.run_import(rt, path, workspace_id=workspace, options={"enrich": True}, out_dir=out_dir)
    assert first.status == "complete", first.error
    assert first.counters["imported"] + first.counters["updated"] == 6
    assert first.counters["errored"] == 2
    emails = {c["email"] for c in contacts_repo.list_contacts(workspace)}
    assert emails == {e for e, _ in people}
    by_url = reasons(first)
    for url in unknown:
        assert by_url[url].startswith("MISSING_EMAIL") and "enrichment found no email" in by_url[url]
    job = jobs.get(first.job_id)
    assert job is not None
    note = next(w for w in job.warnings or [] if "without an email" in w)
    assert "6 found, 2 not" in note and "8 provider call(s), 0 from the cache" in note
    # each found person's profile came with the match: the Enrich stage pays nothing for them
    assert first.counters["enrichment"]["provider_calls"] == 0

    again = imports.run_import(rt, path, workspace_id=workspace, options={"enrich": True}, out_dir=out_dir)
    assert again.status == "complete", again.error
    assert again.counters["errored"] == 2
    job = jobs.get(again.job_id)
    assert job is not None
    note = next(w for w in job.warnings or [] if "without an email" in w)
    assert "0 provider call(s), 8 from the cache" in note


def test_without_enrichment_the_reason_says_to_turn_it_on(
    rt: Runtime, workspace: str, out_dir: Path, tmp_path: Path
) -> None:
    people = known_people(2)
    path = connections_csv(tmp_path / "Connections.csv", [u for _, u in people])
    outcome = imports.run_import(rt, path, workspace_id=workspace, options={}, out_dir=out_dir)
    # every row lacks an email, and nothing will look them up: the file is refused, as before
    assert outcome.status == "rejected" and outcome.extra.get("code") == "NO_EMAILS"
    assert "2 of them have a LinkedIn profile URL" in (outcome.error or "")
    assert "enrichment on (--enrich" in (outcome.error or "")

    mixed = tmp_path / "mixed.csv"
    mixed.write_text(
        f"First Name,Last Name,URL,Email Address\nAnn,Lee,,ann.lee@example.org\nBo,Chan,{people[0][1]},\n"
    )
    outcome = imports.run_import(rt, mixed, workspace_id=workspace, options={}, out_dir=out_dir)
    assert outcome.status == "complete", outcome.error
    reason = reasons(outcome)[people[0][1]]
    assert reason.startswith("MISSING_EMAIL") and "turning enrichment on" in reason


def test_enrich_limit_caps_email_lookups(rt: Runtime, workspace: str, out_dir: Path, tmp_path: Path) -> None:
    fresh = [f"https://www.linkedin.com/in/limit-{uuid.uuid4().hex[:12]}" for _ in range(5)]
    path = connections_csv(tmp_path / "Connections.csv", fresh)
    outcome = imports.run_import(
        rt, path, workspace_id=workspace, options={"enrich": True, "enrich_limit": 2}, out_dir=out_dir
    )
    assert outcome.status == "complete", outcome.error
    by_url = reasons(outcome)
    assert sum("enrichment found no email" in r for r in by_url.values()) == 2
    assert sum("call limit (--enrich-limit) was reached" in r for r in by_url.values()) == 3
    job = jobs.get(outcome.job_id)
    assert job is not None
    assert any("2 provider call(s)" in w for w in job.warnings or [])


def test_preview_counts_email_lookups_in_projected_calls(workspace: str, tmp_path: Path) -> None:
    from local.preview import preview

    fresh = [f"https://www.linkedin.com/in/preview-{uuid.uuid4().hex[:12]}" for _ in range(3)]
    path = connections_csv(tmp_path / "Connections.csv", [*fresh, fresh[0]])
    doc = preview(path, workspace_id=workspace, options={"enrich": True})
    assert doc["enrichment"]["email_lookups"] == 3
    assert doc["enrichment"]["projected_calls"] == 3
    assert all("will look it up" in r["reason"] for r in doc["rows"])


@pytest.fixture
def apollo_stub(rt: Runtime) -> Iterator[EnrichmentStub]:
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


def test_apollo_quota_mid_lookup_leaves_rows_unresolved_and_the_reimport_pays_only_the_rest(
    rt: Runtime, apollo_stub: EnrichmentStub, workspace: str, out_dir: Path, tmp_path: Path
) -> None:
    tag = uuid.uuid4().hex[:10]
    ok, refused = (f"https://www.linkedin.com/in/{name}-{tag}" for name in ("ok", "refused"))
    ok_email, refused_email = f"ok.{tag}@acme-analytics.com", f"refused.{tag}@acme-analytics.com"
    apollo_stub.script(ok, found({**profile_for(ok_email), "email": ok_email}))
    apollo_stub.script(refused, quota_exhausted())
    path = connections_csv(tmp_path / "Connections.csv", [ok, refused])
    options = {"enrich": True, "enrich_provider": "apollo"}

    first = imports.run_import(rt, path, workspace_id=workspace, options=options, out_dir=out_dir)
    assert first.status == "complete", first.error  # the quota does not fail the import
    for reason in reasons(first).values():
        assert reason.startswith("MISSING_EMAIL") and "enrichment quota exhausted for apollo" in reason

    apollo_stub.script(refused, found({**profile_for(refused_email), "email": refused_email}))
    again = imports.run_import(rt, path, workspace_id=workspace, options=options, out_dir=out_dir)
    assert again.status == "complete", again.error
    assert {c["email"] for c in contacts_repo.list_contacts(workspace)} == {ok_email, refused_email}
    lookups = [r.body.get("linkedin_url") for r in apollo_stub.requests if r.email is None]
    assert lookups.count(ok) == 1  # answered before the quota ran out: cached, never asked again
    assert lookups.count(refused) == 2
    # the match returned the profile, cached as the email's enrichment: no second call per person
    assert [r.email for r in apollo_stub.requests if r.email] == []
    assert again.counters["enrichment"]["provider_calls"] == 0
