"""Import jobs over the API: create a job with a presigned S3 upload, follow it, resume it,
download its reports, preview a file; saved field mappings."""

from __future__ import annotations

import io
import re
import uuid
from datetime import UTC, datetime, timedelta
from functools import lru_cache
from typing import Any

import boto3
from botocore.config import Config
from pydantic import ValidationError

from functions.api import cursors, trigger
from functions.api.errors import BadRequest, Conflict, NotFound
from functions.api.preview import preview_stream
from functions.api.settings import get_api_settings
from functions.common import field_mappings, jobs, s3
from functions.common.errors import FileRejected
from functions.common.models import ImportJob
from functions.common.settings import get_settings
from functions.intake.identifiers import check_identifier
from functions.intake.mapping import MappingDoc

_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")
COUNTERS = ("total", "imported", "updated", "skipped", "suppressed", "errored")


def new_job_id() -> str:
    return f"job_{uuid.uuid4().hex[:20]}"


def safe_filename(name: str) -> str:
    """The last path segment, reduced to characters that need no encoding anywhere (S3 keys,
    event payloads, Content-Disposition)."""
    base = name.replace("\\", "/").rsplit("/", 1)[-1]
    cleaned = _UNSAFE.sub("_", base).strip("._") or "upload.csv"
    return cleaned[:150]


@lru_cache(maxsize=4)
def _presigner(endpoint: str | None, region: str) -> Any:
    # SigV4: the only signature every region accepts, and the one that allows 7-day URLs
    return boto3.client(
        "s3", region_name=region, endpoint_url=endpoint, config=Config(signature_version="s3v4")
    )


def presigner() -> Any:
    import os

    return _presigner(os.environ.get("AWS_ENDPOINT_URL_S3") or None, get_settings().region)


def _iso(dt: datetime) -> str:
    return dt.astimezone(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


# --- field mappings ------------------------------------------------------------------------------


def get_mapping(workspace_id: str, mapping_id: str) -> dict[str, Any]:
    doc = field_mappings.get(workspace_id, mapping_id)
    if doc is None:
        raise NotFound(f"no field mapping {mapping_id} in this workspace")
    return doc


def create_mapping(workspace_id: str, name: str, columns: dict[str, str | None]) -> dict[str, Any]:
    try:
        MappingDoc.model_validate({"columns": columns})
    except ValidationError as exc:
        raise BadRequest(str(exc.errors()[0]["msg"]).removeprefix("Value error, "), field="columns") from None
    return field_mappings.create(workspace_id, name, columns)


def list_mappings(workspace_id: str) -> list[dict[str, Any]]:
    return field_mappings.list_all(workspace_id)


def delete_mapping(workspace_id: str, mapping_id: str) -> None:
    get_mapping(workspace_id, mapping_id)
    field_mappings.delete(workspace_id, mapping_id)


# --- jobs ------------------------------------------------------------------------------------------


def import_options(workspace_id: str, body: dict[str, Any]) -> dict[str, Any]:
    """The job's options, as the pipeline reads them (the CLI's vocabulary), from options resolved
    by functions.api.options; a saved or inline mapping is checked here."""
    options: dict[str, Any] = {
        "purpose": body.get("purpose") or "upsert",
        "no_overwrite": bool(body.get("no_overwrite")),
        "tags": list(body.get("tags") or []),
        "dnt": bool(body.get("dnt")),
        "client": body.get("client") or None,
        "priority": int(body.get("priority") or 0),
        "assignment_days": int(body.get("assignment_days") or get_settings().default_assignment_days),
        "preview": bool(body.get("preview")),
    }
    if body.get("default_country"):
        options["default_country"] = body["default_country"]
    if body.get("enrich"):
        options["enrich"] = True
        if body.get("enrich_limit") is not None:
            options["enrich_limit"] = int(body["enrich_limit"])
    identifier = body.get("identifier") or "email"
    if identifier != "email":
        problem = check_identifier(identifier, options["purpose"])
        if problem is not None:
            raise BadRequest(problem, field="identifier")
        options["identifier"] = identifier
    mapping_id = body.get("field_mapping_id")
    if mapping_id:
        doc = field_mappings.get(workspace_id, mapping_id)
        if doc is None:
            raise BadRequest(f"no field mapping {mapping_id} in this workspace", field="field_mapping_id")
        options["field_mapping_id"] = mapping_id
        options["mapping"] = {"columns": doc["columns"]}
    elif body.get("mapping"):
        try:
            MappingDoc.model_validate(body["mapping"])
        except ValidationError as exc:
            msg = str(exc.errors()[0]["msg"]).removeprefix("Value error, ")
            raise BadRequest(msg, field="mapping") from None
        options["mapping"] = body["mapping"]
    return options


def create(workspace_id: str, body: dict[str, Any]) -> dict[str, Any]:
    """Record the job (stage `queued`) and hand out a presigned POST for its file."""
    settings = get_settings()
    job_id = new_job_id()
    key = f"uploads/{workspace_id}/{job_id}/{safe_filename(body['filename'])}"
    job = jobs.create(
        job_id,
        workspace_id=workspace_id,
        options=import_options(workspace_id, body),
        source="csv",
        input_key=key,
        stage="queued",
    )
    expiry = get_api_settings().upload_url_expiry_s
    post = presigner().generate_presigned_post(
        Bucket=settings.bucket,
        Key=key,
        Conditions=[["content-length-range", 1, settings.max_bytes]],
        ExpiresIn=expiry,
    )
    doc = view(job)
    doc["upload"] = {
        "method": "POST",
        "url": post["url"],
        "fields": post["fields"],
        "file_field": "file",
        "max_bytes": settings.max_bytes,
        "expires_at": _iso(datetime.now(UTC) + timedelta(seconds=expiry)),
    }
    return doc


_STAGE_PERCENT = {
    "queued": 0,
    "parsing": 5,
    "deduplicating": 20,
    "suppressing": 35,
    "enriching": 50,
    "segmenting": 65,
    "scoring": 75,
    "complete": 100,
}


def _percent(job: ImportJob, *, precise: bool) -> int:
    """Done share of the job: by committed chunks when `precise` (one S3 listing), else by stage."""
    if job.status == "complete":
        return 100
    if job.status == "rejected" or not precise or not job.chunk_count:
        return min(99, _STAGE_PERCENT.get(job.stage, 0))
    committed = sum(1 for k in s3.list_keys(f"imports/{job.job_id}/chunks/") if k.endswith("/commit.jsonl"))
    return min(99, 10 + int(85 * committed / max(1, int(job.chunk_count))))


def view(job: ImportJob, *, progress: bool = False) -> dict[str, Any]:
    doc = jobs.as_dict(job)
    counters = doc.get("counters") or {}
    key = job.input_key or ""
    return {
        "id": job.job_id,
        "workspace_id": job.workspace_id,
        "status": job.status,
        "stage": job.stage,
        "source": job.source,
        "filename": key.rsplit("/", 1)[-1] if key else None,
        "percent_done": _percent(job, precise=progress),
        "counters": {name: int(counters.get(name) or 0) for name in COUNTERS}
        | ({"rollback": counters["rollback"]} if counters.get("rollback") else {}),
        "options": {k: v for k, v in (job.options or {}).items() if k != "mapping"},
        "warnings": doc["warnings"],
        "error": doc["error"],
        "stages": doc["stages"],
        "chunk_count": doc["chunk_count"],
        "reports_available": bool(job.results_key),
        "created_at": job.created_at,
        "updated_at": job.updated_at,
    }


def get_job(workspace_id: str, job_id: str) -> ImportJob:
    job = jobs.get(job_id)
    if job is None or job.workspace_id != workspace_id:
        raise NotFound(f"no import {job_id} in this workspace")
    return job


def get(workspace_id: str, job_id: str) -> dict[str, Any]:
    job = get_job(workspace_id, job_id)
    # the column map only here: a listing of jobs stays small
    return {**view(job, progress=True), "column_map": job.column_map}


def list_jobs(workspace_id: str, *, page_size: int, cursor: str | None, status: str | None) -> dict[str, Any]:
    fingerprint = f"imports|{workspace_id}|{status or ''}"
    state = cursors.decode_cursor(cursor, fingerprint) if cursor else {}
    before = None
    if state:
        key = state.get("k")
        if not (isinstance(key, list) and len(key) == 2 and all(isinstance(v, str) and v for v in key)):
            raise BadRequest("the cursor is not one this API returned", field="cursor")
        before = (key[0], key[1])
    ids = jobs.page_of_ids(workspace_id, page_size + 1, status=status, before=before)
    has_more = len(ids) > page_size
    ids = ids[:page_size]
    # the index is eventually consistent: the items say the job's current state
    page = [
        j
        for j in jobs.get_many([job_id for _, job_id in ids])
        if j.workspace_id == workspace_id and (status is None or j.status == status)
    ]
    next_cursor = None
    if has_more and ids:
        next_cursor = cursors.encode_cursor({"f": fingerprint, "k": list(ids[-1])})
    return {"data": [view(j) for j in page], "meta": {"next_cursor": next_cursor, "has_more": has_more}}


def resume(workspace_id: str, job_id: str) -> dict[str, Any]:
    """Start a queued job (a preview confirmed, or a missed upload event) or re-run a failed one
    from where it stopped (every finished stage is skipped by its checkpoint)."""
    job = get_job(workspace_id, job_id)
    if job.status == "complete":
        raise Conflict(f"import {job_id} is already complete")
    if job.status == "rejected":
        raise Conflict(f"import {job_id} was rejected ({job.error}); fix the file and start a new import")
    if job.status == "running":
        raise Conflict(f"import {job_id} is still running")
    if not job.input_key or not s3.exists(job.input_key):
        raise Conflict(
            f"the file of import {job_id} has not been uploaded yet; POST it to the upload URL first"
        )
    if job.status == "queued":
        trigger.start_import(job)
    else:
        attempt = uuid.uuid4().hex[:8]
        trigger.start_import(job, name=f"{job_id}-resume-{attempt}", resume=attempt)
    # the job reads `running` from now on, not `failed` until the first stage runs again
    jobs.advance(job_id, job.stage)
    return view(get_job(workspace_id, job_id), progress=True)


def report_link(workspace_id: str, job_id: str, kind: str) -> dict[str, Any]:
    job = get_job(workspace_id, job_id)
    key = job.results_key if kind == "results" else job.errors_key
    if job.status != "complete" or not key:
        raise Conflict(f"import {job_id} is {job.status}; its reports exist once it is complete")
    completed = datetime.fromisoformat(job.updated_at.replace("Z", "+00:00"))
    lifetime = timedelta(seconds=get_api_settings().report_url_expiry_s)
    remaining = completed + timedelta(days=get_settings().report_ttl_days) - datetime.now(UTC)
    expires_in = int(min(lifetime, remaining).total_seconds())
    if expires_in <= 0:
        raise NotFound(
            f"the reports of import {job_id} expired {get_settings().report_ttl_days} days after it completed"
        )
    filename = f"{job_id}-{kind}.csv"
    url = presigner().generate_presigned_url(
        "get_object",
        Params={
            "Bucket": get_settings().bucket,
            "Key": key,
            "ResponseContentDisposition": f'attachment; filename="{filename}"',
            "ResponseContentType": "text/csv",
        },
        ExpiresIn=expires_in,
    )
    return {
        "url": url,
        "filename": filename,
        "expires_at": _iso(datetime.now(UTC) + timedelta(seconds=expires_in)),
    }


def preview(workspace_id: str, body: dict[str, Any]) -> dict[str, Any]:
    if body.get("job_id"):
        job = get_job(workspace_id, body["job_id"])
        if not job.input_key or not s3.exists(job.input_key):
            raise Conflict(f"the file of import {job.job_id} has not been uploaded yet")
        options = dict(job.options or {})
        stream, size = s3.open_stream(job.input_key)
        where = "job_id"
    elif body.get("content") is not None:
        options = import_options(workspace_id, body.get("options") or {})
        data = body["content"].encode("utf-8")
        stream, size = io.BytesIO(data), len(data)
        where = "content"
    else:
        raise BadRequest("give job_id (an uploaded import) or content (the file's text)", field="content")
    try:
        return preview_stream(stream, size=size, workspace_id=workspace_id, options=options)
    except FileRejected as exc:
        raise BadRequest(f"{exc.code}: {exc.message}", field=where) from None
    finally:
        close = getattr(stream, "close", None)
        if close:
            close()
