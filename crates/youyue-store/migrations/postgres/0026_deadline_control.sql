-- Deadline control (issue 22), 挂起: the China day a case's clock was paused, the last day
-- the pause may last (the district's max_pause_days less earlier pauses; the sweep resumes
-- it after), and why. NULL while the clock runs. Extensions and escalations live in the
-- record book only. Keep in step with ../sqlite/0026_deadline_control.sql.
ALTER TABLE cases ADD COLUMN paused_since TEXT;
ALTER TABLE cases ADD COLUMN paused_until TEXT;
ALTER TABLE cases ADD COLUMN paused_reason TEXT;
