"""Reading and writing a job's chunk files: one JSON object per line, one object per stage."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

from functions.common import s3
from functions.common.rows import Row, RowResult

_NDJSON = "application/x-ndjson"


def write_rows(job_id: str, chunk: int, stage: str, rows: Iterable[Row]) -> None:
    # the same bytes as s3.put_lines of `to_json()`, without decoding each line only to encode it again
    lines = [r.to_json_bytes() for r in rows]
    lines.append(b"")
    s3.put_bytes(s3.chunk_key(job_id, chunk, stage), b"\n".join(lines), content_type=_NDJSON)


def read_rows(job_id: str, chunk: int, stage: str) -> Iterator[Row]:
    for line in _lines(s3.chunk_key(job_id, chunk, stage)):
        yield Row.from_json(line)


def write_results(job_id: str, chunk: int, stage: str, results: Iterable[RowResult]) -> None:
    s3.put_lines(s3.chunk_key(job_id, chunk, stage), (r.to_json() for r in results))


def read_results(job_id: str, chunk: int, stage: str) -> Iterator[RowResult]:
    for line in _lines(s3.chunk_key(job_id, chunk, stage)):
        yield RowResult.from_json(line)


def _lines(key: str) -> Iterator[bytes]:
    """The lines of a chunk file, split on newlines only: a cell may hold U+2028 or U+0085, which
    JSON leaves unescaped and `str.splitlines` would take for line breaks."""
    for line in s3.get_bytes(key).split(b"\n"):
        if line:
            yield line


def done(job_id: str, chunk: int, stage: str) -> bool:
    """A stage's output exists: the checkpoint that makes retries and resume skip finished work."""
    return s3.exists(s3.chunk_key(job_id, chunk, stage))


def chunk_number(event_chunk: Any) -> int:
    return int(event_chunk["n"])
