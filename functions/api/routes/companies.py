"""Companies: get one by its stable id, with the workspace's contact count."""

from __future__ import annotations

from aws_lambda_powertools.event_handler.router import APIGatewayHttpRouter

from functions.api import auth, companies
from functions.api.errors import NotFound, error_responses
from functions.api.models import CompanyDetail
from functions.api.routes.common import caller, path_param

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
