-- Read model at 1,000,000 contacts (issue 12): a list filtered by one tag (the commonest filter
-- after tier) counts its matches from here, exactly, instead of reading every contact of the
-- workspace. Kept by statement-level triggers like workspace_counts (0012): one row per
-- (workspace, tag), changed only when a statement adds or removes that tag somewhere.
CREATE TABLE IF NOT EXISTS workspace_tag_counts (
    workspace_id text NOT NULL,
    tag text NOT NULL,
    contacts bigint NOT NULL DEFAULT 0,
    PRIMARY KEY (workspace_id, tag)
);

-- (statements inside the function end mid-line: a migration is split at a `;` ending a line)
-- the net change of a statement, per (workspace, tag): +1 for each tag a row has after, -1 for
-- each it had before; rows whose tags did not change cancel out and write nothing
CREATE OR REPLACE FUNCTION contacts_tags_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'INSERT' THEN
    INSERT INTO workspace_tag_counts AS w (workspace_id, tag, contacts)
    SELECT c.workspace_id, t.tag, count(*) FROM after_rows c CROSS JOIN LATERAL unnest(c.tags_lc) AS t(tag)
    GROUP BY 1, 2 ORDER BY 1, 2
    ON CONFLICT (workspace_id, tag) DO UPDATE SET contacts = w.contacts + EXCLUDED.contacts; ELSIF TG_OP = 'DELETE' THEN
    UPDATE workspace_tag_counts w SET contacts = w.contacts - d.n
    FROM (SELECT c.workspace_id, t.tag, count(*) AS n FROM before_rows c CROSS JOIN LATERAL unnest(c.tags_lc) AS t(tag) GROUP BY 1, 2 ORDER BY 1, 2) d
    WHERE w.workspace_id = d.workspace_id AND w.tag = d.tag; ELSE
    INSERT INTO workspace_tag_counts AS w (workspace_id, tag, contacts)
    SELECT workspace_id, tag, sum(n) FROM (
      SELECT c.workspace_id, t.tag, 1 AS n FROM after_rows c CROSS JOIN LATERAL unnest(c.tags_lc) AS t(tag)
      UNION ALL
      SELECT c.workspace_id, t.tag, -1 FROM before_rows c CROSS JOIN LATERAL unnest(c.tags_lc) AS t(tag)
    ) moved GROUP BY 1, 2 HAVING sum(n) <> 0 ORDER BY 1, 2
    ON CONFLICT (workspace_id, tag) DO UPDATE SET contacts = w.contacts + EXCLUDED.contacts; END IF; RETURN NULL; END $$;

CREATE OR REPLACE FUNCTION contacts_tags_reset() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN DELETE FROM workspace_tag_counts; RETURN NULL; END $$;

DROP TRIGGER IF EXISTS contacts_tags_insert ON contacts;

CREATE TRIGGER contacts_tags_insert AFTER INSERT ON contacts REFERENCING NEW TABLE AS after_rows
    FOR EACH STATEMENT EXECUTE FUNCTION contacts_tags_changed();

DROP TRIGGER IF EXISTS contacts_tags_update ON contacts;

CREATE TRIGGER contacts_tags_update AFTER UPDATE ON contacts REFERENCING OLD TABLE AS before_rows NEW TABLE AS after_rows
    FOR EACH STATEMENT EXECUTE FUNCTION contacts_tags_changed();

DROP TRIGGER IF EXISTS contacts_tags_delete ON contacts;

CREATE TRIGGER contacts_tags_delete AFTER DELETE ON contacts REFERENCING OLD TABLE AS before_rows
    FOR EACH STATEMENT EXECUTE FUNCTION contacts_tags_changed();

DROP TRIGGER IF EXISTS contacts_tags_truncate ON contacts;

CREATE TRIGGER contacts_tags_truncate AFTER TRUNCATE ON contacts
    FOR EACH STATEMENT EXECUTE FUNCTION contacts_tags_reset();

-- the rows there before the triggers (rebuild recounts a workspace too: functions/query/rebuild.py)
INSERT INTO workspace_tag_counts (workspace_id, tag, contacts)
SELECT c.workspace_id, t.tag, count(*) FROM contacts c CROSS JOIN LATERAL unnest(c.tags_lc) AS t(tag) GROUP BY 1, 2
ON CONFLICT (workspace_id, tag) DO UPDATE SET contacts = EXCLUDED.contacts;
