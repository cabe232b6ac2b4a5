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
use sqlx::{Acquire, Database, Pool};
use std::future::Future;
use std::pin::Pin;
use tokio::sync::{mpsc, oneshot};

pub type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// Most writes in one commit: enough for any realistic queue, small enough that one
/// commit's wait stays short.
const MAX_BATCH: usize = 256;

/// A write's outcome, waiting for the commit.
trait Reply: Send {
    fn is_ok(&self) -> bool;
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

    fn send(self: Box<Self>, commit: Result<(), String>) {
        let answer = match (self.result, commit) {
            (Ok(v), Ok(())) => Ok(v),
            (Ok(_), Err(e)) => Err(StoreError::Unavailable(format!("the write was not committed: {e}"))),
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

/// The queue in front of the writer task.
pub struct GroupWriter<DB: Database> {
    queue: mpsc::Sender<Work<DB::Connection>>,
}

impl<DB: Database> GroupWriter<DB> {
    /// Starts the writer task on the current Tokio runtime. It takes the pool's connection
    /// for each batch only, so other writes through the pool go on between batches; it ends
    /// when the writer is dropped.
    pub fn start(pool: Pool<DB>, register_many: RegisterMany<DB::Connection>) -> GroupWriter<DB> {
        let (queue, jobs) = mpsc::channel(4 * MAX_BATCH);
        tokio::spawn(run(pool, jobs, register_many));
        GroupWriter { queue }
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
    StoreError::Unavailable("the database writer has stopped".into())
}

/// A dropped reply means the batch failed before this write ran (its transaction could not
/// begin, or a savepoint failed): nothing of it was committed.
fn not_taken() -> StoreError {
    StoreError::Unavailable("the database could not take the write; try again".into())
}

async fn run<DB: Database>(
    pool: Pool<DB>,
    mut queue: mpsc::Receiver<Work<DB::Connection>>,
    register_many: RegisterMany<DB::Connection>,
) {
    while let Some(first) = queue.recv().await {
        let mut batch = vec![first];
        while batch.len() < MAX_BATCH {
            match queue.try_recv() {
                Ok(j) => batch.push(j),
                Err(_) => break,
            }
        }
        let mut replies: Vec<Box<dyn Reply>> = Vec::with_capacity(batch.len());
        let commit = run_batch(&pool, batch, register_many, &mut replies).await.map_err(|e| e.to_string());
        if let Err(e) = &commit {
            tracing::error!(error = %e, writes = replies.len(), "a group commit failed");
        }
        for r in replies {
            r.send(commit.clone());
        }
    }
}

async fn run_batch<DB: Database>(
    pool: &Pool<DB>,
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
    let mut tx = pool.begin().await?;
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
