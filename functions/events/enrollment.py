"""The hand-off to sequences: which contacts may be enrolled, and what the sequence engine said.

Out: the import option `workflow_id` (after commit) and `POST /api/v1/sequences/{id}/enroll/`
both run `screen` and emit `contact.enrollment_requested` for the contacts it lets through: not
Do Not Touch, not deleted, not suppressed (platform, email or domain), and in an ICP tier the
workspace's enrollment rule allows (Config doc `enrollment_rule`, `{"icp_tiers": ["A", "B"]}`;
none set allows every tier). Do Not Touch never enrolls.

In: the sequence engine reports `enrollment.started` / `enrollment.finished` as events on the
same ingest path as engagement (bus, HTTP, CLI), stored on the contact's timeline once per event
id; `enrollments` folds them into one entry per enrollment, whatever order they came in.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from functions.common import config_store
from functions.events.model import ENROLLMENT_TYPES, Event, EventType
from functions.suppress.stage import suppression_hits

ENROLLMENT_RULE = "enrollment_rule"
REQUESTED = "contact.enrollment_requested"
TIERS = ("A", "B", "C", "D")


def allowed_tiers(workspace_id: str) -> set[str] | None:
    """The tiers the workspace's rule allows; None: every tier."""
    doc = config_store.get_doc(workspace_id, ENROLLMENT_RULE) or {}
    tiers = doc.get("icp_tiers") if isinstance(doc, dict) else None
    return {str(t) for t in tiers} if isinstance(tiers, list) else None


def parse_tiers(icp_tiers: Iterable[str] | None) -> list[str] | None:
    """The tiers as stored (upper case, sorted, once each); an unknown tier raises ValueError."""
    if icp_tiers is None:
        return None
    tiers = sorted({str(t).strip().upper() for t in icp_tiers})
    unknown = [t for t in tiers if t not in TIERS]
    if unknown:
        raise ValueError(f"unknown ICP tier(s) {', '.join(unknown)}; tiers are {', '.join(TIERS)}")
    return tiers


def set_rule(workspace_id: str, icp_tiers: Iterable[str] | None) -> dict[str, Any]:
    """Store the rule (None: every tier); an unknown tier raises ValueError."""
    config_store.put_doc(workspace_id, ENROLLMENT_RULE, {"icp_tiers": parse_tiers(icp_tiers)})
    return rule_view(workspace_id)


def rule_view(workspace_id: str) -> dict[str, Any]:
    tiers = allowed_tiers(workspace_id)
    return {"icp_tiers": sorted(tiers) if tiers is not None else None}


@dataclass(frozen=True, slots=True)
class Refusal:
    code: str
    message: str


def refusal(contact: Mapping[str, Any], tiers: set[str] | None, suppressed: str | None) -> Refusal | None:
    """Why this contact (an API contact object) may not be enrolled, or None (pure)."""
    if contact.get("dnt"):
        return Refusal("do_not_touch", "the contact is flagged Do Not Touch")
    if contact.get("is_deleted"):
        return Refusal("deleted", "the contact is deleted")
    if suppressed:
        return Refusal("suppressed", f"the contact is suppressed ({suppressed})")
    if tiers is not None and contact.get("icp_tier") not in tiers:
        allowed = ", ".join(sorted(tiers)) or "none"
        return Refusal(
            "not_in_enrollment_rule",
            f"ICP tier {contact.get('icp_tier') or 'none'} is not one the enrollment rule allows ({allowed})",
        )
    return None


def screen(
    workspace_id: str, contacts: Mapping[str, Mapping[str, Any]], tiers: set[str] | None
) -> dict[str, Refusal | None]:
    """Every contact (id -> contact object) with its refusal or None; suppressions in one batch read."""
    hits = suppression_hits(
        workspace_id,
        {
            cid: (str(c["email"]), (c.get("company") or {}).get("domain"))
            for cid, c in contacts.items()
            if not c.get("dnt") and not c.get("is_deleted")
        },
    )
    return {cid: refusal(c, tiers, hits[cid].text if cid in hits else None) for cid, c in contacts.items()}


# --- what the sequence engine reported back ------------------------------------------------------


def enrollments(events: Iterable[Event]) -> list[dict[str, Any]]:
    """One entry per enrollment (sequence id + `data.enrollment_id`), newest start first. A finish
    seen before its start is still finished: the fold does not depend on arrival order."""
    entries: dict[tuple[str, str], dict[str, Any]] = {}
    for e in sorted(events, key=lambda e: (e.occurred_at, e.event_id)):
        if e.type not in ENROLLMENT_TYPES:
            continue
        enrollment_id = str(e.data.get("enrollment_id") or "")
        key = (e.sequence_id or "", enrollment_id)
        entry = entries.setdefault(
            key,
            {
                "sequence_id": e.sequence_id,
                "enrollment_id": enrollment_id or None,
                "workflow_id": None,
                "status": "active",
                "started_at": None,
                "finished_at": None,
                "outcome": None,
                "event_ids": [],
            },
        )
        entry["event_ids"].append(e.event_id)
        if e.data.get("workflow_id"):
            entry["workflow_id"] = str(e.data["workflow_id"])
        if e.type is EventType.ENROLLMENT_STARTED:
            entry["started_at"] = entry["started_at"] or e.occurred_at
        else:
            entry["finished_at"] = e.occurred_at
            entry["status"] = "finished"
            entry["outcome"] = e.data.get("outcome") or entry["outcome"]
    return sorted(
        entries.values(),
        key=lambda x: (x["started_at"] or x["finished_at"] or "", x["sequence_id"] or ""),
        reverse=True,
    )
