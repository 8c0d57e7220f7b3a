"""Moving items written by older versions onto the current model; each step is idempotent.

1. Active ownership claims. Older versions kept an email's active claim as a ClientAssignments
   item with `sk` `ACTIVE`; the claim now lives on the GlobalContact (`owner_*`,
   `functions.common.ownership`) and nothing reads those items any more, so an email claimed
   before the change would look unowned and another client could take it. Each one is moved
   onto its GlobalContact with a write conditioned on the contact having no claim yet (a new
   GlobalContact is created with it); when a claim made since holds the contact, the old one
   goes to the history instead. Then the ACTIVE item is deleted. A re-run finds nothing to do;
   a run cut short resumes where it stopped (the claim already moved is recognised).
2. Job listing keys. Jobs created before the `by_workspace_shard` index get their
   `workspace_shard`, so that `jobs list` and `GET /api/v1/imports` list them.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from botocore.exceptions import ClientError

from functions.common import ddb, ownership
from functions.common.aws import client
from functions.common.jobs import shard_key
from functions.common.models import ClientAssignment, GlobalContact, ImportJob, table_name

ACTIVE_SK = "ACTIVE"


def _scan(table: str, **request: Any) -> Iterator[dict[str, Any]]:
    for page in client("dynamodb").get_paginator("scan").paginate(TableName=table, **request):
        yield from page.get("Items", [])


def _failed_condition(exc: ClientError) -> bool:
    return exc.response["Error"]["Code"] == "ConditionalCheckFailedException"


def _move_claim(claim: dict[str, Any]) -> str:
    """Put one old ACTIVE claim on its GlobalContact; returns what happened to it."""
    dynamo = client("dynamodb")
    attrs = ownership.claim_attrs(claim)
    names = {f"#{k}": k for k in attrs}
    values = {f":{k}": ddb.to_av(v) for k, v in attrs.items()}
    sets = ", ".join(f"#{k} = :{k}" for k in attrs)
    try:
        dynamo.update_item(
            TableName=table_name(GlobalContact),
            Key={"email": {"S": claim["email"]}},
            UpdateExpression=f"SET {sets}",
            ConditionExpression=f"attribute_exists(email) AND attribute_not_exists({ownership.CLIENT})",
            ExpressionAttributeNames=names,
            ExpressionAttributeValues=values,
        )
        return "moved"
    except ClientError as exc:
        if not _failed_condition(exc):
            raise
    resp = dynamo.get_item(
        TableName=table_name(GlobalContact), Key={"email": {"S": claim["email"]}}, ConsistentRead=True
    )
    if "Item" not in resp:
        item = {
            "email": claim["email"],
            "total_sent": 0,
            "total_responses": 0,
            "response_rate": 0,
            "first_seen_at": claim.get("assigned_at"),
            "first_seen_job": claim.get("job_id"),
            **attrs,
        }
        try:
            dynamo.put_item(
                TableName=table_name(GlobalContact),
                Item={k: ddb.to_av(v) for k, v in item.items() if v is not None},
                ConditionExpression="attribute_not_exists(email)",
            )
            return "moved"
        except ClientError as exc:
            if not _failed_condition(exc):
                raise
            return _move_claim(claim)  # created meanwhile: decide again on what is there now
    current = ownership.owner_of(ddb.from_item(resp["Item"])) or {}
    if (current.get("client_id"), current.get("assigned_at")) == (claim["client_id"], claim["assigned_at"]):
        return "moved"  # an earlier run moved it and stopped before deleting the old item
    history = {
        **claim,
        "sk": ownership.history_sk(claim),
        "superseded_by_job": current.get("job_id") or "migration",
    }
    dynamo.put_item(
        TableName=table_name(ClientAssignment),
        Item={k: ddb.to_av(v) for k, v in history.items() if v is not None},
    )
    return "to_history"


def migrate_active_claims() -> dict[str, int]:
    counts = {"moved": 0, "to_history": 0}
    for raw in _scan(
        table_name(ClientAssignment),
        FilterExpression="sk = :a",
        ExpressionAttributeValues={":a": {"S": ACTIVE_SK}},
    ):
        claim = ddb.from_item(raw)
        counts[_move_claim(claim)] += 1
        client("dynamodb").delete_item(
            TableName=table_name(ClientAssignment),
            Key={"email": {"S": claim["email"]}, "sk": {"S": ACTIVE_SK}},
        )
    return counts


def backfill_job_shards() -> int:
    done = 0
    for raw in _scan(
        table_name(ImportJob),
        FilterExpression="attribute_not_exists(workspace_shard)",
        ProjectionExpression="job_id, workspace_id",
    ):
        try:
            client("dynamodb").update_item(
                TableName=table_name(ImportJob),
                Key={"job_id": raw["job_id"]},
                UpdateExpression="SET workspace_shard = :k",
                ConditionExpression="attribute_exists(job_id) AND attribute_not_exists(workspace_shard)",
                ExpressionAttributeValues={
                    ":k": {"S": shard_key(raw["workspace_id"]["S"], raw["job_id"]["S"])}
                },
            )
            done += 1
        except ClientError as exc:
            if not _failed_condition(exc):
                raise
    return done


def migrate_all() -> dict[str, Any]:
    return {"claims": migrate_active_claims(), "jobs_keyed": backfill_job_shards()}
