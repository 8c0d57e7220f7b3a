"""Real HTTP servers on 127.0.0.1 that speak HubSpot's, Salesforce's, Outreach's and Apollo's
APIs, in their documented request and response shapes, over a dataset a test controls.

    with CrmStub("hubspot") as stub:
        ids = stub.add_many(250, start=datetime(2024, 1, 1, tzinfo=UTC))
        stub.add({"email": "ann@acme.com", "firstname": "Ann"}, modified_at=...)
        stub.fail_next(429, retry_after=1)          # the next request answers 429, Retry-After: 1
        adapter = HubSpotAdapter(SecretStr(stub.token), base_url=stub.base_url)
        records = list(adapter.pull(None))
        assert stub.requests[0].body["limit"] == 100

Routes, one provider per stub:
- hubspot:    `POST /crm/v3/objects/contacts/search` — Bearer; `filterGroups` on
  `lastmodifieddate` (EQ/GT/GTE/LT/LTE, epoch-millisecond strings), `sorts`, `limit` <= 100,
  `after`; answers `results` + `paging.next.after`; `after` at or past `search_cap` (10,000) is
  HubSpot's 400. Only the requested `properties` (plus HubSpot's defaults) come back.
- salesforce: `GET /services/data/v60.0/query?q=SOQL` and `GET .../query/<locator>` — Bearer; a
  small SOQL subset (`SELECT fields FROM Contact|Lead [WHERE SystemModstamp >= dt AND
  IsConverted = false] ORDER BY SystemModstamp ASC[, Id ASC]`), unknown columns are
  INVALID_FIELD; batches of `Sforce-Query-Options: batchSize=N` (default 2000) over a snapshot
  taken when the query ran, as Salesforce cursors are; `nextRecordsUrl` until `done`.
- outreach:   `GET /api/v2/prospects?filter[updatedAt]=a..b&sort=updatedAt&page[size]=N` —
  Bearer; JSON:API `data` + `links.next` with an opaque keyset cursor (`page[after]`).
- apollo:     `POST /api/v1/mixed_people/api_search` — `X-Api-Key`; filters on titles,
  seniorities, departments, employee ranges, locations, keyword tags, technologies; `page`,
  `per_page` (<= 100), `total_entries`; people as that endpoint shows them: no email or phone,
  last name obfuscated, `has_*` flags instead of values (docs.apollo.io/reference/
  people-api-search). `POST /api/v1/people/bulk_match` — up to 10 `details[].id`, answers
  `matches` (the full person, email included, or null) and `credits_consumed`, one per person
  matched, summed in `credits_consumed` (docs.apollo.io/reference/bulk-people-enrichment).

Dataset: records hold the provider's own field names (`firstname` for HubSpot, `FirstName` and
`Account.Name` for Salesforce, `firstName`/`emails` for Outreach, Apollo's person shape), an id
(assigned unless given) and a modification stamp. `add`, `add_many`, `touch`, `remove`.

Faults: `revoke()` / `restore()` the token (401 in the provider's dialect); `fail_next(status
or "malformed" or "slow", retry_after=..., times=n, delay=s)` queues answers taken by the next
requests. Every request is logged in `requests` (method, path, query, headers, JSON body, time).
"""

from __future__ import annotations

import base64
import bisect
import contextlib
import itertools
import json
import re
import threading
import time
import uuid
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit

PROVIDERS = ("hubspot", "salesforce", "outreach", "apollo")
HUBSPOT_SEARCH = "/crm/v3/objects/contacts/search"
SF_QUERY = "/services/data/v60.0/query"
OUTREACH_PROSPECTS = "/api/v2/prospects"
OUTREACH_INCLUDABLE = ("account", "stage")  # the prospect relationships the stub can include
APOLLO_SEARCH = "/api/v1/mixed_people/api_search"
APOLLO_REVEAL = "/api/v1/people/bulk_match"

HUBSPOT_DEFAULT_PROPERTIES = (
    "createdate",
    "email",
    "firstname",
    "hs_object_id",
    "lastmodifieddate",
    "lastname",
)
SF_FIELDS: dict[str, frozenset[str]] = {
    "Contact": frozenset(
        [
            "Id",
            "SystemModstamp",
            "Name",
            "Email",
            "FirstName",
            "LastName",
            "Title",
            "Phone",
            "MobilePhone",
            "Department",
            "Account.Name",
            "Account.Website",
            "MailingCity",
            "MailingState",
            "MailingCountry",
            "LeadSource",
            "OwnerId",
        ]
    ),
    "Lead": frozenset(
        [
            "Id",
            "SystemModstamp",
            "Name",
            "Email",
            "FirstName",
            "LastName",
            "Title",
            "Phone",
            "MobilePhone",
            "Company",
            "Website",
            "City",
            "State",
            "Country",
            "LeadSource",
            "Status",
            "OwnerId",
            "IsConverted",
        ]
    ),
}
SF_PREFIX = {"Contact": "003", "Lead": "00Q"}
# Outreach speaks JSON:API, whose media type its answers carry (developers.outreach.io/api/making-requests)
CONTENT_TYPES = {
    "hubspot": "application/json;charset=UTF-8",
    "salesforce": "application/json;charset=UTF-8",
    "outreach": "application/vnd.api+json",
    "apollo": "application/json; charset=utf-8",
}


@dataclass(frozen=True, slots=True)
class RecordedRequest:
    method: str
    path: str
    query: dict[str, str]  # last value of each query parameter
    headers: dict[str, str]
    body: Any  # the parsed JSON body, or None
    at: float  # time.monotonic() on arrival
    query_pairs: tuple[tuple[str, str], ...] = ()  # every query parameter, repeats included
    raw: bytes = b""  # the body as sent


@dataclass(frozen=True, slots=True)
class Exchange:
    """One request and the answer the stub gave it (for checking both against a description)."""

    request: RecordedRequest
    status: int
    headers: tuple[tuple[str, str], ...]
    body: bytes
    injected: bool  # a `fail_next` answer, not the API's own


@dataclass(slots=True)
class StubRecord:
    id: str
    modified_at: datetime
    fields: dict[str, Any]
    sobject: str = "Contact"  # Salesforce object; ignored elsewhere
    related: dict[str, str] = field(default_factory=dict)  # Outreach to-one relationships: name -> id
    seq: int = 0  # insertion order, the tie-break among equal stamps


@dataclass(frozen=True, slots=True)
class _Fault:
    kind: int | str  # an HTTP status, "malformed" or "slow"
    retry_after: str | None = None
    delay: float = 0.0


@dataclass
class _State:
    provider: str
    token: str
    search_cap: int
    revoked: bool = False
    records: dict[str, StubRecord] = field(default_factory=dict)
    faults: list[_Fault] = field(default_factory=list)
    requests: list[RecordedRequest] = field(default_factory=list)
    exchanges: list[Exchange] = field(default_factory=list)
    cursors: dict[str, tuple[list[dict[str, Any]], int]] = field(default_factory=dict)
    lock: threading.RLock = field(default_factory=threading.RLock)
    version: int = 0  # bumped on every dataset change; keys the search caches
    apollo_cache: dict[tuple[int, str], list[dict[str, Any]]] = field(default_factory=dict)
    apollo_credits: int = 0  # what bulk_match charged, one credit per person matched
    resources: dict[tuple[str, str], dict[str, Any]] = field(
        default_factory=dict
    )  # Outreach stages, accounts
    _sorted: list[StubRecord] | None = None
    _keys: list[tuple[datetime, int]] | None = None
    _apollo_ids: dict[str, dict[str, Any]] | None = None

    def ordered(self) -> tuple[list[StubRecord], list[tuple[datetime, int]]]:
        """Records by (stamp, insertion), cached until the dataset changes."""
        if self._sorted is None or self._keys is None:
            self._sorted = sorted(self.records.values(), key=lambda r: (r.modified_at, r.seq))
            self._keys = [(r.modified_at, r.seq) for r in self._sorted]
        return self._sorted, self._keys

    def apollo_people(self) -> dict[str, dict[str, Any]]:
        """Apollo people by their person id, cached until the dataset changes."""
        if self._apollo_ids is None:
            self._apollo_ids = {str(r.fields.get("id")): r.fields for r in self.records.values()}
        return self._apollo_ids

    def changed(self) -> None:
        self._sorted = self._keys = None
        self._apollo_ids = None
        self.version += 1
        self.apollo_cache.clear()


class StubError(Exception):
    def __init__(self, status: int, body: Any) -> None:
        self.status, self.body = status, body


# ---------------------------------------------------------------------------------------------
# wire formats


def _iso_ms_z(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _sf_stamp(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}+0000"


def _epoch_ms(moment: datetime) -> int:
    return int((moment - datetime(1970, 1, 1, tzinfo=UTC)) // timedelta(milliseconds=1))


def _parse_dt(text: str) -> datetime:
    when = datetime.fromisoformat(text.strip())
    return when.replace(tzinfo=UTC) if when.tzinfo is None else when.astimezone(UTC)


def _slug(value: str) -> str:
    return re.sub(r"[^0-9a-z]+", "_", value.casefold()).strip("_")


def _auth_error(provider: str) -> tuple[int, Any]:
    return {
        "hubspot": (
            401,
            {
                "status": "error",
                "message": "Authentication credentials not found. This API supports OAuth 2.0 "
                "authentication and you can find more details at https://developers.hubspot.com/docs/methods/auth/oauth-overview",
                "correlationId": "c0ffee00-0000-4000-8000-000000000001",
                "category": "INVALID_AUTHENTICATION",
            },
        ),
        "salesforce": (401, [{"message": "Session expired or invalid", "errorCode": "INVALID_SESSION_ID"}]),
        "outreach": (
            401,
            {
                "errors": [
                    {
                        "id": "unauthorizedOauthToken",
                        "title": "Unauthorized OAuth Token",
                        "detail": "The OAuth token provided is invalid or has expired.",
                    }
                ]
            },
        ),
        "apollo": (401, {"error": "Invalid access credentials."}),
    }[provider]


def _fault_body(provider: str, status: int) -> bytes:
    if status == 429:
        doc: Any = {
            "hubspot": {
                "status": "error",
                "message": "You have reached your secondly limit.",
                "errorType": "RATE_LIMIT",
                "correlationId": "c0ffee00-0000-4000-8000-000000000002",
                "policyName": "SECONDLY",
            },
            "salesforce": [{"message": "Too many requests", "errorCode": "REQUEST_LIMIT_EXCEEDED"}],
            "outreach": {
                "errors": [
                    {"id": "rateLimitExceeded", "title": "Rate Limit Exceeded", "detail": "Slow down."}
                ]
            },
            "apollo": {
                "message": "The maximum number of api calls allowed for api/v1/mixed_people/api_search is "
                "200 times per minute. Please upgrade your plan from https://app.apollo.io/#/settings/plans/upgrade."
            },
        }[provider]
        return json.dumps(doc).encode()
    if status == 403 and provider == "salesforce":
        # Salesforce's daily allowance: a 403 that is not about the token
        return json.dumps(
            [{"message": "TotalRequests Limit exceeded.", "errorCode": "REQUEST_LIMIT_EXCEEDED"}]
        ).encode()
    if status in (401, 403):
        return json.dumps(_auth_error(provider)[1]).encode()
    if status >= 500:
        return f"<html><body>{status} Service Unavailable</body></html>".encode()
    return json.dumps({"status": "error", "message": f"injected HTTP {status}"}).encode()


def _bad_request(provider: str, message: str, code: str = "VALIDATION_ERROR") -> StubError:
    if provider == "salesforce":
        return StubError(400, [{"message": message, "errorCode": code}])
    if provider == "outreach":
        return StubError(
            400, {"errors": [{"id": "validationError", "title": "Validation Error", "detail": message}]}
        )
    if provider == "hubspot":
        # HubSpot's published Error schema requires message, correlationId and category
        return StubError(
            400,
            {"status": "error", "message": message, "correlationId": _correlation_id(), "category": code},
        )
    return StubError(400, {"status": "error", "message": message, "category": code})


def _correlation_id() -> str:
    return str(uuid.uuid4())


# ---------------------------------------------------------------------------------------------
# HubSpot


def _hubspot_search(state: _State, body: Any) -> dict[str, Any]:
    if not isinstance(body, Mapping):
        raise _bad_request("hubspot", "the body must be a JSON object")
    limit = body.get("limit", 10)
    if not isinstance(limit, int) or not 1 <= limit <= 100:
        raise _bad_request("hubspot", "limit must be between 1 and 100")
    try:
        after = int(body.get("after") or 0)
    except (TypeError, ValueError):
        raise _bad_request("hubspot", "after must be a numeric offset") from None
    if after >= state.search_cap:
        raise _bad_request(
            "hubspot", f"Search results are limited to {state.search_cap} records; after={after} is past it"
        )
    tests = [_hubspot_filter(f) for g in body.get("filterGroups") or [] for f in g.get("filters") or []]
    sorts = body.get("sorts") or []
    if sorts and sorts[0] not in (
        {"propertyName": "lastmodifieddate", "direction": "ASCENDING"},
        {"propertyName": "lastmodifieddate", "direction": "DESCENDING"},
    ):
        raise _bad_request("hubspot", f"unsupported sort {sorts[0]!r}")
    records, keys = state.ordered()
    specs = [f for g in body.get("filterGroups") or [] for f in g.get("filters") or []]
    if len(specs) == 1 and specs[0].get("operator") == "GTE":
        # the adapter's query: a bisect instead of a scan keeps 20,000-record benchmarks about the client
        since = datetime.fromtimestamp(int(specs[0]["value"]) / 1000, UTC)
        matches = records[bisect.bisect_left(keys, (since, -1)) :]
    elif tests:
        matches = [r for r in records if all(t(r) for t in tests)]
    else:
        matches = records  # read-only below: the cached order is not disturbed
    if sorts and sorts[0]["direction"] == "DESCENDING":
        matches = matches[::-1]
    wanted = body.get("properties") or list(HUBSPOT_DEFAULT_PROPERTIES)
    page = matches[after : after + limit]
    doc: dict[str, Any] = {"total": len(matches), "results": [_hubspot_result(r, wanted) for r in page]}
    if after + limit < len(matches):
        doc["paging"] = {"next": {"after": str(after + limit), "link": f"?after={after + limit}"}}
    return doc


def _hubspot_filter(spec: Mapping[str, Any]) -> Callable[[StubRecord], bool]:
    if spec.get("propertyName") != "lastmodifieddate":
        raise _bad_request(
            "hubspot", f"the stub filters on lastmodifieddate only, not {spec.get('propertyName')!r}"
        )
    value = spec.get("value")
    if not isinstance(value, str) or not value.isdigit():
        raise _bad_request("hubspot", "date filter values must be epoch milliseconds strings")
    ms = int(value)
    compare: dict[str, Callable[[int], bool]] = {
        "EQ": lambda x: x == ms,
        "GT": lambda x: x > ms,
        "GTE": lambda x: x >= ms,
        "LT": lambda x: x < ms,
        "LTE": lambda x: x <= ms,
    }
    op = compare.get(str(spec.get("operator")))
    if op is None:
        raise _bad_request("hubspot", f"unsupported operator {spec.get('operator')!r}")
    return lambda r: op(_epoch_ms(r.modified_at))


def _hubspot_result(r: StubRecord, wanted: Iterable[str]) -> dict[str, Any]:
    created = r.fields.get("createdate") or _iso_ms_z(r.modified_at)
    every = {
        **{k: (None if v is None else str(v)) for k, v in r.fields.items()},
        "hs_object_id": r.id,
        "lastmodifieddate": _iso_ms_z(r.modified_at),
        "createdate": created,
    }
    return {
        "id": r.id,
        "properties": {k: every.get(k) for k in wanted},
        "createdAt": created,
        "updatedAt": _iso_ms_z(r.modified_at),
        "archived": False,
    }


# ---------------------------------------------------------------------------------------------
# Salesforce

_SOQL = re.compile(
    r"^SELECT\s+(?P<fields>.+?)\s+FROM\s+(?P<obj>\w+)(?:\s+WHERE\s+(?P<where>.+?))?"
    r"\s+ORDER\s+BY\s+(?P<order>.+?)\s*$",
    re.IGNORECASE | re.DOTALL,
)


def _salesforce_query(state: _State, soql: str, batch: int) -> dict[str, Any]:
    match = _SOQL.match(soql)
    if not match:
        raise _bad_request("salesforce", f"unexpected token in query: {soql[:80]}", "MALFORMED_QUERY")
    sobject = match["obj"]
    if sobject not in SF_FIELDS:
        raise _bad_request("salesforce", f"sObject type '{sobject}' is not supported.", "INVALID_TYPE")
    columns = [c.strip() for c in match["fields"].split(",")]
    for column in columns:
        if column not in SF_FIELDS[sobject] and not column.endswith("__c"):
            raise _bad_request(
                "salesforce", f"No such column '{column}' on entity '{sobject}'.", "INVALID_FIELD"
            )
    if not re.fullmatch(r"SystemModstamp\s+ASC(\s*,\s*Id\s+ASC)?", match["order"].strip(), re.IGNORECASE):
        raise _bad_request("salesforce", f"the stub orders by SystemModstamp ASC only: {match['order']}")
    tests: list[Callable[[StubRecord], bool]] = [lambda r: r.sobject == sobject]
    for clause in re.split(r"\s+AND\s+", match["where"] or "", flags=re.IGNORECASE):
        clause = clause.strip()
        if not clause:
            continue
        if m := re.fullmatch(r"SystemModstamp\s*>=\s*(\S+)", clause):
            try:
                since = _parse_dt(m[1])
            except ValueError:
                raise _bad_request(
                    "salesforce", f"invalid datetime literal {m[1]}", "MALFORMED_QUERY"
                ) from None
            tests.append(_at_or_after(since))
        elif re.fullmatch(r"IsConverted\s*=\s*false", clause, re.IGNORECASE):
            tests.append(lambda r: not r.fields.get("IsConverted", False))
        else:
            raise _bad_request("salesforce", f"the stub does not understand {clause!r}", "MALFORMED_QUERY")
    records, _ = state.ordered()
    snapshot = [_salesforce_record(r, columns) for r in records if all(t(r) for t in tests)]
    locator = f"01g{len(state.cursors):015d}"
    state.cursors[locator] = (snapshot, batch)
    return _salesforce_batch(state, locator, 0)


def _at_or_after(since: datetime) -> Callable[[StubRecord], bool]:
    return lambda r: r.modified_at >= since


def _salesforce_batch(state: _State, locator: str, offset: int) -> dict[str, Any]:
    if locator not in state.cursors:
        raise StubError(400, [{"message": "invalid query locator", "errorCode": "INVALID_QUERY_LOCATOR"}])
    snapshot, batch = state.cursors[locator]
    end = offset + batch
    doc: dict[str, Any] = {
        "totalSize": len(snapshot),
        "done": end >= len(snapshot),
        "records": snapshot[offset:end],
    }
    if end < len(snapshot):
        doc["nextRecordsUrl"] = f"{SF_QUERY}/{locator}-{end}"
    return doc


def _salesforce_record(r: StubRecord, columns: Iterable[str]) -> dict[str, Any]:
    out: dict[str, Any] = {
        "attributes": {"type": r.sobject, "url": f"/services/data/v60.0/sobjects/{r.sobject}/{r.id}"}
    }
    for column in columns:
        if column == "Id":
            out["Id"] = r.id
        elif column == "SystemModstamp":
            out[column] = _sf_stamp(r.modified_at)
        elif "." in column:
            relation, _, name = column.partition(".")
            value = r.fields.get(column)
            if relation not in out:
                out[relation] = None
            if value is not None:
                if out[relation] is None:
                    out[relation] = {"attributes": {"type": relation, "url": f"/sobjects/{relation}/x"}}
                out[relation][name] = value
        else:
            out[column] = r.fields.get(column, False if column == "IsConverted" else None)
    return out


# ---------------------------------------------------------------------------------------------
# Outreach


def _outreach_prospects(state: _State, base_url: str, query: Mapping[str, str]) -> dict[str, Any]:
    size = int(query.get("page[size]", "50"))
    if not 1 <= size <= 1000:
        raise _bad_request("outreach", "page[size] must be between 1 and 1000")
    if query.get("sort", "updatedAt") not in ("updatedAt", "id"):
        raise _bad_request("outreach", f"unsupported sort {query.get('sort')!r}")
    includes = [name for name in query.get("include", "").split(",") if name]
    if unknown := [name for name in includes if name not in OUTREACH_INCLUDABLE]:
        raise _bad_request("outreach", f"prospect has no relationship {unknown[0]!r} to include")
    low = high = None
    if "filter[updatedAt]" in query:
        a, sep, b = query["filter[updatedAt]"].partition("..")
        if not sep:
            raise _bad_request("outreach", "filter[updatedAt] must be a range a..b")
        try:
            low = None if a in ("", "neginf") else _parse_dt(a)
            high = None if b in ("", "inf") else _parse_dt(b)
        except ValueError:
            raise _bad_request("outreach", "invalid date in filter[updatedAt]") from None
    records, keys = state.ordered()
    start = 0
    if "page[after]" in query:
        stamp, _, seq = base64.urlsafe_b64decode(query["page[after]"].encode()).decode().partition("|")
        start = bisect.bisect_right(keys, (_parse_dt(stamp), int(seq)))
    elif low is not None:
        start = bisect.bisect_left(keys, (low, -1))
    page: list[StubRecord] = []
    index = start
    while index < len(records) and len(page) < size:
        r = records[index]
        index += 1
        if (low is None or r.modified_at >= low) and (high is None or r.modified_at <= high):
            page.append(r)
    doc: dict[str, Any] = {
        "data": [_outreach_resource(r, base_url) for r in page],
        "links": {"first": f"{base_url}{OUTREACH_PROSPECTS}?{urlencode(_without(query, 'page[after]'))}"},
        "meta": {"count": len(records) - (bisect.bisect_left(keys, (low, -1)) if low else 0)},
    }
    if includes:
        wanted = dict.fromkeys(
            (name, r.related[name]) for r in page for name in includes if name in r.related
        )
        doc["included"] = [
            {"type": kind, "id": int(rid), "attributes": state.resources[(kind, rid)]} for kind, rid in wanted
        ]
    if index < len(records) and page:
        last = page[-1]
        cursor = base64.urlsafe_b64encode(f"{last.modified_at.isoformat()}|{last.seq}".encode()).decode()
        doc["links"]["next"] = (
            f"{base_url}{OUTREACH_PROSPECTS}?{urlencode({**_without(query, 'page[after]'), 'page[after]': cursor})}"
        )
    return doc


def _without(query: Mapping[str, str], key: str) -> dict[str, str]:
    return {k: v for k, v in query.items() if k != key}


def _outreach_resource(r: StubRecord, base_url: str) -> dict[str, Any]:
    return {
        "type": "prospect",
        "id": int(r.id),
        "attributes": {
            **r.fields,
            "createdAt": r.fields.get("createdAt") or _iso_ms_z(r.modified_at),
            "updatedAt": _iso_ms_z(r.modified_at),
        },
        "relationships": {
            name: {"data": {"type": name, "id": int(r.related[name])} if name in r.related else None}
            for name in OUTREACH_INCLUDABLE
        },
        "links": {"self": f"{base_url}{OUTREACH_PROSPECTS}/{r.id}"},
    }


# ---------------------------------------------------------------------------------------------
# Apollo


def _apollo_search(state: _State, body: Any) -> dict[str, Any]:
    if not isinstance(body, Mapping):
        raise StubError(422, {"error": "the body must be a JSON object"})
    page = int(body.get("page") or 1)
    per_page = min(int(body.get("per_page") or 10), 100)
    if page < 1 or page > 500:
        raise StubError(422, {"error": "page must be between 1 and 500"})
    records, _ = state.ordered()
    filters = json.dumps({k: v for k, v in body.items() if k not in ("page", "per_page")}, sort_keys=True)
    matches = state.apollo_cache.get((state.version, filters))
    if matches is None:
        matches = [r.fields for r in records if _apollo_matches(r.fields, body)]
        state.apollo_cache[(state.version, filters)] = matches
    start = (page - 1) * per_page
    return {
        "total_entries": len(matches),
        "people": [_apollo_shown(p) for p in matches[start : start + per_page]],
    }


def _apollo_shown(p: Mapping[str, Any]) -> dict[str, Any]:
    """A person as api_search shows one: contact details only as `has_*` flags."""
    org = p.get("organization") or {}
    last = str(p.get("last_name") or "")
    return {
        "id": p["id"],
        "first_name": p.get("first_name"),
        "last_name_obfuscated": f"{last[:1]}***{last[-1:]}" if last else None,
        "title": p.get("title"),
        "last_refreshed_at": "2024-01-01T00:00:00.000+00:00",
        "has_email": bool(p.get("email")),
        "has_city": bool(p.get("city")),
        "has_state": bool(p.get("state")),
        "has_country": bool(p.get("country")),
        "has_direct_phone": "No",
        "organization": {
            "name": org.get("name"),
            "has_industry": bool(org.get("industry")),
            "has_phone": False,
            "has_city": False,
            "has_state": False,
            "has_country": False,
            "has_zip_code": False,
            "has_revenue": False,
            "has_employee_count": org.get("estimated_num_employees") is not None,
        },
    }


def _apollo_reveal(state: _State, query: Mapping[str, str], body: Any) -> dict[str, Any]:
    details = body.get("details") if isinstance(body, Mapping) else None
    if not isinstance(details, list) or not details:
        raise StubError(422, {"error": "details must be a non-empty list"})
    if len(details) > 10:
        raise StubError(422, {"error": "You can only enrich up to 10 people at a time"})
    if query.get("reveal_phone_number") == "true":
        raise StubError(
            400, {"error": "Please add a valid 'webhook_url' parameter when using 'reveal_phone_number'"}
        )
    by_id = state.apollo_people()
    matches = [by_id.get(str(d.get("id"))) if isinstance(d, Mapping) else None for d in details]
    found = sum(1 for m in matches if m is not None)
    state.apollo_credits += found
    return {
        "status": "success",
        "error_code": None,
        "error_message": None,
        "total_requested_enrichments": len(details),
        "unique_enriched_records": found,
        "missing_records": len(details) - found,
        "credits_consumed": found,
        "matches": matches,
    }


def _apollo_matches(p: Mapping[str, Any], q: Mapping[str, Any]) -> bool:
    org = p.get("organization") or {}
    checks: list[bool] = []
    if titles := q.get("person_titles"):
        checks.append(any(t.lower() in (p.get("title") or "").lower() for t in titles))
    if seniorities := q.get("person_seniorities"):
        checks.append(p.get("seniority") in seniorities)
    if departments := q.get("person_department_or_subdepartments"):
        have = {d.removeprefix("master_") for d in p.get("departments") or []}
        checks.append(bool(have & set(departments)))
    if ranges := q.get("organization_num_employees_ranges"):
        n = org.get("estimated_num_employees")
        checks.append(
            n is not None and any(int(lo) <= n <= int(hi) for lo, hi in (r.split(",") for r in ranges))
        )
    if locations := q.get("person_locations"):
        where = {(p.get(k) or "").lower() for k in ("city", "state", "country")}
        checks.append(any(loc.lower() in where for loc in locations))
    if tags := q.get("q_organization_keyword_tags"):
        have_tags = {(org.get("industry") or "").lower(), *(k.lower() for k in org.get("keywords") or [])}
        checks.append(any(t.lower() in have_tags for t in tags))
    if uids := q.get("currently_using_any_of_technology_uids"):
        have_uids = {_slug(t) for t in org.get("technology_names") or []}
        checks.append(any(u in have_uids for u in uids))
    return all(checks)


# ---------------------------------------------------------------------------------------------
# the server


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, so the client's connection pool is exercised
    disable_nagle_algorithm = True  # see enrichment_stub: otherwise ~40 ms per response
    server: _Server

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def do_GET(self) -> None:
        self._handle()

    def do_POST(self) -> None:
        self._handle()

    def _handle(self) -> None:
        state = self.server.state
        split = urlsplit(self.path)
        pairs = tuple(parse_qsl(split.query, keep_blank_values=True))
        query = dict(pairs)  # the last value of each parameter
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        try:
            body = json.loads(raw) if raw else None
        except ValueError:
            body = None
        request = RecordedRequest(
            self.command, split.path, query, dict(self.headers.items()), body, time.monotonic(), pairs, raw
        )
        with state.lock:
            state.requests.append(request)
            fault = state.faults.pop(0) if state.faults else None
            authorised = not state.revoked and self._credential() == state.token
        if fault is not None and fault.delay:
            time.sleep(fault.delay)
        # an injected status comes first, as a gateway's 429/503 does before the API sees the token
        if fault is not None and isinstance(fault.kind, int):
            headers = {"Retry-After": fault.retry_after} if fault.retry_after is not None else {}
            self._send(request, fault.kind, _fault_body(state.provider, fault.kind), headers, injected=True)
            return
        if not authorised:
            status, doc = _auth_error(state.provider)
            self._send(request, status, json.dumps(doc).encode())
            return
        try:
            with state.lock:
                doc = self._route(state, split.path, query, body)
        except StubError as exc:
            self._send(request, exc.status, json.dumps(exc.body).encode())
            return
        payload = json.dumps(doc).encode()
        if fault is not None and fault.kind == "malformed":
            self._send(request, 200, payload[: len(payload) // 2], injected=True)
            return
        self._send(request, 200, payload)

    def _credential(self) -> str | None:
        if self.server.state.provider == "apollo":
            return self.headers.get("X-Api-Key")
        value = self.headers.get("Authorization") or ""
        return value.removeprefix("Bearer ") if value.startswith("Bearer ") else None

    def _route(self, state: _State, path: str, query: Mapping[str, str], body: Any) -> Any:
        provider, method = state.provider, self.command
        if provider == "hubspot" and method == "POST" and path == HUBSPOT_SEARCH:
            return _hubspot_search(state, body)
        if provider == "salesforce" and method == "GET" and path == SF_QUERY:
            batch = 2000
            if m := re.search(r"batchSize=(\d+)", self.headers.get("Sforce-Query-Options") or ""):
                batch = min(max(int(m[1]), 200), 2000)
            return _salesforce_query(state, query.get("q", ""), batch)
        if provider == "salesforce" and method == "GET" and path.startswith(SF_QUERY + "/"):
            locator, _, offset = path.rsplit("/", 1)[1].partition("-")
            return _salesforce_batch(state, locator, int(offset or 0))
        if provider == "outreach" and method == "GET" and path == OUTREACH_PROSPECTS:
            return _outreach_prospects(state, self.server.base_url, query)
        if provider == "apollo" and method == "POST" and path == APOLLO_SEARCH:
            return _apollo_search(state, body)
        if provider == "apollo" and method == "POST" and path == APOLLO_REVEAL:
            return _apollo_reveal(state, query, body)
        raise StubError(404, {"status": "error", "message": f"no route {method} {path}"})

    def _send(
        self,
        request: RecordedRequest,
        status: int,
        payload: bytes,
        headers: Mapping[str, str] | None = None,
        *,
        injected: bool = False,
    ) -> None:
        state = self.server.state
        all_headers = {
            "Content-Type": CONTENT_TYPES[state.provider],
            "Content-Length": str(len(payload)),
            **(headers or {}),
        }
        with state.lock:
            state.exchanges.append(Exchange(request, status, tuple(all_headers.items()), payload, injected))
        with contextlib.suppress(BrokenPipeError, ConnectionResetError):
            self.send_response(status)
            for name, value in all_headers.items():
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(payload)


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 64
    state: _State
    base_url: str


class CrmStub:
    """One provider's API on a free port. `with CrmStub("salesforce") as stub:` or start()/stop()."""

    def __init__(self, provider: str, *, token: str = "stub-token-Zq81", search_cap: int = 10_000) -> None:
        if provider not in PROVIDERS:
            raise ValueError(f"provider must be one of {PROVIDERS}")
        self.provider = provider
        self._server = _Server(("127.0.0.1", 0), _Handler)
        self._server.state = _State(provider=provider, token=token, search_cap=search_cap)
        self._server.base_url = f"http://127.0.0.1:{self._server.server_port}"
        # a short poll so stop() returns at once: tests start a stub each
        self._thread = threading.Thread(
            target=self._server.serve_forever,
            kwargs={"poll_interval": 0.02},
            name=f"crm-stub-{provider}",
            daemon=True,
        )
        self._ids = itertools.count(1)

    # -- lifecycle ----------------------------------------------------------------------------

    def start(self) -> CrmStub:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def __enter__(self) -> CrmStub:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def base_url(self) -> str:
        """The API root (for Salesforce, the org's instance_url)."""
        return self._server.base_url

    instance_url = base_url

    @property
    def token(self) -> str:
        """The token (Apollo: the API key) the stub accepts."""
        return self._server.state.token

    # -- dataset ------------------------------------------------------------------------------

    def add(
        self,
        fields: Mapping[str, Any] | None = None,
        *,
        id: str | None = None,
        modified_at: datetime | None = None,
        sobject: str = "Contact",
        related: Mapping[str, str] | None = None,
        **more: Any,
    ) -> str:
        """Add one record in the provider's own field names; returns its id. `modified_at`
        defaults to now; `sobject` ("Contact" | "Lead") is Salesforce's object; `related` links
        an Outreach prospect to resources from `add_resource` (`{"stage": id, "account": id}`)."""
        state = self._server.state
        with state.lock:
            for name, rid in (related or {}).items():
                if (name, rid) not in state.resources:
                    raise ValueError(f"no {name} {rid!r}: add it with add_resource first")
            seq = next(self._ids)
            record_id = id or self._new_id(seq, sobject)
            data = {**(fields or {}), **more}
            if self.provider == "apollo":
                data.setdefault("id", record_id)
            state.records[record_id] = StubRecord(
                record_id,
                modified_at or datetime.now(UTC),
                data,
                sobject,
                seq=seq,
                related=dict(related or {}),
            )
            state.changed()
        return record_id

    def add_resource(self, kind: str, attributes: Mapping[str, Any]) -> str:
        """An Outreach `stage` or `account` a prospect can be related to; returns its id."""
        if self.provider != "outreach" or kind not in OUTREACH_INCLUDABLE:
            raise ValueError(f"add_resource is for outreach {OUTREACH_INCLUDABLE}")
        state = self._server.state
        with state.lock:
            rid = str(500 + len(state.resources))
            state.resources[(kind, rid)] = dict(attributes)
            state.changed()
        return rid

    def add_many(
        self,
        n: int,
        *,
        start: datetime,
        step: timedelta = timedelta(seconds=1),
        sobject: str = "Contact",
        make: Callable[[int], Mapping[str, Any]] | None = None,
    ) -> list[str]:
        """`n` plausible records stamped `start`, `start + step`, ... (step 0: one shared stamp)."""
        make = make or (lambda i: sample_fields(self.provider, i, sobject))
        return [self.add(make(i), modified_at=start + i * step, sobject=sobject) for i in range(n)]

    def touch(self, record_id: str, modified_at: datetime | None = None, **fields: Any) -> None:
        """Modify a record: new field values and a new stamp (now unless given)."""
        state = self._server.state
        with state.lock:
            record = state.records[record_id]
            record.fields.update(fields)
            record.modified_at = modified_at or datetime.now(UTC)
            state.changed()

    def remove(self, record_id: str) -> None:
        with self._server.state.lock:
            del self._server.state.records[record_id]
            self._server.state.changed()

    @property
    def records(self) -> list[StubRecord]:
        with self._server.state.lock:
            return list(self._server.state.ordered()[0])

    def _new_id(self, seq: int, sobject: str) -> str:
        if self.provider == "salesforce":
            return f"{SF_PREFIX.get(sobject, '001')}{seq:015d}"
        if self.provider == "apollo":
            return f"{seq:024x}"
        return str(1000 + seq)

    # -- faults -------------------------------------------------------------------------------

    def revoke(self) -> None:
        """Every request now answers 401 in the provider's dialect, until `restore()`."""
        self._server.state.revoked = True

    def restore(self) -> None:
        self._server.state.revoked = False

    def fail_next(
        self, kind: int | str, *, retry_after: float | str | None = None, times: int = 1, delay: float = 0.0
    ) -> None:
        """Queue `times` faulty answers for the next requests: an HTTP status (429 with
        `retry_after` as its Retry-After header, 5xx, 403...), "malformed" (a 200 whose JSON is
        cut in half) or "slow" (a normal answer after `delay` seconds; any kind may add a delay)."""
        if not isinstance(kind, int) and kind not in ("malformed", "slow"):
            raise ValueError("kind is an HTTP status, 'malformed' or 'slow'")
        header = None if retry_after is None else str(retry_after)
        with self._server.state.lock:
            self._server.state.faults.extend(_Fault(kind, header, delay) for _ in range(times))

    # -- the request log ----------------------------------------------------------------------

    @property
    def requests(self) -> list[RecordedRequest]:
        with self._server.state.lock:
            return list(self._server.state.requests)

    @property
    def credits_consumed(self) -> int:
        """Apollo: the credits bulk_match has charged so far (search is free)."""
        return self._server.state.apollo_credits

    @property
    def exchanges(self) -> list[Exchange]:
        """Every request since the stub started with the answer it got, in order of answering
        (`reset` keeps these: they are what the conformance check reads)."""
        with self._server.state.lock:
            return list(self._server.state.exchanges)

    def reset(self) -> None:
        """Forget requests, queued faults and cursors; the dataset and token state stay."""
        with self._server.state.lock:
            state = self._server.state
            state.requests.clear()
            state.faults.clear()
            state.cursors.clear()


def sample_fields(provider: str, i: int, sobject: str = "Contact") -> dict[str, Any]:
    """A plausible record number `i` in the provider's field names (deterministic)."""
    first, last = ("Ann", "Bo", "Cy", "Di", "Ed")[i % 5], f"Person{i}"
    company, domain = f"Company {i % 97}", f"company{i % 97}.com"
    email = f"{first.lower()}.{last.lower()}@{domain}"
    title = ("VP Sales", "CTO", "Marketing Manager", "Engineer")[i % 4]
    if provider == "hubspot":
        return {
            "email": email,
            "firstname": first,
            "lastname": last,
            "jobtitle": title,
            "company": company,
            "website": f"https://www.{domain}",
            "city": "Austin",
            "state": "Texas",
            "country": "United States",
        }
    if provider == "salesforce":
        common = {"Email": email, "FirstName": first, "LastName": last, "Title": title}
        if sobject == "Lead":
            return {**common, "Company": company, "Website": domain, "City": "Austin", "Country": "USA"}
        return {**common, "Account.Name": company, "Account.Website": domain, "MailingCity": "Austin"}
    if provider == "outreach":
        return {
            "emails": [email],
            "firstName": first,
            "lastName": last,
            "title": title,
            "company": company,
            "addressCity": "Austin",
            "addressState": "TX",
            "addressCountry": "US",
            "workPhones": [],
            "mobilePhones": [],
            "tags": ["imported"],
        }
    return {
        "first_name": first,
        "last_name": last,
        "name": f"{first} {last}",
        "title": title,
        "email": email,
        "email_status": "verified",
        "seniority": ("vp", "c_suite", "manager", "senior")[i % 4],
        "departments": [
            (
                "master_sales",
                "master_engineering_technical",
                "master_marketing",
                "master_engineering_technical",
            )[i % 4]
        ],
        "city": "Austin",
        "state": "Texas",
        "country": "United States",
        "organization": {
            "name": company,
            "primary_domain": domain,
            "industry": "computer software",
            "estimated_num_employees": 20 + (i % 97) * 10,
            "technology_names": ["Salesforce"],
        },
    }
