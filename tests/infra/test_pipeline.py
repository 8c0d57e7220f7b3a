"""The import state machine is the repo's ASL file with every placeholder filled from the registry."""

from __future__ import annotations

import json

import pytest

import infra.constructs.pipeline as pipeline
from functions.registry import FUNCTIONS, FunctionSpec
from infra.constructs.pipeline import ASL_PATH, SubstitutionMismatch, definition_substitutions, placeholders
from tests.infra.helpers import Synth, ref_id


def state_machine(synth: Synth, machine: str) -> dict:
    found = [
        r["Properties"]
        for r in synth.of_type("AWS::StepFunctions::StateMachine").values()
        if r["Properties"]["StateMachineName"].endswith(f"-{machine}")
    ]
    assert len(found) == 1, f"expected one {machine} state machine"
    return found[0]


def import_state_machine(synth: Synth) -> dict:
    return state_machine(synth, "import")


def test_every_asl_placeholder_has_a_substitution_and_every_substitution_is_used(dev: Synth):
    props = import_state_machine(dev)
    deployed = dev.staged_asset(props["DefinitionS3Location"]["Key"]).read_text()
    assert deployed == ASL_PATH.read_text(), "the deployed definition is the repository's file"
    assert placeholders(deployed) == set(props["DefinitionSubstitutions"])


def test_function_substitutions_point_at_the_registry_functions(dev: Synth):
    subs = import_state_machine(dev)["DefinitionSubstitutions"]
    handler_of = {k: r["Properties"].get("Handler") for k, r in dev.of_type("AWS::Lambda::Function").items()}
    in_asl = [spec for spec in FUNCTIONS if spec.substitution and spec.machine == "import"]
    assert {spec.name for spec in FUNCTIONS} - {spec.name for spec in in_asl} == {
        "Bulk",
        "Api",
        "Authorizer",
        "UploadTrigger",
        "Sync",
        "Events",
        "Projector",
        "Webhooks",
        "Migrate",
        "Maintenance",
    }
    for spec in in_asl:
        assert spec.substitution
        target = subs[spec.substitution]
        function_id = ref_id(target)
        assert function_id and target == {"Fn::GetAtt": [function_id, "Arn"]}
        assert handler_of[function_id] == spec.handler
    bucket = ref_id(subs["Bucket"])
    assert bucket and bucket.startswith("StorageBucket")


def test_a_registry_substitution_missing_from_the_asl_stops_synthesis(monkeypatch: pytest.MonkeyPatch):
    arns = {spec.name: f"arn:{spec.name}" for spec in FUNCTIONS}
    notify = FunctionSpec("Notify", "functions.notify.handler.handler", "NotifyFunctionArn")
    monkeypatch.setattr(pipeline, "FUNCTIONS", (*FUNCTIONS, notify))
    with pytest.raises(SubstitutionMismatch, match="NotifyFunctionArn"):
        definition_substitutions({**arns, "Notify": "arn:Notify"}, "bucket")


def test_an_asl_placeholder_without_a_registry_function_stops_synthesis(monkeypatch: pytest.MonkeyPatch):
    arns = {spec.name: f"arn:{spec.name}" for spec in FUNCTIONS}
    monkeypatch.setattr(pipeline, "FUNCTIONS", FUNCTIONS[1:])
    with pytest.raises(SubstitutionMismatch, match=FUNCTIONS[0].substitution or ""):
        definition_substitutions(arns, "bucket")


def test_state_machine_logs_everything_but_execution_data_and_is_traced(dev: Synth):
    for _, sm in dev.of_type("AWS::StepFunctions::StateMachine").items():
        props = sm["Properties"]
        assert props["TracingConfiguration"] == {"Enabled": True}
        assert props["LoggingConfiguration"]["Level"] == "ALL"
        assert props["LoggingConfiguration"]["IncludeExecutionData"] is False
        group = ref_id(
            props["LoggingConfiguration"]["Destinations"][0]["CloudWatchLogsLogGroup"]["LogGroupArn"]
        )
        assert group and dev.resources[group]["Properties"]["LogGroupName"].startswith(
            "/aws/vendedlogs/states/"
        )


def test_import_state_machine_is_standard_and_named_after_the_stage(dev: Synth, prod: Synth):
    assert import_state_machine(dev)["StateMachineName"] == "contact-import-dev-import"
    assert import_state_machine(prod)["StateMachineName"] == "contact-import-prod-import"


def test_asl_distributed_map_reads_concurrency_from_intake():
    """MaxConcurrency is configured through Intake's CI_MAX_CONCURRENCY (see test_functions)."""
    doc = json.loads(ASL_PATH.read_text())
    process = doc["States"]["ProcessChunks"]
    assert process["MaxConcurrencyPath"] == "$.intake.max_concurrency"
    assert doc["States"]["Intake"]["ResultSelector"]["max_concurrency.$"] == "$.Payload.max_concurrency"


def test_bulk_state_machine_is_the_bulk_asl_with_the_bulk_function_and_reads_bulk_manifests(dev: Synth):
    props = state_machine(dev, "bulk")
    deployed = dev.staged_asset(props["DefinitionS3Location"]["Key"]).read_text()
    assert deployed == pipeline.asl_path("bulk").read_text()
    assert set(props["DefinitionSubstitutions"]) == {"BulkFunctionArn", "Bucket"} == placeholders(deployed)
    function_id = ref_id(props["DefinitionSubstitutions"]["BulkFunctionArn"])
    assert function_id
    assert dev.resources[function_id]["Properties"]["Handler"] == "functions.manage.bulk_handler.handler"
    assert props["StateMachineName"] == "contact-import-dev-bulk"
    doc = json.loads(deployed)
    assert doc["States"]["Chunks"]["ItemProcessor"]["ProcessorConfig"]["Mode"] == "DISTRIBUTED"
