"""Reading a synthesized stack: the template, the staged assets and the validation report."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from aws_cdk.assertions import Template

from functions.registry import FUNCTIONS, FunctionSpec
from infra.app import build_app
from infra.stack import ContactImportStack


@dataclass
class Synth:
    stack: ContactImportStack
    outdir: Path
    template: dict[str, Any]
    _assertions: Template | None = field(default=None, repr=False)

    @property
    def assertions(self) -> Template:
        if self._assertions is None:
            self._assertions = Template.from_json(self.template)
        return self._assertions

    @property
    def resources(self) -> dict[str, dict[str, Any]]:
        return self.template["Resources"]

    def of_type(self, cfn_type: str) -> dict[str, dict[str, Any]]:
        return {k: r for k, r in self.resources.items() if r["Type"] == cfn_type}

    def one(self, cfn_type: str, **props: Any) -> tuple[str, dict[str, Any]]:
        found = [
            (k, r)
            for k, r in self.of_type(cfn_type).items()
            if all(r["Properties"].get(p) == v for p, v in props.items())
        ]
        assert len(found) == 1, f"expected one {cfn_type} with {props}, found {[k for k, _ in found]}"
        return found[0]

    def staged_asset(self, s3_key: str) -> Path:
        """The file or folder CDK staged for an asset, by the S3 key the template names."""
        return self.outdir / f"asset.{s3_key.split('.')[0]}{'.json' if s3_key.endswith('.json') else ''}"

    def validation_report(self) -> dict[str, Any]:
        report: dict[str, Any] = json.loads((self.outdir / "policy-validation-report.json").read_text())
        return report


def synth(
    tmp_path_factory: pytest.TempPathFactory,
    name: str,
    context: dict[str, Any],
    functions: tuple[FunctionSpec, ...] = FUNCTIONS,
) -> Synth:
    # the real layer is built by `python -m infra.layer` (pip downloads arm64 wheels): synthesis
    # only needs a folder to hash, so tests stage a placeholder
    layer = tmp_path_factory.mktemp(f"layer-{name}")
    (layer / "python").mkdir()
    (layer / "python" / "PLACEHOLDER").write_text("synthesis test: not a deployable layer\n")
    outdir = tmp_path_factory.mktemp(f"cdk-out-{name}")
    app, stack = build_app({"layer_dir": str(layer), **context}, outdir=str(outdir), functions=functions)
    assembly = app.synth()
    template = assembly.get_stack_by_name(stack.stack_name).template
    return Synth(stack=stack, outdir=outdir, template=template)


def ref_id(value: Any) -> str | None:
    """The logical id a `Ref` or `Fn::GetAtt` points at."""
    if isinstance(value, dict):
        if "Ref" in value:
            return str(value["Ref"])
        if "Fn::GetAtt" in value:
            return str(value["Fn::GetAtt"][0])
    return None


def statements_of_role(synth: Synth, role_id: str) -> list[dict[str, Any]]:
    """Every statement attached to a role: inline policies and the AWS::IAM::Policy resources naming it."""
    role = synth.resources[role_id]["Properties"]
    statements = [s for p in role.get("Policies", []) for s in p["PolicyDocument"]["Statement"]]
    for policy in synth.of_type("AWS::IAM::Policy").values():
        if {"Ref": role_id} in policy["Properties"].get("Roles", []):
            statements += policy["Properties"]["PolicyDocument"]["Statement"]
    return statements


def as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


class ResourceNames:
    """Readable names for the ARNs in a policy: `table:Contacts`, `objects:imports/*`, `bucket`, ..."""

    def __init__(self, synth: Synth) -> None:
        self.synth = synth

    def table(self, logical_id: str) -> str:
        name = self.synth.resources[logical_id]["Properties"]["TableName"]
        return name.rsplit("-", 1)[1]

    def __call__(self, arn: Any) -> str:
        if arn == "*":
            return "*"
        target = ref_id(arn)
        if target is not None:
            return self._named(target)
        if isinstance(arn, dict) and "Fn::Join" in arn:
            sep, parts = arn["Fn::Join"]
            assert sep == ""
            head, *tail = parts
            suffix = "".join(p if isinstance(p, str) else self._pseudo(p) for p in tail)
            base = ref_id(head)
            if base is not None:
                kind = self.synth.resources[base]["Type"]
                if kind == "AWS::S3::Bucket":
                    return f"objects:{suffix.removeprefix('/')}"
                if kind == "AWS::DynamoDB::Table":
                    return f"table:{self.table(base)}{suffix}"
            return "".join(p if isinstance(p, str) else self._pseudo(p) for p in parts)
        raise AssertionError(f"unrecognised resource {arn!r}")

    def _pseudo(self, value: Any) -> str:
        ref = value.get("Ref") if isinstance(value, dict) else None
        if ref and ref.startswith("AWS::"):
            return "{" + ref.removeprefix("AWS::") + "}"
        return self(value)

    def _named(self, logical_id: str) -> str:
        kind = self.synth.resources[logical_id]["Type"]
        names = {
            "AWS::DynamoDB::Table": lambda: f"table:{self.table(logical_id)}",
            "AWS::S3::Bucket": lambda: "bucket",
            "AWS::Events::EventBus": lambda: "event-bus",
            "AWS::Logs::LogGroup": lambda: f"log-group:{logical_id}",
            "AWS::Lambda::Function": lambda: f"function:{logical_id}",
            "AWS::StepFunctions::StateMachine": lambda: f"state-machine:{logical_id}",
            "AWS::SQS::Queue": lambda: f"queue:{logical_id}",
            "AWS::SecretsManager::Secret": lambda: f"secret:{logical_id}",
            "AWS::IAM::Role": lambda: f"role:{logical_id}",
            "AWS::RDS::DBCluster": lambda: "db-cluster",
            "AWS::SecretsManager::SecretTargetAttachment": lambda: "db-secret",
            "AWS::DynamoDB::Table#StreamArn": lambda: "stream",
        }
        return names[kind]()


def grants(synth: Synth, role_id: str) -> set[tuple[str, str]]:
    """(action, readable resource) for every Allow statement of a role; conditions are checked apart."""
    name = ResourceNames(synth)
    out: set[tuple[str, str]] = set()
    for statement in statements_of_role(synth, role_id):
        assert statement["Effect"] == "Allow"
        for action in as_list(statement["Action"]):
            for resource in as_list(statement["Resource"]):
                out.add((action, name(resource)))
    return out


def state_machine_of(synth: Synth, machine: str = "import") -> tuple[str, dict[str, Any]]:
    """The import (or bulk) state machine's logical id and resource, by its name."""
    found = [
        (k, r)
        for k, r in synth.of_type("AWS::StepFunctions::StateMachine").items()
        if r["Properties"]["StateMachineName"].endswith(f"-{machine}")
    ]
    assert len(found) == 1, f"expected one {machine} state machine, found {[k for k, _ in found]}"
    return found[0]
