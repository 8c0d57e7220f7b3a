-- The contacts read model: one row per (workspace, canonical email), projected from the Contacts
-- table's stream. `item` is the DynamoDB item as JSON (what the API returns); the other columns
-- are what filters, sorts and search read. One statement per `;` at a line end: the RDS Data API
-- runs one statement per call.
CREATE EXTENSION IF NOT EXISTS pg_trgm;

CREATE TABLE IF NOT EXISTS contacts (
    workspace_id text NOT NULL,
    email text NOT NULL,
    contact_id text NOT NULL,
    version bigint NOT NULL,
    first_name text,
    last_name text,
    full_name text,
    title text,
    fields jsonb NOT NULL DEFAULT '{}'::jsonb,
    company_name text,
    company_domain text,
    company_industry text,
    company_employee_count double precision,
    company_revenue_band text,
    tags text[] NOT NULL DEFAULT '{}',
    tags_lc text[] NOT NULL DEFAULT '{}',
    custom_fields jsonb NOT NULL DEFAULT '{}'::jsonb,
    icp_tier text,
    grade text,
    lead_score double precision,
    score_key double precision GENERATED ALWAYS AS (coalesce(lead_score, '-Infinity'::float8)) STORED,
    client_id text,
    dnt boolean NOT NULL DEFAULT false,
    is_deleted boolean NOT NULL DEFAULT false,
    created_at timestamptz NOT NULL,
    updated_at timestamptz NOT NULL,
    last_job text,
    search_text text NOT NULL DEFAULT '',
    item jsonb NOT NULL,
    projected_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (workspace_id, email)
);

-- not unique: an email change moves an id between keys, and two keys' records may arrive in any order
CREATE INDEX IF NOT EXISTS contacts_contact_id ON contacts (contact_id);

CREATE INDEX IF NOT EXISTS contacts_ws_created ON contacts (workspace_id, created_at, email);

CREATE INDEX IF NOT EXISTS contacts_ws_updated ON contacts (workspace_id, updated_at, email);

CREATE INDEX IF NOT EXISTS contacts_ws_score ON contacts (workspace_id, score_key, email);

CREATE INDEX IF NOT EXISTS contacts_ws_tier_grade ON contacts (workspace_id, icp_tier, grade);

CREATE INDEX IF NOT EXISTS contacts_ws_job ON contacts (workspace_id, last_job);

CREATE INDEX IF NOT EXISTS contacts_tags ON contacts USING gin (tags_lc);

CREATE INDEX IF NOT EXISTS contacts_search ON contacts USING gin (search_text gin_trgm_ops);

CREATE INDEX IF NOT EXISTS contacts_custom ON contacts USING gin (custom_fields jsonb_path_ops);

-- hard-deleted contacts: a replayed or late image of a removed contact never brings it back
CREATE TABLE IF NOT EXISTS contact_tombstones (
    contact_id text PRIMARY KEY,
    workspace_id text NOT NULL,
    version bigint NOT NULL,
    deleted_at timestamptz NOT NULL DEFAULT now()
);

-- one machine only: how far the runtime's stream poller got, per shard (on AWS the event source
-- mapping keeps this); shared by every local process that polls the same engine
CREATE TABLE IF NOT EXISTS stream_checkpoints (
    shard_id text PRIMARY KEY,
    sequence_number text NOT NULL,  -- as the stream gives it (leading zeros matter); compared as numbers
    record_time timestamptz,
    updated_at timestamptz NOT NULL DEFAULT now()
);
