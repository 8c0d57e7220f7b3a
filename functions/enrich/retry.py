"""Backoff arithmetic for provider calls: exponential with full jitter, Retry-After honoured,
attempts and total wait both capped.

Kept as plain functions of (attempt, policy, rng, clock) so the schedule is unit-testable
without sleeping; the HTTP layer does the sleeping.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    """How hard one provider call tries before the row is marked failed.

    `max_attempts` counts the first try. `max_total_wait` caps the sum of sleeps for one call:
    a Retry-After that would take us past it ends the call at once rather than parking a Lambda
    for minutes. `malformed_attempts` is lower than `max_attempts` because a 200 with a broken
    body may already have cost a credit: one retry covers a truncated response, more would just
    pay again.
    """

    max_attempts: int = 5
    base_delay: float = 0.5
    max_delay: float = 20.0
    max_total_wait: float = 60.0
    malformed_attempts: int = 2

    def __post_init__(self) -> None:
        if self.max_attempts < 1 or self.malformed_attempts < 1:
            raise ValueError("attempt counts must be at least 1")
        if min(self.base_delay, self.max_delay, self.max_total_wait) < 0:
            raise ValueError("delays must not be negative")


def backoff_delay(attempt: int, policy: RetryPolicy, rng: random.Random) -> float:
    """Full jitter: uniform in [0, min(max_delay, base * 2**(attempt-1))] after failed `attempt`.

    Full (rather than equal) jitter spreads a burst of clients that were throttled together,
    which matters here because a whole chunk's workers hit the same 429 at once.
    """
    ceiling = min(policy.max_delay, policy.base_delay * (2 ** max(attempt - 1, 0)))
    return rng.uniform(0.0, ceiling)


def retry_after_delay(retry_after: float, policy: RetryPolicy, rng: random.Random) -> float:
    """Wait at least what the server asked, plus a little jitter so the throttled workers do not
    all come back in the same millisecond."""
    return retry_after + rng.uniform(0.0, min(policy.base_delay, 1.0))


def parse_retry_after(value: str | None, now: datetime | None = None) -> float | None:
    """Seconds to wait from a Retry-After header: delta-seconds or an HTTP-date (RFC 9110 §10.2.3).

    A date in the past means "now" (0). Anything unparseable is ignored (None) so the caller
    falls back to its own backoff.
    """
    if value is None:
        return None
    value = value.strip()
    if not value:
        return None
    try:
        seconds = float(value)
    except ValueError:
        pass
    else:
        return max(seconds, 0.0) if seconds == seconds and seconds != float("inf") else None
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:
        # RFC 9110 dates are GMT; parsedate gives a naive datetime for "-0000"
        when = when.replace(tzinfo=UTC)
    now = now or datetime.now(UTC)
    return max((when - now).total_seconds(), 0.0)
