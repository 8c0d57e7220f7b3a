from __future__ import annotations

import json
import re

from functions.registry import FUNCTIONS, machine_functions
from local.runtime import ASL_PATH, asl_definition


def test_every_placeholder_has_a_substitution_and_every_substitution_is_used() -> None:
    text = ASL_PATH.read_text()
    placeholders = set(re.findall(r"\$\{(\w+)\}", text))
    substitutions = {spec.substitution for spec in machine_functions("import")} | {"Bucket"}
    assert placeholders == substitutions


def test_filled_definition_is_valid_json_naming_real_functions() -> None:
    doc = json.loads(asl_definition("bucket-x"))
    names = {spec.name for spec in FUNCTIONS}
    arns = re.findall(r"function:contact-import-(\w+)", json.dumps(doc))
    assert arns and set(arns) <= names
    assert doc["States"]["ProcessChunks"]["ItemProcessor"]["ProcessorConfig"] == {
        "Mode": "DISTRIBUTED",
        "ExecutionType": "STANDARD",
    }
