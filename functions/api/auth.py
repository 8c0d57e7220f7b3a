"""API keys: stored only as a SHA-256 hash in the Config table; each carries a workspace and scopes.

A key is `ci_<40 url-safe chars>`; the table holds `pk=APIKEY#<sha256 hex>, sk=APIKEY,
doc={workspace_id, scopes, created_at, name, prefix, last_used_at}`, so a lookup is one GetItem
and a leaked table leaks no usable key. Beside it, in the workspace's partition, `pk=<workspace>,
sk=apikey#<id>` (id: the hash's first 12 hex digits) lists the workspace's keys without the
secret; the two are written and deleted together. A key's use is recorded at most hourly
(`last_used_at`), which also lists a key made before the listing existed. The authorizer resolves
the bearer key into a `Principal`; the API reads that principal from
`requestContext.authorizer.lambda` and checks the route's scope.
"""

from __future__ import annotations

import hashlib
import json
import secrets
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from botocore.exceptions import ClientError
from pynamodb.exceptions import DoesNotExist

from functions.api.errors import BadRequest, Forbidden, Unauthenticated
from functions.common.aws import client
from functions.common.jobs import now_iso
from functions.common.models import ConfigItem, table_name
from functions.common.observability import logger

CONTACTS_READ = "contacts:read"
CONTACTS_WRITE = "contacts:write"
IMPORTS_READ = "imports:read"
IMPORTS_WRITE = "imports:write"
CONFIG_READ = "config:read"
CONFIG_WRITE = "config:write"
ADMIN_GDPR = "admin:gdpr"
ADMIN_COMPLIANCE = "admin:compliance"  # may force an email change into a merge (issue 14)
ADMIN_PLATFORM = "admin:platform"  # platform-global suppressions
EVENTS_WRITE = "events:write"  # engagement ingest: internal callers (email engine), not integrators
ADMIN_KEYS = "admin:keys"  # create, list and revoke the workspace's API keys

SCOPES: tuple[str, ...] = (
    CONTACTS_READ,
    CONTACTS_WRITE,
    IMPORTS_READ,
    IMPORTS_WRITE,
    CONFIG_READ,
    CONFIG_WRITE,
    ADMIN_GDPR,
    ADMIN_COMPLIANCE,
    ADMIN_PLATFORM,
    EVENTS_WRITE,
    ADMIN_KEYS,
)
KEY_PREFIX = "ci_"
APIKEY_SK = "APIKEY"
LISTED_PREFIX = "apikey#"  # the workspace's listing of its keys
SHOWN_CHARS = 8  # of a key, the part a listing shows (`ci_` and 5 more): enough to tell keys apart
USE_RECORDED_EVERY = timedelta(hours=1)


@dataclass(frozen=True)
class Principal:
    workspace_id: str
    scopes: frozenset[str]
    key_id: str  # the first 12 hex digits of the key's hash: safe to log

    def has(self, scope: str) -> bool:
        return scope in self.scopes


def hash_key(key: str) -> str:
    return hashlib.sha256(key.encode("utf-8")).hexdigest()


def key_pk(key_hash: str) -> str:
    return f"APIKEY#{key_hash}"


def parse_scopes(value: str | Iterable[str]) -> list[str]:
    items = value.replace(",", " ").split() if isinstance(value, str) else list(value)
    scopes = list(dict.fromkeys(s.strip() for s in items if s and s.strip()))
    unknown = [s for s in scopes if s not in SCOPES]
    if unknown:
        raise ValueError(f"unknown scope(s) {', '.join(unknown)}; known: {', '.join(SCOPES)}")
    if not scopes:
        raise ValueError("a key needs at least one scope")
    return scopes


def create_key(workspace_id: str, scopes: str | Iterable[str], *, name: str | None = None) -> str:
    """Create a key and return it: the only time the key itself exists outside its holder."""
    return create_listed_key(workspace_id, scopes, name=name)[0]


def create_listed_key(
    workspace_id: str, scopes: str | Iterable[str], *, name: str | None = None
) -> tuple[str, dict[str, Any]]:
    """A new key and its listing (what `list_keys` shows of it), written together."""
    if not workspace_id or not workspace_id.strip():
        raise ValueError("a key needs a workspace")
    granted = parse_scopes(scopes)
    key = KEY_PREFIX + secrets.token_urlsafe(30)
    digest = hash_key(key)
    workspace = workspace_id.strip()
    doc: dict[str, Any] = {
        "workspace_id": workspace,
        "scopes": granted,
        "created_at": now_iso(),
        "name": name or f"key-{digest[:8]}",
        "prefix": key[:SHOWN_CHARS],
    }
    client("dynamodb").transact_write_items(
        TransactItems=[
            {
                "Put": {
                    **_put(key_pk(digest), APIKEY_SK, doc),
                    "ConditionExpression": "attribute_not_exists(pk)",
                }
            },
            {"Put": _put(workspace, LISTED_PREFIX + digest[:12], _listing(digest, doc))},
        ]
    )
    return key, _listing(digest, doc)


def _put(pk: str, sk: str, doc: Mapping[str, Any]) -> dict[str, Any]:
    item = {"pk": {"S": pk}, "sk": {"S": sk}, "doc": {"S": json.dumps(doc)}, "updated_at": {"S": now_iso()}}
    return {"TableName": table_name(ConfigItem), "Item": item}


def _listing(digest: str, doc: Mapping[str, Any]) -> dict[str, Any]:
    return {
        "id": digest[:12],
        "hash": digest,  # not a usable key: what revoke deletes
        "name": doc.get("name"),
        "prefix": doc.get("prefix"),  # None for a key made before prefixes were kept
        "scopes": list(doc.get("scopes") or ()),
        "created_at": doc.get("created_at"),
        "last_used_at": doc.get("last_used_at"),
    }


def list_keys(workspace_id: str) -> list[dict[str, Any]]:
    """The workspace's keys, newest first, without their secret (nor hash)."""
    items = ConfigItem.query(workspace_id, ConfigItem.sk.startswith(LISTED_PREFIX), consistent_read=True)
    out = [{k: v for k, v in (i.doc or {}).items() if k != "hash"} for i in items]
    return sorted(out, key=lambda d: d.get("created_at") or "", reverse=True)


def revoke_listed_key(workspace_id: str, key_id: str) -> bool:
    """Delete a key of this workspace by its id, and its listing: from the next request on it is
    refused. False when the workspace has no such key."""
    try:
        listed = ConfigItem.get(workspace_id, LISTED_PREFIX + key_id, consistent_read=True).doc or {}
    except DoesNotExist:
        return False
    client("dynamodb").transact_write_items(
        TransactItems=[
            {
                "Delete": {
                    "TableName": table_name(ConfigItem),
                    "Key": {"pk": {"S": key_pk(listed["hash"])}, "sk": {"S": APIKEY_SK}},
                }
            },
            {
                "Delete": {
                    "TableName": table_name(ConfigItem),
                    "Key": {"pk": {"S": workspace_id}, "sk": {"S": LISTED_PREFIX + key_id}},
                }
            },
        ]
    )
    return True


def grantable(principal: Principal, scopes: Iterable[str]) -> list[str]:
    """Scopes a caller may put on a new key: only those it holds itself (403 naming the rest)."""
    wanted = parse_scopes(scopes)
    missing = [s for s in wanted if not principal.has(s)]
    if missing:
        raise Forbidden(f"a key cannot grant scopes it does not hold: {', '.join(missing)}", field="scopes")
    return wanted


def revoke_key(key: str) -> bool:
    digest = hash_key(key)
    try:
        doc = ConfigItem.get(key_pk(digest), APIKEY_SK).doc or {}
    except DoesNotExist:
        return False
    if doc.get("workspace_id") and revoke_listed_key(doc["workspace_id"], digest[:12]):
        return True
    ConfigItem(key_pk(digest), APIKEY_SK).delete()
    return True


def _record_use(digest: str, doc: dict[str, Any]) -> None:
    """Stamp the key's last use (at most hourly) on the key and its listing. The key must still
    exist, so a use racing its revocation never lists it again."""
    last = doc.get("last_used_at")
    if last and datetime.now(UTC) - datetime.fromisoformat(last) < USE_RECORDED_EVERY:
        return
    doc = {**doc, "last_used_at": now_iso()}
    try:
        client("dynamodb").transact_write_items(
            TransactItems=[
                {
                    "Put": {
                        **_put(key_pk(digest), APIKEY_SK, doc),
                        "ConditionExpression": "attribute_exists(pk)",
                    }
                },
                {"Put": _put(doc["workspace_id"], LISTED_PREFIX + digest[:12], _listing(digest, doc))},
            ]
        )
    except ClientError as exc:  # revoked meanwhile, or a concurrent stamp: the use is still allowed
        logger.info("key use not recorded", extra={"key_id": digest[:12], "error": str(exc)})


def lookup(key: str) -> Principal | None:
    """The principal of a key, or None for an unknown key (one consistent GetItem)."""
    digest = hash_key(key)
    try:
        doc = ConfigItem.get(key_pk(digest), APIKEY_SK, consistent_read=True).doc or {}
    except DoesNotExist:
        return None
    if not doc.get("workspace_id"):
        return None
    _record_use(digest, doc)
    return Principal(doc["workspace_id"], frozenset(doc.get("scopes") or ()), digest[:12])


def bearer_token(headers: Mapping[str, str] | None) -> str | None:
    for name, value in (headers or {}).items():
        if name.lower() == "authorization" and value:
            scheme, _, token = value.strip().partition(" ")
            if scheme.lower() == "bearer" and token.strip():
                return token.strip()
    return None


# --- what the authorizer hands the API ---------------------------------------------------------


def authorizer_context(principal: Principal | None, reason: str | None = None) -> dict[str, Any]:
    """The authorizer's `context` (strings and booleans only: what API Gateway passes through)."""
    if principal is None:
        return {"authenticated": False, "reason": reason or "invalid API key"}
    return {
        "authenticated": True,
        "workspace_id": principal.workspace_id,
        "scopes": " ".join(sorted(principal.scopes)),
        "key_id": principal.key_id,
    }


def principal_from_context(ctx: Mapping[str, Any] | None) -> Principal:
    """The caller, from `requestContext.authorizer.lambda`; 401 when there is none."""
    if not ctx:
        raise Unauthenticated("an API key is required: send 'Authorization: Bearer <key>'")
    authenticated = ctx.get("authenticated")
    if authenticated in (False, "false") or not ctx.get("workspace_id"):
        raise Unauthenticated(str(ctx.get("reason") or "the API key is not valid"))
    raw = ctx.get("scopes") or ""
    scopes = raw.split() if isinstance(raw, str) else [str(s) for s in raw]
    return Principal(str(ctx["workspace_id"]), frozenset(scopes), str(ctx.get("key_id") or ""))


def require(ctx: Mapping[str, Any] | None, *any_of: str) -> Principal:
    """The caller, who must hold at least one of the scopes; 401 / 403 otherwise."""
    principal = principal_from_context(ctx)
    if any_of and not any(principal.has(s) for s in any_of):
        raise Forbidden(f"this API key lacks the scope {' or '.join(any_of)}")
    return principal


def check_workspace_id(value: str) -> str:
    if not value or len(value) > 128:
        raise BadRequest("workspace id must be 1-128 characters", field="workspace_id")
    return value
