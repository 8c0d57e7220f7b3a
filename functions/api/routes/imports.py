"""Imports: create (presigned upload), list, get, resume, reports, preview; field mappings."""

from __future__ import annotations

from typing import Annotated, Literal

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.openapi.params import Query
from aws_lambda_powertools.event_handler.router import APIGatewayHttpRouter

from functions.api import auth, imports
from functions.api import options as api_options
from functions.api.errors import BadRequest, error_responses
from functions.api.models import (
    Deleted,
    FieldMappingIn,
    FieldMappingList,
    FieldMappingOut,
    ImportCreate,
    ImportOptions,
    ImportOut,
    ImportPage,
    PreviewOut,
    PreviewRequest,
    ReportLink,
)
from functions.api.routes.common import caller, ok_response, path_param

router = APIGatewayHttpRouter()
JSON = "application/json"


@router.post(
    "/api/v1/imports",
    summary="Create an import: the job, and a presigned S3 POST for its file (the upload starts it)",
    description="The body is `filename` and `options` (the same options object as preview, bulk "
    "create and webhooks). The flat form, with each option at the top level, is deprecated: it "
    "still works until its sunset and is answered with `Deprecation`, `Sunset` and `Link` headers.",
    tags=["imports"],
    responses={**ok_response(ImportOut, "The queued job with its upload form", 201), **error_responses(404)},
)
def create_import(body: ImportCreate) -> Response[ImportOut]:
    who = caller(router, auth.IMPORTS_WRITE)
    flat = body.flat_options()
    if flat and body.options is not None:
        first = sorted(flat)[0]
        raise BadRequest(
            f"{first}: give every option inside `options`, not also at the top level", field=first
        )
    options = ImportOptions.model_validate(flat) if flat else body.options
    resolved = api_options.resolve(options, where="import create")
    doc = imports.create(who.workspace_id, {"filename": body.filename, **resolved})
    headers = api_options.deprecation_headers() if flat else None
    return Response(201, content_type=JSON, body=ImportOut.model_validate(doc), headers=headers)


@router.get(
    "/api/v1/imports",
    summary="List the workspace's imports, newest first",
    tags=["imports"],
    responses=ok_response(ImportPage, "A page of imports"),
)
def list_imports(
    page_size: Annotated[int, Query(ge=1, le=100)] = 20,
    cursor: Annotated[str | None, Query(max_length=4000)] = None,
    status: Annotated[Literal["queued", "running", "complete", "failed", "rejected"] | None, Query()] = None,
) -> ImportPage:
    who = caller(router, auth.IMPORTS_READ, auth.IMPORTS_WRITE)
    return ImportPage.model_validate(
        imports.list_jobs(who.workspace_id, page_size=page_size, cursor=cursor, status=status)
    )


@router.post(
    "/api/v1/imports/preview",
    summary="Predict the first 100 rows' outcome against live data; writes nothing",
    tags=["imports"],
    responses={**ok_response(PreviewOut, "The predicted status of each row"), **error_responses(404)},
)
def preview_import(body: PreviewRequest) -> PreviewOut:
    who = caller(router, auth.IMPORTS_WRITE, auth.IMPORTS_READ)
    doc = body.model_dump(exclude_none=True)
    doc["options"] = api_options.resolve(body.options, where="preview")
    return PreviewOut.model_validate(imports.preview(who.workspace_id, doc))


@router.get(
    "/api/v1/imports/<job_id>",
    summary="An import: stage, counters, percent done",
    tags=["imports"],
    responses={**ok_response(ImportOut, "The import"), **error_responses(404)},
)
def get_import(job_id: str) -> ImportOut:
    who = caller(router, auth.IMPORTS_READ, auth.IMPORTS_WRITE)
    return ImportOut.model_validate(imports.get(who.workspace_id, path_param(job_id, "job_id")))


@router.post(
    "/api/v1/imports/<job_id>/resume",
    summary="Start a previewed import, or resume a failed one from the stage where it stopped",
    tags=["imports"],
    responses={**ok_response(ImportOut, "The import, started", 202), **error_responses(404, 409)},
)
def resume_import(job_id: str) -> Response[ImportOut]:
    who = caller(router, auth.IMPORTS_WRITE)
    doc = imports.resume(who.workspace_id, path_param(job_id, "job_id"))
    return Response(202, content_type=JSON, body=ImportOut.model_validate(doc))


@router.get(
    "/api/v1/imports/<job_id>/results",
    summary="A download link (7 days) for the results CSV: every row with its status and reason",
    tags=["imports"],
    responses={**ok_response(ReportLink, "A presigned download link"), **error_responses(404, 409)},
)
def results_link(job_id: str) -> ReportLink:
    who = caller(router, auth.IMPORTS_READ, auth.IMPORTS_WRITE)
    return ReportLink.model_validate(
        imports.report_link(who.workspace_id, path_param(job_id, "job_id"), "results")
    )


@router.get(
    "/api/v1/imports/<job_id>/errors",
    summary="A download link (7 days) for the error CSV: only the errored rows, ready to fix",
    tags=["imports"],
    responses={**ok_response(ReportLink, "A presigned download link"), **error_responses(404, 409)},
)
def errors_link(job_id: str) -> ReportLink:
    who = caller(router, auth.IMPORTS_READ, auth.IMPORTS_WRITE)
    return ReportLink.model_validate(
        imports.report_link(who.workspace_id, path_param(job_id, "job_id"), "errors")
    )


# --- field mappings -----------------------------------------------------------------------------------


@router.post(
    "/api/v1/field-mappings",
    summary="Save a column mapping to reuse (field_mapping_id on an import)",
    tags=["imports"],
    responses=ok_response(FieldMappingOut, "Created", 201),
)
def create_mapping(body: FieldMappingIn) -> Response[FieldMappingOut]:
    who = caller(router, auth.IMPORTS_WRITE, auth.CONFIG_WRITE)
    doc = imports.create_mapping(who.workspace_id, body.name, body.columns)
    return Response(201, content_type=JSON, body=FieldMappingOut.model_validate(doc))


@router.get(
    "/api/v1/field-mappings",
    summary="The workspace's saved mappings",
    tags=["imports"],
    responses=ok_response(FieldMappingList, "Every saved mapping"),
)
def list_mappings() -> FieldMappingList:
    who = caller(router, auth.IMPORTS_READ, auth.IMPORTS_WRITE, auth.CONFIG_READ, auth.CONFIG_WRITE)
    return FieldMappingList.model_validate({"data": imports.list_mappings(who.workspace_id)})


@router.get(
    "/api/v1/field-mappings/<mapping_id>",
    summary="A saved mapping",
    tags=["imports"],
    responses={**ok_response(FieldMappingOut, "The mapping"), **error_responses(404)},
)
def get_mapping(mapping_id: str) -> FieldMappingOut:
    who = caller(router, auth.IMPORTS_READ, auth.IMPORTS_WRITE, auth.CONFIG_READ, auth.CONFIG_WRITE)
    return FieldMappingOut.model_validate(
        imports.get_mapping(who.workspace_id, path_param(mapping_id, "mapping_id"))
    )


@router.delete(
    "/api/v1/field-mappings/<mapping_id>",
    summary="Delete a saved mapping",
    tags=["imports"],
    responses={**ok_response(Deleted, "Deleted"), **error_responses(404)},
)
def delete_mapping(mapping_id: str) -> Deleted:
    who = caller(router, auth.IMPORTS_WRITE, auth.CONFIG_WRITE)
    imports.delete_mapping(who.workspace_id, path_param(mapping_id, "mapping_id"))
    return Deleted()
