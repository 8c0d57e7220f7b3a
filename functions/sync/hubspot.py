"""HubSpot CRM v3 contacts, pulled with the search endpoint.

`POST /crm/v3/objects/contacts/search` with one filter, `lastmodifieddate GTE <epoch ms>`, sorted
ascending, `limit` 100 and `after` paging, the wanted `properties` named explicitly (search
returns only a handful by default). Bearer private-app token.

Held to HubSpot's published description (`tests/contracts/hubspot/`): its
`PublicObjectSearchRequest` requires `after`, so the first page sends the offset cursor "0"
(HubSpot's Node client README: "`after` for initial search should be set as 0") rather than
leaving it out. `sorts` entries are `{propertyName, direction}` objects although the
description types them as strings: the object is the form HubSpot's search guide documents and
its client trackers confirm the live API sorts by (hubspot-api-nodejs#14, hubspot-api-ruby#257,
hubspot-api-python#236), an erratum recorded with the vendored description.

HubSpot's search stops at 10,000 results per query (asking for `after=10000` is a 400). When a
pull reaches that cap it starts a new search from the last record's `lastmodifieddate` (GTE, so
the records sharing that millisecond come back) and skips the ids it already yielded at that
exact stamp. Should more than 10,000 contacts share one millisecond, no restart can pass them:
that is a SyncError rather than a silent loop.
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
    epoch_ms,
    join_url,
    merge_mapping,
    parse_instant,
    require_token,
    session,
)
from functions.sync.ports import SyncError, SyncRecord

log = logging.getLogger(__name__)

BASE_URL = "https://api.hubapi.com"
SEARCH_PATH = "/crm/v3/objects/contacts/search"
STAMP = "lastmodifieddate"
SEARCH_CAP = 10_000  # results one search query can page through
MAX_PAGE = 100  # the search endpoint's largest `limit`
FIRST_PAGE = "0"  # the `after` cursor of a search's first page: an offset, as `paging.next.after` is

# HubSpot contact property -> contact field. `hs_linkedin_url` is not a default property in
# every portal; asking for a property a portal lacks just returns nothing for it.
DEFAULT_MAPPING: dict[str, str] = {
    "email": "email",
    "firstname": "first_name",
    "lastname": "last_name",
    "jobtitle": "title",
    "phone": "phone",
    "mobilephone": "mobile",
    "company": "company_name",
    "website": "company_domain",
    "hs_linkedin_url": "linkedin_url",
    "city": "city",
    "state": "state",
    "country": "country",
    "industry": "custom:industry",
    "lifecyclestage": "custom:lifecyclestage",
    "hs_lead_status": "custom:hs_lead_status",
    "hubspot_owner_id": "custom:hubspot_owner_id",
}


def to_record(raw: Any, mapping: Mapping[str, str] = DEFAULT_MAPPING) -> SyncRecord | None:
    """One search result as a SyncRecord; None when it has no id or no modification stamp."""
    if not isinstance(raw, Mapping):
        return None
    record_id = str(raw.get("id") or "").strip()
    properties = raw.get("properties")
    properties = properties if isinstance(properties, Mapping) else {}
    stamp = parse_instant(properties.get(STAMP)) or parse_instant(raw.get("updatedAt"))
    if not record_id or stamp is None:
        return None
    contact = build_contact(properties, mapping, {"hubspot_id": record_id})
    return SyncRecord(source_id=record_id, modified_at=stamp, contact=contact)


def search_body(
    since: datetime | None, properties: list[str], *, page_size: int, after: str = FIRST_PAGE
) -> dict[str, Any]:
    """The search request: GTE the watermark (epoch ms, as HubSpot wants date filter values),
    oldest first, from the `after` cursor (the first page's is "0")."""
    return {
        "filterGroups": (
            [{"filters": [{"propertyName": STAMP, "operator": "GTE", "value": str(epoch_ms(since))}]}]
            if since is not None
            else []
        ),
        "sorts": [{"propertyName": STAMP, "direction": "ASCENDING"}],
        "properties": properties,
        "limit": page_size,
        "after": after,
    }


class HubSpotAdapter:
    provider: str = "hubspot"

    def __init__(
        self,
        token: SecretStr,
        *,
        base_url: str | None = None,
        mapping: dict[str, str] | None = None,
        page_size: int = MAX_PAGE,
        http: SyncHttp | None = None,
        search_cap: int = SEARCH_CAP,
    ) -> None:
        if not 1 <= page_size <= MAX_PAGE:
            raise ValueError(f"page_size must be between 1 and {MAX_PAGE}")
        self._auth = Auth.bearer(require_token(self.provider, token))
        self._url = join_url(base_url or BASE_URL, SEARCH_PATH)
        self._mapping = merge_mapping(DEFAULT_MAPPING, mapping)
        self._properties = sorted({*(p.split(".")[0] for p in self._mapping), STAMP})
        self._page_size = page_size
        self._http = http
        self._search_cap = search_cap

    def __repr__(self) -> str:
        return f"HubSpotAdapter(url={self._url!r})"

    def pull(self, since: datetime | None) -> Iterator[SyncRecord]:
        floor = as_utc(since) if since is not None else None
        with session(self._http) as http:
            start = floor
            last_stamp: datetime | None = None
            yielded_at_last: set[str] = set()  # ids already yielded at `last_stamp`
            while True:
                fresh = 0
                fetched = 0
                after: str | None = FIRST_PAGE
                while after is not None:
                    body = search_body(start, self._properties, page_size=self._page_size, after=after)
                    results, after = self._page(http, body)
                    fetched += len(results)
                    for raw in results:
                        record = to_record(raw, self._mapping)
                        if record is None:
                            log.warning("hubspot: a search result without id or %s was skipped", STAMP)
                            continue
                        if floor is not None and record.modified_at < floor:
                            continue
                        if record.modified_at == last_stamp and record.source_id in yielded_at_last:
                            continue
                        if record.modified_at != last_stamp:
                            last_stamp, yielded_at_last = record.modified_at, set()
                        yielded_at_last.add(record.source_id)
                        fresh += 1
                        yield record
                    if after is None or not results:
                        return
                    if fetched + self._page_size > self._search_cap:
                        break
                if fresh == 0 or last_stamp is None:
                    raise SyncError(
                        f"hubspot: more than {self._search_cap:,} contacts share the modification "
                        f"time {start.isoformat() if start else 'unknown'}; search cannot page past them"
                    )
                log.info("hubspot: search cap reached, restarting from %s", last_stamp.isoformat())
                start = last_stamp

    def _page(self, http: SyncHttp, body: dict[str, Any]) -> tuple[list[Any], str | None]:
        doc = http.post_json(self.provider, self._url, self._auth, body)
        results = doc.get("results") if isinstance(doc, Mapping) else None
        if not isinstance(results, list):
            raise SyncError(f"hubspot returned an unexpected body for {SEARCH_PATH}: no results list")
        paging = doc.get("paging")
        after = None
        if isinstance(paging, Mapping) and isinstance(paging.get("next"), Mapping):
            value = paging["next"].get("after")
            after = str(value) if value not in (None, "") else None
        return results, after
