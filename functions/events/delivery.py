"""The webhook outbox and its delivery worker.

Queueing never calls out: `queue_events` writes delivery items in batches of 25 and an import
queues one marker (`request_job_events`) that the worker expands after commit. The worker
(`run_once`: the delivery function on AWS, a background thread under `contact-import serve`, or
`contact-import webhooks deliver`) reads what is due from the sparse `due` index, claims each
item with a conditional lease so two workers do not send it twice, sends it and records the
attempt. The clock and the HTTP client are parameters so tests can move time and use a real
receiver on 127.0.0.1.
"""

from __future__ import annotations

import hashlib
import json
import time as _time
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
from botocore.exceptions import ClientError

from functions.common import chunks, ddb, jobs, s3
from functions.common.aws import client
from functions.common.canonical import canonical_email
from functions.common.models import WebhookDelivery, table_name
from functions.common.rows import Reason, Row, RowResult, RowStatus
from functions.common.settings import get_settings
from functions.dedup import store as dedup_store
from functions.events import enrollment, outbound, subscriptions
from functions.events.outbound import TargetRefused

PENDING, DELIVERED, DEAD = "pending", "delivered", "dead_lettered"
# an updated row that changed nothing: no subscriber hears of it (not a subscribable type), but
# a workflow hand-off still enrolls the contact
UNCHANGED = "contact.unchanged"
QUEUE = "pending"
JOB_MARKER = "JOB"
LEASE = timedelta(seconds=60)
SENDERS = 8  # deliveries in flight at once in one sweep
MAX_BODY_RECORDED = 500

Clock = Callable[[], datetime]


def utc_now() -> datetime:
    return datetime.now(UTC)


def iso(t: datetime) -> str:
    return t.astimezone(UTC).isoformat(timespec="microseconds").replace("+00:00", "Z")


def parse_iso(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def _table() -> str:
    return table_name(WebhookDelivery)


def _delivery_id(at: datetime, event_id: str) -> str:
    # time first: a Query on one subscription lists its deliveries newest first
    return at.astimezone(UTC).strftime("%Y%m%dT%H%M%S%f") + "-" + event_id[-16:]


# --- queueing ------------------------------------------------------------------------------------


def queue_events(
    workspace_id: str,
    events: Iterable[tuple[str, str, dict[str, Any]]],
    *,
    now: datetime | None = None,
    extra: dict[str, Any] | None = None,
) -> int:
    """Queue (event id, type, contact object) for every active subscription that wants the type;
    `extra` goes into each event's envelope (e.g. the workflow of an enrollment request)."""
    at = now or utc_now()
    subs = [s for s in subscriptions.list_all(workspace_id) if s.get("active", True)]
    items: list[dict[str, Any]] = []
    for event_id, event_type, contact in events:
        doc = {**outbound.envelope(event_id, event_type, iso(at), contact), **(extra or {})}
        body = json.dumps(doc, separators=(",", ":"))
        for sub in subs:
            if event_type not in sub.get("event_types", []):
                continue
            items.append(
                {
                    "subscription_id": sub["id"],
                    "delivery_id": _delivery_id(at, event_id),
                    "workspace_id": workspace_id,
                    "event_id": event_id,
                    "event_type": event_type,
                    "body": body,
                    "status": PENDING,
                    "queue": QUEUE,
                    "next_attempt_at": iso(at),
                    "window_start": iso(at),
                    "created_at": iso(at),
                    "attempt_count": 0,
                    "attempts": "[]",
                }
            )
    if items:
        ddb.batch_put(_table(), items)
    return len(items)


def subscribed(workspace_id: str, event_type: str) -> bool:
    """Whether an active subscription of the workspace takes this event type."""
    return any(
        s.get("active", True) and event_type in s.get("event_types", [])
        for s in subscriptions.list_all(workspace_id)
    )


SCORED = "contact.scored"


def scored_event_id(workspace_id: str, contact_id: str, version: int) -> str:
    """One `contact.scored` id per version of a contact, whichever path rewrote the score
    (engagement re-score, API PATCH): a re-run of the same write re-queues the same id."""
    return event_id_for(workspace_id, contact_id, "scored", str(version))


def queue_scored(
    workspace_id: str, written: Iterable[tuple[str, str, int]], *, now: datetime | None = None
) -> int:
    """`contact.scored` for contacts whose score or grade was just rewritten, given as (contact
    id, email, version written): the full contact object as stored, one event id per version (a
    re-run re-queues the same id). Nothing is read when nobody subscribes."""
    versions = {cid: (email, version) for cid, email, version in written}
    if not versions or not subscribed(workspace_id, SCORED):
        return 0
    contacts = contact_objects(workspace_id, {cid: email for cid, (email, _) in versions.items()})
    return queue_events(
        workspace_id,
        (
            (scored_event_id(workspace_id, cid, versions[cid][1]), SCORED, contact)
            for cid, contact in contacts.items()
        ),
        now=now,
    )


def request_job_events(job_id: str, workspace_id: str) -> bool:
    """After commit: one marker for the worker, only when the workspace has a subscription."""
    if not any(s.get("active", True) for s in subscriptions.list_all(workspace_id)):
        return False
    now = iso(utc_now())
    try:
        client("dynamodb").put_item(
            TableName=_table(),
            Item={
                k: ddb.to_av(v)
                for k, v in {
                    "subscription_id": JOB_MARKER,
                    "delivery_id": job_id,
                    "workspace_id": workspace_id,
                    "status": PENDING,
                    "queue": QUEUE,
                    "next_attempt_at": now,
                    "created_at": now,
                    "next_chunk": 0,
                }.items()
            },
            ConditionExpression="attribute_not_exists(delivery_id)",  # a re-run Report queues nothing twice
        )
    except ClientError as exc:
        if exc.response["Error"]["Code"] != "ConditionalCheckFailedException":
            raise
    return True


def event_id_for(*parts: str) -> str:
    """Deterministic: an expanded import re-run gives the same event ids (receivers dedupe on id)."""
    return "evt_" + hashlib.sha256("|".join(parts).encode()).hexdigest()[:24]


def contact_objects(workspace_id: str, wanted: dict[str, str | None]) -> dict[str, dict[str, Any]]:
    """Full contact objects (as the API shows them) for contact id -> canonical email (if known):
    batch reads by email, one index query only for an id whose email is unknown."""
    by_email = dedup_store.contacts_by_email(workspace_id, {e for e in wanted.values() if e})
    items = {
        cid: by_email[e]
        for cid, e in wanted.items()
        if e and (by_email.get(e) or {}).get("contact_id") == cid
    }
    missing = [cid for cid in wanted if cid not in items]
    if missing:
        items.update(dedup_store.contacts_by_id(workspace_id, missing))
    return _objects(items)


def _objects(items: dict[str, dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """Stored contact items (by contact id) as the API shows them: companies and people read once."""
    from functions.api.contacts import view

    found = list(items.values())
    companies = dedup_store.companies(i["company_domain"] for i in found if i.get("company_domain"))
    people = dedup_store.global_contacts(i["email"] for i in found)
    return {
        cid: view(i, companies.get(i.get("company_domain") or ""), people.get(i["email"]))
        for cid, i in items.items()
    }


def queue_written(workspace_id: str, written: Iterable[tuple[RowResult, str | None]]) -> int:
    """What the API's contact create (one or bulk) announces, as an import would: `contact.created`
    for an imported row, `contact.updated` for an update that changed something (an unchanged one
    tells nobody), `contact.scored` when the write moved the score or grade; given as (result,
    canonical email). Ids follow the written version, so a retried request that changed nothing
    more queues the same ids. Nothing is read when nobody subscribes."""
    types = {RowStatus.IMPORTED: "contact.created", RowStatus.UPDATED: "contact.updated"}
    wanted = {
        r.contact_id: (email, r)
        for r, email in written
        if r.contact_id and email and r.status in types and not r.reason.startswith(Reason.UNCHANGED)
    }
    if not wanted or not any(s.get("active", True) for s in subscriptions.list_all(workspace_id)):
        return 0
    by_email = dedup_store.contacts_by_email(workspace_id, {e for e, _ in wanted.values()})
    items = {
        cid: by_email[e] for cid, (e, _) in wanted.items() if (by_email.get(e) or {}).get("contact_id") == cid
    }
    events: list[tuple[str, str, dict[str, Any]]] = []
    for cid, contact in _objects(items).items():
        result, version = wanted[cid][1], str(items[cid].get("version", 1))
        kind = types[result.status]
        events.append((event_id_for(workspace_id, cid, kind, version), kind, contact))
        if result.rescored:
            events.append((scored_event_id(workspace_id, cid, int(version)), SCORED, contact))
    return queue_events(workspace_id, events)


def row_email(row: Row) -> str | None:
    try:
        return canonical_email(row.email) if row.email else None
    except ValueError:
        return None


def job_events(job_id: str, chunk: int) -> tuple[list[tuple[str, str, str]], dict[str, str | None]]:
    """(event id, type, contact id) for one committed chunk, and each contact's email: imported
    rows are created, rows that changed something updated (an unchanged re-import tells nobody),
    enriched rows also enriched, rows whose write moved the score or grade also scored."""
    out: list[tuple[str, str, str]] = []
    emails = {r.number: row_email(r) for r in chunks.read_rows(job_id, chunk, "intake")}
    enriched: set[int] = set()
    if chunks.done(job_id, chunk, "enrich"):
        enriched = {
            r.number
            for r in chunks.read_rows(job_id, chunk, "enrich")
            if (r.meta.get("e") or {}).get("status") == "enriched"
        }
    contacts: dict[str, str | None] = {}
    for result in chunks.read_results(job_id, chunk, "commit"):
        if not result.contact_id:
            continue
        n = str(result.number)
        if result.status == RowStatus.IMPORTED:
            out.append((event_id_for(job_id, n, "created"), "contact.created", result.contact_id))
        elif result.status == RowStatus.UPDATED and not result.reason.startswith(Reason.UNCHANGED):
            out.append((event_id_for(job_id, n, "updated"), "contact.updated", result.contact_id))
        elif result.status == RowStatus.UPDATED:
            out.append((event_id_for(job_id, n, "unchanged"), UNCHANGED, result.contact_id))
        else:
            continue
        contacts[result.contact_id] = emails.get(result.number)
        if result.number in enriched:
            out.append((event_id_for(job_id, n, "enriched"), "contact.enriched", result.contact_id))
        if result.rescored:
            out.append((event_id_for(job_id, n, "scored"), SCORED, result.contact_id))
    return out, contacts


def expand_job(marker: dict[str, Any], now: datetime) -> int:
    """Queue an import's events chunk by chunk; progress is kept on the marker, so a crash resumes."""
    job_id, workspace_id = marker["delivery_id"], marker["workspace_id"]
    job = jobs.get(job_id)
    manifest = s3.get_json(s3.manifest_key(job_id)) if job is not None else []
    workflow = (job.options or {}).get("workflow_id") if job is not None else None
    tiers = enrollment.allowed_tiers(workspace_id) if workflow else None
    # the marker's time, not the clock's: expanding a chunk again (after a crash) writes the same
    # delivery ids instead of a second copy of each event
    at = parse_iso(marker["created_at"])
    queued = 0
    for n in range(int(marker.get("next_chunk", 0)), len(manifest)):
        events, wanted = job_events(job_id, n)
        contacts = contact_objects(workspace_id, wanted) if events else {}
        queued += queue_events(
            workspace_id, ((eid, t, contacts[cid]) for eid, t, cid in events if cid in contacts), now=at
        )
        if workflow:
            queued += queue_events(
                workspace_id,
                enrollments(workspace_id, job_id, workflow, events, contacts, tiers),
                now=at,
                extra={"workflow_id": workflow},
            )
        # progress, and the lease renewed: no other worker claims a marker still being expanded
        _update(JOB_MARKER, job_id, {"next_chunk": n + 1, "next_attempt_at": iso(utc_now() + LEASE)})
    _finish(JOB_MARKER, job_id, {"status": DELIVERED, "finished_at": iso(now)})
    return queued


def enrollments(
    workspace_id: str,
    job_id: str,
    workflow: str,
    events: list[tuple[str, str, str]],
    contacts: dict[str, dict[str, Any]],
    tiers: set[str] | None,
) -> list[tuple[str, str, dict[str, Any]]]:
    """The hand-off to sequences for one chunk: its imported and updated contacts (unchanged ones
    too) that pass `enrollment.screen`, once each."""
    wanted = {
        cid: contacts[cid]
        for _, event_type, cid in events
        if event_type in ("contact.created", "contact.updated", UNCHANGED) and cid in contacts
    }
    verdicts = enrollment.screen(workspace_id, wanted, tiers) if wanted else {}
    return [
        (event_id_for(job_id, cid, "enroll", workflow), enrollment.REQUESTED, contact)
        for cid, contact in wanted.items()
        if verdicts[cid] is None
    ]


# --- the worker ------------------------------------------------------------------------------------


@dataclass
class Sweep:
    delivered: int = 0
    failed: int = 0
    dead_lettered: int = 0
    queued: int = 0
    errors: list[str] = field(default_factory=list)

    def count(self, outcome: str) -> None:
        if outcome == DELIVERED:
            self.delivered += 1
        elif outcome == DEAD:
            self.dead_lettered += 1
        else:
            self.failed += 1

    def as_dict(self) -> dict[str, Any]:
        return {
            "delivered": self.delivered,
            "failed": self.failed,
            "dead_lettered": self.dead_lettered,
            "queued": self.queued,
        }


def run_once(
    *,
    clock: Clock = utc_now,
    http: httpx.Client | None = None,
    limit: int = 200,
    window: timedelta | None = None,
) -> Sweep:
    """Everything due now: job markers are expanded first, then deliveries are attempted."""
    window = window or timedelta(seconds=get_settings().webhook_retry_window_s)
    sweep = Sweep()
    own = http is None
    http = http or httpx.Client(timeout=outbound.TIMEOUT_S, follow_redirects=False)
    try:
        for _ in range(2):  # a marker expanded in the first pass makes deliveries due in the second
            due = _due(clock(), limit)
            if not due:
                break
            sends = []
            for item in due:
                if item["subscription_id"] != JOB_MARKER:
                    sends.append(item)
                    continue
                now = clock()
                if _claim(item, now):
                    sweep.queued += expand_job(item, now)
            for outcome in _send_all(sends, clock, http, window):
                sweep.count(outcome)
    finally:
        if own:
            http.close()
    return sweep


def _send_all(sends: list[dict[str, Any]], clock: Clock, http: httpx.Client, window: timedelta) -> list[str]:
    """Claim and attempt each delivery; each mostly waits on its receiver, so several are in
    flight at once. Returns the outcome of every one this worker claimed."""
    if not sends:
        return []
    subs = {
        i["subscription_id"]: subscriptions.get(i["workspace_id"], i["subscription_id"])
        for i in {i["subscription_id"]: i for i in sends}.values()
    }

    def send(item: dict[str, Any]) -> str | None:
        now = clock()
        if not _claim(item, now):
            return None
        return _attempt(item, now, http, window, subs[item["subscription_id"]])

    with ThreadPoolExecutor(max_workers=min(SENDERS, len(sends))) as pool:
        return [o for o in pool.map(send, sends) if o is not None]


def _due(now: datetime, limit: int) -> list[dict[str, Any]]:
    resp = client("dynamodb").query(
        TableName=_table(),
        IndexName="due",
        KeyConditionExpression="#q = :q AND next_attempt_at <= :now",
        ExpressionAttributeNames={"#q": "queue"},
        ExpressionAttributeValues={":q": {"S": QUEUE}, ":now": {"S": iso(now)}},
        Limit=limit,
    )
    items = [ddb.from_item(i) for i in resp.get("Items", [])]
    # markers first: an import's events are queued before older retries are tried again
    return sorted(items, key=lambda i: i["subscription_id"] != JOB_MARKER)


def _claim(item: dict[str, Any], now: datetime) -> bool:
    """Push the item's next attempt a lease ahead, only if no other worker did since it was read."""
    lease = iso(now + LEASE)
    try:
        client("dynamodb").update_item(
            TableName=_table(),
            Key={
                "subscription_id": {"S": item["subscription_id"]},
                "delivery_id": {"S": item["delivery_id"]},
            },
            UpdateExpression="SET next_attempt_at = :lease",
            ConditionExpression="next_attempt_at = :seen AND #q = :q",
            ExpressionAttributeNames={"#q": "queue"},
            ExpressionAttributeValues={
                ":lease": {"S": lease},
                ":seen": {"S": item["next_attempt_at"]},
                ":q": {"S": QUEUE},
            },
        )
    except ClientError as exc:
        if exc.response["Error"]["Code"] == "ConditionalCheckFailedException":
            return False
        raise
    item["next_attempt_at"] = lease
    return True


def _attempt(
    item: dict[str, Any],
    now: datetime,
    http: httpx.Client,
    window: timedelta,
    sub: dict[str, Any] | None,
) -> str:
    """Send one delivery and record the attempt; returns DELIVERED, PENDING (retry) or DEAD."""
    key = item["subscription_id"]
    attempts: list[dict[str, Any]] = json.loads(item.get("attempts") or "[]")
    record: dict[str, Any] = {"at": iso(now)}
    status_code: int | None = None
    if sub is None:
        record["error"] = "the subscription was deleted"
    else:
        body = item["body"].encode("utf-8")
        started = _time.monotonic()
        try:
            url = outbound.check_target(sub["url"], allow_local=get_settings().webhook_local_targets)
            signature = outbound.sign(
                subscriptions.secret_of(sub).get_secret_value(), body, int(now.timestamp())
            )
            resp = http.post(
                url,
                content=body,
                headers={
                    "Content-Type": "application/json",
                    outbound.SIGNATURE_HEADER: signature,
                    "X-Event-Id": item["event_id"],
                    "X-Event-Type": item["event_type"],
                    "X-Delivery-Id": item["delivery_id"],
                },
            )
            status_code = resp.status_code
            record["status_code"] = status_code
            if not outbound.is_success(status_code):
                record["response"] = resp.text[:MAX_BODY_RECORDED]
        except TargetRefused as exc:
            record["error"] = f"target refused: {exc}"
        except httpx.HTTPError as exc:
            record["error"] = f"{type(exc).__name__}: {exc}"[:MAX_BODY_RECORDED]
        record["duration_ms"] = round((_time.monotonic() - started) * 1000)
    attempts.append(record)
    changes: dict[str, Any] = {
        "attempts": json.dumps(attempts),
        "attempt_count": len(attempts),
        "last_attempt_at": iso(now),
    }
    if outbound.is_success(status_code):
        _finish(key, item["delivery_id"], {**changes, "status": DELIVERED, "delivered_at": iso(now)})
        return DELIVERED
    retry_at = now + outbound.next_delay(len(attempts))
    if sub is None or outbound.out_of_window(parse_iso(item["window_start"]), retry_at, window):
        _finish(key, item["delivery_id"], {**changes, "status": DEAD, "dead_lettered_at": iso(now)})
        return DEAD
    _update(key, item["delivery_id"], {**changes, "next_attempt_at": iso(retry_at)})
    return PENDING


def _update(pk: str, sk: str, changes: dict[str, Any], removes: tuple[str, ...] = ()) -> None:
    names = {f"#a{i}": k for i, k in enumerate(changes)}
    values = {f":v{i}": ddb.to_av(v) for i, v in enumerate(changes.values())}
    expr = "SET " + ", ".join(f"#a{i} = :v{i}" for i in range(len(changes)))
    if removes:
        names.update({f"#r{i}": k for i, k in enumerate(removes)})
        expr += " REMOVE " + ", ".join(f"#r{i}" for i in range(len(removes)))
    client("dynamodb").update_item(
        TableName=_table(),
        Key={"subscription_id": {"S": pk}, "delivery_id": {"S": sk}},
        UpdateExpression=expr,
        ExpressionAttributeNames=names,
        ExpressionAttributeValues=values,
    )


def _finish(pk: str, sk: str, changes: dict[str, Any]) -> None:
    # leaving the sparse index: a finished item is never read by the worker again
    _update(pk, sk, changes, removes=("queue", "next_attempt_at"))


# --- reading and replaying --------------------------------------------------------------------------


def public(item: dict[str, Any]) -> dict[str, Any]:
    return {
        "id": item["delivery_id"],
        "subscription_id": item["subscription_id"],
        "event_id": item.get("event_id"),
        "event_type": item.get("event_type"),
        "status": item["status"],
        "attempt_count": int(item.get("attempt_count") or 0),
        "attempts": json.loads(item.get("attempts") or "[]"),
        "next_attempt_at": item.get("next_attempt_at"),
        "created_at": item.get("created_at"),
        "delivered_at": item.get("delivered_at"),
        "dead_lettered_at": item.get("dead_lettered_at"),
    }


def list_deliveries(
    subscription_id: str, *, limit: int = 50, cursor: str | None = None
) -> tuple[list[dict[str, Any]], str | None]:
    kwargs: dict[str, Any] = {
        "TableName": _table(),
        "KeyConditionExpression": "subscription_id = :s",
        "ExpressionAttributeValues": {":s": {"S": subscription_id}},
        "ScanIndexForward": False,
        "Limit": limit,
    }
    if cursor:
        kwargs["ExclusiveStartKey"] = {
            "subscription_id": {"S": subscription_id},
            "delivery_id": {"S": cursor},
        }
    resp = client("dynamodb").query(**kwargs)
    items = [public(ddb.from_item(i)) for i in resp.get("Items", [])]
    last = resp.get("LastEvaluatedKey")
    return items, (last["delivery_id"]["S"] if last else None)


def get_delivery(subscription_id: str, delivery_id: str) -> dict[str, Any] | None:
    resp = client("dynamodb").get_item(
        TableName=_table(),
        Key={"subscription_id": {"S": subscription_id}, "delivery_id": {"S": delivery_id}},
        ConsistentRead=True,
    )
    return ddb.from_item(resp["Item"]) if "Item" in resp else None


def redeliver(subscription_id: str, delivery_id: str, *, clock: Clock = utc_now) -> dict[str, Any] | None:
    """Queue the same event again, with a fresh retry window (its attempts so far are kept)."""
    if get_delivery(subscription_id, delivery_id) is None:
        return None
    now = iso(clock())
    _update(
        subscription_id,
        delivery_id,
        {
            "status": PENDING,
            "queue": QUEUE,
            "next_attempt_at": now,
            "window_start": now,
            "redelivered_at": now,
        },
    )
    item = get_delivery(subscription_id, delivery_id)
    return public(item) if item else None
