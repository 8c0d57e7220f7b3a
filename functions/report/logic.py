"""Report: counters, results CSV and error CSV, computed from the chunk files.

Everything is derived from the checkpoint files, never accumulated, so running Report twice
gives the same counters and the same files.
"""

from __future__ import annotations

import csv
import json
import tempfile
from collections import Counter
from collections.abc import Iterable, Iterator
from typing import IO, Any

from functions.common import chunks, jobs, s3
from functions.common.aws import client
from functions.common.errors import StageFailed
from functions.common.rows import Reason, Row, RowResult, RowStatus
from functions.common.settings import get_settings
from functions.events import delivery
from functions.intake.service import header_key
from functions.query import visibility

RESULT_COLUMNS = (
    "Import Status", "Reason", "Contact ID", "ICP Tier", "Lead Score", "Grade", "Rule", "Contact Lead Source",
    "Contact Verification Status",
)  # fmt: skip
COUNTER_NAMES = ("imported", "updated", "skipped", "suppressed", "errored")
_FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
FINAL_STAGE = "commit"


def neutralise(cell: str) -> str:
    """Stop spreadsheet formula injection: a cell that starts like a formula is quoted as text."""
    return "'" + cell if cell.startswith(_FORMULA_PREFIXES) else cell


def fit_width(raw: list[str], width: int) -> tuple[list[str], list[str]]:
    """Pad a short row; split off the cells of a long row (they are quoted in the Reason)."""
    if len(raw) >= width:
        return raw[:width], raw[width:]
    return raw + [""] * (width - len(raw)), []


def iter_outcomes(job_id: str, chunk_count: int) -> Iterator[tuple[Row, RowResult]]:
    for n in range(chunk_count):
        rows = list(chunks.read_rows(job_id, n, "intake"))
        results = {r.number: r for r in chunks.read_results(job_id, n, FINAL_STAGE)}
        for row in rows:
            yield row, results[row.number]


def result_cells(result: RowResult, extra: list[str]) -> list[str]:
    reason = result.reason
    if extra:
        reason += "; extra values: " + ", ".join(repr(v) for v in extra)
    if result.warnings:
        reason += "; warnings: " + "; ".join(result.warnings)
    return [
        str(result.status),
        reason,
        result.contact_id or "",
        result.icp_tier or "",
        "" if result.lead_score is None else str(result.lead_score),
        result.grade or "",
        result.rule or "",
        result.lead_source or "",
        result.verification_status or "",
    ]


def write_reports(
    headers: list[str], outcomes: Iterable[tuple[Row, RowResult]], results_out: IO[str], errors_out: IO[str]
) -> dict[str, int]:
    """Write both CSVs and return the counters, which always add up to the total."""
    results_csv = csv.writer(results_out, lineterminator="\r\n")
    errors_csv = csv.writer(errors_out, lineterminator="\r\n")
    results_csv.writerow([neutralise(h) for h in [*headers, *RESULT_COLUMNS]])
    errors_csv.writerow([neutralise(h) for h in [*headers, "Reason"]])
    counts: Counter[str] = Counter()
    for row, result in outcomes:
        cells, extra = fit_width(row.raw, len(headers))
        safe = [neutralise(c) for c in cells]
        out = result_cells(result, extra)
        results_csv.writerow(safe + [neutralise(c) for c in out])
        counts["errored" if result.status == RowStatus.ERROR else str(result.status)] += 1
        if result.reason.startswith(Reason.UNCHANGED):
            counts["unchanged"] += 1  # updated rows that wrote nothing (a subset of `updated`)
        if result.status == RowStatus.ERROR:
            errors_csv.writerow([*safe, neutralise(out[1])])
    counters = {
        "total": sum(counts[n] for n in COUNTER_NAMES),
        **{name: counts.get(name, 0) for name in COUNTER_NAMES},
        "unchanged": counts.get("unchanged", 0),
    }
    return counters


def run(job_id: str) -> dict[str, Any]:
    job = jobs.get(job_id)
    if job is None:
        raise LookupError(f"job {job_id} does not exist")
    if job.status == "complete":
        return {"status": "complete", "counters": job.counters}
    header = s3.get_json(header_key(job_id))
    manifest = s3.get_json(s3.manifest_key(job_id))
    missing = [n for n in range(len(manifest)) if not chunks.done(job_id, n, FINAL_STAGE)]
    if missing:
        # never report a partial import as complete: every row must have its one status
        raise StageFailed(f"{len(missing)} chunk(s) have no result yet (first: {missing[0]}); resume the job")
    results_key, errors_key = s3.report_key(job_id, "results"), s3.report_key(job_id, "errors")
    with (
        tempfile.TemporaryFile("w+", encoding="utf-8", newline="") as results_f,
        tempfile.TemporaryFile("w+", encoding="utf-8", newline="") as errors_f,
    ):
        counters: dict[str, Any] = write_reports(
            header["headers"], iter_outcomes(job_id, len(manifest)), results_f, errors_f
        )
        for f, key in ((results_f, results_key), (errors_f, errors_key)):
            f.seek(0)
            client("s3").upload_fileobj(
                _Encoded(f), get_settings().bucket, key, ExtraArgs={"ContentType": "text/csv; charset=utf-8"}
            )
    enrichment = enrichment_counters(job_id, len(manifest))
    if enrichment is not None:
        counters = {**counters, "enrichment": enrichment}
    # rows that changed nothing wrote nothing, so they never show as this job's in the read model
    written = sum(int(counters.get(k, 0)) for k in ("imported", "updated")) - int(
        counters.get("unchanged", 0)
    )
    lag = visibility.wait_for_job(job.workspace_id, job_id, written)
    if lag:
        jobs.add_warning(job_id, lag)
    jobs.complete(job_id, counters=counters, results_key=results_key, errors_key=errors_key)
    _publish_completed(job_id, job.workspace_id, counters)
    # after commit, one item: the webhook worker expands it into per-contact events in batches
    delivery.request_job_events(job_id, job.workspace_id)
    return {"status": "complete", "counters": counters}


ENRICHMENT_COUNTERS = (
    "requested",
    "cache_hits",
    "provider_calls",
    "enriched",
    "not_found",
    "failed",
    "not_enriched",
    # company names searched at the provider (rows), and the calls those searches cost
    "company_searches",
    "company_search_calls",
)


def enrichment_counters(job_id: str, chunk_count: int) -> dict[str, int] | None:
    """Summed from the enrich checkpoints; None when the import did not enrich."""
    totals = dict.fromkeys(ENRICHMENT_COUNTERS, 0)
    seen = False
    for n in range(chunk_count):
        if not chunks.done(job_id, n, "enrich"):
            continue
        seen = True
        for row in chunks.read_rows(job_id, n, "enrich"):
            o = row.meta.get("o")
            if o:
                totals["company_searches"] += 1
                totals["company_search_calls"] += bool(o.get("paid"))
            e = row.meta.get("e")
            if not e:
                continue
            totals["requested"] += 1
            totals[e["status"]] += 1
            if e["cached"]:
                totals["cache_hits"] += 1
            elif e["status"] != "not_enriched":
                totals["provider_calls"] += 1
    return totals if seen else None


class _Encoded:
    """A binary read view of a text temp file, for upload_fileobj (streams; no full copy in memory)."""

    def __init__(self, f: IO[str]) -> None:
        self._f = f
        self._buf = b""

    def read(self, size: int = -1) -> bytes:
        if size < 0:
            return self._buf + self._f.read().encode("utf-8")
        while len(self._buf) < size:
            text = self._f.read(65536)
            if not text:
                break
            self._buf += text.encode("utf-8")
        out, self._buf = self._buf[:size], self._buf[size:]
        return out


def _publish_completed(job_id: str, workspace_id: str, counters: dict[str, Any]) -> None:
    bus = get_settings().event_bus
    if not bus:
        return
    client("events").put_events(
        Entries=[
            {
                "Source": "contact-import",
                "DetailType": "ImportJob Completed",
                "Detail": json.dumps({"job_id": job_id, "workspace_id": workspace_id, "counters": counters}),
                "EventBusName": bus,
            }
        ]
    )
