"""Engagement and intent from events: weights, recency decay, opt-outs, order-free sums."""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from functions.common.config_models import EventScoring, ScoringModelDoc, load_scoring_model
from functions.score.icp import Profile
from functions.score.scoring import History, score
from functions.score.signals import event_signals

NOW = datetime(2026, 6, 1, tzinfo=UTC)


@dataclass(frozen=True)
class E:
    event_id: str
    occurred_at: str


def at(days_ago: float, n: int = 0) -> E:
    return E(f"e{n}-{days_ago}", (NOW - timedelta(days=days_ago)).strftime("%Y-%m-%dT%H:%M:%S.%fZ"))


def test_a_reply_outweighs_a_click_which_outweighs_an_open() -> None:
    s = EventScoring()
    pts = {k: event_signals([(k, at(0))], s, NOW).engagement_points for k in ("opened", "clicked", "replied")}
    assert pts["replied"] > pts["clicked"] > pts["opened"] > 0


def test_points_halve_every_half_life() -> None:
    s = EventScoring(engagement_points={"replied": 40}, intent_points={}, half_life_days=10)
    assert event_signals([("replied", at(0))], s, NOW).engagement_points == 40
    assert event_signals([("replied", at(10))], s, NOW).engagement_points == 20
    assert event_signals([("replied", at(20))], s, NOW).engagement_points == 10
    # a clock ahead of ours: age 0, never more than the full points
    assert event_signals([("replied", at(-3))], s, NOW).engagement_points == 40


def test_a_meeting_booked_is_intent_and_the_breakdown_names_its_events() -> None:
    signals = event_signals(
        [("meeting_booked", at(1, 1)), ("meeting_booked", at(2, 2)), ("opened", at(1, 3))],
        EventScoring(),
        NOW,
    )
    assert signals.intent_points > signals.engagement_points
    top = signals.intent_events[0]
    assert top["type"] == "meeting_booked" and top["count"] == 2
    assert top["event_ids"] == [at(1, 1).event_id, at(2, 2).event_id]  # newest first


def test_an_opt_out_zeroes_engagement_and_a_hard_bounce_stays_zero() -> None:
    model = ScoringModelDoc()
    profile = Profile()
    hot = event_signals([("replied", at(1)), ("clicked", at(1))], model.events, NOW)
    assert score(model, profile, History(total_sent=2, total_responses=1), signals=hot).engagement == 100
    out = event_signals([("replied", at(1)), ("unsubscribed", at(0))], model.events, NOW)
    assert score(model, profile, History(total_sent=2, total_responses=1), signals=out).engagement == 0
    bounced = score(model, profile, History(total_sent=2, bounce_status="hard"), signals=hot)
    assert bounced.engagement == 0


def test_score_climbs_with_events_and_is_capped() -> None:
    model = ScoringModelDoc()
    profile = Profile()
    none = score(model, profile, History(total_sent=3), signals=event_signals([], model.events, NOW))
    some = score(
        model, profile, History(total_sent=3), signals=event_signals([("clicked", at(1))], model.events, NOW)
    )
    lots = score(
        model,
        profile,
        History(total_sent=3),
        signals=event_signals([("meeting_booked", at(0, i)) for i in range(20)], model.events, NOW),
    )
    assert none.score < some.score < lots.score <= 100
    assert lots.intent == 100


def test_the_scoring_model_accepts_event_weights_and_refuses_unknown_types() -> None:
    doc = load_scoring_model({"events": {"engagement_points": {"replied": 50}, "half_life_days": 7}})
    assert doc.events.engagement_points == {"replied": 50} and doc.events.half_life_days == 7
    import pytest

    from functions.common.errors import ConfigInvalid

    with pytest.raises(ConfigInvalid, match="teleported"):
        load_scoring_model({"events": {"intent_points": {"teleported": 5}}})


kinds = st.sampled_from(["opened", "clicked", "replied", "meeting_booked", "task_completed", "sent"])


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(kinds, st.floats(0, 400)), max_size=60), st.randoms())
def test_signals_do_not_depend_on_the_order_of_events(
    spec: list[tuple[str, float]], rnd: random.Random
) -> None:
    events = [(k, at(d, i)) for i, (k, d) in enumerate(spec)]
    shuffled = list(events)
    rnd.shuffle(shuffled)
    assert event_signals(shuffled, EventScoring(), NOW) == event_signals(events, EventScoring(), NOW)
