//! Deadline control (issue 22): the cases whose pause has run out (the sweep resumes
//! them) and the escalated cases below a union (提级督办).

use super::Db;
use crate::rows::{CaseRow, CASE_SELECT};
use crate::{SqlStore, StoreError, StoredCase};
use youyue_domain::Status;

fn open_statuses() -> String {
    let open: Vec<String> = Status::ALL.iter().filter(|s| s.is_open()).map(|s| format!("'{}'", s.as_str())).collect();
    open.join(", ")
}

/// Open cases paused past their last allowed day (`paused_until < today`), at most 500.
pub(super) async fn pauses_run_out(
    store: &SqlStore<Db>,
    today: chrono::NaiveDate,
) -> Result<Vec<StoredCase>, StoreError> {
    let rows: Vec<CaseRow> = sqlx::query_as(&format!(
        "{CASE_SELECT} WHERE c.status IN ({}) AND c.paused_until IS NOT NULL AND c.paused_until < $1 \
         ORDER BY c.id LIMIT 500",
        open_statuses()
    ))
    .bind(today.to_string())
    .fetch_all(&store.read)
    .await?;
    rows.into_iter().map(StoredCase::try_from).collect()
}

/// Open cases strictly below the union at `path` that were escalated (提级督办), newest
/// first, at most `limit`.
pub(super) async fn escalated_below(
    store: &SqlStore<Db>,
    path: &str,
    limit: i64,
) -> Result<Vec<StoredCase>, StoreError> {
    let rows: Vec<CaseRow> = sqlx::query_as(&format!(
        "{CASE_SELECT} WHERE u.path LIKE $1 AND u.path <> $2 AND c.status IN ({}) \
         AND EXISTS (SELECT 1 FROM record_entries e WHERE e.case_id = c.id AND e.action = 'escalate') \
         ORDER BY c.id DESC LIMIT $3",
        open_statuses()
    ))
    .bind(format!("{path}%"))
    .bind(path)
    .bind(limit)
    .fetch_all(&store.read)
    .await?;
    rows.into_iter().map(StoredCase::try_from).collect()
}
