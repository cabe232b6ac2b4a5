//! Group commit (SQLite; registrations on PostgreSQL too, below). A durable commit costs an
//! fsync (WAL, `synchronous=FULL`), thousands a second at best; one commit per submission
//! would cap intake there. So the
//! writes that arrive while a commit is in flight wait in a queue, and one writer task runs
//! them together: one transaction, each write in its own savepoint (a failing write is
//! rolled back alone), one commit, one fsync. Nobody is answered before that commit
//! returns, so every acknowledged write is as durable as with a commit of its own.
//!
//! Registrations are the hot path (a worker's online submission): those of a group are
//! written together by one call (`create_cases_conn`: one insert for all the cases, one for
//! their entries, the tallies summed), since on SQLite each statement is a round trip to the
//! connection's thread and two thread wake-ups, which cost more than the writing itself. If
//! that call fails as a whole, the registrations are tried again one by one, each in its own
//! savepoint, so that only the one at fault fails.
//!
//! PostgreSQL groups concurrent commits in its WAL writer by itself, and runs workflow
//! changes in transactions of their own; it groups registrations here all the same, since
//! each adds to the same tally rows (the day of its district and of the province), on whose
//! locks their transactions would otherwise queue one commit at a time. Two app servers
//! each group their own; a key another server committed first makes a group's insert of
//! keys fail, and the one-by-one retry answers that registration `IdempotencyKeyUsed`.
//!
//! A fault of the database itself (SQLite: a full disk, an I/O error, no memory, busy or
//! locked; PostgreSQL: insufficient resources, a system error, a lost connection) may roll
//! the whole transaction back behind sqlx's back (SQLite does on `SQLITE_FULL`), after which
//! its savepoints no longer exist and a later "commit" commits nothing. So a fault in any
//! write ends the group: nobody in it is told "done", and the connection is closed, not
//! given back, so that the next group starts on a fresh one. While groups fail for a fault,
//! [`GroupWriter::health`] says so (the store's `ping`, hence `/healthz`, answers 503).

use crate::{Registration, StoreError, StoredCase};
use sqlx::pool::PoolConnection;
use sqlx::{Acquire, Database, Pool};
use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::Ordering;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tokio::sync::{mpsc, oneshot};

pub type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// Most writes in one commit: enough for any realistic queue, small enough that one
/// commit's wait stays short.
const MAX_BATCH: usize = 256;

/// A write's outcome, waiting for the commit.
trait Reply: Send {
    fn is_ok(&self) -> bool;
    /// The database's own fault, if the write failed of one (see [`fault`]).
    fn fault(&self) -> Option<String>;
    fn send(self: Box<Self>, commit: Result<(), String>);
}

struct Pending<T> {
    result: Result<T, StoreError>,
    to: oneshot::Sender<Result<T, StoreError>>,
}

impl<T: Send> Reply for Pending<T> {
    fn is_ok(&self) -> bool {
        self.result.is_ok()
    }

    fn fault(&self) -> Option<String> {
        self.result.as_ref().err().and_then(fault)
    }

    fn send(self: Box<Self>, commit: Result<(), String>) {
        let answer = match (self.result, commit) {
            // A fault of the database (a full disk…) is "try again later", not the write's.
            (Err(e), _) if fault(&e).is_some() => {
                Err(StoreError::unavailable(format!("the write was not committed: {e}")))
            }
            (Ok(v), Ok(())) => Ok(v),
            (Ok(_), Err(e)) => Err(StoreError::unavailable(format!("the write was not committed: {e}"))),
            (Err(e), _) => Err(e),
        };
        // The caller may have gone (a closed connection): then nobody waits for the answer.
        let _ = self.to.send(answer);
    }
}

type Job<C> = Box<dyn for<'c> FnOnce(&'c mut C) -> BoxFuture<'c, Box<dyn Reply>> + Send>;

type Answer = oneshot::Sender<Result<StoredCase, StoreError>>;

/// Writes registrations inside the group's transaction, answering each (see
/// `create_cases_conn`).
pub type RegisterMany<C> =
    for<'c> fn(&'c mut C, &'c [Registration]) -> BoxFuture<'c, Result<Vec<Result<StoredCase, StoreError>>, StoreError>>;

enum Work<C> {
    Job(Job<C>),
    Register(Box<Registration>, Answer),
}

/// Work the writer does between two batches when someone asks for it (SQLite: the last
/// pages of a checkpoint, so that the log can start over; see `sqlite.rs`).
pub struct Between<C> {
    pub wanted: std::sync::Arc<std::sync::atomic::AtomicBool>,
    pub run: for<'c> fn(&'c mut C) -> BoxFuture<'c, Result<(), sqlx::Error>>,
}

/// The queue in front of the writer task.
pub struct GroupWriter<DB: Database> {
    queue: mpsc::Sender<Work<DB::Connection>>,
    health: Arc<Health>,
}

/// How long after a group failed for a fault the writer counts as failing when no group has
/// committed since: while writes keep coming, each failure renews it; with none coming, the
/// health check says "up" again after this, so that a balancer sends writes to find out.
const FAILING_FOR: Duration = Duration::from_secs(30);

/// The outcome of the writer's last group, for the health check.
#[derive(Default)]
struct Health {
    /// When and why the last group failed of a fault; `None` once a group has committed.
    failed: Mutex<Option<(Instant, String)>>,
}

impl Health {
    fn set(&self, failed: Option<String>) {
        if let Ok(mut state) = self.failed.lock() {
            *state = failed.map(|why| (Instant::now(), why));
        }
    }
}

impl<DB: Database> GroupWriter<DB> {
    /// Starts the writer task: on the current Tokio runtime, or (`own_thread`) on a thread
    /// of its own. It holds the pool's connection while writes keep coming (at most
    /// `HOLD_BATCHES` batches), so other writes through the pool go on between; it ends
    /// when the writer is dropped.
    ///
    /// SQLite's writer gets a thread of its own: each statement is a round trip to the
    /// connection's thread, and on the request runtime, busy with the requests themselves,
    /// the writer waited to be woken after each (crates/youyue-bench/README.md).
    pub fn start(
        pool: Pool<DB>,
        register_many: RegisterMany<DB::Connection>,
        own_thread: bool,
        between: Option<Between<DB::Connection>>,
    ) -> std::io::Result<GroupWriter<DB>> {
        let (queue, jobs) = mpsc::channel(4 * MAX_BATCH);
        let health = Arc::new(Health::default());
        let writer = Writer { pool, register_many, between, health: health.clone() };
        if own_thread {
            let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build()?;
            std::thread::Builder::new()
                .name("youyue-writer".into())
                .spawn(move || runtime.block_on(run(writer, jobs)))?;
        } else {
            tokio::spawn(run(writer, jobs));
        }
        Ok(GroupWriter { queue, health })
    }

    /// Whether the writer can write: `Unavailable` while its groups fail for a fault of the
    /// database (a full disk…) and none has committed since (for at most `FAILING_FOR`
    /// after the last such failure). The store's `ping` answers with it, so `/healthz`
    /// says 503 while nothing can be written and 200 again once a write commits.
    pub fn health(&self) -> Result<(), StoreError> {
        let state = self.health.failed.lock().map_err(|_| stopped())?;
        match &*state {
            Some((at, why)) if at.elapsed() < FAILING_FOR => {
                Err(StoreError::unavailable(format!("the database cannot take writes: {why}")))
            }
            _ => Ok(()),
        }
    }

    /// Registers a case in the next group transaction and answers once it is committed.
    pub async fn register(&self, registration: Registration) -> Result<StoredCase, StoreError> {
        let (to, answer) = oneshot::channel();
        self.queue.send(Work::Register(Box::new(registration), to)).await.map_err(|_| stopped())?;
        answer.await.map_err(|_| not_taken())?
    }

    /// Runs `write` in the next group transaction and answers once it is committed.
    pub async fn write<T, F>(&self, write: F) -> Result<T, StoreError>
    where
        T: Send + 'static,
        F: for<'c> FnOnce(&'c mut DB::Connection) -> BoxFuture<'c, Result<T, StoreError>> + Send + 'static,
    {
        let (to, answer) = oneshot::channel();
        let job: Job<DB::Connection> = Box::new(move |conn| {
            Box::pin(async move {
                let result = write(conn).await;
                Box::new(Pending { result, to }) as Box<dyn Reply>
            })
        });
        self.queue.send(Work::Job(job)).await.map_err(|_| stopped())?;
        answer.await.map_err(|_| not_taken())?
    }
}

fn stopped() -> StoreError {
    StoreError::unavailable("the database writer has stopped")
}

/// A dropped reply means the batch failed before this write ran (its transaction could not
/// begin, or a savepoint failed): nothing of it was committed.
fn not_taken() -> StoreError {
    StoreError::unavailable("the database could not take the write; try again")
}

/// The description of `e` if it is a fault of the database rather than of the write
/// ([`StoreError::is_fault`]).
pub fn fault(e: &StoreError) -> Option<String> {
    match e {
        StoreError::Unavailable { what, .. } => Some(what.clone()),
        e => e.is_fault().then(|| e.to_string()),
    }
}

/// A group that ended early: its writes are answered "not committed".
#[derive(Debug)]
enum Failed {
    Db(sqlx::Error),
    /// A write failed of a fault of the database (see [`fault`]).
    Fault(String),
}

impl std::fmt::Display for Failed {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Failed::Db(e) => write!(f, "{e}"),
            Failed::Fault(why) => write!(f, "{why}"),
        }
    }
}

impl From<sqlx::Error> for Failed {
    fn from(e: sqlx::Error) -> Failed {
        Failed::Db(e)
    }
}

/// How many batches in a row the writer keeps the pool's connection while more writes
/// wait, before it lets others through the pool have it. Taking it back for each batch cost
/// up to a millisecond (it returns to the pool through a task of its own).
const HOLD_BATCHES: usize = 16;

/// What the writer task works with.
struct Writer<DB: Database> {
    pool: Pool<DB>,
    register_many: RegisterMany<DB::Connection>,
    between: Option<Between<DB::Connection>>,
    health: Arc<Health>,
}

async fn run<DB: Database>(writer: Writer<DB>, mut queue: mpsc::Receiver<Work<DB::Connection>>) {
    let Writer { pool, register_many, between, health } = writer;
    let mut held: Option<PoolConnection<DB>> = None;
    let mut batches_held = 0;
    loop {
        let first = match queue.try_recv() {
            Ok(work) => work,
            Err(mpsc::error::TryRecvError::Disconnected) => break,
            Err(mpsc::error::TryRecvError::Empty) => {
                // Nothing waits: others may have the connection until something does.
                held = None;
                match queue.recv().await {
                    Some(work) => work,
                    None => break,
                }
            }
        };
        let mut batch = vec![first];
        while batch.len() < MAX_BATCH {
            match queue.try_recv() {
                Ok(j) => batch.push(j),
                Err(_) => break,
            }
        }
        let mut replies: Vec<Box<dyn Reply>> = Vec::with_capacity(batch.len());
        if batches_held >= HOLD_BATCHES {
            held = None;
            tokio::task::yield_now().await;
        }
        if held.is_none() {
            batches_held = 0;
        }
        let conn = match held.take() {
            Some(conn) => Ok(conn),
            None => acquire_clean(&pool).await,
        };
        let commit = match conn {
            Ok(mut conn) => {
                let commit = run_batch::<DB>(&mut conn, batch, register_many, &mut replies).await;
                if commit.is_ok() {
                    held = Some(conn);
                    batches_held += 1;
                } else {
                    // Its transaction may be gone behind sqlx's back (see the top): the next
                    // group starts on a fresh connection.
                    close(conn).await;
                }
                commit
            }
            Err(e) => Err(e),
        };
        match &commit {
            Ok(()) => health.set(None),
            Err(e) => {
                tracing::error!(error = %e, writes = replies.len(), "a group commit failed");
                let is_fault = match e {
                    Failed::Fault(_) => true,
                    Failed::Db(db) => crate::is_db_fault(db),
                };
                if is_fault {
                    health.set(Some(e.to_string()));
                }
            }
        }
        let commit = commit.map_err(|e| e.to_string());
        for r in replies {
            r.send(commit.clone());
        }
        // After the answers, so that nobody waits for it.
        if let (Some(conn), Some(between)) = (held.as_mut(), between.as_ref()) {
            if between.wanted.swap(false, Ordering::Relaxed) {
                if let Err(e) = (between.run)(conn).await {
                    tracing::warn!(error = %e, "the writer's work between batches failed");
                    if let Some(conn) = held.take() {
                        close(conn).await;
                    }
                }
            }
        }
    }
}

/// A connection of the pool outside any transaction. One that sqlx believes still inside
/// one (another user of the pool dropped a transaction whose rollback failed, the database
/// having rolled it back already) disagrees with the database (see the top), and each of
/// its "commits" would only release a savepoint: it is closed and another taken.
async fn acquire_clean<DB: Database>(pool: &Pool<DB>) -> Result<PoolConnection<DB>, Failed> {
    for _ in 0..2 {
        let conn = pool.acquire().await?;
        if is_clean(&*conn) {
            return Ok(conn);
        }
        close(conn).await;
    }
    Err(Failed::Fault("the database's connections are left inside transactions".into()))
}

/// For the pool's `before_acquire` (SQLite's writing pool): the same check as the writer's
/// own for every user of the pool, so that no write runs on a connection whose transaction
/// the database has already rolled back (`false` closes it and opens another).
pub fn left_clean<C: sqlx::Connection>(
    conn: &mut C,
    _: sqlx::pool::PoolConnectionMetadata,
) -> BoxFuture<'_, Result<bool, sqlx::Error>> {
    let clean = is_clean(conn);
    Box::pin(async move { Ok(clean) })
}

/// Whether sqlx counts the connection outside any transaction.
fn is_clean<C: sqlx::Connection>(conn: &C) -> bool {
    !conn.is_in_transaction()
}

/// Closes a connection instead of giving it back to the pool (which opens a new one when
/// asked): closing also rolls back whatever transaction it may still have.
async fn close<DB: Database>(conn: PoolConnection<DB>) {
    if let Err(e) = conn.close().await {
        tracing::warn!(error = %e, "closing the writer's connection failed");
    }
}

async fn run_batch<DB: Database>(
    conn: &mut DB::Connection,
    batch: Vec<Work<DB::Connection>>,
    register_many: RegisterMany<DB::Connection>,
    replies: &mut Vec<Box<dyn Reply>>,
) -> Result<(), Failed> {
    let mut registrations = Vec::new();
    let mut answers = Vec::new();
    let mut jobs = Vec::new();
    for work in batch {
        match work {
            Work::Register(r, to) => {
                registrations.push(*r);
                answers.push(to);
            }
            Work::Job(j) => jobs.push(j),
        }
    }
    // On SQLite the group takes the write lock at its start: a transaction that reads
    // first cannot wait for another process's writer (an import) when it comes to write,
    // and fails at once; one that begins IMMEDIATE waits up to the busy timeout.
    let mut tx = if DB::NAME == "SQLite" {
        sqlx::Connection::begin_with(conn, "BEGIN IMMEDIATE").await?
    } else {
        sqlx::Connection::begin(conn).await?
    };
    // Registrations first: nothing else in the group can depend on one, since nobody has
    // been told its number before the commit.
    if !registrations.is_empty() {
        let mut savepoint = tx.begin().await?;
        let together = register_many(&mut *savepoint, &registrations).await;
        if let Some(why) = together.as_ref().err().and_then(fault) {
            return Err(Failed::Fault(why));
        }
        match together {
            Ok(results) if results.len() == answers.len() => {
                savepoint.commit().await?;
                for (result, to) in results.into_iter().zip(answers) {
                    replies.push(Box::new(Pending { result, to }));
                }
            }
            failed => {
                savepoint.rollback().await?;
                if let Err(e) = failed {
                    tracing::warn!(error = %e, registrations = registrations.len(), "a group of registrations failed; trying one by one");
                }
                for (registration, to) in registrations.iter().zip(answers) {
                    let mut savepoint = tx.begin().await?;
                    let result = match register_many(&mut *savepoint, std::slice::from_ref(registration)).await {
                        Ok(mut one) if one.len() == 1 => one.pop().unwrap_or_else(|| Err(not_taken())),
                        Ok(_) => Err(not_taken()),
                        Err(e) => Err(e),
                    };
                    if let Some(why) = result.as_ref().err().and_then(fault) {
                        return Err(Failed::Fault(why));
                    }
                    if result.is_ok() {
                        savepoint.commit().await?;
                    } else {
                        savepoint.rollback().await?;
                    }
                    replies.push(Box::new(Pending { result, to }));
                }
            }
        }
    }
    for job in jobs {
        let mut savepoint = tx.begin().await?;
        let reply = job(&mut *savepoint).await;
        if let Some(why) = reply.fault() {
            // Answered "not committed" with the rest (its own error named the fault).
            replies.push(reply);
            return Err(Failed::Fault(why));
        }
        if reply.is_ok() {
            savepoint.commit().await?;
        } else {
            savepoint.rollback().await?;
        }
        replies.push(reply);
    }
    tx.commit().await?;
    Ok(())
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod tests {
    use super::*;
    use sqlx::sqlite::{SqliteConnectOptions, SqlitePoolOptions};
    use sqlx::{Connection, Sqlite, SqliteConnection};

    /// A connection whose transaction the database ended by itself (as SQLite does on a full
    /// disk; here an explicit ROLLBACK behind sqlx's back): sqlx still counts it open.
    async fn disagreeing(conn: &mut SqliteConnection) {
        let mut tx = Connection::begin(conn).await.unwrap();
        sqlx::query("ROLLBACK").execute(&mut *tx).await.unwrap();
        assert!(tx.rollback().await.is_err(), "sqlx's rollback finds no transaction");
    }

    #[tokio::test]
    async fn a_connection_the_database_disagrees_with_is_not_clean() {
        let mut conn = SqliteConnection::connect("sqlite::memory:").await.unwrap();
        assert!(is_clean(&conn));
        disagreeing(&mut conn).await;
        assert!(!is_clean(&conn));
    }

    fn no_registrations<'c>(
        _: &'c mut SqliteConnection,
        _: &'c [Registration],
    ) -> BoxFuture<'c, Result<Vec<Result<StoredCase, StoreError>>, StoreError>> {
        Box::pin(async { Ok(Vec::new()) })
    }

    /// The writer's next group after such a connection went back to the pool is committed
    /// for real, on a fresh connection: the row is there for another connection to read.
    #[tokio::test]
    async fn the_writer_does_not_write_on_a_connection_that_disagrees() {
        let dir = std::env::temp_dir().join(format!("youyue-group-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let file = dir.join("g.db");
        let options = SqliteConnectOptions::new().filename(&file).create_if_missing(true);
        let pool = SqlitePoolOptions::new().max_connections(1).connect_with(options.clone()).await.unwrap();
        sqlx::query("CREATE TABLE t (n INTEGER)").execute(&pool).await.unwrap();
        {
            let mut conn = pool.acquire().await.unwrap();
            disagreeing(&mut conn).await;
            // Now inside a transaction of the database's, that a commit at sqlx's depth
            // would only release a savepoint of.
            sqlx::query("BEGIN").execute(&mut *conn).await.unwrap();
        }
        let writer = GroupWriter::<Sqlite>::start(pool.clone(), no_registrations, false, None).unwrap();
        writer
            .write(|conn| {
                Box::pin(async move {
                    sqlx::query("INSERT INTO t (n) VALUES (1)").execute(&mut *conn).await?;
                    Ok(())
                })
            })
            .await
            .unwrap();
        let mut other = SqliteConnection::connect_with(&options).await.unwrap();
        let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM t").fetch_one(&mut other).await.unwrap();
        assert_eq!(n, 1, "the acknowledged write is committed");
        drop(writer);
        pool.close().await;
        let _ = std::fs::remove_dir_all(&dir);
    }
}
