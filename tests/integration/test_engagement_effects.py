"""What events do beyond the timeline: suppressions a later import honours, a score that climbs
with replies, and the counters on the contact (DynamoDB Local, the real import state machine)."""

from __future__ import annotations

import csv
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from functions.api import contacts as api_contacts
from functions.common import admin, config_store, ddb
from functions.common.models import Suppression, table_name
from functions.dedup import store as dedup_store
from functions.events import digest, rescore, service
from local import imports
from local.runtime import Runtime
from tests.integration.helpers import read_csv
from tests.integration.test_api_support import seed_contacts

pytestmark = pytest.mark.integration
NOW = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)


def ev(kind: str, who: str, days_ago: float, **data: Any) -> dict[str, Any]:
    doc: dict[str, Any] = {
        "id": f"ev_{uuid.uuid4().hex[:12]}",
        "type": kind,
        "email": who,
        "occurred_at": (NOW - timedelta(days=days_ago)).isoformat(),
    }
    if data:
        doc["data"] = data
    return doc


def statuses(outcome: imports.ImportOutcome) -> dict[str, tuple[str, str]]:
    rows = read_csv(outcome.results_csv) if outcome.results_csv else []
    head = rows[0]
    e, s, r = head.index("Email"), head.index("Import Status"), head.index("Reason")
    return {row[e]: (row[s], row[r]) for row in rows[1:]}


def suppression(scope: str, email: str) -> dict[str, Any] | None:
    found = ddb.batch_get(table_name(Suppression), [{"scope": scope, "value": email}])
    return found[0] if found else None


def test_bounces_and_opt_outs_suppress_and_a_later_import_is_suppressed(
    rt: Runtime, workspace: str, tmp_path: Path, out_dir: Path
) -> None:
    tag = uuid.uuid4().hex[:6]
    hard, soft, unsub, spam, manual = (
        f"{k}.{tag}@bounce-example.com" for k in ("hard", "soft", "unsub", "spam", "manual")
    )
    admin.add_suppression(manual, reason="manual", workspace_id=workspace)
    bounce = ev("bounced", hard, 3, bounce_type="hard")
    result = service.ingest(
        workspace,
        [
            bounce,
            ev("bounced", soft, 3, bounce_type="soft"),
            ev("unsubscribed", unsub, 2),
            ev("spam_complaint", spam, 1, **{"global": True}),
            ev("unsubscribed", manual, 1),
        ],
    )
    assert result.suppressions_added == 4  # hard, unsub, spam (workspace and global); manual had one
    hit = suppression(workspace, hard)
    assert hit and hit["reason"] == "hard_bounce" and hit["source"] == f"event:{bounce['id']}"
    assert suppression(workspace, soft) is None  # a soft bounce is transient
    assert (suppression(workspace, unsub) or {})["reason"] == "unsubscribe"
    assert (suppression("GLOBAL", spam) or {})["reason"] == "spam_complaint"
    assert (suppression(workspace, manual) or {})["reason"] == "manual"  # an existing entry stays
    assert dedup_store.global_contacts([hard])[hard]["bounce_status"] == "hard"

    path = tmp_path / "again.csv"
    with path.open("w", newline="", encoding="utf-8") as f:
        csv.writer(f).writerows([["Email", "First Name"], *[[e, "X"] for e in (hard, soft, unsub, spam)]])
    outcome = imports.run_import(rt, path, workspace_id=workspace, options={}, out_dir=out_dir)
    assert outcome.status == "complete", outcome.error
    got = statuses(outcome)
    assert got[hard][0] == "suppressed" and "hard_bounce" in got[hard][1]
    assert got[unsub][0] == "suppressed" and "unsubscribe" in got[unsub][1]
    assert got[soft][0] == "imported"
    # a global complaint suppresses in every workspace
    other = imports.run_import(rt, path, workspace_id=workspace + "_other", options={}, out_dir=out_dir)
    assert statuses(other)[spam][0] == "suppressed" and statuses(other)[hard][0] == "imported"


def test_score_and_grade_rise_with_replies_and_the_breakdown_names_the_events(
    rt: Runtime, workspace: str
) -> None:
    config_store.put_doc(
        workspace,
        config_store.SCORING_MODEL,
        {
            "fit_criteria": [
                {"name": "sales leader", "points": 10, "conditions": {"title_contains": ["sales"]}}
            ],
            "grade_thresholds": {"A": 80, "B": 65, "C": 50, "D": 35},
        },
    )
    (who,) = seed_contacts(workspace, 1, prefix="climb")
    # a delivery moves nothing but gets the contact scored with the model: the baseline
    service.ingest(workspace, [ev("delivered", who, 40)], now=NOW, rescore=rescore.rescore_contacts)
    before = dedup_store.contacts_by_email(workspace, [who])[who]
    assert before["score_breakdown"]["engagement_basis"] == "never contacted"

    sends = [ev("sent", who, d) for d in (30, 20, 10)]
    service.ingest(workspace, sends, now=NOW, rescore=rescore.rescore_contacts)
    cold = dedup_store.contacts_by_email(workspace, [who])[who]
    assert cold["lead_score"] < before["lead_score"]  # three unanswered sends: worse than untried

    opened = service.ingest(
        workspace, [ev("opened", who, 9), ev("clicked", who, 9)], now=NOW, rescore=rescore.rescore_contacts
    )
    warm = dedup_store.contacts_by_email(workspace, [who])[who]
    assert opened.rescored == 1 and warm["lead_score"] > cold["lead_score"]

    reply = ev("replied", who, 1)
    meeting = ev("meeting_booked", who, 0.5)
    service.ingest(workspace, [reply, meeting], now=NOW, rescore=rescore.rescore_contacts)
    hot = dedup_store.contacts_by_email(workspace, [who])[who]
    assert hot["lead_score"] > warm["lead_score"]
    grades = "FDCBA"
    assert grades.index(hot["grade"]) > grades.index(cold["grade"])
    b = hot["score_breakdown"]
    assert b["engagement"] > 50 and b["intent"] > 0
    assert (
        b["engagement_events"][0]["type"] == "replied"
        and reply["id"] in b["engagement_events"][0]["event_ids"]
    )
    assert b["intent_events"][0]["type"] == "meeting_booked" and b["intent_events"][0]["event_ids"] == [
        meeting["id"]
    ]
    assert "responded 1/3" in b["engagement_basis"]

    # the same events again change nothing and write nothing
    again = service.ingest(workspace, [reply, meeting], now=NOW, rescore=rescore.rescore_contacts)
    assert again.rescored == 0
    assert dedup_store.contacts_by_email(workspace, [who])[who]["version"] == hot["version"]

    # the contact shows the platform counters and its breakdown
    shown = api_contacts.get(workspace, hot["contact_id"])
    assert shown["engagement"]["total_sent"] == 3 and shown["engagement"]["total_responses"] == 1
    assert shown["engagement"]["response_rate"] == 0.3333
    assert shown["engagement"]["last_engaged_at"] == meeting["occurred_at"].replace("+00:00", ".000000Z")
    assert shown["score_breakdown"]["intent_events"]


def test_an_opt_out_zeroes_engagement(rt: Runtime, workspace: str) -> None:
    (who,) = seed_contacts(workspace, 1, prefix="optout")
    service.ingest(
        workspace, [ev("replied", who, 2), ev("clicked", who, 2)], now=NOW, rescore=rescore.rescore_contacts
    )
    engaged = dedup_store.contacts_by_email(workspace, [who])[who]["score_breakdown"]["engagement"]
    service.ingest(workspace, [ev("unsubscribed", who, 1)], now=NOW, rescore=rescore.rescore_contacts)
    after = dedup_store.contacts_by_email(workspace, [who])[who]["score_breakdown"]
    assert engaged > 50 and after["engagement"] == 0 and "opted out" in after["engagement_basis"]


class Requests:
    """Counts the DynamoDB requests the code sends, by operation."""

    def __init__(self) -> None:
        from collections import Counter

        self.seen: Counter[str] = Counter()

    def __call__(self, model: Any, **_: Any) -> None:
        self.seen[model.name] += 1


def test_rescoring_reads_each_contacts_events_from_its_digest_not_one_query_per_contact(
    rt: Runtime, workspace: str
) -> None:
    from functions.common.aws import client
    from functions.events import store

    people = seed_contacts(workspace, 40, prefix="digest")
    first = [ev("opened", p, 3) for p in people]
    service.ingest(workspace, first, now=NOW, rescore=rescore.rescore_contacts)  # each digest built once

    meter = Requests()
    events = client("dynamodb").meta.events
    events.register("provide-client-params.dynamodb.*", meter)
    try:
        batch = [ev(k, p, 1) for p in people for k in ("clicked", "replied")]
        result = service.ingest(workspace, batch, now=NOW, rescore=rescore.rescore_contacts)
    finally:
        events.unregister("provide-client-params.dynamodb.*", meter)
    assert result.rescored == 40
    assert meter.seen["Query"] == 0  # was one per contact

    # what the digest scored with is the timeline: the same score as re-scoring from it
    contacts = dedup_store.contacts_by_email(workspace, people)
    for p in people[:5]:
        timeline = store.scoring_events(workspace, [p])[p]
        held = rescore.contact_timeline(workspace, contacts[p], model_events(workspace))
        assert sorted(held, key=repr) == sorted(timeline, key=repr)
        b = contacts[p]["score_breakdown"]
        assert {e["type"]: e["count"] for e in b["engagement_events"]} == {
            "opened": 1,
            "clicked": 1,
            "replied": 1,
        }


def model_events(workspace: str) -> Any:
    from functions.score.stage import workspace_models

    return workspace_models(workspace)[1].events


def test_events_landed_without_their_rescore_are_scored_when_redelivered(rt: Runtime, workspace: str) -> None:
    (who,) = seed_contacts(workspace, 1, prefix="healed")
    service.ingest(workspace, [ev("opened", who, 5)], now=NOW, rescore=rescore.rescore_contacts)
    replies = [ev("replied", who, 2), ev("meeting_booked", who, 1)]
    service.ingest(workspace, replies, now=NOW)  # the events landed ... and the process died here
    stale = dedup_store.contacts_by_email(workspace, [who])[who]
    assert [e["type"] for e in stale["score_breakdown"]["engagement_events"]] == ["opened"]

    again = service.ingest(workspace, replies, now=NOW, rescore=rescore.rescore_contacts)
    assert again.counts()["duplicate"] == 2 and again.rescored == 1
    healed = dedup_store.contacts_by_email(workspace, [who])[who]
    assert {e["type"] for e in healed["score_breakdown"]["engagement_events"]} == {
        "opened",
        "replied",
        "meeting_booked",
    }
    assert healed["score_breakdown"]["intent"] > 0 and healed["lead_score"] > stale["lead_score"]
    # a further redelivery finds the digest complete: nothing to write
    assert service.ingest(workspace, replies, now=NOW, rescore=rescore.rescore_contacts).rescored == 0


@pytest.mark.parametrize("many", [False, True], ids=["digest", "timeline"])
def test_a_reimport_keeps_the_points_engagement_earned(
    rt: Runtime, workspace: str, tmp_path: Path, out_dir: Path, monkeypatch: pytest.MonkeyPatch, many: bool
) -> None:
    """An import re-scores the contacts it updates: with their events (from the digest on the
    item, or the timeline when the digest is only a marker), not as if they had never engaged."""
    if many:  # a contact past the digest's cap keeps only a marker: its timeline is read instead
        monkeypatch.setattr(digest, "MAX_ENTRIES", 1)
    (who,) = seed_contacts(workspace, 1, prefix="keep")
    now = datetime.now(UTC)
    events = [
        {**ev(kind, who, 0), "occurred_at": (now - timedelta(hours=h)).isoformat()}
        for kind, h in (("sent", 30), ("replied", 20), ("meeting_booked", 10))
    ]
    service.ingest(workspace, events, now=now, rescore=rescore.rescore_contacts)
    hot = dedup_store.contacts_by_email(workspace, [who])[who]
    assert hot["score_breakdown"]["intent"] > 0 and hot["score_breakdown"]["engagement_events"]
    assert ('"x":true' in hot[digest.ATTR]) is many

    path = tmp_path / "again.csv"
    with path.open("w", newline="", encoding="utf-8") as f:
        csv.writer(f).writerows([["Email", "First Name"], [who, "Renamed"]])
    outcome = imports.run_import(rt, path, workspace_id=workspace, options={}, out_dir=out_dir)
    assert outcome.status == "complete", outcome.error
    after = dedup_store.contacts_by_email(workspace, [who])[who]
    assert after["fields"]["first_name"] == "Renamed"  # the import did write the contact
    b = after["score_breakdown"]
    was = hot["score_breakdown"]
    assert (b["engagement"], b["intent"]) == (was["engagement"], was["intent"]), (b, was)
    assert abs(after["lead_score"] - hot["lead_score"]) <= 1  # minutes of decay at most
