"""The streaming parser: what each row becomes, and which files are refused."""

from __future__ import annotations

import io
import json
import tracemalloc
from collections.abc import Iterator

import pytest

from functions.common.errors import FileRejected
from functions.common.rows import Reason, Row
from functions.intake import detect
from functions.intake.custom_fields import CustomFieldDef
from functions.intake.mapping import MappingDoc
from functions.intake.parse import Intake, IntakeOptions


class Stream:
    """Read-only, non-seekable."""

    def __init__(self, data: bytes) -> None:
        self._data = io.BytesIO(data)

    def read(self, n: int = -1) -> bytes:
        return self._data.read(n)


def intake(text: str | bytes, **options: object) -> Intake:
    data = text.encode() if isinstance(text, str) else text
    return Intake(Stream(data), IntakeOptions(**options))  # type: ignore[arg-type]


def rows(text: str | bytes, **options: object) -> list[Row]:
    return list(intake(text, **options).rows())


def one(text: str, **options: object) -> Row:
    (row,) = rows(text, **options)
    return row


def rejected(text: str | bytes, **options: object) -> FileRejected:
    with pytest.raises(FileRejected) as info:
        rows(text, **options)
    return info.value


# --------------------------------------------------------------------------- canonical fields


def test_row_carries_raw_cells_canonical_fields_and_custom_data() -> None:
    row = one("E-mail,Full Name,Company,Zip,Notes\n  Bob.Smith+x@Acme.COM ,Bob Smith Jr.,Acme,10001,\n")
    assert row.number == 1
    assert row.raw == ["  Bob.Smith+x@Acme.COM ", "Bob Smith Jr.", "Acme", "10001", ""]
    assert row.fields == {
        "email": "bob.smith+x@acme.com",
        "full_name": "Bob Smith Jr.",
        "first_name": "Bob",
        "last_name": "Smith",
        "name_suffix": "Jr.",
        "company_name": "Acme",
        "company_domain": "acme.com",
    }
    assert row.custom == {"Zip": "10001"}
    assert row.error is None and row.warnings == []


def test_row_survives_a_json_round_trip() -> None:
    row = one("Email,Tags\na@acme.com,x;y\n", import_tags=["batch-7"])
    assert Row.from_json(row.to_json()) == row
    assert json.loads(row.to_json())["f"]["tags"] == ["x", "y", "batch-7"]


def test_first_and_last_name_columns_win_over_full_name() -> None:
    row = one("Email,Name,First Name,Last Name\na@acme.com,Robert Smith,Bob,Smith III\n")
    assert row.fields["first_name"] == "Bob"
    assert (row.fields["last_name"], row.fields["name_suffix"]) == ("Smith", "III")


@pytest.mark.parametrize(
    ("header", "cells", "domain"),
    [
        ("Email,Domain,Website", "a@other.com,https://www.acme.co.uk/x,https://globex.com", "acme.co.uk"),
        ("Email,Domain,Website", "a@other.com,,https://www.globex.com/about", "globex.com"),
        ("Email,Domain,Website", "a@sub.initech.io,,", "initech.io"),
        ("Email,Website", "a@gmail.com,", None),
        ("Email,Domain", "a@hooli.com,gmail.com", "hooli.com"),
    ],
)
def test_company_domain_from_domain_then_website_then_email(
    header: str, cells: str, domain: str | None
) -> None:
    row = one(f"{header}\n{cells}\n")
    assert row.fields.get("company_domain") == domain


def test_unusable_domain_cell_warns_and_falls_back() -> None:
    row = one("Email,Company Domain\na@acme.com,Acme Inc\n")
    assert row.fields["company_domain"] == "acme.com"
    assert any("'Acme Inc' is not a domain" in w for w in row.warnings)


def test_free_mail_domain_cell_is_not_a_company_domain() -> None:
    row = one("Email,Domain\na@gmail.com,gmail.com\n")
    assert "company_domain" not in row.fields
    assert any("free-mail" in w for w in row.warnings)


def test_phones_use_the_row_country_then_the_default() -> None:
    found = rows(
        "Email,Phone,Mobile,Country\n"
        "a@x.com,020 7946 0958,07400 123456,United Kingdom\n"
        "b@x.com,(415) 555-2671,,\n"
        "c@x.com,+49 30 123456,,\n",
        default_country="US",
    )
    assert found[0].fields["phone"] == "+442079460958"
    assert found[0].fields["mobile"] == "+447400123456"
    assert found[1].fields["phone"] == "+14155552671"
    assert found[2].fields["phone"] == "+4930123456"


def test_unparseable_phone_is_a_warning_and_keeps_the_original() -> None:
    row = one("Email,Phone\na@x.com,call reception\n", default_country="US")
    assert row.error is None
    assert row.fields["phone"] == "call reception"
    assert any(w.startswith("phone:") for w in row.warnings)


@pytest.mark.parametrize(
    ("cell", "status"),
    [
        ("Valid (Esp)", "valid"),
        ("Valid (Digital)", "valid"),
        ("catch-all (accept all)", "risky"),
        ("Verified", "valid"),
    ],
)
def test_a_providers_qualifier_after_the_verification_status_is_dropped(cell: str, status: str) -> None:
    row = one(f"Email,Email Status\na@x.com,{cell}\n")
    assert row.fields["verification_status"] == status and row.warnings == []


def test_an_unknown_verification_word_is_still_ignored_with_a_warning() -> None:
    row = one("Email,Email Status\na@x.com,Great (really)\n")
    assert "verification_status" not in row.fields
    assert any(w.startswith("verification_status:") for w in row.warnings)


def test_phone_without_any_known_country_is_kept_as_given() -> None:
    row = one("Email,Phone\na@x.com,020 7946 0958\n")
    assert row.fields["phone"] == "020 7946 0958"
    assert row.warnings == []


def test_linkedin_and_owner_email_are_canonicalised() -> None:
    row = one(
        "Email,LinkedIn,Contact Owner Email\na@x.com,uk.linkedin.com/in/Jane-Doe/,Owner <OWNER@X.COM>\n"
    )
    assert row.fields["linkedin_url"] == "https://www.linkedin.com/in/jane-doe"
    assert row.fields["owner_email"] == "owner@x.com"


def test_bad_owner_email_and_linkedin_are_warnings_only() -> None:
    row = one("Email,LinkedIn,Owner Email\na@x.com,my profile,nobody\n")
    assert row.error is None
    assert "owner_email" not in row.fields
    assert row.fields["linkedin_url"] == "my profile"
    assert len(row.warnings) == 2


def test_tags_split_on_commas_and_semicolons_and_merge_with_import_tags() -> None:
    row = one('Email,Tags\na@x.com,"vip, Event-2024;vip ;;q3"\n', import_tags=["Q3", "import-9"])
    assert row.fields["tags"] == ["vip", "Event-2024", "q3", "import-9"]


def test_import_tags_apply_without_a_tags_column() -> None:
    assert one("Email\na@x.com\n", import_tags=["batch"]).fields["tags"] == ["batch"]


def test_text_values_are_nfc_normalised_but_raw_is_untouched() -> None:
    decomposed = "Jose\u0301"
    row = one(f"Email,First Name,Notes\na@x.com,{decomposed},{decomposed}\n")
    assert row.fields["first_name"] == "José"
    assert row.custom["Notes"] == "José"
    assert row.raw[1] == decomposed


def test_rows_sharing_a_tag_cell_get_lists_of_their_own() -> None:
    first, second = rows("Email,Tags\na@x.com,vip;q3\nb@x.com,vip;q3\n", import_tags=["batch"])
    first.fields["tags"].append("changed")
    assert second.fields["tags"] == ["vip", "q3", "batch"]


def test_each_row_reads_its_phones_in_its_own_country() -> None:
    found = rows(
        "Email,Phone,Country\n"
        "a@x.com,020 7946 0958,United Kingdom\n"
        "b@x.com,020 7946 0958,\n"
        "c@x.com,030 123456,Germany\n"
        "d@x.com,020 7946 0958,United Kingdom\n"
        "e@x.com,020 7946 0958,Narnia\n",
        default_country="DE",
    )
    assert [r.fields["phone"] for r in found] == [
        "+442079460958",
        "020 7946 0958",
        "+4930123456",
        "+442079460958",
        "020 7946 0958",
    ]
    assert [len(r.warnings) for r in found] == [0, 1, 0, 0, 1]
    assert "not a valid phone number for DE" in found[4].warnings[0]


# --------------------------------------------------------------------------- row errors


def test_missing_email_is_a_row_error() -> None:
    row, _ = rows("Email,Name\n ,Ann\nbob@x.com,Bob\n")
    assert row.error == Reason.MISSING_EMAIL
    assert "'Email' cell is empty" in (row.error_detail or "")


def test_invalid_email_detail_quotes_the_value() -> None:
    row = one("Email,Name\nbob@,Bob\n")
    assert row.error == Reason.INVALID_EMAIL
    assert row.error_detail is not None
    assert row.error_detail.startswith("'bob@' is not a valid email address: ")


def test_wrong_number_of_fields_is_malformed_row_not_a_crash() -> None:
    found = rows("a,b,c,Email,e,f,g\n1,2,3,a@x.com,5,6,7,8,9\n1,2,3,b@x.com,5,6,7\n")
    assert found[0].error == Reason.MALFORMED_ROW
    assert (found[0].error_detail or "").startswith("expected 7 fields, found 9")
    assert found[0].raw == ["1", "2", "3", "a@x.com", "5", "6", "7", "8", "9"]
    assert found[1].error is None


def test_extra_empty_trailing_cells_are_tolerated() -> None:
    row = one("Email,Name\na@x.com,Ann,,\n")
    assert row.error is None
    assert row.raw == ["a@x.com", "Ann", "", ""]


def test_typed_custom_field_that_does_not_fit_is_invalid_field_value() -> None:
    defs = {"employees": CustomFieldDef(name="employees", field_type="number")}
    found = rows("Email,Employees\na@x.com,1200\nb@x.com,lots\n", custom_fields=defs)
    assert found[0].custom == {"employees": 1200}
    assert found[1].error == Reason.INVALID_FIELD_VALUE
    assert "custom field 'employees'" in (found[1].error_detail or "")
    assert "'lots' is not a number" in (found[1].error_detail or "")


def test_all_problems_of_a_row_are_in_its_detail() -> None:
    defs = {"employees": CustomFieldDef(name="employees", field_type="number")}
    row = one("Email,Employees\nbob@,lots\n", custom_fields=defs)
    assert row.error == Reason.INVALID_EMAIL
    assert "'bob@'" in (row.error_detail or "") and "'lots'" in (row.error_detail or "")


def test_explicit_mapping_to_a_typed_custom_field() -> None:
    defs = {"stage": CustomFieldDef(name="stage", field_type="dropdown", options=("trial", "customer"))}
    mapping = MappingDoc(columns={"Lifecycle": "custom:stage", "Junk": None})
    row = one("Email,Lifecycle,Junk\na@x.com,Customer,zzz\n", custom_fields=defs, mapping=mapping)
    assert row.custom == {"stage": "customer"}
    assert row.raw[2] == "zzz"


def test_a_quote_that_never_closes_is_reported_on_its_row() -> None:
    found = rows('Email,Name\na@x.com,Ann\nb@x.com,"Bob\nc@x.com,Cara\n')
    assert [r.error for r in found] == [None, Reason.MALFORMED_ROW]
    assert "never closed" in (found[1].error_detail or "")


def test_a_quote_closing_rows_later_makes_a_malformed_row() -> None:
    found = rows('Email,Name,Company\na@x.com,"Ann,Acme\nb@x.com,Bob",Globex,x\nc@x.com,Cara,Initech\n')
    assert [r.error for r in found] == [Reason.MALFORMED_ROW, None]
    assert "closing quote" in (found[0].error_detail or "")


def test_a_legitimate_multiline_cell_is_fine() -> None:
    found = rows('Email,Notes\na@x.com,"line one\nline two"\nb@x.com,x\n')
    assert [r.error for r in found] == [None, None]
    assert found[0].custom["Notes"] == "line one\nline two"


# --------------------------------------------------------------------------- numbering and streaming


def test_rows_are_numbered_from_one_skipping_blank_lines() -> None:
    found = rows("\n\nEmail,Name\n\na@x.com,A\n , \n\nb@x.com,B\n\n")
    assert [(r.number, r.fields["email"]) for r in found] == [(1, "a@x.com"), (2, "b@x.com")]


def test_a_row_whose_first_cell_is_blank_is_still_a_row() -> None:
    found = rows("Name,Email\n ,a@x.com\n\u00a0,\n,b@x.com\n")
    assert [(r.number, r.fields.get("email")) for r in found] == [(1, "a@x.com"), (2, "b@x.com")]


def test_a_one_megabyte_cell_is_just_a_cell() -> None:
    big = "x" * (1 << 20)
    row = one(f'Email,Notes\na@x.com,"{big}"\n')
    assert row.custom["Notes"] == big


def test_rows_can_be_iterated_once() -> None:
    it = intake("Email\na@x.com\n")
    list(it.rows())
    with pytest.raises(RuntimeError):
        list(it.rows())


def test_exactly_max_rows_is_accepted_and_one_more_is_rejected() -> None:
    text = "Email\n" + "".join(f"p{i}@x.com\n" for i in range(5))
    assert len(rows(text, max_rows=5)) == 5
    error = rejected(text + "p5@x.com\n", max_rows=4)
    assert error.code == "TOO_MANY_ROWS"
    assert "4" in error.message and "split" in error.message


def test_too_many_rows_is_raised_as_soon_as_the_limit_is_passed() -> None:
    seen: list[int] = []
    with pytest.raises(FileRejected):
        for row in intake("Email\n" + "a@x.com\n" * 100, max_rows=3).rows():
            seen.append(row.number)
    assert seen == [1, 2, 3]


def test_decoding_repairs_are_reported_after_the_stream(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(detect, "SAMPLE_BYTES", 4096)
    it = intake(b"Email,Name\n" + b"a@x.com,Ann\n" * 1000 + b"b@x.com,Jos\xe9\n")
    last = list(it.rows())[-1]
    assert last.fields["first_name"] == "José"
    assert any("Windows-1252" in w for w in it.warnings)


class GeneratedStream:
    """A large CSV produced on the fly, so the test itself holds no copy of it."""

    def __init__(self, rows: int) -> None:
        self._lines = self._make(rows)
        self._buffer = b""

    @staticmethod
    def _make(rows: int) -> Iterator[bytes]:
        yield b"Email,First Name,Last Name,Company,Notes\n"
        for i in range(rows):
            yield f"p{i}@company{i % 997}.com,First{i},Last{i},Company {i % 997},some notes for {i}\n".encode()

    def read(self, n: int = -1) -> bytes:
        while len(self._buffer) < n:
            try:
                self._buffer += next(self._lines)
            except StopIteration:
                break
        out, self._buffer = self._buffer[:n], self._buffer[n:]
        return out


def _peak_while_streaming(row_count: int, monkeypatch: pytest.MonkeyPatch) -> int:
    # small sample and chunks, so both files are many chunks long
    monkeypatch.setattr(detect, "SAMPLE_BYTES", 32 * 1024)
    monkeypatch.setattr(detect, "CHUNK_BYTES", 16 * 1024)
    tracemalloc.start()
    try:
        it = Intake(GeneratedStream(row_count), IntakeOptions())  # type: ignore[arg-type]
        for _ in it.rows():
            pass
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def test_memory_does_not_grow_with_file_size(monkeypatch: pytest.MonkeyPatch) -> None:
    small = _peak_while_streaming(2_000, monkeypatch)
    large = _peak_while_streaming(16_000, monkeypatch)  # 8x the rows, ~1.3 MB of CSV
    assert large < small * 1.25 + 256 * 1024


# --------------------------------------------------------------------------- file-level rejections


@pytest.mark.parametrize(
    ("text", "code", "fragment"),
    [
        ("", "EMPTY_FILE", "empty"),
        ("\n\n  \n", "EMPTY_FILE", "empty"),
        ("Email,Name\n", "NO_DATA_ROWS", "no data rows"),
        ("Email,Name\n\n,\n", "NO_DATA_ROWS", "no data rows"),
        (",,\n,,\n", "NO_HEADER", "no header row"),
        ("ann@acme.com,Ann\nbob@x.com,Bob\n", "HEADER_LOOKS_LIKE_DATA", "column 1 is 'ann@acme.com'"),
        ("Name,https://acme.com\nAnn,x\n", "HEADER_LOOKS_LIKE_DATA", "looks like data"),
        ("First Name,Company\nAnn,Acme\n", "NO_EMAIL_COLUMN", "'First Name', 'Company'"),
    ],
)
def test_file_level_problems_are_rejected_with_what_to_do(text: str, code: str, fragment: str) -> None:
    error = rejected(text)
    assert error.code == code
    assert fragment in error.message


def test_explicit_mapping_can_supply_the_email_column() -> None:
    row = one("Contact,Company\na@x.com,Acme\n", mapping=MappingDoc(columns={"Contact": "email"}))
    assert row.fields["email"] == "a@x.com"


def test_declared_size_over_the_limit_is_rejected() -> None:
    with pytest.raises(FileRejected) as info:
        Intake(Stream(b"Email\na@x.com\n"), IntakeOptions(max_bytes=100), size=101)  # type: ignore[arg-type]
    assert info.value.code == "FILE_TOO_LARGE"


def test_intake_reports_encoding_delimiter_headers_and_column_map() -> None:
    it = intake("\ufeffEmail;Vorname;Firma;PLZ\na@x.de;Jörg;ACME;10115\n".encode("utf-8-sig")[3:].decode())
    assert (it.encoding, it.delimiter) == ("utf-8-sig", ";")
    assert it.headers == ["Email", "Vorname", "Firma", "PLZ"]
    assert it.column_map == {0: "email", 1: "first_name", 2: "custom:Firma", 3: "custom:PLZ"}
