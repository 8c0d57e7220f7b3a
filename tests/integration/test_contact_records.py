"""Contact records completed at import: time zones from places, ISO countries, lead source and
verification status, on DynamoDB Local and through the real HTTP API."""

from __future__ import annotations

import csv
import uuid
from pathlib import Path

import httpx
import pytest

from local import imports
from local.runtime import Runtime
from local.server import LocalApi
from tests.integration.helpers import contacts, read_csv
from tests.integration.test_api_support import api, client, new_workspace  # noqa: F401

pytestmark = pytest.mark.integration

HEADER = ["Email", "First Name", "City", "State", "Country", "Time Zone", "Lead Source", "Email Status"]


def write_csv(path: Path, rows: list[list[str]]) -> Path:
    with path.open("w", newline="", encoding="utf-8") as f:
        csv.writer(f).writerows(rows)
    return path


def test_file_with_places_gets_time_zones_iso_countries_sources_and_statuses(
    rt: Runtime, workspace: str, tmp_path: Path, out_dir: Path
) -> None:
    first = write_csv(
        tmp_path / "places.csv",
        [
            HEADER,
            ["ann@acme-example.com", "Ann", "Lyon", "", "France", "", "Trade show", "Verified"],
            ["bob@acme-example.com", "Bob", "Austin", "TX", "United States", "", "", ""],
            ["cy@acme-example.com", "Cy", "", "", "", "Pacific Time", "", "catch-all"],
            ["dee@acme-example.com", "Dee", "Springfield", "", "USA", "Mars/Olympus", "", "bounced"],
        ],
    )
    outcome = imports.run_import(rt, first, workspace_id=workspace, options={}, out_dir=out_dir)
    assert outcome.status == "complete", outcome.error
    assert outcome.counters["imported"] == 4

    by_email = {c["email"]: c["fields"] for c in contacts(workspace)}
    ann, bob, cy, dee = (by_email[f"{n}@acme-example.com"] for n in ("ann", "bob", "cy", "dee"))
    assert (ann["country"], ann["time_zone"]) == ("FR", "Europe/Paris")
    assert (bob["country"], bob["time_zone"]) == ("US", "America/Chicago")
    assert cy["time_zone"] == "America/Los_Angeles"
    assert dee["country"] == "US" and "time_zone" not in dee  # ambiguous city, unreadable zone
    assert ann["lead_source"] == "Trade show"
    assert bob["lead_source"].startswith("csv_import_20")
    assert [f["verification_status"] for f in (ann, bob, cy, dee)] == [
        "valid",
        "unverified",
        "risky",
        "invalid",
    ]

    results = read_csv(outcome.results_csv)
    head = results[0]
    cells = {
        r[0]: (r[head.index("Contact Lead Source")], r[head.index("Contact Verification Status")])
        for r in results[1:]
    }
    assert cells["ann@acme-example.com"] == ("Trade show", "valid")
    assert cells["bob@acme-example.com"] == (bob["lead_source"], "unverified")
    dee_reason = next(r[head.index("Reason")] for r in results[1:] if r[0] == "dee@acme-example.com")
    assert "time_zone: 'Mars/Olympus' is not an IANA time zone" in dee_reason

    # a later file without the columns keeps the first import's lead source and the status
    second = write_csv(tmp_path / "again.csv", [["Email", "Title"], ["ann@acme-example.com", "CTO"]])
    again = imports.run_import(rt, second, workspace_id=workspace, options={}, out_dir=out_dir)
    assert again.counters["updated"] == 1
    ann = next(c["fields"] for c in contacts(workspace) if c["email"] == "ann@acme-example.com")
    assert (ann["lead_source"], ann["verification_status"], ann["title"]) == ("Trade show", "valid", "CTO")


def test_api_contact_round_trips_lead_source_verification_status_and_time_zone(api: LocalApi) -> None:  # noqa: F811
    c: httpx.Client = client(api, new_workspace())
    email = f"eve.{uuid.uuid4().hex[:8]}@globex-example.com"
    made = c.post("/api/v1/contacts", json={"email": email, "city": "Toronto", "country": "Canada"})
    assert made.status_code == 201, made.text
    doc = made.json()
    assert (doc["country"], doc["time_zone"]) == ("CA", "America/Toronto")
    assert doc["lead_source"] == "api"
    assert doc["verification_status"] == "unverified"

    patched = c.patch(f"/api/v1/contacts/{doc['id']}", json={"verification_status": "Valid"})
    assert patched.status_code == 200, patched.text
    got = c.get(f"/api/v1/contacts/{doc['id']}").json()
    assert (got["verification_status"], got["lead_source"]) == ("valid", "api")

    bad = c.patch(f"/api/v1/contacts/{doc['id']}", json={"verification_status": "sort of"})
    assert bad.status_code in (400, 422), bad.text

    # the list filters on it through the read model; a contact never verified counts as unverified
    other = c.post("/api/v1/contacts", json={"email": f"old.{uuid.uuid4().hex[:8]}@globex-example.com"})
    assert other.status_code == 201, other.text

    def listed(statuses: str) -> set[str]:
        r = c.get("/api/v1/contacts", params={"verification_status": statuses})
        assert r.status_code == 200, r.text
        return {x["email"] for x in r.json()["data"]}

    assert listed("verified") == {email}
    assert listed("unverified") == {other.json()["email"]}
    assert listed("valid,not verified") == {email, other.json()["email"]}
    unknown = c.get("/api/v1/contacts", params={"verification_status": "sort of"})
    assert unknown.status_code == 400 and unknown.json()["error"]["field"] == "verification_status"


def test_company_id_in_the_contact_object_gets_the_company_with_its_contact_count(api: LocalApi) -> None:  # noqa: F811
    c: httpx.Client = client(api, new_workspace())
    domain = f"initech-{uuid.uuid4().hex[:6]}.com"
    ids = set()
    for person in ("ann", "bob"):
        made = c.post("/api/v1/contacts", json={"email": f"{person}@{domain}", "company_name": "Initech"})
        assert made.status_code == 201, made.text
        ids.add(made.json()["company"]["id"])
    assert len(ids) == 1
    (cid,) = ids
    assert cid.startswith("comp_")

    got = c.get(f"/api/v1/companies/{cid}")
    assert got.status_code == 200, got.text
    assert got.json()["domain"] == domain and got.json()["contact_count"] == 2

    # another workspace sees the id's company but none of these contacts
    other = client(api, new_workspace()).get(f"/api/v1/companies/{cid}")
    assert other.status_code == 404
    assert c.get("/api/v1/companies/comp_nothere").status_code == 404
