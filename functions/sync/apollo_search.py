"""Apollo people search as an import source: a workspace's ICP rules become Apollo queries.

`build_query` is pure, so `--dry-run` can print exactly what would be sent; `ApolloSearch`
runs it (`POST /api/v1/mixed_people/search`, key in `X-Api-Key`, `page`/`per_page` paging up
to `pagination.total_pages`) and yields SyncRecords until `max_people`.

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
SEARCH_PATH = "/api/v1/mixed_people/search"
MAX_PER_PAGE = 100
MAX_PAGES = 500  # Apollo serves at most 500 pages (50,000 people) of one search
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
    "email_status": "custom:apollo_email_status",
}

_SLUG = re.compile(r"[^0-9a-z]+")


# ---------------------------------------------------------------------------------------------
# rules -> query


def build_query(
    rules: Iterable[IcpRule], *, tiers: Iterable[str] | None = None, per_page: int = MAX_PER_PAGE
) -> dict[str, Any]:
    """The searches for the rules of `tiers` (all tiers when None), as a printable plan:

    `{"endpoint": ..., "searches": [{"rule", "tier", "body", "not_sent"}], "skipped": [...]}`.
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
    return {"endpoint": SEARCH_PATH, "searches": searches, "skipped": skipped}


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
    """Runs a `build_query` plan: `ApolloSearch(key).search(plan, max_people=500)`."""

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
        self._http = http
        self._clock = clock

    def __repr__(self) -> str:
        return f"ApolloSearch(url={self._url!r})"

    def search(self, query: Mapping[str, Any], max_people: int) -> Iterator[SyncRecord]:
        """Up to `max_people` distinct people, search by search, page by page."""
        if max_people < 1:
            return
        seen: set[str] = set()
        with session(self._http) as http:
            for search in query.get("searches", []):
                for record in self._run(http, search["body"]):
                    if record.source_id in seen:
                        continue
                    seen.add(record.source_id)
                    yield record
                    if len(seen) >= max_people:
                        return

    def _run(self, http: SyncHttp, body: Mapping[str, Any]) -> Iterator[SyncRecord]:
        page = int(body.get("page") or 1)
        while page <= MAX_PAGES:
            doc = http.post_json(PROVIDER, self._url, self._auth, {**body, "page": page})
            if not isinstance(doc, Mapping):
                raise SyncError(f"apollo returned an unexpected body for {SEARCH_PATH}")
            # mixed search returns people already saved to the Apollo account as `contacts`
            people = [*(doc.get("contacts") or []), *(doc.get("people") or [])]
            now = self._clock()
            for raw in people:
                record = to_record(raw, now)
                if record is not None:
                    yield record
            pagination = doc.get("pagination")
            total_pages = pagination.get("total_pages") if isinstance(pagination, Mapping) else None
            if not people or not isinstance(total_pages, int) or page >= total_pages:
                return
            page += 1
