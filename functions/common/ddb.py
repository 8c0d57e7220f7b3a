"""Batched DynamoDB access for the hot path: BatchGetItem and PartiQL BatchExecuteStatement.

PartiQL batches give a per-statement outcome (`ConditionalCheckFailed`, `DuplicateItem`) for
up to 25 conditional writes per request, which is how Commit claims ownership in bulk.
"""

from __future__ import annotations

import contextvars
import re
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, TypeVar

from boto3.dynamodb.types import TypeDeserializer, TypeSerializer

from functions.common import faults
from functions.common.aws import client

_T = TypeVar("_T")
_R = TypeVar("_R")
_ser = TypeSerializer()
_deser = TypeDeserializer()

BATCH_GET_MAX = 100
PARTIQL_BATCH_MAX = 25
# integers the direct paths take as they are: DynamoDB numbers hold 38 significant digits
_INT_LIMIT = 10**38
_INTEGER = re.compile(r"-?[0-9]{1,38}")


class TransientStoreError(Exception):
    """DynamoDB kept throttling or conflicting after retries; the task is retried by the state machine."""


def to_av(value: Any) -> dict[str, Any]:
    """A Python value as a DynamoDB attribute value (floats as exact decimals, None map entries
    dropped). The common types take a direct path; anything else goes through boto3's
    TypeSerializer, whose result the direct path equals (tests/unit/test_ddb_values.py)."""
    t = type(value)
    if t is str:
        return {"S": value}
    if t is bool:
        return {"BOOL": value}
    if t is int and -_INT_LIMIT < value < _INT_LIMIT:
        return {"N": str(value)}
    if value is None:
        return {"NULL": True}
    if t is dict:
        return {"M": {k: to_av(v) for k, v in value.items() if v is not None}}
    if t is list or t is tuple:
        return {"L": [to_av(v) for v in value]}
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
    table: str,
    keys: Sequence[dict[str, Any]],
    *,
    consistent: bool = True,
    raw: bool = False,
    concurrency: int = 1,
) -> list[dict[str, Any]]:
    """Fetch items by key (any number), retrying unprocessed keys with backoff; `raw` keeps the
    items as attribute values (exact, for writing a value back byte for byte); `concurrency`
    requests of 100 keys in flight at once."""
    ddb = client("dynamodb")

    def page(start: int) -> list[dict[str, Any]]:
        out: list[dict[str, Any]] = []
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

    pages = in_parallel(page, range(0, len(keys), BATCH_GET_MAX), concurrency)
    return [item for found in pages for item in found]


def in_parallel(fn: Callable[[_T], _R], args: Iterable[_T], concurrency: int) -> list[_R]:
    """`fn` over `args`, up to `concurrency` at once on threads (each in a copy of the caller's
    context: fault scopes and log context follow), results in order; the first error raised."""
    todo = list(args)
    if concurrency <= 1 or len(todo) <= 1:
        return [fn(a) for a in todo]

    def timed(a: _T) -> _R:
        t0 = time.thread_time()
        try:
            return fn(a)
        finally:
            spent = worker_cpu.get()
            if spent is not None:
                spent.append(time.thread_time() - t0)

    with ThreadPoolExecutor(max_workers=min(concurrency, len(todo))) as pool:
        futures = [pool.submit(contextvars.copy_context().run, timed, a) for a in todo]
        return [f.result() for f in futures]


# CPU seconds `in_parallel`'s threads spent for the caller, when a measurer sets a list here
# (make bench charges them to the Lambda function that started them)
worker_cpu: contextvars.ContextVar[list[float] | None] = contextvars.ContextVar("worker_cpu", default=None)


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


def execute_batch(statements: Sequence[Statement], *, concurrency: int = 1) -> list[StatementOutcome]:
    """Run write statements in batches of 25; per-statement outcome, throttled ones retried.
    With `concurrency` > 1 that many batches are in flight at once: only for statements on
    distinct items, whose order does not matter."""
    results: list[StatementOutcome | None] = [None] * len(statements)
    ddb = client("dynamodb")

    def batch(start: int) -> None:
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

    in_parallel(batch, range(0, len(statements), PARTIQL_BATCH_MAX), concurrency)
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
