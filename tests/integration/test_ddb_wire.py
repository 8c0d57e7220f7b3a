"""The DynamoDB client's orjson path for the batch operations (`functions.common.aws.wire_fast_path`)
sends the body botocore would send and returns what botocore would parse, on DynamoDB Local:
every attribute type, per-statement errors, unprocessed-key shapes, binary values (botocore's
own path), an error response, and a retried request."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import boto3
import pytest
from botocore.awsrequest import AWSResponse
from botocore.exceptions import ClientError

from functions.common import aws
from local.dynamodb import LOCAL_CREDENTIALS


def _client(endpoint: str, *, fast: bool) -> Any:
    made = boto3.client(
        "dynamodb", endpoint_url=endpoint, region_name="us-east-1", config=aws._CONFIG, **LOCAL_CREDENTIALS
    )
    return aws.wire_fast_path(made) if fast else made


@pytest.fixture(scope="module")
def clients(ddb_endpoint: str) -> Iterator[tuple[Any, Any, str]]:
    fast, plain = _client(ddb_endpoint, fast=True), _client(ddb_endpoint, fast=False)
    table = f"wire-{uuid.uuid4().hex[:8]}"
    plain.create_table(
        TableName=table,
        BillingMode="PAY_PER_REQUEST",
        KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
    )
    yield fast, plain, table
    plain.delete_table(TableName=table)


def _bodies(client: Any) -> list[bytes]:
    """Every request body `client` sends from now on."""
    sent: list[bytes] = []

    def keep(request: Any, **_: Any) -> None:
        sent.append(request.body if isinstance(request.body, bytes) else request.body.encode())

    client.meta.events.register("before-send.dynamodb.*", keep)
    return sent


ITEM = {
    "pk": {"S": "person-1"},
    "name": {"S": 'Björn "B": O\'Brien'},  # a quote and `"B":` inside a string
    "n": {"N": "12.5"},
    "big": {"N": "12345678901234567890123456789012345678"},
    "ok": {"BOOL": True},
    "none": {"NULL": True},
    "tags": {"SS": ["a", "b"]},
    "nums": {"NS": ["1", "2"]},
    "fields": {"M": {"title": {"S": "CEO"}, "list": {"L": [{"S": "x"}, {"N": "1"}, {"M": {}}]}}},
}


def test_requests_and_responses_are_botocore_s(clients: tuple[Any, Any, str]) -> None:
    fast, plain, table = clients
    fast_sent, plain_sent = _bodies(fast), _bodies(plain)
    write = {table: [{"PutRequest": {"Item": ITEM}}]}
    assert fast.batch_write_item(RequestItems=write)["UnprocessedItems"] == {}
    plain.batch_write_item(RequestItems=write)
    assert json.loads(fast_sent[-1]) == json.loads(plain_sent[-1])
    # the same JSON, not the same bytes: botocore escapes non-ASCII text, orjson writes UTF-8
    assert "Björn".encode() in fast_sent[-1] and "Björn".encode() not in plain_sent[-1]

    keys = {table: {"Keys": [{"pk": {"S": "person-1"}}, {"pk": {"S": "nobody"}}], "ConsistentRead": True}}
    got, want = fast.batch_get_item(RequestItems=keys), plain.batch_get_item(RequestItems=keys)
    assert json.loads(fast_sent[-1]) == json.loads(plain_sent[-1])
    assert got["Responses"] == want["Responses"] and got["Responses"][table] == [ITEM]
    assert got["UnprocessedKeys"] == want["UnprocessedKeys"]
    assert got["ResponseMetadata"]["HTTPStatusCode"] == 200

    statements = [
        {
            "Statement": f"INSERT INTO \"{table}\" VALUE {{'pk': ?, 'n': ?}}",
            "Parameters": [{"S": p}, {"N": "1"}],
        }
        for p in ("person-1", "person-2")  # the first exists: DuplicateItem
    ]
    got = fast.batch_execute_statement(Statements=statements, ReturnConsumedCapacity="TOTAL")
    assert json.loads(fast_sent[-1]) == {"Statements": statements, "ReturnConsumedCapacity": "TOTAL"}
    assert got["Responses"][0]["Error"]["Code"] == "DuplicateItem"
    assert "Error" not in got["Responses"][1]
    want = plain.batch_execute_statement(Statements=statements[:1], ReturnConsumedCapacity="TOTAL")
    assert got["Responses"][0]["Error"] == want["Responses"][0]["Error"]


def test_other_hooks_see_the_parameters(clients: tuple[Any, Any, str]) -> None:
    """Handlers registered later, on any event name (as `local.writes` and the benchmarks' meters
    are), still see the whole request before it is sent."""
    fast, _, table = clients
    seen: list[dict[str, Any]] = []

    def look(params: dict[str, Any], **_: Any) -> None:
        seen.append(json.loads(json.dumps(params)))

    keys = {table: {"Keys": [{"pk": {"S": "person-1"}}]}}
    for event in (
        "before-parameter-build",
        "before-parameter-build.dynamodb",
        "before-parameter-build.dynamodb.*",
    ):
        fast.meta.events.register(event, look)
        try:
            fast.batch_get_item(RequestItems=keys)
        finally:
            fast.meta.events.unregister(event, look)
        assert seen.pop() == {"RequestItems": keys}, event


def test_binary_values_keep_botocores_path(clients: tuple[Any, Any, str]) -> None:
    fast, plain, table = clients
    item = {"pk": {"S": "blob-1"}, "b": {"B": b"\x00\xffraw"}, "bs": {"BS": [b"\x01", b"\x02"]}}
    fast.batch_write_item(RequestItems={table: [{"PutRequest": {"Item": item}}]})
    keys = {table: {"Keys": [{"pk": {"S": "blob-1"}}], "ConsistentRead": True}}
    got = fast.batch_get_item(RequestItems=keys)["Responses"][table]
    assert got == plain.batch_get_item(RequestItems=keys)["Responses"][table]
    assert got[0]["b"] == {"B": b"\x00\xffraw"}
    assert sorted(got[0]["bs"]["BS"]) == [b"\x01", b"\x02"]


def test_an_error_response_raises_as_before(clients: tuple[Any, Any, str]) -> None:
    fast, _, _ = clients
    with pytest.raises(ClientError) as caught:
        fast.batch_get_item(RequestItems={"no-such-table": {"Keys": [{"pk": {"S": "x"}}]}})
    assert caught.value.response["Error"]["Code"] == "ResourceNotFoundException"


def test_a_retried_request_sends_the_same_body(clients: tuple[Any, Any, str]) -> None:
    fast, plain, table = clients
    sent = _bodies(fast)
    failures = [1]

    def fail_once(request: Any, **_: Any) -> AWSResponse | None:
        if failures:
            failures.pop()
            body = b'{"__type":"com.amazonaws.dynamodb.v20120810#InternalServerError","message":"try again"}'
            return AWSResponse(request.url, 500, {}, _Raw(body))
        return None

    fast.meta.events.register("before-send.dynamodb.BatchExecuteStatement", fail_once)
    statement = {
        "Statement": f"INSERT INTO \"{table}\" VALUE {{'pk': ?, 'n': ?}}",
        "Parameters": [{"S": "retried"}, {"N": "7"}],
    }
    try:
        resp = fast.batch_execute_statement(Statements=[statement])
    finally:
        fast.meta.events.unregister("before-send.dynamodb.BatchExecuteStatement", fail_once)
    assert resp["ResponseMetadata"]["RetryAttempts"] == 1
    assert len(sent) == 2 and sent[0] == sent[1] and json.loads(sent[1]) == {"Statements": [statement]}
    item = plain.get_item(TableName=table, Key={"pk": {"S": "retried"}}, ConsistentRead=True)["Item"]
    assert Decimal(item["n"]["N"]) == 7


class _Raw:
    """The raw stream an AWSResponse reads its content from."""

    def __init__(self, body: bytes) -> None:
        self.body = body

    def stream(self, **_: Any) -> Iterator[bytes]:
        yield self.body
