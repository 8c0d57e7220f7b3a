"""CRM connections over the HTTP API: the token goes in once and never comes back out."""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import UTC, datetime

import httpx
import pytest

from functions.api import auth
from functions.sync import service
from local.server import LocalApi
from tests.contracts.openapi_check import conforming_stub
from tests.integration.test_api_support import api, client, error_of, new_workspace, wait_for_job  # noqa: F401

pytestmark = pytest.mark.integration
TOKEN = "pat-eu1-SECRET-0123456789"
BASE = "/api/v1/connections"


@pytest.fixture
def admin(api: LocalApi) -> Iterator[tuple[httpx.Client, str]]:  # noqa: F811
    workspace = new_workspace()
    with client(api, workspace) as c:
        yield c, workspace


def test_a_connection_is_created_listed_and_read_without_its_token(admin: tuple[httpx.Client, str]) -> None:
    c, workspace = admin
    r = c.post(
        BASE,
        json={
            "provider": "hubspot",
            "token": TOKEN,
            "rate": "rate(30 minutes)",
            "options": {"tags": ["crm"]},
        },
    )
    assert r.status_code == 201, r.text
    created = r.json()
    assert created["provider"] == "hubspot" and created["rate"] == "rate(30 minutes)"
    assert created["options"] == {"tags": ["crm"]} and created["watermark"] is None
    listed = c.get(BASE)
    one = c.get(f"{BASE}/{created['id']}")
    assert [d["id"] for d in listed.json()["data"]] == [created["id"]]
    assert one.json()["id"] == created["id"] and one.json()["workspace_id"] == workspace
    for response in (r, listed, one):
        assert TOKEN not in response.text and "token" not in response.json()


@pytest.mark.parametrize(
    "body,field_or_text",
    [
        ({"provider": "pipedrive", "token": "x"}, "provider"),
        ({"provider": "hubspot", "token": ""}, "token"),
        ({"provider": "salesforce", "token": "x"}, "instance URL"),
        ({"provider": "hubspot", "token": "x", "rate": "every hour"}, "rate("),
        ({"provider": "hubspot", "token": "x", "objects": ["Lead"]}, "Salesforce"),
    ],
)
def test_a_bad_connection_is_400_and_stores_nothing(
    admin: tuple[httpx.Client, str], body: dict, field_or_text: str
) -> None:
    c, _ = admin
    r = c.post(BASE, json=body)
    assert r.status_code == 400, r.text
    err = error_of(r)
    assert field_or_text in (err.get("field") or "") + err["message"]
    assert c.get(BASE).json()["data"] == []


def test_a_connection_of_another_workspace_is_404_and_a_read_key_cannot_connect(
    api: LocalApi,  # noqa: F811
    admin: tuple[httpx.Client, str],
) -> None:
    c, _ = admin
    created = c.post(BASE, json={"provider": "outreach", "token": TOKEN}).json()
    with client(api, new_workspace()) as other:
        assert other.get(f"{BASE}/{created['id']}").status_code == 404
        assert other.delete(f"{BASE}/{created['id']}").status_code == 404
        assert other.post(f"{BASE}/{created['id']}/run").status_code == 404
    with client(api, new_workspace(), (auth.CONFIG_READ,)) as reader:
        r = reader.post(BASE, json={"provider": "outreach", "token": TOKEN})
        assert r.status_code == 403 and error_of(r)["code"] == "forbidden"


def test_patch_changes_rate_and_options_and_delete_removes_the_connection(
    admin: tuple[httpx.Client, str],
) -> None:
    c, _ = admin
    created = c.post(BASE, json={"provider": "hubspot", "token": TOKEN}).json()
    assert created["rate"] == "rate(1 hour)"
    r = c.patch(f"{BASE}/{created['id']}", json={"rate": "rate(1 day)", "options": {"client": "acme"}})
    assert r.status_code == 200, r.text
    assert r.json()["rate"] == "rate(1 day)" and r.json()["options"] == {"client": "acme"}
    bad_rate = c.patch(f"{BASE}/{created['id']}", json={"rate": "daily"})
    assert (
        bad_rate.status_code == 400 and bad_rate.json()["error"]["field"] == "rate"
    )  # the web app shows it there
    assert c.delete(f"{BASE}/{created['id']}").json() == {"deleted": True}
    assert c.get(f"{BASE}/{created['id']}").status_code == 404


def test_run_now_starts_a_sync_import_and_a_second_run_finds_nothing_new(
    admin: tuple[httpx.Client, str],
) -> None:
    c, workspace = admin
    with conforming_stub("hubspot") as stub:
        stub.add_many(
            3,
            start=datetime(2025, 1, 1, tzinfo=UTC),
            make=lambda i: {"email": f"api{i}@{workspace.replace('_', '-')}.example", "firstname": f"A{i}"},
        )
        # the API does not take a base URL (that would point the server anywhere): connect here
        conn = service.connect(workspace, "hubspot", stub.token, base_url=stub.base_url)
        r = c.post(f"{BASE}/{conn.connection_id}/run")
        assert r.status_code == 202, r.text
        assert r.json()["status"] == "queued"
        run = last_run(c, conn.connection_id, "started")
        assert run["records"] == 3
        job = wait_for_job(c, run["job_id"])
        assert (
            job["status"] == "complete"
            and job["source"] == "sync:hubspot"
            and job["counters"]["imported"] == 3
        )
        assert stub.token not in r.text
        service.finalize(workspace, conn.connection_id)
        assert c.post(f"{BASE}/{conn.connection_id}/run").status_code == 202
        again = last_run(c, conn.connection_id, "no_changes")
        assert again["job_id"] is None and again["pulled"] == 3
        assert c.get(f"{BASE}/{conn.connection_id}").json()["watermark"] == "2025-01-01T00:00:02.000000Z"


def last_run(c: httpx.Client, connection_id: str, status: str) -> dict:
    """The connection's last_run once a queued run has recorded one with this status."""
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        run = c.get(f"{BASE}/{connection_id}").json()["last_run"]
        if run and run["status"] == status:
            return dict(run)
        time.sleep(0.2)
    raise TimeoutError(f"no {status} run of {connection_id} recorded")
