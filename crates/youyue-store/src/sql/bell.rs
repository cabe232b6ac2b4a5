//! The bell on the staff pages: how many of a person's app notices are unread (asked on
//! every page, so one count), and the unread ones alone for `GET /api/v1/notices?unread=true`.
//! The notices themselves are written and read by `notices.rs`.

use super::notices::{masked, NoticeRow, NOTICE_SELECT};
use super::Db;
use crate::{Notice, SqlStore, StoreError};

pub(super) async fn unread_notices(store: &SqlStore<Db>, user_id: i64) -> Result<i64, StoreError> {
    // Reads only the unread entries: the partial index notices_unread (migration 0020).
    let n: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM notices WHERE user_id = $1 AND channel = 'app' AND read_at IS NULL")
            .bind(user_id)
            .fetch_one(&store.read)
            .await?;
    Ok(n)
}

pub(super) async fn unread_notice_page(
    store: &SqlStore<Db>,
    user_id: i64,
    limit: i64,
    offset: i64,
) -> Result<Vec<Notice>, StoreError> {
    let rows: Vec<NoticeRow> = sqlx::query_as(&format!(
        "{NOTICE_SELECT} WHERE n.user_id = $1 AND n.channel = 'app' AND n.read_at IS NULL \
         ORDER BY n.id DESC LIMIT $2 OFFSET $3"
    ))
    .bind(user_id)
    .bind(limit)
    .bind(offset)
    .fetch_all(&store.read)
    .await?;
    masked(rows)
}
