"""Segments: dynamic (a stored filter) and static (explicit members), with their counts."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.router import APIGatewayHttpRouter

from functions.api import auth, read_model
from functions.api.errors import error_responses
from functions.api.models import (
    Deleted,
    SegmentIn,
    SegmentList,
    SegmentMembersIn,
    SegmentMembersOut,
    SegmentOut,
    SegmentPatch,
)
from functions.api.routes.common import caller, ok_response, path_param
from functions.query import segments

router = APIGatewayHttpRouter()
JSON = "application/json"


def _out(workspace_id: str, doc: dict[str, Any], types: dict[str, str]) -> SegmentOut:
    count = segments.count(read_model.database(), workspace_id, doc["id"], types)
    return SegmentOut.model_validate({**doc, "contact_count": count})


@router.post(
    "/api/v1/segments",
    summary="Create a segment: dynamic (a filter, evaluated on read) or static (explicit members)",
    tags=["segments"],
    responses={**ok_response(SegmentOut, "Created", 201), **error_responses(400)},
)
def create_segment(body: SegmentIn) -> Response[SegmentOut]:
    who = caller(router, auth.CONTACTS_WRITE)
    types = read_model.custom_types(who.workspace_id)
    with read_model.as_bad_request():
        doc = segments.create(who.workspace_id, body.model_dump(exclude_none=True), types)
        out = _out(who.workspace_id, doc, types)
    return Response(201, content_type=JSON, body=out)


@router.get(
    "/api/v1/segments",
    summary="List the workspace's segments with their contact counts",
    tags=["segments"],
    responses=ok_response(SegmentList, "Every segment"),
)
def list_segments() -> SegmentList:
    who = caller(router, auth.CONTACTS_READ)
    types = read_model.custom_types(who.workspace_id)
    with read_model.as_bad_request():
        docs = [_out(who.workspace_id, d, types) for d in segments.list_docs(who.workspace_id)]
    return SegmentList(data=docs)


@router.get(
    "/api/v1/segments/<segment_id>",
    summary="Get a segment with its contact count",
    tags=["segments"],
    responses={**ok_response(SegmentOut, "The segment"), **error_responses(404)},
)
def get_segment(segment_id: str) -> SegmentOut:
    who = caller(router, auth.CONTACTS_READ)
    types = read_model.custom_types(who.workspace_id)
    with read_model.as_bad_request():
        doc = segments.get_doc(who.workspace_id, path_param(segment_id, "segment_id"))
        return _out(who.workspace_id, doc, types)


@router.patch(
    "/api/v1/segments/<segment_id>",
    summary="Rename a segment or change a dynamic segment's filter",
    tags=["segments"],
    responses={**ok_response(SegmentOut, "The segment"), **error_responses(400, 404)},
)
def patch_segment(segment_id: str, body: SegmentPatch) -> SegmentOut:
    who = caller(router, auth.CONTACTS_WRITE)
    types = read_model.custom_types(who.workspace_id)
    changes = body.model_dump(include=body.model_fields_set)
    with read_model.as_bad_request():
        doc = segments.update(who.workspace_id, path_param(segment_id, "segment_id"), changes, types)
        return _out(who.workspace_id, doc, types)


@router.delete(
    "/api/v1/segments/<segment_id>",
    summary="Delete a segment (its contacts stay)",
    tags=["segments"],
    responses={**ok_response(Deleted, "Deleted"), **error_responses(404)},
)
def delete_segment(segment_id: str) -> Deleted:
    who = caller(router, auth.CONTACTS_WRITE)
    with read_model.as_bad_request():
        segments.delete(read_model.database(), who.workspace_id, path_param(segment_id, "segment_id"))
    return Deleted()


@router.post(
    "/api/v1/segments/<segment_id>/members",
    summary="Add or remove a static segment's members, by ids or by a filter",
    tags=["segments"],
    responses={**ok_response(SegmentMembersOut, "What changed"), **error_responses(400, 404)},
)
def change_members(segment_id: str, body: SegmentMembersIn) -> SegmentMembersOut:
    who = caller(router, auth.CONTACTS_WRITE)
    types = read_model.custom_types(who.workspace_id)
    with read_model.as_bad_request():
        out = segments.change_members(
            read_model.database(),
            who.workspace_id,
            path_param(segment_id, "segment_id"),
            add=body.add,
            remove=body.remove,
            add_filter=body.add_filter.model_dump() if body.add_filter else None,
            custom_types=types,
        )
    return SegmentMembersOut.model_validate(out)
