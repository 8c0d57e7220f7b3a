"""Batched re-scoring of the contacts a batch of events touched.

One pass per ingest batch, not one write per event: the contacts are read in one BatchGetItem,
the workspace's model once, companies and GlobalContacts in one batch each, each contact's events
with one Query; a contact is written only when its score, grade or breakdown changed, with a
PartiQL UPDATE conditioned on the version it was read at (25 per request). A contact changed in
between is read again and scored again. Contacts whose score or grade moved are announced as
`contact.scored` webhooks, in one batch after the pass.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from functions.common import audit, ddb
from functions.common.jobs import now_iso
from functions.common.models import Contact, table_name
from functions.common.rows import score_moved
from functions.dedup import store as dedup_store
from functions.dedup.classify import GlobalContactView
from functions.events import store
from functions.events.delivery import queue_scored
from functions.events.model import Event
from functions.score.icp import build_profile, evaluate_tier
from functions.score.scoring import ScoreResult, rule_text, score
from functions.score.signals import event_signals
from functions.score.stage import workspace_models

MAX_ROUNDS = 5


def rescore_contacts(workspace_id: str, events: Sequence[Event], now: datetime) -> int:
    """Re-score the workspace's contacts named by `events` (an email that is not one of its
    contacts has nothing to score); returns how many were rewritten."""
    emails = sorted({e.email for e in events})
    if not emails:
        return 0
    rules, model = workspace_models(workspace_id)
    written = 0
    scored: list[tuple[str, str, int]] = []  # (contact id, email, version) whose score or grade moved
    todo = emails
    for _ in range(MAX_ROUNDS):
        contacts = store.contacts_by_email(workspace_id, todo)
        live = [c for c in contacts.values() if not c.get("is_deleted")]
        if not live:
            queue_scored(workspace_id, scored)
            return written
        companies = dedup_store.companies(c["company_domain"] for c in live if c.get("company_domain"))
        globals_ = dedup_store.global_contacts(c["email"] for c in live)
        timelines = store.scoring_events(workspace_id, [c["email"] for c in live])
        statements: list[ddb.Statement] = []
        order: list[tuple[str, str, int, bool]] = []
        for contact in live:
            history = globals_.get(contact["email"])
            signals = event_signals(((e.type, e) for e in timelines[contact["email"]]), model.events, now)
            profile = build_profile(
                contact.get("fields") or {}, companies.get(contact.get("company_domain") or "")
            )
            result = score(
                model, profile, GlobalContactView.from_item(history) if history else None, signals=signals
            )
            tier = evaluate_tier(rules, profile)
            changes = _changes(contact, result, rule_text(tier, result))
            if changes is None:
                continue
            version = int(contact.get("version") or 1) + 1
            moved = score_moved(contact, result.score, result.grade)
            order.append((contact["email"], contact["contact_id"], version, moved))
            statements.append(
                dedup_store.update(
                    table_name(Contact),
                    {"workspace_id": workspace_id, "email": contact["email"]},
                    {
                        **changes,
                        **audit.stamp("events", "rescore"),
                        "updated_at": now_iso(),
                        "version": version,
                    },
                    condition="version=?" if contact.get("version") is not None else "version IS MISSING",
                    condition_params=(contact["version"],) if contact.get("version") is not None else (),
                )
            )
        retry = []
        for (email, contact_id, version, moved), outcome in zip(
            order, ddb.execute_batch(statements), strict=True
        ):
            if outcome.ok:
                written += 1
                if moved:
                    scored.append((contact_id, email, version))
            elif outcome.code == "ConditionalCheckFailed":
                retry.append(email)
            else:
                raise RuntimeError(f"unexpected DynamoDB outcome: {outcome.code}: {outcome.message}")
        if not retry:
            queue_scored(workspace_id, scored)
            return written
        todo = retry
    raise ddb.TransientStoreError(f"{len(todo)} contacts kept changing while being re-scored")


def _changes(contact: dict[str, Any], result: ScoreResult, rule: str) -> dict[str, Any] | None:
    breakdown = {"rule": rule, **result.breakdown}
    if (
        contact.get("lead_score") == result.score
        and contact.get("grade") == result.grade
        and _plain(contact.get("score_breakdown")) == _plain(breakdown)
    ):
        return None
    return {"lead_score": result.score, "grade": result.grade, "score_breakdown": breakdown}


def _plain(value: Any) -> Any:
    # what DynamoDB gives back (ints for whole floats) compared with what we would write
    return ddb.from_item({"v": ddb.to_av(value)})["v"] if value is not None else None
