"""The contact audit log: one immutable entry per contact change, derived from the stream.

Every Contacts stream record carries the item before and after the write, and every writer
stamps who made it (`functions.common.audit`). `entries` turns a batch of records into audit
entries (the per-field before/after, bookkeeping left out; no difference, no entry); `record`
appends them to `contact_audit` in PostgreSQL, keyed on the stream record's event id, so a
redelivered batch adds nothing. A REMOVE that is an erasure (not an email change's move) deletes
the contact's entries and leaves a row in `audit_retention_log` (no personal data).

Readers: `page` (the API and CLI: newest first, opaque cursor), `entries_by_actor` (what did an
actor change: bulk undo, import rollback) and `purge_expired` (the scheduled maintenance run).
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from itertools import repeat
from typing import Any

from functions.common import ddb
from functions.common.audit import CHANGE_SOURCE, CHANGED_BY, MOVED_FROM, MOVED_TO
from functions.common.contact_ids import without_email
from functions.query.db import Database, json_value
from functions.query.projector import TOMBSTONE_KEY
from functions.query.rows import rows_json_chunks

DEFAULT_RETENTION_DAYS = 730  # two years, unless the workspace configures otherwise
MAX_PAGE = 200

# attributes that say nothing a person changed: versioning, timestamps, who wrote it, derived data
BOOKKEEPING = frozenset(
    {
        "workspace_id",
        "version",
        "updated_at",
        "created_at",
        "last_job",
        "created_by_job",
        "score_breakdown",
        "score_events",  # the re-scoring digest of the engagement timeline (functions.events.digest)
        CHANGED_BY,
        CHANGE_SOURCE,
        MOVED_TO,
        MOVED_FROM,
    }
)
_NESTED = {"fields": "", "custom_fields": "custom_fields."}


@dataclass(frozen=True)
class Entry:
    id: str
    workspace_id: str
    contact_id: str
    email: str
    at: str
    version: int
    actor: str
    source: str
    changes: dict[str, dict[str, Any]]

    def as_row(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "workspace_id": self.workspace_id,
            "contact_id": self.contact_id,
            "email": self.email,
            "at": self.at,
            "version": self.version,
            "actor": self.actor,
            "source": self.source,
            "changes": self.changes,
        }


@dataclass(frozen=True)
class Erasure:
    id: str
    workspace_id: str
    contact_id: str
    version: int


# --- pure: images -> changes -------------------------------------------------------------------


def flatten(item: Mapping[str, Any] | None) -> dict[str, Any]:
    """A contact item as audited field names: `fields.x` as `x` (as the API shows a contact),
    `custom_fields.x` as `custom_fields.x`, the rest by attribute name; bookkeeping dropped."""
    out: dict[str, Any] = {}
    for name, value in (item or {}).items():
        if name in BOOKKEEPING:
            continue
        if name in _NESTED and isinstance(value, Mapping):
            for key, inner in value.items():
                out[_NESTED[name] + str(key)] = inner
        else:
            out[name] = value
    return out


def _empty(value: Any) -> bool:
    """None, "", [] or {} (run on every field of every projected change: no throwaway [] or {})."""
    return value is None or (isinstance(value, str | list | dict) and not value)


def diff(before: Mapping[str, Any] | None, after: Mapping[str, Any] | None) -> dict[str, dict[str, Any]]:
    """Per audited field, `{"before", "after"}` where they differ (missing and empty are alike)."""
    old, new = flatten(before), flatten(after)
    changes: dict[str, dict[str, Any]] = {}
    for name in sorted(old.keys() | new.keys()):
        a, b = old.get(name), new.get(name)
        if _empty(a) and _empty(b):
            continue
        if a != b:
            changes[name] = {"before": None if _empty(a) else a, "after": None if _empty(b) else b}
    return changes


def created(after: Mapping[str, Any]) -> dict[str, dict[str, Any]]:
    """`diff(None, after)`, shorter: a creation's every non-empty audited field."""
    return {name: {"before": None, "after": v} for name, v in sorted(flatten(after).items()) if not _empty(v)}


def _record_id(record: Mapping[str, Any], item: Mapping[str, Any]) -> str:
    event_id = record.get("eventID")
    if event_id:
        return str(event_id)
    data = record.get("dynamodb") or {}
    return "#".join(
        str(p)
        for p in (
            data.get("SequenceNumber"),
            record.get("eventName"),
            item.get("workspace_id"),
            item.get("email"),
            item.get("version"),
        )
    )


def _at(record: Mapping[str, Any], item: Mapping[str, Any]) -> str:
    stamp = item.get("updated_at") or item.get("created_at")
    if stamp:
        return str(stamp)
    when = (record.get("dynamodb") or {}).get("ApproximateCreationDateTime")
    moment = datetime.fromtimestamp(float(when), UTC) if isinstance(when, int | float) else datetime.now(UTC)
    return moment.isoformat(timespec="milliseconds").replace("+00:00", "Z")


_HEADER = (
    "workspace_id",
    "contact_id",
    "email",
    "version",
    "updated_at",
    "created_at",
    CHANGED_BY,
    CHANGE_SOURCE,
    MOVED_TO,
    MOVED_FROM,
)


def _header(image: Mapping[str, Any] | None) -> dict[str, Any] | None:
    """The few scalar attributes an entry needs, read straight from the attribute values."""
    if not image:
        return None
    out: dict[str, Any] = {}
    for name in _HEADER:
        av = image.get(name)
        if av is None:
            continue
        if "S" in av:
            out[name] = av["S"]
        elif "N" in av:
            out[name] = int(float(av["N"]))
    return out


def _raw_flat(image: Mapping[str, Any] | None) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for name, av in (image or {}).items():
        if name in BOOKKEEPING:
            continue
        if name in _NESTED and "M" in av:
            for key, inner in av["M"].items():
                out[_NESTED[name] + key] = inner
        else:
            out[name] = av
    return out


def _raw_empty(av: Mapping[str, Any] | None) -> bool:
    return av is None or bool(av.get("NULL")) or av.get("S") == "" or av.get("L") == [] or av.get("M") == {}


def raw_diff(before: Mapping[str, Any] | None, after: Mapping[str, Any] | None) -> dict[str, dict[str, Any]]:
    """`diff` of two stream images as DynamoDB attribute values: only the attributes whose
    values differ are deserialized (most of an image is the same on both sides)."""
    old, new = _raw_flat(before), _raw_flat(after)
    changes: dict[str, dict[str, Any]] = {}
    for name in sorted(old.keys() | new.keys()):
        a, b = old.get(name), new.get(name)
        if a == b or (_raw_empty(a) and _raw_empty(b)):
            continue
        pa = None if a is None or _raw_empty(a) else ddb.from_av(a)
        pb = None if b is None or _raw_empty(b) else ddb.from_av(b)
        if pa != pb:  # "40" and "40.0" are one number
            changes[name] = {"before": pa, "after": pb}
    return changes


def from_record(
    record: Mapping[str, Any], decoded: Mapping[str, Any] | None = None
) -> Entry | Erasure | None:
    """One stream record as an audit entry, an erasure, or nothing (no audited difference);
    `decoded`: its new image already decoded (`functions.query.rows.image`), when at hand."""
    data = record.get("dynamodb") or {}
    old_image, new_image = data.get("OldImage") or None, data.get("NewImage") or None
    old, new = _header(old_image), _header(new_image)
    item = new or old
    if not item or not item.get("workspace_id") or not item.get("contact_id"):
        return None
    if record.get("eventName") == "REMOVE":
        if old is None or old.get(MOVED_TO):
            return None  # an email change's move: the history goes on under the new key
        return Erasure(
            _record_id(record, old),
            str(old["workspace_id"]),
            str(old["contact_id"]),
            int(old.get("version") or 1),
        )
    assert new is not None
    if old is not None and old.get("contact_id") != new.get("contact_id"):
        old_image = None  # a new contact under a reused email (the old one was erased): a creation
    if old_image is None and new.get(MOVED_FROM):
        changes = {"email": {"before": new[MOVED_FROM], "after": new.get("email")}}
    elif old_image is None and decoded is not None:
        changes = created(decoded)  # every field, already decoded for the read model
    else:
        changes = raw_diff(old_image, new_image)
    if not changes:
        return None
    return Entry(
        id=_record_id(record, new),
        workspace_id=str(new["workspace_id"]),
        contact_id=str(new["contact_id"]),
        email=str(new.get("email") or ""),
        at=_at(record, new),
        version=int(new.get("version") or 1),
        actor=str(new.get(CHANGED_BY) or "system"),
        source=str(new.get(CHANGE_SOURCE) or "system"),
        changes=changes,
    )


def split(
    records: Iterable[Mapping[str, Any]], items: Iterable[Mapping[str, Any] | None] | None = None
) -> tuple[list[Entry], list[Erasure]]:
    """Entries and erasures of a batch; `items`: each record's decoded image, in the same order."""
    entries: dict[str, Entry] = {}
    erasures: dict[str, Erasure] = {}
    for record, item in zip(records, items or repeat(None), strict=False):
        found = from_record(record, None if record.get("eventName") == "REMOVE" else item)
        if isinstance(found, Entry):
            entries[found.id] = found
        elif isinstance(found, Erasure):
            erasures[found.id] = found
    return list(entries.values()), list(erasures.values())


# --- SQL ----------------------------------------------------------------------------------------

_APPEND = f"""
INSERT INTO contact_audit (id, workspace_id, contact_id, email, at, version, actor, source, changes)
SELECT r.id, r.workspace_id, r.contact_id, r.email, r.at, r.version, r.actor, r.source, r.changes
FROM jsonb_to_recordset(:rows::jsonb) AS r(
    id text, workspace_id text, contact_id text, email text, at timestamptz, version bigint,
    actor text, source text, changes jsonb
)
WHERE NOT EXISTS (
    SELECT 1 FROM contact_tombstones t
    WHERE t.contact_id = {TOMBSTONE_KEY} AND t.version >= r.version AND NOT t.moved  -- erased, not moved
)
ON CONFLICT (id) DO NOTHING
"""

_ERASE = """
DELETE FROM contact_audit a
USING jsonb_to_recordset(:gone::jsonb) AS r(id text, workspace_id text, contact_id text, version bigint)
WHERE a.workspace_id = r.workspace_id AND a.contact_id = r.contact_id
"""

_RETENTION = """
INSERT INTO audit_retention_log (id, workspace_id, contact_id, erased_at, reason)
SELECT r.id, r.workspace_id, r.contact_id, now(), 'contact erased: its audit entries were removed'
FROM jsonb_to_recordset(:gone::jsonb) AS r(id text, workspace_id text, contact_id text, version bigint)
ON CONFLICT (id) DO NOTHING
"""


def record(
    db: Database,
    records: Iterable[Mapping[str, Any]],
    items: Iterable[Mapping[str, Any] | None] | None = None,
) -> int:
    """Append the audit entries of a batch of stream records (idempotent); the number found.
    `items`: each record's decoded image, in the same order, when the caller has them."""
    entries, erasures = split(records, items)
    if entries:
        for chunk in rows_json_chunks([e.as_row() for e in entries]):
            db.execute(_APPEND, {"rows": chunk})
    if erasures:
        db.execute(_ERASE, {"gone": _json([e.__dict__ for e in erasures])})
        # an id may carry its email: what outlives an erasure keeps the id without it
        kept = [{**e.__dict__, "contact_id": without_email(e.contact_id)} for e in erasures]
        db.execute(_RETENTION, {"gone": _json(kept)})
    return len(entries)


def _json(rows: list[dict[str, Any]]) -> str:
    return json.dumps(rows, separators=(",", ":"), default=str)


def _iso(value: Any) -> str:
    if isinstance(value, datetime):
        return value.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")
    return str(value)


def view(row: Mapping[str, Any]) -> dict[str, Any]:
    """An entry as the API shows it: `{"id", "at", "actor", "source", "changes"}`."""
    return {
        "id": row["id"],
        "at": _iso(row["at"]),
        "actor": row["actor"],
        "source": row["source"],
        "changes": json_value(row["changes"]),
    }


class CursorError(ValueError):
    pass


def _encode(row: Mapping[str, Any]) -> str:
    doc = json.dumps([_iso(row["at"]), row["id"]], separators=(",", ":"))
    return base64.urlsafe_b64encode(doc.encode()).decode().rstrip("=")


def _decode(cursor: str) -> tuple[str, str]:
    try:
        doc = json.loads(base64.urlsafe_b64decode((cursor + "=" * (-len(cursor) % 4)).encode("ascii")))
        at, entry_id = doc
        datetime.fromisoformat(str(at).replace("Z", "+00:00"))
    except (ValueError, TypeError, binascii.Error, UnicodeError):
        raise CursorError("the cursor is not one this API returned") from None
    if not isinstance(at, str) or not isinstance(entry_id, str):
        raise CursorError("the cursor is not one this API returned")
    return at, entry_id


@dataclass
class Page:
    entries: list[dict[str, Any]]
    next_cursor: str | None
    has_more: bool


def page(
    db: Database, workspace_id: str, contact_id: str, *, limit: int = 50, cursor: str | None = None
) -> Page:
    """A contact's entries, newest first; `cursor` continues after the last one of a page."""
    from functions.query import freshness

    freshness.settle()
    limit = max(1, min(limit, MAX_PAGE))
    params: dict[str, Any] = {"ws": workspace_id, "cid": contact_id, "n": limit + 1}
    after = ""
    if cursor:
        params["at"], params["id"] = _decode(cursor)
        after = "AND (at, id) < (:at::timestamptz, :id)"
    rows = db.query(
        f"""SELECT id, at, actor, source, changes FROM contact_audit
        WHERE workspace_id = :ws AND contact_id = :cid {after}
        ORDER BY at DESC, id DESC LIMIT :n""",
        params,
    )
    more = len(rows) > limit
    rows = rows[:limit]
    return Page([view(r) for r in rows], _encode(rows[-1]) if more and rows else None, more)


def entries_by_actor(
    db: Database, workspace_id: str, actor: str
) -> Iterator[tuple[str, str, dict[str, dict[str, Any]]]]:
    """What one actor (e.g. `op:<id>`, `job:<id>`) changed in a workspace, oldest first:
    (contact_id, email, changes) per entry. Entries of erased contacts are gone with them."""
    from functions.query import freshness

    freshness.settle()
    last: tuple[str, str] | None = None
    while True:
        params: dict[str, Any] = {"ws": workspace_id, "actor": actor, "n": 1000}
        after = ""
        if last is not None:
            params["at"], params["id"] = last
            after = "AND (at, id) > (:at::timestamptz, :id)"
        rows = db.query(
            f"""SELECT id, at, contact_id, email, changes FROM contact_audit
            WHERE workspace_id = :ws AND actor = :actor {after}
            ORDER BY at, id LIMIT :n""",
            params,
        )
        for r in rows:
            yield str(r["contact_id"]), str(r["email"]), dict(json_value(r["changes"]))
        if len(rows) < 1000:
            return
        last = (_iso(rows[-1]["at"]), str(rows[-1]["id"]))


def purge_expired(
    db: Database,
    retention_days: Mapping[str, int] | None = None,
    *,
    default_days: int = DEFAULT_RETENTION_DAYS,
) -> int:
    """Delete entries older than their workspace's retention (days; `default_days` elsewhere)."""
    return db.execute(
        """DELETE FROM contact_audit
        WHERE at < now() - make_interval(days => coalesce((:days::jsonb ->> workspace_id)::int, :default))""",
        {"days": json.dumps(dict(retention_days or {})), "default": int(default_days)},
    )


def retention_log(db: Database, workspace_id: str) -> list[dict[str, Any]]:
    rows = db.query(
        """SELECT contact_id, erased_at, reason FROM audit_retention_log
        WHERE workspace_id = :ws ORDER BY erased_at, contact_id""",
        {"ws": workspace_id},
    )
    return [{**r, "erased_at": _iso(r["erased_at"])} for r in rows]
