"""A batch of contacts (the webhook / API batch shape) as a CSV upload plus its explicit mapping.

Webhook intake and CRM syncs both turn a list of contact objects into a file the ImportJob
pipeline reads like any upload, so every contact goes through the same stages and gets a
per-row result.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Mapping
from typing import Any

from functions.api.contact_rows import WRITABLE_FIELDS

CUSTOM_NAME = re.compile(r"[A-Za-z][A-Za-z0-9_ .\-]{0,63}")
COLUMNS: tuple[str, ...] = ("email", *WRITABLE_FIELDS, "tags")


class BatchError(ValueError):
    """A contact of the batch cannot be written as a row; `field` names it (`contacts.<n>...`)."""

    def __init__(self, message: str, *, field: str) -> None:
        super().__init__(message)
        self.message = message
        self.field = field


def cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list | tuple):
        return ";".join(cell(v) for v in value)
    if isinstance(value, dict):
        raise ValueError("an object is not a cell value")
    return str(value)


def batch_csv(contacts: list[Any]) -> tuple[bytes, dict[str, Any]]:
    """The batch as a CSV file and the explicit mapping of its columns (so a custom field named
    like a standard field's synonym is never auto-mapped to it)."""
    custom: list[str] = []
    for position, contact in enumerate(contacts):
        if not isinstance(contact, Mapping):
            raise BatchError("every contact must be a JSON object", field=f"contacts.{position}")
        if contact.get("dnt"):
            raise BatchError(
                "a webhook batch flags Do Not Touch for the whole batch: use options.dnt",
                field=f"contacts.{position}.dnt",
            )
        unknown = [k for k in contact if k not in COLUMNS and k not in ("custom_fields", "dnt")]
        if unknown:
            raise BatchError(
                f"unknown contact field {unknown[0]!r}", field=f"contacts.{position}.{unknown[0]}"
            )
        extra = contact.get("custom_fields") or {}
        if not isinstance(extra, Mapping):
            raise BatchError("custom_fields must be an object", field=f"contacts.{position}.custom_fields")
        for name in extra:
            if not CUSTOM_NAME.fullmatch(str(name)):
                raise BatchError(
                    f"{name!r} is not a valid custom field name", field=f"contacts.{position}.custom_fields"
                )
            if name not in custom:
                custom.append(str(name))
    standard = [c for c in COLUMNS if any(c in contact for contact in contacts)] or ["email"]
    if "email" not in standard:
        standard.insert(0, "email")
    headers = standard + [f"custom.{name}" for name in custom]
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(headers)
    for position, contact in enumerate(contacts):
        extra = contact.get("custom_fields") or {}
        try:
            writer.writerow([cell(contact.get(c)) for c in standard] + [cell(extra.get(n)) for n in custom])
        except ValueError as exc:
            raise BatchError(str(exc), field=f"contacts.{position}") from None
    columns: dict[str, str | None] = {c: c for c in standard}
    columns.update({f"custom.{n}": f"custom:{n}" for n in custom})
    return out.getvalue().encode("utf-8"), {"columns": columns}
