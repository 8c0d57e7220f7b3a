"""One API shape for options: import create (nested, and the deprecated flat form), preview,
webhook intake and bulk create all take the same `options` object."""

from __future__ import annotations

import json
import uuid
from typing import Any

import httpx
import pytest

from functions.api import webhooks
from functions.common import admin
from local.server import LocalApi
from tests.integration.test_api_support import api, client, error_of, new_workspace  # noqa: F401

pytestmark = pytest.mark.integration


def _options(tag: str, client_id: str) -> dict[str, Any]:
    return {
        "dedup_behavior": "fill_empty",
        "tags": [tag],
        "client": client_id,
        "priority": 7,
        "assignment_days": 30,
        "dnt": False,
        "trigger_scoring": True,
    }


def test_import_create_nested_and_flat_make_the_same_job_and_only_flat_is_deprecated(api: LocalApi) -> None:  # noqa: F811
    c = client(api, new_workspace())
    nested = c.post(
        "/api/v1/imports",
        json={
            "filename": "a.csv",
            "options": {"purpose": "create", "tags": ["q2"], "client": "acme", "priority": 4},
        },
    )
    flat = c.post(
        "/api/v1/imports",
        json={"filename": "a.csv", "purpose": "create", "tags": ["q2"], "client": "acme", "priority": 4},
    )
    assert (nested.status_code, flat.status_code) == (201, 201), (nested.text, flat.text)
    assert nested.json()["options"] == flat.json()["options"]
    assert nested.json()["options"]["purpose"] == "create" and nested.json()["options"]["client"] == "acme"

    assert "Deprecation" not in nested.headers and "Sunset" not in nested.headers
    assert flat.headers["Deprecation"].startswith("@")
    assert flat.headers["Sunset"].endswith("GMT")
    assert 'rel="deprecation"' in flat.headers["Link"]


def test_options_both_nested_and_flat_is_400(api: LocalApi) -> None:  # noqa: F811
    c = client(api, new_workspace())
    r = c.post("/api/v1/imports", json={"filename": "a.csv", "tags": ["x"], "options": {"tags": ["y"]}})
    assert r.status_code == 400
    assert error_of(r)["field"] == "tags"


def test_one_options_object_is_accepted_by_import_preview_webhook_and_bulk(api: LocalApi) -> None:  # noqa: F811
    workspace = new_workspace()
    c = client(api, workspace)
    tag, owner = f"t_{uuid.uuid4().hex[:6]}", f"client_{uuid.uuid4().hex[:6]}"
    options = _options(tag, owner)

    created = c.post("/api/v1/imports", json={"filename": "a.csv", "options": options})
    assert created.status_code == 201, created.text
    job_options = created.json()["options"]
    assert (job_options["purpose"], job_options["no_overwrite"], job_options["client"]) == (
        "upsert",
        True,
        owner,
    )
    assert "Deprecation" not in created.headers

    preview = c.post(
        "/api/v1/imports/preview", json={"content": "Email\nnew@options-example.com\n", "options": options}
    )
    assert preview.status_code == 200, preview.text
    assert preview.json()["predicted"]["imported"] == 1

    secret = c.post("/api/v1/webhooks/secret").json()["secret"]
    body = json.dumps(
        {"contacts": [{"email": f"hook.{tag}@options-example.com"}], "options": options}
    ).encode()
    hook = httpx.post(
        api.url + "/api/webhooks/intake",
        content=body,
        headers={
            "Content-Type": "application/json",
            "X-Workspace-Id": workspace,
            "X-Signature": webhooks.sign(secret, body),
        },
        timeout=60,
    )
    assert hook.status_code == 202, hook.text
    assert (hook.json()["options"]["client"], hook.json()["options"]["tags"]) == (owner, [tag])

    email = f"bulk.{tag}@options-example.com"
    bulk = c.post("/api/v1/contacts/bulk", json={"contacts": [{"email": email}], "options": options})
    assert bulk.status_code == 200, bulk.text
    assert bulk.json()["results"][0]["status"] == "imported"
    active = admin.assignment_history(email)["active"]
    assert (active["client_id"], int(active["priority"])) == (owner, 7)
    contact = c.get("/api/v1/contacts", params={"search": email}).json()["data"][0]
    assert tag in contact["tags"]


def test_preview_shows_each_rows_owner_and_the_projected_enrichment_under_the_limit(api: LocalApi) -> None:  # noqa: F811
    c = client(api, new_workspace())
    owner = f"client_{uuid.uuid4().hex[:6]}"
    content = "Email,Owner Email\n" + "".join(f"p{i}.{owner}@preview-owner-example.com,\n" for i in range(3))
    options = {"client": owner, "trigger_enrichment": True}
    r = c.post("/api/v1/imports/preview", json={"content": content, "options": options})
    assert r.status_code == 200, r.text
    doc = r.json()
    assert [row["owner"] for row in doc["rows"]] == [owner] * 3  # claimed for the importing client
    assert doc["enrichment"] == {
        "provider": "file",
        "projected_calls": 3,
        "rows": 3,
        "email_lookups": 0,
        "company_searches": 0,
        "credits_per_call": 0,
        "max_credits": 0,
    }
    limited = c.post(
        "/api/v1/imports/preview", json={"content": content, "options": {**options, "enrich_limit": 2}}
    ).json()
    assert limited["enrichment"]["projected_calls"] == 2
    created = c.post("/api/v1/imports", json={"filename": "a.csv", "options": {**options, "enrich_limit": 2}})
    assert created.status_code == 201, created.text
    assert created.json()["options"]["enrich_limit"] == 2  # the import's Enrich stage reads it
    plain = c.post("/api/v1/imports/preview", json={"content": content}).json()
    assert plain["enrichment"] is None and plain["rows"][0]["owner"] is None


@pytest.mark.parametrize(
    ("path", "options", "field"),
    [
        ("/api/v1/contacts/bulk", {"mapping": {"columns": {"E": "email"}}}, "options.mapping"),
        ("/api/v1/contacts/bulk", {"dedup_behavior": "skip", "purpose": "update"}, "options.dedup_behavior"),
        ("/api/v1/imports", {"dedup_behavior": "update", "no_overwrite": True}, "options.dedup_behavior"),
        ("/api/v1/imports", {"enrich_limit": 5}, "options.enrich_limit"),  # without enrichment
        ("/api/v1/contacts/bulk", {"trigger_enrichment": True, "enrich_limit": 5}, "options.enrich_limit"),
    ],
)
def test_an_option_that_does_not_apply_or_contradicts_is_a_400_naming_it(
    api: LocalApi,  # noqa: F811
    path: str,
    options: dict[str, Any],
    field: str,
) -> None:
    c = client(api, new_workspace())
    body: dict[str, Any] = {"options": options}
    body.update(
        {"contacts": [{"email": "x@options-example.com"}]} if "bulk" in path else {"filename": "a.csv"}
    )
    r = c.post(path, json=body)
    assert r.status_code == 400, r.text
    assert error_of(r)["field"] == field


def test_a_webhook_batch_with_a_file_only_option_is_400(api: LocalApi) -> None:  # noqa: F811
    workspace = new_workspace()
    c = client(api, workspace)
    secret = c.post("/api/v1/webhooks/secret").json()["secret"]
    body = json.dumps(
        {"contacts": [{"email": "w@options-example.com"}], "options": {"field_mapping_id": "fm_x"}}
    ).encode()
    r = httpx.post(
        api.url + "/api/webhooks/intake",
        content=body,
        headers={
            "Content-Type": "application/json",
            "X-Workspace-Id": workspace,
            "X-Signature": webhooks.sign(secret, body),
        },
        timeout=60,
    )
    assert r.status_code == 400 and error_of(r)["field"] == "options.field_mapping_id"
