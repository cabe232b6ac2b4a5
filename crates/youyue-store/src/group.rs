//! Group commit for SQLite. A durable commit costs an fsync (WAL, `synchronous=FULL`), about
//! 2,000 a second on a good disk; one commit per submission would cap intake there. So the
//! writes that arrive while a commit is in flight wait in a queue, and one writer task runs
//! them together: one transaction, each write in its own savepoint (a failing write is
//! rolled back alone), one commit, one fsync. Nobody is answered before that commit
//! returns, so every acknowledged write is as durable as with a commit of its own.
//!
//! PostgreSQL groups concurrent commits in its WAL writer by itself and does not use this.

use crate::StoreError;
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

/// The queue in front of the writer task.
pub struct GroupWriter<DB: Database> {
    queue: mpsc::Sender<Job<DB::Connection>>,
}

impl<DB: Database> GroupWriter<DB> {
    /// Starts the writer task on the current Tokio runtime. It takes the pool's connection
    /// for each batch only, so other writes through the pool go on between batches; it ends
    /// when the writer is dropped.
    pub fn start(pool: Pool<DB>) -> GroupWriter<DB> {
        let (queue, jobs) = mpsc::channel(4 * MAX_BATCH);
        tokio::spawn(run(pool, jobs));
        GroupWriter { queue }
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
        let stopped = || StoreError::Unavailable("the database writer has stopped".into());
        self.queue.send(job).await.map_err(|_| stopped())?;
        // A dropped reply means the batch failed before this write ran (its transaction could
        // not begin, or a savepoint failed): nothing of it was committed.
        answer.await.map_err(|_| StoreError::Unavailable("the database could not take the write; try again".into()))?
    }
}

async fn run<DB: Database>(pool: Pool<DB>, mut jobs: mpsc::Receiver<Job<DB::Connection>>) {
    while let Some(first) = jobs.recv().await {
        let mut batch = vec![first];
        while batch.len() < MAX_BATCH {
            match jobs.try_recv() {
                Ok(j) => batch.push(j),
                Err(_) => break,
            }
        }
        let mut replies: Vec<Box<dyn Reply>> = Vec::with_capacity(batch.len());
        let commit = run_batch(&pool, batch, &mut replies).await.map_err(|e| e.to_string());
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
    batch: Vec<Job<DB::Connection>>,
    replies: &mut Vec<Box<dyn Reply>>,
) -> Result<(), sqlx::Error> {
    let mut tx = pool.begin().await?;
    for job in batch {
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
