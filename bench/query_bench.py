"""The contacts read model at scale: projector throughput and lag, then query latency over HTTP.

    python bench/query_bench.py [--contacts 1000000] [--stream-contacts 100000] [--repeat 20] [--import-rows 0]

1. Builds a workspace of `--contacts` contacts. All but the last `--stream-contacts` are
   bulk-loaded into the read model with COPY (the rows the projector would write, from the same
   `functions.query.rows.row`; indexes dropped and rebuilt around the load): a million contacts
   through DynamoDB Local would take the run's time and memory without measuring anything.
   The last `--stream-contacts` go the real way: written into the Contacts table (DynamoDB
   Local, batch writes, as Commit leaves them) with the stream poller paused, then projected
   from the stream by the poller and the projector handler: the projector's contacts/s on a
   backlog (with the poller running it only keeps pace with DynamoDB Local's write rate, which
   is also reported). 20,000 Companies rows give each domain its firmographics.
2. Times a Company change reaching the read model (one UPDATE of its domain's rows) and an
   engagement change (one UPDATE of an email's rows) at that size.
3. VACUUM ANALYZE the contacts table, as autovacuum leaves it once a load is over (filtered
   counts are index-only scans, which need its visibility map), then times each query
   `--repeat` times through the local HTTP API (the same handler as on AWS: authorizer
   context, validation, read model, views): p50 and p95 in ms, with total_count; then the
   same query straight through the read model (`read_model_only`: no HTTP, no API key lookup,
   no local stream barrier, which drains DynamoDB Local's streams only after a write; AWS has
   none).
4. With `--import-rows N`, imports an N-row CSV through the real state machine twice, with the
   background projection stopped and running, and reports rows/s of each.

Figures, not a timed test: nothing here asserts a speed.
"""

from __future__ import annotations

import argparse
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
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
# before any handler module creates its Metrics: EMF lines would drown the figures
os.environ.setdefault("POWERTOOLS_METRICS_DISABLED", "true")

import httpx

from functions.api import auth, custom_fields
from functions.common import ddb
from functions.common.models import Company, Contact, table_name
from functions.query.db import get_database
from local.imports import run_import
from local.runtime import Runtime
from local.server import running

SURNAMES = [
    "Smith",
    "Jones",
    "Garcia",
    "Miller",
    "Davis",
    "Martinez",
    "Lopez",
    "Wilson",
    "Anderson",
    "Thomas",
]
FIRST = ["Ann", "Bob", "Carla", "Dev", "Emma", "Femi", "Gus", "Hana", "Ivo", "Jia"]
TITLES = ["VP Sales", "Head of Growth", "Director of RevOps", "Account Executive", "CTO", "Engineer"]
TAGS = ["hot", "cold", "webinar", "vip", "director_plus", "verified_email", "conference", "newsletter"]


def _contact(ws: str, n: int, rng: random.Random, created: str) -> dict[str, Any]:
    surname = rng.choice(SURNAMES) + ("" if n % 1000 else "ova")  # one contact in 1,000 is a "…ova"
    domain = f"company{n % 20_000}.com"
    return {
        "workspace_id": ws,
        "email": f"{FIRST[n % 10].lower()}.{surname.lower()}.{n}@{domain}",
        "contact_id": f"cont_{uuid.uuid4().hex[:16]}",
        "version": 1,
        "fields": {
            "first_name": FIRST[n % 10],
            "last_name": surname,
            "title": rng.choice(TITLES),
            "company_name": f"Company {n % 20_000}",
        },
        "company_domain": domain,
        "tags": rng.sample(TAGS, rng.randrange(0, 3)),
        "custom_fields": {
            "seats": rng.randrange(0, 500),
            "stage": rng.choice(["trial", "customer", "churned"]),
        },
        "icp_tier": rng.choice("ABCD"),
        "grade": rng.choice("ABC"),
        "lead_score": rng.randrange(0, 100),
        "dnt": False,
        "is_deleted": False,
        "created_at": created,
        "updated_at": created,
    }


DOMAINS = 20_000
INDUSTRIES = ["Software", "Fintech", "Retail", "Manufacturing", "Healthcare", "Logistics", "Media", "Energy"]


def _company(d: int) -> dict[str, Any]:
    return {
        "domain": f"company{d}.com",
        "name": f"Company {d}",
        "industry": INDUSTRIES[d % len(INDUSTRIES)],
        "employee_count": 10 + d % 5000,
    }


def _created(n: int) -> str:
    second = n % 86_400
    return f"2026-0{1 + n % 9}-{1 + n % 28:02d}T{second // 3600:02d}:{second // 60 % 60:02d}:{second % 60:02d}.000Z"


def bulk_load(rt: Runtime, ws: str, count: int) -> dict[str, float]:
    """COPY `count` projector rows into the read model, with its secondary indexes rebuilt after."""
    import psycopg
    from psycopg.types.json import Jsonb

    from functions.query.projector import _COLUMNS
    from functions.query.rows import row

    rng = random.Random(5)
    start = time.monotonic()
    names = [name for name, _ in _COLUMNS]
    jsonb = {name for name, kind in _COLUMNS if kind == "jsonb"}
    with psycopg.connect(rt.pg_dsn, autocommit=True) as conn:
        indexes = conn.execute(
            "SELECT indexname, indexdef FROM pg_indexes WHERE tablename = 'contacts' AND indexname <> 'contacts_pkey'"
        ).fetchall()
        for index, _ in indexes:
            conn.execute(f'DROP INDEX "{index}"')
        with conn.cursor() as cur, cur.copy(f"COPY contacts ({', '.join(names)}) FROM STDIN") as copy:
            for n in range(count):
                values = row(_contact(ws, n, rng, _created(n)), _company(n % DOMAINS))
                copy.write_row([Jsonb(values[k]) if k in jsonb else values[k] for k in names])
        loaded = time.monotonic()
        for _, definition in indexes:
            conn.execute(definition)
        conn.execute("ANALYZE contacts")
    done = time.monotonic()
    return {"copied": count, "copy_s": round(loaded - start, 1), "indexes_s": round(done - loaded, 1)}


def build(rt: Runtime, ws: str, count: int, streamed: int) -> dict[str, Any]:
    db = get_database()
    assert db is not None
    ddb.batch_put(table_name(Company), [_company(d) for d in range(DOMAINS)])
    bulk = bulk_load(rt, ws, count - streamed) if count > streamed else {}
    rng = random.Random(6)
    table = table_name(Contact)
    assert rt.poller is not None
    rt.poller.stop()  # a backlog first: the projector's own rate, not DynamoDB Local's write rate
    start = time.monotonic()
    batch: list[dict[str, Any]] = []
    for n in range(count - streamed, count):
        batch.append(_contact(ws, n, rng, _created(n)))
        if len(batch) == 5000:
            ddb.batch_put(table, batch)
            batch = []
    if batch:
        ddb.batch_put(table, batch)
    written = time.monotonic()
    records = rt.poller.drain()
    done = time.monotonic()
    rt.poller.start()
    seen = int(db.query("SELECT count(*) AS n FROM contacts WHERE workspace_id = :ws", {"ws": ws})[0]["n"])
    assert seen == count, (seen, count)
    db.execute("ANALYZE contacts")
    return {
        "bulk_load": bulk,
        "streamed": streamed,
        "dynamodb_writes_per_s": round(streamed / (written - start)),
        "stream_records": records,
        "projector_s": round(done - written, 1),
        "projector_contacts_per_s": round(streamed / (done - written)),
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
    ddb.batch_put(table_name(Company), [{**_company(7), "industry": "Aerospace"}])
    while not db.query(
        "SELECT 1 AS x FROM contacts WHERE company_domain = :d AND company_industry = 'Aerospace' LIMIT 1",
        {"d": domain},
    ):
        rt.poller.drain()
    out["company_edit"] = {"rows": rows, "visible_ms": round((time.monotonic() - start) * 1000, 1)}
    from functions.query.projector import apply_companies, apply_engagement
    from functions.query.rows import KeyedChange, engagement, firmographics

    changes = [
        KeyedChange(f"company{d}.com", firmographics({**_company(d), "industry": "Aerospace"}))
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


def import_rate(rt: Runtime, rows: int, *, projection: bool) -> float:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "import.csv"
        tag = uuid.uuid4().hex[:6]
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
        assert rt.poller is not None
        if not projection:
            rt.poller.stop()
        try:
            start = time.monotonic()
            outcome = run_import(
                rt, path, workspace_id=f"ws_imp_{tag}", options={}, out_dir=Path(tmp) / "out"
            )
            elapsed = time.monotonic() - start
        finally:
            if not projection:
                rt.poller.start()
        assert outcome.status == "complete", outcome
        return rows / elapsed


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
            without = import_rate(rt, args.import_rows, projection=False)
            with_projection = import_rate(rt, args.import_rows, projection=True)
            results["import_rows_per_s"] = {
                "projection_stopped": round(without),
                "projection_running": round(with_projection),
            }
            print("import rows/s:", results["import_rows_per_s"], flush=True)
    print(json.dumps(results))


if __name__ == "__main__":
    main()
