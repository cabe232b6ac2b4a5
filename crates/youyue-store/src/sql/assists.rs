//! 协办 (joint handling, issue 22): `case_assists` (migration 0027). The rows follow the
//! record book: `follow_entry` is called by `save_change_conn` right after the entry is
//! appended, in the same transaction, so an `assist` entry always has its open row, an
//! `end_assist` entry closes it, and a closing or a move (`assist::ends_assistance`) ends
//! every open one (`ended_by` 'system').

use super::{Conn, Db};
use crate::{CaseAssist, SqlStore, StoreError, StoredCase};
use youyue_domain::assist::{ends_assistance, AssistRecord};
use youyue_domain::command::Change;
use youyue_domain::Timestamp;

type AssistRow = (
    i64,
    String,
    String,
    Option<i64>,
    Option<String>,
    Option<String>,
    String,
    String,
    i64,
    Option<i64>,
    Option<String>,
);

/// case number, union code, username, note, asked by, asked at, ended at, ended by.
type ExportRow = (String, String, Option<String>, String, String, i64, Option<i64>, Option<String>);

const ASSIST_SELECT: &str = "SELECT a.union_id, u.code, u.name, a.user_id, s.username, s.name, a.note, a.asked_by, \
     a.asked_at, a.ended_at, a.ended_by FROM case_assists a JOIN unions u ON u.id = a.union_id \
     LEFT JOIN users s ON s.id = a.user_id";

fn assist_of(r: AssistRow) -> Result<CaseAssist, StoreError> {
    let (union_id, code, union_name, user_id, username, user_name, note, asked_by, asked_at, ended_at, ended_by) = r;
    Ok(CaseAssist {
        union_id,
        union_code: code.parse().map_err(|e| StoreError::Corrupt(format!("union code {code}: {e}")))?,
        union_name,
        user_id,
        username,
        user_name,
        note,
        asked_by,
        asked_at: Timestamp::from_micros(asked_at),
        ended_at: ended_at.map(Timestamp::from_micros),
        ended_by,
    })
}

pub(super) async fn case_assists(store: &SqlStore<Db>, case_id: i64) -> Result<Vec<CaseAssist>, StoreError> {
    let rows: Vec<AssistRow> = sqlx::query_as(&format!("{ASSIST_SELECT} WHERE a.case_id = $1 ORDER BY a.id"))
        .bind(case_id)
        .fetch_all(&store.read)
        .await?;
    rows.into_iter().map(assist_of).collect()
}

/// Keeps `case_assists` in step with the entry just appended for `change` (see above).
pub(super) async fn follow_entry(
    conn: &mut Conn,
    case: &StoredCase,
    change: &Change,
    label: &str,
    now: Timestamp,
) -> Result<(), StoreError> {
    let action = change.action.as_str();
    let text = |k: &str| change.detail.get(k).and_then(|v| v.as_str()).map(str::to_owned);
    match action {
        "assist" => {
            let code = text("union").unwrap_or_default();
            let union_id: Option<i64> = sqlx::query_scalar("SELECT id FROM unions WHERE code = $1")
                .bind(&code)
                .fetch_optional(&mut *conn)
                .await?;
            let union_id =
                union_id.ok_or_else(|| StoreError::Invalid { field: "union", message: "no such union".into() })?;
            let user_id: Option<i64> = match text("user") {
                Some(name) => Some(
                    sqlx::query_scalar("SELECT id FROM users WHERE username = $1")
                        .bind(&name)
                        .fetch_optional(&mut *conn)
                        .await?
                        .ok_or_else(|| StoreError::Invalid { field: "user", message: "no such account".into() })?,
                ),
                None => None,
            };
            let inserted = sqlx::query(
                "INSERT INTO case_assists (case_id, union_id, user_id, note, asked_by, asked_at) \
                 VALUES ($1, $2, $3, $4, $5, $6)",
            )
            .bind(case.id)
            .bind(union_id)
            .bind(user_id)
            .bind(text("note").unwrap_or_default())
            .bind(label)
            .bind(now.micros())
            .execute(&mut *conn)
            .await;
            match inserted {
                Ok(_) => Ok(()),
                Err(e) if super::is_unique_violation(&e) => {
                    Err(StoreError::Conflict(format!("union {code} assists with this case already")))
                }
                Err(e) => Err(e.into()),
            }
        }
        "end_assist" => {
            let code = text("union").unwrap_or_default();
            let done = sqlx::query(
                "UPDATE case_assists SET ended_at = $1, ended_by = $2 WHERE case_id = $3 AND ended_at IS NULL \
                 AND union_id = (SELECT id FROM unions WHERE code = $4)",
            )
            .bind(now.micros())
            .bind(label)
            .bind(case.id)
            .bind(&code)
            .execute(&mut *conn)
            .await?;
            if done.rows_affected() == 0 {
                return Err(StoreError::Conflict(format!("union {code} does not assist with this case")));
            }
            Ok(())
        }
        a if ends_assistance(a) => {
            sqlx::query(
                "UPDATE case_assists SET ended_at = $1, ended_by = 'system' WHERE case_id = $2 AND ended_at IS NULL",
            )
            .bind(now.micros())
            .bind(case.id)
            .execute(&mut *conn)
            .await?;
            Ok(())
        }
        _ => Ok(()),
    }
}

/// Every assistance, for the export (after the cases and accounts they name).
pub(super) async fn all_for_export(conn: &mut Conn) -> Result<Vec<AssistRecord>, StoreError> {
    let rows: Vec<ExportRow> = sqlx::query_as(
        "SELECT c.number, u.code, s.username, a.note, a.asked_by, a.asked_at, a.ended_at, a.ended_by \
             FROM case_assists a JOIN cases c ON c.id = a.case_id JOIN unions u ON u.id = a.union_id \
             LEFT JOIN users s ON s.id = a.user_id ORDER BY a.id",
    )
    .fetch_all(&mut *conn)
    .await?;
    rows.into_iter()
        .map(|(number, code, user, note, asked_by, asked_at, ended_at, ended_by)| {
            Ok(AssistRecord {
                case: number.parse().map_err(|e| StoreError::Corrupt(format!("case number {number}: {e}")))?,
                union: code.parse().map_err(|e| StoreError::Corrupt(format!("union code {code}: {e}")))?,
                user,
                note,
                asked_by,
                asked_at: Timestamp::from_micros(asked_at),
                ended_at: ended_at.map(Timestamp::from_micros),
                ended_by,
            })
        })
        .collect()
}

/// An imported assistance: added unless the same one (case, union, time asked) is held.
/// `false`: it was there already.
pub(super) async fn insert_imported(
    conn: &mut Conn,
    case_id: i64,
    union_id: i64,
    user_id: Option<i64>,
    r: &AssistRecord,
) -> Result<bool, StoreError> {
    let there: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM case_assists WHERE case_id = $1 AND union_id = $2 AND asked_at = $3")
            .bind(case_id)
            .bind(union_id)
            .bind(r.asked_at.micros())
            .fetch_one(&mut *conn)
            .await?;
    if there > 0 {
        return Ok(false);
    }
    sqlx::query(
        "INSERT INTO case_assists (case_id, union_id, user_id, note, asked_by, asked_at, ended_at, ended_by) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
    )
    .bind(case_id)
    .bind(union_id)
    .bind(user_id)
    .bind(&r.note)
    .bind(&r.asked_by)
    .bind(r.asked_at.micros())
    .bind(r.ended_at.map(|t| t.micros()))
    .bind(&r.ended_by)
    .execute(&mut *conn)
    .await
    .map_err(|e| {
        if super::is_unique_violation(&e) {
            StoreError::Conflict(format!("union {} assists with case {} already", r.union, r.case))
        } else {
            e.into()
        }
    })?;
    Ok(true)
}
