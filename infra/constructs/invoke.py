"""How EventBridge (rules and Scheduler) invokes a function, and where what fails goes.

The same wiring serves every asynchronously invoked function (Sync, Maintenance, Events,
Webhooks): a Scheduler role only this stage's schedules may assume, rules whose target
dead-letters what EventBridge could not deliver, and an invoke config that sends a run that
failed through Lambda's own retries to the same encrypted queue.
"""

from __future__ import annotations

from collections.abc import Mapping

from aws_cdk import Aws, Duration
from aws_cdk import aws_events as events
from aws_cdk import aws_events_targets as targets
from aws_cdk import aws_iam as iam
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_scheduler as scheduler
from aws_cdk import aws_sqs as sqs
from constructs import Construct


def scheduler_role(
    scope: Construct,
    construct_id: str,
    *,
    function: lambda_.IFunction,
    dead_letters: sqs.IQueue,
    source_arn: str,
    description: str,
) -> iam.Role:
    """The role Scheduler assumes to invoke `function` and dead-letter to `dead_letters`; only
    the schedule(s) named by `source_arn`, in this account, may assume it."""
    role = iam.Role(
        scope,
        construct_id,
        assumed_by=iam.ServicePrincipal(
            "scheduler.amazonaws.com",
            conditions={
                "StringEquals": {"aws:SourceAccount": Aws.ACCOUNT_ID},
                "ArnEquals": {"aws:SourceArn": source_arn},
            },
        ),
        description=description,
    )
    role.add_to_policy(
        iam.PolicyStatement(actions=["lambda:InvokeFunction"], resources=[function.function_arn])
    )
    role.add_to_policy(iam.PolicyStatement(actions=["sqs:SendMessage"], resources=[dead_letters.queue_arn]))
    return role


def schedule_target(
    *,
    function: lambda_.IFunction,
    role: iam.IRole,
    dead_letters: sqs.IQueue,
    input: str,
    retry: Mapping[str, int],
) -> scheduler.CfnSchedule.TargetProperty:
    """A schedule's target: the function with `input`, retried as `retry` says, then dead-lettered."""
    return scheduler.CfnSchedule.TargetProperty(
        arn=function.function_arn,
        role_arn=role.role_arn,
        input=input,
        dead_letter_config=scheduler.CfnSchedule.DeadLetterConfigProperty(arn=dead_letters.queue_arn),
        retry_policy=scheduler.CfnSchedule.RetryPolicyProperty(
            maximum_retry_attempts=retry["MaximumRetryAttempts"],
            maximum_event_age_in_seconds=retry["MaximumEventAgeInSeconds"],
        ),
    )


def rule_target(
    function: lambda_.IFunction, dead_letters: sqs.IQueue, *, retry_attempts: int, max_event_age: Duration
) -> events.IRuleTarget:
    """A rule's target: the function; what EventBridge could not deliver goes to `dead_letters`."""
    return targets.LambdaFunction(
        function, dead_letter_queue=dead_letters, retry_attempts=retry_attempts, max_event_age=max_event_age
    )


def dead_letter_failed_runs(
    scope: Construct,
    *,
    function: lambda_.Function,
    dead_letters: sqs.IQueue,
    retry_attempts: int,
    max_event_age: Duration,
) -> lambda_.CfnEventInvokeConfig:
    """An asynchronous run that failed through Lambda's retries: the event, the error and the
    request context go to `dead_letters` (the function's role sends it)."""
    function.add_to_role_policy(
        iam.PolicyStatement(actions=["sqs:SendMessage"], resources=[dead_letters.queue_arn])
    )
    invoke_config = lambda_.CfnEventInvokeConfig(
        scope,
        "AsyncInvoke",
        function_name=function.function_name,
        qualifier="$LATEST",
        maximum_retry_attempts=retry_attempts,
        maximum_event_age_in_seconds=int(max_event_age.to_seconds()),
        destination_config=lambda_.CfnEventInvokeConfig.DestinationConfigProperty(
            on_failure=lambda_.CfnEventInvokeConfig.OnFailureProperty(destination=dead_letters.queue_arn)
        ),
    )
    # Lambda checks that the role may send to the destination when the config is created
    assert function.role is not None
    invoke_config.node.add_dependency(function.role)
    return invoke_config
