"""The HTTP half every API provider shares: one pooled AsyncClient, explicit timeouts, a
concurrency bound, and the retry loop. A provider subclass only says how to build its request,
how to spot "out of credits", and how to read its response.

The API key lives in a `SecretStr` and is put on the wire in a header only: never in a URL
(httpx logs URLs at INFO, and gateways log them), never in an exception or a result.
"""

from __future__ import annotations

import asyncio
import json
import logging
import random
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from types import TracebackType
from typing import Any, ClassVar, Self, TypeVar

import httpx
from pydantic import SecretStr

from functions.enrich.email_match import MatchAnswer, MatchQuery
from functions.enrich.errors import ProviderAuthError, QuotaExhausted
from functions.enrich.models import EnrichmentResult, FailureCode, PersonHints, ResultStatus
from functions.enrich.retry import RetryPolicy, backoff_delay, parse_retry_after, retry_after_delay

# what one lookup returns: an EnrichmentResult (enrich) or a MatchAnswer (match_email)
T = TypeVar("T", EnrichmentResult, MatchAnswer)
log = logging.getLogger(__name__)

# connect fast-fails a dead host; read covers the provider's own lookup time (Apollo and PDL
# answer in well under a second normally); pool only matters if callers exceed the semaphore.
DEFAULT_TIMEOUT = httpx.Timeout(connect=3.0, read=15.0, write=5.0, pool=10.0)
USER_AGENT = "contact-import-enrichment/0.1"


@dataclass(frozen=True, slots=True)
class Retry:
    """A response (or lack of one) worth trying again."""

    code: FailureCode
    retry_after: float | None = None
    detail: str | None = None


class MalformedResponse(Exception):
    """The body is not JSON, or not the documented shape."""


def decode_json(response: httpx.Response) -> Any:
    try:
        return json.loads(response.content)
    except (ValueError, UnicodeDecodeError) as exc:
        raise MalformedResponse("body is not valid JSON") from exc


def error_text(response: httpx.Response) -> str:
    """The human-readable error message(s) of an error body, lowercased, for phrase matching."""
    try:
        body = json.loads(response.content)
    except (ValueError, UnicodeDecodeError):
        return response.content[:1000].decode("utf-8", "replace").lower()
    parts: list[str] = []

    def collect(node: object, depth: int) -> None:
        if isinstance(node, str):
            parts.append(node)
        elif isinstance(node, Mapping) and depth < 3:
            for key in ("error", "message", "error_message", "error_code", "type", "detail"):
                collect(node.get(key), depth + 1)

    collect(body, 0)
    return " ".join(parts).lower()


class HttpEnrichmentProvider:
    """Base for providers reached over HTTP. Use as `async with Provider(key) as p:`.

    An instance belongs to one event loop (its client and semaphore do), so a Lambda handler
    builds one per invocation inside its `asyncio.run`, not at import time.
    """

    name: str
    default_base_url: ClassVar[str]

    def __init__(
        self,
        api_key: SecretStr | str,
        *,
        base_url: str | None = None,
        timeout: httpx.Timeout | float = DEFAULT_TIMEOUT,
        max_concurrency: int = 8,
        retry: RetryPolicy | None = None,
        client: httpx.AsyncClient | None = None,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
        rng: random.Random | None = None,
    ) -> None:
        if max_concurrency < 1:
            raise ValueError("max_concurrency must be at least 1")
        self._api_key = api_key if isinstance(api_key, SecretStr) else SecretStr(api_key)
        if not self._api_key.get_secret_value():
            raise ProviderAuthError(self.name, "no API key is configured")
        self._base_url = (base_url or self.default_base_url).rstrip("/")
        self._retry = retry or RetryPolicy()
        self._semaphore = asyncio.Semaphore(max_concurrency)
        self._owns_client = client is None
        self._client = client or httpx.AsyncClient(
            timeout=timeout,
            limits=httpx.Limits(max_connections=max_concurrency, max_keepalive_connections=max_concurrency),
            headers={"User-Agent": USER_AGENT, "Accept": "application/json"},
        )
        self._sleep = sleep
        self._rng = rng or random.Random()

    def __repr__(self) -> str:
        return f"{type(self).__name__}(base_url={self._base_url!r})"

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        if self._owns_client:
            await self._client.aclose()

    # -- what a provider supplies -------------------------------------------------------------

    def build_request(self, email: str, hints: PersonHints) -> tuple[str, str, dict[str, Any]]:
        """(method, path, JSON body) for one lookup."""
        raise NotImplementedError

    def is_quota_exhausted(self, response: httpx.Response) -> bool:
        raise NotImplementedError

    def read_response(self, response: httpx.Response) -> EnrichmentResult:
        """Turn a non-retryable response into a result; raise MalformedResponse on a bad body."""
        raise NotImplementedError

    def build_match_request(self, query: MatchQuery) -> tuple[str, str, dict[str, Any]]:
        """(method, path, JSON body) for finding a person's email without knowing it."""
        raise NotImplementedError

    def read_match_response(self, response: httpx.Response) -> MatchAnswer:
        """Like `read_response`, for `build_match_request`'s answer: the email found, or not found."""
        raise NotImplementedError

    def build_org_request(self, name: str) -> tuple[str, str, dict[str, Any]]:
        """(method, path, JSON body) for finding a company by name (organisation search)."""
        raise NotImplementedError

    def read_org_response(self, response: httpx.Response, name: str) -> EnrichmentResult:
        """Like `read_response`, for `build_org_request`'s answer: found only for the one
        company that is confidently the one named (`org_search.pick`)."""
        raise NotImplementedError

    # -- the shared loop ----------------------------------------------------------------------

    async def enrich(self, email: str, hints: PersonHints) -> EnrichmentResult:
        method, path, body = self.build_request(email, hints)
        # the slot is held through backoff sleeps on purpose: when the provider throttles us,
        # fewer requests in flight is the point
        async with self._semaphore:
            return await self._call(
                method,
                self._base_url + path,
                body,
                self.read_response,
                lambda code, detail: EnrichmentResult.failed(self.name, code, detail),
            )

    async def search_organization(self, name: str) -> EnrichmentResult:
        """Find a company by name (same retries, same quota and auth errors as `enrich`)."""
        method, path, body = self.build_org_request(name)
        async with self._semaphore:
            return await self._call(
                method,
                self._base_url + path,
                body,
                lambda response: self.read_org_response(response, name),
                lambda code, detail: EnrichmentResult.failed(self.name, code, detail),
            )

    async def match_email(self, query: MatchQuery) -> MatchAnswer:
        """Find a person's email from a LinkedIn profile or name + company domain (same retries,
        same quota and auth errors as `enrich`)."""
        method, path, body = self.build_match_request(query)
        async with self._semaphore:
            return await self._call(
                method,
                self._base_url + path,
                body,
                self.read_match_response,
                lambda code, detail: MatchAnswer(ResultStatus.FAILED, self.name, error=f"{code}: {detail}"),
            )

    async def _call(
        self,
        method: str,
        url: str,
        body: dict[str, Any],
        read: Callable[[httpx.Response], T],
        failed: Callable[[FailureCode, str], T],
    ) -> T:
        policy = self._retry
        waited = 0.0
        malformed = 0
        attempt = 0
        last = Retry(FailureCode.NETWORK)
        while True:
            attempt += 1
            outcome = await self._attempt(method, url, body, read)
            if not isinstance(outcome, Retry):
                return outcome
            last = outcome
            if last.code is FailureCode.MALFORMED_RESPONSE:
                malformed += 1
                if malformed >= policy.malformed_attempts:
                    break
            if attempt >= policy.max_attempts:
                break
            if last.retry_after is not None:
                delay = retry_after_delay(last.retry_after, policy, self._rng)
            else:
                delay = backoff_delay(attempt, policy, self._rng)
            if waited + delay > policy.max_total_wait:
                log.warning(
                    "%s: %s; next wait %.1fs would exceed the %.0fs budget, giving up",
                    self.name,
                    last.code,
                    delay,
                    policy.max_total_wait,
                )
                break
            log.info(
                "%s: %s on attempt %d/%d, retrying in %.2fs",
                self.name,
                last.code,
                attempt,
                policy.max_attempts,
                delay,
            )
            await self._sleep(delay)
            waited += delay
        detail = f"{last.detail}; " if last.detail else ""
        return failed(last.code, f"{detail}gave up after {attempt} attempt(s)")

    async def _attempt(
        self, method: str, url: str, body: dict[str, Any], read: Callable[[httpx.Response], T]
    ) -> T | Retry:
        headers = {"X-Api-Key": self._api_key.get_secret_value(), "Cache-Control": "no-cache"}
        try:
            response = await self._client.request(method, url, json=body, headers=headers)
        except httpx.TimeoutException as exc:
            # only the exception's class: its message and request could carry the URL or headers
            return Retry(FailureCode.TIMEOUT, detail=type(exc).__name__)
        except httpx.TransportError as exc:
            return Retry(FailureCode.NETWORK, detail=type(exc).__name__)
        return self._interpret(response, read)

    def _interpret(self, response: httpx.Response, read: Callable[[httpx.Response], T]) -> T | Retry:
        status = response.status_code
        if status == 401:
            raise ProviderAuthError(self.name, "the API key was rejected (HTTP 401)")
        if status >= 400 and self.is_quota_exhausted(response):
            raise QuotaExhausted(self.name)
        if status == 429:
            return Retry(
                FailureCode.RATE_LIMITED,
                parse_retry_after(response.headers.get("Retry-After")),
                "HTTP 429",
            )
        if status == 408 or status >= 500:
            return Retry(
                FailureCode.PROVIDER_UNAVAILABLE,
                parse_retry_after(response.headers.get("Retry-After")),
                f"HTTP {status}",
            )
        try:
            return read(response)
        except MalformedResponse as exc:
            return Retry(FailureCode.MALFORMED_RESPONSE, detail=f"HTTP {status}, {exc}")
