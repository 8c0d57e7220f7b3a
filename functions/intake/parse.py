"""The streaming intake parser: bytes in, validated canonical `Row`s out.

File-level problems raise `FileRejected` (most from the constructor, which reads only the
sample and the header; TOO_MANY_ROWS, FILE_TOO_LARGE and NO_DATA_ROWS while streaming).
Row-level problems never raise: they set `Row.error`. Rows are numbered 1, 2, … in file
order counting data rows only: the header and blank lines take no number, so a row's
number is its position in the results CSV, not its line in the file.

Decisions worth knowing: NUL bytes are stripped with a file warning when there are a few
(at most detect.MAX_STRAY_NULS in the sample, or past it), and the file is BINARY_FILE
when there are more; a row whose only extra cells are empty (a trailing delimiter) is not
malformed, nor is a header whose trailing names are empty; a row that is entirely empty
or whitespace is a blank line, not a row.
"""

from __future__ import annotations

import csv
import re
import unicodedata
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from operator import itemgetter
from typing import Any, BinaryIO

from functions.common.canonical import (
    canonical_email,
    country_iso2,
    domain_facts,
    e164_phone,
    fill_name_parts,
    normalise_linkedin_url,
)
from functions.common.errors import FileRejected
from functions.common.rows import Reason, Row
from functions.intake.custom_fields import CustomFieldDef, coerce
from functions.intake.detect import LineSource, open_text
from functions.intake.mapping import CUSTOM_PREFIX, MappingDoc, plan_columns

MAX_CELL_CHARS = 16 << 20
# A record spanning this many lines is a quote that was never closed, not a real cell.
MAX_RECORD_LINES = 1000

# csv's limit is process-wide; 128 KB would turn one long notes cell into a crash.
if csv.field_size_limit() < MAX_CELL_CHARS:
    csv.field_size_limit(MAX_CELL_CHARS)

# Fields copied as trimmed text; the others get their own treatment in Intake._row.
_SPECIAL = frozenset(("email", "company_domain", "phone", "mobile", "linkedin_url", "owner_email", "tags"))
_TAG_SPLIT = re.compile(r"[,;]")
_LOOKS_EMAIL = re.compile(r"[^@\s<>]+@[^@\s<>]+\.[A-Za-z]{2,}")
_LOOKS_URL = re.compile(r"(?:https?://|www\.)\S+", re.IGNORECASE)
_LOOKS_NUMBER = re.compile(r"[+\-]?[\d][\d\s().,/:\-]*")
_INVISIBLE = "\ufeff\u200b\u200c\u200d\u2060"


@dataclass
class IntakeOptions:
    mapping: MappingDoc | None = None
    custom_fields: dict[str, CustomFieldDef] = field(default_factory=dict)
    max_rows: int = 1_000_000
    max_bytes: int = 500 * 1024 * 1024
    default_country: str | None = None
    import_tags: list[str] = field(default_factory=list)


class Intake:
    """One uploaded file, detected and header-checked; `rows()` streams its data rows once.

    Attributes after construction: `headers` (named columns, trimmed), `encoding`,
    `delimiter`, `column_map` (column index -> standard field or `custom:<name>`; ignored
    columns are absent) and `warnings` (file-level; decoding warnings are appended when
    `rows()` finishes). Raises FileRejected for EMPTY_FILE, BINARY_FILE, UNDECODABLE,
    FILE_TOO_LARGE, NO_HEADER, HEADER_LOOKS_LIKE_DATA, EMPTY_HEADER, DUPLICATE_HEADER,
    INVALID_MAPPING and NO_EMAIL_COLUMN.
    """

    def __init__(self, stream: BinaryIO, options: IntakeOptions, size: int | None = None) -> None:
        self.options = options
        detected, source = open_text(stream, options.max_bytes, size)
        self._source: LineSource = source
        self.encoding: str = detected.encoding.name
        self.delimiter: str = detected.dialect.delimiter
        self.warnings: list[str] = list(detected.warnings)
        lines = iter(source)
        for _ in range(detected.skip_lines):
            next(lines, None)
        self._reader = detected.dialect.reader(lines)
        self._consumed = False

        cells = self._header_cells()
        self._width = len(cells)
        self.headers: list[str] = _check_header(cells)
        plan = plan_columns(self.headers, options.mapping, options.custom_fields)
        self.column_map: dict[int, str] = plan.column_map
        self.warnings.extend(plan.warnings)
        if "email" not in self.column_map.values():
            shown = ", ".join(repr(h) for h in self.headers[:20])
            raise FileRejected(
                "NO_EMAIL_COLUMN",
                f"No column holds email addresses (the columns are {shown}). Name the email column "
                "'Email', or map it to the email field.",
            )
        self._compile(plan.domain_fallbacks)

    # ---------------------------------------------------------------- header

    def _header_cells(self) -> list[str]:
        try:
            for cells in self._reader:
                if "".join(cells).strip():
                    return cells
        except csv.Error as exc:
            raise FileRejected(
                "NO_HEADER", f"The header row could not be read ({exc}); check the first line."
            ) from None
        raise FileRejected(
            "NO_HEADER",
            "The file has no header row: it holds only empty lines or delimiters. The first line must "
            "name the columns (e.g. Email, First Name, Last Name).",
        )

    # ---------------------------------------------------------------- plan

    def _compile(self, domain_fallbacks: tuple[int, ...]) -> None:
        """Turn the column map into flat index lists so the per-row loop does no lookups."""
        self._n = len(self.headers)
        self._plain: list[tuple[int, str]] = []
        self._special: dict[str, int] = {}
        self._custom_text: list[tuple[int, str]] = []
        self._custom_typed: list[tuple[int, str, CustomFieldDef]] = []
        defs = self.options.custom_fields
        for index, target in self.column_map.items():
            if target.startswith(CUSTOM_PREFIX):
                name = target[len(CUSTOM_PREFIX) :]
                if name in defs:
                    self._custom_typed.append((index, name, defs[name]))
                else:
                    self._custom_text.append((index, name))
            elif target in _SPECIAL:
                self._special[target] = index
            else:
                self._plain.append((index, target))
        self._plain_names = [name for _, name in self._plain]
        self._plain_get = _getter([index for index, _ in self._plain])
        self._custom_keys = [key for _, key in self._custom_text]
        self._custom_get = _getter([index for index, _ in self._custom_text])
        self._phones = [(name, self._special[name]) for name in ("phone", "mobile") if name in self._special]
        self._domain_fallbacks = domain_fallbacks
        self._domain_col = self._special.get("company_domain", -1)
        self._linkedin_col = self._special.get("linkedin_url", -1)
        self._owner_col = self._special.get("owner_email", -1)
        self._tags_col = self._special.get("tags", -1)
        self._default_region = country_iso2(self.options.default_country)
        if self.options.default_country and self._default_region is None:
            self.warnings.append(
                f"The default country {self.options.default_country!r} is not recognised; phone numbers "
                "without a country code are kept as given."
            )
        self._import_tags = _dedupe_tags(self.options.import_tags)

    # ---------------------------------------------------------------- rows

    def rows(self) -> Iterator[Row]:
        """The data rows, in file order. Can be iterated once."""
        if self._consumed:
            raise RuntimeError("Intake.rows() can be iterated only once")
        self._consumed = True
        reader = self._reader
        max_rows = self.options.max_rows
        number = 0
        build = self._row
        line = reader.line_num
        # Each row is held back until the next one is read: only at the end of the file can
        # a quote that never closed be told apart from a cell that legitimately ends a line.
        pending: Row | None = None
        pending_cells: list[str] = []
        pending_line = 0
        try:
            for cells in reader:
                start, line = line, reader.line_num
                if not cells or not "".join(cells).strip():
                    continue
                number += 1
                if number > max_rows:
                    if pending is not None:
                        yield pending
                    raise FileRejected(
                        "TOO_MANY_ROWS",
                        f"The file has more than {max_rows:,} data rows; split it into files of at most "
                        f"{max_rows:,} rows and import them one at a time.",
                    )
                if line - start > MAX_RECORD_LINES:
                    row = _malformed(
                        number,
                        cells,
                        f"a quoted cell starting on line {start + 1} runs on for {line - start:,} lines; "
                        'a closing quote (") is probably missing',
                    )
                else:
                    row = build(number, cells, start + 1)
                if pending is not None:
                    yield pending
                pending, pending_cells, pending_line = row, cells, start + 1
        except csv.Error as exc:
            raise FileRejected(
                "MALFORMED_FILE",
                f"The file could not be read past line {reader.line_num:,} ({exc}); a cell there is larger "
                f'than {MAX_CELL_CHARS >> 20} MB, usually because a quote (") is never closed.',
            ) from None
        if pending is not None:
            if pending.error != Reason.MALFORMED_ROW and pending_cells[-1].endswith(("\n", "\r")):
                pending = _malformed(
                    pending.number,
                    pending_cells,
                    f'a quote (") opened on line {pending_line} is never closed, so the rest of the file '
                    "ended up in this row; close the quote and re-upload",
                )
            yield pending
        self.warnings.extend(self._source.finish_warnings())
        if number == 0:
            raise FileRejected(
                "NO_DATA_ROWS",
                "The file has a header row but no data rows; add at least one contact below it.",
            )

    def _row(self, number: int, cells: list[str], line: int) -> Row:
        n = self._n
        if len(cells) != n and not (len(cells) > n and not "".join(cells[n:]).strip()):
            hint = ""
            if any("\n" in c or "\r" in c for c in cells):
                hint = '; a cell spans several lines, so a quote (") may be missing its closing quote'
            return _malformed(number, cells, f"expected {n} fields, found {len(cells)} (line {line}){hint}")

        fields: dict[str, Any] = {
            name: value
            for name, value in zip(self._plain_names, map(str.strip, self._plain_get(cells)), strict=True)
            if value
        }
        if not "".join(fields.values()).isascii():
            fields = {name: unicodedata.normalize("NFC", value) for name, value in fields.items()}
        warnings: list[str] = []
        errors: list[tuple[Reason, str]] = []
        index = self._special["email"]
        value = cells[index].strip()
        email: str | None = None
        if not value:
            errors.append(
                (
                    Reason.MISSING_EMAIL,
                    f"the {self.headers[index]!r} cell is empty; every row needs an email address",
                )
            )
        else:
            try:
                email = canonical_email(value)
                fields["email"] = email
            except ValueError as exc:
                errors.append((Reason.INVALID_EMAIL, str(exc)))

        domain = self._company_domain(cells, email, warnings)
        if domain is not None:
            fields["company_domain"] = domain

        fill_name_parts(fields)

        for name, index in self._phones:
            if value := cells[index].strip():
                fields[name] = self._phone(value, fields.get("country"), warnings)

        index = self._linkedin_col
        if index >= 0 and (value := cells[index].strip()):
            try:
                fields["linkedin_url"] = normalise_linkedin_url(value)
            except ValueError as exc:
                fields["linkedin_url"] = value
                warnings.append(f"linkedin_url: {exc}; kept as given")

        index = self._owner_col
        if index >= 0 and (value := cells[index].strip()):
            try:
                fields["owner_email"] = canonical_email(value)
            except ValueError as exc:
                warnings.append(f"owner_email ignored: {exc}")

        index = self._tags_col
        raw_tags = cells[index].strip() if index >= 0 else ""
        tags = _dedupe_tags(_TAG_SPLIT.split(raw_tags), self._import_tags) if raw_tags else self._import_tags
        if tags:
            fields["tags"] = list(tags)

        custom: dict[str, Any] = {
            key: value
            for key, value in zip(self._custom_keys, map(str.strip, self._custom_get(cells)), strict=True)
            if value
        }
        if not "".join(custom.values()).isascii():
            custom = {key: unicodedata.normalize("NFC", value) for key, value in custom.items()}
        for index, key, defn in self._custom_typed:
            try:
                typed = coerce(defn, cells[index])
            except ValueError as exc:
                errors.append(
                    (Reason.INVALID_FIELD_VALUE, f"custom field {key!r} ({defn.field_type}): {exc}")
                )
                continue
            if typed is not None and typed != []:
                custom[key] = typed

        row = Row(number, cells, fields, custom, warnings=warnings)
        if errors:
            row.error = errors[0][0]
            row.error_detail = "; ".join(detail for _, detail in errors)
        return row

    def _company_domain(self, cells: list[str], email: str | None, warnings: list[str]) -> str | None:
        """The registrable domain from the domain column, else a website column, else the email."""
        index = self._domain_col
        if index >= 0 and (value := cells[index].strip()):
            domain, free = domain_facts(value)
            if domain is None:
                warnings.append(f"company_domain: {value!r} is not a domain or website; ignored")
            elif free:
                warnings.append(
                    f"company_domain: {domain!r} is a free-mail provider, not a company domain; ignored"
                )
            else:
                return domain
        for index in self._domain_fallbacks:
            if value := cells[index].strip():
                domain, free = domain_facts(value)
                if domain is not None and not free:
                    return domain
        if email is not None:
            domain, free = domain_facts(email[email.rfind("@") + 1 :])
            if domain is not None and not free:
                return domain
        return None

    def _phone(self, value: str, country: str | None, warnings: list[str]) -> str:
        region = country_iso2(country) if country else None
        region = region or self._default_region
        if region is None and not value.startswith(("+", "00")):
            return value  # no country to read it against; kept as given, not guessed
        try:
            return e164_phone(value, region)
        except ValueError as exc:
            warnings.append(f"phone: {exc}; kept as given")
            return value


def _getter(indexes: list[int]) -> Callable[[list[str]], Sequence[str]]:
    """The cells at `indexes`, as a sequence, in one C-level call."""
    if not indexes:
        return lambda cells: ()
    if len(indexes) == 1:
        only = indexes[0]
        return lambda cells: (cells[only],)
    return itemgetter(*indexes)


def _malformed(number: int, cells: list[str], detail: str) -> Row:
    return Row(number, cells, error=Reason.MALFORMED_ROW, error_detail=detail)


def _dedupe_tags(*groups: list[str]) -> list[str]:
    seen: set[str] = set()
    out: list[str] = []
    for group in groups:
        for tag in group:
            tag = tag.strip()
            if tag and tag.casefold() not in seen:
                seen.add(tag.casefold())
                out.append(tag)
    return out


def _check_header(cells: list[str]) -> list[str]:
    """The trimmed header names, or FileRejected for a header that cannot name the columns."""
    names = [c.strip().strip(_INVISIBLE).strip() for c in cells]
    # Trailing unnamed columns are what spreadsheets leave after the last real column (a
    # trailing delimiter); they hold nothing, so they are dropped rather than rejected.
    while names and not names[-1]:
        names.pop()
    for position, name in enumerate(names, start=1):
        if not name:
            after = f" (after {names[position - 2]!r})" if position > 1 else ""
            raise FileRejected(
                "EMPTY_HEADER",
                f"Column {position}{after} has no name in the header row; give every column a name, "
                "or delete the column.",
            )
    for position, name in enumerate(names, start=1):
        if _LOOKS_EMAIL.fullmatch(name) or _LOOKS_URL.fullmatch(name):
            raise FileRejected(
                "HEADER_LOOKS_LIKE_DATA",
                f"The first row looks like data, not column names (column {position} is {name!r}). Add a "
                "header row naming the columns (e.g. Email, First Name, Last Name, Company) as the first line.",
            )
    numeric = sum(1 for name in names if _LOOKS_NUMBER.fullmatch(name))
    if len(names) > 1 and numeric * 2 > len(names):
        raise FileRejected(
            "HEADER_LOOKS_LIKE_DATA",
            "The first row looks like data, not column names (most of its cells are numbers). Add a header "
            "row naming the columns (e.g. Email, First Name, Last Name, Company) as the first line.",
        )
    positions: dict[str, list[int]] = {}
    for position, name in enumerate(names, start=1):
        positions.setdefault(name.casefold(), []).append(position)
    duplicates = [(names[p[0] - 1], p) for p in positions.values() if len(p) > 1]
    if duplicates:
        listed = "; ".join(f"{name!r} in columns {', '.join(map(str, p))}" for name, p in duplicates)
        raise FileRejected(
            "DUPLICATE_HEADER",
            f"Column names must be unique, but these repeat: {listed}. Rename or remove the duplicates.",
        )
    return names
