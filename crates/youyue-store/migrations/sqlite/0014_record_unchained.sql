-- Which entries were written before the record book's hash chain (0009): per case, the
-- last entry number without a hash as this migration finds them. Since 0009 every entry
-- is written with its hash, so a NULL hash on any other entry is tampering, and
-- `youyue verify` says so (until now it took any NULL hash for an entry "written before
-- the chain"). Keep in step with ../postgres/0014_record_unchained.sql.
CREATE TABLE record_unchained (
    case_id     INTEGER NOT NULL PRIMARY KEY REFERENCES cases(id),
    through_seq INTEGER NOT NULL
);
INSERT INTO record_unchained (case_id, through_seq)
SELECT case_id, MAX(seq) FROM record_entries WHERE hash IS NULL GROUP BY case_id;
-- The list is made once, here: like the record book, it is never changed afterwards (a
-- row slipped in would pass a stripped hash as "written before the chain").
CREATE TRIGGER record_unchained_never_added BEFORE INSERT ON record_unchained
BEGIN SELECT RAISE(ABORT, 'the list of entries written before the chain is never changed'); END;
CREATE TRIGGER record_unchained_never_updated BEFORE UPDATE ON record_unchained
BEGIN SELECT RAISE(ABORT, 'the list of entries written before the chain is never changed'); END;
CREATE TRIGGER record_unchained_never_deleted BEFORE DELETE ON record_unchained
BEGIN SELECT RAISE(ABORT, 'the list of entries written before the chain is never changed'); END;
