-- How many of a workspace's contacts a company edit changes (issue 14): one index range.
CREATE INDEX IF NOT EXISTS contacts_ws_company ON contacts (workspace_id, company_domain) WHERE NOT is_deleted;
