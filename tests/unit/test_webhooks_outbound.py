"""Outbound webhook rules: targets (SSRF), signature, retry schedule."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from functions.events.outbound import (
    BASE_DELAY,
    MAX_DELAY,
    TargetRefused,
    check_target,
    next_delay,
    out_of_window,
    sign,
    verify,
)


def resolves_to(*addresses: str):  # type: ignore[no-untyped-def]
    return lambda host: list(addresses)


@pytest.mark.parametrize(
    "address",
    ["127.0.0.1", "10.1.2.3", "172.16.0.9", "192.168.1.1", "169.254.169.254", "::1", "fd00::1", "0.0.0.0"],
)
def test_a_host_resolving_to_a_non_public_address_is_refused_on_aws(address: str) -> None:
    with pytest.raises(TargetRefused, match="non-public"):
        check_target(
            "https://hooks.example.com/x", allow_local=False, resolve=resolves_to("93.184.216.34", address)
        )


def test_a_literal_metadata_address_is_refused_without_resolving() -> None:
    def fail(host: str) -> list[str]:
        raise AssertionError("a literal address is not resolved")

    with pytest.raises(TargetRefused):
        check_target("https://169.254.169.254/latest/meta-data", allow_local=False, resolve=fail)


def test_http_is_refused_on_aws_and_allowed_on_one_machine() -> None:
    with pytest.raises(TargetRefused, match="https"):
        check_target("http://hooks.example.com/x", allow_local=False, resolve=resolves_to("93.184.216.34"))
    assert check_target("http://127.0.0.1:9000/hook", allow_local=True) == "http://127.0.0.1:9000/hook"


def test_a_public_https_target_passes_and_nonsense_does_not() -> None:
    url = "https://hooks.example.com/in?x=1"
    assert check_target(url, allow_local=False, resolve=resolves_to("93.184.216.34")) == url
    for bad in (
        "ftp://x.com/",
        "https://",
        "hooks.example.com",
        "https://u:p@hooks.example.com/",
        "http://[",
        "http://h.com:99999/",
    ):
        with pytest.raises(TargetRefused):
            check_target(bad, allow_local=True)


def test_an_unresolvable_host_is_refused_on_aws() -> None:
    def nxdomain(host: str) -> list[str]:
        raise OSError("no such host")

    with pytest.raises(TargetRefused, match="does not resolve"):
        check_target("https://nowhere.invalid/", allow_local=False, resolve=nxdomain)


def test_signature_covers_timestamp_and_body() -> None:
    header = sign("whsec_a", b'{"id":"evt_1"}', 1_700_000_000)
    assert header.startswith("t=1700000000,v1=") and len(header.split("v1=")[1]) == 64
    assert verify("whsec_a", header, b'{"id":"evt_1"}', now=1_700_000_010)
    assert not verify("whsec_a", header, b'{"id":"evt_2"}', now=1_700_000_010)
    assert not verify("whsec_b", header, b'{"id":"evt_1"}', now=1_700_000_010)
    assert not verify("whsec_a", header, b'{"id":"evt_1"}', now=1_700_000_000 + 301)  # stale
    assert not verify("whsec_a", "garbage", b"", now=0)


def test_backoff_grows_exponentially_is_capped_and_jittered() -> None:
    assert next_delay(1, rand=lambda: 1.0) == BASE_DELAY
    assert next_delay(4, rand=lambda: 1.0) == BASE_DELAY * 8
    assert next_delay(30, rand=lambda: 1.0) == MAX_DELAY
    assert next_delay(5, rand=lambda: 0.5) == BASE_DELAY * 8
    assert next_delay(3, rand=lambda: 0.0) == timedelta(seconds=1)  # never an immediate re-hit


def test_the_retry_window_ends_delivery_attempts() -> None:
    t0 = datetime(2026, 1, 1, tzinfo=UTC)
    window = timedelta(hours=24)
    assert not out_of_window(t0, t0 + timedelta(hours=23, minutes=59), window)
    assert out_of_window(t0, t0 + timedelta(hours=24), window)
