"""The HTTP API on this machine: `contact-import serve`.

Each HTTP request becomes an API Gateway HTTP API payload 2.0 event, goes through the Lambda
authorizer the way API Gateway runs it (its context lands in `requestContext.authorizer.lambda`)
and then through the API Lambda's handler, both in this process. One request at a time reaches
the API handler, as in one Lambda execution environment. The presigned upload URLs the API hands
out point at the local S3 (moto); when an object lands under `uploads/`, the upload trigger runs
in the background with an S3 "Object Created" EventBridge event, as S3 -> EventBridge does on AWS.
"""

from __future__ import annotations

import base64
import contextlib
import json
import logging
import os
import signal
import threading
import uuid
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from local.runtime import ACCOUNT_ID, DEFAULT_DATA_DIR, REGION, LambdaContext, Runtime

log = logging.getLogger("contact_import.server")

MAX_PAYLOAD = 10 * 1024 * 1024  # API Gateway HTTP API's request payload limit
PUBLIC_PREFIXES = ("/api/webhooks/",)  # routes deployed without the authorizer
_TEXT_TYPES = ("application/json", "text/", "application/x-www-form-urlencoded", "application/xml")
WEB_ROOT = Path(__file__).resolve().parents[1] / "web"  # the web app: static files, no build step
_WEB_TYPES = {
    ".html": "text/html; charset=utf-8",
    ".js": "text/javascript; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".json": "application/json",
    ".svg": "image/svg+xml",
    ".ico": "image/x-icon",
}
# what CloudFront's response headers policy sends on AWS: no inline scripts or styles anywhere
WEB_HEADERS = {
    "Content-Security-Policy": "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self' http://127.0.0.1:* http://localhost:*; frame-ancestors 'none'; base-uri 'none'; "
    "form-action 'self'; object-src 'none'",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "X-Frame-Options": "DENY",
    "Cache-Control": "no-cache",
}


# what the stack's BucketDeployment writes as config.json on AWS; one machine has no user pool
LOCAL_WEB_CONFIG: dict[str, Any] = {"apiBase": "", "cognito": None}


def web_file(path: str, root: Path = WEB_ROOT) -> tuple[Path, str] | None:
    """The web app's file for a request path (`/` is index.html), or None: never outside `root`."""
    rel = urlsplit(path).path.lstrip("/") or "index.html"
    target = (root / rel).resolve()
    if not target.is_relative_to(root.resolve()) or not target.is_file():
        return None
    kind = _WEB_TYPES.get(target.suffix)
    return (target, kind) if kind else None


@dataclass
class LocalApi:
    url: str
    runtime: Runtime
    uploads_seen: list[str]

    @property
    def s3_endpoint(self) -> str:
        return self.runtime.moto_endpoint


def _now() -> tuple[str, int]:
    now = datetime.now(UTC)
    return now.strftime("%d/%b/%Y:%H:%M:%S +0000"), int(now.timestamp() * 1000)


def http_event(
    method: str, target: str, headers: dict[str, str], body: bytes, source_ip: str
) -> dict[str, Any]:
    """An API Gateway HTTP API payload 2.0 event for one request."""
    parts = urlsplit(target)
    query: dict[str, str] = {}
    for name, value in parse_qsl(parts.query, keep_blank_values=True):
        # HTTP API joins repeated query parameters with commas
        query[name] = f"{query[name]},{value}" if name in query else value
    content_type = headers.get("content-type", "")
    text = None
    if body and content_type.startswith(_TEXT_TYPES):
        with contextlib.suppress(UnicodeDecodeError):
            text = body.decode("utf-8")
    when, epoch = _now()
    event: dict[str, Any] = {
        "version": "2.0",
        "routeKey": "$default",
        "rawPath": parts.path or "/",
        "rawQueryString": parts.query,
        "headers": headers,
        "requestContext": {
            "accountId": ACCOUNT_ID,
            "apiId": "local",
            "domainName": headers.get("host", "localhost"),
            "domainPrefix": "local",
            "http": {
                "method": method,
                "path": parts.path or "/",
                "protocol": "HTTP/1.1",
                "sourceIp": source_ip,
                "userAgent": headers.get("user-agent", ""),
            },
            "requestId": uuid.uuid4().hex,
            "routeKey": "$default",
            "stage": "$default",
            "time": when,
            "timeEpoch": epoch,
        },
        "isBase64Encoded": bool(body) and text is None,
    }
    if query:
        event["queryStringParameters"] = query
    if "cookie" in headers:
        event["cookies"] = [c.strip() for c in headers["cookie"].split(";") if c.strip()]
    if body:
        event["body"] = text if text is not None else base64.b64encode(body).decode("ascii")
    return event


def authorizer_event(event: dict[str, Any]) -> dict[str, Any]:
    """The REQUEST authorizer event (payload 2.0) API Gateway builds from a request."""
    return {
        "version": "2.0",
        "type": "REQUEST",
        "routeArn": f"arn:aws:execute-api:{REGION}:{ACCOUNT_ID}:local/$default/"
        f"{event['requestContext']['http']['method']}{event['rawPath']}",
        "identitySource": [v for k, v in event["headers"].items() if k == "authorization"],
        "routeKey": event["routeKey"],
        "rawPath": event["rawPath"],
        "rawQueryString": event["rawQueryString"],
        "headers": event["headers"],
        "queryStringParameters": event.get("queryStringParameters") or {},
        "requestContext": event["requestContext"],
    }


def _context(name: str) -> Any:
    """The Lambda context a handler gets (the runtime's stand-in for the real one)."""
    return LambdaContext(function_name=name, aws_request_id=uuid.uuid4().hex)


class Gateway:
    """What API Gateway does with a request: authorizer first, then the integration."""

    def __init__(self) -> None:
        from functions.api import authorizer, handler

        self._authorize = authorizer.handler
        self._api = handler.handler
        self._lock = threading.Lock()  # one request at a time per execution environment

    def __call__(self, event: dict[str, Any]) -> dict[str, Any]:
        if not event["rawPath"].startswith(PUBLIC_PREFIXES):
            verdict = self._authorize(authorizer_event(event), _context("Authorizer"))
            if not verdict.get("isAuthorized"):
                return {"statusCode": 403, "body": json.dumps({"message": "Forbidden"})}
            event["requestContext"]["authorizer"] = {"lambda": verdict.get("context") or {}}
        with self._lock:
            result: dict[str, Any] = self._api(event, _context("Api"))
        return result


def _handler_class(gateway: Gateway) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        server_version = "contact-import-local"
        # headers and body go out in separate writes: without TCP_NODELAY, Nagle plus the
        # client's delayed ACK hold every response back ~40 ms
        disable_nagle_algorithm = True

        def log_message(self, format: str, *args: Any) -> None:
            log.debug("%s " + format, self.address_string(), *args)

        def _read_body(self) -> bytes | None:
            if self.headers.get("transfer-encoding", "").lower() == "chunked":
                chunks: list[bytes] = []
                total = 0
                while True:
                    size = int(self.rfile.readline().split(b";")[0].strip() or b"0", 16)
                    if size == 0:
                        self.rfile.readline()
                        return b"".join(chunks)
                    total += size
                    if total > MAX_PAYLOAD:
                        return None
                    chunks.append(self.rfile.read(size))
                    self.rfile.readline()
            length = int(self.headers.get("content-length") or 0)
            if length > MAX_PAYLOAD:
                return None
            return self.rfile.read(length) if length else b""

        def _send(self, status: int, headers: dict[str, str], body: bytes, cookies: list[str]) -> None:
            self.send_response(status)
            for name, value in headers.items():
                if name.lower() not in ("content-length", "connection", "transfer-encoding"):
                    self.send_header(name, value)
            for cookie in cookies:
                self.send_header("Set-Cookie", cookie)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(body)

        def _static(self) -> bool:
            """Serve the web app for GET/HEAD outside /api/; False when it is not a web file."""
            if self.command not in ("GET", "HEAD") or self.path.startswith("/api/"):
                return False
            if urlsplit(self.path).path == "/config.json":
                body = json.dumps(LOCAL_WEB_CONFIG).encode()
                self._send(200, {"Content-Type": "application/json", **WEB_HEADERS}, body, [])
                return True
            found = web_file(self.path)
            if found is None:
                return False
            target, kind = found
            self._send(200, {"Content-Type": kind, **WEB_HEADERS}, target.read_bytes(), [])
            return True

        def _dispatch(self) -> None:
            if self._static():
                return
            body = self._read_body()
            if body is None:
                self.close_connection = True
                payload = json.dumps({"message": "Request Entity Too Large"}).encode()
                self._send(413, {"Content-Type": "application/json"}, payload, [])
                return
            headers: dict[str, str] = {}
            for name, value in self.headers.items():
                key = name.lower()
                headers[key] = f"{headers[key]},{value}" if key in headers else value
            event = http_event(self.command, self.path, headers, body, self.client_address[0])
            try:
                result = gateway(event)
            except Exception:
                log.exception("the API handler failed")
                payload = json.dumps({"message": "Internal Server Error"}).encode()
                self._send(500, {"Content-Type": "application/json"}, payload, [])
                return
            raw = result.get("body") or ""
            out = base64.b64decode(raw) if result.get("isBase64Encoded") else raw.encode("utf-8")
            response_headers = {k: str(v) for k, v in (result.get("headers") or {}).items()}
            for name, values in (result.get("multiValueHeaders") or {}).items():
                response_headers[name] = ",".join(str(v) for v in values)
            response_headers.setdefault("Content-Type", "application/json")
            self._send(int(result.get("statusCode", 200)), response_headers, out, result.get("cookies") or [])

        do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = do_OPTIONS = do_HEAD = _dispatch

        def __getattr__(self, name: str) -> Any:
            # any other method (TRACE, PROPFIND, ...) reaches the API too, which answers it (404/405)
            if name.startswith("do_"):
                return self._dispatch
            raise AttributeError(name)

    return Handler


@contextlib.contextmanager
def upload_events(bucket: str, on_upload: Callable[[dict[str, Any]], Any]) -> Iterator[list[str]]:
    """Call `on_upload` (in a background thread) with an S3 "Object Created" EventBridge event for
    every object written under `uploads/` - what S3 -> EventBridge -> the trigger does on AWS."""
    from moto.s3.models import S3Backend

    seen: list[str] = []
    executor = ThreadPoolExecutor(max_workers=2, thread_name_prefix="upload-trigger")
    original = S3Backend.put_object

    def deliver(event: dict[str, Any]) -> None:
        try:
            on_upload(event)
        except Exception:
            log.exception("the upload trigger failed for %s", event["detail"]["object"]["key"])

    def put_object(backend: Any, bucket_name: str, key_name: str, value: bytes, *args: Any, **kwargs: Any):
        stored = original(backend, bucket_name, key_name, value, *args, **kwargs)
        if bucket_name == bucket and key_name.startswith("uploads/"):
            seen.append(key_name)
            executor.submit(deliver, s3_object_created(bucket_name, key_name, len(value)))
        return stored

    S3Backend.put_object = put_object  # type: ignore[method-assign, assignment]
    try:
        yield seen
    finally:
        S3Backend.put_object = original  # type: ignore[method-assign]
        executor.shutdown(wait=True, cancel_futures=False)


def s3_object_created(bucket: str, key: str, size: int) -> dict[str, Any]:
    return {
        "version": "0",
        "id": str(uuid.uuid4()),
        "detail-type": "Object Created",
        "source": "aws.s3",
        "account": ACCOUNT_ID,
        "time": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "region": REGION,
        "resources": [f"arn:aws:s3:::{bucket}"],
        "detail": {
            "version": "0",
            "bucket": {"name": bucket},
            "object": {"key": key, "size": size},
            "request-id": uuid.uuid4().hex,
            "reason": "PutObject",
        },
    }


@contextlib.contextmanager
def running(rt: Runtime, *, host: str = "127.0.0.1", port: int = 0) -> Iterator[LocalApi]:
    """Serve the API on `host:port` (0: a free port) against a started runtime, in a thread."""
    from functions.api import idempotency, trigger
    from functions.api.settings import reset_api_settings
    from functions.common.settings import get_settings

    os.environ["CI_STATE_MACHINE_ARN"] = rt.state_machine_arn
    os.environ["CI_BULK_STATE_MACHINE_ARN"] = rt.bulk_state_machine_arn
    reset_api_settings()
    idempotency.reset()
    gateway = Gateway()
    with upload_events(
        get_settings().bucket,
        lambda event: trigger.handler(event, _context("UploadTrigger")),
    ) as seen:
        server = ThreadingHTTPServer((host, port), _handler_class(gateway))
        server.daemon_threads = True
        thread = threading.Thread(target=server.serve_forever, name="api-server", daemon=True)
        thread.start()
        try:
            yield LocalApi(f"http://{host}:{server.server_address[1]}", rt, seen)
        finally:
            server.shutdown()
            server.server_close()
            thread.join(timeout=10)


SYNC_TICK_S = 30.0  # how often the local scheduler looks for due CRM syncs


def due_syncs(now: datetime) -> list[tuple[str, str]]:
    """(workspace, connection) of every connection whose schedule says it should run now."""
    from functions.sync import connections, schedules
    from functions.sync.watermark import parse_iso

    due = []
    for conn in connections.all_connections():
        last = (conn.last_run or {}).get("at")
        try:
            if schedules.is_due(conn.rate, parse_iso(last) if last else None, now):
                due.append((conn.workspace_id, conn.connection_id))
        except Exception:
            log.exception("connection %s has an unusable schedule", conn.connection_id)
    return due


@contextlib.contextmanager
def _periodic(
    what: str, one_round: Callable[[threading.Event], None], tick_s: float, *, join_s: float = 30
) -> Iterator[threading.Event]:
    """A daemon thread that runs `one_round(stop)` now and then every `tick_s` until the yielded
    event is set; a failed round is logged and the next one runs."""
    stop = threading.Event()

    def loop() -> None:
        while not stop.is_set():
            try:
                one_round(stop)
            except Exception:
                log.exception("the local %s failed a round; it tries again", what)
            stop.wait(tick_s)

    thread = threading.Thread(target=loop, name=what.replace(" ", "-"), daemon=True)
    thread.start()
    try:
        yield stop
    finally:
        stop.set()
        thread.join(timeout=join_s)


def sync_scheduler(tick_s: float = SYNC_TICK_S) -> contextlib.AbstractContextManager[threading.Event]:
    """What EventBridge Scheduler does on AWS, on this machine: a daemon thread that settles
    finished sync imports and runs every connection whose rate says it is due (service.run, the
    same code the sync function runs). Set the yielded event to stop it."""
    from functions.sync import service

    def one_round(stop: threading.Event) -> None:
        service.sweep()
        for workspace_id, connection_id in due_syncs(datetime.now(UTC)):
            if stop.is_set():
                break
            result = service.run(workspace_id, connection_id)
            log.info("scheduled sync %s: %s", connection_id, result["status"])

    return _periodic("sync scheduler", one_round, tick_s)


WEBHOOK_TICK_S = 5.0  # how often the local webhook worker looks for due deliveries


def webhook_worker(tick_s: float = WEBHOOK_TICK_S) -> contextlib.AbstractContextManager[threading.Event]:
    """What the delivery function does on AWS, on this machine: a daemon thread that expands
    finished imports into contact events and sends what is due (delivery.run_once). The import
    never waits for it. Set the yielded event to stop it."""
    from functions.events import delivery

    def one_round(_: threading.Event) -> None:
        sweep = delivery.run_once()
        if sweep.delivered or sweep.dead_lettered or sweep.queued:
            log.info("webhooks: %s", sweep.as_dict())

    return _periodic("webhook worker", one_round, tick_s)


MAINTENANCE_TICK_S = 24 * 3600.0  # as often as the daily schedule on AWS


def maintenance_scheduler(
    tick_s: float = MAINTENANCE_TICK_S,
) -> contextlib.AbstractContextManager[threading.Event]:
    """What the daily Maintenance schedule does on AWS, on this machine: a daemon thread that
    applies every enabled retention policy and the audit log's TTL (retention.run_scheduled),
    once at start and then every `tick_s`. Set the yielded event to stop it."""
    from functions.maintenance import retention
    from functions.query.db import get_database

    def one_round(_: threading.Event) -> None:
        db = get_database()
        if db is not None:
            log.info("maintenance: %s", retention.run_scheduled(db))

    return _periodic("maintenance run", one_round, tick_s, join_s=60)


def serve(port: int = 8080, data_dir: Path | str = DEFAULT_DATA_DIR, *, host: str = "127.0.0.1") -> None:
    """Run the API until Ctrl-C (or SIGTERM): DynamoDB Local, moto S3 + Step Functions, the HTTP
    server; everything started is stopped on the way out."""
    stop = threading.Event()
    previous = signal.signal(signal.SIGTERM, lambda *_: stop.set())
    try:
        with (
            Runtime(Path(data_dir)) as rt,
            running(rt, host=host, port=port) as api,
            sync_scheduler(),
            webhook_worker(),
            maintenance_scheduler(),
        ):
            print(f"Web app on {api.url}/", flush=True)
            print(f"Contact Import API on {api.url}  (OpenAPI: {api.url}/api/v1/openapi.json)", flush=True)
            print(f"Local S3 (presigned uploads) on {rt.moto_endpoint}; data in {rt.data_dir}", flush=True)
            print(
                f"DynamoDB Local on {rt.ddb_endpoint} (other processes: AWS_ENDPOINT_URL_DYNAMODB={rt.ddb_endpoint})",
                flush=True,
            )
            print(f"CRM syncs run on their schedules (checked every {SYNC_TICK_S:.0f} s)", flush=True)
            print(f"Contact webhooks are sent in the background (every {WEBHOOK_TICK_S:.0f} s)", flush=True)
            print("Retention policies and the audit log's TTL run daily (and now)", flush=True)
            print("Ctrl-C stops", flush=True)
            try:
                while not stop.wait(1.0):
                    pass
            except KeyboardInterrupt:
                pass
            print("stopping", flush=True)
    finally:
        signal.signal(signal.SIGTERM, previous)


def create_key(
    workspace: str, scopes: str, *, name: str | None = None, data_dir: Path | str = DEFAULT_DATA_DIR
) -> str:
    """Create an API key in the local tables and return it (shown once: only its hash is stored)."""
    from functions.api import auth

    with Runtime(Path(data_dir)):
        return auth.create_key(workspace, scopes, name=name)
