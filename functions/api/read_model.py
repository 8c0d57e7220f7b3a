"""The glue between the contacts routes and the read model (`functions.query`): the engine,
the workspace's custom field types, and QueryError out as the API's 400."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from functions.api.errors import BadRequest, InternalError, NotFound
from functions.intake import custom_field_store
from functions.query.db import Database, get_database
from functions.query.segments import SegmentNotFound
from functions.query.sql import QueryError


def custom_types(workspace_id: str) -> dict[str, str]:
    """The workspace's custom fields by name -> type, which decides how a filter compares."""
    return {name: d.field_type for name, d in custom_field_store.definitions(workspace_id).items()}


@contextmanager
def as_bad_request() -> Iterator[None]:
    try:
        yield
    except QueryError as exc:
        raise BadRequest(exc.message, field=exc.field) from None
    except SegmentNotFound as exc:
        raise NotFound(str(exc)) from None


def database() -> Database:
    db = get_database()
    if db is None:
        raise InternalError("the contacts read model is not configured (CI_PG_DSN, or CI_DB_CLUSTER_ARN)")
    return db
