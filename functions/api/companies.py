"""Companies as the API shows them: the platform-wide firmographics and the workspace's contact count."""

from __future__ import annotations

from typing import Any

from functions.common import ddb
from functions.common.aws import client
from functions.common.company_ids import company_id, domain_of
from functions.common.models import Company, Contact, table_name


def get(workspace_id: str, value: str) -> dict[str, Any] | None:
    """The company an id names with its contact count, or None when none of the workspace's
    contacts is at it (Company records are platform-wide; a workspace sees only its own)."""
    domain = domain_of(value)
    if domain is None:
        return None
    item = (
        client("dynamodb").get_item(TableName=table_name(Company), Key={"domain": {"S": domain}}).get("Item")
    )
    company = ddb.from_item(item) if item else {}
    count = contact_count(workspace_id, domain)
    if count == 0:
        return None  # a workspace sees the companies its own contacts are at
    return {
        "id": company_id(domain),
        "name": company.get("name"),
        "domain": domain,
        "industry": company.get("industry"),
        "employee_count": company.get("employee_count"),
        "revenue_band": company.get("revenue_band"),
        "tech_stack": company.get("tech_stack"),
        "contact_count": count,
    }


def contact_count(workspace_id: str, domain: str) -> int:
    """Live contacts of the workspace at the domain: a count-only Query of the workspace's partition
    (no index holds contacts by company; the read model could answer this from an index later)."""
    pages = (
        client("dynamodb")
        .get_paginator("query")
        .paginate(
            TableName=table_name(Contact),
            KeyConditionExpression="workspace_id = :w",
            FilterExpression="company_domain = :d AND (attribute_not_exists(is_deleted) OR is_deleted = :f)",
            ExpressionAttributeValues={":w": {"S": workspace_id}, ":d": {"S": domain}, ":f": {"BOOL": False}},
            Select="COUNT",
        )
    )
    return sum(int(page.get("Count", 0)) for page in pages)
