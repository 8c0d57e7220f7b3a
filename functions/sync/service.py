"""A CRM sync run: lock the connection, settle the previous batch, pull what changed since the
watermark, and hand the new records to an ImportJob like any other upload.

Every run is an ImportJob: the pulled contacts become a CSV upload with an explicit mapping
(`functions.common.batch_csv`, the webhook path), so they go through the same stages and get
per-row results, ownership and suppression. The watermark only moves when that job completes
(`finalize`); a failed or rejected job leaves it where it was and the next run pulls the same
records again. The watermark rules themselves are in `functions.sync.watermark`.
"""

from __future__ import annotations

import hashlib
import json
import threading
from collections.abc import Callable, Iterable, Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

from pydantic import SecretStr

from functions.api import imports, trigger
from functions.common import config_store, jobs, s3
from functions.common.aws import client
from functions.common.batch_csv import COLUMNS, CUSTOM_NAME, batch_csv
from functions.common.errors import ConfigInvalid
from functions.common.models import ImportJob
from functions.common.observability import logger
from functions.common.settings import get_settings
from functions.enrich.keys import KeyVaultError
from functions.sync import connections, schedules
from functions.sync import watermark as wm
from functions.sync.connections import Connection
from functions.sync.ports import CrmAdapter, SyncAuthError, SyncError, SyncRecord

AdapterFactory = Callable[..., CrmAdapter]
Starter = Callable[[ImportJob], Any]
SOURCE_PREFIX = "sync:"
APOLLO_SOURCE = "apollo_search"


def _default_factory(provider: str, token: SecretStr, **kwargs: Any) -> CrmAdapter:
    from functions.sync.adapters import make_adapter

    return make_adapter(provider, token, **kwargs)


def _utcnow() -> datetime:
    return datetime.now(UTC)


def _stamp(dt: datetime) -> str:
    return dt.astimezone(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


def _scrub(message: str, token: SecretStr | None) -> str:
    """Belt and braces: a message from an adapter never reaches a user or a log with the token."""
    if token is not None:
        secret = token.get_secret_value()
        if secret and secret in message:
            message = message.replace(secret, "**********")
    return message


def sync_job_id(
    workspace_id: str, connection_id: str, generation: int, watermark_from: datetime | None
) -> str:
    """Deterministic per (connection, batch): a retried invocation lands on the same job and so on
    the same execution; a batch after a failed one (next generation) gets a new job."""
    since = wm.iso(watermark_from) if watermark_from else "-"
    digest = hashlib.sha256(f"sync\x00{workspace_id}\x00{connection_id}\x00{generation}\x00{since}".encode())
    return f"job_{digest.hexdigest()[:20]}"


def batch_contact(contact: Mapping[str, Any]) -> dict[str, Any]:
    """An adapter's contact in the exact batch shape `batch_csv` takes: a key that is no standard
    field is kept as a custom field (nothing pulled is lost), an object value is kept as JSON,
    and Do Not Touch is never taken from the CRM (it is an import option)."""
    out: dict[str, Any] = {}
    custom: dict[str, Any] = {}
    raw_custom = contact.get("custom_fields")
    for name, value in raw_custom.items() if isinstance(raw_custom, Mapping) else ():
        if CUSTOM_NAME.fullmatch(str(name)):
            custom[str(name)] = value
    for name, value in contact.items():
        if name in ("custom_fields", "dnt") or value is None:
            continue
        if name in COLUMNS:
            out[name] = value
        elif CUSTOM_NAME.fullmatch(str(name)):
            custom.setdefault(str(name), value)
    for target in (out, custom):
        for name, value in list(target.items()):
            if isinstance(value, Mapping) or (
                isinstance(value, list | tuple) and any(isinstance(v, Mapping) for v in value)
            ):
                target[name] = json.dumps(value, sort_keys=True, default=str)
    if custom:
        out["custom_fields"] = custom
    return out


def start_job(
    workspace_id: str,
    job_id: str,
    contacts: Iterable[Mapping[str, Any]],
    *,
    options: dict[str, Any],
    source: str,
    starter: Starter | None = None,
) -> ImportJob:
    """The contacts as an ImportJob: CSV upload with its explicit mapping, job record, execution.
    Repeating it with the same job id starts nothing new."""
    body, mapping = batch_csv([batch_contact(c) for c in contacts])
    options = {**options, "mapping": mapping}
    key = f"uploads/{workspace_id}/{job_id}/{source.replace(':', '-')}.csv"
    job = jobs.create(job_id, workspace_id=workspace_id, options=options, source=source, input_key=key)
    if job.input_key and not s3.exists(job.input_key):
        s3.put_bytes(job.input_key, body, content_type="text/csv")
    # the upload event starts it too on AWS (same execution name: the second start is a no-op)
    (starter or trigger.start_import)(job)
    return jobs.get(job_id) or job


def _result(conn: Connection, status: str, **fields: Any) -> dict[str, Any]:
    return {
        "connection_id": conn.connection_id,
        "workspace_id": conn.workspace_id,
        "provider": conn.provider,
        "status": status,
        "job_id": fields.get("job_id"),
        "records": fields.get("records", 0),
        "pulled": fields.get("pulled", 0),
        "watermark_from": fields.get("watermark_from"),
        "watermark": fields.get("watermark"),
        "reason": fields.get("reason"),
    }


def _record_run(
    conn: Connection, result: dict[str, Any], at: datetime, state: wm.SyncState | None = None
) -> None:
    last_run = {k: result[k] for k in ("status", "job_id", "records", "pulled", "reason", "watermark_from")}
    last_run["at"] = _stamp(at)

    def change(doc: dict[str, Any]) -> dict[str, Any]:
        doc["last_run"] = last_run
        if state is not None:
            doc["state"] = state.to_doc()
        return doc

    connections.update(conn.workspace_id, conn.connection_id, change)


# --- connections with their schedules -------------------------------------------------------------


def connect(workspace_id: str, provider: str, token: str | SecretStr, **settings: Any) -> Connection:
    """Store the connection (token encrypted) and create its schedule (on AWS)."""
    conn = connections.connect(workspace_id, provider, token, **settings)
    try:
        schedules.put_schedule(workspace_id, conn.connection_id, conn.rate)
    except Exception:
        connections.delete(workspace_id, conn.connection_id)  # no connection without its schedule
        raise
    return conn


def reconfigure(
    workspace_id: str,
    connection_id: str,
    *,
    rate: str | None = None,
    options: dict[str, Any] | None = None,
    token: str | SecretStr | None = None,
) -> Connection:
    """Change the rate (and the schedule), the import options or the token (reconnect)."""
    conn = connections.set_settings(workspace_id, connection_id, rate=rate, options=options, token=token)
    if rate is not None:
        schedules.put_schedule(workspace_id, connection_id, conn.rate)
    return conn


def disconnect(workspace_id: str, connection_id: str) -> None:
    connections.get(workspace_id, connection_id)
    schedules.delete_schedule(connection_id)
    connections.delete(workspace_id, connection_id)


# --- settling the previous batch -------------------------------------------------------------------


def _job_status(job_id: str, workspace_id: str, starter: Starter | None) -> str | None:
    """The pending job's status, after making sure a job whose file was uploaded is started
    (a run that stopped between upload and start leaves it queued)."""
    job = jobs.get(job_id)
    if job is None or job.workspace_id != workspace_id:
        return None
    if job.status == "queued":
        if job.input_key and s3.exists(job.input_key):
            (starter or trigger.start_import)(job)
            return "running"
        jobs.fail(
            job_id, "the sync run stopped before its records were uploaded; the next run pulls them again"
        )
        return "failed"
    return str(job.status)


def _settle(conn: Connection, starter: Starter | None) -> tuple[Connection, wm.Resolution]:
    """Apply the pending job's outcome to the connection's state (caller holds the lock)."""
    state = conn.state
    if state.pending is None:
        return conn, wm.Resolution(state, "none")
    status = _job_status(state.pending.job_id, conn.workspace_id, starter)
    resolution = wm.resolve(state, status)
    if resolution.outcome in ("committed", "discarded"):
        job_id = state.pending.job_id

        def change(doc: dict[str, Any]) -> dict[str, Any]:
            doc["state"] = resolution.state.to_doc()
            last = doc.get("last_run") or {}
            if last.get("job_id") == job_id:
                doc["last_run"] = {**last, "job_status": status}
            return doc

        conn = connections.update(conn.workspace_id, conn.connection_id, change)
        logger.info(
            "sync batch settled",
            extra={"connection_id": conn.connection_id, "job_id": job_id, "outcome": resolution.outcome},
        )
    return conn, resolution


# --- a run ---------------------------------------------------------------------------------------------


def run(
    workspace_id: str,
    connection_id: str,
    *,
    adapter_factory: AdapterFactory | None = None,
    now: Callable[[], datetime] = _utcnow,
    starter: Starter | None = None,
) -> dict[str, Any]:
    """One sync run of a connection. Result: {connection_id, status: started | no_changes |
    skipped | failed, job_id, records, pulled, watermark_from, watermark, reason}.

    Raises connections.ConnectionNotFound for an unknown connection."""
    conn = connections.get(workspace_id, connection_id)
    owner = connections.acquire_lock(workspace_id, connection_id)
    if owner is None:
        return _result(conn, "skipped", reason=f"another sync of connection {connection_id} is running")
    try:
        return _run_locked(conn, adapter_factory or _default_factory, now, starter)
    finally:
        connections.release_lock(workspace_id, connection_id, owner)


def request_run(workspace_id: str, connection_id: str) -> dict[str, Any]:
    """A run asked for over the API, status `queued`: a first sync can outlast an API request, and
    a slow CRM must not hold the API up. On AWS the sync function runs it (asynchronous invoke);
    on one machine (`contact-import serve`) a background thread of this process does. The
    outcome shows as the connection's `last_run`."""
    conn = connections.get(workspace_id, connection_id)
    function_arn = get_settings().sync_function_arn
    if function_arn:
        payload = {"action": "run", "workspace_id": workspace_id, "connection_id": connection_id}
        client("lambda").invoke(
            FunctionName=function_arn, InvocationType="Event", Payload=json.dumps(payload).encode()
        )
    else:
        threading.Thread(
            target=_run_logged, args=(workspace_id, connection_id), name=f"sync-{connection_id}", daemon=True
        ).start()
    return _result(conn, "queued", reason="the sync runs now; its outcome shows as the connection's last_run")


def _run_logged(workspace_id: str, connection_id: str) -> None:
    try:
        run(workspace_id, connection_id)
    except Exception:
        logger.exception("sync run failed", extra={"connection_id": connection_id})


def _run_locked(
    conn: Connection, factory: AdapterFactory, now: Callable[[], datetime], starter: Starter | None
) -> dict[str, Any]:
    settings = get_settings()
    started_at = now()
    conn, resolution = _settle(conn, starter)
    state = resolution.state
    if resolution.outcome == "running":
        assert state.pending is not None
        result = _result(
            conn,
            "skipped",
            job_id=state.pending.job_id,
            reason=f"previous sync import {state.pending.job_id} still running",
        )
        _record_run(conn, result, started_at)
        return result

    overlap = timedelta(seconds=settings.sync_overlap_s)
    since = wm.since(state, overlap)
    watermark_from = wm.iso(state.watermark) if state.watermark else None
    token: SecretStr | None = None
    try:
        token = conn.token()
        adapter = factory(conn.provider, token, **_adapter_options(conn))
        batch = wm.select(state, adapter.pull(since), overlap=overlap, max_records=settings.sync_max_records)
    except SyncAuthError as exc:
        reason = _scrub(str(exc), token)
        if "reconnect" not in reason:
            reason += f"; reconnect with `contact-import sync connect {conn.provider}`"
        return _fail(conn, started_at, reason, watermark_from)
    except (SyncError, ConfigInvalid, KeyVaultError, ValueError) as exc:
        # ValueError: the adapter refused the connection's settings (e.g. objects for HubSpot)
        return _fail(conn, started_at, _scrub(str(exc), token), watermark_from)

    if not batch.records:
        result = _result(
            conn,
            "no_changes",
            pulled=batch.pulled,
            watermark_from=watermark_from,
            watermark=watermark_from,
            reason="nothing changed since the watermark",
        )
        _record_run(conn, result, started_at)
        return result

    job_id = sync_job_id(conn.workspace_id, conn.connection_id, state.generation, state.watermark)
    pending_state = wm.begin(state, batch, job_id)
    assert batch.watermark is not None
    result = _result(
        conn,
        "started",
        job_id=job_id,
        records=len(batch.records),
        pulled=batch.pulled,
        watermark_from=watermark_from,
        watermark=wm.iso(batch.watermark),
        reason="stopped at the per-run cap; the next run continues" if batch.capped else None,
    )
    # the pending batch is recorded before its job exists: a run that stops in between leaves a
    # pending job that the next run finds missing (or queued without a file) and discards
    _record_run(conn, result, started_at, pending_state)
    options = imports.import_options(conn.workspace_id, conn.options)
    options["sync"] = {
        "connection_id": conn.connection_id,
        "provider": conn.provider,
        "watermark_from": watermark_from,
        "watermark": result["watermark"],
    }
    start_job(
        conn.workspace_id,
        job_id,
        (r.contact for r in batch.records),
        options=options,
        source=SOURCE_PREFIX + conn.provider,
        starter=starter,
    )
    logger.info(
        "sync run started an import",
        extra={"connection_id": conn.connection_id, "job_id": job_id, "records": len(batch.records)},
    )
    return result


def _adapter_options(conn: Connection) -> dict[str, Any]:
    """The adapter keywords the connection sets (an unset one keeps the adapter's default)."""
    options: dict[str, Any] = {}
    if conn.doc.get("instance_url"):
        options["instance_url"] = conn.doc["instance_url"]
    if conn.doc.get("objects"):
        options["objects"] = tuple(conn.doc["objects"])
    if conn.doc.get("mapping"):
        options["mapping"] = dict(conn.doc["mapping"])
    if conn.doc.get("base_url"):
        options["base_url"] = conn.doc["base_url"]
    return options


def _fail(conn: Connection, at: datetime, reason: str, watermark_from: str | None) -> dict[str, Any]:
    result = _result(conn, "failed", reason=reason, watermark_from=watermark_from, watermark=watermark_from)
    _record_run(conn, result, at)
    logger.warning("sync run failed", extra={"connection_id": conn.connection_id, "reason": reason})
    return result


# --- finalizing ------------------------------------------------------------------------------------


def finalize(workspace_id: str, connection_id: str, *, starter: Starter | None = None) -> dict[str, Any]:
    """Settle the connection's pending batch: its job complete moves the watermark, failed or
    rejected discards it. Outcome: committed | discarded | running | none | locked."""
    conn = connections.get(workspace_id, connection_id)
    owner = connections.acquire_lock(workspace_id, connection_id)
    if owner is None:
        # the run holding the lock settles the batch itself before it pulls
        return {"connection_id": connection_id, "outcome": "locked", "watermark": None}
    try:
        job_id = conn.state.pending.job_id if conn.state.pending else None
        conn, resolution = _settle(conn, starter)
        watermark = resolution.state.watermark
        return {
            "connection_id": connection_id,
            "outcome": resolution.outcome,
            "job_id": job_id,
            "watermark": wm.iso(watermark) if watermark else None,
        }
    finally:
        connections.release_lock(workspace_id, connection_id, owner)


def finalize_job(job_id: str) -> dict[str, Any]:
    """Finalize the connection whose sync started this job (the "ImportJob Completed" event)."""
    job = jobs.get(job_id)
    if job is None or not str(job.source or "").startswith(SOURCE_PREFIX):
        return {"job_id": job_id, "outcome": "ignored", "reason": "not a sync import"}
    connection_id = ((job.options or {}).get("sync") or {}).get("connection_id")
    if not connection_id:
        return {"job_id": job_id, "outcome": "ignored", "reason": "the job names no connection"}
    try:
        return finalize(job.workspace_id, str(connection_id))
    except connections.ConnectionNotFound:
        return {"job_id": job_id, "outcome": "ignored", "reason": "the connection was deleted"}


def sweep() -> list[dict[str, Any]]:
    """Finalize every connection with a pending batch (catches failed jobs, which publish no
    completion event, and completion events that were missed)."""
    out = []
    for conn in connections.all_connections(pending_only=True):
        try:
            out.append(finalize(conn.workspace_id, conn.connection_id))
        except connections.ConnectionNotFound:
            continue
    return out


# --- Apollo people search as an import source ------------------------------------------------------


def apollo_search(
    workspace_id: str,
    *,
    max_people: int = 100,
    tiers: list[str] | None = None,
    dry_run: bool = False,
    search_factory: Callable[[SecretStr], Any] | None = None,
    starter: Starter | None = None,
    options: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """The Apollo people search built from the workspace's ICP rules: shown (dry run) or run into
    an ImportJob, with the workspace's own Apollo key (never the platform's). The search itself is
    free; revealing the people imported (their emails) spends that key's credits, one a person,
    reported as `credits_consumed`."""
    from functions.common.config_models import IcpRuleSet, load_icp_rules
    from functions.enrich.stage import PROVIDER_KEY_PREFIX
    from functions.sync.apollo_search import build_query

    if max_people < 1:
        raise ConfigInvalid("max must be at least 1")
    raw_rules = config_store.get_doc(workspace_id, config_store.ICP_RULES)
    rules = load_icp_rules(raw_rules) if raw_rules is not None else IcpRuleSet([])
    query = build_query(rules.root, tiers=tiers, per_page=min(100, max_people))
    token = (config_store.get_doc(workspace_id, PROVIDER_KEY_PREFIX + "apollo") or {}).get("token")
    doc: dict[str, Any] = {
        "workspace_id": workspace_id,
        "source": APOLLO_SOURCE,
        "query": query,
        "max_people": max_people,
        "key": "workspace" if token else None,
        "dry_run": dry_run,
        "status": "dry_run" if dry_run else None,
        "job_id": None,
        "records": 0,
        "credits_consumed": 0,
        "reason": None,
    }
    if dry_run:
        return doc
    if not query.get("searches"):
        return {
            **doc,
            "status": "no_results",
            "reason": "no ICP rule (of these tiers) has conditions to search by; see config set-icp",
        }
    if not token:
        raise ConfigInvalid(
            "the workspace has no Apollo key: store it with `contact-import keys set-provider apollo` "
            "(revealing the people found spends the workspace's own credits)"
        )
    key = connections._vault().decrypt_key(token)
    searcher = (search_factory or _apollo_searcher)(key)
    try:
        records: list[SyncRecord] = list(searcher.search(query, max_people))
    except SyncError as exc:
        return {**doc, "status": "failed", "reason": _scrub(str(exc), key)}
    doc["credits_consumed"] = getattr(searcher, "credits_consumed", 0)
    if not records:
        return {**doc, "status": "no_results"}
    job_id = imports.new_job_id()
    import_opts = imports.import_options(workspace_id, connections.validate_options(options))
    import_opts["apollo_search"] = {"query": query, "max_people": max_people}
    start_job(
        workspace_id,
        job_id,
        (r.contact for r in records),
        options=import_opts,
        source=APOLLO_SOURCE,
        starter=starter,
    )
    return {**doc, "status": "started", "job_id": job_id, "records": len(records)}


def _apollo_searcher(key: SecretStr) -> Any:
    from functions.sync.apollo_search import ApolloSearch

    base_url = get_settings().enrich_base_urls.get("apollo")
    return ApolloSearch(key, base_url=base_url) if base_url else ApolloSearch(key)
