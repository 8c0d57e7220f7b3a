from __future__ import annotations

import pytest


@pytest.fixture(autouse=True)
def shared_postgres(pg_dsn: str) -> str:
    """CLI processes inherit CI_PG_DSN: they share the session's server instead of each starting one."""
    return pg_dsn
