"""Outbound contact webhooks: subscriptions (secret shown once), their deliveries, replay."""

from __future__ import annotations

from typing import Annotated, Any

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.openapi.params import Query
from aws_lambda_powertools.event_handler.router import APIGatewayHttpRouter
from pydantic import BaseModel, Field

from functions.api import auth
from functions.api.errors import BadRequest, NotFound, error_responses
from functions.api.routes.common import caller, ok_response, path_param
from functions.events import delivery, subscriptions
from functions.events.outbound import EVENT_TYPES

router = APIGatewayHttpRouter()
JSON = "application/json"
BASE = "/api/v1/webhooks/subscriptions"


class SubscriptionIn(BaseModel):
    url: Annotated[str, Field(min_length=1, max_length=2000, description="https only on AWS")]
    event_types: Annotated[
        list[str], Field(min_length=1, max_length=len(EVENT_TYPES), description=", ".join(EVENT_TYPES))
    ]
    description: Annotated[str | None, Field(max_length=500)] = None


class SubscriptionPatch(BaseModel):
    url: Annotated[str | None, Field(min_length=1, max_length=2000)] = None
    event_types: Annotated[list[str] | None, Field(min_length=1, max_length=len(EVENT_TYPES))] = None
    description: Annotated[str | None, Field(max_length=500)] = None
    active: bool | None = None
    rotate_secret: bool = Field(False, description="A new secret, returned once in this answer")


class SubscriptionOut(BaseModel):
    id: str
    workspace_id: str
    url: str
    event_types: list[str]
    description: str | None = None
    active: bool
    created_at: str
    updated_at: str
    secret: str | None = Field(
        None, description="Only when created or rotated: store it, it is not shown again"
    )


class SubscriptionList(BaseModel):
    data: list[SubscriptionOut]


class DeliveryOut(BaseModel):
    id: str
    subscription_id: str
    event_id: str | None
    event_type: str | None
    status: str = Field(description="pending, delivered or dead_lettered")
    attempt_count: int
    attempts: list[dict[str, Any]]
    next_attempt_at: str | None = None
    created_at: str | None = None
    delivered_at: str | None = None
    dead_lettered_at: str | None = None


class DeliveryMeta(BaseModel):
    next_cursor: str | None = None
    has_more: bool


class DeliveryPage(BaseModel):
    data: list[DeliveryOut]
    meta: DeliveryMeta


def _invalid(exc: subscriptions.SubscriptionInvalid) -> BadRequest:
    return BadRequest(str(exc), field=exc.field)


def _owned(workspace_id: str, subscription_id: str) -> dict[str, Any]:
    doc = subscriptions.get(workspace_id, path_param(subscription_id, "subscription_id"))
    if doc is None:
        raise NotFound(f"no webhook subscription {subscription_id} in this workspace")
    return doc


@router.post(
    BASE,
    summary="Subscribe a URL to contact events; the signing secret is in this answer only",
    tags=["webhooks"],
    responses={
        201: {"description": "The subscription", "content": {JSON: {"model": SubscriptionOut}}},
        **error_responses(400),
    },
)
def create(body: SubscriptionIn) -> Response[SubscriptionOut]:
    who = caller(router, auth.CONFIG_WRITE)
    try:
        doc = subscriptions.create(who.workspace_id, body.url, body.event_types, body.description)
    except subscriptions.SubscriptionInvalid as exc:
        raise _invalid(exc) from None
    return Response(201, content_type=JSON, body=SubscriptionOut.model_validate(doc))


@router.get(BASE, summary="The workspace's webhook subscriptions", tags=["webhooks"])
def list_subscriptions() -> SubscriptionList:
    who = caller(router, auth.CONFIG_READ, auth.CONFIG_WRITE)
    docs = [subscriptions.public(d) for d in subscriptions.list_all(who.workspace_id)]
    return SubscriptionList.model_validate({"data": docs})


@router.get(
    f"{BASE}/<subscription_id>",
    summary="One subscription",
    tags=["webhooks"],
    responses={**ok_response(SubscriptionOut, "The subscription"), **error_responses(404)},
)
def get_subscription(subscription_id: str) -> SubscriptionOut:
    who = caller(router, auth.CONFIG_READ, auth.CONFIG_WRITE)
    return SubscriptionOut.model_validate(subscriptions.public(_owned(who.workspace_id, subscription_id)))


@router.patch(
    f"{BASE}/<subscription_id>",
    summary="Change url, event types, description, active; rotate_secret returns a new secret once",
    tags=["webhooks"],
    responses={**ok_response(SubscriptionOut, "The subscription as changed"), **error_responses(400, 404)},
)
def patch_subscription(subscription_id: str, body: SubscriptionPatch) -> SubscriptionOut:
    who = caller(router, auth.CONFIG_WRITE)
    _owned(who.workspace_id, subscription_id)
    try:
        doc = subscriptions.update(who.workspace_id, subscription_id, body.model_dump(exclude_unset=True))
    except subscriptions.SubscriptionInvalid as exc:
        raise _invalid(exc) from None
    if doc is None:
        raise NotFound(f"no webhook subscription {subscription_id} in this workspace")
    return SubscriptionOut.model_validate(doc)


@router.delete(
    f"{BASE}/<subscription_id>",
    summary="Delete a subscription (its pending deliveries are dead-lettered when next due)",
    tags=["webhooks"],
    responses={204: {"description": "Deleted"}, **error_responses(404)},
)
def delete_subscription(subscription_id: str) -> Response[None]:
    who = caller(router, auth.CONFIG_WRITE)
    _owned(who.workspace_id, subscription_id)
    subscriptions.delete(who.workspace_id, subscription_id)
    return Response(204)


@router.get(
    f"{BASE}/<subscription_id>/deliveries",
    summary="A subscription's deliveries, newest first, each with its attempts",
    tags=["webhooks"],
    responses={**ok_response(DeliveryPage, "Its delivery attempts, newest first"), **error_responses(404)},
)
def list_deliveries(
    subscription_id: str,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    cursor: Annotated[str | None, Query(max_length=200)] = None,
) -> DeliveryPage:
    who = caller(router, auth.CONFIG_READ, auth.CONFIG_WRITE)
    sub = _owned(who.workspace_id, subscription_id)
    items, next_cursor = delivery.list_deliveries(sub["id"], limit=limit, cursor=cursor)
    return DeliveryPage.model_validate(
        {"data": items, "meta": {"next_cursor": next_cursor, "has_more": next_cursor is not None}}
    )


@router.post(
    f"{BASE}/<subscription_id>/deliveries/<delivery_id>/redeliver",
    summary="Send a delivery again (e.g. a dead-lettered one), with a fresh retry window",
    tags=["webhooks"],
    responses={
        202: {"description": "The queued delivery", "content": {JSON: {"model": DeliveryOut}}},
        **error_responses(404),
    },
)
def redeliver(subscription_id: str, delivery_id: str) -> Response[DeliveryOut]:
    who = caller(router, auth.CONFIG_WRITE)
    sub = _owned(who.workspace_id, subscription_id)
    item = delivery.redeliver(sub["id"], path_param(delivery_id, "delivery_id"))
    if item is None:
        raise NotFound(f"no delivery {delivery_id} for this subscription")
    return Response(202, content_type=JSON, body=DeliveryOut.model_validate(item))
