"""The row record that travels through every stage, and the vocabulary of outcomes.

A row is written by Intake into a chunk file (one JSON object per line) and read back by
every later stage. It carries the original cells exactly as parsed, so the results CSV can
reproduce them, plus the canonical contact fields derived from them.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

import orjson

STANDARD_FIELDS: tuple[str, ...] = (
    "email",
    "first_name",
    "last_name",
    "full_name",
    "name_suffix",
    "title",
    "department",
    "seniority",
    "phone",
    "mobile",
    "linkedin_url",
    "city",
    "state",
    "country",
    "time_zone",
    "company_name",
    "company_domain",
    "owner_email",
    "tags",
    "contact_id",
    "lead_source",
    "verification_status",
)


class RowStatus(StrEnum):
    IMPORTED = "imported"
    UPDATED = "updated"
    SKIPPED = "skipped"
    SUPPRESSED = "suppressed"
    ERROR = "error"


class Reason(StrEnum):
    """Stable reason codes; the `Reason` column of a report starts with one of these."""

    # row errors found at intake
    MISSING_EMAIL = "MISSING_EMAIL"
    INVALID_EMAIL = "INVALID_EMAIL"
    DUPLICATE_IN_FILE = "DUPLICATE_IN_FILE"
    MALFORMED_ROW = "MALFORMED_ROW"
    INVALID_FIELD_VALUE = "INVALID_FIELD_VALUE"
    # outcomes decided by dedup / commit
    NEW_CONTACT = "NEW_CONTACT"
    EXISTING_CONTACT = "EXISTING_CONTACT"
    UNCHANGED = "UNCHANGED"  # an existing contact the row would not change: nothing written
    OWNED_BY_OTHER_CLIENT = "OWNED_BY_OTHER_CLIENT"
    EXISTS = "EXISTS"
    NOT_FOUND = "NOT_FOUND"
    UNKNOWN_CONTACT_ID = "UNKNOWN_CONTACT_ID"
    CONTACT_ID_MISMATCH = "CONTACT_ID_MISMATCH"  # update by id: the id's contact has another email
    CONTACT_DELETED = "CONTACT_DELETED"  # the matching contact is soft-deleted; restore is explicit
    # identifier phone / contact_id: the phone matches two contacts; the matched contact has another email
    AMBIGUOUS_IDENTIFIER = "AMBIGUOUS_IDENTIFIER"
    IDENTIFIER_MISMATCH = "IDENTIFIER_MISMATCH"
    # suppression
    SUPPRESSED_EMAIL = "SUPPRESSED_EMAIL"
    SUPPRESSED_DOMAIN = "SUPPRESSED_DOMAIN"
    SUPPRESSED_GLOBAL = "SUPPRESSED_GLOBAL"
    # warnings (the row still goes through)
    CONFLICT_COMPANY_DOMAIN = "CONFLICT_COMPANY_DOMAIN"


def reason_text(code: Reason | str, detail: str | None = None) -> str:
    """The text of a `Reason` cell: the stable code first, then what a person needs to fix it."""
    return f"{code}: {detail}" if detail else str(code)


@dataclass(slots=True)
class Row:
    """One data row of an import.

    `number` is the 1-based data row number (the header is not counted), which is also the
    row's position in the results CSV. `raw` holds the cells exactly as parsed. `fields`
    holds canonical standard fields (only those with a value). `custom` holds unmapped or
    custom-field columns by header name. A row with `error` set is finished: later stages
    pass it through untouched.
    """

    number: int
    raw: list[str]
    fields: dict[str, Any] = field(default_factory=dict)
    custom: dict[str, Any] = field(default_factory=dict)
    error: str | None = None
    error_detail: str | None = None
    warnings: list[str] = field(default_factory=list)
    # what later stages decided or learnt about the row (outcome, owner, tier, score, ...)
    meta: dict[str, Any] = field(default_factory=dict)

    def to_json(self) -> str:
        return self.to_json_bytes().decode()

    def to_json_bytes(self) -> bytes:
        """`to_json` as UTF-8 bytes, for writers that would only encode it again."""
        doc: dict[str, Any] = {"n": self.number, "raw": self.raw}
        if self.fields:
            doc["f"] = self.fields
        if self.custom:
            doc["c"] = self.custom
        if self.error:
            doc["e"] = self.error
            if self.error_detail:
                doc["ed"] = self.error_detail
        if self.warnings:
            doc["w"] = self.warnings
        if self.meta:
            doc["m"] = self.meta
        # orjson: chunk files are written and read once per stage for every row; the stdlib
        # encoder was a fifth of intake's time per row
        return orjson.dumps(doc)

    @classmethod
    def from_json(cls, line: str | bytes) -> Row:
        doc = orjson.loads(line)
        return cls(
            number=doc["n"],
            raw=doc["raw"],
            fields=doc.get("f", {}),
            custom=doc.get("c", {}),
            error=doc.get("e"),
            error_detail=doc.get("ed"),
            warnings=doc.get("w", []),
            meta=doc.get("m", {}),
        )

    @property
    def email(self) -> str | None:
        return self.fields.get("email")


@dataclass(slots=True)
class RowResult:
    """What became of a row: exactly one status and a reason, plus what the report shows."""

    number: int
    status: RowStatus
    reason: str
    contact_id: str | None = None
    icp_tier: str | None = None
    lead_score: int | None = None
    grade: str | None = None
    rule: str | None = None
    warnings: list[str] = field(default_factory=list)
    # what the stored contact says after the row (written rows only)
    lead_source: str | None = None
    verification_status: str | None = None
    # the write gave the contact a new score or grade (a `contact.scored` webhook after commit)
    rescored: bool = False

    def to_json(self) -> str:
        doc = {
            "n": self.number,
            "s": str(self.status),
            "r": self.reason,
            "id": self.contact_id,
            "t": self.icp_tier,
            "sc": self.lead_score,
            "g": self.grade,
            "ru": self.rule,
            "ls": self.lead_source,
            "vs": self.verification_status,
            "rs": True if self.rescored else None,
        }
        if self.warnings:
            doc["w"] = self.warnings
        return orjson.dumps({k: v for k, v in doc.items() if v is not None}).decode()

    @classmethod
    def from_json(cls, line: str | bytes) -> RowResult:
        doc = orjson.loads(line)
        return cls(
            number=doc["n"],
            status=RowStatus(doc["s"]),
            reason=doc["r"],
            contact_id=doc.get("id"),
            icp_tier=doc.get("t"),
            lead_score=doc.get("sc"),
            grade=doc.get("g"),
            rule=doc.get("ru"),
            warnings=doc.get("w", []),
            lead_source=doc.get("ls"),
            verification_status=doc.get("vs"),
            rescored=bool(doc.get("rs")),
        )


def score_moved(before: Mapping[str, Any] | None, score: Any, grade: Any) -> bool:
    """A stored contact's score or grade differs from (score, grade); a new contact's first
    score counts as a move."""
    return before is None or before.get("lead_score") != score or before.get("grade") != grade
