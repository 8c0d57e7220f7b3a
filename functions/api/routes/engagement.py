"""Engagement events: the internal ingest route (`events:write`) and a contact's timeline.

Writing events through the public contact API stays unsupported, as the seed says: the ingest
route is for trusted internal callers (the email engine, the reply layer), with a key that
holds `events:write`, and answers per event.
"""

from __future__ import annotations

from typing import Annotated, Any

from aws_lambda_powertools.event_handler.openapi.params import Query
from aws_lambda_powertools.event_handler.router import APIGatewayHttpRouter
from pydantic import BaseModel, Field

from functions.api import auth, contacts
from functions.api.errors import BadRequest, error_responses
from functions.api.routes.common import caller, contact_id_param
from functions.events import rescore, service, store
from functions.events.model import MAX_BATCH, EventType

router = APIGatewayHttpRouter()
JSON = "application/json"


class EngagementBatch(BaseModel):
    events: Annotated[
        list[dict[str, Any]],
        Field(
            min_length=1,
            max_length=MAX_BATCH,
            description='Each: {"id", "type", "email" or "contact_id", "occurred_at", "campaign_id"?, '
            '"sequence_id"?, "data"?}; validated one by one.',
        ),
    ]


class EventError(BaseModel):
    code: str
    message: str


class EventOutcome(BaseModel):
    index: int
    id: str | None
    status: str = Field(description="applied, duplicate or error")
    error: EventError | None = None


class IngestMeta(BaseModel):
    applied: int
    duplicate: int
    error: int
    suppressions_added: int
    rescored: int


class IngestOut(BaseModel):
    data: list[EventOutcome]
    meta: IngestMeta


class TimelineEvent(BaseModel):
    id: str
    type: str
    email: str
    contact_id: str | None = None
    occurred_at: str
    campaign_id: str | None = None
    sequence_id: str | None = None
    data: dict[str, Any] = {}


class TimelineMeta(BaseModel):
    next_cursor: str | None = None
    has_more: bool


class TimelinePage(BaseModel):
    data: list[TimelineEvent]
    meta: TimelineMeta


@router.post(
    "/api/v1/engagement-events",
    summary="Ingest engagement events (internal callers with events:write); per-event outcome",
    tags=["engagement"],
    responses={200: {"description": "What became of each event", "content": {JSON: {"model": IngestOut}}}},
)
def ingest(body: EngagementBatch) -> IngestOut:
    who = caller(router, auth.EVENTS_WRITE)
    result = service.ingest(who.workspace_id, body.events, rescore=rescore.rescore_contacts)
    return IngestOut.model_validate(result.as_dict())


def parse_types(value: str | None) -> list[str] | None:
    """`event_type=opened,replied`; the seed's `email_opened` spelling is accepted too."""
    if not value:
        return None
    known = {str(t) for t in EventType}
    out = []
    for part in value.split(","):
        name = part.strip().lower()
        if not name:
            continue
        name = name if name in known else name.removeprefix("email_")
        if name not in known:
            raise BadRequest(
                f"unknown event type {part.strip()!r}; known: {', '.join(sorted(known))}", field="event_type"
            )
        out.append(name)
    return sorted(set(out)) or None


@router.get(
    "/api/v1/contacts/<contact_id>/events",
    summary="A contact's engagement timeline, newest first",
    tags=["engagement"],
    responses={
        200: {"description": "A page of events", "content": {JSON: {"model": TimelinePage}}},
        **error_responses(404),
    },
)
def timeline(
    contact_id: str,
    event_type: Annotated[
        str | None, Query(max_length=500, description="Comma-separated event types.")
    ] = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    cursor: Annotated[str | None, Query(max_length=2000)] = None,
) -> TimelinePage:
    who = caller(router, auth.CONTACTS_READ)
    contact = contacts.item_by_id(who.workspace_id, contact_id_param(contact_id))
    try:
        page = store.timeline(
            who.workspace_id, contact["email"], types=parse_types(event_type), limit=limit, cursor=cursor
        )
    except store.BadCursor as exc:
        raise BadRequest(str(exc), field="cursor") from exc
    return TimelinePage.model_validate(
        {
            "data": [{**e.public(), "contact_id": contact["contact_id"]} for e in page.events],
            "meta": {"next_cursor": page.next_cursor, "has_more": page.next_cursor is not None},
        }
    )
