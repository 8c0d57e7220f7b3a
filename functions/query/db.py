"""The read model's one port to PostgreSQL, and its two adapters.

Every statement is written once, with `:name` parameters, and runs unchanged on both engines:
- `PsycopgDatabase` (one machine: the embedded server) turns `:name` into psycopg's `%(name)s`;
- `DataApiDatabase` (AWS: Aurora Serverless v2) sends it to the RDS Data API as is.
Parameters are plain scalars (str, int, float, bool, None); lists and dicts travel as JSON text
and the SQL casts them (`:p::jsonb`), because the Data API takes no array parameters. Rows come
back as dicts of JSON-like values; jsonb columns may arrive as text (the Data API's JSON format)
and `json_value` reads either.
"""

from __future__ import annotations

import json
import re
import threading
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import Any, Protocol

import orjson

from functions.common.aws import client

Params = Mapping[str, Any]
Row = dict[str, Any]

_NAMED = re.compile(r"(?<![:\w]):([A-Za-z_]\w*)")


class Database(Protocol):
    def query(self, sql: str, params: Params | None = None) -> list[Row]:
        """Rows of one statement."""
        ...

    def execute(self, sql: str, params: Params | None = None) -> int:
        """Run one statement; the number of rows it changed."""
        ...


def scalar(value: Any) -> Any:
    """A parameter as both engines take it: JSON text for lists and dicts."""
    if isinstance(value, list | tuple | dict):
        return json.dumps(value, separators=(",", ":"), default=str)
    return value


def loads(text: str | bytes) -> Any:
    """A jsonb value: orjson (a 500-contact page's items parsed in a fifth of the stdlib's time),
    the stdlib for what orjson refuses (an integer beyond 64 bits)."""
    try:
        return orjson.loads(text)
    except orjson.JSONDecodeError:
        return json.loads(text)


def json_value(value: Any) -> Any:
    return loads(value) if isinstance(value, str) else value


def split_statements(script: str) -> list[str]:
    """A migration file's statements: split at `;` ending a line, comments dropped."""
    lines = [line for line in script.splitlines() if not line.lstrip().startswith("--")]
    parts = re.split(r";\s*$", "\n".join(lines), flags=re.MULTILINE)
    return [p.strip() for p in parts if p.strip()]


# --- one machine: psycopg -------------------------------------------------------------------------


def to_pyformat(sql: str) -> str:
    """`:name` -> `%(name)s`; `::type` casts and literal `%` are kept."""
    return _NAMED.sub(r"%(\1)s", sql.replace("%", "%%"))


class PsycopgDatabase:
    """A small pool of autocommit connections (the runtime's threads share one adapter)."""

    def __init__(self, dsn: str, *, max_idle: int = 8) -> None:
        self.dsn = dsn
        self._idle: list[Any] = []
        self._lock = threading.Lock()
        self._max_idle = max_idle

    @contextmanager
    def _connection(self) -> Iterator[Any]:
        import psycopg
        from psycopg.rows import dict_row
        from psycopg.types.json import set_json_loads

        with self._lock:
            conn = self._idle.pop() if self._idle else None
        if conn is None or conn.closed:
            # no server-side prepared statements (`prepare_threshold=None`), as through the Data
            # API: after five runs of one statement PostgreSQL may switch it to a generic plan,
            # which cannot see which tier or tag a filter names (a dynamic segment's first page
            # at 1M contacts walked every tier-A row instead of the newest ones)
            conn = psycopg.connect(self.dsn, autocommit=True, row_factory=dict_row, prepare_threshold=None)
            set_json_loads(loads, conn)
        broken = False
        try:
            yield conn
        except psycopg.OperationalError:
            broken = True  # the session is gone; a statement error leaves an autocommit one usable
            raise
        finally:
            keep = not broken and not conn.closed
            with self._lock:
                if keep and len(self._idle) < self._max_idle:
                    self._idle.append(conn)
                    keep = False
                    conn = None
            if conn is not None:
                conn.close()

    def query(self, sql: str, params: Params | None = None) -> list[Row]:
        with self._connection() as conn:
            cur = conn.execute(to_pyformat(sql), {k: scalar(v) for k, v in (params or {}).items()})
            return list(cur.fetchall()) if cur.description else []

    def execute(self, sql: str, params: Params | None = None) -> int:
        with self._connection() as conn:
            cur = conn.execute(to_pyformat(sql), {k: scalar(v) for k, v in (params or {}).items()})
            return int(cur.rowcount)

    def close(self) -> None:
        with self._lock:
            idle, self._idle = self._idle, []
        for conn in idle:
            conn.close()


# --- AWS: the RDS Data API ----------------------------------------------------------------------

# the Data API answers at most 1 MiB per call; a bigger result is read in pages of this many rows
DATA_API_PAGE_ROWS = 200


def data_api_parameter(name: str, value: Any) -> dict[str, Any]:
    value = scalar(value)
    if value is None:
        return {"name": name, "value": {"isNull": True}}
    if isinstance(value, bool):
        return {"name": name, "value": {"booleanValue": value}}
    if isinstance(value, int):
        return {"name": name, "value": {"longValue": value}}
    if isinstance(value, float):
        return {"name": name, "value": {"doubleValue": value}}
    if isinstance(value, str):
        return {"name": name, "value": {"stringValue": value}}
    raise TypeError(f"parameter {name!r}: no Data API type for {type(value).__name__}")


class DataApiDatabase:
    """Aurora PostgreSQL through the RDS Data API: no VPC, credentials from Secrets Manager."""

    def __init__(
        self,
        cluster_arn: str,
        secret_arn: str,
        database: str,
        *,
        page_rows: int = DATA_API_PAGE_ROWS,
        resume_wait_s: float = 25.0,
    ) -> None:
        self.cluster_arn, self.secret_arn, self.database = cluster_arn, secret_arn, database
        self.page_rows = page_rows
        self.resume_wait_s = resume_wait_s

    def _call(self, sql: str, params: Params | None, **extra: Any) -> dict[str, Any]:
        request = {
            "resourceArn": self.cluster_arn,
            "secretArn": self.secret_arn,
            "database": self.database,
            "sql": sql,
            "parameters": [data_api_parameter(k, v) for k, v in (params or {}).items()],
            **extra,
        }
        deadline = time.monotonic() + self.resume_wait_s
        delay = 0.5
        rds = client("rds-data")
        while True:
            try:
                return dict(rds.execute_statement(**request))
            except rds.exceptions.DatabaseResumingException:
                # an auto-paused cluster (minimum capacity 0) takes a few seconds to wake up
                if time.monotonic() + delay > deadline:
                    raise
                time.sleep(delay)
                delay = min(delay * 2, 4.0)

    def query(self, sql: str, params: Params | None = None) -> list[Row]:
        try:
            resp = self._call(sql, params, formatRecordsAs="JSON")
        except client("rds-data").exceptions.BadRequestException as exc:
            if "response size" not in str(exc).lower():
                raise
            return list(self._paged(sql, params))
        return list(json.loads(resp.get("formattedRecords") or "[]"))

    def _paged(self, sql: str, params: Params | None) -> Iterator[Row]:
        """A result over the size limit, read again in pages (the statement orders its rows)."""
        offset = 0
        paged = f"SELECT * FROM ({sql}) AS page LIMIT :_page_rows OFFSET :_page_offset"
        while True:
            resp = self._call(
                paged,
                {**(params or {}), "_page_rows": self.page_rows, "_page_offset": offset},
                formatRecordsAs="JSON",
            )
            rows = json.loads(resp.get("formattedRecords") or "[]")
            yield from rows
            if len(rows) < self.page_rows:
                return
            offset += self.page_rows

    def execute(self, sql: str, params: Params | None = None) -> int:
        return int(self._call(sql, params).get("numberOfRecordsUpdated", 0))


# --- the configured engine ----------------------------------------------------------------------

_engine: Database | None = None
_engine_key: tuple[Any, ...] | None = None
_engine_lock = threading.Lock()


def get_database() -> Database | None:
    """The read model's engine from settings, or None when none is configured."""
    from functions.common.settings import get_settings

    global _engine, _engine_key
    s = get_settings()
    key = (s.pg_dsn, s.db_cluster_arn, s.db_secret_arn, s.db_name)
    with _engine_lock:
        if _engine is not None and _engine_key == key:
            return _engine
        if isinstance(_engine, PsycopgDatabase):
            _engine.close()
        if s.pg_dsn:
            _engine = PsycopgDatabase(s.pg_dsn)
        elif s.db_cluster_arn and s.db_secret_arn:
            _engine = DataApiDatabase(s.db_cluster_arn, s.db_secret_arn, s.db_name)
        else:
            _engine = None
        _engine_key = key
        return _engine


def reset_database() -> None:
    global _engine, _engine_key
    with _engine_lock:
        if isinstance(_engine, PsycopgDatabase):
            _engine.close()
        _engine, _engine_key = None, None
