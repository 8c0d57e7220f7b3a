-- static segments' members: written through by the API next to their DynamoDB record (the
-- system of record, which `index rebuild` reads back)
CREATE TABLE IF NOT EXISTS segment_members (
    workspace_id text NOT NULL,
    segment_id text NOT NULL,
    contact_id text NOT NULL,
    added_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (workspace_id, segment_id, contact_id)
);

CREATE INDEX IF NOT EXISTS segment_members_contact ON segment_members (workspace_id, contact_id);
