"""Company names through the provider's organisation search: which answer is used, one call per
distinct name, cached, within the call limit."""

from __future__ import annotations

import asyncio
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from functions.common.company_names import normalise_company_name
from functions.common.rows import Row
from functions.enrich.cache import CacheEntry
from functions.enrich.errors import QuotaExhausted
from functions.enrich.file_provider import FileProvider
from functions.enrich.models import CompanyEnrichment, ContactEnrichment, EnrichmentResult
from functions.enrich.org_search import OrgSearcher, org_key, pick, resolve_by_provider, wanted_calls

NOW = datetime(2026, 12, 3, 9, 0, tzinfo=UTC)


def co(name: str, domain: str, **extra: object) -> CompanyEnrichment:
    return CompanyEnrichment(name=name, domain=domain, **extra)  # type: ignore[arg-type]


def row(number: int, company: str, **fields: str) -> Row:
    r = Row(number, [], fields={"email": f"p{number}@gmail.com", "company_name": company, **fields})
    r.meta["cn"] = normalise_company_name(company)
    return r


class Cache:
    def __init__(self) -> None:
        self.items: dict[str, CacheEntry] = {}

    def get_many(self, keys: Sequence[str]) -> Mapping[str, CacheEntry]:
        return {k: self.items[k] for k in keys if k in self.items}

    def put_many(self, entries: Sequence[CacheEntry]) -> None:
        self.items.update({e.email_hash: e for e in entries})


class Searcher:
    name = "fake"

    def __init__(self, companies: Sequence[CompanyEnrichment], quota_after: int | None = None) -> None:
        self.companies, self.calls, self.quota_after = list(companies), [], quota_after

    async def search_organization(self, name: str) -> EnrichmentResult:
        if self.quota_after is not None and len(self.calls) >= self.quota_after:
            raise QuotaExhausted(self.name)
        self.calls.append(name)
        found = pick(name, self.companies)
        return (
            EnrichmentResult.found(self.name, ContactEnrichment(), found)
            if found
            else (EnrichmentResult.not_found(self.name))
        )


def test_pick_takes_the_candidate_carrying_the_name_among_others_sharing_a_word() -> None:
    hits = [co("Acme Logistics", "acmelog.com"), co("ACME, Inc.", "acme.com"), co("Acme Labs", "acmelabs.io")]
    assert pick("Acme Inc", hits) == hits[1]


def test_pick_refuses_two_companies_carrying_one_name_and_mere_neighbours() -> None:
    assert pick("Acme", [co("Acme Inc", "acme.com"), co("Acme GmbH", "acme.de")]) is None
    assert pick("Acme", [co("Acme Logistics", "acmelog.com")]) is None
    assert pick("Acme", [co("Acme", None)]) is None  # type: ignore[arg-type]


@given(st.sampled_from(["Inc.", "LLC", "GmbH", "Ltd", "S.A.", ""]), st.sampled_from([str.upper, str.lower]))
def test_pick_matches_suffix_and_case_variants(suffix: str, case: object) -> None:
    query = case(f"Nimbus Cloud {suffix}")  # type: ignore[operator]
    assert pick(query, [co("Nimbus Cloud Corporation", "nimbus.io")]) is not None


def test_one_call_per_distinct_name_and_the_answer_fills_domain_and_firmographics() -> None:
    searcher = Searcher([co("Globex Corporation", "globex.com", industry="utilities", employee_count=900)])
    rows = [row(1, "Globex Corp."), row(2, "GLOBEX"), row(3, "Initrode Ltd")]
    outcome = asyncio.run(resolve_by_provider(rows, searcher, Cache(), now=NOW))
    assert len(searcher.calls) == 2 and (outcome.calls, outcome.resolved) == (2, 2)
    assert [r.fields.get("company_domain") for r in rows] == ["globex.com", "globex.com", None]
    assert rows[0].meta["company"] == {
        "name": "Globex Corporation",
        "domain": "globex.com",
        "industry": "utilities",
        "employee_count": 900,
    }
    assert "COMPANY_DOMAIN_RESOLVED: by provider ('Globex Corp.' -> globex.com)" in rows[0].warnings
    assert any(w.startswith("COMPANY_UNRESOLVED") for w in rows[2].warnings)
    assert [r.meta["o"]["paid"] for r in rows] == [True, False, True]


def test_answers_are_cached_and_a_rerun_calls_nobody() -> None:
    cache, searcher = Cache(), Searcher([co("Globex", "globex.com")])
    asyncio.run(resolve_by_provider([row(1, "Globex"), row(2, "Umbrella")], searcher, cache, now=NOW))
    assert set(cache.items) == {org_key("globex"), org_key("umbrella")}  # the miss too
    again = [row(1, "Globex"), row(2, "Umbrella")]
    outcome = asyncio.run(resolve_by_provider(again, searcher, cache, now=NOW + timedelta(days=1)))
    assert (outcome.calls, outcome.cache_hits) == (0, 2) and len(searcher.calls) == 2
    assert again[0].fields["company_domain"] == "globex.com"
    assert wanted_calls(again, cache, now=NOW) == 0


def test_the_call_limit_leaves_the_rest_unresolved_with_a_reason() -> None:
    searcher = Searcher([])
    rows = [row(1, "Alpha"), row(2, "Bravo"), row(3, "Charlie")]
    asyncio.run(resolve_by_provider(rows, searcher, Cache(), now=NOW, reserve=lambda wanted: 1))
    assert len(searcher.calls) == 1
    assert sum("call limit" in w for r in rows for w in r.warnings) == 2


def test_quota_exhausted_propagates_after_caching_what_was_answered() -> None:
    cache = Cache()
    searcher = Searcher([co("Alpha", "alpha.com")], quota_after=1)
    with pytest.raises(QuotaExhausted):
        asyncio.run(
            resolve_by_provider([row(1, "Alpha"), row(2, "Bravo")], searcher, cache, now=NOW, concurrency=1)
        )
    assert set(cache.items) == {org_key("alpha")}


def test_rows_with_a_domain_or_no_unresolved_name_are_not_searched() -> None:
    searcher = Searcher([])
    done = row(1, "Alpha", company_domain="alpha.com")
    plain = Row(2, [], fields={"email": "x@gmail.com", "company_name": "Bravo"})  # Dedup resolved nothing
    asyncio.run(resolve_by_provider([done, plain], searcher, Cache(), now=NOW))
    assert searcher.calls == [] and done.warnings == [] and plain.warnings == []


def test_the_file_provider_searches_its_records_companies() -> None:
    provider = FileProvider.from_records(
        [
            {
                "email": "a@hooli.com",
                "company": {"name": "Hooli, Inc.", "domain": "hooli.com", "industry": "internet"},
            }
        ]
    )
    assert isinstance(provider, OrgSearcher)
    found = asyncio.run(provider.search_organization("HOOLI"))
    assert found.company is not None and found.company.domain == "hooli.com"
    assert asyncio.run(provider.search_organization("Hooli Logistics")).company is None
