"""Intake Lambda: parse, map, validate and chunk one uploaded file."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.typing import LambdaContext

from functions.common.observability import logger, metrics, tracer
from functions.intake import service


@logger.inject_lambda_context(correlation_id_path="job_id")
@metrics.log_metrics
@tracer.capture_lambda_handler
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    result = service.run(service.IntakeRequest.from_event(event))
    metrics.add_metric(name="RowsParsed", unit=MetricUnit.Count, value=result.get("total", 0))
    return result
