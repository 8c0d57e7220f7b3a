"""Pull throughput of each CRM adapter (and the Apollo search) against the local stub servers.

    python bench/sync_bench.py [--records 20000] [--only hubspot,salesforce,outreach,apollo]

Seeds each stub with `--records` records, then times one full pull through the real adapter:
HTTP on 127.0.0.1 with keep-alive, JSON both ways, the mapping to contacts. HubSpot crosses its
10,000-result search cap and restarts; Salesforce pulls Contacts and Leads merged; Apollo pages
100 people at a time. The stub runs in the same process, so the figure is a floor for the
client's own cost, not a forecast of a real CRM's (which rate-limits far below this). Prints
records/s per adapter and a final JSON line.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from pydantic import SecretStr

from functions.common.config_models import IcpRuleSet
from functions.sync.apollo_search import ApolloSearch, build_query
from functions.sync.http import SyncHttp
from functions.sync.hubspot import HubSpotAdapter
from functions.sync.outreach import OutreachAdapter
from functions.sync.ports import SyncRecord
from functions.sync.salesforce import SalesforceAdapter
from tests.stubs.crm_stub import CrmStub

T0 = datetime(2024, 1, 1, tzinfo=UTC)
EVERYONE = IcpRuleSet.model_validate(
    [
        {
            "name": "everyone with a title",
            "tier": "A",
            "conditions": {"title_contains": ["VP", "CTO", "Manager", "Engineer"]},
        }
    ]
)


def pull(stub: CrmStub, http: SyncHttp) -> Iterator[SyncRecord]:
    token = SecretStr(stub.token)
    if stub.provider == "hubspot":
        return HubSpotAdapter(token, base_url=stub.base_url, http=http).pull(None)
    if stub.provider == "salesforce":
        both = ("Contact", "Lead")
        return SalesforceAdapter(token, instance_url=stub.instance_url, objects=both, http=http).pull(None)
    if stub.provider == "outreach":
        return OutreachAdapter(token, base_url=stub.base_url, http=http).pull(None)
    return ApolloSearch(token, base_url=stub.base_url, http=http).search(build_query(EVERYONE), 10**9)


def seed(stub: CrmStub, n: int) -> None:
    step = timedelta(milliseconds=250)
    if stub.provider == "salesforce":
        stub.add_many(n - n // 4, start=T0, step=step)
        stub.add_many(n // 4, start=T0 + step / 2, step=step, sobject="Lead")
    else:
        stub.add_many(n, start=T0, step=step)


def bench(provider: str, n: int) -> dict[str, float | int | str]:
    with CrmStub(provider) as stub, SyncHttp() as http:
        seed(stub, n)
        started = time.perf_counter()
        count = sum(1 for _ in pull(stub, http))
        elapsed = time.perf_counter() - started
        requests = len(stub.requests)
    rate = count / elapsed if elapsed else float("inf")
    print(
        f"{provider:<11} {count:>7,} records  {requests:>4} requests  {elapsed:6.2f}s  {rate:>9,.0f} records/s"
    )
    return {
        "provider": provider,
        "records": count,
        "requests": requests,
        "seconds": round(elapsed, 3),
        "records_per_s": round(rate),
    }


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--records", type=int, default=20_000)
    parser.add_argument("--only", default="hubspot,salesforce,outreach,apollo")
    args = parser.parse_args()
    results = [bench(p.strip(), args.records) for p in args.only.split(",") if p.strip()]
    print(json.dumps({"bench": "sync", "results": results}))


if __name__ == "__main__":
    main()
