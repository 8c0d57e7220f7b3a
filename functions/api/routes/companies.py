"""Companies: get one by its stable id, with the workspace's contact count; edit one."""

from __future__ import annotations

from typing import Annotated

from aws_lambda_powertools.event_handler.openapi.params import Query
from aws_lambda_powertools.event_handler.router import APIGatewayHttpRouter

from functions.api import auth, companies
from functions.api.errors import NotFound, error_responses
from functions.api.models import CompanyAuditPage, CompanyDetail, CompanyEditOut, CompanyPatch
from functions.api.routes.common import caller, path_param
from functions.common import company_ids
from functions.query.audit import MAX_PAGE

router = APIGatewayHttpRouter()


@router.get(
    "/api/v1/companies/<company_id>",
    summary="Get a company and the number of the workspace's contacts at it",
    tags=["companies"],
    responses={
        200: {"description": "The company", "content": {"application/json": {"model": CompanyDetail}}},
        **error_responses(404),
    },
)
def get_company(company_id: str) -> CompanyDetail:
    who = caller(router, auth.CONTACTS_READ)
    doc = companies.get(who.workspace_id, path_param(company_id, "company_id"))
    if doc is None:
        raise NotFound(f"there is no company {company_id!r}", field="company_id")
    return CompanyDetail.model_validate(doc)


@router.patch(
    "/api/v1/companies/<company_id>",
    summary="Edit a company (its id or domain): every contact at the domain shows the change",
    description=f"Above {companies.CONFIRM_ABOVE} affected contacts the call must repeat the count as "
    "`confirm_affected` (409 `conflict` otherwise, naming the count); `dry_run=true` only counts.",
    tags=["companies"],
    responses={
        200: {
            "description": "The company and how many contacts it affects",
            "content": {"application/json": {"model": CompanyEditOut}},
        },
        **error_responses(400, 404, 409),
    },
)
def patch_company(
    company_id: str,
    body: CompanyPatch,
    dry_run: Annotated[bool, Query()] = False,
    confirm_affected: Annotated[int | None, Query(ge=0)] = None,
) -> CompanyEditOut:
    who = caller(router, auth.CONTACTS_WRITE)
    doc = companies.edit(
        who.workspace_id,
        path_param(company_id, "company_id"),
        body.model_dump(include=body.model_fields_set),
        dry_run=dry_run,
        confirm_affected=confirm_affected,
    )
    return CompanyEditOut.model_validate(doc)


@router.get(
    "/api/v1/companies/<company_id>/audit",
    summary="A company's edits by this workspace, newest first: actor, before/after, contacts affected",
    description="A company edit changes the Company row, not its contacts' rows, so it is audited "
    "once, with the number of the workspace's contacts that showed the change.",
    tags=["companies"],
    responses={
        200: {
            "description": "A page of entries, newest first",
            "content": {"application/json": {"model": CompanyAuditPage}},
        },
        **error_responses(400, 404),
    },
)
def company_audit(
    company_id: str,
    page_size: Annotated[int, Query(ge=1, le=MAX_PAGE)] = 50,
    cursor: Annotated[str | None, Query(max_length=4000)] = None,
) -> CompanyAuditPage:
    who = caller(router, auth.CONTACTS_READ)
    value = path_param(company_id, "company_id")
    domain = companies.domain_for(value)
    # a workspace sees the audit of the companies its own contacts are at
    if domain is None or companies.get(who.workspace_id, company_ids.company_id(domain)) is None:
        raise NotFound(f"there is no company {company_id!r}", field="company_id")
    return CompanyAuditPage.model_validate(
        companies.audit_page(who.workspace_id, value, page_size=page_size, cursor=cursor)
    )
