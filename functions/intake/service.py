"""Intake: stream the uploaded file from S3, parse and validate it, and split it into chunks.

The chunk files and the manifest are the checkpoint: when the manifest exists, Intake has
finished and a retry or resume returns its summary without reading the file again. A file
rejected at any point leaves no chunk behind and writes nothing to any table.
"""

from __future__ import annotations

import functools
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from functions.common import chunks, field_mappings, jobs, s3
from functions.common.errors import FileRejected
from functions.common.rows import Reason, Row
from functions.common.settings import get_settings
from functions.enrich.email_match import hint_without_enrichment
from functions.intake import custom_field_store
from functions.intake.duplicates import InFileDuplicates, twin_detail
from functions.intake.email_resolution import EmailResolver
from functions.intake.identifiers import DynamoDirectory, check_identifier, resolve
from functions.intake.mapping import MappingDoc
from functions.intake.parse import Intake, IntakeOptions


@dataclass(frozen=True)
class IntakeRequest:
    job_id: str
    workspace_id: str
    key: str
    options: dict[str, Any]
    source: str = "csv"

    @classmethod
    def from_event(cls, event: dict[str, Any]) -> IntakeRequest:
        """The job record's options win: a job created by the API before its upload carries them,
        while the upload event that starts the state machine knows only the object key."""
        job = jobs.get(event["job_id"])
        return cls(
            job_id=event["job_id"],
            workspace_id=job.workspace_id if job else event.get("workspace_id", "default"),
            key=event["key"],
            options=dict(job.options or {}) if job and job.options else event.get("options") or {},
            source=job.source if job else event.get("source", "csv"),
        )


def header_key(job_id: str) -> str:
    return f"imports/{job_id}/header.json"


def intake_options(options: dict[str, Any], workspace_id: str | None = None) -> IntakeOptions:
    """What the parser needs from the job's options and, given the workspace, its configuration:
    custom field definitions, the saved mapping a `field_mapping_id` names, and the mapping saved
    for the file's header row (looked up once the header is read)."""
    settings = get_settings()
    mapping = MappingDoc.model_validate(options["mapping"]) if options.get("mapping") else None
    mapping_id = options.get("field_mapping_id")
    if mapping is None and mapping_id and workspace_id:
        doc = field_mappings.get(workspace_id, mapping_id)
        if doc is None:
            raise FileRejected(
                "UNKNOWN_MAPPING",
                f"There is no saved field mapping {mapping_id!r} in workspace {workspace_id!r} "
                "(`contact-import mappings list` shows them).",
            )
        mapping = MappingDoc.model_validate({"columns": doc["columns"]})
    saved_mapping = None
    if mapping is None and workspace_id is not None and options.get("saved_mapping", True):
        saved_mapping = functools.partial(field_mappings.for_headers, workspace_id)
    identifier = str(options.get("identifier") or "email")
    problem = check_identifier(identifier, str(options.get("purpose") or "upsert"))
    if problem is not None:
        raise FileRejected("INVALID_OPTION", f"{problem}.")
    return IntakeOptions(
        identifier=identifier,
        mapping=mapping,
        custom_fields=custom_field_store.definitions(workspace_id) if workspace_id else {},
        saved_mapping=saved_mapping,
        max_rows=int(options.get("max_rows") or settings.max_rows),
        max_bytes=int(options.get("max_bytes") or settings.max_bytes),
        default_country=options.get("default_country"),
        import_tags=list(options.get("tags") or []),
    )


def _summary(job_id: str, manifest: list[dict[str, Any]], options: dict[str, Any]) -> dict[str, Any]:
    return {
        "enrich": bool(options.get("enrich")),
        "rejected": False,
        "code": None,
        "message": None,
        "job_id": job_id,
        "manifest_key": s3.manifest_key(job_id),
        "chunk_count": len(manifest),
        "total": sum(int(c["rows"]) for c in manifest),
        "max_concurrency": get_settings().max_concurrency,
    }


def run(request: IntakeRequest) -> dict[str, Any]:
    job_id = request.job_id
    if s3.exists(s3.manifest_key(job_id)):
        return _summary(job_id, s3.get_json(s3.manifest_key(job_id)), request.options)

    stream, size = s3.open_stream(request.key)
    chunk_rows = get_settings().chunk_rows
    try:
        options = intake_options(request.options, request.workspace_id)
        # an uploaded file in which no row has an email is refused; a sync or API batch reports each row
        options.require_emails = request.source == "csv"
        enrich = bool(request.options.get("enrich"))
        options.resolve_emails = enrich and options.identifier == "email"
        resolver = (
            EmailResolver(job_id, request.workspace_id, request.options, request.source, request.key)
            if options.resolve_emails
            else None
        )
        intake = Intake(stream, options, size=size)
        duplicates = InFileDuplicates()
        manifest: list[dict[str, Any]] = []
        directory = DynamoDirectory(request.workspace_id)
        for n, batch in enumerate(_batches(intake.rows(), chunk_rows)):
            resolve(batch, options.identifier, directory)
            # rows without an email: looked up by enrichment before dedup, or told it could be
            if resolver is not None:
                resolver.run(n, batch)
            elif options.identifier == "email":
                for row in batch:
                    hint_without_enrichment(row)
            for row in batch:
                if row.error is None and (email := row.fields.get("email")):  # Row.email, without the call
                    duplicates.add(row.number, email)
            chunks.write_rows(job_id, n, "intake", batch)
            manifest.append({"n": n, "rows": len(batch)})
    except FileRejected as exc:
        s3.delete_prefix(f"imports/{job_id}/")
        jobs.reject(job_id, f"{exc.code}: {exc.message}")
        return {
            "rejected": True,
            "enrich": False,
            "job_id": job_id,
            "code": exc.code,
            "message": exc.message,
            "manifest_key": None,
            "chunk_count": 0,
            "max_concurrency": 1,
        }

    _mark_duplicates(job_id, duplicates.twins(), chunk_rows)
    _remember_mapping(request, intake.headers)
    s3.put_json(
        header_key(job_id),
        {
            "headers": intake.headers,
            "encoding": intake.encoding,
            "delimiter": intake.delimiter,
            "column_map": intake.column_plan,
        },
    )
    summary = _summary(job_id, manifest, request.options)
    jobs.create(
        job_id,
        workspace_id=request.workspace_id,
        options=request.options,
        source=request.source,
        input_key=request.key,
        stage="parsing",
    )
    jobs.advance(
        job_id,
        "parsing",
        chunk_count=summary["chunk_count"],
        counters={"total": summary["total"]},
        warnings=list(intake.warnings) + ([w] if resolver is not None and (w := resolver.warning()) else []),
        column_map=intake.column_plan,
    )
    # the manifest goes last: its presence means every chunk above is complete
    s3.put_json(s3.manifest_key(job_id), manifest)
    return summary


def _remember_mapping(request: IntakeRequest, headers: list[str]) -> None:
    """An accepted file mapped explicitly: its mapping becomes the one for files with these
    headers, so the next import from the same source needs no mapping. Only uploaded files: a
    webhook batch or a CRM sync writes its own CSV with a generated mapping, and a preview saves
    nothing."""
    options = request.options
    if (
        request.source != "csv"
        or options.get("preview")
        or not (options.get("mapping") or options.get("field_mapping_id"))
    ):
        return
    columns = (options.get("mapping") or {}).get("columns") or {}
    field_mappings.remember(
        request.workspace_id,
        headers,
        columns,
        name=request.key.rsplit("/", 1)[-1],
        mapping_id=options.get("field_mapping_id"),
    )


def _batches(rows: Iterator[Row], size: int) -> Iterator[list[Row]]:
    batch: list[Row] = []
    for row in rows:
        batch.append(row)
        if len(batch) == size:
            yield batch
            batch = []
    if batch:
        yield batch


def _mark_duplicates(job_id: str, twins: dict[int, list[int]], chunk_rows: int) -> None:
    """Every row whose email repeats in the file becomes an error naming its twins; nothing is guessed."""
    by_chunk: dict[int, set[int]] = {}
    for number in twins:
        by_chunk.setdefault((number - 1) // chunk_rows, set()).add(number)
    for n in sorted(by_chunk):
        rows = list(chunks.read_rows(job_id, n, "intake"))
        for row in rows:
            if row.number in by_chunk[n]:
                row.error = Reason.DUPLICATE_IN_FILE
                row.error_detail = twin_detail(row.email or "", twins[row.number])
        chunks.write_rows(job_id, n, "intake", rows)
