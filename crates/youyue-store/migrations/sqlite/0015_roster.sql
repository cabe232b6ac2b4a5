-- Specialists and duty rosters (issue 20). Keep in step with ../postgres/0015_roster.sql.

-- What a staff account can serve as (mediator, lawyer, counsellor…): zero or more each.
CREATE TABLE user_specialties (
    user_id   INTEGER NOT NULL REFERENCES users(id),
    specialty TEXT    NOT NULL CHECK (specialty IN ('mediator','lawyer','counsellor','teacher','arbitrator','advisor','liaison')),
    PRIMARY KEY (user_id, specialty)
);

-- A union's duty roster (轮值表): the weekly pattern and its exceptions, as one JSON
-- document (youyue_domain::roster::Roster without names), replaced whole by each change.
-- People are named by username, which never changes.
CREATE TABLE rosters (
    union_id   INTEGER PRIMARY KEY REFERENCES unions(id),
    body       TEXT    NOT NULL,
    updated_by TEXT    NOT NULL,
    updated_at INTEGER NOT NULL
);

-- Every roster as it was set, by whom and when: appended, never changed.
CREATE TABLE roster_changes (
    id         INTEGER PRIMARY KEY,
    union_id   INTEGER NOT NULL REFERENCES unions(id),
    body       TEXT    NOT NULL,
    changed_by TEXT    NOT NULL,
    changed_at INTEGER NOT NULL
);
CREATE INDEX roster_changes_union ON roster_changes(union_id, id);
CREATE TRIGGER roster_changes_never_updated BEFORE UPDATE ON roster_changes
BEGIN SELECT RAISE(ABORT, 'the roster log is never changed'); END;
CREATE TRIGGER roster_changes_never_deleted BEFORE DELETE ON roster_changes
BEGIN SELECT RAISE(ABORT, 'the roster log is never changed'); END;
