"""Merging two contacts and undoing a merge within 7 days (issue 14)."""

from __future__ import annotations

from aws_lambda_powertools.event_handler.router import APIGatewayHttpRouter

from functions.api import auth, contacts, merges
from functions.api.errors import error_responses
from functions.api.models import MergeOut, MergeRequest, MergeUndoOut
from functions.api.routes.common import caller, contact_id_param, path_param

router = APIGatewayHttpRouter()
JSON = "application/json"


@router.post(
    "/api/v1/contacts/<contact_id>/merge",
    summary="Merge another contact into this one: tags united, blanks filled, the older id survives",
    description="The newer contact is archived (not deleted); conflicts are reported. Undo within 7 days "
    "with POST /api/v1/merges/{merge_id}/undo.",
    tags=["contacts"],
    responses={
        200: {"description": "The merge", "content": {JSON: {"model": MergeOut}}},
        **error_responses(400, 404, 409),
    },
)
def merge_contacts(contact_id: str, body: MergeRequest) -> MergeOut:
    who = caller(router, auth.CONTACTS_WRITE)
    a = contacts.item_by_id(who.workspace_id, contact_id_param(contact_id))
    b = contacts.item_by_id(who.workspace_id, body.other_id)
    done = merges.merge(who.workspace_id, a, b)
    return MergeOut.model_validate(
        {
            "merge_id": done["merge_id"],
            "contact": contacts.views([done["contact"]])[0],
            "conflicts": done["conflicts"],
            "archived_id": done["record"]["archived_id"],
            "undo_until": done["record"]["undo_until"],
        }
    )


@router.post(
    "/api/v1/merges/<merge_id>/undo",
    summary="Undo a merge within 7 days: both contacts exactly as before it",
    description="409 `merge_permanent` after 7 days; 409 `conflict` when either contact changed since. "
    "Undoing twice answers the same.",
    tags=["contacts"],
    responses={
        200: {"description": "The undone merge", "content": {JSON: {"model": MergeUndoOut}}},
        **error_responses(404, 409),
    },
)
def undo_merge(merge_id: str) -> MergeUndoOut:
    who = caller(router, auth.CONTACTS_WRITE)
    record = merges.undo(who.workspace_id, path_param(merge_id, "merge_id"))
    items = [contacts.item_by_id(who.workspace_id, record[k]) for k in ("survivor_id", "archived_id")]
    return MergeUndoOut.model_validate({**merges.view(record), "contacts": contacts.views(items)})
