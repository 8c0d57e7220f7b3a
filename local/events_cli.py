"""`contact-import events ingest FILE.jsonl` and `contact-import contacts events CONTACT_ID`.

Ingest runs the same service the bus handler and `POST /api/v1/engagement-events` run, in
batches of 500, one event per line. Exit 0 when every line was read (event errors included,
like row errors of an import), 2 when the file cannot be read.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import click

from local import runtime
from local.cli_common import DATA_DIR_OPTION
from local.cli_common import emit as _emit


def read_lines(path: Path) -> Iterator[tuple[int, Any]]:
    """(line number, parsed JSON or an error string) for every non-blank line."""
    with path.open(encoding="utf-8") as f:
        for number, line in enumerate(f, start=1):
            if not line.strip():
                continue
            try:
                yield number, json.loads(line)
            except json.JSONDecodeError as exc:
                yield number, f"line {number} is not JSON: {exc.msg}"


def ingest_file(path: Path, workspace: str, *, batch: int = 500) -> dict[str, Any]:
    """Ingest in batches of `batch` lines; a line may name its own `workspace_id`."""
    from functions.events import rescore, service

    totals: dict[str, Any] = {
        service.APPLIED: 0,
        service.DUPLICATE: 0,
        service.ERROR: 0,
        "suppressions_added": 0,
        "rescored": 0,
    }
    errors: list[dict[str, Any]] = []
    pending: list[tuple[int, Any]] = []

    def flush() -> None:
        groups: dict[str, list[tuple[int, Any]]] = {}
        for line, doc in pending:
            ws = doc.get("workspace_id") if isinstance(doc, dict) else None
            groups.setdefault(ws if isinstance(ws, str) and ws else workspace, []).append((line, doc))
        for ws, lines in groups.items():
            result = service.ingest(ws, [d for _, d in lines], rescore=rescore.rescore_contacts)
            for (line, _), outcome in zip(lines, result.outcomes, strict=True):
                totals[outcome.status] += 1
                if outcome.status == service.ERROR:
                    errors.append(
                        {"line": line, "id": outcome.id, "code": outcome.code, "message": outcome.message}
                    )
            totals["suppressions_added"] += result.suppressions_added
            totals["rescored"] += result.rescored
        pending.clear()

    for line, doc in read_lines(path):
        if isinstance(doc, str):
            totals[service.ERROR] += 1
            errors.append({"line": line, "id": None, "code": "INVALID_JSON", "message": doc})
            continue
        pending.append((line, doc))
        if len(pending) >= batch:
            flush()
    if pending:
        flush()
    return {**totals, "errors": errors}


@click.group()
def events() -> None:
    """Engagement events from the email and sequence engines."""


@events.command("ingest")
@click.argument("path", type=click.Path(path_type=Path, dir_okay=False))
@click.option(
    "--workspace", default="default", show_default=True, help="Events may name their own workspace_id."
)
@DATA_DIR_OPTION
@click.option("--json", "as_json", is_flag=True)
def events_ingest(path: Path, workspace: str, data_dir: Path, as_json: bool) -> None:
    """Apply the events of a JSON Lines file (one event per line); each event id once."""
    if not path.is_file():
        click.echo(f"error: {path} is not a readable file", err=True)
        sys.exit(2)
    with runtime.Runtime(data_dir):
        try:
            doc = ingest_file(path, workspace)
        except UnicodeDecodeError:
            click.echo(f"error: {path} is not UTF-8 text", err=True)
            sys.exit(2)
    human = (
        f"{doc['applied']} applied, {doc['duplicate']} duplicate, {doc['error']} errors; "
        f"{doc['suppressions_added']} suppressions added, {doc['rescored']} contacts re-scored"
    )
    human += "".join(f"\nline {e['line']}: {e['code']}: {e['message']}" for e in doc["errors"][:50])
    _emit(doc, as_json, human)


@click.command("events")
@click.argument("contact_id")
@click.option("--workspace", default="default", show_default=True)
@click.option("--type", "event_type", default=None, help="Comma-separated event types, e.g. opened,replied.")
@click.option("--limit", type=click.IntRange(1, 200), default=50, show_default=True)
@click.option("--cursor", default=None, help="The next_cursor of the previous page.")
@DATA_DIR_OPTION
@click.option("--json", "as_json", is_flag=True)
def contacts_events(
    contact_id: str,
    workspace: str,
    event_type: str | None,
    limit: int,
    cursor: str | None,
    data_dir: Path,
    as_json: bool,
) -> None:
    """A contact's engagement timeline, newest first."""
    from functions.api import contacts
    from functions.api.errors import ApiError
    from functions.api.routes.engagement import parse_types
    from functions.events import store

    with runtime.Runtime(data_dir):
        try:
            contact = contacts.item_by_id(workspace, contact_id)
            page = store.timeline(
                workspace, contact["email"], types=parse_types(event_type), limit=limit, cursor=cursor
            )
        except (ApiError, store.BadCursor) as exc:
            raise click.ClickException(str(getattr(exc, "message", exc))) from exc
    doc = {
        "data": [{**e.public(), "contact_id": contact["contact_id"]} for e in page.events],
        "meta": {"next_cursor": page.next_cursor, "has_more": page.next_cursor is not None},
    }
    human = "\n".join(f"{e.occurred_at}  {e.type:<15} {e.event_id}" for e in page.events) or "(no events)"
    if page.next_cursor:
        human += f"\nmore: --cursor {page.next_cursor}"
    _emit(doc, as_json, human)
