-- A studio's bulletin board and its eight configurations (DOMAIN.md). Keep in step with
-- ../postgres/0002_studio.sql.

CREATE TABLE bulletins (
    id         INTEGER PRIMARY KEY,
    union_id   INTEGER NOT NULL REFERENCES unions(id),
    title      TEXT    NOT NULL,
    body       TEXT    NOT NULL,
    posted_by  TEXT    NOT NULL,
    posted_at  INTEGER NOT NULL,
    UNIQUE (union_id, posted_at, title)
);
CREATE INDEX bulletins_union ON bulletins(union_id, posted_at);

-- One row per configuration item a studio has ticked or annotated.
CREATE TABLE studio_items (
    union_id   INTEGER NOT NULL REFERENCES unions(id),
    item       TEXT    NOT NULL CHECK (item IN ('workplace','sign','rules','hotline','mailbox','roster','record_book','bulletin_board')),
    done       BOOLEAN NOT NULL,
    note       TEXT    NOT NULL,
    updated_by TEXT    NOT NULL,
    updated_at INTEGER NOT NULL,
    PRIMARY KEY (union_id, item)
);
