-- Deadline control (issue 22), 催办: the deadline for which a late case was chased by the
-- system the day after it was missed (once per deadline), as supervised_due_on is for 督办.
-- Keep in step with ../sqlite/0023_deadline_chase.sql.
ALTER TABLE cases ADD COLUMN chased_due_on TEXT;
