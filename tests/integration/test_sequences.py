"""Hand-off to sequences over HTTP: enroll contacts (the same checks and events as an import's
workflow_id), the enrollment rule, and the enrollments the sequence engine reports back through
the engagement ingest path. Deliveries go to a real receiver on 127.0.0.1."""

from __future__ import annotations

import uuid
from typing import Any

import httpx
import pytest

from functions.api import auth
from functions.events import bus
from local.server import LocalApi
from tests.integration.test_api_support import (  # noqa: F401
    api,
    client,
    error_of,
    new_workspace,
)
from tests.integration.test_webhooks_out import Receiver, drain, receiver  # noqa: F401

pytestmark = pytest.mark.integration


def _contact(c: httpx.Client, tag: str, **patch: Any) -> dict[str, Any]:
    r = c.post("/api/v1/contacts", json={"email": f"{tag}.{uuid.uuid4().hex[:6]}@seq-example.com"})
    assert r.status_code == 201, r.text
    contact = r.json()
    if patch:
        r = c.patch(f"/api/v1/contacts/{contact['id']}", json=patch)
        assert r.status_code == 200, r.text
        contact = r.json()
    return dict(contact)


def _subscribe(c: httpx.Client, url: str) -> None:
    r = c.post(
        "/api/v1/webhooks/subscriptions",
        json={"url": url, "event_types": ["contact.enrollment_requested"]},
    )
    assert r.status_code == 201, r.text


def test_enroll_answers_per_contact_and_emits_requests_only_for_eligible_ones(
    api: LocalApi,  # noqa: F811
    receiver: Receiver,  # noqa: F811
) -> None:
    c = client(api, new_workspace())
    _subscribe(c, receiver.url)
    ok = _contact(c, "ok")
    dnt = _contact(c, "dnt", dnt=True)
    deleted = _contact(c, "gone")
    assert c.request("DELETE", f"/api/v1/contacts/{deleted['id']}", json={}).status_code == 200
    blocked = _contact(c, "blocked")
    r = c.post("/api/v1/suppressions", json={"value": blocked["email"], "reason": "opt_out"})
    assert r.status_code == 201, r.text

    ids = [ok["id"], dnt["id"], deleted["id"], blocked["id"], "cont_nope", ok["id"]]
    r = c.post("/api/v1/sequences/seq_1/enroll/", json={"contact_ids": ids})
    assert r.status_code == 200, r.text
    body = r.json()
    got = {d["contact_id"]: (d["status"], (d.get("error") or {}).get("code")) for d in body["data"]}
    assert got == {
        ok["id"]: ("requested", None),
        dnt["id"]: ("refused", "do_not_touch"),
        deleted["id"]: ("refused", "deleted"),
        blocked["id"]: ("refused", "suppressed"),
        "cont_nope": ("refused", "not_found"),
    }
    assert body["meta"] == {
        "sequence_id": "seq_1",
        "requested": 1,
        "refused": 4,
        "deliveries_queued": 1,
    }

    drain()
    (event,) = receiver.delivered()
    assert event["type"] == "contact.enrollment_requested"
    assert event["workflow_id"] == "seq_1"
    assert event["data"]["id"] == ok["id"] and event["data"]["email"] == ok["email"]

    # the enrollment rule: a tier the contact is not in refuses it; clearing the rule allows it
    assert c.get("/api/v1/config/enrollment-rule").json() == {"icp_tiers": None}
    r = c.put("/api/v1/config/enrollment-rule", json={"icp_tiers": ["a", "B"]})
    assert r.status_code == 200 and r.json() == {"icp_tiers": ["A", "B"]}, r.text
    assert ok["icp_tier"] not in ("A", "B")
    (refused,) = c.post("/api/v1/sequences/seq_1/enroll", json={"contact_ids": [ok["id"]]}).json()["data"]
    assert refused["error"]["code"] == "not_in_enrollment_rule"
    assert c.put("/api/v1/config/enrollment-rule", json={"icp_tiers": None}).json() == {"icp_tiers": None}
    again = c.post("/api/v1/sequences/seq_2/enroll", json={"contact_ids": [ok["id"]]}).json()
    assert again["meta"]["requested"] == 1
    drain()
    assert [e["workflow_id"] for e in receiver.delivered()] == ["seq_1", "seq_2"]
    assert len({e["id"] for e in receiver.delivered()}) == 2


def test_enroll_is_refused_whole_without_a_sequence_engine_subscribed(api: LocalApi) -> None:  # noqa: F811
    c = client(api, new_workspace())
    ok = _contact(c, "lonely")
    r = c.post("/api/v1/sequences/seq_1/enroll", json={"contact_ids": [ok["id"]]})
    assert r.status_code == 409
    assert "contact.enrollment_requested" in error_of(r)["message"]


def test_enroll_validates_its_body_and_rule_tiers(api: LocalApi) -> None:  # noqa: F811
    c = client(api, new_workspace())
    r = c.post("/api/v1/sequences/seq_1/enroll", json={"contact_ids": []})
    assert r.status_code == 400 and error_of(r)["field"] == "contact_ids"
    r = c.post("/api/v1/sequences/seq_1/enroll", json={"contact_ids": ["c"] * 501})
    assert r.status_code == 400 and error_of(r)["field"] == "contact_ids"
    r = c.put("/api/v1/config/enrollment-rule", json={"icp_tiers": ["Z"]})
    assert r.status_code == 400 and error_of(r)["field"].startswith("icp_tiers")
    reader = client(api, new_workspace(), (auth.CONTACTS_READ,))
    r = reader.post("/api/v1/sequences/seq_1/enroll", json={"contact_ids": ["c"]})
    assert r.status_code == 403


def test_another_workspaces_contact_is_not_found_for_enrollment(
    api: LocalApi,  # noqa: F811
    receiver: Receiver,  # noqa: F811
) -> None:
    a = client(api, new_workspace())
    theirs = _contact(a, "theirs")
    b = client(api, new_workspace())
    _subscribe(b, receiver.url)
    (outcome,) = b.post("/api/v1/sequences/seq_1/enroll", json={"contact_ids": [theirs["id"]]}).json()["data"]
    assert outcome["error"]["code"] == "not_found"
    assert b.get(f"/api/v1/contacts/{theirs['id']}/enrollments").status_code == 404
    drain()
    assert receiver.delivered() == []


def _enrollment_event(event_id: str, kind: str, contact_id: str, at: str, **data: Any) -> dict[str, Any]:
    return {
        "id": event_id,
        "type": kind,
        "contact_id": contact_id,
        "occurred_at": at,
        "sequence_id": "seq_9",
        "data": data,
    }


def test_enrollments_reported_back_are_listed_once_per_event_id_whatever_the_order(
    api: LocalApi,  # noqa: F811
) -> None:
    ws = new_workspace()
    c = client(api, ws)
    contact = _contact(c, "enrolled")
    cid = contact["id"]
    assert c.get(f"/api/v1/contacts/{cid}/enrollments").json() == {"data": []}
    finished = _enrollment_event(
        "en2", "enrollment.finished", cid, "2026-03-02T00:00:00Z", enrollment_id="e1", outcome="replied"
    )
    started = _enrollment_event(
        "en1", "enrollment.started", cid, "2026-03-01T00:00:00Z", enrollment_id="e1", workflow_id="wf_1"
    )
    no_sequence = {**_enrollment_event("en3", "enrollment.started", cid, "2026-03-03T00:00:00Z")}
    del no_sequence["sequence_id"]
    # the finish arrives first, over HTTP; the start later, on the bus, twice
    r = c.post("/api/v1/engagement-events", json={"events": [finished, no_sequence]})
    assert r.status_code == 200, r.text
    (applied, bad) = r.json()["data"]
    assert applied["status"] == "applied"
    assert bad["status"] == "error" and "sequence_id" in bad["error"]["message"]
    envelope = {
        "source": bus.SEQUENCE_SOURCE,
        "detail-type": bus.ENROLLMENT_DETAIL_TYPE,
        "detail": {"workspace_id": ws, "events": [started, started, finished]},
    }
    assert [o["status"] for o in bus.handle(envelope)["data"]] == ["applied", "duplicate", "duplicate"]
    assert [o["status"] for o in bus.handle(envelope)["data"]] == ["duplicate"] * 3
    second = _enrollment_event("en4", "enrollment.started", cid, "2026-04-01T00:00:00Z", enrollment_id="e2")
    assert (
        bus.handle({**envelope, "detail": {"workspace_id": ws, "events": [second]}})["meta"]["applied"] == 1
    )

    listed = c.get(f"/api/v1/contacts/{cid}/enrollments/").json()["data"]
    assert listed == [
        {
            "sequence_id": "seq_9",
            "enrollment_id": "e2",
            "workflow_id": None,
            "status": "active",
            "started_at": "2026-04-01T00:00:00.000000Z",
            "finished_at": None,
            "outcome": None,
            "event_ids": ["en4"],
        },
        {
            "sequence_id": "seq_9",
            "enrollment_id": "e1",
            "workflow_id": "wf_1",
            "status": "finished",
            "started_at": "2026-03-01T00:00:00.000000Z",
            "finished_at": "2026-03-02T00:00:00.000000Z",
            "outcome": "replied",
            "event_ids": ["en1", "en2"],
        },
    ]
    # they are the contact's events too (the timeline shows them)
    types = [e["type"] for e in c.get(f"/api/v1/contacts/{cid}/events").json()["data"]]
    assert types == ["enrollment.started", "enrollment.finished", "enrollment.started"]
