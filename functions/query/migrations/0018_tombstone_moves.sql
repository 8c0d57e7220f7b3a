-- A tombstone left by an email change (the contact goes on under its new email, same id) keeps
-- the old email's late images out of the read model, but must not keep the contact's history out
-- of its audit log: only an erasure's tombstone does (functions/query/audit.py).
ALTER TABLE contact_tombstones ADD COLUMN IF NOT EXISTS moved boolean NOT NULL DEFAULT false;
