"""Salesforce REST: Contacts (and Leads, when chosen) pulled with SOQL.

`GET {instance_url}/services/data/v60.0/query?q=SELECT ... FROM Contact WHERE SystemModstamp >=
<since> ORDER BY SystemModstamp ASC, Id ASC`, then `nextRecordsUrl` until `done`. Bearer token.
`SystemModstamp` rather than `LastModifiedDate` because it also moves on system changes (a
formula or owner reassignment), which is what an incremental sync must not miss. The page size
is asked for with `Sforce-Query-Options: batchSize=N` (Salesforce honours 200..2000).

Leads already converted (`IsConverted = true`) are left out: their person lives on as a Contact.
With both objects chosen, the two ordered streams are merged lazily by SystemModstamp
(`heapq.merge`), so the pull stays ascending across objects.

Mapping keys are field names on every chosen object, a relationship path (`Account.Name`), or
`Object:Field` for a field only one object has (`Lead:Company`, `Contact:MailingCity`).
"""

from __future__ import annotations

import heapq
import logging
from collections.abc import Iterable, Iterator, Mapping
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

API_VERSION = "v60.0"
QUERY_PATH = f"/services/data/{API_VERSION}/query"
STAMP = "SystemModstamp"
OBJECTS: tuple[str, ...] = ("Contact", "Lead")
MIN_BATCH, MAX_BATCH = 200, 2000

DEFAULT_MAPPING: dict[str, str] = {
    "Email": "email",
    "FirstName": "first_name",
    "LastName": "last_name",
    "Title": "title",
    "Phone": "phone",
    "MobilePhone": "mobile",
    "Contact:Department": "department",
    "Contact:Account.Name": "company_name",
    "Contact:Account.Website": "company_domain",
    "Contact:MailingCity": "city",
    "Contact:MailingState": "state",
    "Contact:MailingCountry": "country",
    "Lead:Company": "company_name",
    "Lead:Website": "company_domain",
    "Lead:City": "city",
    "Lead:State": "state",
    "Lead:Country": "country",
    "LeadSource": "custom:LeadSource",
    "Lead:Status": "custom:LeadStatus",
    "OwnerId": "custom:salesforce_owner_id",
}


def mapping_for(mapping: Mapping[str, str], sobject: str) -> dict[str, str]:
    """The entries that apply to one object, with the `Object:` scope removed."""
    out: dict[str, str] = {}
    for key, target in mapping.items():
        scope, sep, field = key.partition(":")
        if not sep:
            out.setdefault(key, target)
        elif scope == sobject:
            out[field] = target
    return out


def soql(sobject: str, fields: Iterable[str], since: datetime | None) -> str:
    """The SOQL for one object. The datetime literal is unquoted UTC at whole seconds, rounded
    down (Salesforce stamps have no finer precision), so the watermark's own records come back."""
    columns = ["Id", STAMP, *sorted({f for f in fields if f not in ("Id", STAMP)})]
    where: list[str] = []
    if since is not None:
        where.append(f"{STAMP} >= {as_utc(since).strftime('%Y-%m-%dT%H:%M:%SZ')}")
    if sobject == "Lead":
        where.append("IsConverted = false")
    clause = f" WHERE {' AND '.join(where)}" if where else ""
    return f"SELECT {', '.join(columns)} FROM {sobject}{clause} ORDER BY {STAMP} ASC, Id ASC"


def to_record(raw: Any, mapping: Mapping[str, str] = DEFAULT_MAPPING) -> SyncRecord | None:
    """One query record (its object read from `attributes.type`) as a SyncRecord; None without
    an Id or a SystemModstamp."""
    if not isinstance(raw, Mapping):
        return None
    record_id = str(raw.get("Id") or "").strip()
    stamp = parse_instant(raw.get(STAMP))
    if not record_id or stamp is None:
        return None
    attributes = raw.get("attributes")
    sobject = str(attributes.get("type") or "Contact") if isinstance(attributes, Mapping) else "Contact"
    contact = build_contact(
        raw,
        mapping_for(mapping, sobject),
        {"salesforce_id": record_id, "salesforce_object": sobject},
    )
    return SyncRecord(source_id=record_id, modified_at=stamp, contact=contact)


class SalesforceAdapter:
    provider: str = "salesforce"

    def __init__(
        self,
        token: SecretStr,
        *,
        instance_url: str,
        mapping: dict[str, str] | None = None,
        page_size: int = MAX_BATCH,
        objects: tuple[str, ...] = ("Contact",),
        http: SyncHttp | None = None,
    ) -> None:
        if not instance_url:
            raise ValueError("a Salesforce connection needs its instance_url")
        if not objects or any(o not in OBJECTS for o in objects) or len(set(objects)) != len(objects):
            raise ValueError(f"objects must be distinct values among {OBJECTS}")
        if not MIN_BATCH <= page_size <= MAX_BATCH:
            raise ValueError(f"page_size must be between {MIN_BATCH} and {MAX_BATCH} (Salesforce batchSize)")
        self._auth = Auth.bearer(require_token(self.provider, token))
        self._instance_url = instance_url.rstrip("/")
        self._mapping = merge_mapping(DEFAULT_MAPPING, mapping)
        self._objects = objects
        self._page_size = page_size
        self._http = http

    def __repr__(self) -> str:
        return f"SalesforceAdapter(instance_url={self._instance_url!r}, objects={self._objects!r})"

    def pull(self, since: datetime | None) -> Iterator[SyncRecord]:
        floor = as_utc(since) if since is not None else None
        with session(self._http) as http:
            streams = [self._pull_object(http, sobject, floor) for sobject in self._objects]
            # ties keep object order (Contact before Lead), so the merged order is deterministic
            yield from heapq.merge(*streams, key=lambda r: r.modified_at)

    def _pull_object(self, http: SyncHttp, sobject: str, floor: datetime | None) -> Iterator[SyncRecord]:
        fields = [f for f in mapping_for(self._mapping, sobject)]
        query = soql(sobject, fields, floor)
        url = join_url(self._instance_url, QUERY_PATH)
        params: dict[str, str] | None = {"q": query}
        headers = {"Sforce-Query-Options": f"batchSize={self._page_size}"}
        while True:
            doc = http.get_json(self.provider, url, self._auth, params=params, headers=headers)
            records = doc.get("records") if isinstance(doc, Mapping) else None
            if not isinstance(records, list):
                raise SyncError(f"salesforce returned an unexpected body for {QUERY_PATH}: no records list")
            for raw in records:
                record = to_record(raw, self._mapping)
                if record is None:
                    log.warning("salesforce: a %s record without Id or %s was skipped", sobject, STAMP)
                elif floor is None or record.modified_at >= floor:
                    yield record
            next_url = doc.get("nextRecordsUrl")
            if doc.get("done", True) or not isinstance(next_url, str) or not next_url:
                return
            url, params = join_url(self._instance_url, next_url), None
