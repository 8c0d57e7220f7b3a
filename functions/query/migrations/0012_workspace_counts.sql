-- Read model at 1,000,000 contacts (issue 12; numbered after the issue so parallel branches'
-- migrations do not take the same number).
-- An unfiltered list's total_count is an exact count of the workspace's rows: kept here by
-- statement-level triggers (one UPDATE per workspace a statement touches), not counted per page.
CREATE TABLE IF NOT EXISTS workspace_counts (
    workspace_id text PRIMARY KEY,
    contacts bigint NOT NULL DEFAULT 0
);

CREATE OR REPLACE FUNCTION contacts_counted_in() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN INSERT INTO workspace_counts AS w (workspace_id, contacts) SELECT workspace_id, count(*) FROM counted GROUP BY workspace_id ORDER BY workspace_id ON CONFLICT (workspace_id) DO UPDATE SET contacts = w.contacts + EXCLUDED.contacts; RETURN NULL; END $$;

CREATE OR REPLACE FUNCTION contacts_counted_out() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN UPDATE workspace_counts w SET contacts = w.contacts - d.n FROM (SELECT workspace_id, count(*) AS n FROM counted GROUP BY workspace_id ORDER BY workspace_id) d WHERE w.workspace_id = d.workspace_id; RETURN NULL; END $$;

CREATE OR REPLACE FUNCTION contacts_counted_reset() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN DELETE FROM workspace_counts; RETURN NULL; END $$;

DROP TRIGGER IF EXISTS contacts_count_insert ON contacts;

CREATE TRIGGER contacts_count_insert AFTER INSERT ON contacts REFERENCING NEW TABLE AS counted
    FOR EACH STATEMENT EXECUTE FUNCTION contacts_counted_in();

DROP TRIGGER IF EXISTS contacts_count_delete ON contacts;

CREATE TRIGGER contacts_count_delete AFTER DELETE ON contacts REFERENCING OLD TABLE AS counted
    FOR EACH STATEMENT EXECUTE FUNCTION contacts_counted_out();

DROP TRIGGER IF EXISTS contacts_count_truncate ON contacts;

CREATE TRIGGER contacts_count_truncate AFTER TRUNCATE ON contacts
    FOR EACH STATEMENT EXECUTE FUNCTION contacts_counted_reset();

-- the rows there before the triggers (rebuild recounts a workspace too: functions/query/rebuild.py)
INSERT INTO workspace_counts (workspace_id, contacts)
SELECT workspace_id, count(*) FROM contacts GROUP BY workspace_id
ON CONFLICT (workspace_id) DO UPDATE SET contacts = EXCLUDED.contacts;

-- company.industry eq / in with the search's default order (email): one index range, in order
CREATE INDEX IF NOT EXISTS contacts_ws_industry_email ON contacts (workspace_id, lower(company_industry), email);

DROP INDEX IF EXISTS contacts_ws_industry;

-- Companies' firmographics per domain (platform-wide), projected from the Companies stream, or
-- read once from DynamoDB for a domain not seen yet: a contact row is projected without a
-- DynamoDB read, and locks its domain's row so a Company change cannot pass it (projector.py)
CREATE TABLE IF NOT EXISTS companies (
    domain text PRIMARY KEY,
    name text,
    industry text,
    employee_count double precision,
    revenue_band text,
    projected_at timestamptz NOT NULL DEFAULT now()
);
