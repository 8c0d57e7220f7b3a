"""An engagement (or enrollment) bus event -> one ingest per workspace it names (pure routing
around the service)."""

from __future__ import annotations

from typing import Any

from functions.events import rescore, service
from functions.events.model import batch_events

SOURCE = "email-engine"
DETAIL_TYPE = "Engagement"
# the sequence engine reports enrollment.started / enrollment.finished the same way
SEQUENCE_SOURCE = "sequence-engine"
ENROLLMENT_DETAIL_TYPE = "Enrollment"
DETAIL_TYPES = (DETAIL_TYPE, ENROLLMENT_DETAIL_TYPE)


def handle(envelope: dict[str, Any]) -> dict[str, Any]:
    if envelope.get("detail-type") not in DETAIL_TYPES:
        raise ValueError(f"not an engagement event: detail-type {envelope.get('detail-type')!r}")
    detail = envelope.get("detail") or {}
    events = batch_events(detail)
    default = detail.get("workspace_id")
    groups: dict[str, list[int]] = {}
    outcomes: list[dict[str, Any] | None] = [None] * len(events)
    for index, raw in enumerate(events):
        workspace = raw.get("workspace_id", default) if isinstance(raw, dict) else default
        if not isinstance(workspace, str) or not workspace:
            outcomes[index] = {
                "index": index,
                "id": raw.get("id") if isinstance(raw, dict) else None,
                "status": service.ERROR,
                "error": {"code": "MISSING_WORKSPACE", "message": "the event names no workspace_id"},
            }
            continue
        groups.setdefault(workspace, []).append(index)
    meta = {
        service.APPLIED: 0,
        service.DUPLICATE: 0,
        service.ERROR: 0,
        "suppressions_added": 0,
        "rescored": 0,
    }
    for workspace, indexes in groups.items():
        result = service.ingest(workspace, [events[i] for i in indexes], rescore=rescore.rescore_contacts)
        for i, outcome in zip(indexes, result.outcomes, strict=True):
            outcomes[i] = {**outcome.as_dict(), "index": i}
        meta["suppressions_added"] += result.suppressions_added
        meta["rescored"] += result.rescored
    done = [o for o in outcomes if o is not None]
    for o in done:
        meta[o["status"]] += 1
    return {"data": done, "meta": meta}


def errors_of(result: dict[str, Any]) -> list[dict[str, Any]]:
    return [o for o in result["data"] if o["status"] == service.ERROR][:20]
