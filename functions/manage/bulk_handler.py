"""Bulk Lambda: the steps of the bulk-operation state machine (`statemachines/bulk.asl.json`).

`start` marks the operation running, `chunk` applies or undoes one chunk (idempotent; a retry or
a re-run resumes from the chunk's operation log), `finish` marks it complete or undone once every
chunk reported, `fail` records why it stopped.
"""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.typing import LambdaContext

from functions.common.observability import logger, metrics, tracer
from functions.manage import bulk
from functions.report.fail_handler import error_message


@logger.inject_lambda_context(correlation_id_path="op_id")
@metrics.log_metrics
@tracer.capture_lambda_handler
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    step, op_id, workspace_id = event["step"], event["op_id"], event["workspace_id"]
    mode = event.get("mode") or bulk.APPLY
    run = event.get("run")  # which execution asks: one a resume replaced moves no status
    if step == "start":
        bulk.start(workspace_id, op_id, mode, run)
        return {"op_id": op_id}
    if step == "chunk":
        summary = bulk.run_chunk(workspace_id, op_id, int(event["chunk"]), mode)
        metrics.add_metric(name="BulkContactsProcessed", unit=MetricUnit.Count, value=summary["processed"])
        return {k: summary[k] for k in ("processed", "succeeded", "changed", "failed")}
    if step == "finish":
        return {"status": bulk.finish(workspace_id, op_id, mode, run)["status"]}
    if step == "fail":
        message = error_message(event.get("error"))
        # a chunk already recorded the specific cause; the Map's generic failure must not replace it
        bulk.fail(workspace_id, op_id, message, mode, run)
        logger.error("bulk operation failed", extra={"op_id": op_id, "error": message})
        return {"op_id": op_id, "failed": True}
    raise ValueError(f"unknown bulk step {step!r}")
