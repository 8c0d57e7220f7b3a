"""What enrichment asks for and what it gets back, independent of any provider."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from enum import StrEnum
from typing import Any

from functions.enrich.normalise import text


class ResultStatus(StrEnum):
    FOUND = "found"
    NOT_FOUND = "not_found"
    FAILED = "failed"


class FailureCode(StrEnum):
    """Why a row's enrichment failed; the first word of `EnrichmentResult.error`."""

    RATE_LIMITED = "RATE_LIMITED"
    PROVIDER_UNAVAILABLE = "PROVIDER_UNAVAILABLE"
    TIMEOUT = "TIMEOUT"
    NETWORK = "NETWORK"
    MALFORMED_RESPONSE = "MALFORMED_RESPONSE"
    REQUEST_REJECTED = "REQUEST_REJECTED"


@dataclass(frozen=True, slots=True)
class PersonHints:
    """What we already know about the person besides the email; improves the match rate."""

    first_name: str | None = None
    last_name: str | None = None
    full_name: str | None = None
    company_name: str | None = None
    company_domain: str | None = None
    linkedin_url: str | None = None

    @classmethod
    def from_fields(cls, fields: Mapping[str, Any]) -> PersonHints:
        """Hints from a row's canonical standard fields (`Row.fields`)."""

        return cls(
            first_name=text(fields.get("first_name")),
            last_name=text(fields.get("last_name")),
            full_name=text(fields.get("full_name")),
            company_name=text(fields.get("company_name")),
            company_domain=text(fields.get("company_domain")),
            linkedin_url=text(fields.get("linkedin_url")),
        )


@dataclass(frozen=True, slots=True)
class ContactEnrichment:
    title: str | None = None
    seniority: str | None = None
    department: str | None = None
    linkedin_url: str | None = None
    city: str | None = None
    state: str | None = None
    country: str | None = None


@dataclass(frozen=True, slots=True)
class CompanyEnrichment:
    name: str | None = None
    domain: str | None = None
    industry: str | None = None
    employee_count: int | None = None
    revenue_band: str | None = None
    # a tuple so a result stays immutable once built; serialised as a JSON list
    tech_stack: tuple[str, ...] = field(default_factory=tuple)


@dataclass(frozen=True, slots=True)
class EnrichmentResult:
    """One provider answer for one email.

    `found` carries `contact` and `company`; `not_found` carries neither; `failed` carries an
    `error` of the form `"<FailureCode>: <detail>"` (never a key, never a response body).
    """

    status: ResultStatus
    provider: str
    contact: ContactEnrichment | None = None
    company: CompanyEnrichment | None = None
    error: str | None = None

    @classmethod
    def found(
        cls, provider: str, contact: ContactEnrichment, company: CompanyEnrichment | None
    ) -> EnrichmentResult:
        return cls(ResultStatus.FOUND, provider, contact=contact, company=company)

    @classmethod
    def not_found(cls, provider: str) -> EnrichmentResult:
        return cls(ResultStatus.NOT_FOUND, provider)

    @classmethod
    def failed(cls, provider: str, code: FailureCode, detail: str | None = None) -> EnrichmentResult:
        return cls(ResultStatus.FAILED, provider, error=f"{code}: {detail}" if detail else str(code))

    def payload(self) -> dict[str, Any] | None:
        """The JSON-ready data part (what the cache stores); None when nothing was found."""
        if self.status is not ResultStatus.FOUND:
            return None
        company = asdict(self.company) if self.company else None
        if company is not None:
            company["tech_stack"] = list(company["tech_stack"])
        return {"contact": asdict(self.contact) if self.contact else None, "company": company}

    @classmethod
    def from_payload(cls, provider: str, status: str, payload: Mapping[str, Any] | None) -> EnrichmentResult:
        if ResultStatus(status) is not ResultStatus.FOUND:
            return cls(ResultStatus(status), provider)
        payload = payload or {}
        contact = payload.get("contact") or {}
        company = payload.get("company")
        return cls.found(
            provider,
            ContactEnrichment(**contact),
            CompanyEnrichment(**{**company, "tech_stack": tuple(company.get("tech_stack") or ())})
            if company
            else None,
        )
