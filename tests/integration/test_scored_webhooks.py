"""`contact.scored` webhooks: a contact whose score or grade changes is announced, with its full
contact object, whether the change came from an import, from engagement events or from enriching
later; an unchanged score tells nobody. Deliveries go to a real receiver on 127.0.0.1."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from functions.common import admin, config_store, contacts_repo
from functions.events import rescore, service, subscriptions
from local import imports
from local.runtime import Runtime
from tests.integration.test_webhooks_out import Receiver, _file, drain, receiver  # noqa: F401

pytestmark = pytest.mark.integration
EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "contacts.csv"


def _subscribe(workspace: str, url: str) -> None:
    subscriptions.create(workspace, url, ["contact.scored"])


def _scored(got_by: Receiver) -> list[dict[str, Any]]:
    got = got_by.delivered()
    assert {e["type"] for e in got} <= {"contact.scored"}
    return got


def test_imports_and_replies_announce_each_score_change_once(
    rt: Runtime,
    workspace: str,
    receiver: Receiver,  # noqa: F811
    tmp_path: Path,
) -> None:
    _subscribe(workspace, receiver.url)
    path = _file(tmp_path / "a.csv", workspace[-6:], 3)
    imports.run_import(rt, path, workspace_id=workspace, options={}, out_dir=tmp_path)
    drain()
    first = _scored(receiver)
    stored = {c["email"]: c for c in contacts_repo.list_contacts(workspace)}
    assert sorted(e["data"]["email"] for e in first) == sorted(stored)  # a first score is a change
    for e in first:
        assert e["data"]["lead_score"] == stored[e["data"]["email"]]["lead_score"]
        assert e["data"]["grade"] == stored[e["data"]["email"]]["grade"]

    # the same file again moves no score: nobody hears of it
    imports.run_import(rt, path, workspace_id=workspace, options={}, out_dir=tmp_path)
    drain()
    assert len(_scored(receiver)) == 3

    # replies raise one contact's score: one event, with the new score and the breakdown
    email = sorted(stored)[0]
    now = datetime.now(UTC)
    events = [
        {"id": f"r{i}", "type": "replied", "email": email, "occurred_at": now.isoformat()} for i in range(3)
    ]
    result = service.ingest(workspace, events, now=now, rescore=rescore.rescore_contacts)
    assert result.rescored == 1
    again = service.ingest(workspace, events, now=now, rescore=rescore.rescore_contacts)
    assert again.counts()["duplicate"] == 3
    drain()
    later = _scored(receiver)[3:]
    assert len(later) == 1
    (event,) = later
    after = {c["email"]: c for c in contacts_repo.list_contacts(workspace)}[email]
    assert event["data"]["email"] == email
    assert event["data"]["lead_score"] == after["lead_score"] > stored[email]["lead_score"]
    assert event["data"]["engagement"]["total_responses"] == 3
    assert event["data"]["score_breakdown"]["engagement"] > 0


def test_enriching_later_announces_the_contacts_whose_score_moved(
    rt: Runtime,
    workspace: str,
    receiver: Receiver,  # noqa: F811
    tmp_path: Path,
) -> None:
    from functions.enrich.later import enrich_existing

    admin.set_config(
        workspace,
        config_store.ICP_RULES,
        json.dumps([{"name": "sales leaders", "tier": "A", "conditions": {"department_in": ["sales"]}}]),
    )
    imports.run_import(rt, EXAMPLE, workspace_id=workspace, options={}, out_dir=tmp_path)
    # a model that favours sales leaders, set after the import: enriching later re-scores them
    # (whatever an earlier test left in the platform-wide companies and enrichment cache)
    config_store.put_doc(
        workspace,
        config_store.SCORING_MODEL,
        {"fit_criteria": [{"name": "sales", "points": 10, "conditions": {"department_in": ["sales"]}}]},
    )
    before = {c["email"]: c for c in contacts_repo.list_contacts(workspace)}
    _subscribe(workspace, receiver.url)  # after the import: only enrichment's changes are heard

    enrich_existing(workspace, tiers={"A"}, force_refresh=True)
    drain()

    after = {c["email"]: c for c in contacts_repo.list_contacts(workspace)}
    moved = {
        e
        for e, c in after.items()
        if (c["lead_score"], c["grade"]) != (before[e]["lead_score"], before[e]["grade"])
    }
    assert moved
    got = _scored(receiver)
    assert sorted(e["data"]["email"] for e in got) == sorted(moved)
    assert all(e["data"]["lead_score"] == after[e["data"]["email"]]["lead_score"] for e in got)
