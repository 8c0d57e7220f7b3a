"""The watermark of a CRM sync: which records a run pulls, which it drops, and when it advances.

Pure logic, no I/O. A run asks the CRM for everything modified at or after
`watermark - overlap` (records that become visible late, or that share the watermark's
timestamp, are inside that window), then drops the re-pulled versions it already imported:
per connection it keeps `seen` = {source id: modified_at} of the imported records whose stamp
is inside the window. The pulled batch becomes a *pending* state, recorded when its ImportJob
starts; it replaces the watermark only once that job completes. A failed or rejected job
discards it, so the next run pulls the same records again.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from typing import Any

from functions.sync.ports import SyncRecord

DONE_STATUSES = ("complete",)
DISCARD_STATUSES = ("failed", "rejected")


def iso(dt: datetime) -> str:
    """A stamp as stored: UTC, microseconds, `Z` (sorts as text in time order)."""
    return dt.astimezone(UTC).isoformat(timespec="microseconds").replace("+00:00", "Z")


def parse_iso(text: str) -> datetime:
    dt = datetime.fromisoformat(text.replace("Z", "+00:00"))
    return dt if dt.tzinfo else dt.replace(tzinfo=UTC)


@dataclass(frozen=True, slots=True)
class Pending:
    """A pulled batch whose ImportJob has started and not yet finished."""

    job_id: str
    watermark: datetime
    seen: Mapping[str, datetime]
    watermark_from: datetime | None
    records: int


@dataclass(frozen=True, slots=True)
class SyncState:
    watermark: datetime | None = None
    seen: Mapping[str, datetime] = field(default_factory=dict)
    pending: Pending | None = None
    generation: int = 0  # batches resolved so far (committed or discarded); part of the job id

    def to_doc(self) -> dict[str, Any]:
        doc: dict[str, Any] = {
            "watermark": iso(self.watermark) if self.watermark else None,
            "seen": {k: iso(v) for k, v in sorted(self.seen.items())},
            "generation": self.generation,
            "pending": None,
        }
        if self.pending is not None:
            p = self.pending
            doc["pending"] = {
                "job_id": p.job_id,
                "watermark": iso(p.watermark),
                "seen": {k: iso(v) for k, v in sorted(p.seen.items())},
                "watermark_from": iso(p.watermark_from) if p.watermark_from else None,
                "records": p.records,
            }
        return doc

    @classmethod
    def from_doc(cls, doc: Mapping[str, Any] | None) -> SyncState:
        doc = doc or {}
        pending = None
        if doc.get("pending"):
            p = doc["pending"]
            pending = Pending(
                job_id=str(p["job_id"]),
                watermark=parse_iso(p["watermark"]),
                seen={k: parse_iso(v) for k, v in (p.get("seen") or {}).items()},
                watermark_from=parse_iso(p["watermark_from"]) if p.get("watermark_from") else None,
                records=int(p.get("records") or 0),
            )
        return cls(
            watermark=parse_iso(doc["watermark"]) if doc.get("watermark") else None,
            seen={k: parse_iso(v) for k, v in (doc.get("seen") or {}).items()},
            pending=pending,
            generation=int(doc.get("generation") or 0),
        )


@dataclass(frozen=True, slots=True)
class Batch:
    """What one run imports, and the state it leads to once its job completes."""

    records: list[SyncRecord]
    watermark: datetime | None  # the new watermark (the old one when nothing new was pulled)
    seen: dict[str, datetime]
    pulled: int  # records the CRM returned, before dropping re-pulled ones
    capped: bool  # the run stopped at max_records; the next run continues from `watermark`


def since(state: SyncState, overlap: timedelta) -> datetime | None:
    """The moment a run asks the CRM for changes from (None: everything)."""
    return None if state.watermark is None else state.watermark - overlap


def select(state: SyncState, pulled: Iterable[SyncRecord], *, overlap: timedelta, max_records: int) -> Batch:
    """The records of a pull that are new (not an already-imported version), at most
    `max_records` of them, with the watermark and `seen` set that follow.

    `pulled` is read in order and only as far as needed: the cap counts new records, so a run
    that re-reads a window of already-imported records still makes progress.
    """
    fresh: dict[str, SyncRecord] = {}
    count = 0
    newest = state.watermark
    capped = False
    for record in pulled:
        count += 1
        stamp = record.modified_at
        if stamp.tzinfo is None:
            raise ValueError(f"record {record.source_id} has a naive modified_at")
        known = state.seen.get(record.source_id)
        if known is not None and known >= stamp:
            continue  # this version (or a newer one) was imported by an earlier run
        if record.source_id not in fresh and len(fresh) >= max_records:
            capped = True
            break
        earlier = fresh.get(record.source_id)
        if earlier is None or earlier.modified_at <= stamp:
            # one row per CRM record: two rows of one record in a file would both be duplicates
            fresh.pop(record.source_id, None)
            fresh[record.source_id] = record
        if newest is None or stamp > newest:
            newest = stamp
    seen: dict[str, datetime] = dict(state.seen)
    for record in fresh.values():
        seen[record.source_id] = max(record.modified_at, seen.get(record.source_id, record.modified_at))
    if newest is not None:
        floor = newest - overlap
        seen = {k: v for k, v in seen.items() if v >= floor}
    records = sorted(fresh.values(), key=lambda r: (r.modified_at, r.source_id))
    return Batch(records=records, watermark=newest, seen=seen, pulled=count, capped=capped)


def begin(state: SyncState, batch: Batch, job_id: str) -> SyncState:
    """The state once the batch's job has started: the watermark waits for the job."""
    assert batch.watermark is not None, "an empty batch starts no job"
    pending = Pending(
        job_id=job_id,
        watermark=batch.watermark,
        seen=dict(batch.seen),
        watermark_from=state.watermark,
        records=len(batch.records),
    )
    return replace(state, pending=pending)


@dataclass(frozen=True, slots=True)
class Resolution:
    state: SyncState
    outcome: str  # committed | discarded | running | none


def resolve(state: SyncState, job_status: str | None) -> Resolution:
    """Apply the pending job's status: complete commits the batch's watermark; failed, rejected
    or a job that does not exist discards it (the watermark stays, the next run re-pulls);
    anything else is still running."""
    if state.pending is None:
        return Resolution(state, "none")
    if job_status in DONE_STATUSES:
        committed = SyncState(
            watermark=state.pending.watermark,
            seen=dict(state.pending.seen),
            pending=None,
            generation=state.generation + 1,
        )
        return Resolution(committed, "committed")
    if job_status is None or job_status in DISCARD_STATUSES:
        return Resolution(replace(state, pending=None, generation=state.generation + 1), "discarded")
    return Resolution(state, "running")
