"""Batched re-scoring of the contacts a batch of events touched.

One pass per ingest batch, not one write per event: the contacts are read in one BatchGetItem,
the workspace's model once, companies and GlobalContacts in one batch each; each contact's
events come from the digest on its item (`events.digest`), with the batch's new events folded
in, so no Query per contact (only a contact without a digest has its timeline read, once). A
contact is written only when its score, grade, breakdown or digest changed, with a PartiQL
UPDATE conditioned on the version it was read at (25 per request). A contact changed in between
is read again and scored again. Contacts whose score or grade moved are announced as
`contact.scored` webhooks, in one batch after the pass.

Redelivered events (duplicates) are folded in too where a contact's digest lacks them: what
heals a crash between the events landing and their contact being re-scored.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from functions.common import audit, ddb
from functions.common.config_models import EventScoring
from functions.common.jobs import now_iso
from functions.common.models import Contact, table_name
from functions.common.rows import score_moved
from functions.dedup import store as dedup_store
from functions.dedup.classify import GlobalContactView
from functions.events import digest, store
from functions.events.delivery import queue_scored
from functions.events.model import Event
from functions.events.store import ScoringEvent
from functions.score.icp import build_profile, evaluate_tier
from functions.score.scoring import ScoreResult, rule_text, score
from functions.score.signals import event_signals
from functions.score.stage import workspace_models

MAX_ROUNDS = 5


def rescore_contacts(
    workspace_id: str, events: Sequence[Event], now: datetime, redelivered: Sequence[Event] = ()
) -> int:
    """Re-score the workspace's contacts named by `events` (new ones) and those whose digest
    lacks one of `redelivered` (an email that is not one of its contacts has nothing to score);
    returns how many were rewritten."""
    rules, model = workspace_models(workspace_id)
    types = digest.tracked(model.events)
    fresh: dict[str, list[Event]] = {}
    for e in events:
        fresh.setdefault(e.email, []).append(e)
    again: dict[str, list[Event]] = {}
    for e in redelivered:
        if str(e.type) in types:
            again.setdefault(e.email, []).append(e)
    batch = {email: fresh.get(email, []) + again.get(email, []) for email in {*fresh, *again}}
    if not batch:
        return 0
    written = 0
    scored: list[tuple[str, str, int]] = []  # (contact id, email, version) whose score or grade moved
    todo = sorted(batch)
    for _ in range(MAX_ROUNDS):
        contacts = store.contacts_by_email(workspace_id, todo)
        loaded = {c["email"]: digest.load(c, types) for c in contacts.values() if not c.get("is_deleted")}
        # new events re-score; redelivered ones only where the digest never learnt of them
        held = {e: d for e, d in loaded.items() if e in fresh or d is None or digest.lacks(d, again[e])}
        live = [c for c in contacts.values() if c["email"] in held]
        if not live:
            queue_scored(workspace_id, scored)
            return written
        companies = dedup_store.companies(c["company_domain"] for c in live if c.get("company_domain"))
        globals_ = dedup_store.global_contacts(c["email"] for c in live)
        # a contact without a usable digest: its timeline, once (this batch's events are in it)
        timelines = store.scoring_events(workspace_id, [e for e, d in held.items() if d is None])
        statements: list[ddb.Statement] = []
        order: list[tuple[str, str, int, bool]] = []
        for contact in live:
            email = contact["email"]
            known = held[email]
            if known is None:
                kept, entries = types, digest.fold(types, {}, [*timelines[email], *batch[email]])
            else:
                kept, entries = known[0], digest.fold(known[0], known[1], batch[email])
            folded = digest.dump(kept, entries)
            history = globals_.get(email)
            signals = event_signals(((e.type, e) for e in digest.scoring_events(entries)), model.events, now)
            profile = build_profile(
                contact.get("fields") or {}, companies.get(contact.get("company_domain") or "")
            )
            result = score(
                model, profile, GlobalContactView.from_item(history) if history else None, signals=signals
            )
            tier = evaluate_tier(rules, profile)
            changes = _changes(contact, result, rule_text(tier, result), folded)
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


def contact_timeline(workspace_id: str, item: dict[str, Any], settings: EventScoring) -> list[ScoringEvent]:
    """One contact's events as re-scoring sees them: its digest, or its timeline if it has none."""
    known = digest.load(item, digest.tracked(settings))
    if known is not None:
        return digest.scoring_events(known[1])
    return store.scoring_events(workspace_id, [item["email"]])[item["email"]]


def _changes(contact: dict[str, Any], result: ScoreResult, rule: str, folded: str) -> dict[str, Any] | None:
    breakdown = {"rule": rule, **result.breakdown}
    if (
        contact.get("lead_score") == result.score
        and contact.get("grade") == result.grade
        and _plain(contact.get("score_breakdown")) == _plain(breakdown)
        and contact.get(digest.ATTR) == folded
    ):
        return None
    return {
        "lead_score": result.score,
        "grade": result.grade,
        "score_breakdown": breakdown,
        digest.ATTR: folded,
    }


def _plain(value: Any) -> Any:
    # what DynamoDB gives back (ints for whole floats) compared with what we would write
    return ddb.from_item({"v": ddb.to_av(value)})["v"] if value is not None else None
