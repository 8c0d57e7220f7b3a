"""`contact-import index ...`: the contacts read model (PostgreSQL) on the one-machine runtime."""

from __future__ import annotations

from pathlib import Path

import click

from local import runtime
from local.cli_common import DATA_DIR_OPTION
from local.cli_common import emit as _emit


@click.group()
def index() -> None:
    """The contacts read model: rebuild it from DynamoDB, show how far behind it is."""


def _scope(workspace: str | None, every: bool) -> str | None:
    if bool(workspace) == every:
        raise click.UsageError("give exactly one of --workspace W or --all")
    return workspace


@index.command("rebuild")
@click.option("--workspace", default=None)
@click.option("--all", "every", is_flag=True, help="Every workspace.")
@DATA_DIR_OPTION
@click.option("--json", "as_json", is_flag=True)
def index_rebuild(workspace: str | None, every: bool, data_dir: Path, as_json: bool) -> None:
    """Re-project contacts from DynamoDB (the system of record); drop rows it no longer has."""
    from functions.query.db import get_database
    from functions.query.rebuild import rebuild

    scope = _scope(workspace, every)
    with runtime.Runtime(data_dir):
        db = get_database()
        assert db is not None
        result = rebuild(db, scope)
    _emit(
        result,
        as_json,
        f"rebuilt {scope or 'every workspace'}: {result['projected']} contacts projected, {result['removed']} stale rows removed, "
        f"{result['companies']} companies re-read ({result['company_rows']} rows refreshed)",
    )


@index.command("status")
@click.option("--workspace", default=None)
@click.option("--all", "every", is_flag=True, help="Every workspace.")
@DATA_DIR_OPTION
@click.option("--json", "as_json", is_flag=True)
def index_status(workspace: str | None, every: bool, data_dir: Path, as_json: bool) -> None:
    """Contacts in DynamoDB vs the read model, and how many rows are behind."""
    from functions.query.db import get_database
    from functions.query.rebuild import status

    scope = _scope(workspace, every)
    with runtime.Runtime(data_dir) as rt:
        db = get_database()
        assert db is not None
        doc = status(db, scope).as_dict()
        doc["poller_error"] = rt.poller.last_error if rt.poller else None
    human = "\n".join(f"{k}: {v}" for k, v in doc.items())
    _emit(doc, as_json, human)
