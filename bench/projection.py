"""Run an import with the read-model projection stopped, to measure what the projection costs it."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import Any


@contextlib.contextmanager
def projection_stopped(rt: Any) -> Iterator[None]:
    """No stream poller, no read-your-writes barrier, and Report does not wait for the read
    model: the pipeline without its projection. Everything is back as it was on exit, and what
    was written meanwhile is projected then."""
    from functions.query import freshness, visibility

    poller = rt.poller
    assert poller is not None
    barrier, wait_for_job = freshness._barrier, visibility.wait_for_job
    poller.drain()
    poller.stop()
    freshness.register(None)
    visibility.wait_for_job = lambda *a, **k: None  # type: ignore[assignment]
    try:
        yield
    finally:
        visibility.wait_for_job = wait_for_job
        freshness.register(barrier)
        poller.start()
        poller.drain()
