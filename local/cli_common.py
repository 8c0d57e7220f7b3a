"""What every `contact-import` command group shares: the --data-dir option and output."""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import click
from pydantic import AliasChoices

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


F = TypeVar("F", bound=Callable[..., Any])


def list_filter_options(fn: F) -> F:
    """One option per filter of `functions.query.sql.ListRequest` (the list route's parameters):
    `--icp-tier` for `icp_tier` (and the older flag a filter names), its description as help;
    the command gets them as keyword arguments named like the route's parameters."""
    from functions.query.sql import ListRequest

    for name, info in reversed(ListRequest.model_fields.items()):
        alias = info.validation_alias
        param = str(alias.choices[0]) if isinstance(alias, AliasChoices) else name
        flags = [f"--{param.replace('_', '-')}"]
        extra = info.json_schema_extra if isinstance(info.json_schema_extra, dict) else {}
        if extra.get("cli"):
            flags.append(str(extra["cli"]))
        if info.annotation == bool | None:
            # a flag: without it, live contacts only
            help_ = str(extra.get("cli_help") or info.description)
            fn = click.option(*flags, param, is_flag=True, default=False, help=help_)(fn)
        else:
            fn = click.option(*flags, param, default=None, help=info.description)(fn)
    return fn
