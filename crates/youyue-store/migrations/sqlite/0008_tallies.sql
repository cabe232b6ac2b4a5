-- Running tallies of the figures (youyue_domain::tally): per union (including everything
-- below it), per China day (grain 'd') and month ('m'), named by the first day. Derived from
-- the cases: kept in step with every case write and rebuilt when the tree or the calendar
-- changes. Keep in step with ../postgres/0008_tallies.sql and Tally::columns().
CREATE TABLE tallies (
    union_id               INTEGER NOT NULL REFERENCES unions(id),
    grain                  TEXT NOT NULL CHECK (grain IN ('d', 'm')),
    start                  TEXT NOT NULL,
    opened                 INTEGER NOT NULL DEFAULT 0,
    opened_claim           INTEGER NOT NULL DEFAULT 0,
    opened_dispute         INTEGER NOT NULL DEFAULT 0,
    opened_wellbeing       INTEGER NOT NULL DEFAULT 0,
    opened_suggestion      INTEGER NOT NULL DEFAULT 0,
    opened_hotline         INTEGER NOT NULL DEFAULT 0,
    opened_mailbox         INTEGER NOT NULL DEFAULT 0,
    opened_reception       INTEGER NOT NULL DEFAULT 0,
    opened_forum           INTEGER NOT NULL DEFAULT 0,
    opened_online          INTEGER NOT NULL DEFAULT 0,
    opened_registered      INTEGER NOT NULL DEFAULT 0,
    opened_accepted        INTEGER NOT NULL DEFAULT 0,
    opened_in_progress     INTEGER NOT NULL DEFAULT 0,
    opened_resolved        INTEGER NOT NULL DEFAULT 0,
    opened_explained       INTEGER NOT NULL DEFAULT 0,
    suggestions_adopted    INTEGER NOT NULL DEFAULT 0,
    resolved_claim         INTEGER NOT NULL DEFAULT 0,
    resolved_dispute       INTEGER NOT NULL DEFAULT 0,
    resolved_wellbeing     INTEGER NOT NULL DEFAULT 0,
    resolved_suggestion    INTEGER NOT NULL DEFAULT 0,
    dispute_people         INTEGER NOT NULL DEFAULT 0,
    amount_fen             INTEGER NOT NULL DEFAULT 0,
    explained              INTEGER NOT NULL DEFAULT 0,
    closed                 INTEGER NOT NULL DEFAULT 0,
    closed_with_deadline   INTEGER NOT NULL DEFAULT 0,
    closed_on_time         INTEGER NOT NULL DEFAULT 0,
    close_seconds          INTEGER NOT NULL DEFAULT 0,
    accepted               INTEGER NOT NULL DEFAULT 0,
    accepted_on_time       INTEGER NOT NULL DEFAULT 0,
    accept_seconds         INTEGER NOT NULL DEFAULT 0,
    rated                  INTEGER NOT NULL DEFAULT 0,
    rated_satisfied        INTEGER NOT NULL DEFAULT 0,
    rating_sum             INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (union_id, grain, start)
) WITHOUT ROWID;

-- Histograms of durations for the percentiles, per union and month ('m') or year ('y'),
-- over the cases of the unions strictly below it (a union's own cases are read from the
-- cases when needed).
CREATE TABLE tally_hours (
    union_id               INTEGER NOT NULL REFERENCES unions(id),
    grain                  TEXT NOT NULL CHECK (grain IN ('m', 'y')),
    start                  TEXT NOT NULL,
    measure                TEXT NOT NULL CHECK (measure IN ('accept', 'close')),
    bucket                 INTEGER NOT NULL,
    n                      INTEGER NOT NULL,
    PRIMARY KEY (union_id, grain, start, measure, bucket)
) WITHOUT ROWID;

-- Whether the tallies reflect the cases; 0 makes the store rebuild them when it opens.
CREATE TABLE tally_state (
    id                     INTEGER PRIMARY KEY CHECK (id = 1),
    built                  BOOLEAN NOT NULL
);
INSERT INTO tally_state (id, built) VALUES (1, FALSE);


-- The percentiles read a union's own cases and the edge days' cases by closing or
-- accepting time with the time raised: from the index alone.
DROP INDEX cases_closed_cover;
DROP INDEX cases_accepted;
CREATE INDEX cases_closed_cover ON cases(union_id, closed_at, status, kind, people, amount_recovered_fen, rating, opened_at);
CREATE INDEX cases_accepted ON cases(union_id, accepted_at, opened_at);
