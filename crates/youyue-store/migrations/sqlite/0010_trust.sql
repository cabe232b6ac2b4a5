-- Trust: idempotent submissions, the log of who read what is confidential, scoped API
-- tokens, a second factor, and per-account session revocation. Keep in step with
-- ../postgres/0010_trust.sql.

-- A retried submission with the same key gets the case the first one made. The key is
-- stored only as a hash (scoped to who sent it); `request_hash` tells a retry from a
-- different request reusing the key; `salt` with the key re-derives the tracking code
-- (which is never stored).
CREATE TABLE idempotency_keys (
    key_hash     TEXT    NOT NULL PRIMARY KEY,
    request_hash TEXT    NOT NULL,
    case_id      INTEGER NOT NULL REFERENCES cases(id),
    salt         TEXT    NOT NULL,
    created_at   INTEGER NOT NULL
);

-- Every read of a wellbeing case or of a worker's contact: who, which case, what, when.
-- Appended only, like the record book.
CREATE TABLE read_log (
    id      INTEGER PRIMARY KEY,
    case_id INTEGER NOT NULL REFERENCES cases(id),
    user_id INTEGER NOT NULL REFERENCES users(id),
    what    TEXT    NOT NULL CHECK (what IN ('case','contact','export')),
    at      INTEGER NOT NULL
);
CREATE INDEX read_log_case ON read_log(case_id, at);
CREATE TRIGGER read_log_never_updated BEFORE UPDATE ON read_log
BEGIN SELECT RAISE(ABORT, 'the read log is never changed'); END;
CREATE TRIGGER read_log_never_deleted BEFORE DELETE ON read_log
BEGIN SELECT RAISE(ABORT, 'the read log is never changed'); END;

-- 'read' tokens may only read; 'write' tokens act as their account does.
ALTER TABLE api_tokens ADD COLUMN scope TEXT NOT NULL DEFAULT 'write' CHECK (scope IN ('read','write'));
CREATE INDEX api_tokens_user ON api_tokens(user_id);
-- Base32 TOTP secret once the account has confirmed its second factor.
ALTER TABLE users ADD COLUMN totp_secret TEXT;

-- Wellbeing cases are hidden from staff other than the chair and the assigned counsellor:
-- the inbox's counts take them off the tallies' through this small index.
CREATE INDEX cases_wellbeing ON cases(union_id, status, handler_id) WHERE kind = 'wellbeing';
