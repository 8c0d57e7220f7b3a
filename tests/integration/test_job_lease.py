"""Jobs on one machine: listed newest first; a job left running by a dead process is taken over
by `resume`; a job a live process runs is not (no double work)."""

from __future__ import annotations

import subprocess
import time
from pathlib import Path
from typing import Any

import pytest

from functions.common import jobs
from functions.common.aws import client
from functions.common.models import ImportJob, table_name
from local import imports, job_lease, job_list
from local.runtime import Runtime

pytestmark = pytest.mark.integration
EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "contacts.csv"


def _set_raw(job_id: str, **attrs: Any) -> None:
    names = {f"#{k}": k for k in attrs}
    values = {f":{k}": ({"N": str(v)} if isinstance(v, float | int) else {"S": v}) for k, v in attrs.items()}
    client("dynamodb").update_item(
        TableName=table_name(ImportJob),
        Key={"job_id": {"S": job_id}},
        UpdateExpression="SET " + ", ".join(f"#{k} = :{k}" for k in attrs),
        ExpressionAttributeNames=names,
        ExpressionAttributeValues=values,
    )


def _failed_import(rt: Runtime, workspace: str, out_dir: Path) -> str:
    def crash(event: dict[str, Any]) -> None:
        if event.get("workspace_id", workspace) == workspace:
            raise RuntimeError("injected crash")

    rt.dispatcher.faults["Commit"] = crash
    try:
        outcome = imports.run_import(rt, EXAMPLE, workspace_id=workspace, options={}, out_dir=out_dir)
    finally:
        rt.dispatcher.faults.clear()
    assert outcome.status == "failed"
    return outcome.job_id


def _dead_pid() -> int:
    proc = subprocess.Popen(["true"])
    proc.wait()
    return proc.pid


def test_resume_refuses_a_job_a_live_process_runs_and_takes_it_over_once_that_process_died(
    rt: Runtime, workspace: str, out_dir: Path
) -> None:
    job_id = _failed_import(rt, workspace, out_dir)
    holder = subprocess.Popen(["sleep", "300"])
    try:
        # as a killed import leaves it: running, its lease held by a process of this host
        owner = f"{job_lease.HOST}:{holder.pid}:test"
        _set_raw(job_id, status="running", lease_owner=owner, lease_expires_at=time.time() + 300)
        started = sum(rt.dispatcher.calls.values())

        with pytest.raises(job_lease.JobBusy, match=str(holder.pid)):
            imports.resume(rt, job_id, out_dir=out_dir)
        assert sum(rt.dispatcher.calls.values()) == started  # nothing ran
        assert job_list.describe_job(job_id)["abandoned"] is False
    finally:
        holder.kill()
        holder.wait()

    assert (
        job_list.describe_job(job_id)["abandoned"] is True
    )  # its lease has 5 min left, but its holder is gone
    resumed = imports.resume(rt, job_id, out_dir=out_dir)
    assert resumed.status == "complete" and resumed.counters["total"] > 0
    state = job_lease.read(job_id)
    assert state is not None and state["lease_owner"] is None  # released at the end


def test_an_expired_lease_of_another_host_is_taken_over(rt: Runtime, workspace: str, out_dir: Path) -> None:
    job_id = _failed_import(rt, workspace, out_dir)
    _set_raw(job_id, status="running", lease_owner="elsewhere:1:x", lease_expires_at=time.time() - 1)
    assert imports.resume(rt, job_id, out_dir=out_dir).status == "complete"


def test_a_running_job_without_a_lease_is_held_until_it_goes_stale(
    rt: Runtime, workspace: str, out_dir: Path
) -> None:
    job_id = _failed_import(rt, workspace, out_dir)
    _set_raw(job_id, status="running", updated_at=jobs.now_iso())
    with pytest.raises(job_lease.JobBusy, match="holds no lease"):
        job_lease.Lease(job_id).acquire()
    _set_raw(job_id, updated_at="2020-01-01T00:00:00.000Z")
    lease = job_lease.Lease(job_id)
    lease.acquire()
    lease.release()


def test_of_two_processes_taking_over_a_dead_holders_job_one_wins(
    rt: Runtime, workspace: str, out_dir: Path
) -> None:
    job_id = _failed_import(rt, workspace, out_dir)
    _set_raw(
        job_id,
        status="running",
        lease_owner=f"{job_lease.HOST}:{_dead_pid()}:x",
        lease_expires_at=time.time() + 300,
    )
    first, second = job_lease.Lease(job_id), job_lease.Lease(job_id)
    try:
        first.acquire()
        with pytest.raises(job_lease.JobBusy):
            second.acquire()  # the holder now is `first`, alive (this very process)
    finally:
        first.release()


def test_a_holder_paused_past_its_lease_learns_at_renewal_that_it_lost_the_job(
    rt: Runtime, workspace: str, out_dir: Path
) -> None:
    job_id = _failed_import(rt, workspace, out_dir)
    old = job_lease.Lease(job_id, owner="elsewhere:1:old", duration_s=0.5)
    old.acquire()
    old._stop.set()  # paused: no heartbeat
    if old._thread is not None:  # a renewal already under way on a busy machine ends first
        old._thread.join(timeout=30)
    expires = (job_lease.read(job_id) or {}).get("lease_expires_at") or 0.0
    time.sleep(max(0.0, expires - time.time()) + 0.2)
    new = job_lease.Lease(job_id)
    new.acquire()
    try:
        assert old.renew() is False
        with pytest.raises(job_lease.LeaseLost, match=new.owner):
            old.check()
    finally:
        new.release()


def test_jobs_list_is_newest_first_and_filters_by_workspace_and_status(rt: Runtime, workspace: str) -> None:
    ids = []
    for n in range(3):
        ids.append(f"job_list_{workspace}_{n}")
        jobs.create(ids[-1], workspace_id=workspace, options={}, input_key=f"uploads/{workspace}/x/{n}.csv")
        time.sleep(0.01)
    jobs.fail(ids[1], "broken")
    jobs.create(f"job_list_{workspace}_other", workspace_id=workspace + "_other", options={})

    listed = job_list.list_jobs(workspace_id=workspace)
    assert [d["job_id"] for d in listed] == ids[::-1]
    assert [d["job_id"] for d in job_list.list_jobs(workspace_id=workspace, status="failed")] == [ids[1]]
    assert [d["job_id"] for d in job_list.list_jobs(workspace_id=workspace, limit=2)] == ids[:0:-1]
    everywhere = [d["job_id"] for d in job_list.list_jobs(limit=10_000)]
    assert set(ids) | {f"job_list_{workspace}_other"} <= set(everywhere)
    created = [d["created_at"] for d in job_list.list_jobs(limit=10_000)]
    assert created == sorted(created, reverse=True)


def test_an_interrupted_import_is_failed_at_once_and_resumable(
    rt: Runtime, workspace: str, out_dir: Path
) -> None:
    seen: list[str] = []

    def interrupt(job_id: str) -> None:
        seen.append(job_id)
        raise KeyboardInterrupt  # what Ctrl-C (or SIGTERM, through procs.exit_on_signals) does

    with pytest.raises(KeyboardInterrupt):
        imports.run_import(rt, EXAMPLE, workspace_id=workspace, options={}, out_dir=out_dir, on_job=interrupt)
    (job_id,) = seen
    job = jobs.get(job_id)
    assert (
        job is not None and job.status == "failed" and "interrupted (KeyboardInterrupt)" in (job.error or "")
    )
    assert (job_lease.read(job_id) or {}).get("lease_owner") is None
    assert imports.resume(rt, job_id, out_dir=out_dir).status == "complete"


def test_a_run_whose_job_was_taken_over_stops_and_leaves_the_job_to_the_new_holder(
    rt: Runtime, workspace: str, out_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(job_lease, "LEASE_S", 0.6)  # renewals every 0.2 s

    def taken_over(job_id: str) -> None:
        _set_raw(job_id, lease_owner="elsewhere:1:new", lease_expires_at=time.time() + 300)
        time.sleep(0.5)  # a renewal fails meanwhile: the same poll then finds the lease lost

    outcome = imports.run_import(
        rt, EXAMPLE, workspace_id=workspace, options={}, out_dir=out_dir, on_job=taken_over
    )
    assert outcome.status == "taken_over" and "elsewhere:1:new" in (outcome.error or "")
    state = job_lease.read(outcome.job_id)
    assert state is not None and state["lease_owner"] == "elsewhere:1:new"  # not released by the loser
    job = jobs.get(outcome.job_id)
    assert job is not None and job.status != "failed"  # the record is the new holder's
