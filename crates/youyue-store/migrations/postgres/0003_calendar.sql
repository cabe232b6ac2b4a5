-- The working-day calendar: public holidays and make-up working days (调休). Keep in step
-- with ../sqlite/0003_calendar.sql.
CREATE TABLE calendar_days (
    day  TEXT NOT NULL PRIMARY KEY,
    kind TEXT NOT NULL CHECK (kind IN ('holiday', 'workday')),
    name TEXT NOT NULL
);
