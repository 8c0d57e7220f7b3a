"""Engagement events as the email and sequence engines report them, validated one by one.

The wire shape (the bus event's `detail` and the body of `POST /api/v1/engagement-events`):
`{"events": [{"id", "type", "email" | "contact_id", "occurred_at", "campaign_id"?,
"sequence_id"?, "data"?}]}`, at most 500 per batch. A batch is not all-or-nothing: each event
is validated on its own, so one bad event is an error for that event only.

`occurred_at` is normalised to one fixed-width UTC form (`2026-01-02T03:04:05.000000Z`): the
same instant written two ways is the same event time, and the timeline's sort key sorts by it
as text.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from functions.common.canonical import canonical_email
from functions.common.contact_ids import MAX_LENGTH as CONTACT_ID_MAX

MAX_BATCH = 500
MAX_ID = 200
MAX_DATA_BYTES = 4_000


class EventType(StrEnum):
    SENT = "sent"
    DELIVERED = "delivered"
    OPENED = "opened"
    CLICKED = "clicked"
    REPLIED = "replied"
    BOUNCED = "bounced"
    UNSUBSCRIBED = "unsubscribed"
    SPAM_COMPLAINT = "spam_complaint"
    MEETING_BOOKED = "meeting_booked"
    TASK_COMPLETED = "task_completed"
    # reported back by the sequence engine (source `sequence-engine` on the bus)
    ENROLLMENT_STARTED = "enrollment.started"
    ENROLLMENT_FINISHED = "enrollment.finished"


class BounceType(StrEnum):
    SOFT = "soft"
    HARD = "hard"


# the contact did something: what `last_engaged_at` tracks (a send, a delivery or a bounce is
# the engine acting; a completed task is the rep acting)
ENGAGED_TYPES = frozenset({EventType.OPENED, EventType.CLICKED, EventType.REPLIED, EventType.MEETING_BOOKED})
ENROLLMENT_TYPES = frozenset({EventType.ENROLLMENT_STARTED, EventType.ENROLLMENT_FINISHED})
# the only types that may say `data.global: true` (an opt-out the engine applies everywhere)
GLOBAL_CAPABLE = frozenset({EventType.UNSUBSCRIBED, EventType.SPAM_COMPLAINT})


class EngagementEventIn(BaseModel):
    """One event as sent. Unknown top-level keys are refused: a typo must not vanish silently."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    id: str = Field(min_length=1, max_length=MAX_ID)
    type: EventType
    email: str | None = Field(default=None, max_length=320)
    contact_id: str | None = Field(default=None, min_length=1, max_length=CONTACT_ID_MAX)
    occurred_at: datetime
    campaign_id: str | None = Field(default=None, max_length=200)
    sequence_id: str | None = Field(default=None, max_length=200)
    data: dict[str, Any] = Field(default_factory=dict)

    @field_validator("email")
    @classmethod
    def _canonical(cls, value: str | None) -> str | None:
        if value is None or value == "":
            return None
        return canonical_email(value)

    @field_validator("occurred_at")
    @classmethod
    def _aware(cls, value: datetime) -> datetime:
        if value.tzinfo is None:
            raise ValueError("occurred_at needs a timezone (e.g. 2026-01-02T03:04:05Z)")
        return value.astimezone(UTC)

    @model_validator(mode="after")
    def _type_rules(self) -> EngagementEventIn:
        if self.email is None and self.contact_id is None:
            raise ValueError("an event needs an email or a contact_id")
        if len(_json_size(self.data)) > MAX_DATA_BYTES:
            raise ValueError(f"data is larger than {MAX_DATA_BYTES} bytes")
        if self.type is EventType.BOUNCED:
            kind = self.data.get("bounce_type")
            if kind not in (BounceType.HARD, BounceType.SOFT):
                raise ValueError('a bounced event needs data.bounce_type "hard" or "soft"')
        if self.type in ENROLLMENT_TYPES and not self.sequence_id:
            raise ValueError(f"an {self.type} event needs the sequence_id it is about")
        is_global = self.data.get("global")
        if is_global is not None and not isinstance(is_global, bool):
            raise ValueError("data.global must be true or false")
        if is_global and self.type not in GLOBAL_CAPABLE:
            raise ValueError("only unsubscribed and spam_complaint events can be global")
        return self


def _json_size(data: dict[str, Any]) -> str:
    import json

    return json.dumps(data, default=str, separators=(",", ":"))


def event_time(value: datetime) -> str:
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


@dataclass(frozen=True, slots=True)
class Event:
    """A valid event, resolved to the workspace's canonical email (its identity everywhere)."""

    workspace_id: str
    event_id: str
    type: EventType
    email: str
    occurred_at: str  # event_time() form
    contact_id: str | None = None
    campaign_id: str | None = None
    sequence_id: str | None = None
    data: dict[str, Any] = field(default_factory=dict)

    @property
    def bounce_type(self) -> BounceType | None:
        if self.type is not EventType.BOUNCED:
            return None
        return BounceType(self.data["bounce_type"])

    @property
    def is_global(self) -> bool:
        return self.type in GLOBAL_CAPABLE and self.data.get("global") is True

    def public(self) -> dict[str, Any]:
        """The event as the timeline shows it."""
        return {
            "id": self.event_id,
            "type": str(self.type),
            "email": self.email,
            "contact_id": self.contact_id,
            "occurred_at": self.occurred_at,
            "campaign_id": self.campaign_id,
            "sequence_id": self.sequence_id,
            "data": self.data,
        }


@dataclass(frozen=True, slots=True)
class Parsed:
    """An event that validated (email may still be unknown when it came by contact_id)."""

    index: int
    raw: EngagementEventIn


@dataclass(frozen=True, slots=True)
class Rejected:
    index: int
    event_id: str | None
    code: str
    message: str


def parse_event(index: int, raw: Any) -> Parsed | Rejected:
    """Validate one event of a batch; a bad one becomes a Rejected with a message naming the field."""
    event_id = raw.get("id") if isinstance(raw, dict) and isinstance(raw.get("id"), str) else None
    if not isinstance(raw, dict):
        return Rejected(index, None, "INVALID_EVENT", "an event must be a JSON object")
    try:
        return Parsed(index, EngagementEventIn.model_validate(raw))
    except ValidationError as exc:
        first = exc.errors()[0]
        loc = ".".join(str(p) for p in first.get("loc") or ())
        msg = str(first.get("msg") or "invalid").removeprefix("Value error, ")
        more = len(exc.errors()) - 1
        text = f"{loc}: {msg}" if loc else msg
        if more:
            text += f" (and {more} more problem{'s' if more > 1 else ''})"
        return Rejected(index, event_id, "INVALID_EVENT", text)


def batch_events(body: Any) -> list[Any]:
    """The `events` list of a batch body; a malformed body raises ValueError (the whole batch)."""
    if not isinstance(body, dict) or not isinstance(body.get("events"), list):
        raise ValueError('a batch is a JSON object {"events": [...]}')
    events = body["events"]
    if not events:
        raise ValueError("events is empty: send 1 to 500 events")
    if len(events) > MAX_BATCH:
        raise ValueError(f"{len(events)} events in one batch; at most {MAX_BATCH}")
    return list(events)
