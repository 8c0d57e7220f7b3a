"""Apollo.io People Enrichment (`POST /api/v1/people/match`, key in `X-Api-Key`).

Response (docs.apollo.io/reference/people-enrichment): `{"person": {...}}` with `title`,
`seniority`, `departments`, `linkedin_url`, `city`, `state`, `country` and an `organization`
holding `name`, `primary_domain`, `industry`, `estimated_num_employees`, `annual_revenue`,
`annual_revenue_printed`, `technology_names`, `current_technologies`. No match is a 200 whose
`person` is null, not a 404.

How Apollo says "no more credits" (decided from its docs and observed responses):
- 401 `Invalid access credentials.` -> ProviderAuthError.
- 422 `{"error": "Insufficient credits. Please upgrade your plan."}` when the credit pool is
  empty; 402, and 403 naming credits, are read the same way -> QuotaExhausted.
- 429 is Apollo's fixed-window rate limit (docs: per minute, hour and day). The message names
  the window: "... is 200 times per minute. Please upgrade your plan ...". A per-minute limit is
  transient and retried; a per-hour or per-day limit, or `x-daily-requests-left: 0`, cannot be
  waited out inside one stage run -> QuotaExhausted (the job pauses at `enriching`, resumable).
  "upgrade your plan" appears in both, so it is never the signal.
- 403 not naming credits (e.g. `API_INACCESSIBLE` on a free plan) -> ProviderAuthError: the key
  cannot use this endpoint, retrying will not help.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any, ClassVar

import httpx

from functions.enrich import normalise
from functions.enrich.email_match import MatchAnswer, MatchQuery
from functions.enrich.errors import ProviderAuthError
from functions.enrich.models import (
    CompanyEnrichment,
    ContactEnrichment,
    EnrichmentResult,
    FailureCode,
    PersonHints,
    ResultStatus,
)
from functions.enrich.org_search import pick
from functions.enrich.transport import HttpEnrichmentProvider, MalformedResponse, decode_json, error_text

PEOPLE_MATCH_PATH = "/api/v1/people/match"
# Organization Search (docs.apollo.io/reference/organization-search): `q_organization_name`
# matches names; the answer's `organizations` (and `accounts`, companies already in the
# caller's Apollo CRM) are organization objects like people/match's `organization`
ORG_SEARCH_PATH = "/api/v1/mixed_companies/search"
ORG_SEARCH_PAGE = 10
_CREDITS = re.compile(r"\bcredits?\b|\bquota\b")
_LONG_WINDOW = re.compile(r"\bper (?:hour|day)\b|\bhourly\b|\bdaily\b")


class ApolloProvider(HttpEnrichmentProvider):
    name = "apollo"
    default_base_url: ClassVar[str] = "https://api.apollo.io"

    def build_request(self, email: str, hints: PersonHints) -> tuple[str, str, dict[str, Any]]:
        # JSON body rather than the query string the docs show: the email is personal data and
        # URLs end up in httpx's INFO log line and in proxies' access logs.
        body: dict[str, Any] = {"email": email}
        optional = {
            "first_name": hints.first_name,
            "last_name": hints.last_name,
            "name": hints.full_name,
            "organization_name": hints.company_name,
            "domain": hints.company_domain,
            "linkedin_url": hints.linkedin_url,
        }
        body.update({k: v for k, v in optional.items() if v})
        # personal emails and phone numbers cost extra credits and the pipeline has no use for them
        body["reveal_personal_emails"] = False
        body["reveal_phone_number"] = False
        return "POST", PEOPLE_MATCH_PATH, body

    def build_match_request(self, query: MatchQuery) -> tuple[str, str, dict[str, Any]]:
        # the same people/match endpoint, identified by profile URL or name + domain
        optional = {
            "linkedin_url": query.linkedin_url,
            "first_name": query.first_name,
            "last_name": query.last_name,
            "domain": query.company_domain,
        }
        body: dict[str, Any] = {k: v for k, v in optional.items() if v}
        body["reveal_personal_emails"] = False
        body["reveal_phone_number"] = False
        return "POST", PEOPLE_MATCH_PATH, body

    def read_match_response(self, response: httpx.Response) -> MatchAnswer:
        status = response.status_code
        if status == 403:
            raise ProviderAuthError(self.name, "the key may not call people/match (HTTP 403)")
        if status != 200:
            return MatchAnswer(
                ResultStatus.FAILED, self.name, error=f"{FailureCode.REQUEST_REJECTED}: HTTP {status}"
            )
        body = decode_json(response)
        if not isinstance(body, Mapping):
            raise MalformedResponse("expected a JSON object")
        person = body.get("person")
        if person is not None and not isinstance(person, Mapping):
            raise MalformedResponse("`person` is not an object")
        email = (person or {}).get("email")
        # a match whose email Apollo has not unlocked comes back as `email_not_unlocked@domain.com`
        if not isinstance(email, str) or "@" not in email or email.startswith("email_not_unlocked@"):
            return MatchAnswer(ResultStatus.NOT_FOUND, self.name)
        return MatchAnswer(ResultStatus.FOUND, self.name, email=email, profile=map_person(person or {}))

    def build_org_request(self, name: str) -> tuple[str, str, dict[str, Any]]:
        return "POST", ORG_SEARCH_PATH, {"q_organization_name": name, "page": 1, "per_page": ORG_SEARCH_PAGE}

    def read_org_response(self, response: httpx.Response, name: str) -> EnrichmentResult:
        status = response.status_code
        if status == 403:
            raise ProviderAuthError(self.name, "the key may not call mixed_companies/search (HTTP 403)")
        if status != 200:
            return EnrichmentResult.failed(self.name, FailureCode.REQUEST_REJECTED, f"HTTP {status}")
        body = decode_json(response)
        if not isinstance(body, Mapping):
            raise MalformedResponse("expected a JSON object")
        orgs = _list(body.get("organizations")) + _list(body.get("accounts"))
        if not all(isinstance(o, Mapping) for o in orgs):
            raise MalformedResponse("`organizations` holds a non-object")
        company = pick(name, (map_organization(o) for o in orgs))
        if company is None:
            return EnrichmentResult.not_found(self.name)
        return EnrichmentResult.found(self.name, ContactEnrichment(), company)

    def is_quota_exhausted(self, response: httpx.Response) -> bool:
        status = response.status_code
        if status == 402:
            return True
        if status not in (403, 422, 429):
            return False
        message = error_text(response)
        if _CREDITS.search(message):
            return True
        if status == 429:
            return bool(_LONG_WINDOW.search(message)) or (
                response.headers.get("x-daily-requests-left", "").strip() == "0"
            )
        return False

    def read_response(self, response: httpx.Response) -> EnrichmentResult:
        status = response.status_code
        if status == 403:
            raise ProviderAuthError(self.name, "the key may not call people/match (HTTP 403)")
        if status != 200:
            return EnrichmentResult.failed(self.name, FailureCode.REQUEST_REJECTED, f"HTTP {status}")
        body = decode_json(response)
        if not isinstance(body, Mapping):
            raise MalformedResponse("expected a JSON object")
        person = body.get("person")
        if person is None:
            return EnrichmentResult.not_found(self.name)
        if not isinstance(person, Mapping):
            raise MalformedResponse("`person` is not an object")
        return map_person(person)


def _list(value: object) -> list[Any]:
    return list(value) if isinstance(value, list | tuple) else []


def map_person(person: Mapping[str, Any]) -> EnrichmentResult:
    """An Apollo `person` object as a found result."""
    org = person.get("organization")
    if org is not None and not isinstance(org, Mapping):
        raise MalformedResponse("`person.organization` is not an object")
    contact = ContactEnrichment(
        title=normalise.text(person.get("title")),
        seniority=normalise.seniority(person.get("seniority")),
        department=normalise.department(person.get("departments")),
        linkedin_url=normalise.linkedin_url(person.get("linkedin_url")),
        city=normalise.text(person.get("city")),
        state=normalise.text(person.get("state")),
        country=normalise.text(person.get("country")),
    )
    company = map_organization(org) if org else None
    return EnrichmentResult.found(ApolloProvider.name, contact, company)


def map_organization(org: Mapping[str, Any]) -> CompanyEnrichment:
    """An Apollo organization object (people/match's `organization`, an organization search hit)."""
    technologies = _list(org.get("technology_names")) + [
        tech.get("name") for tech in _list(org.get("current_technologies")) if isinstance(tech, Mapping)
    ]
    return CompanyEnrichment(
        name=normalise.text(org.get("name")),
        domain=normalise.domain(org.get("primary_domain") or org.get("website_url")),
        industry=normalise.text(org.get("industry")),
        employee_count=normalise.count(org.get("estimated_num_employees")),
        revenue_band=normalise.revenue_band(org.get("annual_revenue"))
        or normalise.revenue_band(org.get("annual_revenue_printed")),
        tech_stack=normalise.names(technologies),
    )
