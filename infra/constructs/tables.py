"""DynamoDB tables, built from the pynamodb models (`functions.common.models`), the single source."""

from __future__ import annotations

from typing import Any

from aws_cdk import aws_dynamodb as dynamodb
from constructs import Construct

from functions.common.models import ALL_MODELS, key_schema
from infra.config import InfraConfig

_TYPES = {
    "S": dynamodb.AttributeType.STRING,
    "N": dynamodb.AttributeType.NUMBER,
    "B": dynamodb.AttributeType.BINARY,
}
_PROJECTIONS = {
    "ALL": dynamodb.ProjectionType.ALL,
    "KEYS_ONLY": dynamodb.ProjectionType.KEYS_ONLY,
    "INCLUDE": dynamodb.ProjectionType.INCLUDE,
}


def _attribute(name: str, types: dict[str, str]) -> dynamodb.Attribute:
    return dynamodb.Attribute(name=name, type=_TYPES[types[name]])


def _keys(keys: list[dict[str, str]], types: dict[str, str]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key in keys:
        role = "partition_key" if key["KeyType"] == "HASH" else "sort_key"
        out[role] = _attribute(key["AttributeName"], types)
    return out


class Tables(Construct):
    """One on-demand table per model, named `{table_prefix}-{logical}` like `Settings.table_name`."""

    def __init__(self, scope: Construct, construct_id: str, *, config: InfraConfig) -> None:
        super().__init__(scope, construct_id)
        self.by_logical: dict[str, dynamodb.Table] = {}
        for model in ALL_MODELS:
            logical = model.Meta.logical_name
            schema = key_schema(model)
            types = {a["AttributeName"]: a["AttributeType"] for a in schema["AttributeDefinitions"]}
            table = dynamodb.Table(
                self,
                logical,
                table_name=f"{config.table_prefix}-{logical}",
                billing_mode=dynamodb.BillingMode.PAY_PER_REQUEST,
                point_in_time_recovery_specification=dynamodb.PointInTimeRecoverySpecification(
                    point_in_time_recovery_enabled=True
                ),
                time_to_live_attribute=schema["TimeToLiveAttribute"],
                stream=dynamodb.StreamViewType(schema["StreamViewType"])
                if schema["StreamViewType"]
                else None,
                deletion_protection=config.is_prod,
                removal_policy=config.removal,
                **_keys(schema["KeySchema"], types),
            )
            for index in schema["GlobalSecondaryIndexes"]:
                projection = index["Projection"]
                table.add_global_secondary_index(
                    index_name=index["IndexName"],
                    projection_type=_PROJECTIONS[projection["ProjectionType"]],
                    non_key_attributes=projection.get("NonKeyAttributes"),
                    **_keys(index["KeySchema"], types),
                )
            self.by_logical[logical] = table

    def table(self, logical: str) -> dynamodb.Table:
        return self.by_logical[logical]
