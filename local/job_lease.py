"""Which process runs a job on this machine: a lease on the ImportJob item.

On AWS a job's execution lives in Step Functions and outlives whoever started it. Here the
state machine runs inside the `contact-import` process, so a job can be left `running` by a
process that was killed. The process that runs a job holds a lease on its ImportJob item
(`lease_owner` = host:pid:token, `lease_expires_at` in epoch seconds) and renews it every
third of its duration. `resume` takes a job over only with a conditional write that succeeds
when the lease is free, expired, or held by a process of this host that no longer exists; a
live holder makes it refuse (`JobBusy`), so no job is ever run twice at once. A holder that
finds at renewal that its lease was taken (it was paused longer than the lease) stops its run.

A job that is `running` with no lease at all (started by `contact-import serve`, or by an older
version) counts as held until it has not moved for `UNLEASED_STALE_S`.
"""

from __future__ import annotations

import contextlib
import os
import socket
import threading
import time
import uuid
from typing import Any

from botocore.exceptions import ClientError

from functions.common import jobs
from functions.common.aws import client
from functions.common.models import ImportJob, table_name

LEASE_S = float(os.environ.get("CI_JOB_LEASE_S", "30"))
UNLEASED_STALE_S = float(os.environ.get("CI_JOB_UNLEASED_STALE_S", "600"))
HOST = socket.gethostname()


class JobBusy(RuntimeError):
    """Another live process runs the job."""


class LeaseLost(RuntimeError):
    """Another process took the job over while this one was running it."""


def new_owner() -> str:
    return f"{HOST}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # exists, owned by someone else
        return True
    return True


def holder_is_dead(owner: str) -> bool:
    """True when `owner` was a process of this host that no longer runs."""
    host, _, rest = owner.partition(":")
    pid = rest.split(":", 1)[0]
    return host == HOST and pid.isdigit() and not _pid_alive(int(pid))


def _iso_age_s(iso: str | None) -> float:
    from datetime import UTC, datetime

    if not iso:
        return float("inf")
    then = datetime.fromisoformat(iso.replace("Z", "+00:00"))
    return (datetime.now(UTC) - then).total_seconds()


def read(job_id: str) -> dict[str, Any] | None:
    """The lease fields and status of a job, as stored."""
    item = (
        client("dynamodb")
        .get_item(
            TableName=table_name(ImportJob),
            Key={"job_id": {"S": job_id}},
            ConsistentRead=True,
            ProjectionExpression="job_id, #s, updated_at, lease_owner, lease_expires_at",
            ExpressionAttributeNames={"#s": "status"},
        )
        .get("Item")
    )
    if item is None:
        return None
    return {
        "status": item.get("status", {}).get("S"),
        "updated_at": item.get("updated_at", {}).get("S"),
        "lease_owner": item.get("lease_owner", {}).get("S"),
        "lease_expires_at": float(item["lease_expires_at"]["N"]) if "lease_expires_at" in item else None,
    }


def is_abandoned(state: dict[str, Any], *, now: float | None = None) -> bool:
    """Whether nobody runs the job any more (only meaningful for a `running` job)."""
    now = now or time.time()
    owner = state.get("lease_owner")
    if owner:
        return bool((state.get("lease_expires_at") or 0) < now or holder_is_dead(owner))
    return _iso_age_s(state.get("updated_at")) > UNLEASED_STALE_S


def _conditional_update(job_id: str, update: str, condition: str, values: dict[str, Any]) -> bool:
    request: dict[str, Any] = {
        "TableName": table_name(ImportJob),
        "Key": {"job_id": {"S": job_id}},
        "UpdateExpression": update,
        "ConditionExpression": condition,
        "ExpressionAttributeValues": values,
    }
    if "#s" in condition:
        request["ExpressionAttributeNames"] = {"#s": "status"}
    try:
        client("dynamodb").update_item(**request)
    except ClientError as exc:
        if exc.response["Error"]["Code"] == "ConditionalCheckFailedException":
            return False
        raise
    return True


class Lease:
    """Hold a job while running it: `acquire()`, then `check()` now and then; `release()` at the end
    (or use it as a context manager after acquiring)."""

    def __init__(self, job_id: str, *, owner: str | None = None, duration_s: float | None = None) -> None:
        self.job_id = job_id
        self.owner = owner or new_owner()
        self.duration_s = duration_s or LEASE_S
        self.lost = threading.Event()
        self.held = False
        self.abandoned = False
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def _values(self, now: float) -> dict[str, Any]:
        return {
            ":me": {"S": self.owner},
            ":exp": {"N": f"{now + self.duration_s:.3f}"},
            ":now": {"N": f"{now:.3f}"},
        }

    def acquire(self, *, new_job: bool = False) -> None:
        """Take the job, or raise JobBusy naming the live process that has it. `new_job`: the job
        was just created by this process's own run, so only an existing lease can stand in the way."""
        now = time.time()
        values = self._values(now)
        if new_job:
            condition = (
                "attribute_exists(job_id) AND (attribute_not_exists(lease_owner) OR lease_owner = :me)"
            )
            values.pop(":now")
        else:
            values[":running"] = {"S": "running"}
            stale = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(now - UNLEASED_STALE_S))
            values[":stale"] = {"S": stale}
            condition = (
                "attribute_exists(job_id) AND ("
                " lease_owner = :me OR lease_expires_at < :now"
                " OR (attribute_not_exists(lease_owner) AND (#s <> :running OR updated_at < :stale)))"
            )
        taken = _conditional_update(
            self.job_id, "SET lease_owner = :me, lease_expires_at = :exp", condition, values
        )
        if taken:
            self._start_heartbeat()
            return
        state = read(self.job_id)
        if state is None:
            raise LookupError(f"no job {self.job_id}")
        holder = state.get("lease_owner")
        if holder and holder_is_dead(holder):
            # compare-and-swap on the dead holder: of two processes resuming at once, one wins
            values = self._values(now)
            values[":dead"] = {"S": holder}
            values.pop(":now")
            if _conditional_update(
                self.job_id,
                "SET lease_owner = :me, lease_expires_at = :exp",
                "lease_owner = :dead",
                values,
            ):
                self._start_heartbeat()
                return
            state = read(self.job_id) or state
            holder = state.get("lease_owner")
        if holder:
            left = max(0.0, (state.get("lease_expires_at") or 0) - time.time())
            raise JobBusy(
                f"job {self.job_id} is being run by process {holder} (its lease has {left:.0f}s left "
                "and it is renewed while the process lives); resume it once that process has ended"
            )
        raise JobBusy(
            f"job {self.job_id} is running (last moved at {state.get('updated_at')}) in a process that "
            f"holds no lease, such as `contact-import serve`; resume it once it has not moved for "
            f"{UNLEASED_STALE_S:.0f}s"
        )

    def renew(self) -> bool:
        ok = _conditional_update(
            self.job_id,
            "SET lease_expires_at = :exp",
            "lease_owner = :me",
            {k: v for k, v in self._values(time.time()).items() if k != ":now"},
        )
        if not ok:
            self.lost.set()
        return ok

    def check(self) -> None:
        if self.lost.is_set():
            state = read(self.job_id) or {}
            raise LeaseLost(
                f"job {self.job_id} was taken over by {state.get('lease_owner') or 'another process'}"
            )

    def _start_heartbeat(self) -> None:
        self.held = True

        def beat() -> None:
            while not self._stop.wait(self.duration_s / 3):
                try:
                    if not self.renew():
                        return
                except Exception:  # a blip: the next beat retries well before the lease ends
                    continue

        self._thread = threading.Thread(target=beat, name=f"lease-{self.job_id}", daemon=True)
        self._thread.start()

    def abandon(self) -> None:
        """This process is about to exit with a handler of the job still running: stop renewing,
        and keep the lease on the job rather than release it, so that nobody resumes the job
        while this process lives, and `resume` takes it over at once when it is gone (a released
        lease would leave a `running` job that a late handler moved on with no lease at all)."""
        self.abandoned = True
        self._stop.set()

    def release(self) -> None:
        if not self.held:
            return
        self.held = False
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=5)
        if self.abandoned:
            return
        with contextlib.suppress(ClientError):
            _conditional_update(
                self.job_id,
                "REMOVE lease_owner, lease_expires_at",
                "lease_owner = :me",
                {":me": {"S": self.owner}},
            )

    def __enter__(self) -> Lease:
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: object) -> None:
        if exc is not None and self.held and not self.lost.is_set():
            # interrupted (Ctrl-C, SIGTERM, an error in this process): say so on the job, so that
            # `resume` can take it at once instead of waiting for a lease that is about to vanish
            with contextlib.suppress(Exception):
                jobs.fail(
                    self.job_id,
                    f"interrupted ({exc_type.__name__ if exc_type else 'error'}): {exc}".rstrip(": "),
                )
        self.release()
