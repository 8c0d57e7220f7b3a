"""The write-capacity computation the benchmark uses for PartiQL statements agrees with what
DynamoDB Local reports (ReturnConsumedCapacity=INDEXES) for the same items written with
PutItem and UpdateItem, on tables created from the models, including their indexes."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import Any

import boto3
import pytest

from functions.common import ddb
from functions.common.capacity import IndexSpec, TableSpec, item_size, write_cost
from functions.common.models import Contact, GlobalContact, key_schema


@pytest.fixture(scope="module")
def engine(ddb_endpoint: str) -> Any:
    return boto3.client(
        "dynamodb",
        endpoint_url=ddb_endpoint,
        region_name="us-east-1",
        aws_access_key_id="local",
        aws_secret_access_key="local",
    )


def _create(engine: Any, schema: dict[str, Any], extra_indexes: list[dict[str, Any]] = ()) -> str:  # type: ignore[assignment]
    name = f"capacity-{uuid.uuid4().hex[:8]}"
    indexes = [*schema["GlobalSecondaryIndexes"], *extra_indexes]
    attrs = {a["AttributeName"]: a for a in schema["AttributeDefinitions"]}
    for index in extra_indexes:
        for key in index["KeySchema"]:
            attrs.setdefault(
                key["AttributeName"], {"AttributeName": key["AttributeName"], "AttributeType": "S"}
            )
    request: dict[str, Any] = {
        "TableName": name,
        "BillingMode": "PAY_PER_REQUEST",
        "KeySchema": schema["KeySchema"],
        "AttributeDefinitions": list(attrs.values()),
    }
    if indexes:
        request["GlobalSecondaryIndexes"] = indexes
    engine.create_table(**request)
    return name


@pytest.fixture(scope="module")
def contacts(engine: Any) -> Iterator[tuple[str, TableSpec]]:
    """The Contacts table, plus an ALL and an INCLUDE index to pin those projections too."""
    extra = [
        {
            "IndexName": "probe_all",
            "KeySchema": [{"AttributeName": "probe", "KeyType": "HASH"}],
            "Projection": {"ProjectionType": "ALL"},
        },
        {
            "IndexName": "probe_include",
            "KeySchema": [{"AttributeName": "probe", "KeyType": "HASH"}],
            "Projection": {"ProjectionType": "INCLUDE", "NonKeyAttributes": ["lead_score", "tags"]},
        },
    ]
    schema = key_schema(Contact)
    name = _create(engine, schema, extra)
    spec = TableSpec.from_schema(name, schema)
    spec = TableSpec(
        name,
        spec.keys,
        (
            *spec.indexes,
            IndexSpec("probe_all", ("probe",), "ALL"),
            IndexSpec("probe_include", ("probe",), "INCLUDE", ("lead_score", "tags")),
        ),
    )
    yield name, spec
    engine.delete_table(TableName=name)


def _reported(resp: dict[str, Any]) -> tuple[float, dict[str, float]]:
    consumed = resp["ConsumedCapacity"]
    table = consumed.get("Table", {})
    indexes = {
        name: float(c.get("CapacityUnits", c.get("WriteCapacityUnits", 0)))
        for name, c in consumed.get("GlobalSecondaryIndexes", {}).items()
    }
    return float(table.get("CapacityUnits", table.get("WriteCapacityUnits", 0))), {
        k: v for k, v in indexes.items() if v
    }


def _contact(n: int, *, pad: int = 0, probe: bool = True, **extra: Any) -> dict[str, Any]:
    item: dict[str, Any] = {
        "workspace_id": "ws_capacity",
        "email": f"person.{n}@example.com",
        "contact_id": f"cont_{n:020d}",
        "fields": {"first_name": "Zoë", "last_name": "Müller", "title": "VP Sales", "notes": "x" * pad},
        "custom_fields": {"employees": 1250, "ratio": 0.375, "lead_source": "Webinar"},
        "tags": ["vip", "event-2024", f"import:job_{n}"],
        "dnt": False,
        "lead_score": 73,
        "icp_tier": "A",
        "created_at": "2026-12-03T07:00:00.000Z",
        "updated_at": "2026-12-03T07:00:00.000Z",
        "version": 1,
        "is_deleted": False,
        **extra,
    }
    if probe:
        item["probe"] = f"p{n}"
    return item


# sizes around each 1 KB boundary of the table and of the index entries
PADS = [0, 300, 700, 850, 880, 900, 920, 950, 1000, 1800, 1900, 2000, 3000]


@pytest.mark.parametrize("pad", PADS)
def test_put_item_units_match_the_engine(engine: Any, contacts: tuple[str, TableSpec], pad: int) -> None:
    name, spec = contacts
    item = _contact(pad, pad=pad)
    resp = engine.put_item(
        TableName=name, Item={k: ddb.to_av(v) for k, v in item.items()}, ReturnConsumedCapacity="INDEXES"
    )
    computed = write_cost(spec, None, item)
    assert _reported(resp) == (computed.table, computed.indexes), item_size(item)


@pytest.mark.parametrize("pad", [0, 900, 1000, 1900])
def test_update_item_units_match_the_engine(engine: Any, contacts: tuple[str, TableSpec], pad: int) -> None:
    """An update is billed on the larger of before and after; an index only when its entry changes."""
    name, spec = contacts
    before = _contact(10_000 + pad, pad=pad)
    engine.put_item(TableName=name, Item={k: ddb.to_av(v) for k, v in before.items()})
    key = {k: ddb.to_av(before[k]) for k in spec.keys}
    cases: list[tuple[str, dict[str, Any], dict[str, Any]]] = [
        # an attribute no narrow index projects
        (
            "SET updated_at = :v",
            {":v": "2026-12-04T00:00:00.000Z"},
            {"updated_at": "2026-12-04T00:00:00.000Z"},
        ),
        # grows the item by ~150 bytes
        ("SET #f.city = :v", {":v": "c" * 150}, {"fields": {**before["fields"], "city": "c" * 150}}),
        # an INCLUDE-projected attribute
        ("SET lead_score = :v", {":v": 12}, {"lead_score": 12}),
        # an index key: the entry moves (delete and put)
        ("SET probe = :v", {":v": "moved"}, {"probe": "moved"}),
    ]
    current = dict(before)
    for expression, values, change in cases:
        resp = engine.update_item(
            TableName=name,
            Key=key,
            UpdateExpression=expression,
            ExpressionAttributeValues={k: ddb.to_av(v) for k, v in values.items()},
            **({"ExpressionAttributeNames": {"#f": "fields"}} if "#f" in expression else {}),
            ReturnConsumedCapacity="INDEXES",
        )
        after = {**current, **change}
        computed = write_cost(spec, current, after)
        assert _reported(resp) == (computed.table, computed.indexes), (expression, item_size(after))
        current = after


def test_global_contact_with_claim_is_one_unit(engine: Any) -> None:
    """The platform identity and its ownership claim fit one write unit together."""
    schema = key_schema(GlobalContact)
    name = _create(engine, schema)
    try:
        spec = TableSpec.from_schema(name, schema)
        item = {
            "email": "a.very.long.local.part.of.someones.address.1234567@subsidiary.example-company.co.uk",
            "total_sent": 0,
            "total_responses": 0,
            "response_rate": 0,
            "company_domain": "example-company.co.uk",
            "first_seen_at": "2026-12-03T07:00:00.000Z",
            "first_seen_job": "job_0123456789abcdef0123",
            "owner_client_id": "client_with_a_long_identifier_0001",
            "owner_workspace_id": "ws_0123456789abcdef",
            "owner_priority": 10,
            "owner_assigned_at": "2026-12-03T07:00:00.000Z",
            "owner_expires_at": "2027-03-03T07:00:00.000Z",
            "owner_job_id": "job_0123456789abcdef0123",
        }
        resp = engine.put_item(
            TableName=name, Item={k: ddb.to_av(v) for k, v in item.items()}, ReturnConsumedCapacity="INDEXES"
        )
        assert _reported(resp) == (1.0, {}) == (write_cost(spec, None, item).table, {})
    finally:
        engine.delete_table(TableName=name)
