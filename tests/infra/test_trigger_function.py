"""Once the registry names the Trigger Lambda (functions/api/trigger.py), the upload rule targets it.

Synthesized once more, with the registry plus a Trigger entry, and checked by the same cdk-nag
plugin; the registry itself is not touched.
"""

from __future__ import annotations

import pytest

from functions.registry import FUNCTIONS, FunctionSpec
from infra.constructs.functions import STATE_MACHINE_ARN_ENV
from tests.infra.helpers import Synth, grants, ref_id, synth

TRIGGER = FunctionSpec("Trigger", "functions.api.trigger.handler", None, timeout_s=60, memory_mb=256)


@pytest.fixture(scope="module")
def with_trigger(tmp_path_factory: pytest.TempPathFactory) -> Synth:
    return synth(tmp_path_factory, "trigger", {"stage": "dev"}, functions=(*FUNCTIONS, TRIGGER))


def trigger_function(synth: Synth) -> tuple[str, dict]:
    return synth.one("AWS::Lambda::Function", Handler=TRIGGER.handler)


def test_rule_delivers_the_raw_event_to_the_trigger_function(with_trigger: Synth):
    fn_id, _ = trigger_function(with_trigger)
    (target,) = with_trigger.one("AWS::Events::Rule")[1]["Properties"]["Targets"]
    assert target["Arn"] == {"Fn::GetAtt": [fn_id, "Arn"]}
    assert "InputTransformer" not in target and "Input" not in target
    assert target["RetryPolicy"] == {"MaximumRetryAttempts": 8, "MaximumEventAgeInSeconds": 7200}
    assert ref_id(target["DeadLetterConfig"]["Arn"]) in with_trigger.of_type("AWS::SQS::Queue")
    with_trigger.assertions.has_resource_properties(
        "AWS::Lambda::Permission",
        {"Principal": "events.amazonaws.com", "FunctionName": {"Fn::GetAtt": [fn_id, "Arn"]}},
    )
    assert not [
        sm
        for sm in with_trigger.of_type("AWS::StepFunctions::StateMachine").values()
        if sm["Properties"]["StateMachineType"] == "EXPRESS"
    ], "the key-splitting state machine is replaced, not doubled"


def test_trigger_function_reads_jobs_and_starts_only_the_import(with_trigger: Synth):
    import_id, _ = with_trigger.one("AWS::StepFunctions::StateMachine", StateMachineType="STANDARD")
    _, fn = trigger_function(with_trigger)
    env = fn["Properties"]["Environment"]["Variables"]
    assert env[STATE_MACHINE_ARN_ENV] == {"Ref": import_id}
    role_id = ref_id(fn["Properties"]["Role"])
    log_group = ref_id(fn["Properties"]["LoggingConfig"]["LogGroup"])
    assert role_id and log_group
    assert grants(with_trigger, role_id) == {
        ("dynamodb:GetItem", "table:ImportJobs"),
        ("states:StartExecution", f"state-machine:{import_id}"),
        ("logs:CreateLogStream", f"log-group:{log_group}"),
        ("logs:PutLogEvents", f"log-group:{log_group}"),
        ("xray:PutTraceSegments", "*"),
        ("xray:PutTelemetryRecords", "*"),
    }


def test_state_machine_arn_variable_is_what_the_api_settings_read():
    from functions.api.settings import ApiSettings

    prefix = ApiSettings.model_config.get("env_prefix", "")
    assert STATE_MACHINE_ARN_ENV.removeprefix(prefix).lower() in ApiSettings.model_fields


def test_import_state_machine_does_not_invoke_the_trigger(with_trigger: Synth):
    fn_id, _ = trigger_function(with_trigger)
    _, sm = with_trigger.one("AWS::StepFunctions::StateMachine", StateMachineType="STANDARD")
    role_id = ref_id(sm["Properties"]["RoleArn"])
    assert role_id
    invoked = {
        resource for action, resource in grants(with_trigger, role_id) if action == "lambda:InvokeFunction"
    }
    assert len(invoked) == len(FUNCTIONS)
    assert f"function:{fn_id}" not in invoked
