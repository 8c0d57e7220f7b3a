"""Which of this process's DynamoDB requests wrote to a projected table (one machine only).

The read barrier (`functions.query.freshness`) drains DynamoDB Local's streams only after such a
write. Every DynamoDB client this process creates (boto3's, PynamoDB's, a test's own) gets two
botocore hooks: one looks at the request's parameters, the other counts the write once the engine
answered (an error answer too: a failed batch may still have written part of it).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from botocore.session import Session

from functions.query import freshness

_tables: frozenset[str] = frozenset()
_FLAG = "contact_import_projected_write"
_STATEMENT_WRITES = ("INSERT", "UPDATE", "DELETE", "UPSERT", "REPLACE")


def watch(tables: Iterable[str]) -> None:
    """Count writes to `tables` from now on, in every DynamoDB client created from now on."""
    global _tables
    _tables = frozenset(tables)
    if not getattr(Session.create_client, "_counts_writes", False):
        Session.create_client = _counting(Session.create_client)  # type: ignore[method-assign]


def _counting(create_client: Any) -> Any:
    def wrapper(self: Session, service_name: str, *args: Any, **kwargs: Any) -> Any:
        client = create_client(self, service_name, *args, **kwargs)
        if service_name == "dynamodb":
            client.meta.events.register("before-parameter-build.dynamodb", _look)
            client.meta.events.register("after-call.dynamodb", _count)
            client.meta.events.register("after-call-error.dynamodb", _count)
        return client

    wrapper._counts_writes = True  # type: ignore[attr-defined]
    return wrapper


def writes_projected_table(operation: str, params: dict[str, Any]) -> bool:
    """Whether a request writes to a watched table (reads and other tables do not count)."""
    tables = _tables
    if operation in ("PutItem", "UpdateItem", "DeleteItem", "CreateTable", "DeleteTable"):
        return params.get("TableName") in tables
    if operation == "BatchWriteItem":
        return any(name in tables for name in params.get("RequestItems") or {})
    if operation == "TransactWriteItems":
        return any(
            part.get("TableName") in tables
            for item in params.get("TransactItems") or []
            for part in item.values()
        )
    if operation == "ExecuteStatement":
        return _statement_writes(str(params.get("Statement") or ""))
    if operation in ("BatchExecuteStatement", "ExecuteTransaction"):
        key = "Statements" if operation == "BatchExecuteStatement" else "TransactStatements"
        return any(_statement_writes(str(s.get("Statement") or "")) for s in params.get(key) or [])
    return False


def _statement_writes(statement: str) -> bool:
    if not statement.lstrip().upper().startswith(_STATEMENT_WRITES):
        return False
    return any(f'"{name}"' in statement for name in _tables)


def _look(params: dict[str, Any], model: Any, context: dict[str, Any], **_: Any) -> None:
    if writes_projected_table(model.name, params):
        context[_FLAG] = True


def _count(context: dict[str, Any] | None = None, **_: Any) -> None:
    if context and context.get(_FLAG):
        freshness.wrote()
