"""A provider answering from a JSON Lines file: the one-machine default, no key, no network.

Each line is one person: `{"email": ..., "contact": {title, seniority, department, linkedin_url,
city, state, country}, "company": {name, domain, industry, employee_count, revenue_band,
tech_stack}}`, optionally with top-level `first_name` and `last_name`. An email not in the file
is not found. `match_email` finds a record's email from its `contact.linkedin_url`, or from
`first_name` + `last_name` + `company.domain` (functions/enrich/email_match.py), and
`search_organization` a company by name among the records' companies (org_search.pick).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from functions.common.errors import ConfigInvalid
from functions.enrich.cache import email_hash
from functions.enrich.email_match import MatchAnswer, MatchQuery, query_for
from functions.enrich.models import (
    CompanyEnrichment,
    ContactEnrichment,
    EnrichmentResult,
    PersonHints,
    ResultStatus,
)
from functions.enrich.org_search import pick

DEFAULT_PATH = Path(__file__).resolve().parents[2] / "examples" / "enrichment.jsonl"


class FileProvider:
    name = "file"

    def __init__(
        self, records: Mapping[str, EnrichmentResult], emails: Mapping[str, str] | None = None
    ) -> None:
        self._by_hash = dict(records)
        # MatchQuery.key -> email, for match_email
        self._emails = dict(emails or {})
        companies = (r.company for r in self._by_hash.values() if r.company and r.company.domain)
        self._companies: list[CompanyEnrichment] = list({c.domain: c for c in companies}.values())

    @classmethod
    def from_path(cls, path: Path | str = DEFAULT_PATH) -> FileProvider:
        """Load the whole file; a bad line rejects the file, naming the line."""
        path = Path(path)
        with path.open(encoding="utf-8") as handle:
            return cls.from_records(handle, source=str(path))

    @classmethod
    def from_records(
        cls, lines: Iterable[str | Mapping[str, Any]], *, source: str = "records"
    ) -> FileProvider:
        by_hash: dict[str, EnrichmentResult] = {}
        emails: dict[str, str] = {}
        for number, line in enumerate(lines, start=1):
            if isinstance(line, str) and not line.strip():
                continue
            try:
                doc = json.loads(line) if isinstance(line, str) else line
                email = doc["email"]
                if not isinstance(email, str) or "@" not in email:
                    raise ValueError("`email` is not an email address")
                result = EnrichmentResult.from_payload(
                    cls.name, "found", {"contact": doc.get("contact"), "company": doc.get("company")}
                )
            except (ValueError, KeyError, TypeError, AttributeError) as exc:
                raise ConfigInvalid(f"{source} line {number}: not a valid enrichment record ({exc})") from exc
            by_hash[email_hash(email)] = result
            contact, company = doc.get("contact") or {}, doc.get("company") or {}
            for fields in (
                {"linkedin_url": contact.get("linkedin_url")},
                {
                    "first_name": doc.get("first_name"),
                    "last_name": doc.get("last_name"),
                    "company_domain": company.get("domain"),
                },
            ):
                if (query := query_for(fields)) is not None:
                    emails.setdefault(query.key, email.strip().lower())
        return cls(by_hash, emails)

    def __len__(self) -> int:
        return len(self._by_hash)

    async def enrich(self, email: str, hints: PersonHints) -> EnrichmentResult:
        return self._by_hash.get(email_hash(email)) or EnrichmentResult.not_found(self.name)

    async def match_email(self, query: MatchQuery) -> MatchAnswer:
        keys = [query.key]
        if query.linkedin_url and query.first_name and query.last_name and query.company_domain:
            keys.append(MatchQuery(None, query.first_name, query.last_name, query.company_domain).key)
        for key in keys:
            if key in self._emails:
                email = self._emails[key]
                profile = self._by_hash.get(email_hash(email))
                return MatchAnswer(ResultStatus.FOUND, self.name, email=email, profile=profile)
        return MatchAnswer(ResultStatus.NOT_FOUND, self.name)

    async def search_organization(self, name: str) -> EnrichmentResult:
        company = pick(name, self._companies)
        if company is None:
            return EnrichmentResult.not_found(self.name)
        return EnrichmentResult.found(self.name, ContactEnrichment(), company)

    async def aclose(self) -> None:
        """Nothing to release; present so every provider can be closed the same way."""
