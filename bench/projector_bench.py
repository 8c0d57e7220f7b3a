"""The projector handler alone: Contacts stream records in the Lambda event shape -> read model.

    make bench-projector [PROJECTOR_CONTACTS=20000] [PROFILE=1]

What the Lambda does on AWS, without what the event source mapping does for it (reading the
stream): the records are built in memory as DynamoDB Streams delivers them (INSERT, NEW_AND_OLD
images, the contact items `bench/query_bench.py` builds, stamped as an import writes them) and
handed to `functions.query.stream.handle` in batches of `--batch` (1,000: the local poller's
batch, and the largest the event source mapping gives). The 20,000 Companies go first, through
the same handler (Companies stream records), so no DynamoDB read is needed. Runs on the embedded
PostgreSQL with every migration applied (every index, the audit log, the count triggers).

Prints the handler's contacts/s (wall and CPU seconds of this process, with `uptime`), the
PostgreSQL time per statement (the share of the batch the server takes), and with `--profile`
the top of a cProfile of the handler.

Figures, not a timed test: nothing here asserts a speed.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import os
import pstats
import random
import sys
import time
import uuid
from collections import defaultdict
from collections.abc import Iterator
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("POWERTOOLS_METRICS_DISABLED", "true")

from functions.common import audit as stamps
from functions.common import ddb
from functions.common.models import Company, Contact, table_name
from functions.query.db import Params, PsycopgDatabase
from functions.query.migrate import migrate

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
DOMAINS = 20_000
INDUSTRIES = ["Software", "Fintech", "Retail", "Manufacturing", "Healthcare", "Logistics", "Media", "Energy"]
BATCH = 1000


def contact(ws: str, n: int, rng: random.Random) -> dict[str, Any]:
    """The n-th bench contact of a workspace, as the Contacts table holds it."""
    surname = rng.choice(SURNAMES) + ("" if n % 1000 else "ova")  # one contact in 1,000 is a "…ova"
    domain = f"company{n % DOMAINS}.com"
    created = created_at(n)
    return {
        "workspace_id": ws,
        "email": f"{FIRST[n % 10].lower()}.{surname.lower()}.{n}@{domain}",
        "contact_id": f"cont_{uuid.UUID(int=rng.getrandbits(128)).hex[:16]}",
        "version": 1,
        "fields": {
            "first_name": FIRST[n % 10],
            "last_name": surname,
            "title": rng.choice(TITLES),
            "company_name": f"Company {n % DOMAINS}",
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
        "last_job": "job_bench",
        **stamps.stamp("job:job_bench", "import"),
    }


def company(d: int) -> dict[str, Any]:
    return {
        "domain": f"company{d}.com",
        "name": f"Company {d}",
        "industry": INDUSTRIES[d % len(INDUSTRIES)],
        "employee_count": 10 + d % 5000,
    }


def created_at(n: int) -> str:
    second = n % 86_400
    return f"2026-0{1 + n % 9}-{1 + n % 28:02d}T{second // 3600:02d}:{second // 60 % 60:02d}:{second % 60:02d}.000Z"


def stream_arn(table: str) -> str:
    return f"arn:aws:dynamodb:us-east-1:000000000000:table/{table}/stream/2026-01-01T00:00:00.000"


def insert_record(item: dict[str, Any], seq: int, arn: str) -> dict[str, Any]:
    """The INSERT record a put of a new item gives the Lambda (NEW_AND_OLD_IMAGES stream)."""
    return {
        "eventID": uuid.uuid4().hex,
        "eventName": "INSERT",
        "eventVersion": "1.1",
        "eventSource": "aws:dynamodb",
        "awsRegion": "us-east-1",
        "dynamodb": {
            "ApproximateCreationDateTime": time.time(),
            "Keys": {"workspace_id": {"S": item["workspace_id"]}, "email": {"S": item["email"]}}
            if "workspace_id" in item
            else {"domain": {"S": item["domain"]}},
            "NewImage": {k: ddb.to_av(v) for k, v in item.items()},
            "SequenceNumber": f"{seq:021d}",
            "SizeBytes": 0,
            "StreamViewType": "NEW_AND_OLD_IMAGES",
        },
        "eventSourceARN": arn,
    }


def company_batches(batch: int = BATCH) -> Iterator[list[dict[str, Any]]]:
    arn = stream_arn(table_name(Company))
    for start in range(0, DOMAINS, batch):
        yield [insert_record(company(d), d, arn) for d in range(start, min(DOMAINS, start + batch))]


def contact_batches(
    ws: str, first: int, count: int, batch: int = BATCH, seed: int = 5
) -> Iterator[list[dict[str, Any]]]:
    """Contacts `first` .. `first + count - 1` of `ws` as the Contacts stream's INSERT records, in batches."""
    rng = random.Random(seed + first)
    arn = stream_arn(table_name(Contact))
    for start in range(first, first + count, batch):
        end = min(first + count, start + batch)
        yield [insert_record(contact(ws, n, rng), n, arn) for n in range(start, end)]


class TimedDatabase(PsycopgDatabase):
    """The embedded PostgreSQL, with the time spent in each statement (by its first words)."""

    def __init__(self, dsn: str) -> None:
        super().__init__(dsn)
        self.seconds: dict[str, float] = defaultdict(float)
        self.calls: dict[str, int] = defaultdict(int)

    def _timed(self, sql: str, run: Any) -> Any:
        start = time.perf_counter()
        try:
            return run()
        finally:
            key = " ".join(sql.split())[:60]
            self.seconds[key] += time.perf_counter() - start
            self.calls[key] += 1

    def query(self, sql: str, params: Params | None = None) -> list[dict[str, Any]]:
        return self._timed(sql, lambda: super(TimedDatabase, self).query(sql, params))  # type: ignore[no-any-return]

    def execute(self, sql: str, params: Params | None = None) -> int:
        return self._timed(sql, lambda: super(TimedDatabase, self).execute(sql, params))  # type: ignore[no-any-return]


def uptime() -> str:
    return " ".join(Path("/proc/loadavg").read_text().split()[:3])


def server_cpu_s(postmaster: int) -> float:
    """CPU seconds of the PostgreSQL server, from /proc: the postmaster with the children it has
    reaped (autovacuum workers that ended) and its live children (the session backend, the WAL
    writer, the checkpointer)."""
    tick = os.sysconf("SC_CLK_TCK")
    total = 0
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(entry.name) == postmaster:
            total += sum(int(f) for f in fields[11:15])  # utime, stime, cutime, cstime
        elif int(fields[1]) == postmaster:
            total += int(fields[11]) + int(fields[12])
    return total / tick


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--contacts", type=int, default=20_000)
    parser.add_argument("--batch", type=int, default=BATCH)
    parser.add_argument("--profile", action="store_true")
    args = parser.parse_args()

    from functions.query import db as db_module
    from functions.query import stream
    from local import postgres

    server = postgres.start(data_dir=None)
    try:
        db = TimedDatabase(server.dsn)
        migrate(db)
        db_module._engine = db  # the handler's engine: this timed adapter
        db_module._engine_key = None
        stream.database = lambda: db  # type: ignore[assignment]
        for records in company_batches(args.batch):
            stream.handle({"Records": records}, None)
        ws = f"ws_bench_{uuid.uuid4().hex[:6]}"
        batches = list(contact_batches(ws, 0, args.contacts, args.batch))  # built before the clock starts
        db.seconds.clear()
        db.calls.clear()
        profiler = cProfile.Profile() if args.profile else None
        assert server.process is not None
        pid = server.process.pid
        wall, cpu, pg_cpu = time.perf_counter(), time.process_time(), server_cpu_s(pid)
        if profiler:
            profiler.enable()
        for records in batches:
            result = stream.handle({"Records": records}, None)
            assert not result["batchItemFailures"], result
        if profiler:
            profiler.disable()
        wall, cpu, pg_cpu = (
            time.perf_counter() - wall,
            time.process_time() - cpu,
            server_cpu_s(pid) - pg_cpu,
        )
        seen = int(
            db.query("SELECT count(*) AS n FROM contacts WHERE workspace_id = :ws", {"ws": ws})[0]["n"]
        )
        assert seen == args.contacts, (seen, args.contacts)
        sql_s = sum(db.seconds.values())
        print(f"load {uptime()}")
        print(
            f"handler: {args.contacts} contacts in {len(batches)} batches of {args.batch}: {wall:.1f} s wall"
            f" = {args.contacts / wall:,.0f} contacts/s; this process {cpu:.1f} CPU s"
            f", PostgreSQL {pg_cpu:.1f} CPU s: {args.contacts / (cpu + pg_cpu):,.0f} contacts per CPU s"
            f" (client + server); statements took {sql_s:.1f} s, summed over sessions"
        )
        for key, seconds in sorted(db.seconds.items(), key=lambda kv: -kv[1]):
            print(f"  {seconds:7.2f} s {db.calls[key]:6d} x  {key}")
        if profiler:
            out = io.StringIO()
            pstats.Stats(profiler, stream=out).sort_stats("cumulative").print_stats(30)
            print(out.getvalue())
        db.close()
    finally:
        server.stop()


if __name__ == "__main__":
    main()
