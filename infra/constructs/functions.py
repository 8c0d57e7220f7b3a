"""Every Lambda of `functions.registry.FUNCTIONS`: one code asset, one dependencies layer, one role each."""

from __future__ import annotations

from pathlib import Path

from aws_cdk import ArnFormat, Aws, Duration, Stack
from aws_cdk import aws_cognito as cognito
from aws_cdk import aws_events as events
from aws_cdk import aws_iam as iam
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_logs as logs
from aws_cdk import aws_s3 as s3
from aws_cdk import aws_secretsmanager as secretsmanager
from aws_cdk import aws_sqs as sqs
from aws_cdk import aws_stepfunctions as sfn
from constructs import Construct

from functions.common.observability import logger, metrics
from functions.common.settings import Settings
from functions.registry import FUNCTIONS, FunctionSpec
from infra.access import FunctionAccess, access_for, check_access_table
from infra.config import REPO_ROOT, InfraConfig
from infra.constructs.api import AUTHORIZER_FUNCTION
from infra.constructs.nag import acknowledge, logical_id
from infra.constructs.read_model import ReadModel
from infra.constructs.tables import Tables

RUNTIME = lambda_.Runtime.PYTHON_3_12
ARCHITECTURE = lambda_.Architecture.ARM_64
CODE_DIR = "functions"
# functions.api.settings.ApiSettings.state_machine_arn: the import a trigger or `resume` starts
STATE_MACHINE_ARN_ENV = "CI_STATE_MACHINE_ARN"
# functions.api.settings.ApiSettings.bulk_state_machine_arn: bulk operations above 1,000 contacts
BULK_STATE_MACHINE_ARN_ENV = "CI_BULK_STATE_MACHINE_ARN"
SECRETS_ARN_ENV = "CI_SECRETS_ARN"  # Settings.secrets_arn
# Settings fields functions/sync/schedules.py creates the per-connection schedules with
SYNC_FUNCTION_ARN_ENV = "CI_SYNC_FUNCTION_ARN"
SCHEDULER_ROLE_ARN_ENV = "CI_SCHEDULER_ROLE_ARN"
SCHEDULE_GROUP_ENV = "CI_SCHEDULE_GROUP"
SYNC_DLQ_ARN_ENV = "CI_SYNC_DLQ_ARN"
# Settings.cognito_user_pool_id / cognito_client_id: the authorizer verifies the pool's ID tokens
COGNITO_POOL_ENV = "CI_COGNITO_USER_POOL_ID"
COGNITO_CLIENT_ENV = "CI_COGNITO_CLIENT_ID"
SCHEDULE_ACTIONS = (
    "scheduler:CreateSchedule",
    "scheduler:UpdateSchedule",
    "scheduler:DeleteSchedule",
)
SERVICE_NAME = logger.service
METRICS_NAMESPACE = metrics.namespace


class LayerNotBuilt(RuntimeError):
    pass


def function_environment(config: InfraConfig, *, bucket_name: str, event_bus_name: str) -> dict[str, str]:
    """The environment every function gets: `Settings` fields as CI_* plus Powertools' variables."""
    settings = {
        "stage": config.stage,
        "table_prefix": config.table_prefix,
        "bucket": bucket_name,
        "region": Aws.REGION,
        "event_bus": event_bus_name,
        "max_concurrency": config.max_concurrency,
        "chunk_rows": config.chunk_rows,
        "report_ttl_days": config.report_ttl_days,
        "enrich_provider": config.enrich_provider,
        # webhook targets on AWS: https only, public addresses only (SSRF)
        "webhook_local_targets": False,
    }
    unknown = sorted(set(settings) - Settings.model_fields.keys())
    if unknown:
        raise ValueError(f"not fields of functions.common.settings.Settings: {unknown}")
    prefix = Settings.model_config.get("env_prefix", "")
    env = {f"{prefix}{name}".upper(): str(value) for name, value in settings.items()}
    env.update(
        {
            "POWERTOOLS_SERVICE_NAME": SERVICE_NAME,
            "POWERTOOLS_METRICS_NAMESPACE": METRICS_NAMESPACE or "ContactImport",
            "LOG_LEVEL": config.log_level,
        }
    )
    return env


def code_asset() -> lambda_.AssetCode:
    """The repository root with everything but `functions/` left out: handlers keep their dotted paths."""
    exclude = sorted(p.name for p in REPO_ROOT.iterdir() if p.name != CODE_DIR)
    return lambda_.Code.from_asset(
        str(REPO_ROOT), exclude=[*exclude, "**/__pycache__", "**/*.pyc", "**/.mypy_cache"]
    )


def layer_asset(layer_dir: Path) -> lambda_.AssetCode:
    if not (layer_dir / "python").is_dir():
        raise LayerNotBuilt(
            f"the dependencies layer is not built: {layer_dir}/python is missing. "
            "Build it with `.venv/bin/python -m infra.layer` (pip downloads the arm64 wheels), "
            "or pass `-c layer_dir=DIR`."
        )
    return lambda_.Code.from_asset(str(layer_dir))


class Functions(Construct):
    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        config: InfraConfig,
        bucket: s3.IBucket,
        tables: Tables,
        event_bus: events.IEventBus,
        specs: tuple[FunctionSpec, ...] = FUNCTIONS,
    ) -> None:
        super().__init__(scope, construct_id)
        check_access_table(specs)
        self._bucket = bucket
        self._tables = tables
        self._event_bus = event_bus

        code = code_asset()
        layer = lambda_.LayerVersion(
            self,
            "DependenciesLayer",
            code=layer_asset(config.layer_dir),
            compatible_runtimes=[RUNTIME],
            compatible_architectures=[ARCHITECTURE],
            description="Runtime dependencies of the functions package (pinned in pyproject.toml)",
        )
        environment = function_environment(
            config, bucket_name=bucket.bucket_name, event_bus_name=event_bus.event_bus_name
        )

        self.by_name: dict[str, lambda_.Function] = {}
        self._access: dict[str, FunctionAccess] = {}
        for spec in specs:
            access = access_for(spec.name)
            log_group = logs.LogGroup(
                self, f"{spec.name}Logs", retention=config.log_retention, removal_policy=config.removal
            )
            role = iam.Role(
                self,
                f"{spec.name}Role",
                assumed_by=iam.ServicePrincipal("lambda.amazonaws.com"),
                description=f"{spec.name} function: only what infra/access.py grants it",
            )
            role.add_to_policy(
                iam.PolicyStatement(
                    actions=["logs:CreateLogStream", "logs:PutLogEvents"],
                    resources=[log_group.log_group_arn],
                )
            )
            fn = lambda_.Function(
                self,
                spec.name,
                runtime=RUNTIME,
                architecture=ARCHITECTURE,
                handler=spec.handler,
                code=code,
                layers=[layer],
                memory_size=spec.memory_mb,
                timeout=Duration.seconds(spec.timeout_s),
                tracing=lambda_.Tracing.ACTIVE,
                role=role,
                environment=environment,
                log_group=log_group,
                description=f"contact import: {spec.name} ({spec.handler})",
            )
            self._grant(spec.name, role, access)
            self._access[spec.name] = access
            acknowledge(
                fn,
                "AwsSolutions-L1",
                "Pinned to python3.12: the dependencies layer is built for cp312 arm64 wheels.",
            )
            acknowledge(
                role,
                "AwsSolutions-IAM5[Resource::*]",
                "X-Ray PutTraceSegments/PutTelemetryRecords support no resource-level permissions.",
            )
            self.by_name[spec.name] = fn

    def allow_starting_imports(self, state_machine: sfn.IStateMachine) -> None:
        """The functions whose access says `start_import` get the import state machine's ARN and
        may start it (the state machine itself is built from the other functions' ARNs)."""
        for name, fn in self.by_name.items():
            if self._access[name].start_import:
                state_machine.grant_start_execution(fn)
                fn.add_environment(STATE_MACHINE_ARN_ENV, state_machine.state_machine_arn)

    def allow_starting_bulk(self, state_machine: sfn.IStateMachine) -> None:
        """The functions whose access says `start_bulk` may start the bulk-operation state machine."""
        for name, fn in self.by_name.items():
            if self._access[name].start_bulk:
                state_machine.grant_start_execution(fn)
                fn.add_environment(BULK_STATE_MACHINE_ARN_ENV, state_machine.state_machine_arn)

    def allow_cognito_sign_in(self, pool: cognito.IUserPool, client: cognito.IUserPoolClient) -> None:
        """The authorizer accepts the web client's ID tokens (it reads the pool's public JWKS over
        HTTPS: no IAM permission involved)."""
        fn = self.by_name[AUTHORIZER_FUNCTION]
        fn.add_environment(COGNITO_POOL_ENV, pool.user_pool_id)
        fn.add_environment(COGNITO_CLIENT_ENV, client.user_pool_client_id)

    def allow_reading_keys(self, secret: secretsmanager.ISecret) -> None:
        """The functions whose access says `read_secrets` get the keys secret's ARN and may read
        its value: GetSecretValue only (no DescribeSecret, no other secret)."""
        for name, fn in self.by_name.items():
            if self._access[name].read_secrets:
                fn.add_to_role_policy(
                    iam.PolicyStatement(
                        actions=["secretsmanager:GetSecretValue"], resources=[secret.secret_arn]
                    )
                )
                fn.add_environment(SECRETS_ARN_ENV, secret.secret_arn)

    def allow_managing_sync_schedules(
        self,
        *,
        sync_function: lambda_.IFunction,
        schedule_group: str,
        scheduler_role: iam.IRole,
        dead_letters: sqs.IQueue,
    ) -> None:
        """The functions whose access says `manage_sync_schedules` may create, update, read and
        delete schedules in the stage's sync group (and no other group), pass the scheduler role
        to EventBridge Scheduler (and to no other service), and get what a schedule is made of;
        those that say `run_syncs` may invoke the Sync function (and no version or alias)."""
        schedules = Stack.of(self).format_arn(
            service="scheduler",
            resource="schedule",
            resource_name=f"{schedule_group}/*",
            arn_format=ArnFormat.SLASH_RESOURCE_NAME,
        )
        for name, fn in self.by_name.items():
            if self._access[name].run_syncs:
                fn.add_to_role_policy(
                    iam.PolicyStatement(
                        actions=["lambda:InvokeFunction"], resources=[sync_function.function_arn]
                    )
                )
                fn.add_environment(SYNC_FUNCTION_ARN_ENV, sync_function.function_arn)
            if not self._access[name].manage_sync_schedules:
                continue
            fn.add_to_role_policy(iam.PolicyStatement(actions=list(SCHEDULE_ACTIONS), resources=[schedules]))
            fn.add_to_role_policy(
                iam.PolicyStatement(
                    actions=["iam:PassRole"],
                    resources=[scheduler_role.role_arn],
                    conditions={"StringEquals": {"iam:PassedToService": "scheduler.amazonaws.com"}},
                )
            )
            fn.add_environment(SYNC_FUNCTION_ARN_ENV, sync_function.function_arn)
            fn.add_environment(SCHEDULER_ROLE_ARN_ENV, scheduler_role.role_arn)
            fn.add_environment(SCHEDULE_GROUP_ENV, schedule_group)
            fn.add_environment(SYNC_DLQ_ARN_ENV, dead_letters.queue_arn)
            assert fn.role is not None
            acknowledge(
                fn.role,
                "AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:scheduler:<AWS::Region>:<AWS::AccountId>:"
                f"schedule/{schedule_group}/*]",
                f"{name} manages one schedule per CRM connection, named at runtime; only in the sync group.",
            )

    def allow_read_model(self, read_model: ReadModel) -> None:
        """The functions whose access says `read_model` may run Data API statements on the cluster."""
        for name, fn in self.by_name.items():
            if self._access[name].read_model:
                read_model.grant_queries(fn)

    def _grant(self, name: str, role: iam.Role, access: FunctionAccess) -> None:
        for grant in access.tables:
            table_arn = self._tables.table(grant.table).table_arn
            resource = f"{table_arn}/index/{grant.index}" if grant.index else table_arn
            role.add_to_policy(iam.PolicyStatement(actions=list(grant.actions), resources=[resource]))
        for obj in access.objects:
            role.add_to_policy(
                iam.PolicyStatement(
                    actions=list(obj.actions), resources=[self._bucket.arn_for_objects(f"{obj.prefix}*")]
                )
            )
            acknowledge(
                role,
                f"AwsSolutions-IAM5[Resource::<{logical_id(self._bucket)}.Arn>/{obj.prefix}*]",
                f"Object keys are per job; {name} is limited to the {obj.prefix} prefix.",
            )
        if access.list_prefixes:
            role.add_to_policy(
                iam.PolicyStatement(
                    actions=["s3:ListBucket"],
                    resources=[self._bucket.bucket_arn],
                    conditions={"StringLike": {"s3:prefix": [f"{p}*" for p in access.list_prefixes]}},
                )
            )
        if access.publish_events:
            self._event_bus.grant_put_events_to(role)
