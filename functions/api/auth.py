"""API keys: stored only as a SHA-256 hash in the Config table; each carries a workspace and scopes.

A key is `ci_<40 url-safe chars>`; the table holds `pk=APIKEY#<sha256 hex>, sk=APIKEY,
doc={workspace_id, scopes, created_at, name}`, so a lookup is one GetItem and a leaked table
leaks no usable key. The authorizer resolves the bearer key into a `Principal`; the API reads
that principal from `requestContext.authorizer.lambda` and checks the route's scope.
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from pynamodb.exceptions import DoesNotExist

from functions.api.errors import BadRequest, Forbidden, Unauthenticated
from functions.common.jobs import now_iso
from functions.common.models import ConfigItem

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
)
KEY_PREFIX = "ci_"
APIKEY_SK = "APIKEY"


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
    if not workspace_id or not workspace_id.strip():
        raise ValueError("a key needs a workspace")
    granted = parse_scopes(scopes)
    key = KEY_PREFIX + secrets.token_urlsafe(30)
    doc = {
        "workspace_id": workspace_id.strip(),
        "scopes": granted,
        "created_at": now_iso(),
        "name": name or f"key-{hash_key(key)[:8]}",
    }
    ConfigItem(key_pk(hash_key(key)), APIKEY_SK, doc=doc, updated_at=doc["created_at"]).save(
        condition=ConfigItem.pk.does_not_exist()
    )
    return key


def revoke_key(key: str) -> bool:
    try:
        ConfigItem.get(key_pk(hash_key(key)), APIKEY_SK).delete()
    except DoesNotExist:
        return False
    return True


def lookup(key: str) -> Principal | None:
    """The principal of a key, or None for an unknown key (one consistent GetItem)."""
    digest = hash_key(key)
    try:
        doc = ConfigItem.get(key_pk(digest), APIKEY_SK, consistent_read=True).doc or {}
    except DoesNotExist:
        return None
    if not doc.get("workspace_id"):
        return None
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
