"""Report Lambda: counters, results CSV, error CSV, completion."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.typing import LambdaContext

from functions.common.observability import logger, metrics, tracer
from functions.report import logic


@logger.inject_lambda_context(correlation_id_path="job_id")
@metrics.log_metrics
@tracer.capture_lambda_handler
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    result = logic.run(event["job_id"])
    metrics.add_metric(name="ImportsCompleted", unit=MetricUnit.Count, value=1)
    return result
