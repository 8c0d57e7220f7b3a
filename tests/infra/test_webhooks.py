"""Webhooks on AWS: the delivery function, its two rules, its dead-letter queue, its table."""

from __future__ import annotations

from functions.common.models import WebhookDelivery, key_schema
from functions.registry import FUNCTIONS
from tests.infra.helpers import Synth, ref_id

(WEBHOOKS,) = [spec for spec in FUNCTIONS if spec.name == "Webhooks"]


def test_finished_imports_and_a_one_minute_tick_reach_the_webhooks_function(dev: Synth) -> None:
    fn_id, fn = dev.one("AWS::Lambda::Function", Handler=WEBHOOKS.handler)
    rules = [
        r["Properties"]
        for r in dev.of_type("AWS::Events::Rule").values()
        if any(t["Arn"] == {"Fn::GetAtt": [fn_id, "Arn"]} for t in r["Properties"]["Targets"])
    ]
    assert sorted(r.get("ScheduleExpression", "") for r in rules) == ["", "rate(1 minute)"]
    completed = next(r for r in rules if "EventPattern" in r)
    assert completed["EventPattern"] == {"source": ["contact-import"], "detail-type": ["ImportJob Completed"]}
    assert completed["EventBusName"] == {"Ref": next(iter(dev.of_type("AWS::Events::EventBus")))}
    queues = {ref_id(r["Targets"][0]["DeadLetterConfig"]["Arn"]) for r in rules}
    (queue,) = queues
    props = dev.of_type("AWS::SQS::Queue")[queue or ""]["Properties"]
    assert props["SqsManagedSseEnabled"] is True and props["MessageRetentionPeriod"] == 14 * 24 * 3600
    # on AWS a subscription URL must be https and public (SSRF)
    assert fn["Properties"]["Environment"]["Variables"]["CI_WEBHOOK_LOCAL_TARGETS"] == "False"


def test_the_outbox_table_has_the_sparse_due_index(dev: Synth) -> None:
    schema = key_schema(WebhookDelivery)
    assert [i["IndexName"] for i in schema["GlobalSecondaryIndexes"]] == ["due"]
    tables = [
        t["Properties"]
        for t in dev.of_type("AWS::DynamoDB::GlobalTable").values()
        if str(t["Properties"].get("TableName", "")).endswith("-WebhookDeliveries")
    ] or [
        t["Properties"]
        for t in dev.of_type("AWS::DynamoDB::Table").values()
        if str(t["Properties"].get("TableName", "")).endswith("-WebhookDeliveries")
    ]
    (table,) = tables
    assert [i["IndexName"] for i in table["GlobalSecondaryIndexes"]] == ["due"]
