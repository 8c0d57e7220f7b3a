"""Exactly once in effect: a shuffled, duplicated stream of 10,000 events ends in the same
GlobalContact counters and the same scores as the ordered stream (DynamoDB Local)."""

from __future__ import annotations

import random
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from functions.dedup import store as dedup_store
from functions.events import rescore, service
from local.runtime import Runtime
from tests.integration.test_api_support import new_workspace

pytestmark = pytest.mark.integration

PEOPLE = 150
EVENTS = 10_000
T0 = datetime(2026, 1, 5, 8, 0, tzinfo=UTC)
NOW = T0 + timedelta(days=120)  # the scoring clock, pinned: recency decay is measured from it
COUNTERS = (
    "total_sent",
    "total_responses",
    "response_rate",
    "bounce_status",
    "last_sent_at",
    "last_engaged_at",
)


def stream(rnd: random.Random) -> list[tuple[int, dict[str, Any]]]:
    """(person, event without email) in time order: sends, then what people did with them."""
    kinds = ["sent"] * 40 + ["delivered"] * 25 + ["opened"] * 20 + ["clicked"] * 7 + ["replied"] * 4
    kinds += ["meeting_booked", "task_completed"]
    out = []
    for n in range(EVENTS):
        person = rnd.randrange(PEOPLE)
        kind = rnd.choice(kinds)
        data: dict[str, Any] = {}
        if n % 97 == 0:
            kind, data = "bounced", {"bounce_type": "soft" if n % 2 else "hard"}
        at = T0 + timedelta(minutes=rnd.randrange(90 * 24 * 60))
        out.append((person, {"id": f"e{n:05d}", "type": kind, "occurred_at": at.isoformat(), "data": data}))
    out.sort(key=lambda p: p[1]["occurred_at"])
    return out


def emails(tag: str) -> list[str]:
    run = uuid.uuid4().hex[:8]
    return [f"p{i:03d}.{tag}.{run}@order-example.com" for i in range(PEOPLE)]


def seed(workspace: str, people: list[str]) -> None:
    from functions.common.context import JobContext
    from functions.common.jobs import now_iso
    from functions.common.rows import Row
    from functions.dedup.commit import commit_rows
    from functions.dedup.dedup import dedup_rows

    ctx = JobContext.from_options(f"job_{uuid.uuid4().hex[:12]}", workspace, {}, now_iso())
    rows = [Row(n, [e], fields={"email": e, "title": "VP Sales"}) for n, e in enumerate(people, start=1)]
    commit_rows(ctx, dedup_rows(ctx, rows))


def ingest(workspace: str, people: list[str], events: list[tuple[int, dict[str, Any]]]) -> dict[str, int]:
    totals = {"applied": 0, "duplicate": 0, "error": 0}
    for start in range(0, len(events), 500):
        batch = [{**e, "email": people[p]} for p, e in events[start : start + 500]]
        result = service.ingest(workspace, batch, now=NOW, rescore=rescore.rescore_contacts)
        for key, value in result.counts().items():
            totals[key] += value
    return totals


def state(workspace: str, people: list[str]) -> list[tuple[Any, ...]]:
    globals_ = dedup_store.global_contacts(people)
    contacts = dedup_store.contacts_by_email(workspace, people)
    return [
        (
            *(globals_.get(p, {}).get(k) for k in COUNTERS),
            contacts[p].get("lead_score"),
            contacts[p].get("grade"),
            {k: v for k, v in (contacts[p].get("score_breakdown") or {}).items() if k != "rule"},
        )
        for p in people
    ]


def test_a_shuffled_duplicated_stream_gives_the_ordered_streams_counters_and_scores(rt: Runtime) -> None:
    rnd = random.Random(15)
    ordered = stream(rnd)
    shuffled = ordered + rnd.sample(ordered, k=2_000)  # 2,000 redeliveries
    rnd.shuffle(shuffled)

    ws_a, ws_b = new_workspace(), new_workspace()
    people_a, people_b = emails("ord"), emails("shuf")
    seed(ws_a, people_a)
    seed(ws_b, people_b)

    a = ingest(ws_a, people_a, ordered)
    b = ingest(ws_b, people_b, shuffled)
    assert a == {"applied": EVENTS, "duplicate": 0, "error": 0}
    assert b == {"applied": EVENTS, "duplicate": 2_000, "error": 0}

    got_a, got_b = state(ws_a, people_a), state(ws_b, people_b)
    assert got_a == got_b
    # the stream did move things: sends, replies, both bounce kinds, and scores off their import value
    assert sum(row[0] for row in got_a) == sum(1 for _, e in ordered if e["type"] == "sent")
    assert sum(row[1] for row in got_a) == sum(1 for _, e in ordered if e["type"] == "replied")
    assert {row[3] for row in got_a} >= {"hard", "soft"}
    assert any(row[8]["engagement_events"] for row in got_a)
