"""The re-scoring digest: a set of (time, id) per tracked type, the same whatever the order or
the repeats, and not trusted when the model scores a type it never tracked."""

from __future__ import annotations

import json
import random

from hypothesis import given
from hypothesis import strategies as st

from functions.common.config_models import EventScoring
from functions.events import digest
from functions.events.store import ScoringEvent

TYPES = ["sent", "opened", "clicked", "replied", "meeting_booked", "unsubscribed"]
events = st.lists(
    st.builds(
        ScoringEvent,
        type=st.sampled_from(TYPES),
        occurred_at=st.sampled_from(["2026-01-01T00:00:00.000000Z", "2026-02-01T10:30:00.000000Z"]),
        event_id=st.text(min_size=1, max_size=12),
    ),
    max_size=30,
)


def test_tracked_types_are_the_scored_ones_and_the_opt_outs() -> None:
    settings = EventScoring(engagement_points={"opened": 2.0, "sent": 0.0}, intent_points={"clicked": 5.0})
    assert digest.tracked(settings) == {"opened", "clicked", "unsubscribed", "spam_complaint"}


@given(events, st.randoms())
def test_folding_in_any_order_with_repeats_gives_the_same_digest(
    drawn: list[ScoringEvent], rnd: random.Random
) -> None:
    # an event is its (time, id), as on the timeline: a redelivery repeats it whole
    got = list({(e.occurred_at, e.event_id): e for e in drawn}.values())
    types = digest.tracked(EventScoring())
    once = digest.fold(types, {}, got)
    shuffled = got + got[: len(got) // 2]
    rnd.shuffle(shuffled)
    half = digest.fold(types, {}, shuffled[: len(shuffled) // 2])
    twice = digest.fold(types, half, shuffled[len(shuffled) // 2 :])
    assert digest.dump(types, once) == digest.dump(types, twice)
    assert sorted(digest.scoring_events(once), key=repr) == sorted(
        (e for e in got if e.type in types), key=repr
    )


def test_a_digest_round_trips_and_knows_what_it_lacks() -> None:
    types = digest.tracked(EventScoring())
    held = digest.fold(types, {}, [ScoringEvent("replied", "2026-01-01T00:00:00.000000Z", "a|b")])
    item = {digest.ATTR: digest.dump(types, held)}
    known = digest.load(item, types)
    assert known == (types, held)
    assert digest.scoring_events(held) == [ScoringEvent("replied", "2026-01-01T00:00:00.000000Z", "a|b")]
    assert not digest.lacks(known, [ScoringEvent("replied", "2026-01-01T00:00:00.000000Z", "a|b")])
    assert digest.lacks(known, [ScoringEvent("opened", "2026-01-02T00:00:00.000000Z", "c")])
    assert not digest.lacks(known, [ScoringEvent("sent", "2026-01-02T00:00:00.000000Z", "d")])  # untracked


def test_a_missing_digest_or_one_blind_to_a_newly_scored_type_is_not_used() -> None:
    types = digest.tracked(EventScoring())
    assert digest.load({}, types) is None
    item = {digest.ATTR: digest.dump(types, {})}
    assert digest.load(item, types | {"sent"}) is None  # the model now scores sends: read the timeline
    assert digest.load(item, types - {"opened"}) == (types, {})  # tracking more than needed is fine


def test_a_contact_with_too_many_events_is_read_from_its_timeline_not_carried() -> None:
    types = digest.tracked(EventScoring())
    many = [
        ScoringEvent("opened", f"2026-01-01T00:00:{i % 60:02d}.{i:06d}Z", f"e{i}")
        for i in range(digest.MAX_ENTRIES + 1)
    ]
    full = digest.fold(types, {}, many[:-1])
    assert digest.load({digest.ATTR: digest.dump(types, full)}, types) == (types, full)
    over = digest.dump(types, digest.fold(types, full, many[-1:]))
    assert json.loads(over) == {"t": sorted(types), "x": True}  # a marker, not the entries
    assert digest.load({digest.ATTR: over}, types) is None  # the timeline is read instead
    assert over == digest.dump(types, digest.fold(types, {}, reversed(many)))  # same whatever the order
