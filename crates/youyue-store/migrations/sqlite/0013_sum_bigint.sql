-- Nothing to do: SQLite's SUM of integers is an integer and fails on overflow, so SUM_BIGINT
-- in src/sqlite.rs is SUM itself. Keeps the numbering in step with
-- ../postgres/0013_sum_bigint.sql.
SELECT 1;
