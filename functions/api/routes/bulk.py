"""Bulk operations on contacts: start one, follow its progress, undo it within 30 days."""

from __future__ import annotations

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.openapi.types import OpenAPIResponse
from aws_lambda_powertools.event_handler.router import APIGatewayHttpRouter

from functions.api import auth, bulk
from functions.api.bulk_models import BulkOperationIn, BulkOperationOut, ImportRollbackOut
from functions.api.errors import error_responses
from functions.api.routes.common import caller, path_param

router = APIGatewayHttpRouter()
JSON = "application/json"


def _ok(description: str, *statuses: int) -> dict[int, OpenAPIResponse]:
    return {s: {"description": description, "content": {JSON: {"model": BulkOperationOut}}} for s in statuses}


@router.post(
    "/api/v1/contacts/bulk-operations",
    summary="Run an action on contacts selected by ids or filters (above 1,000: 202, runs in chunks)",
    tags=["bulk operations"],
    responses={**_ok("Finished in the request (200) or queued (202)", 200, 202), **error_responses(400, 404)},
)
def create_operation(body: BulkOperationIn) -> Response[BulkOperationOut]:
    who = caller(router, auth.CONTACTS_WRITE)
    status, doc = bulk.submit(who.workspace_id, body.model_dump(), requested_by=who.key_id)
    return Response(status, content_type=JSON, body=BulkOperationOut.model_validate(doc))


@router.get(
    "/api/v1/bulk-operations/<op_id>",
    summary="A bulk operation's progress, counters and per-contact failures",
    tags=["bulk operations"],
    responses={**_ok("The operation", 200), **error_responses(404)},
)
def get_operation(op_id: str) -> BulkOperationOut:
    who = caller(router, auth.CONTACTS_READ, auth.CONTACTS_WRITE)
    return BulkOperationOut.model_validate(bulk.get(who.workspace_id, path_param(op_id, "op_id")))


@router.post(
    "/api/v1/bulk-operations/<op_id>/undo",
    summary="Reverse a bulk operation within 30 days (values changed since are left alone and reported)",
    tags=["bulk operations"],
    responses={**_ok("Undone in the request (200) or queued (202)", 200, 202), **error_responses(404, 409)},
)
def undo_operation(op_id: str) -> Response[BulkOperationOut]:
    who = caller(router, auth.CONTACTS_WRITE)
    status, doc = bulk.undo(who.workspace_id, path_param(op_id, "op_id"))
    return Response(status, content_type=JSON, body=BulkOperationOut.model_validate(doc))


@router.post(
    "/api/v1/bulk-operations/<op_id>/resume",
    summary="Run a failed bulk operation (or its undo) again from where it stopped",
    tags=["bulk operations"],
    responses={**_ok("Finished in the request (200) or queued (202)", 200, 202), **error_responses(404, 409)},
)
def resume_operation(op_id: str) -> Response[BulkOperationOut]:
    who = caller(router, auth.CONTACTS_WRITE)
    status, doc = bulk.resume(who.workspace_id, path_param(op_id, "op_id"))
    return Response(status, content_type=JSON, body=BulkOperationOut.model_validate(doc))


@router.post(
    "/api/v1/imports/<job_id>/rollback",
    summary="Take back an import (within 7 days): its contacts removed, its changes restored unless changed since",
    tags=["imports"],
    responses={
        200: {"description": "Rolled back", "content": {JSON: {"model": ImportRollbackOut}}},
        202: {"description": "Rolling back", "content": {JSON: {"model": ImportRollbackOut}}},
        **error_responses(404, 409),
    },
)
def rollback_import(job_id: str) -> Response[ImportRollbackOut]:
    who = caller(router, auth.IMPORTS_WRITE)
    status, doc = bulk.rollback_import(who.workspace_id, path_param(job_id, "job_id"))
    return Response(status, content_type=JSON, body=ImportRollbackOut.model_validate(doc))
