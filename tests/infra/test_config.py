"""Deployment configuration from CDK context, the permission table's guards, the layer's pins."""

from __future__ import annotations

import importlib.metadata as metadata

import aws_cdk as cdk
import pytest
from pydantic import ValidationError

from infra.access import (
    FUNCTION_ACCESS,
    FunctionAccess,
    MissingFunctionAccess,
    TableGrant,
    check_access_table,
)
from infra.config import REPO_ROOT, InfraConfig
from infra.layer import PROVIDED_BY_RUNTIME, layer_pins, runtime_requirements


def config_from(**context: object) -> InfraConfig:
    return InfraConfig.from_context(cdk.App(context=dict(context)))


def test_defaults_are_a_dev_stage_that_is_destroyed_with_the_stack():
    config = config_from()
    assert config.stage == "dev"
    assert config.removal == cdk.RemovalPolicy.DESTROY
    assert config.table_prefix == "contact-import-dev"


def test_prod_retains_data_unless_told_otherwise():
    assert config_from(stage="prod").removal == cdk.RemovalPolicy.RETAIN
    assert config_from(stage="prod", removal_policy="destroy").removal == cdk.RemovalPolicy.DESTROY
    assert config_from(stage="staging", removal_policy="retain").removal == cdk.RemovalPolicy.RETAIN


def test_context_strings_are_parsed_like_cli_values():
    config = config_from(
        max_concurrency="32", cors_origins="https://a.example, https://b.example", layer_dir="build/x"
    )
    assert config.max_concurrency == 32
    assert config.cors_origins == ("https://a.example", "https://b.example")
    assert config.layer_dir == REPO_ROOT / "build" / "x"
    assert config_from(cors_origins='["https://c.example"]').cors_origins == ("https://c.example",)


@pytest.mark.parametrize(
    "context",
    [
        {"log_retention_days": "45"},
        {"stage": "Prod!"},
        {"max_concurrency": "0"},
        {"api_throttle_burst": "0"},
        {"api_throttle_rate": "0"},
        {"enrich_provider": "file"},
        {"enrich_provider": "clearbit"},
        {"unknown_key": "1"},
    ],
)
def test_invalid_configuration_is_rejected(context: dict[str, str]):
    with pytest.raises(ValidationError):
        if "unknown_key" in context:
            InfraConfig.model_validate(context)
        else:
            config_from(**context)


def test_a_deployment_enriches_with_apollo_unless_told_otherwise():
    assert config_from().enrich_provider == "apollo"
    assert config_from(enrich_provider="peopledatalabs").enrich_provider == "peopledatalabs"


def test_the_file_provider_is_refused_because_its_data_is_not_deployed():
    with pytest.raises(ValidationError, match="not deployed"):
        config_from(enrich_provider="file")


def test_access_table_rejects_an_unknown_table_or_index(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setitem(
        FUNCTION_ACCESS, "Fail", FunctionAccess(tables=(TableGrant("Jobs", ("dynamodb:GetItem",)),))
    )
    with pytest.raises(MissingFunctionAccess, match="unknown table 'Jobs'"):
        check_access_table()
    monkeypatch.setitem(
        FUNCTION_ACCESS,
        "Fail",
        FunctionAccess(tables=(TableGrant("Contacts", ("dynamodb:Query",), index="by_x"),)),
    )
    with pytest.raises(MissingFunctionAccess, match="unknown index 'by_x'"):
        check_access_table()


def test_layer_pins_are_the_tested_versions_without_the_aws_sdk():
    pins = layer_pins()
    for requirement in runtime_requirements():
        name = requirement.name.lower()
        if name in PROVIDED_BY_RUNTIME:
            assert name not in pins
        else:
            assert pins[name] == metadata.version(name)
    assert not PROVIDED_BY_RUNTIME & set(pins)
    # the compiled dependencies come with them (built for the target, not this machine)
    assert {"pydantic-core", "cffi"} <= set(pins)
