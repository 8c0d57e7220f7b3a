"""API keys over real HTTP: only an admin:keys key manages them, a key never grants a scope it
lacks, the key is shown once, a revoked key is refused from the next request; CLI parity."""

from __future__ import annotations

import json
from pathlib import Path

import httpx
import pytest

from functions.api import auth
from local.server import LocalApi
from tests.e2e.test_cli import cli
from tests.integration.test_api_support import api, client, error_of, new_workspace  # noqa: F401

pytestmark = pytest.mark.integration


def _as(api: LocalApi, key: str) -> httpx.Client:  # noqa: F811
    return httpx.Client(base_url=api.url, headers={"Authorization": f"Bearer {key}"}, timeout=60)


def test_an_admin_key_creates_lists_and_revokes_keys_with_only_its_own_scopes(api: LocalApi) -> None:  # noqa: F811
    ws = new_workspace()
    admin = client(api, ws, (auth.ADMIN_KEYS, auth.CONTACTS_READ, auth.CONTACTS_WRITE))
    made = admin.post("/api/v1/api-keys", json={"name": "reader", "scopes": ["contacts:read"]})
    assert made.status_code == 201, made.text
    assert made.headers["cache-control"] == "no-store"
    doc = made.json()
    key = doc["key"]
    assert key.startswith("ci_") and doc["prefix"] == key[:8] and doc["scopes"] == ["contacts:read"]

    reader = _as(api, key)
    assert reader.get("/api/v1/contacts").status_code == 200
    assert reader.post("/api/v1/contacts", json={"email": "x@keys-example.com"}).status_code == 403
    assert reader.get("/api/v1/api-keys").status_code == 403  # not an admin key

    listed = admin.get("/api/v1/api-keys")
    assert listed.status_code == 200, listed.text
    assert listed.json()["grantable"] == ["contacts:read", "contacts:write", "admin:keys"]
    mine = next(k for k in listed.json()["data"] if k["id"] == doc["id"])
    assert mine["name"] == "reader" and mine["prefix"] == key[:8] and mine["last_used_at"]  # used above
    assert key not in listed.text and auth.hash_key(key) not in listed.text  # never the key, nor its hash

    # a key never grants what it does not hold; an unknown scope is a 400 naming the field
    wider = admin.post("/api/v1/api-keys", json={"scopes": ["contacts:read", "imports:write"]})
    assert wider.status_code == 403 and error_of(wider)["field"] == "scopes"
    assert "imports:write" in error_of(wider)["message"]
    unknown = admin.post("/api/v1/api-keys", json={"scopes": ["contacts:everything"]})
    assert unknown.status_code == 400 and error_of(unknown)["field"] == "scopes"

    # revoke: refused from the very next request; another workspace cannot touch it
    other = client(api, new_workspace())
    assert other.delete(f"/api/v1/api-keys/{doc['id']}").status_code == 404
    gone = admin.delete(f"/api/v1/api-keys/{doc['id']}")
    assert gone.status_code == 200, gone.text
    assert reader.get("/api/v1/contacts").status_code == 401
    assert admin.delete(f"/api/v1/api-keys/{doc['id']}").status_code == 404
    assert doc["id"] not in {k["id"] for k in admin.get("/api/v1/api-keys").json()["data"]}


def test_keys_list_and_revoke_from_the_cli(api: LocalApi, ddb_endpoint: str, tmp_path: Path) -> None:  # noqa: F811
    ws = new_workspace()
    key = auth.create_key(ws, ["contacts:read"], name="cli-made")
    run = {"data_dir": tmp_path, "endpoint": ddb_endpoint}
    listed = cli("keys", "list", "--workspace", ws, "--json", **run)
    assert listed.returncode == 0, listed.stderr
    (row,) = json.loads(listed.stdout)
    assert (row["name"], row["prefix"], row["scopes"]) == ("cli-made", key[:8], ["contacts:read"])
    assert _as(api, key).get("/api/v1/contacts").status_code == 200
    revoked = cli("keys", "revoke", row["id"], "--workspace", ws, **run)
    assert revoked.returncode == 0, revoked.stderr
    assert _as(api, key).get("/api/v1/contacts").status_code == 401
    again = cli("keys", "revoke", row["id"], "--workspace", ws, **run)
    assert again.returncode != 0 and f"no API key {row['id']}" in again.stderr
