"""`contact-import contacts list` filters through the read model, as a user runs it."""

from __future__ import annotations

import json
import uuid
from pathlib import Path

import pytest

from tests.e2e.test_cli import cli

pytestmark = pytest.mark.integration


def test_contacts_list_takes_the_api_filters_and_sorts(ddb_endpoint: str, tmp_path: Path) -> None:
    ws = f"ws_cli_{uuid.uuid4().hex[:8]}"
    done = cli(
        "import",
        "examples/contacts.csv",
        "--workspace",
        ws,
        "--json",
        data_dir=tmp_path,
        endpoint=ddb_endpoint,
    )
    assert done.returncode == 0, done.stderr

    def listed(*args: str) -> list[dict]:
        proc = cli(
            "contacts", "list", "--workspace", ws, *args, "--json", data_dir=tmp_path, endpoint=ddb_endpoint
        )
        assert proc.returncode == 0, proc.stderr
        return list(json.loads(proc.stdout))

    everyone = listed()
    assert len(everyone) == json.loads(done.stdout)["imported"]
    webinar = listed("--tag", "WEBINAR")
    assert webinar and {c["id"] for c in webinar} == {c["id"] for c in everyone if "webinar" in c["tags"]}
    by_score = listed("--sort", "lead_score_desc", "--limit", "5")
    scores = sorted((c["lead_score"] for c in everyone if c["lead_score"] is not None), reverse=True)[:5]
    assert [c["lead_score"] for c in by_score] == scores
    someone = everyone[0]["email"].split("@")[0]
    assert someone in {c["email"].split("@")[0] for c in listed("--search", someone)}
    bad = cli(
        "contacts",
        "list",
        "--workspace",
        ws,
        "--created-after",
        "yesterday",
        data_dir=tmp_path,
        endpoint=ddb_endpoint,
    )
    assert bad.returncode != 0 and "created_after" in bad.stderr
