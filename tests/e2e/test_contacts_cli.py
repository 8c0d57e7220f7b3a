"""`contact-import contacts list` filters through the read model, as a user runs it."""

from __future__ import annotations

import json
import uuid
from pathlib import Path

import pytest

from tests.e2e.test_cli import cli

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def imported(ddb_endpoint: str, tmp_path_factory: pytest.TempPathFactory) -> tuple[str, Path, dict]:
    """One import for the module's tests: (workspace, data dir, the import's JSON summary)."""
    ws = f"ws_cli_{uuid.uuid4().hex[:8]}"
    tmp_path = tmp_path_factory.mktemp("contacts_cli")
    done = cli(
        "import",
        "examples/contacts.csv",
        "--workspace",
        ws,
        "--json",
        data_dir=tmp_path,
        endpoint=ddb_endpoint,
    )
    assert done.returncode == 0, done.stderr
    return ws, tmp_path, json.loads(done.stdout)


def test_contacts_list_takes_the_api_filters_and_sorts(
    ddb_endpoint: str, imported: tuple[str, Path, dict]
) -> None:
    ws, tmp_path, summary = imported

    def listed(*args: str) -> list[dict]:
        proc = cli(
            "contacts", "list", "--workspace", ws, *args, "--json", data_dir=tmp_path, endpoint=ddb_endpoint
        )
        assert proc.returncode == 0, proc.stderr
        return list(json.loads(proc.stdout))

    everyone = listed()
    assert len(everyone) == summary["imported"]
    webinar = listed("--tag", "WEBINAR")
    assert webinar and {c["id"] for c in webinar} == {c["id"] for c in everyone if "webinar" in c["tags"]}
    by_score = listed("--sort", "lead_score_desc", "--limit", "5")
    scores = sorted((c["lead_score"] for c in everyone if c["lead_score"] is not None), reverse=True)[:5]
    assert [c["lead_score"] for c in by_score] == scores
    # every filter of the list route, by its parameter's name (and the older flags)
    unverified = listed("--verification-status", "unverified")
    assert unverified and {c["id"] for c in unverified} == {
        c["id"] for c in everyone if c["verification_status"] == "unverified"
    }
    assert listed("--verification-status", "valid") == [
        c for c in everyone if c["verification_status"] == "valid"
    ]
    tiers = {c["icp_tier"] for c in everyone if c["icp_tier"]}
    tier = sorted(tiers)[0]
    assert (
        {c["id"] for c in listed("--tier", tier)}
        == {c["id"] for c in listed("--icp-tier", tier)}
        == {c["id"] for c in everyone if c["icp_tier"] == tier}
    )
    someone = everyone[0]["email"].split("@")[0]
    assert someone in {c["email"].split("@")[0] for c in listed("--search", someone)}
    bad = cli(
        "contacts",
        "list",
        "--workspace",
        ws,
        "--created-after",
        "yesterday",
        data_dir=tmp_path,
        endpoint=ddb_endpoint,
    )
    assert bad.returncode != 0 and "created_after" in bad.stderr
    unknown = cli(
        "contacts",
        "list",
        "--workspace",
        ws,
        "--verification-status",
        "shiny",
        data_dir=tmp_path,
        endpoint=ddb_endpoint,
    )
    assert unknown.returncode != 0 and "verification_status" in unknown.stderr and "shiny" in unknown.stderr


def test_contacts_audit_shows_what_the_import_wrote_by_email_or_id(
    ddb_endpoint: str, imported: tuple[str, Path, dict]
) -> None:
    ws, tmp_path, summary = imported
    listed = cli(
        "contacts",
        "list",
        "--workspace",
        ws,
        "--limit",
        "1",
        "--json",
        data_dir=tmp_path,
        endpoint=ddb_endpoint,
    )
    contact = json.loads(listed.stdout)[0]
    job_id = summary["job_id"]
    proc = cli(
        "contacts",
        "audit",
        contact["email"].upper(),
        "--workspace",
        ws,
        "--json",
        data_dir=tmp_path,
        endpoint=ddb_endpoint,
    )
    assert proc.returncode == 0, proc.stderr
    doc = json.loads(proc.stdout)
    assert [(e["actor"], e["source"]) for e in doc["data"]] == [(f"job:{job_id}", "import")]
    assert doc["data"][0]["changes"]["email"] == {"before": None, "after": contact["email"]}
    human = cli(  # by id, as text
        "contacts", "audit", contact["id"], "--workspace", ws, data_dir=tmp_path, endpoint=ddb_endpoint
    )
    assert human.returncode == 0 and f"import     job:{job_id}" in human.stdout
    missing = cli(
        "contacts",
        "audit",
        "nobody@nowhere-example.com",
        "--workspace",
        ws,
        data_dir=tmp_path,
        endpoint=ddb_endpoint,
    )
    assert missing.returncode != 0 and "no contact" in missing.stderr
