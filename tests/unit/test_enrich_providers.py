"""Apollo and People Data Labs adapters against httpx.MockTransport: no network, no sleeping."""

from __future__ import annotations

import asyncio
import json
import random
from collections.abc import Callable, Coroutine
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from typing import Any, TypeVar

import httpx
import pytest

from functions.enrich.apollo import ApolloProvider
from functions.enrich.errors import ProviderAuthError, QuotaExhausted
from functions.enrich.file_provider import FileProvider
from functions.enrich.models import (
    CompanyEnrichment,
    ContactEnrichment,
    FailureCode,
    PersonHints,
    ResultStatus,
)
from functions.enrich.pdl import PeopleDataLabsProvider
from functions.enrich.providers import PROVIDER_NAMES, make_provider
from functions.enrich.retry import RetryPolicy
from functions.enrich.transport import HttpEnrichmentProvider

KEY = "sk_live_9f8e7d6c5b4a"
EMAIL = "tim.zheng@apollo.io"
T = TypeVar("T")

# The shape of docs.apollo.io's People Enrichment example response (trimmed, values kept).
APOLLO_MATCH = {
    "person": {
        "id": "64a7ff0cc4dfae00013df1a5",
        "first_name": "Tim",
        "last_name": "Zheng",
        "name": "Tim Zheng",
        "linkedin_url": "http://www.linkedin.com/in/tim-zheng-677ba010",
        "title": "Founder & CEO",
        "email_status": "verified",
        "photo_url": None,
        "headline": "Founder & CEO at Apollo",
        "email": "tim@apollo.io",
        "organization_id": "5e66b6381e05b4008c8331b8",
        "state": "California",
        "city": "San Francisco",
        "country": "United States",
        "departments": ["c_suite"],
        "subdepartments": ["executive", "founder"],
        "seniority": "founder",
        "functions": ["entrepreneurship"],
        "organization": {
            "id": "5e66b6381e05b4008c8331b8",
            "name": "Apollo.io",
            "website_url": "http://www.apollo.io",
            "primary_domain": "apollo.io",
            "industry": "information technology & services",
            "estimated_num_employees": 1600,
            "annual_revenue_printed": "100M",
            "annual_revenue": 100000000.0,
            "technology_names": ["Cloudflare DNS", "Gmail", "Google Apps"],
            "current_technologies": [
                {"uid": "cloudflare_dns", "name": "Cloudflare DNS", "category": "Domain Name Services"},
                {"uid": "hubspot", "name": "Hubspot", "category": "Marketing Automation"},
            ],
        },
    }
}

# The shape of docs.peopledatalabs.com's example person record (trimmed).
PDL_MATCH = {
    "status": 200,
    "likelihood": 10,
    "data": {
        "id": "qEnOZ5Oh0poWnQ1luFBfVw_0000",
        "full_name": "sean thorne",
        "linkedin_url": "linkedin.com/in/seanthorne",
        "work_email": "sean@peopledatalabs.com",
        "job_title": "co-founder and chief executive officer",
        "job_title_role": "operations",
        "job_title_levels": ["owner", "cxo"],
        "job_company_name": "people data labs",
        "job_company_website": "peopledatalabs.com",
        "job_company_size": "51-200",
        "job_company_employee_count": 83,
        "job_company_industry": "computer software",
        "job_company_inferred_revenue": "$25M-$50M",
        "location_locality": "san francisco",
        "location_region": "california",
        "location_country": "united states",
    },
}


Responder = Callable[[httpx.Request], httpx.Response]


def run(coro: Coroutine[Any, Any, T]) -> T:
    return asyncio.run(coro)


class Harness:
    """A provider wired to scripted responses; sleeps are recorded, not slept."""

    def __init__(self, responses: list[Responder | httpx.Response | Exception]) -> None:
        self.responses = responses
        self.requests: list[httpx.Request] = []
        self.sleeps: list[float] = []

    def _handler(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        step = self.responses[min(len(self.requests) - 1, len(self.responses) - 1)]
        if isinstance(step, Exception):
            raise step
        return step(request) if callable(step) else step

    async def _sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)

    async def enrich(
        self,
        provider_cls: type[HttpEnrichmentProvider] = ApolloProvider,
        *,
        hints: PersonHints | None = None,
        retry: RetryPolicy | None = None,
    ) -> Any:
        async with httpx.AsyncClient(transport=httpx.MockTransport(self._handler)) as client:
            provider = provider_cls(
                KEY,
                client=client,
                sleep=self._sleep,
                rng=random.Random(7),
                retry=retry or RetryPolicy(max_attempts=4, base_delay=0.5, max_total_wait=60),
            )
            return await provider.enrich(EMAIL, hints or PersonHints())


def ok(body: Any) -> httpx.Response:
    return httpx.Response(200, json=body)


def test_apollo_maps_the_documented_person_and_organization_fields() -> None:
    result = run(Harness([ok(APOLLO_MATCH)]).enrich())
    assert result.status is ResultStatus.FOUND
    assert result.provider == "apollo"
    assert result.contact == ContactEnrichment(
        title="Founder & CEO",
        seniority="founder",
        department="executive",
        linkedin_url="https://www.linkedin.com/in/tim-zheng-677ba010",
        city="San Francisco",
        state="California",
        country="United States",
    )
    assert result.company == CompanyEnrichment(
        name="Apollo.io",
        domain="apollo.io",
        industry="information technology & services",
        employee_count=1600,
        revenue_band="$100M-$250M",
        tech_stack=("Cloudflare DNS", "Gmail", "Google Apps", "Hubspot"),
    )


def test_apollo_falls_back_to_printed_revenue_and_website_domain() -> None:
    person = json.loads(json.dumps(APOLLO_MATCH))
    org = person["person"]["organization"]
    del org["annual_revenue"], org["primary_domain"], org["technology_names"]
    org["annual_revenue_printed"] = "12.5M"
    result = run(Harness([ok(person)]).enrich())
    assert result.company.revenue_band == "$10M-$25M"
    assert result.company.domain == "apollo.io"
    assert result.company.tech_stack == ("Cloudflare DNS", "Hubspot")


def test_apollo_request_puts_the_key_in_a_header_and_the_email_in_the_body() -> None:
    harness = Harness([ok(APOLLO_MATCH)])
    hints = PersonHints(first_name="Tim", last_name="Zheng", company_domain="apollo.io")
    run(harness.enrich(hints=hints))
    (request,) = harness.requests
    assert request.method == "POST"
    assert request.url.path == "/api/v1/people/match"
    assert request.url.host == "api.apollo.io"
    assert request.headers["X-Api-Key"] == KEY
    assert KEY not in str(request.url) and EMAIL not in str(request.url)
    body = json.loads(request.content)
    assert body["email"] == EMAIL
    assert body["first_name"] == "Tim" and body["domain"] == "apollo.io"
    assert body["reveal_personal_emails"] is False and body["reveal_phone_number"] is False


def test_apollo_null_person_is_not_found() -> None:
    result = run(Harness([ok({"person": None})]).enrich())
    assert result.status is ResultStatus.NOT_FOUND


@pytest.mark.parametrize(
    "response",
    [
        httpx.Response(422, json={"error": "Insufficient credits. Please upgrade your plan."}),
        httpx.Response(402, json={"error": "Payment required"}),
        httpx.Response(403, json={"error": "You have run out of export credits."}),
        httpx.Response(
            429,
            json={
                "message": "The maximum number of api calls allowed for api/v1/people/match is 2000 "
                "times per day. Please upgrade your plan from https://app.apollo.io/#/settings/plans/upgrade"
            },
        ),
        httpx.Response(429, json={"message": "Too many requests"}, headers={"x-daily-requests-left": "0"}),
    ],
    ids=["422-insufficient-credits", "402", "403-credits", "429-per-day", "429-daily-header-zero"],
)
def test_apollo_out_of_credits_raises_quota_exhausted(response: httpx.Response) -> None:
    harness = Harness([response])
    with pytest.raises(QuotaExhausted) as caught:
        run(harness.enrich())
    assert str(caught.value) == "enrichment quota exhausted for apollo"
    assert caught.value.provider == "apollo"
    assert len(harness.requests) == 1, "a quota answer is final, never retried"


def test_apollo_per_minute_rate_limit_is_retried_despite_mentioning_the_plan() -> None:
    per_minute = httpx.Response(
        429,
        json={
            "message": "The maximum number of api calls allowed for api/v1/people/match is 200 "
            "times per minute. Please upgrade your plan from https://app.apollo.io/#/settings/plans/upgrade"
        },
    )
    harness = Harness([per_minute, ok(APOLLO_MATCH)])
    result = run(harness.enrich())
    assert result.status is ResultStatus.FOUND
    assert len(harness.requests) == 2


def test_apollo_403_without_credits_is_an_auth_error() -> None:
    forbidden = httpx.Response(
        403,
        json={
            "error": "api/v1/people/match is not accessible with this api_key on a free plan.",
            "error_code": "API_INACCESSIBLE",
        },
    )
    with pytest.raises(ProviderAuthError):
        run(Harness([forbidden]).enrich())


@pytest.mark.parametrize("provider_cls", [ApolloProvider, PeopleDataLabsProvider])
def test_rejected_key_raises_an_auth_error_that_does_not_contain_the_key(
    provider_cls: type[HttpEnrichmentProvider],
) -> None:
    harness = Harness([httpx.Response(401, json={"error": f"Invalid access credentials. {KEY}"})])
    with pytest.raises(ProviderAuthError) as caught:
        run(harness.enrich(provider_cls))
    assert provider_cls.name in str(caught.value)
    assert KEY not in str(caught.value) and KEY not in repr(caught.value)
    assert len(harness.requests) == 1


def test_an_empty_key_is_refused_before_any_call() -> None:
    with pytest.raises(ProviderAuthError, match="no API key"):
        ApolloProvider("  ".strip())


def test_server_errors_are_retried_with_backoff_then_succeed() -> None:
    harness = Harness([httpx.Response(503), httpx.Response(502), ok(APOLLO_MATCH)])
    result = run(harness.enrich())
    assert result.status is ResultStatus.FOUND
    assert len(harness.requests) == 3
    assert len(harness.sleeps) == 2
    assert 0 <= harness.sleeps[0] <= 0.5 and 0 <= harness.sleeps[1] <= 1.0


def test_rate_limit_waits_at_least_the_retry_after_seconds() -> None:
    harness = Harness([httpx.Response(429, headers={"Retry-After": "7"}), ok(APOLLO_MATCH)])
    assert run(harness.enrich()).status is ResultStatus.FOUND
    (slept,) = harness.sleeps
    assert 7.0 <= slept <= 7.5


def test_retry_after_as_an_http_date_is_honoured() -> None:
    when = format_datetime(datetime.now(UTC) + timedelta(seconds=20), usegmt=True)
    harness = Harness([httpx.Response(503, headers={"Retry-After": when}), ok(APOLLO_MATCH)])
    assert run(harness.enrich()).status is ResultStatus.FOUND
    (slept,) = harness.sleeps
    assert 18.0 <= slept <= 21.0


def test_retry_after_beyond_the_wait_budget_gives_up_without_sleeping() -> None:
    harness = Harness([httpx.Response(429, headers={"Retry-After": "3600"}), ok(APOLLO_MATCH)])
    result = run(harness.enrich())
    assert result.status is ResultStatus.FAILED
    assert result.error.startswith(FailureCode.RATE_LIMITED)
    assert harness.sleeps == [] and len(harness.requests) == 1


def test_attempts_are_capped() -> None:
    harness = Harness([httpx.Response(500)])
    result = run(harness.enrich(retry=RetryPolicy(max_attempts=3, base_delay=0.1)))
    assert result.status is ResultStatus.FAILED
    assert result.error == "PROVIDER_UNAVAILABLE: HTTP 500; gave up after 3 attempt(s)"
    assert len(harness.requests) == 3 and len(harness.sleeps) == 2


def test_total_wait_is_capped() -> None:
    harness = Harness([httpx.Response(429, headers={"Retry-After": "4"})])
    policy = RetryPolicy(max_attempts=50, base_delay=0.0, max_total_wait=10.0)
    result = run(harness.enrich(retry=policy))
    assert result.status is ResultStatus.FAILED
    assert sum(harness.sleeps) <= 10.0
    assert harness.sleeps == [4.0, 4.0]
    assert len(harness.requests) == 3


def test_timeouts_are_retried_then_reported_as_a_failed_row() -> None:
    timeout = httpx.ReadTimeout("timed out")
    harness = Harness([timeout])
    result = run(harness.enrich(retry=RetryPolicy(max_attempts=3, base_delay=0.1)))
    assert result.status is ResultStatus.FAILED
    assert result.error == "TIMEOUT: ReadTimeout; gave up after 3 attempt(s)"
    assert len(harness.requests) == 3


def test_a_timeout_then_success_is_found() -> None:
    harness = Harness([httpx.ConnectTimeout("slow"), ok(APOLLO_MATCH)])
    assert run(harness.enrich()).status is ResultStatus.FOUND


def test_connection_errors_are_retried() -> None:
    harness = Harness([httpx.ConnectError("refused"), ok(APOLLO_MATCH)])
    assert run(harness.enrich()).status is ResultStatus.FOUND
    assert len(harness.requests) == 2


def test_malformed_json_is_retried_once_then_fails_the_row() -> None:
    broken = httpx.Response(200, content=b'{"person": {"id": "64a7", "title": "VP')
    harness = Harness([broken])
    result = run(harness.enrich(retry=RetryPolicy(max_attempts=5, malformed_attempts=2)))
    assert result.status is ResultStatus.FAILED
    assert result.error.startswith("MALFORMED_RESPONSE")
    assert len(harness.requests) == 2


def test_malformed_then_valid_body_is_found() -> None:
    harness = Harness([httpx.Response(200, content=b"<html>oops"), ok(APOLLO_MATCH)])
    assert run(harness.enrich()).status is ResultStatus.FOUND


@pytest.mark.parametrize(
    "body",
    [[], {"person": ["not", "an", "object"]}, {"person": {"organization": "Apollo"}}],
    ids=["array", "person-list", "organization-string"],
)
def test_json_of_the_wrong_shape_counts_as_malformed(body: Any) -> None:
    result = run(Harness([ok(body)]).enrich(retry=RetryPolicy(malformed_attempts=1)))
    assert result.status is ResultStatus.FAILED
    assert result.error.startswith("MALFORMED_RESPONSE")


def test_a_rejected_request_fails_the_row_without_retrying() -> None:
    harness = Harness([httpx.Response(400, json={"error": "invalid email"})])
    result = run(harness.enrich())
    assert result.status is ResultStatus.FAILED
    assert result.error.startswith("REQUEST_REJECTED: HTTP 400")
    assert len(harness.requests) == 1


def test_pdl_maps_the_documented_person_fields() -> None:
    result = run(Harness([ok(PDL_MATCH)]).enrich(PeopleDataLabsProvider))
    assert result.status is ResultStatus.FOUND
    assert result.provider == "peopledatalabs"
    assert result.contact == ContactEnrichment(
        title="co-founder and chief executive officer",
        seniority="owner",
        department="operations",
        linkedin_url="https://www.linkedin.com/in/seanthorne",
        city="San Francisco",
        state="California",
        country="United States",
    )
    assert result.company == CompanyEnrichment(
        name="People Data Labs",
        domain="peopledatalabs.com",
        industry="computer software",
        employee_count=83,
        revenue_band="$25M-$50M",
        tech_stack=(),
    )


def test_pdl_request_is_a_post_with_the_email_out_of_the_url() -> None:
    harness = Harness([ok(PDL_MATCH)])
    run(harness.enrich(PeopleDataLabsProvider, hints=PersonHints(company_name="People Data Labs")))
    (request,) = harness.requests
    assert (request.method, request.url.path) == ("POST", "/v5/person/enrich")
    assert request.headers["X-Api-Key"] == KEY
    assert "api_key" not in str(request.url) and EMAIL not in str(request.url)
    body = json.loads(request.content)
    assert body == {"email": [EMAIL], "min_likelihood": 6, "company": ["People Data Labs"]}


def test_pdl_404_is_not_found() -> None:
    response = httpx.Response(
        404, json={"status": 404, "error": {"type": "not_found", "message": "No records were found"}}
    )
    assert run(Harness([response]).enrich(PeopleDataLabsProvider)).status is ResultStatus.NOT_FOUND


def test_pdl_402_is_quota_exhausted() -> None:
    response = httpx.Response(
        402,
        json={
            "status": 402,
            "error": {
                "type": "payment_required",
                "message": "You have hit your account maximum for person enrichment",
            },
        },
    )
    with pytest.raises(QuotaExhausted, match=r"^enrichment quota exhausted for peopledatalabs$"):
        run(Harness([response]).enrich(PeopleDataLabsProvider))


def test_pdl_rate_limit_is_retried() -> None:
    limited = httpx.Response(
        429, json={"status": 429, "error": {"type": "rate_limit_error", "message": "too quick"}}
    )
    harness = Harness([limited, ok(PDL_MATCH)])
    assert run(harness.enrich(PeopleDataLabsProvider)).status is ResultStatus.FOUND
    assert len(harness.requests) == 2


def test_providers_are_built_by_their_configured_name() -> None:
    assert PROVIDER_NAMES == ("apollo", "peopledatalabs", "file")
    apollo = make_provider("apollo", KEY, base_url="http://127.0.0.1:9")
    assert isinstance(apollo, ApolloProvider) and KEY not in repr(apollo)
    run(apollo.aclose())
    assert isinstance(make_provider("file"), FileProvider)
    with pytest.raises(ProviderAuthError):
        make_provider("peopledatalabs", None)
    with pytest.raises(ValueError, match="unknown enrichment provider 'clearbit'"):
        make_provider("clearbit", KEY)
