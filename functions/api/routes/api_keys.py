"""The workspace's API keys: create (the key shown once), list (prefix, scopes, created, last
used) and revoke (refused from the next request). Only a key holding `admin:keys` manages keys,
and a key never grants a scope it does not hold itself."""

from __future__ import annotations

from typing import Annotated

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.router import APIGatewayHttpRouter
from pydantic import BaseModel, ConfigDict, Field

from functions.api import auth
from functions.api.errors import BadRequest, NotFound, error_responses
from functions.api.models import Deleted
from functions.api.routes.common import caller, ok_response, path_param

router = APIGatewayHttpRouter()
JSON = "application/json"


class ApiKeyCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: Annotated[str, Field(min_length=1, max_length=100)] | None = None
    scopes: Annotated[
        list[Annotated[str, Field(min_length=1, max_length=50)]],
        Field(
            min_length=1,
            max_length=20,
            description=f"Among: {', '.join(auth.SCOPES)}; only scopes the caller holds.",
        ),
    ]


class ApiKeyOut(BaseModel):
    id: str
    name: str | None
    prefix: str | None = Field(
        description="The key's first characters (null for a key made before they were kept)."
    )
    scopes: list[str]
    created_at: str | None
    last_used_at: str | None = Field(
        description="Recorded at most hourly; null: not used since it was listed."
    )


class ApiKeyCreated(ApiKeyOut):
    key: str = Field(description="The key itself: shown this once, never again (only its hash is stored).")


class ApiKeyList(BaseModel):
    data: list[ApiKeyOut]
    grantable: list[str] = Field(description="The scopes the caller may put on a new key: its own.")


@router.get(
    "/api/v1/api-keys",
    summary="The workspace's API keys (never the keys themselves)",
    tags=["api keys"],
    responses={**ok_response(ApiKeyList, "The workspace's keys"), **error_responses(403)},
)
def list_api_keys() -> ApiKeyList:
    who = caller(router, auth.ADMIN_KEYS)
    grantable = [s for s in auth.SCOPES if who.has(s)]
    return ApiKeyList.model_validate({"data": auth.list_keys(who.workspace_id), "grantable": grantable})


@router.post(
    "/api/v1/api-keys",
    summary="Create an API key with some of the caller's own scopes; the key is in this answer only",
    tags=["api keys"],
    responses={
        201: {"description": "Created", "content": {JSON: {"model": ApiKeyCreated}}},
        **error_responses(400, 403),
    },
)
def create_api_key(body: ApiKeyCreate) -> Response[ApiKeyCreated]:
    who = caller(router, auth.ADMIN_KEYS)
    try:
        scopes = auth.grantable(who, body.scopes)
    except ValueError as exc:
        raise BadRequest(str(exc), field="scopes") from None
    key, listed = auth.create_listed_key(who.workspace_id, scopes, name=body.name)
    out = ApiKeyCreated.model_validate({**listed, "key": key})
    return Response(201, content_type=JSON, body=out, headers={"Cache-Control": "no-store"})


@router.delete(
    "/api/v1/api-keys/<key_id>",
    summary="Revoke an API key: refused from the next request on",
    tags=["api keys"],
    responses={**ok_response(Deleted, "Revoked"), **error_responses(400, 403, 404)},
)
def revoke_api_key(key_id: str) -> Deleted:
    who = caller(router, auth.ADMIN_KEYS)
    if not auth.revoke_listed_key(who.workspace_id, path_param(key_id, "key_id", max_length=64)):
        raise NotFound(f"no API key {key_id} in this workspace")
    return Deleted()
