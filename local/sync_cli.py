"""`contact-import sync ...` and `contact-import sources ...`: CRM connections and syncs, and
Apollo people search as an import source, on the one-machine runtime.

Tokens are read from stdin (or a hidden prompt on a terminal), never from an argument (shell
history, process lists) and never echoed. With `--json`, stdout carries exactly one JSON object.
Exit codes of `sync run` / `sources apollo-search`: 0 when the run did its job (an import
completed, nothing changed, or it was skipped), 1 when the run or its import failed, 2 when the
import's file was rejected.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Any

import click

from local import runtime
from local.cli_common import DATA_DIR_OPTION
from local.cli_common import emit as _emit


def _split(text: str | None) -> list[str] | None:
    items = [t.strip() for t in (text or "").split(",") if t.strip()]
    return items or None


def _read_token(what: str) -> str:
    if sys.stdin.isatty():
        return str(click.prompt(what, hide_input=True, err=True)).strip()
    token = sys.stdin.readline().strip()
    if not token:
        raise click.UsageError(
            f'pipe the {what} on stdin, e.g. `printf %s "$TOKEN" | contact-import sync connect ...`'
        )
    return token


def _start_imports(rt: runtime.Runtime) -> None:
    """Let the service start executions on this runtime's state machine, as the API does; its
    log lines go to stderr (stdout is the command's output)."""
    import logging

    from functions.api.settings import reset_api_settings
    from functions.common.observability import logger

    for handler in logger.handlers:
        if isinstance(handler, logging.StreamHandler) and handler.stream is sys.stdout:
            handler.setStream(sys.stderr)

    os.environ["CI_STATE_MACHINE_ARN"] = rt.state_machine_arn
    reset_api_settings()


def _follow(rt: runtime.Runtime, job_id: str, out_dir: Path) -> Any:
    from local import imports, job_lease
    from local.cli import _ProgressBar

    arn = rt.state_machine_arn.replace(":stateMachine:", ":execution:") + f":{job_id}"
    bar = _ProgressBar(enabled=True)
    try:
        # held like an upload's import: if this process dies, `resume` can take the job at once
        with job_lease.Lease(job_id) as lease:
            return imports.follow(
                rt, job_id, arn, out_dir=out_dir, on_progress=bar, lease=lease, new_job=True
            )
    finally:
        bar.close()


def _exit_code(status: str, job: dict[str, Any] | None) -> int:
    if status == "failed":
        return 1
    if job is None:
        return 0
    return {"complete": 0, "rejected": 2}.get(job["status"], 1)


def _job_line(job: dict[str, Any]) -> str:
    if job["status"] != "complete":
        return f"Import {job['job_id']} {job['status']} at {job['stage']}: {job.get('error')}"
    return (
        f"Import {job['job_id']} complete: {job['total']} rows — {job['imported']} imported, "
        f"{job['updated']} updated, {job['skipped']} skipped, {job['suppressed']} suppressed, "
        f"{job['errored']} errors\nResults: {job['results_csv']}\nErrors:  {job['errors_csv']}"
    )


# --- sync ---------------------------------------------------------------------------------------------


@click.group()
def sync() -> None:
    """CRM connections (HubSpot, Salesforce, Outreach) and their scheduled syncs."""


@sync.command("connect")
@click.argument("provider", type=click.Choice(["hubspot", "salesforce", "outreach"]))
@click.option("--workspace", required=True)
@click.option(
    "--instance-url", default=None, help="Salesforce: the org's URL (https://<domain>.my.salesforce.com)."
)
@click.option(
    "--objects", default=None, help="Salesforce: objects to pull, e.g. Contact,Lead (default Contact)."
)
@click.option("--rate", default=None, help="How often it syncs: rate(N minutes|hours|days) or cron(...).")
@click.option("--client", default=None, help="Agency client that claims the synced emails.")
@click.option("--tags", default=None, help="Comma-separated tags added to every synced contact.")
@click.option("--purpose", type=click.Choice(["create", "update", "upsert"]), default=None)
@click.option("--assignment-days", type=click.IntRange(1, 3650), default=None)
@click.option("--priority", type=int, default=None)
@click.option("--base-url", default=None, hidden=True, help="The CRM API's host when not its public one.")
@DATA_DIR_OPTION
@click.option("--json", "as_json", is_flag=True)
def sync_connect(
    provider: str,
    workspace: str,
    instance_url: str | None,
    objects: str | None,
    rate: str | None,
    client: str | None,
    tags: str | None,
    purpose: str | None,
    assignment_days: int | None,
    priority: int | None,
    base_url: str | None,
    data_dir: Path,
    as_json: bool,
) -> None:
    """Connect a CRM to the workspace; the token is read from stdin and stored encrypted."""
    from functions.common.errors import ConfigInvalid
    from functions.sync import service

    token = _read_token(f"{provider} token")
    options: dict[str, Any] = {
        "client": client,
        "tags": _split(tags),
        "purpose": purpose,
        "assignment_days": assignment_days,
        "priority": priority,
    }
    with runtime.Runtime(data_dir):
        try:
            conn = service.connect(
                workspace,
                provider,
                token,
                instance_url=instance_url,
                objects=_split(objects),
                rate=rate,
                options={k: v for k, v in options.items() if v is not None},
                base_url=base_url,
            )
        except ConfigInvalid as exc:
            raise click.ClickException(str(exc)) from exc
        doc = conn.public()
    _emit(doc, as_json, f"connected {provider} as {doc['id']} (syncs {doc['rate']}; token stored encrypted)")


@sync.command("list")
@click.option("--workspace", required=True)
@DATA_DIR_OPTION
@click.option("--json", "as_json", is_flag=True)
def sync_list(workspace: str, data_dir: Path, as_json: bool) -> None:
    """The workspace's connections with their watermark and last run (never a token)."""
    from functions.sync import connections

    with runtime.Runtime(data_dir):
        docs = [c.public() for c in connections.list_connections(workspace)]
    lines = [
        f"{d['id']}  {d['provider']:<10} {d['rate']:<18} watermark {d['watermark'] or '-'}  "
        f"last run {(d['last_run'] or {}).get('status') or '-'}"
        for d in docs
    ]
    _emit({"data": docs}, as_json, "\n".join(lines) or "(no connections)")


@sync.command("disconnect")
@click.argument("connection_id")
@click.option("--workspace", required=True)
@DATA_DIR_OPTION
def sync_disconnect(connection_id: str, workspace: str, data_dir: Path) -> None:
    """Delete a connection, its token and its schedule."""
    from functions.sync import connections, service

    with runtime.Runtime(data_dir):
        try:
            service.disconnect(workspace, connection_id)
        except connections.ConnectionNotFound as exc:
            raise click.ClickException(str(exc)) from exc
    click.echo(f"disconnected {connection_id}")


@sync.command("run")
@click.option("--connection", "connection_id", required=True)
@click.option("--workspace", default=None, help="The connection's workspace (found by id when omitted).")
@DATA_DIR_OPTION
@click.option("--out", type=click.Path(path_type=Path, file_okay=False), help="Where to write the reports.")
@click.option("--json", "as_json", is_flag=True)
def sync_run(
    connection_id: str, workspace: str | None, data_dir: Path, out: Path | None, as_json: bool
) -> None:
    """Run one sync now: pull what changed, import it, wait, and move the watermark."""
    from functions.sync import connections, service

    with runtime.Runtime(data_dir) as rt:
        _start_imports(rt)
        if workspace is None:
            found = next((c for c in connections.all_connections() if c.connection_id == connection_id), None)
            if found is None:
                raise click.ClickException(f"no connection {connection_id}")
            workspace = found.workspace_id
        try:
            result = service.run(workspace, connection_id)
        except connections.ConnectionNotFound as exc:
            raise click.ClickException(str(exc)) from exc
        job: dict[str, Any] | None = None
        if result["status"] == "started":
            outcome = _follow(rt, result["job_id"], (out or data_dir / "reports").resolve())
            job = outcome.as_json()
            settled = service.finalize(workspace, connection_id)
            result["watermark"] = settled.get("watermark")
            result["finalized"] = settled["outcome"]
        else:
            result["watermark"] = connections.get(workspace, connection_id).public()["watermark"]
    doc = {**result, "import": job}
    lines = [
        f"Sync {connection_id}: {result['status']}" + (f" — {result['reason']}" if result["reason"] else "")
    ]
    if result["status"] == "skipped" and result.get("job_id"):
        lines.append(f"(if that import stopped, resume it with `contact-import resume {result['job_id']}`)")
    lines.append(f"Records pulled: {result['pulled']}, imported as rows: {result['records']}")
    if job:
        lines.append(_job_line(job))
    lines.append(f"Watermark: {result['watermark'] or '-'}")
    if result["status"] == "failed":
        click.echo(f"error: {result['reason']}", err=True)
    _emit(doc, as_json, "\n".join(lines))
    sys.exit(_exit_code(result["status"], job))


# --- sources ------------------------------------------------------------------------------------------


@click.group()
def sources() -> None:
    """Other import sources: Apollo people search."""


@sources.command("apollo-search")
@click.option("--workspace", required=True)
@click.option("--max", "max_people", type=click.IntRange(1, 50_000), default=100, show_default=True)
@click.option("--tiers", default=None, help="Only the ICP rules of these tiers, e.g. A,B.")
@click.option("--client", default=None, help="Agency client that claims the imported emails.")
@click.option("--tags", default=None, help="Comma-separated tags added to every imported contact.")
@click.option("--dry-run", is_flag=True, help="Show the searches that would be sent; send nothing.")
@DATA_DIR_OPTION
@click.option("--out", type=click.Path(path_type=Path, file_okay=False), help="Where to write the reports.")
@click.option("--json", "as_json", is_flag=True)
def apollo_search(
    workspace: str,
    max_people: int,
    tiers: str | None,
    client: str | None,
    tags: str | None,
    dry_run: bool,
    data_dir: Path,
    out: Path | None,
    as_json: bool,
) -> None:
    """Search Apollo for people matching the workspace's ICP rules and import them (the search is
    free; revealing the imported people's emails spends the workspace's own Apollo credits, `keys
    set-provider apollo`)."""
    import json

    from functions.common.errors import ConfigInvalid
    from functions.sync import service

    options = {k: v for k, v in {"client": client, "tags": _split(tags)}.items() if v is not None}
    with runtime.Runtime(data_dir) as rt:
        _start_imports(rt)
        try:
            doc = service.apollo_search(
                workspace, max_people=max_people, tiers=_split(tiers), dry_run=dry_run, options=options
            )
        except ConfigInvalid as exc:
            raise click.ClickException(str(exc)) from exc
        job: dict[str, Any] | None = None
        if doc["status"] == "started":
            job = _follow(rt, doc["job_id"], (out or data_dir / "reports").resolve()).as_json()
    doc = {**doc, "import": job}
    if dry_run:
        human = json.dumps(doc["query"], indent=2)
    else:
        human = (
            f"Apollo search: {doc['status']}, {doc['records']} people, {doc['credits_consumed']} credits"
            + (f" — {doc['reason']}" if doc.get("reason") else "")
        )
        if job:
            human += "\n" + _job_line(job)
    _emit(doc, as_json, human)
    sys.exit(_exit_code(doc["status"], job))
