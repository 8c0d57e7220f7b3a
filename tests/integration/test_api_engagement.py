"""Engagement over real HTTP: the internal ingest route and a contact's timeline."""

from __future__ import annotations

import uuid

import pytest

from functions.api import auth
from functions.dedup import store as dedup_store
from local.server import LocalApi
from tests.integration.test_api_support import api, client, error_of, new_workspace, seed_contacts  # noqa: F401

pytestmark = pytest.mark.integration


def _events(who: str, n: int, kind: str = "opened") -> list[dict[str, object]]:
    return [
        {
            "id": f"h{i}_{uuid.uuid4().hex[:6]}",
            "type": kind,
            "email": who,
            "occurred_at": f"2026-04-01T10:{i:02d}:00Z",
        }
        for i in range(n)
    ]


def test_ingest_needs_the_events_write_scope(api: LocalApi) -> None:  # noqa: F811
    ws = new_workspace()
    integrator = client(api, ws, tuple(s for s in auth.SCOPES if s != auth.EVENTS_WRITE))
    r = integrator.post("/api/v1/engagement-events", json={"events": _events("a@b-example.com", 1)})
    assert r.status_code == 403, r.text
    assert "events:write" in error_of(r)["message"]


def test_ingest_answers_per_event_and_a_retry_is_all_duplicate(api: LocalApi) -> None:  # noqa: F811
    ws = new_workspace()
    engine = client(api, ws, (auth.EVENTS_WRITE,))
    (who,) = seed_contacts(ws, 1, prefix="http")
    body = {"events": [*_events(who, 3), {"id": "bad", "type": "opened", "email": who}]}
    r = engine.post("/api/v1/engagement-events", json=body)
    assert r.status_code == 200, r.text
    doc = r.json()
    assert [d["status"] for d in doc["data"]] == ["applied", "applied", "applied", "error"]
    assert doc["data"][3]["error"]["code"] == "INVALID_EVENT"
    assert doc["meta"]["applied"] == 3 and doc["meta"]["error"] == 1
    again = engine.post("/api/v1/engagement-events", json=body).json()
    assert [d["status"] for d in again["data"]] == ["duplicate"] * 3 + ["error"]


def test_more_than_500_events_in_one_call_is_refused(api: LocalApi) -> None:  # noqa: F811
    engine = client(api, new_workspace(), (auth.EVENTS_WRITE,))
    r = engine.post("/api/v1/engagement-events", json={"events": _events("a@b-example.com", 1) * 501})
    assert r.status_code == 400, r.text
    assert error_of(r)["field"] == "events"


def test_timeline_over_http_pages_newest_first_with_type_filter(api: LocalApi) -> None:  # noqa: F811
    ws = new_workspace()
    (who,) = seed_contacts(ws, 1, prefix="tl")
    reader = client(api, ws, (auth.CONTACTS_READ,))
    engine = client(api, ws, (auth.EVENTS_WRITE,))
    sent = _events(who, 2, "sent")
    opened = _events(who, 3, "opened")
    assert engine.post("/api/v1/engagement-events", json={"events": sent + opened}).status_code == 200
    contact_id = dedup_store.contacts_by_email(ws, [who])[who]["contact_id"]

    first = reader.get(f"/api/v1/contacts/{contact_id}/events/", params={"limit": 2})
    assert first.status_code == 200, first.text
    page = first.json()
    assert [e["occurred_at"] for e in page["data"]] == [
        "2026-04-01T10:02:00.000000Z",
        "2026-04-01T10:01:00.000000Z",
    ]
    assert page["meta"]["has_more"] is True
    rest = reader.get(
        f"/api/v1/contacts/{contact_id}/events", params={"limit": 10, "cursor": page["meta"]["next_cursor"]}
    ).json()
    assert len(rest["data"]) == 3 and rest["meta"] == {"next_cursor": None, "has_more": False}

    # the seed's spelling of a type is accepted
    only_sent = reader.get(f"/api/v1/contacts/{contact_id}/events", params={"event_type": "sent"}).json()
    assert {e["type"] for e in only_sent["data"]} == {"sent"} and len(only_sent["data"]) == 2
    seed_spelling = reader.get(f"/api/v1/contacts/{contact_id}/events", params={"event_type": "email_opened"})
    assert len(seed_spelling.json()["data"]) == 3
    assert all(e["contact_id"] == contact_id for e in seed_spelling.json()["data"])

    bad = reader.get(f"/api/v1/contacts/{contact_id}/events", params={"event_type": "teleported"})
    assert bad.status_code == 400 and error_of(bad)["field"] == "event_type"
    bad_cursor = reader.get(f"/api/v1/contacts/{contact_id}/events", params={"cursor": "garbage"})
    assert bad_cursor.status_code == 400 and error_of(bad_cursor)["field"] == "cursor"


def test_another_workspaces_contact_has_no_timeline_here(api: LocalApi) -> None:  # noqa: F811
    owner = new_workspace()
    (who,) = seed_contacts(owner, 1, prefix="iso")
    contact_id = dedup_store.contacts_by_email(owner, [who])[who]["contact_id"]
    stranger = client(api, new_workspace(), (auth.CONTACTS_READ,))
    r = stranger.get(f"/api/v1/contacts/{contact_id}/events")
    assert r.status_code == 404


def test_a_gdpr_hard_delete_clears_the_engagement_history(api: LocalApi) -> None:  # noqa: F811
    ws = new_workspace()
    (who,) = seed_contacts(ws, 1, prefix="gdpr")
    c = client(api, ws)
    assert c.post("/api/v1/engagement-events", json={"events": _events(who, 30)}).status_code == 200
    contact_id = dedup_store.contacts_by_email(ws, [who])[who]["contact_id"]
    assert c.delete(f"/api/v1/contacts/{contact_id}", params={"hard": "true"}).status_code == 200
    from functions.events import store

    assert store.all_events(ws, who) == []


def test_the_contact_detail_list_and_search_carry_the_engagement_counters(api: LocalApi) -> None:  # noqa: F811
    import time

    ws = new_workspace()
    c = client(api, ws)
    contact = c.post("/api/v1/contacts", json={"email": f"counted.{ws}@counters-example.com"}).json()
    events = [
        {"id": "s1", "type": "sent", "contact_id": contact["id"], "occurred_at": "2026-04-01T09:00:00Z"},
        {"id": "s2", "type": "sent", "contact_id": contact["id"], "occurred_at": "2026-04-02T09:00:00Z"},
        {"id": "r1", "type": "replied", "contact_id": contact["id"], "occurred_at": "2026-04-02T10:00:00Z"},
        {
            "id": "b1",
            "type": "bounced",
            "contact_id": contact["id"],
            "occurred_at": "2026-04-03T09:00:00Z",
            "data": {"bounce_type": "soft"},
        },
    ]
    assert c.post("/api/v1/engagement-events", json={"events": events}).json()["meta"]["applied"] == 4
    expected = {
        "total_sent": 2,
        "total_responses": 1,
        "response_rate": 0.5,
        "bounce_status": "soft",
        "last_sent_at": "2026-04-02T09:00:00.000000Z",
        "last_engaged_at": "2026-04-02T10:00:00.000000Z",
    }
    assert c.get(f"/api/v1/contacts/{contact['id']}").json()["engagement"] == expected
    deadline = time.monotonic() + 30  # the list and search read the read model: it may lag a moment
    while True:
        listed = c.get("/api/v1/contacts").json()["data"]
        found = c.post("/api/v1/contacts/search", json={}).json()["data"]
        if (listed and found) or time.monotonic() > deadline:
            break
        time.sleep(0.2)
    assert [x["engagement"] for x in listed] == [expected]
    assert [x["engagement"] for x in found] == [expected]
