"""The glue between the contacts routes and the read model (`functions.query`): request
parameters in, QueryError out as the API's 400."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from functions.api.errors import BadRequest, InternalError, NotFound
from functions.intake import custom_field_store
from functions.query.db import Database, get_database
from functions.query.segments import SegmentNotFound
from functions.query.sql import ListRequest, QueryError


def _csv(value: str | None) -> tuple[str, ...]:
    return tuple(v.strip() for v in (value or "").split(",") if v.strip())


def list_request(
    *,
    icp_tier: str | None = None,
    grade: str | None = None,
    tag: str | None = None,
    search: str | None = None,
    created_after: str | None = None,
    updated_after: str | None = None,
    is_deleted: bool | None = None,
    segment_id: str | None = None,
) -> ListRequest:
    return ListRequest(
        icp_tiers=tuple(sorted({t.upper() for t in _csv(icp_tier)})),
        grades=tuple(sorted({g.upper() for g in _csv(grade)})),
        tags=tuple(t.casefold() for t in _csv(tag)),
        search=(search or "").strip().casefold() or None,
        created_after=(created_after or "").strip() or None,
        updated_after=(updated_after or "").strip() or None,
        is_deleted=is_deleted,
        segment_id=(segment_id or "").strip() or None,
    )


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
        raise InternalError("segments need the contacts read model, which is not configured")
    return db
