import os

# before anything imports aws_cdk: jsii prints a Node end-of-life banner unless told (as infra/ does)
os.environ.setdefault("JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION", "20")
os.environ.setdefault("JSII_SILENCE_WARNING_DEPRECATED_NODE_VERSION", "1")
