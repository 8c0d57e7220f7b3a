"""Deduplicate Lambda: classify one chunk's rows against platform and workspace records."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext

from functions.common.observability import logger, tracer
from functions.dedup import pipeline


@logger.inject_lambda_context(correlation_id_path="job_id")
@tracer.capture_lambda_handler
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return pipeline.dedup_chunk(event["job_id"], int(event["chunk"]["n"]))
