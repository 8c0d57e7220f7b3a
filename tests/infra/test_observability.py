"""Alarms for what needs a person, and a dashboard."""

from __future__ import annotations

from typing import Any

from functions.common.models import ALL_MODELS
from functions.registry import FUNCTIONS
from tests.infra.conftest import PROD_TOPIC
from tests.infra.helpers import Synth, ref_id, state_machine_of


def alarms(synth: Synth) -> list[dict[str, Any]]:
    return [r["Properties"] for r in synth.of_type("AWS::CloudWatch::Alarm").values()]


def single_metric(synth: Synth, namespace: str, metric: str) -> list[dict[str, Any]]:
    return [a for a in alarms(synth) if a.get("Namespace") == namespace and a.get("MetricName") == metric]


def test_failed_executions_alarm_on_the_import_and_the_bulk_state_machines(dev: Synth):
    failed = single_metric(dev, "AWS/States", "ExecutionsFailed")
    found = {ref_id(a["Dimensions"][0]["Value"]) for a in failed}
    assert found == {state_machine_of(dev)[0], state_machine_of(dev, "bulk")[0]}
    assert all(a["Threshold"] == 1 and a["EvaluationPeriods"] == 1 for a in failed)  # the first failure


def test_each_function_alarms_on_errors_and_throttles(dev: Synth):
    functions = {
        k
        for k, r in dev.of_type("AWS::Lambda::Function").items()
        if r["Properties"]["Handler"].startswith("functions.")
    }
    assert len(functions) == len(FUNCTIONS)
    for metric in ("Errors", "Throttles"):
        found = [str(ref_id(a["Dimensions"][0]["Value"])) for a in single_metric(dev, "AWS/Lambda", metric)]
        assert sorted(found) == sorted(functions), metric


def test_each_table_alarms_on_read_and_write_throttles(dev: Synth):
    tables = set(dev.of_type("AWS::DynamoDB::Table"))
    assert len(tables) == len(ALL_MODELS)
    covered = set()
    for alarm in alarms(dev):
        stats = [m["MetricStat"]["Metric"] for m in alarm.get("Metrics", []) if "MetricStat" in m]
        if {s["MetricName"] for s in stats} == {"ReadThrottleEvents", "WriteThrottleEvents"}:
            (table,) = {ref_id(s["Dimensions"][0]["Value"]) for s in stats}
            covered.add(table)
    assert covered == tables


def test_each_dead_letter_queue_alarms_on_its_first_message(dev: Synth):
    """The upload rule's queue, the sync queue (schedules, rule, failed runs), the engagement queue,
    the projector's, the webhook sweeps' and the daily maintenance schedule's."""
    watched = sorted(
        ref_id(a["Dimensions"][0]["Value"]) or ""
        for a in single_metric(dev, "AWS/SQS", "ApproximateNumberOfMessagesVisible")
    )
    assert watched == sorted(dev.of_type("AWS::SQS::Queue"))
    assert len(watched) == 6


def test_alarms_fire_on_the_first_occurrence_and_notify_the_configured_topic(dev: Synth, prod: Synth):
    for alarm in alarms(dev):
        assert alarm["Threshold"] == 1
        assert alarm["ComparisonOperator"] == "GreaterThanOrEqualToThreshold"
        assert alarm["TreatMissingData"] == "notBreaching"
        assert "AlarmActions" not in alarm
    assert all(a["AlarmActions"] == [PROD_TOPIC] for a in alarms(prod))


def test_dashboard_is_named_after_the_stage(dev: Synth):
    dev.assertions.has_resource_properties(
        "AWS::CloudWatch::Dashboard", {"DashboardName": "contact-import-dev"}
    )


def test_api_server_errors_alarm(dev: Synth):
    api_id, _ = dev.one("AWS::ApiGatewayV2::Api")
    (alarm,) = single_metric(dev, "AWS/ApiGateway", "5xx")
    assert alarm["Dimensions"] == [{"Name": "ApiId", "Value": {"Ref": api_id}}]
    assert alarm["Statistic"] == "Sum"
