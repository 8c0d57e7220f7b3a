"""`contact-import contacts bulk ACTION`: a bulk operation on contacts selected by ids or filters,
with a progress bar; `contacts bulk-show`, `bulk-undo` and `bulk-resume` by operation id.

The same code as the API's routes runs (`functions.api.bulk`): up to 1,000 contacts in this
process, above on the bulk state machine, which this process runs and follows to the end.
"""

from __future__ import annotations

import json
import os
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click

from local import job_lease, runtime
from local.cli_common import DATA_DIR_OPTION
from local.cli_common import emit as _emit

ACTIONS = (
    "add_tags",
    "remove_tags",
    "set_custom_field",
    "add_to_segment",
    "remove_from_segment",
    "soft_delete",
    "restore",
    "trigger_enrichment",
    "trigger_scoring",
    "add_to_suppression",
    "export_csv",
)
FINAL = ("complete", "failed", "undone")


def _human(doc: dict[str, Any]) -> str:
    lines = [
        f"{doc['id']}  {doc['action']}  {doc['status']}  {doc['done']}/{doc['total']} done, "
        f"{doc['succeeded']} succeeded ({doc['changed']} changed), {doc['failed']} failed"
    ]
    lines += [f"  {f['contact_id']}: {f['reason']}" for f in doc["failures"][:20]]
    if doc.get("undo"):
        u = doc["undo"]
        lines.append(f"  undo: {u['restored']} restored, {u['left_alone']} left alone (changed since)")
        lines += [f"    {f['contact_id']}: {f['reason']}" for f in u["conflicts"][:20]]
    if doc.get("error"):
        lines.append(f"  error: {doc['error']}")
    if doc["status"] == "complete" and doc.get("undo_until"):
        lines.append(f"  undo until {doc['undo_until']}: contact-import contacts bulk-undo {doc['id']}")
    return "\n".join(lines)


def _run(data_dir: Path, start: Callable[[], tuple[int, dict[str, Any]]], quiet: bool) -> dict[str, Any]:
    """Start (in a runtime), then follow the operation to a final status with a progress bar."""
    from functions.api import bulk
    from functions.api.errors import ApiError
    from functions.api.settings import reset_api_settings

    with runtime.Runtime(data_dir) as rt:
        os.environ["CI_BULK_STATE_MACHINE_ARN"] = rt.bulk_state_machine_arn
        reset_api_settings()
        try:
            _, doc = start()
            workspace = doc.pop("_workspace")
            bar: Any = None
            if not quiet and doc["status"] not in FINAL:
                from tqdm import tqdm

                bar = tqdm(total=doc["total"], unit="contacts", file=sys.stderr, dynamic_ncols=True)
            while doc["status"] not in FINAL:
                time.sleep(0.5)
                doc = bulk.get(workspace, doc["id"])
                if bar is not None:
                    progress = (
                        doc["undo"]["done"] if doc["status"] == "undoing" and doc.get("undo") else doc["done"]
                    )
                    bar.set_description(doc["status"])
                    bar.n = progress
                    bar.refresh()
            if bar is not None:
                bar.close()
        except ApiError as exc:
            raise click.ClickException(f"{exc.message}" + (f" ({exc.field})" if exc.field else "")) from None
    return doc


def _with_workspace(workspace: str, call: Callable[[], tuple[int, dict[str, Any]]]) -> Callable[[], Any]:
    def start() -> tuple[int, dict[str, Any]]:
        status, doc = call()
        return status, {**doc, "_workspace": workspace}

    return start


@click.command("bulk")
@click.argument("action", type=click.Choice(ACTIONS))
@click.option("--workspace", default="default", show_default=True)
@click.option("--ids", default=None, help="Comma-separated contact ids (at most 10,000).")
@click.option(
    "--filter",
    "filters",
    multiple=True,
    help='A list/search filter as JSON, e.g. \'{"field": "has_tag", "op": "eq", "value": "hot"}\'; repeatable.',
)
@click.option("--filters-logic", type=click.Choice(["AND", "OR"]), default="AND", show_default=True)
@click.option(
    "--list-filters",
    default=None,
    help="The contacts list's filters as its query string, e.g. 'tag=webinar&icp_tier=A,B': every contact it counts.",
)
@click.option("--tag", "tags", multiple=True, help="add_tags / remove_tags: a tag; repeatable.")
@click.option("--field", default=None, help="set_custom_field: the custom field's name.")
@click.option("--value", default=None, help="set_custom_field: the value (JSON, else text; null clears).")
@click.option("--reason", default=None, help="soft_delete / add_to_suppression: why.")
@click.option("--segment", default=None, help="add_to_segment / remove_from_segment: a static segment's id.")
@click.option("--limit", type=int, default=None, help="trigger_enrichment: at most N provider calls.")
@click.option("--params", "params_json", default=None, help="The action's params as one JSON object.")
@DATA_DIR_OPTION
@click.option("--json", "as_json", is_flag=True)
def contacts_bulk(
    action: str,
    workspace: str,
    ids: str | None,
    filters: tuple[str, ...],
    filters_logic: str,
    list_filters: str | None,
    tags: tuple[str, ...],
    field: str | None,
    value: str | None,
    reason: str | None,
    segment: str | None,
    limit: int | None,
    params_json: str | None,
    data_dir: Path,
    as_json: bool,
) -> None:
    """Run ACTION on the contacts selected by --ids, --filter or --list-filters; undoable for 30 days."""
    from urllib.parse import parse_qsl

    from functions.api import bulk

    if [ids is not None, bool(filters), list_filters is not None].count(True) != 1:
        raise click.UsageError("give either --ids or --filter (or --list-filters)")
    try:
        params: dict[str, Any] = json.loads(params_json) if params_json else {}
        selection: dict[str, Any] = (
            {"ids": [i.strip() for i in (ids or "").split(",") if i.strip()]}
            if ids is not None
            else {"list_filters": dict(parse_qsl(list_filters))}
            if list_filters is not None
            else {"filters": [json.loads(f) for f in filters], "filters_logic": filters_logic}
        )
    except ValueError as exc:
        raise click.BadParameter(f"not JSON: {exc}") from None
    if tags:
        params["tags"] = list(tags)
    if field is not None:
        params["name"] = field
        try:
            params["value"] = json.loads(value) if value is not None else None
        except ValueError:
            params["value"] = value
    if reason is not None:
        params["reason"] = reason
    if segment is not None:
        params["segment_id"] = segment
    if limit is not None:
        params["limit"] = limit
    body = {"action": action, "params": params, "selection": selection}
    runner = job_lease.new_owner()
    doc = _run(
        data_dir,
        _with_workspace(workspace, lambda: bulk.submit(workspace, body, requested_by="cli", runner=runner)),
        as_json,
    )
    _emit(doc, as_json, _human(doc))
    if doc["status"] == "failed":
        sys.exit(1)


def _take_over(workspace: str, op_id: str) -> None:
    """An operation left queued, running or undoing by a `contact-import` process that has ended
    (killed: its state machine ran inside it) is marked failed, so it is resumed like one; one a
    live process still runs is refused. One no process is named for (started by `serve`) counts
    as running until it has not moved for `job_lease.UNLEASED_STALE_S`."""
    from functions.manage import bulk as operations

    try:
        doc = operations.record(workspace, op_id)
    except operations.OperationNotFound:
        return  # the resume itself answers not found
    if doc["status"] not in ("queued", "running", "undoing"):
        return
    runner = doc.get("runner")
    if runner and job_lease.holder_is_dead(runner):
        operations.abandon(workspace, op_id, runner=runner, reason=f"process {runner} ended")
    elif not runner and job_lease.is_abandoned({"updated_at": doc.get("updated_at")}):
        operations.abandon(workspace, op_id, runner=None, reason="it has not moved for a long time")
    elif runner:
        raise click.ClickException(
            f"bulk operation {op_id} is {doc['status']} in process {runner}; resume it once that process has ended"
        )


def _by_id(name: str, verb: str, help_text: str) -> click.Command:
    @click.command(name, help=help_text)
    @click.argument("op_id")
    @click.option("--workspace", default="default", show_default=True)
    @DATA_DIR_OPTION
    @click.option("--json", "as_json", is_flag=True)
    def command(op_id: str, workspace: str, data_dir: Path, as_json: bool) -> None:
        from functions.api import bulk

        def call() -> tuple[int, dict[str, Any]]:
            if verb == "show":
                return 200, bulk.get(workspace, op_id)
            if verb == "resume":
                _take_over(workspace, op_id)
            return getattr(bulk, verb)(workspace, op_id, runner=job_lease.new_owner())  # type: ignore[no-any-return]

        doc = _run(data_dir, _with_workspace(workspace, call), as_json or verb == "show")
        _emit(doc, as_json, _human(doc))
        if doc["status"] == "failed":
            sys.exit(1)

    return command


contacts_bulk_show = _by_id("bulk-show", "show", "A bulk operation's status, counters and failures.")
contacts_bulk_undo = _by_id(
    "bulk-undo", "undo", "Undo a bulk operation (within 30 days); contacts changed since are left alone."
)
contacts_bulk_resume = _by_id(
    "bulk-resume", "resume", "Run a failed bulk operation again from where it stopped."
)
