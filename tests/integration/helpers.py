"""Small readers used by the integration tests to look at what the pipeline wrote."""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Any

from functions.common import contacts_repo, ddb
from functions.common.aws import client
from functions.common.models import ALL_MODELS


def read_csv(path: Path) -> list[list[str]]:
    with path.open(newline="", encoding="utf-8") as f:
        return list(csv.reader(f))


def contacts(workspace: str) -> list[dict[str, Any]]:
    return list(contacts_repo.iter_items(workspace))


def snapshot_tables() -> dict[str, list[dict[str, Any]]]:
    """Every item of every table, sorted: for 'nothing was written' and 'same state' checks."""
    out = {}
    for model in ALL_MODELS:
        pages = client("dynamodb").get_paginator("scan").paginate(TableName=model.Meta.table_name)
        items = [ddb.from_item(i) for page in pages for i in page.get("Items", [])]
        out[model.Meta.table_name] = sorted(items, key=repr)
    return out
