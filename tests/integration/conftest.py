from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from local.runtime import Runtime


@pytest.fixture(scope="session")
def rt(ddb_endpoint: str, pg_dsn: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Runtime]:
    with Runtime(tmp_path_factory.mktemp("data")) as runtime:
        yield runtime


@pytest.fixture
def workspace() -> str:
    return f"ws_{uuid.uuid4().hex[:10]}"


@pytest.fixture
def out_dir(tmp_path: Path) -> Path:
    return tmp_path / "reports"
