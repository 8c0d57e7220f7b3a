"""Keep moto's in-memory S3 on disk: every object written is also written under a folder,
and loaded back when the next process starts."""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import quote, unquote


class PersistentS3:
    def __init__(self, root: Path) -> None:
        self.root = root
        self._loading = False

    def path(self, bucket: str, key: str) -> Path:
        # one file per object; the key is quoted so any key maps to one safe file name
        return self.root / bucket / quote(key, safe="")

    def _save(self, bucket: str, key: str, value: bytes) -> None:
        if self._loading:
            return
        target = self.path(bucket, key)
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=".tmp-")
        with os.fdopen(fd, "wb") as f:
            f.write(value)
        os.replace(tmp, target)

    def _delete(self, bucket: str, key: str) -> None:
        with contextlib.suppress(FileNotFoundError):
            self.path(bucket, key).unlink()

    @contextlib.contextmanager
    def write_through(self) -> Iterator[None]:
        from moto.s3.models import S3Backend

        original_put, original_delete = S3Backend.put_object, S3Backend.delete_object
        store = self

        def put_object(
            backend: Any, bucket_name: str, key_name: str, value: bytes, *args: Any, **kwargs: Any
        ):
            key = original_put(backend, bucket_name, key_name, value, *args, **kwargs)
            store._save(bucket_name, key_name, bytes(value))
            return key

        def delete_object(backend: Any, bucket_name: str, key_name: str, *args: Any, **kwargs: Any):
            result = original_delete(backend, bucket_name, key_name, *args, **kwargs)
            store._delete(bucket_name, key_name)
            return result

        S3Backend.put_object = put_object  # type: ignore[method-assign,assignment]
        S3Backend.delete_object = delete_object  # type: ignore[method-assign,assignment]
        try:
            yield
        finally:
            S3Backend.put_object = original_put  # type: ignore[method-assign]
            S3Backend.delete_object = original_delete  # type: ignore[method-assign]

    def load(self, s3_client: Any) -> int:
        """Upload every persisted object into the (empty) engine; returns how many."""
        if not self.root.exists():
            return 0
        count = 0
        self._loading = True
        try:
            for bucket_dir in self.root.iterdir():
                if not bucket_dir.is_dir():
                    continue
                with contextlib.suppress(Exception):
                    s3_client.create_bucket(Bucket=bucket_dir.name)
                for f in bucket_dir.iterdir():
                    if f.name.startswith(".tmp-"):
                        continue
                    try:
                        s3_client.upload_file(str(f), bucket_dir.name, unquote(f.name))
                    except FileNotFoundError:  # deleted by another process sharing the folder
                        continue
                    count += 1
        finally:
            self._loading = False
        return count
