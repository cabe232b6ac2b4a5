-- The text search index (src/search.rs, domain search.rs): the character pairs of every
-- case's title and description as hexadecimal lexemes, one row per case. The list's LIKE
-- match decides; the GIN index finds the candidates. Keep in step with
-- ../sqlite/0012_search.sql.
CREATE TABLE case_grams (
    case_id BIGINT PRIMARY KEY REFERENCES cases (id),
    grams   TSVECTOR NOT NULL
);
CREATE INDEX case_grams_gin ON case_grams USING gin (grams);

-- Whether the index holds every case; FALSE makes the store fill it when it opens.
CREATE TABLE search_state (
    id    INTEGER PRIMARY KEY CHECK (id = 1),
    built BOOLEAN NOT NULL
);
INSERT INTO search_state (id, built) VALUES (1, FALSE);
