"""Contacts: list, get, create, bulk create, search, PATCH, tags, delete/restore; custom fields."""

from __future__ import annotations

from typing import Annotated, Literal

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.openapi.params import Body, Query
from aws_lambda_powertools.event_handler.router import APIGatewayHttpRouter

from functions.api import auth, contacts, custom_fields, read_model
from functions.api import options as api_options
from functions.api.errors import Forbidden, error_responses
from functions.api.models import (
    BulkOut,
    BulkRequest,
    ContactCreate,
    ContactDetail,
    ContactOut,
    ContactPage,
    ContactPatch,
    CustomFieldIn,
    CustomFieldList,
    CustomFieldOut,
    CustomFieldPatch,
    Deleted,
    DeleteRequest,
    FieldCatalog,
    HardDeleteOut,
    SearchRequest,
    TagChange,
)
from functions.api.routes.common import caller, contact_id_param, ok_response, path_param
from functions.common.rows import STANDARD_FIELDS
from functions.intake import custom_field_store
from functions.query import contacts as query_contacts
from functions.query import segments
from functions.query.db import get_database
from functions.query.sql import ListRequest

router = APIGatewayHttpRouter()
JSON = "application/json"


def _page(page: query_contacts.Page) -> dict:
    return {
        "data": contacts.views(page.items),
        "meta": {
            "next_cursor": page.next_cursor,
            "has_more": page.has_more,
            "total_count": page.total_count,
        },
    }


@router.get(
    "/api/v1/contacts",
    summary="List contacts",
    tags=["contacts"],
    responses={**ok_response(ContactPage, "A page of contacts"), **error_responses(400, 404)},
)
def list_contacts(
    page_size: Annotated[int, Query(ge=1, le=500)] = 50,
    cursor: Annotated[str | None, Query(max_length=4000)] = None,
    icp_tier: Annotated[
        str | None, Query(max_length=200, description="Comma-separated tiers (A,B,C,D).")
    ] = None,
    grade: Annotated[str | None, Query(max_length=200, description="Comma-separated grades.")] = None,
    tag: Annotated[
        str | None, Query(max_length=2000, description="Comma-separated; a contact must carry all.")
    ] = None,
    search: Annotated[str | None, Query(max_length=200)] = None,
    created_after: Annotated[str | None, Query(max_length=64)] = None,
    updated_after: Annotated[str | None, Query(max_length=64)] = None,
    is_deleted: Annotated[bool | None, Query()] = None,
    verification_status: Annotated[
        str | None,
        Query(
            max_length=200,
            description="Comma-separated email verification statuses (unverified, valid, invalid, "
            "risky, unknown); a contact never verified is unverified.",
        ),
    ] = None,
    segment_id: Annotated[
        str | None, Query(max_length=64, description="Only this segment's contacts.")
    ] = None,
    sort: Annotated[
        Literal["created_desc", "created_asc", "updated_desc", "lead_score_desc"], Query()
    ] = "created_desc",
) -> ContactPage:
    who = caller(router, auth.CONTACTS_READ)
    db = read_model.database()
    with read_model.as_bad_request():
        request = ListRequest.parse(
            icp_tier=icp_tier,
            grade=grade,
            tag=tag,
            search=search,
            created_after=created_after,
            updated_after=updated_after,
            is_deleted=is_deleted,
            verification_status=verification_status,
            segment_id=segment_id,
        )
        found = query_contacts.list_page(
            db,
            who.workspace_id,
            request,
            sort=sort,
            page_size=page_size,
            cursor=cursor,
            custom_types=read_model.custom_types(who.workspace_id) if segment_id else None,
        )
    return ContactPage.model_validate(_page(found))


@router.post(
    "/api/v1/contacts",
    summary="Create a contact (runs dedup, suppression, scoring and commit like an import)",
    tags=["contacts"],
    responses={
        **ok_response(ContactOut, "The contact already existed in this workspace (updated)"),
        **ok_response(ContactOut, "Created", 201),
        **error_responses(409, 422),
    },
)
def create_contact(body: ContactCreate) -> Response[ContactOut]:
    who = caller(router, auth.CONTACTS_WRITE)
    status, doc = contacts.create_one(who.workspace_id, body.model_dump())
    return Response(status, content_type=JSON, body=ContactOut.model_validate(doc))


@router.post(
    "/api/v1/contacts/bulk",
    summary="Create up to 1,000 contacts; per-row status breakdown",
    tags=["contacts"],
    responses=ok_response(BulkOut, "What became of each contact"),
)
def bulk_create(body: BulkRequest) -> BulkOut:
    who = caller(router, auth.CONTACTS_WRITE)
    resolved = api_options.resolve(body.options, where="bulk create", not_here=api_options.FILE_ONLY)
    out = contacts.create_bulk(who.workspace_id, [c.model_dump() for c in body.contacts], resolved)
    return BulkOut.model_validate(out)


@router.post(
    "/api/v1/contacts/search",
    summary="Search contacts with filters (AND/OR, nested groups) and sort",
    tags=["contacts"],
    responses={**ok_response(ContactPage, "A page of matching contacts"), **error_responses(400, 404)},
)
def search_contacts(body: SearchRequest) -> ContactPage:
    who = caller(router, auth.CONTACTS_READ)
    db = read_model.database()
    with read_model.as_bad_request():
        found = query_contacts.search(
            db,
            who.workspace_id,
            query_contacts.group_from(body.model_dump()),
            sort=[(s.field, s.direction == "desc") for s in body.sort],
            page_size=body.page_size,
            cursor=body.cursor,
            custom_types=read_model.custom_types(who.workspace_id),
            segment_id=body.segment_id,
        )
    return ContactPage.model_validate(_page(found))


@router.get(
    "/api/v1/contacts/<contact_id>",
    summary="Get a contact",
    tags=["contacts"],
    responses={
        **ok_response(ContactDetail, "The contact (from DynamoDB) and the segments it is in"),
        **error_responses(404),
    },
)
def get_contact(contact_id: str) -> ContactDetail:
    who = caller(router, auth.CONTACTS_READ)
    doc = contacts.get(who.workspace_id, contact_id_param(contact_id))
    db = get_database()
    if db is not None:
        doc["segments"] = segments.of_contact(
            db, who.workspace_id, doc["id"], read_model.custom_types(who.workspace_id)
        )
    return ContactDetail.model_validate(doc)


@router.patch(
    "/api/v1/contacts/<contact_id>",
    summary="Update the given fields of a contact (tags replaces the list)",
    tags=["contacts"],
    responses={**ok_response(ContactOut, "The updated contact"), **error_responses(404, 409)},
)
def patch_contact(
    contact_id: str,
    body: ContactPatch,
    confirm_affected: Annotated[
        int | None, Query(ge=0, description="With `company`: the contacts the company edit changes.")
    ] = None,
    force_merge: Annotated[
        bool,
        Query(description="admin:compliance: an email another contact here has merges this one into it."),
    ] = False,
) -> ContactOut:
    who = caller(router, auth.CONTACTS_WRITE)
    if force_merge and not who.has(auth.ADMIN_COMPLIANCE):
        raise Forbidden("force_merge needs the admin:compliance scope")
    changes = body.model_dump(include=body.model_fields_set)
    if body.company is not None:
        changes["company"] = body.company.model_dump(include=body.company.model_fields_set)
    doc = contacts.patch(
        who.workspace_id,
        contact_id_param(contact_id),
        changes,
        confirm_affected=confirm_affected,
        force_merge=force_merge,
    )
    return ContactOut.model_validate(doc)


@router.post(
    "/api/v1/contacts/<contact_id>/tags",
    summary="Add and remove tags without replacing the list",
    tags=["contacts"],
    responses={**ok_response(ContactOut, "The updated contact"), **error_responses(404, 409)},
)
def change_tags(contact_id: str, body: TagChange) -> ContactOut:
    who = caller(router, auth.CONTACTS_WRITE)
    doc = contacts.change_tags(who.workspace_id, contact_id_param(contact_id), body.add, body.remove)
    return ContactOut.model_validate(doc)


@router.post(
    "/api/v1/contacts/<contact_id>/restore",
    summary="Restore a soft-deleted contact",
    tags=["contacts"],
    responses={**ok_response(ContactOut, "The restored contact"), **error_responses(404, 409)},
)
def restore_contact(contact_id: str) -> ContactOut:
    who = caller(router, auth.CONTACTS_WRITE)
    return ContactOut.model_validate(contacts.restore(who.workspace_id, contact_id_param(contact_id)))


@router.delete(
    "/api/v1/contacts/<contact_id>",
    summary="Soft delete a contact; ?hard=true erases it (GDPR, needs admin:gdpr)",
    tags=["contacts"],
    responses={
        **ok_response(
            ContactOut | HardDeleteOut, "The soft-deleted contact, or the retention record of a hard delete"
        ),
        **error_responses(404, 409),
    },
)
def delete_contact(
    contact_id: str,
    hard: Annotated[bool, Query()] = False,
    body: Annotated[DeleteRequest | None, Body()] = None,
) -> ContactOut | HardDeleteOut:
    contact_id = contact_id_param(contact_id)
    reason = body.deletion_reason if body else None
    if hard:
        who = caller(router, auth.ADMIN_GDPR, auth.CONTACTS_WRITE)
        if not who.has(auth.ADMIN_GDPR):
            raise Forbidden("a hard (GDPR) delete needs the admin:gdpr scope")
        entry = contacts.hard_delete(who.workspace_id, contact_id, requested_by=who.key_id, reason=reason)
        return HardDeleteOut.model_validate({"retention": entry})
    who = caller(router, auth.CONTACTS_WRITE)
    return ContactOut.model_validate(contacts.soft_delete(who.workspace_id, contact_id, reason))


# --- custom fields -----------------------------------------------------------------------------------


@router.get(
    "/api/v1/custom-fields",
    summary="List the workspace's custom fields",
    tags=["custom fields"],
    responses=ok_response(CustomFieldList, "Every custom field"),
)
def list_custom_fields() -> CustomFieldList:
    who = caller(router, auth.CONTACTS_READ, auth.CONFIG_READ, auth.CONFIG_WRITE)
    docs = sorted(custom_field_store.list_docs(who.workspace_id), key=lambda d: d["name"])
    return CustomFieldList.model_validate({"data": docs})


@router.get(
    "/api/v1/fields",
    summary="Every field a column can map to: the standard fields and the workspace's custom fields",
    tags=["custom fields"],
    responses=ok_response(FieldCatalog, "The standard and custom fields"),
)
def list_fields() -> FieldCatalog:
    who = caller(router, auth.CONTACTS_READ, auth.IMPORTS_READ, auth.IMPORTS_WRITE, auth.CONFIG_READ)
    docs = sorted(custom_field_store.list_docs(who.workspace_id), key=lambda d: d["name"])
    return FieldCatalog.model_validate({"standard": list(STANDARD_FIELDS), "custom": docs})


@router.post(
    "/api/v1/custom-fields",
    summary="Create a custom field (at most 50 per workspace)",
    tags=["custom fields"],
    responses={**ok_response(CustomFieldOut, "Created", 201), **error_responses(409)},
)
def create_custom_field(body: CustomFieldIn) -> Response[CustomFieldOut]:
    who = caller(router, auth.CONFIG_WRITE)
    doc = custom_fields.create(who.workspace_id, body.model_dump(exclude_none=True))
    return Response(201, content_type=JSON, body=CustomFieldOut.model_validate(doc))


@router.get(
    "/api/v1/custom-fields/<name>",
    summary="Get a custom field",
    tags=["custom fields"],
    responses={**ok_response(CustomFieldOut, "The custom field"), **error_responses(404)},
)
def get_custom_field(name: str) -> CustomFieldOut:
    who = caller(router, auth.CONTACTS_READ, auth.CONFIG_READ, auth.CONFIG_WRITE)
    return CustomFieldOut.model_validate(custom_fields.get_doc(who.workspace_id, path_param(name, "name")))


@router.patch(
    "/api/v1/custom-fields/<name>",
    summary="Change a custom field's label, options or fallback (not its type)",
    tags=["custom fields"],
    responses={**ok_response(CustomFieldOut, "The custom field"), **error_responses(404)},
)
def patch_custom_field(name: str, body: CustomFieldPatch) -> CustomFieldOut:
    who = caller(router, auth.CONFIG_WRITE)
    changes = body.model_dump(include=body.model_fields_set)
    return CustomFieldOut.model_validate(
        custom_fields.update(who.workspace_id, path_param(name, "name"), changes)
    )


@router.delete(
    "/api/v1/custom-fields/<name>",
    summary="Delete a custom field (values already on contacts stay)",
    tags=["custom fields"],
    responses={**ok_response(Deleted, "Deleted"), **error_responses(404)},
)
def delete_custom_field(name: str) -> Deleted:
    who = caller(router, auth.CONFIG_WRITE)
    custom_fields.delete(who.workspace_id, path_param(name, "name"))
    return Deleted()
