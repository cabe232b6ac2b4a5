//! Merge (issue 22), 并单: two cases change together — the merged case (its status and
//! `merged_into`) and the case it joins (its people) — each with its record-book entry,
//! tallies and search entries, in one transaction guarded by both versions.

use super::case_write::save_change_conn;
use super::Conn;
use super::Db;
use crate::rows::{CaseRow, CASE_SELECT};
use crate::{Actor, SqlStore, StoreError, StoredCase};
use youyue_domain::command::Change;
use youyue_domain::{CaseNumber, Timestamp};

pub(super) async fn save_changes(
    store: &SqlStore<Db>,
    changes: &[(StoredCase, Change)],
    actor: Actor<'_>,
    now: Timestamp,
) -> Result<Vec<StoredCase>, StoreError> {
    let (changes, label) = (changes.to_vec(), actor.label.to_owned());
    store
        .write_job(move |conn: &mut Conn| -> crate::group::BoxFuture<'_, Result<Vec<StoredCase>, StoreError>> {
            Box::pin(async move {
                // Every case is claimed at the version its change was computed from, in the
                // order of their ids, before anything is written: a case whose own change
                // writes no field (a joined case gaining no people) is guarded too, so two
                // crossed merges (A into B, B into A) cannot both pass, and on PostgreSQL
                // they wait on each other's rows in one order instead of deadlocking.
                let mut order: Vec<&(StoredCase, Change)> = changes.iter().collect();
                order.sort_by_key(|(case, _)| case.id);
                for (case, _) in order {
                    let claimed = sqlx::query("UPDATE cases SET version = version + 1 WHERE id = $1 AND version = $2")
                        .bind(case.id)
                        .bind(case.version)
                        .execute(&mut *conn)
                        .await?;
                    if claimed.rows_affected() == 0 {
                        return Err(StoreError::Conflict(format!(
                            "case {} was changed by someone else meanwhile; reload it and try again",
                            case.record.number
                        )));
                    }
                }
                let mut saved = Vec::with_capacity(changes.len());
                for (case, change) in &changes {
                    let claimed = StoredCase { version: case.version + 1, ..case.clone() };
                    saved.push(save_change_conn(conn, &claimed, change, case.handler_id, &label, now).await?);
                }
                Ok(saved)
            })
        })
        .await
}

pub(super) async fn cases_merged_into(
    store: &SqlStore<Db>,
    number: &CaseNumber,
) -> Result<Vec<StoredCase>, StoreError> {
    let mut conn = store.read.acquire().await?;
    let rows: Vec<CaseRow> =
        sqlx::query_as(&format!("{CASE_SELECT} WHERE c.merged_into = $1 AND c.status = 'merged' ORDER BY c.id"))
            .bind(number.to_string())
            .fetch_all(&mut *conn)
            .await?;
    rows.into_iter().map(StoredCase::try_from).collect()
}
