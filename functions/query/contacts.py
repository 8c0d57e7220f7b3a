"""Listing and searching a workspace's contacts in the read model.

The API's list and search routes call `list_page` and `search`. Cursors are opaque (base64 JSON
of the query's fingerprint and the last row's sort values); a cursor is only accepted with the
query, workspace included, that produced it, and even a forged one can only move within the
caller's workspace, which every statement is bounded by.

`total_count` is exact (the issue's contract): an unfiltered list reads the workspace's row
count, kept by triggers (migrations/0012); a filtered one counts its matches.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from pydantic import BaseModel

from functions.query import freshness, segments, sql
from functions.query.db import Database, json_value
from functions.query.sql import Group, ListRequest, Params, QueryError, group_from

MAX_PAGE = 500


@dataclass
class Page:
    items: list[dict[str, Any]]
    next_cursor: str | None
    has_more: bool
    total_count: int
    extra: dict[str, Any] = field(default_factory=dict)


def _plain(value: Any) -> Any:
    return value.model_dump() if isinstance(value, BaseModel) else str(value)


def fingerprint(*parts: Any) -> str:
    return hashlib.sha256(json.dumps(parts, sort_keys=True, default=_plain).encode()).hexdigest()[:16]


def encode_cursor(doc: dict[str, Any]) -> str:
    return base64.urlsafe_b64encode(json.dumps(doc, separators=(",", ":")).encode()).decode().rstrip("=")


def decode_doc(cursor: str, expected: str) -> dict[str, Any]:
    """A cursor's document, only if it was made for the query with fingerprint `expected`."""
    try:
        doc = json.loads(base64.urlsafe_b64decode((cursor + "=" * (-len(cursor) % 4)).encode("ascii")))
    except (ValueError, binascii.Error, UnicodeError):
        raise QueryError("the cursor is not one this API returned", field="cursor") from None
    if not isinstance(doc, dict) or doc.get("f") != expected:
        raise QueryError(
            "the cursor belongs to a different query; repeat the query's filters and sort with its cursor",
            field="cursor",
        )
    return doc


def decode_cursor(cursor: str, expected: str, size: int) -> list[str | None]:
    values = decode_doc(cursor, expected).get("k")
    if (
        not isinstance(values, list)
        or len(values) != size
        or not all(v is None or (isinstance(v, str) and len(v) <= 4000) for v in values)
    ):
        raise QueryError("the cursor is not one this API returned", field="cursor")
    return values


def _page(
    db: Database,
    workspace_id: str,
    conditions: list[str],
    keys: list[sql.SortKey],
    params: Params,
    print_: str,
    page_size: int,
    cursor: str | None,
    tag: str | None = None,
) -> Page:
    if not 1 <= page_size <= MAX_PAGE:
        raise QueryError(f"page_size must be between 1 and {MAX_PAGE}", field="page_size")
    values = decode_cursor(cursor, print_, len(keys)) if cursor else None
    count_params = dict(params.values)
    statement = sql.select_page(conditions, keys, values, page_size + 1, params)
    freshness.settle()
    try:
        rows = db.query(statement, {**params.values, "ws": workspace_id})
    except Exception as exc:
        if values is not None and _is_cast_error(exc):
            raise QueryError("the cursor is not one this API returned", field="cursor") from None
        raise
    total = count(db, workspace_id, conditions, count_params, tag=tag)
    has_more = len(rows) > page_size
    rows = rows[:page_size]
    next_cursor = None
    if has_more and rows:
        last = rows[-1]
        next_cursor = encode_cursor({"f": print_, "k": [last[f"k{i}"] for i in range(len(keys))]})
    return Page([json_value(r["item"]) for r in rows], next_cursor, has_more, total)


def count(
    db: Database,
    workspace_id: str,
    conditions: Sequence[str],
    params: Mapping[str, Any],
    *,
    tag: str | None = None,
) -> int:
    """How many contacts match, exactly; `tag`: the conditions are that one tag's, whose count
    the triggers keep, as they keep the workspace's."""
    bound = {**params, "ws": workspace_id}
    if not conditions:
        rows = db.query("SELECT contacts AS n FROM workspace_counts WHERE workspace_id = :ws", bound)
        return int(rows[0]["n"]) if rows else 0
    if tag is not None:
        rows = db.query(
            "SELECT contacts AS n FROM workspace_tag_counts WHERE workspace_id = :ws AND tag = :tag",
            {"ws": workspace_id, "tag": tag},
        )
        return int(rows[0]["n"]) if rows else 0
    return int(db.query(sql.select_count(conditions), bound)[0]["n"])


def _is_cast_error(exc: Exception) -> bool:
    # psycopg: DataError / InvalidTextRepresentation; Data API: BadRequestException with the PG text
    text = f"{type(exc).__name__} {exc}".lower()
    return "invalid input syntax" in text or "dataerror" in text or "out of range" in text


def list_page(
    db: Database,
    workspace_id: str,
    request: ListRequest,
    *,
    sort: str,
    page_size: int,
    cursor: str | None,
    custom_types: Mapping[str, str] | None = None,
) -> Page:
    params = Params()
    conditions = sql.list_conditions(request, custom_types or {}, params)
    if request.segment_id:
        conditions.append(segments.condition(workspace_id, request.segment_id, custom_types or {}, params))
    keys = sql.list_sort(sort)
    print_ = fingerprint("list", workspace_id, sort, request)
    # one tag and nothing else: its count is kept (migrations/0017)
    tag = request.tags[0] if len(request.tags) == 1 and len(conditions) == 1 else None
    return _page(db, workspace_id, conditions, keys, params, print_, page_size, cursor, tag)


__all__ = ["Page", "group_from", "list_page", "search"]


def search(
    db: Database,
    workspace_id: str,
    filters: Group,
    *,
    sort: Sequence[tuple[str, bool]],
    page_size: int,
    cursor: str | None,
    custom_types: Mapping[str, str] | None = None,
    segment_id: str | None = None,
) -> Page:
    params = Params()
    types = custom_types or {}
    conditions = [sql.where_group(filters, types, params)]
    if segment_id:
        conditions.append(segments.condition(workspace_id, segment_id, types, params))
    keys = sql.search_sort(sort, types, params)
    print_ = fingerprint("search", workspace_id, filters, list(sort), segment_id)
    return _page(db, workspace_id, conditions, keys, params, print_, page_size, cursor)


def emails_by_id(workspace_id: str, contact_ids: Sequence[str]) -> dict[str, str]:
    """The emails of this workspace's contacts with these ids, from the read model: how ids of the
    older format (which carry no key, `functions.common.contact_ids`) find their item. Empty
    when no read model is configured."""
    from functions.query.db import get_database

    db = get_database()
    if db is None or not contact_ids:
        return {}
    freshness.settle()
    rows = db.query(
        "SELECT contact_id, email FROM contacts WHERE workspace_id = :ws"
        " AND contact_id IN (SELECT jsonb_array_elements_text(CAST(:ids AS jsonb)))",
        {"ws": workspace_id, "ids": json.dumps(list(dict.fromkeys(contact_ids)))},
    )
    return {str(r["contact_id"]): str(r["email"]) for r in rows}
