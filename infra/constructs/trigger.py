"""S3 "Object Created" under `uploads/` -> one import execution named after the job.

EventBridge input transformers copy values but cannot split a key, and the import state
machine needs `{"job_id", "workspace_id", "key", "options"}` with the job id as the execution
name (that name is what makes a repeated S3 event start nothing new). Two targets do that:

- the Trigger Lambda (`functions/api/trigger.py`), when the registry has a `Trigger` entry: it
  gets the raw event, checks the upload against its job record and starts the import with the
  job's own options;
- until then, a small EXPRESS state machine (`infra/statemachines/upload_trigger.asl.json`)
  that receives `{"key", "bucket"}` from an input transformer, splits the key with
  States.StringSplit and starts the import with empty options. No handler code.

Either way the rule retries for two hours and then parks the event in an encrypted DLQ.
"""

from __future__ import annotations

from pathlib import Path

from aws_cdk import Duration
from aws_cdk import aws_events as events
from aws_cdk import aws_events_targets as targets
from aws_cdk import aws_iam as iam
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_logs as logs
from aws_cdk import aws_s3 as s3
from aws_cdk import aws_sqs as sqs
from aws_cdk import aws_stepfunctions as sfn
from constructs import Construct

from infra.config import InfraConfig
from infra.constructs.nag import acknowledge

TRIGGER_ASL_PATH = Path(__file__).resolve().parent.parent / "statemachines" / "upload_trigger.asl.json"
TRIGGER_FUNCTION = "Trigger"  # its registry name
UPLOADS_PREFIX = "uploads/"
RETRY_ATTEMPTS = 8
MAX_EVENT_AGE = Duration.hours(2)


class UploadTrigger(Construct):
    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        config: InfraConfig,
        bucket: s3.IBucket,
        import_state_machine: sfn.IStateMachine,
        trigger_function: lambda_.IFunction | None = None,
    ) -> None:
        super().__init__(scope, construct_id)
        self.dead_letters = sqs.Queue(
            self,
            "DeadLetters",
            encryption=sqs.QueueEncryption.SQS_MANAGED,
            enforce_ssl=True,
            retention_period=Duration.days(14),
        )
        acknowledge(
            self.dead_letters,
            "AwsSolutions-SQS3",
            "This queue is the dead-letter queue of the upload rule's target; it has none of its own.",
        )
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
        self.state_machine: sfn.StateMachine | None = None
        if trigger_function is not None:
            self.rule.add_target(
                targets.LambdaFunction(
                    trigger_function,
                    dead_letter_queue=self.dead_letters,
                    retry_attempts=RETRY_ATTEMPTS,
                    max_event_age=MAX_EVENT_AGE,
                )
            )
            return
        self.state_machine = self._key_splitter(config, bucket, import_state_machine)
        self.rule.add_target(
            targets.SfnStateMachine(
                self.state_machine,
                input=events.RuleTargetInput.from_object(
                    {
                        "key": events.EventField.from_path("$.detail.object.key"),
                        "bucket": events.EventField.from_path("$.detail.bucket.name"),
                    }
                ),
                dead_letter_queue=self.dead_letters,
                retry_attempts=RETRY_ATTEMPTS,
                max_event_age=MAX_EVENT_AGE,
            )
        )

    def _key_splitter(
        self, config: InfraConfig, bucket: s3.IBucket, import_state_machine: sfn.IStateMachine
    ) -> sfn.StateMachine:
        log_group = logs.LogGroup(
            self,
            "Logs",
            log_group_name=f"/aws/vendedlogs/states/{config.name_prefix}-upload-trigger",
            retention=config.log_retention,
            removal_policy=config.removal,
        )
        role = iam.Role(
            self,
            "Role",
            assumed_by=iam.ServicePrincipal("states.amazonaws.com"),
            description="Upload trigger: start import executions",
        )
        state_machine = sfn.StateMachine(
            self,
            "StateMachine",
            state_machine_name=f"{config.name_prefix}-upload-trigger",
            state_machine_type=sfn.StateMachineType.EXPRESS,
            definition_body=sfn.DefinitionBody.from_file(str(TRIGGER_ASL_PATH)),
            definition_substitutions={
                "ImportStateMachineArn": import_state_machine.state_machine_arn,
                "Bucket": bucket.bucket_name,
            },
            role=role,
            logs=sfn.LogOptions(destination=log_group, level=sfn.LogLevel.ALL, include_execution_data=False),
            tracing_enabled=True,
        )
        import_state_machine.grant_start_execution(role)
        acknowledge(
            role,
            "AwsSolutions-IAM5[Resource::*]",
            "Log delivery (logs:*LogDelivery, DescribeLogGroups...) and X-Ray accept no resource scoping.",
        )
        return state_machine
