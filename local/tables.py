"""Create the tables on a DynamoDB engine from the table models (the single source of keys)."""

from __future__ import annotations

from typing import Any

from functions.common.models import ALL_MODELS, key_schema
from local import dynamodb


def create_all(endpoint: str) -> list[str]:
    """Create every missing table (idempotent); returns the names created."""
    ddb = dynamodb.client(endpoint)
    existing = set(ddb.get_paginator("list_tables").paginate().build_full_result().get("TableNames", []))
    created = []
    for model in ALL_MODELS:
        name = model.Meta.table_name
        if name in existing:
            _ensure_stream(ddb, name, key_schema(model)["StreamViewType"])
            continue
        schema = key_schema(model)
        request = {
            "TableName": name,
            "BillingMode": "PAY_PER_REQUEST",
            "KeySchema": schema["KeySchema"],
            "AttributeDefinitions": schema["AttributeDefinitions"],
        }
        if schema["GlobalSecondaryIndexes"]:
            request["GlobalSecondaryIndexes"] = schema["GlobalSecondaryIndexes"]
        if schema["StreamViewType"]:
            request["StreamSpecification"] = {
                "StreamEnabled": True,
                "StreamViewType": schema["StreamViewType"],
            }
        try:
            ddb.create_table(**request)
        except ddb.exceptions.ResourceInUseException:  # another process sharing the engine made it
            continue
        ddb.get_waiter("table_exists").wait(TableName=name, WaiterConfig={"Delay": 0.2, "MaxAttempts": 50})
        if schema["TimeToLiveAttribute"]:
            ddb.update_time_to_live(
                TableName=name,
                TimeToLiveSpecification={"Enabled": True, "AttributeName": schema["TimeToLiveAttribute"]},
            )
        created.append(name)
    return created


def _ensure_stream(ddb: Any, name: str, view_type: str | None) -> None:
    """A table made before its model had a stream (a kept --data-dir) gets the stream now."""
    if not view_type:
        return
    spec = ddb.describe_table(TableName=name)["Table"].get("StreamSpecification") or {}
    if not spec.get("StreamEnabled"):
        ddb.update_table(
            TableName=name, StreamSpecification={"StreamEnabled": True, "StreamViewType": view_type}
        )
