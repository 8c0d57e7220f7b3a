"""The HTTP API: one Powertools resolver, routers per concern, the contract's error shape,
Idempotency-Key on POST, and the OpenAPI document at `GET /api/v1/openapi.json`."""

from __future__ import annotations

import json
from typing import Any

import orjson
from aws_lambda_powertools.event_handler import APIGatewayHttpResolver, Response
from aws_lambda_powertools.event_handler.exceptions import NotFoundError
from aws_lambda_powertools.event_handler.middlewares.openapi_validation import (
    OpenAPIRequestValidationMiddleware,
)
from aws_lambda_powertools.event_handler.openapi.exceptions import (
    RequestUnsupportedContentType,
    RequestValidationError,
)
from aws_lambda_powertools.event_handler.openapi.models import HTTPBearer
from aws_lambda_powertools.shared.json_encoder import Encoder
from botocore.exceptions import ClientError

from functions.api import idempotency
from functions.api.auth import principal_from_context
from functions.api.errors import (
    DESCRIPTIONS,
    ApiError,
    BadRequest,
    ErrorResponse,
    InternalError,
    NotFound,
    RateLimited,
)
from functions.api.models import WebhookBatch
from functions.api.routes import (
    api_keys,
    audit,
    bulk,
    companies,
    config,
    connections,
    contacts,
    engagement,
    imports,
    merges,
    retention,
    segments,
    sequences,
    subscriptions,
    webhooks,
)
from functions.api.routes.common import authorizer_context
from functions.common.ddb import TransientStoreError
from functions.common.observability import logger

API_TITLE = "Contact Import API"
API_VERSION = "1.0.0"
OPENAPI_PATH = "/api/v1/openapi.json"
JSON = "application/json"


class HttpApiResolver(APIGatewayHttpResolver):
    """APIGatewayHttpResolver that, like the REST resolver, accepts a route with or without its
    trailing slash (the seeds write `/api/v1/contacts/`)."""

    def route(self, rule: str, *args: Any, **kwargs: Any) -> Any:
        return super().route(rule.rstrip("/") or "/", *args, **kwargs)

    @staticmethod
    def _compile_regex(rule: str, base_regex: str = "^{}/*$"):  # type: ignore[override]
        return APIGatewayHttpResolver._compile_regex(rule, "^{}/*$")


class AuthenticatedRequestValidation(OpenAPIRequestValidationMiddleware):
    """Powertools' request validation, with two changes: the caller is authenticated first (an
    unauthenticated request is 401 whatever its body), and only JSON bodies are read (every route
    here takes JSON; the form and multipart parsers answer a malformed Content-Type with a 500)."""

    def handler(self, app: Any, next_middleware: Any) -> Response:
        if not app.current_event.path.startswith(_PUBLIC_PATHS):
            principal_from_context(authorizer_context(app))
        return super().handler(app, next_middleware)

    def _get_body(self, app: Any) -> dict[str, Any]:
        content_type = app.current_event.headers.get("content-type", "").strip().lower()
        if content_type and not content_type.startswith("application/json"):
            raise RequestUnsupportedContentType(
                "Unsupported content type",
                errors=[{"type": "unsupported_content_type", "loc": ("body",), "msg": content_type}],
            )
        return super()._get_body(app)


_PUBLIC_PATHS = ("/api/webhooks/",)  # signed instead of keyed


def serialize(body: Any) -> str:
    """Response bodies as JSON: orjson (a 500-contact page in a fifth of the stdlib's time), the
    stdlib encoder Powertools uses for what orjson refuses (an integer beyond 64 bits, a key that
    is not a string)."""
    try:
        return orjson.dumps(body, default=_plain).decode()
    except TypeError:
        return json.dumps(body, separators=(",", ":"), cls=Encoder)


def _plain(value: Any) -> Any:
    return Encoder().default(value)


app = HttpApiResolver(enable_validation=True, serializer=serialize)
# Powertools builds its validation middleware in __init__ and runs it first: swap in ours
app._request_validation_middleware = AuthenticatedRequestValidation()
app.use(middlewares=[idempotency.middleware])
for module in (
    contacts,
    imports,
    config,
    webhooks,
    subscriptions,
    connections,
    engagement,
    segments,
    companies,
    bulk,
    audit,
    merges,
    retention,
    sequences,
    api_keys,
):
    app.include_router(module.router)


def _error(exc: ApiError) -> Response:
    return Response(exc.status, content_type=JSON, body=exc.body(), headers=exc.headers or None)


@app.exception_handler(ApiError)
def handle_api_error(exc: ApiError) -> Response:
    return _error(exc)


def _field(loc: tuple[Any, ...]) -> str | None:
    # union members' tags (SearchFilter, SearchGroup) are not part of the request's field path
    parts = [str(p) for p in loc if not (isinstance(p, str) and p[:1].isupper())]
    if parts and parts[0] in ("body", "query", "path", "header"):
        parts = parts[1:]
    return ".".join(parts) or None


@app.exception_handler(RequestValidationError)
def handle_validation_error(exc: RequestValidationError) -> Response:
    errors = exc.errors()
    first = errors[0] if errors else {"loc": (), "msg": "invalid request", "type": "value_error"}
    field = _field(tuple(first.get("loc") or ()))
    kind = first.get("type")
    if kind == "json_invalid":
        message, field = "the request body is not valid JSON", None
    elif kind == "missing" and field is None:
        message = "a JSON request body is required"
    else:
        message = str(first.get("msg") or "invalid value").removeprefix("Value error, ")
        message = f"{field}: {message}" if field else message
    more = len(errors) - 1
    if more > 0:
        message += f" (and {more} more problem{'s' if more > 1 else ''})"
    return _error(BadRequest(message, field=field))


class MethodNotAllowed(ApiError):
    status, code = 405, "method_not_allowed"


@app.not_found
def handle_not_found(exc: NotFoundError) -> Response:
    method, path = app.current_event.http_method.upper(), app.current_event.path
    allowed = sorted({r.method for r in app._static_routes + app._dynamic_routes if r.rule.match(path)})
    if allowed and method not in allowed:
        return _error(
            MethodNotAllowed(f"{method} is not allowed here", headers={"Allow": ", ".join(allowed)})
        )
    return _error(NotFound(f"no route {method} {path}"))


class UnsupportedMediaType(ApiError):
    status, code = 415, "unsupported_media_type"


@app.exception_handler(RequestUnsupportedContentType)
def handle_content_type(exc: RequestUnsupportedContentType) -> Response:
    return _error(UnsupportedMediaType("send the request body as JSON (Content-Type: application/json)"))


@app.exception_handler(UnicodeDecodeError)
def handle_undecodable_body(exc: UnicodeDecodeError) -> Response:
    return _error(BadRequest("the request body is not UTF-8 JSON"))


@app.exception_handler(TransientStoreError)
def handle_throttled(exc: TransientStoreError) -> Response:
    return _error(RateLimited("the service is busy; retry in a few seconds", headers={"Retry-After": "2"}))


@app.exception_handler(ClientError)
def handle_client_error(exc: ClientError) -> Response:
    code = exc.response.get("Error", {}).get("Code", "")
    if code in ("ProvisionedThroughputExceededException", "ThrottlingException", "RequestLimitExceeded"):
        return _error(
            RateLimited("the service is busy; retry in a few seconds", headers={"Retry-After": "2"})
        )
    logger.exception("AWS call failed")
    return _error(InternalError("internal error; the request was logged"))


@app.exception_handler(Exception)
def handle_unexpected(exc: Exception) -> Response:
    logger.exception("unhandled error")
    return _error(InternalError("internal error; the request was logged"))


# --- OpenAPI ----------------------------------------------------------------------------------------

_UNIVERSAL_ERRORS = (400, 401, 403, 429, 500)


def openapi_document() -> dict[str, Any]:
    """The OpenAPI document, with the contract's error responses on every operation and the
    Idempotency-Key header on every POST."""
    doc = json.loads(
        app.get_openapi_json_schema(
            title=API_TITLE,
            version=API_VERSION,
            description="Contacts, imports, configuration and webhook intake. Errors are "
            '`{"error": {"code", "message", "field"?}}`.',
            security_schemes={
                "bearerAuth": HTTPBearer(description="An API key: `Authorization: Bearer ci_...`")
            },
            security=[{"bearerAuth": []}],
        )
    )
    schemas = doc.setdefault("components", {}).setdefault("schemas", {})
    schemas.update(
        {
            k: v
            for k, v in ErrorResponse.model_json_schema(ref_template="#/components/schemas/{model}")
            .pop("$defs")
            .items()
        }
    )
    schemas["ErrorResponse"] = ErrorResponse.model_json_schema(ref_template="#/components/schemas/{model}")
    schemas["ErrorResponse"].pop("$defs", None)
    for name in ("HTTPValidationError", "ValidationError"):
        schemas.pop(name, None)
    error_ref = {"content": {JSON: {"schema": {"$ref": "#/components/schemas/ErrorResponse"}}}}
    for path, operations in doc.get("paths", {}).items():
        public = path.startswith(_PUBLIC_PATHS)
        for method, op in operations.items():
            responses = op.setdefault("responses", {})
            stale = responses.get("422", {}).get("content", {}).get(JSON, {}).get("schema", {})
            if stale.get("$ref", "").endswith("/HTTPValidationError"):
                del responses["422"]
            wanted = list(_UNIVERSAL_ERRORS) + ([404] if "{" in path else [])
            if method == "post":
                wanted += [409, 422]
                params = op.setdefault("parameters", [])
                params.append(
                    {
                        "name": "Idempotency-Key",
                        "in": "header",
                        "required": False,
                        "schema": {"type": "string", "minLength": 1, "maxLength": idempotency.MAX_KEY_LENGTH},
                        "description": "Retrying with the same key and body returns the first response (24 h).",
                    }
                )
            for code in wanted:
                responses.setdefault(str(code), {"description": DESCRIPTIONS[code], **error_ref})
            if public:
                op["security"] = []
    # the webhook reads its body raw (the signature covers the bytes): document its shape here
    intake = doc.get("paths", {}).get("/api/webhooks/intake", {}).get("post")
    if intake is not None:
        batch = WebhookBatch.model_json_schema(ref_template="#/components/schemas/{model}")
        schemas.update(batch.pop("$defs", {}))
        schemas["WebhookBatch"] = batch
        intake["requestBody"] = {
            "required": True,
            "content": {JSON: {"schema": {"$ref": "#/components/schemas/WebhookBatch"}}},
        }
    return doc


@app.get(OPENAPI_PATH, include_in_schema=False, enable_validation=False)
def openapi_json():  # type: ignore[no-untyped-def]  # a bare Response: not a documented operation
    return Response(200, content_type=JSON, body=json.dumps(openapi_document()))
