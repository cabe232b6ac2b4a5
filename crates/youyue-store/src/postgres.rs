//! PostgreSQL, for a city or a province: one pool serves reads and writes.

use crate::{SqlStore, StoreError};
use sqlx::postgres::PgPoolOptions;
use std::time::Duration;

type Db = sqlx::Postgres;
const BACKEND: crate::Backend = crate::Backend::Postgres;
/// Read committed (the default) takes a new snapshot per statement; an export needs one.
const SNAPSHOT_SQL: Option<&str> = Some("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY");
/// A rebuild of the tallies waits for case writes in flight and holds new ones back, so that
/// none is counted twice or lost.
const LOCK_TALLIES_SQL: Option<&str> = Some("LOCK TABLE tallies, tally_hours IN EXCLUSIVE MODE");
/// Set for the one statement that walks the cases in time order (`UnionFilter::Scanned`),
/// which the store chooses knowing the matches are many. PostgreSQL estimates a text match
/// (`LIKE '%工资%'`) with an administrator's wellbeing filter at a few rows, prices the
/// walk as a read of the whole index, and scans and sorts every case instead: 80–100 ms
/// against 0.4 ms at 100k (crates/youyue-bench/README.md). Both are penalties, not bans.
const WALK_SETTINGS_SQL: Option<&str> =
    Some("SELECT set_config('enable_seqscan', 'off', true), set_config('enable_sort', 'off', true)");
/// The sum of BIGINTs as a BIGINT (migration 0013). `SUM(bigint)` accumulates in numeric,
/// which had to be cast back: a rebuild level's sums alone cost three times as much (measured
/// apart; in an import the level's inserts cost more than its sums).
const SUM_BIGINT: &str = "sum_bigint";
/// Run in an import, before the figures are counted from what it wrote (autovacuum would
/// get there later, after the rebuild had planned without statistics).
const ANALYZE_SQL: &str = "ANALYZE";
/// Run between the levels of a rebuild of the tallies: the rows the level below wrote are
/// the next level's input, and without statistics PostgreSQL hashed all of them for each
/// union (the temporary table is never analysed by autovacuum): 25 s of a 20k import.
const REBUILD_STATISTICS_SQL: Option<&str> = Some("ANALYZE tallies, tally_hours, rebuild_hours, rebuild_rows");
/// Whether a statement that matches the search index is kept prepared. Not on PostgreSQL:
/// after five runs of a prepared statement it may switch to a generic plan, which cannot
/// see how common the searched words are; for the count of a common pair it chose a bitmap
/// of the whole index over reading rows until the bound (850 ms a request at 16 clients
/// and a million cases). Unprepared, each is planned with its words.
const SEARCH_STATEMENTS_PREPARED: bool = false;
/// The indexes an import into an empty database drops and builds again at its end
/// (`DeferredIndexes`): every index of the bulk tables but those behind a primary key or a
/// unique constraint, which the import's own statements need. Name and definition.
const DEFERRABLE_INDEXES_SQL: &str = "SELECT i.relname::TEXT, pg_get_indexdef(i.oid) \
     FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid JOIN pg_class t ON t.oid = x.indrelid \
     WHERE t.relnamespace = current_schema()::regnamespace \
     AND t.relname IN ('cases', 'record_entries', 'case_grams') AND NOT x.indisunique ORDER BY 1";
/// Memory for the index builds at the end of such an import, in PostgreSQL's backend (the
/// default 64 MB sorts a million cases' keys in temporary files).
const INDEX_BUILD_SQL: Option<&str> = Some("SET LOCAL maintenance_work_mem = '256MB'");

pub type PostgresStore = SqlStore<Db>;

impl SqlStore<Db> {
    /// Connects to a `postgres://` URL and migrates the database.
    pub async fn open(url: &str) -> Result<PostgresStore, StoreError> {
        let pool = PgPoolOptions::new()
            .max_connections(16)
            // A database that cannot be reached answers 503 after this, rather than hanging.
            .acquire_timeout(Duration::from_secs(5))
            .connect(url)
            .await
            .map_err(|e| StoreError::Unavailable(format!("{}: {e}", redact(url))))?;
        sqlx::migrate!("./migrations/postgres").run(&pool).await?;
        ensure_tallies(&pool).await?;
        ensure_search_index(&pool).await?;
        // Registrations are grouped here too: each one adds to the same tally rows (the day
        // of its district and of the province), so on their own their transactions queue on
        // those rows' locks, one commit at a time (about 940 a second at 1M cases).
        let group = crate::group::GroupWriter::start(pool.clone(), create_cases_boxed, false, None)
            .map_err(|e| StoreError::Unavailable(format!("the database writer could not start: {e}")))?;
        Ok(SqlStore { read: pool.clone(), write: pool, group, background: crate::Background::default() })
    }
}

/// The URL without its password, for messages.
fn redact(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(s), Some(at)) if at > s => {
            let creds = &url[s + 3..at];
            let user = creds.split(':').next().unwrap_or_default();
            format!("{}://{user}@{}", &url[..s], &url[at + 1..])
        }
        _ => url.to_owned(),
    }
}

include!("shared.rs");
include!("tallies.rs");
include!("search.rs");
