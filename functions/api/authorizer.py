"""HTTP API Lambda authorizer (payload 2.0, simple responses): resolves the bearer API key.

It never denies: API Gateway would answer a denial itself with `403 {"message": "Forbidden"}`,
which is not the contract's `401 authentication_required` shape. It passes its verdict in the
context instead (`authenticated`, `workspace_id`, `scopes`, `key_id`, or `reason`), and the API
Lambda answers 401/403 in the contract's shape on every route that needs a key. Configure it
without an identity source and with caching off, so a request without an Authorization header
reaches it too (otherwise API Gateway answers those with its own 401).

When the stage has a Cognito user pool (`CI_COGNITO_USER_POOL_ID`, `CI_COGNITO_CLIENT_ID`), a
bearer that is a JWT is verified as the pool's ID token instead (`functions.api.cognito`).
"""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext

from functions.api import auth, cognito
from functions.common.observability import logger
from functions.common.settings import get_settings


@logger.inject_lambda_context
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return {"isAuthorized": True, "context": authorize(event.get("headers") or {})}


def _lookup(token: str) -> auth.Principal | None:
    # no cache of known keys: a revoked key is refused from the very next request (one
    # consistent GetItem a request is the price)
    return auth.lookup(token)


_jwks: dict[str, cognito.JwksKeys] = {}  # per execution environment, by JWKS URL


def _user(token: str) -> dict[str, Any] | None:
    """The verdict on a Cognito ID token, or None when the stage has no user pool."""
    settings = get_settings()
    if not (settings.cognito_user_pool_id and settings.cognito_client_id):
        return None
    pool_issuer = cognito.issuer(settings.region, settings.cognito_user_pool_id)
    url = cognito.jwks_url(pool_issuer)
    keys = _jwks.setdefault(url, cognito.JwksKeys(url))
    try:
        principal = cognito.principal_from_token(
            token, signing_key=keys, pool_issuer=pool_issuer, client_id=settings.cognito_client_id
        )
    except cognito.TokenRejected as exc:
        logger.info("rejected sign-in token", extra={"reason": str(exc)})
        return auth.authorizer_context(None, str(exc))
    return auth.authorizer_context(principal)


def authorize(headers: dict[str, str]) -> dict[str, Any]:
    token = auth.bearer_token(headers)
    if token is None:
        return auth.authorizer_context(None, "an API key is required: send 'Authorization: Bearer <key>'")
    if cognito.looks_like_jwt(token):
        verdict = _user(token)
        if verdict is not None:
            return verdict
    principal = _lookup(token)
    if principal is None:
        logger.info("unknown API key", extra={"key_id": auth.hash_key(token)[:12]})
        return auth.authorizer_context(None, "the API key is not valid")
    return auth.authorizer_context(principal)
