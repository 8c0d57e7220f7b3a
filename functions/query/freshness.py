"""Read-your-writes on one machine: a hook run before every read-model query.

On one machine the runtime registers its stream poller's `drain`, so a query sees every write
made before it (the API, the CLI and the tests read what they just wrote). On AWS nothing is
registered: the event source mapping projects within about a second, and an import's Report
waits for its own contacts (`functions.query.visibility`).

A drain asks DynamoDB Local's streams for records even when there are none, and that was most of
a query's time. So the barrier drains only when a write it must show landed since its last
completed drain: the runtime counts this process's writes to the projected tables (`wrote`,
from `local.writes`), and each registration counts as one, so a new process's first query catches
up with what other processes sharing the engines wrote (the CLI reading what the server just
wrote); after that the background poller brings other processes' writes within its window.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

from functions.common.observability import logger

_barrier: Callable[[], Any] | None = None
_lock = threading.Lock()
_written = 0  # writes counted so far (a generation, only ever grows)
_drained = 0  # every write counted up to this one was projected by a completed drain


def register(barrier: Callable[[], Any] | None) -> None:
    global _barrier
    _barrier = barrier
    wrote()  # what is in the streams now is unknown: the first query drains


def wrote() -> None:
    """A write that the next query must see has landed (called after the engine answered)."""
    global _written
    with _lock:
        _written += 1


def counted() -> int:
    """How many writes were counted so far in this process."""
    return _written


def settle() -> None:
    """Drain when a counted write may not be projected yet. A failure is logged, not raised: the
    query still answers from what is projected, and the next query or poller round retries."""
    global _drained
    barrier = _barrier
    target = _written  # read before draining: a write landing meanwhile makes the next query drain
    if barrier is None or target <= _drained:
        return
    try:
        barrier()
    except Exception:
        logger.warning("read model: catching up with the stream failed", exc_info=True)
        return
    with _lock:
        _drained = max(_drained, target)
