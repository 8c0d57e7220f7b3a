"""Rows without an email: find the person's email through the enrichment provider's match call.

A LinkedIn Connections export is mostly rows with a profile URL and a name but no email. With
enrichment on, such a row (a LinkedIn profile URL, or first name + last name + company domain)
is looked up before dedup; a found email makes it an ordinary row, anything else leaves it an
`error` `MISSING_EMAIL` whose reason says what happened. Without enrichment the reason says
that turning it on can resolve the row.

Answers are cached in the platform-wide EnrichmentCache under a hash of the normalised query
(`match#` prefix, so never an email's hash), found for 90 days and not-found for 30 like any
enrichment; failures are not cached. Everything here is pure apart from the two ports
(`EmailMatcher`, `MatchCachePort`) and a clock value passed in.
"""

from __future__ import annotations

import asyncio
import hashlib
import re
import unicodedata
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Protocol, runtime_checkable

from functions.common.canonical import canonical_email
from functions.common.rows import Reason, Row
from functions.enrich.cache import CacheEntry, CachePolicy, email_hash, require_aware
from functions.enrich.models import EnrichmentResult, ResultStatus

_PROFILE = re.compile(r"^(?:https?://)?(?:[a-z]{2,3}\.)?linkedin\.com/(?:in|pub)/([^/?#\s]+)", re.I)
KEY_PREFIX = "match#"

ENRICH_HINT = "; turning enrichment on (--enrich, API option `enrich`) can find it from the row's {by}"


def _norm(value: object) -> str:
    if not isinstance(value, str):
        return ""
    return " ".join(unicodedata.normalize("NFC", value).split()).lower()


def profile_handle(value: object) -> str | None:
    """The handle of a LinkedIn person profile URL (`linkedin.com/in/<handle>` in any form), or None."""
    if not isinstance(value, str):
        return None
    match = _PROFILE.match(value.strip())
    return match.group(1).lower().rstrip("/") if match else None


@dataclass(frozen=True, slots=True)
class MatchQuery:
    """What a row offers to find its email by: a LinkedIn profile, else name + company domain."""

    linkedin_url: str | None = None
    first_name: str | None = None
    last_name: str | None = None
    company_domain: str | None = None

    @property
    def by(self) -> str:
        return "LinkedIn profile URL" if self.linkedin_url else "name and company domain"

    @property
    def key(self) -> str:
        """The normalised identity of the query; two rows with the same key are one lookup."""
        if self.linkedin_url:
            return f"li:{profile_handle(self.linkedin_url)}"
        return f"nd:{_norm(self.first_name)}|{_norm(self.last_name)}|{_norm(self.company_domain)}"

    @property
    def cache_key(self) -> str:
        return KEY_PREFIX + hashlib.sha256(self.key.encode("utf-8")).hexdigest()


def query_for(fields: Mapping[str, Any]) -> MatchQuery | None:
    """The lookup a row's fields allow, or None (no profile URL and not all of first, last, domain)."""
    url = fields.get("linkedin_url")
    handle = profile_handle(url)
    first, last, domain = (_norm(fields.get(n)) for n in ("first_name", "last_name", "company_domain"))
    if handle:
        return MatchQuery(
            linkedin_url=f"https://www.linkedin.com/in/{handle}",
            first_name=first or None,
            last_name=last or None,
            company_domain=domain or None,
        )
    if first and last and domain:
        return MatchQuery(first_name=first, last_name=last, company_domain=domain)
    return None


def needs_email(row: Row) -> bool:
    """A row the parser marked MISSING_EMAIL (and nothing worse) that has no email."""
    return row.error == Reason.MISSING_EMAIL and not row.fields.get("email")


def resolvable(row: Row) -> bool:
    return needs_email(row) and query_for(row.fields) is not None


def hint_without_enrichment(row: Row) -> None:
    """Enrichment off: a row that could be resolved says so in its reason; in place."""
    query = query_for(row.fields) if needs_email(row) else None
    if query is not None:
        detail = row.error_detail or "the row has no email address"
        row.error_detail = detail + ENRICH_HINT.format(by=query.by)


@dataclass(frozen=True, slots=True)
class MatchAnswer:
    """One match call's answer: found (with `email`), not_found, or failed (with `error`)."""

    status: ResultStatus
    provider: str
    email: str | None = None
    error: str | None = None
    # the person's profile when the match call returned it (Apollo and PDL do): cached as the
    # email's enrichment, so the Enrich stage does not pay a second call for the same person
    profile: EnrichmentResult | None = None


@dataclass(frozen=True, slots=True)
class MatchEntry:
    """A cached answer. Stored in the EnrichmentCache table: `email_hash` holds `cache_key`."""

    key: str
    answer: MatchAnswer
    fetched_at: datetime
    expires_at: datetime

    @classmethod
    def create(cls, key: str, answer: MatchAnswer, now: datetime, policy: CachePolicy) -> MatchEntry:
        now = require_aware(now)
        return cls(key, answer, now, now + policy.ttl(answer.status))

    def is_fresh(self, now: datetime) -> bool:
        return require_aware(now) < self.expires_at

    def to_item(self) -> dict[str, Any]:
        return {
            "email_hash": self.key,
            "provider": self.answer.provider,
            "status": str(self.answer.status),
            "payload": {"email": self.answer.email} if self.answer.email else None,
            "fetched_at": self.fetched_at.astimezone(UTC).isoformat(),
            "expires_at_epoch": int(self.expires_at.timestamp()),
        }

    @classmethod
    def from_item(cls, item: Mapping[str, Any]) -> MatchEntry:
        payload = item.get("payload") or {}
        return cls(
            key=item["email_hash"],
            answer=MatchAnswer(ResultStatus(item["status"]), item["provider"], payload.get("email")),
            fetched_at=datetime.fromisoformat(item["fetched_at"]),
            expires_at=datetime.fromtimestamp(int(item["expires_at_epoch"]), UTC),
        )


@runtime_checkable
class EmailMatcher(Protocol):
    """A provider that can find a person's work email from a profile URL or name + domain."""

    name: str

    async def match_email(self, query: MatchQuery) -> MatchAnswer: ...


class MatchCachePort(Protocol):
    def get_many(self, keys: Sequence[str]) -> Mapping[str, MatchEntry]: ...

    def put_many(self, entries: Sequence[MatchEntry]) -> None: ...


class ProfileCachePort(Protocol):
    """Where a match's profile goes: the enrichment cache, keyed on the found email's hash."""

    def put_many(self, entries: Sequence[CacheEntry]) -> None: ...


def plan(
    queries: Iterable[MatchQuery],
    cached: Mapping[str, MatchEntry],
    *,
    now: datetime,
    limit: int | None,
) -> tuple[dict[str, MatchEntry], list[str]]:
    """(fresh cached entries by cache key, distinct keys to ask the provider within `limit`)."""
    if limit is not None and limit < 0:
        raise ValueError("limit must not be negative")
    fresh: dict[str, MatchEntry] = {}
    wanted: list[str] = []
    for key in dict.fromkeys(q.cache_key for q in queries):
        entry = cached.get(key)
        if entry is not None and entry.is_fresh(now):
            fresh[key] = entry
        else:
            wanted.append(key)
    return fresh, wanted if limit is None else wanted[:limit]


def wanted_calls(rows: Sequence[Row], cached: Mapping[str, MatchEntry], *, now: datetime) -> int:
    """How many match calls these rows would cost now (no limit applied)."""
    queries = [q for r in rows if resolvable(r) and (q := query_for(r.fields)) is not None]
    return len(plan(queries, cached, now=now, limit=None)[1])


def apply_answer(row: Row, query: MatchQuery, answer: MatchAnswer | None, *, cached: bool) -> None:
    """Give the row its found email, or say in its MISSING_EMAIL reason why it has none; in place.

    `answer` None: the import's call limit was reached before this row's turn.
    """
    by = query.by
    if answer is not None and answer.status is ResultStatus.FOUND and answer.email:
        try:
            email = canonical_email(answer.email)
        except ValueError:
            email = None
        if email is not None:
            row.error, row.error_detail = None, None
            row.fields["email"] = email
            row.meta["m"] = {"by": by, "cached": cached, "provider": answer.provider}
            row.warnings.append(f"EMAIL_FOUND: the email was found by enrichment from the row's {by}")
            return
    row.meta["m"] = {"by": by, "cached": cached, "status": "none" if answer is None else str(answer.status)}
    if answer is None:
        why = (
            "the import's enrichment call limit (--enrich-limit) was reached before its email could "
            f"be looked up by {by}"
        )
    elif answer.status is ResultStatus.FAILED:
        why = f"enrichment could not look up its email by {by} ({answer.error or 'provider error'}); re-import to retry"
    else:
        why = f"enrichment found no email for its {by}"
    row.error, row.error_detail = Reason.MISSING_EMAIL, f"the row has no email address and {why}"


def stopped(row: Row, why: str) -> None:
    """Enrichment could not run at all (quota exhausted, key rejected): the row keeps its error."""
    row.meta["m"] = {"status": "stopped"}
    row.error_detail = (
        f"the row has no email address and enrichment could not look it up ({why}); re-import to retry"
    )


def unsupported(row: Row, provider: str) -> None:
    row.error_detail = (
        f"the row has no email address, and the enrichment provider {provider!r} cannot look one up"
    )


@dataclass(slots=True)
class ResolveOutcome:
    calls: int = 0
    cache_hits: int = 0
    found: int = 0
    unresolved: int = 0


async def resolve_rows(
    rows: Sequence[Row],
    matcher: EmailMatcher,
    cache: MatchCachePort,
    *,
    now: datetime,
    limit: int | None = None,
    reserve: Callable[[int], int | None] | None = None,
    profiles: ProfileCachePort | None = None,
    concurrency: int = 8,
    policy: CachePolicy | None = None,
) -> ResolveOutcome:
    """Resolve every resolvable row of `rows` in place: cache first, then at most `limit` calls
    (one per distinct query; `reserve`, given the number of calls wanted, may grant fewer). Answers are written to the cache as they arrive, before any
    exception leaves, so a retried intake pays for nothing twice."""
    now = require_aware(now)
    policy = policy or CachePolicy()
    todo = [(r, q) for r in rows if needs_email(r) and (q := query_for(r.fields)) is not None]
    outcome = ResolveOutcome()
    if not todo:
        return outcome
    keys = list(dict.fromkeys(q.cache_key for _, q in todo))
    cached = await asyncio.to_thread(cache.get_many, keys)
    fresh, to_call = plan((q for _, q in todo), cached, now=now, limit=limit)
    if reserve is not None and to_call:
        granted = reserve(len(to_call))
        if granted is not None:
            to_call = to_call[:granted]
    first: dict[str, MatchQuery] = {}
    for _, q in todo:
        first.setdefault(q.cache_key, q)

    answers: dict[str, MatchAnswer] = {}
    pending = iter(to_call)
    fatal: list[BaseException] = []

    async def worker() -> None:
        try:
            for key in pending:
                if fatal:
                    return
                answer = await matcher.match_email(first[key])
                answers[key] = answer
                if answer.status is not ResultStatus.FAILED:
                    await asyncio.to_thread(cache.put_many, [MatchEntry.create(key, answer, now, policy)])
                profile = answer.profile
                if profiles and answer.email and profile and profile.status is ResultStatus.FOUND:
                    entry = CacheEntry.create(email_hash(answer.email), profile, now, policy)
                    await asyncio.to_thread(profiles.put_many, [entry])
        except Exception as exc:
            fatal.append(exc)

    workers = min(concurrency, len(to_call))
    if workers:
        await asyncio.gather(*(worker() for _ in range(workers)))
    if fatal:
        raise fatal[0]
    outcome.calls = len(answers)
    for row, query in todo:
        key = query.cache_key
        hit = key in fresh
        answer = fresh[key].answer if hit else answers.get(key)
        outcome.cache_hits += hit
        apply_answer(row, query, answer, cached=hit)
        if row.error is None:
            outcome.found += 1
        else:
            outcome.unresolved += 1
    return outcome
