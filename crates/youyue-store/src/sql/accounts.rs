//! Accounts: users, their sessions, API tokens and second factor.

use super::roster::set_specialties_conn;
use super::unions::union_where;
use super::{is_unique_violation, Conn, Db};
use crate::rows::{UserRow, USER_SELECT};
use crate::{SqlStore, StoreError, User};
use youyue_domain::exchange::UserRecord;
use youyue_domain::Timestamp;

pub(super) async fn user_where(conn: &mut Conn, clause: &str, value: &str) -> Result<Option<User>, StoreError> {
    let row: Option<UserRow> =
        sqlx::query_as(&format!("{USER_SELECT} WHERE {clause}")).bind(value).fetch_optional(&mut *conn).await?;
    row.map(User::try_from).transpose()
}

/// `users.notices_off`: comma-separated names, as rows.rs reads them back.
pub(super) fn notices_off_column(off: &[youyue_domain::notice::NoticeKind]) -> String {
    off.iter().map(|k| k.as_str()).collect::<Vec<_>>().join(",")
}

pub(super) async fn insert_user(
    conn: &mut Conn,
    rec: &UserRecord,
    union_id: i64,
    now: Timestamp,
) -> Result<i64, StoreError> {
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO users (username, name, union_id, role, password_hash, active, created_at, email, phone, notices_off) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) RETURNING id",
    )
    .bind(&rec.username)
    .bind(&rec.name)
    .bind(union_id)
    .bind(rec.role.as_str())
    .bind(&rec.password_hash)
    .bind(rec.active)
    .bind(now.micros())
    .bind(&rec.email)
    .bind(&rec.phone)
    .bind(notices_off_column(&rec.notices_off))
    .fetch_one(&mut *conn)
    .await
    .map_err(|e| {
        if is_unique_violation(&e) {
            StoreError::Conflict(format!("username \"{}\" is taken", rec.username))
        } else {
            StoreError::from(e)
        }
    })?;
    set_specialties_conn(conn, id, &rec.specialties).await?;
    Ok(id)
}

pub(super) async fn create_user(store: &SqlStore<Db>, rec: &UserRecord, now: Timestamp) -> Result<User, StoreError> {
    let mut tx = store.write.begin().await?;
    let union = union_where(&mut tx, "u.code = $1", rec.union.as_str())
        .await?
        .ok_or_else(|| StoreError::invalid("union", format!("union \"{}\" does not exist", rec.union)))?;
    let id = insert_user(&mut tx, rec, union.id, now).await?;
    let row: UserRow = sqlx::query_as(&format!("{USER_SELECT} WHERE s.id = $1")).bind(id).fetch_one(&mut *tx).await?;
    let user = User::try_from(row)?;
    tx.commit().await?;
    Ok(user)
}

pub(super) async fn user_by_username(store: &SqlStore<Db>, username: &str) -> Result<Option<User>, StoreError> {
    let mut conn = store.read.acquire().await?;
    user_where(&mut conn, "s.username = $1", username).await
}

pub(super) async fn user_by_id(store: &SqlStore<Db>, id: i64) -> Result<Option<User>, StoreError> {
    let row: Option<UserRow> =
        sqlx::query_as(&format!("{USER_SELECT} WHERE s.id = $1")).bind(id).fetch_optional(&store.read).await?;
    row.map(User::try_from).transpose()
}

pub(super) async fn users_within(store: &SqlStore<Db>, path: &str) -> Result<Vec<User>, StoreError> {
    let rows: Vec<UserRow> =
        sqlx::query_as(&format!("{USER_SELECT} WHERE u.path LIKE $1 ORDER BY u.depth, u.code, s.username"))
            .bind(format!("{path}%"))
            .fetch_all(&store.read)
            .await?;
    rows.into_iter().map(User::try_from).collect()
}

pub(super) async fn users_on_path(store: &SqlStore<Db>, path: &str) -> Result<Vec<User>, StoreError> {
    let rows: Vec<UserRow> =
        sqlx::query_as(&format!("{USER_SELECT} WHERE $1 LIKE (u.path || '%') ORDER BY u.depth DESC, s.username"))
            .bind(path)
            .fetch_all(&store.read)
            .await?;
    rows.into_iter().map(User::try_from).collect()
}

pub(super) async fn change_user(
    store: &SqlStore<Db>,
    user_id: i64,
    change: &crate::UserChange,
) -> Result<(), StoreError> {
    let mut tx = store.write.begin().await?;
    if let Some(role) = change.role {
        sqlx::query("UPDATE users SET role = $2 WHERE id = $1")
            .bind(user_id)
            .bind(role.as_str())
            .execute(&mut *tx)
            .await?;
    }
    if let Some(set) = &change.specialties {
        set_specialties_conn(&mut tx, user_id, set).await?;
    }
    if let Some(active) = change.active {
        sqlx::query("UPDATE users SET active = $2 WHERE id = $1").bind(user_id).bind(active).execute(&mut *tx).await?;
    }
    if let Some(email) = &change.email {
        sqlx::query("UPDATE users SET email = $2 WHERE id = $1").bind(user_id).bind(email).execute(&mut *tx).await?;
    }
    if let Some(phone) = &change.phone {
        sqlx::query("UPDATE users SET phone = $2 WHERE id = $1").bind(user_id).bind(phone).execute(&mut *tx).await?;
    }
    if let Some(off) = &change.notices_off {
        sqlx::query("UPDATE users SET notices_off = $2 WHERE id = $1")
            .bind(user_id)
            .bind(notices_off_column(off))
            .execute(&mut *tx)
            .await?;
    }
    if let Some(hash) = &change.password_hash {
        sqlx::query("UPDATE users SET password_hash = $2 WHERE id = $1")
            .bind(user_id)
            .bind(hash)
            .execute(&mut *tx)
            .await?;
        sqlx::query("UPDATE api_tokens SET revoked_at = $2 WHERE user_id = $1 AND revoked_at IS NULL")
            .bind(user_id)
            .bind(Timestamp::now().micros())
            .execute(&mut *tx)
            .await?;
    }
    // A new password or a disabled account ends the account's sessions.
    if change.password_hash.is_some() || change.active == Some(false) {
        sqlx::query("DELETE FROM sessions WHERE user_id = $1").bind(user_id).execute(&mut *tx).await?;
    }
    tx.commit().await?;
    Ok(())
}

pub(super) async fn create_session(
    store: &SqlStore<Db>,
    token_hash: &str,
    user_id: i64,
    now: Timestamp,
    expires: Timestamp,
) -> Result<(), StoreError> {
    sqlx::query("INSERT INTO sessions (token_hash, user_id, created_at, expires_at) VALUES ($1, $2, $3, $4)")
        .bind(token_hash)
        .bind(user_id)
        .bind(now.micros())
        .bind(expires.micros())
        .execute(&store.write)
        .await?;
    Ok(())
}

pub(super) async fn session_user(
    store: &SqlStore<Db>,
    token_hash: &str,
    now: Timestamp,
) -> Result<Option<User>, StoreError> {
    let row: Option<UserRow> = sqlx::query_as(&format!(
        "{USER_SELECT} JOIN sessions x ON x.user_id = s.id WHERE x.token_hash = $1 AND x.expires_at > $2 AND s.active"
    ))
    .bind(token_hash)
    .bind(now.micros())
    .fetch_optional(&store.read)
    .await?;
    row.map(User::try_from).transpose()
}

pub(super) async fn delete_session(store: &SqlStore<Db>, token_hash: &str) -> Result<(), StoreError> {
    sqlx::query("DELETE FROM sessions WHERE token_hash = $1").bind(token_hash).execute(&store.write).await?;
    Ok(())
}

pub(super) async fn end_sessions(store: &SqlStore<Db>, user_id: i64, keep: Option<&str>) -> Result<u64, StoreError> {
    let done = sqlx::query("DELETE FROM sessions WHERE user_id = $1 AND token_hash <> $2")
        .bind(user_id)
        .bind(keep.unwrap_or(""))
        .execute(&store.write)
        .await?;
    Ok(done.rows_affected())
}

pub(super) async fn create_api_token(
    store: &SqlStore<Db>,
    user_id: i64,
    name: &str,
    token_hash: &str,
    scope: crate::TokenScope,
    now: Timestamp,
) -> Result<i64, StoreError> {
    let id = sqlx::query_scalar(
        "INSERT INTO api_tokens (user_id, name, token_hash, created_at, scope) VALUES ($1, $2, $3, $4, $5) RETURNING id",
    )
    .bind(user_id)
    .bind(name)
    .bind(token_hash)
    .bind(now.micros())
    .bind(scope.as_str())
    .fetch_one(&store.write)
    .await?;
    Ok(id)
}

pub(super) async fn api_token_user(
    store: &SqlStore<Db>,
    token_hash: &str,
) -> Result<Option<(User, crate::TokenScope)>, StoreError> {
    let row: Option<crate::rows::TokenUserRow> =
        sqlx::query_as(crate::rows::TOKEN_USER_SELECT).bind(token_hash).fetch_optional(&store.read).await?;
    let Some(row) = row else { return Ok(None) };
    let scope = crate::TokenScope::parse(&row.scope)
        .ok_or_else(|| StoreError::Corrupt(format!("token scope \"{}\"", row.scope)))?;
    Ok(Some((User::try_from(row.user)?, scope)))
}

pub(super) async fn api_tokens(store: &SqlStore<Db>, user_id: i64) -> Result<Vec<crate::ApiToken>, StoreError> {
    let rows: Vec<(i64, String, String, i64, Option<i64>)> = sqlx::query_as(
        "SELECT id, name, scope, created_at, revoked_at FROM api_tokens WHERE user_id = $1 ORDER BY id DESC",
    )
    .bind(user_id)
    .fetch_all(&store.read)
    .await?;
    rows.into_iter()
        .map(|(id, name, scope, created_at, revoked_at)| {
            Ok(crate::ApiToken {
                id,
                name,
                scope: crate::TokenScope::parse(&scope)
                    .ok_or_else(|| StoreError::Corrupt(format!("token scope \"{scope}\"")))?,
                created_at: Timestamp::from_micros(created_at),
                revoked_at: revoked_at.map(Timestamp::from_micros),
            })
        })
        .collect()
}

pub(super) async fn revoke_api_token(
    store: &SqlStore<Db>,
    user_id: i64,
    token_id: i64,
    now: Timestamp,
) -> Result<bool, StoreError> {
    let done =
        sqlx::query("UPDATE api_tokens SET revoked_at = $3 WHERE id = $2 AND user_id = $1 AND revoked_at IS NULL")
            .bind(user_id)
            .bind(token_id)
            .bind(now.micros())
            .execute(&store.write)
            .await?;
    Ok(done.rows_affected() == 1)
}

pub(super) async fn set_calendar_feed(
    store: &SqlStore<Db>,
    user_id: i64,
    secret_hash: &str,
    now: Timestamp,
) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO calendar_feeds (user_id, secret_hash, created_at) VALUES ($1, $2, $3) \
         ON CONFLICT (user_id) DO UPDATE SET secret_hash = excluded.secret_hash, created_at = excluded.created_at",
    )
    .bind(user_id)
    .bind(secret_hash)
    .bind(now.micros())
    .execute(&store.write)
    .await?;
    Ok(())
}

pub(super) async fn revoke_calendar_feed(store: &SqlStore<Db>, user_id: i64) -> Result<bool, StoreError> {
    let done = sqlx::query("DELETE FROM calendar_feeds WHERE user_id = $1").bind(user_id).execute(&store.write).await?;
    Ok(done.rows_affected() == 1)
}

pub(super) async fn calendar_feed_since(store: &SqlStore<Db>, user_id: i64) -> Result<Option<Timestamp>, StoreError> {
    let at: Option<i64> = sqlx::query_scalar("SELECT created_at FROM calendar_feeds WHERE user_id = $1")
        .bind(user_id)
        .fetch_optional(&store.read)
        .await?;
    Ok(at.map(Timestamp::from_micros))
}

pub(super) async fn calendar_feed_user(store: &SqlStore<Db>, secret_hash: &str) -> Result<Option<User>, StoreError> {
    let sql = format!(
        "{} JOIN calendar_feeds f ON f.user_id = s.id WHERE f.secret_hash = $1 AND s.active",
        crate::rows::USER_SELECT
    );
    let row: Option<crate::rows::UserRow> = sqlx::query_as(&sql).bind(secret_hash).fetch_optional(&store.read).await?;
    row.map(User::try_from).transpose()
}

pub(super) async fn set_totp_secret(
    store: &SqlStore<Db>,
    user_id: i64,
    secret: Option<&str>,
) -> Result<(), StoreError> {
    sqlx::query("UPDATE users SET totp_secret = $2 WHERE id = $1")
        .bind(user_id)
        .bind(secret)
        .execute(&store.write)
        .await?;
    Ok(())
}
