"""The contacts API's filter, search and sort semantics in plain Python: the oracle the read
model's integration tests compare PostgreSQL's answers with (every list filter, search operator,
sort and cursor walk). It reads contacts as DynamoDB holds them, so a disagreement points at the
SQL, the projection or this statement of the contract, never at a shared helper.

Text compares case-insensitively; a list field (tags, a multi_select custom field) holds a
positive operator when any element does and a negative one (`ne`, `not_in`) when every element
does; mismatched types never match; a missing value sorts last in either direction.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from typing import Any

from functions.query.sql import ListRequest

SEARCH_TEXT_FIELDS = (
    "email",
    "first_name",
    "last_name",
    "full_name",
    "title",
    "company_name",
    "company_domain",
)
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


def _time(value: str) -> datetime:
    parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    return parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed.astimezone(UTC)


def _item_time(item: Mapping[str, Any], name: str) -> datetime | None:
    value = item.get(name)
    try:
        return _time(str(value)) if value else None
    except ValueError:
        return None


# --- list ---------------------------------------------------------------------------------------


def list_matches(request: ListRequest, item: Mapping[str, Any]) -> bool:
    """Whether a contact passes the list filters (`segment_id` is the read model's alone)."""
    if request.icp_tiers and str(item.get("icp_tier") or "").upper() not in request.icp_tiers:
        return False
    if request.grades and str(item.get("grade") or "").upper() not in request.grades:
        return False
    if request.tags:
        have = {str(t).casefold() for t in item.get("tags") or []}
        if not all(t in have for t in request.tags):
            return False
    if request.is_deleted is not None and bool(item.get("is_deleted")) != request.is_deleted:
        return False
    if request.verification_statuses and field_value(item, "verification_status") not in (
        request.verification_statuses
    ):
        return False
    if request.created_after:
        created = _item_time(item, "created_at")
        if created is None or created <= _time(request.created_after):
            return False
    if request.updated_after:
        updated = _item_time(item, "updated_at")
        if updated is None or updated <= _time(request.updated_after):
            return False
    if request.search:
        fields = item.get("fields") or {}
        haystack = [
            item.get("email"),
            item.get("company_domain"),
            *(fields.get(f) for f in SEARCH_TEXT_FIELDS),
        ]
        if not any(request.search in str(v).casefold() for v in haystack if v):
            return False
    return True


# --- search -------------------------------------------------------------------------------------


def field_value(item: Mapping[str, Any], name: str) -> Any:
    """The value a search filter or sort reads: top-level attributes, person fields, `company.*`,
    `custom_fields.*` (or `custom.*`); `has_tag` is the tag list."""
    if name == "has_tag":
        return list(item.get("tags") or [])
    if name in ("id", "contact_id"):
        return item.get("contact_id")
    if name in _TOP_LEVEL:
        return item.get(name)
    if name == "verification_status":  # one stored before statuses existed is unverified
        return (item.get("fields") or {}).get(name) or "unverified"
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
    raise ValueError(f"unknown operator {op!r}")


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


# --- sort ---------------------------------------------------------------------------------------


def search_sort_key(specs: list[tuple[str, bool]]) -> Callable[[Mapping[str, Any]], Any]:
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
