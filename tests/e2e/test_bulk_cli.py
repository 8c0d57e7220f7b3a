"""`contact-import contacts bulk ACTION` and `bulk-undo`, as a user runs them."""

from __future__ import annotations

import json
import uuid
from pathlib import Path

import pytest

from tests.e2e.test_cli import cli

pytestmark = pytest.mark.integration


def test_bulk_tag_by_filter_then_undo_from_the_cli(ddb_endpoint: str, tmp_path: Path) -> None:
    ws = f"ws_cli_{uuid.uuid4().hex[:8]}"
    run = {"data_dir": tmp_path, "endpoint": ddb_endpoint}
    done = cli("import", "examples/contacts.csv", "--workspace", ws, "--json", **run)
    assert done.returncode == 0, done.stderr
    webinar = '{"field": "has_tag", "op": "eq", "value": "webinar"}'
    tagged = cli(
        "contacts",
        "bulk",
        "add_tags",
        "--workspace",
        ws,
        "--filter",
        webinar,
        "--tag",
        "follow-up",
        "--json",
        **run,
    )
    assert tagged.returncode == 0, tagged.stderr
    op = json.loads(tagged.stdout)
    assert op["status"] == "complete" and op["total"] > 0 and op["changed"] == op["total"]

    listed = cli("contacts", "list", "--workspace", ws, "--tag", "follow-up", "--json", **run)
    assert len(json.loads(listed.stdout)) == op["total"]

    undone = cli("contacts", "bulk-undo", op["id"], "--workspace", ws, "--json", **run)
    assert undone.returncode == 0, undone.stderr
    assert json.loads(undone.stdout)["undo"]["restored"] == op["total"]
    assert (
        json.loads(cli("contacts", "list", "--workspace", ws, "--tag", "follow-up", "--json", **run).stdout)
        == []
    )

    neither = cli("contacts", "bulk", "add_tags", "--workspace", ws, "--tag", "x", **run)
    assert neither.returncode != 0 and "either --ids or --filter" in neither.stderr
    unknown = cli("contacts", "bulk-show", "bop_nope", "--workspace", ws, **run)
    assert unknown.returncode != 0 and "no bulk operation bop_nope" in unknown.stderr
