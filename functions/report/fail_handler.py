"""Fail Lambda: mark the job failed at its current stage with the error's message."""

from __future__ import annotations

import json
from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext

from functions.common import jobs
from functions.common.observability import logger


def error_message(error: dict[str, Any] | None) -> str:
    """The human message inside a Step Functions error (a Lambda error's Cause is JSON)."""
    if not error:
        return "unknown error"
    cause = error.get("Cause") or ""
    try:
        doc = json.loads(cause)
        if isinstance(doc, dict) and doc.get("errorMessage"):
            return f"{doc.get('errorType', error.get('Error', 'Error'))}: {doc['errorMessage']}"
    except ValueError:
        pass
    return f"{error.get('Error', 'Error')}: {cause}".rstrip(": ")


@logger.inject_lambda_context(correlation_id_path="job_id")
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    job_id = event["job_id"]
    message = error_message(event.get("error"))
    job = jobs.get(job_id)
    # a chunk already recorded the specific cause; the Map's generic failure must not replace it
    if job is not None and job.status != "failed":
        jobs.fail(job_id, f"failed at {job.stage}: {message}")
    logger.error("import failed", extra={"job_id": job_id, "error": message})
    return {"job_id": job_id, "failed": True}
