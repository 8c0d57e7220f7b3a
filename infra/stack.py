"""The one stack: a construct per concern, wired together here and nowhere else."""

from __future__ import annotations

from typing import Any

from aws_cdk import Aws, CfnOutput, Stack, Tags
from constructs import Construct

from functions.registry import FUNCTIONS, FunctionSpec
from infra.config import PROJECT, InfraConfig
from infra.constructs.api import API_FUNCTION, AUTHORIZER_FUNCTION, HttpApi
from infra.constructs.engagement import EngagementIngest, events_function
from infra.constructs.events import DomainEvents
from infra.constructs.functions import Functions
from infra.constructs.maintenance import Maintenance, maintenance_function
from infra.constructs.observability import Observability
from infra.constructs.pipeline import ImportPipeline
from infra.constructs.read_model import MIGRATE_FUNCTION, PROJECTOR_FUNCTION, ReadModel
from infra.constructs.secrets import KeysSecret
from infra.constructs.storage import Storage
from infra.constructs.sync import CrmSync, sync_function
from infra.constructs.tables import Tables
from infra.constructs.trigger import UploadTrigger, trigger_function
from infra.constructs.users import Users
from infra.constructs.web import WebApp
from infra.constructs.webhooks import WebhookDelivery, webhooks_function


class ContactImportStack(Stack):
    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        config: InfraConfig,
        functions: tuple[FunctionSpec, ...] = FUNCTIONS,
        **kwargs: Any,
    ) -> None:
        super().__init__(scope, construct_id, **kwargs)
        Tags.of(self).add("project", PROJECT)
        Tags.of(self).add("stage", config.stage)

        self.storage = Storage(self, "Storage", config=config)
        self.tables = Tables(self, "Tables", config=config)
        self.events = DomainEvents(self, "Events", config=config)
        self.keys = KeysSecret(self, "Secrets", config=config)
        self.functions = Functions(
            self,
            "Functions",
            config=config,
            bucket=self.storage.bucket,
            tables=self.tables,
            event_bus=self.events.bus,
            specs=functions,
        )
        self.pipeline = ImportPipeline(
            self,
            "Pipeline",
            config=config,
            functions=self.functions.by_name,
            bucket=self.storage.bucket,
            specs=functions,
        )
        self.functions.allow_starting_imports(self.pipeline.state_machine)
        self.bulk = ImportPipeline(
            self,
            "BulkOperations",
            config=config,
            functions=self.functions.by_name,
            bucket=self.storage.bucket,
            specs=functions,
            machine="bulk",
        )
        self.functions.allow_starting_bulk(self.bulk.state_machine)
        self.functions.allow_reading_keys(self.keys.secret)
        self.sync = CrmSync(
            self,
            "Sync",
            config=config,
            function=sync_function(self.functions.by_name),
            event_bus=self.events.bus,
        )
        self.functions.allow_managing_sync_schedules(
            sync_function=self.sync.function,
            schedule_group=self.sync.group_name,
            scheduler_role=self.sync.scheduler_role,
            dead_letters=self.sync.dead_letters,
        )
        self.engagement = EngagementIngest(
            self, "Engagement", function=events_function(self.functions.by_name), event_bus=self.events.bus
        )
        self.webhooks = WebhookDelivery(
            self, "Webhooks", function=webhooks_function(self.functions.by_name), event_bus=self.events.bus
        )
        self.read_model = ReadModel(
            self,
            "ReadModel",
            config=config,
            contacts=self.tables.table("Contacts"),
            companies=self.tables.table("Companies"),
            global_contacts=self.tables.table("GlobalContacts"),
            projector=self.functions.by_name[PROJECTOR_FUNCTION],
            migrate=self.functions.by_name[MIGRATE_FUNCTION],
        )
        self.functions.allow_read_model(self.read_model)
        self.maintenance = Maintenance(
            self, "Maintenance", config=config, function=maintenance_function(self.functions.by_name)
        )
        self.trigger = UploadTrigger(
            self,
            "Trigger",
            bucket=self.storage.bucket,
            trigger_function=trigger_function(self.functions.by_name),
        )
        self.api = HttpApi(
            self,
            "Api",
            config=config,
            api_function=self.functions.by_name[API_FUNCTION],
            authorizer_function=self.functions.by_name[AUTHORIZER_FUNCTION],
        )
        self.users = Users(self, "Users", config=config)
        self.web = WebApp(
            self,
            "Web",
            config=config,
            http_api=self.api.api,
            access_logs=self.storage.access_logs,
            # the presigned upload POST and the hosted UI's token endpoint; the bucket by wildcard:
            # its name would make a cycle (its CORS rule names the distribution)
            connect_origins=[
                "https://*.s3.amazonaws.com",
                f"https://*.s3.{Aws.REGION}.amazonaws.com",
                self.users.hosted_ui,
            ],
        )
        client = self.users.add_web_client(self.web.url)
        self.storage.allow_browser_uploads_from(self.web.url)
        self.web.deploy(
            {
                "apiBase": "",  # same origin: CloudFront routes /api/* to the HTTP API
                "cognito": {
                    "region": self.region,
                    "userPoolId": self.users.pool.user_pool_id,
                    "clientId": client.user_pool_client_id,
                    "domain": self.users.hosted_ui,
                },
            }
        )
        self.functions.allow_cognito_sign_in(self.users.pool, client)
        self.observability = Observability(
            self,
            "Observability",
            config=config,
            functions=self.functions.by_name,
            tables=self.tables.by_logical,
            import_state_machine=self.pipeline.state_machine,
            bulk_state_machine=self.bulk.state_machine,
            http_api=self.api.api,
            dead_letters=self.trigger.dead_letters,
            sync_dead_letters=self.sync.dead_letters,
            more_dead_letters={
                "EngagementEventsDeadLettered": (
                    self.engagement.dead_letters,
                    "an engagement batch failed or could not be delivered and waits in its dead-letter queue",
                ),
                "WebhookInvocationsDeadLettered": (
                    self.webhooks.dead_letters,
                    "a webhook sweep could not be invoked or failed; the next tick retries what is due",
                ),
                "MaintenanceInvocationsDeadLettered": (
                    self.maintenance.dead_letters,
                    "the daily maintenance run (retention, audit TTL) could not be invoked; the next day retries",
                ),
                "ProjectorRecordsDeadLettered": (
                    self.read_model.dead_letters,
                    "contact changes could not be projected into the read model after their retries; "
                    "`index rebuild` re-projects from DynamoDB",
                ),
            },
        )

        CfnOutput(self, "ApiUrl", value=self.api.url)
        CfnOutput(self, "BucketName", value=self.storage.bucket.bucket_name)
        CfnOutput(self, "StateMachineArn", value=self.pipeline.state_machine.state_machine_arn)
        CfnOutput(self, "BulkStateMachineArn", value=self.bulk.state_machine.state_machine_arn)
        CfnOutput(self, "EventBusName", value=self.events.bus.event_bus_name)
        CfnOutput(self, "TablePrefix", value=config.table_prefix)
        CfnOutput(self, "UploadDeadLetterQueueUrl", value=self.trigger.dead_letters.queue_url)
        CfnOutput(self, "DashboardName", value=config.name_prefix)
        CfnOutput(self, "KeysSecretArn", value=self.keys.secret.secret_arn)
        CfnOutput(self, "SyncDeadLetterQueueUrl", value=self.sync.dead_letters.queue_url)
        CfnOutput(self, "SyncScheduleGroup", value=self.sync.group_name)
        CfnOutput(self, "EngagementDeadLetterQueueUrl", value=self.engagement.dead_letters.queue_url)
        CfnOutput(self, "ReadModelClusterArn", value=self.read_model.cluster.cluster_arn)
        CfnOutput(self, "ProjectorDeadLetterQueueUrl", value=self.read_model.dead_letters.queue_url)
        CfnOutput(self, "WebUrl", value=self.web.url)
        CfnOutput(self, "WebBucketName", value=self.web.bucket.bucket_name)
        CfnOutput(self, "UserPoolId", value=self.users.pool.user_pool_id)
        CfnOutput(self, "WebClientId", value=client.user_pool_client_id)
