-- Supervision (督办): the deadline for which a late case was raised to the parent union.
-- Keep in step with ../sqlite/0004_supervision.sql.
ALTER TABLE cases ADD COLUMN supervised_due_on TEXT;
