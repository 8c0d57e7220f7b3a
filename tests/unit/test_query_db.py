"""The read model's SQL port: one SQL text for both engines; the RDS Data API adapter's parameter
and type mapping, resume retry and paging, checked against botocore's Stubber (no engine)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
from botocore.stub import Stubber

from functions.common import aws
from functions.query import db as dbmod
from functions.query.db import DataApiDatabase, data_api_parameter, split_statements, to_pyformat

ARN = "arn:aws:rds:us-east-1:123456789012:cluster:readmodel"
SECRET = "arn:aws:secretsmanager:us-east-1:123456789012:secret:readmodel"


@pytest.fixture
def stub(monkeypatch: pytest.MonkeyPatch) -> Iterator[Stubber]:
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "x")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "x")
    aws.reset_clients()
    rds = aws.client("rds-data")
    with Stubber(rds) as stubber:
        yield stubber
        stubber.assert_no_pending_responses()
    aws.reset_clients()


def _request(sql: str, params: dict[str, Any], *, json_format: bool = True) -> dict[str, Any]:
    expected: dict[str, Any] = {
        "resourceArn": ARN,
        "secretArn": SECRET,
        "database": "contacts",
        "sql": sql,
        "parameters": [data_api_parameter(k, v) for k, v in params.items()],
    }
    if json_format:
        expected["formatRecordsAs"] = "JSON"
    return expected


def test_parameters_map_to_data_api_types_and_lists_travel_as_json_text() -> None:
    assert data_api_parameter("a", None) == {"name": "a", "value": {"isNull": True}}
    assert data_api_parameter("a", True) == {"name": "a", "value": {"booleanValue": True}}
    assert data_api_parameter("a", 7) == {"name": "a", "value": {"longValue": 7}}
    assert data_api_parameter("a", 7.5) == {"name": "a", "value": {"doubleValue": 7.5}}
    assert data_api_parameter("a", "x") == {"name": "a", "value": {"stringValue": "x"}}
    assert data_api_parameter("a", ["A", "B"]) == {"name": "a", "value": {"stringValue": '["A","B"]'}}
    with pytest.raises(TypeError, match="no Data API type"):
        data_api_parameter("a", object())


def test_one_sql_text_turns_into_psycopg_placeholders_keeping_casts_and_percent_signs() -> None:
    text = "SELECT item FROM contacts WHERE workspace_id = :ws AND x LIKE '%a' AND t > :p0::timestamptz"
    assert to_pyformat(text) == (
        "SELECT item FROM contacts WHERE workspace_id = %(ws)s AND x LIKE '%%a' AND t > %(p0)s::timestamptz"
    )


def test_migration_files_split_into_single_statements_without_comments() -> None:
    script = "-- a comment; with a semicolon\nCREATE TABLE a (x int);\n\nCREATE INDEX b ON a (x);\n"
    assert split_statements(script) == ["CREATE TABLE a (x int)", "CREATE INDEX b ON a (x)"]


def test_query_reads_json_records_with_typed_parameters(stub: Stubber) -> None:
    sql = "SELECT item FROM contacts WHERE workspace_id = :ws AND lead_score > :s"
    stub.add_response(
        "execute_statement",
        {"formattedRecords": json.dumps([{"item": '{"email": "a@x.com"}'}])},
        _request(sql, {"ws": "ws_1", "s": 50.0}),
    )
    rows = DataApiDatabase(ARN, SECRET, "contacts").query(sql, {"ws": "ws_1", "s": 50.0})
    assert [dbmod.json_value(r["item"]) for r in rows] == [{"email": "a@x.com"}]


def test_execute_returns_rows_changed(stub: Stubber) -> None:
    sql = "DELETE FROM contacts WHERE workspace_id = :ws"
    stub.add_response(
        "execute_statement", {"numberOfRecordsUpdated": 3}, _request(sql, {"ws": "w"}, json_format=False)
    )
    assert DataApiDatabase(ARN, SECRET, "contacts").execute(sql, {"ws": "w"}) == 3


def test_a_resuming_cluster_is_waited_for_then_answers(
    stub: Stubber, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(dbmod.time, "sleep", lambda s: None)
    sql = "SELECT 1 AS one"
    stub.add_client_error("execute_statement", "DatabaseResumingException", "resuming", 400)
    stub.add_response("execute_statement", {"formattedRecords": '[{"one": 1}]'}, _request(sql, {}))
    assert DataApiDatabase(ARN, SECRET, "contacts").query(sql) == [{"one": 1}]


def test_a_cluster_that_stays_paused_past_the_wait_raises(
    stub: Stubber, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(dbmod.time, "sleep", lambda s: None)
    stub.add_client_error("execute_statement", "DatabaseResumingException", "resuming", 400)
    with pytest.raises(Exception, match="resuming"):
        DataApiDatabase(ARN, SECRET, "contacts", resume_wait_s=0).query("SELECT 1")


def test_a_result_over_the_size_limit_is_read_again_in_ordered_pages(stub: Stubber) -> None:
    sql = "SELECT email FROM contacts WHERE workspace_id = :ws ORDER BY email"
    paged = f"SELECT * FROM ({sql}) AS page LIMIT :_page_rows OFFSET :_page_offset"
    stub.add_client_error(
        "execute_statement",
        "BadRequestException",
        "Database returned more than the allowed response size limit",
    )
    pages = [[{"email": "a"}, {"email": "b"}], [{"email": "c"}, {"email": "d"}], [{"email": "e"}]]
    for n, page in enumerate(pages):
        stub.add_response(
            "execute_statement",
            {"formattedRecords": json.dumps(page)},
            _request(paged, {"ws": "w", "_page_rows": 2, "_page_offset": 2 * n}),
        )
    rows = DataApiDatabase(ARN, SECRET, "contacts", page_rows=2).query(sql, {"ws": "w"})
    assert [r["email"] for r in rows] == ["a", "b", "c", "d", "e"]


def test_other_bad_requests_are_not_retried_as_pages(stub: Stubber) -> None:
    stub.add_client_error(
        "execute_statement", "BadRequestException", 'ERROR: syntax error at or near "SELEC"'
    )
    with pytest.raises(Exception, match="syntax error"):
        DataApiDatabase(ARN, SECRET, "contacts").query("SELEC 1")


def test_settings_choose_the_engine(monkeypatch: pytest.MonkeyPatch) -> None:
    from functions.common.settings import reset_settings

    monkeypatch.delenv("CI_PG_DSN", raising=False)
    monkeypatch.setenv("CI_DB_CLUSTER_ARN", ARN)
    monkeypatch.setenv("CI_DB_SECRET_ARN", SECRET)
    reset_settings()
    dbmod.reset_database()
    try:
        assert isinstance(dbmod.get_database(), DataApiDatabase)
        monkeypatch.setenv("CI_PG_DSN", "postgresql://postgres@127.0.0.1:1/contacts")
        reset_settings()
        assert isinstance(dbmod.get_database(), dbmod.PsycopgDatabase)
    finally:
        monkeypatch.undo()
        reset_settings()
        dbmod.reset_database()


def test_jsonb_values_parse_like_the_stdlib_beyond_what_orjson_takes() -> None:
    doc = {"lead_score": 71.5, "tags": ["a"], "custom_fields": {"seats": 3, "big": 2**70}}
    text = json.dumps(doc)
    assert dbmod.json_value(text) == json.loads(text) == doc  # 2**70: orjson refuses, stdlib reads it
    assert dbmod.json_value(json.dumps({"a": [1, 2.5, None, True]})) == {"a": [1, 2.5, None, True]}
