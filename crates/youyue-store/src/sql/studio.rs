//! A union's studio and what surrounds it: bulletins, studio items, the working-day
//! calendar, votes, and district settings.

use super::tallies::rebuild_tallies_conn;
use super::unions::union_where;
use super::{Conn, Db, DIALECT};
use crate::{SqlStore, StoreError, Union};
use youyue_domain::studio::{BulletinRecord, StudioItem, StudioItemRecord};
use youyue_domain::{Period, Timestamp, UnionCode};

async fn union_id_for(conn: &mut Conn, code: &UnionCode) -> Result<i64, StoreError> {
    union_where(conn, "u.code = $1", code.as_str())
        .await?
        .map(|u| u.id)
        .ok_or_else(|| StoreError::invalid("union", format!("union \"{code}\" does not exist")))
}

/// Posts a bulletin; one already there (same union, time and title) is left as it is.
/// Returns whether it was new.
pub(super) async fn post_bulletin_conn(conn: &mut Conn, b: &BulletinRecord) -> Result<bool, StoreError> {
    let union_id = union_id_for(conn, &b.union).await?;
    let done = sqlx::query(
        "INSERT INTO bulletins (union_id, title, body, posted_by, posted_at) VALUES ($1, $2, $3, $4, $5) \
         ON CONFLICT (union_id, posted_at, title) DO NOTHING",
    )
    .bind(union_id)
    .bind(&b.title)
    .bind(&b.body)
    .bind(&b.posted_by)
    .bind(b.posted_at.micros())
    .execute(&mut *conn)
    .await?;
    Ok(done.rows_affected() == 1)
}

pub(super) async fn set_studio_item_conn(conn: &mut Conn, r: &StudioItemRecord) -> Result<(), StoreError> {
    let union_id = union_id_for(conn, &r.union).await?;
    sqlx::query(
        "INSERT INTO studio_items (union_id, item, done, note, updated_by, updated_at) VALUES ($1, $2, $3, $4, $5, $6) \
         ON CONFLICT (union_id, item) DO UPDATE SET done = excluded.done, note = excluded.note, \
         updated_by = excluded.updated_by, updated_at = excluded.updated_at",
    )
    .bind(union_id)
    .bind(r.item.as_str())
    .bind(r.done)
    .bind(&r.note)
    .bind(&r.updated_by)
    .bind(r.updated_at.micros())
    .execute(&mut *conn)
    .await?;
    Ok(())
}

#[derive(sqlx::FromRow)]
pub(super) struct BulletinRow {
    union_code: String,
    title: String,
    body: String,
    posted_by: String,
    posted_at: i64,
}

pub(super) const BULLETIN_SELECT: &str =
    "SELECT u.code AS union_code, b.title, b.body, b.posted_by, b.posted_at FROM bulletins b JOIN unions u ON u.id = b.union_id";

impl TryFrom<BulletinRow> for BulletinRecord {
    type Error = StoreError;
    fn try_from(r: BulletinRow) -> Result<Self, StoreError> {
        Ok(BulletinRecord {
            union: r.union_code.parse().map_err(|_| StoreError::Corrupt(r.union_code.clone()))?,
            title: r.title,
            body: r.body,
            posted_by: r.posted_by,
            posted_at: Timestamp::from_micros(r.posted_at),
        })
    }
}

#[derive(sqlx::FromRow)]
pub(super) struct StudioItemRow {
    union_code: String,
    item: String,
    done: bool,
    note: String,
    updated_by: String,
    updated_at: i64,
}

pub(super) const STUDIO_ITEM_SELECT: &str =
    "SELECT u.code AS union_code, s.item, s.done, s.note, s.updated_by, s.updated_at \
     FROM studio_items s JOIN unions u ON u.id = s.union_id";

impl TryFrom<StudioItemRow> for StudioItemRecord {
    type Error = StoreError;
    fn try_from(r: StudioItemRow) -> Result<Self, StoreError> {
        Ok(StudioItemRecord {
            union: r.union_code.parse().map_err(|_| StoreError::Corrupt(r.union_code.clone()))?,
            item: StudioItem::parse(&r.item).ok_or_else(|| StoreError::Corrupt(r.item.clone()))?,
            done: r.done,
            note: r.note,
            updated_by: r.updated_by,
            updated_at: Timestamp::from_micros(r.updated_at),
        })
    }
}

pub(super) fn calendar_day(
    (day, kind, name): (String, String, String),
) -> Result<youyue_domain::calendar::CalendarDay, StoreError> {
    Ok(youyue_domain::calendar::CalendarDay {
        day: youyue_domain::time::parse_date(&day).map_err(|_| StoreError::Corrupt(day.clone()))?,
        kind: youyue_domain::calendar::DayKind::parse(&kind).ok_or_else(|| StoreError::Corrupt(kind.clone()))?,
        name,
    })
}

pub(super) async fn set_calendar_day_conn(
    conn: &mut Conn,
    d: &youyue_domain::calendar::CalendarDay,
) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO calendar_days (day, kind, name) VALUES ($1, $2, $3) \
         ON CONFLICT (day) DO UPDATE SET kind = excluded.kind, name = excluded.name",
    )
    .bind(d.day.to_string())
    .bind(d.kind.as_str())
    .bind(&d.name)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

pub(super) async fn cast_vote_conn(
    conn: &mut Conn,
    v: &youyue_domain::appraisal::UnionVote,
) -> Result<bool, StoreError> {
    let union_id = union_id_for(conn, &v.union).await?;
    let done = sqlx::query(
        "INSERT INTO union_votes (union_id, round, key, voter, score, comment, at) VALUES ($1, $2, $3, $4, $5, $6, $7) \
         ON CONFLICT (union_id, round, key, voter) DO NOTHING",
    )
    .bind(union_id)
    .bind(v.round.as_str())
    .bind(&v.key)
    .bind(&v.voter)
    .bind(v.score)
    .bind(&v.comment)
    .bind(v.at.micros())
    .execute(&mut *conn)
    .await?;
    Ok(done.rows_affected() == 1)
}

pub(super) async fn set_setting_conn(conn: &mut Conn, key: &str, value: &serde_json::Value) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO settings (key, value) VALUES ($1, $2) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
    )
    .bind(key)
    .bind(value.to_string())
    .execute(&mut *conn)
    .await?;
    Ok(())
}

pub(super) async fn post_bulletin(store: &SqlStore<Db>, b: &BulletinRecord) -> Result<(), StoreError> {
    let mut tx = store.write.begin().await?;
    post_bulletin_conn(&mut tx, b).await?;
    tx.commit().await?;
    Ok(())
}

pub(super) async fn bulletins(
    store: &SqlStore<Db>,
    union_id: i64,
    limit: i64,
) -> Result<Vec<BulletinRecord>, StoreError> {
    let rows: Vec<BulletinRow> =
        sqlx::query_as(&format!("{BULLETIN_SELECT} WHERE b.union_id = $1 ORDER BY b.posted_at DESC LIMIT $2"))
            .bind(union_id)
            .bind(limit)
            .fetch_all(&store.read)
            .await?;
    rows.into_iter().map(BulletinRecord::try_from).collect()
}

pub(super) async fn set_studio_items(store: &SqlStore<Db>, items: &[StudioItemRecord]) -> Result<(), StoreError> {
    let mut tx = store.write.begin().await?;
    for r in items {
        set_studio_item_conn(&mut tx, r).await?;
    }
    tx.commit().await?;
    Ok(())
}

pub(super) async fn studio_items(store: &SqlStore<Db>, union_id: i64) -> Result<Vec<StudioItemRecord>, StoreError> {
    let rows: Vec<StudioItemRow> =
        sqlx::query_as(&format!("{STUDIO_ITEM_SELECT} WHERE s.union_id = $1 ORDER BY s.item"))
            .bind(union_id)
            .fetch_all(&store.read)
            .await?;
    rows.into_iter().map(StudioItemRecord::try_from).collect()
}

pub(super) async fn cast_vote(
    store: &SqlStore<Db>,
    vote: &youyue_domain::appraisal::UnionVote,
) -> Result<bool, StoreError> {
    let mut tx = store.write.begin().await?;
    let new = cast_vote_conn(&mut tx, vote).await?;
    tx.commit().await?;
    Ok(new)
}

pub(super) async fn vote_scores(
    store: &SqlStore<Db>,
    union: &Union,
    round: youyue_domain::appraisal::Round,
    period: Period,
) -> Result<Vec<i64>, StoreError> {
    let (from, to) = period.instants();
    let rows: Vec<(i64,)> = sqlx::query_as(
        "SELECT v.score FROM union_votes v JOIN unions u ON u.id = v.union_id \
         WHERE u.path LIKE $1 AND v.round = $2 AND v.at >= $3 AND v.at < $4",
    )
    .bind(format!("{}%", union.path))
    .bind(round.as_str())
    .bind(from.micros())
    .bind(to.micros())
    .fetch_all(&store.read)
    .await?;
    Ok(rows.into_iter().map(|r| r.0).collect())
}

pub(super) async fn list_votes(
    store: &SqlStore<Db>,
    union: &Union,
    round: youyue_domain::appraisal::Round,
    period: Period,
    limit: i64,
    offset: i64,
) -> Result<(i64, Vec<crate::ListedVote>), StoreError> {
    let (from, to) = period.instants();
    let within = format!("{}%", union.path);
    let filter = "FROM union_votes v JOIN unions u ON u.id = v.union_id WHERE u.path LIKE $1 AND v.round = $2 AND v.at >= $3 AND v.at < $4";
    let mut tx = store.read.begin().await?;
    if let Some(sql) = DIALECT.snapshot {
        sqlx::query(sql).execute(&mut *tx).await?;
    }
    let total: i64 = sqlx::query_scalar(&format!("SELECT COUNT(*) {filter}"))
        .bind(&within)
        .bind(round.as_str())
        .bind(from.micros())
        .bind(to.micros())
        .fetch_one(&mut *tx)
        .await?;
    let rows: Vec<(String, String, String, i64, String, i64)> = sqlx::query_as(&format!(
        "SELECT u.code, u.name, v.key, v.score, v.comment, v.at {filter} ORDER BY v.at DESC, u.code, v.voter LIMIT $5 OFFSET $6"
    ))
    .bind(&within)
    .bind(round.as_str())
    .bind(from.micros())
    .bind(to.micros())
    .bind(limit)
    .bind(offset)
    .fetch_all(&mut *tx)
    .await?;
    tx.commit().await?;
    let votes = rows
        .into_iter()
        .map(|(union, union_name, key, score, comment, at)| crate::ListedVote {
            union,
            union_name,
            key,
            score,
            comment,
            at: Timestamp::from_micros(at),
        })
        .collect();
    Ok((total, votes))
}

pub(super) async fn setting(store: &SqlStore<Db>, key: &str) -> Result<Option<serde_json::Value>, StoreError> {
    let v: Option<String> =
        sqlx::query_scalar("SELECT value FROM settings WHERE key = $1").bind(key).fetch_optional(&store.read).await?;
    v.map(|v| serde_json::from_str(&v).map_err(|_| StoreError::Corrupt(format!("setting {key}")))).transpose()
}

pub(super) async fn set_setting(store: &SqlStore<Db>, key: &str, value: &serde_json::Value) -> Result<(), StoreError> {
    let mut tx = store.write.begin().await?;
    set_setting_conn(&mut tx, key, value).await?;
    tx.commit().await?;
    Ok(())
}

pub(super) async fn calendar(store: &SqlStore<Db>) -> Result<Vec<youyue_domain::calendar::CalendarDay>, StoreError> {
    let rows: Vec<(String, String, String)> =
        sqlx::query_as("SELECT day, kind, name FROM calendar_days ORDER BY day").fetch_all(&store.read).await?;
    rows.into_iter().map(calendar_day).collect()
}

pub(super) async fn set_calendar(
    store: &SqlStore<Db>,
    set: &[youyue_domain::calendar::CalendarDay],
    remove: &[chrono::NaiveDate],
) -> Result<(), StoreError> {
    let mut tx = store.write.begin().await?;
    for d in remove {
        sqlx::query("DELETE FROM calendar_days WHERE day = $1").bind(d.to_string()).execute(&mut *tx).await?;
    }
    for d in set {
        set_calendar_day_conn(&mut tx, d).await?;
    }
    // Acceptance on time is counted in working days: the tallies follow the calendar.
    rebuild_tallies_conn(&mut tx).await?;
    tx.commit().await?;
    Ok(())
}
