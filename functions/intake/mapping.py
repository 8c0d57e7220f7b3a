"""Which column feeds which contact field: auto-mapping by header, and explicit mapping documents.

Every column ends up somewhere: a standard field, a custom field, or custom data under its
own header name. Only an explicit `null` in a mapping document ignores a column, and even
then its cells stay in the row's `raw` cells for the results CSV.
"""

from __future__ import annotations

import json
import re
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from pydantic import BaseModel, ConfigDict, ValidationError, field_validator

from functions.common.errors import ConfigInvalid, FileRejected
from functions.common.rows import STANDARD_FIELDS
from functions.intake.custom_fields import CustomFieldDef

CUSTOM_PREFIX = "custom:"
_CUSTOM_NAME = re.compile(r"[A-Za-z][A-Za-z0-9_ .\-]{0,63}")

# In preference order: when two headers claim one field, the earlier synonym wins and the
# other column is kept as custom data. Matching is on the compact form (see normalise_header).
SYNONYMS: dict[str, tuple[str, ...]] = {
    "email": (
        "email", "email address", "e-mail", "e-mail address", "work email", "business email",
        "contact email", "primary email", "email id", "mail", "corporate email", "company email",
        "office email", "person email", "personal email",
    ),
    "first_name": ("first name", "first", "firstname", "given name", "forename", "fname",
                   "contact first name", "person first name", "vorname", "prenom", "nombre"),
    "last_name": ("last name", "last", "lastname", "surname", "family name", "lname",
                  "contact last name", "person last name", "nachname", "apellido", "apellidos"),
    "full_name": ("full name", "name", "contact name", "person name", "contact full name",
                  "display name", "person"),
    "name_suffix": ("name suffix", "suffix", "generational suffix"),
    "title": ("title", "job title", "position", "role", "job role", "designation", "contact title",
              "job position", "person title"),
    "department": ("department", "dept", "job function", "function", "division", "team"),
    "seniority": ("seniority", "seniority level", "job level", "management level", "level"),
    "phone": ("phone", "phone number", "work phone", "direct phone", "office phone",
              "business phone", "telephone", "tel", "direct dial", "contact phone", "phone 1",
              "corporate phone", "landline"),
    "mobile": ("mobile", "mobile phone", "mobile number", "cell", "cell phone", "cell number",
               "mobile phone number", "cellular"),
    "linkedin_url": ("linkedin url", "linkedin", "contact linkedin url", "linkedin profile",
                     "linkedin profile url", "person linkedin url", "linkedin link", "li url"),
    "city": ("city", "town", "contact city", "person city", "locality"),
    "state": ("state", "province", "state province", "state/province", "region", "state region",
              "contact state", "county"),
    "country": ("country", "country name", "country code", "contact country", "person country",
                "country region"),
    "time_zone": ("time zone", "timezone", "tz"),
    "company_name": ("company name", "company", "account name", "account", "organization",
                     "organisation", "organization name", "organisation name", "org", "employer",
                     "business name", "firm"),
    "company_domain": ("company domain", "domain", "account domain", "organization domain",
                       "email domain", "company website", "website", "company url", "web site",
                       "website url", "url", "homepage", "web", "company website url"),
    "owner_email": ("owner email", "contact owner email", "account owner email", "sales rep email",
                    "assigned to email", "owner e-mail"),
    "tags": ("tags", "tag", "labels", "label", "contact tags"),
    "contact_id": ("contact id", "eg-con-id", "id", "record id", "contact record id", "crm id"),
}  # fmt: skip

# Headers that hold a website: used for company_domain when the domain cell is empty.
_WEBSITE_HEADERS = frozenset(
    (
        "website",
        "companywebsite",
        "companyurl",
        "website url",
        "websiteurl",
        "url",
        "homepage",
        "web",
        "website",
    )
)


def normalise_header(header: str) -> str:
    """The compact matching key of a header: `" E-Mail_Address "` -> `"emailaddress"`."""
    text = unicodedata.normalize("NFKD", header.casefold())
    return "".join(c for c in text if c.isalnum() and not unicodedata.combining(c))


_AUTO: dict[str, tuple[str, int]] = {}
for _field in STANDARD_FIELDS:
    _AUTO[normalise_header(_field)] = (_field, 0)
for _field, _phrases in SYNONYMS.items():
    for _rank, _phrase in enumerate(_phrases, start=2):
        _AUTO.setdefault(normalise_header(_phrase), (_field, _rank))
_WEBSITE_KEYS = frozenset(normalise_header(h) for h in _WEBSITE_HEADERS)


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


@dataclass
class ColumnPlan:
    """Where each column goes. Column indexes refer to the header row."""

    headers: list[str]
    # index -> standard field name or "custom:<name>"; an ignored column has no entry
    column_map: dict[int, str]
    # website columns (kept as custom data) that fill company_domain when its cell is empty
    domain_fallbacks: tuple[int, ...] = ()
    warnings: list[str] = field(default_factory=list)

    def column_of(self, target: str) -> int | None:
        for index, mapped in self.column_map.items():
            if mapped == target:
                return index
        return None


def plan_columns(
    headers: Sequence[str],
    mapping: MappingDoc | None = None,
    custom_fields: Mapping[str, CustomFieldDef] | None = None,
) -> ColumnPlan:
    """Explicit entries first, then auto-mapping, then everything else as custom data.

    Raises FileRejected(INVALID_MAPPING) when the mapping and the file's columns clash (one
    custom name fed by two columns).
    """
    custom_fields = custom_fields or {}
    warnings: list[str] = []
    column_map: dict[int, str] = {}
    ignored: set[int] = set()
    claimed: dict[str, int] = {}

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

    custom_keys: dict[str, str] = {}
    for defn in custom_fields.values():
        for label in (defn.name, defn.display_label):
            if label:
                custom_keys.setdefault(normalise_header(label), CUSTOM_PREFIX + defn.name)

    best: dict[str, tuple[int, int]] = {}  # target -> (rank, index)
    for index, header in enumerate(headers):
        if index in column_map or index in ignored:
            continue
        key = normalise_header(header)
        auto = _AUTO.get(key)
        choice: tuple[str, int] | None = None
        if auto is not None and auto[1] == 0:
            choice = auto
        elif key in custom_keys:
            choice = (custom_keys[key], 1)
        elif auto is not None:
            choice = auto
        if choice is None or choice[0] in claimed:
            continue
        target, rank = choice
        if target not in best or (rank, index) < best[target]:
            if target in best:
                _, loser = best[target]
                warnings.append(_both_warning(headers, target, index, loser))
            best[target] = (rank, index)
        else:
            warnings.append(_both_warning(headers, target, best[target][1], index))
    for target, (_, index) in best.items():
        column_map[index] = target

    used = set(column_map.values())
    for index, header in enumerate(headers):
        if index in column_map or index in ignored:
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

    fallbacks = tuple(
        i
        for i, h in enumerate(headers)
        if normalise_header(h) in _WEBSITE_KEYS and column_map.get(i, "").startswith(CUSTOM_PREFIX)
    )
    return ColumnPlan(list(headers), dict(sorted(column_map.items())), fallbacks, warnings)


def _both_warning(headers: Sequence[str], target: str, winner: int, loser: int) -> str:
    return (
        f"Columns {headers[winner]!r} and {headers[loser]!r} both look like {target}; {headers[winner]!r} "
        f"was used and {headers[loser]!r} is kept as custom data."
    )
