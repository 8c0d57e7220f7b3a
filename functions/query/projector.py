"""Applying contact changes to the read model: idempotent and order-safe.

Three statements per batch, each safe to repeat and in this order: removals leave a tombstone
(the highest removed version per contact id), then delete their row (only up to that version);
images are upserted unless a tombstone covers them, and replace a row only with a higher
version (or a re-created contact, a new id under the same email, that is newer).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from functions.common import ddb
from functions.common.models import Company, table_name
from functions.query.db import Database
from functions.query.rows import Change, row, rows_json

_COLUMNS: tuple[tuple[str, str], ...] = (
    ("workspace_id", "text"),
    ("email", "text"),
    ("contact_id", "text"),
    ("version", "bigint"),
    ("first_name", "text"),
    ("last_name", "text"),
    ("full_name", "text"),
    ("title", "text"),
    ("fields", "jsonb"),
    ("company_name", "text"),
    ("company_domain", "text"),
    ("company_industry", "text"),
    ("company_employee_count", "double precision"),
    ("company_revenue_band", "text"),
    ("tags", "text[]"),
    ("tags_lc", "text[]"),
    ("custom_fields", "jsonb"),
    ("icp_tier", "text"),
    ("grade", "text"),
    ("lead_score", "double precision"),
    ("client_id", "text"),
    ("dnt", "boolean"),
    ("is_deleted", "boolean"),
    ("created_at", "timestamptz"),
    ("updated_at", "timestamptz"),
    ("last_job", "text"),
    ("search_text", "text"),
    ("item", "jsonb"),
)
_NAMES = ", ".join(name for name, _ in _COLUMNS)
_RECORD = ", ".join(f"{name} {kind}" for name, kind in _COLUMNS)
_UPDATES = ", ".join(f"{name} = EXCLUDED.{name}" for name, _ in _COLUMNS[2:])

# tombstones hold the id's hash, not the id (it may carry the email): migrations/0003
_TOMBSTONE_KEY = "'sha256:' || encode(sha256(convert_to(r.contact_id, 'UTF8')), 'hex')"

UPSERT = f"""
INSERT INTO contacts ({_NAMES}, projected_at)
SELECT {", ".join("r." + name for name, _ in _COLUMNS)}, now()
FROM jsonb_to_recordset(:rows::jsonb) AS r({_RECORD})
WHERE NOT EXISTS (
    SELECT 1 FROM contact_tombstones t WHERE t.contact_id = {_TOMBSTONE_KEY} AND t.version >= r.version
)
ON CONFLICT (workspace_id, email) DO UPDATE SET {_UPDATES}, projected_at = now()
WHERE contacts.version < EXCLUDED.version
   OR (contacts.contact_id <> EXCLUDED.contact_id AND contacts.updated_at <= EXCLUDED.updated_at)
"""

TOMBSTONE = f"""
INSERT INTO contact_tombstones (contact_id, workspace_id, version)
SELECT {_TOMBSTONE_KEY}, r.workspace_id, r.version
FROM jsonb_to_recordset(:gone::jsonb) AS r(contact_id text, workspace_id text, email text, version bigint)
ON CONFLICT (contact_id) DO UPDATE SET version = greatest(contact_tombstones.version, EXCLUDED.version)
"""

DELETE = """
DELETE FROM contacts c
USING jsonb_to_recordset(:gone::jsonb) AS r(contact_id text, workspace_id text, email text, version bigint)
WHERE c.workspace_id = r.workspace_id AND c.email = r.email
  AND c.contact_id = r.contact_id AND c.version <= r.version
"""


def companies(domains: Iterable[str]) -> dict[str, dict[str, Any]]:
    wanted = sorted({d for d in domains if d})
    if not wanted:
        return {}
    found = ddb.batch_get(table_name(Company), [{"domain": d} for d in wanted])
    return {str(c["domain"]): c for c in found}


def apply(
    db: Database, changes: list[Change], firmographics: Mapping[str, Mapping[str, Any]] | None = None
) -> None:
    """Write one batch of (already reduced, one per contact key) changes to the read model."""
    gone = [
        {"contact_id": c.contact_id, "workspace_id": c.workspace_id, "email": c.email, "version": c.version}
        for c in changes
        if c.removed
    ]
    images = [c.item for c in changes if not c.removed]
    if gone:
        db.execute(TOMBSTONE, {"gone": rows_json(gone)})
        db.execute(DELETE, {"gone": rows_json(gone)})
    if images:
        if firmographics is None:
            firmographics = companies(str(i.get("company_domain") or "") for i in images)
        rows = [row(i, firmographics.get(str(i.get("company_domain") or ""))) for i in images]
        db.execute(UPSERT, {"rows": rows_json(rows)})
