"""What the audit log costs the projector: stream records/s into the read model with and without
the audit entries, on the embedded PostgreSQL (no DynamoDB: the records are built in memory in
the Lambda event shape, as the stream delivers them).

    make bench-audit [AUDIT_CONTACTS=20000]

Each contact is created (INSERT) and then changed once (MODIFY: title, a tag, the score), in
batches of 500 records (the Projector's batch size on AWS). Prints records/s both ways, the
audit rows written and their average size.
"""

from __future__ import annotations

import argparse
import time
import uuid
from typing import Any

from functions.common import audit as stamps
from functions.common import ddb
from functions.query import audit, projector
from functions.query.db import PsycopgDatabase
from functions.query.migrate import migrate
from functions.query.rows import change_from_record, latest
from functions.query.stream import project_records
from local import postgres

BATCH = 500


def _record(event: str, old: dict[str, Any] | None, new: dict[str, Any], n: int) -> dict[str, Any]:
    data: dict[str, Any] = {"SequenceNumber": str(n), "NewImage": {k: ddb.to_av(v) for k, v in new.items()}}
    if old is not None:
        data["OldImage"] = {k: ddb.to_av(v) for k, v in old.items()}
    return {"eventID": uuid.uuid4().hex, "eventName": event, "dynamodb": data}


def records(ws: str, contacts: int) -> list[dict[str, Any]]:
    out = []
    for i in range(contacts):
        base = {
            "workspace_id": ws,
            "email": f"p{i:07d}@bench-example.com",
            "contact_id": f"cont_{ws}_{i}",
            "fields": {"first_name": f"First{i}", "last_name": "Bench", "title": "Manager", "city": "Oslo"},
            "custom_fields": {"plan": "pro"},
            "tags": ["import:job_bench"],
            "company_domain": "bench-example.com",
            "created_at": "2026-01-01T00:00:00.000Z",
            "updated_at": "2026-01-01T00:00:00.000Z",
            "version": 1,
            "is_deleted": False,
            "dnt": False,
            "lead_score": 40,
            "grade": "C",
            "icp_tier": "B",
            **stamps.stamp("job:job_bench", "import"),
        }
        changed = {
            **base,
            "fields": {**base["fields"], "title": "Director"},
            "tags": [*base["tags"], "vip"],
            "lead_score": 55,
            "version": 2,
            "updated_at": "2026-01-02T00:00:00.000Z",
            **stamps.stamp("op:bench", "bulk"),
        }
        out += [_record("INSERT", None, base, 2 * i), _record("MODIFY", base, changed, 2 * i + 1)]
    return out


def run(db: PsycopgDatabase, batches: list[list[dict[str, Any]]], *, with_audit: bool) -> float:
    start = time.perf_counter()
    for batch in batches:
        if with_audit:
            project_records(db, batch)
        else:
            projector.apply(db, latest(change_from_record(r) for r in batch), known={})
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--contacts", type=int, default=20000)
    args = parser.parse_args()
    server = postgres.start(data_dir=None)
    try:
        db = PsycopgDatabase(server.dsn)
        migrate(db)
        projector.companies = lambda domains: {}  # type: ignore[assignment]  # no DynamoDB here
        figures = {}
        for with_audit in (False, True):
            ws = f"bench_{'audit' if with_audit else 'plain'}"
            recs = records(ws, args.contacts)
            batches = [recs[i : i + BATCH] for i in range(0, len(recs), BATCH)]
            seconds = run(db, batches, with_audit=with_audit)
            figures[with_audit] = len(recs) / seconds
            print(
                f"{'with audit' if with_audit else 'read model only'}: {len(recs)} records in {seconds:.1f} s"
                f" = {figures[with_audit]:,.0f} records/s"
            )
        rows = db.query(
            "SELECT count(*) AS n, avg(pg_column_size(changes))::int AS bytes FROM contact_audit WHERE workspace_id = 'bench_audit'"
        )[0]
        print(
            f"audit rows: {rows['n']} (one per record that changed something), changes jsonb avg {rows['bytes']} bytes"
        )
        print(f"audit overhead: projector throughput x{figures[True] / figures[False]:.2f}")
        assert int(rows["n"]) == 2 * args.contacts and audit.DEFAULT_RETENTION_DAYS == 730
        db.close()
    finally:
        server.stop()


if __name__ == "__main__":
    main()
