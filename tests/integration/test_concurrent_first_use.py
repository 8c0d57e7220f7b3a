"""Concurrent first use: many processes starting at once on one fresh engine all succeed."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from functions.common.models import ALL_MODELS
from local import dynamodb
from tests.integration.procs_helpers import ROOT, kill_quietly, python

pytestmark = pytest.mark.integration

# waits for the starting gun (a file), then makes every table, as each runtime does at start
CREATE_TABLES = """
import json, os, sys, time
from pathlib import Path
from functions.common.models import bind_tables
from local import tables
go = Path(sys.argv[1])
while not go.exists():
    time.sleep(0.005)
bind_tables(host=os.environ["AWS_ENDPOINT_URL_DYNAMODB"])
print(json.dumps(tables.create_all(os.environ["AWS_ENDPOINT_URL_DYNAMODB"])))
"""


@pytest.fixture
def fresh_engine() -> Iterator[str]:
    engine = dynamodb.start(data_dir=None)
    try:
        yield engine.endpoint
    finally:
        engine.stop()


def test_six_processes_making_the_tables_at_once_all_succeed(fresh_engine: str, tmp_path: Path) -> None:
    go = tmp_path / "go"
    racers = [
        python(CREATE_TABLES, str(go), env={"AWS_ENDPOINT_URL_DYNAMODB": fresh_engine}) for _ in range(6)
    ]
    try:
        time.sleep(1.5)  # let every interpreter reach the starting line
        go.touch()
        results = [p.communicate(timeout=120) for p in racers]
    finally:
        for p in racers:
            kill_quietly(p.pid)
    for p, (_out, err) in zip(racers, results, strict=True):
        assert p.returncode == 0, err
    created = [name for out, _ in results for name in json.loads(out)]
    # each table was created by exactly one process; the others found it and went on
    assert sorted(created) == sorted({*created}) and len(created) == len(ALL_MODELS)

    ddb = dynamodb.client(fresh_engine)
    for model in ALL_MODELS:
        table = ddb.describe_table(TableName=model.Meta.table_name)["Table"]
        assert table["TableStatus"] == "ACTIVE"
        assert all(i["IndexStatus"] == "ACTIVE" for i in table.get("GlobalSecondaryIndexes") or [])
        ttl_attribute = getattr(model.Meta, "ttl_attribute", None)
        if ttl_attribute:
            ttl = ddb.describe_time_to_live(TableName=model.Meta.table_name)["TimeToLiveDescription"]
            assert (ttl["TimeToLiveStatus"], ttl["AttributeName"]) == ("ENABLED", ttl_attribute)


def test_four_imports_started_at_once_on_a_fresh_shared_engine_all_complete(
    fresh_engine: str, tmp_path: Path
) -> None:
    csv = tmp_path / "few.csv"
    csv.write_text("email,first_name\n" + "".join(f"p{i}@race.example.com,P{i}\n" for i in range(5)))
    env = {**os.environ, "AWS_ENDPOINT_URL_DYNAMODB": fresh_engine}
    data_dir = tmp_path / "data"  # shared too, as with the default ./.contact-import
    cli = [sys.executable, "-m", "local.cli", "import", str(csv), "--json", "--data-dir", str(data_dir)]
    runs = [
        subprocess.Popen(
            [*cli, "--workspace", f"race_{n}"],
            cwd=ROOT,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for n in range(4)
    ]
    try:
        results = [p.communicate(timeout=600) for p in runs]
    finally:
        for p in runs:
            kill_quietly(p.pid)
    for p, (out, err) in zip(runs, results, strict=True):
        assert p.returncode == 0, err[-2000:]
        doc = json.loads(out)
        assert (doc["status"], doc["imported"]) == ("complete", 5)


def test_an_index_the_model_no_longer_declares_is_dropped_and_a_new_one_added(fresh_engine: str) -> None:
    from functions.common.models import Contact, bind_tables

    previous = Contact.Meta.host  # the session runtime's engine: bound again at the end
    bind_tables(host=fresh_engine)
    try:
        _make_tables_over_an_older_contacts_table(fresh_engine)
    finally:
        bind_tables(host=previous)


def _make_tables_over_an_older_contacts_table(fresh_engine: str) -> None:
    from functions.common.models import Contact, ImportJob, key_schema
    from local import tables

    ddb = dynamodb.client(fresh_engine)
    schema = key_schema(Contact)
    # the Contacts table as an older model made it: with an id index
    ddb.create_table(
        TableName=Contact.Meta.table_name,
        BillingMode="PAY_PER_REQUEST",
        KeySchema=schema["KeySchema"],
        AttributeDefinitions=[
            *schema["AttributeDefinitions"],
            {"AttributeName": "contact_id", "AttributeType": "S"},
        ],
        GlobalSecondaryIndexes=[
            {
                "IndexName": "by_contact_id",
                "KeySchema": [{"AttributeName": "contact_id", "KeyType": "HASH"}],
                "Projection": {"ProjectionType": "KEYS_ONLY"},
            }
        ],
    )
    tables.wait_active(ddb, Contact.Meta.table_name)

    tables.create_all(fresh_engine)

    for model in (Contact, ImportJob):
        table = tables.wait_active(ddb, model.Meta.table_name)
        names = {i["IndexName"] for i in table.get("GlobalSecondaryIndexes") or []}
        assert names == {i["IndexName"] for i in key_schema(model)["GlobalSecondaryIndexes"]}
