-- The core schema on SQLite. Times are UTC microseconds (INTEGER); dates are 'YYYY-MM-DD'
-- (China calendar days); money is integer fen. Keep in step with ../postgres/0001_core.sql.

CREATE TABLE unions (
    id               INTEGER PRIMARY KEY,
    code             TEXT    NOT NULL UNIQUE,
    name             TEXT    NOT NULL,
    parent_id        INTEGER REFERENCES unions(id),
    -- ids from the top-level union down, '/1/5/9/': the subtree is `path LIKE '/1/5/%'`.
    path             TEXT    NOT NULL UNIQUE,
    depth            INTEGER NOT NULL,
    root_id          INTEGER NOT NULL,
    case_prefix      TEXT,
    studio_opened_on TEXT,
    created_at       INTEGER NOT NULL
);

CREATE TABLE users (
    id            INTEGER PRIMARY KEY,
    username      TEXT    NOT NULL UNIQUE,
    name          TEXT    NOT NULL,
    union_id      INTEGER NOT NULL REFERENCES unions(id),
    role          TEXT    NOT NULL CHECK (role IN ('worker','receptionist','handler','chair','admin')),
    password_hash TEXT,
    active        BOOLEAN NOT NULL,
    created_at    INTEGER NOT NULL
);
CREATE INDEX users_union ON users(union_id);

CREATE TABLE sessions (
    token_hash TEXT    PRIMARY KEY,
    user_id    INTEGER NOT NULL REFERENCES users(id),
    created_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL
);
CREATE INDEX sessions_user ON sessions(user_id);

CREATE TABLE api_tokens (
    id         INTEGER PRIMARY KEY,
    user_id    INTEGER NOT NULL REFERENCES users(id),
    name       TEXT    NOT NULL,
    token_hash TEXT    NOT NULL UNIQUE,
    created_at INTEGER NOT NULL,
    revoked_at INTEGER
);

CREATE TABLE case_counters (
    prefix TEXT    NOT NULL,
    year   INTEGER NOT NULL,
    last   INTEGER NOT NULL,
    PRIMARY KEY (prefix, year)
);

CREATE TABLE cases (
    id                   INTEGER PRIMARY KEY,
    number               TEXT    NOT NULL UNIQUE,
    union_id             INTEGER NOT NULL REFERENCES unions(id),
    kind                 TEXT    NOT NULL CHECK (kind IN ('claim','dispute','wellbeing','suggestion')),
    channel              TEXT    NOT NULL CHECK (channel IN ('hotline','mailbox','reception','forum','online')),
    collective           BOOLEAN NOT NULL,
    online               BOOLEAN NOT NULL,
    scheduled            BOOLEAN NOT NULL,
    immediate            BOOLEAN NOT NULL,
    people               INTEGER NOT NULL CHECK (people >= 1),
    title                TEXT    NOT NULL,
    description          TEXT    NOT NULL,
    anonymous            BOOLEAN NOT NULL,
    worker_name          TEXT,
    contact              TEXT,
    worker_user_id       INTEGER REFERENCES users(id),
    opened_at            INTEGER NOT NULL,
    status               TEXT    NOT NULL CHECK (status IN ('registered','accepted','in_progress','resolved','explained')),
    urgency              TEXT,
    due_on               TEXT,
    accepted_at          INTEGER,
    handler_id           INTEGER REFERENCES users(id),
    closed_at            INTEGER,
    agreement            BOOLEAN,
    amount_recovered_fen INTEGER CHECK (amount_recovered_fen >= 0),
    adopted              BOOLEAN,
    resolution           TEXT,
    explanation          TEXT,
    rating               INTEGER CHECK (rating BETWEEN 1 AND 5),
    rating_comment       TEXT,
    rated_at             INTEGER,
    tracking_code_hash   TEXT,
    record_len           INTEGER NOT NULL DEFAULT 0,
    version              INTEGER NOT NULL DEFAULT 1,
    updated_at           INTEGER NOT NULL
);
CREATE INDEX cases_union_opened ON cases(union_id, opened_at);
CREATE INDEX cases_union_closed ON cases(union_id, closed_at);
CREATE INDEX cases_handler ON cases(handler_id, status);
CREATE INDEX cases_worker ON cases(worker_user_id);

-- The record book: appended to, never changed (the triggers below refuse it).
CREATE TABLE record_entries (
    case_id  INTEGER NOT NULL REFERENCES cases(id),
    seq      INTEGER NOT NULL,
    at       INTEGER NOT NULL,
    actor    TEXT    NOT NULL,
    action   TEXT    NOT NULL,
    internal BOOLEAN NOT NULL,
    detail   TEXT    NOT NULL,
    PRIMARY KEY (case_id, seq)
);

CREATE TRIGGER record_entries_never_updated BEFORE UPDATE ON record_entries
BEGIN SELECT RAISE(ABORT, 'record book entries are never changed'); END;
CREATE TRIGGER record_entries_never_deleted BEFORE DELETE ON record_entries
BEGIN SELECT RAISE(ABORT, 'record book entries are never deleted'); END;
