-- Exact total_count at 1,000,000 contacts (issue 12): a filtered count over a large match read
-- most of the table's pages (a contact row is about 1 KB, its item JSON half of it). Counted from
-- an index alone (an index-only scan: the index holds every column the filter reads, and the
-- visibility map spares the row visits) it reads a few MB instead.
-- company.industry (eq / in): the expression index cannot serve an index-only scan without the
-- column itself, so it carries it.
CREATE INDEX IF NOT EXISTS contacts_ws_industry_cover ON contacts (workspace_id, lower(company_industry), email) INCLUDE (company_industry);

DROP INDEX IF EXISTS contacts_ws_industry_email;

-- tier and grade, the filters agencies start from, carry what they are most often combined with:
-- has_tag, title and custom fields (a dynamic segment "tier A with tag hot", a multi-filter search)
CREATE INDEX IF NOT EXISTS contacts_ws_tier_cover ON contacts (workspace_id, icp_tier, grade) INCLUDE (tags_lc, title, custom_fields);

DROP INDEX IF EXISTS contacts_ws_tier_grade;

-- a tag filter alone (GIN finds the rows, but its count visits each of them): the workspace's
-- tags, narrow enough to scan whole
CREATE INDEX IF NOT EXISTS contacts_ws_tags_cover ON contacts (workspace_id) INCLUDE (tags_lc);
