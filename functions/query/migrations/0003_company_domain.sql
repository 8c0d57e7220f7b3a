-- a Company change (Companies stream) updates every contact at its domain, in every workspace
CREATE INDEX IF NOT EXISTS contacts_company_domain ON contacts (company_domain);
