"""What every `contact-import` command group shares: the --data-dir option and output."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import click

DATA_DIR_OPTION = click.option(
    "--data-dir",
    type=click.Path(path_type=Path, file_okay=False),
    default=lambda: Path(os.environ.get("CONTACT_IMPORT_DATA_DIR", ".contact-import")),
    show_default=".contact-import",
    help="Where the local tables and objects live.",
)


def emit(doc: Any, as_json: bool, human: str) -> None:
    """One JSON document on stdout with --json, the human text otherwise."""
    if as_json:
        click.echo(json.dumps(doc, indent=2, default=str))
    else:
        click.echo(human)
