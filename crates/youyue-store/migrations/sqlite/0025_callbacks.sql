-- Call-back and redo (issue 22): a closed case's call-back task (回访) and review (发回重办
-- or 维持答复), one row while the case stays closed. Derived from the record book
-- (youyue_domain::callback::Task::fold), kept in step by every saved change and rebuilt
-- for the cases an import touches. Keep in step with ../postgres/0025_callbacks.sql.
CREATE TABLE callbacks (
    case_id   INTEGER NOT NULL PRIMARY KEY REFERENCES cases(id),
    -- The China day of the latest closing, 'YYYY-MM-DD'; due callback_days working days on.
    closed_on TEXT    NOT NULL,
    -- When a call-back reached the worker (microseconds); NULL while the task is open.
    called_at INTEGER,
    attempts  INTEGER NOT NULL,
    -- 'pending' before the union above, 'confirmed'; NULL: no review.
    review    TEXT
);
CREATE INDEX callbacks_open ON callbacks (closed_on) WHERE called_at IS NULL;
CREATE INDEX callbacks_review ON callbacks (review) WHERE review = 'pending';
