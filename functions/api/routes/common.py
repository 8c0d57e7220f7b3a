"""What every router needs: the caller from the authorizer's context, with its scope checked."""

from __future__ import annotations

from typing import Any
from urllib.parse import unquote

from aws_lambda_powertools.event_handler.openapi.types import OpenAPIResponse
from aws_lambda_powertools.event_handler.router import APIGatewayHttpRouter

from functions.api import auth
from functions.api.errors import BadRequest
from functions.common import audit


def ok_response(model: Any, description: str, status: int = 200) -> dict[int, OpenAPIResponse]:
    """A success answer for a route's `responses=` (which otherwise documents only the errors)."""
    return {status: {"description": description, "content": {"application/json": {"model": model}}}}


def authorizer_context(router: APIGatewayHttpRouter) -> dict[str, Any] | None:
    request_context = router.current_event.raw_event.get("requestContext") or {}
    ctx = (request_context.get("authorizer") or {}).get("lambda")
    return ctx if isinstance(ctx, dict) else None


def caller(router: APIGatewayHttpRouter, *any_of_scopes: str) -> auth.Principal:
    """The calling key's principal; 401 without a valid key, 403 without one of the scopes.
    The key becomes the request's actor: the contact writes it makes are audited as its own."""
    principal = auth.require(authorizer_context(router), *any_of_scopes)
    audit.set_current(audit.key_actor(principal.key_id))
    return principal


def contact_id_param(value: str) -> str:
    """A contact id in a path: as long as the email it may carry (functions/common/contact_ids.py)."""
    from functions.common.contact_ids import MAX_LENGTH

    return path_param(value, "contact_id", max_length=MAX_LENGTH)


def path_param(value: str, name: str, *, max_length: int = 200) -> str:
    text = unquote(value)
    if not text or len(text) > max_length:
        raise BadRequest(f"{name} must be 1-{max_length} characters", field=name)
    return text
