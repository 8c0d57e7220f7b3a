"""The deployed tables are the pynamodb models: same keys, attribute types, indexes and TTL."""

from __future__ import annotations

from typing import Any

from functions.common.models import ALL_MODELS, key_schema
from functions.common.settings import Settings
from tests.infra.helpers import Synth

PREFIX = "contact-import-dev"


def _hash_first(keys: list[dict[str, str]]) -> list[dict[str, str]]:
    return sorted(keys, key=lambda k: k["KeyType"] != "HASH")


def deployed_schema(props: dict[str, Any]) -> dict[str, Any]:
    """A CloudFormation table's properties in `key_schema()`'s vocabulary."""
    ttl = props.get("TimeToLiveSpecification")
    return {
        "KeySchema": _hash_first(props["KeySchema"]),
        "AttributeDefinitions": sorted(props["AttributeDefinitions"], key=lambda a: a["AttributeName"]),
        "GlobalSecondaryIndexes": sorted(
            (
                {
                    "IndexName": gsi["IndexName"],
                    "KeySchema": _hash_first(gsi["KeySchema"]),
                    "Projection": gsi["Projection"],
                }
                for gsi in props.get("GlobalSecondaryIndexes", [])
            ),
            key=lambda g: g["IndexName"],
        ),
        "TimeToLiveAttribute": ttl["AttributeName"] if ttl and ttl.get("Enabled") else None,
        "StreamViewType": (props.get("StreamSpecification") or {}).get("StreamViewType"),
    }


def tables_by_name(synth: Synth) -> dict[str, dict[str, Any]]:
    return {r["Properties"]["TableName"]: r for r in synth.of_type("AWS::DynamoDB::Table").values()}


def test_each_model_has_one_table_with_its_keys_indexes_and_ttl(dev: Synth):
    tables = tables_by_name(dev)
    settings = Settings(table_prefix=PREFIX)
    expected_names = {settings.table_name(m.Meta.logical_name) for m in ALL_MODELS}
    assert set(tables) == expected_names
    for model in ALL_MODELS:
        want = key_schema(model)
        want["GlobalSecondaryIndexes"] = sorted(want["GlobalSecondaryIndexes"], key=lambda g: g["IndexName"])
        got = deployed_schema(tables[settings.table_name(model.Meta.logical_name)]["Properties"])
        assert got == want, model.Meta.logical_name


def test_tables_are_on_demand_with_point_in_time_recovery(dev: Synth):
    dev.assertions.resource_properties_count_is(
        "AWS::DynamoDB::Table",
        {
            "BillingMode": "PAY_PER_REQUEST",
            "PointInTimeRecoverySpecification": {"PointInTimeRecoveryEnabled": True},
        },
        len(ALL_MODELS),
    )


def test_dev_tables_are_destroyed_with_the_stack(dev: Synth):
    for table in dev.of_type("AWS::DynamoDB::Table").values():
        assert table["DeletionPolicy"] == "Delete"
        assert not table["Properties"].get("DeletionProtectionEnabled")


def test_prod_tables_are_retained_and_deletion_protected(prod: Synth):
    assert len(prod.of_type("AWS::DynamoDB::Table")) == len(ALL_MODELS)
    for name, table in tables_by_name(prod).items():
        assert name.startswith("contact-import-prod-")
        assert table["DeletionPolicy"] == "Retain"
        assert table["UpdateReplacePolicy"] == "Retain"
        assert table["Properties"]["DeletionProtectionEnabled"] is True
