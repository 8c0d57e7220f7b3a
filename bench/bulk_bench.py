"""Bulk operation benchmark: a bulk tag of N contacts selected by filter, then its undo.

Seeds N contacts into one workspace of an in-memory runtime (DynamoDB Local, PostgreSQL, the real
bulk state machine on moto's engine), then over the HTTP API:

1. `add_tags` with a filter selection (every seeded contact): 202, followed to `complete`;
2. its undo: 202, followed to `undone`.

For each: contacts/s (from the POST to the final status, progress polled every 0.5 s), and write
units per contact as DynamoDB Local reports them for the item writes (UpdateItem with
ReturnConsumedCapacity; the operation record's progress updates included), read units per
contact, and S3 requests. Figures, not a timed test.

    .venv/bin/python bench/bulk_bench.py [--contacts 100000]
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections import Counter
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--contacts", type=int, default=100_000)
    args = parser.parse_args()

    import httpx

    from bench.cost_model import CapacityMeter
    from functions.api import auth
    from functions.common import aws as common_aws
    from functions.common.capacity import TableSpec
    from functions.common.models import ALL_MODELS, ConfigItem, Contact, key_schema, table_name
    from local import dynamodb
    from local.runtime import Runtime
    from local.server import running
    from tests.integration.test_api_support import seed_contacts

    workspace = "ws_bulk_bench"
    with Runtime(None, in_memory=True) as rt, running(rt) as api:
        t0 = time.monotonic()
        seed_contacts(workspace, args.contacts, batch=1000)
        seeded = time.monotonic() - t0
        print(f"seeded {args.contacts} contacts in {seeded:.1f}s", flush=True)

        side = dynamodb.client(rt.ddb_endpoint)
        meter = CapacityMeter(
            {table_name(m): TableSpec.from_schema(table_name(m), key_schema(m)) for m in ALL_MODELS}, side
        )
        s3_requests: Counter[str] = Counter()

        def count_s3(model: Any, **_: Any) -> None:
            s3_requests[model.name] += 1

        meter.attach(common_aws.client("dynamodb"))
        common_aws.client("s3").meta.events.register("before-parameter-build.s3.*", count_s3)
        key = auth.create_key(workspace, auth.SCOPES)
        c = httpx.Client(base_url=api.url, headers={"Authorization": f"Bearer {key}"}, timeout=120)

        def follow(op_id: str, status: str) -> tuple[float, int]:
            polls = 0
            while True:
                doc = c.get(f"/api/v1/bulk-operations/{op_id}").json()
                polls += 1
                if doc["status"] == status:
                    return time.monotonic(), polls
                if doc["status"] == "failed":
                    raise SystemExit(f"bulk operation failed: {doc.get('error')}")
                time.sleep(0.5)

        results: dict[str, Any] = {"contacts": args.contacts, "seed_s": round(seeded, 1)}
        body = {
            "action": "add_tags",
            "params": {"tags": ["bench"]},
            "selection": {"filters": [{"field": "email", "op": "ends_with", "value": "@seed-example.com"}]},
        }
        op_id = ""
        for phase, final in (("tag", "complete"), ("undo", "undone")):
            meter.reset()
            s3_requests.clear()
            start = time.monotonic()
            if phase == "tag":
                r = c.post("/api/v1/contacts/bulk-operations", json=body)
            else:
                r = c.post(f"/api/v1/bulk-operations/{op_id}/undo")
            assert r.status_code == 202, r.text
            op_id = r.json()["id"]
            accepted = time.monotonic() - start
            end, _ = follow(op_id, final)
            seconds = end - start
            contact_wru = meter.written(table_name(Contact))
            config_wru = meter.written(table_name(ConfigItem))
            results[phase] = {
                "seconds": round(seconds, 1),
                "accepted_s": round(accepted, 2),
                "contacts_per_s": round(args.contacts / seconds, 1),
                "wru_per_contact": round(sum(meter.wru.values()) / args.contacts, 3),
                "contacts_table_wru_per_contact": round(contact_wru / args.contacts, 3),
                "operation_record_wru": round(config_wru, 1),
                "rru_per_contact": round(sum(meter.rru.values()) / args.contacts, 3),
                "s3_requests": dict(s3_requests),
            }
            print(f"{phase}: {json.dumps(results[phase])}", flush=True)
        print(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
