-- Indexes that answer the figures and the inbox from the index alone (measured at 1M
-- cases, bench/README.md). Keep in step with ../postgres/0007_covering_indexes.sql.
CREATE INDEX cases_opened_cover ON cases(union_id, opened_at, kind, channel, status, adopted);
CREATE INDEX cases_closed_cover ON cases(union_id, closed_at, status, kind, people, amount_recovered_fen, rating);
CREATE INDEX cases_union_status ON cases(union_id, status);
CREATE INDEX cases_opened_order ON cases(opened_at, id);
CREATE INDEX cases_accepted ON cases(union_id, accepted_at);
DROP INDEX cases_union_opened;
DROP INDEX cases_union_closed;
