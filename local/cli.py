"""`contact-import`: run the pipeline on this machine.

Progress goes to stderr; with `--json`, stdout carries exactly one JSON document.
Exit codes of `import`: 0 job complete (row errors included), 2 file rejected, 1 internal failure,
130 (Ctrl-C) or 128 + the signal (SIGTERM, SIGHUP) interrupted: the job id and `resume` are printed.
"""

from __future__ import annotations

import json
import os
import shlex
import sys
from pathlib import Path
from typing import Any, NoReturn

import click

from local import audit_cli, bulk_cli, events_cli, index_cli, procs, runtime, sync_cli, webhooks_cli
from local.cli_common import DATA_DIR_OPTION, list_filter_options
from local.cli_common import emit as _emit


class _ProgressBar:
    """A tqdm bar on stderr showing the stage and rows done."""

    def __init__(self, enabled: bool) -> None:
        self.bar: Any = None
        self.enabled = enabled

    def __call__(self, progress: Any) -> None:
        if not self.enabled:
            return
        from tqdm import tqdm

        if self.bar is None:
            self.bar = tqdm(total=progress.total, unit="rows", file=sys.stderr, dynamic_ncols=True)
        if progress.total and self.bar.total != progress.total:
            self.bar.total = progress.total
        self.bar.set_description(progress.stage)
        self.bar.n = progress.done
        self.bar.refresh()

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()


@click.group()
@click.pass_context
def main(ctx: click.Context) -> None:
    """Contact Import Pipeline, on one machine."""
    # SIGTERM/SIGHUP unwind like Ctrl-C: every engine this command started is stopped in order
    ctx.with_resource(procs.exit_on_signals())


def _summary_text(doc: dict[str, Any]) -> str:
    if doc["status"] == "rejected":
        return f"File rejected: {doc.get('error')}"
    if doc["status"] != "complete":
        return f"Import {doc['job_id']} {doc['status']} at {doc['stage']}: {doc.get('error')}"
    lines = [
        f"Import {doc['job_id']} complete: {doc['total']} rows — {doc['imported']} imported, "
        f"{doc['updated']} updated, {doc['skipped']} skipped, {doc['suppressed']} suppressed, "
        f"{doc['errored']} errors",
        f"Results: {doc['results_csv']}",
        f"Errors:  {doc['errors_csv']}",
    ]
    lines += [f"Warning: {w}" for w in doc.get("warnings") or []]
    return "\n".join(lines)


def _finish(outcome: Any, as_json: bool) -> None:
    doc = outcome.as_json()
    if outcome.status == "rejected":
        click.echo(f"error: {outcome.error}", err=True)
    _emit(doc, as_json, _summary_text(doc))
    sys.exit({"complete": 0, "rejected": 2}.get(outcome.status, 1))


@main.command("import")
@click.argument("path", type=click.Path(path_type=Path, dir_okay=False))
@click.option("--workspace", default="default", show_default=True)
@click.option("--client", default=None, help="Agency client that claims ownership of the imported emails.")
@click.option(
    "--purpose", type=click.Choice(["create", "update", "upsert"]), default="upsert", show_default=True
)
@click.option("--no-overwrite", is_flag=True, help="Fill empty fields only; never change a stored value.")
@click.option(
    "--priority", type=int, default=0, show_default=True, help="Priority of the client's assignments."
)
@click.option("--assignment-days", type=click.IntRange(1, 3650), default=90, show_default=True)
@click.option("--preview", is_flag=True, help="Predict the first 100 rows' outcome; write nothing.")
@click.option("--enrich", is_flag=True, help="Enrich the rows that survive dedup and suppression.")
@click.option("--force-refresh", is_flag=True, help="With --enrich: ignore fresh cache entries.")
@click.option("--enrich-limit", type=click.IntRange(0), default=None, help="At most N provider calls.")
@click.option("--enrich-provider", default=None, help="apollo, peopledatalabs or file (the local default).")
@click.option("--tags", default="", help="Comma-separated tags added to every contact of this import.")
@click.option("--dnt", is_flag=True, help="Flag the imported contacts Do Not Touch.")
@click.option(
    "--workflow",
    "workflow_id",
    default=None,
    help="Hand-off to sequences: emit contact.enrollment_requested for the imported/updated contacts.",
)
@click.option(
    "--identifier",
    type=click.Choice(["email", "phone", "contact_id"]),
    default="email",
    show_default=True,
    help="What identifies a row's contact: its email, or an existing contact's phone or contact id "
    "(contact_id needs --purpose update).",
)
@click.option(
    "--mapping",
    type=click.Path(path_type=Path, dir_okay=False, exists=True),
    help='JSON column mapping: {"columns": {"<header>": "<field>" | "custom:<name>" | null}}.',
)
@click.option("--field-mapping", "field_mapping_id", default=None, help="Use a saved field mapping (its id).")
@click.option(
    "--no-saved-mapping",
    is_flag=True,
    help="Do not reuse the mapping saved for files with these headers; map automatically.",
)
@DATA_DIR_OPTION
@click.option("--out", type=click.Path(path_type=Path, file_okay=False), help="Where to write the reports.")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object on stdout.")
def import_cmd(
    path: Path,
    workspace: str,
    client: str | None,
    purpose: str,
    no_overwrite: bool,
    priority: int,
    assignment_days: int,
    preview: bool,
    enrich: bool,
    force_refresh: bool,
    enrich_limit: int | None,
    enrich_provider: str | None,
    tags: str,
    dnt: bool,
    workflow_id: str | None,
    identifier: str,
    mapping: Path | None,
    field_mapping_id: str | None,
    no_saved_mapping: bool,
    data_dir: Path,
    out: Path | None,
    as_json: bool,
) -> None:
    """Import a CSV file through the pipeline.

    A mapping given with --mapping is saved for the file's header row: a later import of a file
    with the same headers uses it without --mapping (unless --no-saved-mapping)."""
    from local import imports

    rejected = _precheck(path)
    if rejected:
        _finish(
            imports.ImportOutcome("", "rejected", "parsing", error=rejected, extra={"code": "UNREADABLE"}),
            as_json,
        )
    options: dict[str, Any] = {
        "tags": [t.strip() for t in tags.split(",") if t.strip()],
        "dnt": dnt,
        "client": client,
        "purpose": purpose,
        "no_overwrite": no_overwrite,
        "priority": priority,
        "assignment_days": assignment_days,
        "enrich": enrich,
        "force_refresh": force_refresh,
        "enrich_limit": enrich_limit,
        "enrich_provider": enrich_provider,
        "saved_mapping": not no_saved_mapping,
    }
    if workflow_id:
        options["workflow_id"] = workflow_id
    if identifier != "email":
        if identifier == "contact_id" and purpose != "update":
            raise click.UsageError(
                "--identifier contact_id matches existing contacts only: use it with --purpose update"
            )
        options["identifier"] = identifier
    if mapping and field_mapping_id:
        raise click.UsageError("give --mapping or --field-mapping, not both")
    if field_mapping_id:
        options["field_mapping_id"] = field_mapping_id
    if mapping:
        try:
            options["mapping"] = json.loads(mapping.read_text())
        except ValueError as exc:
            _finish(
                imports.ImportOutcome(
                    "",
                    "rejected",
                    "parsing",
                    error=f"mapping file is not JSON: {exc}",
                    extra={"code": "BAD_MAPPING"},
                ),
                as_json,
            )
    if preview:
        _run_preview(path, workspace, options, data_dir, as_json)
        return
    bar = _ProgressBar(enabled=True)
    started: list[str] = []

    def announce(job_id: str) -> None:
        started.append(job_id)
        _announce_job(job_id)

    try:
        with runtime.Runtime(data_dir) as rt:
            outcome = imports.run_import(
                rt,
                path,
                workspace_id=workspace,
                options=options,
                out_dir=(out or data_dir / "reports").resolve(),
                on_progress=bar,
                on_job=announce,
            )
    except (KeyboardInterrupt, procs.Terminated) as exc:
        bar.close()
        _interrupted(started[0] if started else None, data_dir, exc)
    finally:
        bar.close()
    _finish(outcome, as_json)


def _announce_job(job_id: str) -> None:
    # on stderr the moment the job exists, so a run killed from here on can be resumed
    click.echo(f"\rJob {job_id} (if this run is interrupted: contact-import resume {job_id})", err=True)


def _interrupted(job_id: str | None, data_dir: Path, exc: BaseException) -> NoReturn:
    """A signal stopped the run: say how to go on, and exit at once (130 for Ctrl-C, 128 + the
    signal otherwise). The engines are stopped by now; a handler still running was abandoned,
    and a normal exit would wait for it."""
    if job_id is None:
        click.echo("\nInterrupted before the job was created: nothing to resume.", err=True)
    else:
        click.echo(
            f"\nInterrupted: job {job_id} stopped. Resume it with: "
            f"contact-import resume {job_id} --data-dir {shlex.quote(str(data_dir))}",
            err=True,
        )
    procs.exit_now(exc.code if isinstance(exc, procs.Terminated) and isinstance(exc.code, int) else 130)


def _run_preview(path: Path, workspace: str, options: dict[str, Any], data_dir: Path, as_json: bool) -> None:
    from functions.common.errors import FileRejected
    from local.preview import preview

    with runtime.Runtime(data_dir):
        try:
            doc = preview(path, workspace_id=workspace, options=options)
        except FileRejected as exc:
            click.echo(f"error: {exc.message}", err=True)
            _emit(
                {"status": "rejected", "code": exc.code, "error": exc.message},
                as_json,
                f"File rejected: {exc}",
            )
            sys.exit(2)
    columns = [
        f"  {c['header']!r} -> {c['target'] or 'skipped'} ({c['how']}, {c['confidence']:.2f})"
        for c in doc.get("column_map") or []
    ]
    lines = [f"{r['row']:>4}  {r['status']:<10} {r['reason'] or ''}" for r in doc["rows"]]
    _emit(doc, as_json, "\n".join(["Columns:", *columns, *lines, f"Predicted: {doc['predicted']}"]))


def _precheck(path: Path) -> str | None:
    if not path.exists():
        return f"{path} does not exist"
    if not os.access(path, os.R_OK):
        return f"{path} is not readable"
    return None


@main.command("resume")
@click.argument("job_id")
@DATA_DIR_OPTION
@click.option("--out", type=click.Path(path_type=Path, file_okay=False))
@click.option("--json", "as_json", is_flag=True)
def resume_cmd(job_id: str, data_dir: Path, out: Path | None, as_json: bool) -> None:
    """Resume a failed or interrupted import from the stage where it stopped.

    A job left running by a process that has died is taken over; one that a live process is
    still running is refused (exit 1)."""
    from local import imports, job_lease

    bar = _ProgressBar(enabled=True)
    try:
        with runtime.Runtime(data_dir) as rt:
            try:
                outcome = imports.resume(
                    rt, job_id, out_dir=(out or data_dir / "reports").resolve(), on_progress=bar
                )
            except (LookupError, job_lease.JobBusy) as exc:
                raise click.ClickException(str(exc)) from exc
    except (KeyboardInterrupt, procs.Terminated) as exc:
        bar.close()
        _interrupted(job_id, data_dir, exc)
    finally:
        bar.close()
    _finish(outcome, as_json)


@main.group()
def contacts() -> None:
    """Read contacts."""


@contacts.command("list")
@click.option("--workspace", default="default", show_default=True)
@list_filter_options
@click.option(
    "--sort",
    type=click.Choice(["created_desc", "created_asc", "updated_desc", "lead_score_desc"]),
    default="created_desc",
    show_default=True,
)
@click.option("--limit", type=click.IntRange(min=1), default=None, help="At most this many contacts.")
@DATA_DIR_OPTION
@click.option("--json", "as_json", is_flag=True)
def contacts_list(
    workspace: str,
    sort: str,
    limit: int | None,
    data_dir: Path,
    as_json: bool,
    **filters: Any,
) -> None:
    """List a workspace's contacts from the read model, with the API's filters and sorts."""
    from functions.api import contacts as api_contacts
    from functions.api.read_model import custom_types
    from functions.query import contacts as query_contacts
    from functions.query.db import get_database
    from functions.query.segments import SegmentNotFound
    from functions.query.sql import ListRequest, QueryError

    items: list[dict[str, Any]] = []
    with runtime.Runtime(data_dir):
        db = get_database()
        assert db is not None
        types = custom_types(workspace) if filters.get("segment_id") else None
        cursor = None
        try:
            request = ListRequest.parse(**filters)
            while limit is None or len(items) < limit:
                size = 500 if limit is None else min(500, limit - len(items))
                page = query_contacts.list_page(
                    db, workspace, request, sort=sort, page_size=size, cursor=cursor, custom_types=types
                )
                items += api_contacts.views(page.items)
                if not page.has_more:
                    break
                cursor = page.next_cursor
        except (QueryError, SegmentNotFound) as exc:
            where = f" ({exc.field})" if isinstance(exc, QueryError) and exc.field else ""
            raise click.ClickException(f"{exc}{where}") from None
    human = (
        "\n".join(f"{c['id']}  {c['email']}  {c.get('full_name') or ''}" for c in items) or "(no contacts)"
    )
    _emit(items, as_json, human)


@main.group()
def jobs() -> None:
    """Read import jobs."""


@jobs.command("show")
@click.argument("job_id")
@DATA_DIR_OPTION
@click.option("--json", "as_json", is_flag=True)
def jobs_show(job_id: str, data_dir: Path, as_json: bool) -> None:
    """Show a job with its stage history and counters."""
    from functions.common import jobs as jobs_mod

    with runtime.Runtime(data_dir):
        job = jobs_mod.get(job_id)
        if job is None:
            raise click.ClickException(f"no job {job_id}")
        doc = jobs_mod.as_dict(job)
    human = "\n".join(f"{k}: {v}" for k, v in doc.items())
    _emit(doc, as_json, human)


@jobs.command("list")
@click.option("--workspace", default=None, help="Only this workspace's jobs (default: every workspace).")
@click.option(
    "--status",
    type=click.Choice(["queued", "running", "complete", "failed", "rejected", "abandoned"]),
    default=None,
    help="Only jobs with this status; `abandoned`: running, but no live process runs them.",
)
@click.option("--limit", type=click.IntRange(1), default=50, show_default=True)
@DATA_DIR_OPTION
@click.option("--json", "as_json", is_flag=True)
def jobs_list(workspace: str | None, status: str | None, limit: int, data_dir: Path, as_json: bool) -> None:
    """List import jobs, newest first, with the process that runs each running one."""
    from local import job_list

    with runtime.Runtime(data_dir):
        docs = job_list.list_jobs(workspace_id=workspace, status=status, limit=limit)
    lines = [_job_line(d) for d in docs]
    _emit(docs, as_json, "\n".join(lines) or "no jobs")


@main.command("migrate")
@DATA_DIR_OPTION
@click.option("--json", "as_json", is_flag=True)
def migrate(data_dir: Path, as_json: bool) -> None:
    """Move data written by older versions onto the current model (idempotent): active ownership
    claims onto their GlobalContacts, listing keys onto old jobs."""
    from functions.common import data_migrations

    with runtime.Runtime(data_dir):
        doc = data_migrations.migrate_all()
    claims = doc["claims"]
    _emit(
        doc,
        as_json,
        f"claims moved onto GlobalContacts: {claims['moved']}, superseded into the history: "
        f"{claims['to_history']}; jobs given their listing key: {doc['jobs_keyed']}",
    )


def _job_line(doc: dict[str, Any]) -> str:
    total = doc["counters"].get("total", "-")
    line = (
        f"{doc['job_id']}  {doc['created_at']}  {doc['workspace_id']}  {doc['status']:<9} "
        f"{doc['stage']:<13} {total!s:>7} rows"
    )
    if doc["status"] != "running":
        return line
    if doc["abandoned"]:
        return f"{line}  (abandoned: contact-import resume {doc['job_id']})"
    return f"{line}  (run by {doc['lease_owner'] or 'a process without a lease, e.g. serve'})"


@main.group()
def suppress() -> None:
    """Suppression lists."""


@suppress.command("add")
@click.argument("value")
@click.option("--workspace", default=None, help="The workspace whose list this goes on.")
@click.option(
    "--reason",
    required=True,
    type=click.Choice(["opt_out", "hard_bounce", "spam_complaint", "unsubscribe", "manual", "compliance"]),
)
@click.option(
    "--global", "is_global", is_flag=True, help="Platform-wide opt-out (emails only, no workspace)."
)
@DATA_DIR_OPTION
def suppress_add(value: str, workspace: str | None, reason: str, is_global: bool, data_dir: Path) -> None:
    """Suppress an email, or a domain written as @domain (and its subdomains)."""
    from functions.common import admin
    from functions.common.errors import ConfigInvalid

    if is_global == bool(workspace):
        raise click.UsageError("give --workspace W, or --global for the platform layer (not both)")
    with runtime.Runtime(data_dir):
        try:
            entry = admin.add_suppression(value, reason=reason, workspace_id=workspace, is_global=is_global)
        except ConfigInvalid as exc:
            raise click.ClickException(str(exc)) from exc
    click.echo(f"suppressed {entry['value']} ({entry['reason']}) in {entry['scope']}")


@main.group()
def mappings() -> None:
    """Saved field mappings (reused by imports of files with the same headers)."""


@mappings.command("list")
@click.option("--workspace", default="default", show_default=True)
@DATA_DIR_OPTION
@click.option("--json", "as_json", is_flag=True)
def mappings_list(workspace: str, data_dir: Path, as_json: bool) -> None:
    from functions.common import field_mappings

    with runtime.Runtime(data_dir):
        docs = field_mappings.list_all(workspace)
    lines = [f"{d['id']}  {d.get('name') or ''}  ({len(d.get('columns') or {})} columns)" for d in docs]
    _emit(docs, as_json, "\n".join(lines) or "no saved field mappings")


@main.group()
def config() -> None:
    """Workspace configuration."""


def _set_config(kind: str, path: Path, workspace: str, data_dir: Path) -> None:
    from functions.common import admin
    from functions.common.errors import ConfigInvalid

    with runtime.Runtime(data_dir):
        try:
            admin.set_config(workspace, kind, path.read_bytes())
        except ConfigInvalid as exc:
            raise click.ClickException(f"{path}: {exc}") from exc
    click.echo(f"{kind} saved for workspace {workspace}")


@config.command("set-icp")
@click.argument("path", type=click.Path(path_type=Path, dir_okay=False, exists=True))
@click.option("--workspace", required=True)
@DATA_DIR_OPTION
def config_set_icp(path: Path, workspace: str, data_dir: Path) -> None:
    """Replace the workspace's ICP tier rules (ordered; first match wins)."""
    _set_config("icp_rules", path, workspace, data_dir)


@config.command("set-scoring")
@click.argument("path", type=click.Path(path_type=Path, dir_okay=False, exists=True))
@click.option("--workspace", required=True)
@DATA_DIR_OPTION
def config_set_scoring(path: Path, workspace: str, data_dir: Path) -> None:
    """Replace the workspace's scoring model."""
    _set_config("scoring_model", path, workspace, data_dir)


@config.command("set-enrollment-rule")
@click.option("--tiers", default=None, help="Comma-separated ICP tiers that may be enrolled (e.g. A,B).")
@click.option("--any-tier", is_flag=True, help="Allow every tier (clears the rule).")
@click.option("--workspace", required=True)
@DATA_DIR_OPTION
def config_set_enrollment_rule(tiers: str | None, any_tier: bool, workspace: str, data_dir: Path) -> None:
    """Which ICP tiers the hand-off to sequences may enroll (import --workflow, the enroll route)."""
    from functions.events import enrollment

    if any_tier == (tiers is not None):
        raise click.UsageError("give either --tiers A,B or --any-tier")
    try:
        chosen = (
            None if any_tier else enrollment.parse_tiers(t for t in (tiers or "").split(",") if t.strip())
        )
    except ValueError as exc:
        raise click.ClickException(str(exc)) from exc
    with runtime.Runtime(data_dir):
        rule = enrollment.set_rule(workspace, chosen)
    shown = ", ".join(rule["icp_tiers"]) if rule["icp_tiers"] is not None else "every tier"
    click.echo(f"enrollment rule saved for workspace {workspace}: {shown or 'no tier'}")


@main.group()
def assignments() -> None:
    """Agency ownership of emails."""


@assignments.command("show")
@click.argument("email")
@DATA_DIR_OPTION
@click.option("--json", "as_json", is_flag=True)
def assignments_show(email: str, data_dir: Path, as_json: bool) -> None:
    """The active owner of an email and the history of earlier owners."""
    from functions.common import admin

    with runtime.Runtime(data_dir):
        doc = admin.assignment_history(email)
    active = doc["active"]
    human = f"{doc['email']}: " + (
        f"owned by {active['client_id']} until {active['expires_at']}" if active else "no active owner"
    )
    _emit(doc, as_json, human)


@assignments.command("release")
@click.argument("email")
@click.option("--client", required=True, help="The client releasing its claim (must be the owner).")
@DATA_DIR_OPTION
def assignments_release(email: str, client: str, data_dir: Path) -> None:
    """Release a client's claim so another client can import the email."""
    from functions.common import admin

    with runtime.Runtime(data_dir):
        try:
            admin.release_assignment(email, client)
        except LookupError as exc:
            raise click.ClickException(str(exc)) from exc
    click.echo(f"released {email} from {client}")


@main.command("enrich")
@click.option("--workspace", required=True)
@click.option("--tier", default="", help="Only contacts of these ICP tiers, e.g. A,B.")
@click.option("--force-refresh", is_flag=True, help="Ignore fresh cache entries.")
@click.option("--enrich-provider", default=None)
@DATA_DIR_OPTION
@click.option("--json", "as_json", is_flag=True)
def enrich_cmd(
    workspace: str, tier: str, force_refresh: bool, enrich_provider: str | None, data_dir: Path, as_json: bool
) -> None:
    """Enrich existing contacts (cache first), then re-segment and re-score them."""
    from functions.enrich.later import enrich_existing

    tiers = {t.strip().upper() for t in tier.split(",") if t.strip()} or None
    with runtime.Runtime(data_dir):
        doc = enrich_existing(workspace, tiers=tiers, force_refresh=force_refresh, provider=enrich_provider)
    _emit(doc, as_json, ", ".join(f"{k}: {v}" for k, v in doc.items()))


@main.command("serve")
@click.option("--port", type=int, default=8080, show_default=True)
@DATA_DIR_OPTION
def serve_cmd(port: int, data_dir: Path) -> None:
    """Serve the web app at / and the HTTP API under /api/ on 127.0.0.1 (uploads go to the local S3
    and start imports); Ctrl-C stops."""
    from local import server

    server.serve(port, data_dir)


@main.group()
def keys() -> None:
    """Keys: API keys and workspace enrichment provider keys (BYOK)."""


@keys.command("create")
@click.option("--workspace", required=True)
@click.option("--scopes", required=True, help="Comma-separated, e.g. contacts:read,contacts:write")
@click.option("--name", default=None)
@DATA_DIR_OPTION
def keys_create(workspace: str, scopes: str, name: str | None, data_dir: Path) -> None:
    """Create an API key; it is printed once (only its hash is stored)."""
    from local import server

    try:
        key = server.create_key(workspace, scopes, name=name, data_dir=data_dir)
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="--scopes") from exc
    click.echo(key)


@keys.command("list")
@click.option("--workspace", required=True)
@DATA_DIR_OPTION
@click.option("--json", "as_json", is_flag=True)
def keys_list(workspace: str, data_dir: Path, as_json: bool) -> None:
    """The workspace's API keys: id, name, prefix, scopes, created, last used (never the key)."""
    from functions.api import auth

    with runtime.Runtime(data_dir):
        listed = auth.list_keys(workspace)
    human = "\n".join(
        f"{k['id']}  {k['prefix'] or '?'}…  {k['name']}  {','.join(k['scopes'])}  created {k['created_at']}"
        f"  last used {k['last_used_at'] or 'never'}"
        for k in listed
    )
    _emit(listed, as_json, human or "no API keys")


@keys.command("revoke")
@click.argument("key_id")
@click.option("--workspace", required=True)
@DATA_DIR_OPTION
def keys_revoke(key_id: str, workspace: str, data_dir: Path) -> None:
    """Revoke an API key by its id (from `keys list`): refused from the next request on."""
    from functions.api import auth

    with runtime.Runtime(data_dir):
        if not auth.revoke_listed_key(workspace, key_id):
            raise click.ClickException(f"no API key {key_id} in workspace {workspace}")
    click.echo(f"revoked {key_id}")


@keys.command("set-provider")
@click.argument("provider", type=click.Choice(["apollo", "peopledatalabs"]))
@click.option("--workspace", required=True)
@DATA_DIR_OPTION
def keys_set_provider(provider: str, workspace: str, data_dir: Path) -> None:
    """Store the workspace's own provider key, read from stdin, encrypted (never printed or logged)."""
    from functions.common import admin

    secret = sys.stdin.readline().strip()
    if not secret:
        raise click.UsageError('pipe the key on stdin, e.g. `printf %s "$KEY" | contact-import keys ...`')
    with runtime.Runtime(data_dir):
        admin.set_provider_key(workspace, provider, secret)
    click.echo(f"{provider} key stored for workspace {workspace} (encrypted)")


@main.group()
def local() -> None:
    """Run parts of the local runtime by themselves."""


@local.command("dynamodb")
@DATA_DIR_OPTION
@click.option("--port", type=int, default=8000, show_default=True)
def local_dynamodb(data_dir: Path, port: int) -> None:
    """Run DynamoDB Local in the foreground, for several processes to share
    (point them at it with AWS_ENDPOINT_URL_DYNAMODB). Ctrl-C, SIGTERM or SIGHUP stop it
    (exit 0); it never outlives this command."""
    from local import dynamodb

    engine: dynamodb.DynamoDBLocal | None = None
    code = 0
    # a signal at any moment, even right after the banner below, ends in an orderly stop
    try:
        engine = dynamodb.start(data_dir=data_dir / "dynamodb", port=port)
        click.echo(
            f"DynamoDB Local on {engine.endpoint} (data in {data_dir / 'dynamodb'}); Ctrl-C stops it",
            err=True,
        )
        assert engine.process is not None
        code = engine.process.wait()
        click.echo(f"DynamoDB Local exited by itself (code {code})", err=True)
    except (KeyboardInterrupt, procs.Terminated):
        click.echo("stopping DynamoDB Local", err=True)
    finally:
        if engine is not None:
            engine.stop()
    sys.exit(1 if code else 0)


main.add_command(sync_cli.sync)
main.add_command(events_cli.events)
main.add_command(webhooks_cli.webhooks)
contacts.add_command(events_cli.contacts_events)
contacts.add_command(audit_cli.contacts_audit)
for _bulk_command in (
    bulk_cli.contacts_bulk,
    bulk_cli.contacts_bulk_show,
    bulk_cli.contacts_bulk_undo,
    bulk_cli.contacts_bulk_resume,
):
    contacts.add_command(_bulk_command)
main.add_command(sync_cli.sources)

if __name__ == "__main__":
    main()
main.add_command(index_cli.index)
