"""Batched DynamoDB access for the hot path: BatchGetItem and PartiQL BatchExecuteStatement.

PartiQL batches give a per-statement outcome (`ConditionalCheckFailed`, `DuplicateItem`) for
up to 25 conditional writes per request, which is how Commit claims ownership in bulk.
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from boto3.dynamodb.types import TypeDeserializer, TypeSerializer

from functions.common import faults
from functions.common.aws import client

_ser = TypeSerializer()
_deser = TypeDeserializer()

BATCH_GET_MAX = 100
PARTIQL_BATCH_MAX = 25


class TransientStoreError(Exception):
    """DynamoDB kept throttling or conflicting after retries; the task is retried by the state machine."""


def to_av(value: Any) -> dict[str, Any]:
    return _ser.serialize(_plain(value))


def from_item(item: Mapping[str, Any]) -> dict[str, Any]:
    """An item's attribute values as plain Python: whole numbers as int, other numbers as float,
    sets as sorted lists. Read straight from the wire shape, without boto3's Decimal machinery
    (the projector reads every image of every stream record)."""
    return {k: from_av(v) for k, v in item.items()}


def from_av(av: Mapping[str, Any]) -> Any:
    """One attribute value as `from_item` gives it."""
    if "S" in av:
        return av["S"]
    if "N" in av:
        return _number(av["N"])
    if "BOOL" in av:
        return bool(av["BOOL"])
    if "NULL" in av:
        return None
    if "M" in av:
        return {k: from_av(v) for k, v in av["M"].items()}
    if "L" in av:
        return [from_av(v) for v in av["L"]]
    if "SS" in av:
        return sorted(av["SS"])
    if "NS" in av:
        return sorted(_number(n) for n in av["NS"])
    return _py(_deser.deserialize(dict(av)))


def _number(text: str) -> int | float:
    try:
        return int(text)
    except ValueError:
        value = Decimal(text)
        return int(value) if value == value.to_integral_value() else float(value)


def _plain(value: Any) -> Any:
    if isinstance(value, float):
        return Decimal(str(value))
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items() if v is not None}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    return value


def _py(value: Any) -> Any:
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, dict):
        return {k: _py(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_py(v) for v in value]
    if isinstance(value, set):
        return sorted(_py(v) for v in value)
    return value


def batch_get(
    table: str, keys: Sequence[dict[str, Any]], *, consistent: bool = True, raw: bool = False
) -> list[dict[str, Any]]:
    """Fetch items by key (any number), retrying unprocessed keys with backoff; `raw` keeps the
    items as attribute values (exact, for writing a value back byte for byte)."""
    out: list[dict[str, Any]] = []
    ddb = client("dynamodb")
    for start in range(0, len(keys), BATCH_GET_MAX):
        pending: list[dict[str, Any]] = [
            {k: to_av(v) for k, v in key.items()} for key in keys[start : start + BATCH_GET_MAX]
        ]
        attempt = 0
        while pending:
            resp = ddb.batch_get_item(RequestItems={table: {"Keys": pending, "ConsistentRead": consistent}})
            found = resp["Responses"].get(table, [])
            out.extend(found if raw else (from_item(i) for i in found))
            pending = resp.get("UnprocessedKeys", {}).get(table, {}).get("Keys", [])
            if pending:
                attempt = _backoff(attempt)
    return out


def batch_put(table: str, items: Sequence[dict[str, Any]]) -> None:
    """Unconditional puts, 25 per request, unprocessed items retried with backoff."""
    ddb = client("dynamodb")
    for start in range(0, len(items), PARTIQL_BATCH_MAX):
        pending = [
            {"PutRequest": {"Item": {k: to_av(v) for k, v in item.items() if v is not None}}}
            for item in items[start : start + PARTIQL_BATCH_MAX]
        ]
        attempt = 0
        while pending:
            resp = ddb.batch_write_item(RequestItems={table: pending})
            pending = resp.get("UnprocessedItems", {}).get(table, [])
            if pending:
                attempt = _backoff(attempt)


@dataclass(frozen=True)
class Statement:
    sql: str
    params: tuple[Any, ...] = ()


@dataclass(frozen=True)
class StatementOutcome:
    ok: bool
    code: str | None = None  # e.g. ConditionalCheckFailed, DuplicateItem
    message: str | None = None


_RETRYABLE = {
    "ThrottlingError",
    "ProvisionedThroughputExceeded",
    "TransactionConflict",
    "RequestLimitExceeded",
    "InternalServerError",
}


def execute_batch(statements: Sequence[Statement]) -> list[StatementOutcome]:
    """Run write statements in batches of 25; per-statement outcome, throttled ones retried."""
    results: list[StatementOutcome | None] = [None] * len(statements)
    ddb = client("dynamodb")
    for start in range(0, len(statements), PARTIQL_BATCH_MAX):
        todo = list(range(start, min(start + PARTIQL_BATCH_MAX, len(statements))))
        attempt = 0
        while todo:
            resp = ddb.batch_execute_statement(
                Statements=[
                    {"Statement": statements[i].sql, "Parameters": [to_av(p) for p in statements[i].params]}
                    for i in todo
                ]
            )
            retry: list[int] = []
            for i, r in zip(todo, resp["Responses"], strict=True):
                err = r.get("Error")
                if err is None:
                    results[i] = StatementOutcome(ok=True)
                elif err.get("Code") in _RETRYABLE:
                    retry.append(i)
                else:
                    results[i] = StatementOutcome(ok=False, code=err.get("Code"), message=err.get("Message"))
            todo = retry
            if todo:
                attempt = _backoff(attempt)
        faults.point("ddb.batch_written")
    return [r for r in results if r is not None]


def _backoff(attempt: int, *, limit: int = 8) -> int:
    if attempt >= limit:
        raise TransientStoreError(f"DynamoDB still throttling after {limit} retries")
    time.sleep(min(2.0, 0.05 * 2**attempt))
    return attempt + 1


def chunked(items: Iterable[Any], size: int) -> Iterable[list[Any]]:
    batch: list[Any] = []
    for item in items:
        batch.append(item)
        if len(batch) == size:
            yield batch
            batch = []
    if batch:
        yield batch
