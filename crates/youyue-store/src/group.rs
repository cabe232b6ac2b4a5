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

use crate::{Registration, StoreError, StoredCase};
use sqlx::pool::PoolConnection;
use sqlx::{Acquire, Database, Pool};
use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::Ordering;
use tokio::sync::{mpsc, oneshot};

pub type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// Most writes in one commit: enough for any realistic queue, small enough that one
/// commit's wait stays short.
const MAX_BATCH: usize = 256;

/// Why a group's commit failed, told to every write of the group (sqlx's error is not `Clone`).
type CommitError = std::sync::Arc<sqlx::Error>;

/// A write's outcome, waiting for the commit.
trait Reply: Send {
    fn is_ok(&self) -> bool;
    fn send(self: Box<Self>, commit: Result<(), CommitError>);
}

struct Pending<T> {
    result: Result<T, StoreError>,
    to: oneshot::Sender<Result<T, StoreError>>,
}

impl<T: Send> Reply for Pending<T> {
    fn is_ok(&self) -> bool {
        self.result.is_ok()
    }

    fn send(self: Box<Self>, commit: Result<(), CommitError>) {
        let answer = match (self.result, commit) {
            (Ok(v), Ok(())) => Ok(v),
            (Ok(_), Err(e)) => Err(StoreError::unavailable_because("the write was not committed", e)),
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
        if own_thread {
            let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build()?;
            std::thread::Builder::new()
                .name("youyue-writer".into())
                .spawn(move || runtime.block_on(run(pool, jobs, register_many, between)))?;
        } else {
            tokio::spawn(run(pool, jobs, register_many, between));
        }
        Ok(GroupWriter { queue })
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

/// How many batches in a row the writer keeps the pool's connection while more writes
/// wait, before it lets others through the pool have it. Taking it back for each batch cost
/// up to a millisecond (it returns to the pool through a task of its own).
const HOLD_BATCHES: usize = 16;

async fn run<DB: Database>(
    pool: Pool<DB>,
    mut queue: mpsc::Receiver<Work<DB::Connection>>,
    register_many: RegisterMany<DB::Connection>,
    between: Option<Between<DB::Connection>>,
) {
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
            None => pool.acquire().await,
        };
        let commit = match conn {
            Ok(mut conn) => {
                let commit = run_batch::<DB>(&mut conn, batch, register_many, &mut replies).await;
                // A connection whose batch failed may be broken: the pool gets it back to
                // check.
                if commit.is_ok() {
                    held = Some(conn);
                    batches_held += 1;
                }
                commit.map_err(std::sync::Arc::new)
            }
            Err(e) => Err(std::sync::Arc::new(e)),
        };
        if let Err(e) = &commit {
            tracing::error!(error = %e, writes = replies.len(), "a group commit failed");
        }
        for r in replies {
            r.send(commit.clone());
        }
        // After the answers, so that nobody waits for it.
        if let (Some(conn), Some(between)) = (held.as_mut(), between.as_ref()) {
            if between.wanted.swap(false, Ordering::Relaxed) {
                if let Err(e) = (between.run)(conn).await {
                    tracing::warn!(error = %e, "the writer's work between batches failed");
                }
            }
        }
    }
}

async fn run_batch<DB: Database>(
    conn: &mut DB::Connection,
    batch: Vec<Work<DB::Connection>>,
    register_many: RegisterMany<DB::Connection>,
    replies: &mut Vec<Box<dyn Reply>>,
) -> Result<(), sqlx::Error> {
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
    let mut tx = sqlx::Connection::begin(conn).await?;
    // Registrations first: nothing else in the group can depend on one, since nobody has
    // been told its number before the commit.
    if !registrations.is_empty() {
        let mut savepoint = tx.begin().await?;
        match register_many(&mut *savepoint, &registrations).await {
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
        if reply.is_ok() {
            savepoint.commit().await?;
        } else {
            savepoint.rollback().await?;
        }
        replies.push(reply);
    }
    tx.commit().await
}
