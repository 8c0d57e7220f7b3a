"""Suppress (read only): workspace emails, workspace domains with subdomains, platform opt-outs."""

from __future__ import annotations

from functions.common import ddb
from functions.common.context import JobContext
from functions.common.models import Suppression, table_name
from functions.common.rows import Row, RowStatus
from functions.common.stage import finished
from functions.suppress.rules import SuppressionKey, decide_suppression, suppression_keys


def suppress_rows(ctx: JobContext, rows: list[Row]) -> list[Row]:
    live = [r for r in rows if not finished(r) and r.email]
    keys = {r.number: suppression_keys(r.email or "", r.fields.get("company_domain")) for r in live}
    wanted = {tuple(sorted(k.item_key(ctx.workspace_id).items())) for ks in keys.values() for k in ks}
    items = ddb.batch_get(table_name(Suppression), [dict(k) for k in sorted(wanted)])
    found = {SuppressionKey.from_item(i): i for i in items}
    for row in live:
        hit = decide_suppression(keys[row.number], found)
        if hit is not None:
            row.meta["d"] = {
                "status": str(RowStatus.SUPPRESSED),
                "code": str(hit.code),
                "reason": hit.text,
                "action": "none",
            }
    return rows
