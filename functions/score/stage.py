"""Segment + Score (read only): ICP tier by the workspace's rules, lead score and grade."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

from functions.common import config_store
from functions.common.config_models import (
    EventScoring,
    IcpRuleSet,
    ScoringModelDoc,
    load_icp_rules,
    load_scoring_model,
)
from functions.common.context import JobContext
from functions.common.rows import Row
from functions.common.stage import finished
from functions.dedup import store
from functions.dedup.classify import GlobalContactView
from functions.events import digest
from functions.events import store as events_store
from functions.score.icp import build_profile, evaluate_tier
from functions.score.scoring import rule_text, score
from functions.score.signals import ScoredEvent, event_signals


def workspace_models(workspace_id: str) -> tuple[IcpRuleSet, ScoringModelDoc]:
    rules = config_store.get_doc(workspace_id, config_store.ICP_RULES)
    model = config_store.get_doc(workspace_id, config_store.SCORING_MODEL)
    return (
        load_icp_rules(rules) if rules is not None else IcpRuleSet([]),
        load_scoring_model(model) if model is not None else ScoringModelDoc(),
    )


def score_rows(
    ctx: JobContext,
    rows: list[Row],
    *,
    events: Mapping[str, Sequence[tuple[str, ScoredEvent]]] | None = None,
    now: datetime | None = None,
) -> list[Row]:
    """`events`: (type, event) pairs per email, for contacts whose engagement timeline is known
    (a PATCH reads it); without it, a row of a stored contact scores with the events of the
    digest dedup put in `meta["ev"]` (an import or enrichment keeps the points engagement earned),
    all scored at `now` as `events.rescore` scores them."""
    live = [r for r in rows if not finished(r)]
    if not live:
        return rows
    rules, model = workspace_models(ctx.workspace_id)
    if events is None:
        events = stored_events(ctx.workspace_id, live, model.events)
    # eventually consistent (half the read units): firmographics a few ms old score the same, and
    # commit's create-only insert arbitrates a company another chunk has just created
    companies = store.companies(
        (r.fields["company_domain"] for r in live if r.fields.get("company_domain")), consistent=False
    )
    for row in live:
        stored = companies.get(row.fields.get("company_domain") or "")
        if stored is not None:
            row.meta["co"] = True  # the Company record exists: commit need not create it
            if row.meta.get("company"):
                # enrichment replaces the record: commit re-files it by name only if renamed
                row.meta["co_name"] = stored.get("name") or ""
        company = row.meta.get("company") or stored
        profile = build_profile(row.fields, company)
        # derived from the title when the file did not say: what segments and rules look at
        for name in ("seniority", "department"):
            value = getattr(profile, name)
            if value and not row.fields.get(name):
                row.fields[name] = value
        tier = evaluate_tier(rules, profile)
        history = (
            GlobalContactView.from_item({"email": row.email, **row.meta["g"]}) if row.meta.get("g") else None
        )
        timeline = (events or {}).get(row.email or "")
        signals = event_signals(timeline, model.events, now or datetime.now(UTC)) if timeline else None
        result = score(model, profile, history, signals=signals)
        row.meta["s"] = {
            "tier": tier.tier,
            "rule": rule_text(tier, result),
            "score": result.score,
            "grade": result.grade,
            "breakdown": result.breakdown,
        }
    return rows


def keep_digest(row: Row, item: Mapping[str, Any] | None) -> None:
    """Carry a stored contact's re-scoring digest on its row, for `score_rows`."""
    if item and item.get(digest.ATTR):
        row.meta["ev"] = item[digest.ATTR]


def stored_events(
    workspace_id: str, rows: Sequence[Row], settings: EventScoring
) -> dict[str, list[tuple[str, ScoredEvent]]]:
    """The engagement events of the stored contacts these rows carry a digest of; a digest that
    cannot be trusted (too many events, or the model scores a type it never tracked) is replaced
    by the contact's timeline, read in one go for all such rows."""
    types = digest.tracked(settings)
    out: dict[str, list[tuple[str, ScoredEvent]]] = {}
    unread: list[str] = []
    for row in rows:
        raw = row.meta.get("ev")
        if not raw or not row.email:
            continue
        known = digest.load({digest.ATTR: raw}, types)
        if known is None:
            unread.append(row.email)
        else:
            out[row.email] = [(e.type, e) for e in digest.scoring_events(known[1])]
    if unread:
        for email, timeline in events_store.scoring_events(workspace_id, unread).items():
            out[email] = [(e.type, e) for e in timeline]
    return out
