"""The read model's Lambda entry points: the stream projector and the migration custom resource."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext

from functions.common.observability import logger, metrics, tracer
from functions.query import stream
from functions.query.db import get_database
from functions.query.migrate import migrate


@logger.inject_lambda_context
@metrics.log_metrics
@tracer.capture_lambda_handler
def project(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    """DynamoDB Stream batch -> read model, with partial batch failures."""
    return stream.handle(event, context)


@logger.inject_lambda_context
def migrate_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    """CloudFormation custom resource (provider framework): apply pending migrations on Create and
    Update; Delete leaves the database alone (the cluster's own removal policy decides)."""
    if event.get("RequestType") == "Delete":
        return {"PhysicalResourceId": event.get("PhysicalResourceId", "read-model-schema")}
    db = get_database()
    if db is None:
        raise RuntimeError("no read model configured (CI_DB_CLUSTER_ARN / CI_DB_SECRET_ARN)")
    ran = migrate(db)
    logger.info("migrations applied", extra={"applied": ran})
    return {"PhysicalResourceId": "read-model-schema", "Data": {"Applied": ",".join(ran) or "-"}}
