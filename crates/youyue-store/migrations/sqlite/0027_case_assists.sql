-- 协办 (joint handling, issue 22): a union, or one specialist of it (user_id), asked to
-- assist with a case: it reads the case and adds notes. Open while ended_at is NULL; ended
-- by the handling union (ended_by its username) or when the case closes or moves
-- (ended_by 'system'), in the transaction of that change's record-book entry.
-- Keep in step with ../postgres/0027_case_assists.sql.
CREATE TABLE case_assists (
    id        INTEGER PRIMARY KEY,
    case_id   INTEGER NOT NULL REFERENCES cases(id),
    union_id  INTEGER NOT NULL REFERENCES unions(id),
    user_id   INTEGER REFERENCES users(id),
    note      TEXT NOT NULL,
    asked_by  TEXT NOT NULL,
    asked_at  INTEGER NOT NULL,
    ended_at  INTEGER,
    ended_by  TEXT
);
CREATE INDEX case_assists_case ON case_assists (case_id);
-- At most one open assistance of a union per case; the assisting union's inbox.
CREATE UNIQUE INDEX case_assists_open ON case_assists (union_id, case_id) WHERE ended_at IS NULL;
