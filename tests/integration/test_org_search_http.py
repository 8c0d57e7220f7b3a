"""Organisation search (company name -> domain) over real HTTP against the local Apollo / People
Data Labs stub server: the documented request, the confident answer, not found, quota."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from functions.enrich.apollo import ORG_SEARCH_PATH, ApolloProvider
from functions.enrich.errors import QuotaExhausted
from functions.enrich.models import ResultStatus
from functions.enrich.pdl import COMPANY_ENRICH_PATH, PeopleDataLabsProvider
from functions.enrich.retry import RetryPolicy
from functions.enrich.transport import HttpEnrichmentProvider
from tests.stubs.enrichment_stub import EnrichmentStub, found, not_found, org_profile, quota_exhausted

KEY = "stub-key-0rg"
PROVIDERS = [ApolloProvider, PeopleDataLabsProvider]
FAST = RetryPolicy(max_attempts=3, base_delay=0.05, max_delay=0.2, max_total_wait=5.0)


@pytest.fixture(scope="module")
def server() -> Iterator[EnrichmentStub]:
    with EnrichmentStub(api_key=KEY) as stub:
        yield stub


@pytest.fixture
def stub(server: EnrichmentStub) -> EnrichmentStub:
    server.reset()
    return server


def search(cls: type[HttpEnrichmentProvider], stub: EnrichmentStub, name: str) -> Any:
    async def go() -> Any:
        async with cls(KEY, base_url=stub.url, retry=FAST, timeout=httpx.Timeout(2.0, connect=1.0)) as p:
            return await p.search_organization(name)

    return asyncio.run(go())


@pytest.mark.parametrize("cls", PROVIDERS)
def test_a_company_found_by_name_brings_its_domain_and_firmographics(
    stub: EnrichmentStub, cls: type[HttpEnrichmentProvider]
) -> None:
    stub.script_org(
        "Vandelay Industries, Inc.", found(org_profile("Vandelay Industries", "vandelay.com", employees=75))
    )
    result = search(cls, stub, "Vandelay Industries, Inc.")
    assert result.status is ResultStatus.FOUND
    assert (result.company.domain, result.company.employee_count) == ("vandelay.com", 75)
    (request,) = stub.requests
    assert request.path == {ApolloProvider: ORG_SEARCH_PATH, PeopleDataLabsProvider: COMPANY_ENRICH_PATH}[cls]
    assert request.org_name == "Vandelay Industries, Inc." and request.headers["X-Api-Key"] == KEY


@pytest.mark.parametrize("cls", PROVIDERS)
def test_an_answer_that_is_another_company_is_not_found(
    stub: EnrichmentStub, cls: type[HttpEnrichmentProvider]
) -> None:
    stub.script_org("Vandelay", found(org_profile("Vandelay Logistics", "vandelaylog.com")))
    assert search(cls, stub, "Vandelay").status is ResultStatus.NOT_FOUND
    stub.script_org("Pendant Publishing", not_found())
    assert search(cls, stub, "Pendant Publishing").status is ResultStatus.NOT_FOUND


@pytest.mark.parametrize("cls", PROVIDERS)
def test_an_exhausted_quota_stops_the_search(stub: EnrichmentStub, cls: type[HttpEnrichmentProvider]) -> None:
    stub.script_org("Kramerica", quota_exhausted())
    with pytest.raises(QuotaExhausted):
        search(cls, stub, "Kramerica")
