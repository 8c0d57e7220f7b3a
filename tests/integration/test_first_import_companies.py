"""A first import whose chunks share their companies creates each Company about once, not once
per chunk: the writes to Companies grow with the domains, not with the rows."""

from __future__ import annotations

import threading
import uuid
from typing import Any

import pytest

from functions.common import ddb, faults
from functions.common.context import JobContext
from functions.common.jobs import now_iso
from functions.common.models import Company, table_name
from functions.common.rows import Row, RowStatus
from functions.dedup import store
from functions.dedup.commit import commit_rows
from functions.dedup.dedup import dedup_rows
from local.runtime import Runtime

pytestmark = pytest.mark.integration

CHUNKS = 4
DOMAINS = 500


def test_concurrent_chunks_sharing_every_domain_write_each_company_about_once(
    rt: Runtime, workspace: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    tag = uuid.uuid4().hex[:8]
    domains = [f"co{d}-{tag}.example" for d in range(DOMAINS)]
    company_table = f'INSERT INTO "{table_name(Company)}"'
    writes: list[int] = []
    refused: list[int] = []
    real_execute = store.execute

    def counting(statements: Any) -> list[ddb.StatementOutcome]:
        outcomes = real_execute(statements)
        mine = [o for s, o in zip(statements, outcomes, strict=True) if s.sql.startswith(company_table)]
        writes.append(len(mine))
        refused.append(sum(1 for o in mine if not o.ok))
        return outcomes

    monkeypatch.setattr(store, "execute", counting)
    # every chunk has written its contacts before any creates a company: the moment of a first
    # import where all of them find every company missing
    barrier = threading.Barrier(CHUNKS, timeout=120)
    faults.inject("commit.after_contacts", lambda scope: barrier.wait() if scope == workspace else None)
    ctx = JobContext.from_options(f"job_first_{tag}", workspace, {}, now_iso())
    results: dict[int, list[Any]] = {}

    def chunk(n: int) -> None:
        rows = [
            Row(
                i + 1,
                [],
                fields={"email": f"p{n}-{i}@{d}", "company_domain": d, "company_name": f"Co {i} {tag}"},
            )
            for i, d in enumerate(domains)
        ]
        results[n] = commit_rows(ctx, dedup_rows(ctx, rows))

    try:
        threads = [threading.Thread(target=chunk, args=(n,)) for n in range(CHUNKS)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=600)
    finally:
        faults.clear()

    assert sorted(results) == list(range(CHUNKS))
    assert all(r.status == RowStatus.IMPORTED for rs in results.values() for r in rs)
    assert set(store.companies(domains)) == set(domains)
    # each chunk alone would write all 500 (2,000 writes, 1,500 of them refused)
    assert sum(writes) < 2 * DOMAINS, (sum(writes), sum(refused))
    assert sum(writes) - sum(refused) == DOMAINS
