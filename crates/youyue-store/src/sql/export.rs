//! Export of the whole database as JSON Lines from one snapshot, and SQLite's backup file.

use super::roster::{export_rosters, specialties_conn};
use super::studio::{calendar_day, BulletinRow, StudioItemRow, BULLETIN_SELECT, STUDIO_ITEM_SELECT};
use super::{Db, DIALECT};
use crate::rows::{CaseRow, EntryRow, UnionRow, UserRow, CASE_SELECT, ENTRY_SELECT, UNION_SELECT, USER_SELECT};
use crate::{Backend, ExportSink, SqlStore, StoreError, StoredCase, Union, User};
use youyue_domain::exchange::{Line, UserRecord};
use youyue_domain::studio::{BulletinRecord, StudioItemRecord};
use youyue_domain::Timestamp;

pub(super) async fn backup_file(store: &SqlStore<Db>, path: &str) -> Result<bool, StoreError> {
    if DIALECT.backend != Backend::Sqlite {
        return Ok(false);
    }
    // A read transaction's snapshot, copied page by page into a fresh file; writers go on.
    sqlx::query("VACUUM INTO $1").bind(path).execute(&store.read).await?;
    Ok(true)
}

pub(super) async fn export(store: &SqlStore<Db>, sink: &mut ExportSink<'_>) -> Result<u64, StoreError> {
    let io = |e: std::io::Error| StoreError::unavailable_because("writing the export", e);
    let mut lines = 0u64;
    // One read transaction, so that the export is a consistent snapshot.
    let mut tx = store.read.begin().await?;
    if let Some(sql) = DIALECT.snapshot {
        sqlx::query(sql).execute(&mut *tx).await?;
    }
    let unions: Vec<UnionRow> =
        sqlx::query_as(&format!("{UNION_SELECT} ORDER BY u.depth, u.code")).fetch_all(&mut *tx).await?;
    // The unions' group robots: read apart, as nothing else that reads unions reads them.
    let robots: std::collections::HashMap<i64, String> = sqlx::query_as::<_, (i64, String)>(
        "SELECT union_id, wecom_webhook FROM union_notices WHERE wecom_webhook IS NOT NULL",
    )
    .fetch_all(&mut *tx)
    .await?
    .into_iter()
    .collect();
    for row in unions {
        let u = Union::try_from(row)?;
        let mut rec = u.record;
        rec.wecom_webhook = robots.get(&u.id).cloned();
        sink(&Line::Union(rec)).map_err(io)?;
        lines += 1;
    }
    let users: Vec<UserRow> = sqlx::query_as(&format!("{USER_SELECT} ORDER BY s.username")).fetch_all(&mut *tx).await?;
    for row in users {
        let u = User::try_from(row)?;
        let rec = UserRecord {
            username: u.username,
            name: u.name,
            union: u.union_code,
            role: u.role,
            password_hash: u.password_hash,
            active: u.active,
            specialties: specialties_conn(&mut tx, u.id).await?,
            email: u.email,
            phone: u.phone,
            notices_off: u.notices_off,
        };
        sink(&Line::User(rec)).map_err(io)?;
        lines += 1;
    }
    let settings: Vec<(String, String)> =
        sqlx::query_as("SELECT key, value FROM settings ORDER BY key").fetch_all(&mut *tx).await?;
    for (key, value) in settings {
        let value = serde_json::from_str(&value).map_err(|_| StoreError::Corrupt(format!("setting {key}")))?;
        sink(&Line::Setting(youyue_domain::exchange::SettingRecord { key, value })).map_err(io)?;
        lines += 1;
    }
    let days: Vec<(String, String, String)> =
        sqlx::query_as("SELECT day, kind, name FROM calendar_days ORDER BY day").fetch_all(&mut *tx).await?;
    for d in days {
        sink(&Line::CalendarDay(calendar_day(d)?)).map_err(io)?;
        lines += 1;
    }
    let items: Vec<StudioItemRow> =
        sqlx::query_as(&format!("{STUDIO_ITEM_SELECT} ORDER BY u.code, s.item")).fetch_all(&mut *tx).await?;
    for row in items {
        sink(&Line::StudioItem(StudioItemRecord::try_from(row)?)).map_err(io)?;
        lines += 1;
    }
    let votes: Vec<(String, String, String, String, i64, String, i64)> = sqlx::query_as(
        "SELECT u.code, v.round, v.key, v.voter, v.score, v.comment, v.at FROM union_votes v \
         JOIN unions u ON u.id = v.union_id ORDER BY u.code, v.round, v.key, v.voter",
    )
    .fetch_all(&mut *tx)
    .await?;
    for (code, round, key, voter, score, comment, at) in votes {
        let vote = youyue_domain::appraisal::UnionVote {
            union: code.parse().map_err(|_| StoreError::Corrupt(code.clone()))?,
            round: youyue_domain::appraisal::Round::parse(&round).ok_or_else(|| StoreError::Corrupt(round.clone()))?,
            key,
            voter,
            score,
            comment,
            at: Timestamp::from_micros(at),
        };
        sink(&Line::UnionVote(vote)).map_err(io)?;
        lines += 1;
    }
    lines += export_rosters(&mut tx, sink).await?;
    let bulletins: Vec<BulletinRow> =
        sqlx::query_as(&format!("{BULLETIN_SELECT} ORDER BY u.code, b.posted_at, b.title")).fetch_all(&mut *tx).await?;
    for row in bulletins {
        sink(&Line::Bulletin(BulletinRecord::try_from(row)?)).map_err(io)?;
        lines += 1;
    }
    let mut after: i64 = 0;
    loop {
        let rows: Vec<CaseRow> = sqlx::query_as(&format!("{CASE_SELECT} WHERE c.id > $1 ORDER BY c.id LIMIT 1000"))
            .bind(after)
            .fetch_all(&mut *tx)
            .await?;
        let (Some(first), Some(last)) = (rows.first().map(|r| r.id), rows.last().map(|r| r.id)) else {
            break;
        };
        let entries: Vec<EntryRow> = sqlx::query_as(&format!(
            "{ENTRY_SELECT} WHERE e.case_id >= $1 AND e.case_id <= $2 ORDER BY e.case_id, e.seq"
        ))
        .bind(first)
        .bind(last)
        .fetch_all(&mut *tx)
        .await?;
        let mut entries = entries.into_iter().peekable();
        for row in rows {
            let id = row.id;
            let case = StoredCase::try_from(row)?;
            sink(&Line::Case(Box::new(case.record))).map_err(io)?;
            lines += 1;
            while let Some(e) = entries.next_if(|e| e.case_id == id) {
                sink(&Line::Record(e.into_entry()?)).map_err(io)?;
                lines += 1;
            }
        }
        after = last;
    }
    // Appointments after every case and account they name.
    for a in super::appointments::all_for_export(&mut tx).await? {
        sink(&Line::Appointment(a)).map_err(io)?;
        lines += 1;
    }
    // The read log after every case it names, a page at a time.
    let mut after: i64 = 0;
    loop {
        let rows: Vec<(i64, String, String, String, i64)> = sqlx::query_as(
            "SELECT r.id, c.number, u.username, r.what, r.at FROM read_log r JOIN cases c ON c.id = r.case_id \
             JOIN users u ON u.id = r.user_id WHERE r.id > $1 ORDER BY r.id LIMIT 5000",
        )
        .bind(after)
        .fetch_all(&mut *tx)
        .await?;
        let Some(last) = rows.last().map(|r| r.0) else {
            break;
        };
        for (_, number, user, what, at) in rows {
            let case = number.parse().map_err(|e| StoreError::Corrupt(format!("read log of case {number}: {e}")))?;
            let read = youyue_domain::exchange::ReadRecord { case, user, what, at: Timestamp::from_micros(at) };
            sink(&Line::Read(read)).map_err(io)?;
            lines += 1;
        }
        after = last;
    }
    // The mediation agreements after every case (one per dispute, few), in the same snapshot.
    for rec in super::agreements::all_records(&mut tx).await? {
        sink(&Line::Agreement(Box::new(rec))).map_err(io)?;
        lines += 1;
    }
    // 协办 (issue 22) after every case, union and account they name.
    for rec in super::assists::all_for_export(&mut tx).await? {
        sink(&Line::Assist(rec)).map_err(io)?;
        lines += 1;
    }
    tx.commit().await?;
    Ok(lines)
}
