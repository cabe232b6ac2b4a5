-- Merge (issue 22), 并单: a case may be 'merged' into another, whose number it keeps in
-- merged_into (set exactly when the status is 'merged'); the cases merged into one are found
-- by it. Keep in step with ../sqlite/0024_merge.sql.
ALTER TABLE cases DROP CONSTRAINT cases_status_check;
ALTER TABLE cases ADD CONSTRAINT cases_status_check
    CHECK (status IN ('registered','accepted','in_progress','resolved','explained','merged'));
ALTER TABLE cases ADD COLUMN merged_into TEXT;
CREATE INDEX cases_merged_into ON cases (merged_into) WHERE merged_into IS NOT NULL;
