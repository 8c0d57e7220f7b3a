"""Quota exhaustion fails the job at `enriching`; resume pays for nothing twice; BYOK keys win."""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from functions.common import admin
from functions.common.settings import reset_settings
from local import imports
from local.runtime import Runtime
from tests.stubs.enrichment_stub import EnrichmentStub, found, quota_exhausted

pytestmark = pytest.mark.integration
EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "contacts.csv"


@pytest.fixture
def stub(rt: Runtime) -> Iterator[EnrichmentStub]:
    with EnrichmentStub(api_key="platform-key", default=found()) as s:
        saved = {k: os.environ.get(k) for k in ("CI_ENRICH_BASE_URLS", "CI_PLATFORM_KEYS")}
        os.environ["CI_ENRICH_BASE_URLS"] = json.dumps({"apollo": s.url})
        os.environ["CI_PLATFORM_KEYS"] = json.dumps({"apollo": "platform-key"})
        reset_settings()
        try:
            yield s
        finally:
            for k, v in saved.items():
                if v is None:
                    os.environ.pop(k, None)
                else:
                    os.environ[k] = v
            reset_settings()


def test_quota_exhausted_fails_at_enriching_then_resume_calls_nobody_twice(
    rt: Runtime, stub: EnrichmentStub, workspace: str, out_dir: Path
) -> None:
    stub.script("zoe.brown@acme-analytics.com", quota_exhausted())
    options = {"enrich": True, "enrich_provider": "apollo", "force_refresh": True}
    failed = imports.run_import(rt, EXAMPLE, workspace_id=workspace, options=options, out_dir=out_dir)

    assert failed.status == "failed"
    assert failed.stage == "enriching"
    assert "enrichment quota exhausted for apollo" in (failed.error or "")
    assert "platform-key" not in (failed.error or "")
    first_calls = {r.email for r in stub.requests}

    stub.script("zoe.brown@acme-analytics.com", found())  # the quota is back
    resumed = imports.resume(rt, failed.job_id, out_dir=out_dir)

    assert resumed.status == "complete", resumed.error
    repeated = {e for e in first_calls if len(stub.calls(e)) > 1}
    assert repeated <= {"zoe.brown@acme-analytics.com"}  # only the refused call is asked again
    e = resumed.counters["enrichment"]
    assert e["requested"] == resumed.counters["imported"]
    assert e["failed"] == 0


def test_workspace_key_is_used_before_the_platform_key(
    rt: Runtime, stub: EnrichmentStub, workspace: str, out_dir: Path
) -> None:
    admin.set_provider_key(workspace, "apollo", "workspace-own-key")
    stub.reset()
    with EnrichmentStub(api_key="workspace-own-key", default=found()) as own:
        os.environ["CI_ENRICH_BASE_URLS"] = json.dumps({"apollo": own.url})
        reset_settings()
        outcome = imports.run_import(
            rt,
            EXAMPLE,
            workspace_id=workspace,
            options={"enrich": True, "enrich_provider": "apollo", "force_refresh": True},
            out_dir=out_dir,
        )
        assert outcome.status == "complete", outcome.error
        sent = [{k.lower(): v for k, v in r.headers.items()}.get("x-api-key") for r in own.requests]
        assert sent and set(sent) == {"workspace-own-key"}
    assert stub.requests == []
