"""Low-volume administrative writes shared by the CLI and the API: suppressions, workspace
configuration, assignment history and release."""

from __future__ import annotations

from typing import Any

from functions.common import config_store, ddb, ownership
from functions.common.aws import client
from functions.common.config_models import (
    SuppressionKind,
    load_icp_rules,
    load_scoring_model,
    load_suppression_entry,
)
from functions.common.errors import ConfigInvalid
from functions.common.jobs import now_iso
from functions.common.models import ClientAssignment, GlobalContact, Suppression, table_name
from functions.suppress.rules import GLOBAL_SCOPE

_LOADERS = {config_store.ICP_RULES: load_icp_rules, config_store.SCORING_MODEL: load_scoring_model}


def add_suppression(
    value: str, *, reason: str, workspace_id: str | None, is_global: bool = False
) -> dict[str, Any]:
    """Suppress an email or `@domain` for a workspace, or an email platform-wide."""
    text = value.strip()
    kind = SuppressionKind.DOMAIN if text.startswith("@") or "@" not in text else SuppressionKind.EMAIL
    entry = load_suppression_entry(
        {
            "kind": str(kind),
            "value": text.lstrip("@") if kind is SuppressionKind.DOMAIN else text,
            "reason": reason,
            "is_global": is_global,
        }
    )
    if not is_global and not workspace_id:
        raise ConfigInvalid("a workspace suppression needs a workspace")
    scope = GLOBAL_SCOPE if is_global else str(workspace_id)
    stored = f"@{entry.value}" if kind is SuppressionKind.DOMAIN else entry.value
    Suppression(scope, stored, reason=str(entry.reason), created_at=now_iso()).save()
    return {"scope": scope, "value": stored, "reason": str(entry.reason)}


def set_config(workspace_id: str, kind: str, raw: bytes | str) -> Any:
    """Validate a configuration document and store it; a bad one raises ConfigInvalid and stores nothing."""
    doc = _LOADERS[kind](raw)
    config_store.put_doc(workspace_id, kind, doc.model_dump(mode="json"))
    return doc


def assignment_history(email: str) -> dict[str, Any]:
    """The active claim (on the GlobalContact) and the earlier owners (ClientAssignments)."""
    email = email.strip().lower()
    resp = client("dynamodb").get_item(
        TableName=table_name(GlobalContact), Key={"email": {"S": email}}, ConsistentRead=True
    )
    active = ownership.owner_of(ddb.from_item(resp["Item"])) if "Item" in resp else None
    resp = client("dynamodb").query(
        TableName=table_name(ClientAssignment),
        KeyConditionExpression="email = :e",
        ExpressionAttributeValues={":e": {"S": email}},
        ConsistentRead=True,
    )
    history = sorted(
        (d for d in (ddb.from_item(i) for i in resp.get("Items", [])) if d["sk"] != "ACTIVE"),
        key=lambda i: i["sk"],
    )
    return {"email": email, "active": active, "history": history}


def release_assignment(email: str, client_id: str) -> None:
    """Move the client's active claim to history; only the owner can release it."""
    email = email.strip().lower()
    active = assignment_history(email)["active"]
    if active is None or active["client_id"] != client_id:
        owner = active["client_id"] if active else "nobody"
        raise LookupError(f"{email} is not assigned to {client_id} (owner: {owner})")
    history = {**active, "sk": ownership.history_sk(active), "released_at": now_iso()}
    client("dynamodb").transact_write_items(
        TransactItems=[
            {
                "Put": {
                    "TableName": table_name(ClientAssignment),
                    "Item": {k: ddb.to_av(v) for k, v in history.items()},
                }
            },
            {
                "Update": {
                    "TableName": table_name(GlobalContact),
                    "Key": {"email": {"S": email}},
                    "UpdateExpression": "REMOVE " + ", ".join(ownership.ATTRS),
                    "ConditionExpression": f"{ownership.CLIENT} = :c AND {ownership.ASSIGNED_AT} = :a",
                    "ExpressionAttributeValues": {":c": {"S": client_id}, ":a": {"S": active["assigned_at"]}},
                }
            },
        ]
    )


def set_provider_key(workspace_id: str, provider: str, plaintext: str) -> None:
    """Encrypt a workspace's provider key with the master key(s) and store only the token."""
    from functions.common.settings import get_settings
    from functions.enrich.keys import KeyVault
    from functions.enrich.stage import PROVIDER_KEY_PREFIX

    master = get_settings().master_keys
    if master is None:
        raise ConfigInvalid(
            "no master key is configured (CI_MASTER_KEYS, or master_keys in the CI_SECRETS_ARN secret); cannot store provider keys"
        )
    token = KeyVault.from_raw(master).encrypt_key(plaintext)
    config_store.put_doc(workspace_id, PROVIDER_KEY_PREFIX + provider, {"token": token})
