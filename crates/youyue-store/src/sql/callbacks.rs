//! 回访 and 发回重办 (issue 22): the `callbacks` table (migration 0025), one row per closed
//! case holding its call-back task and review, derived from the record book by
//! `youyue_domain::callback::Task::fold`: kept in step by every saved change (`on_entry`,
//! in the change's own transaction) and rebuilt from the books of the cases an import
//! touched (`rebuild_touched`, in the import's transaction). Exports need nothing of their
//! own: the entries round-trip and the table follows from them.

use super::{Conn, Db};
use crate::{CallbackRow, CallbackState, SqlStore, StoreError, Union};
use chrono::NaiveDate;
use youyue_domain::callback::{Review, Task, ACTIONS};
use youyue_domain::{CaseNumber, Kind, Status, Timestamp};

type TaskRow = (String, Option<i64>, i64, Option<String>);

fn task_of(row: TaskRow) -> Result<Task, StoreError> {
    let (closed_on, called_at, attempts, review) = row;
    let closed_on = youyue_domain::time::parse_date(&closed_on)
        .map_err(|_| StoreError::Corrupt(format!("callbacks.closed_on {closed_on}")))?;
    let review = match review {
        None => None,
        Some(r) => Some(Review::parse(&r).ok_or_else(|| StoreError::Corrupt(format!("callbacks.review {r}")))?),
    };
    Ok(Task { closed_on, called_at: called_at.map(Timestamp::from_micros), attempts, review })
}

async fn task_conn(conn: &mut Conn, case_id: i64) -> Result<Option<Task>, StoreError> {
    let row: Option<TaskRow> =
        sqlx::query_as("SELECT closed_on, called_at, attempts, review FROM callbacks WHERE case_id = $1")
            .bind(case_id)
            .fetch_optional(&mut *conn)
            .await?;
    row.map(task_of).transpose()
}

async fn store_task(conn: &mut Conn, case_id: i64, task: Option<&Task>) -> Result<(), StoreError> {
    match task {
        None => {
            sqlx::query("DELETE FROM callbacks WHERE case_id = $1").bind(case_id).execute(&mut *conn).await?;
        }
        Some(t) => {
            sqlx::query(
                "INSERT INTO callbacks (case_id, closed_on, called_at, attempts, review) VALUES ($1, $2, $3, $4, $5) \
                 ON CONFLICT (case_id) DO UPDATE SET closed_on = excluded.closed_on, called_at = excluded.called_at, \
                 attempts = excluded.attempts, review = excluded.review",
            )
            .bind(case_id)
            .bind(t.closed_on.to_string())
            .bind(t.called_at.map(Timestamp::micros))
            .bind(t.attempts)
            .bind(t.review.map(Review::as_str))
            .execute(&mut *conn)
            .await?;
        }
    }
    Ok(())
}

/// Folds a live entry into its case's task, in the transaction that appends it.
pub(super) async fn on_entry(
    conn: &mut Conn,
    case_id: i64,
    at: Timestamp,
    action: &str,
    detail: &serde_json::Value,
) -> Result<(), StoreError> {
    if !ACTIONS.contains(&action) {
        return Ok(());
    }
    let before = task_conn(conn, case_id).await?;
    let after = Task::fold(before.clone(), at, action, detail);
    if after != before {
        store_task(conn, case_id, after.as_ref()).await?;
    }
    Ok(())
}

/// Cases read at a time when the table is rebuilt.
const REBUILD_PAGE: i64 = 1000;

/// Rebuilds the rows of the cases an import touched (`import_touched`) from their books,
/// a thousand cases at a time.
pub(super) async fn rebuild_touched(conn: &mut Conn) -> Result<(), StoreError> {
    let actions = ACTIONS.iter().map(|a| format!("'{a}'")).collect::<Vec<_>>().join(", ");
    let mut last = i64::MIN;
    loop {
        let ids: Vec<i64> =
            sqlx::query_scalar("SELECT case_id FROM import_touched WHERE case_id > $1 ORDER BY case_id LIMIT $2")
                .bind(last)
                .bind(REBUILD_PAGE)
                .fetch_all(&mut *conn)
                .await?;
        let (Some(first), Some(end)) = (ids.first().copied(), ids.last().copied()) else { break };
        let entries: Vec<(i64, i64, String, String)> = sqlx::query_as(&format!(
            "SELECT e.case_id, e.at, e.action, e.detail FROM record_entries e \
             JOIN import_touched t ON t.case_id = e.case_id \
             WHERE e.case_id >= $1 AND e.case_id <= $2 AND e.action IN ({actions}) ORDER BY e.case_id, e.seq"
        ))
        .bind(first)
        .bind(end)
        .fetch_all(&mut *conn)
        .await?;
        let mut tasks: std::collections::BTreeMap<i64, Option<Task>> = ids.iter().map(|id| (*id, None)).collect();
        for (case_id, at, action, detail) in entries {
            let detail: serde_json::Value = serde_json::from_str(&detail)
                .map_err(|e| StoreError::Corrupt(format!("record entry detail of case {case_id}: {e}")))?;
            let slot = tasks.entry(case_id).or_default();
            *slot = Task::fold(slot.take(), Timestamp::from_micros(at), &action, &detail);
        }
        for (case_id, task) in tasks {
            store_task(conn, case_id, task.as_ref()).await?;
        }
        last = end;
    }
    Ok(())
}

pub(super) async fn task(store: &SqlStore<Db>, case_id: i64) -> Result<Option<Task>, StoreError> {
    let mut conn = store.read.acquire().await?;
    task_conn(&mut conn, case_id).await
}

const ROW_SELECT: &str = "SELECT cb.case_id, c.number, u.code, u.name, c.kind, c.status, c.rating, c.handler_id, \
     cb.closed_on, cb.called_at, cb.attempts, cb.review \
     FROM callbacks cb JOIN cases c ON c.id = cb.case_id JOIN unions u ON u.id = c.union_id";

type ListRow =
    (i64, String, String, String, String, String, Option<i64>, Option<i64>, String, Option<i64>, i64, Option<String>);

fn row_of(r: ListRow) -> Result<CallbackRow, StoreError> {
    let (
        case_id,
        number,
        union_code,
        union_name,
        kind,
        status,
        rating,
        handler_id,
        closed_on,
        called_at,
        attempts,
        review,
    ) = r;
    Ok(CallbackRow {
        case_id,
        number: number.parse::<CaseNumber>().map_err(|_| StoreError::Corrupt(format!("case number {number}")))?,
        union_code,
        union_name,
        kind: Kind::parse(&kind).ok_or_else(|| StoreError::Corrupt(format!("case kind {kind}")))?,
        status: Status::parse(&status).ok_or_else(|| StoreError::Corrupt(format!("case status {status}")))?,
        rating,
        handler_id,
        task: task_of((closed_on, called_at, attempts, review))?,
    })
}

pub(super) async fn list(
    store: &SqlStore<Db>,
    union: &Union,
    state: CallbackState,
    overdue_through: NaiveDate,
    limit: i64,
) -> Result<Vec<CallbackRow>, StoreError> {
    let path = format!("{}%", union.path);
    let rows: Vec<ListRow> = if state == CallbackState::Done {
        sqlx::query_as(&format!(
            "{ROW_SELECT} WHERE u.path LIKE $1 AND cb.called_at IS NOT NULL \
             ORDER BY cb.called_at DESC, cb.case_id LIMIT $2"
        ))
        .bind(path)
        .bind(limit)
        .fetch_all(&store.read)
        .await?
    } else {
        let cmp = if state == CallbackState::Due { ">" } else { "<=" };
        sqlx::query_as(&format!(
            "{ROW_SELECT} WHERE u.path LIKE $1 AND cb.called_at IS NULL AND cb.closed_on {cmp} $2 \
             ORDER BY cb.closed_on, cb.case_id LIMIT $3"
        ))
        .bind(path)
        .bind(overdue_through.to_string())
        .bind(limit)
        .fetch_all(&store.read)
        .await?
    };
    rows.into_iter().map(row_of).collect()
}

pub(super) async fn reviews(store: &SqlStore<Db>, union: &Union, limit: i64) -> Result<Vec<CallbackRow>, StoreError> {
    let rows: Vec<ListRow> = sqlx::query_as(&format!(
        "{ROW_SELECT} WHERE cb.review = 'pending' \
         AND (u.parent_id = $1 OR (u.id = $1 AND u.parent_id IS NULL)) \
         ORDER BY cb.closed_on, cb.case_id LIMIT $2"
    ))
    .bind(union.id)
    .bind(limit)
    .fetch_all(&store.read)
    .await?;
    rows.into_iter().map(row_of).collect()
}
