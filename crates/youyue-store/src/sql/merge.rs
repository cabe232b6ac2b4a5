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
                let mut saved = Vec::with_capacity(changes.len());
                for (case, change) in &changes {
                    saved.push(save_change_conn(conn, case, change, case.handler_id, &label, now).await?);
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
