"""Sync Lambda: scheduled runs, the sweep, and the "ImportJob Completed" event.

Events:
- `{"action": "run", "workspace_id": W, "connection_id": C}` (the connection's EventBridge
  Scheduler schedule) -> one sync run;
- `{"action": "sweep"}` -> finalize every connection with a pending batch;
- an EventBridge event `{"source": "contact-import", "detail-type": "ImportJob Completed",
  "detail": {"job_id", ...}}` -> finalize the connection whose sync started that job.
"""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext

from functions.common.observability import logger
from functions.sync import connections, service

COMPLETED = "ImportJob Completed"


def dispatch(event: dict[str, Any]) -> Any:
    if event.get("detail-type") == COMPLETED:
        job_id = (event.get("detail") or {}).get("job_id")
        if not job_id:
            return {"outcome": "ignored", "reason": "the event names no job"}
        return service.finalize_job(str(job_id))
    action = event.get("action")
    if action == "run":
        try:
            return service.run(str(event["workspace_id"]), str(event["connection_id"]))
        except connections.ConnectionNotFound as exc:
            # a schedule that outlived its connection: nothing to retry
            logger.warning(
                "sync schedule for a deleted connection", extra={"connection_id": event["connection_id"]}
            )
            return {"connection_id": event["connection_id"], "status": "failed", "reason": str(exc)}
    if action == "sweep":
        return {"finalized": service.sweep()}
    raise ValueError(f"unknown sync event: action {action!r}, detail-type {event.get('detail-type')!r}")


@logger.inject_lambda_context
def handler(event: dict[str, Any], context: LambdaContext) -> Any:
    return dispatch(event)
