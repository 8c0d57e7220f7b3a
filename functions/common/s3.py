"""S3 access: deterministic keys for every stage's output, JSON-lines objects, streaming reads."""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from typing import Any, BinaryIO

from botocore.exceptions import ClientError

from functions.common.aws import client
from functions.common.settings import get_settings


def chunk_key(job_id: str, chunk: int, stage: str) -> str:
    return f"imports/{job_id}/chunks/{chunk:05d}/{stage}.jsonl"


def manifest_key(job_id: str) -> str:
    return f"imports/{job_id}/manifest.json"


def report_key(job_id: str, kind: str) -> str:
    return f"reports/{job_id}/{kind}.csv"


def _bucket(bucket: str | None) -> str:
    return bucket or get_settings().bucket


def put_bytes(key: str, body: bytes, *, bucket: str | None = None, content_type: str | None = None) -> None:
    extra = {"ContentType": content_type} if content_type else {}
    client("s3").put_object(Bucket=_bucket(bucket), Key=key, Body=body, **extra)


def put_lines(key: str, lines: Iterable[str], *, bucket: str | None = None) -> None:
    body = "".join(line + "\n" for line in lines).encode("utf-8")
    put_bytes(key, body, bucket=bucket, content_type="application/x-ndjson")


def put_json(key: str, doc: Any, *, bucket: str | None = None) -> None:
    put_bytes(key, json.dumps(doc).encode("utf-8"), bucket=bucket, content_type="application/json")


def get_bytes(key: str, *, bucket: str | None = None) -> bytes:
    body: bytes = client("s3").get_object(Bucket=_bucket(bucket), Key=key)["Body"].read()
    return body


def get_json(key: str, *, bucket: str | None = None) -> Any:
    return json.loads(get_bytes(key, bucket=bucket))


def open_stream(key: str, *, bucket: str | None = None) -> tuple[BinaryIO, int]:
    """A non-seekable stream over an object and its size, for reading files of any size."""
    obj = client("s3").get_object(Bucket=_bucket(bucket), Key=key)
    return obj["Body"], int(obj["ContentLength"])


def head_size(key: str, *, bucket: str | None = None) -> int | None:
    try:
        return int(client("s3").head_object(Bucket=_bucket(bucket), Key=key)["ContentLength"])
    except ClientError as exc:
        if exc.response["Error"]["Code"] in ("404", "NoSuchKey", "NotFound"):
            return None
        raise


def exists(key: str, *, bucket: str | None = None) -> bool:
    return head_size(key, bucket=bucket) is not None


def list_keys(prefix: str, *, bucket: str | None = None) -> Iterator[str]:
    paginator = client("s3").get_paginator("list_objects_v2")
    for page in paginator.paginate(Bucket=_bucket(bucket), Prefix=prefix):
        for obj in page.get("Contents", []):
            yield obj["Key"]


def delete_prefix(prefix: str, *, bucket: str | None = None) -> int:
    keys = list(list_keys(prefix, bucket=bucket))
    for start in range(0, len(keys), 1000):
        batch = [{"Key": k} for k in keys[start : start + 1000]]
        client("s3").delete_objects(Bucket=_bucket(bucket), Delete={"Objects": batch, "Quiet": True})
    return len(keys)
