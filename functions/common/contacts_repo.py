"""Reading contacts of a workspace (low volume: admin, API and CLI reads)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from functions.common import ddb
from functions.common.aws import client
from functions.common.contact_view import contact_object
from functions.common.models import Company, Contact, table_name


def iter_items(workspace_id: str) -> Iterator[dict[str, Any]]:
    paginator = client("dynamodb").get_paginator("query")
    pages = paginator.paginate(
        TableName=table_name(Contact),
        KeyConditionExpression="workspace_id = :w",
        ExpressionAttributeValues={":w": {"S": workspace_id}},
    )
    for page in pages:
        for item in page.get("Items", []):
            yield ddb.from_item(item)


def list_contacts(workspace_id: str, *, include_deleted: bool = False) -> Iterator[dict[str, Any]]:
    items = [i for i in iter_items(workspace_id) if include_deleted or not i.get("is_deleted")]
    domains = {i["company_domain"] for i in items if i.get("company_domain")}
    companies = {c["domain"]: c for c in ddb.batch_get(table_name(Company), [{"domain": d} for d in domains])}
    for item in items:
        yield contact_object(item, companies.get(item.get("company_domain") or ""))
