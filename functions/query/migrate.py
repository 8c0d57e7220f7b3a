"""Versioned plain-SQL migrations (`migrations/NNNN_name.sql`), applied in order, each once.

One machine applies them when the runtime starts; on AWS the Migrate function does, as a
CloudFormation custom resource on every deploy. A migration's statements are idempotent
(`IF NOT EXISTS`), so a deploy that failed half-way is simply run again.
"""

from __future__ import annotations

import time
from pathlib import Path

from functions.query.db import Database, split_statements

MIGRATIONS = Path(__file__).resolve().parent / "migrations"

_LEDGER = """
CREATE TABLE IF NOT EXISTS schema_migrations (
    version integer PRIMARY KEY,
    name text NOT NULL,
    applied_at timestamptz NOT NULL DEFAULT now()
)
"""


def available() -> list[tuple[int, Path]]:
    found = []
    for path in sorted(MIGRATIONS.glob("*.sql")):
        number, _, _ = path.stem.partition("_")
        found.append((int(number), path))
    return found


def applied(db: Database) -> set[int]:
    db.execute(_LEDGER)
    return {int(r["version"]) for r in db.query("SELECT version FROM schema_migrations")}


def migrate(db: Database, *, attempts: int = 5) -> list[str]:
    """Apply the migrations not yet applied; the names of those applied now.

    Two processes starting at once (local CLI runs sharing one server) may race on the same
    `CREATE ... IF NOT EXISTS` (PostgreSQL checks the catalog before it locks it); every
    statement is idempotent, so the loser simply runs the migrations again."""
    for attempt in range(attempts):
        try:
            return _migrate(db)
        except Exception as exc:
            text = str(exc).lower()
            racing = "already exists" in text or "duplicate key" in text or "deadlock" in text
            if not racing or attempt == attempts - 1:
                raise
            time.sleep(0.1 * (attempt + 1))
    raise AssertionError("unreachable")


def _migrate(db: Database) -> list[str]:
    done = applied(db)
    ran = []
    for number, path in available():
        if number in done:
            continue
        for statement in split_statements(path.read_text()):
            db.execute(statement)
        db.execute(
            "INSERT INTO schema_migrations (version, name) VALUES (:v, :n) ON CONFLICT (version) DO NOTHING",
            {"v": number, "n": path.stem},
        )
        ran.append(path.stem)
    return ran
