"""`contact-import contacts audit EMAIL|ID`: a contact's audit log, newest first."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import click

from local import runtime
from local.cli_common import DATA_DIR_OPTION
from local.cli_common import emit as _emit


def _contact(workspace: str, who: str) -> dict[str, Any]:
    from functions.api import contacts
    from functions.api.errors import NotFound
    from functions.common.canonical import canonical_email

    if "@" not in who:
        return contacts.item_by_id(workspace, who)
    try:
        email = canonical_email(who)
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="EMAIL|ID") from None
    item = contacts.item_by_email(workspace, email)
    if item is None:
        raise NotFound(f"no contact {email} in workspace {workspace}")
    return item


@click.command("audit")
@click.argument("who", metavar="EMAIL|ID")
@click.option("--workspace", default="default", show_default=True)
@click.option("--limit", type=click.IntRange(min=1, max=200), default=50, show_default=True)
@click.option("--cursor", default=None, help="The next_cursor of the previous page.")
@DATA_DIR_OPTION
@click.option("--json", "as_json", is_flag=True)
def contacts_audit(
    who: str, workspace: str, limit: int, cursor: str | None, data_dir: Path, as_json: bool
) -> None:
    """Who changed a contact, when, through what, and each field's before/after; newest first."""
    from functions.api.errors import ApiError
    from functions.query import audit
    from functions.query.db import get_database

    with runtime.Runtime(data_dir):
        db = get_database()
        assert db is not None
        try:
            contact = _contact(workspace, who)
            page = audit.page(db, workspace, contact["contact_id"], limit=limit, cursor=cursor)
        except (ApiError, audit.CursorError) as exc:
            raise click.ClickException(str(getattr(exc, "message", exc))) from exc
    doc = {"data": page.entries, "meta": {"next_cursor": page.next_cursor, "has_more": page.has_more}}
    lines = []
    for e in page.entries:
        changed = ", ".join(
            f"{name}: {json.dumps(c['before'], default=str)} -> {json.dumps(c['after'], default=str)}"
            for name, c in e["changes"].items()
        )
        lines.append(f"{e['at']}  {e['source']:<10} {e['actor']}  {changed}")
    human = "\n".join(lines) or "(no changes recorded)"
    if page.next_cursor:
        human += f"\nmore: --cursor {page.next_cursor}"
    _emit(doc, as_json, human)
