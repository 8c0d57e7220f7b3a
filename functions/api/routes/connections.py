"""CRM connections: connect (token stored encrypted, never returned), list, get, change,
disconnect, and run a sync now."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.router import APIGatewayHttpRouter
from pydantic import BaseModel, ConfigDict, Field, SecretStr

from functions.api import auth
from functions.api.errors import BadRequest, NotFound, error_responses
from functions.api.models import Deleted
from functions.api.routes.common import caller, ok_response, path_param
from functions.common.errors import ConfigInvalid
from functions.sync import connections, schedules, service

router = APIGatewayHttpRouter()
JSON = "application/json"
Provider = Literal["hubspot", "salesforce", "outreach"]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class ConnectionOptions(_Strict):
    """Import options every sync of the connection uses (as on an import)."""

    client: Annotated[str | None, Field(max_length=200)] = None
    tags: Annotated[
        list[Annotated[str, Field(min_length=1, max_length=100)]] | None, Field(max_length=50)
    ] = None
    purpose: Literal["create", "update", "upsert"] | None = None
    assignment_days: Annotated[int | None, Field(ge=1, le=3650)] = None
    priority: Annotated[int | None, Field(ge=-1_000_000, le=1_000_000)] = None


class ConnectionCreate(_Strict):
    provider: Provider
    token: Annotated[
        SecretStr, Field(min_length=1, max_length=8192, description="Stored encrypted; never returned")
    ]
    instance_url: Annotated[
        str | None, Field(max_length=500, pattern=r"^https?://", description="Salesforce: the org's URL")
    ] = None
    objects: Annotated[
        list[Annotated[str, Field(min_length=1, max_length=80)]] | None,
        Field(min_length=1, max_length=10, description="Salesforce: objects to pull (default Contact)"),
    ] = None
    rate: Annotated[
        str | None,
        Field(max_length=100, description="rate(N minutes|hours|days) or cron(...); default hourly"),
    ] = None
    options: ConnectionOptions | None = None


class ConnectionPatch(_Strict):
    rate: Annotated[str | None, Field(max_length=100)] = None
    options: ConnectionOptions | None = None
    token: Annotated[
        SecretStr | None, Field(min_length=1, max_length=8192, description="A new token (reconnect)")
    ] = None


class ConnectionOut(BaseModel):
    id: str
    workspace_id: str
    provider: str
    instance_url: str | None = None
    objects: list[str] | None = None
    rate: str
    options: dict[str, Any]
    watermark: str | None = None
    pending_job_id: str | None = None
    last_run: dict[str, Any] | None = None
    created_at: str | None = None
    updated_at: str | None = None


class ConnectionList(BaseModel):
    data: list[ConnectionOut]


class SyncRunOut(BaseModel):
    connection_id: str
    workspace_id: str
    provider: str
    status: Literal["started", "no_changes", "skipped", "failed", "queued"]
    job_id: str | None = None
    records: int
    pulled: int
    watermark_from: str | None = None
    watermark: str | None = None
    reason: str | None = None


def _options(options: ConnectionOptions | None) -> dict[str, Any] | None:
    return None if options is None else options.model_dump(exclude_none=True)


def _connection_id(value: str) -> str:
    return path_param(value, "connection_id")


def _refused(exc: ConfigInvalid, rate: str | None) -> BadRequest:
    """The 400, naming the field at fault where one is: the schedule or the token."""
    message = str(exc)
    if rate is not None:
        try:
            schedules.normalise_rate(rate)
        except ConfigInvalid:
            return BadRequest(message, field="rate")
    return BadRequest(message, field="token" if message.startswith("the token") else None)


@router.post(
    "/api/v1/connections",
    summary="Connect a CRM; its syncs run on a schedule (the token is stored encrypted, never returned)",
    tags=["connections"],
    responses=ok_response(ConnectionOut, "The connection", 201),
)
def create_connection(body: ConnectionCreate) -> Response[ConnectionOut]:
    who = caller(router, auth.CONFIG_WRITE)
    try:
        conn = service.connect(
            who.workspace_id,
            body.provider,
            body.token,
            instance_url=body.instance_url,
            objects=body.objects,
            rate=body.rate,
            options=_options(body.options),
        )
    except ConfigInvalid as exc:
        raise _refused(exc, body.rate) from None
    return Response(201, content_type=JSON, body=ConnectionOut.model_validate(conn.public()))


@router.get(
    "/api/v1/connections",
    summary="The workspace's CRM connections, with watermark and last run",
    tags=["connections"],
    responses=ok_response(ConnectionList, "Every connection"),
)
def list_connections() -> ConnectionList:
    who = caller(router, auth.CONFIG_READ, auth.CONFIG_WRITE)
    return ConnectionList.model_validate(
        {"data": [c.public() for c in connections.list_connections(who.workspace_id)]}
    )


@router.get(
    "/api/v1/connections/<connection_id>",
    summary="A CRM connection",
    tags=["connections"],
    responses={**ok_response(ConnectionOut, "The connection"), **error_responses(404)},
)
def get_connection(connection_id: str) -> ConnectionOut:
    who = caller(router, auth.CONFIG_READ, auth.CONFIG_WRITE)
    try:
        conn = connections.get(who.workspace_id, _connection_id(connection_id))
    except connections.ConnectionNotFound as exc:
        raise NotFound(str(exc)) from None
    return ConnectionOut.model_validate(conn.public())


@router.patch(
    "/api/v1/connections/<connection_id>",
    summary="Change a connection's rate or import options, or give it a new token (reconnect)",
    tags=["connections"],
    responses={**ok_response(ConnectionOut, "The connection"), **error_responses(400, 404)},
)
def patch_connection(connection_id: str, body: ConnectionPatch) -> ConnectionOut:
    who = caller(router, auth.CONFIG_WRITE)
    try:
        conn = service.reconfigure(
            who.workspace_id,
            _connection_id(connection_id),
            rate=body.rate,
            options=_options(body.options),
            token=body.token,
        )
    except connections.ConnectionNotFound as exc:
        raise NotFound(str(exc)) from None
    except ConfigInvalid as exc:
        raise _refused(exc, body.rate) from None
    return ConnectionOut.model_validate(conn.public())


@router.delete(
    "/api/v1/connections/<connection_id>",
    summary="Disconnect: delete the connection, its token and its schedule",
    tags=["connections"],
    responses={**ok_response(Deleted, "Deleted"), **error_responses(404)},
)
def delete_connection(connection_id: str) -> Deleted:
    who = caller(router, auth.CONFIG_WRITE)
    try:
        service.disconnect(who.workspace_id, _connection_id(connection_id))
    except connections.ConnectionNotFound as exc:
        raise NotFound(str(exc)) from None
    return Deleted()


@router.post(
    "/api/v1/connections/<connection_id>/run",
    summary="Run a sync now (queued): pull what changed since the watermark into an import",
    tags=["connections"],
    responses={
        **ok_response(
            SyncRunOut, "Queued: the run's outcome (and its import) shows as the connection's last_run", 202
        ),
        **error_responses(404),
    },
)
def run_connection(connection_id: str) -> Response[SyncRunOut]:
    who = caller(router, auth.IMPORTS_WRITE)
    try:
        result = service.request_run(who.workspace_id, _connection_id(connection_id))
    except connections.ConnectionNotFound as exc:
        raise NotFound(str(exc)) from None
    return Response(202, content_type=JSON, body=SyncRunOut.model_validate(result))
