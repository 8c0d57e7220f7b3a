"""Events Lambda: engagement batches from the email engine on the event bus.

The rule (infra/constructs/engagement.py) delivers `{"source": "email-engine", "detail-type":
"Engagement", "detail": {"workspace_id": W, "events": [...]}}`; an event may carry its own
`workspace_id` instead. Invalid events are answered (and logged) one by one and never retried;
a store failure raises, so EventBridge retries the delivery (duplicates are normal) and then
dead-letters it.
"""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext

from functions.common.observability import logger
from functions.events import bus


@logger.inject_lambda_context
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    result = bus.handle(event)
    if result["meta"]["error"]:
        logger.warning("engagement events refused", extra={"errors": bus.errors_of(result)})
    return result
