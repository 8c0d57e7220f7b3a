"""Upload trigger Lambda: an S3 "Object Created" event (via EventBridge) for
`uploads/{workspace}/{job_id}/{filename}` starts that job's import.

The execution is named after the job: S3 may deliver an event twice, and a second
StartExecution with the same name and input starts nothing new (ExecutionAlreadyExists, when
the input differs, is success too). The job's own record supplies the import options, so the
event needs to carry nothing but the key. A preview job waits for `POST /imports/{id}/resume`.
"""

from __future__ import annotations

import json
import re
from typing import Any
from urllib.parse import unquote_plus

from aws_lambda_powertools.utilities.typing import LambdaContext
from botocore.exceptions import ClientError

from functions.api.settings import get_api_settings
from functions.common import jobs
from functions.common.aws import client
from functions.common.models import ImportJob
from functions.common.observability import logger

UPLOAD_KEY = re.compile(r"^uploads/(?P<workspace>[^/]+)/(?P<job>[^/]+)/(?P<name>[^/]+)$")


def parse_key(key: str) -> tuple[str, str] | None:
    """(workspace, job id) of an upload key, or None for any other key."""
    m = UPLOAD_KEY.match(key)
    return (m["workspace"], m["job"]) if m else None


def execution_input(job: ImportJob, **extra: Any) -> dict[str, Any]:
    return {
        "job_id": job.job_id,
        "workspace_id": job.workspace_id,
        "key": job.input_key,
        "options": dict(job.options or {}),
        "source": job.source,
        **extra,
    }


def start_import(job: ImportJob, *, name: str | None = None, **extra: Any) -> str:
    """Start the import state machine for the job; an execution of that name already there is success."""
    arn = get_api_settings().state_machine_arn
    if not arn:
        raise RuntimeError("CI_STATE_MACHINE_ARN is not set: the trigger cannot start imports")
    name = name or job.job_id
    try:
        resp = client("stepfunctions").start_execution(
            stateMachineArn=arn, name=name, input=json.dumps(execution_input(job, **extra))
        )
    except ClientError as exc:
        if exc.response["Error"]["Code"] != "ExecutionAlreadyExists":
            raise
        logger.info("import already started", extra={"job_id": job.job_id, "execution": name})
        return arn.replace(":stateMachine:", ":execution:") + f":{name}"
    return str(resp["executionArn"])


def on_object_created(bucket: str, key: str) -> dict[str, Any]:
    parsed = parse_key(key) or parse_key(unquote_plus(key))
    if parsed is None:
        return {"started": False, "reason": "not an upload key"}
    workspace_id, job_id = parsed
    job = jobs.get(job_id)
    if job is None or job.workspace_id != workspace_id:
        logger.warning("upload for an unknown job", extra={"key": key})
        return {"started": False, "reason": "no such job"}
    if job.input_key not in (key, unquote_plus(key)):
        logger.warning("upload at a key its job did not issue", extra={"key": key, "expected": job.input_key})
        return {"started": False, "reason": "unexpected key"}
    if (job.options or {}).get("preview"):
        return {"started": False, "reason": "preview: waiting for POST /api/v1/imports/{id}/resume"}
    if job.status != "queued":
        return {"started": False, "reason": f"job is {job.status}"}
    return {"started": True, "execution_arn": start_import(job)}


@logger.inject_lambda_context
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    detail = event.get("detail") or {}
    return on_object_created(detail["bucket"]["name"], detail["object"]["key"])
