"""The stage's keys secret: the Fernet master keys and the platform's provider keys.

The functions whose row in infra/access.py says `read_secrets` get its ARN (CI_SECRETS_ARN) and
read it through `functions/common/secrets.py`, which re-reads it every five minutes.

CloudFormation cannot generate a Fernet key (32 url-safe base64 bytes) in a JSON field, and real
keys must never be in a template, so the stack creates the secret with an empty placeholder and
an operator puts the keys once, after the first deploy (the ARN is the `KeysSecretArn` output):

    KEY=$(.venv/bin/python -c 'from functions.enrich.keys import generate_master_key; print(generate_master_key())')
    aws secretsmanager put-secret-value --secret-id <KeysSecretArn> \\
        --secret-string "{\\"master_keys\\": \\"$KEY\\", \\"platform_keys\\": {\\"apollo\\": \\"<apollo key>\\"}}"

README "Secrets on AWS" says the same, and how to rotate. Until then `master_keys` is empty:
storing or using a provider key or a CRM token fails with "no master key is configured";
everything else works.

PLACEHOLDER must never change: CloudFormation writes SecretString whenever the template's value
changes, and that would replace the operator's keys on the next deploy.
"""

from __future__ import annotations

import json

from aws_cdk import SecretValue
from aws_cdk import aws_secretsmanager as secretsmanager
from constructs import Construct

from infra.config import InfraConfig
from infra.constructs.nag import acknowledge

PLACEHOLDER = {"master_keys": "", "platform_keys": {}}


class KeysSecret(Construct):
    def __init__(self, scope: Construct, construct_id: str, *, config: InfraConfig) -> None:
        super().__init__(scope, construct_id)
        # no fixed name: a destroyed dev stack's secret waits out its recovery window under its
        # name, and a redeploy with the same name would fail
        self.secret = secretsmanager.Secret(
            self,
            "Keys",
            description=(
                f"Contact import ({config.stage}): Fernet master keys (newest first) and platform "
                'provider keys, as {"master_keys": "k1,k2", "platform_keys": {"apollo": "..."}}'
            ),
            # not a secret: an empty template the operator overwrites with put-secret-value
            secret_string_value=SecretValue.unsafe_plain_text(json.dumps(PLACEHOLDER)),
            removal_policy=config.removal,
        )
        acknowledge(
            self.secret,
            "AwsSolutions-SMG4",
            "Fernet master keys rotate by an operator procedure, not a rotation Lambda: prepend a new "
            "key, re-encrypt the stored tokens (KeyVault.rotate), then drop the old key.",
        )
