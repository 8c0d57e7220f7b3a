"""The state machines: `statemachines/import.asl.json` (imports) and `statemachines/bulk.asl.json`
(bulk operations and their undo), the same files the local runtime runs."""

from __future__ import annotations

import re
from collections.abc import Mapping
from pathlib import Path

from aws_cdk import ArnFormat, Stack
from aws_cdk import aws_iam as iam
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_logs as logs
from aws_cdk import aws_s3 as s3
from aws_cdk import aws_stepfunctions as sfn
from constructs import Construct

from functions.registry import FUNCTIONS, FunctionSpec
from infra.access import BULK, IMPORTS
from infra.config import REPO_ROOT, InfraConfig
from infra.constructs.nag import acknowledge, logical_id

ASL_PATH = REPO_ROOT / "statemachines" / "import.asl.json"
# each machine's ItemReader reads `{prefix}{id}/manifest.json`
MANIFEST_PREFIX = {"import": IMPORTS, "bulk": BULK}
BUCKET_SUBSTITUTION = "Bucket"
_PLACEHOLDER = re.compile(r"\$\{([A-Za-z0-9_]+)\}")


class SubstitutionMismatch(ValueError):
    pass


def placeholders(asl_text: str) -> set[str]:
    return set(_PLACEHOLDER.findall(asl_text))


def asl_path(machine: str) -> Path:
    return ASL_PATH.with_name(f"{machine}.asl.json")


def definition_substitutions(
    function_arns: Mapping[str, str],
    bucket_name: str,
    specs: tuple[FunctionSpec, ...] | None = None,
    machine: str = "import",
) -> dict[str, str]:
    """`${...}` values for the ASL file, from the registry: a new function needs no change here."""
    subs = {
        spec.substitution: function_arns[spec.name]
        for spec in specs or FUNCTIONS
        if spec.substitution and spec.machine == machine
    }
    subs[BUCKET_SUBSTITUTION] = bucket_name
    path = asl_path(machine)
    used = placeholders(path.read_text())
    if used != set(subs):
        raise SubstitutionMismatch(
            f"{path.name}: placeholders without a substitution {sorted(used - set(subs))}, "
            f"substitutions never used {sorted(set(subs) - used)}"
        )
    return subs


class ImportPipeline(Construct):
    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        config: InfraConfig,
        functions: Mapping[str, lambda_.IFunction],
        bucket: s3.IBucket,
        specs: tuple[FunctionSpec, ...] | None = None,
        machine: str = "import",
    ) -> None:
        super().__init__(scope, construct_id)
        # vended-logs prefix keeps the CloudWatch Logs resource policy small (AWS guidance for SFN)
        self.log_group = logs.LogGroup(
            self,
            "Logs",
            log_group_name=f"/aws/vendedlogs/states/{config.name_prefix}-{machine}",
            retention=config.log_retention,
            removal_policy=config.removal,
        )
        self.role = iam.Role(
            self,
            "Role",
            assumed_by=iam.ServicePrincipal("states.amazonaws.com"),
            description=f"{machine} state machine: invoke its functions, read manifests, run its Map children",
        )
        name = f"{config.name_prefix}-{machine}"
        self.state_machine = sfn.StateMachine(
            self,
            "StateMachine",
            state_machine_name=name,
            state_machine_type=sfn.StateMachineType.STANDARD,
            definition_body=sfn.DefinitionBody.from_file(str(asl_path(machine))),
            definition_substitutions=definition_substitutions(
                {fn_name: fn.function_arn for fn_name, fn in functions.items()},
                bucket.bucket_name,
                specs,
                machine,
            ),
            role=self.role,
            logs=sfn.LogOptions(
                destination=self.log_group, level=sfn.LogLevel.ALL, include_execution_data=False
            ),
            tracing_enabled=True,
        )
        # the ASL names each function by its unqualified ARN: no version/alias wildcard needed,
        # and only the functions the definition names (not, say, the upload trigger)
        invoked = [
            functions[spec.name]
            for spec in specs or FUNCTIONS
            if spec.substitution and spec.machine == machine
        ]
        self.role.add_to_policy(
            iam.PolicyStatement(
                actions=["lambda:InvokeFunction"], resources=[fn.function_arn for fn in invoked]
            )
        )
        # the Distributed Map's ItemReader reads imports/{job}/manifest.json (bulk/{op}/...)
        manifests = f"{MANIFEST_PREFIX[machine]}*/manifest.json"
        self.role.add_to_policy(
            iam.PolicyStatement(actions=["s3:GetObject"], resources=[bucket.arn_for_objects(manifests)])
        )
        acknowledge(
            self.role,
            f"AwsSolutions-IAM5[Resource::<{logical_id(bucket)}.Arn>/{manifests}]",
            "The ItemReader reads each job's (operation's) manifest; the wildcard is its id only.",
        )
        acknowledge(
            self.role,
            "AwsSolutions-IAM5[Resource::*]",
            "Log delivery (logs:*LogDelivery, DescribeLogGroups...) and X-Ray accept no resource scoping.",
        )
        self._grant_map_children(self.state_machine, name)

    def _grant_map_children(self, state_machine: sfn.StateMachine, name: str) -> None:
        """Distributed Map runs its chunks as child executions of this same state machine.

        A separate policy, as CDK's own DistributedMap does, so the state machine does not depend
        on a policy that names its own ARN. Executions are addressed by the state machine's name:
        `execution:{name}:{id}` for its own, `execution:{name}/{map run}:{id}` for Map Run children.
        """
        stack = Stack.of(self)

        def executions(pattern: str) -> str:
            return stack.format_arn(
                service="states",
                resource="execution",
                resource_name=pattern,
                arn_format=ArnFormat.COLON_RESOURCE_NAME,
            )

        own, children = f"{name}:*", f"{name}/*"
        self.map_policy = iam.Policy(
            self,
            "DistributedMapPolicy",
            statements=[
                iam.PolicyStatement(
                    actions=["states:StartExecution"], resources=[state_machine.state_machine_arn]
                ),
                iam.PolicyStatement(
                    actions=["states:DescribeExecution", "states:StopExecution"],
                    resources=[executions(own), executions(children)],
                ),
                # redriving a failed import redrives its Map Run (resume from the failed chunk)
                iam.PolicyStatement(actions=["states:RedriveExecution"], resources=[executions(children)]),
            ],
        )
        self.role.attach_inline_policy(self.map_policy)
        for pattern in (own, children):
            acknowledge(
                self.map_policy,
                f"AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:states:<AWS::Region>:<AWS::AccountId>:execution:{pattern}]",
                "Executions of this state machine only; the wildcard is the execution id.",
            )
