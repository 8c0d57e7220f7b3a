"""Does a webhook subscription slow an import? The same file imported without and with one,
interleaved over several rounds so machine load weighs on both alike.

    .venv/bin/python bench/webhook_import_bench.py [--rows 10000] [--rounds 3] [--drain 5000]

On the one-machine runtime (in-memory DynamoDB Local, moto S3 and Step Functions, the real state
machine), one engine for every run:

1. a warm-up import of the same file, not counted: first-use costs (tables, handler imports),
   and the platform-wide GlobalContacts and Companies every timed run then finds alike (without
   it the first run, always a plain one, paid alone for creating them);
2. `--rounds` rounds, each importing the file once into a fresh workspace with no subscription
   ("plain") and once into a fresh workspace subscribed to every contact event
   (`contact.created`, `.updated`, `.enriched`, `.scored`) at a receiver on 127.0.0.1
   ("hooked"); the order alternates (plain first, then hooked first, ...), and the delivery
   worker runs beside every import alike, a sweep a second, as under `contact-import serve`.
   Two times per import: "job", the job's own record from created to `complete` (the import),
   and "wall", the caller's whole `run_import` (upload, polling, report download: after
   `complete` this shares the process with the worker expanding the import's events, which on
   AWS runs in its own function). Between runs, untimed, a hooked import's subscription is
   deleted (its marker then queues nothing), the worker finishes with the import and what it
   left in the outbox is deleted, so no run inherits another's backlog;
3. per measure and variant the median and the spread (min, max), the ratio of the medians and
   the per-round ratios hooked/plain;
4. after the last round, the worker sends the last hooked import's events to the receiver:
   deliveries/s over the first `--drain` of them.

The proof asks that a hooked import finish within 10% of a plain one: the import writes one
outbox marker and never waits for deliveries. Figures, not a timed test: run it once. 10,000
rows x 3 rounds (six imports) keeps the whole command well under 15 minutes on a loaded 2-core
machine; the issue's 20,000 rows take twice that.
"""

from __future__ import annotations

import argparse
import csv
import json
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.events_bench import Receiver, drain_deliveries, ensure_master_key

TYPES = ["contact.created", "contact.updated", "contact.enriched", "contact.scored"]


def write_file(path: Path, rows: int, tag: str) -> Path:
    titles = ["VP Sales", "Head of Marketing", "Engineer", "CTO", "Account Executive"]
    with path.open("w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["Email", "First Name", "Last Name", "Company Domain", "Title", "Country"])
        for i in range(rows):
            w.writerow(
                [
                    f"p{i:06d}.{tag}@co{i % 997}-bench.com",
                    f"First{i}",
                    f"Last{i}",
                    f"co{i % 997}-bench.com",
                    titles[i % len(titles)],
                    "US",
                ]
            )
    return path


def timed_import(rt: Any, path: Path, workspace: str, out: Path) -> tuple[float, float, dict[str, Any], str]:
    """(job seconds: the job's own record, created to `complete`; wall seconds: the caller's
    upload, run, polling and report download; counters; job id)."""
    from functions.common import jobs
    from functions.events.delivery import parse_iso
    from local import imports

    started = time.perf_counter()
    outcome = imports.run_import(rt, path, workspace_id=workspace, options={}, out_dir=out)
    wall = time.perf_counter() - started
    job = jobs.get(outcome.job_id)
    if outcome.status != "complete" or job is None:
        raise RuntimeError(f"import {outcome.job_id} ended {outcome.status}: {outcome.error}")
    done = next(s["at"] for s in job.stages if s["stage"] == "complete")
    own = (parse_iso(done) - parse_iso(job.created_at)).total_seconds()
    return own, wall, dict(outcome.counters), outcome.job_id


def wait_expanded(job_id: str, *, timeout_s: float = 900) -> None:
    """Untimed: the worker has queued every event of the import (its marker is finished)."""
    from functions.common.aws import client
    from functions.common.models import WebhookDelivery, table_name
    from functions.events import delivery

    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        marker = client("dynamodb").get_item(
            TableName=table_name(WebhookDelivery),
            Key={"subscription_id": {"S": delivery.JOB_MARKER}, "delivery_id": {"S": job_id}},
            ConsistentRead=True,
        )
        if marker.get("Item", {}).get("status", {}).get("S") == delivery.DELIVERED:
            return
        time.sleep(0.5)  # the worker beside the import expands it
    raise TimeoutError(f"the events of {job_id} were not queued within {timeout_s} s")


def empty_outbox(workspace: str, subscription_id: str) -> None:
    """Untimed, between runs: what the hooked run left in the outbox (its marker, any delivery
    queued before its subscription went) goes."""
    from functions.common.aws import client
    from functions.common.models import WebhookDelivery, table_name
    from functions.events import delivery

    table = table_name(WebhookDelivery)
    ddb = client("dynamodb")
    keys = []
    for pk in (subscription_id, delivery.JOB_MARKER):
        pages = ddb.get_paginator("query").paginate(
            TableName=table,
            KeyConditionExpression="subscription_id = :pk",
            FilterExpression="workspace_id = :ws",
            ExpressionAttributeValues={":pk": {"S": pk}, ":ws": {"S": workspace}},
            ProjectionExpression="subscription_id, delivery_id",
        )
        keys += [item for page in pages for item in page.get("Items", [])]
    for start in range(0, len(keys), 25):
        pending = [{"DeleteRequest": {"Key": k}} for k in keys[start : start + 25]]
        while pending:
            pending = (
                ddb.batch_write_item(RequestItems={table: pending}).get("UnprocessedItems", {}).get(table, [])
            )


def spread(values: list[float]) -> dict[str, float]:
    return {
        "median": round(statistics.median(values), 2),
        "min": round(min(values), 2),
        "max": round(max(values), 2),
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=10_000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--drain", type=int, default=2_000)
    args = parser.parse_args()

    from functions.events import subscriptions
    from local.runtime import Runtime
    from local.server import webhook_worker

    tmp = Path(tempfile.mkdtemp(prefix="webhook-bench-"))
    run_id = uuid.uuid4().hex[:6]
    times: dict[str, dict[str, list[float]]] = {m: {"plain": [], "hooked": []} for m in ("job", "wall")}
    runs: list[dict[str, Any]] = []
    with Runtime(None) as rt:
        path = write_file(tmp / "rows.csv", args.rows, run_id)
        # untimed: the same file once, so every timed run finds the platform-wide GlobalContacts and
        # Companies already there (else the first run alone pays for creating them: always plain's)
        timed_import(rt, path, f"ws_warm_{run_id}", tmp)
        ensure_master_key()
        receiver = Receiver()
        sub_id, job_id, imported = "", "", 0
        for n in range(args.rounds):
            order = ("plain", "hooked") if n % 2 == 0 else ("hooked", "plain")
            for variant in order:
                workspace = f"ws_{variant}_{run_id}_{n}"
                if variant == "hooked":
                    sub_id = subscriptions.create(workspace, receiver.url, TYPES)["id"]
                    receiver.count = 0  # what this import's events reach the receiver with
                with webhook_worker(tick_s=1.0):  # what `contact-import serve` runs beside the API
                    own, wall, counters, job_id = timed_import(rt, path, workspace, tmp)
                    if variant == "hooked":
                        last = n == args.rounds - 1
                        if not last:
                            # untimed: without its subscription the import's marker queues nothing
                            subscriptions.delete(workspace, sub_id)
                        # the worker is done with this import before anything else runs
                        wait_expanded(job_id)
                        if not last:
                            empty_outbox(workspace, sub_id)
                times["job"][variant].append(own)
                times["wall"][variant].append(wall)
                runs.append(
                    {"round": n + 1, "variant": variant, "job_s": round(own, 2), "wall_s": round(wall, 2)}
                )
                print(f"round {n + 1} {variant:<6} job {own:8.2f} s  wall {wall:8.2f} s", flush=True)
                imported = counters["imported"]
        delivered_during = receiver.count
        queued = imported * 2  # created + scored (a first score) per contact
        expected = min(queued, delivered_during + args.drain)
        drain_s = drain_deliveries(receiver, expected)
        receiver.close()

    result: dict[str, Any] = {"rows": args.rows, "rounds": args.rounds, "imported": imported, "runs": runs}
    for measure, by_variant in times.items():
        plain, hooked = spread(by_variant["plain"]), spread(by_variant["hooked"])
        pairs = [h / p for p, h in zip(by_variant["plain"], by_variant["hooked"], strict=True)]
        ratio = hooked["median"] / plain["median"]
        result[measure] = {
            "plain_s": plain,
            "hooked_s": hooked,
            "ratio_of_medians": round(ratio, 3),
            "round_ratios": [round(r, 3) for r in pairs],
            "within_10_pct": ratio <= 1.10,
        }
        print(
            f"{measure:<4} {args.rows} rows x {args.rounds} rounds, interleaved: without a subscription median "
            f"{plain['median']} s ({plain['min']}-{plain['max']}), with one median {hooked['median']} s "
            f"({hooked['min']}-{hooked['max']}); ratio of medians {round(ratio, 3)}, per-round ratios "
            f"{result[measure]['round_ratios']} (within 10 %: {ratio <= 1.10})"
        )
    result.update(
        {
            "deliveries_queued": queued,
            "deliveries_timed": expected - delivered_during,
            "drain_s": round(drain_s, 2),
            "deliveries_per_s": round((expected - delivered_during) / drain_s, 1),
        }
    )
    print(
        f"then {expected - delivered_during} of the last import's {queued} deliveries in {result['drain_s']} s "
        f"({result['deliveries_per_s']} deliveries/s)"
    )
    print(json.dumps(result))


if __name__ == "__main__":
    main()
