"""What re-scoring needs of a contact's timeline, kept on the contact item (`score_events`).

Re-scoring a batch reads the touched contacts in one BatchGetItem; with the digest on each item
it needs no Query of each contact's timeline. The digest holds, for the event types it tracks
(those the scoring model gives points to, and the opt-outs), each event's time, type and id: a
set keyed by (time, id), as the timeline is, so folding an event in twice, or events in any
order, gives the same digest (exactly once, order-free). A contact without a digest, or whose
digest does not track a type the model now scores (the model changed), is read from its
timeline once and gets a digest built from it.

Stored as one compact JSON string: `{"t": [types], "e": ["<time>|<type>|<id>", ...]}`, sorted.
A contact with more than `MAX_ENTRIES` tracked events keeps only `{"t": [types], "x": true}`: the
digest would grow every contact write towards DynamoDB's 400 KB item limit (and its WRU with
it), so such a contact is re-scored from its timeline, read each time, as before digests.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from typing import Any, Protocol

from functions.common.config_models import EventScoring
from functions.events.store import ScoringEvent
from functions.score.signals import OPT_OUT_TYPES

ATTR = "score_events"
# about 45 bytes an entry: a digest stays under ~9 KB
MAX_ENTRIES = 200


class _Timed(Protocol):
    @property
    def type(self) -> str: ...
    @property
    def occurred_at(self) -> str: ...
    @property
    def event_id(self) -> str: ...


def tracked(settings: EventScoring) -> frozenset[str]:
    """The event types a score depends on under this model."""
    points = {
        k for table in (settings.engagement_points, settings.intent_points) for k, v in table.items() if v
    }
    return frozenset(points | OPT_OUT_TYPES)


def load(item: Mapping[str, Any], types: frozenset[str]) -> tuple[frozenset[str], dict[str, str]] | None:
    """(tracked types, entry key -> entry) of a contact, or None when its timeline must be read."""
    raw = item.get(ATTR)
    if not raw:
        return None
    doc = json.loads(raw)
    held = frozenset(doc["t"])
    if not types <= held or "e" not in doc:  # the model changed, or too many to carry
        return None
    return held, {_key(e): e for e in doc["e"]}


def fold(types: frozenset[str], entries: dict[str, str], events: Iterable[_Timed]) -> dict[str, str]:
    """The entries with `events` of the tracked types added (an entry already there stays)."""
    out = dict(entries)
    for e in events:
        if str(e.type) in types:
            entry = f"{e.occurred_at}|{e.type}|{e.event_id}"
            out.setdefault(_key(entry), entry)
    return out


def lacks(known: tuple[frozenset[str], dict[str, str]], events: Iterable[_Timed]) -> bool:
    """Whether a digest misses one of these events (of the types it tracks)."""
    return len(fold(known[0], known[1], events)) != len(known[1])


def dump(types: frozenset[str], entries: dict[str, str]) -> str:
    if len(entries) > MAX_ENTRIES:
        return json.dumps({"t": sorted(types), "x": True}, separators=(",", ":"))
    return json.dumps({"t": sorted(types), "e": sorted(entries.values())}, separators=(",", ":"))


def scoring_events(entries: dict[str, str]) -> list[ScoringEvent]:
    out = []
    for entry in entries.values():
        occurred_at, kind, event_id = entry.split("|", 2)
        out.append(ScoringEvent(kind, occurred_at, event_id))
    return out


def _key(entry: str) -> str:
    occurred_at, _, event_id = entry.split("|", 2)
    return f"{occurred_at}#{event_id}"
