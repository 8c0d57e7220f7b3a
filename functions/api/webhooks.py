"""Webhook intake: a signed batch of contacts becomes its own ImportJob.

The sender signs `"<t>.<raw body>"` with HMAC-SHA256 under the workspace's webhook secret and
sends `X-Workspace-Id: <workspace>` and `X-Signature: t=<unix seconds>,v1=<hex digest>`. An
unsigned, wrongly signed or stale (more than 5 minutes off) batch is refused with 401. The
batch is written as a CSV upload (`uploads/{workspace}/{job}/webhook.csv`) with an explicit
column mapping, and the import starts the way an upload's does. A `batch_id` makes a
redelivered batch land on the same job (and the same execution), so it imports once.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets
import time
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

from pydantic import ValidationError

from functions.api import imports, trigger
from functions.api import options as api_options
from functions.api.errors import BadRequest, Unauthenticated
from functions.api.models import ImportOptions
from functions.api.settings import get_api_settings
from functions.common import config_store, jobs, s3
from functions.common.batch_csv import BatchError
from functions.common.batch_csv import batch_csv as shared_batch_csv

SECRET_DOC = "webhook_secret"
ROTATION_GRACE = timedelta(hours=24)  # the previous secret keeps working this long after a rotation


def rotate_secret(workspace_id: str) -> dict[str, Any]:
    """A new secret (returned once); the previous one stays valid for a day so senders can switch."""
    current = config_store.get_doc(workspace_id, SECRET_DOC) or {}
    now = datetime.now(UTC)
    doc: dict[str, Any] = {"secret": "whsec_" + secrets.token_urlsafe(32), "created_at": jobs.now_iso()}
    if current.get("secret"):
        doc["previous"] = current["secret"]
        doc["previous_expires_at"] = (
            (now + ROTATION_GRACE).isoformat(timespec="seconds").replace("+00:00", "Z")
        )
    config_store.put_doc(workspace_id, SECRET_DOC, doc)
    return {
        "secret": doc["secret"],
        "workspace_id": workspace_id,
        "created_at": doc["created_at"],
        "previous_valid_until": doc.get("previous_expires_at"),
        "signature_header": "X-Signature",
        "signature_format": "t=<unix seconds>,v1=<hex HMAC-SHA256 of '<t>.<raw body>'>",
    }


def sign(secret: str, body: bytes, timestamp: int | None = None) -> str:
    """The X-Signature header value for a body (what a sender computes)."""
    t = int(time.time()) if timestamp is None else timestamp
    digest = hmac.new(secret.encode(), f"{t}.".encode() + body, hashlib.sha256).hexdigest()
    return f"t={t},v1={digest}"


def _secrets(workspace_id: str) -> list[str]:
    doc = config_store.get_doc(workspace_id, SECRET_DOC) or {}
    out = [doc["secret"]] if doc.get("secret") else []
    expires = doc.get("previous_expires_at")
    if (
        doc.get("previous")
        and expires
        and datetime.fromisoformat(expires.replace("Z", "+00:00")) > datetime.now(UTC)
    ):
        out.append(doc["previous"])
    return out


def verify(workspace_id: str | None, header: str | None, body: bytes, *, now: float | None = None) -> str:
    """The workspace of a correctly signed, fresh batch; Unauthenticated otherwise."""
    if not workspace_id or not header:
        raise Unauthenticated("a webhook batch must carry X-Workspace-Id and X-Signature headers")
    parts: dict[str, list[str]] = {}
    for item in header.split(","):
        name, _, value = item.strip().partition("=")
        parts.setdefault(name, []).append(value)
    try:
        timestamp = int(parts["t"][0])
    except (KeyError, ValueError):
        raise Unauthenticated("X-Signature must be t=<unix seconds>,v1=<hex digest>") from None
    now = time.time() if now is None else now
    if abs(now - timestamp) > get_api_settings().webhook_tolerance_s:
        raise Unauthenticated(
            "the signature timestamp is more than 5 minutes off; sign the batch when sending it"
        )
    given = parts.get("v1") or []
    signed = f"{timestamp}.".encode() + body
    for secret in _secrets(workspace_id):
        expected = hmac.new(secret.encode(), signed, hashlib.sha256).hexdigest()
        if any(hmac.compare_digest(expected, g) for g in given):
            return workspace_id
    raise Unauthenticated("the signature does not match this workspace's webhook secret")


def batch_csv(contacts: list[Any]) -> tuple[bytes, dict[str, Any]]:
    """The batch as a CSV file and its explicit column mapping; a malformed contact is a 400."""
    try:
        return shared_batch_csv(contacts)
    except BatchError as exc:
        raise BadRequest(exc.message, field=exc.field) from None


def intake(workspace_id: str, payload: Any) -> dict[str, Any]:
    if not isinstance(payload, Mapping):
        raise BadRequest("the batch must be a JSON object with a contacts list", field="contacts")
    contacts = payload.get("contacts")
    limit = get_api_settings().webhook_max_contacts
    if not isinstance(contacts, list) or not contacts:
        raise BadRequest("contacts must be a non-empty list", field="contacts")
    if len(contacts) > limit:
        raise BadRequest(f"a batch holds at most {limit:,} contacts; split it", field="contacts")
    options_in = payload.get("options") or {}
    if not isinstance(options_in, Mapping):
        raise BadRequest("options must be an object", field="options")
    try:
        given = ImportOptions.model_validate(dict(options_in))
    except ValidationError as exc:
        err = exc.errors()[0]
        field = ".".join(["options", *(str(p) for p in err["loc"])])
        if err["type"] == "extra_forbidden":
            raise BadRequest(f"unknown option {err['loc'][-1]!r}", field=field) from None
        raise BadRequest(f"{field}: {err['msg']}", field=field) from None
    resolved = api_options.resolve(given, where="a webhook batch", not_here=api_options.NOT_FOR_BATCHES)
    body, mapping = batch_csv(contacts)
    options = imports.import_options(workspace_id, resolved)
    options["mapping"] = mapping
    batch_id = payload.get("batch_id")
    if batch_id is not None and (not isinstance(batch_id, str) or not 0 < len(batch_id) <= 200):
        raise BadRequest("batch_id must be a string of 1-200 characters", field="batch_id")
    if batch_id:
        digest = hashlib.sha256(f"{workspace_id}\x00{batch_id}".encode()).hexdigest()[:20]
        job_id = f"job_{digest}"
        options["batch_id"] = batch_id
    else:
        job_id = imports.new_job_id()
    key = f"uploads/{workspace_id}/{job_id}/webhook.csv"
    existing = jobs.get(job_id)
    if existing is not None and existing.workspace_id == workspace_id:
        return imports.view(existing, progress=True)  # a redelivered batch: the same job
    job = jobs.create(job_id, workspace_id=workspace_id, options=options, source="webhook", input_key=key)
    s3.put_bytes(key, body, content_type="text/csv")
    # the upload event starts it too (same execution name: whichever comes second is a no-op)
    trigger.start_import(job)
    return imports.view(jobs.get(job_id) or job, progress=True)


def raw_body(event: Any) -> bytes:
    body = event.get("body") or ""
    if event.get("isBase64Encoded"):
        import base64

        return base64.b64decode(body)
    return body.encode("utf-8")


def parse_json(body: bytes) -> Any:
    try:
        return json.loads(body)
    except ValueError:
        raise BadRequest("the request body is not valid JSON") from None
