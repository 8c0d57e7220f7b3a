"""Webhook subscriptions: one Config item per subscription, its secret encrypted with the KeyVault.

The secret is shown once, when the subscription is created (or its secret rotated). It must be
usable to sign every delivery, so it is stored encrypted (Fernet, the same master keys as the
workspace provider keys), never hashed, and never returned again.
"""

from __future__ import annotations

import secrets
import uuid
from typing import Any

from pydantic import SecretStr

from functions.common.errors import ConfigInvalid
from functions.common.jobs import now_iso
from functions.common.models import ConfigItem
from functions.common.settings import get_settings
from functions.enrich.keys import KeyVault
from functions.events.outbound import EVENT_TYPES, TargetRefused, check_target

PREFIX = "webhook_sub#"
MAX_PER_WORKSPACE = 20


class SubscriptionInvalid(ValueError):
    """Bad subscription input; the message names the field."""

    def __init__(self, message: str, field: str) -> None:
        super().__init__(message)
        self.field = field


def vault() -> KeyVault:
    master = get_settings().master_keys
    if master is None:
        raise ConfigInvalid(
            "no master key is configured (CI_MASTER_KEYS, or master_keys in the CI_SECRETS_ARN secret); "
            "cannot store webhook secrets"
        )
    return KeyVault.from_raw(master)


def _checked_url(url: Any) -> str:
    if not isinstance(url, str) or not url.strip() or len(url) > 2000:
        raise SubscriptionInvalid("url must be a URL of 1-2000 characters", "url")
    try:
        return check_target(url, allow_local=get_settings().webhook_local_targets)
    except TargetRefused as exc:
        raise SubscriptionInvalid(str(exc), "url") from None


def _checked_types(types: Any) -> list[str]:
    if not isinstance(types, list) or not types or not all(isinstance(t, str) for t in types):
        raise SubscriptionInvalid(
            f"event_types must be a non-empty list from {', '.join(EVENT_TYPES)}", "event_types"
        )
    unknown = [t for t in types if t not in EVENT_TYPES]
    if unknown:
        raise SubscriptionInvalid(
            f"unknown event type(s) {', '.join(unknown)}; known: {', '.join(EVENT_TYPES)}", "event_types"
        )
    return sorted(set(types))


def public(doc: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in doc.items() if k != "secret_token"}


def create(workspace_id: str, url: Any, event_types: Any, description: str | None = None) -> dict[str, Any]:
    """The new subscription with its secret (the only time the secret is returned)."""
    doc: dict[str, Any] = {
        "id": "whsub_" + uuid.uuid4().hex[:20],
        "workspace_id": workspace_id,
        "url": _checked_url(url),
        "event_types": _checked_types(event_types),
        "description": description,
        "active": True,
        "created_at": now_iso(),
        "updated_at": now_iso(),
    }
    if len(list_all(workspace_id)) >= MAX_PER_WORKSPACE:
        raise SubscriptionInvalid(f"a workspace has at most {MAX_PER_WORKSPACE} subscriptions", "url")
    secret = "whsec_" + secrets.token_urlsafe(32)
    doc["secret_token"] = vault().encrypt_key(secret)
    ConfigItem(workspace_id, PREFIX + doc["id"], doc=doc, updated_at=doc["updated_at"]).save()
    return {**public(doc), "secret": secret}


def get(workspace_id: str, subscription_id: str) -> dict[str, Any] | None:
    try:
        doc = ConfigItem.get(workspace_id, PREFIX + subscription_id, consistent_read=True).doc
    except ConfigItem.DoesNotExist:
        return None
    return doc if isinstance(doc, dict) else None


def list_all(workspace_id: str) -> list[dict[str, Any]]:
    return [
        item.doc
        for item in ConfigItem.query(workspace_id, ConfigItem.sk.startswith(PREFIX), consistent_read=True)
        if isinstance(item.doc, dict)
    ]


def update(workspace_id: str, subscription_id: str, changes: dict[str, Any]) -> dict[str, Any] | None:
    """The changed subscription (None when there is none); `rotate_secret: true` returns a new secret."""
    doc = get(workspace_id, subscription_id)
    if doc is None:
        return None
    if "url" in changes:
        doc["url"] = _checked_url(changes["url"])
    if "event_types" in changes:
        doc["event_types"] = _checked_types(changes["event_types"])
    if "description" in changes:
        doc["description"] = changes["description"]
    if "active" in changes:
        if not isinstance(changes["active"], bool):
            raise SubscriptionInvalid("active must be true or false", "active")
        doc["active"] = changes["active"]
    secret = None
    if changes.get("rotate_secret"):
        secret = "whsec_" + secrets.token_urlsafe(32)
        doc["secret_token"] = vault().encrypt_key(secret)
    doc["updated_at"] = now_iso()
    ConfigItem(workspace_id, PREFIX + subscription_id, doc=doc, updated_at=doc["updated_at"]).save()
    out = public(doc)
    if secret is not None:
        out["secret"] = secret
    return out


def delete(workspace_id: str, subscription_id: str) -> bool:
    if get(workspace_id, subscription_id) is None:
        return False
    ConfigItem(workspace_id, PREFIX + subscription_id).delete()
    return True


def secret_of(doc: dict[str, Any]) -> SecretStr:
    return vault().decrypt_key(doc["secret_token"])


def wanting(workspace_id: str, event_type: str) -> list[dict[str, Any]]:
    return [
        d for d in list_all(workspace_id) if d.get("active", True) and event_type in d.get("event_types", [])
    ]
