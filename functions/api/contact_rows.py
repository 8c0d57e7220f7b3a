"""API contact payloads -> canonical pipeline `Row`s, by the same rules Intake applies to a CSV row.

Email is the identity (canonical form or a row error); the company domain is the registrable
domain of the given domain or website, else of the email unless it is free mail; a full name
is split when first/last are absent; phones go to E.164 where a country is known; LinkedIn
URLs get their one form. Custom field values are checked against the workspace's definitions.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Mapping, Sequence
from typing import Any

from functions.common.canonical import (
    canonical_email,
    country_iso2,
    e164_phone,
    fill_name_parts,
    is_free_mail,
    normalise_linkedin_url,
    registrable_domain,
)
from functions.common.rows import Reason, Row
from functions.common.timezones import place_time_zone
from functions.common.verification import VERIFICATION_STATUSES, verification_status
from functions.dedup.merge import union_tags
from functions.intake.custom_fields import CustomFieldDef, coerce
from functions.intake.duplicates import InFileDuplicates, twin_detail

# standard fields copied as trimmed text; the others get their own treatment below
PLAIN_FIELDS: tuple[str, ...] = (
    "first_name",
    "last_name",
    "full_name",
    "name_suffix",
    "title",
    "department",
    "seniority",
    "city",
    "state",
    "country",
    "time_zone",
    "company_name",
    "lead_source",
    "verification_status",
)
SPECIAL_FIELDS: tuple[str, ...] = ("phone", "mobile", "linkedin_url", "owner_email", "company_domain")
WRITABLE_FIELDS: tuple[str, ...] = PLAIN_FIELDS + SPECIAL_FIELDS


class FieldError(ValueError):
    """A value the API rejects; `field` names it the way the request spelled it."""

    def __init__(self, reason: Reason, field: str, message: str) -> None:
        super().__init__(message)
        self.reason = reason
        self.field = field
        self.message = message


def _text(value: Any) -> str:
    text = str(value).strip()
    return text if text.isascii() else unicodedata.normalize("NFC", text)


def canonical_fields(
    data: Mapping[str, Any], warnings: list[str], *, country: str | None = None
) -> dict[str, Any]:
    """Canonical standard fields (only those with a value) from an API payload's standard fields.

    `country` is the stored country, read for phone numbers when the payload names none.
    """
    fields: dict[str, Any] = {}
    for name in PLAIN_FIELDS:
        value = data.get(name)
        if value is not None and (text := _text(value)):
            fields[name] = text
    fill_name_parts(fields)
    for name in ("phone", "mobile"):
        value = data.get(name)
        if value is not None and (text := _text(value)):
            fields[name] = _phone(text, fields.get("country") or country, warnings)
    if not fields.keys().isdisjoint(("city", "state", "country", "time_zone")):
        zone = place_time_zone(fields, warnings)
        if zone is not None:
            fields["time_zone"] = zone
    if (given := fields.get("verification_status")) is not None:
        status = verification_status(given)
        if status is None:
            raise FieldError(
                Reason.INVALID_FIELD_VALUE,
                "verification_status",
                f"verification_status: {given!r} is not one of {', '.join(VERIFICATION_STATUSES)}",
            )
        fields["verification_status"] = status
    value = data.get("linkedin_url")
    if value is not None and (text := _text(value)):
        try:
            fields["linkedin_url"] = normalise_linkedin_url(text)
        except ValueError as exc:
            fields["linkedin_url"] = text
            warnings.append(f"linkedin_url: {exc}; kept as given")
    value = data.get("owner_email")
    if value is not None and (text := _text(value)):
        try:
            fields["owner_email"] = canonical_email(text)
        except ValueError as exc:
            raise FieldError(Reason.INVALID_FIELD_VALUE, "owner_email", f"owner_email: {exc}") from None
    value = data.get("company_domain")
    if value is not None and (text := _text(value)):
        domain = registrable_domain(text)
        if domain is None:
            warnings.append(f"company_domain: {text!r} is not a domain or website; ignored")
        elif is_free_mail(domain):
            warnings.append(
                f"company_domain: {domain!r} is a free-mail provider, not a company domain; ignored"
            )
        else:
            fields["company_domain"] = domain
    return fields


def _phone(value: str, country: str | None, warnings: list[str]) -> str:
    region = country_iso2(country) if country else None
    if region is None and not value.startswith(("+", "00")):
        return value  # no country to read it against: kept as given, not guessed
    try:
        return e164_phone(value, region)
    except ValueError as exc:
        warnings.append(f"phone: {exc}; kept as given")
        return value


def email_domain_fallback(fields: dict[str, Any]) -> None:
    email = fields.get("email")
    if "company_domain" in fields or not email:
        return
    domain = registrable_domain(email[email.rfind("@") + 1 :])
    if domain is not None and not is_free_mail(domain):
        fields["company_domain"] = domain


def typed_custom(
    values: Mapping[str, Any], defs: Mapping[str, CustomFieldDef], *, prefix: str = "custom_fields"
) -> dict[str, Any]:
    """Custom values checked against the workspace's definitions; None drops a key's value.

    A name with no definition, or a value that does not fit its type, raises FieldError.
    """
    out: dict[str, Any] = {}
    for name, value in values.items():
        defn = defs.get(name)
        where = f"{prefix}.{name}"
        if value is None:
            out[name] = None  # removing a value needs no definition (imports keep undefined columns)
            continue
        if defn is None:
            raise FieldError(
                Reason.INVALID_FIELD_VALUE,
                where,
                f"custom field {name!r} does not exist in this workspace; create it first with "
                "POST /api/v1/custom-fields",
            )
        try:
            typed = coerce(defn, _cell(value))
        except ValueError as exc:
            raise FieldError(
                Reason.INVALID_FIELD_VALUE, where, f"custom field {name!r} ({defn.field_type}): {exc}"
            ) from None
        out[name] = typed
    return out


def _cell(value: Any) -> str:
    """The text form `coerce` reads: JSON booleans, numbers and lists as a CSV cell would hold them."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list | tuple):
        return ";".join(_cell(v) for v in value)
    if isinstance(value, dict):
        raise ValueError("an object is not a custom field value")
    return str(value)


def contact_row(
    number: int,
    data: Mapping[str, Any],
    *,
    custom_defs: Mapping[str, CustomFieldDef],
    import_tags: Sequence[str] = (),
) -> Row:
    """One pipeline row from an API contact payload; an unusable value is a row error, never a raise."""
    raw_email = data.get("email")
    row = Row(number, [str(raw_email or "")])
    warnings: list[str] = []
    try:
        if raw_email is None or not str(raw_email).strip():
            raise FieldError(Reason.MISSING_EMAIL, "email", "email is required")
        try:
            email = canonical_email(str(raw_email))
        except ValueError as exc:
            raise FieldError(Reason.INVALID_EMAIL, "email", str(exc)) from None
        fields = canonical_fields(data, warnings)
        fields["email"] = email
        email_domain_fallback(fields)
        tags = union_tags([], [str(t) for t in data.get("tags") or []], import_tags)
        if tags:
            fields["tags"] = tags
        custom = typed_custom(data.get("custom_fields") or {}, custom_defs)
    except FieldError as exc:
        row.error, row.error_detail = exc.reason, exc.message
        row.meta["field"] = exc.field
        row.warnings = warnings
        return row
    row.fields = fields
    row.custom = {k: v for k, v in custom.items() if v is not None and v != []}
    row.warnings = warnings
    return row


def mark_duplicates(rows: list[Row]) -> None:
    """Rows of one request that share an email are all errors naming their twins, as in a file."""
    duplicates = InFileDuplicates()
    for row in rows:
        if row.error is None and row.email:
            duplicates.add(row.number, row.email)
    for number, others in duplicates.twins().items():
        row = rows[number - 1]
        row.error, row.error_detail = Reason.DUPLICATE_IN_FILE, twin_detail(row.email or "", others)
        row.meta["field"] = "email"
