"""Engagement ingest benchmark: events/s with and without re-scoring, write units per event.

Runs the ingest service (what the bus handler, the API route and the CLI run) on DynamoDB Local
in memory, in batches of 500:

1. "with re-scoring": every event names a contact of the workspace, so each batch also
   re-scores the contacts it touched;
2. "ingest only": the same stream for emails that are no contact of the workspace (timeline,
   counters and suppressions only);
3. "webhook deliveries": `--deliveries` contact events queued for one subscription, then sent
   by the delivery worker (`delivery.run_once`, what the Webhooks function and the local worker
   run) to a receiver on 127.0.0.1 that answers 200: deliveries/s, signed, claimed and logged.

DynamoDB Local reports no consumed capacity for PartiQL batches, so write units are estimated
from every write request the code sends, with DynamoDB's pricing rules: 1 WRU per started KB of
item per write (2 in a transaction), a failed condition still costs its unit. Figures, not a
timed test.

    .venv/bin/python bench/events_bench.py [--events 10000] [--people 1000] [--deliveries 2000]
"""

from __future__ import annotations

import argparse
import json
import math
import random
import sys
import time
import uuid
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

KINDS = ["sent"] * 40 + ["delivered"] * 25 + ["opened"] * 20 + ["clicked"] * 7 + ["replied"] * 4
KINDS += ["meeting_booked", "task_completed", "bounced"]
T0 = datetime(2026, 1, 5, 8, 0, tzinfo=UTC)


class WriteMeter:
    """Counts requests and estimates write units from the requests botocore sends."""

    def __init__(self) -> None:
        self.requests: Counter[str] = Counter()
        self.wru = 0.0

    def __call__(self, params: dict[str, Any], model: Any, **_: Any) -> None:
        op = model.name
        self.requests[op] += 1
        if op == "TransactWriteItems":
            for action in params["TransactItems"]:
                body = next(iter(action.values()))
                self.wru += 2 * _units(body.get("Item") or body.get("ExpressionAttributeValues") or {})
        elif op == "BatchExecuteStatement":
            for st in params["Statements"]:
                if st["Statement"].lstrip().upper().startswith(("INSERT", "UPDATE", "DELETE")):
                    self.wru += _units(st.get("Parameters") or [])
        elif op == "BatchWriteItem":
            for items in params["RequestItems"].values():
                self.wru += sum(_units(i) for i in items)
        elif op in ("PutItem", "UpdateItem", "DeleteItem"):
            self.wru += _units(params.get("Item") or params.get("Key") or {})


def _units(value: Any) -> int:
    return max(1, math.ceil(len(json.dumps(value, default=str)) / 1024))


def stream(n: int, people: list[str], rnd: random.Random) -> list[dict[str, Any]]:
    out = []
    for i in range(n):
        kind = rnd.choice(KINDS)
        doc: dict[str, Any] = {
            "id": f"b{i:06d}",
            "type": kind,
            "email": rnd.choice(people),
            "occurred_at": (T0 + timedelta(minutes=rnd.randrange(90 * 24 * 60))).isoformat(),
            "campaign_id": f"cmp_{i % 7}",
        }
        if kind == "bounced":
            doc["data"] = {"bounce_type": rnd.choice(["soft", "hard"])}
        out.append(doc)
    return out


def seed(workspace: str, people: list[str]) -> None:
    from functions.common.context import JobContext
    from functions.common.jobs import now_iso
    from functions.common.rows import Row
    from functions.dedup.commit import commit_rows
    from functions.dedup.dedup import dedup_rows

    for start in range(0, len(people), 500):
        ctx = JobContext.from_options(f"job_{uuid.uuid4().hex[:12]}", workspace, {}, now_iso())
        part = people[start : start + 500]
        rows = [Row(n, [e], fields={"email": e, "title": "VP Sales"}) for n, e in enumerate(part, start=1)]
        commit_rows(ctx, dedup_rows(ctx, rows))


def run(label: str, workspace: str, events: list[dict[str, Any]], meter: WriteMeter) -> dict[str, Any]:
    from functions.events import rescore, service

    meter.requests.clear()
    meter.wru = 0.0
    counts: Counter[str] = Counter()
    rescored = 0
    started = time.perf_counter()
    for start in range(0, len(events), 500):
        result = service.ingest(workspace, events[start : start + 500], rescore=rescore.rescore_contacts)
        counts.update(result.counts())
        rescored += result.rescored
    seconds = time.perf_counter() - started
    n = len(events)
    return {
        "run": label,
        "events": n,
        "applied": counts["applied"],
        "duplicate": counts["duplicate"],
        "seconds": round(seconds, 2),
        "events_per_s": round(n / seconds, 1),
        "contacts_rescored": rescored,
        "est_wru_per_event": round(meter.wru / n, 2),
        "requests_per_event": round(sum(meter.requests.values()) / n, 3),
        "requests": dict(meter.requests.most_common()),
    }


class Receiver:
    """A webhook receiver on 127.0.0.1 answering 200 to every POST; counts what it got."""

    def __init__(self) -> None:
        import threading
        from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

        self.count = 0
        self.lock = threading.Lock()
        outer = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"  # keep-alive: the worker reuses its connection

            def do_POST(self) -> None:
                self.rfile.read(int(self.headers.get("Content-Length", "0")))
                with outer.lock:
                    outer.count += 1
                self.send_response(200)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hook"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def ensure_master_key() -> None:
    """An in-memory runtime has no data dir to keep the local master key in: subscriptions need
    one to store their secret, so the run gets a throwaway key."""
    import os

    from functions.common.settings import reset_settings
    from functions.enrich.keys import generate_master_key

    if not os.environ.get("CI_MASTER_KEYS"):
        os.environ["CI_MASTER_KEYS"] = generate_master_key()
        reset_settings()


def drain_deliveries(receiver: Receiver, expected: int, *, timeout_s: float = 1800) -> float:
    """Run the delivery worker until the receiver has `expected` deliveries; the seconds it took."""
    from functions.events import delivery

    started = time.perf_counter()
    while receiver.count < expected:
        sweep = delivery.run_once()
        if time.perf_counter() - started > timeout_s:
            raise TimeoutError(f"{receiver.count}/{expected} deliveries after {timeout_s} s")
        if not (sweep.delivered or sweep.queued):
            time.sleep(0.05)
    return time.perf_counter() - started


def deliveries(n: int, people: list[str], workspace: str, meter: WriteMeter) -> dict[str, Any]:
    from functions.dedup import store as dedup_store
    from functions.events import delivery, subscriptions

    ensure_master_key()
    receiver = Receiver()
    try:
        subscriptions.create(workspace, receiver.url, ["contact.updated"])
        stored = dedup_store.contacts_by_email(workspace, people[:50])
        objects = list(
            delivery.contact_objects(workspace, {c["contact_id"]: e for e, c in stored.items()}).values()
        )
        meter.requests.clear()
        meter.wru = 0.0
        queued_at = time.perf_counter()
        delivery.queue_events(
            workspace,
            ((f"evt_bench_{i:06d}", "contact.updated", objects[i % len(objects)]) for i in range(n)),
        )
        queue_s = time.perf_counter() - queued_at
        seconds = drain_deliveries(receiver, n)
    finally:
        receiver.close()
    return {
        "run": "webhook deliveries",
        "deliveries": n,
        "queue_seconds": round(queue_s, 2),
        "seconds": round(seconds, 2),
        "deliveries_per_s": round(n / seconds, 1),
        "est_wru_per_delivery": round(meter.wru / n, 2),
        "requests_per_delivery": round(sum(meter.requests.values()) / n, 3),
        "requests": dict(meter.requests.most_common()),
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--events", type=int, default=10_000)
    parser.add_argument("--people", type=int, default=1_000)
    parser.add_argument("--deliveries", type=int, default=2_000)
    args = parser.parse_args()

    from local.runtime import Runtime

    with Runtime(None):
        from functions.common.aws import client

        meter = WriteMeter()
        client("dynamodb").meta.events.register("provide-client-params.dynamodb.*", meter)
        rnd = random.Random(15)
        run_id = uuid.uuid4().hex[:6]
        contacts = [f"c{i:05d}.{run_id}@bench-example.com" for i in range(args.people)]
        strangers = [f"s{i:05d}.{run_id}@bench-example.com" for i in range(args.people)]
        workspace = f"ws_bench_{run_id}"
        seed(workspace, contacts)
        results = [
            run("with re-scoring", workspace, stream(args.events, contacts, rnd), meter),
            run(
                "ingest only (no contacts to re-score)", workspace, stream(args.events, strangers, rnd), meter
            ),
        ]
        replay = stream(args.events, contacts, random.Random(15))  # the first stream again
        results.append(run("redelivery (all duplicates)", workspace, replay, meter))
        sent = deliveries(args.deliveries, contacts, workspace, meter) if args.deliveries else None
    for r in results:
        print(
            f"{r['run']:<40} {r['events']:>7} events  {r['events_per_s']:>8} events/s  "
            f"~{r['est_wru_per_event']} WRU/event  {r['requests_per_event']} requests/event  "
            f"({r['contacts_rescored']} contact re-scores)"
        )
    if sent:
        print(
            f"{sent['run']:<40} {sent['deliveries']:>7} POSTs   {sent['deliveries_per_s']:>8} deliveries/s  "
            f"~{sent['est_wru_per_delivery']} WRU/delivery  {sent['requests_per_delivery']} DynamoDB "
            f"requests/delivery  (queued in {sent['queue_seconds']} s)"
        )
        results.append(sent)
    print(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
