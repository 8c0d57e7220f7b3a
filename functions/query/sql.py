"""List and search requests as one parameterised SQL text (pure: no engine, no I/O).

Semantics are those of the API's search contract (`tests/oracle.py` states them in plain Python,
and the integration tests compare every operator, sort and cursor walk with it): text compares case-insensitively; a list field
(tags, a multi_select custom field) holds a positive operator when any element does and a
negative one (`ne`, `not_in`) when every element does; a missing value sorts last in either
direction. Every field name resolves to a typed expression here; nothing from a request is ever
spliced into SQL text except through parameters.

Pagination is keyset: the cursor carries the sort values of the last row returned and the next
page starts strictly after them, so concurrent writes never shift or repeat a page. Every
statement is bounded by `workspace_id = :ws` first.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from pydantic import (
    AliasChoices,
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    ValidationInfo,
    field_validator,
)
from pydantic_core import PydanticCustomError

from functions.common.rows import STANDARD_FIELDS
from functions.common.verification import VERIFICATION_STATUSES, verification_status
from functions.query.rows import SEARCH_SEPARATOR

OPS = (
    "eq",
    "ne",
    "gt",
    "gte",
    "lt",
    "lte",
    "in",
    "not_in",
    "contains",
    "starts_with",
    "ends_with",
    "is_empty",
    "is_not_empty",
)
LIST_SORTS = ("created_desc", "created_asc", "updated_desc", "lead_score_desc")
_CASTS = {"text": "text", "number": "double precision", "bool": "boolean", "time": "timestamptz"}


class QueryError(ValueError):
    """A request the read model cannot answer as asked (a 400 for the API)."""

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.message, self.field = message, field


@dataclass(frozen=True)
class Expr:
    sql: str
    kind: str  # text | number | bool | time | list

    @property
    def sort_sql(self) -> str:
        if self.kind == "text":
            return f"nullif(lower({self.sql}), '')"  # a blank value sorts with the missing ones, last
        if self.kind == "list":
            return f"nullif(array_to_string({self.sql}, ','), '')"
        return self.sql

    @property
    def sort_kind(self) -> str:
        return "text" if self.kind == "list" else self.kind


@dataclass
class Params:
    values: dict[str, Any] = field(default_factory=dict)

    def add(self, value: Any) -> str:
        name = f"p{len(self.values)}"
        self.values[name] = value
        return f":{name}"


# --- fields -------------------------------------------------------------------------------------

_COLUMNS: dict[str, Expr] = {
    "email": Expr("email", "text"),
    "id": Expr("contact_id", "text"),
    "contact_id": Expr("contact_id", "text"),
    "first_name": Expr("first_name", "text"),
    "last_name": Expr("last_name", "text"),
    "full_name": Expr("full_name", "text"),
    "title": Expr("title", "text"),
    "company_name": Expr("company_name", "text"),
    "company_domain": Expr("company_domain", "text"),
    "icp_tier": Expr("icp_tier", "text"),
    "grade": Expr("grade", "text"),
    "client_id": Expr("client_id", "text"),
    "lead_score": Expr("lead_score", "number"),
    "dnt": Expr("dnt", "bool"),
    "is_deleted": Expr("is_deleted", "bool"),
    "created_at": Expr("created_at", "time"),
    "updated_at": Expr("updated_at", "time"),
    "tags": Expr("tags_lc", "list"),
    "has_tag": Expr("tags_lc", "list"),
    "company.name": Expr("company_name", "text"),
    "company.domain": Expr("company_domain", "text"),
    "company.industry": Expr("company_industry", "text"),
    "company.employee_count": Expr("company_employee_count", "number"),
    "company.revenue_band": Expr("company_revenue_band", "text"),
    # GlobalContact's engagement counters (platform-wide, by email), as the contact detail shows them
    "total_sent": Expr("total_sent", "number"),
    "total_responses": Expr("total_responses", "number"),
    "response_rate": Expr("response_rate", "number"),
    "bounce_status": Expr("bounce_status", "text"),
    "last_sent_at": Expr("last_sent_at", "time"),
    "last_engaged_at": Expr("last_engaged_at", "time"),
}
ENGAGEMENT_FIELDS = (
    "total_sent",
    "total_responses",
    "response_rate",
    "bounce_status",
    "last_sent_at",
    "last_engaged_at",
)
for _name in ENGAGEMENT_FIELDS:
    _COLUMNS[f"engagement.{_name}"] = _COLUMNS[_name]
FIELD_HELP = (
    "A field to filter or sort on: "
    + ", ".join(sorted({n for n in _COLUMNS if not n.startswith("engagement.")}))
    + " (engagement counters also as engagement.<name>), any standard contact field, "
    "custom_fields.<name> (typed by the workspace's definition)."
)
_CUSTOM_KINDS = {
    "string": "text",
    "dropdown": "text",
    "date": "text",
    "number": "number",
    "boolean": "bool",
    "multi_select": "list",
}


# a contact stored before verification statuses existed is unverified
VERIFICATION_EXPR = Expr("COALESCE(fields ->> 'verification_status', 'unverified')", "text")


def resolve(name: str, custom_types: Mapping[str, str], params: Params) -> Expr:
    """The typed SQL expression a filter or sort on `name` reads."""
    if name in _COLUMNS:
        return _COLUMNS[name]
    head, _, rest = name.partition(".")
    if head in ("custom_fields", "custom") and rest:
        key = params.add(rest)
        value = f"(custom_fields -> {key}::text)"
        kind = _CUSTOM_KINDS.get(custom_types.get(rest, ""), "json")
        if kind == "number":
            return Expr(f"(CASE WHEN jsonb_typeof({value}) = 'number' THEN ({value})::float8 END)", "number")
        if kind == "bool":
            return Expr(f"(CASE WHEN jsonb_typeof({value}) = 'boolean' THEN ({value})::boolean END)", "bool")
        if kind == "list":
            elements = (
                f"jsonb_array_elements_text(CASE WHEN jsonb_typeof({value}) = 'array' THEN {value} END)"
            )
            return Expr(f"ARRAY(SELECT lower(e) FROM {elements} AS e)", "list")
        if kind == "json":  # no definition: numbers compare as numbers, the rest as text
            return Expr(value, "json")
        return Expr(f"(custom_fields ->> {key}::text)", "text")
    if name == "verification_status":
        return VERIFICATION_EXPR
    if name in STANDARD_FIELDS:
        return Expr(f"(fields ->> {params.add(name)}::text)", "text")
    raise QueryError(
        f"unknown field {name!r}: a standard field, company.<name>, has_tag or custom_fields.<name>",
        field="filters",
    )


# --- values -------------------------------------------------------------------------------------


def _as_number(value: Any) -> float | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return float(value) if math.isfinite(value) else None
    if isinstance(value, str):
        try:
            number = float(value.strip())
        except ValueError:
            return None
        return number if math.isfinite(number) else None
    return None


def _as_bool(value: Any) -> bool | None:
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().lower() in ("true", "false"):
        return value.strip().lower() == "true"
    return None


def as_time(value: Any, where: str) -> str:
    text = str(value).strip()
    try:
        parsed = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise QueryError(
            f"{where} needs an ISO 8601 timestamp, e.g. 2026-04-01T10:00:00Z", field=where
        ) from None
    parsed = parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed
    return parsed.isoformat()


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def like_pattern(needle: str, op: str) -> str:
    escaped = needle.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    if op == "contains":
        return f"%{escaped}%"
    return f"{escaped}%" if op == "starts_with" else f"%{escaped}"


# --- predicates ---------------------------------------------------------------------------------

_COMPARE = {"gt": ">", "gte": ">=", "lt": "<", "lte": "<="}
_STORED_UPPER = frozenset({"icp_tier", "grade"})  # columns the projector stores upper-cased (rows.row)


def _not(sql: str) -> str:
    return f"(({sql}) IS NOT TRUE)"


def predicate(expr: Expr, op: str, value: Any, params: Params, where: str) -> str:
    if op == "is_empty":
        return _empty(expr)
    if op == "is_not_empty":
        return _not(_empty(expr))
    if expr.kind == "list":
        return _list_predicate(expr, op, value, params)
    if expr.kind == "json":
        return _json_predicate(expr, op, value, params, where)
    if op in ("ne", "not_in"):
        return _not(predicate(expr, "eq" if op == "ne" else "in", value, params, where))
    if op in ("contains", "starts_with", "ends_with"):
        text = f"lower(({expr.sql})::text)" if expr.kind != "time" else f"lower(item ->> '{expr.sql}')"
        return f"({text} LIKE {params.add(like_pattern(_text(value).casefold(), op))})"
    if op == "in":
        values = list(value)
        if not values:
            return "FALSE"
        return "(" + " OR ".join(predicate(expr, "eq", v, params, where) for v in values) + ")"
    return _scalar(expr, op, value, params, where)


def _scalar(expr: Expr, op: str, value: Any, params: Params, where: str) -> str:
    sign = "=" if op == "eq" else _COMPARE[op]
    if expr.kind == "number":
        number = _as_number(value)
        return "FALSE" if number is None else f"({expr.sql} {sign} {params.add(number)}::float8)"
    if expr.kind == "bool":
        flag = _as_bool(value)
        if flag is None or op != "eq":
            return "FALSE"
        return f"({expr.sql} = {params.add(flag)}::boolean)"
    if expr.kind == "time":
        return f"({expr.sql} {sign} {params.add(as_time(value, where))}::timestamptz)"
    if op == "eq" and expr.sql in _STORED_UPPER:  # the (workspace_id, icp_tier, grade) index serves it
        return f"({expr.sql} = {params.add(_text(value).upper())}::text)"
    return f"(lower({expr.sql}) {sign} {params.add(_text(value).casefold())}::text)"


def _empty(expr: Expr) -> str:
    if expr.kind == "list":
        return f"(coalesce(cardinality({expr.sql}), 0) = 0)"
    if expr.kind == "text":
        return f"(coalesce(btrim({expr.sql}), '') = '')"
    if expr.kind == "json":
        value = expr.sql
        return (
            f"({value} IS NULL OR jsonb_typeof({value}) = 'null' OR {value} IN ('\"\"'::jsonb, '[]'::jsonb, '{{}}'::jsonb)"
            f" OR (jsonb_typeof({value}) = 'string' AND btrim({value} #>> '{{}}') = ''))"
        )
    return f"({expr.sql} IS NULL)"


def _list_predicate(expr: Expr, op: str, value: Any, params: Params) -> str:
    if op in ("ne", "not_in"):
        return _not(_list_predicate(expr, "eq" if op == "ne" else "in", value, params))
    if op == "eq":  # containment, which the GIN index on tags_lc serves
        return f"({expr.sql} @> {params.add(text_array([_text(value).casefold()]))}::text[])"
    if op == "in":
        wanted = [_text(v).casefold() for v in value]
        return f"({expr.sql} && {params.add(text_array(wanted))}::text[])"
    if op in ("contains", "starts_with", "ends_with"):
        pattern = params.add(like_pattern(_text(value).casefold(), op))
        return f"EXISTS (SELECT 1 FROM unnest({expr.sql}) AS e WHERE e LIKE {pattern})"
    sign = _COMPARE[op]
    return f"EXISTS (SELECT 1 FROM unnest({expr.sql}) AS e WHERE e {sign} {params.add(_text(value).casefold())}::text)"


def _json_predicate(expr: Expr, op: str, value: Any, params: Params, where: str) -> str:
    """An undefined custom field: a number where the stored value is a number, text otherwise."""
    raw = expr.sql
    number = Expr(f"(CASE WHEN jsonb_typeof({raw}) = 'number' THEN ({raw})::float8 END)", "number")
    text = Expr(f"(CASE WHEN jsonb_typeof({raw}) = 'string' THEN {raw} #>> '{{}}' END)", "text")
    boolean = Expr(f"(CASE WHEN jsonb_typeof({raw}) = 'boolean' THEN ({raw})::boolean END)", "bool")
    elements = Expr(
        f"ARRAY(SELECT lower(e) FROM jsonb_array_elements_text(CASE WHEN jsonb_typeof({raw}) = 'array' THEN {raw} END) AS e)",
        "list",
    )
    as_list = f"(jsonb_typeof({raw}) = 'array' AND {_list_predicate(elements, op, value, params)})"
    if op in ("ne", "not_in"):
        positive = _json_predicate(expr, "eq" if op == "ne" else "in", value, params, where)
        return _not(positive)
    parts = [as_list, predicate(text, op, value, params, where)]
    if op in ("eq", "in", "gt", "gte", "lt", "lte"):
        values = list(value) if op == "in" else [value]
        if any(_as_number(v) is not None for v in values):
            parts.append(predicate(number, op, value, params, where))
        if op in ("eq", "in") and any(_as_bool(v) is not None for v in values):
            parts.append(predicate(boolean, op, value, params, where))
    else:
        parts.append(predicate(Expr(f"({raw} #>> '{{}}')", "text"), op, value, params, where))
    return "(" + " OR ".join(parts) + ")"


# --- requests -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Condition:
    field: str
    op: str
    value: Any = None


@dataclass(frozen=True)
class Group:
    logic: str  # AND | OR
    items: tuple[Condition | Group, ...]


def check(condition: Condition, where: str) -> None:
    if condition.op not in OPS:
        raise QueryError(f"unknown operator {condition.op!r}; one of {', '.join(OPS)}", field=f"{where}.op")
    if condition.op in ("is_empty", "is_not_empty"):
        return
    if condition.value is None:
        raise QueryError(f"operator {condition.op!r} needs a value", field=f"{where}.value")
    if condition.op in ("in", "not_in") and not isinstance(condition.value, list):
        raise QueryError(f"operator {condition.op!r} needs a list of values", field=f"{where}.value")
    if condition.op not in ("in", "not_in") and isinstance(condition.value, list | dict):
        raise QueryError(f"operator {condition.op!r} needs a single value", field=f"{where}.value")


def where_group(group: Group, custom_types: Mapping[str, str], params: Params, path: str = "filters") -> str:
    parts = []
    for position, item in enumerate(group.items):
        where = f"{path}.{position}"
        if isinstance(item, Group):
            parts.append(where_group(item, custom_types, params, f"{where}.filters"))
            continue
        check(item, where)
        try:
            expr = resolve(item.field, custom_types, params)
        except QueryError as exc:
            raise QueryError(exc.message, field=f"{where}.field") from None
        parts.append(predicate(expr, item.op, item.value, params, f"{where}.value"))
    if not parts:
        return "TRUE"
    joiner = " AND " if group.logic == "AND" else " OR "
    return "(" + joiner.join(parts) + ")"


def text_array(values: Sequence[str]) -> str:
    """A PostgreSQL text[] literal (`{"a","b"}`), cast with `::text[]`: a constant the planner
    sees (its statistics estimate the rows; a subquery over JSON hides the values from it)."""
    quoted = ('"' + v.replace("\\", "\\\\").replace('"', '\\"') + '"' for v in values)
    return "{" + ",".join(quoted) + "}"


def _csv(value: Any) -> list[str]:
    """A query parameter's comma-separated values (or a list of them, as the CLI passes)."""
    if value is None:
        return []
    parts = value.split(",") if isinstance(value, str) else [str(v) for v in value]
    return [v.strip() for v in parts if v.strip()]


def _blank_to_none(value: Any) -> Any:
    return (value.strip() or None) if isinstance(value, str) else value


class ListRequest(BaseModel):
    """The list filters of `GET /contacts` and `contacts list`, parsed once: the API, the CLI and
    the tests' oracle all read this model. Tiers and grades compare upper-cased, tags and search
    case-insensitively; timestamps are checked and normalised to ISO 8601 (UTC when no offset)."""

    model_config = ConfigDict(frozen=True)

    # each filter's parameter is its first alias (or its name); `cli` names older CLI flags
    icp_tiers: tuple[str, ...] = Field(
        (),
        validation_alias=AliasChoices("icp_tier", "icp_tiers"),
        description="Comma-separated ICP tiers, e.g. A,B.",
        json_schema_extra={"cli": "--tier"},
    )
    grades: tuple[str, ...] = Field(
        (), validation_alias=AliasChoices("grade", "grades"), description="Comma-separated grades."
    )
    tags: tuple[str, ...] = Field(
        (),
        validation_alias=AliasChoices("tag", "tags"),
        description="Comma-separated; a contact must carry all.",
    )
    search: str | None = Field(None, description="Text in the email, names, title, company name or domain.")
    created_after: str | None = Field(None, description="ISO 8601 timestamp.")
    updated_after: str | None = Field(None, description="ISO 8601 timestamp.")
    is_deleted: bool | None = Field(
        None,
        description="true: only soft-deleted contacts; false: only live ones; absent: both (the API "
        "applies no default filter).",
        json_schema_extra={
            "cli": "--deleted",
            "cli_help": "Only soft-deleted contacts (default: live ones).",
        },
    )
    verification_statuses: tuple[str, ...] = Field(
        (),
        validation_alias=AliasChoices("verification_status", "verification_statuses"),
        description="Comma-separated email verification statuses (unverified, valid, invalid, risky, "
        "unknown); a contact never verified is unverified.",
    )
    segment_id: str | None = Field(
        None, description="Only this segment's contacts.", json_schema_extra={"cli": "--segment"}
    )

    @field_validator("icp_tiers", "grades", mode="before")
    @classmethod
    def _upper_set(cls, value: Any) -> tuple[str, ...]:
        return tuple(sorted({v.upper() for v in _csv(value)}))

    @field_validator("tags", mode="before")
    @classmethod
    def _casefolded(cls, value: Any) -> tuple[str, ...]:
        return tuple(dict.fromkeys(v.casefold() for v in _csv(value)))

    @field_validator("verification_statuses", mode="before")
    @classmethod
    def _statuses(cls, value: Any) -> tuple[str, ...]:
        out = set()
        for word in _csv(value):
            status = verification_status(word)
            if status is None:
                known = ", ".join(VERIFICATION_STATUSES)
                raise PydanticCustomError(
                    "verification_status", f"unknown verification status {word!r}; use one of: {known}"
                )
            out.add(status)
        return tuple(sorted(out))

    @field_validator("search", mode="before")
    @classmethod
    def _needle(cls, value: Any) -> Any:
        value = _blank_to_none(value)
        return value.casefold() if isinstance(value, str) else value

    @field_validator("segment_id", mode="before")
    @classmethod
    def _id(cls, value: Any) -> Any:
        return _blank_to_none(value)

    @field_validator("created_after", "updated_after", mode="before")
    @classmethod
    def _timestamp(cls, value: Any, info: ValidationInfo) -> str | None:
        value = _blank_to_none(value)
        if value is None:
            return None
        try:
            return as_time(value, str(info.field_name))
        except QueryError as exc:
            raise PydanticCustomError("timestamp", exc.message) from None

    @classmethod
    def parse(cls, **params: Any) -> ListRequest:
        """The request from query parameters (`icp_tier="A,B"`, `tag=...`); a QueryError naming
        the parameter when one is malformed."""
        try:
            return cls.model_validate(params)
        except ValidationError as exc:
            first = exc.errors()[0]
            name = str(first["loc"][0]) if first["loc"] else None
            raise QueryError(first["msg"], field=name) from None


def list_conditions(request: ListRequest, custom_types: Mapping[str, str], params: Params) -> list[str]:
    out = []
    if request.icp_tiers:
        out.append(f"icp_tier = ANY({params.add(text_array(request.icp_tiers))}::text[])")
    if request.grades:
        out.append(f"grade = ANY({params.add(text_array(request.grades))}::text[])")
    if request.tags:
        out.append(f"tags_lc @> {params.add(text_array(request.tags))}::text[]")
    if request.search:
        needle = request.search.replace(SEARCH_SEPARATOR, " ")
        out.append(f"search_text LIKE {params.add(like_pattern(needle, 'contains'))}")
    if request.created_after:
        out.append(f"created_at > {params.add(request.created_after)}::timestamptz")
    if request.updated_after:
        out.append(f"updated_at > {params.add(request.updated_after)}::timestamptz")
    if request.is_deleted is not None:
        out.append(f"is_deleted = {params.add(request.is_deleted)}::boolean")
    if request.verification_statuses:
        statuses = params.add(text_array(request.verification_statuses))
        out.append(f"{VERIFICATION_EXPR.sql} = ANY({statuses}::text[])")
    return out


def group_from(doc: Mapping[str, Any]) -> Group:
    """A search body's `filters` / `filters_logic` (groups nest the same two keys) as a Group."""
    logic = str(doc.get("filters_logic") or "AND").upper()
    if logic not in ("AND", "OR"):
        raise QueryError("filters_logic must be AND or OR", field="filters_logic")
    items: list[Condition | Group] = []
    for position, entry in enumerate(doc.get("filters") or []):
        if not isinstance(entry, Mapping):
            raise QueryError(
                "a filter is an object: {field, op, value} or a group", field=f"filters.{position}"
            )
        if "filters" in entry:
            items.append(group_from(entry))
        else:
            items.append(Condition(str(entry.get("field")), str(entry.get("op")), entry.get("value")))
    return Group(logic, tuple(items))


# --- ordering and keyset pagination -------------------------------------------------------------


@dataclass(frozen=True)
class SortKey:
    sql: str
    kind: str  # the cast of its cursor value: text | number | bool | time
    descending: bool
    nullable: bool


def list_sort(sort: str) -> list[SortKey]:
    """The four list sorts, each on a btree index (workspace_id, key, email) read in one direction."""
    if sort not in LIST_SORTS:
        raise QueryError(f"sort must be one of {', '.join(LIST_SORTS)}", field="sort")
    column, descending = {
        "created_desc": ("created_at", True),
        "created_asc": ("created_at", False),
        "updated_desc": ("updated_at", True),
        "lead_score_desc": ("score_key", True),
    }[sort]
    kind = "number" if column == "score_key" else "time"
    return [SortKey(column, kind, descending, False), SortKey("email", "text", descending, False)]


def search_sort(
    specs: Sequence[tuple[str, bool]], custom_types: Mapping[str, str], params: Params
) -> list[SortKey]:
    keys = []
    for position, (name, descending) in enumerate(specs):
        try:
            expr = resolve(name, custom_types, params)
        except QueryError as exc:
            raise QueryError(exc.message, field=f"sort.{position}.field") from None
        if expr.kind == "json":
            expr = Expr(f"({expr.sql} #>> '{{}}')", "text")
        if expr.sql == "lead_score" and descending:
            # the same order (a missing score is -Infinity there: last), read from the score index
            keys.append(SortKey("score_key", "number", True, False))
            continue
        keys.append(SortKey(expr.sort_sql, expr.sort_kind, descending, True))
    keys.append(SortKey("email", "text", False, False))
    return keys


def order_by(keys: Sequence[SortKey]) -> str:
    return ", ".join(
        f"{k.sql} {'DESC' if k.descending else 'ASC'}" + (" NULLS LAST" if k.nullable else "") for k in keys
    )


def cursor_values_sql(keys: Sequence[SortKey]) -> str:
    return ", ".join(f"({k.sql})::text AS k{i}" for i, k in enumerate(keys))


def after(keys: Sequence[SortKey], values: Sequence[str | None], params: Params) -> str:
    """Rows strictly after the cursor's sort values, in the order of `keys` (missing values last)."""
    if len(values) != len(keys):
        raise QueryError("the cursor is not one this API returned", field="cursor")
    if all(not k.nullable for k in keys) and len({k.descending for k in keys}) == 1:
        # one direction, no NULLs: a row comparison, which the (workspace_id, key, email) index serves
        sign = "<" if keys[0].descending else ">"
        left = ", ".join(k.sql for k in keys)
        right = ", ".join(f"{params.add(v)}::{_CASTS[k.kind]}" for k, v in zip(keys, values, strict=True))
        return f"(({left}) {sign} ({right}))"
    clause = "FALSE"
    for key, value in reversed(list(zip(keys, values, strict=True))):
        if value is None:
            # the cursor row had no value here: only rows without one follow, tied on the rest
            beyond, same = "FALSE", f"({key.sql}) IS NULL"
        else:
            cast = f"{params.add(value)}::{_CASTS[key.kind]}"
            sign = "<" if key.descending else ">"
            beyond = f"(({key.sql}) {sign} {cast}" + (f" OR ({key.sql}) IS NULL)" if key.nullable else ")")
            same = f"({key.sql}) = {cast}"
        clause = f"({beyond} OR ({same} AND {clause}))"
    return clause


def select_page(
    conditions: Sequence[str],
    keys: Sequence[SortKey],
    cursor: Sequence[str | None] | None,
    limit: int,
    params: Params,
) -> str:
    where = ["workspace_id = :ws", *conditions]
    if cursor is not None:
        where.append(after(keys, cursor, params))
    return (
        f"SELECT item, {cursor_values_sql(keys)} FROM contacts WHERE {' AND '.join(where)} "
        f"ORDER BY {order_by(keys)} LIMIT {int(limit)}"
    )


def select_count(conditions: Sequence[str]) -> str:
    """The number of rows matching."""
    return f"SELECT count(*) AS n FROM contacts WHERE {' AND '.join(['workspace_id = :ws', *conditions])}"
