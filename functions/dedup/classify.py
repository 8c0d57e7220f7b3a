"""Deduplicate: classify one row against what the platform and the workspace already hold.

Pure: the I/O side reads GlobalContact (by canonical email) with its active ownership claim and
the workspace's Contact (by email, or by contact_id for an update-by-id row), wraps them in an
`ExistingState`, and calls `classify`. Nothing here writes. Commit stays the arbiter: a
`claim=True` classification is a request that the conditional write may still refuse (another
import claimed first), which turns the row into skipped at commit time.

Order of decisions, and why:

1. **Update by contact_id** (purpose `update` only - the only purpose whose identifier may be
   the workspace's contact id; create and upsert identify rows by email and ignore the cell).
   An unknown id is skipped `UNKNOWN_CONTACT_ID`. An id whose contact has a different email
   is an error `CONTACT_ID_MISMATCH`: email is the identity, and changing a person's email by
   import would move their GlobalContact history and ownership behind the user's back.
2. **Soft-deleted contact**: skipped `CONTACT_DELETED`. Someone removed this person on
   purpose; re-importing an old list must not quietly bring them back. Restore is explicit.
3. **Import purpose**: create skips existing contacts (`EXISTS`), update skips new ones
   (`NOT_FOUND`). These come before ownership because they are the more exact answer: a
   create-only import of a contact the workspace already has does nothing either way.
4. **Ownership** (the double-booking guard):
   - A client-scoped (agency) import is skipped `OWNED_BY_OTHER_CLIENT` when another client
     holds an unexpired assignment, whether or not the contact is already in this workspace;
     otherwise it claims the email for its client. A claim the client already holds is kept as
     it is: re-importing does not extend its expiry, or an agency could hold a person forever by
     re-uploading the same list. An expired assignment can be
     taken over. Priority does not override an unexpired assignment: only release or expiry
     frees a person (the product pages: "the original owner has to release it or let the
     assignment expire").
   - An import with no client never claims. It is skipped when the row would add a *new*
     contact whose email any client holds unexpired: that is the row that would put an owned
     person into a second outreach pool, the collision the rule exists to prevent. It may
     still *update* a contact this workspace already has: the person is already in this
     workspace's pool, refusing would not remove them from it and would only leave the record
     stale, and no ownership changes hands.
5. Otherwise **imported** (new to the workspace) or **updated** (existing contact).

An assignment is unexpired while `now < expires_at`; at the expiry instant it can be taken
over (commit's condition must use the same comparison). An assignment with no expiry never
lapses on its own.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

from functions.common.rows import Reason, RowStatus, reason_text


class ImportPurpose(StrEnum):
    CREATE = "create"  # add new contacts only
    UPDATE = "update"  # update existing contacts only; rows may be matched by contact_id
    UPSERT = "upsert"  # both (the default)


class Action(StrEnum):
    CREATE = "create"  # insert a Contact (and a GlobalContact when `create_global`)
    UPDATE = "update"  # merge into the existing Contact
    NONE = "none"  # write nothing for this row


def parse_time(value: datetime | str | None) -> datetime | None:
    """An aware UTC datetime from a datetime or an ISO-8601 string (naive means UTC)."""
    if value is None or value == "":
        return None
    if isinstance(value, str):
        value = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def iso(value: datetime) -> str:
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


@dataclass(frozen=True, slots=True)
class GlobalContactView:
    """The platform-wide record of a person (also an `EngagementHistory` for scoring)."""

    email: str
    total_sent: int = 0
    total_responses: int = 0
    response_rate: float | None = None
    bounce_status: str | None = None

    @classmethod
    def from_item(cls, item: Mapping[str, Any]) -> GlobalContactView:
        return cls(
            email=str(item["email"]),
            total_sent=int(item.get("total_sent") or 0),
            total_responses=int(item.get("total_responses") or 0),
            response_rate=float(item["response_rate"]) if item.get("response_rate") is not None else None,
            bounce_status=item.get("bounce_status"),
        )


@dataclass(frozen=True, slots=True)
class AssignmentView:
    """The active ClientAssignment of an email (pass None when there is none, or it was released)."""

    client_id: str
    expires_at: datetime | None = None
    priority: int = 0
    workspace_id: str | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "expires_at", parse_time(self.expires_at))

    @classmethod
    def from_item(cls, item: Mapping[str, Any]) -> AssignmentView | None:
        """None for a released assignment: it no longer owns anything."""
        if item.get("released_at"):
            return None
        return cls(
            client_id=str(item["client_id"]),
            expires_at=parse_time(item.get("expires_at")),
            priority=int(item.get("priority") or 0),
            workspace_id=item.get("workspace_id"),
        )

    def is_active(self, now: datetime) -> bool:
        return self.expires_at is None or _aware(now) < self.expires_at


@dataclass(frozen=True, slots=True)
class ContactView:
    """The workspace's Contact the row matches."""

    contact_id: str
    email: str
    is_deleted: bool = False
    deleted_at: str | None = None

    @classmethod
    def from_item(cls, item: Mapping[str, Any]) -> ContactView:
        return cls(
            contact_id=str(item["contact_id"]),
            email=str(item["email"]),
            is_deleted=bool(item.get("is_deleted")),
            deleted_at=item.get("deleted_at"),
        )


@dataclass(frozen=True, slots=True)
class ExistingState:
    """What the read side found for one row.

    `contact` is the workspace's contact with the row's email. `contact_by_id` is the contact
    with the row's contact_id - only looked up for purpose `update` rows that carry one.
    """

    global_contact: GlobalContactView | None = None
    assignment: AssignmentView | None = None
    contact: ContactView | None = None
    contact_by_id: ContactView | None = None


@dataclass(frozen=True, slots=True)
class Classification:
    status: RowStatus
    code: Reason
    reason: str  # the full Reason cell: code, then what a person needs to know
    action: Action = Action.NONE
    claim: bool = False  # commit should claim the assignment for the importing client
    contact_id: str | None = None  # the contact to update
    create_global: bool = False  # no GlobalContact exists yet for this email
    owner: AssignmentView | None = None  # the owner that caused a skip
    warnings: list[str] = field(default_factory=list)

    @property
    def writes(self) -> bool:
        return self.action is not Action.NONE


def classify(
    row_fields: Mapping[str, Any],
    client_id: str | None,
    purpose: ImportPurpose | str,
    now: datetime,
    existing: ExistingState,
) -> Classification:
    """Decide what becomes of a row (see the module docstring for the order and the reasons)."""
    purpose = ImportPurpose(purpose)
    email = str(row_fields.get("email") or "").strip().lower()
    contact = existing.contact
    create_global = existing.global_contact is None

    row_contact_id = _text(row_fields.get("contact_id"))
    if purpose is ImportPurpose.UPDATE and row_contact_id:
        by_id = existing.contact_by_id
        if by_id is None or by_id.contact_id != row_contact_id:
            return _skip(Reason.UNKNOWN_CONTACT_ID, f"no contact {row_contact_id} in this workspace")
        if by_id.email.strip().lower() != email:
            return Classification(
                RowStatus.ERROR,
                Reason.CONTACT_ID_MISMATCH,
                reason_text(
                    Reason.CONTACT_ID_MISMATCH,
                    f"contact {row_contact_id} has email {by_id.email}, the row has {email}; "
                    "email cannot be changed by import",
                ),
            )
        contact = by_id

    if contact is not None and contact.is_deleted:
        when = f" on {contact.deleted_at}" if contact.deleted_at else ""
        return _skip(
            Reason.CONTACT_DELETED,
            f"contact {contact.contact_id} was deleted{when}; restore it to update it",
        )

    if purpose is ImportPurpose.CREATE and contact is not None:
        return _skip(Reason.EXISTS, f"contact {contact.contact_id} already exists")
    if purpose is ImportPurpose.UPDATE and contact is None:
        return _skip(Reason.NOT_FOUND, "no contact with this email in this workspace")

    owner = existing.assignment
    owned = owner is not None and owner.is_active(now)
    if (
        owned
        and owner is not None
        and (
            (client_id is not None and owner.client_id != client_id)
            or (client_id is None and contact is None)
        )
    ):
        return Classification(
            RowStatus.SKIPPED,
            Reason.OWNED_BY_OTHER_CLIENT,
            owned_reason(owner),
            owner=owner,
        )

    claim = client_id is not None
    if contact is None:
        return Classification(
            RowStatus.IMPORTED,
            Reason.NEW_CONTACT,
            reason_text(Reason.NEW_CONTACT),
            action=Action.CREATE,
            claim=claim,
            create_global=create_global,
        )
    return Classification(
        RowStatus.UPDATED,
        Reason.EXISTING_CONTACT,
        reason_text(Reason.EXISTING_CONTACT),
        action=Action.UPDATE,
        claim=claim,
        contact_id=contact.contact_id,
        create_global=create_global,
    )


def owned_reason(owner: AssignmentView) -> str:
    """ "OWNED_BY_OTHER_CLIENT: owned by client c_42 until 2026-07-01T00:00:00Z" (also for lost claims)."""
    until = f"until {iso(owner.expires_at)}" if owner.expires_at else "with no expiry"
    return reason_text(Reason.OWNED_BY_OTHER_CLIENT, f"owned by client {owner.client_id} {until}")


def lost_claim(owner: AssignmentView) -> Classification:
    """The skipped outcome for a row whose claim lost the conditional write at commit."""
    return Classification(RowStatus.SKIPPED, Reason.OWNED_BY_OTHER_CLIENT, owned_reason(owner), owner=owner)


def _skip(code: Reason, detail: str) -> Classification:
    return Classification(RowStatus.SKIPPED, code, reason_text(code, detail))


def _aware(now: datetime) -> datetime:
    return now.replace(tzinfo=UTC) if now.tzinfo is None else now


def _text(value: Any) -> str | None:
    if value is None:
        return None
    s = str(value).strip()
    return s or None
