"""Webhook intake (HMAC-signed, no API key) and the workspace's webhook secret."""

from __future__ import annotations

from typing import Annotated

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.openapi.params import Header
from aws_lambda_powertools.event_handler.router import APIGatewayHttpRouter
from pydantic import ValidationError

from functions.api import auth, webhooks
from functions.api.errors import BadRequest
from functions.api.models import ImportOut, WebhookBatch, WebhookSecretOut
from functions.api.routes.common import caller

router = APIGatewayHttpRouter()
JSON = "application/json"


@router.post(
    "/api/v1/webhooks/secret",
    summary="Create (or rotate) the workspace's webhook signing secret; shown once",
    tags=["webhooks"],
    responses={201: {"description": "The new secret", "content": {JSON: {"model": WebhookSecretOut}}}},
)
def rotate_secret() -> Response[WebhookSecretOut]:
    who = caller(router, auth.CONFIG_WRITE)
    return Response(
        201, content_type=JSON, body=WebhookSecretOut.model_validate(webhooks.rotate_secret(who.workspace_id))
    )


@router.post(
    "/api/webhooks/intake",
    summary="A signed batch of contacts (body: WebhookBatch); each batch is its own import job",
    tags=["webhooks"],
    responses={202: {"description": "The batch's import job", "content": {JSON: {"model": ImportOut}}}},
)
def intake(
    x_workspace_id: Annotated[str | None, Header(alias="X-Workspace-Id", max_length=128)] = None,
    x_signature: Annotated[str | None, Header(alias="X-Signature", max_length=2000)] = None,
) -> Response[ImportOut]:
    # the body is read raw: the signature covers its exact bytes, and nothing about an unsigned
    # batch (not even why it is invalid) is answered before the signature is checked
    raw = webhooks.raw_body(router.current_event.raw_event)
    workspace_id = webhooks.verify(x_workspace_id, x_signature, raw)
    try:
        batch = WebhookBatch.model_validate_json(raw)
    except ValidationError as exc:
        err = exc.errors()[0]
        field = ".".join(str(p) for p in err["loc"]) or None
        if err["type"] == "json_invalid":
            raise BadRequest("the request body is not valid JSON") from None
        raise BadRequest(f"{field}: {err['msg']}" if field else str(err["msg"]), field=field) from None
    doc = webhooks.intake(workspace_id, batch.model_dump(exclude_unset=True))
    return Response(202, content_type=JSON, body=ImportOut.model_validate(doc))
