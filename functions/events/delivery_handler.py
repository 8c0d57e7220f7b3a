"""Webhooks Lambda: expands finished imports into contact events and delivers what is due.

Invoked by EventBridge: the Report's `ImportJob Completed` event (so an import's events leave
right after commit) and a one-minute schedule (retries, redeliveries). The event's content does
not matter: every invocation drains what is due, and two overlapping invocations split the work
through the per-item lease (`functions/events/delivery.py`).
"""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.typing import LambdaContext

from functions.common.observability import logger, metrics
from functions.events import delivery


@logger.inject_lambda_context
@metrics.log_metrics
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    result = delivery.run_once().as_dict()
    metrics.add_metric(name="WebhooksDelivered", unit=MetricUnit.Count, value=result["delivered"])
    metrics.add_metric(name="WebhooksDeadLettered", unit=MetricUnit.Count, value=result["dead_lettered"])
    logger.info("webhook sweep", extra=result)
    return result
