//! The SQL implementation of [`crate::Store`], compiled once per backend: `sqlite.rs` and
//! `postgres.rs` each declare this module (`#[path]`) after defining `Db` (the sqlx
//! database type) and `DIALECT` (what their SQL says differently). Everything here reads
//! the same on both databases: `$n` placeholders, TEXT / 64-bit integer / boolean columns,
//! `RETURNING`, `ON CONFLICT`, sums of BIGINT columns through `Dialect::sum_bigint`.

use super::{Db, DIALECT};
use crate::{Backend, SqlStore, StoreError};
use sqlx::Database;

mod accounts;
mod agreements;
mod appointments;
mod assists;
mod bell;
mod callbacks;
mod case_read;
mod case_write;
mod closed_loop;
mod export;
mod import;
mod merge;
mod notices;
mod record_book;
mod roster;
mod search;
mod store;
mod studio;
mod tallies;
mod unions;

pub(super) use case_write::create_cases_boxed;
pub(super) use search::ensure_search_index;
pub(super) use tallies::ensure_tallies;

pub(super) type Conn = <Db as Database>::Connection;

pub(super) fn is_unique_violation(e: &sqlx::Error) -> bool {
    matches!(e, sqlx::Error::Database(d) if d.is_unique_violation())
}

impl SqlStore<Db> {
    /// Runs a write in a transaction of its own, or, on SQLite, in the next group
    /// transaction (see `group.rs`). Answers after the commit. PostgreSQL runs workflow
    /// changes side by side, each in its own transaction: they touch one case each.
    pub(super) async fn write_job<T, F>(&self, write: F) -> Result<T, StoreError>
    where
        T: Send + 'static,
        F: for<'c> FnOnce(&'c mut Conn) -> crate::group::BoxFuture<'c, Result<T, StoreError>> + Send + 'static,
    {
        if DIALECT.backend == Backend::Sqlite {
            return self.group.write(write).await;
        }
        let mut tx = self.write.begin().await?;
        let v = write(&mut tx).await?;
        tx.commit().await?;
        Ok(v)
    }
}
