"""Webhook intake: HMAC-signed batches, each its own ImportJob; unsigned, wrongly signed and
stale batches are refused."""

from __future__ import annotations

import json
import time
import uuid

import httpx
import pytest

from functions.api import webhooks
from local.server import LocalApi
from tests.integration.test_api_support import api, client, error_of, new_workspace, wait_for_job  # noqa: F401

pytestmark = pytest.mark.integration
INTAKE = "/api/webhooks/intake/"


@pytest.fixture
def sender(api: LocalApi) -> tuple[httpx.Client, str, str]:  # noqa: F811
    """A workspace's API client, its id and its webhook secret."""
    workspace = new_workspace()
    c = client(api, workspace)
    r = c.post("/api/v1/webhooks/secret")
    assert r.status_code == 201, r.text
    return c, workspace, r.json()["secret"]


def _send(api: LocalApi, workspace: str, body: bytes, signature: str | None) -> httpx.Response:  # noqa: F811
    headers = {"Content-Type": "application/json", "X-Workspace-Id": workspace}
    if signature is not None:
        headers["X-Signature"] = signature
    return httpx.post(api.url + INTAKE, content=body, headers=headers, timeout=60)


def _batch(n: int = 3, **extra: object) -> bytes:
    contacts = [
        {
            "email": f"hook{i}.{uuid.uuid4().hex[:6]}@hook-example.com",
            "first_name": f"H{i}",
            "custom_fields": {"source_event": f"evt_{i}"},
        }
        for i in range(n)
    ]
    return json.dumps({"contacts": contacts, "options": {"tags": ["webhook"]}, **extra}).encode()


def test_a_signed_batch_becomes_its_own_import(api: LocalApi, sender: tuple) -> None:  # noqa: F811
    c, workspace, secret = sender
    body = _batch(3)
    r = _send(api, workspace, body, webhooks.sign(secret, body))
    assert r.status_code == 202, r.text
    job = r.json()
    assert job["source"] == "webhook" and job["workspace_id"] == workspace
    done = wait_for_job(c, job["id"])
    assert done["status"] == "complete" and done["counters"]["imported"] == 3
    people = c.get("/api/v1/contacts", params={"tag": "webhook"}).json()["data"]
    assert len(people) == 3
    assert all(p["custom_fields"]["source_event"].startswith("evt_") for p in people)
    assert c.get("/api/v1/imports").json()["data"][0]["id"] == job["id"]


@pytest.mark.parametrize("how", ["unsigned", "wrong secret", "tampered body", "stale", "garbage header"])
def test_an_unverifiable_batch_is_401_and_imports_nothing(api: LocalApi, sender: tuple, how: str) -> None:  # noqa: F811
    c, workspace, secret = sender
    body = _batch(1)
    signature = {
        "unsigned": None,
        "wrong secret": webhooks.sign("whsec_not-the-secret", body),
        "tampered body": webhooks.sign(secret, body.replace(b"hook0", b"evil0")),
        "stale": webhooks.sign(secret, body, int(time.time()) - 6 * 60),
        "garbage header": "sha256=deadbeef",
    }[how]
    r = _send(api, workspace, body, signature)
    assert r.status_code == 401, r.text
    assert error_of(r)["code"] == "authentication_required"
    assert c.get("/api/v1/imports").json()["data"] == []


def test_another_workspaces_secret_does_not_sign_for_this_one(api: LocalApi, sender: tuple) -> None:  # noqa: F811
    _, workspace, _ = sender
    other = client(api, new_workspace())
    other_secret = other.post("/api/v1/webhooks/secret").json()["secret"]
    body = _batch(1)
    assert _send(api, workspace, body, webhooks.sign(other_secret, body)).status_code == 401


def test_a_redelivered_batch_lands_on_the_same_job(api: LocalApi, sender: tuple) -> None:  # noqa: F811
    c, workspace, secret = sender
    body = _batch(2, batch_id=f"evt_{uuid.uuid4().hex[:8]}")
    first = _send(api, workspace, body, webhooks.sign(secret, body)).json()
    wait_for_job(c, first["id"])
    again = _send(api, workspace, body, webhooks.sign(secret, body))
    assert again.status_code == 202 and again.json()["id"] == first["id"]
    assert again.json()["counters"]["imported"] == 2
    assert len(c.get("/api/v1/imports").json()["data"]) == 1


def test_the_previous_secret_keeps_working_for_a_day_after_rotation(api: LocalApi, sender: tuple) -> None:  # noqa: F811
    c, workspace, old = sender
    new = c.post("/api/v1/webhooks/secret").json()
    assert new["previous_valid_until"]
    for secret in (old, new["secret"]):
        body = _batch(1)
        assert _send(api, workspace, body, webhooks.sign(secret, body)).status_code == 202


def test_a_signed_but_invalid_batch_is_400(api: LocalApi, sender: tuple) -> None:  # noqa: F811
    _, workspace, secret = sender
    for body in (
        b"{not json",
        json.dumps({"contacts": []}).encode(),
        json.dumps({"contacts": [{"mail": "x"}]}).encode(),
    ):
        r = _send(api, workspace, body, webhooks.sign(secret, body))
        assert r.status_code == 400, r.text
        assert error_of(r)["code"] == "validation_error"
