"""Finding an email without one (match by LinkedIn profile or name + domain), over real HTTP
against the local Apollo / People Data Labs stub server."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from functions.enrich.apollo import ApolloProvider
from functions.enrich.email_match import MatchQuery, query_for
from functions.enrich.errors import QuotaExhausted
from functions.enrich.models import ResultStatus
from functions.enrich.pdl import PeopleDataLabsProvider
from functions.enrich.retry import RetryPolicy
from functions.enrich.transport import HttpEnrichmentProvider
from tests.stubs.enrichment_stub import (
    EnrichmentStub,
    found,
    not_found,
    profile_for,
    quota_exhausted,
    server_error,
)

KEY = "stub-key-mAtch42"
PROVIDERS = [ApolloProvider, PeopleDataLabsProvider]
FAST = RetryPolicy(max_attempts=3, base_delay=0.05, max_delay=0.2, max_total_wait=5.0)
PROFILE = "https://www.linkedin.com/in/maria-garcia-1234"


@pytest.fixture(scope="module")
def server() -> Iterator[EnrichmentStub]:
    with EnrichmentStub(api_key=KEY) as stub:
        yield stub


@pytest.fixture
def stub(server: EnrichmentStub) -> EnrichmentStub:
    server.reset()
    server.set_default(None)
    return server


def match(cls: type[HttpEnrichmentProvider], stub: EnrichmentStub, query: MatchQuery) -> Any:
    async def go() -> Any:
        async with cls(KEY, base_url=stub.url, retry=FAST, timeout=httpx.Timeout(2.0, connect=1.0)) as p:
            return await p.match_email(query)

    return asyncio.run(go())


def profile(email: str) -> dict[str, Any]:
    return {**profile_for(email), "email": email}


@pytest.mark.parametrize("cls", PROVIDERS)
def test_match_by_linkedin_profile_finds_the_email(
    stub: EnrichmentStub, cls: type[HttpEnrichmentProvider]
) -> None:
    stub.script(PROFILE, found(profile("maria.garcia@acme-analytics.com")))
    query = query_for({"linkedin_url": "linkedin.com/in/Maria-Garcia-1234/"})
    assert query is not None
    answer = match(cls, stub, query)
    assert answer.status is ResultStatus.FOUND and answer.email == "maria.garcia@acme-analytics.com"
    (request,) = stub.requests
    assert request.email is None and request.headers["X-Api-Key"] == KEY


@pytest.mark.parametrize("cls", PROVIDERS)
def test_match_by_name_and_domain(stub: EnrichmentStub, cls: type[HttpEnrichmentProvider]) -> None:
    stub.script("maria|garcia|acme-analytics.com", found(profile("mg@acme-analytics.com")))
    query = query_for({"first_name": "Maria", "last_name": "Garcia", "company_domain": "acme-analytics.com"})
    assert query is not None
    assert match(cls, stub, query).email == "mg@acme-analytics.com"


@pytest.mark.parametrize("cls", PROVIDERS)
def test_no_match_transient_errors_and_quota(stub: EnrichmentStub, cls: type[HttpEnrichmentProvider]) -> None:
    query = MatchQuery(linkedin_url=PROFILE)
    stub.script(PROFILE, not_found())
    assert match(cls, stub, query).status is ResultStatus.NOT_FOUND
    stub.script(PROFILE, server_error(503))
    failed = match(cls, stub, query)
    assert failed.status is ResultStatus.FAILED and "PROVIDER_UNAVAILABLE" in failed.error
    stub.script(PROFILE, quota_exhausted())
    with pytest.raises(QuotaExhausted):
        match(cls, stub, query)
