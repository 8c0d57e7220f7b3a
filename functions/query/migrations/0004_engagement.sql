-- engagement counters (GlobalContacts, platform-wide by email), projected from the GlobalContacts
-- stream: kept per email here, and copied onto every contact row of that email so filters and
-- sorts read a column of the row. Counts are double precision like lead_score: a filter compares
-- numbers as float8, and only a float8 column lets the btree index serve the comparison
CREATE TABLE IF NOT EXISTS engagement (
    email text PRIMARY KEY,
    total_sent double precision NOT NULL DEFAULT 0,
    total_responses double precision NOT NULL DEFAULT 0,
    response_rate double precision NOT NULL DEFAULT 0,
    bounce_status text NOT NULL DEFAULT 'none',
    last_sent_at timestamptz,
    last_engaged_at timestamptz,
    projected_at timestamptz NOT NULL DEFAULT now()
);

ALTER TABLE contacts ADD COLUMN IF NOT EXISTS total_sent double precision NOT NULL DEFAULT 0;

ALTER TABLE contacts ADD COLUMN IF NOT EXISTS total_responses double precision NOT NULL DEFAULT 0;

ALTER TABLE contacts ADD COLUMN IF NOT EXISTS response_rate double precision NOT NULL DEFAULT 0;

ALTER TABLE contacts ADD COLUMN IF NOT EXISTS bounce_status text NOT NULL DEFAULT 'none';

ALTER TABLE contacts ADD COLUMN IF NOT EXISTS last_sent_at timestamptz;

ALTER TABLE contacts ADD COLUMN IF NOT EXISTS last_engaged_at timestamptz;

-- a person's counters change every workspace's row of that email
CREATE INDEX IF NOT EXISTS contacts_email ON contacts (email);

-- "most recently engaged first" (a search sort: descending, missing last, then email)
CREATE INDEX IF NOT EXISTS contacts_ws_engaged ON contacts (workspace_id, last_engaged_at DESC NULLS LAST, email);

-- "has replied" (total_responses >= 1), the engagement filter agencies start from
CREATE INDEX IF NOT EXISTS contacts_ws_responses ON contacts (workspace_id, total_responses);

-- company.industry eq / in: text filters compare lower-cased
CREATE INDEX IF NOT EXISTS contacts_ws_industry ON contacts (workspace_id, lower(company_industry));
