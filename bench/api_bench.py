"""HTTP API benchmark: latency of create and get, and the time of a 1,000-contact bulk create.

    python bench/api_bench.py [--requests 300] [--bulk-runs 5]

Starts the one-machine runtime with a fresh in-memory DynamoDB Local and the local API server
(`local.server.running`: every request goes through the Lambda authorizer and the API handler,
as API Gateway runs them), creates a key, then over real HTTP (httpx, one keep-alive
connection, requests one after another):

1. `POST /api/v1/contacts` with a new email each time (dedup, suppression, scoring and the
   conditional commit of an import, per request): p50 / p95 / max latency;
2. `GET /api/v1/contacts/{id}` for those contacts: p50 / p95 / max;
3. `POST /api/v1/contacts/bulk` with 1,000 new contacts (`--bulk-runs` times, a fresh
   workspace each): each run's time, and the median;
4. a raw DynamoDB Local floor in the same run: the 2,000 conditional PartiQL INSERTs a
   1,000-contact bulk create cannot do without (a Contact and a GlobalContact per person), in
   25-statement batches with plain boto3, one after another and on 8 threads. The bulk figure
   is only meaningful next to it: on a loaded 2-core machine the engine itself is the limit.

Figures, not a timed test: the last line of output is one JSON object with every number.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import httpx

from functions.api import auth
from local.runtime import Runtime
from local.server import running


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


def contact(i: int, run: str) -> dict[str, object]:
    return {
        "email": f"person{i}.{run}@bench-{i % 50}.example.com",
        "first_name": f"First{i}",
        "last_name": f"Last{i}",
        "title": ("VP Sales", "Engineer", "Head of Marketing", "CEO")[i % 4],
        "company_name": f"Bench {i % 50}",
        "tags": ["bench"],
    }


def client_for(url: str, workspace: str) -> httpx.Client:
    key = auth.create_key(workspace, auth.SCOPES)
    return httpx.Client(base_url=url, headers={"Authorization": f"Bearer {key}"}, timeout=120)


def raw_floor() -> tuple[float, float]:
    """Seconds for 2,000 conditional INSERTs in 25-statement batches: sequential, and on 8 threads."""
    from concurrent.futures import ThreadPoolExecutor

    from functions.common.models import Contact, GlobalContact, table_name
    from functions.dedup import store

    def statements(tag: str) -> list:
        out = []
        for i in range(1000):
            email = f"floor{i}.{tag}@floor.example.com"
            out.append(
                store.insert(
                    table_name(Contact),
                    {
                        "workspace_id": f"ws_floor_{tag}",
                        "email": email,
                        "contact_id": f"cont_{tag}{i}",
                        "created_at": "2026-01-01T00:00:00.000Z",
                        "updated_at": "2026-01-01T00:00:00.000Z",
                    },
                )
            )
            out.append(store.insert(table_name(GlobalContact), {"email": email, "total_sent": 0}))
        return out

    seq = statements("s" + uuid.uuid4().hex[:6])
    start = time.perf_counter()
    store.execute(seq)
    sequential = time.perf_counter() - start

    par = statements("p" + uuid.uuid4().hex[:6])
    parts = [par[i : i + 250] for i in range(0, len(par), 250)]
    start = time.perf_counter()
    with ThreadPoolExecutor(max_workers=8) as pool:
        list(pool.map(store.execute, parts))
    return sequential, time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=300, help="creates (and gets) to time")
    parser.add_argument("--bulk-runs", type=int, default=5)
    args = parser.parse_args()

    with Runtime(None, in_memory=True) as rt, running(rt) as api:
        c = client_for(api.url, f"ws_bench_{uuid.uuid4().hex[:6]}")
        run = uuid.uuid4().hex[:6]
        for i in range(20):  # warm: imports, connections, first-call costs
            c.post("/api/v1/contacts", json=contact(i, "warm" + run)).raise_for_status()

        creates, ids = [], []
        for i in range(args.requests):
            start = time.perf_counter()
            r = c.post("/api/v1/contacts", json=contact(i, run))
            creates.append(time.perf_counter() - start)
            assert r.status_code == 201, r.text
            ids.append(r.json()["id"])

        gets = []
        for contact_id in ids:
            start = time.perf_counter()
            r = c.get(f"/api/v1/contacts/{contact_id}")
            gets.append(time.perf_counter() - start)
            assert r.status_code == 200, r.text

        bulk = []
        for n in range(args.bulk_runs):
            b = client_for(api.url, f"ws_bulk_{uuid.uuid4().hex[:6]}")
            body = {"contacts": [contact(i, f"bulk{n}{run}") for i in range(1000)]}
            start = time.perf_counter()
            r = b.post("/api/v1/contacts/bulk", json=body)
            bulk.append(time.perf_counter() - start)
            assert r.status_code == 200 and r.json()["summary"]["imported"] == 1000, r.text[:500]

        floor_seq, floor_par = raw_floor()

    ms = lambda s: round(s * 1000, 1)  # noqa: E731
    figures = {
        "create_ms": {
            "p50": ms(percentile(creates, 50)),
            "p95": ms(percentile(creates, 95)),
            "max": ms(max(creates)),
        },
        "get_ms": {"p50": ms(percentile(gets, 50)), "p95": ms(percentile(gets, 95)), "max": ms(max(gets))},
        "bulk_1000_s": {"runs": [round(s, 3) for s in bulk], "median": round(statistics.median(bulk), 3)},
        "floor_2000_inserts_s": {"sequential": round(floor_seq, 3), "threads_8": round(floor_par, 3)},
        "requests": args.requests,
    }
    print(
        f"create  p50 {figures['create_ms']['p50']} ms   p95 {figures['create_ms']['p95']} ms  ({args.requests} requests)"
    )
    print(f"get     p50 {figures['get_ms']['p50']} ms   p95 {figures['get_ms']['p95']} ms")
    print(
        f"bulk 1,000 contacts: median {figures['bulk_1000_s']['median']} s  (runs {figures['bulk_1000_s']['runs']})"
    )
    print(
        f"floor: 2,000 PartiQL INSERTs {figures['floor_2000_inserts_s']['sequential']} s sequential, "
        f"{figures['floor_2000_inserts_s']['threads_8']} s on 8 threads"
    )
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
