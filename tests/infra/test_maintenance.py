"""The daily maintenance schedule: EventBridge Scheduler invokes the Maintenance function once a
day with retries and a dead-letter queue, as a role only that schedule may assume."""

from __future__ import annotations

from tests.infra.helpers import Synth, ref_id


def test_a_daily_schedule_invokes_the_maintenance_function_with_a_dead_letter_queue(dev: Synth) -> None:
    _, schedule = dev.one("AWS::Scheduler::Schedule", Name="contact-import-dev-maintenance")
    props = schedule["Properties"]
    assert props["ScheduleExpression"] == "rate(1 day)" and props["State"] == "ENABLED"
    target = props["Target"]
    fn = dev.resources[ref_id(target["Arn"])]
    assert fn["Properties"]["Handler"] == "functions.maintenance.handler.handler"
    assert target["RetryPolicy"]["MaximumRetryAttempts"] == 3
    assert dev.resources[ref_id(target["DeadLetterConfig"]["Arn"])]["Type"] == "AWS::SQS::Queue"
    role = dev.resources[ref_id(target["RoleArn"])]["Properties"]
    (statement,) = role["AssumeRolePolicyDocument"]["Statement"]
    assert statement["Principal"] == {"Service": "scheduler.amazonaws.com"}
    assert "aws:SourceArn" in statement["Condition"]["ArnEquals"]
