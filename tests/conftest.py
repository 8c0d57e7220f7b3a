"""Shared fixtures: one in-memory DynamoDB Local engine per test session, used by every
integration and end-to-end test (separate workspaces and job ids keep tests apart)."""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest

from local import dynamodb


@pytest.fixture(scope="session")
def ddb_endpoint() -> Iterator[str]:
    existing = os.environ.get("AWS_ENDPOINT_URL_DYNAMODB")
    if existing:
        yield existing
        return
    engine = dynamodb.start(data_dir=None)
    os.environ["AWS_ENDPOINT_URL_DYNAMODB"] = engine.endpoint
    try:
        yield engine.endpoint
    finally:
        os.environ.pop("AWS_ENDPOINT_URL_DYNAMODB", None)
        engine.stop()
