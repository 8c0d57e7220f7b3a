"""One Lambda per registry entry, built from one code asset and the settings model's environment."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path
from typing import Any

import aws_cdk as cdk
import pytest
from aws_cdk.assertions import Match

from functions.common.models import ALL_MODELS
from functions.common.settings import Settings
from functions.registry import FUNCTIONS, FunctionSpec
from infra.access import FUNCTION_ACCESS, MissingFunctionAccess
from infra.app import cdk_json_context
from infra.config import InfraConfig
from infra.constructs.events import DomainEvents
from infra.constructs.functions import (
    BULK_STATE_MACHINE_ARN_ENV,
    SCHEDULE_GROUP_ENV,
    SCHEDULER_ROLE_ARN_ENV,
    SECRETS_ARN_ENV,
    STATE_MACHINE_ARN_ENV,
    SYNC_DLQ_ARN_ENV,
    SYNC_FUNCTION_ARN_ENV,
    Functions,
    LayerNotBuilt,
    function_environment,
    layer_asset,
)
from infra.constructs.nag import logical_id
from infra.constructs.storage import Storage
from infra.constructs.tables import Tables
from tests.infra.helpers import Synth, ref_id, state_machine_of


def pipeline_functions(synth: Synth) -> dict[str, dict[str, Any]]:
    handlers = {spec.handler: spec.name for spec in FUNCTIONS}
    found = {
        handlers[r["Properties"]["Handler"]]: r["Properties"]
        for r in synth.of_type("AWS::Lambda::Function").values()
        if r["Properties"]["Handler"] in handlers
    }
    assert len(found) == len(FUNCTIONS)
    return found


@pytest.mark.parametrize("spec", FUNCTIONS, ids=lambda s: s.name)
def test_function_follows_its_registry_entry(dev: Synth, spec: FunctionSpec):
    dev.assertions.has_resource_properties(
        "AWS::Lambda::Function",
        {
            "Handler": spec.handler,
            "Runtime": "python3.12",
            "Architectures": ["arm64"],
            "MemorySize": spec.memory_mb,
            "Timeout": spec.timeout_s,
            "TracingConfig": {"Mode": "Active"},
            "Layers": Match.array_with(
                [Match.object_like({"Ref": Match.string_like_regexp("DependenciesLayer")})]
            ),
        },
    )


def test_every_handler_module_exists_in_the_code_asset(dev: Synth):
    keys = {p["Code"]["S3Key"] for p in pipeline_functions(dev).values()}
    assert len(keys) == 1, "all functions share one code asset"
    asset = dev.staged_asset(keys.pop())
    assert sorted(p.name for p in asset.iterdir()) == ["functions"], "only the functions package is shipped"
    for spec in FUNCTIONS:
        module = spec.handler.rsplit(".", 1)[0]
        assert (asset / (module.replace(".", "/") + ".py")).is_file(), spec.handler
        assert importlib.util.find_spec(module) is not None
    assert not list(asset.rglob("__pycache__"))


def test_environment_is_the_settings_model(dev: Synth):
    """Every function gets the settings; those that start imports also the state machine's ARN,
    those that read keys the secret's, those that manage sync schedules what a schedule needs."""
    from functions.api.settings import ApiSettings

    bucket = next(k for k in dev.of_type("AWS::S3::Bucket") if k.startswith("StorageBucket"))
    bus = next(iter(dev.of_type("AWS::Events::EventBus")))
    import_sm, _ = state_machine_of(dev)
    secret = next(k for k in dev.of_type("AWS::SecretsManager::Secret") if k.startswith("SecretsKeys"))
    cluster = next(iter(dev.of_type("AWS::RDS::DBCluster")))
    db_secret = next(iter(dev.of_type("AWS::SecretsManager::SecretTargetAttachment")))
    sync_id, _ = dev.one("AWS::Lambda::Function", Handler="functions.sync.handler.handler")
    sync_dlq = ref_id(
        dev.one("AWS::Scheduler::Schedule", Name="contact-import-dev-sync-sweep")[1]["Properties"]["Target"][
            "DeadLetterConfig"
        ]["Arn"]
    )
    scheduler_role = ref_id(
        dev.one("AWS::Scheduler::Schedule", Name="contact-import-dev-sync-sweep")[1]["Properties"]["Target"][
            "RoleArn"
        ]
    )
    for name, fn in pipeline_functions(dev).items():
        env = dict(fn["Environment"]["Variables"])
        if FUNCTION_ACCESS[name].start_import:
            assert env.pop(STATE_MACHINE_ARN_ENV) == {"Ref": import_sm}, name
            assert "state_machine_arn" in ApiSettings.model_fields
        if FUNCTION_ACCESS[name].start_bulk:
            assert env.pop(BULK_STATE_MACHINE_ARN_ENV) == {"Ref": state_machine_of(dev, "bulk")[0]}, name
            assert "bulk_state_machine_arn" in ApiSettings.model_fields
        if FUNCTION_ACCESS[name].read_secrets:
            assert env.pop(SECRETS_ARN_ENV) == {"Ref": secret}, name
        if FUNCTION_ACCESS[name].run_syncs or FUNCTION_ACCESS[name].manage_sync_schedules:
            assert env.pop(SYNC_FUNCTION_ARN_ENV) == {"Fn::GetAtt": [sync_id, "Arn"]}
        if FUNCTION_ACCESS[name].manage_sync_schedules:
            assert env.pop(SCHEDULER_ROLE_ARN_ENV) == {"Fn::GetAtt": [scheduler_role, "Arn"]}
            assert env.pop(SCHEDULE_GROUP_ENV) == "contact-import-dev-sync"
            assert env.pop(SYNC_DLQ_ARN_ENV) == {"Fn::GetAtt": [sync_dlq, "Arn"]}
        if FUNCTION_ACCESS[name].read_model:
            assert cluster in json.dumps(env.pop("CI_DB_CLUSTER_ARN")), name
            assert env.pop("CI_DB_SECRET_ARN") == {"Ref": db_secret}, name
            assert env.pop("CI_DB_NAME") == Settings.model_fields["db_name"].default, name
        if name == "Authorizer":  # it verifies the web app's Cognito ID tokens (tests/infra/test_web.py)
            assert {"cognito_user_pool_id", "cognito_client_id"} <= Settings.model_fields.keys()
            assert ref_id(env.pop("CI_COGNITO_USER_POOL_ID")) == logical_id(dev.stack.users.pool)
            assert ref_id(env.pop("CI_COGNITO_CLIENT_ID")) == logical_id(dev.stack.users.client)
        ci = {k.removeprefix("CI_").lower() for k in env if k.startswith("CI_")}
        assert ci <= Settings.model_fields.keys(), name
        assert env == {
            "CI_STAGE": "dev",
            "CI_TABLE_PREFIX": "contact-import-dev",
            "CI_BUCKET": {"Ref": bucket},
            "CI_REGION": {"Ref": "AWS::Region"},
            "CI_EVENT_BUS": {"Ref": bus},
            "CI_MAX_CONCURRENCY": str(Settings.model_fields["max_concurrency"].default),
            "CI_CHUNK_ROWS": str(Settings.model_fields["chunk_rows"].default),
            "CI_REPORT_TTL_DAYS": "7",
            "CI_ENRICH_PROVIDER": "apollo",
            "CI_WEBHOOK_LOCAL_TARGETS": "False",
            "POWERTOOLS_SERVICE_NAME": "contact-import",
            "POWERTOOLS_METRICS_NAMESPACE": "ContactImport",
            "LOG_LEVEL": "INFO",
        }, name


def test_only_the_functions_that_use_keys_or_schedules_get_their_settings(dev: Synth):
    """The keys secret reaches Enrich, Api, Sync and Webhooks only; the schedule settings the Api only."""
    functions = pipeline_functions(dev)
    with_secret = {n for n, fn in functions.items() if SECRETS_ARN_ENV in fn["Environment"]["Variables"]}
    assert with_secret == {"Enrich", "Api", "Sync", "Webhooks", "Bulk"}
    with_schedules = {
        n for n, fn in functions.items() if SCHEDULE_GROUP_ENV in fn["Environment"]["Variables"]
    }
    assert with_schedules == {"Api"}


def test_the_deployed_enrichment_provider_comes_from_context():
    config = InfraConfig.from_context(cdk.App(context={"enrich_provider": "peopledatalabs"}))
    env = function_environment(config, bucket_name="b", event_bus_name="e")
    assert env["CI_ENRICH_PROVIDER"] == "peopledatalabs"
    assert Settings(enrich_provider=env["CI_ENRICH_PROVIDER"]).enrich_provider == "peopledatalabs"


def test_table_prefix_names_the_deployed_tables(dev: Synth):
    """What a function computes with Settings.table_name() is a table the stack creates."""
    prefix = next(iter(pipeline_functions(dev).values()))["Environment"]["Variables"]["CI_TABLE_PREFIX"]
    settings = Settings(table_prefix=prefix)
    deployed = {r["Properties"]["TableName"] for r in dev.of_type("AWS::DynamoDB::Table").values()}
    assert {settings.table_name(m.Meta.logical_name) for m in ALL_MODELS} == deployed


def test_max_concurrency_reaches_intake_from_context(prod: Synth):
    """The Map's MaxConcurrencyPath reads what Intake returns, i.e. Intake's CI_MAX_CONCURRENCY."""
    assert pipeline_functions(prod)["Intake"]["Environment"]["Variables"]["CI_MAX_CONCURRENCY"] == "16"


def test_each_function_logs_to_its_own_group_with_the_configured_retention(dev: Synth, prod: Synth):
    for synth, days in ((dev, 30), (prod, 90)):
        groups = {ref_id(p["LoggingConfig"]["LogGroup"]) for p in pipeline_functions(synth).values()}
        assert len(groups) == len(FUNCTIONS)
        for group in groups:
            assert group
            assert synth.resources[group]["Properties"]["RetentionInDays"] == days


def test_dependencies_layer_targets_python312_arm64(dev: Synth):
    dev.assertions.has_resource_properties(
        "AWS::Lambda::LayerVersion",
        {"CompatibleRuntimes": ["python3.12"], "CompatibleArchitectures": ["arm64"]},
    )


def test_a_registry_function_without_an_access_entry_stops_synthesis():
    app = cdk.App(context=cdk_json_context())
    stack = cdk.Stack(app, "S")
    config = InfraConfig()
    storage = Storage(stack, "Storage", config=config)
    tables = Tables(stack, "Tables", config=config)
    events = DomainEvents(stack, "Events", config=config)
    notify = FunctionSpec("Notify", "functions.notify.handler.handler", "NotifyFunctionArn")
    with pytest.raises(MissingFunctionAccess, match="'Notify'"):
        Functions(
            stack,
            "Functions",
            config=config,
            bucket=storage.bucket,
            tables=tables,
            event_bus=events.bus,
            specs=(*FUNCTIONS, notify),
        )


def test_a_missing_layer_build_is_reported_with_the_command_to_build_it(tmp_path: Path):
    with pytest.raises(LayerNotBuilt, match=r"python -m infra\.layer"):
        layer_asset(tmp_path / "nowhere")
