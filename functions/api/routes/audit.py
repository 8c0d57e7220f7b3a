"""A contact's audit log: who changed what, newest first (issue 14)."""

from __future__ import annotations

from typing import Annotated

from aws_lambda_powertools.event_handler.openapi.params import Query
from aws_lambda_powertools.event_handler.router import APIGatewayHttpRouter

from functions.api import auth, contacts, read_model
from functions.api.errors import BadRequest, error_responses
from functions.api.models import AuditPage
from functions.api.routes.common import caller, contact_id_param
from functions.query import audit

router = APIGatewayHttpRouter()


@router.get(
    "/api/v1/contacts/<contact_id>/audit",
    summary="A contact's audit log: every change with its actor, source and before/after per field",
    tags=["contacts"],
    responses={
        200: {
            "description": "A page of entries, newest first",
            "content": {"application/json": {"model": AuditPage}},
        },
        **error_responses(400, 404),
    },
)
def contact_audit(
    contact_id: str,
    page_size: Annotated[int, Query(ge=1, le=audit.MAX_PAGE)] = 50,
    cursor: Annotated[str | None, Query(max_length=4000)] = None,
) -> AuditPage:
    who = caller(router, auth.CONTACTS_READ)
    cid = contact_id_param(contact_id)
    contacts.item_by_id(who.workspace_id, cid)  # 404 for another workspace's (or no) contact
    try:
        page = audit.page(read_model.database(), who.workspace_id, cid, limit=page_size, cursor=cursor)
    except audit.CursorError as exc:
        raise BadRequest(str(exc), field="cursor") from None
    return AuditPage.model_validate(
        {"data": page.entries, "meta": {"next_cursor": page.next_cursor, "has_more": page.has_more}}
    )
