"""Companies as the API shows them: the platform-wide firmographics and the workspace's contact count."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from typing import Any

from functions.api.errors import BadRequest, Conflict, NotFound
from functions.common import audit, ddb
from functions.common.aws import client
from functions.common.canonical import registrable_domain
from functions.common.company_ids import company_id, domain_of
from functions.common.jobs import now_iso
from functions.common.models import Company, ConfigItem, Contact, table_name
from functions.query import freshness
from functions.query.db import get_database, json_value


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


# --- editing (issue 14) ---------------------------------------------------------------------------

COMPANY_FIELDS = ("name", "industry", "employee_count", "revenue_band", "tech_stack")
CONFIRM_ABOVE = 10  # the seed warns before an edit that changes more contacts than this


def domain_for(value: str) -> str | None:
    """The domain a path names: a company id (`comp_...`) or the domain itself (any form)."""
    return domain_of(value) or registrable_domain(value)


def affected(workspace_id: str, domain: str) -> int:
    """How many of the workspace's live contacts show this company: the read model's count (an
    index on (workspace, company) answers it), DynamoDB's when no read model is configured."""
    db = get_database()
    if db is None:
        return contact_count(workspace_id, domain)
    freshness.settle()
    rows = db.query(
        "SELECT count(*) AS n FROM contacts WHERE workspace_id = :ws AND company_domain = :d AND NOT is_deleted",
        {"ws": workspace_id, "d": domain},
    )
    return int(rows[0]["n"]) if rows else 0


def check_confirmation(count: int, confirm_affected: int | None) -> None:
    """Above CONFIRM_ABOVE contacts the caller repeats the count it was shown (the seed's
    warning, made safe for an API); a count that moved since is refused too."""
    if confirm_affected is None:
        if count > CONFIRM_ABOVE:
            raise Conflict(
                f"this edit changes the company of {count} contacts; "
                f"repeat it with confirm_affected={count} (or ?dry_run=true to see it first)",
                field="confirm_affected",
            )
        return
    if confirm_affected != count:
        raise Conflict(
            f"this edit changes the company of {count} contacts, not {confirm_affected}; "
            "check the edit and repeat it with the current count",
            field="confirm_affected",
        )


def write(domain: str, changes: Mapping[str, Any], actor: audit.Actor | None = None) -> dict[str, Any]:
    """Write the changes to the Company row; each changed field's value before (None: absent)."""
    sets = {k: v for k, v in changes.items() if v is not None and v != []}
    removes = [k for k, v in changes.items() if v is None or v == []]
    sets.update((actor or audit.current(audit.Actor("api", "api"))).stamp())
    sets["updated_at"] = now_iso()
    names = {f"#s{i}": k for i, k in enumerate(sets)} | {f"#r{i}": k for i, k in enumerate(removes)}
    expr = "SET " + ", ".join(f"#s{i} = :s{i}" for i in range(len(sets)))
    if removes:
        expr += " REMOVE " + ", ".join(f"#r{i}" for i in range(len(removes)))
    resp = client("dynamodb").update_item(
        TableName=table_name(Company),
        Key={"domain": {"S": domain}},
        UpdateExpression=expr,
        ExpressionAttributeNames=names,
        ExpressionAttributeValues={f":s{i}": ddb.to_av(v) for i, v in enumerate(sets.values())},
        ReturnValues="UPDATED_OLD",
    )
    old = ddb.from_item(resp.get("Attributes") or {})
    return {k: old.get(k) for k in changes}


# --- the company audit: one entry per edit, with the contacts it affected --------------------------

AUDIT_PREFIX = "company_audit#"


def _audit_prefix(domain: str) -> str:
    return f"{AUDIT_PREFIX}{domain}#"


def record_edit(
    workspace_id: str,
    domain: str,
    changes: Mapping[str, Any],
    before: Mapping[str, Any],
    affected_count: int,
    actor: audit.Actor,
) -> dict[str, Any] | None:
    """The edit's audit entry, under the editing workspace (None when it changed nothing). A
    company edit changes one row, not its contacts' rows (seed: "Company edits are different"),
    so it is audited once, with how many of the workspace's contacts show the change."""
    diff = {
        k: {"before": before.get(k), "after": v}
        for k, v in changes.items()
        if (before.get(k) or None) != (v or None)
    }
    if not diff:
        return None
    at = now_iso()
    entry = {
        "id": f"caud_{uuid.uuid4().hex[:16]}",
        "at": at,
        "actor": actor.who,
        "source": actor.source,
        "company": domain,
        "affected": affected_count,
        "changes": diff,
    }
    ConfigItem(workspace_id, f"{_audit_prefix(domain)}{at}#{entry['id']}", doc=entry, updated_at=at).save()
    return entry


def audit_page(workspace_id: str, value: str, *, page_size: int, cursor: str | None) -> dict[str, Any]:
    """The company's edits by this workspace, newest first, in pages."""
    from functions.api.cursors import decode_cursor, encode_cursor, query_pages, start_key

    domain = domain_for(value)
    if domain is None:
        raise NotFound(f"there is no company {value!r}", field="company_id")
    fingerprint = f"company_audit|{workspace_id}|{domain}"
    state = decode_cursor(cursor, fingerprint) if cursor else {}
    request: dict[str, Any] = {
        "TableName": table_name(ConfigItem),
        "KeyConditionExpression": "pk = :p AND begins_with(sk, :s)",
        "ExpressionAttributeValues": {":p": {"S": workspace_id}, ":s": {"S": _audit_prefix(domain)}},
        "ScanIndexForward": False,
        "ConsistentRead": True,
        "Limit": min(1000, page_size + 1),
    }
    start = start_key(state, workspace_id, ("pk", "sk"))
    if start:
        if start["pk"] != {"S": workspace_id} or not start["sk"]["S"].startswith(_audit_prefix(domain)):
            raise BadRequest("the cursor is not one this API returned", field="cursor")
        request["ExclusiveStartKey"] = start
    found: list[dict[str, Any]] = []
    for resp in query_pages(request):
        found += [ddb.from_item(i) for i in resp.get("Items", [])]
        if len(found) > page_size:
            break
    page, has_more = found[:page_size], len(found) > page_size
    next_cursor = (
        encode_cursor({"f": fingerprint, "k": {"pk": workspace_id, "sk": page[-1]["sk"]}})
        if has_more and page
        else None
    )
    data = [dict(json_value(i.get("doc")) or {}) for i in page]
    return {"data": data, "meta": {"next_cursor": next_cursor, "has_more": has_more}}


def edit(
    workspace_id: str,
    value: str,
    changes: Mapping[str, Any],
    *,
    dry_run: bool = False,
    confirm_affected: int | None = None,
) -> dict[str, Any]:
    """Change the Company row (so every contact at the domain shows it): the company as it is
    (or, for a dry run, would be) with `affected`, the number of the workspace's contacts at it."""
    unknown = set(changes) - set(COMPANY_FIELDS)
    if unknown:
        raise BadRequest(f"not a company field: {sorted(unknown)[0]}", field=sorted(unknown)[0])
    domain = domain_for(value)
    count = affected(workspace_id, domain) if domain else 0
    if domain is None or count == 0:
        raise NotFound(f"there is no company {value!r} among this workspace's contacts", field="company")
    if not dry_run:
        check_confirmation(count, confirm_affected)
        if changes:
            actor = audit.current(audit.Actor("api", "api"))
            record_edit(workspace_id, domain, changes, write(domain, changes, actor), count, actor)
    doc = get(workspace_id, company_id(domain)) if not dry_run else None
    if doc is None:  # a dry run: what the company would be
        item = (
            client("dynamodb")
            .get_item(TableName=table_name(Company), Key={"domain": {"S": domain}})
            .get("Item")
        )
        current = ddb.from_item(item) if item else {}
        after = {**current, **changes}
        doc = {
            "id": company_id(domain),
            "domain": domain,
            **{k: after.get(k) for k in COMPANY_FIELDS},
            "contact_count": count,
        }
    return {**doc, "affected": count, "dry_run": dry_run}
