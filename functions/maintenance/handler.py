"""Maintenance Lambda (EventBridge Scheduler, daily): retention policies and the audit log's TTL."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext

from functions.common.observability import logger
from functions.maintenance import retention
from functions.query.stream import database


@logger.inject_lambda_context
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    outcome = retention.run_scheduled(database())
    logger.info("maintenance run", extra=outcome)
    return outcome
