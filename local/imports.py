"""Running an import on the one-machine runtime: upload, start the state machine, follow it, fetch reports."""

from __future__ import annotations

import json
import os
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from functions.common import jobs, s3
from functions.common.aws import client
from functions.common.settings import get_settings
from local import job_lease
from local.runtime import Runtime


@dataclass
class Progress:
    stage: str
    done: int
    total: int | None


@dataclass
class ImportOutcome:
    job_id: str
    status: str  # complete | rejected | failed
    stage: str
    counters: dict[str, int] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)
    error: str | None = None
    results_csv: Path | None = None
    errors_csv: Path | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    def as_json(self) -> dict[str, Any]:
        c = self.counters
        doc: dict[str, Any] = {
            "job_id": self.job_id,
            "status": self.status,
            "stage": self.stage,
            "total": c.get("total", 0),
            "imported": c.get("imported", 0),
            "updated": c.get("updated", 0),
            # of `updated`: rows that changed nothing, so nothing was written
            "unchanged": c.get("unchanged", 0),
            "skipped": c.get("skipped", 0),
            "suppressed": c.get("suppressed", 0),
            "errored": c.get("errored", 0),
            "results_csv": str(self.results_csv) if self.results_csv else None,
            "errors_csv": str(self.errors_csv) if self.errors_csv else None,
            "warnings": self.warnings,
        }
        if "enrichment" in c:
            doc["enrichment"] = c["enrichment"]
        if self.error:
            doc["error"] = self.error
        doc.update(self.extra)
        return doc


# how long an interrupted run waits for its running handlers before abandoning them
INTERRUPT_GRACE_S = float(os.environ.get("CI_INTERRUPT_GRACE_S", "5"))


def new_job_id() -> str:
    return f"job_{uuid.uuid4().hex[:20]}"


def chunks_done(job_id: str, stage: str = "commit") -> int:
    return sum(1 for k in s3.list_keys(f"imports/{job_id}/chunks/") if k.endswith(f"/{stage}.jsonl"))


def run_import(
    rt: Runtime,
    path: Path,
    *,
    workspace_id: str,
    options: dict[str, Any],
    out_dir: Path,
    on_progress: Callable[[Progress], None] | None = None,
    on_job: Callable[[str], None] | None = None,
) -> ImportOutcome:
    """Upload the file and run the import. `on_job(job_id)` is called as soon as the job record
    exists (a rejected file never gets one), so an interrupted run can be resumed by its id; from
    then on this process holds the job's lease (local/job_lease.py)."""
    job_id = new_job_id()
    key = f"uploads/{workspace_id}/{job_id}/{path.name}"
    client("s3").upload_file(str(path), get_settings().bucket, key)
    payload = {"job_id": job_id, "workspace_id": workspace_id, "key": key, "options": options}
    with job_lease.Lease(job_id) as lease:
        arn = rt.start_execution(job_id, payload)
        return follow(
            rt,
            job_id,
            arn,
            out_dir=out_dir,
            on_progress=on_progress,
            on_job=on_job,
            lease=lease,
            new_job=True,
        )


def resume(
    rt: Runtime, job_id: str, *, out_dir: Path, on_progress: Callable[[Progress], None] | None = None
) -> ImportOutcome:
    """Start the job's state machine again; every finished stage is skipped by its checkpoint.

    A job left `running` by a process that died is taken over; one that a live process still
    runs raises `job_lease.JobBusy` and nothing is started."""
    job = jobs.get(job_id)
    if job is None:
        raise LookupError(f"no job {job_id}")
    if job.status == "complete":
        return outcome_of(job_id, out_dir=out_dir)
    with job_lease.Lease(job_id) as lease:
        lease.acquire()
        attempt = len([s for s in job.stages if s.get("stage") == "resumed"]) + 1
        payload = {
            "job_id": job_id,
            "workspace_id": job.workspace_id,
            "key": job.input_key,
            "options": dict(job.options or {}),
            "resume": attempt,
        }
        arn = rt.start_execution(f"{job_id}-resume-{attempt}-{uuid.uuid4().hex[:6]}", payload)
        return follow(rt, job_id, arn, out_dir=out_dir, on_progress=on_progress, lease=lease)


def follow(
    rt: Runtime,
    job_id: str,
    execution_arn: str,
    *,
    out_dir: Path,
    on_progress: Callable[[Progress], None] | None = None,
    on_job: Callable[[str], None] | None = None,
    lease: job_lease.Lease | None = None,
    new_job: bool = False,
) -> ImportOutcome:
    announced = False

    def announce() -> None:
        nonlocal announced
        announced = True
        if lease is not None and not lease.held:
            lease.acquire(new_job=new_job)
        if on_job is not None:
            on_job(job_id)

    def poll() -> None:
        job = jobs.get(job_id)
        if job is not None and not announced:
            announce()
        if lease is not None and lease.held:
            lease.check()
        if on_progress is None:
            return
        if job is None:
            on_progress(Progress("parsing", 0, None))
            return
        total = (job.counters or {}).get("total")
        done = min(total or 0, chunks_done(job_id) * get_settings().chunk_rows)
        on_progress(Progress(job.stage, done, total))

    try:
        desc = rt.wait(execution_arn, on_poll=poll)
    except job_lease.LeaseLost as exc:
        # another process runs the job now: stop ours, and leave the job's record to it
        if not rt.stop_execution(execution_arn, job_id, cause=str(exc)):
            raise TimeoutError(f"a task of job {job_id} still runs after its execution was stopped") from exc
        job = jobs.get(job_id)
        return ImportOutcome(job_id, "taken_over", job.stage if job else "parsing", error=str(exc))
    except (KeyboardInterrupt, SystemExit) as exc:
        # interrupted (Ctrl-C, SIGTERM, SIGHUP): the process is about to exit, and a user or a
        # service manager expects it to do so promptly. The handlers running now get a short
        # while to end; one still running then is abandoned with the process (every handler is
        # idempotent), and the job keeps this process's lease, which `resume` takes over as soon
        # as the process is gone, even if an abandoned handler moved the job on meanwhile
        stopped = rt.stop_execution(
            execution_arn, job_id, cause=f"interrupted: {type(exc).__name__}", wait_s=INTERRUPT_GRACE_S
        )
        if not stopped and lease is not None:
            lease.abandon()
        raise
    except BaseException as exc:
        # an error here: the run must be over before the lease's exit marks the job failed, or
        # a task still running would move it on afterwards
        if not rt.stop_execution(execution_arn, job_id, cause=f"interrupted: {type(exc).__name__}"):
            raise TimeoutError(f"a task of job {job_id} still runs after its execution was stopped") from exc
        raise
    if not announced and on_job is not None and jobs.get(job_id) is not None:
        on_job(job_id)  # the run was over before the first poll saw the job
    if desc["status"] == "SUCCEEDED":
        output = json.loads(desc.get("output") or "{}")
        intake = output.get("intake") or {}
        if intake.get("rejected"):
            return ImportOutcome(
                job_id, "rejected", "parsing", error=intake.get("message"), extra={"code": intake.get("code")}
            )
    return outcome_of(job_id, out_dir=out_dir)


def outcome_of(job_id: str, *, out_dir: Path) -> ImportOutcome:
    job = jobs.get(job_id)
    if job is None:
        return ImportOutcome(
            job_id, "failed", "parsing", error="the import failed before the job was recorded"
        )
    outcome = ImportOutcome(
        job_id,
        job.status,
        job.stage,
        counters=dict(job.counters or {}),
        warnings=list(job.warnings or []),
        error=job.error,
    )
    if job.status == "complete":
        target = out_dir / job_id
        target.mkdir(parents=True, exist_ok=True)
        outcome.results_csv = download(job.results_key, target / "results.csv")
        outcome.errors_csv = download(job.errors_key, target / "errors.csv")
    return outcome


def download(key: str | None, dest: Path) -> Path | None:
    if not key:
        return None
    client("s3").download_file(get_settings().bucket, key, str(dest))
    return dest.resolve()
