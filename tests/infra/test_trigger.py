"""An upload under uploads/{workspace}/{job}/ reaches the UploadTrigger Lambda, which starts the
import named after the job (functions/api/trigger.py)."""

from __future__ import annotations

from typing import Any

import pytest

from functions.registry import FUNCTIONS
from infra.constructs.functions import STATE_MACHINE_ARN_ENV
from infra.constructs.trigger import TRIGGER_FUNCTION, MissingTriggerFunction, trigger_function
from tests.infra.helpers import Synth, grants, ref_id, state_machine_of

(UPLOAD_TRIGGER,) = [spec for spec in FUNCTIONS if spec.name == TRIGGER_FUNCTION]


def upload_rule(synth: Synth) -> tuple[str, dict[str, Any]]:
    (found,) = [
        (k, r["Properties"])
        for k, r in synth.of_type("AWS::Events::Rule").items()
        if r["Properties"].get("EventPattern", {}).get("source") == ["aws.s3"]
    ]
    return found


def rule(synth: Synth) -> dict[str, Any]:
    return upload_rule(synth)[1]


def upload_trigger(synth: Synth) -> tuple[str, dict[str, Any]]:
    return synth.one("AWS::Lambda::Function", Handler=UPLOAD_TRIGGER.handler)


def test_rule_matches_object_created_under_uploads_in_the_upload_bucket(dev: Synth):
    bucket = next(k for k in dev.of_type("AWS::S3::Bucket") if k.startswith("StorageBucket"))
    assert rule(dev)["EventPattern"] == {
        "source": ["aws.s3"],
        "detail-type": ["Object Created"],
        "detail": {"bucket": {"name": [{"Ref": bucket}]}, "object": {"key": [{"prefix": "uploads/"}]}},
    }


def test_rule_delivers_the_raw_event_to_the_upload_trigger_function(dev: Synth):
    fn_id, _ = upload_trigger(dev)
    (target,) = rule(dev)["Targets"]
    assert target["Arn"] == {"Fn::GetAtt": [fn_id, "Arn"]}
    assert "InputTransformer" not in target and "Input" not in target and "InputPath" not in target
    assert target["RetryPolicy"] == {"MaximumRetryAttempts": 8, "MaximumEventAgeInSeconds": 7200}
    assert "RoleArn" not in target, "a Lambda target is invoked through the function's resource policy"
    dev.assertions.has_resource_properties(
        "AWS::Lambda::Permission",
        {
            "Action": "lambda:InvokeFunction",
            "Principal": "events.amazonaws.com",
            "FunctionName": {"Fn::GetAtt": [fn_id, "Arn"]},
            "SourceArn": {"Fn::GetAtt": [upload_rule(dev)[0], "Arn"]},
        },
    )


def test_undeliverable_events_go_to_an_encrypted_tls_only_dead_letter_queue(dev: Synth):
    (target,) = rule(dev)["Targets"]
    queue = ref_id(target["DeadLetterConfig"]["Arn"])
    assert queue in dev.of_type("AWS::SQS::Queue")
    assert dev.resources[queue]["Properties"]["SqsManagedSseEnabled"] is True
    policy = next(
        p
        for p in dev.of_type("AWS::SQS::QueuePolicy").values()
        if {"Ref": queue} in p["Properties"]["Queues"]
    )
    statements = policy["Properties"]["PolicyDocument"]["Statement"]
    assert any(
        s["Effect"] == "Deny" and s.get("Condition") == {"Bool": {"aws:SecureTransport": "false"}}
        for s in statements
    )
    rule_id = upload_rule(dev)[0]
    (allow,) = [s for s in statements if s["Effect"] == "Allow"]
    assert allow["Principal"] == {"Service": "events.amazonaws.com"}
    assert allow["Action"] == "sqs:SendMessage"
    assert allow["Condition"] == {"ArnEquals": {"aws:SourceArn": {"Fn::GetAtt": [rule_id, "Arn"]}}}


def test_there_is_no_key_splitting_state_machine_any_more(dev: Synth):
    kinds = [
        sm["Properties"]["StateMachineType"]
        for sm in dev.of_type("AWS::StepFunctions::StateMachine").values()
    ]
    assert kinds == ["STANDARD", "STANDARD"]  # the import and the bulk-operation machines


def test_upload_trigger_knows_the_import_state_machine(dev: Synth):
    import_id, _ = state_machine_of(dev)
    _, fn = upload_trigger(dev)
    assert fn["Properties"]["Environment"]["Variables"][STATE_MACHINE_ARN_ENV] == {"Ref": import_id}


def test_state_machine_arn_variable_is_what_the_api_settings_read():
    from functions.api.settings import ApiSettings

    prefix = ApiSettings.model_config.get("env_prefix", "")
    assert STATE_MACHINE_ARN_ENV.removeprefix(prefix).lower() in ApiSettings.model_fields


def test_import_state_machine_invokes_only_the_pipeline_functions(dev: Synth):
    _, sm = state_machine_of(dev)
    role_id = ref_id(sm["Properties"]["RoleArn"])
    assert role_id
    invoked = {resource for action, resource in grants(dev, role_id) if action == "lambda:InvokeFunction"}
    by_handler = {r["Properties"]["Handler"]: k for k, r in dev.of_type("AWS::Lambda::Function").items()}
    assert invoked == {
        f"function:{by_handler[spec.handler]}"
        for spec in FUNCTIONS
        if spec.substitution and spec.machine == "import"
    }
    assert f"function:{upload_trigger(dev)[0]}" not in invoked


def test_a_registry_without_the_upload_trigger_stops_synthesis():
    with pytest.raises(MissingTriggerFunction, match="'UploadTrigger'"):
        trigger_function({})
