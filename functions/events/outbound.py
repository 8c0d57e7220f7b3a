"""Outbound contact webhooks, the pure rules: event envelope, signature, retry schedule, targets.

A delivery is one HTTP POST of one event `{"id", "type", "time", "data": <contact object>}` with
`X-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<body>">` under the subscription's
secret. A failed attempt (no answer, or any status outside 2xx) is retried after an exponentially
growing delay with full jitter; once the retry window (24 h by default) has passed since the
event was queued, the delivery is dead-lettered and waits for a redeliver request.
"""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
import random
import socket
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

EVENT_TYPES: tuple[str, ...] = (
    "contact.created",
    "contact.updated",
    "contact.deleted",
    "contact.enriched",
    "contact.scored",
    # the hand-off to the sequence engine (import option workflow_id)
    "contact.enrollment_requested",
)
SIGNATURE_HEADER = "X-Signature"
BASE_DELAY = timedelta(seconds=30)
MAX_DELAY = timedelta(hours=1)
TIMEOUT_S = 10.0


class TargetRefused(ValueError):
    """A subscription URL that may not be delivered to; the message says why."""


def sign(secret: str, body: bytes, timestamp: int) -> str:
    digest = hmac.new(secret.encode("utf-8"), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={digest}"


def verify(secret: str, header: str, body: bytes, *, now: int, tolerance_s: int = 300) -> bool:
    """What a receiver runs (the README has the same few lines without this module)."""
    try:
        parts = dict(p.split("=", 1) for p in header.split(","))
        t = int(parts["t"])
    except (KeyError, ValueError):
        return False
    if abs(now - t) > tolerance_s:
        return False
    expected = hmac.new(secret.encode("utf-8"), f"{t}.".encode() + body, hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected, parts.get("v1", ""))


def next_delay(attempts: int, *, rand: Callable[[], float] = random.random) -> timedelta:
    """The wait after the `attempts`-th failed attempt: full jitter over min(max, base * 2^(n-1))."""
    ceiling = min(MAX_DELAY, BASE_DELAY * (2 ** max(0, attempts - 1)))
    # never zero: a receiver that just failed is not hit again in the same sweep
    return max(timedelta(seconds=1), ceiling * rand())


def is_success(status_code: int | None) -> bool:
    return status_code is not None and 200 <= status_code < 300


def out_of_window(created_at: datetime, now: datetime, window: timedelta) -> bool:
    return now - created_at >= window


Resolver = Callable[[str], list[str]]


def _resolve(host: str) -> list[str]:
    return sorted({str(info[4][0]) for info in socket.getaddrinfo(host, None)})


def check_target(url: str, *, allow_local: bool, resolve: Resolver = _resolve) -> str:
    """The URL, normalised, or TargetRefused.

    On AWS (`allow_local` false) only https is accepted and every address the host resolves to
    must be public (no private, loopback, link-local, reserved or multicast target: SSRF). On one
    machine http and loopback are allowed so a receiver on 127.0.0.1 can be tested.
    """
    try:
        parts = urlsplit(url.strip())
        host = parts.hostname
        _ = parts.port  # an out-of-range or non-numeric port raises here
    except ValueError:
        raise TargetRefused("url is not a valid URL") from None
    if parts.scheme not in ("http", "https") or not host:
        raise TargetRefused("url must be an absolute http(s) URL")
    if parts.username or parts.password:
        raise TargetRefused("url must not carry credentials")
    if allow_local:
        return parts.geturl()
    if parts.scheme != "https":
        raise TargetRefused("url must use https")
    try:
        addresses = [host] if _is_ip(host) else resolve(host)
    except (OSError, UnicodeError):
        raise TargetRefused(f"host {host} does not resolve") from None
    if not addresses:
        raise TargetRefused(f"host {host} does not resolve")
    for address in addresses:
        ip = ipaddress.ip_address(address.split("%", 1)[0])
        if not ip.is_global or ip.is_multicast:
            raise TargetRefused(f"host {host} resolves to a non-public address ({address})")
    return parts.geturl()


def _is_ip(host: str) -> bool:
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return False
    return True


def envelope(event_id: str, event_type: str, time: str, contact: dict[str, Any]) -> dict[str, Any]:
    return {"id": event_id, "type": event_type, "time": time, "data": contact}
