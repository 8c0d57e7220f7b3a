"""The bad-input corpus for Intake: every file a real upload has sent us, or could.

    python tests/corpus/make_corpus.py [DIR]    # writes the files (default: a new temp dir)

`build()` returns {file name: bytes}; tests/unit/test_intake_corpus.py holds what Intake
must make of each (a rejection code, or each row's status). Files are generated rather
than committed so the binary ones stay reviewable as code.
"""

from __future__ import annotations

import codecs
import gzip
import io
import sys
import tempfile
import zipfile
from collections.abc import Callable
from pathlib import Path

HEADER = "Email,First Name,Last Name,Company"
ROWS = [
    "ann@acme.com,Ann,Lee,Acme",
    "bob@globex.io,Bob,Stone,Globex",
    "cara@initech.co.uk,Cara,Diaz,Initech",
]


def _csv(lines: list[str], newline: str = "\n", encoding: str = "utf-8") -> bytes:
    return (newline.join(lines) + newline).encode(encoding)


def _xlsx() -> bytes:
    """A real (tiny) Excel workbook: what a .xlsx renamed to .csv looks like."""
    parts = {
        "[Content_Types].xml": (
            '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
            '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
            '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
            '<Default Extension="xml" ContentType="application/xml"/>'
            '<Override PartName="/xl/workbook.xml" '
            'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
            '<Override PartName="/xl/worksheets/sheet1.xml" '
            'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
            "</Types>"
        ),
        "_rels/.rels": (
            '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
            '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
            '<Relationship Id="rId1" '
            'Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" '
            'Target="xl/workbook.xml"/></Relationships>'
        ),
        "xl/workbook.xml": (
            '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
            '<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
            'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
            '<sheets><sheet name="Contacts" sheetId="1" r:id="rId1"/></sheets></workbook>'
        ),
        "xl/_rels/workbook.xml.rels": (
            '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
            '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
            '<Relationship Id="rId1" '
            'Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" '
            'Target="worksheets/sheet1.xml"/></Relationships>'
        ),
        "xl/worksheets/sheet1.xml": (
            '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
            '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>'
            '<row r="1"><c r="A1" t="inlineStr"><is><t>Email</t></is></c></row>'
            '<row r="2"><c r="A2" t="inlineStr"><is><t>ann@acme.com</t></is></c></row>'
            "</sheetData></worksheet>"
        ),
    }
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, text in parts.items():
            archive.writestr(name, text)
    return buffer.getvalue()


def _pdf() -> bytes:
    return (
        b"%PDF-1.4\n1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj\n"
        b"2 0 obj << /Type /Pages /Kids [] /Count 0 >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
    )


def _png() -> bytes:
    return (
        b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00"
        b"\x1f\x15\xc4\x89\x00\x00\x00\rIDATx\x9cc\xf8\x0f\x00\x00\x01\x01\x00\x05\x18\xd8N\x00\x00"
        b"\x00\x00IEND\xaeB`\x82"
    )


def _ole2_xls() -> bytes:
    # An OLE2 compound file header is a 512-byte sector starting with this signature.
    return b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 16 + b"\x3e\x00\x03\x00\xfe\xff" + b"\x00" * 482


def _cp1252_after_sample() -> bytes:
    # Valid UTF-8 for the whole 1 MB detection sample, then one Windows-1252 "é".
    filler = [f"person{i}@example.org,Per,Son{i},Filler" for i in range(30000)]
    head = _csv([HEADER, *filler])
    return head + "jose@acme.com,Jos\xe9,Garc\xeda,Acme\n".encode("cp1252")


def _utf8_tab(lines: list[str]) -> list[str]:
    return [line.replace(",", "\t") for line in lines]


CASES: dict[str, Callable[[], bytes]] = {
    # encodings
    "utf8_plain.csv": lambda: _csv([HEADER, *ROWS]),
    "utf8_bom_crlf.csv": lambda: codecs.BOM_UTF8 + _csv([HEADER, "zoë@acme.com,Zoë,Ærø,Acme"], "\r\n"),
    "utf16le_bom_tab.txt": lambda: (
        codecs.BOM_UTF16_LE
        + _csv(_utf8_tab([HEADER, "jose@acme.com,José,Müller,Acme", *ROWS[1:]]), "\r\n", "utf-16-le")
    ),
    "utf16be_bom_tab.txt": lambda: (
        codecs.BOM_UTF16_BE + _csv(_utf8_tab([HEADER, "jose@acme.com,José,Müller,Acme"]), "\r\n", "utf-16-be")
    ),
    "utf16le_no_bom.csv": lambda: _csv([HEADER, *ROWS[:2]], "\r\n", "utf-16-le"),
    "cp1252_accents.csv": lambda: _csv(
        [HEADER, "jose@acme.com,José,Müller,Café Façade", "francois@acme.fr,François,Lefèvre,Crème"],
        "\r\n",
        "cp1252",
    ),
    "cp1252_after_sample.csv": _cp1252_after_sample,
    "mojibake.csv": lambda: _csv([HEADER, "jose@acme.com,JosÃ©,MÃ¼ller,Acme"]),
    # dialects and line endings
    "semicolon.csv": lambda: _csv(
        [
            "Email;Name;Company;Revenue",
            'ann@acme.com;Ann Lee;"Acme; Inc";1,5',
            "bob@globex.io;Bob Stone;Globex;2,0",
        ]
    ),
    "tab.tsv": lambda: _csv(_utf8_tab([HEADER, *ROWS])),
    "pipe.csv": lambda: _csv([line.replace(",", "|") for line in [HEADER, *ROWS]]),
    "quoted_newlines.csv": lambda: _csv(
        [
            "Email,Name,Notes",
            'ann@acme.com,Ann Lee,"line one\nline two, with a comma"',
            'bob@globex.io,"Stone, Bob","said ""hi"""',
        ]
    ),
    "escaped_quotes.csv": lambda: _csv(["Email,Company", 'ann@acme.com,"The ""Best"" Company"']),
    "crlf.csv": lambda: _csv([HEADER, *ROWS], "\r\n"),
    "cr_only.csv": lambda: _csv([HEADER, *ROWS], "\r"),
    "excel_sep_line.csv": lambda: _csv(["sep=;", "Email;Company", "ann@acme.com;Acme, Inc"]),
    "trailing_delimiters.csv": lambda: _csv(
        ["Email,Company,,", "ann@acme.com,Acme,,", "bob@globex.io,Globex,,"]
    ),
    "blank_lines.csv": lambda: _csv(["", HEADER, ROWS[0], "", "  ", ",,,", ROWS[1], ""]),
    # row-level problems
    "ragged_rows.csv": lambda: _csv(
        [
            HEADER,
            ROWS[0],
            "bob@globex.io,Bob,Stone,Globex,extra,cells",
            "cara@initech.co.uk,Cara",
            ROWS[1] + ",,",
        ]
    ),
    "unclosed_quote.csv": lambda: _csv([HEADER, ROWS[0], 'bob@globex.io,"Bob,Stone,Globex', ROWS[2]]),
    "invalid_emails.csv": lambda: _csv(
        [
            "Email,Name",
            "mailto:Ann@Acme.com,Ann",
            '"Bob Stone <BOB@Globex.IO>",Bob',
            ",Nobody",
            "bob@,Broken",
            '"a@b.com, c@d.com",Two',
            "x@foo.local,Reserved",
        ]
    ),
    "in_file_duplicates.csv": lambda: _csv(
        [
            HEADER,
            ROWS[0],
            ROWS[1],
            "ANN@ACME.COM,Ann,Again,Acme",
            "ann+x@acme.com,Ann,Tagged,Acme",
            "Ann@acme.com,A,L,Acme",
        ]
    ),
    "one_mb_cell.csv": lambda: _csv(
        ["Email,Notes", "ann@acme.com," + "x" * (1 << 20), ROWS[1].split(",")[0] + ",short"]
    ),
    "nul_bytes_few.csv": lambda: _csv([HEADER, "ann@acme.com,Ann\x00,Lee,Acme", ROWS[1]]),
    # file-level rejections
    "empty.csv": lambda: b"",
    "whitespace_only.csv": lambda: b" \r\n\r\n\t\n",
    "bom_only.csv": lambda: codecs.BOM_UTF8,
    "only_delimiters.csv": lambda: b",,,\n,,,\n",
    "header_only.csv": lambda: _csv([HEADER]),
    "first_row_is_data.csv": lambda: _csv(ROWS),
    "numeric_first_row.csv": lambda: _csv(["12,34,56", "ann@acme.com,1,2"]),
    "duplicate_headers.csv": lambda: _csv(["Email,Name,email,Name,Company", "a@b.com,A,a@b.com,A,C"]),
    "empty_header.csv": lambda: _csv(["Email,,Company", "ann@acme.com,x,Acme"]),
    "no_email_column.csv": lambda: _csv(["First Name,Last Name,Company", "Ann,Lee,Acme"]),
    "nul_bytes_many.csv": lambda: b"Email,Name\n" + b"\x00" * 300 + b"ann@acme.com,Ann\n",
    "xlsx_renamed.csv": _xlsx,
    "pdf_renamed.csv": _pdf,
    "gzip_renamed.csv": lambda: gzip.compress(_csv([HEADER, *ROWS])),
    "xls_ole2_renamed.csv": _ole2_xls,
    "png_renamed.csv": _png,
    "html_page.csv": lambda: (
        b"<!DOCTYPE html>\n<html><body><table><tr><td>Email</td></tr></table></body></html>\n"
    ),
    "random_binary.csv": lambda: bytes((i * 37 + 11) % 256 for i in range(4096)),
    "over_row_limit.csv": lambda: _csv([HEADER] + [f"p{i}@acme.com,P,{i},Acme" for i in range(6)]),
    "over_byte_limit.csv": lambda: _csv([HEADER] + [f"p{i}@acme.com,P,{i},Acme" for i in range(200)]),
}


def build() -> dict[str, bytes]:
    return {name: make() for name, make in CASES.items()}


def main(argv: list[str]) -> None:
    target = Path(argv[1]) if len(argv) > 1 else Path(tempfile.mkdtemp(prefix="intake-corpus-"))
    target.mkdir(parents=True, exist_ok=True)
    for name, data in build().items():
        (target / name).write_bytes(data)
    print(f"wrote {len(CASES)} files to {target}")


if __name__ == "__main__":
    main(sys.argv)
