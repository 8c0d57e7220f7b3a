"""People Data Labs Person Enrichment (`/v5/person/enrich`, key in `X-Api-Key`).

Docs (docs.peopledatalabs.com): a match is `200 {"status": 200, "likelihood": n, "data": {...}}`;
no match is `404`; errors are `{"status": s, "error": {"type": ..., "message": ...}}` with 401
`authentication_error`, 402 `payment_required` (out of credits), 429 `rate_limit_error`.
PDL charges per match only, so a 404 costs nothing.

The endpoint accepts POST with a JSON body as well as GET; POST keeps the email out of the URL
(and so out of httpx's INFO log line and any proxy log). PDL has no tech-stack field on a person.
PDL lowercases everything; locations and company names are capitalised word by word to match
how Apollo (and the CSVs) spell them, while titles and industries are left alone because
capwords would mangle "vp of sales" and Apollo's industries are lowercase too.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from string import capwords
from typing import Any, ClassVar

import httpx
from pydantic import SecretStr

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

PERSON_ENRICH_PATH = "/v5/person/enrich"
# Company Enrichment (docs.peopledatalabs.com/docs/reference-company-enrichment-api): a one-to-one
# match by `name`; 200 with the company's fields at the top level (no `data` wrapper) and a
# `likelihood`, 404 when nothing matches (not charged)
COMPANY_ENRICH_PATH = "/v5/company/enrich"
_CREDITS = re.compile(r"\bcredits?\b|\bquota\b|\baccount maximum\b|payment_required")


def _capwords(value: object) -> str | None:
    value = normalise.text(value)
    return capwords(value) if value else None


class PeopleDataLabsProvider(HttpEnrichmentProvider):
    name = "peopledatalabs"
    default_base_url: ClassVar[str] = "https://api.peopledatalabs.com"

    def __init__(self, api_key: SecretStr | str, *, min_likelihood: int = 6, **kwargs: Any) -> None:
        # 6 is PDL's own example: below it, matches are too often a namesake
        if not 1 <= min_likelihood <= 10:
            raise ValueError("min_likelihood is between 1 and 10")
        super().__init__(api_key, **kwargs)
        self._min_likelihood = min_likelihood

    def build_request(self, email: str, hints: PersonHints) -> tuple[str, str, dict[str, Any]]:
        # PDL's docs: "when specifying query parameters within a JSON object, use lists"
        body: dict[str, Any] = {"email": [email], "min_likelihood": self._min_likelihood}
        optional = {
            "first_name": hints.first_name,
            "last_name": hints.last_name,
            "name": hints.full_name,
            # PDL's `company` takes a name or a website; the domain is the sharper of the two
            "company": hints.company_domain or hints.company_name,
            "profile": hints.linkedin_url,
        }
        body.update({k: [v] for k, v in optional.items() if v})
        return "POST", PERSON_ENRICH_PATH, body

    def build_match_request(self, query: MatchQuery) -> tuple[str, str, dict[str, Any]]:
        body: dict[str, Any] = {"min_likelihood": self._min_likelihood}
        optional = {
            "profile": query.linkedin_url,
            "first_name": query.first_name,
            "last_name": query.last_name,
            "company": query.company_domain,
        }
        body.update({k: [v] for k, v in optional.items() if v})
        return "POST", PERSON_ENRICH_PATH, body

    def read_match_response(self, response: httpx.Response) -> MatchAnswer:
        status = response.status_code
        if status == 404:
            return MatchAnswer(ResultStatus.NOT_FOUND, self.name)
        if status == 403:
            raise ProviderAuthError(self.name, "the key may not call person/enrich (HTTP 403)")
        if status != 200:
            return MatchAnswer(
                ResultStatus.FAILED, self.name, error=f"{FailureCode.REQUEST_REJECTED}: HTTP {status}"
            )
        body = decode_json(response)
        data = body.get("data") if isinstance(body, Mapping) else None
        if not isinstance(data, Mapping):
            raise MalformedResponse("`data` is missing or not an object")
        # `work_email` first; plans without contact data return booleans in place of addresses
        candidates = [data.get("work_email")] + [
            e.get("address") if isinstance(e, Mapping) else e for e in data.get("emails") or []
        ]
        for email in candidates:
            if isinstance(email, str) and "@" in email:
                return MatchAnswer(ResultStatus.FOUND, self.name, email=email, profile=map_person(data))
        return MatchAnswer(ResultStatus.NOT_FOUND, self.name)

    def build_org_request(self, name: str) -> tuple[str, str, dict[str, Any]]:
        return "POST", COMPANY_ENRICH_PATH, {"name": name, "min_likelihood": self._min_likelihood}

    def read_org_response(self, response: httpx.Response, name: str) -> EnrichmentResult:
        status = response.status_code
        if status == 404:
            return EnrichmentResult.not_found(self.name)
        if status == 403:
            raise ProviderAuthError(self.name, "the key may not call company/enrich (HTTP 403)")
        if status != 200:
            return EnrichmentResult.failed(self.name, FailureCode.REQUEST_REJECTED, f"HTTP {status}")
        body = decode_json(response)
        if not isinstance(body, Mapping):
            raise MalformedResponse("expected a JSON object")
        found = CompanyEnrichment(
            name=_capwords(body.get("display_name") or body.get("name")),
            domain=normalise.domain(body.get("website")),
            industry=normalise.text(body.get("industry")),
            employee_count=normalise.count(body.get("employee_count")),
            revenue_band=normalise.revenue_band(body.get("inferred_revenue")),
        )
        # PDL answers its best match; it is used only when it is the company the row names
        company = pick(name, [found])
        if company is None:
            return EnrichmentResult.not_found(self.name)
        return EnrichmentResult.found(self.name, ContactEnrichment(), company)

    def is_quota_exhausted(self, response: httpx.Response) -> bool:
        if response.status_code == 402:
            return True
        return response.status_code in (403, 429) and bool(_CREDITS.search(error_text(response)))

    def read_response(self, response: httpx.Response) -> EnrichmentResult:
        status = response.status_code
        if status == 404:
            return EnrichmentResult.not_found(self.name)
        if status == 403:
            raise ProviderAuthError(self.name, "the key may not call person/enrich (HTTP 403)")
        if status != 200:
            return EnrichmentResult.failed(self.name, FailureCode.REQUEST_REJECTED, f"HTTP {status}")
        body = decode_json(response)
        if not isinstance(body, Mapping):
            raise MalformedResponse("expected a JSON object")
        data = body.get("data")
        if not isinstance(data, Mapping):
            raise MalformedResponse("`data` is missing or not an object")
        return map_person(data)


def map_person(data: Mapping[str, Any]) -> EnrichmentResult:
    """A PDL person record as a found result."""
    contact = ContactEnrichment(
        title=normalise.text(data.get("job_title")),
        seniority=normalise.seniority(data.get("job_title_levels")),
        department=normalise.department(data.get("job_title_role")),
        linkedin_url=normalise.linkedin_url(data.get("linkedin_url")),
        city=_capwords(data.get("location_locality")),
        state=_capwords(data.get("location_region")),
        country=_capwords(data.get("location_country")),
    )
    company = CompanyEnrichment(
        name=_capwords(data.get("job_company_name")),
        domain=normalise.domain(data.get("job_company_website")),
        industry=normalise.text(data.get("job_company_industry")),
        employee_count=normalise.count(data.get("job_company_employee_count")),
        revenue_band=normalise.revenue_band(data.get("job_company_inferred_revenue")),
    )
    has_company = any(
        (company.name, company.domain, company.industry, company.employee_count, company.revenue_band)
    )
    return EnrichmentResult.found(PeopleDataLabsProvider.name, contact, company if has_company else None)
