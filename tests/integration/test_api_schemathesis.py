"""Property-based check of the served API against its own OpenAPI document (schemathesis):
with a valid key, no generated request gets a 5xx, and every response's status code, content
type, headers and body conform to the document. Bounded: 20 examples per operation.

Runs the schemathesis CLI against the server started in this process: its pytest plugin
(4.32.5) does not load under pytest 9. One worker: CPython 3.11.7's parser is not safe for the
concurrent `ast.parse` calls hypothesis makes from several threads.
"""

from __future__ import annotations

import subprocess
import sys

import httpx
import pytest

from functions.api import auth
from functions.api.app import openapi_document
from local.server import LocalApi
from tests.integration.test_api_support import api, new_workspace  # noqa: F401

pytestmark = [pytest.mark.integration, pytest.mark.slow]
CHECKS = ",".join(
    (
        "not_a_server_error",
        "status_code_conformance",
        "content_type_conformance",
        "response_headers_conformance",
        "response_schema_conformance",
    )
)


def test_the_served_document_is_the_one_in_the_code(api: LocalApi) -> None:  # noqa: F811
    served = httpx.get(api.url + "/api/v1/openapi.json")
    assert served.status_code == 200 and served.json() == openapi_document()


def test_every_operation_conforms_and_never_answers_5xx(api: LocalApi, tmp_path) -> None:  # noqa: F811
    key = auth.create_key(new_workspace(), auth.SCOPES)
    run = subprocess.run(
        [
            sys.executable,
            "-m",
            "schemathesis.cli",
            "--no-color",
            "run",
            f"{api.url}/api/v1/openapi.json",
            "--header",
            f"Authorization: Bearer {key}",
            "--checks",
            CHECKS,
            "--phases",
            "examples,coverage,fuzzing",
            "--max-examples",
            "20",
            "--workers",
            "1",
            "--seed",
            "20260423",
            "--suppress-health-check",
            "all",
        ],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        timeout=1500,
    )
    summary = run.stdout[-4000:]
    print(summary[-600:])  # the run's totals, for `pytest -s`
    assert run.returncode == 0, summary
    assert "passed" in summary
