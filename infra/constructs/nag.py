"""cdk-nag acknowledgments: one finding, one written reason, on the construct it concerns.

cdk-nag 3 is a CDK policy-validation plugin; an acknowledgment is CDK's own
`Validations.of(construct).acknowledge(...)`, and each finding of a rule (for example each
wildcard resource of AwsSolutions-IAM5) is acknowledged by its own id.
"""

from __future__ import annotations

from aws_cdk import Acknowledgment, CfnResource, Stack, Validations
from constructs import IConstruct


def acknowledge(scope: IConstruct, finding: str, reason: str) -> None:
    Validations.of(scope).acknowledge(Acknowledgment(id=finding, reason=reason))


def logical_id(construct: IConstruct) -> str:
    """The CloudFormation logical id of a construct's resource, as cdk-nag names it in a finding."""
    resource = construct if isinstance(construct, CfnResource) else construct.node.default_child
    stack = Stack.of(construct)
    return str(stack.resolve(stack.get_logical_id(resource)))  # type: ignore[arg-type]
