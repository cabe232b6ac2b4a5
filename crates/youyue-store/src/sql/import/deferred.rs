//! The indexes an import into an empty database builds at its end.

use super::super::{Conn, DIALECT};

/// The indexes an import into an empty database leaves aside: dropped in its transaction
/// before the first line and built again after the last, before the figures are counted. A
/// B-tree filled in key order by one sort is many times cheaper than one whose every
/// insert lands on a random page: a province's cases arrive in time order, but four of
/// the case indexes begin with the union, and the search index's (PostgreSQL's GIN) with a
/// word. Into a database that has cases, rows go in with the indexes in place, as before;
/// the transaction makes either way all or nothing.
#[derive(Default)]
pub(super) struct DeferredIndexes {
    /// Name and `CREATE INDEX` statement, as the database reported them.
    definitions: Vec<(String, String)>,
}

impl DeferredIndexes {
    pub(super) async fn drop_if_empty(conn: &mut Conn) -> Result<DeferredIndexes, sqlx::Error> {
        let has_cases: bool = sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM cases)").fetch_one(&mut *conn).await?;
        if has_cases {
            return Ok(DeferredIndexes::default());
        }
        let definitions: Vec<(String, String)> =
            sqlx::query_as(DIALECT.deferrable_indexes).fetch_all(&mut *conn).await?;
        for (name, _) in &definitions {
            // Names come from the database's catalogue, not from the file being imported.
            sqlx::query(&format!("DROP INDEX \"{name}\"")).execute(&mut *conn).await?;
        }
        Ok(DeferredIndexes { definitions })
    }

    /// Builds the indexes set aside, if any. It must come before the import updates a
    /// case it inserted: PostgreSQL cannot use, in the transaction that built it, an index
    /// built over rows this transaction has updated ("broken HOT chains"), and then reads
    /// every case for each union when counting the figures.
    pub(super) async fn build(&mut self, conn: &mut Conn) -> Result<(), sqlx::Error> {
        let definitions = std::mem::take(&mut self.definitions);
        if definitions.is_empty() {
            return Ok(());
        }
        if let Some(sql) = DIALECT.index_build {
            sqlx::query(sql).execute(&mut *conn).await?;
        }
        for (_, definition) in definitions {
            sqlx::query(&definition).execute(&mut *conn).await?;
        }
        Ok(())
    }
}
