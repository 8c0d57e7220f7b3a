"""Enrich (optional per import): cache first, then one provider call per contact, never twice.

Runs after Suppress, so no credit is spent on, and no personal data fetched for, a person who
opted out; a company domain changed by enrichment is checked against domain suppression again.
A per-import call limit is shared by all chunks through a reservation on the job record.
"""

from __future__ import annotations

import asyncio
from collections.abc import Hashable, Mapping, Sequence
from dataclasses import asdict
from datetime import datetime
from typing import Any

from botocore.exceptions import ClientError

from functions.common import config_store, ddb
from functions.common.aws import client
from functions.common.context import JobContext
from functions.common.models import EnrichmentCacheEntry, ImportJob, Suppression, table_name
from functions.common.rows import Row, RowStatus
from functions.common.settings import get_settings
from functions.common.stage import finished
from functions.enrich import org_search
from functions.enrich.cache import CacheEntry
from functions.enrich.errors import ProviderAuthError
from functions.enrich.keys import KeyVault, resolve_key
from functions.enrich.orchestrate import EnrichmentRequest, ItemStatus, enrich_rows
from functions.enrich.providers import make_provider
from functions.suppress.rules import SuppressionKey, decide_suppression, domain_keys

PROVIDER_KEY_PREFIX = "provider_key#"


class DynamoCache:
    """The EnrichmentCache table behind the orchestrator's cache port.

    `not_before` hides entries fetched earlier: that is how `force_refresh` ignores old answers
    while still counting what this same job already paid for, so a resumed job never pays twice.
    """

    def __init__(self, not_before: datetime | None = None) -> None:
        self.not_before = not_before

    def get_many(self, hashes: Sequence[str]) -> Mapping[str, CacheEntry]:
        items = ddb.batch_get(table_name(EnrichmentCacheEntry), [{"email_hash": h} for h in hashes])
        entries = (CacheEntry.from_item(i) for i in items)
        return {
            e.email_hash: e for e in entries if self.not_before is None or e.fetched_at >= self.not_before
        }

    def put_many(self, entries: Sequence[CacheEntry]) -> None:
        ddb.batch_put(table_name(EnrichmentCacheEntry), [e.to_item() for e in entries])


def provider_for(ctx: JobContext) -> Any:
    """The job's provider with the workspace's own key (BYOK) when it has one, else the platform's."""
    settings = get_settings()
    name = ctx.options.get("enrich_provider") or settings.enrich_provider
    if name == "file":
        return make_provider("file", path=settings.enrich_file)
    token = (config_store.get_doc(ctx.workspace_id, PROVIDER_KEY_PREFIX + name) or {}).get("token")
    if settings.master_keys is None:
        raise ProviderAuthError(
            name,
            "no master key is configured to read provider keys (CI_MASTER_KEYS, or master_keys in the CI_SECRETS_ARN secret)",
        )
    vault = KeyVault.from_raw(settings.master_keys)
    key = resolve_key(token, settings.platform_keys.get(name), vault=vault, provider=name)
    options = {"base_url": settings.enrich_base_urls[name]} if name in settings.enrich_base_urls else {}
    return make_provider(name, key.key, **options)


def reserve_calls(ctx: JobContext, chunk: int | str, wanted: int) -> int | None:
    """How many provider calls this chunk may make under the import's `enrich_limit` (None: no limit).

    Each chunk's grant is recorded on the job (`enrich_grant_<n>`) next to the running total, in
    one conditional update: a retried chunk gets its first grant back instead of a second one,
    and all chunks together never exceed the limit.
    """
    limit = ctx.options.get("enrich_limit")
    if limit is None:
        return None
    ddb_client = client("dynamodb")
    # the grants live on the job record, or on the item `enrich_ledger` names (a bulk operation's)
    ledger = ctx.options.get("enrich_ledger") or {}
    table = ledger.get("table") or table_name(ImportJob)
    key = ledger.get("key") or {"job_id": {"S": ctx.job_id}}
    grant_name = f"enrich_grant_{chunk}"
    for _ in range(20):
        item = ddb_client.get_item(TableName=table, Key=key, ConsistentRead=True).get("Item", {})
        if grant_name in item:
            return int(item[grant_name]["N"])
        granted = int(item.get("enrich_granted", {}).get("N", 0))
        grant = max(0, min(wanted, int(limit) - granted))
        try:
            ddb_client.update_item(
                TableName=table,
                Key=key,
                UpdateExpression="SET #g = :k, enrich_granted = :total",
                ConditionExpression="attribute_not_exists(#g) AND "
                "(attribute_not_exists(enrich_granted) AND :seen = :zero OR enrich_granted = :seen)",
                ExpressionAttributeNames={"#g": grant_name},
                ExpressionAttributeValues={
                    ":k": {"N": str(grant)},
                    ":total": {"N": str(granted + grant)},
                    ":seen": {"N": str(granted)},
                    ":zero": {"N": "0"},
                },
            )
            return grant
        except ClientError as exc:
            if exc.response["Error"]["Code"] != "ConditionalCheckFailedException":
                raise
    raise ddb.TransientStoreError("could not reserve enrichment calls")


def apply_result(row: Row, status: ItemStatus, result: Any, from_cache: bool) -> None:
    """Fill the row's empty fields from the provider (a value from the file always wins)."""
    row.meta["e"] = {"status": str(status), "cached": from_cache}
    if status is ItemStatus.NOT_ENRICHED:
        row.warnings.append("NOT_ENRICHED: the import's enrichment call limit was reached")
    elif status is ItemStatus.FAILED:
        row.warnings.append("ENRICHMENT_FAILED: the provider did not answer; the next import retries it")
    if result is None or (result.contact is None and result.company is None):
        return
    for name, value in asdict(result.contact).items() if result.contact else ():
        if value and not row.fields.get(name):
            row.fields[name] = value
    if result.company is not None:
        company = {
            k: (list(v) if isinstance(v, tuple) else v) for k, v in asdict(result.company).items() if v
        }
        row.meta["company"] = company
        if company.get("domain") and not row.fields.get("company_domain"):
            row.fields["company_domain"] = company["domain"]
        if company.get("name") and not row.fields.get("company_name"):
            row.fields["company_name"] = company["name"]


def enrich_chunk_rows(ctx: JobContext, n: int, rows: list[Row]) -> list[Row]:
    live = [r for r in rows if not finished(r)]
    requests = [req for r in live if (req := EnrichmentRequest.from_row(r)) is not None]
    if not requests and not org_search.searches_wanted(live):
        return rows
    limit = reserve_calls(ctx, n, len(requests)) if requests else None
    domains_before = {r.number: r.fields.get("company_domain") for r in live}
    provider = provider_for(ctx)
    not_before = ctx.started_dt if ctx.options.get("force_refresh") else None

    async def run() -> None:
        try:
            if requests:
                outcome = await enrich_rows(
                    requests, provider, DynamoCache(not_before), now=ctx.now_dt, limit=limit
                )
                by_number: dict[Hashable, Row] = {r.number: r for r in live}
                for item in outcome.items:
                    apply_result(by_number[item.key], item.status, item.result, item.from_cache)
            await resolve_companies(ctx, n, live, provider, not_before)
        finally:
            close = getattr(provider, "aclose", None)
            if close is not None:
                await close()

    asyncio.run(run())
    changed = [r for r in live if r.fields.get("company_domain") != domains_before[r.number]]
    recheck_domains(ctx, changed)
    return rows


async def resolve_companies(
    ctx: JobContext, n: int, rows: list[Row], provider: Any, not_before: datetime | None
) -> None:
    """Company names Dedup could not resolve: person enrichment may have found the domain, else
    the provider's organisation search is asked (its calls count against the import's limit)."""
    for row in rows:
        if row.meta.get("cn") and row.fields.get("company_domain") and not row.meta.get("o"):
            row.meta["o"] = {"status": "found", "cached": True, "paid": False}
            row.warnings.append(
                f"COMPANY_DOMAIN_RESOLVED: by provider ({row.fields.get('company_name')!r} -> "
                f"{row.fields['company_domain']})"
            )
    wanted = org_search.searches_wanted(rows)
    if not wanted:
        return
    if not isinstance(provider, org_search.OrgSearcher):
        for row in wanted:
            why = f"the enrichment provider {provider.name!r} cannot search organisations"
            row.warnings.append(org_search.unresolved_warning(row.fields["company_name"], why))
        return
    await org_search.resolve_by_provider(
        wanted,
        provider,
        DynamoCache(not_before),
        now=ctx.now_dt,
        reserve=lambda calls: reserve_calls(ctx, f"org{n}", calls),
    )


def recheck_domains(ctx: JobContext, rows: list[Row]) -> None:
    """A company domain learnt from enrichment may itself be suppressed."""
    keys = {r.number: domain_keys(r.fields.get("company_domain")) for r in rows}
    wanted = {tuple(sorted(k.item_key(ctx.workspace_id).items())) for ks in keys.values() for k in ks}
    if not wanted:
        return
    items = ddb.batch_get(table_name(Suppression), [dict(k) for k in sorted(wanted)])
    found = {SuppressionKey.from_item(i): i for i in items}
    for row in rows:
        hit = decide_suppression(keys[row.number], found)
        if hit is not None:
            row.meta["d"] = {
                "status": str(RowStatus.SUPPRESSED),
                "code": str(hit.code),
                "reason": hit.text,
                "action": "none",
            }
