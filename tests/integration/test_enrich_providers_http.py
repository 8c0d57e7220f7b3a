"""The real Apollo and People Data Labs adapters over real HTTP against the local stub server."""

from __future__ import annotations

import asyncio
import logging
import socket
import traceback
from collections.abc import Coroutine, Iterator
from datetime import UTC, datetime
from typing import Any, TypeVar

import httpx
import pytest

from functions.enrich.apollo import ApolloProvider
from functions.enrich.errors import ProviderAuthError, QuotaExhausted
from functions.enrich.keys import KeyVault, generate_master_key, resolve_key
from functions.enrich.models import PersonHints, ResultStatus
from functions.enrich.orchestrate import EnrichmentRequest, enrich_rows
from functions.enrich.pdl import PeopleDataLabsProvider
from functions.enrich.retry import RetryPolicy
from functions.enrich.transport import HttpEnrichmentProvider
from tests.stubs.enrichment_cache import InMemoryCache
from tests.stubs.enrichment_stub import (
    EnrichmentStub,
    daily_limit,
    found,
    invalid_key,
    malformed,
    not_found,
    quota_exhausted,
    rate_limited,
    server_error,
    slow,
)

KEY = "stub-key-7Qm2xV9pL4"
EMAIL = "maria.garcia@acme-analytics.com"
PROVIDERS = [ApolloProvider, PeopleDataLabsProvider]
FAST = RetryPolicy(max_attempts=4, base_delay=0.05, max_delay=0.2, max_total_wait=5.0)
T = TypeVar("T")


def run(coro: Coroutine[Any, Any, T]) -> T:
    return asyncio.run(coro)


@pytest.fixture(scope="module")
def server() -> Iterator[EnrichmentStub]:
    with EnrichmentStub(api_key=KEY) as stub:
        yield stub


@pytest.fixture
def stub(server: EnrichmentStub) -> EnrichmentStub:
    server.reset()
    server.set_default(None)
    return server


def make(cls: type[HttpEnrichmentProvider], stub: EnrichmentStub, **kwargs: Any) -> HttpEnrichmentProvider:
    kwargs.setdefault("retry", FAST)
    kwargs.setdefault("timeout", httpx.Timeout(2.0, connect=1.0))
    return cls(kwargs.pop("key", KEY), base_url=stub.url, **kwargs)


async def enrich_one(
    cls: type[HttpEnrichmentProvider], stub: EnrichmentStub, email: str = EMAIL, **kwargs: Any
) -> Any:
    async with make(cls, stub, **kwargs) as provider:
        return await provider.enrich(
            email, PersonHints(first_name="Maria", company_domain="acme-analytics.com")
        )


@pytest.mark.parametrize("cls", PROVIDERS)
def test_found_over_http_maps_company_and_contact(
    stub: EnrichmentStub, cls: type[HttpEnrichmentProvider]
) -> None:
    stub.script(EMAIL, found())
    result = run(enrich_one(cls, stub))
    assert result.status is ResultStatus.FOUND
    assert result.company.domain == "acme-analytics.com"
    assert result.company.name == "Acme Analytics"
    assert result.contact.linkedin_url.startswith("https://www.linkedin.com/in/maria-garcia")
    (request,) = stub.calls(EMAIL)
    assert request.method == "POST" and request.headers["X-Api-Key"] == KEY
    assert request.email == EMAIL and EMAIL not in request.path


@pytest.mark.parametrize("cls", PROVIDERS)
def test_not_found_over_http(stub: EnrichmentStub, cls: type[HttpEnrichmentProvider]) -> None:
    stub.script(EMAIL, not_found())
    assert run(enrich_one(cls, stub)).status is ResultStatus.NOT_FOUND
    assert len(stub.calls(EMAIL)) == 1


@pytest.mark.parametrize("cls", PROVIDERS)
def test_backoff_honours_retry_after(stub: EnrichmentStub, cls: type[HttpEnrichmentProvider]) -> None:
    stub.script(EMAIL, rate_limited(retry_after="1"), found())
    result = run(enrich_one(cls, stub))
    assert result.status is ResultStatus.FOUND
    first, second = stub.calls(EMAIL)
    gap = second.at - first.at
    # at least what the server asked; at most that plus the jitter (≤ base_delay) and some slack
    assert 1.0 <= gap < 1.0 + FAST.base_delay + 0.5, gap


@pytest.mark.parametrize("cls", PROVIDERS)
def test_server_errors_are_retried_until_success(
    stub: EnrichmentStub, cls: type[HttpEnrichmentProvider]
) -> None:
    stub.script(EMAIL, server_error(503), server_error(500), found())
    assert run(enrich_one(cls, stub)).status is ResultStatus.FOUND
    assert len(stub.calls(EMAIL)) == 3


@pytest.mark.parametrize("cls", PROVIDERS)
def test_a_slow_answer_times_out_and_the_retry_succeeds(
    stub: EnrichmentStub, cls: type[HttpEnrichmentProvider]
) -> None:
    stub.script(EMAIL, slow(0.8), found())
    result = run(enrich_one(cls, stub, timeout=httpx.Timeout(0.3, connect=1.0)))
    assert result.status is ResultStatus.FOUND
    assert len(stub.calls(EMAIL)) == 2


def test_a_provider_that_never_answers_in_time_fails_the_row(stub: EnrichmentStub) -> None:
    stub.script(EMAIL, slow(0.6))
    policy = RetryPolicy(max_attempts=2, base_delay=0.05)
    result = run(enrich_one(ApolloProvider, stub, retry=policy, timeout=httpx.Timeout(0.2, connect=1.0)))
    assert result.status is ResultStatus.FAILED
    assert result.error == "TIMEOUT: ReadTimeout; gave up after 2 attempt(s)"
    assert len(stub.calls(EMAIL)) == 2


@pytest.mark.parametrize("behaviour", [quota_exhausted(), daily_limit()], ids=["422-credits", "429-per-day"])
def test_apollo_quota_exhausted_over_http(stub: EnrichmentStub, behaviour: Any) -> None:
    stub.script(EMAIL, behaviour)
    with pytest.raises(QuotaExhausted, match=r"^enrichment quota exhausted for apollo$"):
        run(enrich_one(ApolloProvider, stub))
    assert len(stub.calls(EMAIL)) == 1


def test_pdl_quota_exhausted_over_http(stub: EnrichmentStub) -> None:
    stub.script(EMAIL, quota_exhausted())
    with pytest.raises(QuotaExhausted, match=r"^enrichment quota exhausted for peopledatalabs$"):
        run(enrich_one(PeopleDataLabsProvider, stub))


@pytest.mark.parametrize("cls", PROVIDERS)
def test_a_wrong_key_is_an_auth_error(stub: EnrichmentStub, cls: type[HttpEnrichmentProvider]) -> None:
    with pytest.raises(ProviderAuthError) as caught:
        run(enrich_one(cls, stub, key="wrong-key-123"))
    assert "wrong-key-123" not in str(caught.value)
    stub.script(EMAIL, invalid_key())
    with pytest.raises(ProviderAuthError):
        run(enrich_one(cls, stub))


@pytest.mark.parametrize("cls", PROVIDERS)
def test_malformed_json_fails_the_row_after_one_retry(
    stub: EnrichmentStub, cls: type[HttpEnrichmentProvider]
) -> None:
    stub.script(EMAIL, malformed())
    result = run(enrich_one(cls, stub))
    assert result.status is ResultStatus.FAILED
    assert result.error.startswith("MALFORMED_RESPONSE")
    assert len(stub.calls(EMAIL)) == FAST.malformed_attempts


@pytest.mark.parametrize("cls", PROVIDERS)
def test_the_concurrency_bound_holds_on_the_wire(
    stub: EnrichmentStub, cls: type[HttpEnrichmentProvider]
) -> None:
    stub.set_default(slow(0.1))
    emails = [f"person{i}@acme-analytics.com" for i in range(24)]

    async def go() -> list[Any]:
        async with make(cls, stub, max_concurrency=3) as provider:
            return await asyncio.gather(*(provider.enrich(e, PersonHints()) for e in emails))

    results = run(go())
    assert all(r.status is ResultStatus.FOUND for r in results)
    assert stub.max_in_flight == 3
    assert len(stub.requests) == 24


def test_enrich_rows_over_http_stops_at_quota_and_resumes_without_paying_twice(stub: EnrichmentStub) -> None:
    stub.set_default(found())
    emails = [f"person{i}@acme-analytics.com" for i in range(12)]
    stub.script(emails[6], quota_exhausted())
    batch = [EnrichmentRequest(n, e) for n, e in enumerate(emails, start=1)]
    cache = InMemoryCache()
    now = datetime.now(UTC)

    async def go(concurrency: int) -> Any:
        async with make(ApolloProvider, stub) as provider:
            return await enrich_rows(batch, provider, cache, now=now, concurrency=concurrency)

    with pytest.raises(QuotaExhausted):
        run(go(concurrency=1))
    assert len(cache.items) == 6
    stub.reset()
    stub.set_default(found())
    outcome = run(go(concurrency=4))
    assert sorted(r.email or "" for r in stub.requests) == sorted(emails[6:])
    assert outcome.counters["cache_hits"] == 6 and outcome.counters["enriched"] == 12


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_the_plaintext_key_never_reaches_logs_exceptions_or_results(
    stub: EnrichmentStub, caplog: pytest.LogCaptureFixture
) -> None:
    vault = KeyVault.from_raw(generate_master_key())
    workspace_token = vault.encrypt_key(KEY)
    resolved = resolve_key(workspace_token, None, vault=vault, provider="apollo")
    caplog.set_level(logging.DEBUG)
    for name in ("httpx", "httpcore", "functions.enrich"):
        caplog.set_level(logging.DEBUG, logger=name)

    stub.script("found@acme-analytics.com", found())
    stub.script("missing@acme-analytics.com", not_found())
    stub.script("throttled@acme-analytics.com", rate_limited("0"), server_error(502), found())
    stub.script("slow@acme-analytics.com", slow(0.5))
    stub.script("broken@acme-analytics.com", malformed())
    stub.script("quota@acme-analytics.com", quota_exhausted())
    stub.script("revoked@acme-analytics.com", invalid_key())
    shown: list[str] = [repr(resolved), str(resolved.key)]

    async def scenario(cls: type[HttpEnrichmentProvider], base_url: str, email: str) -> None:
        provider = cls(
            resolved.key,
            base_url=base_url,
            retry=RetryPolicy(max_attempts=3, base_delay=0.01),
            timeout=httpx.Timeout(0.3, connect=0.3),
        )
        shown.append(repr(provider))
        async with provider:
            try:
                result = await provider.enrich(email, PersonHints())
                shown.extend([repr(result), str(result), str(result.error)])
            except Exception as exc:  # the fatal ones: check every way they can be printed
                shown.extend([str(exc), repr(exc), "".join(traceback.format_exception(exc))])

    dead_url = f"http://127.0.0.1:{_free_port()}"
    for cls in PROVIDERS:
        for email in (
            "found@acme-analytics.com",
            "missing@acme-analytics.com",
            "throttled@acme-analytics.com",
            "slow@acme-analytics.com",
            "broken@acme-analytics.com",
            "quota@acme-analytics.com",
            "revoked@acme-analytics.com",
        ):
            run(scenario(cls, stub.url, email))
        run(scenario(cls, dead_url, "unreachable@acme-analytics.com"))

    # the key really went out on the wire, so the checks below are not vacuous
    assert all(r.headers.get("X-Api-Key") == KEY for r in stub.requests)
    assert len(stub.requests) >= 20
    assert any("httpcore" in r.name for r in caplog.records), "debug logging of httpx/httpcore was on"
    assert any("retrying" in r.getMessage() for r in caplog.records)
    assert KEY not in caplog.text
    for text in shown:
        assert KEY not in text
