"""An upload under uploads/{workspace}/{job}/ starts one import execution named after the job."""

from __future__ import annotations

import json
import socket
import time
import uuid
from collections.abc import Iterator
from typing import Any

import boto3
import pytest

from tests.infra.helpers import Synth, ref_id

ACCOUNT, REGION = "123456789012", "us-east-1"


def rule(synth: Synth) -> dict[str, Any]:
    return synth.one("AWS::Events::Rule")[1]["Properties"]


def trigger(synth: Synth) -> tuple[str, dict[str, Any]]:
    key, sm = synth.one("AWS::StepFunctions::StateMachine", StateMachineType="EXPRESS")
    return key, sm["Properties"]


def test_rule_matches_object_created_under_uploads_in_the_upload_bucket(dev: Synth):
    bucket = next(k for k in dev.of_type("AWS::S3::Bucket") if k.startswith("StorageBucket"))
    assert rule(dev)["EventPattern"] == {
        "source": ["aws.s3"],
        "detail-type": ["Object Created"],
        "detail": {"bucket": {"name": [{"Ref": bucket}]}, "object": {"key": [{"prefix": "uploads/"}]}},
    }


def test_rule_hands_key_and_bucket_to_the_trigger_with_retries_and_a_dead_letter_queue(dev: Synth):
    (target,) = rule(dev)["Targets"]
    trigger_id, _ = trigger(dev)
    assert ref_id(target["Arn"]) == trigger_id
    assert target["InputTransformer"] == {
        "InputPathsMap": {
            "detail-object-key": "$.detail.object.key",
            "detail-bucket-name": "$.detail.bucket.name",
        },
        "InputTemplate": '{"key":<detail-object-key>,"bucket":<detail-bucket-name>}',
    }
    assert target["RetryPolicy"] == {"MaximumRetryAttempts": 8, "MaximumEventAgeInSeconds": 7200}
    queue = ref_id(target["DeadLetterConfig"]["Arn"])
    assert queue
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
    rule_id = dev.one("AWS::Events::Rule")[0]
    (allow,) = [s for s in statements if s["Effect"] == "Allow"]
    assert allow["Principal"] == {"Service": "events.amazonaws.com"}
    assert allow["Action"] == "sqs:SendMessage"
    assert allow["Condition"] == {"ArnEquals": {"aws:SourceArn": {"Fn::GetAtt": [rule_id, "Arn"]}}}


def test_trigger_substitutions_are_the_import_state_machine_and_the_bucket(dev: Synth):
    import_id, _ = dev.one("AWS::StepFunctions::StateMachine", StateMachineType="STANDARD")
    _, props = trigger(dev)
    definition = dev.staged_asset(props["DefinitionS3Location"]["Key"]).read_text()
    subs = props["DefinitionSubstitutions"]
    assert set(subs) == {"ImportStateMachineArn", "Bucket"}
    assert all("${" + name + "}" in definition for name in subs)
    assert ref_id(subs["ImportStateMachineArn"]) == import_id


# --- the staged trigger definition, executed on moto's Step Functions engine ------------------


@pytest.fixture
def engine(monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    from moto.backends import get_backend
    from moto.core.config import default_user_config
    from moto.moto_server.threaded_moto_server import ThreadedMotoServer
    from moto.stepfunctions.parser.asl.component.state.exec.state_task.service import (
        state_task_service_sfn as sfn_task,
    )

    # moto's port of the engine passes the optimised integration's parameters (StateMachineArn,
    # Name, Input) to boto3 unchanged; AWS accepts them capitalised, boto3 wants camelCase
    original = sfn_task.StateTaskServiceSfn._eval_service_task

    def camel_case(
        self: Any, env: Any, resource_runtime_part: Any, normalised_parameters: dict, state_credentials: Any
    ):  # type: ignore[no-untyped-def]
        params = {k[:1].lower() + k[1:]: v for k, v in normalised_parameters.items()}
        return original(self, env, resource_runtime_part, params, state_credentials)

    monkeypatch.setattr(sfn_task.StateTaskServiceSfn, "_eval_service_task", camel_case)
    monkeypatch.setitem(default_user_config["stepfunctions"], "execute_state_machine", True)
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    for name, value in {
        "MOTO_PORT": str(port),
        "AWS_ACCESS_KEY_ID": "test",
        "AWS_SECRET_ACCESS_KEY": "test",
        "AWS_DEFAULT_REGION": REGION,
    }.items():
        monkeypatch.setenv(name, value)
    monkeypatch.delenv("AWS_ENDPOINT_URL_STEPFUNCTIONS", raising=False)
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    try:
        yield boto3.client("stepfunctions", endpoint_url=f"http://127.0.0.1:{port}", region_name=REGION)
    finally:
        server.stop()
        # moto keeps its backends per process: leave no state machine behind for other tests
        for account in get_backend("stepfunctions").values():
            account.reset()


def _run(sfn: Any, arn: str, payload: dict[str, Any]) -> dict[str, Any]:
    execution = sfn.start_execution(stateMachineArn=arn, name=uuid.uuid4().hex, input=json.dumps(payload))
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        desc = sfn.describe_execution(executionArn=execution["executionArn"])
        if desc["status"] != "RUNNING":
            return dict(desc)
        time.sleep(0.05)
    raise TimeoutError("trigger execution still running")


def test_trigger_starts_the_import_named_after_the_job_once(dev: Synth, engine: Any):
    sfn = engine
    role = f"arn:aws:iam::{ACCOUNT}:role/test"
    stub = json.dumps({"StartAt": "Done", "States": {"Done": {"Type": "Pass", "End": True}}})
    import_arn = sfn.create_state_machine(name="import", roleArn=role, definition=stub)["stateMachineArn"]
    _, props = trigger(dev)
    definition = dev.staged_asset(props["DefinitionS3Location"]["Key"]).read_text()
    definition = definition.replace("${ImportStateMachineArn}", import_arn).replace(
        "${Bucket}", "uploads-bucket"
    )
    trigger_arn = sfn.create_state_machine(name="trigger", roleArn=role, definition=definition)[
        "stateMachineArn"
    ]

    key = "uploads/ws_42/job_7f3a/Q3 leads.csv"
    first = _run(sfn, trigger_arn, {"key": key, "bucket": "uploads-bucket"})
    assert first["status"] == "SUCCEEDED"
    (started,) = sfn.list_executions(stateMachineArn=import_arn)["executions"]
    assert started["name"] == "job_7f3a"
    execution = sfn.describe_execution(executionArn=started["executionArn"])
    assert json.loads(execution["input"]) == {
        "job_id": "job_7f3a",
        "workspace_id": "ws_42",
        "key": key,
        "options": {},
    }

    # S3 delivers events at least once: the repeat starts nothing and is not an error
    again = _run(sfn, trigger_arn, {"key": key, "bucket": "uploads-bucket"})
    assert again["status"] == "SUCCEEDED"
    assert len(sfn.list_executions(stateMachineArn=import_arn)["executions"]) == 1

    stray = _run(sfn, trigger_arn, {"key": "uploads/loose-file.csv", "bucket": "uploads-bucket"})
    assert (stray["status"], stray["error"]) == ("FAILED", "InvalidUploadKey")
    other_bucket = _run(sfn, trigger_arn, {"key": "uploads/w/j/f.csv", "bucket": "someone-else"})
    assert other_bucket["status"] == "FAILED"
    assert len(sfn.list_executions(stateMachineArn=import_arn)["executions"]) == 1
