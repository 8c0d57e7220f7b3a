from __future__ import annotations

import os
import subprocess
import sys


def test_a_deployed_function_finds_its_stage_tables_without_any_setup_call() -> None:
    code = (
        "from functions.common.models import Contact, ImportJob;"
        "print(Contact.Meta.table_name, ImportJob.Meta.table_name, Contact.Meta.region)"
    )
    env = {**os.environ, "CI_TABLE_PREFIX": "contact-import-prod", "CI_REGION": "eu-west-1"}
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True)
    assert out.stdout.split() == [
        "contact-import-prod-Contacts",
        "contact-import-prod-ImportJobs",
        "eu-west-1",
    ]
