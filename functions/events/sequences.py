"""Enrolling contacts in a sequence on request (`POST /api/v1/sequences/{id}/enroll/`).

The same checks and the same events as an import's `workflow_id` hand-off (functions/events/
enrollment.py): each contact is answered `requested` or `refused` with a code, and the
requested ones are queued as `contact.enrollment_requested` deliveries in one batch write.
Nothing is sent here: the webhook worker delivers them. A workspace where no active subscription
takes `contact.enrollment_requested` would drop the request on the floor, so it is refused whole.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from functions.events import delivery, enrollment, store

MAX_CONTACTS = 500


class NoSequenceEngine(LookupError):
    """No active subscription receives enrollment requests in this workspace."""


def enroll(
    workspace_id: str, sequence_id: str, contact_ids: Sequence[str], *, now: datetime | None = None
) -> dict[str, Any]:
    if not delivery.subscribed(workspace_id, enrollment.REQUESTED):
        raise NoSequenceEngine(
            f"no active webhook subscription takes {enrollment.REQUESTED}: subscribe the sequence "
            "engine first (POST /api/v1/webhooks/subscriptions)"
        )
    ids = list(dict.fromkeys(contact_ids))
    contacts = delivery.contact_objects(workspace_id, dict.fromkeys(ids))
    verdicts = enrollment.screen(workspace_id, contacts, enrollment.allowed_tiers(workspace_id))
    request = uuid.uuid4().hex  # a repeated call is a new request; Idempotency-Key dedupes retries
    events = [
        (delivery.event_id_for(workspace_id, sequence_id, cid, request), enrollment.REQUESTED, contacts[cid])
        for cid in ids
        if cid in contacts and verdicts[cid] is None
    ]
    queued = delivery.queue_events(workspace_id, events, now=now, extra={"workflow_id": sequence_id})
    data: list[dict[str, Any]] = []
    for cid in ids:
        refusal = (
            verdicts.get(cid)
            if cid in contacts
            else enrollment.Refusal("not_found", f"no contact {cid} in this workspace")
        )
        if refusal is None:
            data.append({"contact_id": cid, "status": "requested"})
        else:
            data.append(
                {
                    "contact_id": cid,
                    "status": "refused",
                    "error": {"code": refusal.code, "message": refusal.message},
                }
            )
    requested = sum(1 for d in data if d["status"] == "requested")
    return {
        "data": data,
        "meta": {
            "sequence_id": sequence_id,
            "requested": requested,
            "refused": len(data) - requested,
            "deliveries_queued": queued,
        },
    }


def contact_enrollments(workspace_id: str, email: str) -> list[dict[str, Any]]:
    """What the sequence engine reported for this contact, one entry per enrollment."""
    types = sorted(str(t) for t in enrollment.ENROLLMENT_TYPES)
    found = []
    cursor = None
    while True:
        page = store.timeline(workspace_id, email, types=types, limit=200, cursor=cursor)
        found.extend(page.events)
        cursor = page.next_cursor
        if cursor is None:
            return enrollment.enrollments(found)
