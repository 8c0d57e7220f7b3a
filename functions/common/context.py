"""What every chunk stage needs to know about its job, read once from the job record."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from functions.common import audit, jobs
from functions.common.errors import StageFailed
from functions.common.settings import get_settings


@dataclass(frozen=True)
class JobContext:
    job_id: str
    workspace_id: str
    now: str
    client_id: str | None = None
    purpose: str = "upsert"
    no_overwrite: bool = False
    dnt: bool = False
    tags: tuple[str, ...] = ()
    priority: int = 0
    assignment_days: int = 90
    options: dict[str, Any] = field(default_factory=dict)
    started_at: str | None = None  # when the job was created (None: now)
    source: str = "csv"  # what started the job: csv, api, webhook, sync:<provider>, apollo_search
    actor: str | None = None  # who its contact writes are stamped with (None: `job:<job_id>`)

    @property
    def change_stamp(self) -> dict[str, str]:
        """The audit attributes of the contacts this job writes (`functions.common.audit`)."""
        return audit.stamp(self.actor or f"job:{self.job_id}", "api" if self.source == "api" else "import")

    @property
    def lead_source(self) -> str:
        """The lead source of a contact this job creates when its row names none."""
        if self.source == "csv":
            return f"csv_import_{self.started_dt:%Y%m%d}"
        return self.source

    @property
    def started_dt(self) -> datetime:
        return datetime.fromisoformat((self.started_at or self.now).replace("Z", "+00:00"))

    @property
    def import_tag(self) -> str:
        return f"import:{self.job_id}"

    @property
    def now_dt(self) -> datetime:
        return datetime.fromisoformat(self.now.replace("Z", "+00:00"))

    @property
    def expires_at(self) -> str:
        end = self.now_dt + timedelta(days=self.assignment_days)
        return end.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")

    @classmethod
    def from_options(
        cls,
        job_id: str,
        workspace_id: str,
        options: dict[str, Any],
        now: str,
        started_at: str | None = None,
        source: str = "csv",
        actor: str | None = None,
    ) -> JobContext:
        return cls(
            job_id=job_id,
            workspace_id=workspace_id,
            now=now,
            client_id=options.get("client") or None,
            purpose=options.get("purpose") or "upsert",
            no_overwrite=bool(options.get("no_overwrite")),
            dnt=bool(options.get("dnt")),
            tags=tuple(options.get("tags") or ()),
            priority=int(options.get("priority") or 0),
            assignment_days=int(options.get("assignment_days") or get_settings().default_assignment_days),
            options=dict(options),
            started_at=started_at,
            source=source,
            actor=actor,
        )


def job_context(job_id: str) -> JobContext:
    job = jobs.get(job_id)
    if job is None:
        raise StageFailed(f"job {job_id} does not exist")
    return JobContext.from_options(
        job_id, job.workspace_id, dict(job.options or {}), jobs.now_iso(), job.created_at, job.source or "csv"
    )
