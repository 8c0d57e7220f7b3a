"""Workspace custom field definitions in the Config table (`pk=<workspace>, sk=custom_field#<name>`).

At most 50 per workspace, enforced by a counter item updated in the same transaction as the
definition, so two concurrent creates can never make a 51st.
"""

from __future__ import annotations

import json
from typing import Any

from botocore.exceptions import ClientError
from pydantic import ValidationError

from functions.api.errors import BadRequest, Conflict, NotFound
from functions.common import ddb
from functions.common.aws import client
from functions.common.jobs import now_iso
from functions.common.models import ConfigItem, table_name
from functions.intake.custom_field_store import PREFIX, stored
from functions.intake.custom_fields import MAX_CUSTOM_FIELDS, CustomFieldDef

COUNTER_SK = "custom_fields_count"


def _sk(name: str) -> str:
    return PREFIX + name


def validated(doc: dict[str, Any]) -> CustomFieldDef:
    try:
        return CustomFieldDef.model_validate(doc)
    except ValidationError as exc:
        err = exc.errors()[0]
        loc = ".".join(str(p) for p in err["loc"]) or None
        raise BadRequest(str(err["msg"]).removeprefix("Value error, "), field=loc) from None


def get_doc(workspace_id: str, name: str) -> dict[str, Any]:
    resp = client("dynamodb").get_item(
        TableName=table_name(ConfigItem),
        Key={"pk": {"S": workspace_id}, "sk": {"S": _sk(name)}},
        ConsistentRead=True,
    )
    if "Item" not in resp:
        raise NotFound(f"no custom field {name!r} in this workspace")
    return stored(ddb.from_item(resp["Item"]))


def _doc(defn: CustomFieldDef, created_at: str, updated_at: str) -> dict[str, Any]:
    return {**defn.model_dump(mode="json"), "created_at": created_at, "updated_at": updated_at}


def create(workspace_id: str, body: dict[str, Any]) -> dict[str, Any]:
    defn = validated(body)
    ts = now_iso()
    doc = _doc(defn, ts, ts)
    try:
        client("dynamodb").transact_write_items(
            TransactItems=[
                {
                    "Update": {
                        "TableName": table_name(ConfigItem),
                        "Key": {"pk": {"S": workspace_id}, "sk": {"S": COUNTER_SK}},
                        "UpdateExpression": "ADD n :one",
                        "ConditionExpression": "attribute_not_exists(n) OR n < :max",
                        "ExpressionAttributeValues": {
                            ":one": {"N": "1"},
                            ":max": {"N": str(MAX_CUSTOM_FIELDS)},
                        },
                    }
                },
                {
                    "Put": {
                        "TableName": table_name(ConfigItem),
                        "Item": {
                            "pk": {"S": workspace_id},
                            "sk": {"S": _sk(defn.name)},
                            "doc": {"S": json.dumps(doc)},
                            "updated_at": {"S": ts},
                        },
                        "ConditionExpression": "attribute_not_exists(pk)",
                    }
                },
            ]
        )
    except ClientError as exc:
        reasons = [r.get("Code") for r in exc.response.get("CancellationReasons", [])]
        if exc.response["Error"]["Code"] != "TransactionCanceledException" or not reasons:
            raise
        if reasons[1:2] == ["ConditionalCheckFailed"]:
            raise Conflict(f"custom field {defn.name!r} already exists", field="name") from None
        if reasons[0] == "ConditionalCheckFailed":
            raise Conflict(
                f"this workspace already has {MAX_CUSTOM_FIELDS} custom fields, the most it may have; "
                "delete one first",
                field="name",
            ) from None
        raise
    return doc


def update(workspace_id: str, name: str, changes: dict[str, Any]) -> dict[str, Any]:
    current = get_doc(workspace_id, name)
    if "field_type" in changes and changes["field_type"] != current.get("field_type"):
        raise BadRequest(
            "a custom field's type cannot be changed; create a new field instead", field="field_type"
        )
    merged = {k: v for k, v in {**current, **changes}.items() if k in CustomFieldDef.model_fields}
    defn = validated(merged)
    doc = _doc(defn, current.get("created_at") or now_iso(), now_iso())
    try:
        client("dynamodb").put_item(
            TableName=table_name(ConfigItem),
            Item={
                "pk": {"S": workspace_id},
                "sk": {"S": _sk(name)},
                "doc": {"S": json.dumps(doc)},
                "updated_at": {"S": doc["updated_at"]},
            },
            ConditionExpression="attribute_exists(pk)",
        )
    except ClientError as exc:
        if exc.response["Error"]["Code"] == "ConditionalCheckFailedException":
            raise NotFound(f"no custom field {name!r} in this workspace") from None
        raise
    return doc


def delete(workspace_id: str, name: str) -> None:
    try:
        client("dynamodb").transact_write_items(
            TransactItems=[
                {
                    "Delete": {
                        "TableName": table_name(ConfigItem),
                        "Key": {"pk": {"S": workspace_id}, "sk": {"S": _sk(name)}},
                        "ConditionExpression": "attribute_exists(pk)",
                    }
                },
                {
                    "Update": {
                        "TableName": table_name(ConfigItem),
                        "Key": {"pk": {"S": workspace_id}, "sk": {"S": COUNTER_SK}},
                        "UpdateExpression": "ADD n :minus",
                        "ExpressionAttributeValues": {":minus": {"N": "-1"}},
                    }
                },
            ]
        )
    except ClientError as exc:
        if exc.response["Error"]["Code"] == "TransactionCanceledException":
            raise NotFound(f"no custom field {name!r} in this workspace") from None
        raise
