"""Detection: binary refusal, encoding, dialect, and the streamed line source."""

from __future__ import annotations

import codecs
import csv
import io

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from functions.common.errors import FileRejected
from functions.intake import detect
from functions.intake.detect import (
    detect_dialect,
    detect_encoding,
    double_encoded_example,
    open_text,
    reject_binary,
)


class Unseekable:
    """Only `read`, in small uneven pieces, like an S3 StreamingBody over a slow network."""

    def __init__(self, data: bytes, piece: int = 7000) -> None:
        self._data = io.BytesIO(data)
        self._piece = piece
        self.reads = 0

    def read(self, n: int = -1) -> bytes:
        self.reads += 1
        size = self._piece if n < 0 else min(n, self._piece)
        return self._data.read(size)


def _lines(data: bytes, max_bytes: int = 1 << 30) -> tuple[detect.Detected, list[str]]:
    detected, source = open_text(Unseekable(data), max_bytes)  # type: ignore[arg-type]
    return detected, list(source)


# --------------------------------------------------------------------------- binary files


@pytest.mark.parametrize(
    ("head", "fragment"),
    [
        (b"%PDF-1.7\n", "PDF"),
        (b"\x1f\x8b\x08\x00", "gzip"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 100, "old Excel workbook (.xls)"),
        (b"PK\x03\x04\x14\x00[Content_Types].xml....xl/workbook.xml", "Excel workbook (.xlsx)"),
        (b"PK\x03\x04\x14\x00mimetypeapplication/vnd.oasis.opendocument.spreadsheet", ".ods"),
        (b"PK\x03\x04\x14\x00data.csv", "zip archive"),
        (b"\x89PNG\r\n\x1a\n\x00\x00", "PNG image"),
        (b"\xff\xd8\xff\xe0\x00\x10JFIF", "JPEG image"),
        (b"<!DOCTYPE html><html>", "web page"),
        (b"SQLite format 3\x00", "SQLite"),
    ],
)
def test_binary_files_are_rejected_naming_what_they_look_like(head: bytes, fragment: str) -> None:
    with pytest.raises(FileRejected) as info:
        reject_binary(head)
    assert info.value.code == "BINARY_FILE"
    assert fragment in info.value.message


def test_text_is_not_rejected_as_binary() -> None:
    reject_binary(b"Email,Name\nann@acme.com,Ann\n")


def test_many_nul_bytes_reject_the_file() -> None:
    with pytest.raises(FileRejected) as info:
        detect_encoding(b"Email,Name\n" + b"\x00" * 200 + b"a@b.com,A\n" * 10, at_eof=True)
    assert info.value.code == "BINARY_FILE"
    assert "NUL" in info.value.message


def test_a_few_stray_nul_bytes_are_stripped_with_a_warning() -> None:
    _, source = open_text(Unseekable(b"Email,Name\nann@acme.com,An\x00n\n"), 1 << 30)  # type: ignore[arg-type]
    assert list(source) == ["Email,Name\n", "ann@acme.com,Ann\n"]
    assert source.finish_warnings() == ["1 NUL character(s) were removed from the file."]


# --------------------------------------------------------------------------- encoding


@pytest.mark.parametrize(
    ("data", "codec", "name"),
    [
        (codecs.BOM_UTF8 + "Email\nzoë@x.com\n".encode(), "utf-8", "utf-8-sig"),
        (codecs.BOM_UTF16_LE + "Email\tName\n".encode("utf-16-le"), "utf-16-le", "utf-16-le"),
        (codecs.BOM_UTF16_BE + "Email\tName\n".encode("utf-16-be"), "utf-16-be", "utf-16-be"),
        (codecs.BOM_UTF32_LE + "Email\n".encode("utf-32-le"), "utf-32-le", "utf-32-le"),
        ("Email,Name\nann@x.com,Zoë\n".encode(), "utf-8", "utf-8"),
        ("Email,Name\nann@x.com,Ann\n".encode("utf-16-le"), "utf-16-le", "utf-16-le"),
        ("Email,Name\nann@x.com,Ann\n".encode("utf-16-be"), "utf-16-be", "utf-16-be"),
        ("Email,Name\nj@x.com,José Müller\nf@x.fr,François Lefèvre\n".encode("cp1252"), "cp1252", "cp1252"),
        ("Email,Imię\nj@x.pl,Łukasz Żółć\na@x.pl,Anna Wiśniewska\n".encode("cp1250"), "cp1250", "cp1250"),
        ("Email,Имя\na@b.ru,Иван Петров\nb@c.ru,Мария Смирнова\n".encode("cp1251"), "cp1251", "cp1251"),
    ],
)
def test_detect_encoding(data: bytes, codec: str, name: str) -> None:
    guess = detect_encoding(data, at_eof=True)
    assert (guess.codec, guess.name) == (codec, name)


def test_a_sample_cut_inside_a_utf8_character_is_still_utf8() -> None:
    data = ("a,b\n" + "é" * 1000).encode()
    assert detect_encoding(data[:1001], at_eof=False).codec == "utf-8"


def test_non_utf8_detection_warns() -> None:
    guess = detect_encoding("Email\nJosé\n".encode("cp1252"), at_eof=True)
    assert any("not UTF-8" in w for w in guess.warnings)


def test_double_encoded_text_is_spotted() -> None:
    assert double_encoded_example("Name\nJosÃ© MÃ¼ller\n") == ("Ã©", "é")
    assert double_encoded_example("Name\nJosé Müller, Ærø, Ça va\n") is None


def test_mojibake_gives_a_file_warning() -> None:
    detected, _ = _lines("Email,Name\nj@x.com,JosÃ©\n".encode())
    assert any("double-encoded" in w for w in detected.warnings)


# --------------------------------------------------------------------------- dialect


@pytest.mark.parametrize(
    ("text", "delimiter"),
    [
        ("Email,Name,Company\na@b.com,Ann,Acme\n", ","),
        ("Email\tName\tCompany\na@b.com\tAnn, Lee\tAcme, Inc\n", "\t"),
        ('Email;Name;Company\na@b.com;"Lee, Ann";Acme, Inc\nb@c.com;Bob;Globex, plc\n', ";"),
        ("Email|Name|Company\na@b.com|Lee, Ann|Acme\n", "|"),
        ('Email,Notes\na@b.com,"one; two | three\tfour"\n', ","),
        ('Email,Notes\na@b.com,"line one\nline two"\nb@c.com,x\n', ","),
        ("Email\na@b.com\n", ","),
        (",,,\n,,,\n", ","),
    ],
)
def test_detect_dialect(text: str, delimiter: str) -> None:
    assert detect_dialect(text, at_eof=True).delimiter == delimiter


def test_dialect_ignores_a_record_cut_off_by_the_sample() -> None:
    text = "Email;Name\n" + "a@b.com;Ann\n" * 50 + 'c@d.com;"unfinished, with, commas'
    assert detect_dialect(text, at_eof=False).delimiter == ";"


def test_excel_sep_line_sets_the_delimiter_and_is_skipped() -> None:
    detected, lines = _lines(b"sep=;\nEmail;Company\nann@acme.com;Acme, Inc\n")
    assert detected.dialect.delimiter == ";"
    assert detected.skip_lines == 1
    assert lines[0] == "sep=;\n"  # skipped by Intake, which reads past skip_lines


# --------------------------------------------------------------------------- line source


@pytest.mark.parametrize("newline", ["\n", "\r\n", "\r"])
def test_line_endings_survive_chunk_boundaries(newline: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(detect, "SAMPLE_BYTES", 64)
    monkeypatch.setattr(detect, "CHUNK_BYTES", 5)
    rows = [f"p{i}@acme.com,Name {i}" for i in range(40)]
    data = newline.join(["Email,Name", *rows]).encode() + newline.encode()
    _detected, source = open_text(Unseekable(data, piece=3), 1 << 30)  # type: ignore[arg-type]
    parsed = [r for r in csv.reader(iter(source)) if r]
    assert parsed == [["Email", "Name"], *[r.split(",") for r in rows]]


def test_multibyte_characters_split_across_chunks_decode(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(detect, "SAMPLE_BYTES", 16)
    monkeypatch.setattr(detect, "CHUNK_BYTES", 3)
    text = "Email,Name\n" + "".join(f"p{i}@x.com,Zoë Ærø 日本\n" for i in range(20))
    _, lines = _lines(text.encode())
    assert "".join(lines) == text


def test_utf16_streams_in_chunks(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(detect, "SAMPLE_BYTES", 32)
    monkeypatch.setattr(detect, "CHUNK_BYTES", 7)
    text = "Email\tName\r\n" + "".join(f"p{i}@x.com\tJosé\r\n" for i in range(20))
    _, lines = _lines(codecs.BOM_UTF16_LE + text.encode("utf-16-le"))
    assert "".join(lines) == text


def test_stray_cp1252_bytes_after_the_sample_keep_their_accents(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(detect, "SAMPLE_BYTES", 64)
    data = b"Email,Name\n" + b"a@b.com,Ann\n" * 10 + "j@x.com,Jos\xe9\n".encode("latin-1")
    _detected, source = open_text(Unseekable(data), 1 << 30)  # type: ignore[arg-type]
    lines = list(source)
    assert lines[-1] == "j@x.com,José\n"
    assert any("Windows-1252" in w for w in source.finish_warnings())


def test_size_limit_is_enforced_while_streaming(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(detect, "SAMPLE_BYTES", 64)
    data = b"Email\n" + b"a@b.com\n" * 100
    _detected, source = open_text(Unseekable(data), max_bytes=300)  # type: ignore[arg-type]
    with pytest.raises(FileRejected) as info:
        list(source)
    assert info.value.code == "FILE_TOO_LARGE"


def test_declared_size_over_the_limit_is_rejected_before_reading() -> None:
    stream = Unseekable(b"Email\na@b.com\n")
    with pytest.raises(FileRejected) as info:
        open_text(stream, max_bytes=10, size=11)  # type: ignore[arg-type]
    assert info.value.code == "FILE_TOO_LARGE"
    assert stream.reads == 0


def test_a_line_without_line_breaks_beyond_the_cap_is_rejected(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(detect, "SAMPLE_BYTES", 64)
    monkeypatch.setattr(detect, "MAX_LINE_CHARS", 1000)
    monkeypatch.setattr(detect, "CHUNK_BYTES", 100)
    _detected, source = open_text(Unseekable(b"Email\n" + b"x" * 5000), 1 << 30)  # type: ignore[arg-type]
    with pytest.raises(FileRejected) as info:
        list(source)
    assert info.value.code == "LINE_TOO_LONG"


@settings(max_examples=60, deadline=None)
@given(
    st.lists(st.lists(st.text(alphabet=st.characters(codec="utf-8", exclude_categories=("Cc", "Cs")), max_size=12),
                      min_size=3, max_size=3), min_size=1, max_size=30),
    st.sampled_from(["\n", "\r\n"]),
    st.integers(1, 50),
)  # fmt: skip
def test_any_csv_round_trips_through_the_line_source(rows: list[list[str]], newline: str, chunk: int) -> None:
    out = io.StringIO(newline="")
    csv.writer(out, lineterminator=newline).writerows([["Email", "Name", "Notes"], *rows])
    original = detect.CHUNK_BYTES
    detect.CHUNK_BYTES = chunk
    try:
        _detected, source = open_text(Unseekable(out.getvalue().encode(), piece=chunk), 1 << 30)  # type: ignore[arg-type]
        parsed = list(csv.reader(iter(source), delimiter=","))
    finally:
        detect.CHUNK_BYTES = original
    expected = list(csv.reader(io.StringIO(out.getvalue(), newline="")))
    assert parsed == expected
