"""Engagement ingest on DynamoDB Local: each event id applied once, counters, timeline, errors."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from functions.common import ddb
from functions.common.aws import client
from functions.common.models import GlobalContact, table_name
from functions.dedup import store as dedup_store
from functions.events import counters, service, store
from functions.events.model import Event, EventType, event_time
from local.runtime import Runtime
from tests.integration.test_api_support import new_workspace, seed_contacts

pytestmark = pytest.mark.integration
T0 = datetime(2026, 2, 1, 9, 0, tzinfo=UTC)


def email() -> str:
    return f"p.{uuid.uuid4().hex[:10]}@engage-example.com"


def raw(kind: str, who: str, at: datetime, *, id: str | None = None, **data: Any) -> dict[str, Any]:
    doc: dict[str, Any] = {"id": id or f"ev_{uuid.uuid4().hex[:12]}", "type": kind, "email": who}
    doc["occurred_at"] = at.isoformat()
    if data:
        doc["data"] = data
    return doc


def global_of(address: str) -> dict[str, Any]:
    return dedup_store.global_contacts([address]).get(address) or {}


def test_each_event_is_applied_once_and_a_redelivered_batch_changes_nothing(rt: Runtime) -> None:
    ws, who = new_workspace(), email()
    batch = [
        raw("sent", who, T0),
        raw("sent", who, T0 + timedelta(days=3)),
        raw("delivered", who, T0 + timedelta(days=3, minutes=1)),
        raw("opened", who, T0 + timedelta(days=3, hours=2)),
        raw("replied", who, T0 + timedelta(days=4)),
    ]
    first = service.ingest(ws, batch)
    assert [o.status for o in first.outcomes] == ["applied"] * 5
    after_first = global_of(who)
    assert after_first["total_sent"] == 2 and after_first["total_responses"] == 1
    assert after_first["response_rate"] == 0.5
    assert after_first["last_sent_at"] == event_time(T0 + timedelta(days=3))
    assert after_first["last_engaged_at"] == event_time(T0 + timedelta(days=4))

    again = service.ingest(ws, list(reversed(batch)))
    assert [o.status for o in again.outcomes] == ["duplicate"] * 5
    assert global_of(who) == after_first
    assert len(store.all_events(ws, who)) == 5


def test_the_same_event_twice_in_one_batch_counts_once(rt: Runtime) -> None:
    ws, who = new_workspace(), email()
    sent = raw("sent", who, T0)
    result = service.ingest(ws, [sent, dict(sent), {**sent, "occurred_at": "2026-02-01T10:00:00+01:00"}])
    assert [o.status for o in result.outcomes] == ["applied", "duplicate", "duplicate"]
    assert global_of(who)["total_sent"] == 1


def test_bad_events_are_errors_one_by_one_and_the_rest_apply(rt: Runtime) -> None:
    ws, who = new_workspace(), email()
    (other_ws_contact,) = seed_contacts(new_workspace(), 1, prefix="elsewhere")
    result = service.ingest(
        ws,
        [
            raw("opened", who, T0),
            {"id": "no_time", "type": "opened", "email": who},
            {"id": "ghost", "type": "opened", "contact_id": "cont_nope", "occurred_at": T0.isoformat()},
            {**raw("opened", other_ws_contact, T0), "workspace_id": "ws_other"},
            "not an object",
        ],
    )
    assert [(o.status, o.code) for o in result.outcomes] == [
        ("applied", None),
        ("error", "INVALID_EVENT"),
        ("error", "CONTACT_NOT_FOUND"),
        ("error", "WORKSPACE_MISMATCH"),
        ("error", "INVALID_EVENT"),
    ]
    assert "occurred_at" in (result.outcomes[1].message or "")
    assert result.outcomes[2].id == "ghost"


def test_an_event_by_contact_id_lands_on_that_contacts_timeline(rt: Runtime) -> None:
    ws = new_workspace()
    (who,) = seed_contacts(ws, 1, prefix="byid")
    contact = dedup_store.contacts_by_email(ws, [who])[who]
    result = service.ingest(
        ws,
        [
            {
                "id": "c1",
                "type": "clicked",
                "contact_id": contact["contact_id"],
                "occurred_at": T0.isoformat(),
            },
            {
                "id": "c2",
                "type": "clicked",
                "contact_id": contact["contact_id"],
                "email": email(),
                "occurred_at": T0.isoformat(),
            },
        ],
    )
    assert [(o.status, o.code) for o in result.outcomes] == [("applied", None), ("error", "CONTACT_MISMATCH")]
    (event,) = store.all_events(ws, who)
    assert event.event_id == "c1" and event.contact_id == contact["contact_id"]


def test_events_landed_without_their_counter_refresh_are_healed_by_the_redelivery(rt: Runtime) -> None:
    """A crash between the transaction and the max-wins step: the retried batch finishes it."""
    ws, who = new_workspace(), email()
    batch = [raw("sent", who, T0), raw("replied", who, T0 + timedelta(hours=5))]
    events = [
        Event(ws, b["id"], EventType(b["type"]), who, event_time(datetime.fromisoformat(b["occurred_at"])))
        for b in batch
    ]
    store.apply_counted(events, "2026-02-02T00:00:00.000Z")  # ... and the process died here
    half = global_of(who)
    assert half["total_sent"] == 1 and "last_sent_at" not in half and "response_rate" not in half

    result = service.ingest(ws, batch)
    assert [o.status for o in result.outcomes] == ["duplicate", "duplicate"]
    healed = global_of(who)
    assert healed["total_sent"] == 1 and healed["total_responses"] == 1 and healed["response_rate"] == 1.0
    assert healed["last_sent_at"] == event_time(T0)
    assert healed["last_engaged_at"] == event_time(T0 + timedelta(hours=5))


def test_a_max_wins_refresh_that_loses_a_race_reads_again(rt: Runtime) -> None:
    who = email()
    later, earlier = event_time(T0 + timedelta(days=2)), event_time(T0)
    ddb.batch_put(table_name(GlobalContact), [{"email": who, "total_sent": 1, "total_responses": 0}])
    # a concurrent writer moves the item between our read and our write: the guard catches it
    real = dedup_store.global_contacts
    calls = {"n": 0}

    def racing(emails: Any) -> Any:
        found = real(emails)
        calls["n"] += 1
        if calls["n"] == 1:
            client("dynamodb").update_item(
                TableName=table_name(GlobalContact),
                Key={"email": {"S": who}},
                UpdateExpression="SET last_sent_at = :t ADD total_sent :one",
                ExpressionAttributeValues={":t": {"S": later}, ":one": {"N": "1"}},
            )
        return found

    dedup_store.global_contacts = racing  # type: ignore[assignment]
    try:
        store.refresh_globals({who: counters.Marks(last_sent_at=earlier)})
    finally:
        dedup_store.global_contacts = real  # type: ignore[assignment]
    final = global_of(who)
    assert calls["n"] == 2
    assert final["last_sent_at"] == later  # the older event did not overwrite the newer time
    assert final["response_rate"] == 0.0 and final["total_sent"] == 2


def test_timeline_pages_newest_first_and_filters_by_type(rt: Runtime) -> None:
    ws, who = new_workspace(), email()
    kinds = ["sent", "opened", "clicked", "opened", "replied", "sent", "opened"]
    batch = [raw(k, who, T0 + timedelta(hours=i), id=f"t{i}") for i, k in enumerate(kinds)]
    service.ingest(ws, list(reversed(batch)))

    seen: list[str] = []
    cursor = None
    while True:
        page = store.timeline(ws, who, limit=3, cursor=cursor)
        seen += [e.event_id for e in page.events]
        cursor = page.next_cursor
        if cursor is None:
            break
    assert seen == [f"t{i}" for i in reversed(range(7))]

    opened: list[str] = []
    cursor = None
    while True:
        page = store.timeline(ws, who, types=["opened", "replied"], limit=2, cursor=cursor)
        opened += [e.event_id for e in page.events]
        cursor = page.next_cursor
        if cursor is None:
            break
    assert opened == ["t6", "t4", "t3", "t1"]

    with pytest.raises(store.BadCursor):
        store.timeline(ws, email(), limit=2, cursor=store.timeline(ws, who, limit=1).next_cursor)


def test_a_duplicate_that_slips_past_the_read_cancels_its_transaction_and_counts_once(
    rt: Runtime, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Two deliveries racing: both read "new"; the transaction's condition is the arbiter."""
    ws, who = new_workspace(), email()
    first = [raw("sent", who, T0 + timedelta(hours=i)) for i in range(3)]
    service.ingest(ws, first)
    monkeypatch.setattr(store, "_existing", lambda events: set())
    mixed = [*first, raw("sent", who, T0 + timedelta(days=1)), raw("replied", who, T0 + timedelta(days=2))]
    result = service.ingest(ws, mixed)
    assert [o.status for o in result.outcomes] == ["duplicate"] * 3 + ["applied"] * 2
    after = global_of(who)
    assert (after["total_sent"], after["total_responses"]) == (4, 1)


def test_the_lambda_handler_applies_a_bus_event_per_workspace(rt: Runtime) -> None:
    from functions.events.handler import handler
    from local.runtime import LambdaContext

    ws, other, who = new_workspace(), new_workspace(), email()
    envelope = {
        "version": "0",
        "source": "email-engine",
        "detail-type": "Engagement",
        "detail": {
            "workspace_id": ws,
            "events": [
                raw("sent", who, T0),
                {**raw("opened", who, T0 + timedelta(hours=1)), "workspace_id": other},
                {"id": "broken", "type": "sent", "email": who},
            ],
        },
    }
    result = handler(envelope, LambdaContext(function_name="Events"))
    assert [d["status"] for d in result["data"]] == ["applied", "applied", "error"]
    assert [d["index"] for d in result["data"]] == [0, 1, 2]
    assert len(store.all_events(ws, who)) == 1 and len(store.all_events(other, who)) == 1
    again = handler(envelope, LambdaContext(function_name="Events"))
    assert again["meta"] == {**again["meta"], "applied": 0, "duplicate": 2, "error": 1}
