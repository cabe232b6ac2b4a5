-- Which entries were written before the record book's hash chain (0009): per case, the
-- last entry number without a hash as this migration finds them. Since 0009 every entry
-- is written with its hash, so a NULL hash on any other entry is tampering, and
-- `youyue verify` says so (until now it took any NULL hash for an entry "written before
-- the chain"). Keep in step with ../sqlite/0014_record_unchained.sql.
CREATE TABLE record_unchained (
    case_id     BIGINT NOT NULL PRIMARY KEY REFERENCES cases(id),
    through_seq BIGINT NOT NULL
);
INSERT INTO record_unchained (case_id, through_seq)
SELECT case_id, MAX(seq) FROM record_entries WHERE hash IS NULL GROUP BY case_id;
-- The list is made once, here: like the record book, it is never changed afterwards (a
-- row slipped in would pass a stripped hash as "written before the chain").
CREATE OR REPLACE FUNCTION record_unchained_immutable() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN RAISE EXCEPTION 'the list of entries written before the chain is never changed'; END $$;
CREATE TRIGGER record_unchained_immutable BEFORE INSERT OR UPDATE OR DELETE ON record_unchained
FOR EACH ROW EXECUTE FUNCTION record_unchained_immutable();
