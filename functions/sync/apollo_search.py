"""Apollo people search as an import source: a workspace's ICP rules become Apollo queries.

`build_query` is pure, so `--dry-run` can print exactly what would be sent; `ApolloSearch`
runs it and yields SyncRecords until `max_people`, in two steps, both with the workspace's key
in `X-Api-Key`:

1. find: `POST /api/v1/mixed_people/api_search`, `page`/`per_page` paging up to
   `total_entries` (500 pages at most). Apollo's documentation names this the people search
   for API callers: "optimized for API usage", it "does not consume credits" and "does not
   return email addresses or phone numbers" (docs.apollo.io/reference/people-api-search). The
   older `/api/v1/mixed_people/search` is the app's search, spends export credits per page
   (docs.apollo.io/docs/api-pricing) and answers API keys of many plans `API_INACCESSIBLE`.
2. reveal: `POST /api/v1/people/bulk_match` with the people found, ten ids a call
   (docs.apollo.io/reference/bulk-people-enrichment), `reveal_personal_emails` and
   `reveal_phone_number` off. This is where the workspace's Apollo credits burn, one per person
   enriched, and only for the at most `max_people` people the import takes. A person Apollo
   cannot match stays a contact without an email (the import reports MISSING_EMAIL).

Several rules: one search per rule of the requested tiers, in rule order (the order the tiering
itself uses, first match wins), de-duplicated by Apollo person id. One query per rule rather
than one merged query because Apollo ANDs different filters: merging "VPs at 50-200 people" with
"CTOs anywhere" would ask for CTO-or-VP at 50-200, which is neither rule. A rule with no
conditions (a catch-all) is skipped: it would search all of Apollo.

Translation is deliberately loose in one direction only: it may fetch more than a rule matches
(the import tiers every contact with the full rule afterwards) but never less. So a condition
Apollo cannot express exactly is left out of the body and listed under `not_sent`, e.g. a
department list with a value that has no Apollo department slug (Apollo answers an unknown
slug with zero people, which would hide the rule's other departments).

Apollo answers locked people with placeholder emails (`email_not_unlocked@domain.com`); those
become contacts without an email, which the import reports as MISSING_EMAIL rather than
importing a fake address.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Iterable, Iterator, Mapping
from datetime import UTC, datetime
from functools import lru_cache
from typing import Any

import phonenumbers
from phonenumbers import geocoder
from pydantic import SecretStr

from functions.common.config_models import Conditions, IcpRule
from functions.sync.http import Auth, SyncHttp, build_contact, join_url, parse_instant, require_token, session
from functions.sync.ports import SyncError, SyncRecord

log = logging.getLogger(__name__)

PROVIDER = "apollo"
BASE_URL = "https://api.apollo.io"
SEARCH_PATH = "/api/v1/mixed_people/api_search"
REVEAL_PATH = "/api/v1/people/bulk_match"
REVEAL_BATCH = 10  # bulk_match enriches at most ten people a call
# personal emails and phone numbers cost extra credits and the import has no use for them
REVEAL_PARAMS = {"reveal_personal_emails": "false", "reveal_phone_number": "false"}
MAX_PER_PAGE = 100
MAX_PAGES = 500  # Apollo displays at most 500 pages (50,000 people) of one search
MAX_EMPLOYEES = 1_000_000  # the open top of an employee range

# our department vocabulary -> Apollo's master department slugs (person_department_or_subdepartments)
APOLLO_DEPARTMENTS: dict[str, str] = {
    "executive": "c_suite",
    "engineering": "engineering_technical",
    "product": "product_management",
    "design": "design",
    "information_technology": "information_technology",
    "marketing": "marketing",
    "sales": "sales",
    "finance": "finance",
    "human_resources": "human_resources",
    "legal": "legal",
    "operations": "operations",
    "consulting": "consulting",
    "education": "education",
    "medical": "medical_health",
}

# Apollo person (search result) -> contact field; dotted paths read the nested organization
DEFAULT_MAPPING: dict[str, str] = {
    "email": "email",
    "first_name": "first_name",
    "last_name": "last_name",
    "name": "full_name",
    "title": "title",
    "seniority": "seniority",
    "linkedin_url": "linkedin_url",
    "city": "city",
    "state": "state",
    "country": "country",
    "organization.name": "company_name",
    "organization.primary_domain": "company_domain",
    "organization.website_url": "company_domain",
    "organization.industry": "custom:apollo_industry",
    "organization.estimated_num_employees": "custom:apollo_employees",
    "email_status": "verification_status",
}

_SLUG = re.compile(r"[^0-9a-z]+")


# ---------------------------------------------------------------------------------------------
# rules -> query


def build_query(
    rules: Iterable[IcpRule], *, tiers: Iterable[str] | None = None, per_page: int = MAX_PER_PAGE
) -> dict[str, Any]:
    """The searches for the rules of `tiers` (all tiers when None), as a printable plan:

    `{"endpoint": ..., "reveal": ..., "searches": [{"rule", "tier", "body", "not_sent"}],
    "skipped": [...]}`.
    """
    if not 1 <= per_page <= MAX_PER_PAGE:
        raise ValueError(f"per_page must be between 1 and {MAX_PER_PAGE}")
    wanted = {t.strip().upper() for t in tiers} if tiers is not None else None
    searches: list[dict[str, Any]] = []
    skipped: list[dict[str, str]] = []
    for rule in rules:
        if wanted is not None and rule.tier not in wanted:
            continue
        if rule.conditions.is_empty():
            skipped.append({"rule": rule.name, "reason": "no conditions: it would search all of Apollo"})
            continue
        body, not_sent = rule_body(rule.conditions)
        body.update(page=1, per_page=per_page)
        searches.append({"rule": rule.name, "tier": rule.tier, "body": body, "not_sent": not_sent})
    return {"endpoint": SEARCH_PATH, "reveal": REVEAL_PATH, "searches": searches, "skipped": skipped}


def rule_body(c: Conditions) -> tuple[dict[str, Any], list[str]]:
    """(Apollo filters, condition names left out) for one rule's conditions."""
    body: dict[str, Any] = {}
    not_sent: list[str] = []
    if c.title_contains:
        body["person_titles"] = list(c.title_contains)
        body["include_similar_titles"] = False
    if c.seniority_in:
        # our seniority vocabulary is Apollo's ladder, term for term
        body["person_seniorities"] = list(c.seniority_in)
    if c.department_in:
        slugs = [APOLLO_DEPARTMENTS.get(d) for d in c.department_in]
        if all(slugs):
            body["person_department_or_subdepartments"] = list(dict.fromkeys(s for s in slugs if s))
        else:
            not_sent.append("department_in")
    if c.employee_count_min is not None or c.employee_count_max is not None:
        body["organization_num_employees_ranges"] = [
            employee_range(c.employee_count_min, c.employee_count_max)
        ]
    if c.industry_in:
        body["q_organization_keyword_tags"] = [i.lower() for i in c.industry_in]
    if c.tech_stack_any:
        body["currently_using_any_of_technology_uids"] = [technology_uid(t) for t in c.tech_stack_any]
    if c.state_in:
        # a state name is specific enough on its own; "state AND country" has no Apollo form,
        # and the import's tiering checks the country afterwards
        body["person_locations"] = list(c.state_in)
        if c.country_in:
            not_sent.append("country_in")
    elif c.country_in:
        body["person_locations"] = [country_name(v) for v in c.country_in]
    if c.verification_status_in:
        # Apollo's email statuses are not ours term for term; the import's tiering checks it
        not_sent.append("verification_status_in")
    return body, not_sent


def employee_range(low: int | None, high: int | None) -> str:
    """Apollo's `"min,max"` employee range; an open end becomes 1 or a million."""
    return f"{max(low or 1, 1)},{high if high is not None else MAX_EMPLOYEES}"


def technology_uid(name: str) -> str:
    """Apollo technology uids are snake_case names: "Google Analytics" -> "google_analytics"."""
    return _SLUG.sub("_", name.casefold()).strip("_")


@lru_cache(maxsize=256)
def country_name(value: str) -> str:
    """An ISO code ("US") as the English name Apollo's locations use; other values as written."""
    code = value.strip().upper()
    if len(code) == 2 and code in phonenumbers.SUPPORTED_REGIONS:
        example = phonenumbers.example_number(code)
        name = geocoder.country_name_for_number(example, "en") if example else ""
        if name:
            return name
    return value.strip()


# ---------------------------------------------------------------------------------------------
# people -> records


def is_placeholder_email(email: Any) -> bool:
    """Apollo's stand-in for an email not unlocked on this plan: not an address at all."""
    return not isinstance(email, str) or not email.strip() or email.lower().startswith("email_not_unlocked@")


def to_record(raw: Any, now: datetime, mapping: Mapping[str, str] = DEFAULT_MAPPING) -> SyncRecord | None:
    """One Apollo person as a SyncRecord (`now` stamps people Apollo gives no `updated_at`);
    None without an id."""
    if not isinstance(raw, Mapping):
        return None
    person_id = str(raw.get("person_id") or raw.get("id") or "").strip()
    if not person_id:
        return None
    person = dict(raw)
    if is_placeholder_email(person.get("email")):
        person["email"] = None
    contact = build_contact(person, mapping, {"apollo_id": person_id})
    departments = raw.get("departments")
    if isinstance(departments, list) and departments and isinstance(departments[0], str):
        contact["department"] = departments[0].removeprefix("master_")
    stamp = parse_instant(raw.get("updated_at")) or now
    return SyncRecord(source_id=person_id, modified_at=stamp, contact=contact)


class ApolloSearch:
    """Runs a `build_query` plan: `ApolloSearch(key).search(plan, max_people=500)`;
    `credits_consumed` then says what the reveals cost, as Apollo reported it."""

    provider = PROVIDER

    def __init__(
        self,
        key: SecretStr,
        *,
        base_url: str = BASE_URL,
        http: SyncHttp | None = None,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self._auth = Auth.api_key(require_token(PROVIDER, key))
        self._url = join_url(base_url, SEARCH_PATH)
        self._reveal_url = join_url(base_url, REVEAL_PATH)
        self._http = http
        self._clock = clock
        self.credits_consumed = 0

    def __repr__(self) -> str:
        return f"ApolloSearch(url={self._url!r})"

    def search(self, query: Mapping[str, Any], max_people: int) -> Iterator[SyncRecord]:
        """Up to `max_people` distinct people, search by search, page by page, each revealed
        (emails) in batches of ten as soon as a batch is full."""
        if max_people < 1:
            return
        seen: set[str] = set()
        batch: list[Mapping[str, Any]] = []
        with session(self._http) as http:
            for person in self._found(http, query):
                person_id = _person_id(person)
                if person_id in seen:
                    continue
                seen.add(person_id)
                batch.append(person)
                if len(batch) == REVEAL_BATCH:
                    yield from self._reveal(http, batch)
                    batch = []
                if len(seen) >= max_people:
                    break
            yield from self._reveal(http, batch)

    def _found(self, http: SyncHttp, query: Mapping[str, Any]) -> Iterator[Mapping[str, Any]]:
        """Every person (with an id) the plan's searches find, in order; free of credits."""
        for search in query.get("searches", []):
            body = search["body"]
            page = int(body.get("page") or 1)
            per_page = int(body.get("per_page") or MAX_PER_PAGE)
            while page <= MAX_PAGES:
                doc = http.post_json(PROVIDER, self._url, self._auth, {**body, "page": page})
                people = doc.get("people") if isinstance(doc, Mapping) else None
                if not isinstance(people, list):
                    raise SyncError(f"apollo returned an unexpected body for {SEARCH_PATH}: no people list")
                yield from (p for p in people if isinstance(p, Mapping) and _person_id(p))
                if not people or page >= _last_page(doc, per_page):
                    break
                page += 1

    def _reveal(self, http: SyncHttp, people: list[Mapping[str, Any]]) -> Iterator[SyncRecord]:
        if not people:
            return
        ids = [_person_id(p) for p in people]
        doc = http.request_json(
            PROVIDER,
            "POST",
            self._reveal_url,
            self._auth,
            params=REVEAL_PARAMS,
            body={"details": [{"id": person_id} for person_id in ids]},
        )
        matches = doc.get("matches") if isinstance(doc, Mapping) else None
        if not isinstance(matches, list):
            raise SyncError(f"apollo returned an unexpected body for {REVEAL_PATH}: no matches list")
        credits = doc.get("credits_consumed")
        self.credits_consumed += credits if isinstance(credits, int) else 0
        by_id = {_person_id(m): m for m in matches if isinstance(m, Mapping)}
        now = self._clock()
        for person_id, found in zip(ids, people, strict=True):
            # an unmatched person keeps what the search showed: no email, so the import says so
            record = to_record(by_id.get(person_id) or found, now)
            if record is not None:
                yield record


def _person_id(person: Mapping[str, Any]) -> str:
    return str(person.get("person_id") or person.get("id") or "").strip()


def _last_page(doc: Mapping[str, Any], per_page: int) -> int:
    """The search's last page: from `total_entries` (what api_search answers), or
    `pagination.total_pages` where an answer has it; never past Apollo's display limit."""
    pagination = doc.get("pagination")
    total_pages = pagination.get("total_pages") if isinstance(pagination, Mapping) else None
    if isinstance(total_pages, int):
        return min(total_pages, MAX_PAGES)
    total = doc.get("total_entries")
    if isinstance(total, int):
        return min(-(-total // max(per_page, 1)), MAX_PAGES)
    return MAX_PAGES
