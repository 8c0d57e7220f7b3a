"""Idempotency-Key on POST: a retry returns the first response without running again; the same
key with another body is 422; keys are per workspace; failures are not remembered."""

from __future__ import annotations

import threading
import uuid

import httpx
import pytest

from local.server import LocalApi
from tests.integration.test_api_support import api, client, error_of, new_workspace  # noqa: F401

pytestmark = pytest.mark.integration


@pytest.fixture
def c(api: LocalApi) -> httpx.Client:  # noqa: F811
    return client(api, new_workspace())


def _key() -> dict[str, str]:
    return {"Idempotency-Key": f"create_contact_{uuid.uuid4().hex}"}


def test_a_retry_returns_the_first_response_without_running_again(c: httpx.Client) -> None:
    headers = _key()
    body = {"email": f"bob.{uuid.uuid4().hex[:6]}@idem-example.com", "first_name": "Bob"}
    first = c.post("/api/v1/contacts", json=body, headers=headers)
    assert first.status_code == 201 and "idempotent-replayed" not in first.headers
    retry = c.post(
        "/api/v1/contacts", json=dict(reversed(body.items())), headers=headers
    )  # same JSON, other order
    assert retry.status_code == 201  # not 200: the create did not run a second time
    assert retry.headers["idempotent-replayed"] == "true"
    assert retry.json() == first.json()
    plain = c.post("/api/v1/contacts", json=body)  # without the key it runs: the contact exists now
    assert plain.status_code == 200


def test_the_same_key_with_another_body_is_422(c: httpx.Client) -> None:
    headers = _key()
    assert (
        c.post("/api/v1/contacts", json={"email": "one@idem-example.com"}, headers=headers).status_code == 201
    )
    r = c.post("/api/v1/contacts", json={"email": "two@idem-example.com"}, headers=headers)
    assert r.status_code == 422 and error_of(r)["code"] == "idempotency_key_reused"
    assert c.get("/api/v1/contacts", params={"search": "two@idem"}).json()["data"] == []


def test_keys_belong_to_their_workspace(api: LocalApi) -> None:  # noqa: F811
    headers = _key()
    body = {"email": "shared@idem-example.com"}
    a, b = client(api, new_workspace()), client(api, new_workspace())
    ra, rb = (x.post("/api/v1/contacts", json=body, headers=headers) for x in (a, b))
    assert ra.status_code == rb.status_code == 201
    assert ra.json()["workspace_id"] != rb.json()["workspace_id"]


def test_a_failed_request_is_not_remembered(c: httpx.Client) -> None:
    headers = _key()
    bad = c.post("/api/v1/contacts", json={"email": "broken@"}, headers=headers)
    assert bad.status_code == 400
    good = c.post("/api/v1/contacts", json={"email": "fixed@idem-example.com"}, headers=headers)
    assert good.status_code == 201


def test_bulk_and_import_creation_are_idempotent(c: httpx.Client) -> None:
    headers = _key()
    bulk = {"contacts": [{"email": f"b{i}.{uuid.uuid4().hex[:4]}@idem-example.com"} for i in range(20)]}
    first = c.post("/api/v1/contacts/bulk", json=bulk, headers=headers).json()
    again = c.post("/api/v1/contacts/bulk", json=bulk, headers=headers).json()
    assert first == again and first["summary"]["imported"] == 20
    assert c.get("/api/v1/contacts", params={"page_size": 100}).json()["meta"]["total_count"] == 20

    headers = _key()
    job = c.post("/api/v1/imports", json={"filename": "a.csv"}, headers=headers).json()
    same = c.post("/api/v1/imports", json={"filename": "a.csv"}, headers=headers).json()
    assert same["id"] == job["id"] and same["upload"]["fields"]["key"] == job["upload"]["fields"]["key"]
    assert len(c.get("/api/v1/imports").json()["data"]) == 1


def test_concurrent_retries_create_one_contact(c: httpx.Client) -> None:
    headers = _key()
    body = {"email": f"race.{uuid.uuid4().hex[:6]}@idem-example.com"}
    responses: list[httpx.Response] = []

    def send() -> None:
        responses.append(c.post("/api/v1/contacts", json=body, headers=headers))

    threads = [threading.Thread(target=send) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert {r.status_code for r in responses} <= {201, 409}
    created = [r.json()["id"] for r in responses if r.status_code == 201]
    assert created and len(set(created)) == 1


def test_a_malformed_key_is_400(c: httpx.Client) -> None:
    r = c.post(
        "/api/v1/contacts", json={"email": "k@idem-example.com"}, headers={"Idempotency-Key": "k" * 256}
    )
    assert r.status_code == 400 and error_of(r)["field"] == "Idempotency-Key"
