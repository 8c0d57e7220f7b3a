-- a contact id may carry its email (functions/common/contact_ids.py), and a tombstone outlives a
-- GDPR erasure: tombstones are keyed on the id's SHA-256 (`sha256:<hex>`), never the id itself
UPDATE contact_tombstones
SET contact_id = 'sha256:' || encode(sha256(convert_to(contact_id, 'UTF8')), 'hex')
WHERE contact_id NOT LIKE 'sha256:%';
