"""Listing and searching a workspace's contacts in DynamoDB, in memory, with opaque cursors.

Only used where no read model is configured: with one (always on one machine; Aurora on AWS),
list and search are served by `functions.query`. The pure evaluator below (`holds`,
`field_value`, `Filter`, `ListFilters.matches`) is the documented search semantics, and the read
model's integration tests use it as their plain-Python oracle.

List: every sort reads the workspace's contacts from the table, filters and sorts them in
memory, and the cursor (base64'd with the sort and a fingerprint of the filters) carries the
sort key of the last contact returned. No index is keyed on a workspace alone (one partition
key per workspace would cap a workspace's import rate on AWS); listing at scale is the
PostgreSQL read model's job. Search (POST) filters and sorts the workspace in memory too.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import math
from bisect import bisect_right
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, get_args

from botocore.exceptions import ClientError

from functions.api.errors import BadRequest
from functions.api.models import SearchOp
from functions.common import contacts_repo, ddb
from functions.common.aws import client
from functions.common.verification import VERIFICATION_STATUSES, verification_status

SORTS = ("created_desc", "created_asc", "updated_desc", "lead_score_desc")
SEARCH_TEXT_FIELDS = (
    "email",
    "first_name",
    "last_name",
    "full_name",
    "title",
    "company_name",
    "company_domain",
)


# --- cursors -------------------------------------------------------------------------------------


def encode_cursor(doc: dict[str, Any]) -> str:
    return base64.urlsafe_b64encode(json.dumps(doc, separators=(",", ":")).encode()).decode().rstrip("=")


def decode_cursor(cursor: str, fingerprint: str) -> dict[str, Any]:
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        doc = json.loads(base64.urlsafe_b64decode(padded.encode("ascii")))
    except (ValueError, binascii.Error, UnicodeError):
        raise BadRequest("the cursor is not one this API returned", field="cursor") from None
    if not isinstance(doc, dict) or doc.get("f") != fingerprint:
        raise BadRequest(
            "the cursor belongs to a different query; repeat the query's filters and sort with its cursor",
            field="cursor",
        )
    return doc


def _fingerprint(*parts: Any) -> str:
    return hashlib.sha256(json.dumps(parts, sort_keys=True, default=str).encode()).hexdigest()[:16]


def start_key(state: Mapping[str, Any], workspace_id: str, names: tuple[str, ...]) -> dict[str, Any] | None:
    """The DynamoDB start key a cursor carries, checked: this workspace's, with exactly its key names."""
    key = state.get("k")
    if key is None:
        return None
    if (
        not isinstance(key, dict)
        or set(key) != set(names)
        or not all(isinstance(v, str) and v for v in key.values())
        or key.get("workspace_id", workspace_id) != workspace_id
    ):
        raise BadRequest("the cursor is not one this API returned", field="cursor")
    return {k: ddb.to_av(v) for k, v in key.items()}


def query_pages(request: dict[str, Any]) -> Iterator[dict[str, Any]]:
    """Query pages from `request` on; a start key DynamoDB refuses came from a forged cursor."""
    from_cursor = "ExclusiveStartKey" in request
    while True:
        try:
            resp = client("dynamodb").query(**request)
        except ClientError as exc:
            if from_cursor and exc.response["Error"]["Code"] == "ValidationException":
                raise BadRequest("the cursor is not one this API returned", field="cursor") from None
            raise
        from_cursor = False
        yield resp
        if "LastEvaluatedKey" not in resp:
            return
        request["ExclusiveStartKey"] = resp["LastEvaluatedKey"]


# --- list filters -------------------------------------------------------------------------------


def parse_time(value: str | None, name: str) -> datetime | None:
    if value is None or not value.strip():
        return None
    try:
        parsed = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    except ValueError:
        raise BadRequest(
            f"{name} must be an ISO 8601 timestamp, e.g. 2026-04-01T10:00:00Z", field=name
        ) from None
    return parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed.astimezone(UTC)


def _item_time(item: Mapping[str, Any], name: str) -> datetime | None:
    value = item.get(name)
    if not value:
        return None
    try:
        return parse_time(str(value), name)
    except BadRequest:
        return None


def _csv(value: str | None) -> list[str]:
    return [v.strip() for v in (value or "").split(",") if v.strip()]


def parse_statuses(value: str | None) -> frozenset[str]:
    """Comma-separated verification statuses, in any of the words the import understands."""
    out = set()
    for word in _csv(value):
        status = verification_status(word)
        if status is None:
            raise BadRequest(
                f"unknown verification status {word!r}; use one of: {', '.join(VERIFICATION_STATUSES)}",
                field="verification_status",
            )
        out.add(status)
    return frozenset(out)


def stored_status(item: Mapping[str, Any]) -> str:
    """A contact's verification status; one stored before statuses existed is `unverified`."""
    return (item.get("fields") or {}).get("verification_status") or "unverified"


@dataclass(frozen=True)
class ListFilters:
    icp_tiers: frozenset[str] = frozenset()
    grades: frozenset[str] = frozenset()
    tags: tuple[str, ...] = ()
    search: str | None = None
    created_after: datetime | None = None
    updated_after: datetime | None = None
    is_deleted: bool | None = None
    verification_statuses: frozenset[str] = frozenset()

    @classmethod
    def parse(
        cls,
        *,
        icp_tier: str | None = None,
        grade: str | None = None,
        tag: str | None = None,
        search: str | None = None,
        created_after: str | None = None,
        updated_after: str | None = None,
        is_deleted: bool | None = None,
        verification_status: str | None = None,
    ) -> ListFilters:
        return cls(
            icp_tiers=frozenset(t.upper() for t in _csv(icp_tier)),
            grades=frozenset(g.upper() for g in _csv(grade)),
            tags=tuple(t.casefold() for t in _csv(tag)),
            search=(search or "").strip().casefold() or None,
            created_after=parse_time(created_after, "created_after"),
            updated_after=parse_time(updated_after, "updated_after"),
            is_deleted=is_deleted,
            verification_statuses=parse_statuses(verification_status),
        )

    @property
    def active(self) -> bool:
        return bool(
            self.icp_tiers
            or self.grades
            or self.tags
            or self.search
            or self.created_after
            or self.updated_after
            or self.is_deleted is not None
            or self.verification_statuses
        )

    def matches(self, item: Mapping[str, Any]) -> bool:
        if self.icp_tiers and str(item.get("icp_tier") or "").upper() not in self.icp_tiers:
            return False
        if self.grades and str(item.get("grade") or "").upper() not in self.grades:
            return False
        if self.tags:
            have = {str(t).casefold() for t in item.get("tags") or []}
            if not all(t in have for t in self.tags):
                return False
        if self.is_deleted is not None and bool(item.get("is_deleted")) != self.is_deleted:
            return False
        if self.verification_statuses and stored_status(item) not in self.verification_statuses:
            return False
        if self.created_after:
            created = _item_time(item, "created_at")
            if created is None or created <= self.created_after:
                return False
        if self.updated_after:
            updated = _item_time(item, "updated_at")
            if updated is None or updated <= self.updated_after:
                return False
        if self.search:
            fields = item.get("fields") or {}
            haystack = [
                item.get("email"),
                item.get("company_domain"),
                *(fields.get(f) for f in SEARCH_TEXT_FIELDS),
            ]
            if not any(self.search in str(v).casefold() for v in haystack if v):
                return False
        return True

    def fingerprint(self, workspace_id: str, sort: str) -> str:
        # appended only when given, so cursors handed out before the filter existed stay valid
        statuses = (sorted(self.verification_statuses),) if self.verification_statuses else ()
        return _fingerprint(
            workspace_id,
            sort,
            sorted(self.icp_tiers),
            sorted(self.grades),
            self.tags,
            self.search,
            self.created_after,
            self.updated_after,
            self.is_deleted,
            *statuses,
        )


@dataclass
class Page:
    items: list[dict[str, Any]]
    next_cursor: str | None
    has_more: bool
    total_count: int
    extra: dict[str, Any] = field(default_factory=dict)


# --- list ---------------------------------------------------------------------------------------


def list_page(
    workspace_id: str, filters: ListFilters, *, sort: str, page_size: int, cursor: str | None
) -> Page:
    fingerprint = filters.fingerprint(workspace_id, sort)
    state = decode_cursor(cursor, fingerprint) if cursor else {}
    return _sorted_page(workspace_id, filters, sort, page_size, state, fingerprint)


def _sort_key(sort: str) -> Callable[[Mapping[str, Any]], list[Any]]:
    if sort in ("created_desc", "created_asc"):
        sign = -1.0 if sort == "created_desc" else 1.0

        def by_created(item: Mapping[str, Any]) -> list[Any]:
            when = _item_time(item, "created_at")
            return [sign * (when.timestamp() if when else 0.0), item["email"]]

        return by_created

    if sort == "updated_desc":

        def by_updated(item: Mapping[str, Any]) -> list[Any]:
            when = _item_time(item, "updated_at")
            return [-(when.timestamp() if when else 0.0), item["email"]]

        return by_updated

    def by_score(item: Mapping[str, Any]) -> list[Any]:
        score = item.get("lead_score")
        if isinstance(score, int | float) and not isinstance(score, bool) and math.isfinite(score):
            return [0, -float(score), item["email"]]
        return [1, 0.0, item["email"]]

    return by_score


def _sorted_page(
    workspace_id: str,
    filters: ListFilters,
    sort: str,
    page_size: int,
    state: dict[str, Any],
    fingerprint: str,
) -> Page:
    key = _sort_key(sort)
    items = sorted((i for i in contacts_repo.iter_items(workspace_id) if filters.matches(i)), key=key)
    keys = [key(i) for i in items]
    if "k" in state and not isinstance(state["k"], list):
        raise BadRequest("the cursor is not one this API returned", field="cursor")
    try:
        start = bisect_right(keys, state["k"]) if "k" in state else 0
    except TypeError:
        raise BadRequest("the cursor is not one this API returned", field="cursor") from None
    page = items[start : start + page_size]
    has_more = start + page_size < len(items)
    next_cursor = encode_cursor({"f": fingerprint, "k": key(page[-1])}) if has_more and page else None
    return Page(page, next_cursor, has_more, len(items))


# --- search ---------------------------------------------------------------------------------------

OPS: tuple[str, ...] = get_args(SearchOp)
_TOP_LEVEL = (
    "email",
    "lead_score",
    "icp_tier",
    "grade",
    "tags",
    "dnt",
    "client_id",
    "is_deleted",
    "created_at",
    "updated_at",
    "company_domain",
    "id",
    "contact_id",
)


def field_value(item: Mapping[str, Any], name: str) -> Any:
    """The value a search filter or sort reads: top-level attributes, person fields, `company.*`,
    `custom_fields.*` (or `custom.*`); `has_tag` is the tag list."""
    if name == "has_tag":
        return list(item.get("tags") or [])
    if name in ("id", "contact_id"):
        return item.get("contact_id")
    if name in _TOP_LEVEL:
        return item.get(name)
    if name == "verification_status":
        return stored_status(item)
    head, _, rest = name.partition(".")
    if head in ("custom_fields", "custom") and rest:
        return (item.get("custom_fields") or {}).get(rest)
    if head == "company" and rest:
        if rest == "domain":
            return item.get("company_domain")
        if rest == "name":
            return (item.get("fields") or {}).get("company_name")
        return None
    return (item.get("fields") or {}).get(name)


def _blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip()) or value in ([], {})


def _norm(value: Any) -> Any:
    if isinstance(value, str):
        return value.strip().casefold()
    return value


def _ordered(a: Any, b: Any) -> tuple[Any, Any] | None:
    """A pair that can be compared with < (numbers with numbers, text with text), or None."""
    if isinstance(a, bool) or isinstance(b, bool):
        return None
    if isinstance(a, int | float) and isinstance(b, int | float):
        return a, b
    if isinstance(a, int | float) and isinstance(b, str):
        try:
            return a, float(b)
        except ValueError:
            return None
    if isinstance(a, str) and isinstance(b, str):
        ta, tb = _as_time(a), _as_time(b)
        if ta is not None and tb is not None:
            return ta, tb
        return a.casefold(), b.casefold()
    return None


def _as_time(value: str) -> datetime | None:
    if len(value) < 10 or value[4:5] != "-":
        return None
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed


def _scalar_test(op: str, value: Any, target: Any) -> bool:
    if op in ("eq", "ne"):
        equal = _norm(value) == _norm(target) or (
            isinstance(value, int | float)
            and not isinstance(value, bool)
            and isinstance(target, str)
            and _ordered(value, target) is not None
            and float(value) == float(target)
        )
        return equal if op == "eq" else not equal
    if op in ("gt", "gte", "lt", "lte"):
        pair = _ordered(value, target)
        if pair is None:
            return False
        a, b = pair
        return {"gt": a > b, "gte": a >= b, "lt": a < b, "lte": a <= b}[op]
    if op in ("contains", "starts_with", "ends_with"):
        if value is None or isinstance(value, dict | list) or target is None:
            return False
        text, needle = str(value).casefold(), str(target).casefold()
        if op == "contains":
            return needle in text
        return text.startswith(needle) if op == "starts_with" else text.endswith(needle)
    if op in ("in", "not_in"):
        found = any(_scalar_test("eq", value, t) for t in target)
        return found if op == "in" else not found
    raise BadRequest(f"unknown operator {op!r}", field="filters")


def holds(op: str, value: Any, target: Any) -> bool:
    if op == "is_empty":
        return _blank(value)
    if op == "is_not_empty":
        return not _blank(value)
    if isinstance(value, list):
        # a list field (tags, multi_select): positive ops hold for any element, negative ones for all
        if op in ("ne", "not_in"):
            return all(holds(op, v, target) for v in value)
        return any(holds(op, v, target) for v in value)
    return _scalar_test(op, value, target)


@dataclass(frozen=True)
class Filter:
    field: str
    op: str
    value: Any = None

    def check(self, position: int) -> None:
        where = f"filters.{position}"
        if self.op not in OPS:
            raise BadRequest(f"unknown operator {self.op!r}; one of {', '.join(OPS)}", field=f"{where}.op")
        if self.op in ("is_empty", "is_not_empty"):
            return
        if self.value is None:
            raise BadRequest(f"operator {self.op!r} needs a value", field=f"{where}.value")
        if self.op in ("in", "not_in") and not isinstance(self.value, list):
            raise BadRequest(f"operator {self.op!r} needs a list of values", field=f"{where}.value")
        if self.op not in ("in", "not_in") and isinstance(self.value, list | dict):
            raise BadRequest(f"operator {self.op!r} needs a single value", field=f"{where}.value")

    def matches(self, item: Mapping[str, Any]) -> bool:
        return holds(self.op, field_value(item, self.field), self.value)


def _search_sort_key(specs: list[tuple[str, bool]]) -> Callable[[Mapping[str, Any]], Any]:
    def key(item: Mapping[str, Any]) -> Any:
        parts: list[Any] = []
        for name, descending in specs:
            value = field_value(item, name)
            if isinstance(value, list):
                value = ",".join(sorted(str(v) for v in value)) or None
            if value is None or isinstance(value, dict):
                parts.append(_Last())
            elif isinstance(value, bool):
                parts.append(_Rank((0, int(value)), descending))
            elif isinstance(value, int | float):
                parts.append(_Rank((0, float(value)), descending))
            else:
                parts.append(_Rank((1, str(value).casefold()), descending))
        parts.append(item["email"])
        return parts

    return key


class _Rank:
    """One sort component: a (type, value) pair, reversed for descending; missing values sort last."""

    __slots__ = ("descending", "value")

    def __init__(self, value: tuple[int, Any], descending: bool) -> None:
        self.value, self.descending = value, descending

    def __lt__(self, other: object) -> bool:
        if isinstance(other, _Last):
            return True
        assert isinstance(other, _Rank)
        if self.value[0] != other.value[0]:
            return self.value[0] < other.value[0]
        return self.value[1] > other.value[1] if self.descending else self.value[1] < other.value[1]

    def __eq__(self, other: object) -> bool:
        return isinstance(other, _Rank) and self.value == other.value

    __hash__ = None  # type: ignore[assignment]


class _Last:
    __slots__ = ()

    def __lt__(self, other: object) -> bool:
        return False

    def __eq__(self, other: object) -> bool:
        return isinstance(other, _Last)

    __hash__ = None  # type: ignore[assignment]


def search(
    workspace_id: str,
    filters: list[Filter],
    *,
    logic: str,
    sort: list[tuple[str, bool]],
    page_size: int,
    cursor: str | None,
) -> Page:
    for position, f in enumerate(filters):
        f.check(position)
    fingerprint = _fingerprint(workspace_id, [f.__dict__ for f in filters], logic, sort)
    offset = 0
    if cursor:
        offset = decode_cursor(cursor, fingerprint).get("o", 0)
        if not isinstance(offset, int) or offset < 0:
            raise BadRequest("the cursor is not one this API returned", field="cursor")
    combine = all if logic == "AND" else any
    matched = [
        i
        for i in contacts_repo.iter_items(workspace_id)
        if not filters or combine(f.matches(i) for f in filters)
    ]
    matched.sort(key=_search_sort_key(sort))
    page = matched[offset : offset + page_size]
    has_more = offset + page_size < len(matched)
    next_cursor = encode_cursor({"f": fingerprint, "o": offset + page_size}) if has_more else None
    return Page(page, next_cursor, has_more, len(matched))
