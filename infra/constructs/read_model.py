"""The contacts read model on AWS: Aurora PostgreSQL Serverless v2 behind the RDS Data API, its
schema migrations on every deploy, and the projector fed by the Contacts, Companies and
GlobalContacts streams.

- The cluster lives in a VPC of isolated subnets (no NAT, no internet route): nothing connects
  to it over the network; every function reaches it through the Data API with IAM and the
  cluster's generated secret, so no function needs a VPC. Storage is encrypted, deletion
  protection is on in prod, capacity scales between `db_min_capacity` (0 by default: the cluster
  pauses when idle) and `db_max_capacity` ACUs.
- Migrate runs as a custom resource whose properties carry a hash of `functions/query/migrations`,
  so a deploy with a new migration runs it, and one without runs nothing.
- Projector: an event source mapping on each of the Contacts, Companies (a changed company
  updates its contacts' company columns) and GlobalContacts (engagement counters) streams, batches of up to 500 records, partial
  batch failures reported, bisect on error, a bounded number of retries and then the records'
  location to a dead-letter queue.
"""

from __future__ import annotations

import hashlib

from aws_cdk import CustomResource, Duration
from aws_cdk import aws_dynamodb as dynamodb
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_iam as iam
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_lambda_event_sources as sources
from aws_cdk import aws_rds as rds
from constructs import Construct

from functions.query.migrate import MIGRATIONS
from infra.config import InfraConfig
from infra.constructs.nag import acknowledge
from infra.constructs.queues import dead_letter_queue

PROJECTOR_FUNCTION = "Projector"  # names in functions.registry.FUNCTIONS
MIGRATE_FUNCTION = "Migrate"
DATABASE_NAME = "contacts"  # Settings.db_name's default
PROJECTOR_BATCH = 500
PROJECTOR_RETRIES = 5


def migrations_hash() -> str:
    digest = hashlib.sha256()
    for path in sorted(MIGRATIONS.glob("*.sql")):
        digest.update(path.name.encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()[:16]


class ReadModel(Construct):
    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        config: InfraConfig,
        contacts: dynamodb.ITable,
        companies: dynamodb.ITable,
        global_contacts: dynamodb.ITable,
        projector: lambda_.Function,
        migrate: lambda_.Function,
    ) -> None:
        super().__init__(scope, construct_id)
        self.vpc = ec2.Vpc(
            self,
            "Vpc",
            max_azs=2,
            nat_gateways=0,
            subnet_configuration=[
                ec2.SubnetConfiguration(name="db", subnet_type=ec2.SubnetType.PRIVATE_ISOLATED, cidr_mask=24)
            ],
        )
        acknowledge(
            self.vpc,
            "AwsSolutions-VPC7",
            "Only the database lives in these isolated subnets (no NAT, no internet route) and nothing "
            "connects to it over the network: every query goes through the RDS Data API.",
        )
        self.cluster = rds.DatabaseCluster(
            self,
            "Cluster",
            engine=rds.DatabaseClusterEngine.aurora_postgres(
                version=rds.AuroraPostgresEngineVersion.VER_17_4
            ),
            writer=rds.ClusterInstance.serverless_v2("Writer"),
            serverless_v2_min_capacity=config.db_min_capacity,
            serverless_v2_max_capacity=config.db_max_capacity,
            enable_data_api=True,
            storage_encrypted=True,
            deletion_protection=config.is_prod,
            removal_policy=config.removal,
            default_database_name=DATABASE_NAME,
            credentials=rds.Credentials.from_generated_secret("readmodel"),
            vpc=self.vpc,
            vpc_subnets=ec2.SubnetSelection(subnet_type=ec2.SubnetType.PRIVATE_ISOLATED),
            backup=rds.BackupProps(retention=Duration.days(7)),
            iam_authentication=False,
        )
        assert self.cluster.secret is not None
        self.secret = self.cluster.secret
        for finding, reason in (
            (
                "AwsSolutions-RDS6",
                "Functions reach the cluster only through the Data API, which "
                "authenticates with IAM and the cluster secret; IAM database authentication would serve "
                "direct connections, which there are none of.",
            ),
            ("AwsSolutions-RDS10", "Deletion protection is on in prod; other stages are disposable."),
            (
                "AwsSolutions-RDS11",
                "Nothing connects to the port: the cluster is reached through the "
                "Data API only, in isolated subnets.",
            ),
            (
                "AwsSolutions-SMG4",
                "The generated master secret is used by the Data API only; rotation "
                "would need a rotation Lambda inside the VPC with a route to Secrets Manager.",
            ),
        ):
            acknowledge(self.cluster, finding, reason)
        acknowledge(
            self.cluster.node.find_child("SecurityGroup"),
            "AwsSolutions-EC23",
            "The cluster's security group has no ingress rule: nothing connects to it.",
        )

        self.dead_letters = dead_letter_queue(self, "ProjectorDeadLetters", serves="the contacts projector")
        # one handler for the three streams: it tells their records apart by their stream ARN
        for table in (contacts, companies, global_contacts):
            projector.add_event_source(
                sources.DynamoEventSource(
                    table,
                    starting_position=lambda_.StartingPosition.TRIM_HORIZON,
                    batch_size=PROJECTOR_BATCH,
                    max_batching_window=Duration.seconds(1),
                    bisect_batch_on_error=True,
                    report_batch_item_failures=True,
                    retry_attempts=PROJECTOR_RETRIES,
                    on_failure=sources.SqsDlq(self.dead_letters),
                )
            )
        assert projector.role is not None
        acknowledge(
            projector.role,
            "AwsSolutions-IAM5[Resource::*]",
            "dynamodb:ListStreams (for the event source mapping) supports no resource-level permissions.",
        )

        self.schema = CustomResource(
            self,
            "Schema",
            service_token=migrate.function_arn,
            resource_type="Custom::ReadModelSchema",
            properties={"Migrations": migrations_hash()},
        )
        self.schema.node.add_dependency(self.cluster)

    def grant_queries(self, fn: lambda_.Function) -> None:
        """Data API statements on this cluster with its secret, and the variables `get_database` reads."""
        fn.add_to_role_policy(
            iam.PolicyStatement(actions=["rds-data:ExecuteStatement"], resources=[self.cluster.cluster_arn])
        )
        fn.add_to_role_policy(
            iam.PolicyStatement(actions=["secretsmanager:GetSecretValue"], resources=[self.secret.secret_arn])
        )
        fn.add_environment("CI_DB_CLUSTER_ARN", self.cluster.cluster_arn)
        fn.add_environment("CI_DB_SECRET_ARN", self.secret.secret_arn)
        fn.add_environment("CI_DB_NAME", DATABASE_NAME)
