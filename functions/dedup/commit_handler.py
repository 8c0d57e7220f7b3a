"""Commit Lambda: write one chunk's contacts and decide each row's final status."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.typing import LambdaContext

from functions.common.observability import logger, metrics, tracer
from functions.dedup import pipeline


@logger.inject_lambda_context(correlation_id_path="job_id")
@metrics.log_metrics
@tracer.capture_lambda_handler
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    result = pipeline.commit_chunk(event["job_id"], int(event["chunk"]["n"]))
    metrics.add_metric(name="RowsCommitted", unit=MetricUnit.Count, value=result.get("rows", 0))
    return result
