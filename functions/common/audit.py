"""Who changed a contact: two small attributes every writer of a Contact item sets.

The audit log itself is not written here: writing an extra item per change would double an
import's write units. Each writer stamps the item with its actor and source (`stamp`), and the
read model's projector turns each stream record's old/new images into one audit entry
(`functions.query.audit`). So a contact's history costs DynamoDB a few bytes per write.

Actors: an API key id (`key:<id>`), `job:<import job id>`, `op:<bulk operation id>`,
`merge:<merge id>`, `retention`, `events`, `cli`, `system`. Sources: see `SOURCES`.

The API sets the calling key as the current actor (`acting` / `set_current`) once per request,
so the code below the routes stamps its writes without passing the caller down.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar, Token
from dataclasses import dataclass

CHANGED_BY = "changed_by"
CHANGE_SOURCE = "change_source"
# an email change moves a contact to a new key: the old item carries this before it goes, so the
# projector knows its REMOVE is a move (history kept), not an erasure (history purged)
MOVED_TO = "moved_to"
# ...and the new item names the email it came from, so its first entry is the email change alone
MOVED_FROM = "moved_from"
ATTRIBUTES = (CHANGED_BY, CHANGE_SOURCE, MOVED_TO, MOVED_FROM)

SOURCES = (
    "api",
    "cli",
    "import",
    "bulk",
    "merge",
    "enrichment",
    "rescore",
    "retention",
    "rollback",
    "events",
    "system",
)


@dataclass(frozen=True)
class Actor:
    who: str
    source: str

    def stamp(self) -> dict[str, str]:
        return stamp(self.who, self.source)


SYSTEM = Actor("system", "system")
_current: ContextVar[Actor | None] = ContextVar("contact_actor", default=None)


def stamp(who: str, source: str) -> dict[str, str]:
    """The attributes a Contact write sets, so its stream record says who made it."""
    if source not in SOURCES:
        raise ValueError(f"unknown change source {source!r}")
    return {CHANGED_BY: who or "system", CHANGE_SOURCE: source}


def key_actor(key_id: str) -> Actor:
    """The actor for an API key (its id is the first hex digits of its hash: safe to show)."""
    return Actor(f"key:{key_id}" if key_id else "key:unknown", "api")


def current(default: Actor = SYSTEM) -> Actor:
    """The actor set for this request or command, else `default`."""
    return _current.get() or default


def set_current(actor: Actor | None) -> Token[Actor | None]:
    return _current.set(actor)


@contextmanager
def acting(who: str, source: str) -> Iterator[Actor]:
    """Writes inside the block are stamped with this actor (unless they name their own)."""
    actor = Actor(who, source)
    stamp(who, source)  # validates the source
    token = _current.set(actor)
    try:
        yield actor
    finally:
        _current.reset(token)
