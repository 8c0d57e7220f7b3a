"""The contacts read model at scale: projector throughput and lag, then query latency over HTTP.

    python bench/query_bench.py [--contacts 1000000] [--stream-contacts 100000] [--repeat 20] [--import-rows 0]

1. Builds a workspace of `--contacts` contacts, every one through the projector handler
   (`functions.query.stream.handle`, the Lambda's code): none is loaded into PostgreSQL directly.
   The 20,000 Companies are written to DynamoDB Local and projected from its stream first. All
   but the last `--stream-contacts` contacts come as the Contacts stream records their writes
   would give (INSERT, NEW_AND_OLD_IMAGES, in the Lambda event shape), synthesized here and fed
   to the handler in batches of 1,000 as the event source mapping delivers them: writing a
   million items through DynamoDB Local is too slow on one machine (it fell to ~48 writes/s at
   large sizes) and would measure DynamoDB Local, not the projector; on AWS the event source
   mapping reads the stream, not the Lambda. This is "the projector" path of issue 12's "import
   or the projector". Prints the handler's contacts/s every 100,000 and over the part, with the
   CPU seconds of this process and of PostgreSQL. The last `--stream-contacts` go the whole real
   way: written into the Contacts table (DynamoDB Local, batch writes, as Commit leaves them)
   with the poller paused, then drained by the poller into the same handler: end-to-end
   (stream reads + handler) contacts/s on a backlog. Then the projector's contacts/s over the
   whole build.
2. Times a Company change reaching the read model (one UPDATE of its domain's rows) and an
   engagement change (one UPDATE of an email's rows) at that size.
3. VACUUM ANALYZE the contacts table, as autovacuum leaves it once a load is over (filtered
   counts are index-only scans, which need its visibility map), then times each query
   `--repeat` times through the local HTTP API (the same handler as on AWS: authorizer
   context, validation, read model, views): p50 and p95 in ms, with total_count; then the
   same query straight through the read model (`read_model_only`: no HTTP, no API key lookup,
   no local stream barrier, which drains DynamoDB Local's streams only after a write; AWS has
   none).
4. With `--import-rows N`, imports an N-row CSV of new contacts through the real state machine
   twice: projection stopped (no poller, no read barrier, Report does not wait for the read
   model: the pipeline without it) and running (the background poller projects while the
   import writes; the import completes once its contacts are searchable). Rows/s of each, the
   slowdown, and the projector's lag while the import runs (per batch: time from its oldest new
   contact's commit, the INSERT image's `updated_at`, to the batch being projected).

Figures, not a timed test: nothing here asserts a speed.
"""

from __future__ import annotations

import argparse
import contextlib
import csv
import json
import math
import os
import random
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
# before any handler module creates its Metrics: EMF lines would drown the figures
os.environ.setdefault("POWERTOOLS_METRICS_DISABLED", "true")

import httpx

from bench.projection import projection_stopped
from bench.projector_bench import (
    DOMAINS,
    FIRST,
    SURNAMES,
    TITLES,
    company,
    contact,
    contact_batches,
    server_cpu_s,
    uptime,
)
from functions.api import auth, custom_fields
from functions.common import ddb
from functions.common.models import Company, Contact, table_name
from functions.common.observability import discard_metrics
from functions.query.db import get_database
from functions.query.stream import handle as project
from local.imports import run_import
from local.runtime import LambdaContext, Runtime
from local.server import running


def postmaster_pid() -> int:
    """The read model server's process (the parent of this session's backend)."""
    db = get_database()
    assert db is not None
    backend = int(db.query("SELECT pg_backend_pid() AS pid")[0]["pid"])
    return int(Path(f"/proc/{backend}/stat").read_text().rsplit(")", 1)[1].split()[1])


def build(rt: Runtime, ws: str, count: int, streamed: int) -> dict[str, Any]:
    """Every contact reaches the read model through the projector handler. The first
    `count - streamed` as the Contacts stream records their writes would give (synthesized, fed to
    the handler in batches of 1,000 as the event source mapping delivers them); the last
    `streamed` written to DynamoDB Local and projected from its stream by the poller."""
    db = get_database()
    assert db is not None
    assert rt.poller is not None
    rt.poller.stop()  # each part measured alone: the background poller would interleave its drains
    ddb.batch_put(table_name(Company), [company(d) for d in range(DOMAINS)])
    # the Companies stream: every domain's firmographics, the real way (a fresh shard may give
    # nothing on the first read)
    companies_projected, deadline = 0, time.monotonic() + 300
    while int(db.query("SELECT count(*) AS n FROM companies")[0]["n"]) < DOMAINS:
        assert time.monotonic() < deadline, "the Companies stream did not reach the read model"
        companies_projected += rt.poller.drain()
    synthesized = count - streamed
    handler_s, generate_s = 0.0, 0.0
    pid = postmaster_pid()
    cpu, pg_cpu, wall = time.process_time(), server_cpu_s(pid), time.monotonic()
    done = 0
    batches = contact_batches(ws, 0, synthesized)
    while True:
        t = time.perf_counter()
        records = next(batches, None)
        generate_s += time.perf_counter() - t
        if records is None:
            break
        t = time.perf_counter()
        result = project({"Records": records}, LambdaContext("Projector"))
        handler_s += time.perf_counter() - t
        discard_metrics()  # as the poller does: nothing publishes them here
        assert not result["batchItemFailures"], result
        done += len(records)
        if done % 100_000 == 0 or done == synthesized:
            print(
                f"  projected {done:,} in {handler_s:.0f} s of handler: {done / handler_s:,.0f} contacts/s"
                f" (load {uptime()})",
                flush=True,
            )
    cpu, pg_cpu, wall = (
        time.process_time() - cpu,
        server_cpu_s(pid) - pg_cpu,
        time.monotonic() - wall,
    )
    table = table_name(Contact)
    start = time.monotonic()
    rng = random.Random(6)
    batch: list[dict[str, Any]] = []
    for n in range(synthesized, count):
        batch.append(contact(ws, n, rng))
        if len(batch) == 5000:
            ddb.batch_put(table, batch)
            batch = []
    if batch:
        ddb.batch_put(table, batch)
    written = time.monotonic()
    records_read = rt.poller.drain()
    drained = time.monotonic()
    rt.poller.start()
    seen = int(db.query("SELECT count(*) AS n FROM contacts WHERE workspace_id = :ws", {"ws": ws})[0]["n"])
    assert seen == count, (seen, count)
    t = time.monotonic()
    db.execute("ANALYZE contacts")
    drain_s = drained - written
    return {
        "synthesized": {
            "contacts": synthesized,
            "handler_s": round(handler_s, 1),
            "handler_contacts_per_s": round(synthesized / handler_s) if handler_s else None,
            "records_built_s": round(generate_s, 1),
            "wall_s": round(wall, 1),
            "bench_process_cpu_s": round(cpu, 1),
            "postgres_cpu_s": round(pg_cpu, 1),
        },
        "streamed": {
            "contacts": streamed,
            "dynamodb_writes_per_s": round(streamed / (written - start)) if streamed else None,
            "stream_records": records_read,
            "poller_and_handler_s": round(drain_s, 1),
            "end_to_end_contacts_per_s": round(streamed / drain_s) if streamed and drain_s else None,
        },
        "companies_projected": companies_projected,
        "projector_contacts_per_s_whole_build": round(count / (handler_s + drain_s)),
        "analyze_s": round(time.monotonic() - t, 1),
        "load": uptime(),
    }


def propagation(rt: Runtime, ws: str) -> dict[str, Any]:
    """How long a Company edit and an engagement change take to reach every row they touch."""
    db = get_database()
    assert db is not None
    assert rt.poller is not None
    out: dict[str, Any] = {}
    domain = "company7.com"
    rows = int(
        db.query("SELECT count(*) AS n FROM contacts WHERE company_domain = :d", {"d": domain})[0]["n"]
    )
    rt.poller.drain()
    start = time.monotonic()
    ddb.batch_put(table_name(Company), [{**company(7), "industry": "Aerospace"}])
    while not db.query(
        "SELECT 1 AS x FROM contacts WHERE company_domain = :d AND company_industry = 'Aerospace' LIMIT 1",
        {"d": domain},
    ):
        rt.poller.drain()
    out["company_edit"] = {"rows": rows, "visible_ms": round((time.monotonic() - start) * 1000, 1)}
    from functions.query.projector import apply_companies, apply_engagement
    from functions.query.rows import KeyedChange, engagement, firmographics

    changes = [
        KeyedChange(f"company{d}.com", firmographics({**company(d), "industry": "Aerospace"}))
        for d in range(100)
    ]
    t = time.perf_counter()
    changed = apply_companies(db, changes)
    out["company_update_100_domains"] = {"rows": changed, "ms": round((time.perf_counter() - t) * 1000, 1)}
    emails = [
        r["email"]
        for r in db.query("SELECT email FROM contacts WHERE workspace_id = :ws LIMIT 500", {"ws": ws})
    ]
    people = [
        KeyedChange(
            e, engagement({"total_sent": 3, "total_responses": 1, "last_engaged_at": "2026-05-01T00:00:00Z"})
        )
        for e in emails
    ]
    t = time.perf_counter()
    changed = apply_engagement(db, people)
    out["engagement_update_500_emails"] = {"rows": changed, "ms": round((time.perf_counter() - t) * 1000, 1)}
    return out


QUERIES: list[tuple[str, str, dict[str, Any]]] = [
    ("first page, default sort", "GET", {}),
    ("lead_score_desc", "GET", {"sort": "lead_score_desc"}),
    ("tier + grade", "GET", {"icp_tier": "A", "grade": "B"}),
    ("tag", "GET", {"tag": "vip"}),
    ("search= surname", "GET", {"search": "martinezova"}),
    (
        "company.industry filter",
        "POST",
        {"filters": [{"field": "company.industry", "op": "eq", "value": "fintech"}]},
    ),
    (
        "engaged filter, last_engaged_at sort",
        "POST",
        {
            "filters": [{"field": "total_responses", "op": "gte", "value": 1}],
            "sort": [{"field": "last_engaged_at", "direction": "desc"}],
        },
    ),
    (
        "4-filter AND/OR search on a custom field",
        "POST",
        {
            "filters": [
                {"field": "custom_fields.seats", "op": "gte", "value": 250},
                {"field": "icp_tier", "op": "in", "value": ["A", "B"]},
                {
                    "filters_logic": "OR",
                    "filters": [
                        {"field": "has_tag", "op": "eq", "value": "hot"},
                        {"field": "title", "op": "starts_with", "value": "vp"},
                    ],
                },
            ],
            "sort": [{"field": "lead_score", "direction": "desc"}],
        },
    ),
]


def vacuum(rt: Runtime) -> float:
    import psycopg

    start = time.monotonic()
    with psycopg.connect(rt.pg_dsn, autocommit=True) as conn:
        conn.execute("VACUUM (ANALYZE) contacts")
    return round(time.monotonic() - start, 1)


def measure(c: httpx.Client, method: str, body: dict[str, Any], repeat: int) -> dict[str, Any]:
    times = []
    total = None
    for _ in range(repeat):
        t = time.perf_counter()
        r = (
            c.get("/api/v1/contacts", params=body)
            if method == "GET"
            else c.post("/api/v1/contacts/search", json=body)
        )
        times.append((time.perf_counter() - t) * 1000)
        r.raise_for_status()
        meta = r.json()["meta"]
        total = meta["total_count"]
    return {**_percentiles(times), "total_count": total}


def _percentiles(times: list[float]) -> dict[str, float]:
    times = sorted(times)
    return {
        "p50_ms": round(statistics.median(times), 1),
        "p95_ms": round(times[min(len(times) - 1, math.ceil(len(times) * 0.95) - 1)], 1),
    }


class Explaining:
    """The read model with every statement a query runs shown as EXPLAIN (ANALYZE, BUFFERS) first
    (`--explain`): the plans behind the figures, at the size measured."""

    KEEP = ("Scan", "Execution Time", "Heap Fetches", "Workers Launched", "Rows Removed", "Buffers")

    def __init__(self, db: Any) -> None:
        self.db = db

    def query(self, sql: str, params: Any = None) -> list[dict[str, Any]]:
        if sql.lstrip().upper().startswith("SELECT") and "FROM contacts" in sql:
            plan = self.db.query("EXPLAIN (ANALYZE, BUFFERS) " + sql, params)
            print("    plan of", sql[:140].replace("\n", " "), "...", flush=True)
            for row in plan:
                line = str(next(iter(row.values())))
                if any(word in line for word in self.KEEP):
                    print("     ", line.strip()[:200], flush=True)
        return list(self.db.query(sql, params))

    def execute(self, sql: str, params: Any = None) -> int:
        return int(self.db.execute(sql, params))


def measure_read_model(
    ws: str, method: str, body: dict[str, Any], repeat: int, *, explain: bool = False
) -> dict[str, float]:
    """The same query straight through the read model (no HTTP or auth; the local stream barrier
    is left in place: with nothing written it asks nothing): what the query itself costs, apart
    from the one-machine harness around it."""
    from functions.query import contacts
    from functions.query.sql import ListRequest, group_from

    db: Any = get_database()
    assert db is not None
    types = {"seats": "number"}
    times = []
    if explain:
        db = Explaining(db)
        repeat = 1
    for _ in range(repeat):
        t = time.perf_counter()
        if method == "GET":
            params = dict(body)
            sort = str(params.pop("sort", "created_desc"))
            request = ListRequest.parse(**params)
            contacts.list_page(db, ws, request, sort=sort, page_size=50, cursor=None, custom_types=types)
        else:
            order = [(str(s["field"]), s.get("direction") == "desc") for s in body.get("sort", [])]
            contacts.search(
                db, ws, group_from(body), sort=order, page_size=50, cursor=None, custom_types=types
            )
        times.append((time.perf_counter() - t) * 1000)
    return _percentiles(times)


def _csv(path: Path, rows: int, tag: str) -> None:
    with path.open("w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["Email", "First Name", "Last Name", "Title", "Company"])
        for n in range(rows):
            w.writerow(
                [
                    f"i{n}.{tag}@bench{n % 5000}.com",
                    FIRST[n % 10],
                    SURNAMES[n % 10],
                    TITLES[n % 6],
                    f"Bench {n % 5000}",
                ]
            )


def _stamp(value: Any) -> float | None:
    try:
        return datetime.fromisoformat(str(value).replace("Z", "+00:00")).timestamp()
    except ValueError:
        return None


class LagMeter:
    """Wraps the poller's handler: per batch, how long after its oldest new contact's commit (the
    INSERT image's `updated_at`, Commit's clock for its chunk: so at most this long after the
    write) the batch was projected, in seconds. The stream's ApproximateCreationDateTime is
    rounded to the minute, by DynamoDB Local as by DynamoDB."""

    def __init__(self, handler: Callable[[dict[str, Any]], dict[str, Any]]) -> None:
        self.handler = handler
        self.lags: list[float] = []

    def __call__(self, event: dict[str, Any]) -> dict[str, Any]:
        result = self.handler(event)
        stamps = [
            _stamp(r["dynamodb"]["NewImage"]["updated_at"]["S"])
            for r in event["Records"]
            if r.get("eventName") == "INSERT"
            and "updated_at" in (r.get("dynamodb") or {}).get("NewImage", {})
        ]
        written = [s for s in stamps if s is not None]
        if written:
            self.lags.append(time.time() - min(written))
        return result


def import_rate(rt: Runtime, rows: int, *, projection: bool) -> dict[str, Any]:
    """One import of `rows` new contacts through the state machine. Projection stopped: no
    poller, no read-your-writes barrier, and Report does not wait for the read model (a
    pipeline without it). Running: the background poller projects while the import writes,
    and the import completes once its contacts are searchable (the real behaviour)."""
    assert rt.poller is not None
    poller = rt.poller
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "import.csv"
        tag = uuid.uuid4().hex[:6]
        _csv(path, rows, tag)
        handler = poller.handler
        meter = LagMeter(handler)
        poller.drain()
        if projection:
            poller.handler = meter
        try:
            with contextlib.nullcontext() if projection else projection_stopped(rt):
                start, cpu = time.monotonic(), time.process_time()
                outcome = run_import(
                    rt, path, workspace_id=f"ws_imp_{tag}", options={}, out_dir=Path(tmp) / "out"
                )
                elapsed, cpu = time.monotonic() - start, time.process_time() - cpu
        finally:
            poller.handler = handler
        assert outcome.status == "complete", outcome
        poller.drain()  # the next run starts with nothing left to project
        lags = sorted(meter.lags)
        figures: dict[str, Any] = {
            "rows_per_s": round(rows / elapsed),
            "seconds": round(elapsed, 1),
            "process_cpu_s": round(cpu, 1),
            "load": uptime(),
        }
        if lags:
            figures["projector_lag_s"] = {
                "batches": len(lags),
                "p50": round(statistics.median(lags), 2),
                "max": round(lags[-1], 2),
            }
        return figures


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--contacts", type=int, default=1_000_000)
    parser.add_argument("--stream-contacts", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=20)
    parser.add_argument("--import-rows", type=int, default=0)
    parser.add_argument("--explain", action="store_true", help="print each query's plans too")
    args = parser.parse_args()
    results: dict[str, Any] = {"contacts": args.contacts}
    with Runtime(None, in_memory=True) as rt:
        ws = f"ws_bench_{uuid.uuid4().hex[:6]}"
        custom_fields.create(ws, {"name": "seats", "field_type": "number"})
        results["build"] = build(rt, ws, args.contacts, min(args.stream_contacts, args.contacts))
        print("build:", results["build"], flush=True)
        results["propagation"] = propagation(rt, ws)
        print("propagation:", results["propagation"], flush=True)
        results["vacuum_s"] = vacuum(rt)
        # wall-clock figures on a shared machine: the load beside them
        results["load_before_queries"] = [round(x, 1) for x in os.getloadavg()]
        with running(rt) as api:
            key = auth.create_key(ws, ("contacts:read", "contacts:write"))
            c = httpx.Client(base_url=api.url, headers={"Authorization": f"Bearer {key}"}, timeout=120)
            segment = c.post(
                "/api/v1/segments",
                json={
                    "name": "hot A",
                    "filter": {
                        "filters": [
                            {"field": "icp_tier", "op": "eq", "value": "A"},
                            {"field": "has_tag", "op": "eq", "value": "hot"},
                        ]
                    },
                },
            ).json()
            queries = [*QUERIES, ("dynamic segment", "GET", {"segment_id": segment["id"]})]
            results["queries"] = {}
            for name, method, body in queries:
                results["queries"][name] = measure(c, method, body, args.repeat)
                results["queries"][name]["read_model_only"] = measure_read_model(
                    ws, method, body, args.repeat
                )
                print(f"{name:45s} {results['queries'][name]}", flush=True)
                if args.explain:
                    measure_read_model(ws, method, body, 1, explain=True)
            results["load_after_queries"] = [round(x, 1) for x in os.getloadavg()]
            print("load:", results["load_before_queries"], "->", results["load_after_queries"], flush=True)
        if args.import_rows:
            stopped = import_rate(rt, args.import_rows, projection=False)
            print("import, projection stopped:", stopped, flush=True)
            running_ = import_rate(rt, args.import_rows, projection=True)
            print("import, projection running:", running_, flush=True)
            results["import"] = {
                "rows": args.import_rows,
                "projection_stopped": stopped,
                "projection_running": running_,
                "slowdown_pct": round(100 * (1 - running_["rows_per_s"] / stopped["rows_per_s"]), 1),
            }
            print("import:", results["import"], flush=True)
    print(json.dumps(results))


if __name__ == "__main__":
    main()
