-- The open cases by deadline, for the notices' timed sweep (a deadline tomorrow, a missed
-- one in the last week): a seek every minute instead of a walk through every open case.
-- The predicate must read as the sweep's own (the open statuses of Status::ALL), or the
-- planner cannot use it. Keep in step with ../postgres/0021_open_due.sql.
CREATE INDEX cases_open_due ON cases (due_on) WHERE status IN ('registered', 'accepted', 'in_progress');
