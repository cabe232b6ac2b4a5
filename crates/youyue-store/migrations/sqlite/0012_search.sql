-- The text search index (src/search.rs, domain search.rs): the character pairs of every
-- case's title and description as hexadecimal words, rowid = cases.id. Contentless (the
-- text is in cases), no positions (the list's LIKE match decides), rows deletable when a
-- case's text changes. Keep in step with ../postgres/0012_search.sql.
CREATE VIRTUAL TABLE case_grams USING fts5(
    grams, content = '', contentless_delete = 1, detail = 'none', tokenize = 'ascii'
);

-- Whether the index holds every case; FALSE makes the store fill it when it opens.
CREATE TABLE search_state (
    id    INTEGER PRIMARY KEY CHECK (id = 1),
    built BOOLEAN NOT NULL
);
INSERT INTO search_state (id, built) VALUES (1, FALSE);
