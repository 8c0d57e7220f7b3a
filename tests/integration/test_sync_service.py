"""CRM syncs end to end on DynamoDB Local and the real state machine: the CRM is a stub server
speaking HubSpot's API (tests/stubs/crm_stub.py) reached through the real adapter, and every
sync run is an ImportJob like any other."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from pydantic import SecretStr

from functions.api.settings import reset_api_settings
from functions.common import admin, faults, jobs
from functions.common.aws import client
from functions.common.errors import ConfigInvalid
from functions.common.models import ConfigItem, ImportJob, table_name
from functions.common.settings import reset_settings
from functions.sync import connections, handler, service
from functions.sync.ports import SyncAuthError, SyncError, SyncRecord
from local.runtime import Runtime
from tests.contracts.openapi_check import conforming_stub
from tests.integration.helpers import contacts
from tests.stubs.crm_stub import CrmStub

pytestmark = pytest.mark.integration
T0 = datetime(2025, 6, 1, 12, 0, tzinfo=UTC)


@pytest.fixture
def engine(rt: Runtime, monkeypatch: pytest.MonkeyPatch) -> Iterator[Runtime]:
    """The runtime, with imports started on its state machine (as the API and the CLI do)."""
    monkeypatch.setenv("CI_STATE_MACHINE_ARN", rt.state_machine_arn)
    reset_api_settings()
    yield rt
    reset_api_settings()
    reset_settings()


@pytest.fixture
def hubspot() -> Iterator[CrmStub]:
    with conforming_stub("hubspot") as stub:
        yield stub


def people(
    stub: CrmStub, n: int, tag: str, *, start: datetime = T0, step: timedelta = timedelta(seconds=1)
) -> list[str]:
    return stub.add_many(
        n,
        start=start,
        step=step,
        make=lambda i: {
            "email": f"p{i}.{tag}@sync-{tag.replace('_', '-')}.example",
            "firstname": f"P{i}",
            "jobtitle": "VP Sales",
        },
    )


def connect(stub: CrmStub, workspace: str, **settings: Any) -> connections.Connection:
    return service.connect(workspace, stub.provider, stub.token, base_url=stub.base_url, **settings)


def wait_and_finalize(rt: Runtime, result: dict[str, Any]) -> ImportJob:
    assert result["status"] == "started", result
    arn = rt.state_machine_arn.replace(":stateMachine:", ":execution:") + ":" + result["job_id"]
    rt.wait(arn, timeout=300)
    settled = service.finalize(result["workspace_id"], result["connection_id"])
    job = jobs.get(result["job_id"])
    assert job is not None and settled["job_id"] == result["job_id"]
    return job


def watermark(conn: connections.Connection) -> str | None:
    return connections.get(conn.workspace_id, conn.connection_id).public()["watermark"]


def workspace_jobs(workspace: str) -> list[str]:
    return [job_id for _, job_id in jobs.newest_ids(workspace)]


# --- with the HubSpot stub and the real adapter ----------------------------------------------------


def test_a_run_pages_through_the_crm_into_one_import_whose_contacts_land_in_the_workspace(
    engine: Runtime, hubspot: CrmStub, workspace: str
) -> None:
    people(hubspot, 230, workspace)
    conn = connect(hubspot, workspace, options={"tags": ["from-hubspot"]})
    result = service.run(workspace, conn.connection_id)
    assert result["records"] == 230 and result["watermark_from"] is None
    searches = [r for r in hubspot.requests if r.path.endswith("/search")]
    assert len(searches) == 3 and searches[1].body.get("after")  # three pages of at most 100
    job = wait_and_finalize(engine, result)
    assert job.status == "complete" and job.source == "sync:hubspot"
    assert job.counters["imported"] == 230 and job.counters["total"] == 230
    stored = contacts(workspace)
    assert len(stored) == 230 and all("from-hubspot" in c["tags"] for c in stored)
    assert watermark(conn) == "2025-06-01T12:03:49.000000Z"  # the last record's stamp (T0 + 229 s)
    assert connections.get(workspace, conn.connection_id).last_run["job_status"] == "complete"


def test_a_second_run_pulls_only_what_changed_and_a_run_with_nothing_new_creates_no_job(
    engine: Runtime, hubspot: CrmStub, workspace: str
) -> None:
    ids = people(hubspot, 5, workspace)
    conn = connect(hubspot, workspace)
    first = wait_and_finalize(engine, service.run(workspace, conn.connection_id))
    assert first.counters["imported"] == 5

    hubspot.touch(ids[2], modified_at=T0 + timedelta(minutes=30), jobtitle="Chief Revenue Officer")
    hubspot.add(
        {"email": f"new.{workspace}@sync-{workspace.replace('_', '-')}.example"},
        modified_at=T0 + timedelta(minutes=31),
    )
    second = service.run(workspace, conn.connection_id)
    assert second["records"] == 2 and second["watermark_from"] == "2025-06-01T12:00:04.000000Z"
    job = wait_and_finalize(engine, second)
    assert (job.counters["imported"], job.counters["updated"]) == (1, 1)
    changed = next(c for c in contacts(workspace) if c["email"].startswith("p2."))
    assert changed["fields"]["title"] == "Chief Revenue Officer"

    before = workspace_jobs(workspace)
    third = service.run(workspace, conn.connection_id)
    assert third["status"] == "no_changes" and third["job_id"] is None
    assert third["pulled"] == 2  # the overlap window re-read the two, and both were dropped
    assert workspace_jobs(workspace) == before
    assert watermark(conn) == "2025-06-01T12:31:00.000000Z"


def test_records_sharing_one_timestamp_are_not_lost_across_capped_runs(
    engine: Runtime, hubspot: CrmStub, workspace: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CI_SYNC_MAX_RECORDS", "4")
    reset_settings()
    people(hubspot, 10, workspace, step=timedelta(0))  # ten records, one stamp
    conn = connect(hubspot, workspace)
    counts = []
    for _ in range(2):
        job = wait_and_finalize(engine, service.run(workspace, conn.connection_id))
        counts.append(job.counters["imported"])
    # a record landing late on the same stamp as the watermark is still picked up
    hubspot.add({"email": f"late.{workspace}@sync-{workspace.replace('_', '-')}.example"}, modified_at=T0)
    job = wait_and_finalize(engine, service.run(workspace, conn.connection_id))
    counts.append(job.counters["imported"])
    assert service.run(workspace, conn.connection_id)["status"] == "no_changes"
    assert counts == [4, 4, 3]
    assert len(contacts(workspace)) == 11


def test_an_import_failure_leaves_the_watermark_and_the_next_run_pulls_the_same_records(
    engine: Runtime, hubspot: CrmStub, workspace: str
) -> None:
    people(hubspot, 3, workspace)
    conn = connect(hubspot, workspace)
    wait_and_finalize(engine, service.run(workspace, conn.connection_id))
    kept = watermark(conn)
    people(hubspot, 2, workspace + "b", start=T0 + timedelta(hours=1))

    def crash(scope: str | None) -> None:
        if scope == workspace:
            raise RuntimeError("injected commit failure")

    faults.inject("commit.after_claims", crash)
    try:
        failing = service.run(workspace, conn.connection_id)
        failed = wait_and_finalize(engine, failing)
    finally:
        faults.clear()
    assert failed.status == "failed"
    assert watermark(conn) == kept

    retry = service.run(workspace, conn.connection_id)
    assert retry["records"] == 2 and retry["job_id"] != failing["job_id"]
    assert retry["watermark_from"] == kept
    assert wait_and_finalize(engine, retry).counters["imported"] == 2
    assert watermark(conn) == "2025-06-01T13:00:01.000000Z"


def test_a_revoked_token_fails_the_run_with_a_reconnect_message_and_keeps_the_watermark(
    engine: Runtime, hubspot: CrmStub, workspace: str
) -> None:
    people(hubspot, 2, workspace)
    conn = connect(hubspot, workspace)
    wait_and_finalize(engine, service.run(workspace, conn.connection_id))
    kept = watermark(conn)
    people(hubspot, 1, workspace + "c", start=T0 + timedelta(hours=2))
    hubspot.revoke()
    jobs_before = workspace_jobs(workspace)
    result = service.run(workspace, conn.connection_id)
    assert result["status"] == "failed" and "reconnect" in result["reason"]
    assert hubspot.token not in json.dumps(result)
    assert watermark(conn) == kept and workspace_jobs(workspace) == jobs_before
    assert connections.get(workspace, conn.connection_id).last_run["status"] == "failed"

    hubspot.restore()
    assert wait_and_finalize(engine, service.run(workspace, conn.connection_id)).counters["imported"] == 1


def test_a_rate_limit_slows_the_run_down_instead_of_failing_it(
    engine: Runtime, hubspot: CrmStub, workspace: str
) -> None:
    people(hubspot, 3, workspace)
    conn = connect(hubspot, workspace)
    hubspot.fail_next(429, retry_after=1)
    result = service.run(workspace, conn.connection_id)
    assert result["status"] == "started" and result["records"] == 3
    first, second = hubspot.requests[:2]
    assert second.at - first.at >= 1.0  # Retry-After honoured
    assert wait_and_finalize(engine, result).counters["imported"] == 3


def test_a_second_run_while_the_first_is_pulling_is_refused_by_the_lock(
    engine: Runtime, hubspot: CrmStub, workspace: str
) -> None:
    people(hubspot, 3, workspace)
    conn = connect(hubspot, workspace)
    hubspot.fail_next("slow", delay=2.0)
    outcome: dict[str, Any] = {}
    first = threading.Thread(target=lambda: outcome.update(service.run(workspace, conn.connection_id)))
    first.start()
    deadline = time.monotonic() + 10
    while not hubspot.requests and time.monotonic() < deadline:
        time.sleep(0.02)
    second = service.run(workspace, conn.connection_id)
    first.join(timeout=60)
    assert second["status"] == "skipped" and "another sync" in second["reason"]
    assert outcome["status"] == "started"
    assert wait_and_finalize(engine, outcome).counters["imported"] == 3


def test_a_run_while_the_previous_import_is_still_running_is_skipped(
    engine: Runtime, hubspot: CrmStub, workspace: str
) -> None:
    people(hubspot, 2, workspace)
    conn = connect(hubspot, workspace)
    held = service.run(workspace, conn.connection_id, starter=lambda job: None)  # not started yet
    again = service.run(workspace, conn.connection_id, starter=lambda job: None)
    assert again["status"] == "skipped"
    assert again["reason"] == f"previous sync import {held['job_id']} still running"
    # the next run finds the job queued with its file and starts it (same job, same execution)
    resumed = service.run(workspace, conn.connection_id)
    assert resumed["status"] == "skipped" and resumed["job_id"] == held["job_id"]
    assert wait_and_finalize(engine, held).counters["imported"] == 2


# --- with a fake adapter ---------------------------------------------------------------------------


class FakeAdapter:
    provider = "hubspot"

    def __init__(self, records: list[SyncRecord], error: Exception | None = None) -> None:
        self.records, self.error, self.calls = records, error, []

    def pull(self, since: datetime | None) -> Iterator[SyncRecord]:
        self.calls.append(since)
        if self.error is not None:
            raise self.error
        yield from (r for r in self.records if since is None or r.modified_at >= since)


def factory(adapter: FakeAdapter) -> Any:
    seen_tokens: list[SecretStr] = []

    def make(provider: str, token: SecretStr, **kwargs: Any) -> FakeAdapter:
        seen_tokens.append(token)
        return adapter

    make.tokens = seen_tokens  # type: ignore[attr-defined]
    return make


SECRET = "pat-na1-0123456789abcdef-SECRET"


def test_the_token_is_stored_encrypted_and_never_shown_logged_or_returned(
    engine: Runtime, workspace: str, caplog: pytest.LogCaptureFixture, capsys: pytest.CaptureFixture[str]
) -> None:
    conn = service.connect(workspace, "hubspot", SECRET)
    raw = client("dynamodb").get_item(
        TableName=table_name(ConfigItem),
        Key={"pk": {"S": workspace}, "sk": {"S": f"connection#{conn.connection_id}"}},
    )["Item"]
    assert SECRET not in json.dumps(raw)
    assert "token" not in conn.public() and SECRET not in json.dumps(conn.public())
    leaky = FakeAdapter([], error=SyncError(f"HubSpot said no to {SECRET}"))
    make = factory(leaky)
    failed = service.run(workspace, conn.connection_id, adapter_factory=make)
    assert make.tokens[0].get_secret_value() == SECRET  # the adapter got the real token
    assert failed["status"] == "failed" and SECRET not in failed["reason"]
    good = FakeAdapter([SyncRecord("1", T0, {"email": f"tok@{workspace.replace('_', '-')}.example"})])
    result = service.run(workspace, conn.connection_id, adapter_factory=factory(good))
    wait_and_finalize(engine, result)
    stored = connections.get(workspace, conn.connection_id)
    out = capsys.readouterr()
    for text in (caplog.text, out.out, out.err, json.dumps(result), json.dumps(stored.public())):
        assert SECRET not in text


def test_an_auth_error_from_any_adapter_asks_to_reconnect(engine: Runtime, workspace: str) -> None:
    conn = service.connect(workspace, "outreach", SECRET)
    result = service.run(
        workspace, conn.connection_id, adapter_factory=factory(FakeAdapter([], error=SyncAuthError("401")))
    )
    assert result["status"] == "failed"
    assert "reconnect with `contact-import sync connect outreach`" in result["reason"]


def test_contacts_with_fields_outside_the_batch_shape_still_become_rows(
    engine: Runtime, workspace: str
) -> None:
    conn = service.connect(workspace, "hubspot", SECRET)
    record = SyncRecord(
        "9",
        T0,
        {
            "email": f"odd@{workspace.replace('_', '-')}.example",
            "dnt": True,
            "lifecycle": "lead",
            "address": {"zip": "1"},
        },
    )
    result = service.run(workspace, conn.connection_id, adapter_factory=factory(FakeAdapter([record])))
    job = wait_and_finalize(engine, result)
    assert job.counters["imported"] == 1
    (stored,) = contacts(workspace)
    assert stored["custom_fields"]["lifecycle"] == "lead" and not stored.get("dnt")


def test_a_lapsed_lock_is_taken_over_and_a_held_one_is_not(workspace: str, engine: Runtime) -> None:
    conn = service.connect(workspace, "hubspot", SECRET)
    owner = connections.acquire_lock(workspace, conn.connection_id)
    assert owner and connections.acquire_lock(workspace, conn.connection_id) is None
    skipped = service.run(workspace, conn.connection_id, adapter_factory=factory(FakeAdapter([])))
    assert skipped["status"] == "skipped"
    assert connections.release_lock(workspace, conn.connection_id, owner)
    lapsed = connections.acquire_lock(workspace, conn.connection_id, ttl_s=-5)
    assert lapsed is not None
    assert (
        service.run(workspace, conn.connection_id, adapter_factory=factory(FakeAdapter([])))["status"]
        == "no_changes"
    )
    assert not connections.release_lock(workspace, conn.connection_id, lapsed)  # taken over meanwhile


def test_the_completion_event_finalizes_the_sync_that_started_the_job(
    engine: Runtime, workspace: str
) -> None:
    conn = service.connect(workspace, "hubspot", SECRET)
    record = SyncRecord("1", T0, {"email": f"evt@{workspace.replace('_', '-')}.example"})
    result = service.run(workspace, conn.connection_id, adapter_factory=factory(FakeAdapter([record])))
    arn = engine.state_machine_arn.replace(":stateMachine:", ":execution:") + ":" + result["job_id"]
    engine.wait(arn)
    assert connections.get(workspace, conn.connection_id).public()["watermark"] is None
    event = {
        "source": "contact-import",
        "detail-type": "ImportJob Completed",
        "detail": {"job_id": result["job_id"], "workspace_id": workspace, "counters": {}},
    }
    settled = handler.dispatch(event)
    assert settled["outcome"] == "committed"
    assert (
        connections.get(workspace, conn.connection_id).public()["watermark"] == "2025-06-01T12:00:00.000000Z"
    )
    assert handler.dispatch({**event, "detail": {"job_id": "job_not_a_sync"}})["outcome"] == "ignored"
    swept = handler.dispatch({"action": "sweep"})["finalized"]
    assert all(r["connection_id"] != conn.connection_id for r in swept)  # nothing pending any more


def test_connecting_without_a_master_key_says_so(
    engine: Runtime, workspace: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("CI_MASTER_KEYS", raising=False)
    reset_settings()
    with pytest.raises(ConfigInvalid, match="no master key"):
        service.connect(workspace, "hubspot", SECRET)
    assert connections.list_connections(workspace) == []


# --- Apollo people search ------------------------------------------------------------------------


def test_apollo_search_shows_its_query_then_imports_with_the_workspace_key(
    engine: Runtime, workspace: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    rules = [{"name": "Sales VPs", "tier": "A", "conditions": {"title_contains": ["VP Sales"]}}]
    admin.set_config(workspace, "icp_rules", json.dumps(rules))
    with conforming_stub("apollo") as apollo:
        apollo.add_many(
            5,
            start=T0,
            make=lambda i: {
                "first_name": f"A{i}",
                "last_name": "Pollo",
                "title": "VP Sales",
                "email": f"a{i}.{workspace}@apollo-{workspace.replace('_', '-')}.example",
                "email_status": "verified",
            },
        )
        monkeypatch.setenv("CI_ENRICH_BASE_URLS", json.dumps({"apollo": apollo.base_url}))
        reset_settings()
        dry = service.apollo_search(workspace, max_people=3, dry_run=True)
        assert dry["status"] == "dry_run" and dry["query"]["searches"][0]["rule"] == "Sales VPs"
        assert apollo.requests == []
        with pytest.raises(ConfigInvalid, match="no Apollo key"):
            service.apollo_search(workspace, max_people=3)
        admin.set_provider_key(workspace, "apollo", apollo.token)
        result = service.apollo_search(workspace, max_people=3)
        assert [r.path for r in apollo.requests] == [
            "/api/v1/mixed_people/api_search",
            "/api/v1/people/bulk_match",
        ]
        for request in apollo.requests:  # the workspace's own key searches and pays for the reveal
            assert {k.lower(): v for k, v in request.headers.items()}["x-api-key"] == apollo.token
        assert apollo.credits_consumed == 3  # the three imported, not the five found
    assert result["status"] == "started" and result["records"] == 3 and result["credits_consumed"] == 3
    arn = engine.state_machine_arn.replace(":stateMachine:", ":execution:") + ":" + result["job_id"]
    engine.wait(arn)
    job = jobs.get(result["job_id"])
    assert job is not None and job.source == "apollo_search" and job.counters["imported"] == 3
