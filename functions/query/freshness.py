"""Read-your-writes on one machine: a hook run before every read-model query.

On one machine the runtime registers its stream poller's `drain`, so a query sees every write
made before it (the API, the CLI and the tests read what they just wrote). On AWS nothing is
registered: the event source mapping projects within about a second, and an import's Report
waits for its own contacts (`functions.query.visibility`).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from functions.common.observability import logger

_barrier: Callable[[], Any] | None = None


def register(barrier: Callable[[], Any] | None) -> None:
    global _barrier
    _barrier = barrier


def settle() -> None:
    """Run the barrier; a failure is logged, not raised: the query still answers from what is
    projected, and the poller's next round retries."""
    if _barrier is None:
        return
    try:
        _barrier()
    except Exception:
        logger.warning("read model: catching up with the stream failed", exc_info=True)
