-- The record book's hash chain (youyue_domain::chain): each entry's SHA-256 over the one
-- before it and its own content. Entries written before this migration have none; the
-- chain of such a case starts at its first entry written after it.
ALTER TABLE record_entries ADD COLUMN hash TEXT;
