"""Engagement on AWS: the email-engine rule, the Events function, its dead-letter queue and grants."""

from __future__ import annotations

from typing import Any

from functions.events import bus
from functions.registry import FUNCTIONS
from tests.infra.helpers import Synth, grants, ref_id

(EVENTS,) = [spec for spec in FUNCTIONS if spec.name == "Events"]


def events_function(synth: Synth) -> tuple[str, dict[str, Any]]:
    fn_id, fn = synth.one("AWS::Lambda::Function", Handler=EVENTS.handler)
    return fn_id, fn["Properties"]


def engagement_rule(synth: Synth) -> tuple[str, dict[str, Any]]:
    (found,) = [
        (k, r["Properties"])
        for k, r in synth.of_type("AWS::Events::Rule").items()
        if r["Properties"].get("EventPattern", {}).get("source") == [bus.SOURCE]
    ]
    return found


def test_engagement_events_on_the_stage_bus_reach_the_events_function(dev: Synth) -> None:
    rule_id, rule = engagement_rule(dev)
    assert rule["EventPattern"] == {"source": ["email-engine"], "detail-type": ["Engagement"]}
    assert rule["EventBusName"] == {"Ref": next(iter(dev.of_type("AWS::Events::EventBus")))}
    (target,) = rule["Targets"]
    fn_id, _ = events_function(dev)
    assert target["Arn"] == {"Fn::GetAtt": [fn_id, "Arn"]}
    queue = ref_id(target["DeadLetterConfig"]["Arn"])
    assert queue in dev.of_type("AWS::SQS::Queue")
    assert target["RetryPolicy"] == {"MaximumRetryAttempts": 8, "MaximumEventAgeInSeconds": 21600}
    dev.assertions.has_resource_properties(
        "AWS::Lambda::Permission",
        {
            "Action": "lambda:InvokeFunction",
            "Principal": "events.amazonaws.com",
            "FunctionName": {"Fn::GetAtt": [fn_id, "Arn"]},
            "SourceArn": {"Fn::GetAtt": [rule_id, "Arn"]},
        },
    )
    # a batch that failed through Lambda's own retries lands in the same queue
    (config,) = [
        r["Properties"]
        for r in dev.of_type("AWS::Lambda::EventInvokeConfig").values()
        if r["Properties"]["FunctionName"] == {"Ref": fn_id}
    ]
    assert ref_id(config["DestinationConfig"]["OnFailure"]["Destination"]) == queue


def test_the_sequence_engines_enrollment_events_reach_the_same_function(dev: Synth) -> None:
    ((rule_id, rule),) = [
        (k, r["Properties"])
        for k, r in dev.of_type("AWS::Events::Rule").items()
        if r["Properties"].get("EventPattern", {}).get("source") == [bus.SEQUENCE_SOURCE]
    ]
    assert rule["EventPattern"] == {"source": ["sequence-engine"], "detail-type": ["Enrollment"]}
    (target,) = rule["Targets"]
    fn_id, _ = events_function(dev)
    assert target["Arn"] == {"Fn::GetAtt": [fn_id, "Arn"]}
    _, engagement = engagement_rule(dev)
    assert target["DeadLetterConfig"] == engagement["Targets"][0]["DeadLetterConfig"]
    dev.assertions.has_resource_properties(
        "AWS::Lambda::Permission",
        {"Principal": "events.amazonaws.com", "SourceArn": {"Fn::GetAtt": [rule_id, "Arn"]}},
    )
    envelope = {
        "source": bus.SEQUENCE_SOURCE,
        "detail-type": bus.ENROLLMENT_DETAIL_TYPE,
        "detail": {"events": [{"id": "x"}]},
    }
    assert bus.handle(envelope)["data"][0]["error"]["code"] == "MISSING_WORKSPACE"


def test_the_events_function_gets_only_what_ingest_uses(dev: Synth) -> None:
    _, fn = events_function(dev)
    role = ref_id(fn["Role"])
    assert role
    dynamodb = {(a, r) for a, r in grants(dev, role) if a.startswith("dynamodb:")}
    assert dynamodb == {
        ("dynamodb:PartiQLInsert", "table:EngagementEvents"),
        ("dynamodb:PutItem", "table:EngagementEvents"),
        ("dynamodb:BatchGetItem", "table:EngagementEvents"),
        ("dynamodb:Query", "table:EngagementEvents"),
        ("dynamodb:UpdateItem", "table:GlobalContacts"),
        ("dynamodb:BatchGetItem", "table:GlobalContacts"),
        ("dynamodb:PartiQLInsert", "table:GlobalContacts"),
        ("dynamodb:PartiQLUpdate", "table:GlobalContacts"),
        ("dynamodb:PartiQLInsert", "table:Suppressions"),
        ("dynamodb:BatchGetItem", "table:Contacts"),
        ("dynamodb:PartiQLUpdate", "table:Contacts"),
        ("dynamodb:BatchGetItem", "table:Companies"),
        ("dynamodb:GetItem", "table:Config"),
        ("dynamodb:Query", "table:Config"),
        ("dynamodb:BatchWriteItem", "table:WebhookDeliveries"),
    }
    # the one secret it reads is the read model's (events naming a contact id of the older format)
    others = {a for a, r in grants(dev, role) if r != "db-secret"} - {a for a, _ in dynamodb}
    assert not any(a.startswith(("s3:", "states:", "secretsmanager:", "scheduler:")) for a in others), others


def test_the_rule_delivers_what_the_handler_ingests() -> None:
    """The bus envelope the rule matches is the one bus.handle accepts (and refuses others)."""
    import pytest

    with pytest.raises(ValueError, match="not an engagement event"):
        bus.handle({"source": bus.SOURCE, "detail-type": "Something Else", "detail": {}})
    envelope = {"source": bus.SOURCE, "detail-type": bus.DETAIL_TYPE, "detail": {"events": [{"id": "x"}]}}
    result = bus.handle(envelope)
    assert result["data"][0]["error"]["code"] == "MISSING_WORKSPACE"
