"""Reading and writing a job's chunk files: one JSON object per line, one object per stage."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

from functions.common import s3
from functions.common.rows import Row, RowResult


def write_rows(job_id: str, chunk: int, stage: str, rows: Iterable[Row]) -> None:
    s3.put_lines(s3.chunk_key(job_id, chunk, stage), (r.to_json() for r in rows))


def read_rows(job_id: str, chunk: int, stage: str) -> Iterator[Row]:
    for line in s3.read_lines(s3.chunk_key(job_id, chunk, stage)):
        yield Row.from_json(line)


def write_results(job_id: str, chunk: int, stage: str, results: Iterable[RowResult]) -> None:
    s3.put_lines(s3.chunk_key(job_id, chunk, stage), (r.to_json() for r in results))


def read_results(job_id: str, chunk: int, stage: str) -> Iterator[RowResult]:
    for line in s3.read_lines(s3.chunk_key(job_id, chunk, stage)):
        yield RowResult.from_json(line)


def done(job_id: str, chunk: int, stage: str) -> bool:
    """A stage's output exists: the checkpoint that makes retries and resume skip finished work."""
    return s3.exists(s3.chunk_key(job_id, chunk, stage))


def chunk_number(event_chunk: Any) -> int:
    return int(event_chunk["n"])
