"""Reading a workspace's custom field definitions (`pk=<workspace>, sk=custom_field#<name>` in
the Config table). Intake types and auto-maps columns with them; the API writes them
(`functions.api.custom_fields`)."""

from __future__ import annotations

import json
from typing import Any

from functions.common import ddb
from functions.common.aws import client
from functions.common.models import ConfigItem, table_name
from functions.intake.custom_fields import CustomFieldDef

PREFIX = "custom_field#"


def stored(item: dict[str, Any]) -> dict[str, Any]:
    doc = item.get("doc")
    return json.loads(doc) if isinstance(doc, str) else dict(doc or {})


def list_docs(workspace_id: str) -> list[dict[str, Any]]:
    pages = (
        client("dynamodb")
        .get_paginator("query")
        .paginate(
            TableName=table_name(ConfigItem),
            KeyConditionExpression="pk = :p AND begins_with(sk, :s)",
            ExpressionAttributeValues={":p": {"S": workspace_id}, ":s": {"S": PREFIX}},
            ConsistentRead=True,
        )
    )
    return [stored(ddb.from_item(i)) for page in pages for i in page.get("Items", [])]


def definitions(workspace_id: str) -> dict[str, CustomFieldDef]:
    out = {}
    for doc in list_docs(workspace_id):
        defn = CustomFieldDef.model_validate(
            {k: v for k, v in doc.items() if k in CustomFieldDef.model_fields}
        )
        out[defn.name] = defn
    return out
