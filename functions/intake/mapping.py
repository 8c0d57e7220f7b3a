"""Which column feeds which contact field: auto-mapping by header and values, and explicit mapping documents.

Every column ends up somewhere: a standard field, a custom field, or custom data under its
own header name. Only an explicit `null` in a mapping document ignores a column, and even
then its cells stay in the row's `raw` cells for the results CSV.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from pydantic import BaseModel, ConfigDict, ValidationError, field_validator

from functions.common.errors import ConfigInvalid, FileRejected
from functions.common.rows import STANDARD_FIELDS
from functions.intake.custom_fields import CustomFieldDef
from functions.intake.vocabulary import (
    POSITIONAL,
    ValueProfile,
    compact,
    contradicts,
    header_words,
    match_header,
    profile_values,
)

CUSTOM_PREFIX = "custom:"
_CUSTOM_NAME = re.compile(r"[A-Za-z][A-Za-z0-9_ .\-]{0,63}")


def normalise_header(header: str) -> str:
    """The compact matching key of a header: `" E-Mail_Address "` -> `"emailaddress"`."""
    return compact(header)


class MappingDoc(BaseModel):
    """`{"columns": {"<header>": "<standard field>" | "custom:<name>" | null}}` from `--mapping`.

    `null` ignores the column. Entries override auto-mapping; headers not named keep their
    auto-mapping. A field may be the target of one column only.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    columns: dict[str, str | None]

    @field_validator("columns")
    @classmethod
    def _targets(cls, columns: dict[str, str | None]) -> dict[str, str | None]:
        seen: dict[str, str] = {}
        for header, target in columns.items():
            if not header.strip():
                raise ValueError("a mapping entry has an empty column name")
            if target is None:
                continue
            target = target.strip()
            if target.startswith(CUSTOM_PREFIX):
                name = target[len(CUSTOM_PREFIX) :].strip()
                if not _CUSTOM_NAME.fullmatch(name):
                    raise ValueError(
                        f"column {header!r}: {target!r} is not a valid custom field name (letters, digits, "
                        "_ - . and spaces, starting with a letter, at most 64 characters)"
                    )
                target = CUSTOM_PREFIX + name
            elif target not in STANDARD_FIELDS:
                raise ValueError(
                    f"column {header!r}: {target!r} is not a contact field; use one of "
                    f"{', '.join(STANDARD_FIELDS)}, or 'custom:<name>', or null to ignore the column"
                )
            if target in seen:
                raise ValueError(
                    f"{target!r} is mapped twice: from column {seen[target]!r} and column {header!r}"
                )
            seen[target] = header
        return {h: (t.strip() if t is not None else None) for h, t in columns.items()}


def load_mapping(doc: str | bytes | Mapping[str, Any]) -> MappingDoc:
    """Parse and validate a mapping document; ConfigInvalid names the offending column or field."""
    try:
        data = json.loads(doc) if isinstance(doc, str | bytes) else dict(doc)
    except json.JSONDecodeError as exc:
        raise ConfigInvalid(f"the mapping file is not valid JSON: {exc}") from None
    try:
        return MappingDoc.model_validate(data)
    except ValidationError as exc:
        problems = "; ".join(_describe(e) for e in exc.errors())
        raise ConfigInvalid(f"the mapping file is not valid: {problems}") from None


def _describe(error: Any) -> str:
    loc = ".".join(str(p) for p in error.get("loc", ()))
    msg = str(error.get("msg", "")).removeprefix("Value error, ")
    return f"{loc}: {msg}" if loc and loc not in msg else msg


@dataclass(frozen=True, slots=True)
class ColumnDecision:
    """Where one source column goes and why: shown by preview and stored on the job."""

    index: int
    header: str
    target: str | None  # a standard field, "custom:<name>", or None (skipped)
    how: str  # exact | synonym | values | saved | given | unmatched
    confidence: float
    samples: tuple[str, ...] = ()
    note: str | None = None

    def as_dict(self) -> dict[str, Any]:
        doc: dict[str, Any] = {
            "column": self.index + 1,
            "header": self.header,
            "samples": list(self.samples[:SAMPLES_SHOWN]),
            "target": self.target,
            "how": self.how,
            "confidence": self.confidence,
            "note": self.note,
        }
        return doc


SAMPLES_SHOWN = 3


@dataclass
class ColumnPlan:
    """Where each column goes. Column indexes refer to the header row."""

    headers: list[str]
    # index -> standard field name or "custom:<name>"; an ignored column has no entry
    column_map: dict[int, str]
    # website columns (kept as custom data) that fill company_domain when its cell is empty
    domain_fallbacks: tuple[int, ...] = ()
    warnings: list[str] = field(default_factory=list)
    columns: list[ColumnDecision] = field(default_factory=list)

    def column_of(self, target: str) -> int | None:
        for index, mapped in self.column_map.items():
            if mapped == target:
                return index
        return None

    def describe(self) -> list[dict[str, Any]]:
        """The column map as JSON-ready entries, one per source column, in file order."""
        return [c.as_dict() for c in self.columns]


@dataclass
class _Candidate:
    index: int
    target: str
    how: str
    confidence: float
    filled: bool
    note: str | None = None
    person: bool = True  # named as the person's, not the company's ("Organization - Name")

    def key(self) -> tuple[bool, bool, float, int]:
        # a column with values beats an empty one (Outlook's empty "Business Phone" beside a
        # filled "Home Phone"), then the person's column beats the company's, except for the
        # company's domain, where the company's own website (or a "Company Domain" header)
        # beats a person's web page (Highrise's "Company Web address - Work" beside
        # "Web address - Work"), then the surer
        # header, then the earlier column
        own = self.person if self.target != "company_domain" else not self.person or self.how == "exact"
        return (self.filled, own, self.confidence, -self.index)


# Headers that say nothing about their cells: the values alone may decide a phone or website.
_UNINFORMATIVE = frozenset(("value", "values", "number", "data", "info", "field", "contact", "details", "no"))
# Mailchimp-style geolocation columns: bare "REGION", "TIMEZONE", "CC" beside a GMT offset or
# latitude/longitude were derived from the subscriber's IP address, not given as the address.
# Latitude/longitude beside a street or postal code column are the given address's
# coordinates (Klaviyo's "Address", "City", "Zip Code", "Latitude"), not a geolocation.
_GEO_MARKERS = frozenset(("gmtoff", "dstoff"))
_POSTAL_MARKERS = ("street", "zip", "postal", "postcode")
_GEO_BARE = frozenset(("region", "timezone", "cc", "countrycode", "city", "country", "state"))


def _by_values(values: ValueProfile, header: str) -> str | None:
    kind = values.kind()
    if kind == "email":
        return "email"
    if kind == "linkedin_profile":
        return "linkedin_url"
    words, _ = header_words(header)
    blank = POSITIONAL.fullmatch(header) is not None or set(words) <= _UNINFORMATIVE
    if blank and kind == "phone":
        return "phone"
    if blank and kind == "website":
        return "company_domain"
    return None


def plan_columns(
    headers: Sequence[str],
    mapping: MappingDoc | None = None,
    custom_fields: Mapping[str, CustomFieldDef] | None = None,
    samples: Sequence[Sequence[str]] | None = None,
    given_how: str = "given",
) -> ColumnPlan:
    """Explicit entries first, then headers and values, then everything else as custom data.

    `samples` holds, per column, cells from the first data rows: they confirm or overrule
    what the header says. `given_how` is how an explicit mapping is reported (`given`, or
    `saved` for a FieldMapping found for this header row). Raises
    FileRejected(INVALID_MAPPING) when the mapping and the file's columns clash (one custom
    name fed by two columns).
    """
    custom_fields = custom_fields or {}
    warnings: list[str] = []
    column_map: dict[int, str] = {}
    ignored: set[int] = set()
    claimed: dict[str, int] = {}
    decided: dict[int, ColumnDecision] = {}
    cells = [
        list(samples[i]) if samples is not None and i < len(samples) else [] for i in range(len(headers))
    ]
    shown = [tuple(v.strip() for v in column if v and v.strip())[:SAMPLES_SHOWN] for column in cells]

    if mapping is not None:
        exact = {h.strip(): i for i, h in enumerate(headers)}
        loose = {normalise_header(h): i for i, h in enumerate(headers)}
        for name, target in mapping.columns.items():
            index = exact.get(name.strip())
            if index is None:
                index = loose.get(normalise_header(name))
            if index is None:
                warnings.append(
                    f"The mapping names column {name!r}, which is not in this file; it was skipped."
                )
                continue
            if target is None:
                ignored.add(index)
            else:
                column_map[index] = target
                claimed[target] = index
            decided[index] = ColumnDecision(index, headers[index], target, given_how, 1.0, shown[index])

    custom_keys: dict[str, str] = {}
    for defn in custom_fields.values():
        for label in (defn.name, defn.display_label):
            if label:
                custom_keys.setdefault(normalise_header(label), CUSTOM_PREFIX + defn.name)

    keys = [normalise_header(h) for h in headers]
    geolocated = any(k in _GEO_MARKERS for k in keys) or (
        {"latitude", "longitude"} <= set(keys) and not any(m in k for k in keys for m in _POSTAL_MARKERS)
    )
    notes: dict[int, str] = {}
    candidates: dict[str, list[_Candidate]] = {}
    for index, header in enumerate(headers):
        if index in column_map or index in ignored:
            continue
        key = keys[index]
        match = match_header(header)
        values = profile_values(cells[index])
        filled = values.filled > 0 or samples is None
        candidate: _Candidate | None = None
        if geolocated and key in _GEO_BARE:
            notes[index] = "derived from the IP address (geolocation), not the person's address"
        elif (
            match.how == "exact" and match.field is not None and not contradicts(match.field, values, header)
        ):
            candidate = _Candidate(index, match.field, "exact", match.confidence, filled)
        elif key in custom_keys:
            candidate = _Candidate(index, custom_keys[key], "exact", 1.0, filled)
        elif match.field is not None:
            why = contradicts(match.field, values, header)
            if why is None:
                person = match.scope == "person"
                candidate = _Candidate(index, match.field, match.how, match.confidence, filled, person=person)
            else:
                other = _by_values(values, header) if match.scope == "person" else None
                if other is not None and other != match.field:
                    candidate = _Candidate(index, other, "values", 0.7, filled, f"not {match.field}: {why}")
                else:
                    notes[index] = f"not {match.field}: {why}"
        elif match.scope == "person" and match.group == 1:
            other = _by_values(values, header)
            if other is not None:
                candidate = _Candidate(index, other, "values", 0.7, filled, "decided by the cells")
        if candidate is None:
            if match.note and index not in notes:
                notes[index] = match.note
            continue
        if candidate.target in claimed:
            notes[index] = f"also looks like {candidate.target}, which the mapping gives to another column"
            continue
        candidates.setdefault(candidate.target, []).append(candidate)

    lost_domain: list[int] = []
    for target, group in candidates.items():
        group.sort(key=_Candidate.key, reverse=True)
        winner = group[0]
        column_map[winner.index] = target
        decided[winner.index] = ColumnDecision(
            winner.index, headers[winner.index], target, winner.how, winner.confidence, shown[winner.index],
            winner.note,
        )  # fmt: skip
        for loser in group[1:]:
            warnings.append(_both_warning(headers, target, winner.index, loser.index))
            notes[loser.index] = f"also looks like {target}; {headers[winner.index]!r} was used"
            if target == "company_domain":
                lost_domain.append(loser.index)

    used = set(column_map.values())
    for index, header in enumerate(headers):
        if index in ignored or index in column_map:
            continue
        target = CUSTOM_PREFIX + header.strip()
        if target in used:
            raise FileRejected(
                "INVALID_MAPPING",
                f"Column {header!r} would be stored as custom data {header.strip()!r}, but another column is "
                "already mapped to that custom field; map one of them to a different name or ignore it.",
            )
        column_map[index] = target
        used.add(target)
        decided[index] = ColumnDecision(
            index, header, target, "unmatched", 0.0, shown[index], notes.get(index)
        )

    for index in ignored:
        decided.setdefault(index, ColumnDecision(index, headers[index], None, given_how, 1.0, shown[index]))
    columns = [decided[i] for i in range(len(headers)) if i in decided]
    return ColumnPlan(
        list(headers), dict(sorted(column_map.items())), tuple(sorted(lost_domain)), warnings, columns
    )


def _both_warning(headers: Sequence[str], target: str, winner: int, loser: int) -> str:
    return (
        f"Columns {headers[winner]!r} and {headers[loser]!r} both look like {target}; {headers[winner]!r} "
        f"was used and {headers[loser]!r} is kept as custom data."
    )
