"""An in-memory EnrichmentCache behind `CachePort`, for tests only.

Entries are stored as items (`CacheEntry.to_item()`), as the DynamoDB adapter would store them,
so every test also round-trips the serialised form.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from functions.enrich.cache import CacheEntry


class InMemoryCache:
    def __init__(self, entries: Sequence[CacheEntry] = ()) -> None:
        self.items: dict[str, dict[str, Any]] = {}
        self.get_calls: list[list[str]] = []
        self.put_calls: list[list[str]] = []
        for entry in entries:
            self.items[entry.email_hash] = entry.to_item()

    def get_many(self, hashes: Sequence[str]) -> Mapping[str, CacheEntry]:
        self.get_calls.append(list(hashes))
        return {h: CacheEntry.from_item(self.items[h]) for h in hashes if h in self.items}

    def put_many(self, entries: Sequence[CacheEntry]) -> None:
        self.put_calls.append([e.email_hash for e in entries])
        for entry in entries:
            self.items[entry.email_hash] = entry.to_item()

    def entry(self, hash_: str) -> CacheEntry | None:
        item = self.items.get(hash_)
        return CacheEntry.from_item(item) if item else None
