"""The workspace data-retention policy (seed FAQ "Do contacts expire?") and the audit log's TTL.

Off by default. When on, a contact with no engagement and no update for 90, 180 or 365 days is
soft-deleted (`deletion_reason` `retention_policy`), stamped as the `retention` actor so the
audit log records each deletion. A dry run counts exactly what a run would delete at the same
moment: both use `candidates`.

Candidates come from the read model (live contacts not updated since the cutoff, one index
range); each is then checked against the workspace's own engagement timeline (any opened,
clicked, replied, meeting booked ... event since the cutoff keeps it), and a run re-reads each
item before deleting it, so a contact edited meanwhile stays.

The scheduled maintenance run (`run_scheduled`: EventBridge Scheduler on AWS, `serve` locally)
applies every enabled policy and purges audit entries past each workspace's `audit_days`.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import asdict, dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from functions.api.errors import Conflict, NotFound
from functions.common import audit, ddb
from functions.common.aws import client
from functions.common.models import ConfigItem, EngagementEvent, table_name
from functions.query import audit as audit_log
from functions.query import freshness
from functions.query.db import Database

POLICY_DOC = "retention_policy"
INDEX_PK = "POLICY#retention"  # one item per workspace that configured a policy: the run's list
PERIODS = (90, 180, 365)
REASON = "retention_policy"
SHOWN = 1000
ACTOR = audit.Actor("retention", "retention")
# what counts as engagement: the contact did something (a send or a bounce is not engagement)
ENGAGEMENT = ("opened", "clicked", "replied", "meeting_booked", "unsubscribed", "spam_complaint")


@dataclass(frozen=True)
class Policy:
    enabled: bool = False
    days: int = 365
    audit_days: int = audit_log.DEFAULT_RETENTION_DAYS

    def __post_init__(self) -> None:
        if self.days not in PERIODS:
            raise ValueError(f"days must be one of {', '.join(map(str, PERIODS))}")
        if not 30 <= self.audit_days <= 3650:
            raise ValueError("audit_days must be 30-3650")


def get_policy(workspace_id: str) -> Policy:
    resp = client("dynamodb").get_item(
        TableName=table_name(ConfigItem),
        Key={"pk": {"S": INDEX_PK}, "sk": {"S": workspace_id}},
        ConsistentRead=True,
    )
    if "Item" not in resp:
        return Policy()
    doc = ddb.from_item(resp["Item"]).get("doc")
    return Policy(**_json(doc))


def _json(doc: Any) -> dict[str, Any]:
    import json

    return dict(json.loads(doc) if isinstance(doc, str) else doc or {})


def put_policy(workspace_id: str, policy: Policy) -> Policy:
    import json

    from functions.common.jobs import now_iso

    client("dynamodb").put_item(
        TableName=table_name(ConfigItem),
        Item={
            "pk": {"S": INDEX_PK},
            "sk": {"S": workspace_id},
            "doc": {"S": json.dumps(asdict(policy))},
            "updated_at": {"S": now_iso()},
        },
    )
    return policy


def policies() -> Iterator[tuple[str, Policy]]:
    pages = (
        client("dynamodb")
        .get_paginator("query")
        .paginate(
            TableName=table_name(ConfigItem),
            KeyConditionExpression="pk = :p",
            ExpressionAttributeValues={":p": {"S": INDEX_PK}},
            ConsistentRead=True,
        )
    )
    for page in pages:
        for raw in page.get("Items", []):
            item = ddb.from_item(raw)
            yield str(item["sk"]), Policy(**_json(item.get("doc")))


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _engaged_since(workspace_id: str, email: str, cutoff: str) -> bool:
    from functions.events.store import timeline_pk

    names = {"#t": "event_type"}
    values: dict[str, Any] = {":pk": {"S": timeline_pk(workspace_id, email)}, ":c": {"S": cutoff}}
    values.update({f":e{i}": {"S": t} for i, t in enumerate(ENGAGEMENT)})
    resp = client("dynamodb").query(
        TableName=table_name(EngagementEvent),
        KeyConditionExpression="pk = :pk AND sk > :c",
        FilterExpression="#t IN (" + ", ".join(f":e{i}" for i in range(len(ENGAGEMENT))) + ")",
        ExpressionAttributeNames=names,
        ExpressionAttributeValues=values,
        Select="COUNT",
        ConsistentRead=True,
    )
    return int(resp.get("Count", 0)) > 0


def candidates(db: Database, workspace_id: str, days: int, now: datetime) -> list[tuple[str, str]]:
    """(contact_id, email) of the live contacts the policy would delete now."""
    cutoff = _iso(now - timedelta(days=days))
    freshness.settle()
    rows = db.query(
        """SELECT contact_id, email FROM contacts
        WHERE workspace_id = :ws AND NOT is_deleted AND updated_at < :cutoff::timestamptz
        ORDER BY updated_at, email""",
        {"ws": workspace_id, "cutoff": cutoff},
    )
    return [
        (str(r["contact_id"]), str(r["email"]))
        for r in rows
        if not _engaged_since(workspace_id, str(r["email"]), cutoff)
    ]


def run(
    db: Database,
    workspace_id: str,
    *,
    days: int | None = None,
    dry_run: bool = False,
    now: datetime | None = None,
) -> dict[str, Any]:
    """Apply (or, dry, count) the workspace's policy; `days` overrides the policy's period."""
    from functions.api import contacts

    now = now or datetime.now(UTC)
    policy = get_policy(workspace_id)
    period = days if days is not None else policy.days
    if period not in PERIODS:
        raise ValueError(f"days must be one of {', '.join(map(str, PERIODS))}")
    cutoff = _iso(now - timedelta(days=period))
    found = candidates(db, workspace_id, period, now)
    deleted: list[str] = []
    kept = 0
    if not dry_run:
        with audit.acting(ACTOR.who, ACTOR.source):
            for contact_id, email in found:
                item = contacts.item_by_email(workspace_id, email)
                stale = (
                    item is not None
                    and item.get("contact_id") == contact_id
                    and not item.get("is_deleted")
                    and str(item.get("updated_at") or "") < cutoff
                )
                if not stale:
                    kept += 1  # changed since it was found: the policy no longer applies
                    continue
                try:
                    contacts.soft_delete(workspace_id, contact_id, REASON)
                except (Conflict, NotFound):
                    kept += 1
                    continue
                deleted.append(contact_id)
    return {
        "workspace_id": workspace_id,
        "enabled": policy.enabled,
        "days": period,
        "cutoff": cutoff,
        "dry_run": dry_run,
        "candidates": len(found),
        "deleted": len(deleted),
        "kept_changed_meanwhile": kept,
        # at most SHOWN ids: enough to check a dry run by eye, never a response of megabytes
        "contact_ids": ([cid for cid, _ in found] if dry_run else deleted)[:SHOWN],
    }


def run_scheduled(db: Database, *, now: datetime | None = None) -> dict[str, Any]:
    """The maintenance run: every enabled policy, then the audit log's TTL per workspace."""
    now = now or datetime.now(UTC)
    results = []
    audit_days: dict[str, int] = {}
    for workspace_id, policy in policies():
        audit_days[workspace_id] = policy.audit_days
        if policy.enabled:
            outcome = run(db, workspace_id, now=now)
            results.append({k: v for k, v in outcome.items() if k != "contact_ids"})
    purged = audit_log.purge_expired(db, audit_days)
    return {"workspaces": results, "audit_entries_purged": purged}
