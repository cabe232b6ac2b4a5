//! The embedded default: one SQLite file, WAL, durable commits (`synchronous=FULL`),
//! foreign keys on.

use crate::{SqlStore, StoreError};
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use std::str::FromStr;
use std::time::Duration;

type Db = sqlx::Sqlite;
const BACKEND: crate::Backend = crate::Backend::Sqlite;
/// A read transaction on SQLite is already a snapshot.
const SNAPSHOT_SQL: Option<&str> = None;
/// SQLite has one writer at a time: a rebuild of the tallies needs no lock.
const LOCK_TALLIES_SQL: Option<&str> = None;
/// Run after an import: the planner needs statistics to choose between indexes (seconds at
/// a million cases).
const ANALYZE_SQL: &str = "ANALYZE";

pub type SqliteStore = SqlStore<Db>;

impl SqlStore<Db> {
    /// Opens (creating when missing) the file named by a `sqlite://FILE` URL and migrates it.
    pub async fn open(url: &str) -> Result<SqliteStore, StoreError> {
        let opts = SqliteConnectOptions::from_str(url)
            .map_err(|_| StoreError::BadUrl(url.to_owned()))?
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Full)
            .foreign_keys(true)
            .busy_timeout(Duration::from_secs(10));
        let write = SqlitePoolOptions::new()
            .max_connections(1)
            .acquire_timeout(Duration::from_secs(30))
            .connect_with(opts.clone())
            .await
            .map_err(|e| StoreError::Unavailable(format!("{url}: {e}")))?;
        sqlx::migrate!("./migrations/sqlite").run(&write).await?;
        ensure_tallies(&write).await?;
        ensure_search_index(&write).await?;
        // Four readers keep two cores busy; eight gave the same throughput at a million
        // cases but each connection's thread its own malloc arena, whose freed memory glibc
        // keeps: 108 MiB under list load against 65 MiB (crates/youyue-bench/README.md).
        let read = SqlitePoolOptions::new()
            .max_connections(4)
            .acquire_timeout(Duration::from_secs(30))
            .connect_with(opts.read_only(true))
            .await?;
        let group = crate::group::GroupWriter::start(write.clone(), create_cases_boxed);
        Ok(SqlStore { read, write, group })
    }
}

include!("shared.rs");
include!("tallies.rs");
include!("search.rs");
