"""CRM syncs on AWS: what runs the Sync function (`functions/sync/handler.py`) and where its
undeliverable events go.

- one EventBridge Scheduler schedule per connection, created at runtime by the Api function
  (`functions/sync/schedules.py`) in this stage's schedule group, with the scheduler role below,
  this dead-letter queue and `{"action": "run", "workspace_id": W, "connection_id": C}`;
- the static "sync sweep" schedule in the same group, every 15 minutes: `{"action": "sweep"}`
  finalises watermarks whose import has ended;
- an EventBridge rule on the stage's bus: `ImportJob Completed` (source `contact-import`) reaches
  the Sync function, which advances the watermark of the connection whose import it was;
- a "run now" over the API: the Api function invokes it asynchronously (`service.request_run`).

Every way in is asynchronous. What cannot be delivered (Scheduler or EventBridge gave up) or
failed after Lambda's own retries lands in one encrypted dead-letter queue, and its alarm fires
on the first message (infra/constructs/observability.py).
"""

from __future__ import annotations

import json
from collections.abc import Mapping

from aws_cdk import Duration
from aws_cdk import aws_events as events
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_scheduler as scheduler
from constructs import Construct

from infra.config import InfraConfig
from infra.constructs.invoke import dead_letter_failed_runs, rule_target, schedule_target, scheduler_role
from infra.constructs.queues import dead_letter_queue

SYNC_FUNCTION = "Sync"  # its name in functions.registry.FUNCTIONS
EVENT_SOURCE = "contact-import"  # functions/report/logic.py publishes the completion event
COMPLETED_DETAIL_TYPE = "ImportJob Completed"
SWEEP_EXPRESSION = "rate(15 minutes)"
SWEEP_INPUT = {"action": "sweep"}
# a sweep older than the interval is superseded by the next one
SWEEP_RETRY = {"MaximumRetryAttempts": 3, "MaximumEventAgeInSeconds": 15 * 60}
EVENT_RETRY_ATTEMPTS = 8
EVENT_MAX_AGE = Duration.hours(2)
# after Lambda accepted an asynchronous invoke: its retries of a failed run, then the queue
ASYNC_RETRY_ATTEMPTS = 2
ASYNC_MAX_EVENT_AGE = Duration.hours(1)


class MissingSyncFunction(RuntimeError):
    pass


def sync_function(functions: Mapping[str, lambda_.Function]) -> lambda_.Function:
    try:
        return functions[SYNC_FUNCTION]
    except KeyError:
        raise MissingSyncFunction(
            f"functions.registry has no {SYNC_FUNCTION!r} function: CRM sync schedules would invoke nothing"
        ) from None


def schedule_group_name(config: InfraConfig) -> str:
    return f"{config.name_prefix}-sync"


class CrmSync(Construct):
    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        config: InfraConfig,
        function: lambda_.Function,
        event_bus: events.IEventBus,
    ) -> None:
        super().__init__(scope, construct_id)
        self.function = function
        self.dead_letters = dead_letter_queue(
            self, "DeadLetters", serves="the sync schedules, rule and function"
        )

        self.group_name = schedule_group_name(config)
        self.group = scheduler.CfnScheduleGroup(self, "ScheduleGroup", name=self.group_name)

        # Scheduler assumes it for every schedule in the group: the per-connection ones the Api
        # creates and the sweep; only schedules of this group, in this account, may assume it
        self.scheduler_role = scheduler_role(
            self,
            "SchedulerRole",
            function=function,
            dead_letters=self.dead_letters,
            source_arn=self.group.attr_arn,
            description="EventBridge Scheduler: invoke the Sync function, dead-letter to its queue",
        )

        self.sweep = scheduler.CfnSchedule(
            self,
            "Sweep",
            name=f"{config.name_prefix}-sync-sweep",
            group_name=self.group.ref,
            description="Sync sweep: finalise the watermarks of connections whose import has ended",
            schedule_expression=SWEEP_EXPRESSION,
            flexible_time_window=scheduler.CfnSchedule.FlexibleTimeWindowProperty(mode="OFF"),
            state="ENABLED",
            target=schedule_target(
                function=function,
                role=self.scheduler_role,
                dead_letters=self.dead_letters,
                input=json.dumps(SWEEP_INPUT),
                retry=SWEEP_RETRY,
            ),
        )
        # Scheduler checks the role when the schedule is created: its policy must exist first
        self.sweep.node.add_dependency(self.scheduler_role)

        self.completed_rule = events.Rule(
            self,
            "ImportCompleted",
            event_bus=event_bus,
            description="A finished import advances the watermark of the sync that started it",
            event_pattern=events.EventPattern(source=[EVENT_SOURCE], detail_type=[COMPLETED_DETAIL_TYPE]),
        )
        self.completed_rule.add_target(
            rule_target(
                function, self.dead_letters, retry_attempts=EVENT_RETRY_ATTEMPTS, max_event_age=EVENT_MAX_AGE
            )
        )

        # a run that Lambda accepted and that failed through its retries: the same queue
        dead_letter_failed_runs(
            self,
            function=function,
            dead_letters=self.dead_letters,
            retry_attempts=ASYNC_RETRY_ATTEMPTS,
            max_event_age=ASYNC_MAX_EVENT_AGE,
        )
