"""Enrich a batch of contacts: cache first, one provider call per contact not freshly cached.

Pure apart from its two ports (provider and cache) and a clock value passed in, so every rule
here is unit-tested with fakes.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum

from functions.common.rows import Row
from functions.enrich.cache import CacheEntry, CachePolicy, email_hash, require_aware
from functions.enrich.errors import ProviderUnavailable
from functions.enrich.models import EnrichmentResult, PersonHints, ResultStatus
from functions.enrich.ports import CachePort, EnrichmentProvider

log = logging.getLogger(__name__)

# DynamoDB BatchWriteItem takes 25 items; flushing at that size makes each flush one request.
FLUSH_SIZE = 25
DEFAULT_MAX_CONSECUTIVE_FAILURES = 25

COUNTERS: tuple[str, ...] = (
    "requested",
    "cache_hits",
    "provider_calls",
    "enriched",
    "not_found",
    "failed",
    "not_enriched",
)


@dataclass(frozen=True, slots=True)
class EnrichmentRequest:
    """One contact to enrich. `key` is the caller's handle (the row number) and comes back as is."""

    key: Hashable
    email: str
    hints: PersonHints = field(default_factory=PersonHints)

    @classmethod
    def from_row(cls, row: Row) -> EnrichmentRequest | None:
        """None for a row that is finished (errored) or has no email: there is nothing to look up."""
        if row.error or not row.email:
            return None
        return cls(row.number, row.email, PersonHints.from_fields(row.fields))


class ItemStatus(StrEnum):
    ENRICHED = "enriched"
    NOT_FOUND = "not_found"
    FAILED = "failed"
    # the call limit was reached before this contact's turn; not an error
    NOT_ENRICHED = "not_enriched"


_STATUS_OF = {
    ResultStatus.FOUND: ItemStatus.ENRICHED,
    ResultStatus.NOT_FOUND: ItemStatus.NOT_FOUND,
    ResultStatus.FAILED: ItemStatus.FAILED,
}


@dataclass(frozen=True, slots=True)
class ItemOutcome:
    key: Hashable
    email_hash: str
    status: ItemStatus
    result: EnrichmentResult | None
    from_cache: bool


@dataclass(slots=True)
class EnrichmentOutcome:
    """Per-item outcomes in input order, and counters.

    enriched + not_found + failed + not_enriched == requested; cache_hits counts items answered
    from the cache; provider_calls counts calls (one per distinct email, so a duplicate email in
    the batch costs one call).
    """

    items: list[ItemOutcome]
    counters: dict[str, int]

    def by_key(self) -> dict[Hashable, ItemOutcome]:
        return {item.key: item for item in self.items}


def _plan(
    hashes: Sequence[str],
    cached: Mapping[str, CacheEntry],
    *,
    now: datetime,
    force_refresh: bool,
    limit: int | None,
) -> tuple[dict[str, CacheEntry], list[str]]:
    """(fresh entries to use, distinct hashes to call within the limit), both in input order."""
    if limit is not None and limit < 0:
        raise ValueError("limit must not be negative")
    fresh: dict[str, CacheEntry] = {}
    wanted: list[str] = []
    for hash_ in dict.fromkeys(hashes):
        entry = None if force_refresh else cached.get(hash_)
        if entry is not None and entry.is_fresh(now):
            fresh[hash_] = entry
        else:
            wanted.append(hash_)
    return fresh, wanted if limit is None else wanted[:limit]


def projected_calls(
    emails: Iterable[str],
    cache: CachePort,
    *,
    now: datetime,
    force_refresh: bool = False,
    limit: int | None = None,
) -> int:
    """How many provider calls enriching these emails would make now (for the import preview)."""
    now = require_aware(now)
    hashes = list(dict.fromkeys(email_hash(e) for e in emails))
    if not hashes:
        return 0
    cached = {} if force_refresh else cache.get_many(hashes)
    _, to_call = _plan(hashes, cached, now=now, force_refresh=force_refresh, limit=limit)
    return len(to_call)


async def enrich_rows(
    items: Iterable[EnrichmentRequest],
    provider: EnrichmentProvider,
    cache: CachePort,
    *,
    now: datetime,
    force_refresh: bool = False,
    limit: int | None = None,
    concurrency: int = 8,
    policy: CachePolicy | None = None,
    max_consecutive_failures: int | None = DEFAULT_MAX_CONSECUTIVE_FAILURES,
) -> EnrichmentOutcome:
    """Enrich `items`: fresh cache entries first, then one provider call per remaining distinct
    email (at most `limit` calls; the rest are `not_enriched`), results written back to the cache.

    Found and not-found answers are cached (with `policy`'s TTLs); failures are not, so the next
    run retries them. Cache writes are flushed as results arrive, and always before an exception
    leaves: when the provider raises `QuotaExhausted` or `ProviderAuthError` mid-batch, no new
    call starts, calls already in flight finish (they may have been charged), everything answered
    so far is in the cache, and then the exception propagates — so a resume pays for nothing
    twice. `max_consecutive_failures` failed rows in a row raise `ProviderUnavailable` the same
    way (None disables it).
    """
    now = require_aware(now)
    if concurrency < 1:
        raise ValueError("concurrency must be at least 1")
    policy = policy or CachePolicy()
    requests = list(items)
    hashes = [email_hash(r.email) for r in requests]
    representative: dict[str, EnrichmentRequest] = {}
    for hash_, request in zip(hashes, requests, strict=True):
        representative.setdefault(hash_, request)

    cached: Mapping[str, CacheEntry] = {}
    if representative and not force_refresh:
        cached = await asyncio.to_thread(cache.get_many, list(representative))
    fresh, to_call = _plan(hashes, cached, now=now, force_refresh=force_refresh, limit=limit)

    answers = await _call_provider(
        [representative[h] for h in to_call],
        to_call,
        provider,
        cache,
        now=now,
        policy=policy,
        concurrency=concurrency,
        max_consecutive_failures=max_consecutive_failures,
    )

    counters = dict.fromkeys(COUNTERS, 0)
    counters["requested"] = len(requests)
    counters["provider_calls"] = len(answers)
    outcomes: list[ItemOutcome] = []
    for hash_, request in zip(hashes, requests, strict=True):
        if hash_ in fresh:
            result: EnrichmentResult | None = fresh[hash_].result
            counters["cache_hits"] += 1
        else:
            result = answers.get(hash_)
        status = _STATUS_OF[result.status] if result else ItemStatus.NOT_ENRICHED
        counters[str(status)] += 1
        outcomes.append(ItemOutcome(request.key, hash_, status, result, hash_ in fresh))
    return EnrichmentOutcome(outcomes, counters)


async def _call_provider(
    requests: list[EnrichmentRequest],
    hashes: list[str],
    provider: EnrichmentProvider,
    cache: CachePort,
    *,
    now: datetime,
    policy: CachePolicy,
    concurrency: int,
    max_consecutive_failures: int | None,
) -> dict[str, EnrichmentResult]:
    """Run the calls with `concurrency` workers; returns results by hash.

    Workers pull from one queue so the first fatal error stops new calls everywhere at once.
    """
    answers: dict[str, EnrichmentResult] = {}
    pending = iter(zip(hashes, requests, strict=True))
    unflushed: list[CacheEntry] = []
    fatal: list[BaseException] = []
    consecutive_failures = 0

    async def flush() -> None:
        if unflushed:
            batch = unflushed[:]
            unflushed.clear()
            await asyncio.to_thread(cache.put_many, batch)

    async def worker() -> None:
        nonlocal consecutive_failures
        # every exception (provider or cache) is parked in `fatal` rather than raised, so one
        # worker's failure never leaves the others running on unobserved
        try:
            for hash_, request in pending:
                if fatal:
                    return
                result = await provider.enrich(request.email, request.hints)
                answers[hash_] = result
                if result.status is ResultStatus.FAILED:
                    consecutive_failures += 1
                    if (
                        max_consecutive_failures is not None
                        and consecutive_failures >= max_consecutive_failures
                    ):
                        raise ProviderUnavailable(provider.name, consecutive_failures, result.error)
                    continue
                consecutive_failures = 0
                unflushed.append(CacheEntry.create(hash_, result, now, policy))
                if len(unflushed) >= FLUSH_SIZE:
                    await flush()
        except Exception as exc:
            fatal.append(exc)

    try:
        workers = min(concurrency, len(requests))
        if workers:
            await asyncio.gather(*(worker() for _ in range(workers)))
    finally:
        # runs on success, on a fatal provider error and on cancellation alike: whatever was
        # paid for is in the cache before anything leaves this function
        await flush()
    if fatal:
        log.warning("%s: enrichment stopped after %d call(s): %s", provider.name, len(answers), fatal[0])
        raise fatal[0]
    return answers
