"""Each new table's stream begins with its anchor record, and the poller projects none of them."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import boto3
import pytest

from functions.common.models import ALL_MODELS, Contact, table_name
from functions.query.db import PsycopgDatabase
from functions.query.migrate import migrate
from local import dynamodb, tables
from local.dynamodb import LOCAL_CREDENTIALS
from local.streams import StreamPoller

pytestmark = pytest.mark.integration

STREAMED = [m for m in ALL_MODELS if getattr(m.Meta, "stream_view_type", None)]


@pytest.fixture
def fresh_engine() -> Iterator[str]:
    names = {m: m.Meta.table_name for m in ALL_MODELS}
    for m in ALL_MODELS:  # the names the runtime binds; the models' engine is left as it is
        m.Meta.table_name = table_name(m)
    engine = dynamodb.start(data_dir=None)
    try:
        yield engine.endpoint
    finally:
        engine.stop()
        for m, name in names.items():
            m.Meta.table_name = name


def _first_records(endpoint: str, table: str) -> list[dict[str, Any]]:
    streams = boto3.client(
        "dynamodbstreams", endpoint_url=endpoint, region_name="us-east-1", **LOCAL_CREDENTIALS
    )
    arn = streams.list_streams(TableName=table)["Streams"][0]["StreamArn"]
    shard = streams.describe_stream(StreamArn=arn)["StreamDescription"]["Shards"][0]["ShardId"]
    it = streams.get_shard_iterator(StreamArn=arn, ShardId=shard, ShardIteratorType="TRIM_HORIZON")
    return list(streams.get_records(ShardIterator=it["ShardIterator"], Limit=10)["Records"])


def test_a_new_stream_begins_with_its_anchor_and_the_table_keeps_no_anchor_item(fresh_engine: str) -> None:
    assert STREAMED, "no table has a stream: nothing to anchor"
    tables.create_all(fresh_engine)
    tables.create_all(fresh_engine)  # the tables exist now: nothing is anchored twice
    ddb = dynamodb.client(fresh_engine)
    for model in STREAMED:
        name = table_name(model)
        records = _first_records(fresh_engine, name)
        assert [r["eventName"] for r in records] == ["INSERT", "REMOVE"], name
        assert all(tables.is_anchor(r) for r in records), name
        keys = records[0]["dynamodb"]["Keys"]
        assert "Item" not in ddb.get_item(TableName=name, Key=keys, ConsistentRead=True), name


def test_the_poller_hands_the_projector_no_anchor_record(fresh_engine: str, pg_dsn: str) -> None:
    tables.create_all(fresh_engine)
    db = PsycopgDatabase(pg_dsn)
    migrate(db)
    seen: list[dict[str, Any]] = []

    def handler(event: dict[str, Any]) -> dict[str, Any]:
        seen.extend(event["Records"])
        return {"batchItemFailures": []}

    contacts = table_name(Contact)
    poller = StreamPoller(fresh_engine, [contacts], db, handler)
    try:
        poller.drain()
        assert seen == []  # only the anchor's two records so far
        item = {"workspace_id": {"S": "ws_anchor_test"}, "email": {"S": "a@example.com"}}
        dynamodb.client(fresh_engine).put_item(TableName=contacts, Item=item)
        poller.drain()
    finally:
        poller.stop()
        db.close()
    assert [r["dynamodb"]["Keys"] for r in seen] == [item]
