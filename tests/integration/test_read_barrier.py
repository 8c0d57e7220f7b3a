"""The local read barrier (`functions.query.freshness`) drains DynamoDB Local's streams only
after a write: an idle query makes no stream request, and a write is seen by the next query,
through the API in this process and through the CLI in another one.

The runtime's background poller is stopped in these tests, so only the barrier (or a CLI
process's own drains) can bring a write into the read model."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from functions.query import freshness
from local import writes
from local.runtime import Runtime
from local.server import LocalApi
from tests.integration.test_api_support import api, client, new_workspace  # noqa: F401

pytestmark = pytest.mark.integration
ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def stream_requests(rt: Runtime) -> Iterator[list[str]]:
    """The runtime poller's stream requests, with its background thread stopped meanwhile."""
    poller = rt.poller
    assert poller is not None
    poller.stop()
    seen: list[str] = []

    def count(model: Any, **_: Any) -> None:
        seen.append(model.name)

    events = poller._streams.meta.events
    events.register("before-call.dynamodbstreams", count)
    try:
        yield seen
    finally:
        events.unregister("before-call.dynamodbstreams", count)
        poller.start()


@pytest.fixture
def c(api: LocalApi) -> httpx.Client:  # noqa: F811
    return client(api, new_workspace())


def _emails(c: httpx.Client) -> list[str]:
    r = c.get("/api/v1/contacts/", params={"page_size": 500})
    assert r.status_code == 200, r.text
    return [row["email"] for row in r.json()["data"]]


def test_a_write_is_listed_at_once_and_an_idle_query_asks_the_streams_nothing(
    c: httpx.Client, stream_requests: list[str]
) -> None:
    email = f"barrier.{uuid.uuid4().hex[:8]}@acme-example.com"
    assert c.post("/api/v1/contacts/", json={"email": email}).status_code == 201

    assert _emails(c) == [email]  # only the barrier could have projected it
    assert "GetRecords" in stream_requests

    stream_requests.clear()
    writes = freshness.counted()
    for _ in range(3):
        assert _emails(c) == [email]
    if freshness.counted() == writes:  # (unless another test's work still writes meanwhile)
        assert stream_requests == []  # nothing written since the last drain: no stream request at all

    contact_id = c.get("/api/v1/contacts/").json()["data"][0]["id"]
    patched = c.patch(f"/api/v1/contacts/{contact_id}", json={"tags": ["x"]})
    assert patched.status_code == 200, patched.text
    assert c.get("/api/v1/contacts/", params={"tag": "x"}).json()["meta"]["total_count"] == 1
    assert "GetRecords" in stream_requests


def test_only_writes_to_projected_tables_count(rt: Runtime) -> None:
    contacts = next(name for name in writes._tables if name.endswith("Contacts"))
    assert writes.writes_projected_table("PutItem", {"TableName": contacts})
    assert writes.writes_projected_table("BatchWriteItem", {"RequestItems": {contacts: []}})
    both = [{"ConditionCheck": {"TableName": "other"}}, {"Update": {"TableName": contacts}}]
    assert writes.writes_projected_table("TransactWriteItems", {"TransactItems": both})
    assert writes.writes_projected_table(
        "BatchExecuteStatement",
        {"Statements": [{"Statement": f'UPDATE "{contacts}" SET a = ? WHERE pk = ?'}]},
    )
    assert not writes.writes_projected_table("ExecuteStatement", {"Statement": f'SELECT * FROM "{contacts}"'})
    assert not writes.writes_projected_table("GetItem", {"TableName": contacts})
    assert not writes.writes_projected_table("PutItem", {"TableName": "contact-import-ApiKeys"})


def _cli(rt: Runtime, data_dir: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "AWS_ENDPOINT_URL_DYNAMODB": rt.ddb_endpoint, "CI_PG_DSN": rt.pg_dsn}
    return subprocess.run(
        [sys.executable, "-m", "local.cli", *args, "--data-dir", str(data_dir)],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=300, check=False,
    )  # fmt: skip


def test_the_cli_reads_what_the_api_just_wrote_and_the_api_what_the_cli_wrote(
    rt: Runtime,
    api: LocalApi,  # noqa: F811
    stream_requests: list[str],
    tmp_path: Path,
) -> None:
    ws = new_workspace()
    c = client(api, ws)
    email = f"cli.{uuid.uuid4().hex[:8]}@acme-example.com"
    created = c.post("/api/v1/contacts/", json={"email": email})
    assert created.status_code == 201, created.text

    # a new process's first query drains: this process has not queried since its write
    listed = _cli(rt, tmp_path, "contacts", "list", "--workspace", ws, "--json")
    assert listed.returncode == 0, listed.stderr
    assert [row["email"] for row in json.loads(listed.stdout)] == [email]

    assert _emails(c) == [email]
    tagged = _cli(
        rt, tmp_path, "contacts", "bulk", "add_tags", "--workspace", ws,
        "--ids", created.json()["id"], "--tag", "from-cli", "--json",
    )  # fmt: skip
    assert tagged.returncode == 0, tagged.stderr
    # the CLI projected its own writes before it exited: this process sees them without draining
    stream_requests.clear()
    writes = freshness.counted()
    r = c.get("/api/v1/contacts/", params={"tag": "from-cli"})
    assert [row["email"] for row in r.json()["data"]] == [email]
    if freshness.counted() == writes:
        assert stream_requests == []
