"""S3 "Object Created" under `uploads/` -> the UploadTrigger Lambda -> one import execution.

The UploadTrigger function (`functions/api/trigger.py`) gets the raw EventBridge event, checks
the upload against its job record and starts the import state machine with the job's own
options, named after the job (so a repeated S3 event starts nothing new). The rule retries for
two hours and then parks the event in an encrypted dead-letter queue.
"""

from __future__ import annotations

from collections.abc import Mapping

from aws_cdk import Duration
from aws_cdk import aws_events as events
from aws_cdk import aws_events_targets as targets
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_s3 as s3
from constructs import Construct

from infra.constructs.queues import dead_letter_queue

TRIGGER_FUNCTION = "UploadTrigger"  # its name in functions.registry.FUNCTIONS
UPLOADS_PREFIX = "uploads/"
RETRY_ATTEMPTS = 8
MAX_EVENT_AGE = Duration.hours(2)


class MissingTriggerFunction(RuntimeError):
    pass


def trigger_function(functions: Mapping[str, lambda_.IFunction]) -> lambda_.IFunction:
    try:
        return functions[TRIGGER_FUNCTION]
    except KeyError:
        raise MissingTriggerFunction(
            f"functions.registry has no {TRIGGER_FUNCTION!r} function: uploads would start no import"
        ) from None


class UploadTrigger(Construct):
    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        bucket: s3.IBucket,
        trigger_function: lambda_.IFunction,
    ) -> None:
        super().__init__(scope, construct_id)
        self.function = trigger_function
        self.dead_letters = dead_letter_queue(self, "DeadLetters", serves="the upload rule's target")
        self.rule = events.Rule(
            self,
            "UploadCreated",
            description="An upload under uploads/ starts its import",
            event_pattern=events.EventPattern(
                source=["aws.s3"],
                detail_type=["Object Created"],
                detail={
                    "bucket": {"name": [bucket.bucket_name]},
                    "object": {"key": [{"prefix": UPLOADS_PREFIX}]},
                },
            ),
        )
        self.rule.add_target(
            targets.LambdaFunction(
                trigger_function,
                dead_letter_queue=self.dead_letters,
                retry_attempts=RETRY_ATTEMPTS,
                max_event_age=MAX_EVENT_AGE,
            )
        )
