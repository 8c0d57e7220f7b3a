"""Workspace configuration over the API: suppression lists, ICP tier rules, scoring model and
assignment release, through the same admin functions the CLI uses."""

from __future__ import annotations

import json
from typing import Any

from functions.api.errors import BadRequest, Conflict, Forbidden, NotFound
from functions.common import admin, config_store, ddb
from functions.common.aws import client
from functions.common.config_models import IcpRuleSet, ScoringModelDoc, load_icp_rules, load_scoring_model
from functions.common.errors import ConfigInvalid
from functions.common.models import Suppression, table_name
from functions.suppress.rules import GLOBAL_SCOPE


def _suppression_view(item: dict[str, Any]) -> dict[str, Any]:
    value = item["value"]
    return {
        "value": value,
        "kind": "domain" if value.startswith("@") else "email",
        "scope": "global" if item["scope"] == GLOBAL_SCOPE else "workspace",
        "reason": item.get("reason"),
        "created_at": item.get("created_at"),
    }


def add_suppression(workspace_id: str, value: str, reason: str, *, is_global: bool) -> dict[str, Any]:
    try:
        entry = admin.add_suppression(value, reason=reason, workspace_id=workspace_id, is_global=is_global)
    except ConfigInvalid as exc:
        raise BadRequest(str(exc).removeprefix("suppression entry: "), field="value") from None
    return get_suppression(workspace_id, entry["value"], is_global=is_global)


def _scope(workspace_id: str, is_global: bool) -> str:
    return GLOBAL_SCOPE if is_global else workspace_id


def get_suppression(workspace_id: str, value: str, *, is_global: bool) -> dict[str, Any]:
    resp = client("dynamodb").get_item(
        TableName=table_name(Suppression),
        Key={"scope": {"S": _scope(workspace_id, is_global)}, "value": {"S": value}},
        ConsistentRead=True,
    )
    if "Item" not in resp:
        raise NotFound(f"{value} is not on the {'platform' if is_global else 'workspace'} suppression list")
    return _suppression_view(ddb.from_item(resp["Item"]))


def _stored_value(value: str) -> str:
    """The key a suppression is stored under (email lower-case, domain as `@domain`)."""
    text = value.strip()
    if text.startswith("@") or "@" not in text:
        return "@" + text.lstrip("@").lower().removeprefix("www.").rstrip(".")
    local, _, domain = text.rpartition("@")
    return f"{local.lower()}@{domain.lower()}"


def remove_suppression(workspace_id: str, value: str, *, is_global: bool) -> None:
    stored = _stored_value(value)
    get_suppression(workspace_id, stored, is_global=is_global)
    client("dynamodb").delete_item(
        TableName=table_name(Suppression),
        Key={"scope": {"S": _scope(workspace_id, is_global)}, "value": {"S": stored}},
    )


def list_suppressions(
    workspace_id: str, *, is_global: bool, kind: str | None, page_size: int, cursor: str | None
) -> dict[str, Any]:
    from functions.api.cursors import decode_cursor, encode_cursor, query_pages, start_key

    fingerprint = f"suppressions|{workspace_id}|{is_global}|{kind or ''}"
    state = decode_cursor(cursor, fingerprint) if cursor else {}
    request: dict[str, Any] = {
        "TableName": table_name(Suppression),
        "KeyConditionExpression": "#s = :s",
        "ExpressionAttributeNames": {"#s": "scope"},
        "ExpressionAttributeValues": {":s": {"S": _scope(workspace_id, is_global)}},
        "ConsistentRead": True,
        "Limit": min(1000, page_size + 1),
    }
    if kind == "domain":
        request["KeyConditionExpression"] += " AND begins_with(#v, :at)"
        request["ExpressionAttributeNames"]["#v"] = "value"
        request["ExpressionAttributeValues"][":at"] = {"S": "@"}
    start = start_key(state, workspace_id, ("scope", "value"))
    if start:
        if start["scope"] != {"S": _scope(workspace_id, is_global)}:
            raise BadRequest("the cursor is not one this API returned", field="cursor")
        request["ExclusiveStartKey"] = start
    found: list[dict[str, Any]] = []
    for resp in query_pages(request):
        found += [
            i
            for i in map(ddb.from_item, resp.get("Items", []))
            if kind != "email" or not i["value"].startswith("@")
        ]
        if len(found) > page_size:
            break
    page = found[:page_size]
    has_more = len(found) > page_size
    next_cursor = (
        encode_cursor({"f": fingerprint, "k": {"scope": page[-1]["scope"], "value": page[-1]["value"]}})
        if has_more and page
        else None
    )
    return {
        "data": [_suppression_view(i) for i in page],
        "meta": {"next_cursor": next_cursor, "has_more": has_more},
    }


def get_icp_rules(workspace_id: str) -> list[dict[str, Any]]:
    doc = config_store.get_doc(workspace_id, config_store.ICP_RULES)
    return load_icp_rules(doc).model_dump(mode="json") if doc is not None else []


def set_icp_rules(workspace_id: str, rules: list[Any]) -> list[dict[str, Any]]:
    try:
        stored: IcpRuleSet = admin.set_config(workspace_id, config_store.ICP_RULES, json.dumps(rules))
    except ConfigInvalid as exc:
        raise BadRequest(str(exc), field="rules") from None
    return stored.model_dump(mode="json")


def get_scoring_model(workspace_id: str) -> dict[str, Any]:
    doc = config_store.get_doc(workspace_id, config_store.SCORING_MODEL)
    model = load_scoring_model(doc) if doc is not None else ScoringModelDoc()
    return model.model_dump(mode="json")


def set_scoring_model(workspace_id: str, doc: dict[str, Any]) -> dict[str, Any]:
    try:
        stored: ScoringModelDoc = admin.set_config(workspace_id, config_store.SCORING_MODEL, json.dumps(doc))
    except ConfigInvalid as exc:
        raise BadRequest(str(exc), field="scoring_model") from None
    return stored.model_dump(mode="json")


def _assignment_view(item: dict[str, Any]) -> dict[str, Any]:
    return {
        "client_id": item.get("client_id"),
        "priority": item.get("priority", 0),
        "assigned_at": item.get("assigned_at"),
        "expires_at": item.get("expires_at"),
        "released_at": item.get("released_at"),
        "job_id": item.get("job_id"),
    }


def assignments(workspace_id: str, email: str) -> dict[str, Any]:
    """This workspace's ownership records of an email; another workspace's owner shows only as
    `blocked_until` (its client ids are not this workspace's business)."""
    doc = admin.assignment_history(email)
    active = doc["active"]
    mine = active is not None and active.get("workspace_id") == workspace_id
    return {
        "email": doc["email"],
        "active": _assignment_view(active) if mine and active else None,
        "blocked_until": active.get("expires_at") if active and not mine else None,
        "history": [_assignment_view(h) for h in doc["history"] if h.get("workspace_id") == workspace_id],
    }


def release(workspace_id: str, email: str, client_id: str) -> dict[str, Any]:
    active = admin.assignment_history(email)["active"]
    if active is None or active.get("workspace_id") != workspace_id:
        raise NotFound(f"{email.strip().lower()} has no active assignment in this workspace")
    if active.get("client_id") != client_id:
        raise Forbidden(
            f"{email.strip().lower()} is assigned to another client; only the owner can release it"
        )
    try:
        admin.release_assignment(email, client_id)
    except LookupError as exc:
        raise Conflict(str(exc)) from None
    except Exception as exc:  # the transaction lost to a concurrent change
        if "TransactionCanceled" in str(exc):
            raise Conflict("the assignment changed meanwhile; read it again and retry") from None
        raise
    return assignments(workspace_id, email)
