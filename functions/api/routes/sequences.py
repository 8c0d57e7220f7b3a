"""Hand-off to sequences over the API: enroll contacts, read what the sequence engine reported
back, and the workspace's enrollment rule (which ICP tiers may be enrolled)."""

from __future__ import annotations

from typing import Annotated, Any

from aws_lambda_powertools.event_handler.router import APIGatewayHttpRouter
from pydantic import BaseModel, Field

from functions.api import auth, contacts
from functions.api.errors import BadRequest, Conflict, error_responses
from functions.api.routes.common import caller, contact_id_param, path_param
from functions.common.contact_ids import MAX_LENGTH as CONTACT_ID_MAX
from functions.events import enrollment, sequences

router = APIGatewayHttpRouter()
JSON = "application/json"

Tier = Annotated[str, Field(pattern="^[A-Da-d]$")]


class EnrollIn(BaseModel):
    contact_ids: Annotated[
        list[Annotated[str, Field(min_length=1, max_length=CONTACT_ID_MAX)]],
        Field(min_length=1, max_length=sequences.MAX_CONTACTS),
    ]


class EnrollError(BaseModel):
    code: str = Field(description="not_found, do_not_touch, deleted, suppressed or not_in_enrollment_rule")
    message: str


class EnrollOutcome(BaseModel):
    contact_id: str
    status: str = Field(description="requested or refused")
    error: EnrollError | None = None


class EnrollMeta(BaseModel):
    sequence_id: str
    requested: int
    refused: int
    deliveries_queued: int


class EnrollOut(BaseModel):
    data: list[EnrollOutcome]
    meta: EnrollMeta


class Enrollment(BaseModel):
    sequence_id: str | None
    enrollment_id: str | None = None
    workflow_id: str | None = None
    status: str = Field(description="active (started, not finished) or finished")
    started_at: str | None = None
    finished_at: str | None = None
    outcome: str | None = None
    event_ids: list[str]


class EnrollmentList(BaseModel):
    data: list[Enrollment]


class EnrollmentRule(BaseModel):
    icp_tiers: list[Tier] | None = Field(
        default=None, description="The ICP tiers that may be enrolled; null allows every tier."
    )


def _ok(model: Any, description: str) -> dict[int, Any]:
    return {200: {"description": description, "content": {JSON: {"model": model}}}}


@router.post(
    "/api/v1/sequences/<sequence_id>/enroll",
    summary="Request enrollment of contacts in a sequence (same checks as an import's workflow_id)",
    tags=["sequences"],
    responses={**_ok(EnrollOut, "What became of each contact"), **error_responses(409)},
)
def enroll(sequence_id: str, body: EnrollIn) -> EnrollOut:
    who = caller(router, auth.CONTACTS_WRITE)
    seq = path_param(sequence_id, "sequence_id", max_length=128)
    try:
        result = sequences.enroll(who.workspace_id, seq, body.contact_ids)
    except sequences.NoSequenceEngine as exc:
        raise Conflict(str(exc)) from exc
    return EnrollOut.model_validate(result)


@router.get(
    "/api/v1/contacts/<contact_id>/enrollments",
    summary="A contact's sequence enrollments, as the sequence engine reported them",
    tags=["sequences"],
    responses={**_ok(EnrollmentList, "Enrollments, newest first"), **error_responses(404)},
)
def list_enrollments(contact_id: str) -> EnrollmentList:
    who = caller(router, auth.CONTACTS_READ)
    contact = contacts.item_by_id(who.workspace_id, contact_id_param(contact_id))
    return EnrollmentList(
        data=[
            Enrollment.model_validate(e)
            for e in sequences.contact_enrollments(who.workspace_id, contact["email"])
        ]
    )


@router.get(
    "/api/v1/config/enrollment-rule",
    summary="Which ICP tiers may be enrolled in sequences",
    tags=["configuration"],
    responses=_ok(EnrollmentRule, "The rule (icp_tiers null: every tier)"),
)
def get_enrollment_rule() -> EnrollmentRule:
    who = caller(router, auth.CONFIG_READ, auth.CONFIG_WRITE)
    return EnrollmentRule.model_validate(enrollment.rule_view(who.workspace_id))


@router.put(
    "/api/v1/config/enrollment-rule",
    summary="Set which ICP tiers may be enrolled (null: every tier)",
    tags=["configuration"],
    responses=_ok(EnrollmentRule, "The stored rule"),
)
def put_enrollment_rule(body: EnrollmentRule) -> EnrollmentRule:
    who = caller(router, auth.CONFIG_WRITE)
    try:
        return EnrollmentRule.model_validate(enrollment.set_rule(who.workspace_id, body.icp_tiers))
    except ValueError as exc:
        raise BadRequest(str(exc), field="icp_tiers") from exc
