"""The stage's keys secret: created empty, filled by an operator, never overwritten by a deploy."""

from __future__ import annotations

import json
from typing import Any

from functions.common.secrets import parse_secret
from tests.infra.helpers import Synth


def secret(synth: Synth) -> tuple[str, dict[str, Any]]:
    # the keys secret; the read model's cluster has its own generated one
    (found,) = (
        (k, r) for k, r in synth.of_type("AWS::SecretsManager::Secret").items() if k.startswith("SecretsKeys")
    )
    return found


def test_the_secret_starts_as_an_empty_template_with_no_key_in_it(dev: Synth):
    properties = secret(dev)[1]["Properties"]
    assert "GenerateSecretString" not in properties
    # pinned on purpose: CloudFormation rewrites SecretString whenever the template's value
    # changes, which would replace the keys the operator put there on the next deploy
    assert json.loads(properties["SecretString"]) == {"master_keys": "", "platform_keys": {}}


def test_the_template_is_a_secret_the_functions_read_as_no_key_configured(dev: Synth):
    keys = parse_secret("arn:placeholder", secret(dev)[1]["Properties"]["SecretString"])
    assert keys.master_keys is None
    assert keys.platform_keys == {}


def test_the_secret_is_kept_in_prod_and_removed_with_a_dev_stack(dev: Synth, prod: Synth):
    assert secret(prod)[1]["DeletionPolicy"] == "Retain"
    assert secret(dev)[1]["DeletionPolicy"] == "Delete"


def test_the_secret_has_no_rotation_lambda_and_its_arn_is_an_output(dev: Synth):
    secret_id, _ = secret(dev)
    assert not dev.of_type("AWS::SecretsManager::RotationSchedule")
    assert dev.template["Outputs"]["KeysSecretArn"]["Value"] == {"Ref": secret_id}
