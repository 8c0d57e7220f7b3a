"""CRM syncs on AWS: the schedule group, the sweep schedule, the ImportJob Completed rule, the
scheduler role, the sync dead-letter queue, and what the Api may do with schedules."""

from __future__ import annotations

import json
from typing import Any

import pytest

from functions.common.settings import Settings
from functions.registry import FUNCTIONS
from tests.infra.helpers import Synth, as_list, grants, ref_id, statements_of_role

(SYNC,) = [spec for spec in FUNCTIONS if spec.name == "Sync"]
(API,) = [spec for spec in FUNCTIONS if spec.name == "Api"]


def sync_function(synth: Synth) -> str:
    return synth.one("AWS::Lambda::Function", Handler=SYNC.handler)[0]


def api_role(synth: Synth) -> str:
    role = ref_id(synth.one("AWS::Lambda::Function", Handler=API.handler)[1]["Properties"]["Role"])
    assert role
    return role


def group(synth: Synth) -> tuple[str, dict[str, Any]]:
    group_id, resource = synth.one("AWS::Scheduler::ScheduleGroup")
    return group_id, resource["Properties"]


def sweep(synth: Synth) -> dict[str, Any]:
    (found,) = [
        r["Properties"]
        for r in synth.of_type("AWS::Scheduler::Schedule").values()
        if str(r["Properties"].get("Name", "")).endswith("-sync-sweep")
    ]
    return found


def sync_queue(synth: Synth) -> str:
    queue = ref_id(sweep(synth)["Target"]["DeadLetterConfig"]["Arn"])
    assert queue in synth.of_type("AWS::SQS::Queue")
    return queue


def scheduler_role(synth: Synth) -> str:
    role = ref_id(sweep(synth)["Target"]["RoleArn"])
    assert role in synth.of_type("AWS::IAM::Role")
    return role


def completed_rule(synth: Synth) -> tuple[str, dict[str, Any]]:
    (found,) = [
        (k, r["Properties"])
        for k, r in synth.of_type("AWS::Events::Rule").items()
        if r["Properties"].get("EventPattern", {}).get("detail-type") == ["ImportJob Completed"]
        and k.startswith("Sync")  # the Webhooks construct has its own rule on the same event
    ]
    return found


def test_the_stage_has_one_schedule_group_for_its_syncs(dev: Synth, prod: Synth):
    assert group(dev)[1]["Name"] == "contact-import-dev-sync"
    assert group(prod)[1]["Name"] == "contact-import-prod-sync"


def test_the_sweep_runs_every_15_minutes_in_the_group_and_invokes_the_sync_function(dev: Synth):
    group_id, _ = group(dev)
    schedule = sweep(dev)
    assert schedule["ScheduleExpression"] == "rate(15 minutes)"
    assert schedule["GroupName"] == {"Ref": group_id}
    assert schedule["FlexibleTimeWindow"] == {"Mode": "OFF"}
    assert schedule["State"] == "ENABLED"
    assert schedule["Target"]["Arn"] == {"Fn::GetAtt": [sync_function(dev), "Arn"]}
    assert json.loads(schedule["Target"]["Input"]) == {"action": "sweep"}


def test_the_sweeps_input_is_what_the_sync_handler_runs_as_a_sweep(
    dev: Synth, monkeypatch: pytest.MonkeyPatch
):
    from functions.sync import handler, service

    monkeypatch.setattr(service, "sweep", lambda: ["swept"])
    assert handler.dispatch(json.loads(sweep(dev)["Target"]["Input"])) == {"finalized": ["swept"]}


def test_an_undeliverable_sweep_is_retried_then_dead_lettered(dev: Synth):
    target = sweep(dev)["Target"]
    assert target["DeadLetterConfig"] == {"Arn": {"Fn::GetAtt": [sync_queue(dev), "Arn"]}}
    # a sweep older than the interval is superseded by the next one
    assert target["RetryPolicy"] == {"MaximumRetryAttempts": 3, "MaximumEventAgeInSeconds": 900}


def test_import_completed_events_on_the_stage_bus_reach_the_sync_function(dev: Synth):
    rule_id, rule = completed_rule(dev)
    bus = next(iter(dev.of_type("AWS::Events::EventBus")))
    assert rule["EventBusName"] == {"Ref": bus}
    (target,) = rule["Targets"]
    assert target["Arn"] == {"Fn::GetAtt": [sync_function(dev), "Arn"]}
    assert target["DeadLetterConfig"] == {"Arn": {"Fn::GetAtt": [sync_queue(dev), "Arn"]}}
    assert target["RetryPolicy"] == {"MaximumRetryAttempts": 8, "MaximumEventAgeInSeconds": 7200}
    assert "Input" not in target and "InputTransformer" not in target, "the handler reads the raw event"
    dev.assertions.has_resource_properties(
        "AWS::Lambda::Permission",
        {
            "Action": "lambda:InvokeFunction",
            "Principal": "events.amazonaws.com",
            "FunctionName": {"Fn::GetAtt": [sync_function(dev), "Arn"]},
            "SourceArn": {"Fn::GetAtt": [rule_id, "Arn"]},
        },
    )


def test_the_rule_matches_the_event_report_publishes_and_the_handler_finalizes(
    dev: Synth, monkeypatch: pytest.MonkeyPatch
):
    from functions.report import logic
    from functions.sync import handler, service

    published: list[dict[str, Any]] = []

    class Events:
        def put_events(self, Entries: list[dict[str, Any]]) -> None:
            published.extend(Entries)

    monkeypatch.setattr(logic, "client", lambda service_name: Events())
    monkeypatch.setattr(logic, "get_settings", lambda: Settings(event_bus="bus"))
    logic._publish_completed("job_1", "ws_1", {"total": 1})
    (entry,) = published
    pattern = completed_rule(dev)[1]["EventPattern"]
    assert pattern == {"source": [entry["Source"]], "detail-type": [entry["DetailType"]]}

    # the event as EventBridge delivers it
    monkeypatch.setattr(service, "finalize_job", lambda job_id: {"finalized": job_id})
    event = {
        "source": entry["Source"],
        "detail-type": entry["DetailType"],
        "detail": json.loads(entry["Detail"]),
    }
    assert handler.dispatch(event) == {"finalized": "job_1"}


def test_only_schedules_of_the_group_in_this_account_can_use_the_scheduler_role(dev: Synth):
    group_id, _ = group(dev)
    role = dev.resources[scheduler_role(dev)]["Properties"]
    (statement,) = role["AssumeRolePolicyDocument"]["Statement"]
    assert statement["Effect"] == "Allow"
    assert statement["Action"] == "sts:AssumeRole"
    assert statement["Principal"] == {"Service": "scheduler.amazonaws.com"}
    assert statement["Condition"] == {
        "StringEquals": {"aws:SourceAccount": {"Ref": "AWS::AccountId"}},
        "ArnEquals": {"aws:SourceArn": {"Fn::GetAtt": [group_id, "Arn"]}},
    }
    assert "ManagedPolicyArns" not in role


def test_the_scheduler_role_invokes_the_sync_function_and_dead_letters_nothing_more(dev: Synth):
    assert grants(dev, scheduler_role(dev)) == {
        ("lambda:InvokeFunction", f"function:{sync_function(dev)}"),
        ("sqs:SendMessage", f"queue:{sync_queue(dev)}"),
    }
    assert all("Condition" not in s for s in statements_of_role(dev, scheduler_role(dev)))


def test_the_sync_dead_letter_queue_is_encrypted_tls_only_and_keeps_messages_14_days(dev: Synth):
    queue = sync_queue(dev)
    properties = dev.resources[queue]["Properties"]
    assert properties["SqsManagedSseEnabled"] is True
    assert properties["MessageRetentionPeriod"] == 14 * 24 * 3600
    (policy,) = [
        p
        for p in dev.of_type("AWS::SQS::QueuePolicy").values()
        if {"Ref": queue} in p["Properties"]["Queues"]
    ]
    statements = policy["Properties"]["PolicyDocument"]["Statement"]
    assert any(
        s["Effect"] == "Deny" and s.get("Condition") == {"Bool": {"aws:SecureTransport": "false"}}
        for s in statements
    )
    # the rule delivers through the queue policy; Scheduler and Lambda send as their roles
    (allow,) = [s for s in statements if s["Effect"] == "Allow"]
    assert allow["Principal"] == {"Service": "events.amazonaws.com"}
    assert allow["Action"] == "sqs:SendMessage"
    assert allow["Condition"] == {
        "ArnEquals": {"aws:SourceArn": {"Fn::GetAtt": [completed_rule(dev)[0], "Arn"]}}
    }


def test_a_run_that_fails_through_lambdas_retries_lands_in_the_sync_queue(dev: Synth):
    _, config = dev.one("AWS::Lambda::EventInvokeConfig", FunctionName={"Ref": sync_function(dev)})
    properties = config["Properties"]
    assert properties["FunctionName"] == {"Ref": sync_function(dev)}
    assert properties["Qualifier"] == "$LATEST"
    assert properties["MaximumRetryAttempts"] == 2
    assert properties["MaximumEventAgeInSeconds"] == 3600
    assert properties["DestinationConfig"] == {
        "OnFailure": {"Destination": {"Fn::GetAtt": [sync_queue(dev), "Arn"]}}
    }
    # Lambda checks the function's role may send there when the config is created
    sync_role = ref_id(dev.resources[sync_function(dev)]["Properties"]["Role"])
    policies = {
        k
        for k, p in dev.of_type("AWS::IAM::Policy").items()
        if {"Ref": sync_role} in p["Properties"]["Roles"]
    }
    assert policies and policies <= set(config["DependsOn"])
    assert ("sqs:SendMessage", f"queue:{sync_queue(dev)}") in grants(dev, str(sync_role))


def test_the_api_manages_schedules_of_the_sync_group_only_and_passes_only_the_scheduler_role(dev: Synth):
    group_name = group(dev)[1]["Name"]
    schedules = {
        "Fn::Join": [
            "",
            [
                "arn:",
                {"Ref": "AWS::Partition"},
                ":scheduler:",
                {"Ref": "AWS::Region"},
                ":",
                {"Ref": "AWS::AccountId"},
                f":schedule/{group_name}/*",
            ],
        ]
    }
    statements = statements_of_role(dev, api_role(dev))
    (manage,) = [s for s in statements if any(a.startswith("scheduler:") for a in as_list(s["Action"]))]
    assert sorted(as_list(manage["Action"])) == [
        "scheduler:CreateSchedule",
        "scheduler:DeleteSchedule",
        "scheduler:UpdateSchedule",
    ]
    assert as_list(manage["Resource"]) == [schedules]
    assert "Condition" not in manage
    (passing,) = [s for s in statements if "iam:PassRole" in as_list(s["Action"])]
    assert as_list(passing["Action"]) == ["iam:PassRole"]
    assert as_list(passing["Resource"]) == [{"Fn::GetAtt": [scheduler_role(dev), "Arn"]}]
    assert passing["Condition"] == {"StringEquals": {"iam:PassedToService": "scheduler.amazonaws.com"}}


def test_only_the_scheduler_role_and_the_api_may_invoke_the_sync_function(dev: Synth):
    sync_arn = {"Fn::GetAtt": [sync_function(dev), "Arn"]}
    invokers = set()
    for policy in dev.of_type("AWS::IAM::Policy").values():
        for statement in policy["Properties"]["PolicyDocument"]["Statement"]:
            if sync_arn in as_list(statement["Resource"]) and "lambda:InvokeFunction" in as_list(
                statement["Action"]
            ):
                assert as_list(statement["Resource"]) == [sync_arn], "no version or alias wildcard"
                invokers |= {ref_id(r) for r in policy["Properties"]["Roles"]}
    assert invokers == {scheduler_role(dev), api_role(dev)}


def test_no_other_role_touches_schedules_or_passes_roles(dev: Synth):
    holders = set()
    for policy in dev.of_type("AWS::IAM::Policy").values():
        for statement in policy["Properties"]["PolicyDocument"]["Statement"]:
            if any(a.startswith("scheduler:") or a == "iam:PassRole" for a in as_list(statement["Action"])):
                holders |= {ref_id(r) for r in policy["Properties"]["Roles"]}
    assert holders == {api_role(dev)}


def test_the_api_creates_schedules_with_what_the_stack_made(dev: Synth):
    """functions/sync/schedules.py reads these Settings fields to build each connection's schedule."""
    env = dev.one("AWS::Lambda::Function", Handler=API.handler)[1]["Properties"]["Environment"]["Variables"]
    settings = {
        "sync_function_arn": {"Fn::GetAtt": [sync_function(dev), "Arn"]},
        "scheduler_role_arn": {"Fn::GetAtt": [scheduler_role(dev), "Arn"]},
        "schedule_group": group(dev)[1]["Name"],
        "sync_dlq_arn": {"Fn::GetAtt": [sync_queue(dev), "Arn"]},
    }
    prefix = Settings.model_config.get("env_prefix", "")
    for field, value in settings.items():
        assert field in Settings.model_fields
        assert env[f"{prefix}{field}".upper()] == value, field
