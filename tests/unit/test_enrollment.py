"""The hand-off to sequences, pure rules: who may be enrolled, and the fold of what the sequence
engine reported back (the same whatever order the events arrived in)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from functions.events.enrollment import enrollments, parse_tiers, refusal
from functions.events.model import Event, EventType


def _contact(**kw: object) -> dict[str, object]:
    return {
        "id": "cont_1",
        "email": "a@b-example.com",
        "dnt": False,
        "is_deleted": False,
        "icp_tier": "B",
        **kw,
    }


def test_do_not_touch_wins_over_every_other_reason() -> None:
    got = refusal(_contact(dnt=True, is_deleted=True, icp_tier="D"), {"A"}, "SUPPRESSED_EMAIL: opt_out")
    assert got is not None and got.code == "do_not_touch"


@pytest.mark.parametrize(
    ("contact", "tiers", "suppressed", "code"),
    [
        (_contact(), None, None, None),
        (_contact(), {"A", "B"}, None, None),
        (_contact(icp_tier="C"), {"A", "B"}, None, "not_in_enrollment_rule"),
        (_contact(icp_tier=None), set(), None, "not_in_enrollment_rule"),
        (_contact(), None, "SUPPRESSED_GLOBAL: unsubscribe", "suppressed"),
        (_contact(is_deleted=True), None, None, "deleted"),
    ],
)
def test_refusal_names_the_first_reason(
    contact: dict[str, object], tiers: set[str] | None, suppressed: str | None, code: str | None
) -> None:
    got = refusal(contact, tiers, suppressed)
    assert (got.code if got else None) == code


def test_tiers_are_normalised_and_unknown_ones_refused() -> None:
    assert parse_tiers([" b", "a", "B"]) == ["A", "B"]
    assert parse_tiers(None) is None
    assert parse_tiers([]) == []
    with pytest.raises(ValueError, match="unknown ICP tier"):
        parse_tiers(["E"])


def _ev(event_id: str, kind: EventType, at: str, seq: str = "s1", **data: object) -> Event:
    return Event("ws", event_id, kind, "a@b-example.com", at, sequence_id=seq, data=dict(data))


STREAM = [
    _ev("1", EventType.ENROLLMENT_STARTED, "2026-01-01T00:00:00.000000Z", enrollment_id="e1"),
    _ev(
        "2", EventType.ENROLLMENT_FINISHED, "2026-01-05T00:00:00.000000Z", enrollment_id="e1", outcome="done"
    ),
    _ev("3", EventType.ENROLLMENT_STARTED, "2026-02-01T00:00:00.000000Z", enrollment_id="e2"),
    _ev("4", EventType.ENROLLMENT_STARTED, "2026-01-03T00:00:00.000000Z", seq="s2"),
    _ev("5", EventType.REPLIED, "2026-01-04T00:00:00.000000Z"),  # not an enrollment event
]


@given(st.permutations(STREAM))
def test_the_fold_does_not_depend_on_arrival_order(events: list[Event]) -> None:
    assert enrollments(events) == enrollments(STREAM)


def test_the_fold_gives_one_entry_per_enrollment_newest_first() -> None:
    got = enrollments(STREAM)
    assert [(e["sequence_id"], e["enrollment_id"], e["status"]) for e in got] == [
        ("s1", "e2", "active"),
        ("s2", None, "active"),
        ("s1", "e1", "finished"),
    ]
    assert got[2]["outcome"] == "done" and got[2]["event_ids"] == ["1", "2"]


def test_a_finish_without_its_start_is_finished() -> None:
    (only,) = enrollments([STREAM[1]])
    assert only["status"] == "finished" and only["started_at"] is None
