"""Ownership, suppression, purposes, segmentation and preview through the real pipeline."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest

from functions.common import admin, config_store
from functions.common.models import GlobalContact
from local import imports
from local.preview import preview
from local.runtime import Runtime
from tests.integration.helpers import contacts, read_csv, snapshot_tables

pytestmark = pytest.mark.integration
EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


def write_csv(path: Path, rows: list[list[str]]) -> Path:
    with path.open("w", newline="", encoding="utf-8") as f:
        csv.writer(f).writerows(rows)
    return path


def statuses(outcome: imports.ImportOutcome) -> dict[str, tuple[str, str]]:
    rows = read_csv(outcome.results_csv)
    head = rows[0]
    e, s, r = head.index("Email"), head.index("Import Status"), head.index("Reason")
    return {row[e]: (row[s], row[r]) for row in rows[1:]}


@pytest.fixture
def people(tmp_path: Path, workspace: str) -> Path:
    tag = workspace[-6:]
    return write_csv(
        tmp_path / "p.csv",
        [
            ["Email", "First Name", "Title"],
            *[[f"p{i}.{tag}@prospect-{tag}.com", f"P{i}", "VP Sales"] for i in range(5)],
        ],
    )


def run(rt: Runtime, path: Path, ws: str, out: Path, **options: object) -> imports.ImportOutcome:
    outcome = imports.run_import(rt, path, workspace_id=ws, options=dict(options), out_dir=out)
    assert outcome.status == "complete", outcome.error
    return outcome


def test_second_client_is_skipped_while_assignment_unexpired(
    rt: Runtime, workspace: str, people: Path, out_dir: Path
) -> None:
    first = run(rt, people, workspace, out_dir, client="client_a")
    second = run(rt, people, workspace + "_b", out_dir, client="client_b")

    assert first.counters["imported"] == 5
    assert second.counters["skipped"] == 5 and second.counters["imported"] == 0
    for status, reason in statuses(second).values():
        assert status == "skipped"
        assert reason.startswith("OWNED_BY_OTHER_CLIENT") and "client_a" in reason and "until" in reason
    assert contacts(workspace + "_b") == []


def test_expired_assignment_is_taken_over_and_history_kept(
    rt: Runtime, workspace: str, people: Path, out_dir: Path
) -> None:
    run(rt, people, workspace, out_dir, client="client_a")
    email = statuses(run(rt, people, workspace, out_dir, client="client_a")).popitem()[0]
    claimed = GlobalContact.get(email)
    claimed.update(actions=[GlobalContact.owner_expires_at.set("2000-01-01T00:00:00.000Z")])

    taken = run(rt, people, workspace + "_b", out_dir, client="client_b")

    assert statuses(taken)[email][0] == "imported"
    doc = admin.assignment_history(email)
    assert doc["active"]["client_id"] == "client_b"
    assert [h["client_id"] for h in doc["history"]] == ["client_a"]


def test_released_email_can_be_claimed_by_another_client(
    rt: Runtime, workspace: str, people: Path, out_dir: Path
) -> None:
    run(rt, people, workspace, out_dir, client="client_a")
    email = sorted(statuses(run(rt, people, workspace, out_dir, client="client_a")))[0]
    with pytest.raises(LookupError):
        admin.release_assignment(email, "client_b")
    admin.release_assignment(email, "client_a")

    after = statuses(run(rt, people, workspace + "_b", out_dir, client="client_b"))
    assert after[email][0] == "imported"
    assert sum(1 for s, _ in after.values() if s == "skipped") == 4


def test_suppressed_rows_write_and_claim_nothing(
    rt: Runtime, workspace: str, tmp_path: Path, out_dir: Path
) -> None:
    tag = workspace[-6:]
    optout, sub, glob, ok = (
        f"o.{tag}@a-{tag}.com",
        f"s.{tag}@eu.blocked-{tag}.com",
        f"g.{tag}@c-{tag}.com",
        f"k.{tag}@d-{tag}.com",
    )
    admin.add_suppression(optout, reason="opt_out", workspace_id=workspace)
    admin.add_suppression(f"@blocked-{tag}.com", reason="compliance", workspace_id=workspace)
    admin.add_suppression(glob, reason="unsubscribe", workspace_id=None, is_global=True)
    path = write_csv(tmp_path / "s.csv", [["Email"], [optout], [sub], [glob], [ok]])

    result = statuses(run(rt, path, workspace, out_dir, client="client_s"))

    assert result[optout] == ("suppressed", "SUPPRESSED_EMAIL: opt_out")
    assert result[sub][0] == "suppressed" and result[sub][1].startswith("SUPPRESSED_DOMAIN: compliance")
    assert result[glob] == ("suppressed", "SUPPRESSED_GLOBAL: unsubscribe")
    assert result[ok][0] == "imported"
    assert [c["email"] for c in contacts(workspace)] == [ok]
    for email in (optout, sub, glob):
        assert admin.assignment_history(email) == {"email": email, "active": None, "history": []}


def test_purpose_create_skips_existing_and_update_skips_new(
    rt: Runtime, workspace: str, tmp_path: Path, out_dir: Path
) -> None:
    tag = workspace[-6:]
    old, new = f"old.{tag}@x-{tag}.com", f"new.{tag}@x-{tag}.com"
    run(rt, write_csv(tmp_path / "1.csv", [["Email"], [old]]), workspace, out_dir)
    both = write_csv(tmp_path / "2.csv", [["Email", "Title"], [old, "CTO"], [new, "CTO"]])

    created = statuses(run(rt, both, workspace, out_dir, purpose="create"))
    assert created[old][0] == "skipped" and created[old][1].startswith("EXISTS")
    assert created[new][0] == "imported"

    newer = f"newer.{tag}@x-{tag}.com"
    updated = statuses(
        run(
            rt,
            write_csv(tmp_path / "3.csv", [["Email", "Title"], [old, "CEO"], [newer, "CEO"]]),
            workspace,
            out_dir,
            purpose="update",
        )
    )
    assert updated[old][0] == "updated"
    assert updated[newer][0] == "skipped" and updated[newer][1].startswith("NOT_FOUND")


def test_tier_score_and_rule_reach_the_contact_and_the_report(
    rt: Runtime, workspace: str, people: Path, out_dir: Path
) -> None:
    admin.set_config(workspace, config_store.ICP_RULES, (EXAMPLES / "icp_rules.json").read_bytes())
    admin.set_config(workspace, config_store.SCORING_MODEL, (EXAMPLES / "scoring.json").read_bytes())
    outcome = run(rt, people, workspace, out_dir)
    rows = read_csv(outcome.results_csv)
    head = rows[0]
    for row in rows[1:]:
        assert row[head.index("ICP Tier")] in {"A", "B", "C", "D"}
        assert 0 <= int(row[head.index("Lead Score")]) <= 100
        assert row[head.index("Grade")] in {"A", "B", "C", "D", "F"}
        assert row[head.index("Rule")].startswith("ICP ")
    stored = contacts(workspace)[0]
    assert stored["fields"]["seniority"] == "vp" and stored["fields"]["department"] == "sales"
    assert stored["icp_tier"] and stored["lead_score"] is not None


def test_bad_icp_file_is_rejected_naming_the_rule(workspace: str, rt: Runtime) -> None:
    from functions.common.errors import ConfigInvalid

    bad = json.dumps(
        [
            {"name": "ok", "tier": "A", "conditions": {}},
            {"name": "Mid", "tier": "B", "conditions": {"titel_contains": ["VP"]}},
        ]
    )
    with pytest.raises(ConfigInvalid, match=r"rule 2.*Mid.*titel_contains"):
        admin.set_config(workspace, config_store.ICP_RULES, bad)
    assert config_store.get_doc(workspace, config_store.ICP_RULES) is None


def test_preview_predicts_outcomes_and_writes_nothing(
    rt: Runtime, workspace: str, people: Path, out_dir: Path, tmp_path: Path
) -> None:
    run(rt, people, workspace, out_dir, client="client_a")
    before = snapshot_tables()
    doc = preview(EXAMPLES / "contacts.csv", workspace_id=workspace + "_p", options={"client": "client_p"})
    other = preview(people, workspace_id=workspace + "_b", options={"client": "client_b"})
    assert snapshot_tables() == before
    assert len(doc["rows"]) == 100
    assert {r["status"] for r in doc["rows"]} <= {"imported", "error"}
    assert all(r["status"] == "skipped" and "client_a" in r["reason"] for r in other["rows"])
