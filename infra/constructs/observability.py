"""Alarms on what needs a person (failed imports and bulk operations, function errors and throttles, table throttles,
undeliverable upload and sync events, HTTP API 5xx) and one dashboard of the pipeline and the API."""

from __future__ import annotations

from collections.abc import Mapping

from aws_cdk import Duration
from aws_cdk import aws_apigatewayv2 as apigwv2
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_cloudwatch_actions as cw_actions
from aws_cdk import aws_dynamodb as dynamodb
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_sns as sns
from aws_cdk import aws_sqs as sqs
from aws_cdk import aws_stepfunctions as sfn
from constructs import Construct

from infra.config import InfraConfig
from infra.constructs.functions import METRICS_NAMESPACE, SERVICE_NAME

PERIOD = Duration.minutes(5)


class Observability(Construct):
    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        config: InfraConfig,
        functions: Mapping[str, lambda_.IFunction],
        tables: Mapping[str, dynamodb.ITable],
        import_state_machine: sfn.IStateMachine,
        http_api: apigwv2.IHttpApi,
        dead_letters: sqs.IQueue,
        sync_dead_letters: sqs.IQueue,
        more_dead_letters: Mapping[str, tuple[sqs.IQueue, str]] | None = None,
        bulk_state_machine: sfn.IStateMachine | None = None,
    ) -> None:
        super().__init__(scope, construct_id)
        topic = (
            sns.Topic.from_topic_arn(self, "AlarmTopic", config.alarm_topic_arn)
            if config.alarm_topic_arn
            else None
        )
        self.alarms: list[cloudwatch.Alarm] = []

        def alarm(alarm_id: str, metric: cloudwatch.IMetric, description: str) -> cloudwatch.Alarm:
            created = cloudwatch.Alarm(
                self,
                alarm_id,
                metric=metric,
                threshold=1,
                evaluation_periods=1,
                comparison_operator=cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
                treat_missing_data=cloudwatch.TreatMissingData.NOT_BREACHING,
                alarm_description=f"{config.name_prefix}: {description}",
            )
            if topic is not None:
                created.add_alarm_action(cw_actions.SnsAction(topic))
            self.alarms.append(created)
            return created

        alarm(
            "ImportExecutionsFailed",
            import_state_machine.metric_failed(period=PERIOD),
            "an import execution failed (the job is marked failed and can be resumed)",
        )
        if bulk_state_machine is not None:
            alarm(
                "BulkExecutionsFailed",
                bulk_state_machine.metric_failed(period=PERIOD),
                "a bulk operation (or its undo, or an import rollback) failed; it is marked failed and "
                "can be resumed (POST /api/v1/bulk-operations/{id}/resume)",
            )
        alarm(
            "Api5xx",
            http_api.metric_server_error(period=PERIOD, statistic="Sum"),
            "the HTTP API answered 5xx (function error, timeout or integration failure)",
        )
        alarm(
            "UploadEventsDeadLettered",
            dead_letters.metric_approximate_number_of_messages_visible(period=PERIOD, statistic="Maximum"),
            "S3 upload events could not be delivered to the trigger and wait in the dead-letter queue",
        )
        alarm(
            "SyncEventsDeadLettered",
            sync_dead_letters.metric_approximate_number_of_messages_visible(
                period=PERIOD, statistic="Maximum"
            ),
            "a CRM sync run, sweep or import-completed event failed or could not be delivered and waits "
            "in the sync dead-letter queue",
        )
        for alarm_id, (queue, description) in (more_dead_letters or {}).items():
            alarm(
                alarm_id,
                queue.metric_approximate_number_of_messages_visible(period=PERIOD, statistic="Maximum"),
                description,
            )
        for name, fn in functions.items():
            alarm(f"{name}Errors", fn.metric_errors(period=PERIOD), f"the {name} function raised errors")
            alarm(
                f"{name}Throttles", fn.metric_throttles(period=PERIOD), f"the {name} function was throttled"
            )
        for logical, table in tables.items():
            alarm(
                f"{logical}Throttles",
                cloudwatch.MathExpression(
                    expression="reads + writes",
                    using_metrics={
                        "reads": table.metric("ReadThrottleEvents", period=PERIOD, statistic="Sum"),
                        "writes": table.metric("WriteThrottleEvents", period=PERIOD, statistic="Sum"),
                    },
                    label=f"{logical} throttle events",
                    period=PERIOD,
                ),
                f"DynamoDB throttled requests on {logical}",
            )

        self.dashboard = cloudwatch.Dashboard(self, "Dashboard", dashboard_name=config.name_prefix)
        self.dashboard.add_widgets(
            cloudwatch.GraphWidget(
                title="Import executions",
                left=[
                    import_state_machine.metric_started(period=PERIOD),
                    import_state_machine.metric_succeeded(period=PERIOD),
                    import_state_machine.metric_failed(period=PERIOD),
                ],
                width=12,
            ),
            cloudwatch.GraphWidget(
                title="Rows",
                left=[
                    cloudwatch.Metric(
                        namespace=METRICS_NAMESPACE or "ContactImport",
                        metric_name=metric_name,
                        dimensions_map={"service": SERVICE_NAME},
                        statistic="Sum",
                        period=PERIOD,
                    )
                    for metric_name in ("RowsParsed", "RowsCommitted", "ImportsCompleted")
                ],
                width=12,
            ),
        )
        self.dashboard.add_widgets(
            cloudwatch.GraphWidget(
                title="Function errors",
                left=[fn.metric_errors(period=PERIOD, label=name) for name, fn in functions.items()],
                width=8,
            ),
            cloudwatch.GraphWidget(
                title="Function duration p99",
                left=[
                    fn.metric_duration(period=PERIOD, statistic="p99", label=name)
                    for name, fn in functions.items()
                ],
                width=8,
            ),
            cloudwatch.GraphWidget(
                title="Function throttles",
                left=[fn.metric_throttles(period=PERIOD, label=name) for name, fn in functions.items()],
                width=8,
            ),
        )
        self.dashboard.add_widgets(
            cloudwatch.GraphWidget(
                title="DynamoDB consumed write units",
                left=[
                    table.metric_consumed_write_capacity_units(period=PERIOD, label=logical)
                    for logical, table in tables.items()
                ],
                width=12,
            ),
            cloudwatch.AlarmStatusWidget(title="Alarms", alarms=self.alarms, width=12),
        )
        self.dashboard.add_widgets(
            cloudwatch.GraphWidget(
                title="HTTP API requests",
                left=[
                    http_api.metric_count(period=PERIOD, statistic="Sum", label="requests"),
                    http_api.metric_client_error(period=PERIOD, statistic="Sum", label="4xx"),
                    http_api.metric_server_error(period=PERIOD, statistic="Sum", label="5xx"),
                ],
                width=12,
            ),
            cloudwatch.GraphWidget(
                title="HTTP API latency",
                left=[
                    http_api.metric_latency(period=PERIOD, statistic="p99", label="p99"),
                    http_api.metric_integration_latency(
                        period=PERIOD, statistic="p99", label="integration p99"
                    ),
                ],
                width=12,
            ),
        )
