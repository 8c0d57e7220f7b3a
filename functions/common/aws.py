"""boto3 clients, created once per process (endpoints come from AWS_ENDPOINT_URL_* locally)."""

from __future__ import annotations

from functools import cache
from typing import Any

import boto3
import orjson
from botocore.config import Config

from functions.common.settings import get_settings

_CONFIG = Config(
    retries={"mode": "standard", "max_attempts": 5},
    max_pool_connections=32,
    # requests are built by our own code; botocore re-validating every nested attribute value
    # costs more than the DynamoDB Local call itself on the hot path
    parameter_validation=False,
    connect_timeout=5,
    read_timeout=60,
)


# DynamoDB's wire format is JSON in the shape of each operation's parameters and results. For the
# batch operations on the import's hot path (a chunk's commit sends ~150 requests of 25 statements
# and reads ~200 pages of 100 keys), botocore's shape-by-shape serializer and parser took about a
# quarter of the commit stage's CPU: 1.7 ms to serialize 25 contact INSERTs, 2 ms to parse 100
# items, against 0.05 and 0.1 ms for orjson. These operations' requests and responses go through
# orjson as they are; botocore still signs, sends, retries and raises errors. A binary value
# (bytes in a request, "B"/"BS" in a response) keeps botocore's path, which base64-codes it.
WIRE_OPERATIONS = ("BatchExecuteStatement", "BatchGetItem", "BatchWriteItem")


def _wire_request(params: dict[str, Any], model: Any, context: dict[str, Any], **_: Any) -> None:
    """before-parameter-build, after every other handler of it (botocore runs the most specific
    event names first, and this one is the least specific, registered last: `local.writes` and
    the benchmarks' meters read the parameters before they go): keep the body, leave botocore
    nothing to serialize but the table names (its endpoint rules read them)."""
    if model.name not in WIRE_OPERATIONS:
        return
    try:
        context["wire_body"] = orjson.dumps(params)
    except TypeError:  # bytes: botocore base64-encodes them
        return
    tables = params.get("RequestItems")
    params.clear()
    if tables is not None:
        params["RequestItems"] = {table: {} for table in tables}


def _wire_body(params: dict[str, Any], context: dict[str, Any], **_: Any) -> None:
    """before-call: the request's body (each retry is built again from this request dict)."""
    body = context.get("wire_body")
    if body is not None:
        params["body"] = body


def _wire_response(response_dict: dict[str, Any], customized_response_dict: dict[str, Any], **_: Any) -> None:
    """before-parse: a successful response's fields as they are (botocore parses errors)."""
    body = response_dict.get("body")
    if response_dict.get("status_code") != 200 or not body or b'"B":' in body or b'"BS":' in body:
        return  # (inside a JSON string a quote is escaped: `"B":` there is a key, e.g. a binary tag)
    customized_response_dict.update(orjson.loads(body))
    response_dict["body"] = b"{}"


def wire_fast_path(ddb: Any) -> Any:
    """Send and read `WIRE_OPERATIONS` of a DynamoDB client through orjson (see above)."""
    events = ddb.meta.events
    events.register_last("before-parameter-build", _wire_request)
    for operation in WIRE_OPERATIONS:
        events.register(f"before-call.dynamodb.{operation}", _wire_body)
        events.register(f"before-parse.dynamodb.{operation}", _wire_response)
    return ddb


@cache
def client(service: str) -> Any:
    made = boto3.client(service, region_name=get_settings().region, config=_CONFIG)
    return wire_fast_path(made) if service == "dynamodb" else made


def reset_clients() -> None:
    """Forget cached clients (the local runtime changes endpoints between runs)."""
    client.cache_clear()
