"""EnrichmentCache entries: keyed on a hash of the email, fresh for a while, then stale.

The item shape (`to_item`) matches `functions.common.models.EnrichmentCacheEntry`:
email_hash, provider, status, payload, fetched_at, expires_at_epoch (the table's TTL attribute).
"""

from __future__ import annotations

import hashlib
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from functions.enrich.models import EnrichmentResult, ResultStatus


def email_hash(email: str) -> str:
    """sha256 hex of the canonical email.

    Intake already canonicalises (trim, NFC, IDNA domain, lowercase); repeating the idempotent
    parts here means a caller holding a raw-cased email still lands on the same entry.
    """
    canonical = unicodedata.normalize("NFC", email.strip()).lower()
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


@dataclass(frozen=True, slots=True)
class CachePolicy:
    """How long an answer is trusted.

    A found profile is fresh for 90 days (the product's "stale" threshold). A not-found is kept
    for less: provider coverage grows as new hires get indexed, and re-asking is cheap (PDL does
    not charge for a 404; Apollo only spends a credit on a match). Caching it at all still means
    re-importing the same file next week does not re-ask for every miss.
    """

    found_ttl: timedelta = timedelta(days=90)
    not_found_ttl: timedelta = timedelta(days=30)

    def ttl(self, status: ResultStatus) -> timedelta:
        if status is ResultStatus.FOUND:
            return self.found_ttl
        if status is ResultStatus.NOT_FOUND:
            return self.not_found_ttl
        raise ValueError("a failed result is never cached")


def require_aware(now: datetime) -> datetime:
    if now.tzinfo is None or now.utcoffset() is None:
        raise ValueError("`now` must be timezone-aware (use datetime.now(UTC))")
    return now


@dataclass(frozen=True, slots=True)
class CacheEntry:
    email_hash: str
    result: EnrichmentResult
    fetched_at: datetime
    expires_at: datetime

    @classmethod
    def create(cls, hash_: str, result: EnrichmentResult, now: datetime, policy: CachePolicy) -> CacheEntry:
        now = require_aware(now)
        return cls(hash_, result, now, now + policy.ttl(result.status))

    def is_fresh(self, now: datetime) -> bool:
        # checked on read: DynamoDB's TTL deletion can lag expiry by days
        return require_aware(now) < self.expires_at

    def to_item(self) -> dict[str, Any]:
        return {
            "email_hash": self.email_hash,
            "provider": self.result.provider,
            "status": str(self.result.status),
            "payload": self.result.payload(),
            "fetched_at": self.fetched_at.astimezone(UTC).isoformat(),
            "expires_at_epoch": int(self.expires_at.timestamp()),
        }

    @classmethod
    def from_item(cls, item: Mapping[str, Any]) -> CacheEntry:
        """From a stored item; `expires_at_epoch` may be an int, float or Decimal."""
        return cls(
            email_hash=item["email_hash"],
            result=EnrichmentResult.from_payload(item["provider"], item["status"], item.get("payload")),
            fetched_at=datetime.fromisoformat(item["fetched_at"]),
            expires_at=datetime.fromtimestamp(int(item["expires_at_epoch"]), UTC),
        )
