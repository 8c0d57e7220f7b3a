"""Named points where tests inject a crash (a no-op unless a test registered a callback).

Used to prove that a crash between two writes, followed by a retry or resume, ends in the
same state as a run that never failed.
"""

from __future__ import annotations

from collections.abc import Callable

_hooks: dict[str, Callable[[], None]] = {}


def point(name: str) -> None:
    hook = _hooks.get(name)
    if hook is not None:
        hook()


def inject(name: str, hook: Callable[[], None]) -> None:
    _hooks[name] = hook


def clear() -> None:
    _hooks.clear()
