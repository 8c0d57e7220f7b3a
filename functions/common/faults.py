"""Named points where tests inject a crash (a no-op unless a test registered a callback).

Used to prove that a crash between two writes, followed by a retry or resume, ends in the
same state as a run that never failed. A hook receives the workspace whose work reached the
point (set with `scope`), so a test crashes only its own import, never another test's.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from contextvars import ContextVar

_hooks: dict[str, Callable[[str | None], None]] = {}
_scope: ContextVar[str | None] = ContextVar("fault_scope", default=None)


def point(name: str) -> None:
    hook = _hooks.get(name)
    if hook is not None:
        hook(_scope.get())


@contextlib.contextmanager
def scope(workspace_id: str) -> Iterator[None]:
    token = _scope.set(workspace_id)
    try:
        yield
    finally:
        _scope.reset(token)


def inject(name: str, hook: Callable[[str | None], None]) -> None:
    _hooks[name] = hook


def clear() -> None:
    _hooks.clear()
