"""Engagement and intent points from a contact's events: weights per event type, recency decay.

Each event is worth its type's points (`EventScoring`), halved every `half_life_days` of age at
scoring time: `points * 0.5 ** (age_days / half_life_days)`. An event "from the future" (a clock
ahead of ours) counts as age 0. The sums are order-free (a sum over the set of events), so the
same events give the same points whatever order they arrived in.

An unsubscribe or a spam complaint is an opt-out: engagement is 0 from then on, whatever else
happened, as a hard bounce already makes it (`score.scoring`).
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Protocol

from functions.common.config_models import EventScoring

OPT_OUT_TYPES = frozenset({"unsubscribed", "spam_complaint"})
EVENT_IDS_SHOWN = 3  # per type in the breakdown: the newest ones


class ScoredEvent(Protocol):
    @property
    def event_id(self) -> str: ...
    @property
    def occurred_at(self) -> str: ...


@dataclass(frozen=True, slots=True)
class EventSignals:
    engagement_points: float = 0.0
    intent_points: float = 0.0
    opted_out: bool = False
    # per event type that scored: count, points after decay, newest time and event ids
    engagement_events: list[dict[str, Any]] = field(default_factory=list)
    intent_events: list[dict[str, Any]] = field(default_factory=list)


def _age_days(occurred_at: str, now: datetime) -> float:
    when = datetime.fromisoformat(occurred_at.replace("Z", "+00:00"))
    return max(0.0, (now.astimezone(UTC) - when).total_seconds() / 86400)


def event_signals(
    events: Iterable[tuple[str, ScoredEvent]], settings: EventScoring, now: datetime
) -> EventSignals:
    """`events` as (type, event) pairs; `now` is the scoring time (tests pin it)."""
    eng: dict[str, dict[str, Any]] = {}
    intent: dict[str, dict[str, Any]] = {}
    opted_out = False
    for kind, event in events:
        if kind in OPT_OUT_TYPES:
            opted_out = True
        decay = 0.5 ** (_age_days(event.occurred_at, now) / settings.half_life_days)
        for table, points in ((eng, settings.engagement_points), (intent, settings.intent_points)):
            weight = points.get(kind, 0)
            if weight <= 0:
                continue
            row = table.setdefault(kind, {"parts": [], "ids": []})
            row["parts"].append(weight * decay)
            row["ids"].append((event.occurred_at, event.event_id))
    return EventSignals(
        engagement_points=_total(eng),
        intent_points=_total(intent),
        opted_out=opted_out,
        engagement_events=_shown(eng),
        intent_events=_shown(intent),
    )


def _total(table: dict[str, dict[str, Any]]) -> float:
    # fsum is exactly rounded, so the total does not depend on the order events were added in
    return round(math.fsum(p for row in table.values() for p in row["parts"]), 4)


def _shown(table: dict[str, dict[str, Any]]) -> list[dict[str, Any]]:
    points = {k: math.fsum(row["parts"]) for k, row in table.items()}
    out = []
    for kind in sorted(table, key=lambda k: (-points[k], k)):
        row = table[kind]
        newest = sorted(row["ids"], reverse=True)
        out.append(
            {
                "type": kind,
                "count": len(row["parts"]),
                "points": round(points[kind], 1),
                "latest_at": newest[0][0],
                "event_ids": [i for _, i in newest[:EVENT_IDS_SHOWN]],
            }
        )
    return out
