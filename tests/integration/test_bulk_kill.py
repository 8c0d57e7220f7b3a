"""A `contact-import contacts bulk` run killed with SIGKILL in the middle of a chunk (some of its
contacts written, its checkpoint not), then `bulk-resume` in a new process: every contact is
written exactly once (its version moved by one) and the counters are those of a clean run."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from functions.common import ddb
from functions.common.aws import client as aws_client
from functions.common.models import ConfigItem, Contact, table_name
from functions.common.settings import get_settings
from functions.manage import bulk
from functions.query import freshness
from local.runtime import Runtime
from local.s3store import PersistentS3
from tests.integration.helpers import contacts
from tests.integration.procs_helpers import ROOT, kill_quietly
from tests.integration.test_api_support import new_workspace, seed_contacts

pytestmark = [
    pytest.mark.integration,
    pytest.mark.skipif(not sys.platform.startswith("linux"), reason="signals and /proc"),
]
CONTACTS = 1_500  # three chunks of 500, all at once on the bulk state machine (four at a time)


def _cli(*args: str, data_dir: Path, rt: Runtime, **popen: Any) -> subprocess.Popen[str]:
    env = {**os.environ, "AWS_ENDPOINT_URL_DYNAMODB": rt.ddb_endpoint, "CI_PG_DSN": rt.pg_dsn}
    return subprocess.Popen(
        [sys.executable, "-m", "local.cli", "contacts", *args, "--data-dir", str(data_dir)],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        **popen,
    )


def _op_id(ws: str) -> str | None:
    resp = aws_client("dynamodb").query(
        TableName=table_name(ConfigItem),
        KeyConditionExpression="pk = :p AND begins_with(sk, :s)",
        ExpressionAttributeValues={":p": {"S": ws}, ":s": {"S": bulk.OP_PREFIX}},
        ConsistentRead=True,
    )
    return resp["Items"][0]["sk"]["S"].removeprefix(bulk.OP_PREFIX) if resp["Items"] else None


def _half_done_chunks(ws: str, op_id: str, files: PersistentS3, tag: str) -> list[tuple[int, int, int]]:
    """(chunk, contacts written, contacts to write) of each chunk whose log is on disk and whose
    checkpoint is not, with some but not all of its contacts written."""
    bucket = get_settings().bucket
    found = []
    for n in range(CONTACTS // bulk.CHUNK_SIZE):
        log = files.path(bucket, bulk._chunk_key(op_id, n, "log.jsonl"))
        if not log.exists() or files.path(bucket, bulk._chunk_key(op_id, n, "applied.json")).exists():
            continue
        entries = [json.loads(line) for line in log.read_text().splitlines() if line]
        keys = [{"workspace_id": ws, "email": e["email"]} for e in entries if e["outcome"] == "change"]
        written = sum(tag in (i.get("tags") or []) for i in ddb.batch_get(table_name(Contact), keys))
        if 0 < written < len(keys):
            found.append((n, written, len(keys)))
    return found


def test_a_bulk_run_killed_mid_chunk_is_resumed_by_a_new_process_and_writes_each_contact_once(
    rt: Runtime, tmp_path: Path
) -> None:
    ws = new_workspace()
    seed_contacts(ws, CONTACTS, prefix="kill")
    freshness.settle()  # the read model holds them before the CLI selects by filter
    versions = {i["email"]: int(i["version"]) for i in contacts(ws)}
    data_dir = tmp_path / "data"
    files = PersistentS3(data_dir / "s3")
    selection = json.dumps({"field": "email", "op": "ends_with", "value": "@seed-example.com"})

    proc = _cli(
        "bulk",
        "add_tags",
        "--workspace",
        ws,
        "--filter",
        selection,
        "--tag",
        "killed",
        "--json",
        data_dir=data_dir,
        rt=rt,
    )
    try:
        op_id, half = None, []
        deadline = time.monotonic() + 300
        while not half:
            assert proc.poll() is None, (
                f"the run ended before it could be killed: {proc.stderr.read()[-2000:]}"
            )  # type: ignore[union-attr]
            assert time.monotonic() < deadline, "no chunk was ever seen half written"
            op_id = op_id or _op_id(ws)
            half = _half_done_chunks(ws, op_id, files, "killed") if op_id else []
            time.sleep(0.02)
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=30)
    finally:
        kill_quietly(proc.pid)
    assert op_id is not None
    # the process is gone: what it left is frozen, a chunk half written and the operation "running"
    assert _half_done_chunks(ws, op_id, files, "killed"), "the kill did not land mid-chunk"
    left = bulk.record(ws, op_id)
    assert left["status"] == "running" and len(left["progress"]) < CONTACTS // bulk.CHUNK_SIZE

    resumed = _cli("bulk-resume", op_id, "--workspace", ws, "--json", data_dir=data_dir, rt=rt)
    out, err = resumed.communicate(timeout=600)
    assert resumed.returncode == 0, err[-3000:]
    doc = json.loads(out)
    assert doc["status"] == "complete"
    assert (doc["total"], doc["done"], doc["succeeded"], doc["changed"], doc["failed"]) == (
        CONTACTS,
        CONTACTS,
        CONTACTS,
        CONTACTS,
        0,
    )
    after = contacts(ws)
    assert all(i["tags"].count("killed") == 1 for i in after)
    # exactly once: every contact's version moved by one write, none by two
    assert {i["email"]: int(i["version"]) - versions[i["email"]] for i in after} == dict.fromkeys(versions, 1)
    assert "interrupted: process" in (bulk.record(ws, op_id).get("error") or "")
