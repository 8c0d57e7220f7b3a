"""Outreach API v2 prospects (JSON:API).

`GET /api/v2/prospects?filter[updatedAt]=<since>..inf&sort=updatedAt&page[size]=100
&include=stage,account`, then `links.next` until it is absent (Outreach pages with an opaque
cursor inside that link, so the link is followed as given, after checking it stays on the API's
host). Bearer token; `Accept: application/vnd.api+json` as JSON:API asks.

Prospect attributes are camelCase: `emails` is a list (the first is the contact's email; the
others stay visible in a custom field), phones come as `workPhones` / `mobilePhones` lists.

Held to Outreach's published API v2 description (`tests/contracts/outreach/`): a prospect's
stage and account are relationships there, not attributes (`prospectRelationships.stage`,
`.account`), so the request asks for them as JSON:API compound documents (`include=`, JSON:API
1.0 "Inclusion of Related Resources", which Outreach implements: developers.outreach.io/api/
making-requests) and the mapping reads them from `included` under the relationship's name:
`stage.name`, `account.name`, `account.domain`. The account's name fills the company name only
when the prospect's own `company` attribute is empty (mapping order: first non-empty wins).
"""

from __future__ import annotations

import logging
from collections.abc import Iterator, Mapping
from datetime import datetime
from typing import Any

from pydantic import SecretStr

from functions.sync.http import (
    Auth,
    SyncHttp,
    as_utc,
    build_contact,
    join_url,
    merge_mapping,
    parse_instant,
    require_token,
    session,
)
from functions.sync.ports import SyncError, SyncRecord

log = logging.getLogger(__name__)

BASE_URL = "https://api.outreach.io"
PROSPECTS_PATH = "/api/v2/prospects"
STAMP = "updatedAt"
MAX_PAGE = 1000
JSON_API = "application/vnd.api+json"

# what `include=` asks Outreach to embed; mapping keys `<relationship>.<attribute>` read them
INCLUDES: tuple[str, ...] = ("stage", "account")

# Outreach prospect attribute (or included relationship's attribute) -> contact field; every
# key is in Outreach's published prospect / stage / account schema (a test holds it there)
DEFAULT_MAPPING: dict[str, str] = {
    "emails": "email",
    "firstName": "first_name",
    "lastName": "last_name",
    "title": "title",
    "occupation": "title",
    "company": "company_name",
    "account.name": "company_name",
    "account.domain": "company_domain",
    "linkedInUrl": "linkedin_url",
    "addressCity": "city",
    "addressState": "state",
    "addressCountry": "country",
    "timeZone": "time_zone",
    "workPhones": "phone",
    "homePhones": "phone",
    "mobilePhones": "mobile",
    "tags": "tags",
    "stage.name": "custom:outreach_stage",
    "source": "custom:outreach_source",
}


Included = Mapping[tuple[str, str], Mapping[str, Any]]


def index_included(doc: Any) -> dict[tuple[str, str], Mapping[str, Any]]:
    """A compound document's `included` resources by (type, id), their attributes as values."""
    out: dict[tuple[str, str], Mapping[str, Any]] = {}
    included = doc.get("included") if isinstance(doc, Mapping) else None
    for resource in included if isinstance(included, list) else []:
        if isinstance(resource, Mapping) and isinstance(resource.get("attributes"), Mapping):
            out[(str(resource.get("type")), str(resource.get("id")))] = resource["attributes"]
    return out


def related(raw: Mapping[str, Any], name: str, included: Included) -> Mapping[str, Any] | None:
    """The attributes of the resource a prospect's to-one relationship `name` points at, when the
    document included it (a relationship with `data: null` or one not included gives None)."""
    relationships = raw.get("relationships")
    relationship = relationships.get(name) if isinstance(relationships, Mapping) else None
    data = relationship.get("data") if isinstance(relationship, Mapping) else None
    if not isinstance(data, Mapping):
        return None
    return included.get((str(data.get("type")), str(data.get("id"))))


def to_record(
    raw: Any, mapping: Mapping[str, str] = DEFAULT_MAPPING, included: Included | None = None
) -> SyncRecord | None:
    """One JSON:API prospect resource as a SyncRecord; None without an id or `updatedAt`.
    `included` (from `index_included`) resolves the `stage` and `account` relationships."""
    if not isinstance(raw, Mapping):
        return None
    record_id = str(raw.get("id") or "").strip()
    attributes = raw.get("attributes")
    attributes = attributes if isinstance(attributes, Mapping) else {}
    stamp = parse_instant(attributes.get(STAMP))
    if not record_id or stamp is None:
        return None
    custom = {"outreach_id": record_id}
    emails = attributes.get("emails")
    if isinstance(emails, list) and len(emails) > 1:
        custom["outreach_other_emails"] = ";".join(str(e) for e in emails[1:] if e)
    # a relationship's attributes sit under its name, so `account.name` is a dotted lookup; the
    # prospect schema has no attribute of these names to shadow
    source = {**attributes, **{name: related(raw, name, included or {}) for name in INCLUDES}}
    contact = build_contact(source, mapping, custom)
    return SyncRecord(source_id=record_id, modified_at=stamp, contact=contact)


def first_page_params(since: datetime | None, page_size: int) -> dict[str, str]:
    """Outreach range filters are `<low>..<high>` with `inf` open; stamps to the millisecond."""
    params = {"sort": STAMP, "page[size]": str(page_size), "include": ",".join(INCLUDES)}
    if since is not None:
        low = as_utc(since).isoformat(timespec="milliseconds").replace("+00:00", "Z")
        params[f"filter[{STAMP}]"] = f"{low}..inf"
    return params


class OutreachAdapter:
    provider: str = "outreach"

    def __init__(
        self,
        token: SecretStr,
        *,
        base_url: str | None = None,
        mapping: dict[str, str] | None = None,
        page_size: int = 100,
        http: SyncHttp | None = None,
    ) -> None:
        if not 1 <= page_size <= MAX_PAGE:
            raise ValueError(f"page_size must be between 1 and {MAX_PAGE}")
        self._auth = Auth.bearer(require_token(self.provider, token))
        self._base_url = (base_url or BASE_URL).rstrip("/")
        self._mapping = merge_mapping(DEFAULT_MAPPING, mapping)
        self._page_size = page_size
        self._http = http

    def __repr__(self) -> str:
        return f"OutreachAdapter(base_url={self._base_url!r})"

    def pull(self, since: datetime | None) -> Iterator[SyncRecord]:
        floor = as_utc(since) if since is not None else None
        url = join_url(self._base_url, PROSPECTS_PATH)
        params: dict[str, str] | None = first_page_params(floor, self._page_size)
        headers = {"Accept": JSON_API}
        with session(self._http) as http:
            while True:
                doc = http.get_json(self.provider, url, self._auth, params=params, headers=headers)
                data = doc.get("data") if isinstance(doc, Mapping) else None
                if not isinstance(data, list):
                    raise SyncError(
                        f"outreach returned an unexpected body for {PROSPECTS_PATH}: no data list"
                    )
                included = index_included(doc)
                for raw in data:
                    record = to_record(raw, self._mapping, included)
                    if record is None:
                        log.warning("outreach: a prospect without id or %s was skipped", STAMP)
                    elif floor is None or record.modified_at >= floor:
                        yield record
                links = doc.get("links")
                next_url = links.get("next") if isinstance(links, Mapping) else None
                if not isinstance(next_url, str) or not next_url or not data:
                    return
                url, params = join_url(self._base_url, next_url), None
