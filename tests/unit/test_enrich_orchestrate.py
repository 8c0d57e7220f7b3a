"""enrich_rows / projected_calls against a scripted provider and the in-memory cache."""

from __future__ import annotations

import asyncio
import hashlib
from collections.abc import Coroutine, Mapping, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any, TypeVar

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from functions.common.rows import Row
from functions.enrich.cache import CacheEntry, CachePolicy, email_hash
from functions.enrich.errors import ProviderAuthError, ProviderUnavailable, QuotaExhausted
from functions.enrich.models import (
    CompanyEnrichment,
    ContactEnrichment,
    EnrichmentResult,
    FailureCode,
    PersonHints,
    ResultStatus,
)
from functions.enrich.orchestrate import (
    COUNTERS,
    EnrichmentRequest,
    ItemStatus,
    enrich_rows,
    projected_calls,
)
from tests.stubs.enrichment_cache import InMemoryCache

NOW = datetime(2025, 6, 1, 9, 0, tzinfo=UTC)
T = TypeVar("T")


def run(coro: Coroutine[Any, Any, T]) -> T:
    return asyncio.run(coro)


def found(provider: str = "scripted", title: str = "VP of Sales") -> EnrichmentResult:
    return EnrichmentResult.found(
        provider,
        ContactEnrichment(title=title, seniority="vp"),
        CompanyEnrichment(name="Acme", domain="acme.com", tech_stack=("Salesforce",)),
    )


class ScriptedProvider:
    """Answers by email: a result, or an exception to raise. Unscripted emails are found."""

    name = "scripted"

    def __init__(self, script: Mapping[str, EnrichmentResult | Exception] | None = None, delay: float = 0.0):
        self.script = script or {}
        self.delay = delay
        self.calls: list[str] = []
        self.in_flight = 0
        self.max_in_flight = 0

    async def enrich(self, email: str, hints: PersonHints) -> EnrichmentResult:
        self.calls.append(email)
        self.in_flight += 1
        self.max_in_flight = max(self.max_in_flight, self.in_flight)
        try:
            await asyncio.sleep(self.delay)
            answer = self.script.get(email, found())
            if isinstance(answer, Exception):
                raise answer
            return answer
        finally:
            self.in_flight -= 1


def title(result: EnrichmentResult | None) -> str | None:
    assert result is not None and result.contact is not None
    return result.contact.title


def stored(cache: InMemoryCache, email: str) -> EnrichmentResult:
    entry = cache.entry(email_hash(email))
    assert entry is not None, f"{email} is not cached"
    return entry.result


def requests(*emails: str) -> list[EnrichmentRequest]:
    return [EnrichmentRequest(n, e) for n, e in enumerate(emails, start=1)]


def cached(email: str, result: EnrichmentResult, fetched: datetime) -> CacheEntry:
    return CacheEntry.create(email_hash(email), result, fetched, CachePolicy())


def test_email_hash_is_sha256_hex_of_the_canonical_email() -> None:
    expected = hashlib.sha256(b"ann.lee@acme.com").hexdigest()
    assert email_hash("ann.lee@acme.com") == expected
    assert email_hash("  Ann.Lee@ACME.com ") == expected
    assert email_hash("ann.lee+x@acme.com") != expected, "+tags are part of the identity"


def test_a_fresh_cache_entry_answers_without_a_provider_call() -> None:
    cache = InMemoryCache([cached("a@acme.com", found(title="CTO"), NOW - timedelta(days=89))])
    provider = ScriptedProvider()
    outcome = run(enrich_rows(requests("a@acme.com"), provider, cache, now=NOW))
    assert provider.calls == []
    (item,) = outcome.items
    assert item.status is ItemStatus.ENRICHED and item.from_cache
    assert title(item.result) == "CTO"
    assert outcome.counters["cache_hits"] == 1 and outcome.counters["provider_calls"] == 0


def test_an_entry_older_than_90_days_is_stale_and_re_enriched() -> None:
    cache = InMemoryCache([cached("a@acme.com", found(title="CTO"), NOW - timedelta(days=91))])
    provider = ScriptedProvider({"a@acme.com": found(title="CEO")})
    outcome = run(enrich_rows(requests("a@acme.com"), provider, cache, now=NOW))
    assert provider.calls == ["a@acme.com"]
    assert title(outcome.items[0].result) == "CEO"
    assert title(stored(cache, "a@acme.com")) == "CEO"


def test_not_found_is_cached_for_30_days_only() -> None:
    entry = cached("gone@acme.com", EnrichmentResult.not_found("scripted"), NOW)
    assert entry.expires_at - entry.fetched_at == timedelta(days=30)
    cache = InMemoryCache([entry])
    provider = ScriptedProvider()
    run(enrich_rows(requests("gone@acme.com"), provider, cache, now=NOW + timedelta(days=29)))
    assert provider.calls == []
    run(enrich_rows(requests("gone@acme.com"), provider, cache, now=NOW + timedelta(days=31)))
    assert provider.calls == ["gone@acme.com"]


def test_force_refresh_calls_the_provider_even_for_fresh_entries() -> None:
    cache = InMemoryCache([cached("a@acme.com", found(title="CTO"), NOW)])
    provider = ScriptedProvider({"a@acme.com": found(title="CEO")})
    outcome = run(enrich_rows(requests("a@acme.com"), provider, cache, now=NOW, force_refresh=True))
    assert provider.calls == ["a@acme.com"]
    assert outcome.counters["cache_hits"] == 0
    assert cache.get_calls == [], "force_refresh does not even read the cache"
    assert title(stored(cache, "a@acme.com")) == "CEO"


def test_one_call_per_distinct_email_even_when_a_batch_repeats_it() -> None:
    provider = ScriptedProvider()
    outcome = run(
        enrich_rows(requests("a@acme.com", "A@Acme.com", "b@acme.com"), provider, InMemoryCache(), now=NOW)
    )
    assert sorted(provider.calls) == ["a@acme.com", "b@acme.com"]
    assert [i.status for i in outcome.items] == [ItemStatus.ENRICHED] * 3
    assert outcome.counters["provider_calls"] == 2 and outcome.counters["enriched"] == 3


def test_found_and_not_found_are_written_back_but_failures_are_not() -> None:
    provider = ScriptedProvider(
        {
            "miss@acme.com": EnrichmentResult.not_found("scripted"),
            "flaky@acme.com": EnrichmentResult.failed("scripted", FailureCode.TIMEOUT),
        }
    )
    cache = InMemoryCache()
    outcome = run(
        enrich_rows(requests("hit@acme.com", "miss@acme.com", "flaky@acme.com"), provider, cache, now=NOW)
    )
    assert set(cache.items) == {email_hash("hit@acme.com"), email_hash("miss@acme.com")}
    assert stored(cache, "miss@acme.com").status is ResultStatus.NOT_FOUND
    assert outcome.counters == {
        "requested": 3,
        "cache_hits": 0,
        "provider_calls": 3,
        "enriched": 1,
        "not_found": 1,
        "failed": 1,
        "not_enriched": 0,
    }


def test_a_re_import_pays_nothing_twice() -> None:
    provider = ScriptedProvider({"miss@acme.com": EnrichmentResult.not_found("scripted")})
    cache = InMemoryCache()
    batch = requests("hit@acme.com", "miss@acme.com")
    run(enrich_rows(batch, provider, cache, now=NOW))
    again = run(enrich_rows(batch, provider, cache, now=NOW + timedelta(days=1)))
    assert len(provider.calls) == 2
    assert again.counters["cache_hits"] == 2 and again.counters["provider_calls"] == 0


def test_limit_stops_calling_after_n_calls_and_marks_the_rest_not_enriched() -> None:
    cache = InMemoryCache([cached("c@acme.com", found(), NOW)])
    provider = ScriptedProvider()
    batch = requests("a@acme.com", "b@acme.com", "c@acme.com", "d@acme.com", "e@acme.com")
    outcome = run(enrich_rows(batch, provider, cache, now=NOW, limit=2, concurrency=1))
    assert provider.calls == ["a@acme.com", "b@acme.com"]
    assert [i.status for i in outcome.items] == [
        ItemStatus.ENRICHED,
        ItemStatus.ENRICHED,
        ItemStatus.ENRICHED,
        ItemStatus.NOT_ENRICHED,
        ItemStatus.NOT_ENRICHED,
    ]
    assert outcome.counters["not_enriched"] == 2 and outcome.counters["cache_hits"] == 1
    assert outcome.items[3].result is None


def test_limit_zero_makes_no_call() -> None:
    provider = ScriptedProvider()
    outcome = run(enrich_rows(requests("a@acme.com"), provider, InMemoryCache(), now=NOW, limit=0))
    assert provider.calls == [] and outcome.counters["not_enriched"] == 1


def test_quota_exhausted_mid_batch_propagates_after_caching_what_was_paid_for() -> None:
    emails = [f"p{i}@acme.com" for i in range(10)]
    provider = ScriptedProvider({"p4@acme.com": QuotaExhausted("scripted")})
    cache = InMemoryCache()
    with pytest.raises(QuotaExhausted, match="enrichment quota exhausted for scripted"):
        run(enrich_rows(requests(*emails), provider, cache, now=NOW, concurrency=1))
    assert set(cache.items) == {email_hash(e) for e in emails[:4]}
    assert "p5@acme.com" not in provider.calls, "no new call starts after the quota error"

    # resume: the four already paid for come from the cache; only the rest are called
    resumed = ScriptedProvider()
    outcome = run(enrich_rows(requests(*emails), resumed, cache, now=NOW, concurrency=1))
    assert resumed.calls == emails[4:]
    assert outcome.counters["cache_hits"] == 4 and outcome.counters["enriched"] == 10


def test_calls_in_flight_when_quota_runs_out_still_reach_the_cache() -> None:
    emails = [f"p{i}@acme.com" for i in range(8)]

    class QuotaOnFirst(ScriptedProvider):
        async def enrich(self, email: str, hints: PersonHints) -> EnrichmentResult:
            if email == "p0@acme.com":
                self.calls.append(email)
                await asyncio.sleep(0.01)  # the other workers have sent their calls by now
                raise QuotaExhausted("scripted")
            return await super().enrich(email, hints)

    provider = QuotaOnFirst(delay=0.05)
    cache = InMemoryCache()
    with pytest.raises(QuotaExhausted):
        run(enrich_rows(requests(*emails), provider, cache, now=NOW, concurrency=4))
    # p1..p3 were in flight alongside p0: they finish and are cached; nothing later starts
    assert sorted(provider.calls) == emails[:4]
    assert set(cache.items) == {email_hash(e) for e in emails[1:4]}


def test_auth_error_propagates_the_same_way() -> None:
    provider = ScriptedProvider({"b@acme.com": ProviderAuthError("scripted")})
    cache = InMemoryCache()
    with pytest.raises(ProviderAuthError):
        run(
            enrich_rows(
                requests("a@acme.com", "b@acme.com", "c@acme.com"), provider, cache, now=NOW, concurrency=1
            )
        )
    assert set(cache.items) == {email_hash("a@acme.com")}


def test_a_run_of_failures_trips_provider_unavailable_after_caching_earlier_answers() -> None:
    down = EnrichmentResult.failed("scripted", FailureCode.PROVIDER_UNAVAILABLE, "HTTP 503")
    emails = ["ok@acme.com"] + [f"x{i}@acme.com" for i in range(10)]
    provider = ScriptedProvider({e: down for e in emails[1:]})
    cache = InMemoryCache()
    with pytest.raises(ProviderUnavailable, match="3 consecutive rows failed"):
        run(
            enrich_rows(
                requests(*emails), provider, cache, now=NOW, concurrency=1, max_consecutive_failures=3
            )
        )
    assert len(provider.calls) == 4
    assert set(cache.items) == {email_hash("ok@acme.com")}


def test_a_success_resets_the_consecutive_failure_count() -> None:
    down = EnrichmentResult.failed("scripted", FailureCode.TIMEOUT)
    script = {f"x{i}@acme.com": down for i in range(6) if i % 3 != 2}
    outcome = run(
        enrich_rows(
            requests(*(f"x{i}@acme.com" for i in range(6))),
            ScriptedProvider(script),
            InMemoryCache(),
            now=NOW,
            concurrency=1,
            max_consecutive_failures=3,
        )
    )
    assert outcome.counters["failed"] == 4 and outcome.counters["enriched"] == 2


def test_concurrency_bounds_calls_in_flight() -> None:
    provider = ScriptedProvider(delay=0.01)
    emails = [f"p{i}@acme.com" for i in range(40)]
    run(enrich_rows(requests(*emails), provider, InMemoryCache(), now=NOW, concurrency=5))
    assert provider.max_in_flight == 5
    assert len(provider.calls) == 40


def test_cache_writes_are_batched_for_dynamodb() -> None:
    cache = InMemoryCache()
    run(enrich_rows(requests(*(f"p{i}@acme.com" for i in range(60))), ScriptedProvider(), cache, now=NOW))
    assert [len(batch) for batch in cache.put_calls] == [25, 25, 10]


def test_a_cache_write_failure_stops_the_batch_and_propagates() -> None:
    class BrokenCache(InMemoryCache):
        def put_many(self, entries: Sequence[CacheEntry]) -> None:
            raise ConnectionError("DynamoDB unreachable")

    provider = ScriptedProvider()
    emails = [f"p{i}@acme.com" for i in range(60)]
    with pytest.raises(ConnectionError):
        run(enrich_rows(requests(*emails), provider, BrokenCache(), now=NOW, concurrency=1))
    assert len(provider.calls) == 25, "no call starts after the failed write"


def test_items_come_back_in_input_order_with_their_keys() -> None:
    batch = [EnrichmentRequest(key, f"{key}@acme.com") for key in (7, 3, 11)]
    outcome = run(enrich_rows(batch, ScriptedProvider(delay=0.001), InMemoryCache(), now=NOW))
    assert [i.key for i in outcome.items] == [7, 3, 11]
    assert set(outcome.by_key()) == {7, 3, 11}


def test_a_naive_now_is_refused() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        run(
            enrich_rows(requests("a@acme.com"), ScriptedProvider(), InMemoryCache(), now=datetime(2025, 1, 1))
        )


@settings(max_examples=60, suppress_health_check=[HealthCheck.too_slow], deadline=None)
@given(
    plan=st.lists(
        st.tuples(
            st.integers(min_value=0, max_value=11),  # which of 12 emails (so duplicates occur)
            st.sampled_from(["found", "not_found", "failed"]),
            st.sampled_from(["none", "fresh", "stale"]),
        ),
        max_size=30,
    ),
    limit=st.one_of(st.none(), st.integers(min_value=0, max_value=15)),
    force_refresh=st.booleans(),
)
def test_counters_always_add_up(
    plan: list[tuple[int, str, str]], limit: int | None, force_refresh: bool
) -> None:
    script: dict[str, EnrichmentResult | Exception] = {}
    entries: dict[str, CacheEntry] = {}
    for index, answer, cached_as in plan:
        email = f"p{index}@acme.com"
        script[email] = {
            "found": found(),
            "not_found": EnrichmentResult.not_found("scripted"),
            "failed": EnrichmentResult.failed("scripted", FailureCode.TIMEOUT),
        }[answer]
        if cached_as != "none":
            age = timedelta(days=1 if cached_as == "fresh" else 200)
            entries[email] = cached(email, found(), NOW - age)
    cache = InMemoryCache(list(entries.values()))
    provider = ScriptedProvider(script)
    batch = requests(*(f"p{index}@acme.com" for index, _, _ in plan))
    outcome = run(
        enrich_rows(
            batch,
            provider,
            cache,
            now=NOW,
            limit=limit,
            force_refresh=force_refresh,
            max_consecutive_failures=None,
        )
    )
    c = outcome.counters
    assert set(c) == set(COUNTERS)
    assert c["requested"] == len(batch)
    assert c["enriched"] + c["not_found"] + c["failed"] + c["not_enriched"] == c["requested"]
    assert c["provider_calls"] == len(provider.calls) == len(set(provider.calls))
    if limit is not None:
        assert c["provider_calls"] <= limit
    if force_refresh:
        assert c["cache_hits"] == 0
    distinct = {e for e in (f"p{i}@acme.com" for i, _, _ in plan)}
    projected = projected_calls(
        distinct, InMemoryCache(list(entries.values())), now=NOW, force_refresh=force_refresh, limit=limit
    )
    assert projected == c["provider_calls"], "the preview predicts exactly the calls made"


def test_projected_calls_counts_distinct_emails_not_freshly_cached() -> None:
    cache = InMemoryCache(
        [
            cached("fresh@acme.com", found(), NOW - timedelta(days=10)),
            cached("stale@acme.com", found(), NOW - timedelta(days=100)),
            cached("miss@acme.com", EnrichmentResult.not_found("scripted"), NOW - timedelta(days=5)),
        ]
    )
    emails = ["fresh@acme.com", "stale@acme.com", "miss@acme.com", "new@acme.com", "NEW@acme.com"]
    assert projected_calls(emails, cache, now=NOW) == 2
    assert projected_calls(emails, cache, now=NOW, force_refresh=True) == 4
    assert projected_calls(emails, cache, now=NOW, limit=1) == 1
    assert projected_calls([], cache, now=NOW) == 0


def test_request_from_row_skips_finished_rows_and_carries_hints() -> None:
    row = Row(
        4,
        [],
        fields={"email": "ann@acme.com", "first_name": "Ann", "company_domain": "acme.com", "tags": ["x"]},
    )
    request = EnrichmentRequest.from_row(row)
    assert request == EnrichmentRequest(
        4, "ann@acme.com", PersonHints(first_name="Ann", company_domain="acme.com")
    )
    assert EnrichmentRequest.from_row(Row(5, [], fields={"email": "a@b.co"}, error="INVALID_EMAIL")) is None
    assert EnrichmentRequest.from_row(Row(6, [], fields={"first_name": "No email"})) is None


def test_cache_items_round_trip_in_the_table_models_shape() -> None:
    entry = cached("a@acme.com", found(), NOW)
    item = entry.to_item()
    assert set(item) == {"email_hash", "provider", "status", "payload", "fetched_at", "expires_at_epoch"}
    assert item["expires_at_epoch"] == int((NOW + timedelta(days=90)).timestamp())
    assert item["payload"]["company"]["tech_stack"] == ["Salesforce"]
    assert CacheEntry.from_item(item) == entry
    miss = cached("b@acme.com", EnrichmentResult.not_found("apollo"), NOW)
    assert miss.to_item()["payload"] is None and CacheEntry.from_item(miss.to_item()) == miss


def test_cache_item_shape_matches_the_enrichment_cache_table_model() -> None:
    models = pytest.importorskip("functions.common.models")
    attributes = set(models.EnrichmentCacheEntry.get_attributes())
    assert set(cached("a@acme.com", found(), NOW).to_item()) == attributes
