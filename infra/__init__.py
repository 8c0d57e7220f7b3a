"""The CDK app: one stack (`infra.stack`) built from one construct per concern (`infra.constructs`)."""

import os

# jsii prints a Node end-of-life banner on every start unless told the major version is known
os.environ.setdefault("JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION", "20")
os.environ.setdefault("JSII_SILENCE_WARNING_DEPRECATED_NODE_VERSION", "1")
