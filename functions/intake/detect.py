"""What an uploaded file is: refuse binaries, find its text encoding and CSV dialect, stream its lines.

Works on a non-seekable stream (an S3 StreamingBody): a sample is read once for detection
and then replayed ahead of the rest of the stream, which is decoded chunk by chunk, so
memory stays flat whatever the file size.
"""

from __future__ import annotations

import _csv
import codecs
import csv
import io
import re
import threading
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from itertools import chain, islice
from typing import BinaryIO

import charset_normalizer

from functions.common.errors import FileRejected

SAMPLE_BYTES = 1 << 20
CHUNK_BYTES = 1 << 18
# No sane CSV line is this long; past it the file is not line-structured text.
MAX_LINE_CHARS = 32 << 20
DELIMITERS: tuple[str, ...] = (",", "\t", ";", "|")
MAX_STRAY_NULS = 16

_SAVE_AS_CSV = "open it in Excel, Numbers or Google Sheets and save or export it as CSV (UTF-8)"

# --------------------------------------------------------------------------------------
# binary files
# --------------------------------------------------------------------------------------

_MAGIC: tuple[tuple[bytes, str], ...] = (
    (b"%PDF-", "looks like a PDF document, not a CSV file — export the table from its source as CSV"),
    (b"\x1f\x8b", "looks like a gzip-compressed file — decompress it and upload the CSV inside"),
    (b"BZh", "looks like a bzip2-compressed file — decompress it and upload the CSV inside"),
    (b"\xfd7zXZ\x00", "looks like an xz-compressed file — decompress it and upload the CSV inside"),
    (b"7z\xbc\xaf\x27\x1c", "looks like a 7-Zip archive — extract it and upload the CSV inside"),
    (b"Rar!\x1a\x07", "looks like a RAR archive — extract it and upload the CSV inside"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", f"looks like an old Excel workbook (.xls) — {_SAVE_AS_CSV}"),
    (b"\x89PNG\r\n\x1a\n", "looks like a PNG image, not a CSV file"),
    (b"\xff\xd8\xff", "looks like a JPEG image, not a CSV file"),
    (b"GIF87a", "looks like a GIF image, not a CSV file"),
    (b"GIF89a", "looks like a GIF image, not a CSV file"),
    (b"SQLite format 3\x00", "looks like an SQLite database, not a CSV file — export the table as CSV"),
    (b"{\\rtf", "looks like a Word/RTF document, not a CSV file — export the table as CSV"),
)


def reject_binary(sample: bytes) -> None:
    """Raise FileRejected(BINARY_FILE) naming what the file looks like, when it is not text."""
    for magic, what in _MAGIC:
        if sample.startswith(magic):
            raise FileRejected("BINARY_FILE", f"The file {what}.")
    if sample.startswith(b"PK\x03\x04") or sample.startswith(b"PK\x05\x06"):
        raise FileRejected("BINARY_FILE", f"The file {_zip_kind(sample)}.")
    head = sample[:2048].lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if head.startswith((b"<!doctype html", b"<html")):
        raise FileRejected(
            "BINARY_FILE",
            "The file looks like a web page (HTML), not a CSV file — it may be an error page saved "
            "instead of the download, or a spreadsheet saved as a web page; export the table as CSV.",
        )
    if head.startswith(b"<?xml") and b"urn:schemas-microsoft-com:office:spreadsheet" in sample[:8192]:
        raise FileRejected("BINARY_FILE", f"The file looks like an Excel XML spreadsheet — {_SAVE_AS_CSV}.")


def _zip_kind(sample: bytes) -> str:
    # A zip's member names are stored in clear in its local headers near the start.
    if b"xl/" in sample or b"spreadsheetml" in sample:
        return f"looks like an Excel workbook (.xlsx) — {_SAVE_AS_CSV}"
    if b"opendocument.spreadsheet" in sample:
        return f"looks like an OpenDocument spreadsheet (.ods) — {_SAVE_AS_CSV}"
    if b"word/" in sample:
        return "looks like a Word document (.docx), not a CSV file"
    if b"ppt/" in sample:
        return "looks like a PowerPoint file (.pptx), not a CSV file"
    return "looks like a zip archive — extract it and upload the CSV inside"


# --------------------------------------------------------------------------------------
# encoding
# --------------------------------------------------------------------------------------

_BOMS: tuple[tuple[bytes, str, str], ...] = (
    # UTF-32 first: its little-endian BOM starts with UTF-16's.
    (codecs.BOM_UTF32_LE, "utf-32-le", "utf-32-le"),
    (codecs.BOM_UTF32_BE, "utf-32-be", "utf-32-be"),
    (codecs.BOM_UTF8, "utf-8", "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16-le", "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be", "utf-16-be"),
)
_CONTROL_BYTES = re.compile(rb"[\x01-\x08\x0e-\x1f]")
_CONTROL_CHARS = re.compile(r"[\x01-\x08\x0e-\x1f\ufffd]")


@dataclass(frozen=True, slots=True)
class EncodingGuess:
    codec: str  # what decodes the bytes after the BOM
    name: str  # what is reported (utf-8-sig says "UTF-8 with a BOM")
    bom: int  # bytes to skip
    warnings: tuple[str, ...] = ()
    nul_bytes: bool = False  # the sample has stray NULs that will be removed


def detect_encoding(sample: bytes, at_eof: bool) -> EncodingGuess:
    """BOM, then BOM-less UTF-16 by its NUL pattern, then strict UTF-8, then charset-normalizer.

    Raises FileRejected for binary content (control bytes, too many NULs) and for text no
    detector can decode.
    """
    for bom, bom_codec, name in _BOMS:
        if sample.startswith(bom):
            return EncodingGuess(bom_codec, name, len(bom))
    utf16 = _bomless_utf16(sample[:8192])
    if utf16 is not None:
        return EncodingGuess(
            utf16,
            utf16,
            0,
            (f"The file is {utf16.upper()} without a byte-order mark; it was decoded as such.",),
        )
    probe = sample[:65536]
    controls = len(_CONTROL_BYTES.findall(probe))
    if controls > len(probe) * 0.05:
        raise FileRejected("BINARY_FILE", "The file looks like a binary file, not CSV text.")
    nuls = probe.count(0)
    # A stray NUL or two (a bad export, a padded field) is stripped with a warning; more
    # than that and the file is not text.
    if nuls > MAX_STRAY_NULS and nuls > len(probe) * 0.001:
        raise FileRejected(
            "BINARY_FILE",
            f"The file contains NUL bytes ({nuls:,} in the first {len(probe):,} bytes): it is a binary "
            f"file or text in an unusual encoding — {_SAVE_AS_CSV}.",
        )
    if nuls:
        sample = sample.replace(b"\x00", b"")
    try:
        codecs.getincrementaldecoder("utf-8")().decode(sample, final=at_eof)
        return EncodingGuess("utf-8", "utf-8", 0, nul_bytes=bool(nuls))
    except UnicodeDecodeError:
        pass
    probe = sample[:65536]
    best = charset_normalizer.from_bytes(probe).best()
    codec: str | None
    if best is not None and not _single_byte(best.encoding):
        # a multi-byte encoding (Shift-JIS, GB18030, …): its byte patterns are distinctive
        codec = best.encoding
    else:
        codec = _pick_single_byte(probe)
    if codec is None:
        raise FileRejected(
            "UNDECODABLE", f"The file's text encoding could not be recognised — {_SAVE_AS_CSV}."
        )
    warning = f"The file is not UTF-8; its encoding was detected as {codec}. Check accented characters."
    return EncodingGuess(codec, codec, 0, (warning,), nul_bytes=bool(nuls))


# Legacy single-byte code pages, most likely first: Excel on Western Windows writes
# Windows-1252. charset-normalizer cannot tell these apart on the few accented letters a
# contact list has (it calls French text cp1250 and Russian cp1250 too), so they are
# ranked here by how plausible each decoding's words look.
_SINGLE_BYTE = ("cp1252", "cp1250", "cp1251", "cp1257", "cp1254", "cp1253", "mac_roman")
_SINGLE_BYTE_PREFIXES = (
    "cp12",
    "cp8",
    "cp4",
    "cp7",
    "iso8859",
    "latin",
    "mac_",
    "koi8",
    "hp_roman8",
    "kz1048",
    "ptcp154",
)
_WORDS = re.compile(r"[^\W\d_]+")
_NON_ASCII = re.compile(r"[^\x00-\x7f]")


def _single_byte(encoding: str) -> bool:
    return encoding.startswith(_SINGLE_BYTE_PREFIXES)


def _pick_single_byte(data: bytes) -> str | None:
    best: tuple[int, int] | None = None
    choice = None
    for rank, codec in enumerate(_SINGLE_BYTE):
        try:
            text = data.decode(codec)
        except UnicodeDecodeError:
            continue
        score = (_implausibility(text), rank)
        if best is None or score < best:
            best, choice = score, codec
    return choice


def _implausibility(text: str) -> int:
    """How wrong a decoding looks: symbols inside words ("£ukasz"), runs of accents ("Čâŕí")."""
    penalty = 0
    for m in _NON_ASCII.finditer(text):
        c = m.group()
        if not c.isalpha():
            i = m.start()
            if (i > 0 and text[i - 1].isalpha()) or (i + 1 < len(text) and text[i + 1].isalpha()):
                penalty += 2
    for m in _WORDS.finditer(text):
        word = m.group()
        if len(word) < 3 or word.isascii():
            continue
        latin_accented = sum(1 for c in word if "\u00c0" <= c <= "\u024f")
        if latin_accented * 2 > len(word):
            penalty += 1
        if latin_accented < len(word) and any(c.isascii() for c in word) and any(c > "\u024f" for c in word):
            penalty += 3  # Latin and Cyrillic/Greek letters in one word ("Wiњniewska")
    return penalty


def _bomless_utf16(head: bytes) -> str | None:
    if len(head) < 16:
        return None
    even, odd = head[0::2], head[1::2]
    even_nul, odd_nul = even.count(0) / len(even), odd.count(0) / len(odd)
    # Mostly-ASCII UTF-16 has a NUL in every other byte; real binaries are not that regular.
    if odd_nul > 0.7 and even_nul < 0.05:
        return "utf-16-le"
    if even_nul > 0.7 and odd_nul < 0.05:
        return "utf-16-be"
    return None


def check_text(text: str) -> None:
    """Raise FileRejected when decoded text is mostly control characters (a binary in disguise)."""
    probe = text[:65536]
    if probe and len(_CONTROL_CHARS.findall(probe)) > len(probe) * 0.05:
        raise FileRejected("BINARY_FILE", "The file looks like a binary file, not CSV text.")


# UTF-8 read as Windows-1252 and saved as UTF-8 again: "é" becomes "Ã©", "’" becomes "â€™".
_MOJIBAKE = re.compile(
    "[\u00c2-\u00f4][\u0080-\u00bf\u0152\u0153\u0160\u0161\u0178\u017d\u017e\u0192\u02c6\u02dc\u2013\u2014\u2018-\u201e\u2020-\u2022\u2026\u2030\u2039\u203a\u20ac\u2122]+"
)


def double_encoded_example(text: str) -> tuple[str, str] | None:
    """A (seen, meant) pair when the text looks double-encoded, e.g. ("JosÃ©", "José")."""
    for m in _MOJIBAKE.finditer(text):
        try:
            meant = m.group().encode("cp1252").decode("utf-8")
        except UnicodeError:
            continue
        if meant != m.group():
            return m.group(), meant
    return None


# --------------------------------------------------------------------------------------
# dialect
# --------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Dialect:
    delimiter: str = ","
    escapechar: str | None = None
    skipinitialspace: bool = False

    def reader(self, lines: Iterable[str]) -> _csv.Reader:
        return csv.reader(
            lines,
            delimiter=self.delimiter,
            quotechar='"',
            doublequote=True,
            escapechar=self.escapechar,
            skipinitialspace=self.skipinitialspace,
            strict=False,
        )


def detect_dialect(text: str, at_eof: bool) -> Dialect:
    """The delimiter (comma, tab, semicolon, pipe) under which the sample parses most consistently.

    Each candidate really parses the sample (so quoted delimiters and newlines count right)
    and is scored on whether its header has several columns and how many rows have the
    header's width. Ties go to the more common delimiter; a one-column file is comma.
    """
    text = text[: 1 << 18]
    if not at_eof:
        cut = max(text.rfind("\n"), text.rfind("\r"))
        if cut > 0:
            text = text[: cut + 1]
    variants = [Dialect(d) for d in DELIMITERS]
    if '\\"' in text:
        variants += [Dialect(d, escapechar="\\") for d in DELIMITERS]
    variants += [Dialect(d, skipinitialspace=True) for d in DELIMITERS if f'{d} "' in text]
    return max(variants, key=lambda d: _score(d, text, at_eof, -variants.index(d)))


def _score(dialect: Dialect, text: str, at_eof: bool, priority: int) -> tuple[bool, float, int, int]:
    try:
        records = [
            r for r in islice(dialect.reader(io.StringIO(text, newline="")), 500) if "".join(r).strip()
        ]
    except csv.Error:
        return (False, 0.0, 0, priority)
    if not at_eof and len(records) > 2:
        records.pop()  # probably cut off by the end of the sample
    if not records:
        return (False, 0.0, 0, priority)
    width = len(records[0])
    if width < 2:
        return (False, 0.0, 0, priority)  # one column under any delimiter: the common one wins
    counts = Counter(len(r) for r in records)
    consistency = round(counts[width] / len(records), 1)
    return (True, consistency, width, priority)


# --------------------------------------------------------------------------------------
# the line stream
# --------------------------------------------------------------------------------------

_repairs = threading.local()


def _count_repair(n: int) -> None:
    _repairs.n = getattr(_repairs, "n", 0) + n


# Windows-1252 for each byte, falling back to Latin-1 for its five undefined bytes.
_CP1252 = [bytes([b]).decode("cp1252", errors="ignore") or chr(b) for b in range(256)]


def _utf8_or_cp1252(exc: UnicodeError) -> tuple[str, int]:
    # A UTF-8 file with stray Windows-1252 bytes (one hand-edited row, two exports
    # concatenated) keeps its accents instead of losing them to U+FFFD.
    if not isinstance(exc, UnicodeDecodeError):
        raise exc
    bad = exc.object[exc.start : exc.end]
    _count_repair(len(bad))
    return "".join(_CP1252[b] for b in bad), exc.end


def _counted_replace(exc: UnicodeError) -> tuple[str, int]:
    if not isinstance(exc, UnicodeDecodeError):
        raise exc
    _count_repair(exc.end - exc.start)
    return "\ufffd", exc.end


codecs.register_error("contact_import.utf8_or_cp1252", _utf8_or_cp1252)
codecs.register_error("contact_import.counted_replace", _counted_replace)


@dataclass
class LineSource:
    """Decoded lines (with their line endings) of sample + rest of stream, for csv.reader."""

    stream: BinaryIO
    sample: bytes
    encoding: EncodingGuess
    max_bytes: int
    bytes_read: int = 0
    repaired_bytes: int = 0
    nul_removed: int = 0
    warnings: list[str] = field(default_factory=list)

    def __iter__(self) -> Iterator[str]:
        # csv.reader pulls each line from a chunk's StringIO through chain, in C: the generator
        # below resumes once per chunk rather than once per line
        return chain.from_iterable(self._blocks())

    def _blocks(self) -> Iterator[io.StringIO]:
        """The decoded text, one StringIO of whole lines per chunk (the last one may end mid-line)."""
        handler = (
            "contact_import.utf8_or_cp1252"
            if self.encoding.codec == "utf-8"
            else "contact_import.counted_replace"
        )
        decoder = codecs.getincrementaldecoder(self.encoding.codec)(errors=handler)
        carry = ""
        for data, final in self._chunks():
            before = getattr(_repairs, "n", 0)
            text = decoder.decode(data, final=final)
            self.repaired_bytes += getattr(_repairs, "n", 0) - before
            if "\x00" in text:
                self.nul_removed += text.count("\x00")
                text = text.replace("\x00", "")
            if carry:
                text = carry + text
            if final:
                if text:
                    yield io.StringIO(text, newline="")
                return
            end = len(text) - 1 if text.endswith("\r") else len(text)  # "\r" + next chunk's "\n"
            cut = max(text.rfind("\n", 0, end), text.rfind("\r", 0, end)) + 1
            if cut == 0:
                carry = text
                if len(carry) > MAX_LINE_CHARS:
                    raise FileRejected(
                        "LINE_TOO_LONG",
                        f"A line of the file is longer than {_size(MAX_LINE_CHARS)}: it is not a CSV "
                        f"file, or its line breaks are missing — {_SAVE_AS_CSV}.",
                    )
                continue
            carry = text[cut:]
            yield io.StringIO(text[:cut], newline="")

    def _chunks(self) -> Iterator[tuple[bytes, bool]]:
        sample, self.sample = self.sample, b""  # not kept alive for the whole file
        self.bytes_read = len(sample)
        self._check_size()
        data = sample[self.encoding.bom :]
        while True:
            more = self.stream.read(CHUNK_BYTES)
            if not more:
                yield data, True
                return
            yield data, False
            self.bytes_read += len(more)
            self._check_size()
            data = more

    def _check_size(self) -> None:
        if self.bytes_read > self.max_bytes:
            raise FileRejected("FILE_TOO_LARGE", _too_large(self.max_bytes))

    def finish_warnings(self) -> list[str]:
        """Warnings about repairs made while decoding; complete once the stream is consumed."""
        out = list(self.warnings)
        if self.repaired_bytes and self.encoding.codec == "utf-8":
            out.append(
                f"{self.repaired_bytes:,} byte(s) were not valid UTF-8 and were read as Windows-1252; "
                "check accented characters, or save the file as CSV UTF-8."
            )
        elif self.repaired_bytes:
            out.append(
                f"{self.repaired_bytes:,} byte(s) could not be decoded as {self.encoding.name} and were "
                "replaced with '\ufffd'; save the file as CSV UTF-8."
            )
        if self.nul_removed:
            out.append(f"{self.nul_removed:,} NUL character(s) were removed from the file.")
        return out


def _too_large(max_bytes: int) -> str:
    return (
        f"The file is larger than the {_size(max_bytes)} limit; split it into smaller files and import "
        "them one at a time."
    )


def _size(n: int) -> str:
    for unit, scale in (("GB", 1 << 30), ("MB", 1 << 20), ("KB", 1 << 10)):
        if n >= scale:
            return f"{n / scale:,.{0 if n % scale == 0 else 1}f} {unit}"
    return f"{n:,} bytes"


def read_sample(stream: BinaryIO, size: int | None = None) -> tuple[bytes, bool]:
    """Up to `size` (default SAMPLE_BYTES) bytes from the stream and whether it ended within them."""
    size = SAMPLE_BYTES if size is None else size
    parts: list[bytes] = []
    got = 0
    while got < size:
        data = stream.read(size - got)
        if not data:
            return b"".join(parts), True
        parts.append(data)
        got += len(data)
    # A read that stops exactly at `size` may or may not be at the end; the caller finds out.
    return b"".join(parts), False


@dataclass(frozen=True, slots=True)
class Detected:
    encoding: EncodingGuess
    dialect: Dialect
    warnings: tuple[str, ...]
    skip_lines: int = 0  # lines before the header that are not CSV (Excel's "sep=" line)


def open_text(stream: BinaryIO, max_bytes: int, size: int | None = None) -> tuple[Detected, LineSource]:
    """Detect what the stream holds and return the decoded line source ready for csv.reader.

    Raises FileRejected for FILE_TOO_LARGE, EMPTY_FILE, BINARY_FILE and UNDECODABLE.
    """
    if size is not None and size > max_bytes:
        raise FileRejected("FILE_TOO_LARGE", _too_large(max_bytes))
    sample, at_eof = read_sample(stream)
    if not sample.strip(b" \t\r\n\x00" + codecs.BOM_UTF8):
        raise FileRejected(
            "EMPTY_FILE", "The file is empty; upload a CSV file with a header row and data rows."
        )
    reject_binary(sample)
    guess = detect_encoding(sample, at_eof)
    body = sample[guess.bom :]
    try:
        text = codecs.getincrementaldecoder(guess.codec)(errors="replace").decode(body, final=at_eof)
    except LookupError:
        raise FileRejected("UNDECODABLE", f"The file's encoding ({guess.codec}) is not supported.") from None
    text = text.replace("\x00", "")
    if not text.strip():
        raise FileRejected(
            "EMPTY_FILE", "The file is empty; upload a CSV file with a header row and data rows."
        )
    check_text(text)
    warnings = list(guess.warnings)
    example = double_encoded_example(text)
    if example is not None:
        warnings.append(
            f"The text looks double-encoded (e.g. {example[0]!r} where {example[1]!r} was meant): the file "
            "was probably converted to UTF-8 twice. Fix the source file and re-import to get the "
            "accented characters right."
        )
    # Excel writes a "sep=;" line ahead of the header when told which delimiter it used.
    sep = _SEP_LINE.match(text)
    dialect = Dialect(sep.group(1)) if sep else detect_dialect(text, at_eof)
    source = LineSource(stream, sample, guess, max_bytes)
    return Detected(guess, dialect, tuple(warnings), skip_lines=1 if sep else 0), source


_SEP_LINE = re.compile(r"sep=([,;\t|])(?:\r\n|\r|\n|$)", re.IGNORECASE)
