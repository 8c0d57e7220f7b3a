from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from functions.enrich.retry import RetryPolicy, backoff_delay, parse_retry_after, retry_after_delay

NOW = datetime(2025, 3, 1, 12, 0, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("header", "seconds"),
    [("1", 1.0), ("0", 0.0), (" 2.5 ", 2.5), ("120", 120.0), ("-3", 0.0)],
)
def test_retry_after_in_seconds_is_read_as_a_delay(header: str, seconds: float) -> None:
    assert parse_retry_after(header, NOW) == seconds


def test_retry_after_as_http_date_is_the_time_until_that_date() -> None:
    header = format_datetime(NOW + timedelta(seconds=30), usegmt=True)
    assert parse_retry_after(header, NOW) == pytest.approx(30.0)


def test_retry_after_date_in_the_past_means_retry_now() -> None:
    header = format_datetime(NOW - timedelta(minutes=5), usegmt=True)
    assert parse_retry_after(header, NOW) == 0.0


@pytest.mark.parametrize("header", [None, "", "soon", "nan", "inf", "Thu, 99 Foo 2025"])
def test_unusable_retry_after_is_ignored(header: str | None) -> None:
    assert parse_retry_after(header, NOW) is None


@given(attempt=st.integers(min_value=1, max_value=40), seed=st.integers())
def test_full_jitter_backoff_stays_within_the_exponential_ceiling(attempt: int, seed: int) -> None:
    policy = RetryPolicy(base_delay=0.5, max_delay=20.0)
    delay = backoff_delay(attempt, policy, random.Random(seed))
    assert 0.0 <= delay <= min(20.0, 0.5 * 2 ** (attempt - 1))


def test_backoff_ceiling_grows_exponentially_then_caps() -> None:
    policy = RetryPolicy(base_delay=1.0, max_delay=8.0)
    ceilings = []
    for attempt in range(1, 7):
        samples = [backoff_delay(attempt, policy, random.Random(s)) for s in range(300)]
        ceilings.append(max(samples))
    # near each ceiling: 1, 2, 4, 8, 8, 8
    for got, want in zip(ceilings, [1, 2, 4, 8, 8, 8], strict=True):
        assert want * 0.9 <= got <= want


@given(retry_after=st.floats(min_value=0, max_value=3600), seed=st.integers())
def test_a_retry_after_wait_is_never_shorter_than_asked(retry_after: float, seed: int) -> None:
    policy = RetryPolicy(base_delay=0.5)
    delay = retry_after_delay(retry_after, policy, random.Random(seed))
    assert retry_after <= delay <= retry_after + 0.5


@pytest.mark.parametrize("kwargs", [{"max_attempts": 0}, {"malformed_attempts": 0}, {"base_delay": -1.0}])
def test_retry_policy_rejects_nonsense(kwargs: dict[str, float]) -> None:
    with pytest.raises(ValueError):
        RetryPolicy(**kwargs)  # type: ignore[arg-type]
