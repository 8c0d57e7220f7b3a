"""CDK app entry point: `.venv/bin/python -m infra.app` (what cdk.json runs) writes cdk.out/.

cdk-nag's AwsSolutions pack runs as a policy-validation plugin during synthesis: an
unacknowledged error fails the synth and is listed in cdk.out/policy-validation-report.json.
"""

from __future__ import annotations

import argparse
import json
import os
from typing import Any

import aws_cdk as cdk
from cdk_nag import AwsSolutionsChecks

from functions.registry import FUNCTIONS, FunctionSpec
from infra.config import REPO_ROOT, InfraConfig
from infra.stack import ContactImportStack


def cdk_json_context() -> dict[str, Any]:
    """cdk.json's context (the feature flags): the CLI passes it itself, plain `python -m infra.app` does not."""
    context: dict[str, Any] = json.loads((REPO_ROOT / "cdk.json").read_text()).get("context", {})
    return context


def build_app(
    context: dict[str, Any] | None = None,
    outdir: str | None = None,
    functions: tuple[FunctionSpec, ...] = FUNCTIONS,
) -> tuple[cdk.App, ContactImportStack]:
    """The app and its one stack; `context` is what `-c key=value` would give (the CLI's wins)."""
    app = cdk.App(
        context={**cdk_json_context(), "@aws-cdk/core:validationReportJson": True, **(context or {})},
        outdir=outdir,
    )
    config = InfraConfig.from_context(app)
    stack = ContactImportStack(
        app,
        f"ContactImport-{config.stage}",
        config=config,
        functions=functions,
        description=f"Contact import pipeline ({config.stage})",
        # environment-agnostic on purpose: the CLI deploys to its credentials' account and region,
        # and ARNs stay AWS::Region/AWS::AccountId tokens, so the template (and the cdk-nag
        # findings acknowledged by resource) are the same on every machine
    )
    add_policy_checks(app)
    return app, stack


def add_policy_checks(app: cdk.App) -> None:
    """cdk-nag AwsSolutions as a policy-validation plugin: an unacknowledged error fails synthesis.

    Acknowledgments are also written into each resource's Metadata (`cdk_nag.rules_to_suppress`)
    so the template itself carries the audit trail of what was accepted and why.
    """
    cdk.Validations.of(app).add_plugins(AwsSolutionsChecks(app, write_suppressions_to_cloud_formation=True))


def main(argv: list[str] | None = None) -> None:
    """Run by the CDK CLI (context and output folder come from it), or directly: `-c key=value`
    sets context as on the CLI and the assembly goes to ./cdk.out."""
    parser = argparse.ArgumentParser(description="Synthesize the contact-import stack")
    parser.add_argument("-c", "--context", action="append", default=[], metavar="KEY=VALUE")
    args = parser.parse_args(argv)
    context = dict(item.split("=", 1) for item in args.context)
    app, stack = build_app(context, outdir=os.environ.get("CDK_OUTDIR") or str(REPO_ROOT / "cdk.out"))
    assembly = app.synth()
    if "CDK_OUTDIR" not in os.environ:
        print(f"{stack.stack_name}: {assembly.directory}/{stack.template_file}")


if __name__ == "__main__":
    main()
