"""Configuration: suppression lists, ICP tier rules, scoring model, assignment release, and the
workspace's enrichment provider keys (write-only)."""

from __future__ import annotations

from typing import Annotated, Literal

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.openapi.params import Query
from aws_lambda_powertools.event_handler.router import APIGatewayHttpRouter
from pydantic import BaseModel, Field

from functions.api import auth, config
from functions.api.errors import BadRequest, Forbidden, error_responses
from functions.api.models import (
    AssignmentsOut,
    Deleted,
    IcpRulesIn,
    IcpRulesOut,
    ReleaseRequest,
    ScoringModelIn,
    ScoringModelOut,
    SuppressionIn,
    SuppressionOut,
    SuppressionPage,
    _Strict,
)
from functions.api.routes.common import caller, ok_response, path_param
from functions.common import admin, config_store
from functions.common.errors import ConfigInvalid
from functions.enrich.providers import HTTP_PROVIDERS
from functions.enrich.stage import PROVIDER_KEY_PREFIX

router = APIGatewayHttpRouter()
JSON = "application/json"


def _config_caller(is_global: bool, *, write: bool) -> auth.Principal:
    scopes = (auth.CONFIG_WRITE,) if write else (auth.CONFIG_READ, auth.CONFIG_WRITE)
    if is_global:
        who = caller(router, auth.ADMIN_PLATFORM, *scopes)
        if not who.has(auth.ADMIN_PLATFORM):
            raise Forbidden("platform-wide suppressions need an admin key (scope admin:platform)")
        return who
    return caller(router, *scopes)


@router.post(
    "/api/v1/suppressions",
    summary="Suppress an email or a domain (@acme.com, with its subdomains); global: platform-wide (admin)",
    tags=["configuration"],
    responses=ok_response(SuppressionOut, "The suppression", 201),
)
def add_suppression(body: SuppressionIn) -> Response[SuppressionOut]:
    who = _config_caller(body.is_global, write=True)
    doc = config.add_suppression(who.workspace_id, body.value, body.reason, is_global=body.is_global)
    return Response(201, content_type=JSON, body=SuppressionOut.model_validate(doc))


@router.get(
    "/api/v1/suppressions",
    summary="The workspace's (or, for an admin, the platform's) suppression list",
    tags=["configuration"],
    responses=ok_response(SuppressionPage, "A page of suppressions"),
)
def list_suppressions(
    kind: Annotated[Literal["email", "domain"] | None, Query()] = None,
    is_global: Annotated[bool, Query(alias="global")] = False,
    page_size: Annotated[int, Query(ge=1, le=1000)] = 100,
    cursor: Annotated[str | None, Query(max_length=4000)] = None,
) -> SuppressionPage:
    who = _config_caller(is_global, write=False)
    return SuppressionPage.model_validate(
        config.list_suppressions(
            who.workspace_id, is_global=is_global, kind=kind, page_size=page_size, cursor=cursor
        )
    )


@router.delete(
    "/api/v1/suppressions/<value>",
    summary="Lift a suppression (an email, or @domain)",
    tags=["configuration"],
    responses={**ok_response(Deleted, "Removed"), **error_responses(404)},
)
def remove_suppression(value: str, is_global: Annotated[bool, Query(alias="global")] = False) -> Deleted:
    who = _config_caller(is_global, write=True)
    config.remove_suppression(
        who.workspace_id, path_param(value, "value", max_length=320), is_global=is_global
    )
    return Deleted()


@router.get(
    "/api/v1/config/icp-rules",
    summary="The ICP tier rules (ordered; the first match wins; no match is tier D)",
    tags=["configuration"],
    responses=ok_response(IcpRulesOut, "The rules"),
)
def get_icp_rules() -> IcpRulesOut:
    who = caller(router, auth.CONFIG_READ, auth.CONFIG_WRITE)
    return IcpRulesOut.model_validate({"rules": config.get_icp_rules(who.workspace_id)})


@router.put(
    "/api/v1/config/icp-rules",
    summary="Replace the ICP tier rules",
    tags=["configuration"],
    responses=ok_response(IcpRulesOut, "The stored rules"),
)
def put_icp_rules(body: IcpRulesIn) -> IcpRulesOut:
    who = caller(router, auth.CONFIG_WRITE)
    rules = [r.model_dump(mode="json") for r in body.rules]
    return IcpRulesOut.model_validate({"rules": config.set_icp_rules(who.workspace_id, rules)})


@router.get(
    "/api/v1/config/scoring-model",
    summary="The scoring model (weights, fit criteria, grade thresholds)",
    tags=["configuration"],
    responses=ok_response(ScoringModelOut, "The model (the defaults when none was set)"),
)
def get_scoring_model() -> ScoringModelOut:
    who = caller(router, auth.CONFIG_READ, auth.CONFIG_WRITE)
    return ScoringModelOut.model_validate(config.get_scoring_model(who.workspace_id))


@router.put(
    "/api/v1/config/scoring-model",
    summary="Replace the scoring model",
    tags=["configuration"],
    responses=ok_response(ScoringModelOut, "The stored model"),
)
def put_scoring_model(body: ScoringModelIn) -> ScoringModelOut:
    who = caller(router, auth.CONFIG_WRITE)
    return ScoringModelOut.model_validate(
        config.set_scoring_model(who.workspace_id, body.model_dump(mode="json"))
    )


@router.get(
    "/api/v1/assignments",
    summary="This workspace's ownership records of an email",
    tags=["configuration"],
    responses=ok_response(AssignmentsOut, "Active assignment and history"),
)
def get_assignments(email: Annotated[str, Query(min_length=3, max_length=320)]) -> AssignmentsOut:
    who = caller(router, auth.CONTACTS_READ, auth.CONFIG_READ, auth.CONFIG_WRITE)
    return AssignmentsOut.model_validate(config.assignments(who.workspace_id, email))


@router.post(
    "/api/v1/assignments/release",
    summary="Release a client's claim on an email so another client can import it",
    tags=["configuration"],
    responses={
        **ok_response(AssignmentsOut, "The email's records after the release"),
        **error_responses(404),
    },
)
def release_assignment(body: ReleaseRequest) -> AssignmentsOut:
    who = caller(router, auth.CONFIG_WRITE)
    return AssignmentsOut.model_validate(config.release(who.workspace_id, body.email, body.client_id))


# --- enrichment provider keys (write-only) ----------------------------------------------------------


class ProviderKeyIn(_Strict):
    key: Annotated[str, Field(min_length=8, max_length=4000, description="The provider's API key.")]


class ProviderKeyOut(BaseModel):
    """Whether the workspace has its own key for a provider; the key itself is never returned."""

    provider: str
    is_set: bool


class ProviderKeyList(BaseModel):
    data: list[ProviderKeyOut]


def _provider(name: str) -> str:
    provider = path_param(name, "provider", max_length=64)
    if provider not in HTTP_PROVIDERS:
        raise BadRequest(
            f"unknown provider {provider!r}; one of {', '.join(sorted(HTTP_PROVIDERS))}", field="provider"
        )
    return provider


def _key_state(workspace_id: str, provider: str) -> ProviderKeyOut:
    stored = config_store.get_doc(workspace_id, PROVIDER_KEY_PREFIX + provider)
    return ProviderKeyOut(provider=provider, is_set=bool(stored and stored.get("token")))


@router.get(
    "/api/v1/provider-keys",
    summary="The enrichment providers and whether the workspace has set its own key (never the key)",
    tags=["configuration"],
    responses=ok_response(ProviderKeyList, "One entry per provider"),
)
def list_provider_keys() -> ProviderKeyList:
    who = caller(router, auth.CONFIG_READ, auth.CONFIG_WRITE)
    return ProviderKeyList(data=[_key_state(who.workspace_id, p) for p in sorted(HTTP_PROVIDERS)])


@router.put(
    "/api/v1/provider-keys/<provider>",
    summary="Set the workspace's key for a provider (stored encrypted; write-only)",
    tags=["configuration"],
    responses={**ok_response(ProviderKeyOut, "Stored"), **error_responses(400)},
)
def put_provider_key(provider: str, body: ProviderKeyIn) -> ProviderKeyOut:
    who = caller(router, auth.CONFIG_WRITE)
    name = _provider(provider)
    try:
        admin.set_provider_key(who.workspace_id, name, body.key.strip())
    except ConfigInvalid as exc:
        raise BadRequest(str(exc), field="key") from None
    return _key_state(who.workspace_id, name)
