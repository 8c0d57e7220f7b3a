"""Every contacts route over real HTTP: create through the pipeline stages, read, PATCH, tags,
delete/restore/GDPR erase, bulk, search, list filters, custom fields."""

from __future__ import annotations

import hashlib
import uuid

import httpx
import pytest

from functions.api import auth, contacts
from functions.common.contact_ids import without_email
from functions.query import freshness, segments
from functions.query.db import get_database
from local.server import LocalApi
from tests.integration.test_api_support import api, client, error_of, new_workspace  # noqa: F401

pytestmark = pytest.mark.integration


@pytest.fixture
def c(api: LocalApi) -> httpx.Client:  # noqa: F811
    return client(api, new_workspace())


def _email(tag: str = "p") -> str:
    return f"{tag}.{uuid.uuid4().hex[:8]}@acme-example.com"


def test_create_returns_201_then_200_for_the_same_person_in_the_workspace(c: httpx.Client) -> None:
    email = _email()
    first = c.post(
        "/api/v1/contacts/", json={"email": f"  {email.upper()} ", "first_name": "Bob", "tags": ["a"]}
    )
    assert first.status_code == 201, first.text
    created = first.json()
    assert created["email"] == email
    assert created["company"]["domain"] == "acme-example.com"
    assert created["icp_tier"] and created["grade"] and created["lead_score"] is not None
    assert created["tags"] == ["a"]  # no import:<job> tag for an API create

    again = c.post("/api/v1/contacts", json={"email": email, "last_name": "Johnson", "tags": ["b"]})
    assert again.status_code == 200, again.text
    assert again.json()["id"] == created["id"]
    assert again.json()["first_name"] == "Bob" and again.json()["last_name"] == "Johnson"
    assert again.json()["tags"] == ["a", "b"]


def test_create_canonicalises_like_an_import(c: httpx.Client) -> None:
    r = c.post(
        "/api/v1/contacts",
        json={
            "email": "Jane.Doe+x@Globex-Example.co.uk",
            "full_name": "Jane van der Berg Jr.",
            "title": "VP of Sales",
            "phone": "(415) 555-2671",
            "country": "US",
            "company_domain": "https://www.globex-example.co.uk/about",
            "linkedin_url": "HTTP://uk.LinkedIn.com/in/Jane-Doe/?trk=x",
        },
    )
    assert r.status_code == 201, r.text
    doc = r.json()
    assert doc["email"] == "jane.doe+x@globex-example.co.uk"
    assert (doc["first_name"], doc["last_name"], doc["name_suffix"]) == ("Jane", "van der Berg", "Jr.")
    assert doc["phone"] == "+14155552671"
    assert doc["company"]["domain"] == "globex-example.co.uk"
    assert doc["linkedin_url"] == "https://www.linkedin.com/in/jane-doe"
    assert doc["seniority"] == "vp" and doc["department"] == "sales"


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"email": "not-an-email"}, "email"),
        ({"first_name": "No Email"}, "email"),
        ({"email": "a@b-example.com", "shoe_size": 44}, "shoe_size"),
        ({"email": "a@b-example.com", "tags": "not-a-list"}, "tags"),
        (
            {"email": "a@b-example.com", "custom_fields": {"undefined_field": "x"}},
            "custom_fields.undefined_field",
        ),
    ],
)
def test_invalid_create_is_400_naming_the_field(c: httpx.Client, body: dict, field: str) -> None:
    r = c.post("/api/v1/contacts", json=body)
    assert r.status_code == 400, r.text
    err = error_of(r)
    assert err["code"] == "validation_error"
    assert err["field"] == field


def test_malformed_json_and_wrong_content_type_are_rejected_in_the_error_shape(c: httpx.Client) -> None:
    r = c.post("/api/v1/contacts", content=b"{not json", headers={"Content-Type": "application/json"})
    assert r.status_code == 400 and error_of(r)["code"] == "validation_error"
    r = c.post("/api/v1/contacts", content=b"email=a@b.com", headers={"Content-Type": "text/plain"})
    assert r.status_code == 415 and error_of(r)["code"] == "unsupported_media_type"
    r = c.put("/api/v1/contacts")
    assert r.status_code == 405 and "POST" in r.headers["allow"]
    r = c.get("/api/v1/nothing-here")
    assert r.status_code == 404 and error_of(r)["code"] == "not_found"


def test_suppressed_email_is_422_and_writes_nothing(c: httpx.Client) -> None:
    email = _email("gone")
    r = c.post("/api/v1/suppressions", json={"value": email, "reason": "opt_out"})
    assert r.status_code == 201, r.text
    r = c.post("/api/v1/contacts", json={"email": email})
    assert r.status_code == 422
    err = error_of(r)
    assert err["code"] == "suppressed" and err["message"].startswith("SUPPRESSED_EMAIL")
    assert (
        c.post(
            "/api/v1/contacts/search", json={"filters": [{"field": "email", "op": "eq", "value": email}]}
        ).json()["meta"]["total_count"]
        == 0
    )


def test_domain_suppression_covers_subdomains(c: httpx.Client) -> None:
    domain = f"blocked-{uuid.uuid4().hex[:6]}.com"
    assert (
        c.post("/api/v1/suppressions", json={"value": f"@{domain}", "reason": "compliance"}).status_code
        == 201
    )
    r = c.post("/api/v1/contacts", json={"email": f"x@eu.{domain}"})
    assert r.status_code == 422 and error_of(r)["message"].startswith("SUPPRESSED_DOMAIN")


def test_email_owned_by_another_client_is_409(api: LocalApi) -> None:  # noqa: F811
    email = _email("owned")
    agency_a, agency_b = client(api, new_workspace()), client(api, new_workspace())
    assert (
        agency_a.post("/api/v1/contacts", json={"email": email, "client_id": "client_a"}).status_code == 201
    )
    r = agency_b.post("/api/v1/contacts", json={"email": email, "client_id": "client_b"})
    assert r.status_code == 409
    err = error_of(r)
    assert err["code"] == "conflict" and err["message"].startswith("OWNED_BY_OTHER_CLIENT")
    # the owner's workspace can still update it
    assert (
        agency_a.post("/api/v1/contacts", json={"email": email, "client_id": "client_a"}).status_code == 200
    )
    # release frees it for the other client
    released = agency_a.post("/api/v1/assignments/release", json={"email": email, "client_id": "client_a"})
    assert released.status_code == 200, released.text
    assert released.json()["active"] is None and released.json()["history"]
    assert (
        agency_b.post("/api/v1/contacts", json={"email": email, "client_id": "client_b"}).status_code == 201
    )


def test_get_with_and_without_trailing_slash_and_unknown_id(c: httpx.Client) -> None:
    created = c.post("/api/v1/contacts", json={"email": _email()}).json()
    for path in (f"/api/v1/contacts/{created['id']}", f"/api/v1/contacts/{created['id']}/"):
        r = c.get(path)
        # the detail adds the segments the contact is in (none here) to the contact object
        assert r.status_code == 200 and r.json() == {**created, "segments": []}
    r = c.get("/api/v1/contacts/cont_doesnotexist")
    assert r.status_code == 404 and error_of(r)["code"] == "not_found"


def test_patch_changes_only_given_fields_and_tags_replace(c: httpx.Client) -> None:
    created = c.post(
        "/api/v1/contacts",
        json={
            "email": _email(),
            "first_name": "Al",
            "city": "Leeds",
            "title": "Marketing Manager",
            "tags": ["a", "b"],
        },
    ).json()
    assert created["seniority"] == "manager" and created["department"] == "marketing"
    r = c.patch(
        f"/api/v1/contacts/{created['id']}",
        json={"title": "Chief Executive Officer", "tags": ["z"], "city": None},
    )
    assert r.status_code == 200, r.text
    doc = r.json()
    assert doc["title"] == "Chief Executive Officer"
    assert doc["first_name"] == "Al"  # untouched
    assert doc["city"] is None  # null clears
    assert doc["tags"] == ["z"]  # replaced
    assert doc["seniority"] == "c_suite"  # derived again from the new title
    assert doc["updated_at"] > created["updated_at"]
    assert c.get(f"/api/v1/contacts/{created['id']}").json() == {**doc, "segments": []}

    r = c.patch(f"/api/v1/contacts/{created['id']}", json={"email": "not an email"})
    assert r.status_code == 400 and error_of(r)["field"] == "email"  # a new email: test_email_change
    assert c.patch("/api/v1/contacts/cont_nope", json={"title": "x"}).status_code == 404


def test_tags_endpoint_adds_and_removes_without_replacing(c: httpx.Client) -> None:
    created = c.post(
        "/api/v1/contacts", json={"email": _email(), "tags": ["director_plus", "us_east"]}
    ).json()
    r = c.post(
        f"/api/v1/contacts/{created['id']}/tags/",
        json={"add": ["executive_sponsor", "US_EAST"], "remove": ["director_plus"]},
    )
    assert r.status_code == 200, r.text
    assert r.json()["tags"] == ["us_east", "executive_sponsor"]


def test_soft_delete_keeps_the_contact_and_restore_brings_it_back(c: httpx.Client) -> None:
    email = _email()
    created = c.post("/api/v1/contacts", json={"email": email}).json()
    r = c.request(
        "DELETE", f"/api/v1/contacts/{created['id']}/", json={"deletion_reason": "opted_out_via_form"}
    )
    assert r.status_code == 200, r.text
    assert r.json()["is_deleted"] is True and r.json()["deletion_reason"] == "opted_out_via_form"
    assert c.get(f"/api/v1/contacts/{created['id']}").json()["is_deleted"] is True
    ids = [x["id"] for x in c.get("/api/v1/contacts", params={"is_deleted": "false"}).json()["data"]]
    assert created["id"] not in ids
    # a deleted person is not silently re-created
    again = c.post("/api/v1/contacts", json={"email": email})
    assert again.status_code == 409 and error_of(again)["message"].startswith("CONTACT_DELETED")
    assert c.patch(f"/api/v1/contacts/{created['id']}", json={"title": "x"}).status_code == 409
    r = c.post(f"/api/v1/contacts/{created['id']}/restore")
    assert r.status_code == 200 and r.json()["is_deleted"] is False and r.json()["deletion_reason"] is None


def test_hard_delete_needs_admin_gdpr_and_leaves_only_a_retention_entry(api: LocalApi) -> None:  # noqa: F811
    workspace = new_workspace()
    writer = client(api, workspace, (auth.CONTACTS_READ, auth.CONTACTS_WRITE))
    admin = client(api, workspace, (auth.ADMIN_GDPR,))
    email = _email("erase")
    created = writer.post("/api/v1/contacts", json={"email": email, "client_id": "c1"}).json()
    seg = writer.post("/api/v1/segments", json={"name": "Picked", "type": "static"}).json()
    added = writer.post(f"/api/v1/segments/{seg['id']}/members", json={"add": [created["id"]]})
    assert added.status_code == 200 and added.json()["added"] == 1, added.text

    r = writer.request("DELETE", f"/api/v1/contacts/{created['id']}", params={"hard": "true"})
    assert r.status_code == 403 and error_of(r)["code"] == "forbidden"

    r = admin.request("DELETE", f"/api/v1/contacts/{created['id']}", params={"hard": "true"})
    assert r.status_code == 200, r.text
    # the id carries the email (functions/common/contact_ids.py): the log keeps it without
    assert r.json()["retention"]["contact_id"] == without_email(created["id"]) != created["id"]
    assert writer.get(f"/api/v1/contacts/{created['id']}").status_code == 404
    log = contacts.retention_log(workspace)
    assert [e["contact_id"] for e in log] == [without_email(created["id"])]
    assert email not in str(log) and created["id"] not in str(log)  # no personal data, only a hash
    freshness.settle()
    db = get_database()
    assert db is not None
    stones = db.query("SELECT contact_id FROM contact_tombstones WHERE workspace_id = :w", {"w": workspace})
    # the read model's tombstone (a late image never brings the contact back) keeps only a hash
    assert [s["contact_id"] for s in stones] == [
        "sha256:" + hashlib.sha256(created["id"].encode()).hexdigest()
    ]
    # nor does a static segment keep the id (which carries the email)
    assert writer.get(f"/api/v1/segments/{seg['id']}").json()["contact_count"] == 0
    members = db.query("SELECT contact_id FROM segment_members WHERE workspace_id = :w", {"w": workspace})
    assert members == []
    assert created["id"] not in str(segments._query(workspace, segments.MEMBER_PREFIX))
    assert writer.get("/api/v1/assignments", params={"email": email}).json()["history"] == []


def test_bulk_create_reports_every_row(c: httpx.Client) -> None:
    existing = _email("old")
    suppressed = _email("sup")
    c.post("/api/v1/contacts", json={"email": existing})
    c.post("/api/v1/suppressions", json={"value": suppressed, "reason": "hard_bounce"})
    dup = _email("dup")
    rows = [{"email": _email("new"), "first_name": f"N{i}"} for i in range(995)]
    rows += [
        {"email": existing, "title": "CTO"},
        {"email": suppressed},
        {"email": "broken@"},
        {"email": dup},
        {"email": dup.upper()},
    ]
    r = c.post("/api/v1/contacts/bulk/", json={"contacts": rows, "options": {"dedup_behavior": "update"}})
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["summary"] == {
        "total": 1000,
        "imported": 995,
        "updated": 1,
        "skipped": 0,
        "suppressed": 1,
        "errored": 3,
    }
    by_index = body["results"]
    assert [x["index"] for x in by_index] == list(range(1000))
    assert by_index[995]["status"] == "updated"
    assert by_index[996]["status"] == "suppressed"
    assert by_index[997]["reason"].startswith("INVALID_EMAIL")
    assert by_index[998]["reason"].startswith("DUPLICATE_IN_FILE") and by_index[999]["reason"].startswith(
        "DUPLICATE"
    )

    skipped = c.post(
        "/api/v1/contacts/bulk",
        json={"contacts": [{"email": existing}], "options": {"dedup_behavior": "skip"}},
    )
    assert skipped.json()["results"][0]["status"] == "skipped"
    too_many = c.post(
        "/api/v1/contacts/bulk", json={"contacts": [{"email": f"x{i}@a-example.com"} for i in range(1001)]}
    )
    assert too_many.status_code == 400 and error_of(too_many)["field"] == "contacts"


def test_search_filters_logic_sort_and_cursor(c: httpx.Client) -> None:
    rules = c.put(
        "/api/v1/config/icp-rules",
        json={"rules": [{"name": "execs", "tier": "A", "conditions": {"seniority_in": ["c_suite", "vp"]}}]},
    )
    assert rules.status_code == 200, rules.text
    people = [
        {"email": _email("ceo"), "title": "CEO", "tags": ["verified_email"]},
        {"email": _email("vp"), "title": "VP Sales", "tags": ["hot"]},
        {"email": _email("ic"), "title": "Engineer", "tags": ["verified_email", "hot"]},
    ]
    ids = [c.post("/api/v1/contacts", json=p).json()["id"] for p in people]

    def search(body: dict) -> dict:
        r = c.post("/api/v1/contacts/search", json=body)
        assert r.status_code == 200, r.text
        return r.json()

    a_tier = search({"filters": [{"field": "icp_tier", "op": "in", "value": ["A", "B"]}]})
    assert {x["id"] for x in a_tier["data"]} == set(ids[:2])
    both = search(
        {
            "filters": [
                {"field": "has_tag", "op": "eq", "value": "verified_email"},
                {"field": "title", "op": "contains", "value": "ceo"},
            ],
            "filters_logic": "AND",
        }
    )
    assert [x["id"] for x in both["data"]] == [ids[0]]
    either = search(
        {
            "filters": [
                {"field": "email", "op": "starts_with", "value": "ceo."},
                {"field": "email", "op": "starts_with", "value": "ic."},
            ],
            "filters_logic": "OR",
            "sort": [{"field": "email", "direction": "desc"}],
        }
    )
    assert [x["id"] for x in either["data"]] == [ids[2], ids[0]]
    empty = search({"filters": [{"field": "city", "op": "is_empty"}], "page_size": 2})
    assert empty["meta"]["has_more"] and empty["meta"]["total_count"] == 3
    rest = search(
        {
            "filters": [{"field": "city", "op": "is_empty"}],
            "page_size": 2,
            "cursor": empty["meta"]["next_cursor"],
        }
    )
    assert len(rest["data"]) == 1 and not rest["meta"]["has_more"]
    seen = {x["id"] for x in empty["data"]} | {x["id"] for x in rest["data"]}
    assert seen == set(ids)
    r = c.post("/api/v1/contacts/search", json={"filters": [{"field": "lead_score", "op": "gte"}]})
    assert r.status_code == 400 and error_of(r)["field"] == "filters.0.value"


def test_list_filters_and_sorts(c: httpx.Client) -> None:
    first = c.post(
        "/api/v1/contacts", json={"email": _email("one"), "title": "CEO", "tags": ["x", "y"]}
    ).json()
    second = c.post(
        "/api/v1/contacts", json={"email": _email("two"), "first_name": "Zebedee", "tags": ["x"]}
    ).json()

    def ids(**params: str) -> list[str]:
        r = c.get("/api/v1/contacts", params=params)
        assert r.status_code == 200, r.text
        return [x["id"] for x in r.json()["data"]]

    assert ids() == [second["id"], first["id"]]  # newest first
    assert ids(sort="created_asc") == [first["id"], second["id"]]
    assert ids(tag="x,y") == [first["id"]]
    assert ids(search="zebed") == [second["id"]]
    assert ids(grade=first["grade"], icp_tier=first["icp_tier"])[-1] == first["id"]
    assert ids(created_after=first["created_at"]) == [second["id"]]
    assert ids(updated_after="2999-01-01T00:00:00Z") == []
    assert set(ids(sort="lead_score_desc")) == {first["id"], second["id"]}
    bad = c.get("/api/v1/contacts", params={"created_after": "last tuesday"})
    assert bad.status_code == 400 and error_of(bad)["field"] == "created_after"
    assert c.get("/api/v1/contacts", params={"page_size": 501}).status_code == 400
    assert c.get("/api/v1/contacts", params={"sort": "shoe_size"}).status_code == 400


def test_custom_fields_are_typed_and_limited_to_fifty(c: httpx.Client) -> None:
    r = c.post(
        "/api/v1/custom-fields/",
        json={
            "name": "onboarding_stage",
            "display_label": "Onboarding Stage",
            "field_type": "dropdown",
            "options": ["not_started", "trial_active", "customer"],
            "fallback_value": "not_started",
        },
    )
    assert r.status_code == 201, r.text
    assert c.post("/api/v1/custom-fields", json={"name": "seats", "field_type": "number"}).status_code == 201
    dup = c.post("/api/v1/custom-fields", json={"name": "seats", "field_type": "number"})
    assert dup.status_code == 409

    created = c.post(
        "/api/v1/contacts",
        json={"email": _email(), "custom_fields": {"onboarding_stage": "TRIAL_ACTIVE", "seats": "1,200"}},
    )
    assert created.status_code == 201, created.text
    assert created.json()["custom_fields"] == {"onboarding_stage": "trial_active", "seats": 1200}
    bad = c.post(
        "/api/v1/contacts", json={"email": _email(), "custom_fields": {"onboarding_stage": "churned"}}
    )
    assert bad.status_code == 400 and error_of(bad)["field"] == "custom_fields.onboarding_stage"
    patched = c.patch(f"/api/v1/contacts/{created.json()['id']}", json={"custom_fields": {"seats": None}})
    assert patched.json()["custom_fields"] == {"onboarding_stage": "trial_active"}

    r = c.patch("/api/v1/custom-fields/seats", json={"display_label": "Seats"})
    assert r.status_code == 200 and r.json()["display_label"] == "Seats"
    assert c.patch("/api/v1/custom-fields/seats", json={"field_type": "string"}).status_code == 400
    assert c.delete("/api/v1/custom-fields/seats").status_code == 200
    assert c.get("/api/v1/custom-fields/seats").status_code == 404

    for i in range(49):
        assert (
            c.post("/api/v1/custom-fields", json={"name": f"f{i}", "field_type": "string"}).status_code == 201
        )
    over = c.post("/api/v1/custom-fields", json={"name": "one_too_many", "field_type": "string"})
    assert over.status_code == 409 and "50" in error_of(over)["message"]
    assert len(c.get("/api/v1/custom-fields").json()["data"]) == 50
    c.delete("/api/v1/custom-fields/f0")
    assert (
        c.post("/api/v1/custom-fields", json={"name": "one_more", "field_type": "boolean"}).status_code == 201
    )


def test_the_field_catalog_lists_every_standard_field_and_the_custom_ones(c: httpx.Client) -> None:
    from functions.common.rows import STANDARD_FIELDS

    assert c.post("/api/v1/custom-fields", json={"name": "seats", "field_type": "number"}).status_code == 201
    r = c.get("/api/v1/fields")
    assert r.status_code == 200, r.text
    doc = r.json()
    assert doc["standard"] == list(STANDARD_FIELDS)
    assert {"lead_source", "verification_status"} <= set(doc["standard"])
    assert [f["name"] for f in doc["custom"]] == ["seats"]


def test_provider_keys_are_write_only_and_stored_encrypted(api: LocalApi) -> None:  # noqa: F811
    from functions.common import config_store
    from functions.common.settings import get_settings
    from functions.enrich.keys import KeyVault
    from functions.enrich.stage import PROVIDER_KEY_PREFIX

    workspace = new_workspace()
    c = client(api, workspace)
    listed = c.get("/api/v1/provider-keys").json()["data"]
    assert {p["provider"] for p in listed} >= {"apollo"} and not any(p["is_set"] for p in listed)
    r = c.put("/api/v1/provider-keys/apollo", json={"key": "apollo-secret-123"})
    assert r.status_code == 200, r.text
    assert r.json() == {"provider": "apollo", "is_set": True}
    assert "apollo-secret-123" not in c.get("/api/v1/provider-keys").text
    token = config_store.get_doc(workspace, PROVIDER_KEY_PREFIX + "apollo")["token"]
    assert "apollo-secret-123" not in token
    master = get_settings().master_keys
    assert master is not None
    assert KeyVault.from_raw(master).decrypt_key(token).get_secret_value() == "apollo-secret-123"
    bad = c.put("/api/v1/provider-keys/nobody", json={"key": "whatever-123"})
    assert bad.status_code == 400 and error_of(bad)["field"] == "provider"
    short = c.put("/api/v1/provider-keys/apollo", json={"key": "x"})
    assert short.status_code == 400 and error_of(short)["field"] == "key"
