"""Suppress (read only): workspace emails, workspace domains with subdomains, platform opt-outs."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TypeVar

from functions.common import ddb
from functions.common.context import JobContext
from functions.common.models import Suppression, table_name
from functions.common.rows import Row, RowStatus
from functions.common.stage import finished
from functions.dedup.store import CONCURRENCY
from functions.suppress.rules import SuppressionHit, SuppressionKey, decide_suppression, suppression_keys

K = TypeVar("K")


def suppression_hits(
    workspace_id: str, people: Mapping[K, tuple[str, str | None]]
) -> dict[K, SuppressionHit]:
    """What suppresses each (email, company domain), read in one batch for all of them."""
    keys = {k: suppression_keys(email, domain) for k, (email, domain) in people.items()}
    wanted = {tuple(sorted(k.item_key(workspace_id).items())) for ks in keys.values() for k in ks}
    # a chunk's ~50 pages of keys overlap their round trips, as Dedup's reads do
    items = (
        ddb.batch_get(table_name(Suppression), [dict(k) for k in sorted(wanted)], concurrency=CONCURRENCY)
        if wanted
        else []
    )
    found = {SuppressionKey.from_item(i): i for i in items}
    out: dict[K, SuppressionHit] = {}
    for k, ks in keys.items():
        hit = decide_suppression(ks, found)
        if hit is not None:
            out[k] = hit
    return out


def suppress_rows(ctx: JobContext, rows: list[Row]) -> list[Row]:
    live = {r.number: r for r in rows if not finished(r) and r.email}
    hits = suppression_hits(
        ctx.workspace_id, {n: (r.email or "", r.fields.get("company_domain")) for n, r in live.items()}
    )
    for number, hit in hits.items():
        live[number].meta["d"] = {
            "status": str(RowStatus.SUPPRESSED),
            "code": str(hit.code),
            "reason": hit.text,
            "action": "none",
        }
    return rows
