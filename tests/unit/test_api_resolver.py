"""The resolver's contract without any table: authentication before validation, the error
shape for every failure the framework itself detects, and what the OpenAPI document promises."""

from __future__ import annotations

import json
from typing import Any

import pytest

from functions.api import auth, authorizer
from functions.api.app import app, openapi_document
from local.runtime import LambdaContext
from local.server import authorizer_event, http_event

CTX = LambdaContext(function_name="Api")
WRITER = auth.authorizer_context(
    auth.Principal("ws_unit", frozenset({auth.CONTACTS_READ, auth.CONTACTS_WRITE}), "k")
)
READER = auth.authorizer_context(auth.Principal("ws_unit", frozenset({auth.IMPORTS_READ}), "k"))


def call(
    method: str, path: str, body: Any = None, *, who: dict | None = None, headers: dict | None = None
) -> tuple[int, dict]:
    raw = body if isinstance(body, bytes) else (json.dumps(body).encode() if body is not None else b"")
    hdrs = {"content-type": "application/json", **(headers or {})}
    event = http_event(method, path, hdrs, raw, "127.0.0.1")
    if who is not None:
        event["requestContext"]["authorizer"] = {"lambda": who}
    result = app.resolve(event, CTX)
    return result["statusCode"], {**json.loads(result["body"] or "{}"), "_headers": result["headers"]}


def error(doc: dict) -> dict:
    assert set(doc) - {"_headers"} == {"error"}
    return doc["error"]


@pytest.mark.parametrize("who", [None, {"authenticated": False, "reason": "the API key is not valid"}])
def test_without_a_valid_key_every_route_is_401_even_with_a_bad_body(who: dict | None) -> None:
    for method, path, body in [
        ("GET", "/api/v1/contacts", None),
        ("POST", "/api/v1/contacts", {"nonsense": True}),
        ("POST", "/api/v1/contacts", b"{broken"),
        ("GET", "/api/v1/contacts?page_size=100000", None),
    ]:
        status, doc = call(method, path, body, who=who)
        assert status == 401, (method, path, doc)
        assert error(doc)["code"] == "authentication_required"


def test_a_key_without_the_scope_is_403_before_any_lookup() -> None:
    status, doc = call("GET", "/api/v1/contacts/cont_1", who=READER)
    assert status == 403 and error(doc)["code"] == "forbidden" and "contacts:read" in error(doc)["message"]


@pytest.mark.parametrize(
    ("path", "body", "field"),
    [
        ("/api/v1/contacts", {"email": "a@b.com", "tags": [1, 2]}, "tags.0"),
        ("/api/v1/contacts", {"email": "a@b.com", "shoe_size": 44}, "shoe_size"),
        ("/api/v1/contacts", {}, "email"),
        ("/api/v1/contacts/bulk", {"contacts": []}, "contacts"),
        ("/api/v1/contacts/search", {"filters": [{"field": "x", "op": "between"}]}, "filters.0.op"),
        ("/api/v1/contacts", b"{broken", None),
        ("/api/v1/contacts", None, None),
    ],
)
def test_invalid_requests_are_400_in_the_contract_shape(path: str, body: Any, field: str | None) -> None:
    status, doc = call("POST", path, body, who=WRITER)
    assert status == 400, doc
    err = error(doc)
    assert err["code"] == "validation_error" and err.get("field") == field


def test_framework_level_failures_keep_the_shape() -> None:
    status, doc = call("GET", "/api/v1/nowhere", who=WRITER)
    assert status == 404 and error(doc)["code"] == "not_found"
    status, doc = call("DELETE", "/api/v1/contacts", who=WRITER)
    assert status == 405 and doc["_headers"]["Allow"] == "GET, POST"
    status, doc = call(
        "POST", "/api/v1/contacts", b"email=a", who=WRITER, headers={"content-type": "multipart/form-data"}
    )
    assert status == 415 and error(doc)["code"] == "unsupported_media_type"
    status, doc = call(
        "POST", "/api/v1/contacts", b"\xff\xfe{", who=WRITER, headers={"content-type": "application/json"}
    )
    assert status == 400


def test_the_openapi_document_promises_the_error_shape_everywhere() -> None:
    doc = openapi_document()
    assert doc["components"]["securitySchemes"]["bearerAuth"]["scheme"] == "bearer"
    for path, ops in doc["paths"].items():
        for method, op in ops.items():
            for code in ("400", "401", "403", "500"):
                ref = op["responses"][code]["content"]["application/json"]["schema"]["$ref"]
                assert ref.endswith("/ErrorResponse"), (method, path, code)
            if "{" in path:
                assert "404" in op["responses"]
            # a route given `responses=` documents only those: its success answer must be among them
            assert any(code.startswith("2") for code in op["responses"]), (method, path)
            headers = [p["name"] for p in op.get("parameters", []) if p["in"] == "header"]
            assert ("Idempotency-Key" in headers) == (method == "post"), (method, path)
            assert "HTTPValidationError" not in json.dumps(op)
    assert doc["paths"]["/api/webhooks/intake"]["post"]["security"] == []
    assert doc["paths"]["/api/webhooks/intake"]["post"]["requestBody"]["content"]["application/json"][
        "schema"
    ]


def test_the_authorizer_resolves_the_bearer_key_into_the_context(monkeypatch: pytest.MonkeyPatch) -> None:
    principal = auth.Principal("ws_a", frozenset({"contacts:read", "imports:write"}), "abc123")
    monkeypatch.setattr(auth, "lookup", lambda key: principal if key == "ci_good" else None)
    event = authorizer_event(
        http_event("GET", "/api/v1/contacts", {"authorization": "Bearer ci_good"}, b"", "1.1.1.1")
    )
    verdict = authorizer.handler(event, LambdaContext(function_name="Authorizer"))
    assert verdict == {
        "isAuthorized": True,
        "context": {
            "authenticated": True,
            "workspace_id": "ws_a",
            "scopes": "contacts:read imports:write",
            "key_id": "abc123",
        },
    }
    assert auth.principal_from_context(verdict["context"]) == principal
    for headers in ({}, {"authorization": "Bearer ci_bad"}, {"authorization": "Basic abc"}):
        ctx = authorizer.authorize(headers)
        assert ctx["authenticated"] is False and ctx["reason"]


def test_keys_are_stored_as_hashes_and_scopes_are_checked() -> None:
    assert auth.hash_key("ci_x") != "ci_x" and len(auth.hash_key("ci_x")) == 64
    assert auth.parse_scopes("contacts:read, imports:write contacts:read") == [
        "contacts:read",
        "imports:write",
    ]
    with pytest.raises(ValueError, match="unknown scope"):
        auth.parse_scopes("contacts:read,contacts:delete")
    with pytest.raises(ValueError):
        auth.parse_scopes("")


def test_response_bodies_serialize_as_the_stdlib_would_read_them() -> None:
    from decimal import Decimal

    from functions.api.app import serialize

    body = {"data": [{"id": "c1", "score": 1.5, "n": Decimal("3")}], "meta": {"total_count": 2**70}}
    # a Decimal as Powertools' encoder writes it; an integer beyond 64 bits through the stdlib
    assert json.loads(serialize(body)) == {
        "data": [{"id": "c1", "score": 1.5, "n": "3"}],
        "meta": {"total_count": 2**70},
    }
    assert json.loads(serialize({"ok": True, "when": None})) == {"ok": True, "when": None}
