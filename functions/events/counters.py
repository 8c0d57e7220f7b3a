"""GlobalContact's engagement counters from events: pure rules, written so order never matters.

- `total_sent` / `total_responses` (replies) are sums: each applied event adds its 1 once
  (UpdateItem ADD in the same transaction as the event's conditional put), and addition
  commutes.
- `last_sent_at` / `last_engaged_at` are maxima: a value is written only when it is later than
  the stored one (max-wins), so an old event arriving last changes nothing.
- `bounce_status` only climbs `none < soft < hard`: a hard bounce dominates, and a soft
  bounce after a hard one does not undo it.
- `response_rate` is derived from the two sums as they are stored (rounded to 4 places), set
  under a condition that they have not moved since they were read.

Because every rule is a sum, a maximum or a derivation of those, a stream applied in any order,
with any duplicates, ends in the same counters.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from functions.events.model import ENGAGED_TYPES, Event, EventType

BOUNCE_RANK = {None: 0, "none": 0, "soft": 1, "hard": 2}


def bounce_rank(value: Any) -> int:
    return BOUNCE_RANK.get(value if isinstance(value, str) else None, 0)


def counter_delta(event: Event) -> tuple[int, int]:
    """What one event adds to (total_sent, total_responses)."""
    return (int(event.type is EventType.SENT), int(event.type is EventType.REPLIED))


def counts(event: Event) -> bool:
    return counter_delta(event) != (0, 0)


@dataclass(frozen=True, slots=True)
class Marks:
    """The idempotent part of a set of events for one email: latest times and worst bounce."""

    last_sent_at: str | None = None
    last_engaged_at: str | None = None
    bounce_status: str | None = None

    def with_event(self, event: Event) -> Marks:
        sent, engaged, bounce = self.last_sent_at, self.last_engaged_at, self.bounce_status
        if event.type is EventType.SENT:
            sent = _later(sent, event.occurred_at)
        if event.type in ENGAGED_TYPES:
            engaged = _later(engaged, event.occurred_at)
        kind = event.bounce_type
        if kind is not None and bounce_rank(str(kind)) > bounce_rank(bounce):
            bounce = str(kind)
        return Marks(sent, engaged, bounce)


def _later(current: str | None, candidate: str) -> str:
    return candidate if current is None or candidate > current else current


def marks_by_email(events: Iterable[Event]) -> dict[str, Marks]:
    out: dict[str, Marks] = {}
    for event in events:
        out[event.email] = out.get(event.email, Marks()).with_event(event)
    return out


def deltas_by_email(events: Iterable[Event]) -> dict[str, tuple[int, int]]:
    out: dict[str, tuple[int, int]] = {}
    for event in events:
        sent, replied = counter_delta(event)
        was = out.get(event.email, (0, 0))
        out[event.email] = (was[0] + sent, was[1] + replied)
    return out


def response_rate(total_sent: int, total_responses: int) -> float:
    """Replies per send, 0-1; an inbound reply without a recorded send counts as 1."""
    if total_sent <= 0:
        return 1.0 if total_responses > 0 else 0.0
    return round(min(1.0, total_responses / total_sent), 4)


def global_changes(current: Mapping[str, Any] | None, marks: Marks) -> dict[str, Any]:
    """The attributes to SET on a GlobalContact so it reflects `marks`; {} when it already does."""
    cur = current or {}
    sets: dict[str, Any] = {}
    for name in ("last_sent_at", "last_engaged_at"):
        value = getattr(marks, name)
        if value is not None and (cur.get(name) is None or value > str(cur[name])):
            sets[name] = value
    if bounce_rank(marks.bounce_status) > bounce_rank(cur.get("bounce_status")):
        sets["bounce_status"] = marks.bounce_status
    rate = response_rate(int(cur.get("total_sent") or 0), int(cur.get("total_responses") or 0))
    stored = cur.get("response_rate")
    if stored is None or abs(float(stored) - rate) > 1e-9:
        sets["response_rate"] = rate
    return sets


# --- suppressions ------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class SuppressionFromEvent:
    scope: str  # a workspace id or GLOBAL
    email: str
    reason: str
    event_id: str
    occurred_at: str


_REASONS = {EventType.UNSUBSCRIBED: "unsubscribe", EventType.SPAM_COMPLAINT: "spam_complaint"}


def suppressions(events: Iterable[Event], global_scope: str) -> list[SuppressionFromEvent]:
    """What the events ask to suppress: one entry per (scope, email), from its earliest event.

    A hard bounce suppresses in the workspace (`hard_bounce`); an unsubscribe or a spam
    complaint in the workspace (`unsubscribe` / `spam_complaint`) and, when the engine marked it
    global, platform-wide as well. A soft bounce suppresses nothing: it is transient.
    """
    wanted: dict[tuple[str, str], SuppressionFromEvent] = {}
    for event in events:
        if event.bounce_type is not None:
            reason = "hard_bounce" if str(event.bounce_type) == "hard" else None
        else:
            reason = _REASONS.get(event.type)
        if reason is None:
            continue
        scopes = [event.workspace_id] + ([global_scope] if event.is_global else [])
        for scope in scopes:
            entry = SuppressionFromEvent(scope, event.email, reason, event.event_id, event.occurred_at)
            have = wanted.get((scope, event.email))
            if have is None or (entry.occurred_at, entry.event_id) < (have.occurred_at, have.event_id):
                wanted[(scope, event.email)] = entry
    return sorted(wanted.values(), key=lambda s: (s.scope, s.email))
