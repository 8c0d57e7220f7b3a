"""Pure mapping from the Contacts and Companies tables' stream records to read-model changes.

A batch of stream records becomes at most one change per contact key: the image with the
highest version wins, and a removal wins over an image of the same version (the REMOVE record
carries the last image). Applying the changes is idempotent and order-safe in SQL too (an
upsert only replaces a lower version; a tombstone stops an older image of a removed contact).

A Company row (platform-wide, by domain) changes the company columns of every contact at its
domain, in every workspace; a GlobalContact's engagement counters (by email) change every
contact row of that email. A batch becomes one change per domain or email, the last one in the
stream, and records that touch nothing the read model holds are dropped.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import orjson

from functions.common import ddb

SEARCH_SEPARATOR = "\u001f"  # between searched fields: a search term never matches across two
_PERSON_COLUMNS = ("first_name", "last_name", "full_name", "title")
_SEARCHED = ("first_name", "last_name", "full_name", "title", "company_name")


@dataclass(frozen=True)
class Change:
    workspace_id: str
    email: str
    contact_id: str
    version: int
    removed: bool
    item: dict[str, Any]

    @property
    def key(self) -> tuple[str, str]:
        return self.workspace_id, self.email

    def wins_over(self, other: Change) -> bool:
        return (self.version, self.removed) > (other.version, other.removed)


def image(record: Mapping[str, Any]) -> dict[str, Any] | None:
    """The item a Contacts stream record is about, decoded: its new image, or a REMOVE's last one."""
    data = record.get("dynamodb") or {}
    found = data.get("OldImage") if record.get("eventName") == "REMOVE" else data.get("NewImage")
    return ddb.from_item(found) if found else None


def change_from_record(record: Mapping[str, Any]) -> Change | None:
    """One stream record (Lambda event shape) as a change; None for records without an image."""
    return change_from_item(record, image(record))


def change_from_item(record: Mapping[str, Any], item: Mapping[str, Any] | None) -> Change | None:
    """`change_from_record` with the record's `image` already decoded (the audit reads it too)."""
    removed = record.get("eventName") == "REMOVE"
    if not item:
        return None
    if not item.get("workspace_id") or not item.get("email") or not item.get("contact_id"):
        return None
    return Change(
        workspace_id=str(item["workspace_id"]),
        email=str(item["email"]),
        contact_id=str(item["contact_id"]),
        version=int(item.get("version") or 1),
        removed=removed,
        item=dict(item),
    )


def latest(changes: Iterable[Change | None]) -> list[Change]:
    out: dict[tuple[str, str], Change] = {}
    for change in changes:
        if change is None:
            continue
        seen = out.get(change.key)
        if seen is None or change.wins_over(seen):
            out[change.key] = change
    return list(out.values())


def _text(value: Any) -> str | None:
    if value is None:
        return None
    text = str(value).strip()
    return text or None


def _number(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return float(value)


FIRMOGRAPHICS = ("name", "industry", "employee_count", "revenue_band")


def firmographics(company: Mapping[str, Any] | None) -> dict[str, Any]:
    """What the read model keeps of a Company row, as its contacts' company columns hold it."""
    company = company or {}
    return {
        "name": _text(company.get("name")),
        "industry": _text(company.get("industry")),
        "employee_count": _number(company.get("employee_count")),
        "revenue_band": _text(company.get("revenue_band")),
    }


def engagement(person: Mapping[str, Any] | None) -> dict[str, Any]:
    """What the read model keeps of a GlobalContact's engagement counters (as the API shows them)."""
    p = person or {}
    return {
        "total_sent": int(_number(p.get("total_sent")) or 0),
        "total_responses": int(_number(p.get("total_responses")) or 0),
        "response_rate": _number(p.get("response_rate")) or 0.0,
        "bounce_status": _text(p.get("bounce_status")) or "none",
        "last_sent_at": _text(p.get("last_sent_at")),
        "last_engaged_at": _text(p.get("last_engaged_at")),
    }


@dataclass(frozen=True)
class KeyedChange:
    """What a platform-wide row now gives every contact row sharing its key: a Company's
    firmographics (by domain), a GlobalContact's engagement counters (by email)."""

    key: str
    values: dict[str, Any]  # the projection of the new image; of an empty one when removed


def keyed_change(
    record: Mapping[str, Any], key: str, project: Callable[[Mapping[str, Any] | None], dict[str, Any]]
) -> KeyedChange | None:
    """A Companies or GlobalContacts stream record as a change; None when the projection of its
    image did not move (a Company's `updated_at`, an import's ownership claim on a person)."""
    data = record.get("dynamodb") or {}
    old = ddb.from_item(data["OldImage"]) if data.get("OldImage") else None
    new = ddb.from_item(data["NewImage"]) if data.get("NewImage") else None
    value = (new or old or {}).get(key)
    if not value:
        return None
    values = project(None if record.get("eventName") == "REMOVE" else new)
    if values == project(old):
        return None
    return KeyedChange(str(value), values)


def company_change_from_record(record: Mapping[str, Any]) -> KeyedChange | None:
    return keyed_change(record, "domain", firmographics)


def engagement_change_from_record(record: Mapping[str, Any]) -> KeyedChange | None:
    return keyed_change(record, "email", engagement)


def latest_keyed(changes: Iterable[KeyedChange | None]) -> list[KeyedChange]:
    """One change per key: the last in stream order (a shard orders one key's records)."""
    out: dict[str, KeyedChange] = {}
    for change in changes:
        if change is not None:
            out[change.key] = change
    return list(out.values())


def row(item: Mapping[str, Any], company: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """The read-model row of a contact item (and its Company's firmographics, when known)."""
    fields = dict(item.get("fields") or {})
    firm = firmographics(company)
    tags = [str(t) for t in item.get("tags") or []]
    company_name = _text(fields.get("company_name")) or firm["name"]
    searched = [item.get("email"), item.get("company_domain"), *(fields.get(f) for f in _SEARCHED)]
    return {
        "workspace_id": item["workspace_id"],
        "email": item["email"],
        "contact_id": item["contact_id"],
        "version": int(item.get("version") or 1),
        **{name: _text(fields.get(name)) for name in _PERSON_COLUMNS},
        "fields": fields,
        "company_name": company_name,
        "company_domain": _text(item.get("company_domain")),
        "company_industry": firm["industry"],
        "company_employee_count": firm["employee_count"],
        "company_revenue_band": firm["revenue_band"],
        "tags": tags,
        "tags_lc": sorted({t.casefold() for t in tags}),
        "custom_fields": dict(item.get("custom_fields") or {}),
        "icp_tier": (_text(item.get("icp_tier")) or "").upper() or None,
        "grade": (_text(item.get("grade")) or "").upper() or None,
        "lead_score": _number(item.get("lead_score")),
        "client_id": _text(item.get("client_id")),
        "dnt": bool(item.get("dnt")),
        "is_deleted": bool(item.get("is_deleted")),
        "created_at": item.get("created_at") or item.get("updated_at"),
        "updated_at": item.get("updated_at") or item.get("created_at"),
        "last_job": _text(item.get("last_job")),
        "search_text": SEARCH_SEPARATOR.join(str(v).casefold() for v in searched if v and str(v).strip()),
        "item": dict(item),
    }


_ORJSON_OPTIONS = orjson.OPT_NON_STR_KEYS


def _dumps(value: Any) -> bytes:
    """Compact JSON (orjson: a batch's rows are most of the projector's Python time); what it
    refuses (an integer wider than 64 bits: DynamoDB numbers have 38 digits) through `json`."""
    try:
        return orjson.dumps(value, default=str, option=_ORJSON_OPTIONS)
    except orjson.JSONEncodeError:
        return json.dumps(value, separators=(",", ":"), default=str).encode()


def rows_json(rows: list[dict[str, Any]]) -> str:
    return _dumps(rows).decode()


# the RDS Data API refuses a request over 4 MiB (the SQL text, every parameter, the JSON around
# them): a batch's rows go in statements of at most this many bytes of JSON each
STATEMENT_JSON_BYTES = 2 * 1024 * 1024


def rows_json_chunks(rows: list[dict[str, Any]], limit: int = STATEMENT_JSON_BYTES) -> list[str]:
    """`rows` as JSON arrays of at most `limit` bytes each (a bigger single row goes alone), in order."""
    out: list[str] = []
    size = 2
    parts: list[bytes] = []
    for r in rows:
        text = _dumps(r)
        grown = len(text) + 1
        if parts and size + grown > limit:
            out.append((b"[" + b",".join(parts) + b"]").decode())
            parts, size = [], 2
        parts.append(text)
        size += grown
    if parts:
        out.append((b"[" + b",".join(parts) + b"]").decode())
    return out
