-- Merge (issue 22), 并单: a case may be 'merged' into another, whose number it keeps in
-- merged_into (set exactly when the status is 'merged'); the cases merged into one are found
-- by it. Keep in step with ../postgres/0024_merge.sql.
--
-- SQLite cannot alter a CHECK constraint. Allowing one more value changes nothing stored,
-- so the table's definition is edited in place (https://sqlite.org/lang_altertable.html,
-- "making other kinds of table schema changes"); RESET makes this connection read it again,
-- and the ALTER TABLE below, a real schema change, moves the schema version on so that
-- every other connection reads it again too.
PRAGMA writable_schema = ON;
UPDATE sqlite_schema
   SET sql = replace(sql, '''in_progress'',''resolved'',''explained''))', '''in_progress'',''resolved'',''explained'',''merged''))')
 WHERE type = 'table' AND name = 'cases';
PRAGMA writable_schema = RESET;
ALTER TABLE cases ADD COLUMN merged_into TEXT;
CREATE INDEX cases_merged_into ON cases (merged_into) WHERE merged_into IS NOT NULL;
