//! The embedded default: one SQLite file, WAL, durable commits (`synchronous=FULL`),
//! foreign keys on.

use crate::dialect::Dialect;
use crate::{SqlStore, StoreError};
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use std::str::FromStr;
use std::time::Duration;

type Db = sqlx::Sqlite;
/// What this backend's SQL says differently (the reasons: `Dialect`'s fields).
const DIALECT: Dialect = Dialect {
    backend: crate::Backend::Sqlite,
    snapshot: None,
    lock_tallies: None,
    walk_settings: None,
    sum_bigint: "SUM",
    rebuild_statistics: None,
    search_statements_prepared: true,
    // An index's `sql` is NULL when a primary key or a unique constraint makes it.
    deferrable_indexes: "SELECT name, sql FROM sqlite_master \
     WHERE type = 'index' AND tbl_name IN ('cases', 'record_entries') AND sql IS NOT NULL \
     AND sql NOT LIKE 'CREATE UNIQUE%' ORDER BY name",
    index_build: None,
    skip_locked: "",
};

#[allow(clippy::duplicate_mod)] // one SQL text, compiled once per backend
#[path = "sql/mod.rs"]
mod sql;

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
        // The checkpointer copies the log into the file (below), on a connection of its own,
        // so that this is not on a commit's path; the writer only as a backstop.
        let write = SqlitePoolOptions::new()
            .max_connections(1)
            // A ping before each use is a round trip to the connection's thread, for a
            // file that cannot have gone away.
            .test_before_acquire(false)
            // A connection whose transaction SQLite rolled back on its own (a full disk) is
            // closed, not written on (group.rs).
            .before_acquire(crate::group::left_clean)
            .acquire_timeout(Duration::from_secs(30))
            .connect_with(opts.clone().pragma("wal_autocheckpoint", WRITER_CHECKPOINT_PAGES))
            .await
            .map_err(|e| StoreError::unavailable_because(url, e))?;
        sqlx::migrate!("./migrations/sqlite").run(&write).await?;
        sql::ensure_tallies(&write).await?;
        sql::ensure_search_index(&write).await?;
        // Four readers keep two cores busy; eight gave the same throughput but each
        // connection's thread its own malloc arena, whose freed memory glibc keeps: more
        // memory for nothing (crates/youyue-bench/README.md).
        let read = SqlitePoolOptions::new()
            .max_connections(4)
            .test_before_acquire(false)
            .acquire_timeout(Duration::from_secs(30))
            .connect_with(opts.clone().read_only(true))
            .await?;
        let reset_wanted = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
        let finish_checkpoint = crate::group::Between { wanted: reset_wanted.clone(), run: finish_checkpoint };
        let group =
            crate::group::GroupWriter::start(write.clone(), sql::create_cases_boxed, true, Some(finish_checkpoint))
                .map_err(|e| StoreError::unavailable_because("the database writer could not start", e))?;
        let checkpointer = sqlx::ConnectOptions::connect(&opts).await?;
        let background = crate::Background::default();
        let checkpoints = tokio::spawn(checkpoint_until(checkpointer, reset_wanted, background.stop.subscribe()));
        if let Ok(mut tasks) = background.tasks.lock() {
            tasks.push(checkpoints);
        }
        Ok(SqlStore { read, write, group, background, outbox_wake: Default::default() })
    }
}

/// How often the checkpointer copies committed pages from the log into the database file.
const CHECKPOINT_EVERY: Duration = Duration::from_millis(50);

/// A log this long (pages; 16 MiB) is to start over: SQLite does that when a write begins
/// and the whole log is in the file. Under steady writes the checkpointer, beside the
/// writer, never finds it so at that instant; so once it has copied all but
/// `RESET_REMAINDER_PAGES`, it asks the writer to copy the rest between two batches
/// (`finish_checkpoint`: a few milliseconds).
const RESET_LOG_PAGES: i64 = 4096;
const RESET_REMAINDER_PAGES: i64 = 1024;

/// The writer checkpoints by itself (after a commit) only past this many pages (128 MiB): a
/// backstop should the log not start over otherwise (a reader holding an old snapshot).
const WRITER_CHECKPOINT_PAGES: &str = "32768";

/// Copies committed pages from the write-ahead log into the database file, on a connection
/// and thread of its own. With SQLite's automatic checkpoints the commit that filled the log
/// copied it, on a commit's path (most of that commit's time: crates/youyue-bench/README.md);
/// a passive checkpoint runs beside the writer and readers
/// and never blocks them. Durability is the log's (fsynced at each commit), not this.
///
/// (A `RESTART` checkpoint here would hold the write lock while it waits for readers, and
/// the writer's transactions, which begin as readers, would fail at once with
/// `SQLITE_BUSY`.)
async fn checkpoint_until(
    mut conn: sqlx::SqliteConnection,
    reset_wanted: std::sync::Arc<std::sync::atomic::AtomicBool>,
    mut stop: tokio::sync::watch::Receiver<bool>,
) {
    loop {
        tokio::select! {
            () = tokio::time::sleep(CHECKPOINT_EVERY) => {}
            _ = stop.changed() => {
                if let Err(e) = sqlx::Connection::close(conn).await {
                    tracing::warn!(error = %e, "closing the checkpointer's connection failed");
                }
                return;
            }
        }
        let passive: Result<(i64, i64, i64), _> =
            sqlx::query_as("PRAGMA wal_checkpoint(PASSIVE)").fetch_one(&mut conn).await;
        match passive {
            Ok((_, log, copied)) if log >= RESET_LOG_PAGES && log - copied <= RESET_REMAINDER_PAGES => {
                reset_wanted.store(true, std::sync::atomic::Ordering::Relaxed);
            }
            Ok(_) => {}
            Err(e) => tracing::warn!(error = %e, "checkpoint failed; trying again"),
        }
    }
}

/// Run by the writer between two batches when the checkpointer asks: copies the last pages
/// of the log, so that the next write starts the log over.
fn finish_checkpoint(conn: &mut sqlx::SqliteConnection) -> crate::group::BoxFuture<'_, Result<(), sqlx::Error>> {
    Box::pin(async move {
        sqlx::query("PRAGMA wal_checkpoint(PASSIVE)").execute(&mut *conn).await?;
        Ok(())
    })
}
