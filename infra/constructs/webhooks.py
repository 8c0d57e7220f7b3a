"""Events out: the Webhooks function delivers signed contact events from the outbox table.

Two EventBridge rules invoke it: the Report's `ImportJob Completed` on the stage's bus (an
import's events leave right after commit) and a one-minute schedule (retries with backoff,
redeliveries). Each invocation drains what is due, so a lost or duplicated invocation costs
nothing. What EventBridge could not deliver, or what failed through Lambda's own retries, lands
in one encrypted dead-letter queue (the per-delivery dead letter is the `dead_lettered` status
in the WebhookDeliveries table, replayable through the API).
"""

from __future__ import annotations

from collections.abc import Mapping

from aws_cdk import Duration
from aws_cdk import aws_events as events
from aws_cdk import aws_lambda as lambda_
from constructs import Construct

from infra.constructs.invoke import dead_letter_failed_runs, rule_target
from infra.constructs.queues import dead_letter_queue
from infra.constructs.sync import COMPLETED_DETAIL_TYPE, EVENT_SOURCE

WEBHOOKS_FUNCTION = "Webhooks"  # its name in functions.registry.FUNCTIONS
TICK = Duration.minutes(1)
EVENT_MAX_AGE = Duration.hours(1)  # a missed tick is replaced by the next one


def webhooks_function(functions: Mapping[str, lambda_.Function]) -> lambda_.Function:
    try:
        return functions[WEBHOOKS_FUNCTION]
    except KeyError:
        raise RuntimeError(
            f"functions.registry has no {WEBHOOKS_FUNCTION!r} function: contact webhooks would never leave"
        ) from None


class WebhookDelivery(Construct):
    def __init__(
        self, scope: Construct, construct_id: str, *, function: lambda_.Function, event_bus: events.IEventBus
    ) -> None:
        super().__init__(scope, construct_id)
        self.function = function
        self.dead_letters = dead_letter_queue(self, "DeadLetters", serves="the webhook rules and function")
        target = rule_target(function, self.dead_letters, retry_attempts=2, max_event_age=EVENT_MAX_AGE)
        self.completed_rule = events.Rule(
            self,
            "ImportCompleted",
            event_bus=event_bus,
            description="A finished import: queue and send its contact events to webhook subscribers",
            event_pattern=events.EventPattern(source=[EVENT_SOURCE], detail_type=[COMPLETED_DETAIL_TYPE]),
        )
        self.completed_rule.add_target(target)
        self.tick = events.Rule(
            self,
            "Tick",
            description="Webhook retries and redeliveries that are due",
            schedule=events.Schedule.rate(TICK),
        )
        self.tick.add_target(target)
        # the next tick retries a failed sweep: no pile-up of overlapping sweeps
        dead_letter_failed_runs(
            self,
            function=function,
            dead_letters=self.dead_letters,
            retry_attempts=0,
            max_event_age=EVENT_MAX_AGE,
        )
