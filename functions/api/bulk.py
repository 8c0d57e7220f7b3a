"""The API's side of bulk operations: validate, resolve the selection, run small operations in
the request and start the bulk state machine for the rest."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from botocore.exceptions import ClientError

from functions.api import read_model
from functions.api.contact_rows import FieldError, typed_custom
from functions.api.errors import ApiError, BadRequest, Conflict, InternalError, NotFound
from functions.api.settings import get_api_settings
from functions.common.aws import client
from functions.common.settings import get_settings
from functions.intake import custom_field_store
from functions.manage import bulk, bulk_actions, rollback
from functions.query import segments


class UndoExpired(ApiError):
    status, code = 409, "undo_expired"


class RollbackExpired(ApiError):
    status, code = 409, "rollback_expired"


@contextmanager
def as_api_errors() -> Iterator[None]:
    try:
        with read_model.as_bad_request():
            yield
    except bulk_actions.ParamError as exc:
        raise BadRequest(exc.message, field=exc.field) from None
    except bulk.OperationNotFound as exc:
        raise NotFound(str(exc)) from None
    except bulk.OperationConflict as exc:
        raise (UndoExpired if exc.code == "undo_expired" else Conflict)(exc.message) from None
    except rollback.RollbackRefused as exc:
        raise (RollbackExpired if exc.code == "rollback_expired" else Conflict)(exc.message) from None


def _params(workspace_id: str, action: str, params: dict[str, Any]) -> dict[str, Any]:
    checked = bulk_actions.validate(action, params)
    if action == "set_custom_field":
        defs = custom_field_store.definitions(workspace_id)
        try:
            typed = typed_custom({checked["name"]: checked["value"]}, defs, prefix="params")
        except FieldError as exc:
            raise BadRequest(exc.message, field="params.value") from None
        checked["value"] = typed[checked["name"]]
    if action in ("add_to_segment", "remove_from_segment"):
        try:
            segment = segments.get_doc(workspace_id, checked["segment_id"])
        except segments.SegmentNotFound as exc:
            raise BadRequest(str(exc), field="params.segment_id") from None
        if segment["type"] != "static":
            raise BadRequest(
                f"segment {checked['segment_id']} is dynamic (its filter decides its members); "
                "bulk membership changes need a static segment",
                field="params.segment_id",
            )
    if action not in bulk_actions.AVAILABLE:
        raise BadRequest(f"{action} is not available as a bulk operation yet", field="action")
    return checked


def submit(
    workspace_id: str, body: dict[str, Any], *, requested_by: str, runner: str | None = None
) -> tuple[int, dict[str, Any]]:
    """200 and the finished operation (up to 1,000 contacts), or 202 and the queued one.
    `runner`: the local process that runs it (the CLI), so a resume can tell it ended."""
    with as_api_errors():
        params = _params(workspace_id, body["action"], body.get("params") or {})
        selection = {k: v for k, v in body["selection"].items() if v is not None}
        targets, not_found = bulk.resolve(
            read_model.database(), workspace_id, selection, read_model.custom_types(workspace_id)
        )
        doc = bulk.create(
            workspace_id,
            body["action"],
            params,
            targets,
            not_found=not_found,
            requested_by=requested_by,
            runner=runner,
        )
        # provider calls never run in the request: trigger_enrichment always goes to the state machine
        if len(targets) <= bulk.SYNC_LIMIT and (body["action"] != bulk.ENRICH or not targets):
            return 200, show(bulk.run_inline(workspace_id, doc["id"]))
        start_execution(workspace_id, doc["id"], bulk.APPLY)
        return 202, get(workspace_id, doc["id"])


def get(workspace_id: str, op_id: str) -> dict[str, Any]:
    with as_api_errors():
        return show(bulk.view(bulk.record(workspace_id, op_id)))


def show(view: dict[str, Any]) -> dict[str, Any]:
    key = view.pop("download_key", None)
    if key and view["status"] == "complete":
        view["download_url"] = client("s3").generate_presigned_url(
            "get_object",
            Params={"Bucket": get_settings().bucket, "Key": key},
            ExpiresIn=get_api_settings().report_url_expiry_s,
        )
    return view


def undo(workspace_id: str, op_id: str, runner: str | None = None) -> tuple[int, dict[str, Any]]:
    with as_api_errors():
        doc = bulk.begin_undo(workspace_id, op_id)
        if runner and doc["status"] == "undoing":
            bulk.claim_runner(workspace_id, op_id, runner)
        if doc["status"] == "undone":
            return 200, show(bulk.view(doc))
        if doc["total"] <= bulk.SYNC_LIMIT:
            return 200, show(bulk.run_inline(workspace_id, op_id, bulk.UNDO))
        start_execution(workspace_id, op_id, bulk.UNDO)
        return 202, get(workspace_id, op_id)


def resume(workspace_id: str, op_id: str, runner: str | None = None) -> tuple[int, dict[str, Any]]:
    """Run a failed operation (or its undo) again from where it stopped."""
    with as_api_errors():
        doc = bulk.record(workspace_id, op_id)
        mode, run = bulk.begin_resume(workspace_id, op_id)
        if runner:
            bulk.claim_runner(workspace_id, op_id, runner)
        if doc["total"] <= bulk.SYNC_LIMIT and doc["action"] != bulk.ENRICH:
            return 200, show(bulk.run_inline(workspace_id, op_id, mode))
        start_execution(workspace_id, op_id, mode, run)
        return 202, get(workspace_id, op_id)


def start_execution(workspace_id: str, op_id: str, mode: str, run: str | None = None) -> str:
    """Start the bulk state machine; named after the operation and its run, so a repeat starts nothing."""
    arn = get_api_settings().bulk_state_machine_arn
    if not arn:
        raise InternalError("CI_BULK_STATE_MACHINE_ARN is not set: large bulk operations cannot start")
    run = run or mode
    name = f"{op_id}-{run}"
    payload = {
        "op_id": op_id,
        "workspace_id": workspace_id,
        "mode": mode,
        "run": run,
        "manifest_key": bulk.manifest_key(op_id),
    }
    try:
        resp = client("stepfunctions").start_execution(
            stateMachineArn=arn, name=name, input=json.dumps(payload)
        )
    except ClientError as exc:
        if exc.response["Error"]["Code"] != "ExecutionAlreadyExists":
            raise
        return arn.replace(":stateMachine:", ":execution:") + f":{name}"
    return str(resp["executionArn"])


def rollback_import(workspace_id: str, job_id: str) -> tuple[int, dict[str, Any]]:
    """Roll an import back (or report the rollback under way or done): 200 when it finished in
    the request, 202 when it runs on the state machine. A failed rollback is resumed."""
    from functions.api import imports

    with as_api_errors():
        doc = rollback.start(read_model.database(), workspace_id, job_id)
        op_id, status = doc["id"], doc["status"]
        code = 200
        if status in ("queued", "failed"):
            mode, run = bulk.APPLY, None
            if status == "failed":
                mode, run = bulk.begin_resume(workspace_id, op_id)
            if doc["total"] <= bulk.SYNC_LIMIT:
                bulk.run_inline(workspace_id, op_id, mode)
            else:
                start_execution(workspace_id, op_id, mode, run)
                code = 202
        elif status == "running":
            code = 202
        job = imports.get(workspace_id, job_id)
        return code, {**job, "rollback": get(workspace_id, op_id)}
