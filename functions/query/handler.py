"""The read model's Lambda entry points: the stream projector and the migration custom resource."""

from __future__ import annotations

import json
from typing import Any

import httpx
from aws_lambda_powertools.utilities.typing import LambdaContext

from functions.common.observability import logger, metrics, tracer
from functions.query import stream
from functions.query.migrate import migrate


@logger.inject_lambda_context
@metrics.log_metrics
@tracer.capture_lambda_handler
def project(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    """DynamoDB Stream batch -> read model, with partial batch failures."""
    return stream.handle(event, context)


@logger.inject_lambda_context
def migrate_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    """CloudFormation custom resource (its service token is this function): apply pending
    migrations on Create and Update, answer CloudFormation at the pre-signed ResponseURL. Delete
    leaves the database alone (the cluster's own removal policy decides)."""
    physical = str(event.get("PhysicalResourceId") or "read-model-schema")
    status, reason, data = "SUCCESS", "", {}
    try:
        if event.get("RequestType") != "Delete":
            ran = migrate(stream.database())
            logger.info("migrations applied", extra={"applied": ran})
            data = {"Applied": ",".join(ran) or "-"}
    except Exception as exc:
        logger.exception("migrations failed")
        status, reason = "FAILED", f"{type(exc).__name__}: {exc}"[:900]
    answer = {
        "Status": status,
        "Reason": reason or f"see CloudWatch log stream {getattr(context, 'log_stream_name', '')}",
        "PhysicalResourceId": physical,
        "StackId": event.get("StackId"),
        "RequestId": event.get("RequestId"),
        "LogicalResourceId": event.get("LogicalResourceId"),
        "Data": data,
    }
    if event.get("ResponseURL"):
        # the pre-signed S3 URL takes a PUT with an empty content type
        httpx.put(event["ResponseURL"], content=json.dumps(answer), headers={"content-type": ""}, timeout=30)
    return answer
