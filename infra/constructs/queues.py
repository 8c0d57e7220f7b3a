"""Dead-letter queues: what EventBridge, Scheduler and Lambda could not deliver waits here."""

from __future__ import annotations

from aws_cdk import Duration
from aws_cdk import aws_sqs as sqs
from constructs import Construct

from infra.constructs.nag import acknowledge


def dead_letter_queue(scope: Construct, construct_id: str, *, serves: str) -> sqs.Queue:
    """An encrypted, TLS-only queue that keeps messages 14 days; `serves` names what it is the
    dead-letter queue of (the reason it needs none of its own)."""
    queue = sqs.Queue(
        scope,
        construct_id,
        encryption=sqs.QueueEncryption.SQS_MANAGED,
        enforce_ssl=True,
        retention_period=Duration.days(14),
    )
    acknowledge(
        queue,
        "AwsSolutions-SQS3",
        f"This queue is the dead-letter queue of {serves}; it has none of its own.",
    )
    return queue
