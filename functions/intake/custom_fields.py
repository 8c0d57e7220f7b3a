"""Workspace custom fields: their definition and how a CSV cell becomes a typed value."""

from __future__ import annotations

import contextlib
import math
import re
from collections.abc import Callable
from datetime import date, datetime
from enum import StrEnum
from typing import Any, Self

from pydantic import BaseModel, ConfigDict, Field, model_validator

MAX_CUSTOM_FIELDS = 50


class FieldType(StrEnum):
    STRING = "string"
    NUMBER = "number"
    BOOLEAN = "boolean"
    DATE = "date"
    DROPDOWN = "dropdown"
    MULTI_SELECT = "multi_select"


_CHOICE_TYPES = (FieldType.DROPDOWN, FieldType.MULTI_SELECT)


class CustomFieldDef(BaseModel):
    """A typed, workspace-scoped custom field (`custom.<name>` in templates and segments).

    `fallback_value` is what templates render when a contact has no value; it is validated
    against the type here but never written into a contact by an import.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str = Field(pattern=r"^[A-Za-z][A-Za-z0-9_]{0,63}$")
    field_type: FieldType
    display_label: str | None = None
    options: tuple[str, ...] = ()
    fallback_value: Any = None

    @model_validator(mode="after")
    def _check(self) -> Self:
        if self.field_type in _CHOICE_TYPES:
            if not self.options:
                raise ValueError(f"custom field {self.name!r}: a {self.field_type} field needs options")
            folded = [o.strip().casefold() for o in self.options]
            if len(set(folded)) != len(folded) or not all(folded):
                raise ValueError(f"custom field {self.name!r}: options must be non-empty and distinct")
        elif self.options:
            raise ValueError(f"custom field {self.name!r}: options apply only to dropdown and multi_select")
        if self.fallback_value is not None:
            raw = self.fallback_value
            if isinstance(raw, list):
                raw = ";".join(str(v) for v in raw)
            try:
                coerce(self, raw if isinstance(raw, str) else _scalar_text(raw))
            except ValueError as exc:
                raise ValueError(f"custom field {self.name!r}: fallback_value: {exc}") from None
        return self


def _scalar_text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


_TRUE = frozenset(("true", "t", "yes", "y", "1", "on", "checked", "x"))
_FALSE = frozenset(("false", "f", "no", "n", "0", "off", "unchecked"))
_NUMBER = re.compile(r"[-+]?(?:\d+|\d{1,3}(?:,\d{3})+)(?:\.\d+)?(?:[eE][-+]?\d+)?|[-+]?\.\d+")
_DMY_OR_MDY = re.compile(r"(\d{1,2})[/.\-](\d{1,2})[/.\-](\d{4})")
_DATE_FORMATS = (
    "%Y-%m-%d",
    "%Y/%m/%d",
    "%d %b %Y",
    "%d %B %Y",
    "%b %d, %Y",
    "%B %d, %Y",
    "%b %d %Y",
    "%B %d %Y",
)


def coerce(defn: CustomFieldDef, raw: str) -> Any:
    """The typed value of a cell for this field, or None for an empty cell.

    Returns str, int/float, bool, an ISO date string (YYYY-MM-DD), the canonical option, or a
    list of options. Raises ValueError saying what was expected.
    """
    text = raw.strip()
    if not text:
        return None
    return _COERCE[defn.field_type](defn, text)


def coercer(defn: CustomFieldDef) -> Callable[[CustomFieldDef, str], Any]:
    """What `coerce` applies to a trimmed, non-empty cell: `coercer(d)(d, text)` is `coerce(d, text)`."""
    return _COERCE[defn.field_type]


def _string(defn: CustomFieldDef, text: str) -> str:
    return text


def _boolean(defn: CustomFieldDef, text: str) -> bool:
    folded = text.casefold()
    if folded in _TRUE:
        return True
    if folded in _FALSE:
        return False
    raise ValueError(f"{text!r} is not a yes/no value (use true/false, yes/no or 1/0)")


def _multi(defn: CustomFieldDef, text: str) -> list[str]:
    parts = [p.strip() for p in re.split(r"[;|]" if (";" in text or "|" in text) else ",", text)]
    values: list[str] = []
    for part in parts:
        if part:
            option = _option(defn, part)
            if option not in values:
                values.append(option)
    return values


def _number(defn: CustomFieldDef, text: str) -> int | float:
    if text.isascii() and text.isdigit():
        return int(text)
    if not _NUMBER.fullmatch(text):
        raise ValueError(f"{text!r} is not a number")
    plain = text.replace(",", "")
    if "." not in plain and "e" not in plain.lower():
        return int(plain)
    value = float(plain)
    if not math.isfinite(value):
        raise ValueError(f"{text!r} is not a number")
    return int(value) if value.is_integer() and abs(value) < 2**53 else value


def _date(defn: CustomFieldDef, text: str) -> str:
    m = _DMY_OR_MDY.fullmatch(text)
    if m is not None:
        a, b, year = int(m.group(1)), int(m.group(2)), int(m.group(3))
        candidates = set()
        for day, month in ((a, b), (b, a)):
            with contextlib.suppress(ValueError):
                candidates.add(date(year, month, day))
        if len(candidates) == 1:
            return candidates.pop().isoformat()
        if len(candidates) > 1:
            raise ValueError(f"{text!r} is ambiguous (day/month or month/day?); write dates as YYYY-MM-DD")
        raise ValueError(f"{text!r} is not a valid date")
    try:
        return datetime.fromisoformat(text).date().isoformat()
    except ValueError:
        pass
    for fmt in _DATE_FORMATS:
        try:
            return datetime.strptime(text, fmt).date().isoformat()
        except ValueError:
            continue
    raise ValueError(f"{text!r} is not a date (write dates as YYYY-MM-DD)")


def _option(defn: CustomFieldDef, text: str) -> str:
    folded = text.casefold()
    for option in defn.options:
        if option.strip().casefold() == folded:
            return option
    shown = ", ".join(defn.options[:10]) + (", …" if len(defn.options) > 10 else "")
    raise ValueError(f"{text!r} is not one of the options ({shown})")


_COERCE = {
    FieldType.STRING: _string,
    FieldType.NUMBER: _number,
    FieldType.BOOLEAN: _boolean,
    FieldType.DATE: _date,
    FieldType.DROPDOWN: _option,
    FieldType.MULTI_SELECT: _multi,
}
