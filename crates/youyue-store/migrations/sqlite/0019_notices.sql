-- Notices (youyue_domain::notice): a transactional outbox. Keep in step with
-- ../postgres/0019_notices.sql.

-- Where a person is told, and the kinds they turned off for e-mail and SMS (comma-separated
-- NoticeKind names; the bell keeps every kind).
ALTER TABLE users ADD COLUMN email TEXT;
ALTER TABLE users ADD COLUMN phone TEXT;
ALTER TABLE users ADD COLUMN notices_off TEXT NOT NULL DEFAULT '';

-- A union's WeChat Work group robot. Its own table: the URL holds the robot's key, and
-- nothing that reads or exports unions reads it.
CREATE TABLE union_notices (
    union_id      INTEGER PRIMARY KEY REFERENCES unions(id),
    wecom_webhook TEXT,
    changed_at    INTEGER NOT NULL
);

-- The worker agreed to be told of their case (number and tracking code, appointments,
-- "your case has an answer") by the contact they left. Deleted when the case is anonymised.
CREATE TABLE case_notify (
    case_id    INTEGER PRIMARY KEY REFERENCES cases(id),
    agreed_at  INTEGER NOT NULL
);

-- The outbox: one row per event, written in the transaction of the change that causes it.
-- An event of a record-book entry names it (case_id, seq) and its notices follow from the
-- entry; a timed one (deadline, reminder) names its kind and a dedupe key that makes it
-- once only. payload: what only the moment knew (a receipt's tracking code), cleared once
-- the event's notices are written.
CREATE TABLE notice_events (
    id             INTEGER PRIMARY KEY,
    case_id        INTEGER NOT NULL REFERENCES cases(id),
    seq            INTEGER,
    kind           TEXT,
    appointment_id INTEGER,
    payload        TEXT,
    dedupe         TEXT UNIQUE,
    created_at     INTEGER NOT NULL,
    dispatched_at  INTEGER
);
CREATE INDEX notice_events_waiting ON notice_events (id) WHERE dispatched_at IS NULL;

-- One notice to one recipient by one channel. app: the bell (user_id; sent when written).
-- wecom: union_id's group, the URL read when it is sent. address: the e-mail or phone as
-- it was when written (the username for app, '' for wecom). A sender claims a due pending
-- notice until claimed_until; next_at carries the back-off and quiet hours.
CREATE TABLE notices (
    id            INTEGER PRIMARY KEY,
    event_id      INTEGER NOT NULL REFERENCES notice_events(id),
    case_id       INTEGER REFERENCES cases(id),
    kind          TEXT NOT NULL,
    channel       TEXT NOT NULL CHECK (channel IN ('app','email','sms','wecom')),
    user_id       INTEGER REFERENCES users(id),
    union_id      INTEGER REFERENCES unions(id),
    address       TEXT NOT NULL,
    mentions      TEXT NOT NULL DEFAULT '',
    subject       TEXT NOT NULL,
    body          TEXT NOT NULL,
    -- What only the worker may read (a receipt's tracking code): the body holds
    -- notice::CODE_SLOT in its place, the sender puts it in at sending; cleared once sent and
    -- when the case is anonymised, so no listing, page or export can show it.
    secret        TEXT,
    status        TEXT NOT NULL CHECK (status IN ('pending','sent','failed')),
    attempts      INTEGER NOT NULL DEFAULT 0,
    next_at       INTEGER NOT NULL,
    claimed_until INTEGER,
    last_error    TEXT,
    sent_at       INTEGER,
    read_at       INTEGER,
    created_at    INTEGER NOT NULL
);
CREATE INDEX notices_due ON notices (next_at) WHERE status = 'pending';
CREATE INDEX notices_inbox ON notices (user_id, id) WHERE channel = 'app';
CREATE INDEX notices_failed ON notices (id) WHERE status = 'failed';
CREATE INDEX notices_case ON notices (case_id);

-- Every attempt to deliver a notice and what came of it.
CREATE TABLE notice_attempts (
    notice_id INTEGER NOT NULL REFERENCES notices(id),
    at        INTEGER NOT NULL,
    ok        BOOLEAN NOT NULL,
    error     TEXT
);
CREATE INDEX notice_attempts_notice ON notice_attempts (notice_id);
