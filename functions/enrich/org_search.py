"""Company name -> domain through the enrichment provider's organisation search.

A row Dedup could not resolve by the platform's own Company records (`row.meta["cn"]`, its
normalised company name) and that person enrichment left without a domain is looked up by
name: Apollo's organization search, PDL's company enrichment, or the local file provider. Only
a confident, unique answer is used (`pick`: the one candidate whose normalised name is the
row's, or a near spelling no other candidate shares).

Answers are cached in the platform-wide EnrichmentCache under `org#` + a hash of the
normalised name (never an email's hash), found for 90 days and not-found for 30 like any
enrichment; failures are not cached. One call per distinct name, within the import's call
limit. Pure apart from its two ports (searcher and cache) and a clock value passed in.
"""

from __future__ import annotations

import asyncio
import hashlib
from collections.abc import Callable, Iterable, Sequence
from dataclasses import asdict, dataclass
from datetime import datetime
from typing import Protocol, runtime_checkable

from functions.common.company_names import best_fuzzy, normalise_company_name, unique_exact
from functions.common.rows import Row
from functions.enrich.cache import CacheEntry, CachePolicy, require_aware
from functions.enrich.models import CompanyEnrichment, EnrichmentResult, ResultStatus
from functions.enrich.orchestrate import _plan
from functions.enrich.ports import CachePort

KEY_PREFIX = "org#"


def org_key(normalised: str) -> str:
    return KEY_PREFIX + hashlib.sha256(normalised.encode("utf-8")).hexdigest()


@runtime_checkable
class OrgSearcher(Protocol):
    """A provider that can find a company (with its domain) by name."""

    name: str

    async def search_organization(self, name: str) -> EnrichmentResult:
        """found (with `company.domain`), not_found, or failed; raises like `enrich` for
        problems that concern every remaining row (quota, key)."""
        ...


def pick(query: str, candidates: Iterable[CompanyEnrichment]) -> CompanyEnrichment | None:
    """The one candidate that is the company named `query` (normalised), or None."""
    by_name: dict[str, set[str]] = {}
    by_domain: dict[str, CompanyEnrichment] = {}
    for company in candidates:
        name = normalise_company_name(company.name)
        if company.domain and name:
            by_name.setdefault(name, set()).add(company.domain)
            by_domain.setdefault(company.domain, company)
    normalised = normalise_company_name(query)
    exact = by_name.get(normalised)
    domain = unique_exact(exact) if exact is not None else best_fuzzy(normalised, by_name)
    return by_domain[domain] if domain is not None else None


def company_doc(company: CompanyEnrichment) -> dict[str, object]:
    """A found company as the row carries it (`row.meta["company"]`, what Commit stores)."""
    return {k: (list(v) if isinstance(v, tuple) else v) for k, v in asdict(company).items() if v}


def searches_wanted(rows: Sequence[Row]) -> list[Row]:
    """Rows whose company name is still unresolved: Dedup found no company, nor did enrichment."""
    return [r for r in rows if r.meta.get("cn") and not r.fields.get("company_domain") and not r.error]


def wanted_calls(rows: Sequence[Row], cache: CachePort, *, now: datetime) -> int:
    """How many organisation searches these rows would cost now (for the import preview)."""
    keys = list(dict.fromkeys(org_key(r.meta["cn"]) for r in searches_wanted(rows)))
    if not keys:
        return 0
    return len(_plan(keys, cache.get_many(keys), now=require_aware(now), force_refresh=False, limit=None)[1])


def unresolved_warning(name: str, why: str) -> str:
    return (
        f"COMPANY_UNRESOLVED: no single company is named {name!r} ({why}); the contact has no company domain"
    )


@dataclass(slots=True)
class OrgOutcome:
    searched: int = 0
    calls: int = 0
    cache_hits: int = 0
    resolved: int = 0


async def resolve_by_provider(
    rows: Sequence[Row],
    searcher: OrgSearcher,
    cache: CachePort,
    *,
    now: datetime,
    force_refresh: bool = False,
    reserve: Callable[[int], int | None] | None = None,
    concurrency: int = 8,
    policy: CachePolicy | None = None,
) -> OrgOutcome:
    """Resolve the rows' unresolved company names in place: cache first, then one search per
    distinct name within what `reserve` (given the calls wanted) grants. Answers reach the cache
    before any exception leaves, so a resumed stage pays for nothing twice."""
    now = require_aware(now)
    policy = policy or CachePolicy()
    todo = searches_wanted(rows)
    outcome = OrgOutcome(searched=len(todo))
    if not todo:
        return outcome
    first: dict[str, Row] = {}
    for row in todo:
        first.setdefault(org_key(row.meta["cn"]), row)
    keys = list(first)
    cached = {} if force_refresh else await asyncio.to_thread(cache.get_many, keys)
    fresh, to_call = _plan(keys, cached, now=now, force_refresh=force_refresh, limit=None)
    if reserve is not None and to_call:
        granted = reserve(len(to_call))
        if granted is not None:
            to_call = to_call[:granted]

    answers: dict[str, EnrichmentResult] = {}
    pending = iter(to_call)
    fatal: list[BaseException] = []
    unflushed: list[CacheEntry] = []

    async def worker() -> None:
        try:
            for key in pending:
                if fatal:
                    return
                answer = await searcher.search_organization(first[key].fields["company_name"])
                answers[key] = answer
                if answer.status is not ResultStatus.FAILED:
                    unflushed.append(CacheEntry.create(key, answer, now, policy))
        except Exception as exc:
            fatal.append(exc)

    try:
        workers = min(concurrency, len(to_call))
        if workers:
            await asyncio.gather(*(worker() for _ in range(workers)))
    finally:
        if unflushed:
            await asyncio.to_thread(cache.put_many, unflushed)
    if fatal:
        raise fatal[0]
    outcome.calls = len(answers)
    paid: set[str] = set()
    for row in todo:
        key = org_key(row.meta["cn"])
        hit = key in fresh
        answer = fresh[key].result if hit else answers.get(key)
        outcome.cache_hits += hit
        row.meta["o"] = {"cached": hit, "paid": not hit and answer is not None and key not in paid}
        paid.add(key)
        name = row.fields["company_name"]
        company = answer.company if answer is not None else None
        if answer is not None and answer.status is ResultStatus.FOUND and company and company.domain:
            row.fields["company_domain"] = company.domain
            row.meta["company"] = company_doc(company)
            row.meta["o"]["status"] = "found"
            row.warnings.append(f"COMPANY_DOMAIN_RESOLVED: by provider ({name!r} -> {company.domain})")
            outcome.resolved += 1
            continue
        if answer is None:
            why = "the import's enrichment call limit was reached before it could be searched"
            row.meta["o"]["status"] = "not_enriched"
        elif answer.status is ResultStatus.FAILED:
            why = f"the provider's organisation search failed: {answer.error}; re-import to retry"
            row.meta["o"]["status"] = "failed"
        else:
            why = "neither the platform's companies nor the provider's organisation search know it"
            row.meta["o"]["status"] = "not_found"
        row.warnings.append(unresolved_warning(name, why))
    return outcome
