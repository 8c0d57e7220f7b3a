"""Create the tables on a DynamoDB engine from the table models (the single source of keys)."""

from __future__ import annotations

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
        ddb.create_table(**request)
        ddb.get_waiter("table_exists").wait(TableName=name, WaiterConfig={"Delay": 0.2, "MaxAttempts": 50})
        if schema["TimeToLiveAttribute"]:
            ddb.update_time_to_live(
                TableName=name,
                TimeToLiveSpecification={"Enabled": True, "AttributeName": schema["TimeToLiveAttribute"]},
            )
        created.append(name)
    return created
