"""cdk-nag (AwsSolutions, run as a CDK policy-validation plugin) and cfn-lint on the synthesized stacks."""

from __future__ import annotations

import json
import re
from pathlib import Path

import aws_cdk as cdk
import pytest
from aws_cdk import aws_s3 as s3
from cfnlint.api import ManualArgs, lint

from infra.app import add_policy_checks
from infra.constructs.nag import logical_id
from tests.infra.helpers import Synth

# CDK itself emits an explicit DependsOn next to the GetAtt of a function's or state machine's
# role (so the role's policy exists first); cfn-lint warns the dependency is already implied.
CFN_LINT_IGNORED = ["W3005"]

# Every acknowledged AwsSolutions finding, reviewed. <Bucket> is the upload bucket's logical id.
EXPECTED_ACKNOWLEDGMENTS = {
    "AwsSolutions-L1",  # python3.12, the runtime the dependencies layer is built for
    "AwsSolutions-SQS3",  # the DLQs of the upload rule and of the sync have no DLQ of their own
    "AwsSolutions-SMG4",  # the keys secret: Fernet master keys rotate by an operator procedure
    # the Api manages one schedule per CRM connection in the stage's sync group
    "AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:scheduler:<AWS::Region>:<AWS::AccountId>:schedule/contact-import-dev-sync/*]",
    "AwsSolutions-APIG4",  # the webhook route: HMAC-signed batches, no API key
    "AwsSolutions-IAM5[Resource::*]",  # X-Ray and Step Functions log delivery have no resource scoping
    "AwsSolutions-IAM5[Resource::<Bucket.Arn>/uploads/*]",
    "AwsSolutions-IAM5[Resource::<Bucket.Arn>/imports/*]",
    "AwsSolutions-IAM5[Resource::<Bucket.Arn>/reports/*]",
    "AwsSolutions-IAM5[Resource::<Bucket.Arn>/imports/*/manifest.json]",
    # bulk operations: the Api and Bulk functions under bulk/, the bulk machine's manifests and children
    "AwsSolutions-IAM5[Resource::<Bucket.Arn>/bulk/*]",
    "AwsSolutions-IAM5[Resource::<Bucket.Arn>/bulk/*/manifest.json]",
    "AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:states:<AWS::Region>:<AWS::AccountId>:execution:{bulk}:*]",
    "AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:states:<AWS::Region>:<AWS::AccountId>:execution:{bulk}/*]",
    "AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:states:<AWS::Region>:<AWS::AccountId>:execution:{sm}:*]",
    "AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:states:<AWS::Region>:<AWS::AccountId>:execution:{sm}/*]",
    # the read model's cluster: reached only through the Data API, in isolated subnets
    "AwsSolutions-VPC7",  # no flow logs: nothing but the database in the VPC, no network clients
    "AwsSolutions-RDS6",  # no IAM database auth: the Data API authenticates with IAM + the secret
    "AwsSolutions-RDS10",  # deletion protection only in prod
    "AwsSolutions-RDS11",  # default port: nothing connects to it
    "AwsSolutions-EC23",  # the cluster's security group has no ingress at all
    "CloudFormation-Validate::W3010",  # added by CDK's own Vpc construct (its availability zones)
    # the web app's distribution: worldwide, no WAF by default, the default certificate
    "AwsSolutions-CFR1",
    "AwsSolutions-CFR2",
    "AwsSolutions-CFR4",
    # CDK's BucketDeployment function, which copies web/ and config.json into the web bucket
    "AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]",
    "AwsSolutions-IAM5[Action::s3:GetBucket*]",
    "AwsSolutions-IAM5[Action::s3:GetObject*]",
    "AwsSolutions-IAM5[Action::s3:List*]",
    "AwsSolutions-IAM5[Action::s3:Abort*]",
    "AwsSolutions-IAM5[Action::s3:DeleteObject*]",
    "AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:s3:::cdk-hnb659fds-assets-<AWS::AccountId>-<AWS::Region>/*]",
    "AwsSolutions-IAM5[Resource::<WebBucket.Arn>/*]",
}


def acknowledgments(synth: Synth) -> dict[str, set[str]]:
    """Finding id -> reasons, as the plugin wrote them into the resources' Metadata."""
    bucket = next(k for k in synth.of_type("AWS::S3::Bucket") if k.startswith("StorageBucket"))
    web_bucket = logical_id(synth.stack.web.bucket)
    sm_name = synth.resources[logical_id(synth.stack.pipeline.state_machine)]["Properties"][
        "StateMachineName"
    ]
    bulk_name = synth.resources[logical_id(synth.stack.bulk.state_machine)]["Properties"]["StateMachineName"]
    found: dict[str, set[str]] = {}
    for resource in synth.resources.values():
        for rule in resource.get("Metadata", {}).get("cdk_nag", {}).get("rules_to_suppress", []):
            finding = (
                rule["id"]
                .replace(f"<{bucket}.Arn>", "<Bucket.Arn>")
                .replace(sm_name, "{sm}")
                .replace(bulk_name, "{bulk}")
            )
            finding = finding.replace(f"<{web_bucket}.Arn>", "<WebBucket.Arn>")
            found.setdefault(finding, set()).add(rule["reason"])
    return found


@pytest.mark.parametrize("stage", ["dev", "prod"])
def test_synthesis_leaves_no_unacknowledged_aws_solutions_finding(stage: str, request: pytest.FixtureRequest):
    synth: Synth = request.getfixturevalue(stage)  # the fixture's synth would have raised on an error
    violations = [v for report in synth.validation_report()["pluginReports"] for v in report["violations"]]
    assert violations == []
    assert acknowledgments(synth), "the AwsSolutions plugin did not run (no acknowledgment metadata)"


def test_only_the_reviewed_findings_are_acknowledged_each_with_a_reason(dev: Synth):
    found = acknowledgments(dev)
    assert set(found) == EXPECTED_ACKNOWLEDGMENTS
    for finding, reasons in found.items():
        assert all(len(reason) >= 30 for reason in reasons), (finding, reasons)


def test_an_unacknowledged_error_fails_synthesis(tmp_path: Path):
    app = cdk.App(outdir=str(tmp_path), context={"@aws-cdk/core:validationReportJson": True})
    stack = cdk.Stack(app, "Bad")
    s3.Bucket(stack, "Open")  # no TLS-only policy, no access logs
    add_policy_checks(app)
    with pytest.raises(RuntimeError, match="ValidationFailed"):
        app.synth()
    report = json.loads((tmp_path / "policy-validation-report.json").read_text())
    rules = {v["ruleName"] for r in report["pluginReports"] for v in r["violations"]}
    assert {"AwsSolutions-S1", "AwsSolutions-S10"} <= rules


@pytest.mark.parametrize("stage", ["dev", "prod"])
def test_cfn_lint_finds_no_error_or_warning(stage: str, request: pytest.FixtureRequest):
    synth: Synth = request.getfixturevalue(stage)
    matches = lint(
        json.dumps(synth.template),
        config=ManualArgs(regions=["us-east-1", "eu-west-1"], ignore_checks=CFN_LINT_IGNORED),
    )
    assert [f"{m.rule.id} {m.message} at {'/'.join(map(str, m.path))}" for m in matches] == []


def test_stack_is_environment_agnostic(dev: Synth):
    """No account or region is baked in: every ARN uses the AWS::Region/AWS::AccountId pseudo parameters."""
    assert cdk.Token.is_unresolved(dev.stack.account)
    assert cdk.Token.is_unresolved(dev.stack.region)
    text = json.dumps(dev.template)
    assert not re.search(r"arn:aws:[a-z0-9-]+:[a-z]{2}-[a-z]+-\d:\d{12}:", text)
