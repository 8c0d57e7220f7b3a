"""Engagement in: the email engine's events on the stage's bus reach the Events function.

An EventBridge rule on `source: email-engine`, `detail-type: Engagement` (and one on
`source: sequence-engine`, `detail-type: Enrollment`) targets the Events function
(`functions/events/handler.py`). Duplicates and out-of-order deliveries are normal (each event
id is applied once, counters are order-free), so EventBridge's retries are safe. What EventBridge could not deliver, or what failed through Lambda's own retries, lands in one
encrypted dead-letter queue; its alarm fires on the first message (observability).
"""

from __future__ import annotations

from collections.abc import Mapping

from aws_cdk import Duration
from aws_cdk import aws_events as events
from aws_cdk import aws_lambda as lambda_
from constructs import Construct

from functions.events.bus import DETAIL_TYPE, ENROLLMENT_DETAIL_TYPE, SEQUENCE_SOURCE, SOURCE
from infra.constructs.invoke import dead_letter_failed_runs, rule_target
from infra.constructs.queues import dead_letter_queue

EVENTS_FUNCTION = "Events"  # its name in functions.registry.FUNCTIONS
EVENT_RETRY_ATTEMPTS = 8
EVENT_MAX_AGE = Duration.hours(6)


class MissingEventsFunction(RuntimeError):
    pass


def events_function(functions: Mapping[str, lambda_.Function]) -> lambda_.Function:
    try:
        return functions[EVENTS_FUNCTION]
    except KeyError:
        raise MissingEventsFunction(
            f"functions.registry has no {EVENTS_FUNCTION!r} function: engagement events would reach nothing"
        ) from None


class EngagementIngest(Construct):
    def __init__(
        self, scope: Construct, construct_id: str, *, function: lambda_.Function, event_bus: events.IEventBus
    ) -> None:
        super().__init__(scope, construct_id)
        self.function = function
        self.dead_letters = dead_letter_queue(self, "DeadLetters", serves="the engagement rule and function")
        self.rule = events.Rule(
            self,
            "Engagement",
            event_bus=event_bus,
            description="Engagement events of the email engine: timeline, counters, score, suppressions",
            event_pattern=events.EventPattern(source=[SOURCE], detail_type=[DETAIL_TYPE]),
        )
        # the sequence engine's enrollment.started/finished: same function, same ingest
        self.enrollment_rule = events.Rule(
            self,
            "Enrollment",
            event_bus=event_bus,
            description="Enrollment events of the sequence engine: a contact's enrollments",
            event_pattern=events.EventPattern(source=[SEQUENCE_SOURCE], detail_type=[ENROLLMENT_DETAIL_TYPE]),
        )
        target = rule_target(
            function, self.dead_letters, retry_attempts=EVENT_RETRY_ATTEMPTS, max_event_age=EVENT_MAX_AGE
        )
        for rule in (self.rule, self.enrollment_rule):
            rule.add_target(target)
        # EventBridge invokes asynchronously: a batch that failed through Lambda's retries goes
        # to the same queue
        dead_letter_failed_runs(
            self,
            function=function,
            dead_letters=self.dead_letters,
            retry_attempts=2,
            max_event_age=EVENT_MAX_AGE,
        )
