"""The two ports enrichment orchestration depends on; adapters live at the edge."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Protocol

from functions.enrich.cache import CacheEntry
from functions.enrich.models import EnrichmentResult, PersonHints


class EnrichmentProvider(Protocol):
    """Looks one person up.

    Returns found / not_found, or failed for a problem confined to this row (retries exhausted,
    malformed body). Raises `QuotaExhausted` or `ProviderAuthError` for problems that concern
    every remaining row.
    """

    name: str

    async def enrich(self, email: str, hints: PersonHints) -> EnrichmentResult: ...


class CachePort(Protocol):
    """EnrichmentCache access. Synchronous because the DynamoDB adapter (boto3 / PynamoDB) is;
    orchestration runs it in a worker thread so provider calls in flight keep moving."""

    def get_many(self, hashes: Sequence[str]) -> Mapping[str, CacheEntry]:
        """Entries for those hashes that exist (fresh or not); missing hashes are simply absent."""
        ...

    def put_many(self, entries: Sequence[CacheEntry]) -> None:
        """Upsert entries (last write wins)."""
        ...
