"""The API's error vocabulary: one exception per contract code, rendered as
`{"error": {"code", "message", "field"?}}` (the seeds' Contacts API error shape)."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.event_handler.openapi.types import OpenAPIResponse
from pydantic import BaseModel, ConfigDict


class ErrorDetail(BaseModel):
    model_config = ConfigDict(extra="forbid")

    code: str
    message: str
    field: str | None = None


class ErrorResponse(BaseModel):
    error: ErrorDetail


class ApiError(Exception):
    status = 500
    code = "internal_error"

    def __init__(self, message: str, *, field: str | None = None, headers: dict[str, str] | None = None):
        super().__init__(message)
        self.message = message
        self.field = field
        self.headers = headers or {}

    def body(self) -> dict[str, Any]:
        detail: dict[str, Any] = {"code": self.code, "message": self.message}
        if self.field:
            detail["field"] = self.field
        return {"error": detail}


class BadRequest(ApiError):
    status, code = 400, "validation_error"


class Unauthenticated(ApiError):
    status, code = 401, "authentication_required"


class Forbidden(ApiError):
    status, code = 403, "forbidden"


class NotFound(ApiError):
    status, code = 404, "not_found"


class Conflict(ApiError):
    status, code = 409, "conflict"


class Suppressed(ApiError):
    status, code = 422, "suppressed"


class IdempotencyKeyReused(ApiError):
    status, code = 422, "idempotency_key_reused"


class RateLimited(ApiError):
    status, code = 429, "rate_limited"


class InternalError(ApiError):
    status, code = 500, "internal_error"


DESCRIPTIONS = {
    400: "validation_error: the request is invalid",
    401: "authentication_required: no valid API key",
    403: "forbidden: the key lacks the scope",
    404: "not_found: no such resource in this workspace",
    409: "conflict: dedup, ownership or state conflict",
    422: "suppressed (or idempotency_key_reused)",
    429: "rate_limited: too many requests",
    500: "internal_error",
}


def error_responses(*codes: int) -> dict[int, OpenAPIResponse]:
    """OpenAPI `responses` entries for these error codes, all with the error shape."""
    return {
        code: {"description": DESCRIPTIONS[code], "content": {"application/json": {"model": ErrorResponse}}}
        for code in codes
    }
