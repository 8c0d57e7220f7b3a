"""Deduplicate (read only): classify each row against GlobalContact (with its ownership claim) and Contacts.

The decision travels in `row.meta["d"]`; Commit acts on it and has the last word on ownership.
"""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from functions.common import company_index, ownership
from functions.common.company_names import normalise_company_name
from functions.common.context import JobContext
from functions.common.rows import Row
from functions.common.stage import finished
from functions.dedup import store
from functions.dedup.classify import (
    AssignmentView,
    Classification,
    ContactView,
    ExistingState,
    GlobalContactView,
    ImportPurpose,
    classify,
)
from functions.score.stage import keep_digest


def decision_doc(c: Classification) -> dict[str, Any]:
    doc: dict[str, Any] = {
        "status": str(c.status),
        "code": str(c.code),
        "reason": c.reason,
        "action": str(c.action),
        "claim": c.claim,
        "create_global": c.create_global,
    }
    if c.contact_id:
        doc["contact_id"] = c.contact_id
    if c.warnings:
        doc["warnings"] = list(c.warnings)
    return doc


def resolve_company_domains(ctx: JobContext, rows: list[Row]) -> None:
    """A row with a company name but no domain (none in the file, none from a work email) takes
    the domain of the one Company on record with that name; with enrichment on, what is left
    goes to the provider's organisation search (`row.meta["cn"]`, Enrich), else it is a warning.
    """
    wanted = {
        r.number: normalised
        for r in rows
        if not finished(r)
        and not r.fields.get("company_domain")
        and (normalised := normalise_company_name(r.fields.get("company_name")))
    }
    if not wanted:
        return
    found = company_index.resolve(wanted.values())
    enrich = bool(ctx.options.get("enrich"))
    for row in rows:
        name = wanted.get(row.number)
        if name is None:
            continue
        domain = found.get(name)
        if domain is not None:
            row.fields["company_domain"] = domain
            row.warnings.append(
                f"COMPANY_DOMAIN_RESOLVED: by name ({row.fields['company_name']!r} -> {domain})"
            )
        elif enrich:
            row.meta["cn"] = name
        else:
            row.warnings.append(unresolved_warning(row.fields["company_name"]))


def unresolved_warning(name: str) -> str:
    return f"COMPANY_UNRESOLVED: no single known company is named {name!r}; the contact has no company domain"


def dedup_rows(ctx: JobContext, rows: list[Row]) -> list[Row]:
    resolve_company_domains(ctx, rows)
    live = [r for r in rows if not finished(r) and r.email]
    emails = [r.email for r in live if r.email]
    contacts = store.contacts_by_email(ctx.workspace_id, emails)
    globals_ = store.global_contacts(emails)
    by_id: dict[str, dict[str, Any]] = {}
    if ImportPurpose(ctx.purpose) is ImportPurpose.UPDATE:
        ids = [str(r.fields["contact_id"]) for r in live if r.fields.get("contact_id")]
        by_id = store.contacts_by_id(ctx.workspace_id, ids)
    now = ctx.now_dt
    for row in live:
        email = row.email or ""
        g, c = globals_.get(email), contacts.get(email)
        a = ownership.owner_of(g)
        by = by_id.get(str(row.fields.get("contact_id") or ""))
        existing = ExistingState(
            global_contact=GlobalContactView.from_item(g) if g else None,
            assignment=AssignmentView.from_item(a) if a else None,
            contact=ContactView.from_item(c) if c else None,
            contact_by_id=ContactView.from_item(by) if by else None,
        )
        result = classify(row.fields, ctx.client_id, ctx.purpose, now, existing)
        row.meta["d"] = decision_doc(result)
        if g:
            row.meta["g"] = {
                k: g.get(k) for k in ("total_sent", "total_responses", "response_rate", "bounce_status")
            }
        keep_digest(row, c)
        held = existing.assignment
        if result.claim and held is not None and held.client_id == ctx.client_id and held.is_active(now):
            row.meta["d"]["held"] = True  # this client already owns it: commit writes no claim
        if result.owner is not None:
            row.meta["owner"] = {k: str(v) for k, v in asdict(result.owner).items() if v is not None}
    return rows
