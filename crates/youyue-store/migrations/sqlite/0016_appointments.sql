-- Appointments (约谈): a case's meeting with a specialist in a slot of the roster. Keep in
-- step with ../postgres/0016_appointments.sql.
--
-- Two bookings never hold the same person's time, even when two app servers book it at
-- the same instant: the unique index below refuses a second active booking of a
-- specialist's start, and every booking first takes the specialist's row of
-- appointment_locks (an upsert, so a row lock on PostgreSQL; SQLite has one writer), so
-- that its check for an overlapping slot of another length sees every booking committed
-- before it.
CREATE TABLE appointments (
    id            INTEGER PRIMARY KEY,
    case_id       INTEGER NOT NULL REFERENCES cases(id),
    specialist_id INTEGER NOT NULL REFERENCES users(id),
    specialty     TEXT    NOT NULL,
    starts_at     INTEGER NOT NULL,
    ends_at       INTEGER NOT NULL CHECK (ends_at > starts_at),
    place         TEXT    NOT NULL,
    online        BOOLEAN NOT NULL,
    link          TEXT,
    note          TEXT    NOT NULL,
    status        TEXT    NOT NULL CHECK (status IN ('booked', 'cancelled', 'held', 'no_show')),
    booked_by     TEXT    NOT NULL,
    booked_at     INTEGER NOT NULL,
    -- The last change (reschedule, cancel, outcome): when, who and why.
    changed_at    INTEGER NOT NULL,
    changed_by    TEXT    NOT NULL,
    reason        TEXT
);
CREATE UNIQUE INDEX appointments_slot ON appointments (specialist_id, starts_at) WHERE status <> 'cancelled';
CREATE INDEX appointments_case ON appointments (case_id, starts_at);
CREATE INDEX appointments_starts ON appointments (starts_at);

CREATE TABLE appointment_locks (
    specialist_id INTEGER NOT NULL PRIMARY KEY REFERENCES users(id),
    bookings      INTEGER NOT NULL
);
