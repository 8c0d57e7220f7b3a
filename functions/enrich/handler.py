"""Enrich Lambda: one chunk's surviving rows, cache first, within the import's call limit."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext

from functions.common.observability import logger, tracer
from functions.dedup import pipeline


@logger.inject_lambda_context(correlation_id_path="job_id")
@tracer.capture_lambda_handler
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return pipeline.enrich_chunk(event["job_id"], int(event["chunk"]["n"]))
