-- The contact audit log (issue 14), appended by the projector from the Contacts stream: one
-- immutable row per change, keyed on the stream record's event id (a redelivery adds nothing).
-- Numbered after the issue so parallel branches' migrations do not take the same number.
CREATE TABLE IF NOT EXISTS contact_audit (
    id text PRIMARY KEY,
    workspace_id text NOT NULL,
    contact_id text NOT NULL,
    email text NOT NULL,
    at timestamptz NOT NULL,
    version bigint NOT NULL,
    actor text NOT NULL,
    source text NOT NULL,
    changes jsonb NOT NULL,
    recorded_at timestamptz NOT NULL DEFAULT now()
);

CREATE INDEX IF NOT EXISTS contact_audit_contact ON contact_audit (workspace_id, contact_id, at DESC, id DESC);

CREATE INDEX IF NOT EXISTS contact_audit_actor ON contact_audit (workspace_id, actor, at, id);

CREATE INDEX IF NOT EXISTS contact_audit_at ON contact_audit (at);

-- what is left of an erased contact's history: that it existed and was erased (no personal data)
CREATE TABLE IF NOT EXISTS audit_retention_log (
    id text PRIMARY KEY,
    workspace_id text NOT NULL,
    contact_id text NOT NULL,
    erased_at timestamptz NOT NULL DEFAULT now(),
    reason text NOT NULL
);

CREATE INDEX IF NOT EXISTS audit_retention_log_ws ON audit_retention_log (workspace_id, erased_at);
