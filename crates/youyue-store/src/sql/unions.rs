//! Unions: the tree of trade unions, read by code, id or path, created, updated and moved.

use super::search::reindex_stored;
use super::tallies::rebuild_tallies_conn;
use super::{Conn, Db};
use crate::rows::{UnionRow, UNION_SELECT};
use crate::{SqlStore, StoreError, Union};
use youyue_domain::exchange::UnionRecord;
use youyue_domain::{Timestamp, UnionCode};

pub(super) async fn union_where(conn: &mut Conn, clause: &str, value: &str) -> Result<Option<Union>, StoreError> {
    let row: Option<UnionRow> =
        sqlx::query_as(&format!("{UNION_SELECT} WHERE {clause}")).bind(value).fetch_optional(&mut *conn).await?;
    row.map(Union::try_from).transpose()
}

async fn union_by_id_conn(conn: &mut Conn, id: i64) -> Result<Option<Union>, StoreError> {
    let row: Option<UnionRow> =
        sqlx::query_as(&format!("{UNION_SELECT} WHERE u.id = $1")).bind(id).fetch_optional(&mut *conn).await?;
    row.map(Union::try_from).transpose()
}

/// The record as stored: a top-level union always has a prefix, others never.
fn normalized_union(rec: &UnionRecord) -> UnionRecord {
    let mut r = rec.clone();
    // The robot lives in `union_notices`, written apart (`set_union_webhook`, import).
    r.wecom_webhook = None;
    if r.parent.is_some() {
        r.case_prefix = None;
    } else if r.case_prefix.is_none() {
        r.case_prefix = Some(r.code.default_case_prefix());
    }
    r
}

/// Creates or updates a union inside the caller's transaction. Returns the union and
/// whether it was created (Some(true)), updated (Some(false)) or unchanged (None), and
/// whether it moved under another parent (the caller then rebuilds the tallies: every
/// figure above it changes).
pub(super) async fn put_union_conn(
    conn: &mut Conn,
    rec: &UnionRecord,
    now: Timestamp,
) -> Result<(Union, Option<bool>, bool), StoreError> {
    let rec = normalized_union(rec);
    let parent = match &rec.parent {
        Some(code) => Some(
            union_where(conn, "u.code = $1", code.as_str())
                .await?
                .ok_or_else(|| StoreError::invalid("parent", format!("union \"{code}\" does not exist")))?,
        ),
        None => None,
    };
    let studio = rec.studio_opened_on.map(|d| d.to_string());
    let existing = union_where(conn, "u.code = $1", rec.code.as_str()).await?;
    let Some(old) = existing else {
        let depth = parent.as_ref().map_or(0, |p| p.depth + 1);
        let temp_path = format!("#{}", rec.code);
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO unions (code, name, parent_id, path, depth, root_id, case_prefix, studio_opened_on, created_at) \
             VALUES ($1, $2, $3, $4, $5, 0, $6, $7, $8) RETURNING id",
        )
        .bind(rec.code.as_str())
        .bind(&rec.name)
        .bind(parent.as_ref().map(|p| p.id))
        .bind(&temp_path)
        .bind(depth)
        .bind(&rec.case_prefix)
        .bind(&studio)
        .bind(now.micros())
        .fetch_one(&mut *conn)
        .await?;
        let (path, root) = match &parent {
            Some(p) => (format!("{}{id}/", p.path), p.root_id),
            None => (format!("/{id}/"), id),
        };
        sqlx::query("UPDATE unions SET path = $2, root_id = $3 WHERE id = $1")
            .bind(id)
            .bind(&path)
            .bind(root)
            .execute(&mut *conn)
            .await?;
        let u = union_by_id_conn(conn, id).await?.ok_or_else(|| StoreError::NotFound(format!("union {id}")))?;
        return Ok((u, Some(true), false));
    };
    if old.record == rec {
        return Ok((old, None, false));
    }
    sqlx::query("UPDATE unions SET name = $2, case_prefix = $3, studio_opened_on = $4 WHERE id = $1")
        .bind(old.id)
        .bind(&rec.name)
        .bind(&rec.case_prefix)
        .bind(&studio)
        .execute(&mut *conn)
        .await?;
    if old.record.parent != rec.parent {
        if let Some(p) = &parent {
            if old.contains(&p.path) {
                return Err(StoreError::invalid(
                    "parent",
                    format!("union \"{}\" lies under \"{}\": that would make a cycle", p.record.code, rec.code),
                ));
            }
        }
        let (new_path, new_root, new_depth) = match &parent {
            Some(p) => (format!("{}{}/", p.path, old.id), p.root_id, p.depth + 1),
            None => (format!("/{}/", old.id), old.id, 0),
        };
        // Moves the whole subtree: every path below starts with the old path.
        sqlx::query(
            "UPDATE unions SET path = $1 || substr(path, length($2) + 1), depth = depth + $3, root_id = $4 \
             WHERE path LIKE $5",
        )
        .bind(&new_path)
        .bind(&old.path)
        .bind(new_depth - old.depth)
        .bind(new_root)
        .bind(format!("{}%", old.path))
        .execute(&mut *conn)
        .await?;
        sqlx::query("UPDATE unions SET parent_id = $2 WHERE id = $1")
            .bind(old.id)
            .bind(parent.as_ref().map(|p| p.id))
            .execute(&mut *conn)
            .await?;
        // Its cases are filed under every union on their path.
        reindex_stored(conn, &new_path, true).await?;
    }
    let u = union_by_id_conn(conn, old.id).await?.ok_or_else(|| StoreError::NotFound(format!("union {}", old.id)))?;
    Ok((u, Some(false), old.record.parent != rec.parent))
}

pub(super) async fn is_empty(store: &SqlStore<Db>) -> Result<bool, StoreError> {
    let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM (SELECT 1 FROM unions LIMIT 1) AS any_union")
        .fetch_one(&store.read)
        .await?;
    Ok(n == 0)
}

pub(super) async fn union_by_code(store: &SqlStore<Db>, code: &UnionCode) -> Result<Option<Union>, StoreError> {
    let mut conn = store.read.acquire().await?;
    union_where(&mut conn, "u.code = $1", code.as_str()).await
}

pub(super) async fn union_by_id(store: &SqlStore<Db>, id: i64) -> Result<Option<Union>, StoreError> {
    let mut conn = store.read.acquire().await?;
    union_by_id_conn(&mut conn, id).await
}

pub(super) async fn subtree(store: &SqlStore<Db>, root: &Union) -> Result<Vec<Union>, StoreError> {
    let rows: Vec<UnionRow> = sqlx::query_as(&format!("{UNION_SELECT} WHERE u.path LIKE $1 ORDER BY u.depth, u.code"))
        .bind(format!("{}%", root.path))
        .fetch_all(&store.read)
        .await?;
    rows.into_iter().map(Union::try_from).collect()
}

pub(super) async fn put_union(store: &SqlStore<Db>, rec: &UnionRecord, now: Timestamp) -> Result<Union, StoreError> {
    let mut tx = store.write.begin().await?;
    let (u, _, moved) = put_union_conn(&mut tx, rec, now).await?;
    if moved {
        rebuild_tallies_conn(&mut tx).await?;
    }
    tx.commit().await?;
    Ok(u)
}

pub(super) async fn top_level_unions(store: &SqlStore<Db>) -> Result<Vec<Union>, StoreError> {
    let rows: Vec<UnionRow> = sqlx::query_as(&format!("{UNION_SELECT} WHERE u.parent_id IS NULL ORDER BY u.code"))
        .fetch_all(&store.read)
        .await?;
    rows.into_iter().map(Union::try_from).collect()
}
