"""The vendors' published API descriptions as a check on every exchange with the CRM stubs.

`check_exchanges(stub)` validates each request an adapter sent to a `CrmStub` (method, path,
query, headers, body) and each answer the stub gave, with openapi-core, against the vendored
description of that vendor (`tests/contracts/<vendor>/`, provenance in the README there):

- HubSpot: `crm-contacts-v3.json`, HubSpot's own CRM contacts v3 description.
- Outreach: `api-v2-prospects.json`, Outreach's API v2 description cut to `GET /prospects`.

Where a description is itself wrong about the live API, the fix is an `Erratum` below, applied
to the loaded description (never to the vendored file), each with the evidence for it.

Two checks the descriptions cannot express are added:
- an `oauth2` security requirement means `Authorization: Bearer <token>` (RFC 6750 §2.1);
  openapi-core skips oauth2 schemes, so it is checked here;
- Outreach resources are closed: an attribute the description does not define is an error, so
  the stub cannot invent fields (`accountName`) an adapter would then read.

Responses are checked when the operation describes their status (or has a `default`); the
answers `fail_next` injects (a gateway's 503 page, a rate limiter's 429) are not the API's
own and are left out. Apollo and Salesforce publish no machine-readable description in a public
repository; their stubs are held to the documentation cited in `tests/stubs/crm_stub.py`.
"""

from __future__ import annotations

import contextlib
import copy
import json
import warnings
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from openapi_core import Config, OpenAPI
from openapi_core.testing import MockRequest, MockResponse
from openapi_schema_validator import OAS30Validator

from tests.stubs.crm_stub import CrmStub, Exchange

CONTRACTS = Path(__file__).parent

# vendor -> (vendored file, the public host its `servers` name, schemas closed for the stub)
DESCRIPTIONS: dict[str, tuple[str, str, tuple[str, ...]]] = {
    "hubspot": ("hubspot/crm-contacts-v3.json", "https://api.hubapi.com", ()),
    "outreach": (
        "outreach/api-v2-prospects.json",
        "https://api.outreach.io",
        ("prospect", "stage", "account"),
    ),
}


@dataclass(frozen=True, slots=True)
class Erratum:
    """A place where the vendor's description disagrees with the vendor's live API."""

    vendor: str
    pointer: str  # JSON pointer into the description
    value: Any  # what the live API actually takes or gives there
    why: str
    sources: tuple[str, ...]


ERRATA: tuple[Erratum, ...] = (
    Erratum(
        "hubspot",
        "/components/schemas/PublicObjectSearchRequest/properties/sorts/items",
        {
            "oneOf": [
                # a property name, "-" first for descending (HubSpot's client README)
                {"type": "string", "pattern": "^-?[A-Za-z0-9_]+$"},
                {
                    "type": "object",
                    "required": ["propertyName"],
                    "properties": {
                        "propertyName": {"type": "string"},
                        "direction": {"type": "string", "enum": ["ASCENDING", "DESCENDING"]},
                    },
                    "additionalProperties": False,
                },
            ]
        },
        "the description types `sorts` items as bare strings. The live search API sorts by a "
        "`{propertyName, direction}` object (HubSpot's search guide; confirmed in the client "
        "trackers, where HubSpot's maintainers changed the clients to send objects) and also by a "
        "plain property name, `-` first for descending (HubSpot's Node client README); a "
        "JSON-encoded object inside a string is silently ignored (hubspot-api-nodejs#14, "
        "hubspot-api-ruby#257, hubspot-api-python#236).",
        (
            "https://developers.hubspot.com/docs/guides/api/crm/search#sort-search-results",
            "https://github.com/HubSpot/hubspot-api-nodejs/issues/14",
            "https://github.com/HubSpot/hubspot-api-nodejs/pull/391",
            "https://github.com/HubSpot/hubspot-api-nodejs/blob/395cd9bf3bb21252aefc517e11ea64b7db03bd9d/README.md#crm-search",
            "https://github.com/HubSpot/hubspot-api-ruby/issues/257",
            "https://github.com/HubSpot/hubspot-api-python/issues/236",
        ),
    ),
    Erratum(
        "hubspot",
        "/components/schemas/SimplePublicObject/properties/properties/additionalProperties",
        {"type": "string", "nullable": True},
        "a property the request names but the contact has no value for comes back as `null`; the "
        "description types every property value as a non-null string.",
        ("https://github.com/HubSpot/hubspot-api-nodejs/issues/323",),
    ),
)


def _apply(spec: dict[str, Any], pointer: str, value: Any) -> None:
    *parents, last = pointer.lstrip("/").split("/")
    node = spec
    for part in parents:
        node = node[part]
    if last not in node:
        raise KeyError(f"erratum pointer {pointer} is not in the description: was it fixed upstream?")
    node[last] = value


def raw_description(vendor: str) -> dict[str, Any]:
    """The vendored description as published (no errata)."""
    path, _, _ = DESCRIPTIONS[vendor]
    loaded: dict[str, Any] = json.loads((CONTRACTS / path).read_bytes())
    return loaded


@cache
def description(vendor: str, errata: bool = True) -> dict[str, Any]:
    """The vendored description with its errata applied (unless `errata=False`, which shows what
    the description alone says) and, for the stub, closed schemas."""
    spec = copy.deepcopy(raw_description(vendor))
    for erratum in ERRATA if errata else ():
        if erratum.vendor == vendor:
            _apply(spec, erratum.pointer, erratum.value)
    for name in DESCRIPTIONS[vendor][2]:
        spec["components"]["schemas"][name]["additionalProperties"] = False
    return spec


@cache
def openapi(vendor: str, errata: bool = True) -> OpenAPI:
    # HubSpot describes its error body under `*/*`; what it sends there is JSON
    config = Config(extra_media_type_deserializers={"*/*": _json_any})
    return OpenAPI.from_dict(
        description(vendor, errata), config=config
    )  # checks the description is valid OpenAPI


def _json_any(value: bytes | str, **_parameters: str) -> Any:
    return json.loads(value)


def _mock_request(vendor: str, exchange: Exchange) -> MockRequest:
    request = exchange.request
    headers = dict(request.headers)
    return MockRequest(
        DESCRIPTIONS[vendor][1],
        request.method,
        request.path,
        args=request.query_pairs,
        headers=headers,
        data=request.raw or None,
        content_type=headers.get("Content-Type", headers.get("content-type", "")),
    )


def _operation(vendor: str, method: str, path: str) -> dict[str, Any] | None:
    spec = description(vendor)
    prefix = spec["servers"][0]["url"].removeprefix(DESCRIPTIONS[vendor][1])
    item = spec["paths"].get(path.removeprefix(prefix))
    operation = item.get(method.lower()) if isinstance(item, dict) else None
    return operation if isinstance(operation, dict) else None


def request_errors(vendor: str, exchange: Exchange, errata: bool = True) -> list[str]:
    """What is wrong with one request an adapter sent, as the description sees it."""
    request = exchange.request
    where = f"{request.method} {request.path}"
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", "Unsupported scheme type")  # oauth2: checked below
        errors = [
            f"{where}: {_explain(e)}"
            for e in openapi(vendor, errata).iter_request_errors(_mock_request(vendor, exchange))
        ]
    operation = _operation(vendor, request.method, request.path)
    if operation is not None and _wants_bearer(vendor, operation):
        header = {k.lower(): v for k, v in request.headers.items()}.get("authorization", "")
        if not header.startswith("Bearer ") or not header.removeprefix("Bearer ").strip():
            errors.append(f"{where}: an oauth2 operation needs `Authorization: Bearer <token>`")
    return errors


def response_errors(vendor: str, exchange: Exchange, errata: bool = True) -> list[str]:
    """What is wrong with one answer the stub gave (nothing when its status is not described)."""
    request = exchange.request
    operation = _operation(vendor, request.method, request.path)
    if exchange.injected or operation is None:
        return []
    responses = operation.get("responses", {})
    if str(exchange.status) not in responses and "default" not in responses:
        return []
    headers = dict(exchange.headers)
    response = MockResponse(
        exchange.body,
        status_code=exchange.status,
        headers=headers,
        content_type=headers.get("Content-Type", ""),
    )
    where = f"{request.method} {request.path} -> {exchange.status}"
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", "Unsupported scheme type")
        found = openapi(vendor, errata).iter_response_errors(_mock_request(vendor, exchange), response)
        errors = [f"{where}: {_explain(e)}" for e in found]
    if vendor == "outreach" and exchange.status == 200:
        errors += [f"{where}: {e}" for e in included_errors(json.loads(exchange.body))]
    return errors


def included_errors(doc: Any) -> list[str]:
    """JSON:API `included` resources checked against the description's `<type>Response` schema
    (Outreach's collection schema names only `data`, so openapi-core does not reach them)."""
    schemas = description("outreach")["components"]["schemas"]
    errors: list[str] = []
    for resource in doc.get("included") or []:
        name = f"{resource.get('type')}Response"
        if name not in schemas:
            errors.append(f"included resource of type {resource.get('type')!r} has no schema {name}")
            continue
        validator = OAS30Validator(
            {"$ref": f"#/components/schemas/{name}", "components": {"schemas": schemas}}
        )
        errors += [
            f"included {resource.get('type')} {resource.get('id')}: {e.message}"
            for e in validator.iter_errors(resource)
        ]
    return errors


def _wants_bearer(vendor: str, operation: dict[str, Any]) -> bool:
    schemes = description(vendor)["components"].get("securitySchemes", {})
    requirements = operation.get("security", description(vendor).get("security", []))
    return bool(requirements) and all(
        any(schemes.get(name, {}).get("type") == "oauth2" for name in requirement)
        for requirement in requirements
    )


def _explain(error: BaseException) -> str:
    """openapi-core's error with its causes (the schema errors hang off `__cause__`)."""
    parts = [str(error)]
    cause = error.__cause__
    while cause is not None:
        details = getattr(cause, "schema_errors", None)
        parts.append(str(cause) if not details else "; ".join(str(d.message) for d in details))
        cause = cause.__cause__
    return " <- ".join(parts)


def violations(vendor: str, exchanges: Iterable[Exchange], errata: bool = True) -> list[str]:
    out: list[str] = []
    for exchange in exchanges:
        out += request_errors(vendor, exchange, errata)
        out += response_errors(vendor, exchange, errata)
    return out


def check_exchanges(stub: CrmStub) -> int:
    """Assert every exchange the stub logged conforms; returns how many were checked."""
    if stub.provider not in DESCRIPTIONS:
        return 0
    exchanges = stub.exchanges
    found = violations(stub.provider, exchanges)
    assert not found, (
        f"{stub.provider}: {len(found)} violation(s) of the published description:\n" + "\n".join(found[:20])
    )
    return len(exchanges)


@contextlib.contextmanager
def conforming_stub(provider: str, **kwargs: Any) -> Iterator[CrmStub]:
    """`CrmStub(provider)` whose whole traffic is checked against the description on a clean exit."""
    with CrmStub(provider, **kwargs) as stub:
        yield stub
    check_exchanges(stub)
