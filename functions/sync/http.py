"""The HTTP half every CRM adapter shares: one pooled `httpx.Client`, explicit timeouts, and the
retry loop; plus the few wire-format helpers (instants, field mappings) all adapters need.

A sync run is a long, patient pull, not a user waiting on a page: a 429 or a 5xx slows it down
(exponential full-jitter backoff, the server's Retry-After honoured) and only a generous cap ends
it. The backoff arithmetic is the enrichment stage's (`functions.enrich.retry`), with a sync
policy of its own.

Tokens travel as `pydantic.SecretStr` inside an `Auth` and are put on the wire in one header
only: never in a URL (httpx logs URLs at INFO), never in a log line, exception or repr, and
never sent to a host other than the connection's own (a next-page link pointing elsewhere is
refused).
"""

from __future__ import annotations

import contextlib
import json
import logging
import random
import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from types import TracebackType
from typing import Any, Self

import httpx
from pydantic import SecretStr

from functions.api.contact_rows import WRITABLE_FIELDS
from functions.enrich.retry import RetryPolicy, backoff_delay, parse_retry_after, retry_after_delay
from functions.sync.ports import SyncAuthError, SyncError

log = logging.getLogger(__name__)

# connect fast-fails a dead host; read is generous because a CRM search page of 100 records with
# many properties can take seconds on a large portal
DEFAULT_TIMEOUT = httpx.Timeout(connect=5.0, read=60.0, write=10.0, pool=10.0)
USER_AGENT = "contact-import-sync/0.1"

# Patient on purpose: a scheduled sync has no one waiting, and HubSpot's and Outreach's limits
# are per second / per hour, so waiting them out is cheaper than failing and re-pulling. The total
# stays under five minutes per request so one page never outlives a Lambda's 15-minute budget.
SYNC_RETRY = RetryPolicy(
    max_attempts=10, base_delay=1.0, max_delay=60.0, max_total_wait=300.0, malformed_attempts=2
)


# ---------------------------------------------------------------------------------------------
# credentials


@dataclass(frozen=True, slots=True)
class Auth:
    """Which header carries the credential, and how. Its repr shows `SecretStr('**********')`."""

    header: str
    token: SecretStr
    prefix: str = ""

    @classmethod
    def bearer(cls, token: SecretStr) -> Auth:
        return cls("Authorization", token, "Bearer ")

    @classmethod
    def api_key(cls, token: SecretStr, header: str = "X-Api-Key") -> Auth:
        return cls(header, token)

    def headers(self) -> dict[str, str]:
        return {self.header: self.prefix + self.token.get_secret_value()}


def require_token(provider: str, token: SecretStr | str) -> SecretStr:
    """The token as a SecretStr; a blank one is an auth error now rather than a 401 later."""
    secret = token if isinstance(token, SecretStr) else SecretStr(token)
    if not secret.get_secret_value().strip():
        raise SyncAuthError(f"{provider} has no token: {reconnect_hint(provider)}")
    return secret


def reconnect_hint(provider: str) -> str:
    return f"reconnect with `contact-import sync connect {provider}`"


# ---------------------------------------------------------------------------------------------
# URLs


def join_url(base_url: str, path_or_url: str) -> str:
    """`path_or_url` resolved against `base_url`, refusing any other origin.

    Next-page links come from the server's body; following one to a different host would hand
    that host our token, so a foreign origin is an error rather than a redirect.
    """
    if not path_or_url.startswith(("http://", "https://")):
        return base_url.rstrip("/") + "/" + path_or_url.lstrip("/")
    base, target = httpx.URL(base_url), httpx.URL(path_or_url)
    if (target.scheme, target.host, target.port) != (base.scheme, base.host, base.port):
        raise SyncError(
            f"a next-page link points at {target.host!r}, not the connection's host {base.host!r}; "
            "refusing to send the token there"
        )
    return path_or_url


def url_path(url: str) -> str:
    """Only the path of a URL, for messages: queries can carry filter values, never worth showing."""
    return httpx.URL(url).path


# ---------------------------------------------------------------------------------------------
# the client


@dataclass(frozen=True, slots=True)
class _Retry:
    reason: str
    retry_after: float | None = None
    malformed: bool = False


class SyncHttp:
    """A synchronous JSON client for CRM APIs: `with SyncHttp() as http: http.get_json(...)`.

    Provider-neutral on purpose (the provider name and Auth come with each call), so one
    instance, one connection pool, can serve several adapters; tests inject `sleep` and `rng`
    to assert the backoff without waiting.
    """

    def __init__(
        self,
        *,
        timeout: httpx.Timeout | float = DEFAULT_TIMEOUT,
        retry: RetryPolicy = SYNC_RETRY,
        client: httpx.Client | None = None,
        sleep: Callable[[float], None] = time.sleep,
        rng: random.Random | None = None,
        max_connections: int = 4,
    ) -> None:
        self._retry = retry
        self._owns_client = client is None
        self._client = client or httpx.Client(
            timeout=timeout,
            limits=httpx.Limits(max_connections=max_connections, max_keepalive_connections=max_connections),
            headers={"User-Agent": USER_AGENT, "Accept": "application/json"},
            follow_redirects=False,  # a redirect could carry our Authorization header elsewhere
        )
        self._sleep = sleep
        self._rng = rng or random.Random()

    def __repr__(self) -> str:
        return f"SyncHttp(retry={self._retry!r})"

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    def close(self) -> None:
        if self._owns_client:
            self._client.close()

    def get_json(
        self,
        provider: str,
        url: str,
        auth: Auth,
        *,
        params: Mapping[str, str] | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> Any:
        return self.request_json(provider, "GET", url, auth, params=params, headers=headers)

    def post_json(
        self,
        provider: str,
        url: str,
        auth: Auth,
        body: Mapping[str, Any],
        *,
        headers: Mapping[str, str] | None = None,
    ) -> Any:
        return self.request_json(provider, "POST", url, auth, body=body, headers=headers)

    def request_json(
        self,
        provider: str,
        method: str,
        url: str,
        auth: Auth,
        *,
        params: Mapping[str, str] | None = None,
        body: Mapping[str, Any] | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> Any:
        """The decoded JSON body of a 2xx answer, after as many retries as the policy allows.

        Raises SyncAuthError on 401/403, SyncError on any other 4xx, on a body that stays
        malformed, and when the retries or the total wait run out.
        """
        policy = self._retry
        all_headers = {**(headers or {}), **auth.headers()}
        waited = 0.0
        attempt = 0
        malformed = 0
        while True:
            attempt += 1
            outcome = self._attempt(provider, method, url, all_headers, params, body)
            if not isinstance(outcome, _Retry):
                return outcome
            if outcome.malformed:
                malformed += 1
                if malformed >= policy.malformed_attempts:
                    raise SyncError(
                        f"{provider} returned a body that is not valid JSON for {url_path(url)} "
                        f"({malformed} time(s) in a row)"
                    )
            if attempt >= policy.max_attempts:
                raise SyncError(
                    f"{provider} kept failing for {url_path(url)} ({outcome.reason}); "
                    f"gave up after {attempt} attempts"
                )
            if outcome.retry_after is not None:
                delay = retry_after_delay(outcome.retry_after, policy, self._rng)
            else:
                delay = backoff_delay(attempt, policy, self._rng)
            if waited + delay > policy.max_total_wait:
                raise SyncError(
                    f"{provider} kept failing for {url_path(url)} ({outcome.reason}); the next wait "
                    f"({delay:.0f}s) would exceed the {policy.max_total_wait:.0f}s budget"
                )
            log.info(
                "%s: %s for %s on attempt %d/%d, retrying in %.2fs",
                provider,
                outcome.reason,
                url_path(url),
                attempt,
                policy.max_attempts,
                delay,
            )
            self._sleep(delay)
            waited += delay

    def _attempt(
        self,
        provider: str,
        method: str,
        url: str,
        headers: Mapping[str, str],
        params: Mapping[str, str] | None,
        body: Mapping[str, Any] | None,
    ) -> Any:
        try:
            response = self._client.request(method, url, params=params, json=body, headers=headers)
        except httpx.TimeoutException as exc:
            # only the class name: an httpx exception holds the request, headers included
            return _Retry(type(exc).__name__)
        except httpx.TransportError as exc:
            return _Retry(type(exc).__name__)
        return interpret(provider, response)


def interpret(provider: str, response: httpx.Response) -> Any:
    """A decoded body, a `_Retry`, or an exception, from one response (pure: no I/O)."""
    status = response.status_code
    path = response.request.url.path
    if status in (401, 403):
        if _is_request_limit(response):
            # Salesforce's daily API allowance answers 403 REQUEST_LIMIT_EXCEEDED: the token is
            # fine, and reconnecting would not help
            raise SyncError(f"{provider} says the org's API request limit is used up; try again tomorrow")
        raise SyncAuthError(f"{provider} rejected the token (expired or revoked): {reconnect_hint(provider)}")
    if status == 429 or status == 408 or status >= 500:
        return _Retry(f"HTTP {status}", parse_retry_after(response.headers.get("Retry-After")))
    if status >= 300:
        raise SyncError(f"{provider} answered HTTP {status} for {path}: {_error_message(response)}")
    try:
        return json.loads(response.content)
    except (ValueError, UnicodeDecodeError):
        return _Retry(f"HTTP {status} with a body that is not JSON", malformed=True)


def _is_request_limit(response: httpx.Response) -> bool:
    return response.status_code == 403 and b"REQUEST_LIMIT_EXCEEDED" in response.content[:2000]


def _error_message(response: httpx.Response) -> str:
    """The server's own words, short, for a 4xx message (bodies differ: HubSpot `message`,
    Salesforce `[{"message"}]`, Outreach `errors[].detail`, Apollo `error`)."""
    try:
        doc = json.loads(response.content)
    except (ValueError, UnicodeDecodeError):
        return "no readable error message"
    if isinstance(doc, list) and doc and isinstance(doc[0], Mapping):
        doc = doc[0]
    if isinstance(doc, Mapping):
        errors = doc.get("errors")
        if isinstance(errors, list) and errors and isinstance(errors[0], Mapping):
            doc = errors[0]
        for key in ("message", "detail", "error", "title"):
            value = doc.get(key)
            if isinstance(value, str) and value.strip():
                return value.strip()[:300]
    return "no readable error message"


# ---------------------------------------------------------------------------------------------
# wire formats shared by the adapters


def parse_instant(value: Any) -> datetime | None:
    """A timezone-aware UTC datetime from an ISO 8601 string (`Z`, `+00:00` or `+0000`) or epoch
    milliseconds (HubSpot writes both), else None."""
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return datetime.fromtimestamp(value / 1000, UTC)
    text = str(value).strip()
    if not text:
        return None
    if text.isdigit():
        return datetime.fromtimestamp(int(text) / 1000, UTC)
    try:
        when = datetime.fromisoformat(text)
    except ValueError:
        return None
    return when.replace(tzinfo=UTC) if when.tzinfo is None else when.astimezone(UTC)


def as_utc(moment: datetime) -> datetime:
    """`since` in UTC; a naive datetime is taken as UTC (watermarks are stored in UTC)."""
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def epoch_ms(moment: datetime) -> int:
    """Whole milliseconds, rounded down, so a GTE filter never skips the watermark's own record."""
    delta = as_utc(moment) - datetime(1970, 1, 1, tzinfo=UTC)
    return delta.days * 86_400_000 + delta.seconds * 1000 + delta.microseconds // 1000


CONTACT_FIELDS: frozenset[str] = frozenset(("email", *WRITABLE_FIELDS, "tags"))
CUSTOM_PREFIX = "custom:"


def merge_mapping(default: Mapping[str, str], override: Mapping[str, str] | None) -> dict[str, str]:
    """The connection's mapping: the defaults with its entries on top; mapping a property to ""
    drops a default. Targets are checked now, so a typo fails at connect time, not silently.
    """
    merged = {**default, **(override or {})}
    mapping = {prop: target for prop, target in merged.items() if target}
    for prop, target in mapping.items():
        if target not in CONTACT_FIELDS and not (
            target.startswith(CUSTOM_PREFIX) and len(target) > len(CUSTOM_PREFIX)
        ):
            raise ValueError(
                f"mapping {prop!r} -> {target!r}: the target must be a contact field "
                f"({', '.join(sorted(CONTACT_FIELDS))}) or 'custom:<name>'"
            )
    return mapping


def lookup(source: Mapping[str, Any], path: str) -> Any:
    """`source[path]`, where a dotted path walks nested objects (Salesforce `Account.Name`)."""
    if path in source:
        return source[path]
    node: Any = source
    for part in path.split("."):
        if not isinstance(node, Mapping):
            return None
        node = node.get(part)
    return node


def _text(value: Any) -> str | None:
    if value is None or isinstance(value, Mapping):
        return None
    if isinstance(value, list | tuple):
        return next((t for v in value if (t := _text(v))), None)
    text = str(value).strip()
    return text or None


def _tags(value: Any) -> list[str]:
    if isinstance(value, list | tuple):
        return [t for v in value if (t := _text(v))]
    text = _text(value)
    # HubSpot multi-checkboxes are ";"-separated strings
    return [t.strip() for t in text.split(";") if t.strip()] if text else []


def build_contact(
    source: Mapping[str, Any], mapping: Mapping[str, str], custom: Mapping[str, str]
) -> dict[str, Any]:
    """A webhook-batch contact from a CRM record: the first non-empty property mapped to each
    field (mapping order), lists reduced to their first value except tags, ids in custom fields.
    """
    contact: dict[str, Any] = {}
    custom_fields: dict[str, str] = {}
    tags: list[str] = []
    for prop, target in mapping.items():
        value = lookup(source, prop)
        if target == "tags":
            tags.extend(t for t in _tags(value) if t not in tags)
        elif target.startswith(CUSTOM_PREFIX):
            name = target[len(CUSTOM_PREFIX) :]
            if name not in custom_fields:
                text = ";".join(_tags(value)) if isinstance(value, list | tuple) else _text(value)
                if text:
                    custom_fields[name] = text
        elif target not in contact and (text := _text(value)):
            contact[target] = text
    custom_fields.update(custom)
    if tags:
        contact["tags"] = tags
    contact["custom_fields"] = custom_fields
    return contact


@contextlib.contextmanager
def session(http: SyncHttp | None) -> Iterator[SyncHttp]:
    """The injected client (shared, left open), or a fresh one closed on exit."""
    if http is not None:
        yield http
    else:
        with SyncHttp() as own:
            yield own
