"""The daily maintenance run (issue 14): retention policies and the audit log's TTL.

One EventBridge Scheduler schedule invokes the Maintenance function once a day
(`functions/maintenance/handler.py`: every enabled workspace retention policy, then the audit
entries past each workspace's TTL). A run is idempotent, so a missed day is caught up by the
next one; what Scheduler could not deliver waits in an encrypted dead-letter queue.
"""

from __future__ import annotations

from collections.abc import Mapping

from aws_cdk import Aws
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_scheduler as scheduler
from constructs import Construct

from infra.config import InfraConfig
from infra.constructs.invoke import schedule_target, scheduler_role
from infra.constructs.queues import dead_letter_queue

MAINTENANCE_FUNCTION = "Maintenance"  # its name in functions.registry.FUNCTIONS
EXPRESSION = "rate(1 day)"
RETRY = {"MaximumRetryAttempts": 3, "MaximumEventAgeInSeconds": 6 * 3600}


def maintenance_function(functions: Mapping[str, lambda_.Function]) -> lambda_.Function:
    try:
        return functions[MAINTENANCE_FUNCTION]
    except KeyError:
        raise RuntimeError(
            f"functions.registry has no {MAINTENANCE_FUNCTION!r} function: retention would never run"
        ) from None


def schedule_name(config: InfraConfig) -> str:
    return f"{config.name_prefix}-maintenance"


class Maintenance(Construct):
    def __init__(
        self, scope: Construct, construct_id: str, *, config: InfraConfig, function: lambda_.Function
    ) -> None:
        super().__init__(scope, construct_id)
        self.function = function
        self.dead_letters = dead_letter_queue(self, "DeadLetters", serves="the daily maintenance schedule")
        name = schedule_name(config)
        self.role = scheduler_role(
            self,
            "SchedulerRole",
            function=function,
            dead_letters=self.dead_letters,
            source_arn=f"arn:{Aws.PARTITION}:scheduler:{Aws.REGION}:{Aws.ACCOUNT_ID}:schedule/default/{name}",
            description="EventBridge Scheduler: invoke the Maintenance function, dead-letter to its queue",
        )
        self.schedule = scheduler.CfnSchedule(
            self,
            "Daily",
            name=name,
            description="Retention policies (soft-delete stale contacts) and the audit log's TTL",
            schedule_expression=EXPRESSION,
            flexible_time_window=scheduler.CfnSchedule.FlexibleTimeWindowProperty(
                mode="FLEXIBLE", maximum_window_in_minutes=60
            ),
            state="ENABLED",
            target=schedule_target(
                function=function,
                role=self.role,
                dead_letters=self.dead_letters,
                input='{"action": "maintenance"}',
                retry=RETRY,
            ),
        )
        self.schedule.node.add_dependency(self.role)
