"""Shared fixtures: one in-memory DynamoDB Local engine per test session, used by every
integration and end-to-end test (separate workspaces and job ids keep tests apart)."""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest
from hypothesis import settings

from local import dynamodb, postgres

# property tests check behaviour, not speed: no per-example deadline (a busy machine exceeds it)
settings.register_profile("project", deadline=None)
settings.load_profile("project")


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


@pytest.fixture(scope="session")
def pg_dsn() -> Iterator[str]:
    """One PostgreSQL (the embedded server, in a memory-backed temp dir) per test session."""
    existing = os.environ.get("CI_PG_DSN")
    if existing:
        yield existing
        return
    server = postgres.start(data_dir=None)
    os.environ["CI_PG_DSN"] = server.dsn
    try:
        yield server.dsn
    finally:
        os.environ.pop("CI_PG_DSN", None)
        server.stop()
