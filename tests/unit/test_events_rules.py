"""Engagement events: validation of one event, and the order-free counter and suppression rules."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from functions.events import counters
from functions.events.model import (
    MAX_BATCH,
    Event,
    EventType,
    Parsed,
    Rejected,
    batch_events,
    event_time,
    parse_event,
)

T0 = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


def raw(**over: Any) -> dict[str, Any]:
    doc: dict[str, Any] = {
        "id": "ev_1",
        "type": "opened",
        "email": "Bob@Acme-Example.com",
        "occurred_at": "2026-03-01T12:00:00Z",
    }
    doc.update(over)
    return {k: v for k, v in doc.items() if v is not None}


def ev(
    kind: str, at: datetime, *, email: str = "a@x-example.com", id: str | None = None, **data: Any
) -> Event:
    return Event(
        workspace_id="ws",
        event_id=id or f"{kind}-{at.isoformat()}",
        type=EventType(kind),
        email=email,
        occurred_at=event_time(at),
        data=data,
    )


def test_a_valid_event_is_canonicalised_and_its_time_normalised_to_utc() -> None:
    parsed = parse_event(0, raw(occurred_at="2026-03-01T14:00:00+02:00"))
    assert isinstance(parsed, Parsed)
    assert parsed.raw.email == "bob@acme-example.com"
    assert event_time(parsed.raw.occurred_at) == "2026-03-01T12:00:00.000000Z"


@pytest.mark.parametrize(
    ("doc", "needle"),
    [
        (raw(email=None), "an email or a contact_id"),
        (raw(type="clickd"), "type"),
        (raw(occurred_at="2026-03-01T12:00:00"), "timezone"),
        (raw(occurred_at="yesterday"), "occurred_at"),
        (raw(email="not-an-email"), "email"),
        (raw(type="bounced"), 'bounce_type "hard" or "soft"'),
        (raw(type="bounced", data={"bounce_type": "medium"}), "bounce_type"),
        (raw(type="opened", data={"global": True}), "only unsubscribed and spam_complaint"),
        (raw(type="unsubscribed", data={"global": "yes"}), "true or false"),
        (raw(colour="blue"), "colour"),
        (raw(id=""), "id"),
        (raw(data={"blob": "x" * 5000}), "larger than"),
    ],
)
def test_a_bad_event_is_rejected_with_a_message_naming_the_problem(doc: dict[str, Any], needle: str) -> None:
    result = parse_event(3, doc)
    assert isinstance(result, Rejected)
    assert result.index == 3 and result.code == "INVALID_EVENT"
    assert needle in result.message


def test_a_non_object_event_is_rejected() -> None:
    result = parse_event(0, ["sent"])
    assert isinstance(result, Rejected) and "JSON object" in result.message


def test_a_batch_holds_one_to_500_events() -> None:
    assert len(batch_events({"events": [{}] * MAX_BATCH})) == MAX_BATCH
    for body in ({"events": []}, {"events": [{}] * (MAX_BATCH + 1)}, {"event": []}, []):
        with pytest.raises(ValueError):
            batch_events(body)


def test_marks_keep_the_latest_send_and_engagement_and_the_worst_bounce() -> None:
    events = [
        ev("sent", T0),
        ev("sent", T0 + timedelta(days=2)),
        ev("opened", T0 + timedelta(days=1)),
        ev("delivered", T0 + timedelta(days=5)),  # the engine acting: not engagement
        ev("bounced", T0, bounce_type="hard"),
        ev("bounced", T0 + timedelta(days=3), bounce_type="soft"),
    ]
    marks = counters.marks_by_email(events)["a@x-example.com"]
    assert marks.last_sent_at == event_time(T0 + timedelta(days=2))
    assert marks.last_engaged_at == event_time(T0 + timedelta(days=1))
    assert marks.bounce_status == "hard"


def test_global_changes_never_move_a_time_back_or_soften_a_bounce() -> None:
    stored = {
        "total_sent": 4,
        "total_responses": 1,
        "response_rate": 0.25,
        "last_sent_at": event_time(T0 + timedelta(days=9)),
        "last_engaged_at": event_time(T0 + timedelta(days=9)),
        "bounce_status": "hard",
    }
    older = counters.marks_by_email(
        [ev("sent", T0), ev("replied", T0), ev("bounced", T0, bounce_type="soft")]
    )["a@x-example.com"]
    assert counters.global_changes(stored, older) == {}
    newer = counters.Marks(last_sent_at=event_time(T0 + timedelta(days=10)))
    assert counters.global_changes(stored, newer) == {"last_sent_at": event_time(T0 + timedelta(days=10))}


def test_response_rate_is_derived_from_the_stored_counts() -> None:
    assert counters.global_changes({"total_sent": 3, "total_responses": 1}, counters.Marks()) == {
        "response_rate": 0.3333
    }
    assert counters.response_rate(0, 0) == 0.0
    assert counters.response_rate(0, 2) == 1.0  # an inbound reply with no recorded send


event_kinds = st.sampled_from(["sent", "opened", "clicked", "replied", "delivered", "soft", "hard"])


@settings(max_examples=60, deadline=None)
@given(
    st.lists(st.tuples(event_kinds, st.integers(0, 500), st.sampled_from("ab")), min_size=1, max_size=40),
    st.randoms(),
)
def test_marks_and_deltas_do_not_depend_on_order_or_duplicates(
    spec: list[tuple[str, int, str]], rnd: random.Random
) -> None:
    events = [
        ev("bounced", T0 + timedelta(hours=h), email=f"{who}@x-example.com", bounce_type=kind)
        if kind in ("soft", "hard")
        else ev(kind, T0 + timedelta(hours=h), email=f"{who}@x-example.com")
        for kind, h, who in spec
    ]
    shuffled = events + rnd.sample(events, k=len(events) // 2)
    rnd.shuffle(shuffled)
    assert counters.marks_by_email(shuffled) == counters.marks_by_email(events)
    unique = list({(e.email, e.event_id, e.occurred_at): e for e in shuffled}.values())
    assert counters.deltas_by_email(unique) == counters.deltas_by_email(
        list({(e.email, e.event_id, e.occurred_at): e for e in events}.values())
    )


def test_suppressions_from_events() -> None:
    events = [
        ev("bounced", T0, email="hard@x-example.com", bounce_type="hard"),
        ev("bounced", T0, email="soft@x-example.com", bounce_type="soft"),
        ev("unsubscribed", T0, email="unsub@x-example.com"),
        ev("spam_complaint", T0, email="spam@x-example.com", **{"global": True}),
        ev("unsubscribed", T0 + timedelta(days=1), email="spam@x-example.com", id="later"),
        ev("opened", T0, email="open@x-example.com"),
    ]
    got = {(s.scope, s.email): s.reason for s in counters.suppressions(events, "GLOBAL")}
    assert got == {
        ("ws", "hard@x-example.com"): "hard_bounce",
        ("ws", "unsub@x-example.com"): "unsubscribe",
        # the earliest event decides the workspace entry's reason, whatever the arrival order
        ("ws", "spam@x-example.com"): "spam_complaint",
        ("GLOBAL", "spam@x-example.com"): "spam_complaint",
    }
    assert counters.suppressions(list(reversed(events)), "GLOBAL") == counters.suppressions(events, "GLOBAL")
