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
from functions.dedup import store as dedup_store
from functions.events import delivery, rescore, service, subscriptions
from local import imports
from local.runtime import Runtime
from local.server import LocalApi
from tests.integration.test_api_support import api, client, seed_contacts  # noqa: F401
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


def test_a_patch_that_moves_the_score_announces_it_keeping_the_engagement_events_earned(
    api: LocalApi,  # noqa: F811
    workspace: str,
    receiver: Receiver,  # noqa: F811
) -> None:
    config_store.put_doc(
        workspace,
        config_store.SCORING_MODEL,
        {"fit_criteria": [{"name": "sales", "points": 10, "conditions": {"department_in": ["sales"]}}]},
    )
    (email,) = seed_contacts(workspace, 1, prefix="patched")
    now = datetime.now(UTC)
    booked = [{"id": "p1", "type": "meeting_booked", "email": email, "occurred_at": now.isoformat()}]
    assert service.ingest(workspace, booked, now=now, rescore=rescore.rescore_contacts).rescored == 1
    before = dedup_store.contacts_by_email(workspace, [email])[email]
    assert before["score_breakdown"]["intent"] > 0
    _subscribe(workspace, receiver.url)
    http = client(api, workspace)

    moved = http.patch(f"/api/v1/contacts/{before['contact_id']}", json={"title": "VP Sales"})
    assert moved.status_code == 200, moved.text
    # an edit that moves no score (tags) tells contact.scored subscribers nothing
    tagged = http.patch(f"/api/v1/contacts/{before['contact_id']}", json={"tags": ["vip"]})
    assert tagged.status_code == 200, tagged.text
    drain()

    (event,) = _scored(receiver)
    after = dedup_store.contacts_by_email(workspace, [email])[email]
    # the id names the contact and the version the PATCH wrote, as a re-score from events does
    assert event["id"] == delivery.scored_event_id(
        workspace, before["contact_id"], int(before["version"]) + 1
    )
    assert event["data"]["id"] == before["contact_id"]
    assert event["data"]["lead_score"] == after["lead_score"] > before["lead_score"]
    assert event["data"]["score_breakdown"]["fit"] > before["score_breakdown"]["fit"]
    # the meeting still counts: the edit re-scored with the contact's events, not without them
    assert event["data"]["score_breakdown"]["intent"] == pytest.approx(
        before["score_breakdown"]["intent"], abs=0.5
    )
