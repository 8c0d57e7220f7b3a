"""DynamoDB adapter of engagement ingest: the timeline, the counters and event suppressions.

Writes, and why each is safe to repeat:

* An event that moves no counter is a PartiQL `INSERT` (25 per batch request): the key exists
  already -> `DuplicateItem` -> the event was applied before.
* An event that moves a counter (sent, replied) and is not found by a first BatchGetItem is a
  conditional Put in one TransactWriteItems with an `ADD` on its GlobalContact (events of one
  email in one transaction are summed into one Update). The put and the ADD commit together or
  not at all, so a count is added exactly once per event id; a duplicate that slipped past the
  read (a concurrent delivery) cancels the transaction, which is retried without it.
* GlobalContact's max-wins and derived attributes are set with a condition on exactly the
  values they were computed from (optimistic concurrency): a concurrent change makes the
  statement fail, the item is read again and the change recomputed. Repeating it is harmless,
  so duplicates redo it too (what heals a crash between the transaction and this step).
* Suppressions are create-only INSERTs: an existing entry (manual, an earlier event) stays.
"""

from __future__ import annotations

import base64
import json
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from botocore.exceptions import ClientError

from functions.common import ddb
from functions.common.aws import client
from functions.common.models import EngagementEvent, GlobalContact, Suppression, table_name
from functions.dedup import store as dedup_store
from functions.events import counters
from functions.events.model import Event, EventType

TRANSACTION_EVENTS = 25  # events per transaction (+ one Update per email: well under 100 actions)
MAX_REFRESH_ROUNDS = 8


def timeline_pk(workspace_id: str, email: str) -> str:
    return f"{workspace_id}#{email}"


def event_sk(event: Event) -> str:
    return f"{event.occurred_at}#{event.event_id}"


def event_key(event: Event) -> tuple[str, str]:
    return timeline_pk(event.workspace_id, event.email), event_sk(event)


def event_item(event: Event, received_at: str) -> dict[str, Any]:
    pk, sk = event_key(event)
    item: dict[str, Any] = {
        "pk": pk,
        "sk": sk,
        "event_id": event.event_id,
        "event_type": str(event.type),
        "workspace_id": event.workspace_id,
        "email": event.email,
        "occurred_at": event.occurred_at,
        "received_at": received_at,
        "contact_id": event.contact_id,
        "campaign_id": event.campaign_id,
        "sequence_id": event.sequence_id,
        "data": json.dumps(event.data, separators=(",", ":"), sort_keys=True) if event.data else None,
    }
    return {k: v for k, v in item.items() if v is not None}


def event_from_item(item: dict[str, Any]) -> Event:
    return Event(
        workspace_id=item["workspace_id"],
        event_id=item["event_id"],
        type=EventType(item["event_type"]),
        email=item["email"],
        occurred_at=item["occurred_at"],
        contact_id=item.get("contact_id"),
        campaign_id=item.get("campaign_id"),
        sequence_id=item.get("sequence_id"),
        data=json.loads(item["data"]) if item.get("data") else {},
    )


# --- contacts the events name ---------------------------------------------------------------------


def contacts_by_email(workspace_id: str, emails: Iterable[str]) -> dict[str, dict[str, Any]]:
    return dedup_store.contacts_by_email(workspace_id, emails)


def contacts_by_id(workspace_id: str, contact_ids: Iterable[str]) -> dict[str, dict[str, Any]]:
    return dedup_store.contacts_by_id(workspace_id, contact_ids)


# --- applying events ----------------------------------------------------------------------------


def insert_plain(events: Sequence[Event], received_at: str) -> dict[tuple[str, str], bool]:
    """Events that move no counter: key -> True when applied now, False when already there."""
    table = table_name(EngagementEvent)
    statements = [dedup_store.insert(table, event_item(e, received_at)) for e in events]
    out: dict[tuple[str, str], bool] = {}
    for event, outcome in zip(events, ddb.execute_batch(statements), strict=True):
        if not outcome.ok and outcome.code != "DuplicateItem":
            raise RuntimeError(f"unexpected DynamoDB outcome: {outcome.code}: {outcome.message}")
        out[event_key(event)] = outcome.ok
    return out


def apply_counted(events: Sequence[Event], received_at: str) -> dict[tuple[str, str], bool]:
    """Events that move a counter: each put and its ADD in one transaction (see module doc)."""
    # a redelivery is normal: a read (1 RRU) finds the known ones before a transaction that a
    # single duplicate would cancel (2 WRU per action, paid again on the retry)
    known = _existing(events)
    out: dict[tuple[str, str], bool] = {event_key(e): False for e in events if event_key(e) in known}
    for group in ddb.chunked([e for e in events if event_key(e) not in known], TRANSACTION_EVENTS):
        out.update(_transact(group, received_at))
    return out


def _existing(events: Sequence[Event]) -> set[tuple[str, str]]:
    keys = [dict(zip(("pk", "sk"), event_key(e), strict=True)) for e in events]
    return {(i["pk"], i["sk"]) for i in ddb.batch_get(table_name(EngagementEvent), keys)} if keys else set()


def _transact(group: list[Event], received_at: str) -> dict[tuple[str, str], bool]:
    events_table, globals_table = table_name(EngagementEvent), table_name(GlobalContact)
    out: dict[tuple[str, str], bool] = {}
    pending = list(group)
    attempt = 0
    while pending:
        deltas = counters.deltas_by_email(pending)
        actions: list[dict[str, Any]] = [
            {
                "Put": {
                    "TableName": events_table,
                    "Item": {k: ddb.to_av(v) for k, v in event_item(e, received_at).items()},
                    "ConditionExpression": "attribute_not_exists(pk)",
                }
            }
            for e in pending
        ]
        actions += [
            {
                "Update": {
                    "TableName": globals_table,
                    "Key": {"email": {"S": email}},
                    # both counters always exist afterwards: later conditions compare them
                    "UpdateExpression": "ADD total_sent :s, total_responses :r",
                    "ExpressionAttributeValues": {":s": {"N": str(sent)}, ":r": {"N": str(replied)}},
                }
            }
            for email, (sent, replied) in sorted(deltas.items())
        ]
        try:
            client("dynamodb").transact_write_items(TransactItems=actions)
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") != "TransactionCanceledException":
                raise
            reasons = exc.response.get("CancellationReasons") or []
            codes = [r.get("Code") for r in reasons[: len(pending)]]
            if len(codes) != len(pending):
                codes = _existing_as_codes(pending)
            duplicates = [
                e for e, code in zip(pending, codes, strict=True) if code == "ConditionalCheckFailed"
            ]
            for e in duplicates:
                out[event_key(e)] = False
            if not duplicates:  # a conflict or throttling: the same transaction, later
                attempt = ddb._backoff(attempt)
            pending = [e for e in pending if event_key(e) not in out]
            continue
        for e in pending:
            out[event_key(e)] = True
        pending = []
    return out


def _existing_as_codes(events: list[Event]) -> list[str]:
    """Which events of a cancelled transaction exist already (when the engine gave no reasons)."""
    found = _existing(events)
    return ["ConditionalCheckFailed" if event_key(e) in found else "None" for e in events]


# --- GlobalContact: max-wins and derived attributes ----------------------------------------------

_GUARDED = ("total_sent", "total_responses", "last_sent_at", "last_engaged_at", "bounce_status")


def refresh_globals(marks: dict[str, counters.Marks]) -> int:
    """Bring each email's GlobalContact up to its marks; returns the number of writes made."""
    table = table_name(GlobalContact)
    todo = dict(marks)
    writes = 0
    for _ in range(MAX_REFRESH_ROUNDS):
        if not todo:
            return writes
        current = dedup_store.global_contacts(todo)
        statements: list[ddb.Statement] = []
        emails: list[str] = []
        for email, mark in sorted(todo.items()):
            item = current.get(email)
            sets = counters.global_changes(item, mark)
            if not sets:
                continue
            emails.append(email)
            if item is None:
                statements.append(
                    dedup_store.insert(table, {"email": email, "total_sent": 0, "total_responses": 0, **sets})
                )
            else:
                condition, params = _unchanged(item)
                statements.append(
                    dedup_store.update(
                        table, {"email": email}, sets, condition=condition, condition_params=params
                    )
                )
        outcomes = ddb.execute_batch(statements)
        writes += len(statements)
        retry = {}
        for email, outcome in zip(emails, outcomes, strict=True):
            if outcome.ok:
                continue
            if outcome.code not in ("ConditionalCheckFailed", "DuplicateItem"):
                raise RuntimeError(f"unexpected DynamoDB outcome: {outcome.code}: {outcome.message}")
            retry[email] = todo[email]
        todo = retry
        if todo:
            time.sleep(0.01)
    raise ddb.TransientStoreError(f"GlobalContact kept changing under {len(todo)} refreshes")


def _unchanged(item: dict[str, Any]) -> tuple[str, tuple[Any, ...]]:
    parts, params = [], []
    for name in _GUARDED:
        if item.get(name) is None:
            parts.append(f"{name} IS MISSING")
        else:
            parts.append(f"{name}=?")
            params.append(item[name])
    return " AND ".join(parts), tuple(params)


# --- suppressions ----------------------------------------------------------------------------------


def add_suppressions(entries: Sequence[counters.SuppressionFromEvent], now: str) -> int:
    """Create-only: returns how many were new."""
    table = table_name(Suppression)
    statements = [
        dedup_store.insert(
            table,
            {
                "scope": s.scope,
                "value": s.email,
                "reason": s.reason,
                "created_at": now,
                "source": f"event:{s.event_id}",
            },
        )
        for s in entries
    ]
    created = 0
    for outcome in ddb.execute_batch(statements):
        if outcome.ok:
            created += 1
        elif outcome.code != "DuplicateItem":
            raise RuntimeError(f"unexpected DynamoDB outcome: {outcome.code}: {outcome.message}")
    return created


# --- the timeline -------------------------------------------------------------------------------


@dataclass(frozen=True)
class TimelinePage:
    events: list[Event]
    next_cursor: str | None


class BadCursor(ValueError):
    pass


def encode_cursor(pk: str, sk: str) -> str:
    raw = json.dumps({"pk": pk, "sk": sk}, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str, pk: str) -> str:
    try:
        doc = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
    except (ValueError, TypeError) as exc:
        raise BadCursor("the cursor is not one this API returned") from exc
    if not isinstance(doc, dict) or doc.get("pk") != pk or not isinstance(doc.get("sk"), str):
        raise BadCursor("the cursor belongs to another contact's timeline")
    return str(doc["sk"])


def timeline(
    workspace_id: str,
    email: str,
    *,
    types: Sequence[str] | None = None,
    limit: int = 50,
    cursor: str | None = None,
) -> TimelinePage:
    """Newest first; `types` filters; the cursor is the key of the last event returned, so a
    filtered page that stops mid-partition resumes exactly after it."""
    pk = timeline_pk(workspace_id, email)
    request: dict[str, Any] = {
        "TableName": table_name(EngagementEvent),
        "KeyConditionExpression": "pk = :pk",
        "ExpressionAttributeValues": {":pk": {"S": pk}},
        "ScanIndexForward": False,
        "ConsistentRead": True,
    }
    if types:
        names = [f":t{i}" for i in range(len(types))]
        request["FilterExpression"] = f"event_type IN ({', '.join(names)})"
        request["ExpressionAttributeValues"].update({n: {"S": t} for n, t in zip(names, types, strict=True)})
    if cursor:
        request["ExclusiveStartKey"] = {"pk": {"S": pk}, "sk": {"S": decode_cursor(cursor, pk)}}
    found: list[dict[str, Any]] = []
    more = True
    while len(found) <= limit and more:
        # one extra item tells whether another page exists
        request["Limit"] = max(limit + 1 - len(found), 25) if types else limit + 1 - len(found)
        resp = client("dynamodb").query(**request)
        found.extend(ddb.from_item(i) for i in resp.get("Items", []))
        last = resp.get("LastEvaluatedKey")
        more = last is not None
        if last is not None:
            request["ExclusiveStartKey"] = last
    page, rest = found[:limit], found[limit:]
    next_cursor = encode_cursor(pk, page[-1]["sk"]) if rest and page else None
    return TimelinePage([event_from_item(i) for i in page], next_cursor)


@dataclass(frozen=True, slots=True)
class ScoringEvent:
    """What re-scoring needs of an event (a narrow projection: cheaper to read and decode)."""

    type: str
    occurred_at: str
    event_id: str


SCORING_READERS = 8  # one Query per contact, this many at a time


def scoring_events(workspace_id: str, emails: Sequence[str]) -> dict[str, list[ScoringEvent]]:
    """Every event of each contact, as ScoringEvents; the Queries run concurrently."""
    from concurrent.futures import ThreadPoolExecutor

    def one(email: str) -> list[ScoringEvent]:
        request: dict[str, Any] = {
            "TableName": table_name(EngagementEvent),
            "KeyConditionExpression": "pk = :pk",
            "ExpressionAttributeValues": {":pk": {"S": timeline_pk(workspace_id, email)}},
            "ProjectionExpression": "event_type, occurred_at, event_id",
            "ConsistentRead": True,
        }
        out: list[ScoringEvent] = []
        while True:
            resp = client("dynamodb").query(**request)
            out.extend(
                ScoringEvent(i["event_type"]["S"], i["occurred_at"]["S"], i["event_id"]["S"])
                for i in resp.get("Items", [])
            )
            if "LastEvaluatedKey" not in resp:
                return out
            request["ExclusiveStartKey"] = resp["LastEvaluatedKey"]

    if len(emails) <= 1:
        return {e: one(e) for e in emails}
    with ThreadPoolExecutor(max_workers=min(SCORING_READERS, len(emails))) as pool:
        return dict(zip(emails, pool.map(one, emails), strict=True))


def all_events(workspace_id: str, email: str) -> list[Event]:
    """Every event of one contact (re-scoring reads them), oldest first."""
    request: dict[str, Any] = {
        "TableName": table_name(EngagementEvent),
        "KeyConditionExpression": "pk = :pk",
        "ExpressionAttributeValues": {":pk": {"S": timeline_pk(workspace_id, email)}},
        "ConsistentRead": True,
    }
    out: list[Event] = []
    for page in client("dynamodb").get_paginator("query").paginate(**request):
        out.extend(event_from_item(ddb.from_item(i)) for i in page.get("Items", []))
    return out


def erase_timeline(workspace_id: str, email: str) -> int:
    """Delete every event of one contact (GDPR erasure clears the engagement history)."""
    table = table_name(EngagementEvent)
    request: dict[str, Any] = {
        "TableName": table,
        "KeyConditionExpression": "pk = :pk",
        "ExpressionAttributeValues": {":pk": {"S": timeline_pk(workspace_id, email)}},
        "ProjectionExpression": "pk, sk",
        "ConsistentRead": True,
    }
    erased = 0
    for page in client("dynamodb").get_paginator("query").paginate(**request):
        for batch in ddb.chunked(page.get("Items", []), ddb.PARTIQL_BATCH_MAX):
            pending = [{"DeleteRequest": {"Key": key}} for key in batch]
            attempt = 0
            while pending:
                resp = client("dynamodb").batch_write_item(RequestItems={table: pending})
                pending = resp.get("UnprocessedItems", {}).get(table, [])
                if pending:
                    attempt = ddb._backoff(attempt)
            erased += len(batch)
    return erased
