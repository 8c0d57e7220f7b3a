"""What every CRM adapter gives the sync service, and the errors it may raise.

An adapter pulls records changed at or after a moment, oldest first, page by page to the end,
and turns each into a contact in the webhook batch shape (`email`, `first_name`, `last_name`,
`full_name`, `title`, `phone`, `company_name`, `company_domain`, `linkedin_url`, `city`, `state`,
`country`, ... plus `custom_fields`), using its CRM's default field mapping unless the connection
overrides it. The sync service owns watermarks, locks and jobs; adapters own HTTP only.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol


@dataclass(frozen=True, slots=True)
class SyncRecord:
    source_id: str  # the CRM's record id (HubSpot id, Salesforce Id, Outreach prospect id)
    modified_at: datetime  # the CRM's modification stamp, timezone-aware UTC
    contact: dict[str, Any] = field(default_factory=dict)  # webhook batch contact shape


class SyncError(Exception):
    """A sync run cannot go on. The message is shown to the user; it never quotes a token."""


class SyncAuthError(SyncError):
    """The CRM refused the token (401/403): expired or revoked. The user must reconnect."""


class CrmAdapter(Protocol):
    provider: str  # "hubspot" | "salesforce" | "outreach"

    def pull(self, since: datetime | None) -> Iterator[SyncRecord]:
        """Records modified at or after `since` (all when None), ascending by modified_at,
        following the CRM's paging to the end. Rate limits (429, Retry-After) slow the pull down;
        401/403 raise SyncAuthError; other unrecoverable answers raise SyncError."""
        ...
