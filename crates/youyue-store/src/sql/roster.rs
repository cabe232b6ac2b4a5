//! Specialists and duty rosters: the specialties of staff accounts (`user_specialties`),
//! each union's roster (`rosters`, one JSON document) and the log of every roster set
//! (`roster_changes`, appended in the same transaction, never changed).

use super::{Conn, Db, DIALECT};
use crate::{RosterChange, SqlStore, StoreError};
use std::collections::BTreeMap;
use youyue_domain::roster::{Roster, Specialty};
use youyue_domain::Timestamp;

/// The document as stored: no names (they are the accounts'), no union (the row's).
fn stored_body(roster: &Roster) -> Result<String, StoreError> {
    let mut r = roster.clone();
    r.union = String::new();
    for l in &mut r.shifts {
        l.name = String::new();
    }
    serde_json::to_string(&r).map_err(|e| StoreError::Corrupt(format!("roster: {e}")))
}

fn parse_body(union: String, body: &str) -> Result<Roster, StoreError> {
    let mut r: Roster =
        serde_json::from_str(body).map_err(|e| StoreError::Corrupt(format!("roster of {union}: {e}")))?;
    r.union = union;
    Ok(r)
}

/// Replaces the specialties of an account, inside the caller's transaction.
pub(super) async fn set_specialties_conn(conn: &mut Conn, user_id: i64, set: &[Specialty]) -> Result<(), StoreError> {
    sqlx::query("DELETE FROM user_specialties WHERE user_id = $1").bind(user_id).execute(&mut *conn).await?;
    for s in set {
        sqlx::query("INSERT INTO user_specialties (user_id, specialty) VALUES ($1, $2) ON CONFLICT DO NOTHING")
            .bind(user_id)
            .bind(s.as_str())
            .execute(&mut *conn)
            .await?;
    }
    Ok(())
}

/// The specialties of one account, in `Specialty::ALL` order.
pub(super) async fn specialties_conn(conn: &mut Conn, user_id: i64) -> Result<Vec<Specialty>, StoreError> {
    let rows: Vec<String> = sqlx::query_scalar("SELECT specialty FROM user_specialties WHERE user_id = $1")
        .bind(user_id)
        .fetch_all(&mut *conn)
        .await?;
    let mut out = rows
        .iter()
        .map(|s| Specialty::parse(s).ok_or_else(|| StoreError::Corrupt(format!("specialty {s}"))))
        .collect::<Result<Vec<_>, _>>()?;
    out.sort();
    Ok(out)
}

pub(super) async fn specialties_of(
    store: &SqlStore<Db>,
    user_ids: &[i64],
) -> Result<BTreeMap<i64, Vec<Specialty>>, StoreError> {
    let mut out: BTreeMap<i64, Vec<Specialty>> = BTreeMap::new();
    // A few hundred ids a statement keeps under every database's parameter limit.
    for chunk in user_ids.chunks(500) {
        let params: Vec<String> = (1..=chunk.len()).map(|i| DIALECT.backend.param(i)).collect();
        let sql = format!(
            "SELECT user_id, specialty FROM user_specialties WHERE user_id IN ({}) ORDER BY user_id",
            params.join(", ")
        );
        let mut q = sqlx::query_as::<_, (i64, String)>(&sql);
        for id in chunk {
            q = q.bind(*id);
        }
        for (id, s) in q.fetch_all(&store.read).await? {
            let s = Specialty::parse(&s).ok_or_else(|| StoreError::Corrupt(format!("specialty {s}")))?;
            out.entry(id).or_default().push(s);
        }
    }
    for v in out.values_mut() {
        v.sort();
    }
    Ok(out)
}

pub(super) async fn roster(store: &SqlStore<Db>, union_id: i64) -> Result<Option<Roster>, StoreError> {
    let row: Option<(String, String)> =
        sqlx::query_as("SELECT u.code, r.body FROM rosters r JOIN unions u ON u.id = r.union_id WHERE r.union_id = $1")
            .bind(union_id)
            .fetch_optional(&store.read)
            .await?;
    row.map(|(code, body)| parse_body(code, &body)).transpose()
}

pub(super) async fn rosters_on_path(store: &SqlStore<Db>, path: &str) -> Result<Vec<Roster>, StoreError> {
    let rows: Vec<(String, String)> = sqlx::query_as(
        "SELECT u.code, r.body FROM rosters r JOIN unions u ON u.id = r.union_id \
         WHERE $1 LIKE (u.path || '%') ORDER BY u.depth, u.code",
    )
    .bind(path)
    .fetch_all(&store.read)
    .await?;
    rows.into_iter().map(|(code, body)| parse_body(code, &body)).collect()
}

/// Sets a union's roster and logs it, inside the caller's transaction. False when the
/// roster is already exactly this (nothing written).
pub(super) async fn put_roster_conn(
    conn: &mut Conn,
    union_id: i64,
    roster: &Roster,
    by: &str,
    now: Timestamp,
) -> Result<bool, StoreError> {
    let body = stored_body(roster)?;
    let old: Option<String> = sqlx::query_scalar("SELECT body FROM rosters WHERE union_id = $1")
        .bind(union_id)
        .fetch_optional(&mut *conn)
        .await?;
    if old.as_deref() == Some(body.as_str()) {
        return Ok(false);
    }
    sqlx::query(
        "INSERT INTO rosters (union_id, body, updated_by, updated_at) VALUES ($1, $2, $3, $4) \
         ON CONFLICT (union_id) DO UPDATE SET body = excluded.body, updated_by = excluded.updated_by, \
         updated_at = excluded.updated_at",
    )
    .bind(union_id)
    .bind(&body)
    .bind(by)
    .bind(now.micros())
    .execute(&mut *conn)
    .await?;
    sqlx::query("INSERT INTO roster_changes (union_id, body, changed_by, changed_at) VALUES ($1, $2, $3, $4)")
        .bind(union_id)
        .bind(&body)
        .bind(by)
        .bind(now.micros())
        .execute(&mut *conn)
        .await?;
    Ok(true)
}

pub(super) async fn put_roster(
    store: &SqlStore<Db>,
    union_id: i64,
    roster: &Roster,
    by: &str,
    now: Timestamp,
) -> Result<bool, StoreError> {
    let mut tx = store.write.begin().await?;
    let changed = put_roster_conn(&mut tx, union_id, roster, by, now).await?;
    tx.commit().await?;
    Ok(changed)
}

pub(super) async fn roster_changes(
    store: &SqlStore<Db>,
    union_id: i64,
    limit: i64,
) -> Result<Vec<RosterChange>, StoreError> {
    let rows: Vec<(String, String, String, i64)> = sqlx::query_as(
        "SELECT u.code, c.body, c.changed_by, c.changed_at FROM roster_changes c JOIN unions u ON u.id = c.union_id \
         WHERE c.union_id = $1 ORDER BY c.id DESC LIMIT $2",
    )
    .bind(union_id)
    .bind(limit)
    .fetch_all(&store.read)
    .await?;
    rows.into_iter()
        .map(|(code, body, by, at)| {
            Ok(RosterChange {
                roster: parse_body(code, &body)?,
                changed_by: by,
                changed_at: Timestamp::from_micros(at),
            })
        })
        .collect()
}

/// A version of a roster from an import: appended to the log unless the log holds it
/// (same union, time and content), and made the union's roster unless a newer one is.
/// False when it was held already.
pub(super) async fn import_roster_conn(
    conn: &mut Conn,
    union_id: i64,
    roster: &Roster,
    by: &str,
    at: Timestamp,
) -> Result<bool, StoreError> {
    let body = stored_body(roster)?;
    let held: Option<i64> =
        sqlx::query_scalar("SELECT id FROM roster_changes WHERE union_id = $1 AND changed_at = $2 AND body = $3")
            .bind(union_id)
            .bind(at.micros())
            .bind(&body)
            .fetch_optional(&mut *conn)
            .await?;
    if held.is_some() {
        return Ok(false);
    }
    sqlx::query("INSERT INTO roster_changes (union_id, body, changed_by, changed_at) VALUES ($1, $2, $3, $4)")
        .bind(union_id)
        .bind(&body)
        .bind(by)
        .bind(at.micros())
        .execute(&mut *conn)
        .await?;
    sqlx::query(
        "INSERT INTO rosters (union_id, body, updated_by, updated_at) VALUES ($1, $2, $3, $4) \
         ON CONFLICT (union_id) DO UPDATE SET body = excluded.body, updated_by = excluded.updated_by, \
         updated_at = excluded.updated_at WHERE rosters.updated_at <= excluded.updated_at",
    )
    .bind(union_id)
    .bind(&body)
    .bind(by)
    .bind(at.micros())
    .execute(&mut *conn)
    .await?;
    Ok(true)
}

/// Every version of every roster, union by union, oldest first: what export writes.
pub(super) async fn export_rosters(conn: &mut Conn, sink: &mut crate::ExportSink<'_>) -> Result<u64, StoreError> {
    let io = |e: std::io::Error| StoreError::unavailable_because("writing the export", e);
    let rows: Vec<(String, String, String, i64)> = sqlx::query_as(
        "SELECT u.code, c.body, c.changed_by, c.changed_at FROM roster_changes c JOIN unions u ON u.id = c.union_id \
         ORDER BY u.code, c.id",
    )
    .fetch_all(&mut *conn)
    .await?;
    let mut lines = 0;
    for (code, body, by, at) in rows {
        let r = parse_body(code.clone(), &body)?;
        let rec = youyue_domain::exchange::RosterRecord {
            union: code.parse().map_err(|_| StoreError::Corrupt(code.clone()))?,
            shifts: r.shifts,
            exceptions: r.exceptions,
            changed_by: by,
            changed_at: Some(Timestamp::from_micros(at)),
        };
        sink(&youyue_domain::exchange::Line::Roster(rec)).map_err(io)?;
        lines += 1;
    }
    Ok(lines)
}
