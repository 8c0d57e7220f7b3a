"""Opaque cursors for the API's DynamoDB-backed listings (imports, suppressions): base64 JSON of
the query's fingerprint and a DynamoDB start key, checked before DynamoDB sees it. Contacts are
listed by the read model (`functions.query.contacts`), whose cursors carry sort values instead;
both encode the same way."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from botocore.exceptions import ClientError

from functions.api.errors import BadRequest
from functions.common import ddb
from functions.common.aws import client
from functions.query.contacts import decode_doc, encode_cursor
from functions.query.sql import QueryError

__all__ = ["decode_cursor", "encode_cursor", "query_pages", "start_key"]


def decode_cursor(cursor: str, fingerprint: str) -> dict[str, Any]:
    try:
        return decode_doc(cursor, fingerprint)
    except QueryError as exc:
        raise BadRequest(exc.message, field=exc.field) from None


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
