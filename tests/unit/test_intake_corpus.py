"""The bad-input corpus (tests/corpus/make_corpus.py): each file's exact outcome, never a traceback."""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from typing import Any

import pytest

from functions.common.errors import FileRejected
from functions.intake.duplicates import InFileDuplicates
from functions.intake.parse import Intake, IntakeOptions
from tests.corpus.make_corpus import CASES, build

OK = "ok"
MALFORMED = "MALFORMED_ROW"


@dataclass(frozen=True)
class Rows:
    statuses: list[str]
    encoding: str = "utf-8"
    delimiter: str = ","
    fields: dict[int, dict[str, Any]] = field(default_factory=dict)  # row number -> expected fields
    custom: dict[int, dict[str, Any]] = field(default_factory=dict)
    warning: str | None = None  # a file warning must contain this
    twins: dict[int, list[int]] | None = None


@dataclass(frozen=True)
class Rejected:
    code: str
    says: str  # the message must contain this


EXPECTED: dict[str, Rows | Rejected] = {
    "utf8_plain.csv": Rows([OK] * 3, fields={3: {"company_domain": "initech.co.uk", "first_name": "Cara"}}),
    "utf8_bom_crlf.csv": Rows([OK], encoding="utf-8-sig", fields={1: {"email": "zoë@acme.com", "last_name": "Ærø"}}),
    "utf16le_bom_tab.txt": Rows([OK] * 3, encoding="utf-16-le", delimiter="\t",
                                fields={1: {"first_name": "José", "last_name": "Müller"}}),
    "utf16be_bom_tab.txt": Rows([OK], encoding="utf-16-be", delimiter="\t", fields={1: {"last_name": "Müller"}}),
    "utf16le_no_bom.csv": Rows([OK] * 2, encoding="utf-16-le", warning="without a byte-order mark"),
    "cp1252_accents.csv": Rows([OK] * 2, encoding="cp1252", warning="not UTF-8",
                               fields={2: {"first_name": "François", "last_name": "Lefèvre", "company_name": "Crème"}}),
    "cp1252_after_sample.csv": Rows([OK] * 30001, warning="read as Windows-1252",
                                    fields={30001: {"first_name": "José", "last_name": "García"}}),
    "mojibake.csv": Rows([OK], warning="double-encoded"),
    "semicolon.csv": Rows([OK] * 2, delimiter=";", fields={1: {"company_name": "Acme; Inc", "first_name": "Ann"}},
                          custom={1: {"Revenue": "1,5"}}),
    "tab.tsv": Rows([OK] * 3, delimiter="\t"),
    "pipe.csv": Rows([OK] * 3, delimiter="|"),
    "quoted_newlines.csv": Rows([OK] * 2, fields={2: {"first_name": "Bob", "last_name": "Stone"}},
                                custom={1: {"Notes": "line one\nline two, with a comma"}, 2: {"Notes": 'said "hi"'}}),
    "escaped_quotes.csv": Rows([OK], fields={1: {"company_name": 'The "Best" Company'}}),
    "crlf.csv": Rows([OK] * 3),
    "cr_only.csv": Rows([OK] * 3, fields={3: {"email": "cara@initech.co.uk"}}),
    "excel_sep_line.csv": Rows([OK], delimiter=";", fields={1: {"company_name": "Acme, Inc"}}),
    "trailing_delimiters.csv": Rows([OK] * 2),
    "blank_lines.csv": Rows([OK] * 2, fields={2: {"email": "bob@globex.io"}}),
    "ragged_rows.csv": Rows([OK, MALFORMED, MALFORMED, OK]),
    "unclosed_quote.csv": Rows([OK, MALFORMED]),
    "invalid_emails.csv": Rows([OK, OK, "MISSING_EMAIL", "INVALID_EMAIL", "INVALID_EMAIL", "INVALID_EMAIL"],
                               fields={1: {"email": "ann@acme.com"}, 2: {"email": "bob@globex.io"}}),
    "in_file_duplicates.csv": Rows([OK] * 5, twins={1: [3, 5], 3: [1, 5], 5: [1, 3]}),
    "one_mb_cell.csv": Rows([OK] * 2),
    "nul_bytes_few.csv": Rows([OK] * 2, warning="NUL", fields={1: {"first_name": "Ann"}}),
    "empty.csv": Rejected("EMPTY_FILE", "empty"),
    "whitespace_only.csv": Rejected("EMPTY_FILE", "empty"),
    "bom_only.csv": Rejected("EMPTY_FILE", "empty"),
    "only_delimiters.csv": Rejected("NO_HEADER", "no header row"),
    "header_only.csv": Rejected("NO_DATA_ROWS", "no data rows"),
    "first_row_is_data.csv": Rejected("HEADER_LOOKS_LIKE_DATA", "Add a header row"),
    "numeric_first_row.csv": Rejected("HEADER_LOOKS_LIKE_DATA", "numbers"),
    # repeated and empty header names were rejections; real exports have them, so they are warnings now
    "duplicate_headers.csv": Rows([OK], fields={1: {"email": "a@b.com", "full_name": "A", "company_name": "C"}},
                                  custom={1: {"email (2)": "a@b.com", "Name (2)": "A"}},
                                  warning="column 3 'email' is called 'email (2)'"),
    "empty_header.csv": Rows([OK], custom={1: {"Column 2": "x"}}, warning="Column(s) 2 have no name"),
    "no_email_column.csv": Rejected("NO_EMAIL_COLUMN", "Email"),
    "nul_bytes_many.csv": Rejected("BINARY_FILE", "NUL bytes"),
    "xlsx_renamed.csv": Rejected("BINARY_FILE", "Excel workbook (.xlsx) — open it in Excel"),
    "pdf_renamed.csv": Rejected("BINARY_FILE", "PDF"),
    "gzip_renamed.csv": Rejected("BINARY_FILE", "gzip"),
    "xls_ole2_renamed.csv": Rejected("BINARY_FILE", "old Excel workbook (.xls)"),
    "png_renamed.csv": Rejected("BINARY_FILE", "PNG image"),
    "html_page.csv": Rejected("BINARY_FILE", "web page"),
    "random_binary.csv": Rejected("BINARY_FILE", "binary file"),
    "over_row_limit.csv": Rejected("TOO_MANY_ROWS", "more than 5 data rows"),
    "over_byte_limit.csv": Rejected("FILE_TOO_LARGE", "1,000 bytes limit"),
}  # fmt: skip

OPTIONS: dict[str, dict[str, Any]] = {
    "over_row_limit.csv": {"max_rows": 5},
    "over_byte_limit.csv": {"max_bytes": 1000},
}


@pytest.fixture(scope="module")
def corpus() -> dict[str, bytes]:
    return build()


def test_corpus_is_large_and_fully_described() -> None:
    assert len(CASES) >= 30
    assert set(EXPECTED) == set(CASES)


class Unseekable:
    def __init__(self, data: bytes) -> None:
        self._data = io.BytesIO(data)

    def read(self, n: int = -1) -> bytes:
        return self._data.read(n)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_corpus_file(name: str, corpus: dict[str, bytes]) -> None:
    expected = EXPECTED[name]
    options = IntakeOptions(**OPTIONS.get(name, {}))
    try:
        intake = Intake(Unseekable(corpus[name]), options)  # type: ignore[arg-type]
        rows = list(intake.rows())
    except FileRejected as exc:
        assert isinstance(expected, Rejected), f"{name} was rejected: {exc}"
        assert exc.code == expected.code
        assert expected.says in exc.message
        return
    assert isinstance(expected, Rows), f"{name} should have been rejected with {expected}"
    assert [r.error or OK for r in rows] == expected.statuses
    assert [r.number for r in rows] == list(range(1, len(rows) + 1))
    assert (intake.encoding, intake.delimiter) == (expected.encoding, expected.delimiter)
    for number, fields in expected.fields.items():
        got = rows[number - 1].fields
        assert {k: got.get(k) for k in fields} == fields
    for number, custom in expected.custom.items():
        assert rows[number - 1].custom == custom
    if expected.warning is not None:
        assert any(expected.warning in w for w in intake.warnings), intake.warnings
    for row in rows:
        if row.error:
            assert row.error_detail, f"{name} row {row.number} has no detail"
    if expected.twins is not None:
        duplicates = InFileDuplicates()
        for row in rows:
            if row.error is None and row.email:
                duplicates.add(row.number, row.email)
        assert duplicates.twins() == expected.twins
