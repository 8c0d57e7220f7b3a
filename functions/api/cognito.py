"""Cognito ID tokens as credentials beside API keys (the web app's "Sign in with Cognito").

A user of the stage's user pool signs in through the hosted UI (code flow with PKCE) and sends
its ID token as the bearer. The token names the workspace (`custom:workspace_id`) and the
groups the user is in; each group named after a scope grants that scope (`imports:write`, ...),
so an operator manages access in Cognito the way keys are scoped here. The platform-only scopes
are never granted to a user.

`principal_from_token` is the pure check (signature, issuer, audience, expiry, token use, then the
claims); `JwksKeys` is the adapter that fetches and caches the pool's signing keys.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from typing import Any

import jwt

from functions.api.auth import ADMIN_PLATFORM, EVENTS_WRITE, SCOPES, Principal

WORKSPACE_CLAIM = "custom:workspace_id"
GROUPS_CLAIM = "cognito:groups"
# what a group can grant: everything an integrator's key can hold
USER_SCOPES: tuple[str, ...] = tuple(s for s in SCOPES if s not in (ADMIN_PLATFORM, EVENTS_WRITE))
ALGORITHMS = ["RS256"]  # what Cognito signs with; never taken from the token's header
LEEWAY_S = 30  # clock skew between Cognito and the authorizer


class TokenRejected(Exception):
    """The token is not a valid ID token of the pool, or grants nothing; the message says why."""


def issuer(region: str, user_pool_id: str) -> str:
    return f"https://cognito-idp.{region}.amazonaws.com/{user_pool_id}"


def jwks_url(pool_issuer: str) -> str:
    return f"{pool_issuer}/.well-known/jwks.json"


def looks_like_jwt(token: str) -> bool:
    """API keys are `ci_...`; a JWT is three base64url parts and starts with a JSON header."""
    return token.startswith("eyJ") and token.count(".") == 2


def principal_from_token(
    token: str,
    *,
    signing_key: Callable[[str], Any],
    pool_issuer: str,
    client_id: str,
) -> Principal:
    """The caller a Cognito ID token names; `signing_key(token)` returns the pool's key for it."""
    try:
        key = signing_key(token)
        claims: dict[str, Any] = jwt.decode(
            token,
            key,
            algorithms=ALGORITHMS,
            audience=client_id,
            issuer=pool_issuer,
            leeway=LEEWAY_S,
            options={"require": ["exp", "iat", "iss", "aud", "sub", "token_use"]},
        )
    except jwt.ExpiredSignatureError as exc:
        raise TokenRejected("the sign-in has expired: sign in again") from exc
    except (jwt.PyJWTError, KeyError, ValueError) as exc:
        raise TokenRejected(f"the sign-in token is not valid ({exc})") from exc
    if claims.get("token_use") != "id":
        raise TokenRejected("send the ID token of the sign-in, not its access token")
    workspace = claims.get(WORKSPACE_CLAIM)
    if not isinstance(workspace, str) or not workspace.strip():
        raise TokenRejected(f"the user has no workspace (the '{WORKSPACE_CLAIM}' attribute is not set)")
    groups = claims.get(GROUPS_CLAIM) or []
    scopes = frozenset(g for g in groups if g in USER_SCOPES)
    if not scopes:
        raise TokenRejected(
            f"the user is in no scope group: add them to one or more of {', '.join(USER_SCOPES)}"
        )
    # like an API key's id: a short digest that is safe to log and names the caller
    user_id = hashlib.sha256(f"cognito:{claims['sub']}".encode()).hexdigest()[:12]
    return Principal(workspace.strip(), scopes, user_id)


class JwksKeys:
    """The pool's signing keys, fetched from its JWKS URL and cached (refetched for an unknown kid)."""

    def __init__(self, url: str, timeout_s: float = 5.0) -> None:
        self.client = jwt.PyJWKClient(url, cache_keys=True, lifespan=3600, timeout=int(timeout_s))

    def __call__(self, token: str) -> Any:
        try:
            return self.client.get_signing_key_from_jwt(token).key
        except jwt.PyJWKClientError as exc:
            raise TokenRejected(f"the sign-in token's key is not the user pool's ({exc})") from exc
