"""The streaming intake parser: bytes in, validated canonical `Row`s out.

File-level problems raise `FileRejected` (most from the constructor, which reads only the
sample, the header and the first rows it samples to map the columns; TOO_MANY_ROWS,
FILE_TOO_LARGE, NO_EMAILS and NO_DATA_ROWS while streaming).
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
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from itertools import chain
from typing import Any, BinaryIO

from functions.common.canonical import (
    canonical_email,
    country_iso2,
    domain_facts,
    e164_of,
    fill_name_parts,
    normalise_linkedin_url,
)
from functions.common.errors import FileRejected
from functions.common.rows import Reason, Row
from functions.common.timezones import place_time_zone
from functions.common.verification import verification_status
from functions.enrich.email_match import resolvable
from functions.intake.custom_fields import CustomFieldDef, coercer
from functions.intake.detect import Dialect, LineSource, open_text
from functions.intake.mapping import CUSTOM_PREFIX, ColumnPlan, MappingDoc, plan_columns
from functions.intake.table import (
    LOOKS_EMAIL,
    LOOKS_NUMBER,
    LOOKS_URL,
    PROBE_RECORDS,
    find_header,
    is_footer,
    name_columns,
    snippet,
)

MAX_CELL_CHARS = 16 << 20
# A record spanning this many lines is a quote that was never closed, not a real cell.
MAX_RECORD_LINES = 1000

# csv's limit is process-wide; 128 KB would turn one long notes cell into a crash.
if csv.field_size_limit() < MAX_CELL_CHARS:
    csv.field_size_limit(MAX_CELL_CHARS)

# Fields copied as trimmed text; the others get their own treatment in Intake._row.
_SPECIAL = frozenset(("email", "company_domain", "phone", "mobile", "linkedin_url", "owner_email", "tags"))
# Google Contacts joins labels with " ::: "; other exporters with commas or semicolons.
_TAG_SPLIT = re.compile(r":::|[,;]")
# Characters read ahead for the header and the value samples at most.
PROBE_CHARS = 4 << 20


@dataclass
class IntakeOptions:
    mapping: MappingDoc | None = None
    custom_fields: dict[str, CustomFieldDef] = field(default_factory=dict)
    max_rows: int = 1_000_000
    max_bytes: int = 500 * 1024 * 1024
    default_country: str | None = None
    import_tags: list[str] = field(default_factory=list)
    # with no explicit mapping: the saved FieldMapping doc for a header row, if there is one
    saved_mapping: Callable[[list[str]], dict[str, Any] | None] | None = None
    # a file in which no row has an email is refused (uploads); a sync batch reports each row
    require_emails: bool = True
    # what identifies a row's contact: email, or phone / contact_id resolved to an email later
    # (functions/intake/identifiers.py); rows without an email are not errors then
    identifier: str = "email"
    # enrichment on: rows without an email but with a LinkedIn profile URL, or first + last name
    # + company domain, are looked up later (functions/enrich/email_match.py), so they neither
    # make the file NO_EMAILS nor does a file of such rows need an email column
    resolve_emails: bool = False


class Intake:
    """One uploaded file, detected and header-checked; `rows()` streams its data rows once.

    Attributes after construction: `headers` (named columns, trimmed), `encoding`,
    `delimiter`, `column_map` (column index -> standard field or `custom:<name>`; ignored
    columns are absent) and `warnings` (file-level; decoding warnings are appended when
    `rows()` finishes). Raises FileRejected for EMPTY_FILE, BINARY_FILE, UNDECODABLE,
    FILE_TOO_LARGE, NO_HEADER, HEADER_LOOKS_LIKE_DATA, INVALID_MAPPING and NO_EMAIL_COLUMN
    (NO_EMAILS, TOO_MANY_ROWS, NO_DATA_ROWS and MALFORMED_FILE while streaming). Lines before
    the header and report footers after the data are skipped with a warning; repeated and
    empty header names are named apart (see table.py). `plan` holds the column map.
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
        header_cells, data, self._line_offset, preamble, replay = _probe(detected.dialect, lines)
        self._reader = detected.dialect.reader(chain(replay, lines))
        self._consumed = False

        if preamble:
            self.warnings.append(
                f"{len(preamble)} line(s) before the header row were skipped (the header is on line "
                f"{self._line_offset}): {'; '.join(repr(p) for p in preamble[:3])}."
            )
        self._width = len(header_cells)
        self.headers, naming = _check_header(header_cells)
        self.warnings.extend(naming)
        mapping = options.mapping
        how = "given"
        if mapping is None and options.saved_mapping is not None:
            saved = options.saved_mapping(self.headers)
            if saved:
                mapping = MappingDoc.model_validate({"columns": saved["columns"]})
                how = "saved"
                self.warnings.append(
                    f"Columns mapped with the field mapping {saved.get('name')!r} ({saved['id']}) saved for "
                    "files with these headers; give a mapping to map them differently."
                )
        samples = [[cells[i] for cells in data if i < len(cells)] for i in range(len(self.headers))]
        plan = plan_columns(self.headers, mapping, options.custom_fields, samples, given_how=how)
        self.plan: ColumnPlan = plan
        self.column_map: dict[int, str] = plan.column_map
        self.warnings.extend(plan.warnings)
        self._check_identifier_column()
        self._compile(plan.domain_fallbacks)

    # ---------------------------------------------------------------- header

    def _check_identifier_column(self) -> None:
        targets = set(self.column_map.values())
        shown = ", ".join(repr(h) for h in self.headers[:20])
        more = f" and {len(self.headers) - 20} more" if len(self.headers) > 20 else ""
        identifier = self.options.identifier
        if identifier == "phone" and not targets & {"phone", "mobile"}:
            raise FileRejected(
                "NO_PHONE_COLUMN",
                f"The import identifies contacts by phone, but no column holds phone numbers (the columns "
                f"are {shown}{more}). Name the phone column 'Phone', or map it to the phone field.",
            )
        if identifier == "contact_id" and "contact_id" not in targets:
            raise FileRejected(
                "NO_CONTACT_ID_COLUMN",
                f"The import identifies contacts by contact id, but no column holds this workspace's contact "
                f"ids (the columns are {shown}{more}). Name it 'Contact ID', or map it to contact_id.",
            )
        if (
            identifier == "email"
            and "email" not in targets
            and not (
                self.options.resolve_emails
                and ("linkedin_url" in targets or {"first_name", "last_name", "company_domain"} <= targets)
            )
        ):
            raise FileRejected(
                "NO_EMAIL_COLUMN",
                f"No column holds email addresses (the columns are {shown}{more}). Name the email column "
                "'Email', or map it to the email field (a mapping file's columns, e.g. "
                '{"columns": {"Work address": "email"}}), or identify contacts by phone or contact id.',
            )

    @property
    def column_plan(self) -> list[dict[str, Any]]:
        """The column map: per source column its header, samples, target, how decided, confidence."""
        return self.plan.describe()

    # ---------------------------------------------------------------- plan

    def _compile(self, domain_fallbacks: tuple[int, ...]) -> None:
        """Turn the column map into flat index lists and build the per-row function once per file."""
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
        self._domain_fallbacks = domain_fallbacks
        self._default_region = country_iso2(self.options.default_country)
        if self.options.default_country and self._default_region is None:
            self.warnings.append(
                f"The default country {self.options.default_country!r} is not recognised; phone numbers "
                "without a country code are kept as given."
            )
        self._import_tags = _dedupe_tags(self.options.import_tags)
        self._row = self._row_builder()

    # ---------------------------------------------------------------- rows

    def rows(self) -> Iterator[Row]:
        """The data rows, in file order. Can be iterated once."""
        if self._consumed:
            raise RuntimeError("Intake.rows() can be iterated only once")
        self._consumed = True
        reader = self._reader
        max_rows = self.options.max_rows
        offset = self._line_offset  # lines up to the header; the reader counts from there
        number = 0
        missing = 0
        lookups = 0  # rows without an email that enrichment could look up
        footers: list[str] = []
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
                # a first cell with a visible character settles that the row is not blank
                if not cells or (((first := cells[0]).isspace() or not first) and not "".join(cells).strip()):
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
                        f"a quoted cell starting on line {start + 1 + offset} runs on for {line - start:,} lines; "
                        'a closing quote (") is probably missing',
                    )
                else:
                    row = build(number, cells, start + 1 + offset)
                    if row.error is not None:
                        # a report's footer ("Grand Totals", "Confidential Information") is not a row
                        if is_footer(cells, bool(footers)):
                            footers.append(snippet(cells))
                            number -= 1
                            continue
                        if row.error == Reason.MISSING_EMAIL:
                            can = resolvable(row)
                            if not (can and self.options.resolve_emails):
                                missing += 1
                                lookups += can
                if pending is not None:
                    yield pending
                pending, pending_cells, pending_line = row, cells, start + 1 + offset
        except csv.Error as exc:
            raise FileRejected(
                "MALFORMED_FILE",
                f"The file could not be read past line {reader.line_num + offset:,} ({exc}); a cell there is "
                f'larger than {MAX_CELL_CHARS >> 20} MB, usually because a quote (") is never closed.',
            ) from None
        if pending is not None:
            if pending.error != Reason.MALFORMED_ROW and pending_cells[-1].endswith(("\n", "\r")):
                pending = _malformed(
                    pending.number,
                    pending_cells,
                    f'a quote (") opened on line {pending_line} is never closed, so the rest of the file '
                    "ended up in this row; close the quote and re-upload",
                )
            if (
                number
                and missing == number
                and self.options.require_emails
                and self.options.identifier == "email"
            ):
                raise FileRejected("NO_EMAILS", self._no_emails(number, lookups))
            yield pending
        self.warnings.extend(self._source.finish_warnings())
        if footers:
            self.warnings.append(
                f"{len(footers)} line(s) after the data are a report footer and were skipped: "
                f"{'; '.join(repr(f) for f in footers[:3])}."
            )
        if number == 0:
            raise FileRejected(
                "NO_DATA_ROWS",
                "The file has a header row but no data rows; add at least one contact below it.",
            )

    def _no_emails(self, rows: int, lookups: int = 0) -> str:
        column = self._special.get("email", -1)
        where = (
            f"the {self.headers[column]!r} column is empty in every row"
            if column >= 0
            else "the file has no email column"
        )
        shown = ", ".join(repr(h) for h in self.headers[:20])
        more = f" and {len(self.headers) - 20} more" if len(self.headers) > 20 else ""
        hint = (
            f" {lookups:,} of them have a LinkedIn profile URL or a name and company domain: import with "
            "enrichment on (--enrich, API option `enrich`) to look their emails up."
            if lookups
            else ""
        )
        return (
            f"None of the {rows:,} rows has an email address: {where} "
            f"(the columns are {shown}{more}). Every contact needs an email address: fill that column, or "
            f"map the column that holds the email addresses to the email field.{hint}"
        )

    def _row_builder(self) -> Callable[[int, list[str], int], Row]:
        """The function that turns one record's cells into a `Row`, specialised to this file.

        Everything that depends only on the header (column positions, which steps apply,
        messages) is settled here, once, so that the per-row function does no lookups on
        `self` and skips the steps this file has no column for. The order in which fields,
        warnings and errors are added is part of the output (chunk lines are compared byte
        for byte), so it must not change.
        """
        n = self._n
        special = self._special
        plain = tuple(self._plain)
        plain_names = frozenset(name for _, name in plain)
        email_col = special.get("email", -1)  # absent only when rows are identified by phone or contact id
        email_required = self.options.identifier == "email"
        missing_email = (
            f"the {self.headers[email_col]!r} cell is empty; every row needs an email address"
            if email_col >= 0
            else "the file has no email column"
        )
        domain_col = special.get("company_domain", -1)
        domain_fallbacks = self._domain_fallbacks
        phones = tuple((name, special[name]) for name in ("phone", "mobile") if name in special)
        linkedin_col = special.get("linkedin_url", -1)
        owner_col = special.get("owner_email", -1)
        tags_col = special.get("tags", -1)
        import_tags = tuple(self._import_tags)
        custom_text = tuple(self._custom_text)
        custom_typed = tuple((index, key, defn, coercer(defn)) for index, key, defn in self._custom_typed)
        # fill_name_parts changes nothing unless a full name or a last name can be present
        split_names = "full_name" in plain_names or "last_name" in plain_names
        default_region = self._default_region
        # country normalisation and time zones apply only to files with a place column
        locate = not plain_names.isdisjoint(("city", "state", "country", "time_zone"))
        verify = "verification_status" in plain_names
        nfc = unicodedata.normalize
        # memos of values that repeat down a column; cleared when they grow past _MEMO_MAX
        regions: dict[str | None, tuple[str | None, str | None]] = {}
        tag_lists: dict[str, tuple[str, ...]] = {}
        places: dict[tuple[Any, ...], tuple[str | None, str | None, tuple[str, ...]]] = {}

        def phone_regions(country: str | None) -> tuple[str | None, str | None]:
            """(the region a phone is read in, the region e164_phone passes on) for a country cell."""
            region = (country_iso2(country) if country else None) or default_region
            found = regions[country] = (region, country_iso2(region) if region else None)
            return found

        def build(number: int, cells: list[str], line: int) -> Row:
            if len(cells) != n and not (len(cells) > n and not "".join(cells[n:]).strip()):
                hint = ""
                if any("\n" in c or "\r" in c for c in cells):
                    hint = '; a cell spans several lines, so a quote (") may be missing its closing quote'
                return _malformed(
                    number, cells, f"expected {n} fields, found {len(cells)} (line {line}){hint}"
                )

            fields: dict[str, Any] = {}
            for index, name in plain:
                if value := cells[index].strip():
                    fields[name] = value
            if not "".join(fields.values()).isascii():
                for name, value in fields.items():  # values replaced in place: the key order stays
                    if not value.isascii():
                        fields[name] = nfc("NFC", value)
            warnings: list[str] = []
            error: str | None = None
            detail: str | None = None

            value = cells[email_col].strip() if email_col >= 0 else ""
            email: str | None = None
            if not value:
                if email_required:
                    error, detail = Reason.MISSING_EMAIL, missing_email
            else:
                try:
                    email = fields["email"] = canonical_email(value)
                except ValueError as exc:
                    error, detail = Reason.INVALID_EMAIL, str(exc)

            # company_domain: the domain column, else a website column, else the email's domain
            domain: str | None = None
            if domain_col >= 0 and (value := cells[domain_col].strip()):
                found, free = domain_facts(value)
                if found is None:
                    warnings.append(f"company_domain: {value!r} is not a domain or website; ignored")
                elif free:
                    warnings.append(
                        f"company_domain: {found!r} is a free-mail provider, not a company domain; ignored"
                    )
                else:
                    domain = found
            if domain is None:
                for index in domain_fallbacks:
                    if value := cells[index].strip():
                        found, free = domain_facts(value)
                        if found is not None and not free:
                            domain = found
                            break
                else:
                    if email is not None:
                        found, free = domain_facts(email[email.rfind("@") + 1 :])
                        if found is not None and not free:
                            domain = found
            if domain is not None:
                fields["company_domain"] = domain

            # fill_name_parts changes nothing unless there is a last name with a space in it, or
            # neither a first nor a last name: the same call, skipped when it would do nothing
            if split_names and (
                ((last := fields.get("last_name")) is None and "first_name" not in fields)
                or (last is not None and " " in last)
            ):
                fill_name_parts(fields)

            if phones:
                known: tuple[str | None, str | None] | None = None
                for name, index in phones:
                    if value := cells[index].strip():
                        if value[0] == "'":  # Excel's text marker: "'+44 20 7946 0958"
                            value = value.lstrip("' ")
                            if not value:
                                continue
                        if known is None:
                            country = fields.get("country")
                            known = regions.get(country)
                            if known is None:
                                if len(regions) >= _MEMO_MAX:
                                    regions.clear()
                                known = phone_regions(country)
                        if known[0] is None and not value.startswith(("+", "00")):
                            fields[name] = value  # no country to read it against; kept, not guessed
                            continue
                        try:
                            fields[name] = e164_of(value, known[1])
                        except ValueError as exc:
                            warnings.append(f"phone: {exc}; kept as given")
                            fields[name] = value

            if locate:
                # a file repeats a few places: one look-up per distinct (country, city, state, time zone)
                place_key = (
                    fields.get("country"),
                    fields.get("city"),
                    fields.get("state"),
                    fields.get("time_zone"),
                )
                place_found = places.get(place_key)
                if place_found is None:
                    if len(places) >= _MEMO_MAX:
                        places.clear()
                    place_probe = {
                        k: v
                        for k, v in zip(("country", "city", "state", "time_zone"), place_key, strict=True)
                        if v
                    }
                    told: list[str] = []
                    place_zone = place_time_zone(place_probe, told)
                    place_found = places[place_key] = (
                        place_probe.get("country"),
                        place_zone,
                        tuple(told),
                    )
                place_country, place_zone, place_said = place_found
                if place_country is not None:
                    fields["country"] = place_country
                if place_zone is not None:
                    fields["time_zone"] = place_zone
                elif place_key[3] is not None:
                    del fields["time_zone"]
                if place_said:
                    warnings.extend(place_said)

            if verify and (given_status := fields.get("verification_status")) is not None:
                status = verification_status(given_status)
                if status is None:
                    del fields["verification_status"]
                    warnings.append(
                        f"verification_status: {given_status!r} is not valid, invalid, risky, unknown or unverified; ignored"
                    )
                else:
                    fields["verification_status"] = status

            if linkedin_col >= 0 and (value := cells[linkedin_col].strip()):
                try:
                    fields["linkedin_url"] = normalise_linkedin_url(value)
                except ValueError as exc:
                    fields["linkedin_url"] = value
                    warnings.append(f"linkedin_url: {exc}; kept as given")

            if owner_col >= 0 and (value := cells[owner_col].strip()):
                try:
                    fields["owner_email"] = canonical_email(value)
                except ValueError as exc:
                    warnings.append(f"owner_email ignored: {exc}")

            if tags_col >= 0 and (value := cells[tags_col].strip()):
                tags = tag_lists.get(value)
                if tags is None:
                    if len(tag_lists) >= _MEMO_MAX:
                        tag_lists.clear()
                    tags = tag_lists[value] = tuple(_dedupe_tags(_TAG_SPLIT.split(value), import_tags))
                if tags:
                    fields["tags"] = list(tags)
            elif import_tags:
                fields["tags"] = list(import_tags)

            custom: dict[str, Any] = {}
            if custom_text:
                for index, key in custom_text:
                    if value := cells[index].strip():
                        custom[key] = value
                if not "".join(custom.values()).isascii():
                    for key, value in custom.items():
                        if not value.isascii():
                            custom[key] = nfc("NFC", value)
            for index, key, defn, convert in custom_typed:
                if not (value := cells[index].strip()):
                    continue
                try:
                    typed = convert(defn, value)
                except ValueError as exc:
                    problem = f"custom field {key!r} ({defn.field_type}): {exc}"
                    if error is None:
                        error, detail = Reason.INVALID_FIELD_VALUE, problem
                    else:
                        detail = f"{detail}; {problem}"
                    continue
                if typed is not None and typed != []:
                    custom[key] = typed

            return Row(number, cells, fields, custom, error, detail, warnings)

        return build


# Entries in each per-file memo before it is emptied: repeated values (a country, a tag list)
# hit it; a column of distinct values costs one clear per this many rows.
_MEMO_MAX = 4096


def _malformed(number: int, cells: list[str], detail: str) -> Row:
    return Row(number, cells, error=Reason.MALFORMED_ROW, error_detail=detail)


def _dedupe_tags(*groups: Iterable[str]) -> list[str]:
    seen: set[str] = set()
    out: list[str] = []
    for group in groups:
        for tag in group:
            # Mailchimp quotes each tag inside the cell; Google marks its system groups "* myContacts"
            tag = tag.strip().strip('"').removeprefix("* ").strip()
            if tag and tag.casefold() not in seen:
                seen.add(tag.casefold())
                out.append(tag)
    return out


def _probe(
    dialect: Dialect, lines: Iterator[str]
) -> tuple[list[str], list[list[str]], int, list[str], list[str]]:
    """Read ahead to find the header: (header cells, sampled data records, lines through the
    header, the skipped preamble lines, the lines to replay after the header).

    The lines read are recorded and handed back, so the data records after the header are
    parsed again by the row reader; the probe stops at PROBE_RECORDS records or PROBE_CHARS
    characters, so a quote that never closes cannot pull the whole file into memory.
    """
    recorded: list[str] = []
    budget = [PROBE_CHARS]

    def tap() -> Iterator[str]:
        for line in lines:
            recorded.append(line)
            yield line
            budget[0] -= len(line)
            if budget[0] <= 0:
                return

    records: list[tuple[list[str], int]] = []
    reader = dialect.reader(tap())
    try:
        for cells in reader:
            if "".join(cells).strip():
                records.append((cells, len(recorded)))
                if len(records) > PROBE_RECORDS:
                    break
    except csv.Error as exc:
        if not records:
            raise FileRejected(
                "NO_HEADER", f"The header row could not be read ({exc}); check the first line."
            ) from None
    if not records:
        raise FileRejected(
            "NO_HEADER",
            "The file has no header row: it holds only empty lines or delimiters. The first line must "
            "name the columns (e.g. Email, First Name, Last Name).",
        )
    at = find_header([cells for cells, _ in records])
    header, consumed = records[at]
    preamble = [snippet(cells) for cells, _ in records[:at]]
    data = [cells for cells, _ in records[at + 1 :] if not is_footer(cells, False)]
    return header, data, consumed, preamble, recorded[consumed:]


def _check_header(cells: list[str]) -> tuple[list[str], list[str]]:
    """The header names (made unique, empty ones named by position) and warnings about them,
    or FileRejected for a first row that is data rather than names."""
    names, warnings = name_columns(cells)
    for position, name in enumerate(names, start=1):
        if LOOKS_EMAIL.fullmatch(name) or LOOKS_URL.fullmatch(name):
            raise FileRejected(
                "HEADER_LOOKS_LIKE_DATA",
                f"The first row looks like data, not column names (column {position} is {name!r}). Add a "
                "header row naming the columns (e.g. Email, First Name, Last Name, Company) as the first line.",
            )
    numeric = sum(1 for name in names if LOOKS_NUMBER.fullmatch(name))
    if len(names) > 1 and numeric * 2 > len(names):
        raise FileRejected(
            "HEADER_LOOKS_LIKE_DATA",
            "The first row looks like data, not column names (most of its cells are numbers). Add a header "
            "row naming the columns (e.g. Email, First Name, Last Name, Company) as the first line.",
        )
    return names, warnings
