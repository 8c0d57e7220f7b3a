"""Does a webhook subscription slow an import? A 20,000-row import timed without one and with one.

    .venv/bin/python bench/webhook_import_bench.py [--rows 20000] [--drain 5000]

On the one-machine runtime (in-memory DynamoDB Local, moto S3 and Step Functions, the real state
machine):

1. a warm-up import of 500 rows (first-use costs: tables, handler imports);
2. the file imported into a workspace with no subscription, timed;
3. the same file imported into a fresh workspace subscribed to every contact event
   (`contact.created`, `.updated`, `.enriched`, `.scored`) at a receiver on 127.0.0.1, with the
   delivery worker running beside it as under `contact-import serve` (a sweep every second), timed
   from start to `complete`;
4. then the worker sends the import's events to the receiver: deliveries/s over the first
   `--drain` of them (all 40,000 would take minutes on a shared 2-core machine).

The proof asks that (3) finish within 10% of (2): the import writes one outbox marker and never
waits for deliveries. Figures, not a timed test; one run each (the machine is shared: run it once).
"""

from __future__ import annotations

import argparse
import csv
import json
import sys
import tempfile
import threading
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


def timed_import(rt: Any, path: Path, workspace: str, out: Path) -> tuple[float, dict[str, Any]]:
    from local import imports

    started = time.perf_counter()
    outcome = imports.run_import(rt, path, workspace_id=workspace, options={}, out_dir=out)
    seconds = time.perf_counter() - started
    if outcome.status != "complete":
        raise RuntimeError(f"import {outcome.job_id} ended {outcome.status}: {outcome.error}")
    return seconds, dict(outcome.counters)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=20_000)
    parser.add_argument("--drain", type=int, default=5_000)
    args = parser.parse_args()

    from functions.events import delivery, subscriptions
    from local.runtime import Runtime

    tmp = Path(tempfile.mkdtemp(prefix="webhook-bench-"))
    run_id = uuid.uuid4().hex[:6]
    with Runtime(None) as rt:
        timed_import(rt, write_file(tmp / "warm.csv", 500, f"w{run_id}"), f"ws_warm_{run_id}", tmp)

        path = write_file(tmp / "rows.csv", args.rows, run_id)
        plain_s, counters = timed_import(rt, path, f"ws_plain_{run_id}", tmp)

        ensure_master_key()
        receiver = Receiver()
        workspace = f"ws_hooked_{run_id}"
        subscriptions.create(workspace, receiver.url, TYPES)
        stop = threading.Event()

        def worker() -> None:  # what `contact-import serve` runs beside the API
            while not stop.is_set():
                delivery.run_once()
                stop.wait(1.0)

        thread = threading.Thread(target=worker, daemon=True)
        thread.start()
        try:
            hooked_s, hooked_counters = timed_import(rt, path, workspace, tmp)
        finally:
            stop.set()
            thread.join(timeout=120)
        delivered_during = receiver.count
        queued = hooked_counters["imported"] * 2  # created + scored (a first score) per contact
        expected = min(queued, delivered_during + args.drain)
        drain_s = drain_deliveries(receiver, expected)
        receiver.close()

    result = {
        "rows": args.rows,
        "imported": counters["imported"],
        "without_subscription_s": round(plain_s, 2),
        "with_subscription_s": round(hooked_s, 2),
        "slowdown_pct": round((hooked_s / plain_s - 1) * 100, 1),
        "within_10_pct": hooked_s <= plain_s * 1.10,
        "deliveries_queued": queued,
        "deliveries_timed": expected - delivered_during,
        "delivered_while_importing": delivered_during,
        "drain_s": round(drain_s, 2),
        "deliveries_per_s": round((expected - delivered_during) / drain_s, 1),
    }
    print(
        f"{args.rows} rows: without a subscription {result['without_subscription_s']} s, with one "
        f"{result['with_subscription_s']} s ({result['slowdown_pct']:+} %, within 10 %: "
        f"{result['within_10_pct']}); then {expected - delivered_during} of its {queued} deliveries "
        f"in {result['drain_s']} s "
        f"({result['deliveries_per_s']} deliveries/s)"
    )
    print(json.dumps(result))


if __name__ == "__main__":
    main()
