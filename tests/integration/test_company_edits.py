"""Company edits over real HTTP: the Company row changes for every contact at the domain, the
affected count comes from the read model, and above 10 contacts the caller confirms the count."""

from __future__ import annotations

import uuid

import pytest

from functions.api import auth
from functions.common.context import JobContext
from functions.common.jobs import now_iso
from functions.common.rows import Row
from functions.dedup.commit import commit_rows
from functions.dedup.dedup import dedup_rows
from local.server import LocalApi
from tests.integration.test_api_support import api, client, error_of, new_workspace  # noqa: F401

pytestmark = pytest.mark.integration


def _people(workspace: str, domain: str, count: int) -> list[str]:
    emails = [f"p{i}.{uuid.uuid4().hex[:6]}@{domain}" for i in range(count)]
    ctx = JobContext.from_options(f"job_co_{uuid.uuid4().hex[:10]}", workspace, {}, now_iso())
    commit_rows(
        ctx,
        dedup_rows(
            ctx, [Row(n, [e], fields={"email": e, "company_domain": domain}) for n, e in enumerate(emails, 1)]
        ),
    )
    return emails


def _domain() -> str:
    return f"co-{uuid.uuid4().hex[:8]}-example.com"


def test_a_company_edit_above_ten_contacts_needs_the_confirmed_count(api: LocalApi) -> None:  # noqa: F811
    ws = new_workspace()
    c = client(api, ws)
    domain = _domain()
    _people(ws, domain, 12)
    other = client(api, new_workspace())

    dry = c.patch(f"/api/v1/companies/{domain}", params={"dry_run": "true"}, json={"industry": "Robotics"})
    assert dry.status_code == 200, dry.text
    assert (dry.json()["affected"], dry.json()["dry_run"], dry.json()["industry"]) == (12, True, "Robotics")
    assert c.get(f"/api/v1/companies/{dry.json()['id']}").json()["industry"] is None  # nothing written

    refused = c.patch(f"/api/v1/companies/{domain}", json={"industry": "Robotics"})
    assert refused.status_code == 409, refused.text
    assert error_of(refused)["code"] == "conflict" and error_of(refused)["field"] == "confirm_affected"
    assert "12 contacts" in error_of(refused)["message"]
    stale = c.patch(
        f"/api/v1/companies/{domain}", params={"confirm_affected": 11}, json={"industry": "Robotics"}
    )
    assert stale.status_code == 409 and "not 11" in error_of(stale)["message"]

    done = c.patch(
        f"/api/v1/companies/{domain}",
        params={"confirm_affected": 12},
        json={"industry": "Robotics", "employee_count": 40},
    )
    assert done.status_code == 200, done.text
    assert (done.json()["affected"], done.json()["dry_run"], done.json()["contact_count"]) == (12, False, 12)
    listed = c.get("/api/v1/contacts", params={"page_size": 50}).json()["data"]
    assert len(listed) == 12
    one = c.get(f"/api/v1/contacts/{listed[0]['id']}").json()
    assert (one["company"]["industry"], one["company"]["employee_count"]) == ("Robotics", 40)

    # another workspace sees no company it has no contacts at, and cannot edit it
    assert other.patch(f"/api/v1/companies/{domain}", json={"industry": "X"}).status_code == 404
    reader = client(api, ws, (auth.CONTACTS_READ,))
    assert reader.patch(f"/api/v1/companies/{domain}", json={"industry": "X"}).status_code == 403
    bad = c.patch(f"/api/v1/companies/{domain}", json={"employee_count": -1})
    assert bad.status_code == 400 and error_of(bad)["field"] == "employee_count"


def test_the_contact_patch_edits_its_company_and_clears_a_field_with_null(api: LocalApi) -> None:  # noqa: F811
    ws = new_workspace()
    c = client(api, ws)
    domain = _domain()
    emails = _people(ws, domain, 3)
    contact = c.get("/api/v1/contacts", params={"search": emails[0]}).json()["data"][0]
    r = c.patch(
        f"/api/v1/contacts/{contact['id']}", json={"company": {"name": "Acme Robotics", "industry": "Robots"}}
    )
    assert r.status_code == 200, r.text
    assert (r.json()["company"]["name"], r.json()["company"]["industry"]) == ("Acme Robotics", "Robots")
    cleared = c.patch(f"/api/v1/companies/{domain}", json={"industry": None})
    assert cleared.status_code == 200 and cleared.json()["industry"] is None
    assert cleared.json()["name"] == "Acme Robotics" and cleared.json()["affected"] == 3
    # a company of more than 10 contacts through the contact PATCH needs the count as well
    big = _domain()
    many = _people(ws, big, 11)
    person = c.get("/api/v1/contacts", params={"search": many[0]}).json()["data"][0]
    refused = c.patch(f"/api/v1/contacts/{person['id']}", json={"title": "CEO", "company": {"industry": "Y"}})
    assert refused.status_code == 409 and error_of(refused)["field"] == "confirm_affected"
    assert c.get(f"/api/v1/contacts/{person['id']}").json()["title"] is None  # nothing written
    ok = c.patch(
        f"/api/v1/contacts/{person['id']}",
        params={"confirm_affected": 11},
        json={"title": "CEO", "company": {"industry": "Y"}},
    )
    assert ok.status_code == 200 and ok.json()["title"] == "CEO" and ok.json()["company"]["industry"] == "Y"


def test_each_company_edit_is_audited_once_with_its_before_after_and_the_contacts_it_affected(
    api: LocalApi,  # noqa: F811
) -> None:
    ws = new_workspace()
    c = client(api, ws)
    domain = _domain()
    emails = _people(ws, domain, 3)
    assert (
        c.patch(f"/api/v1/companies/{domain}", json={"name": "Acme", "industry": "Robots"}).status_code == 200
    )
    contact = c.get("/api/v1/contacts", params={"search": emails[0]}).json()["data"][0]
    r = c.patch(f"/api/v1/contacts/{contact['id']}", json={"company": {"industry": "Drones", "name": "Acme"}})
    assert r.status_code == 200, r.text
    assert c.patch(f"/api/v1/companies/{domain}", json={"industry": "Drones"}).status_code == 200  # no change
    dry = c.patch(f"/api/v1/companies/{domain}", params={"dry_run": "true"}, json={"industry": "X"})
    assert dry.status_code == 200

    got = c.get(f"/api/v1/companies/{domain}/audit")
    assert got.status_code == 200, got.text
    page = got.json()
    assert page["meta"] == {"next_cursor": None, "has_more": False}
    newest, first = page["data"]  # a no-op and a dry run record nothing
    assert (newest["changes"], newest["affected"], newest["company"]) == (
        {"industry": {"before": "Robots", "after": "Drones"}},
        3,
        domain,
    )
    assert first["changes"] == {
        "name": {"before": None, "after": "Acme"},
        "industry": {"before": None, "after": "Robots"},
    }
    assert first["actor"].startswith("key:") and first["source"] == "api" and first["at"] < newest["at"]
    # paging, and nobody else's
    one = c.get(f"/api/v1/companies/{domain}/audit", params={"page_size": 1}).json()
    assert one["meta"]["has_more"] and one["data"] == [newest]
    rest = c.get(f"/api/v1/companies/{domain}/audit", params={"cursor": one["meta"]["next_cursor"]}).json()
    assert rest["data"] == [first] and not rest["meta"]["has_more"]
    other = client(api, new_workspace())
    assert error_of(other.get(f"/api/v1/companies/{domain}/audit"))["code"] == "not_found"
