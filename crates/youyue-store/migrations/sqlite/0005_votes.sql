-- Workers' votes on their union: monthly (一月一评) and yearly (年度测评). One per voter
-- token, union and round. Keep in step with ../postgres/0005_votes.sql.
CREATE TABLE union_votes (
    union_id INTEGER NOT NULL REFERENCES unions(id),
    round    TEXT    NOT NULL CHECK (round IN ('monthly', 'yearly')),
    key      TEXT    NOT NULL,
    voter    TEXT    NOT NULL,
    score    INTEGER NOT NULL CHECK (score BETWEEN 1 AND 5),
    comment  TEXT    NOT NULL,
    at       INTEGER NOT NULL,
    PRIMARY KEY (union_id, round, key, voter)
);
CREATE INDEX union_votes_at ON union_votes(union_id, at);
