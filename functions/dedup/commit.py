"""Commit: the arbiter. Claims ownership and writes contacts with conditional statements.

Deduplicate only classified; here the conditional writes decide. A client import first claims
each email on its GlobalContact (`functions.common.ownership`): a new email is one INSERT of
the identity and the claim together; an existing one is taken over with an UPDATE whose
condition names the exact previous owner (or that there is none), and the owner it replaced
goes to the ClientAssignments history. A row whose claim is lost becomes `skipped` and
writes nothing. Then contacts are inserted (INSERT fails if a concurrent writer created it:
the row is merged on top instead) or updated under a version condition; a row that would
change nothing is `updated` with reason UNCHANGED and writes nothing.

Safe to run twice: a contact already written by this job (`last_job`) is not written again
and keeps the status it got the first time, and a claim already held by this client is kept,
so counters never double.
"""

from __future__ import annotations

import random
import zlib
from collections.abc import Mapping
from typing import Any

from functions.common import company_index, ddb, faults, ownership
from functions.common.company_names import normalise_company_name
from functions.common.contact_ids import new_contact_id
from functions.common.context import JobContext
from functions.common.models import ClientAssignment, Company, Contact, GlobalContact, table_name
from functions.common.rows import Reason, Row, RowResult, RowStatus, reason_text, score_moved
from functions.common.stage import decision
from functions.dedup import store
from functions.dedup.classify import AssignmentView, owned_reason
from functions.dedup.merge import merge_contact

MAX_ROUNDS = 5
ACTIVE = "ACTIVE"


def commit_rows(ctx: JobContext, rows: list[Row]) -> list[RowResult]:
    """Write every row that survived the earlier stages; one result per input row, in order."""
    with faults.scope(ctx.workspace_id):
        return _commit_rows(ctx, rows)


def _commit_rows(ctx: JobContext, rows: list[Row]) -> list[RowResult]:
    results: dict[int, RowResult] = {}
    todo: dict[str, Row] = {}
    for row in rows:
        d = decision(row)
        if row.error:
            results[row.number] = RowResult(
                row.number,
                RowStatus.ERROR,
                reason_text(row.error, row.error_detail),
                warnings=list(row.warnings),
            )
        elif d.get("action") in (None, "none"):
            results[row.number] = RowResult(
                row.number,
                RowStatus(d.get("status", "error")),
                d.get("reason", "UNDECIDED"),
                warnings=list(row.warnings),
            )
        else:
            todo[row.email or ""] = row

    if ctx.client_id:
        claimants = [r for r in todo.values() if decision(r).get("claim") and not decision(r).get("held")]
        for email, owner in claim(ctx, claimants).items():
            row = todo.pop(email)
            results[row.number] = RowResult(
                row.number, RowStatus.SKIPPED, owned_reason(owner), warnings=list(row.warnings)
            )

    faults.point("commit.after_claims")
    written = write_contacts(ctx, list(todo.values()), results)
    faults.point("commit.after_contacts")
    ensure_globals(ctx, written)
    return [results[r.number] for r in rows]


# --- ownership --------------------------------------------------------------------------------


def _claim(ctx: JobContext) -> dict[str, Any]:
    return {
        "client_id": ctx.client_id,
        "workspace_id": ctx.workspace_id,
        "priority": ctx.priority,
        "assigned_at": ctx.now,
        "expires_at": ctx.expires_at,
        "job_id": ctx.job_id,
    }


def _new_global(ctx: JobContext, row: Row, *, claimed: bool) -> dict[str, Any]:
    item = {
        "email": row.email,
        "total_sent": 0,
        "total_responses": 0,
        "response_rate": 0,
        "company_domain": row.fields.get("company_domain"),
        "first_seen_at": ctx.now,
        "first_seen_job": ctx.job_id,
    }
    return {**item, **ownership.claim_attrs(_claim(ctx))} if claimed else item


def claim(ctx: JobContext, rows: list[Row]) -> dict[str, AssignmentView]:
    """Claim every row's email for the importing client; returns the rows lost, with their owner."""
    table = table_name(GlobalContact)
    by_email = {r.email or "": r for r in rows}
    # an email the platform has never seen: its identity and the claim in one create-only write
    fresh = [e for e, r in by_email.items() if decision(r).get("create_global")]
    outcomes = store.execute(
        [store.insert(table, _new_global(ctx, by_email[e], claimed=True)) for e in fresh]
    )
    _raise_unexpected(o for o in outcomes if not o.ok and o.code != "DuplicateItem")
    contested = [e for e, o in zip(fresh, outcomes, strict=True) if not o.ok]
    contested += [e for e, r in by_email.items() if not decision(r).get("create_global")]

    lost: dict[str, AssignmentView] = {}
    for _ in range(MAX_ROUNDS):
        if not contested:
            return lost
        current = store.global_contacts(contested)
        takeovers: list[tuple[str, dict[str, Any] | None]] = []
        statements = []
        for email in contested:
            item = current.get(email)
            if item is None:  # erased meanwhile: create it again, claimed
                takeovers.append((email, None))
                statements.append(store.insert(table, _new_global(ctx, by_email[email], claimed=True)))
                continue
            previous = ownership.owner_of(item)
            view = AssignmentView.from_item(previous) if previous else None
            if view is not None and view.is_active(ctx.now_dt):
                if view.client_id != ctx.client_id:
                    lost[email] = view
                continue  # else this client already holds it (an earlier import or a retry)
            takeovers.append((email, previous))
            params: tuple[Any, ...] = ()
            if previous is None:
                condition = f"{ownership.CLIENT} IS MISSING"
            else:
                condition = f"{ownership.CLIENT}=? AND {ownership.ASSIGNED_AT}=?"
                params = (previous["client_id"], previous["assigned_at"])
            statements.append(
                store.update(
                    table,
                    {"email": email},
                    ownership.claim_attrs(_claim(ctx)),
                    condition=condition,
                    condition_params=params,
                )
            )
        outcomes = store.execute(statements)
        contested = []
        history = []
        for (email, previous), outcome in zip(takeovers, outcomes, strict=True):
            if outcome.ok:
                if previous:  # the owner replaced (its claim had expired) goes to the history
                    history.append(
                        store.insert(
                            table_name(ClientAssignment),
                            {
                                **previous,
                                "sk": ownership.history_sk(previous),
                                "superseded_by_job": ctx.job_id,
                            },
                        )
                    )
            elif outcome.code in ("DuplicateItem", "ConditionalCheckFailed"):
                contested.append(email)  # someone moved first: look again
            else:
                _raise_unexpected([outcome])
        _raise_unexpected(o for o in store.execute(history) if not o.ok and o.code != "DuplicateItem")
    if contested:
        raise store.ddb.TransientStoreError(f"{len(contested)} ownership claims kept conflicting")
    return lost


# --- contacts ---------------------------------------------------------------------------------


def _score_attrs(row: Row) -> dict[str, Any]:
    s = row.meta.get("s") or {}
    if not s:
        return {}
    return {
        "icp_tier": s["tier"],
        "lead_score": s["score"],
        "grade": s["grade"],
        "score_breakdown": compact_breakdown(s),
    }


def compact_breakdown(s: dict[str, Any]) -> dict[str, Any]:
    """What explains a stored score: the rule, the three components and the fit rules matched.

    The full breakdown (weights, bases, points per matched rule) is in the import's results and
    follows from the workspace's scoring model; keeping it on every contact would push most
    contacts over the 1 KB write unit.
    """
    b = s.get("breakdown") or {}
    out: dict[str, Any] = {"rule": s.get("rule")}
    for name in ("fit", "engagement", "intent"):
        if b.get(name) is not None:
            out[name] = b[name]
    matched = [m.get("name") for m in b.get("fit_matched") or [] if isinstance(m, dict) and m.get("name")]
    if matched:
        out["matched"] = matched
    return out


def _merge(ctx: JobContext, existing: dict[str, Any] | None, row: Row, *, tag_import: bool = True) -> Any:
    return merge_contact(
        existing,
        row.fields,
        incoming_custom=row.custom,
        no_overwrite=ctx.no_overwrite,
        import_tags=[*ctx.tags, ctx.import_tag] if tag_import else list(ctx.tags),
        dnt=ctx.dnt,
        default_lead_source=ctx.lead_source,
    )


def _unchanged(ctx: JobContext, current: dict[str, Any], row: Row) -> list[str] | None:
    """The merge's warnings when the row would change nothing the contact says (the import's
    own tag aside, which only records imports that changed something); None otherwise."""
    merged = _merge(ctx, current, row, tag_import=False)
    if merged.changed or (ctx.client_id and current.get("client_id") != ctx.client_id):
        return None
    if any(current.get(k) != v for k, v in _score_attrs(row).items()):
        return None
    return list(merged.warnings)


def write_contacts(ctx: JobContext, rows: list[Row], results: dict[int, RowResult]) -> list[Row]:
    """Insert or update each row's contact; fills `results`; returns the rows written."""
    contacts_table = table_name(Contact)
    pending = {r.email or "": r for r in rows}
    written: list[Row] = []
    # Dedup already read the workspace: a row it found new goes straight to INSERT (a concurrent
    # creator makes it fail with DuplicateItem, and the next round reads and merges)
    to_read = [e for e, r in pending.items() if decision(r).get("action") != "create"]
    for _ in range(MAX_ROUNDS):
        if not pending:
            return written
        existing = store.contacts_by_email(ctx.workspace_id, to_read) if to_read else {}
        plans: list[tuple[Row, RowStatus, str, list[str], dict[str, Any], bool]] = []
        statements = []
        for email, row in pending.items():
            current = existing.get(email)
            if current is not None and current.get("last_job") == ctx.job_id:
                # this job already wrote it (a retry): report what the first attempt decided
                status = (
                    RowStatus.IMPORTED if current.get("created_by_job") == ctx.job_id else RowStatus.UPDATED
                )
                results[row.number] = _written(
                    row,
                    status,
                    current["contact_id"],
                    [],
                    current.get("fields"),
                    rescored=current.get("scored_by_job") == ctx.job_id,
                )
                written.append(row)
                continue
            quiet = _unchanged(ctx, current, row) if current is not None else None
            if current is not None and quiet is not None:
                results[row.number] = _written(
                    row,
                    RowStatus.UPDATED,
                    current["contact_id"],
                    quiet,
                    current.get("fields"),
                    unchanged=True,
                )
                written.append(row)
                continue
            merged = _merge(ctx, current, row)
            s_new = row.meta.get("s") or {}
            if current is None:
                item = {
                    "workspace_id": ctx.workspace_id,
                    "email": email,
                    "contact_id": new_contact_id(email),
                    **merged.as_item(),
                    "client_id": ctx.client_id,
                    "created_at": ctx.now,
                    "updated_at": ctx.now,
                    "created_by_job": ctx.job_id,
                    "last_job": ctx.job_id,
                    "version": 1,
                    "is_deleted": False,
                    **_score_attrs(row),
                    **ctx.change_stamp,
                    # which job last moved the score: a retried commit reports the same contact.scored
                    "scored_by_job": ctx.job_id if s_new else None,
                }
                plans.append(
                    (row, RowStatus.IMPORTED, item["contact_id"], merged.warnings, merged.fields, bool(s_new))
                )
                statements.append(store.insert(contacts_table, item))
            else:
                sets = {
                    **merged.as_item(),
                    **_score_attrs(row),
                    "updated_at": ctx.now,
                    "last_job": ctx.job_id,
                    "version": int(current.get("version", 1)) + 1,
                    **ctx.change_stamp,
                }
                if ctx.client_id:
                    sets["client_id"] = ctx.client_id
                sets = {k: v for k, v in sets.items() if v is not None}
                moved = bool(s_new) and score_moved(current, s_new.get("score"), s_new.get("grade"))
                if moved:
                    sets["scored_by_job"] = ctx.job_id
                plans.append(
                    (row, RowStatus.UPDATED, current["contact_id"], merged.warnings, merged.fields, moved)
                )
                statements.append(
                    store.update(
                        contacts_table,
                        {"workspace_id": ctx.workspace_id, "email": email},
                        sets,
                        condition="version=?",
                        condition_params=(current.get("version", 1),),
                    )
                )
        still: dict[str, Row] = {}
        for (row, status, contact_id, warnings, fields, moved), outcome in zip(
            plans, store.execute(statements), strict=True
        ):
            if outcome.ok:
                results[row.number] = _written(row, status, contact_id, warnings, fields, rescored=moved)
                written.append(row)
            elif outcome.code in ("DuplicateItem", "ConditionalCheckFailed"):
                still[row.email or ""] = row  # a concurrent writer got there first: merge on top of it
            else:
                _raise_unexpected([outcome])
        pending = still
        to_read = list(still)
    raise store.ddb.TransientStoreError(f"{len(pending)} contacts kept conflicting with concurrent writers")


def _written(
    row: Row,
    status: RowStatus,
    contact_id: str,
    warnings: list[str],
    fields: Mapping[str, Any] | None,
    *,
    unchanged: bool = False,
    rescored: bool = False,
) -> RowResult:
    reason = Reason.NEW_CONTACT if status == RowStatus.IMPORTED else Reason.EXISTING_CONTACT
    if unchanged:
        reason = Reason.UNCHANGED
    s = row.meta.get("s") or {}
    return RowResult(
        row.number,
        status,
        reason_text(reason),
        contact_id=contact_id,
        icp_tier=s.get("tier"),
        lead_score=s.get("score"),
        grade=s.get("grade"),
        rule=s.get("rule"),
        warnings=[*row.warnings, *warnings],
        lead_source=(fields or {}).get("lead_source"),
        verification_status=(fields or {}).get("verification_status") or "unverified",
        rescored=rescored,
    )


def ensure_globals(ctx: JobContext, rows: list[Row]) -> None:
    """GlobalContact and Company records are created once; an existing one is left as it is."""
    statements = [
        store.insert(
            table_name(GlobalContact),
            {
                "email": r.email,
                "total_sent": 0,
                "total_responses": 0,
                "response_rate": 0,
                "company_domain": r.fields.get("company_domain"),
                "first_seen_at": ctx.now,
                "first_seen_job": ctx.job_id,
            },
        )
        for r in rows
        # a client import created it with its claim
        if decision(r).get("create_global", True) and not (ctx.client_id and decision(r).get("claim"))
    ]
    enriched = {
        r.fields["company_domain"]: r.meta["company"]
        for r in rows
        if r.meta.get("company") and r.fields.get("company_domain")
    }
    # the name Score found stored for an enriched company ("" when it had none, absent when new)
    stored_names = {
        r.fields["company_domain"]: r.meta.get("co_name", "")
        for r in rows
        if r.meta.get("company") and r.fields.get("company_domain") and r.meta.get("co")
    }
    if enriched:
        # fresh firmographics from the provider replace what was known of the company
        ddb.batch_put(
            table_name(Company),
            [
                {
                    **{k: v for k, v in company.items() if k != "domain"},
                    "domain": domain,
                    "updated_at": ctx.now,
                }
                for domain, company in enriched.items()
            ],
        )
    # only companies Score did not find; a concurrent chunk creating one first is a DuplicateItem
    names = {
        r.fields["company_domain"]: r.fields.get("company_name")
        for r in rows
        if r.fields.get("company_domain")
        and r.fields["company_domain"] not in enriched
        and not r.meta.get("co")
    }
    outcomes = store.execute(statements)
    _raise_unexpected(o for o in outcomes if not o.ok and o.code != "DuplicateItem")
    # the name index learns a company when it is created here, or when enrichment renamed it
    seed = min((r.email or "" for r in rows), default="")
    named = {d: n for d, n in create_companies(ctx, names, seed=seed).items() if n}
    named.update(
        (domain, company["name"])
        for domain, company in enriched.items()
        if company.get("name") and renamed(company["name"], stored_names.get(domain))
    )
    company_index.record(named)


# domains per step of `create_companies`: one consistent BatchGetItem, then their INSERTs
COMPANY_STEP = 50


def create_companies(
    ctx: JobContext, names: Mapping[str, str | None], *, seed: str = ""
) -> dict[str, str | None]:
    """Create the Companies (domain -> name) that do not exist yet; returns those created here.

    The chunks of a first import run at once and share most of their domains (a file of 20,000
    rows at 1,000 companies has every company in every chunk), so each would try to create them
    all: a refused conditional write per chunk and domain, billed like a write (and on DynamoDB
    Local as costly as one, on a table with a stream). Instead a chunk takes its sorted domains
    in steps, in an order of its own (shuffled by `seed`, e.g. its first email, so concurrent
    chunks are seldom on the same step at once), and reads each step's keys, consistently, just
    before writing it: what another chunk created a moment ago costs a read, and each Company is
    written about once per first import, not once per chunk.
    """
    domains = sorted(names)
    if not domains:
        return {}
    steps = [domains[i : i + COMPANY_STEP] for i in range(0, len(domains), COMPANY_STEP)]
    random.Random(zlib.crc32(seed.encode())).shuffle(steps)
    created: dict[str, str | None] = {}
    for step in steps:
        known = store.companies(step)
        todo = [d for d in step if d not in known]
        outcomes = store.execute(
            [
                store.insert(table_name(Company), {"domain": d, "name": names[d], "updated_at": ctx.now})
                for d in todo
            ]
        )
        # a DuplicateItem: a concurrent chunk created it between the read and the write
        _raise_unexpected(o for o in outcomes if not o.ok and o.code != "DuplicateItem")
        created.update((d, names[d]) for d, o in zip(todo, outcomes, strict=True) if o.ok)
    return created


def renamed(name: str, stored: str | None) -> bool:
    """True for a new company (`stored` None) or a stored one whose name reads differently now."""
    return stored is None or normalise_company_name(name) != normalise_company_name(stored)


def _raise_unexpected(outcomes: Any) -> None:
    for outcome in outcomes:
        raise RuntimeError(f"unexpected DynamoDB outcome: {outcome.code}: {outcome.message}")
