"""Applying contact and company changes to the read model: idempotent and order-safe.

Three statements per batch, each safe to repeat and in this order: removals leave a tombstone
(the highest removed version per contact id), then delete their row (only up to that version);
images are upserted unless a tombstone covers them, and replace a row only with a higher
version (or a re-created contact, a new id under the same email, that is newer).

A Company change updates the domain's row in `companies`, then the company columns of every
contact at its domain; an image reads its domain's row there (filled from DynamoDB the first
time a domain is seen), under a share lock, so a contact projected while its Company changes
ends with the new values whichever statement runs first.
Engagement counters (GlobalContacts) are kept per email in `engagement` and copied onto every
row of that email by one UPDATE; a contact row upserted later copies them from that table.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any

from functions.common import ddb
from functions.common.audit import MOVED_TO
from functions.common.models import Company, table_name
from functions.query.db import Database
from functions.query.rows import Change, KeyedChange, firmographics, row, rows_json, rows_json_chunks
from functions.query.sql import text_array

# a batch's statements that need not wait for each other run here, each on its own session (the
# rows' upsert beside the audit entries, the Companies lookup beside building the rows); the
# Python that builds them stays on the caller's thread, which has the GIL while these wait
BESIDE = ThreadPoolExecutor(max_workers=2, thread_name_prefix="projector")

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

_ENGAGEMENT: tuple[tuple[str, str], ...] = (
    ("total_sent", "double precision"),
    ("total_responses", "double precision"),
    ("response_rate", "double precision"),
    ("bounce_status", "text"),
    ("last_sent_at", "timestamptz"),
    ("last_engaged_at", "timestamptz"),
)
_ENGAGEMENT_NAMES = ", ".join(name for name, _ in _ENGAGEMENT)
# a new or changed contact row takes its email's counters from the engagement table (no DynamoDB read)
_ENGAGEMENT_VALUES = ", ".join(
    f"coalesce(e.{name}, {default})" if default else f"e.{name}"
    for (name, _), default in zip(_ENGAGEMENT, ("0", "0", "0", "'none'", "", ""), strict=True)
)

# tombstones hold the id's hash, not the id (it may carry the email): migrations/0005
TOMBSTONE_KEY = "'sha256:' || encode(sha256(convert_to(r.contact_id, 'UTF8')), 'hex')"

_FIRM_VALUES = {
    "company_name": "coalesce(r.company_name, f.name)",
    "company_industry": "f.industry",
    "company_employee_count": "f.employee_count",
    "company_revenue_band": "f.revenue_band",
}

# a contact row takes its domain's firmographics from `companies`, locked FOR SHARE (in domain
# order): a Company change either waits for this statement and then updates its rows, or has
# committed first and is read here (see apply_companies)
UPSERT = f"""
WITH firms AS MATERIALIZED (
    SELECT domain, name, industry, employee_count, revenue_band FROM companies
    WHERE domain IN (SELECT d.company_domain FROM jsonb_to_recordset(:rows::jsonb) AS d(company_domain text))
    ORDER BY domain FOR SHARE
)
INSERT INTO contacts ({_NAMES}, {_ENGAGEMENT_NAMES}, projected_at)
SELECT {", ".join(_FIRM_VALUES.get(name, "r." + name) for name, _ in _COLUMNS)}, {_ENGAGEMENT_VALUES}, now()
FROM jsonb_to_recordset(:rows::jsonb) AS r({_RECORD})
LEFT JOIN firms f ON f.domain = r.company_domain
LEFT JOIN engagement e ON e.email = r.email
WHERE NOT EXISTS (
    SELECT 1 FROM contact_tombstones t WHERE t.contact_id = {TOMBSTONE_KEY} AND t.version >= r.version
)
ON CONFLICT (workspace_id, email) DO UPDATE SET {_UPDATES}, {", ".join(f"{n} = EXCLUDED.{n}" for n, _ in _ENGAGEMENT)}, projected_at = now()
WHERE contacts.version < EXCLUDED.version
   OR (contacts.contact_id <> EXCLUDED.contact_id AND contacts.updated_at <= EXCLUDED.updated_at)
"""

_ENGAGEMENT_RECORD = ", ".join(f"{name} {kind}" for name, kind in (("email", "text"), *_ENGAGEMENT))

ENGAGEMENT_UPSERT = f"""
INSERT INTO engagement (email, {_ENGAGEMENT_NAMES}, projected_at)
SELECT email, {_ENGAGEMENT_NAMES}, now() FROM jsonb_to_recordset(:people::jsonb) AS r({_ENGAGEMENT_RECORD})
ON CONFLICT (email) DO UPDATE SET {", ".join(f"{n} = EXCLUDED.{n}" for n, _ in _ENGAGEMENT)}, projected_at = now()
"""

# every workspace's row of a changed email, through the (email) index; unchanged rows are not rewritten
ENGAGEMENT_UPDATE = f"""
UPDATE contacts c
SET {", ".join(f"{n} = r.{n}" for n, _ in _ENGAGEMENT)}, projected_at = now()
FROM jsonb_to_recordset(:people::jsonb) AS r({_ENGAGEMENT_RECORD})
WHERE c.email = r.email
  AND ({" OR ".join(f"c.{n} IS DISTINCT FROM r.{n}" for n, _ in _ENGAGEMENT)})
"""


def apply_engagement(db: Database, changes: list[KeyedChange]) -> int:
    """Keep each changed email's counters and carry them to its contact rows; rows changed."""
    if not changes:
        return 0
    people = rows_json([{"email": c.key, **c.values} for c in changes])
    db.execute(ENGAGEMENT_UPSERT, {"people": people})
    return db.execute(ENGAGEMENT_UPDATE, {"people": people})


TOMBSTONE = f"""
INSERT INTO contact_tombstones (contact_id, workspace_id, version, moved)
SELECT {TOMBSTONE_KEY}, r.workspace_id, r.version, coalesce(r.moved, false)
FROM jsonb_to_recordset(:gone::jsonb) AS r(contact_id text, workspace_id text, email text, version bigint, moved boolean)
ON CONFLICT (contact_id) DO UPDATE SET
    version = greatest(contact_tombstones.version, EXCLUDED.version),
    moved = CASE WHEN EXCLUDED.version >= contact_tombstones.version THEN EXCLUDED.moved ELSE contact_tombstones.moved END
"""

DELETE = """
DELETE FROM contacts c
USING jsonb_to_recordset(:gone::jsonb) AS r(contact_id text, workspace_id text, email text, version bigint)
WHERE c.workspace_id = r.workspace_id AND c.email = r.email
  AND c.contact_id = r.contact_id AND c.version <= r.version
"""


_OWN_COMPANY_NAME = "nullif(btrim(c.fields ->> 'company_name'), '')"

# every contact at a changed domain, in every workspace (Companies are platform-wide), through the
# (company_domain) index; rows that already hold these values are not rewritten
COMPANY_UPDATE = f"""
UPDATE contacts c
SET company_name = coalesce({_OWN_COMPANY_NAME}, r.name),
    company_industry = r.industry,
    company_employee_count = r.employee_count,
    company_revenue_band = r.revenue_band,
    projected_at = now()
FROM jsonb_to_recordset(:companies::jsonb)
    AS r(domain text, name text, industry text, employee_count double precision, revenue_band text)
WHERE c.company_domain = r.domain
  AND (c.company_industry IS DISTINCT FROM r.industry
    OR c.company_employee_count IS DISTINCT FROM r.employee_count
    OR c.company_revenue_band IS DISTINCT FROM r.revenue_band
    OR c.company_name IS DISTINCT FROM coalesce({_OWN_COMPANY_NAME}, r.name))
"""


_FIRMS = """jsonb_to_recordset(:companies::jsonb)
    AS r(domain text, name text, industry text, employee_count double precision, revenue_band text)"""

# the Companies stream's latest firmographics per domain
COMPANY_UPSERT = f"""
INSERT INTO companies (domain, name, industry, employee_count, revenue_band)
SELECT domain, name, industry, employee_count, revenue_band FROM {_FIRMS} ORDER BY domain
ON CONFLICT (domain) DO UPDATE SET name = EXCLUDED.name, industry = EXCLUDED.industry,
    employee_count = EXCLUDED.employee_count, revenue_band = EXCLUDED.revenue_band, projected_at = now()
"""

# a domain the read model has not seen yet, as DynamoDB holds it; never over what the stream wrote
COMPANY_FILL = f"""
INSERT INTO companies (domain, name, industry, employee_count, revenue_band)
SELECT domain, name, industry, employee_count, revenue_band FROM {_FIRMS} ORDER BY domain
ON CONFLICT (domain) DO NOTHING
"""


def apply_companies(db: Database, changes: list[KeyedChange]) -> int:
    """Carry changed firmographics to the contacts at their domains; the number of rows changed.

    Two statements, in this order: the `companies` rows (committed), then the contact rows. A
    contact upsert that read a domain's old values held its share lock, so it committed before
    the first statement could, and the second one sees (and updates) its row."""
    if not changes:
        return 0
    payload = rows_json(sorted(({"domain": c.key, **c.values} for c in changes), key=lambda r: r["domain"]))
    db.execute(COMPANY_UPSERT, {"companies": payload})
    return db.execute(COMPANY_UPDATE, {"companies": payload})


def fill_companies(
    db: Database, domains: Iterable[str], known: Mapping[str, Mapping[str, Any]] | None = None
) -> None:
    """Make sure `companies` has a row for each domain (without a Company, an empty one): read
    from DynamoDB for the domains not there yet, or taken from `known` when given."""
    wanted = sorted({d for d in domains if d})
    if not wanted:
        return
    if known is None:
        held = db.query(
            "SELECT domain FROM companies WHERE domain = ANY(:d::text[])", {"d": text_array(wanted)}
        )
        missing = sorted(set(wanted) - {str(r["domain"]) for r in held})
        if not missing:
            return
        known, wanted = companies(missing), missing
    rows = [{"domain": d, **firmographics(known.get(d))} for d in wanted]
    db.execute(COMPANY_FILL, {"companies": rows_json(rows)})


def companies(domains: Iterable[str]) -> dict[str, dict[str, Any]]:
    wanted = sorted({d for d in domains if d})
    if not wanted:
        return {}
    found = ddb.batch_get(table_name(Company), [{"domain": d} for d in wanted])
    return {str(c["domain"]): c for c in found}


def apply(db: Database, changes: list[Change], known: Mapping[str, Mapping[str, Any]] | None = None) -> None:
    """Write one batch of (already reduced, one per contact key) changes to the read model;
    `known`: Company rows by domain to use for domains the read model has not seen (else read
    from DynamoDB)."""
    start(db, changes, known).result()


def start(
    db: Database, changes: list[Change], known: Mapping[str, Mapping[str, Any]] | None = None
) -> Future[None]:
    """`apply`, returning once the rows' upsert is under way on a session of its own: the
    caller's Python (the batch's audit entries) runs meanwhile, and it waits on the future."""
    gone = [
        {
            "contact_id": c.contact_id,
            "workspace_id": c.workspace_id,
            "email": c.email,
            "version": c.version,
            # an email change's removal: the contact lives on under its new email
            "moved": bool(c.item.get(MOVED_TO)),
        }
        for c in changes
        if c.removed
    ]
    images = [c.item for c in changes if not c.removed]
    if gone:
        db.execute(TOMBSTONE, {"gone": rows_json(gone)})
        db.execute(DELETE, {"gone": rows_json(gone)})
    if not images:
        done: Future[None] = Future()
        done.set_result(None)
        return done
    # the domains' `companies` rows are looked up (and filled) while the rows are built
    domains = [str(i.get("company_domain") or "") for i in images]
    filled = BESIDE.submit(fill_companies, db, domains, known)
    try:
        chunks = rows_json_chunks([row(i) for i in images])
    finally:
        filled.result()
    return BESIDE.submit(_upsert, db, chunks)


def _upsert(db: Database, chunks: list[str]) -> None:
    for chunk in chunks:
        db.execute(UPSERT, {"rows": chunk})
