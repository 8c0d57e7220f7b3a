"""Rows without an email: which rows can be looked up, by what, and what each answer does."""

from __future__ import annotations

import asyncio
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from functions.common.rows import Reason, Row
from functions.enrich.cache import CachePolicy
from functions.enrich.email_match import (
    MatchAnswer,
    MatchEntry,
    MatchQuery,
    apply_answer,
    hint_without_enrichment,
    plan,
    profile_handle,
    query_for,
    resolvable,
    resolve_rows,
)
from functions.enrich.file_provider import FileProvider
from functions.enrich.models import ResultStatus

NOW = datetime(2026, 12, 3, 9, 0, tzinfo=UTC)


def row(number: int, **fields: str) -> Row:
    r = Row(number, [], fields=dict(fields))
    if "email" not in fields:
        r.error, r.error_detail = (
            Reason.MISSING_EMAIL,
            "the 'Email Address' cell is empty; every row needs an email address",
        )
    return r


class Cache:
    def __init__(self) -> None:
        self.items: dict[str, MatchEntry] = {}

    def get_many(self, keys: Sequence[str]) -> Mapping[str, MatchEntry]:
        return {k: self.items[k] for k in keys if k in self.items}

    def put_many(self, entries: Sequence[MatchEntry]) -> None:
        self.items.update({e.key: e for e in entries})


class Matcher:
    name = "fake"

    def __init__(self, emails: Mapping[str, str], fail: frozenset[str] = frozenset()) -> None:
        self.emails, self.fail, self.calls = dict(emails), fail, []

    async def match_email(self, query: MatchQuery) -> MatchAnswer:
        self.calls.append(query.key)
        if query.key in self.fail:
            return MatchAnswer(ResultStatus.FAILED, self.name, error="TIMEOUT")
        email = self.emails.get(query.key)
        return MatchAnswer(ResultStatus.FOUND if email else ResultStatus.NOT_FOUND, self.name, email)


@pytest.mark.parametrize(
    "url",
    [
        "https://www.linkedin.com/in/zoe-brown-7219",
        "http://linkedin.com/in/Zoe-Brown-7219/",
        "www.linkedin.com/in/zoe-brown-7219?trk=abc",
        "uk.linkedin.com/in/zoe-brown-7219",
    ],
)
def test_linkedin_profile_forms_are_one_query(url: str) -> None:
    query = query_for({"linkedin_url": url})
    assert query is not None and query.key == "li:zoe-brown-7219"
    assert query.by == "LinkedIn profile URL"


def test_company_pages_and_other_urls_are_not_profiles() -> None:
    assert profile_handle("https://www.linkedin.com/company/acme") is None
    assert profile_handle("https://example.com/in/zoe") is None
    assert query_for({"linkedin_url": "https://www.linkedin.com/company/acme"}) is None


def test_name_and_domain_need_all_three() -> None:
    assert query_for({"first_name": "Zoe", "last_name": "Brown"}) is None
    assert query_for({"first_name": "Zoe", "company_domain": "acme.com"}) is None
    q = query_for({"first_name": " Zoe ", "last_name": "BROWN", "company_domain": "Acme.com"})
    assert q is not None and q.key == "nd:zoe|brown|acme.com" and q.by == "name and company domain"


@given(st.text(min_size=1, max_size=20), st.text(min_size=1, max_size=20))
def test_cache_keys_never_collide_with_email_hashes(first: str, last: str) -> None:
    q = MatchQuery(first_name=first, last_name=last, company_domain="acme.com")
    assert q.cache_key.startswith("match#") and len(q.cache_key) == len("match#") + 64


def test_only_missing_email_rows_are_resolvable() -> None:
    assert resolvable(row(1, linkedin_url="linkedin.com/in/x"))
    assert not resolvable(row(2, email="a@b.com", linkedin_url="linkedin.com/in/x"))
    invalid = row(3, linkedin_url="linkedin.com/in/x")
    invalid.error = Reason.INVALID_EMAIL
    assert not resolvable(invalid)
    assert not resolvable(row(4, first_name="Zoe"))


def test_without_enrichment_the_reason_says_enrichment_can_help() -> None:
    r = row(1, linkedin_url="https://www.linkedin.com/in/zoe")
    hint_without_enrichment(r)
    assert r.error == Reason.MISSING_EMAIL
    assert "turning enrichment on" in (r.error_detail or "")
    assert "LinkedIn profile URL" in (r.error_detail or "")
    plain = row(2, first_name="Zoe")
    hint_without_enrichment(plain)
    assert "enrichment" not in (plain.error_detail or "")


def test_found_answer_makes_an_ordinary_row() -> None:
    r = row(1, linkedin_url="https://www.linkedin.com/in/zoe")
    q = query_for(r.fields)
    assert q is not None
    apply_answer(r, q, MatchAnswer(ResultStatus.FOUND, "file", " Zoe@Acme.COM "), cached=False)
    assert r.error is None and r.error_detail is None
    assert r.fields["email"] == "zoe@acme.com"
    assert any(w.startswith("EMAIL_FOUND") for w in r.warnings)


@pytest.mark.parametrize(
    ("answer", "says"),
    [
        (MatchAnswer(ResultStatus.NOT_FOUND, "file"), "enrichment found no email"),
        (MatchAnswer(ResultStatus.FOUND, "file", "not an email"), "enrichment found no email"),
        (MatchAnswer(ResultStatus.FAILED, "file", error="TIMEOUT"), "could not look up"),
        (None, "call limit (--enrich-limit) was reached"),
    ],
)
def test_unresolved_rows_stay_missing_email_with_the_reason(answer: MatchAnswer | None, says: str) -> None:
    r = row(1, first_name="Zoe", last_name="Brown", company_domain="acme.com")
    q = query_for(r.fields)
    assert q is not None
    apply_answer(r, q, answer, cached=False)
    assert r.error == Reason.MISSING_EMAIL and says in (r.error_detail or "")
    assert "email" not in r.fields


def test_plan_uses_fresh_entries_dedups_and_caps() -> None:
    a, b, c = (MatchQuery(linkedin_url=f"https://www.linkedin.com/in/{h}") for h in "abc")
    policy = CachePolicy()
    fresh_entry = MatchEntry.create(a.cache_key, MatchAnswer(ResultStatus.NOT_FOUND, "f"), NOW, policy)
    stale = MatchEntry.create(
        b.cache_key, MatchAnswer(ResultStatus.FOUND, "f", "b@x.com"), NOW - timedelta(days=91), policy
    )
    fresh, to_call = plan([a, b, b, c], {a.cache_key: fresh_entry, b.cache_key: stale}, now=NOW, limit=None)
    assert list(fresh) == [a.cache_key] and to_call == [b.cache_key, c.cache_key]
    assert plan([a, b, c], {}, now=NOW, limit=1)[1] == [a.cache_key]
    with pytest.raises(ValueError):
        plan([a], {}, now=NOW, limit=-1)


def test_entry_round_trips_through_an_item() -> None:
    e = MatchEntry.create("match#k", MatchAnswer(ResultStatus.FOUND, "apollo", "z@a.com"), NOW, CachePolicy())
    assert MatchEntry.from_item(e.to_item()) == e


def test_resolve_rows_calls_once_per_query_caches_and_respects_the_grant() -> None:
    rows = [
        row(1, linkedin_url="https://www.linkedin.com/in/zoe"),
        row(2, linkedin_url="http://linkedin.com/in/ZOE/"),  # the same person: one call
        row(3, first_name="Liam", last_name="Cohen", company_domain="acme.com"),
        row(4, linkedin_url="https://www.linkedin.com/in/nobody"),
        row(5, email="x@y.com"),
    ]
    matcher = Matcher({"li:zoe": "zoe@acme.com", "nd:liam|cohen|acme.com": "liam@acme.com"})
    cache = Cache()
    out = asyncio.run(resolve_rows(rows, matcher, cache, now=NOW))
    assert (out.calls, out.found, out.unresolved, out.cache_hits) == (3, 3, 1, 0)
    assert [r.fields.get("email") for r in rows] == [
        "zoe@acme.com",
        "zoe@acme.com",
        "liam@acme.com",
        None,
        "x@y.com",
    ]
    assert rows[3].error == Reason.MISSING_EMAIL and "found no email" in (rows[3].error_detail or "")
    assert len(cache.items) == 3  # the not-found is cached too

    again = [
        row(1, linkedin_url="https://www.linkedin.com/in/zoe"),
        row(2, linkedin_url="linkedin.com/in/nobody"),
    ]
    out = asyncio.run(resolve_rows(again, matcher, cache, now=NOW))
    assert (out.calls, out.cache_hits) == (0, 2) and len(matcher.calls) == 3

    capped = [row(i, linkedin_url=f"linkedin.com/in/p{i}") for i in range(5)]
    asked: list[int] = []
    out = asyncio.run(
        resolve_rows(capped, matcher, Cache(), now=NOW, reserve=lambda wanted: asked.append(wanted) or 2)
    )
    assert asked == [5] and out.calls == 2
    assert sum("call limit" in (r.error_detail or "") for r in capped) == 3


def test_a_profile_returned_with_the_match_is_cached_as_the_emails_enrichment() -> None:
    from functions.enrich.cache import CacheEntry, email_hash
    from functions.enrich.models import ContactEnrichment, EnrichmentResult

    class Profiles:
        def __init__(self) -> None:
            self.entries: list[CacheEntry] = []

        def put_many(self, entries: Sequence[CacheEntry]) -> None:
            self.entries.extend(entries)

    profile = EnrichmentResult.found("fake", ContactEnrichment(title="VP"), None)

    class WithProfile(Matcher):
        async def match_email(self, query: MatchQuery) -> MatchAnswer:
            answer = await super().match_email(query)
            return MatchAnswer(
                answer.status, answer.provider, answer.email, profile=profile if answer.email else None
            )

    profiles = Profiles()
    rows = [row(1, linkedin_url="linkedin.com/in/zoe"), row(2, linkedin_url="linkedin.com/in/nobody")]
    asyncio.run(
        resolve_rows(rows, WithProfile({"li:zoe": "Zoe@Acme.com"}), Cache(), now=NOW, profiles=profiles)
    )
    (entry,) = profiles.entries
    assert entry.email_hash == email_hash("zoe@acme.com") and entry.result == profile and entry.is_fresh(NOW)


def test_failures_are_not_cached() -> None:
    cache = Cache()
    matcher = Matcher({}, fail=frozenset({"li:zoe"}))
    r = row(1, linkedin_url="linkedin.com/in/zoe")
    asyncio.run(resolve_rows([r], matcher, cache, now=NOW))
    assert "could not look up" in (r.error_detail or "") and not cache.items


def test_file_provider_matches_by_profile_and_by_name_and_domain() -> None:
    provider = FileProvider.from_records(
        [
            {"email": "Zoe.Brown@acme.com", "contact": {"linkedin_url": "https://www.linkedin.com/in/zoe-b"}},
            {
                "email": "liam@acme.com",
                "first_name": "Liam",
                "last_name": "Cohen",
                "company": {"domain": "acme.com"},
            },
        ]
    )
    by_url = query_for({"linkedin_url": "linkedin.com/in/Zoe-B"})
    by_name = query_for({"first_name": "liam", "last_name": "cohen", "company_domain": "ACME.com"})
    nobody = query_for({"linkedin_url": "linkedin.com/in/nobody"})
    assert by_url and by_name and nobody
    assert asyncio.run(provider.match_email(by_url)).email == "zoe.brown@acme.com"
    assert asyncio.run(provider.match_email(by_name)).email == "liam@acme.com"
    assert asyncio.run(provider.match_email(nobody)).status is ResultStatus.NOT_FOUND


LINKEDIN = (
    "First Name,Last Name,URL,Company,Position\n"
    "Zoe,Brown,https://www.linkedin.com/in/zoe-brown-7219,Acme,VP\n"
    "Liam,Cohen,,Acme,Engineer\n"
)


def parse(text: str, **options: object) -> list[Row]:
    from tests.unit.test_intake_parse import intake

    return list(intake(text, **options).rows())


def test_with_enrichment_a_file_without_an_email_column_is_read() -> None:
    from functions.common.errors import FileRejected

    with pytest.raises(FileRejected) as refused:
        parse(LINKEDIN)
    assert refused.value.code == "NO_EMAIL_COLUMN"
    zoe, liam = parse(LINKEDIN, resolve_emails=True)
    assert resolvable(zoe) and zoe.fields["linkedin_url"].endswith("/in/zoe-brown-7219")
    assert liam.error == Reason.MISSING_EMAIL and not resolvable(liam)


def test_no_emails_counts_only_rows_nothing_can_look_up() -> None:
    from functions.common.errors import FileRejected

    text = "First Name,Last Name,URL,Email\nZoe,Brown,https://www.linkedin.com/in/zoe,\nLiam,Cohen,,\n"
    with pytest.raises(FileRejected) as refused:
        parse(text)
    assert refused.value.code == "NO_EMAILS"
    assert "1 of them have a LinkedIn profile URL" in refused.value.message
    assert len(parse(text, resolve_emails=True)) == 2  # one row can be resolved: not refused
    with pytest.raises(FileRejected) as still:
        parse("First Name,Email\nZoe,\nLiam,\n", resolve_emails=True)
    assert still.value.code == "NO_EMAILS" and "LinkedIn" not in still.value.message
