//! PostgreSQL, for a city or a province: one pool serves reads and writes.

use crate::dialect::Dialect;
use crate::{SqlStore, StoreError};
use sqlx::postgres::PgPoolOptions;
use std::time::Duration;

type Db = sqlx::Postgres;
/// What this backend's SQL says differently (the reasons: `Dialect`'s fields).
const DIALECT: Dialect = Dialect {
    backend: crate::Backend::Postgres,
    snapshot: Some("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY"),
    lock_tallies: Some("LOCK TABLE tallies, tally_hours IN EXCLUSIVE MODE"),
    walk_settings: Some("SELECT set_config('enable_seqscan', 'off', true), set_config('enable_sort', 'off', true)"),
    sum_bigint: "sum_bigint",
    rebuild_statistics: Some("ANALYZE tallies, tally_hours, rebuild_hours, rebuild_rows"),
    search_statements_prepared: false,
    deferrable_indexes: "SELECT i.relname::TEXT, pg_get_indexdef(i.oid) \
     FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid JOIN pg_class t ON t.oid = x.indrelid \
     WHERE t.relnamespace = current_schema()::regnamespace \
     AND t.relname IN ('cases', 'record_entries', 'case_grams') AND NOT x.indisunique ORDER BY 1",
    index_build: Some("SET LOCAL maintenance_work_mem = '256MB'"),
    skip_locked: " FOR UPDATE SKIP LOCKED",
};

#[allow(clippy::duplicate_mod)] // one SQL text, compiled once per backend
#[path = "sql/mod.rs"]
mod sql;

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
            .map_err(|e| StoreError::unavailable_because(redact(url), e))?;
        sqlx::migrate!("./migrations/postgres").run(&pool).await?;
        sql::ensure_tallies(&pool).await?;
        sql::ensure_search_index(&pool).await?;
        // Registrations are grouped here too: each one adds to the same tally rows (the day
        // of its district and of the province), so on their own their transactions queue on
        // those rows' locks, one commit at a time (crates/youyue-bench/README.md).
        let group = crate::group::GroupWriter::start(pool.clone(), sql::create_cases_boxed, false, None)
            .map_err(|e| StoreError::unavailable_because("the database writer could not start", e))?;
        Ok(SqlStore {
            read: pool.clone(),
            write: pool,
            group,
            background: crate::Background::default(),
            outbox_wake: Default::default(),
        })
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
