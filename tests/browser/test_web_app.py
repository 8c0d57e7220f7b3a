"""The web app end to end, in headless Chromium against `contact-import serve`: sign in, upload
examples/contacts.csv, change a mapping, preview, start, watch it complete, download both CSVs,
search and filter contacts, open one, an API error shown by its field, sign out."""

from __future__ import annotations

import base64
import csv
import hashlib
import json
import re
import time
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from playwright.sync_api import expect

from tests.browser.conftest import ROOT, Served, look

pytestmark = [pytest.mark.browser, pytest.mark.slow]
EXAMPLE = ROOT / "examples" / "contacts.csv"


def sign_in(page: Any, served: Served) -> None:
    page.goto("/")
    page.get_by_label("API key").fill(served.key)
    page.get_by_role("button", name="Sign in").click()
    page.get_by_role("heading", name="Imports").wait_for()


def test_sign_in_rejects_a_wrong_key_by_its_field(page: Any, served: Served) -> None:
    page.goto("/")
    page.get_by_role("heading", name="Sign in").wait_for()
    look(page, "01-sign-in")
    page.get_by_label("API key").fill("ci_not-a-real-key")
    page.get_by_role("button", name="Sign in").click()
    error = page.locator("#key-err")
    error.wait_for()
    assert error.inner_text().strip()
    assert page.get_by_label("API key").get_attribute("aria-invalid") == "true"
    assert page.evaluate("sessionStorage.length") == 0  # a refused key is not kept


def test_import_flow_from_file_to_contacts_and_sign_out(page: Any, served: Served) -> None:
    sign_in(page, served)
    assert served.key not in page.url
    assert page.evaluate("localStorage.length") == 0
    look(page, "02-imports-empty")

    # upload + options
    page.get_by_role("link", name="New import").first.click()
    page.get_by_role("heading", name="New import").wait_for()
    page.get_by_label("CSV file").set_input_files(str(EXAMPLE))
    page.get_by_label("Tags (comma-separated)").fill("web-e2e")
    look(page, "03-new-import")
    page.get_by_role("button", name="Next: mapping").click()

    # mapping: the column map with how each was decided; change one
    page.get_by_role("heading", name="Check the mapping").wait_for()
    mapping = page.locator("table.mapping tbody tr")
    assert mapping.count() == 12
    email_row = page.locator("table.mapping tbody tr", has_text="Work Email")
    assert email_row.locator("select").input_value() == "email"
    assert re.search(r"\d+%", email_row.inner_text())
    source = page.get_by_label("Target for Lead Source")
    # the targets come from GET /api/v1/fields: every standard field, none copied into the app
    offered = source.locator("optgroup[label='Standard fields'] option").all_inner_texts()
    assert {"lead_source", "verification_status", "owner_email"} <= set(offered)
    source.select_option("__new")
    page.get_by_label("New custom field name for Lead Source").fill("lead_source")
    page.get_by_label("New custom field name for Lead Source").press("Tab")
    look(page, "04-mapping")
    page.get_by_role("button", name="Next: preview").click()

    # preview: counts per outcome; problems only filters the rows
    page.get_by_role("heading", name="Preview").wait_for()
    predicted = {
        k: int(page.locator(f"[data-outcome={k}]").inner_text())
        for k in ("imported", "updated", "skipped", "suppressed", "error")
    }
    assert sum(predicted.values()) == 100  # the first 100 rows
    rows = page.locator("#main table tbody tr")
    assert rows.count() == 100
    look(page, "05-preview")
    page.get_by_label("Problems only").check()
    problems = predicted["skipped"] + predicted["suppressed"] + predicted["error"]
    assert rows.count() == problems
    page.get_by_label("Problems only").uncheck()

    # start: create, upload with progress, then the live import screen until complete
    page.get_by_role("button", name="Start import").click()
    page.wait_for_url(re.compile(r"#/imports/(?!new$)[^/]+$"), timeout=60_000)
    job_id = page.url.rsplit("/", 1)[-1]
    page.get_by_role("heading", name=re.compile("Import (in progress|results)")).wait_for()
    look(page, "06-import-progress")
    page.get_by_role("heading", name="Import results").wait_for(timeout=240_000)
    page.get_by_role("button", name="Download results CSV").wait_for(timeout=60_000)
    total = int(page.locator("[data-counter=total]").inner_text())
    assert total == 206
    look(page, "07-results")

    # the import (through the API) says the same, and kept the changed mapping
    api = httpx.Client(base_url=served.url, headers={"Authorization": f"Bearer {served.key}"})
    got_job = api.get(f"/api/v1/imports/{job_id}")
    job = got_job.json()
    assert got_job.status_code == 200, got_job.text
    assert job["status"] == "complete"
    shown = {k: int(page.locator(f"[data-counter={k}]").inner_text()) for k in job["counters"]}
    assert shown == job["counters"]

    # a reload keeps the screen (the job id is in the URL)
    page.reload()
    page.get_by_role("heading", name="Import results").wait_for()

    # both CSVs download, with a row per input row (results) and one per errored row (errors)
    with page.expect_download() as got:
        page.get_by_role("button", name="Download results CSV").click()
    results = list(csv.DictReader(Path(got.value.path()).read_text(encoding="utf-8").splitlines()))
    assert len(results) == 206
    with page.expect_download() as got:
        page.get_by_role("button", name="Download errors CSV").click()
    errors = list(csv.DictReader(Path(got.value.path()).read_text(encoding="utf-8").splitlines()))
    assert len(errors) == job["counters"]["errored"]

    # "view these contacts" lists exactly the contacts the import stored (its import:<job> tag)
    page.get_by_role("link", name="View these contacts").click()
    page.wait_for_url(re.compile(r"#/contacts\?tag=import"))
    page.locator("#total").wait_for()
    stored = job["counters"]["imported"] + job["counters"]["updated"]
    assert int(page.locator("#total").inner_text().split()[0].replace(",", "")) == stored

    # imports list shows it
    page.get_by_role("link", name="Imports", exact=True).click()
    page.locator("#main table tbody tr", has_text="contacts.csv").first.wait_for()
    look(page, "08-imports")

    # contacts: the total, a search, a filter in the URL, paging state
    page.get_by_role("link", name="Contacts", exact=True).click()
    page.locator("#total").wait_for()
    all_count = int(page.locator("#total").inner_text().split()[0].replace(",", ""))
    assert all_count >= job["counters"]["imported"]
    look(page, "09-contacts")
    page.get_by_label("Search").fill("lumenfintech")
    page.get_by_role("button", name="Apply").click()
    page.wait_for_url(re.compile(r"search=lumenfintech"))
    page.locator("#contacts tbody tr").first.wait_for()
    emails = page.locator("#contacts tbody tr td.email").all_inner_texts()
    assert emails and all("lumenfintech" in e for e in emails)
    page.get_by_label("Search").fill("")
    page.get_by_label("Tag", exact=True).fill("web-e2e")
    page.get_by_label("Sort").select_option("lead_score_desc")
    page.get_by_role("button", name="Apply").click()
    page.wait_for_url(re.compile(r"tag=web-e2e.*sort=lead_score_desc|sort=lead_score_desc.*tag=web-e2e"))
    page.locator("#total").wait_for()
    tagged = int(page.locator("#total").inner_text().split()[0].replace(",", ""))
    assert tagged == stored
    # the filter state is in the URL: a fresh load of it shows the same view
    page.reload()
    assert page.get_by_label("Tag", exact=True).input_value() == "web-e2e"
    page.locator("#total").wait_for()
    assert int(page.locator("#total").inner_text().split()[0].replace(",", "")) == tagged

    # a contact's detail
    first = page.locator("#contacts tbody tr td.email a").first
    email = first.inner_text()
    first.click()
    page.get_by_role("heading", name="Profile").wait_for()
    assert email in page.locator("#main").inner_text()
    assert "web-e2e" in page.locator("ul.tags").inner_text()
    # the mapping changed in the wizard reached the import: Lead Source became a custom field
    contact = api.get(f"/api/v1/contacts/{page.url.rsplit('/', 1)[-1]}").json()
    assert contact["custom_fields"].get("lead_source"), contact["custom_fields"]
    custom = page.locator("dl.props div", has_text="lead_source")
    assert custom.inner_text().split() == ["lead_source", contact["custom_fields"]["lead_source"]]
    look(page, "10-contact")

    # settings: an API error shown by the field it names, then a good one listed
    page.get_by_role("link", name="Settings").click()
    page.get_by_role("heading", name="Suppressions").wait_for()
    page.get_by_label("Email or @domain").fill("x" * 400)
    page.get_by_role("button", name="Add suppression").click()
    slot = page.locator("#suppression-form [data-error-for=value]")
    slot.wait_for()
    assert "value" in slot.inner_text()
    assert page.get_by_label("Email or @domain").get_attribute("aria-invalid") == "true"
    look(page, "11-settings-error")
    page.get_by_label("Email or @domain").fill("ava.costa@lumenfintech.com")
    page.get_by_role("button", name="Add suppression").click()
    page.locator("#suppressions", has_text="ava.costa@lumenfintech.com").wait_for()
    assert not slot.is_visible()

    # a re-import of the same file now suppresses that row: predicted, then done
    page.get_by_role("link", name="New import").click()
    page.get_by_label("CSV file").set_input_files(str(EXAMPLE))
    page.get_by_role("button", name="Next: mapping").click()
    page.get_by_role("button", name="Next: preview").click()
    page.get_by_role("heading", name="Preview").wait_for()
    row = page.locator("#main table tbody tr", has_text="ava.costa@lumenfintech.com")
    assert row.locator(".badge").inner_text() == "suppressed"
    page.get_by_label("Problems only").check()
    assert row.is_visible()
    page.get_by_role("button", name="Start import").click()
    page.get_by_role("heading", name="Import results").wait_for(timeout=240_000)
    page.get_by_role("button", name="Download results CSV").wait_for(timeout=60_000)
    with page.expect_download() as got:
        page.get_by_role("button", name="Download results CSV").click()
    again = list(csv.DictReader(Path(got.value.path()).read_text(encoding="utf-8").splitlines()))
    status_of = {(r.get("Work Email") or "").strip().lower(): r["Import Status"] for r in again}
    assert status_of["ava.costa@lumenfintech.com"].lower() == "suppressed", again[:2]

    # sign out clears the key
    page.get_by_role("button", name="Sign out").click()
    page.get_by_role("heading", name="Sign in").wait_for()
    assert page.evaluate("sessionStorage.length") == 0
    page.goto("/#/contacts")
    page.get_by_role("heading", name="Sign in").wait_for()
    assert not [p for p in page.problems if "Content Security Policy" in p or "uncaught" in p], page.problems


def test_cognito_sign_in_when_config_names_a_pool(page: Any, served: Served) -> None:
    """config.json with a pool (as the stack writes it): the hosted UI's code flow with PKCE, the
    ID token sent as the bearer, and sign-out through the hosted UI's logout. The hosted UI is
    played by Playwright routes on a localhost origin (the local CSP allows it)."""
    hosted = "http://localhost:9"  # nothing listens: every request to it is answered by a route
    pool = {"region": "eu-west-1", "userPoolId": "eu-west-1_Test", "clientId": "web-client", "domain": hosted}
    page.route("**/config.json", lambda route: route.fulfill(json={"apiBase": "", "cognito": pool}))
    token = "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ1c2VyIn0.c2lnbmF0dXJl"
    seen: dict[str, Any] = {}

    def authorize(route: Any) -> None:
        query = parse_qs(urlsplit(route.request.url).query)
        seen["authorize"] = query
        back = f"{served.url}/?code=the-code&state={query['state'][0]}"
        route.fulfill(status=302, headers={"Location": back})

    def exchange(route: Any) -> None:
        seen["token"] = parse_qs(route.request.post_data or "")
        route.fulfill(json={"id_token": token}, headers={"Access-Control-Allow-Origin": served.url})

    def logout(route: Any) -> None:
        seen["logout"] = parse_qs(urlsplit(route.request.url).query)
        route.fulfill(status=302, headers={"Location": f"{served.url}/"})

    page.route(f"{hosted}/oauth2/authorize*", authorize)
    page.route(f"{hosted}/oauth2/token", exchange)
    page.route(f"{hosted}/logout*", logout)
    bearers: list[str] = []
    page.on(
        "request",
        lambda r: bearers.append(r.headers.get("authorization", "")) if "/api/v1/" in r.url else None,
    )

    page.goto("/#/contacts")
    page.get_by_role("button", name="Sign in with Cognito").click()
    page.wait_for_url(re.compile(r"#/contacts$"))
    page.get_by_role("heading", name="Contacts").wait_for()

    asked = seen["authorize"]
    assert asked["client_id"] == ["web-client"] and asked["response_type"] == ["code"]
    assert asked["redirect_uri"] == [f"{served.url}/"] and asked["code_challenge_method"] == ["S256"]
    sent = seen["token"]
    assert sent["grant_type"] == ["authorization_code"] and sent["code"] == ["the-code"]
    verifier = sent["code_verifier"][0]
    digest = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
    assert asked["code_challenge"] == [digest]  # PKCE: the verifier is the challenge's preimage
    assert "code=" not in page.url  # the code leaves the address bar
    assert f"Bearer {token}" in bearers
    assert page.evaluate("localStorage.length") == 0

    page.get_by_role("button", name="Sign out").click()
    page.get_by_role("heading", name="Sign in").wait_for()
    assert seen["logout"] == {"client_id": ["web-client"], "logout_uri": [f"{served.url}/"]}
    assert page.evaluate("sessionStorage.getItem('ci.apiKey')") is None


def test_settings_edit_icp_rules_by_field_and_manage_custom_fields(page: Any, served: Served) -> None:
    sign_in(page, served)
    page.get_by_role("link", name="Settings").click()
    page.get_by_role("heading", name="ICP tier rules").wait_for()
    rules = page.get_by_label("ICP tier rules (JSON)")
    expect(rules).not_to_have_value("")  # loaded from the API
    bad = {"rules": [{"name": "Enterprise", "tier": "Z", "conditions": {"employee_count_min": 1000}}]}
    rules.fill(json.dumps(bad))
    page.get_by_role("button", name="Save ICP tier rules").click()
    slot = page.locator("#icp-form .field-error")
    slot.wait_for()
    assert "rules.0.tier" in slot.inner_text()  # the API's field, shown by the editor
    assert rules.get_attribute("aria-invalid") == "true"
    look(page, "12-settings-icp-error")
    good = {"rules": [{"name": "Enterprise", "tier": "a", "conditions": {"employee_count_min": 1000}}]}
    rules.fill(json.dumps(good))
    page.get_by_role("button", name="Save ICP tier rules").click()
    expect(rules).to_have_value(re.compile(r'"tier": "A"'))  # the stored rules, as the API returns them
    assert not slot.is_visible()
    api = httpx.Client(base_url=served.url, headers={"Authorization": f"Bearer {served.key}"})
    assert api.get("/api/v1/config/icp-rules").json()["rules"][0]["tier"] == "A"

    page.get_by_label("Field name").fill("2bad")
    page.get_by_role("button", name="Add custom field").click()
    page.locator("#custom-field-form [data-error-for=name]").wait_for()
    page.get_by_label("Field name").fill("contract_value")
    page.get_by_label("Type", exact=True).select_option("number")
    page.get_by_role("button", name="Add custom field").click()
    page.locator("#custom-fields", has_text="contract_value").wait_for()
    assert page.get_by_role("heading", name="Saved mappings").is_visible()
    assert page.get_by_role("heading", name="CRM connections").is_visible()
    # provider keys: write-only (the key never comes back)
    page.get_by_label("apollo key").fill("apollo-web-secret-1")
    page.get_by_role("button", name="Save apollo key").click()
    page.locator("#provider-keys .badge.complete", has_text="set").first.wait_for()
    assert "apollo-web-secret-1" not in page.content()
    assert page.get_by_label("apollo key").input_value() == ""
    look(page, "13-settings")
    page.get_by_role("button", name="Remove custom field contract_value").click()
    page.locator("#custom-fields", has_text="contract_value").wait_for(state="detached")
    assert not [p for p in page.problems if "Content Security Policy" in p or "uncaught" in p], page.problems


def test_contacts_filter_by_segment_and_dates_and_edit_one_inline(page: Any, served: Served) -> None:
    api = httpx.Client(base_url=served.url, headers={"Authorization": f"Bearer {served.key}"})
    made = [
        api.post(
            "/api/v1/contacts", json={"email": f"seg{i}@filters-example.com", "first_name": f"Seg{i}"}
        ).json()
        for i in range(3)
    ]
    segment = api.post("/api/v1/segments", json={"name": "Web filter segment", "type": "static"}).json()
    added = api.post(
        f"/api/v1/segments/{segment['id']}/members", json={"add": [made[0]["id"], made[1]["id"]]}
    )
    assert added.status_code < 300, added.text

    sign_in(page, served)
    page.get_by_role("link", name="Contacts", exact=True).click()
    page.get_by_role("heading", name="Contacts").wait_for()
    page.get_by_label("Segment").select_option(label="Web filter segment")
    page.get_by_label("Created after").fill("2000-01-01")
    page.get_by_role("button", name="Apply").click()
    page.wait_for_url(re.compile(r"segment_id=.*created_after=2000-01-01"))
    expect(page.locator("#total")).to_have_text("2 contacts")
    shown = set(page.locator("#contacts tbody tr td.email").all_inner_texts())
    assert shown == {"seg0@filters-example.com", "seg1@filters-example.com"}
    assert page.get_by_label("Segment").input_value() == segment["id"]  # the state is in the URL
    look(page, "14-contacts-filtered")
    page.get_by_label("Created after").fill("2999-01-01")
    page.get_by_role("button", name="Apply").click()
    expect(page.locator("#total")).to_have_text("0 contacts")

    # the detail: its engagement timeline and sequence enrollments, as the engines reported them
    email = made[0]["email"]
    events = [
        {"id": "web-e1", "type": "sent", "email": email, "occurred_at": "2026-11-02T09:00:00Z"},
        {"id": "web-e2", "type": "opened", "email": email, "occurred_at": "2026-11-02T10:00:00Z"},
        {"id": "web-e3", "type": "enrollment.started", "email": email, "occurred_at": "2026-11-03T08:00:00Z",
         "sequence_id": "seq_web", "data": {"enrollment_id": "enr_web"}},
    ]  # fmt: skip
    ingested = api.post("/api/v1/engagement-events", json={"events": events})
    assert ingested.status_code == 200 and ingested.json()["meta"]["applied"] == 3, ingested.text
    page.goto(f"/#/contacts/{made[0]['id']}")
    timeline = page.locator("#timeline li")
    expect(timeline).to_have_count(3)
    assert "enrollment.started" in timeline.nth(0).inner_text()  # newest first
    assert "sent" in timeline.nth(2).inner_text()
    expect(page.locator("#enrollment-list tbody tr")).to_contain_text("seq_web")
    expect(page.locator("#enrollment-list tbody tr")).to_contain_text("active")
    look(page, "15a-contact-activity")

    # one field and the tags edited through PATCH; a bad value shown by its field
    page.get_by_role("heading", name="Edit").wait_for()
    page.get_by_label("Field", exact=True).select_option("title")
    page.get_by_label("Value", exact=True).fill("x" * 2001)  # over the API's 2000 characters
    page.get_by_role("button", name="Save field").click()
    page.locator("#edit-field [data-error-for=value]:not(:empty)").wait_for()
    assert page.get_by_label("Value", exact=True).get_attribute("aria-invalid") == "true"
    page.get_by_label("Field", exact=True).select_option("title")
    page.get_by_label("Value", exact=True).fill("Head of Growth")
    page.get_by_role("button", name="Save field").click()
    page.locator("dl.props div", has_text="Head of Growth").wait_for()
    page.get_by_label("Tags (comma-separated)").fill("vip, renewal")
    page.get_by_role("button", name="Save tags").click()
    page.locator("ul.tags", has_text="renewal").wait_for()
    stored = api.get(f"/api/v1/contacts/{made[0]['id']}").json()
    assert stored["title"] == "Head of Growth" and stored["tags"] == ["vip", "renewal"]
    look(page, "15-contact-edit")
    assert not [p for p in page.problems if "Content Security Policy" in p or "uncaught" in p], page.problems


def test_contacts_bulk_actions_confirm_the_count_report_the_result_and_undo(
    page: Any, served: Served
) -> None:
    api = httpx.Client(base_url=served.url, headers={"Authorization": f"Bearer {served.key}"}, timeout=60)
    people = [{"email": f"bw{i:02d}@bulk-web-example.com", "tags": ["bulkweb"]} for i in range(55)]
    made = api.post("/api/v1/contacts/bulk", json={"contacts": people})
    assert made.status_code < 300, made.text
    kept = [r for r in made.json()["results"] if r["status"] not in ("imported", "updated")]
    assert not kept, kept
    # the list reads the read model, which the projector fills a moment after the writes
    deadline = time.monotonic() + 60
    while api.get("/api/v1/contacts", params={"tag": "bulkweb"}).json()["meta"]["total_count"] < 55:
        assert time.monotonic() < deadline, "the read model never listed all 55"
        time.sleep(0.3)

    def tags_of(email: str) -> list[str]:
        found = api.get("/api/v1/contacts", params={"search": email}).json()["data"]
        return list(found[0]["tags"])

    sign_in(page, served)
    page.goto("/#/contacts?tag=bulkweb")
    expect(page.locator("#total")).to_have_text("55 contacts")  # more than one page of 50
    summary = page.locator("#bulk-summary")

    # two rows ticked: tags added to exactly those two, the confirm step naming the count
    shown = page.locator("#contacts tbody tr td.email").all_inner_texts()
    one, two, other = shown[0], shown[1], shown[2]
    page.get_by_label(f"Select {one}").check()
    page.get_by_label(f"Select {two}").check()
    expect(summary).to_have_text("2 contacts selected")
    page.get_by_label("Action", exact=True).select_option("add_tags")
    page.locator("#bulk-form").get_by_label("Tags (comma-separated)").fill("vip-web")
    page.get_by_role("button", name="Continue").click()
    expect(page.locator("#bulk-question")).to_contain_text("Add the tags vip-web to 2 contacts?")
    look(page, "16-contacts-bulk-confirm")
    page.get_by_role("button", name="Confirm").click()
    outcome = page.locator("#bulk-outcome")
    expect(outcome).to_contain_text("2 of 2 contacts succeeded, 2 changed, 0 failed", timeout=60_000)
    assert "vip-web" in tags_of(one) and "vip-web" in tags_of(two)
    assert "vip-web" not in tags_of(other)
    look(page, "17-contacts-bulk-result")
    # undo writes the tags back
    page.get_by_role("button", name="Undo").click()
    expect(outcome).to_contain_text("Undone: 2 restored, 0 left alone", timeout=60_000)
    assert tags_of(one) == ["bulkweb"]

    # the whole page, then every contact the filter matches (beyond this page): soft delete, undo
    page.get_by_label("Select every contact on this page").check()
    expect(summary).to_have_text("50 contacts selected")
    page.get_by_role("button", name="Select all 55 contacts matching this filter").click()
    expect(summary).to_have_text("All 55 contacts matching this filter are selected")
    page.get_by_label("Action", exact=True).select_option("soft_delete")
    page.get_by_label("Deletion reason").fill("web bulk test")
    page.get_by_role("button", name="Continue").click()
    expect(page.locator("#bulk-question")).to_contain_text("Delete 55 contacts?")
    page.get_by_role("button", name="Confirm").click()
    expect(outcome).to_contain_text("55 of 55 contacts succeeded, 55 changed", timeout=60_000)
    deleted = api.get("/api/v1/contacts", params={"tag": "bulkweb", "is_deleted": "true"}).json()
    assert deleted["meta"]["total_count"] == 55
    page.get_by_role("button", name="Undo").click()
    expect(outcome).to_contain_text("Undone: 55 restored", timeout=60_000)
    deleted = api.get("/api/v1/contacts", params={"tag": "bulkweb", "is_deleted": "true"}).json()
    assert deleted["meta"]["total_count"] == 0

    # export: the CSV of every matching contact, downloaded (the page picked by its button, which
    # a phone shows where the table head is hidden)
    page.get_by_role("button", name="Select the 50 on this page").click()
    page.get_by_role("button", name="Select all 55 contacts matching this filter").click()
    page.get_by_label("Action", exact=True).select_option("export_csv")
    page.get_by_role("button", name="Continue").click()
    page.get_by_role("button", name="Confirm").click()
    with page.expect_download() as got:
        page.get_by_role("button", name="Download CSV").click()
    exported = list(csv.DictReader(Path(got.value.path()).read_text(encoding="utf-8").splitlines()))
    assert sorted(r["email"] for r in exported) == sorted(p["email"] for p in people)

    # nothing ticked: no action offered; a bad param is shown by the field the API names
    page.get_by_role("button", name="Clear selection").click()
    expect(page.get_by_label("Action", exact=True)).to_be_hidden()
    page.get_by_label(f"Select {other}").check()
    page.get_by_label("Action", exact=True).select_option("add_tags")
    page.locator("#bulk-form").get_by_label("Tags (comma-separated)").fill("x" * 101)
    page.get_by_role("button", name="Continue").click()
    page.get_by_role("button", name="Confirm").click()
    expect(page.locator("#bulk-form [data-error-for='params.tags']")).to_contain_text(
        "at most 100 characters"
    )
    assert not [p for p in page.problems if "Content Security Policy" in p or "uncaught" in p], page.problems


def test_preview_shows_owners_and_the_projected_enrichment_under_the_limit(page: Any, served: Served) -> None:
    sign_in(page, served)
    page.get_by_role("link", name="New import").first.click()
    page.get_by_label("CSV file").set_input_files(str(EXAMPLE))
    page.get_by_label("Client (agency mode)").fill("acme-agency")
    expect(page.get_by_label("Enrichment limit")).to_be_disabled()  # only with enrichment
    page.get_by_label("Enrich new contacts").check()
    page.get_by_label("Enrichment limit").fill("-1")
    page.get_by_role("button", name="Next: mapping").click()
    # the API's refusal, shown by the field it names
    expect(page.locator("[data-error-for=enrich_limit]")).to_contain_text("greater than or equal to 0")
    page.get_by_label("Enrichment limit").fill("7")
    page.get_by_role("button", name="Next: mapping").click()
    page.get_by_role("button", name="Next: preview").click()
    page.get_by_role("heading", name="Preview").wait_for()
    calls = page.locator("#enrichment div", has_text="Provider calls").locator("dd")
    assert int(calls.inner_text()) == 7  # far more rows to enrich than the limit
    assert page.locator("#enrichment div", has_text="Max credits").locator("dd").inner_text() == "0"
    imported = page.locator(
        "#main table tbody tr.outcome-imported, #main table tbody tr.outcome-updated"
    ).first
    assert imported.locator("td[data-label=Owner]").inner_text() == "acme-agency"
    look(page, "18-preview-enrichment")
    assert not [p for p in page.problems if "Content Security Policy" in p or "uncaught" in p], page.problems


def test_settings_api_keys_create_shows_the_key_once_and_revoke_is_immediate(
    page: Any, served: Served
) -> None:
    sign_in(page, served)
    page.get_by_role("link", name="Settings").click()
    page.get_by_role("heading", name="API keys").wait_for()
    form = page.locator("#api-key-form")
    form.get_by_label("contacts:read").wait_for()
    assert form.get_by_label("admin:platform").count() == 0  # only scopes this key holds are offered
    # no scope: the API's refusal, shown by the field it names
    page.get_by_label("Key name").fill("web-robot")
    page.get_by_role("button", name="Create API key").click()
    expect(page.locator("#key-scopes-err")).not_to_be_empty()
    form.get_by_label("contacts:read").check()
    page.get_by_role("button", name="Create API key").click()
    shown = page.locator("#new-key-value")
    expect(shown).to_have_value(re.compile(r"^ci_"))
    key = shown.input_value()
    row = page.locator("#api-keys tbody tr", has_text="web-robot")
    expect(row).to_contain_text(key[:8])
    assert key not in page.locator("#api-keys").inner_text()
    robot = httpx.Client(base_url=served.url, headers={"Authorization": f"Bearer {key}"}, timeout=60)
    assert robot.get("/api/v1/contacts").status_code == 200
    look(page, "19-settings-api-keys")
    # a reload never shows the key again
    page.reload()
    page.locator("#api-keys tbody tr", has_text="web-robot").wait_for()
    assert key not in page.content()
    # revoke takes a second click, then the key is refused at once
    page.get_by_role("button", name="Revoke web-robot").click()
    page.get_by_role("button", name=re.compile("Confirm revoke: web-robot")).click()
    expect(page.locator("#api-keys tbody tr", has_text="web-robot")).to_have_count(0)
    assert robot.get("/api/v1/contacts").status_code == 401
    assert not [p for p in page.problems if "Content Security Policy" in p or "uncaught" in p], page.problems


def test_settings_crm_connection_connect_reschedule_and_disconnect(page: Any, served: Served) -> None:
    sign_in(page, served)
    page.get_by_role("link", name="Settings").click()
    page.get_by_role("heading", name="CRM connections").wait_for()
    form = page.locator("#connection-form")
    form.get_by_label("CRM").select_option("hubspot")
    form.get_by_label("Access token").fill("pat-web-secret-42")
    form.get_by_label("Schedule").fill("every hour")
    page.get_by_role("button", name="Connect").click()
    expect(form.locator("[data-error-for=rate]")).to_contain_text("is not a schedule")  # by its field
    form.get_by_label("Schedule").fill("rate(2 hours)")
    page.get_by_role("button", name="Connect").click()
    schedule = page.get_by_label("Schedule of hubspot")
    expect(schedule).to_have_value("rate(2 hours)")
    assert "pat-web-secret-42" not in page.content()  # write-only
    assert form.get_by_label("Access token").input_value() == ""
    # the schedule, changed in place; a bad one refused next to it
    schedule.fill("daily")
    page.locator("#connections form.schedule").get_by_role("button", name="Save").click()
    expect(page.locator("#connections [data-error-for=rate]")).not_to_be_empty()
    schedule.fill("cron(0 9 ? * MON-FRI *)")
    page.locator("#connections form.schedule").get_by_role("button", name="Save").click()
    expect(page.get_by_label("Schedule of hubspot")).to_have_value("cron(0 9 ? * MON-FRI *)")
    api = httpx.Client(base_url=served.url, headers={"Authorization": f"Bearer {served.key}"}, timeout=60)
    (conn,) = api.get("/api/v1/connections").json()["data"]
    assert conn["rate"] == "cron(0 9 ? * MON-FRI *)"
    look(page, "20-settings-connections")
    page.get_by_role("button", name="Disconnect hubspot").click()
    page.get_by_role("button", name=re.compile("Confirm disconnect: hubspot")).click()
    expect(page.locator("#connections")).to_have_count(0)
    assert api.get("/api/v1/connections").json()["data"] == []
    assert not [p for p in page.problems if "Content Security Policy" in p or "uncaught" in p], page.problems
