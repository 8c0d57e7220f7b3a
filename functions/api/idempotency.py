"""`Idempotency-Key` on every POST: Powertools idempotency on the Idempotency table, 24 h.

A middleware runs the rest of the chain inside an `idempotent_function` whose key is the caller's
workspace, the route and the Idempotency-Key header, and whose payload check is the request
body: a retry with the same key and body returns the stored response (with
`Idempotent-Replayed: true`) without running the route again; the same key with a different
body is 422 `idempotency_key_reused`; a retry while the first is still running is 409. A route
that raises (every 4xx/5xx) stores nothing, so a failed request can be retried with its key.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Callable
from functools import cache
from typing import Any

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.api_gateway import ApiGatewayResolver
from aws_lambda_powertools.event_handler.middlewares import NextMiddleware
from aws_lambda_powertools.event_handler.openapi.encoders import jsonable_encoder
from aws_lambda_powertools.utilities.idempotency import (
    DynamoDBPersistenceLayer,
    IdempotencyConfig,
    idempotent_function,
)
from aws_lambda_powertools.utilities.idempotency.exceptions import (
    IdempotencyAlreadyInProgressError,
    IdempotencyValidationError,
)
from aws_lambda_powertools.utilities.idempotency.persistence.datarecord import DataRecord

from functions.api.errors import BadRequest, Conflict, IdempotencyKeyReused
from functions.api.routes.common import authorizer_context
from functions.api.settings import get_api_settings
from functions.common.aws import client
from functions.common.models import IdempotencyRecord, table_name

HEADER = "idempotency-key"
REPLAYED = "Idempotent-Replayed"
MAX_KEY_LENGTH = 255


def _mark_replayed(response: Any, idempotent_data: DataRecord) -> Any:
    if isinstance(response, dict):
        response = {**response, "replayed": True}
    return response


@cache
def _runner(table: str) -> tuple[IdempotencyConfig, Callable[..., dict[str, Any]]]:
    """The idempotent call, built once per table (the persistence layer keeps a boto3 client)."""
    persistence = DynamoDBPersistenceLayer(table_name=table, boto3_client=client("dynamodb"))
    config = IdempotencyConfig(
        event_key_jmespath="scope",
        payload_validation_jmespath="body",
        expires_after_seconds=get_api_settings().idempotency_ttl_s,
        response_hook=_mark_replayed,
    )

    @idempotent_function(
        data_keyword_argument="request",
        persistence_store=persistence,
        config=config,
        key_prefix="contact-import-api",
    )
    def run(*, request: dict[str, Any], call: Callable[[], Response]) -> dict[str, Any]:
        return _snapshot(call())

    return config, run


def _snapshot(response: Response) -> dict[str, Any]:
    body = response.body
    if isinstance(body, bytes):
        return {
            "status": response.status_code,
            "headers": _headers(response),
            "b64": base64.b64encode(body).decode(),
        }
    if body is not None and not isinstance(body, str):
        body = json.dumps(jsonable_encoder(body), separators=(",", ":"))
    return {"status": response.status_code, "headers": _headers(response), "body": body}


def _headers(response: Response) -> dict[str, str]:
    return {k: v if isinstance(v, str) else ",".join(v) for k, v in response.headers.items()}


def _restore(snapshot: dict[str, Any]) -> Response:
    headers = dict(snapshot.get("headers") or {})
    if snapshot.get("replayed"):
        headers[REPLAYED] = "true"
    body: Any = base64.b64decode(snapshot["b64"]) if "b64" in snapshot else snapshot.get("body")
    return Response(snapshot["status"], body=body, headers=headers)


def _canonical_body(raw: str | None) -> str:
    if not raw:
        return ""
    try:
        return json.dumps(json.loads(raw), sort_keys=True, separators=(",", ":"))
    except ValueError:
        return raw


def _scope_of(app: ApiGatewayResolver) -> str | None:
    """Whose key space the key lives in: the caller's workspace (a webhook's signed workspace)."""
    ctx = authorizer_context(app)  # type: ignore[arg-type]
    if ctx and ctx.get("authenticated") not in (False, "false") and ctx.get("workspace_id"):
        return f"ws:{ctx['workspace_id']}"
    workspace = app.current_event.headers.get("x-workspace-id")
    return f"webhook:{workspace}" if workspace else None


def middleware(app: ApiGatewayResolver, next_middleware: NextMiddleware) -> Response:
    event = app.current_event
    key = event.headers.get(HEADER) or event.headers.get("Idempotency-Key")
    if event.http_method.upper() != "POST" or key is None:
        return next_middleware(app)
    key = key.strip()
    if not key or len(key) > MAX_KEY_LENGTH:
        raise BadRequest(f"Idempotency-Key must be 1-{MAX_KEY_LENGTH} characters", field="Idempotency-Key")
    scope = _scope_of(app)
    if scope is None:
        return next_middleware(app)  # unauthenticated: the route answers 401 and nothing is stored
    request = {
        "scope": f"{scope}|POST|{event.path.rstrip('/')}|{key}",
        "body": _canonical_body(event.decoded_body),
    }
    try:
        config, run = _runner(table_name(IdempotencyRecord))
        if app.lambda_context is not None:
            config.register_lambda_context(
                app.lambda_context
            )  # in-progress records expire with the invocation
        snapshot = run(request=request, call=lambda: next_middleware(app))
    except IdempotencyValidationError:
        raise IdempotencyKeyReused(
            "this Idempotency-Key was already used with a different request body; use a new key",
            field="Idempotency-Key",
        ) from None
    except IdempotencyAlreadyInProgressError:
        raise Conflict(
            "a request with this Idempotency-Key is still being processed; retry shortly",
            field="Idempotency-Key",
        ) from None
    return _restore(snapshot)


def reset() -> None:
    """Forget the persistence layer (tests and the local runtime change endpoints)."""
    _runner.cache_clear()
