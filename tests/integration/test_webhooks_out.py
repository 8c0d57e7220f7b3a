"""Outbound contact webhooks against a real receiver on 127.0.0.1: signed, retried, dead-lettered,
replayed; an import's events are queued after commit and sent by the worker."""

from __future__ import annotations

import csv
import json
import re
import threading
from collections.abc import Callable, Iterator
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import httpx
import pytest

from functions.common import config_store
from functions.dedup import store as dedup_store
from functions.events import delivery, enrollment, subscriptions
from local import imports
from local.runtime import Runtime
from local.server import LocalApi
from tests.integration.test_api_support import (  # noqa: F401
    api,
    client,
    error_of,
    new_workspace,
    seed_contacts,
)

pytestmark = pytest.mark.integration
README = Path(__file__).resolve().parents[2] / "README.md"


def readme_verify() -> Callable[[str, str, bytes], bool]:
    """The README's verification snippet, run as written."""
    text = README.read_text(encoding="utf-8")
    match = re.search(r"<!-- webhook-verify -->\s*```python\n(.*?)```", text, re.S)
    assert match, "README lost its webhook verification snippet"
    code = "\n".join(line[2:] if line.startswith("  ") else line for line in match.group(1).splitlines())
    scope: dict[str, Any] = {}
    exec(code, scope)
    return scope["verify"]  # type: ignore[no-any-return]


class Receiver:
    """An HTTP server answering the queued status codes in turn (then 200), recording each request."""

    def __init__(self) -> None:
        self.answers: list[int] = []
        self.received: list[tuple[int, dict[str, str], bytes]] = []
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                code = outer.answers.pop(0) if outer.answers else 200
                outer.received.append((code, dict(self.headers.items()), body))
                self.send_response(code)
                self.send_header("Content-Length", "2")
                self.end_headers()
                self.wfile.write(b"ok")

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hook"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(timeout=5)

    def delivered(self) -> list[dict[str, Any]]:
        return [json.loads(body) for code, _, body in self.received if code == 200]


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    r = Receiver()
    try:
        yield r
    finally:
        r.close()


def drain(clock: Callable[[], Any] = delivery.utc_now, **kw: Any) -> delivery.Sweep:
    return delivery.run_once(clock=clock, **kw)


def _file(path: Path, tag: str, n: int) -> Path:
    with path.open("w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["Email", "First Name", "Company Domain", "Title"])
        for i in range(n):
            w.writerow([f"w{i}.{tag}@hook-{tag}.com", f"W{i}", f"hook-{tag}.com", "VP Sales"])
    return path


def test_an_import_is_delivered_signed_once_per_contact_and_the_readme_snippet_verifies(
    api: LocalApi,  # noqa: F811
    rt: Runtime,
    receiver: Receiver,
    tmp_path: Path,
) -> None:
    ws = new_workspace()
    admin = client(api, ws)
    r = admin.post(
        "/api/v1/webhooks/subscriptions", json={"url": receiver.url, "event_types": ["contact.created"]}
    )
    assert r.status_code == 201, r.text
    sub = r.json()
    secret = sub["secret"]
    assert secret.startswith("whsec_")
    listed = admin.get("/api/v1/webhooks/subscriptions").json()["data"]
    assert [s["id"] for s in listed] == [sub["id"]] and listed[0]["secret"] is None
    stored = subscriptions.get(ws, sub["id"])
    assert stored is not None and secret not in json.dumps(stored)  # encrypted at rest

    outcome = imports.run_import(
        rt, _file(tmp_path / "p.csv", ws[-6:], 12), workspace_id=ws, options={}, out_dir=tmp_path
    )
    assert outcome.status == "complete" and outcome.counters["imported"] == 12
    assert receiver.received == []  # the import itself calls nobody

    drain()
    events = receiver.delivered()
    assert len(events) == 12
    assert {e["type"] for e in events} == {"contact.created"}
    assert len({e["id"] for e in events}) == 12
    assert all(e["data"]["email"].endswith(f"@hook-{ws[-6:]}.com") and e["data"]["id"] for e in events)
    verify = readme_verify()
    for _, headers, body in receiver.received:
        assert verify(secret, headers["X-Signature"], body)
        assert not verify("whsec_wrong", headers["X-Signature"], body)
    drain()
    assert len(receiver.received) == 12  # nothing is sent twice

    # re-importing the same file changes nothing: contact.updated subscribers hear nothing either
    assert (
        admin.patch(
            f"/api/v1/webhooks/subscriptions/{sub['id']}", json={"event_types": ["contact.updated"]}
        ).status_code
        == 200
    )
    imports.run_import(
        rt, _file(tmp_path / "p.csv", ws[-6:], 12), workspace_id=ws, options={}, out_dir=tmp_path
    )
    drain()
    assert len(receiver.received) == 12


def test_a_500_then_200_is_delivered_once_after_a_retry(
    api: LocalApi,  # noqa: F811
    receiver: Receiver,
) -> None:
    ws = new_workspace()
    admin = client(api, ws)
    sub = admin.post(
        "/api/v1/webhooks/subscriptions", json={"url": receiver.url, "event_types": ["contact.updated"]}
    ).json()
    t0 = delivery.utc_now()
    delivery.queue_events(ws, [("evt_retry1", "contact.updated", {"id": "c1", "email": "a@b.com"})], now=t0)
    receiver.answers = [500]

    first = drain(lambda: t0)
    assert first.failed >= 1 and receiver.received[-1][0] == 500
    drain(lambda: t0)  # not due yet: the backoff holds it
    assert len(receiver.received) == 1
    drain(lambda: t0 + timedelta(hours=2))
    assert [code for code, _, _ in receiver.received] == [500, 200]
    drain(lambda: t0 + timedelta(hours=3))
    assert len(receiver.delivered()) == 1

    page = admin.get(f"/api/v1/webhooks/subscriptions/{sub['id']}/deliveries").json()
    (d,) = page["data"]
    assert d["status"] == "delivered" and d["attempt_count"] == 2
    assert [a.get("status_code") for a in d["attempts"]] == [500, 200]


def test_a_receiver_down_past_the_window_is_dead_lettered_and_replayed_on_request(
    api: LocalApi,  # noqa: F811
    receiver: Receiver,
) -> None:
    ws = new_workspace()
    admin = client(api, ws)
    down = Receiver()
    down_url = down.url
    down.close()  # nothing listens there any more
    sub = admin.post(
        "/api/v1/webhooks/subscriptions", json={"url": down_url, "event_types": ["contact.deleted"]}
    ).json()
    t0 = delivery.utc_now()
    delivery.queue_events(ws, [("evt_dead1", "contact.deleted", {"id": "c2", "email": "d@e.com"})], now=t0)
    window = timedelta(minutes=10)
    dead = 0
    for minute in range(0, 30):
        dead += drain(
            lambda m=minute: t0 + timedelta(minutes=m), window=window, http=httpx.Client(timeout=1)
        ).dead_lettered  # type: ignore[misc]
    assert dead == 1
    (d,) = admin.get(f"/api/v1/webhooks/subscriptions/{sub['id']}/deliveries").json()["data"]
    assert d["status"] == "dead_lettered" and d["attempt_count"] >= 2
    assert all("error" in a for a in d["attempts"])

    # the receiver is back (at a new address); the integrator replays the dead letter
    assert (
        admin.patch(f"/api/v1/webhooks/subscriptions/{sub['id']}", json={"url": receiver.url}).status_code
        == 200
    )
    r = admin.post(f"/api/v1/webhooks/subscriptions/{sub['id']}/deliveries/{d['id']}/redeliver")
    assert r.status_code == 202, r.text
    assert r.json()["status"] == "pending"
    drain()
    assert [e["id"] for e in receiver.delivered()] == ["evt_dead1"]
    (after,) = admin.get(f"/api/v1/webhooks/subscriptions/{sub['id']}/deliveries").json()["data"]
    assert after["status"] == "delivered"


def test_an_import_with_a_workflow_requests_enrollment_for_eligible_contacts_only(
    api: LocalApi,  # noqa: F811
    rt: Runtime,
    receiver: Receiver,
    tmp_path: Path,
) -> None:
    ws = new_workspace()
    admin = client(api, ws)
    admin.post(
        "/api/v1/webhooks/subscriptions",
        json={"url": receiver.url, "event_types": ["contact.enrollment_requested"]},
    )
    tag = ws[-6:]
    imports.run_import(
        rt,
        _file(tmp_path / "a.csv", tag, 5),
        workspace_id=ws,
        options={"workflow_id": "wf_1"},
        out_dir=tmp_path,
    )
    dnt_file = _file(tmp_path / "b.csv", tag + "x", 3)
    imports.run_import(
        rt, dnt_file, workspace_id=ws, options={"workflow_id": "wf_1", "dnt": True}, out_dir=tmp_path
    )
    drain()
    got = receiver.delivered()
    assert len(got) == 5  # Do Not Touch contacts are never handed to a sequence
    assert {e["type"] for e in got} == {"contact.enrollment_requested"}
    assert {e["workflow_id"] for e in got} == {"wf_1"}
    assert all(not e["data"]["dnt"] for e in got)

    # an unchanged re-import still enrolls; a rule allowing no tier the contacts have stops it
    imports.run_import(
        rt,
        _file(tmp_path / "a.csv", tag, 5),
        workspace_id=ws,
        options={"workflow_id": "wf_2"},
        out_dir=tmp_path,
    )
    drain()
    assert sorted(e["workflow_id"] for e in receiver.delivered()) == ["wf_1"] * 5 + ["wf_2"] * 5
    config_store.put_doc(ws, enrollment.ENROLLMENT_RULE, {"icp_tiers": ["no-such-tier"]})
    imports.run_import(
        rt,
        _file(tmp_path / "a.csv", tag, 5),
        workspace_id=ws,
        options={"workflow_id": "wf_3"},
        out_dir=tmp_path,
    )
    drain()
    assert len(receiver.delivered()) == 10


def test_patching_and_deleting_a_contact_over_the_api_are_announced(
    api: LocalApi,  # noqa: F811
    receiver: Receiver,
) -> None:
    ws = new_workspace()
    admin = client(api, ws)
    admin.post(
        "/api/v1/webhooks/subscriptions",
        json={"url": receiver.url, "event_types": ["contact.updated", "contact.deleted"]},
    )
    (email,) = seed_contacts(ws, 1, prefix="wh")
    contact_id = dedup_store.contacts_by_email(ws, [email])[email]["contact_id"]
    assert admin.patch(f"/api/v1/contacts/{contact_id}", json={"title": "CTO"}).status_code == 200
    assert admin.delete(f"/api/v1/contacts/{contact_id}").status_code in (200, 204)
    drain()
    got = receiver.delivered()
    assert sorted(e["type"] for e in got) == ["contact.deleted", "contact.updated"]
    updated = next(e for e in got if e["type"] == "contact.updated")
    assert updated["data"]["id"] == contact_id and updated["data"]["title"] == "CTO"
    assert next(e for e in got if e["type"] == "contact.deleted")["data"]["is_deleted"] is True


def test_contacts_created_over_the_api_are_announced_as_an_import_would(
    api: LocalApi,  # noqa: F811
    receiver: Receiver,
) -> None:
    ws = new_workspace()
    admin = client(api, ws)
    admin.post(
        "/api/v1/webhooks/subscriptions",
        json={"url": receiver.url, "event_types": ["contact.created", "contact.updated", "contact.scored"]},
    )
    one = {"email": "ann.api@hook-api.com", "first_name": "Ann", "title": "VP Sales"}
    created = admin.post("/api/v1/contacts", json=one)
    assert created.status_code == 201
    assert admin.post("/api/v1/contacts", json=one).status_code == 200  # changes nothing: tells nobody
    bulk = admin.post(
        "/api/v1/contacts/bulk",
        json={
            "contacts": [
                {**one, "title": "CTO"},
                {"email": "bo.api@hook-api.com", "first_name": "Bo"},
                {"email": "not-an-email"},
            ]
        },
    )
    assert [r["status"] for r in bulk.json()["results"]] == ["updated", "imported", "error"]
    drain()
    got = receiver.delivered()
    kinds = sorted((e["type"], e["data"]["email"]) for e in got if e["type"] != "contact.scored")
    assert kinds == [
        ("contact.created", "ann.api@hook-api.com"),
        ("contact.created", "bo.api@hook-api.com"),
        ("contact.updated", "ann.api@hook-api.com"),
    ]
    assert len({e["id"] for e in got}) == len(got)
    updated = next(e for e in got if e["type"] == "contact.updated")
    assert updated["data"]["id"] == created.json()["id"] and updated["data"]["title"] == "CTO"
    scored = {e["data"]["email"] for e in got if e["type"] == "contact.scored"}
    assert "bo.api@hook-api.com" in scored  # a new contact's first score


def test_subscriptions_are_validated_and_isolated_per_workspace(
    api: LocalApi,  # noqa: F811
    receiver: Receiver,
) -> None:
    ws, other = new_workspace(), new_workspace()
    admin = client(api, ws)
    bad_type = admin.post(
        "/api/v1/webhooks/subscriptions", json={"url": receiver.url, "event_types": ["contact.eaten"]}
    )
    assert bad_type.status_code == 400 and error_of(bad_type)["field"] == "event_types"
    bad_url = admin.post(
        "/api/v1/webhooks/subscriptions", json={"url": "ftp://x", "event_types": ["contact.created"]}
    )
    assert bad_url.status_code == 400 and error_of(bad_url)["field"] == "url"
    sub = admin.post(
        "/api/v1/webhooks/subscriptions", json={"url": receiver.url, "event_types": ["contact.created"]}
    ).json()
    stranger = client(api, other)
    assert stranger.get(f"/api/v1/webhooks/subscriptions/{sub['id']}").status_code == 404
    assert stranger.delete(f"/api/v1/webhooks/subscriptions/{sub['id']}").status_code == 404
    rotated = admin.patch(f"/api/v1/webhooks/subscriptions/{sub['id']}", json={"rotate_secret": True}).json()
    assert rotated["secret"] and rotated["secret"] != sub["secret"]
    assert admin.delete(f"/api/v1/webhooks/subscriptions/{sub['id']}").status_code == 204
    assert admin.get(f"/api/v1/webhooks/subscriptions/{sub['id']}").status_code == 404
