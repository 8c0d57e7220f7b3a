"""Engagement ingest: validate a batch, resolve contacts, apply each event id once, move the
counters, add the suppressions the events call for, and re-score the contacts they touched.

Every event of a batch ends with exactly one outcome, in the order sent: `applied` (first time
seen), `duplicate` (this event id was applied before, for this contact) or `error` with a code
and a message. Running the same batch twice gives `duplicate` for every event that was
`applied`, and changes nothing.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from functions.common.jobs import now_iso
from functions.events import counters, store
from functions.events.model import Event, Parsed, Rejected, event_time, parse_event
from functions.suppress.rules import GLOBAL_SCOPE

APPLIED = "applied"
DUPLICATE = "duplicate"
ERROR = "error"


@dataclass(frozen=True, slots=True)
class Outcome:
    index: int
    id: str | None
    status: str
    code: str | None = None
    message: str | None = None

    def as_dict(self) -> dict[str, Any]:
        doc: dict[str, Any] = {"index": self.index, "id": self.id, "status": self.status}
        if self.code:
            doc["error"] = {"code": self.code, "message": self.message}
        return doc


@dataclass
class IngestResult:
    outcomes: list[Outcome]
    suppressions_added: int = 0
    rescored: int = 0
    applied_events: list[Event] = field(default_factory=list)

    def counts(self) -> dict[str, int]:
        out = {APPLIED: 0, DUPLICATE: 0, ERROR: 0}
        for o in self.outcomes:
            out[o.status] += 1
        return out

    def as_dict(self) -> dict[str, Any]:
        return {
            "data": [o.as_dict() for o in self.outcomes],
            "meta": {
                **self.counts(),
                "suppressions_added": self.suppressions_added,
                "rescored": self.rescored,
            },
        }


# re-scoring is a separate concern (functions/events/rescore.py); the service takes it as a hook:
# (workspace, events applied now, scoring time, events redelivered) -> contacts rewritten
Rescorer = Callable[[str, Sequence[Event], datetime, Sequence[Event]], int]


def ingest(
    workspace_id: str,
    raw_events: Sequence[Any],
    *,
    now: datetime | None = None,
    rescore: Rescorer | None = None,
) -> IngestResult:
    received = now_iso()
    clock = now or datetime.now(UTC)
    outcomes: dict[int, Outcome] = {}
    parsed: list[Parsed] = []
    for index, raw in enumerate(raw_events):
        if isinstance(raw, dict) and "workspace_id" in raw:
            if raw["workspace_id"] != workspace_id:
                outcomes[index] = Outcome(
                    index,
                    raw.get("id") if isinstance(raw.get("id"), str) else None,
                    ERROR,
                    "WORKSPACE_MISMATCH",
                    f"the event is for workspace {raw['workspace_id']!r}, the batch for {workspace_id!r}",
                )
                continue
            raw = {k: v for k, v in raw.items() if k != "workspace_id"}
        result = parse_event(index, raw)
        if isinstance(result, Rejected):
            outcomes[index] = Outcome(index, result.event_id, ERROR, result.code, result.message)
        else:
            parsed.append(result)

    events, rejected = _resolve(workspace_id, parsed)
    for r in rejected:
        outcomes[r.index] = Outcome(r.index, r.event_id, ERROR, r.code, r.message)

    # the same event twice in one batch: the first copy counts, the later ones are duplicates
    first: dict[tuple[str, str], tuple[int, Event]] = {}
    for index, event in events:
        key = store.event_key(event)
        if key in first:
            outcomes[index] = Outcome(index, event.event_id, DUPLICATE)
        else:
            first[key] = (index, event)
    unique = [e for _, e in first.values()]

    applied = store.insert_plain([e for e in unique if not counters.counts(e)], received)
    applied.update(store.apply_counted([e for e in unique if counters.counts(e)], received))
    for key, (index, event) in first.items():
        outcomes[index] = Outcome(index, event.event_id, APPLIED if applied[key] else DUPLICATE)

    # the idempotent effects run for duplicates too: they heal a crash after the events landed
    store.refresh_globals(counters.marks_by_email(unique))
    added = store.add_suppressions(counters.suppressions(unique, GLOBAL_SCOPE), received)
    new_events = [e for key, (_, e) in first.items() if applied[key]]
    seen = [e for key, (_, e) in first.items() if not applied[key]]
    rescored = rescore(workspace_id, new_events, clock, seen) if rescore and unique else 0
    return IngestResult(
        [outcomes[i] for i in range(len(raw_events))],
        suppressions_added=added,
        rescored=rescored,
        applied_events=new_events,
    )


def _resolve(workspace_id: str, parsed: list[Parsed]) -> tuple[list[tuple[int, Event]], list[Rejected]]:
    """Every event gets its canonical email; one named by contact_id must be this workspace's."""
    by_id = store.contacts_by_id(workspace_id, {p.raw.contact_id for p in parsed if p.raw.contact_id})
    events: list[tuple[int, Event]] = []
    rejected: list[Rejected] = []
    for p in parsed:
        raw = p.raw
        email = raw.email
        if raw.contact_id is not None:
            contact = by_id.get(raw.contact_id)
            if contact is None:
                rejected.append(
                    Rejected(
                        p.index, raw.id, "CONTACT_NOT_FOUND", f"no contact {raw.contact_id} in this workspace"
                    )
                )
                continue
            if email is not None and email != contact["email"]:
                rejected.append(
                    Rejected(
                        p.index,
                        raw.id,
                        "CONTACT_MISMATCH",
                        f"contact {raw.contact_id} is {contact['email']}, not {email}",
                    )
                )
                continue
            email = str(contact["email"])
        assert email is not None  # the model requires email or contact_id
        events.append(
            (
                p.index,
                Event(
                    workspace_id=workspace_id,
                    event_id=raw.id,
                    type=raw.type,
                    email=email,
                    occurred_at=event_time(raw.occurred_at),
                    contact_id=raw.contact_id,
                    campaign_id=raw.campaign_id,
                    sequence_id=raw.sequence_id,
                    data=dict(raw.data),
                ),
            )
        )
    return events, rejected
