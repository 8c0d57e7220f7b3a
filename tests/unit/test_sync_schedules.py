"""The per-connection EventBridge Scheduler schedule (moto's Scheduler) and the rate rules the
local scheduler shares with it."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import boto3
import pytest
from moto import mock_aws

from functions.common.errors import ConfigInvalid
from functions.common.settings import reset_settings
from functions.sync import schedules

FUNCTION = "arn:aws:lambda:us-east-1:123456789012:function:contact-import-dev-Sync"
ROLE = "arn:aws:iam::123456789012:role/contact-import-dev-scheduler"
DLQ = "arn:aws:sqs:us-east-1:123456789012:contact-import-dev-sync-dlq"


@pytest.fixture
def deployed(monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    monkeypatch.setenv("CI_SYNC_FUNCTION_ARN", FUNCTION)
    monkeypatch.setenv("CI_SCHEDULER_ROLE_ARN", ROLE)
    monkeypatch.setenv("CI_SCHEDULE_GROUP", "contact-import-dev")
    monkeypatch.setenv("CI_SYNC_DLQ_ARN", DLQ)
    for name in ("AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_SCHEDULER"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    reset_settings()
    with mock_aws():
        scheduler = boto3.client("scheduler", region_name="us-east-1")
        scheduler.create_schedule_group(Name="contact-import-dev")
        yield scheduler
    reset_settings()


def test_a_connection_gets_one_schedule_that_invokes_the_sync_function(deployed: Any) -> None:
    name = schedules.put_schedule("ws_1", "conn_abc", "rate(1 hour)", scheduler=deployed)
    assert name == "sync-conn_abc"
    got = deployed.get_schedule(Name=name, GroupName="contact-import-dev")
    assert got["ScheduleExpression"] == "rate(1 hour)"
    assert got["FlexibleTimeWindow"] == {"Mode": "OFF"}
    target = got["Target"]
    assert target["Arn"] == FUNCTION and target["RoleArn"] == ROLE
    assert target["DeadLetterConfig"] == {"Arn": DLQ}
    assert target["RetryPolicy"]["MaximumRetryAttempts"] == 3
    assert json.loads(target["Input"]) == {
        "action": "run",
        "workspace_id": "ws_1",
        "connection_id": "conn_abc",
    }


def test_changing_the_rate_updates_the_same_schedule(deployed: Any) -> None:
    schedules.put_schedule("ws_1", "conn_abc", "rate(1 hour)", scheduler=deployed)
    schedules.put_schedule("ws_1", "conn_abc", "rate(15 minutes)", scheduler=deployed)
    listed = deployed.list_schedules(GroupName="contact-import-dev")["Schedules"]
    assert [s["Name"] for s in listed] == ["sync-conn_abc"]
    got = deployed.get_schedule(Name="sync-conn_abc", GroupName="contact-import-dev")
    assert got["ScheduleExpression"] == "rate(15 minutes)"


def test_deleting_removes_the_schedule_and_a_second_delete_is_harmless(deployed: Any) -> None:
    schedules.put_schedule("ws_1", "conn_abc", "rate(1 day)", scheduler=deployed)
    assert schedules.delete_schedule("conn_abc", scheduler=deployed) is True
    assert deployed.list_schedules(GroupName="contact-import-dev")["Schedules"] == []
    assert schedules.delete_schedule("conn_abc", scheduler=deployed) is False


def test_on_one_machine_there_is_no_schedule_to_write(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("CI_SYNC_FUNCTION_ARN", raising=False)
    reset_settings()

    class Unreachable:
        def __getattr__(self, name: str) -> Any:
            raise AssertionError(f"scheduler.{name} called on one machine")

    try:
        assert schedules.put_schedule("ws_1", "conn_abc", "rate(1 hour)", scheduler=Unreachable()) is None
        assert schedules.delete_schedule("conn_abc", scheduler=Unreachable()) is False
    finally:
        reset_settings()


@pytest.mark.parametrize(
    "given,expected",
    [
        ("rate(1 hour)", "rate(1 hour)"),
        ("rate(1 hours)", "rate(1 hour)"),
        ("rate( 30 minute )", "rate(30 minutes)"),
        ("rate(2 days)", "rate(2 days)"),
        ("cron(0 9 ? * MON-FRI *)", "cron(0 9 ? * MON-FRI *)"),
    ],
)
def test_rate_expressions_are_written_the_way_the_scheduler_accepts_them(given: str, expected: str) -> None:
    assert schedules.normalise_rate(given) == expected


@pytest.mark.parametrize(
    "bad",
    ["hourly", "rate(0 hours)", "rate(1 week)", "rate(-1 hours)", "cron(0 9 * * *)", "cron(0 9 1 * MON *)"],
)
def test_a_bad_schedule_is_refused_with_the_accepted_forms(bad: str) -> None:
    with pytest.raises(ConfigInvalid, match=r"rate|cron"):
        schedules.normalise_rate(bad)


def test_a_rate_is_due_once_its_interval_has_passed() -> None:
    now = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)
    assert schedules.is_due("rate(1 hour)", None, now)
    assert not schedules.is_due("rate(1 hour)", now - timedelta(minutes=59), now)
    assert schedules.is_due("rate(1 hour)", now - timedelta(minutes=60), now)


def test_a_cron_is_due_when_a_matching_minute_passed_since_the_last_run() -> None:
    monday_0905 = datetime(2026, 3, 2, 9, 5, tzinfo=UTC)  # 2026-03-02 is a Monday
    assert schedules.is_due("cron(0 9 ? * MON-FRI *)", monday_0905 - timedelta(hours=1), monday_0905)
    assert not schedules.is_due("cron(0 9 ? * MON-FRI *)", monday_0905 - timedelta(minutes=4), monday_0905)
    sunday = monday_0905 - timedelta(days=1)
    assert not schedules.is_due("cron(0 9 ? * MON-FRI *)", sunday - timedelta(hours=1), sunday)
    assert schedules.is_due("cron(*/15 * * * ? *)", monday_0905 - timedelta(minutes=10), monday_0905)
