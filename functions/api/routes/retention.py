"""The workspace's data-retention policy: read, set, dry-run and run it now (issue 14)."""

from __future__ import annotations

from typing import Annotated

from aws_lambda_powertools.event_handler.openapi.params import Query
from aws_lambda_powertools.event_handler.router import APIGatewayHttpRouter

from functions.api import auth, read_model
from functions.api.errors import BadRequest, error_responses
from functions.api.models import RetentionPolicy, RetentionRunOut
from functions.api.routes.common import caller
from functions.maintenance import retention

router = APIGatewayHttpRouter()
JSON = "application/json"
PATH = "/api/v1/config/retention-policy"


@router.get(
    PATH,
    summary="The workspace's retention policy (off by default)",
    tags=["config"],
    responses={200: {"description": "The policy", "content": {JSON: {"model": RetentionPolicy}}}},
)
def get_policy() -> RetentionPolicy:
    who = caller(router, auth.CONFIG_READ, auth.CONFIG_WRITE)
    return RetentionPolicy.model_validate(retention.get_policy(who.workspace_id).__dict__)


@router.put(
    PATH,
    summary="Set the retention policy: the scheduled maintenance run applies it daily",
    tags=["config"],
    responses={200: {"description": "The policy", "content": {JSON: {"model": RetentionPolicy}}}},
)
def put_policy(body: RetentionPolicy) -> RetentionPolicy:
    who = caller(router, auth.CONFIG_WRITE)
    policy = retention.Policy(enabled=body.enabled, days=body.days, audit_days=body.audit_days)
    return RetentionPolicy.model_validate(retention.put_policy(who.workspace_id, policy).__dict__)


@router.post(
    f"{PATH}/run",
    summary="Count (dry_run=true) or soft-delete now the contacts the policy applies to",
    description="Every deletion is audited (actor `retention`). `days` tries another period than the "
    "policy's; a dry run needs only config:read.",
    tags=["config"],
    responses={
        200: {"description": "What was found and done", "content": {JSON: {"model": RetentionRunOut}}},
        **error_responses(400),
    },
)
def run_policy(
    dry_run: Annotated[bool, Query()] = False,
    days: Annotated[int | None, Query(description="90, 180 or 365 (default: the policy's)")] = None,
) -> RetentionRunOut:
    who = caller(router, *((auth.CONFIG_READ, auth.CONFIG_WRITE) if dry_run else (auth.CONFIG_WRITE,)))
    if days is not None and days not in retention.PERIODS:
        raise BadRequest("days must be 90, 180 or 365", field="days")
    outcome = retention.run(read_model.database(), who.workspace_id, days=days, dry_run=dry_run)
    return RetentionRunOut.model_validate(outcome)
