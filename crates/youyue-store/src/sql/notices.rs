//! Notices (migration 0019): the transactional outbox. The live write paths call
//! [`entry_event`] (one line each) in their own transaction; the dispatcher reads waiting
//! events and writes their notices (`dispatch_notice_event`), the sender claims due notices
//! and records each attempt; the bell, the failures and a case's notices are read here.

use super::case_read::case_where_id;
use super::record_book::append_entry;
use super::{Conn, Db, DIALECT};
use crate::{
    NewNotice, Notice, NoticeAttempt, NoticeAttemptRecord, NoticeEvent, NoticePage, SqlStore, StoreError, User,
};
use sqlx::QueryBuilder;
use youyue_domain::exchange::CaseRecord;
use youyue_domain::notice::{kinds_of_entry, mask, NoticeChannel, NoticeKind, NoticeStatus, WORKER_RECIPIENT};
use youyue_domain::{Status, Timestamp};

/// Writes the event of a record-book entry just appended, if the entry gives rise to any
/// notice (`notice::kinds_of_entry`); `case` is the case after it. In the caller's
/// transaction: the event commits with the change or not at all.
pub(super) async fn entry_event(
    conn: &mut Conn,
    case_id: i64,
    seq: i64,
    action: &str,
    detail: &serde_json::Value,
    case: &CaseRecord,
    now: Timestamp,
) -> Result<(), StoreError> {
    if kinds_of_entry(action, detail, case).is_empty() {
        return Ok(());
    }
    sqlx::query("INSERT INTO notice_events (case_id, seq, created_at) VALUES ($1, $2, $3)")
        .bind(case_id)
        .bind(seq)
        .bind(now.micros())
        .execute(&mut *conn)
        .await?;
    Ok(())
}

/// What a registration writes beside its cases: the event of each first entry, the worker's
/// consent (`case_notify`) and the receipt (`registered`, the tracking code as payload) where
/// they agreed. One statement each for the whole group.
pub(super) async fn registration_events(
    conn: &mut Conn,
    new: &[(i64, &crate::CaseDraft)],
    now: Timestamp,
) -> Result<(), StoreError> {
    if new.is_empty() {
        return Ok(());
    }
    let mut qb = QueryBuilder::<Db>::new("INSERT INTO notice_events (case_id, seq, kind, payload, created_at) ");
    // (case, entry, kind, payload): the first entry's event, or a receipt.
    type EventValues<'a> = (i64, Option<i64>, Option<&'a str>, Option<&'a str>);
    let mut rows: Vec<EventValues<'_>> = Vec::new();
    for (id, d) in new {
        rows.push((*id, Some(1), None, None));
        if d.notify_worker {
            if let Some(code) = d.receipt_code.as_deref() {
                rows.push((*id, None, Some(NoticeKind::Registered.as_str()), Some(code)));
            }
        }
    }
    qb.push_values(&rows, |mut row, (id, seq, kind, payload)| {
        row.push_bind(*id).push_bind(*seq).push_bind(*kind).push_bind(*payload).push_bind(now.micros());
    });
    qb.build().execute(&mut *conn).await?;
    let agreed: Vec<i64> = new.iter().filter(|(_, d)| d.notify_worker).map(|(id, _)| *id).collect();
    if !agreed.is_empty() {
        let mut qb = QueryBuilder::<Db>::new("INSERT INTO case_notify (case_id, agreed_at) ");
        qb.push_values(&agreed, |mut row, id| {
            row.push_bind(*id).push_bind(now.micros());
        });
        qb.build().execute(&mut *conn).await?;
    }
    Ok(())
}

/// The worker's consent as an import states it: written (agreed at `at`, the case's opening:
/// export does not carry the moment) or withdrawn. Idempotent.
pub(super) async fn set_case_notify(
    conn: &mut Conn,
    case_id: i64,
    agreed: bool,
    at: Timestamp,
) -> Result<(), StoreError> {
    if agreed {
        sqlx::query("INSERT INTO case_notify (case_id, agreed_at) VALUES ($1, $2) ON CONFLICT (case_id) DO NOTHING")
            .bind(case_id)
            .bind(at.micros())
            .execute(&mut *conn)
            .await?;
    } else {
        sqlx::query("DELETE FROM case_notify WHERE case_id = $1").bind(case_id).execute(&mut *conn).await?;
    }
    Ok(())
}

/// A union's group robot inside the caller's transaction (an import). Answers whether it
/// changed; `None` takes it away.
pub(super) async fn put_union_webhook_conn(
    conn: &mut Conn,
    union_id: i64,
    url: Option<&str>,
    now: Timestamp,
) -> Result<bool, StoreError> {
    let stored: Option<Option<String>> =
        sqlx::query_scalar("SELECT wecom_webhook FROM union_notices WHERE union_id = $1")
            .bind(union_id)
            .fetch_optional(&mut *conn)
            .await?;
    if stored.flatten().as_deref() == url {
        return Ok(false);
    }
    sqlx::query(
        "INSERT INTO union_notices (union_id, wecom_webhook, changed_at) VALUES ($1, $2, $3) \
         ON CONFLICT (union_id) DO UPDATE SET wecom_webhook = excluded.wecom_webhook, changed_at = excluded.changed_at",
    )
    .bind(union_id)
    .bind(url)
    .bind(now.micros())
    .execute(&mut *conn)
    .await?;
    Ok(true)
}

/// Anonymising a case: the worker is told nothing more. Their consent goes, a receipt not
/// yet dispatched loses its code, a notice to their contact still pending fails, and the
/// contact is taken off every notice that went to it.
pub(super) async fn forget_worker(conn: &mut Conn, case_id: i64) -> Result<(), StoreError> {
    sqlx::query("DELETE FROM case_notify WHERE case_id = $1").bind(case_id).execute(&mut *conn).await?;
    sqlx::query("UPDATE notice_events SET payload = NULL WHERE case_id = $1 AND payload IS NOT NULL")
        .bind(case_id)
        .execute(&mut *conn)
        .await?;
    sqlx::query(
        "UPDATE notices SET address = '', secret = NULL, \
         last_error = CASE WHEN status = 'pending' THEN 'the case was anonymised' ELSE last_error END, \
         status = CASE WHEN status = 'pending' THEN 'failed' ELSE status END \
         WHERE case_id = $1 AND user_id IS NULL AND channel IN ('email', 'sms')",
    )
    .bind(case_id)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

type EventRow = (
    i64,
    i64,
    Option<i64>,
    Option<String>,
    Option<i64>,
    Option<String>,
    i64,
    Option<String>,
    Option<String>,
    Option<i64>,
    Option<String>,
);

pub(super) async fn waiting_notice_events(store: &SqlStore<Db>, limit: i64) -> Result<Vec<NoticeEvent>, StoreError> {
    let mut conn = store.read.acquire().await?;
    let rows: Vec<EventRow> = sqlx::query_as(
        "SELECT e.id, e.case_id, e.seq, e.kind, e.appointment_id, e.payload, e.created_at, r.action, r.detail, \
         n.case_id, r.actor FROM notice_events e \
         LEFT JOIN record_entries r ON r.case_id = e.case_id AND r.seq = e.seq \
         LEFT JOIN case_notify n ON n.case_id = e.case_id \
         WHERE e.dispatched_at IS NULL ORDER BY e.id LIMIT $1",
    )
    .bind(limit)
    .fetch_all(&mut *conn)
    .await?;
    let mut out = Vec::with_capacity(rows.len());
    for (id, case_id, seq, kind, appointment_id, payload, created_at, action, detail, agreed, actor) in rows {
        let case = case_where_id(&mut conn, case_id).await?;
        let kind = match kind {
            Some(k) => Some(
                NoticeKind::parse(&k).ok_or_else(|| StoreError::Corrupt(format!("notice event {id}: kind \"{k}\"")))?,
            ),
            None => None,
        };
        let entry = match (action, detail) {
            (Some(a), Some(d)) => Some((
                a,
                serde_json::from_str(&d)
                    .map_err(|_| StoreError::Corrupt(format!("notice event {id}: entry detail")))?,
            )),
            _ => None,
        };
        out.push(NoticeEvent {
            id,
            case,
            seq,
            entry,
            actor,
            kind,
            appointment_id,
            payload,
            worker_agreed: agreed.is_some(),
            created_at: Timestamp::from_micros(created_at),
        });
    }
    Ok(out)
}

async fn dispatch_conn(
    conn: &mut Conn,
    event_id: i64,
    notices: &[NewNotice],
    now: Timestamp,
) -> Result<bool, StoreError> {
    let claimed: Option<i64> = sqlx::query_scalar(&format!(
        "SELECT id FROM notice_events WHERE id = $1 AND dispatched_at IS NULL{}",
        DIALECT.skip_locked
    ))
    .bind(event_id)
    .fetch_optional(&mut *conn)
    .await?;
    if claimed.is_none() {
        return Ok(false);
    }
    if !notices.is_empty() {
        let mut qb = QueryBuilder::<Db>::new(
            "INSERT INTO notices (event_id, case_id, kind, channel, user_id, union_id, address, mentions, subject, \
             body, secret, status, next_at, sent_at, created_at) ",
        );
        qb.push_values(notices, |mut row, n| {
            // The bell is the notice itself: written, it has arrived.
            let app = n.channel == NoticeChannel::App;
            let status = if app { NoticeStatus::Sent } else { NoticeStatus::Pending };
            row.push_bind(event_id)
                .push_bind(n.case_id)
                .push_bind(n.kind.as_str())
                .push_bind(n.channel.as_str())
                .push_bind(n.user_id)
                .push_bind(n.union_id)
                .push_bind(n.address.clone())
                .push_bind(n.mentions.join(","))
                .push_bind(n.subject.clone())
                .push_bind(n.body.clone())
                .push_bind(n.secret.clone())
                .push_bind(status.as_str())
                .push_bind(n.next_at.micros())
                .push_bind(app.then_some(now.micros()))
                .push_bind(now.micros());
        });
        qb.build().execute(&mut *conn).await?;
    }
    sqlx::query("UPDATE notice_events SET dispatched_at = $2, payload = NULL WHERE id = $1")
        .bind(event_id)
        .bind(now.micros())
        .execute(&mut *conn)
        .await?;
    Ok(true)
}

pub(super) async fn dispatch_notice_event(
    store: &SqlStore<Db>,
    event_id: i64,
    notices: &[NewNotice],
    now: Timestamp,
) -> Result<bool, StoreError> {
    let notices = notices.to_vec();
    store
        .write_job(move |conn: &mut Conn| -> crate::group::BoxFuture<'_, Result<bool, StoreError>> {
            Box::pin(async move { dispatch_conn(conn, event_id, &notices, now).await })
        })
        .await
}

pub(super) async fn union_staff(store: &SqlStore<Db>, union_id: i64) -> Result<Vec<User>, StoreError> {
    let rows: Vec<crate::rows::UserRow> =
        sqlx::query_as(&format!("{} WHERE s.union_id = $1 AND s.active ORDER BY s.username", crate::rows::USER_SELECT))
            .bind(union_id)
            .fetch_all(&store.read)
            .await?;
    rows.into_iter().map(User::try_from).collect()
}

pub(super) async fn union_webhook(store: &SqlStore<Db>, union_id: i64) -> Result<Option<String>, StoreError> {
    let url: Option<Option<String>> = sqlx::query_scalar("SELECT wecom_webhook FROM union_notices WHERE union_id = $1")
        .bind(union_id)
        .fetch_optional(&store.read)
        .await?;
    Ok(url.flatten())
}

pub(super) async fn set_union_webhook(
    store: &SqlStore<Db>,
    union_id: i64,
    url: Option<&str>,
    now: Timestamp,
) -> Result<(), StoreError> {
    let url = url.map(str::to_owned);
    store
        .write_job(move |conn: &mut Conn| -> crate::group::BoxFuture<'_, Result<(), StoreError>> {
            Box::pin(async move {
                sqlx::query(
                    "INSERT INTO union_notices (union_id, wecom_webhook, changed_at) VALUES ($1, $2, $3) \
                     ON CONFLICT (union_id) DO UPDATE SET wecom_webhook = excluded.wecom_webhook, \
                     changed_at = excluded.changed_at",
                )
                .bind(union_id)
                .bind(url)
                .bind(now.micros())
                .execute(&mut *conn)
                .await?;
                Ok(())
            })
        })
        .await
}

#[derive(sqlx::FromRow)]
pub(super) struct NoticeRow {
    id: i64,
    event_id: i64,
    case_id: Option<i64>,
    case_number: Option<String>,
    union_path: Option<String>,
    kind: String,
    channel: String,
    user_id: Option<i64>,
    union_id: Option<i64>,
    address: String,
    mentions: String,
    subject: String,
    body: String,
    secret: Option<String>,
    status: String,
    attempts: i64,
    next_at: i64,
    last_error: Option<String>,
    sent_at: Option<i64>,
    read_at: Option<i64>,
    created_at: i64,
}

pub(super) const NOTICE_SELECT: &str =
    "SELECT n.id, n.event_id, n.case_id, c.number AS case_number, u.path AS union_path, \
     n.kind, n.channel, n.user_id, n.union_id, n.address, n.mentions, n.subject, n.body, n.secret, n.status, \
     n.attempts, \
     n.next_at, n.last_error, n.sent_at, n.read_at, n.created_at \
     FROM notices n LEFT JOIN cases c ON c.id = n.case_id LEFT JOIN unions u ON u.id = c.union_id";

impl NoticeRow {
    /// The notice, its address in full (`masked` false: only for the sender) or masked.
    fn into_notice(self, masked: bool) -> Result<Notice, StoreError> {
        let corrupt = |what: &str, v: &str| StoreError::Corrupt(format!("notice {}: {what} \"{v}\"", self.id));
        let kind = NoticeKind::parse(&self.kind).ok_or_else(|| corrupt("kind", &self.kind))?;
        let channel = NoticeChannel::parse(&self.channel).ok_or_else(|| corrupt("channel", &self.channel))?;
        let status = NoticeStatus::parse(&self.status).ok_or_else(|| corrupt("status", &self.status))?;
        let to_worker = self.user_id.is_none() && matches!(channel, NoticeChannel::Email | NoticeChannel::Sms);
        let address = match (masked, to_worker) {
            (false, _) => self.address,
            // Empty: anonymised, the worker's address gone.
            (true, _) if self.address.is_empty() => self.address,
            (true, true) => WORKER_RECIPIENT.to_owned(),
            (true, false) => mask(channel, &self.address),
        };
        let secret = if masked { None } else { self.secret };
        let mentions = if self.mentions.is_empty() {
            Vec::new()
        } else {
            self.mentions.split(',').map(|m| if masked { mask(NoticeChannel::Sms, m) } else { m.to_owned() }).collect()
        };
        Ok(Notice {
            id: self.id,
            event_id: self.event_id,
            case_id: self.case_id,
            case_number: self.case_number,
            union_path: self.union_path,
            kind,
            channel,
            user_id: self.user_id,
            union_id: self.union_id,
            address,
            mentions,
            subject: self.subject,
            body: self.body,
            secret,
            status,
            attempts: self.attempts,
            next_at: Timestamp::from_micros(self.next_at),
            last_error: self.last_error,
            sent_at: self.sent_at.map(Timestamp::from_micros),
            read_at: self.read_at.map(Timestamp::from_micros),
            created_at: Timestamp::from_micros(self.created_at),
        })
    }
}

pub(super) fn masked(rows: Vec<NoticeRow>) -> Result<Vec<Notice>, StoreError> {
    rows.into_iter().map(|r| r.into_notice(true)).collect()
}

async fn claim_conn(
    conn: &mut Conn,
    now: Timestamp,
    lease_until: Timestamp,
    limit: i64,
) -> Result<Vec<Notice>, StoreError> {
    let ids: Vec<i64> = sqlx::query_scalar(&format!(
        "SELECT id FROM notices WHERE status = 'pending' AND channel <> 'app' AND next_at <= $1 \
         AND (claimed_until IS NULL OR claimed_until <= $1) ORDER BY next_at, id LIMIT $2{}",
        DIALECT.skip_locked
    ))
    .bind(now.micros())
    .bind(limit)
    .fetch_all(&mut *conn)
    .await?;
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let mut qb = QueryBuilder::<Db>::new("UPDATE notices SET claimed_until = ");
    qb.push_bind(lease_until.micros()).push(" WHERE id IN (");
    let mut list = qb.separated(", ");
    for id in &ids {
        list.push_bind(*id);
    }
    qb.push(")");
    qb.build().execute(&mut *conn).await?;
    let mut qb = QueryBuilder::<Db>::new(format!("{NOTICE_SELECT} WHERE n.id IN ("));
    let mut list = qb.separated(", ");
    for id in &ids {
        list.push_bind(*id);
    }
    qb.push(") ORDER BY n.next_at, n.id");
    let rows: Vec<NoticeRow> = qb.build_query_as().fetch_all(&mut *conn).await?;
    rows.into_iter().map(|r| r.into_notice(false)).collect()
}

pub(super) async fn claim_due_notices(
    store: &SqlStore<Db>,
    now: Timestamp,
    lease_until: Timestamp,
    limit: i64,
) -> Result<Vec<Notice>, StoreError> {
    // A look on a reading connection first: most looks find nothing due, and need not
    // take the writer (SQLite's only one) for that.
    let due: Option<i64> = sqlx::query_scalar(
        "SELECT id FROM notices WHERE status = 'pending' AND channel <> 'app' AND next_at <= $1 \
         AND (claimed_until IS NULL OR claimed_until <= $1) LIMIT 1",
    )
    .bind(now.micros())
    .fetch_optional(&store.read)
    .await?;
    if due.is_none() {
        return Ok(Vec::new());
    }
    // Committed before any delivery, so that the lease is seen by every other sender.
    store
        .write_job(move |conn: &mut Conn| -> crate::group::BoxFuture<'_, Result<Vec<Notice>, StoreError>> {
            Box::pin(async move { claim_conn(conn, now, lease_until, limit).await })
        })
        .await
}

async fn finish_conn(
    conn: &mut Conn,
    notice_id: i64,
    attempt: &NoticeAttempt,
    now: Timestamp,
) -> Result<(), StoreError> {
    sqlx::query("INSERT INTO notice_attempts (notice_id, at, ok, error) VALUES ($1, $2, $3, $4)")
        .bind(notice_id)
        .bind(now.micros())
        .bind(attempt.ok)
        .bind(&attempt.error)
        .execute(&mut *conn)
        .await?;
    let sent_at = (attempt.status == NoticeStatus::Sent).then_some(now.micros());
    let case_id: Option<Option<i64>> = sqlx::query_scalar(
        "UPDATE notices SET attempts = attempts + 1, status = $2, next_at = $3, claimed_until = NULL, \
         last_error = $4, sent_at = COALESCE($5, sent_at), \
         secret = CASE WHEN $5 IS NULL THEN secret ELSE NULL END WHERE id = $1 RETURNING case_id",
    )
    .bind(notice_id)
    .bind(attempt.status.as_str())
    .bind(attempt.next_at.micros())
    .bind(&attempt.error)
    .bind(sent_at)
    .fetch_optional(&mut *conn)
    .await?;
    let Some(case_id) = case_id.flatten() else { return Ok(()) };
    if let Some(detail) = &attempt.book {
        let number: String =
            sqlx::query_scalar("SELECT number FROM cases WHERE id = $1").bind(case_id).fetch_one(&mut *conn).await?;
        // Internal, and no event: a notice's own record gives rise to no notice.
        append_entry(conn, case_id, &number, now, "system", "notice", true, detail).await?;
    }
    Ok(())
}

pub(super) async fn finish_notice_attempt(
    store: &SqlStore<Db>,
    notice_id: i64,
    attempt: &NoticeAttempt,
    now: Timestamp,
) -> Result<(), StoreError> {
    let attempt = attempt.clone();
    store
        .write_job(move |conn: &mut Conn| -> crate::group::BoxFuture<'_, Result<(), StoreError>> {
            Box::pin(async move { finish_conn(conn, notice_id, &attempt, now).await })
        })
        .await
}

/// A day and an hour, in microseconds.
const DAY_MICROS: i64 = 86_400_000_000;
const HOUR_MICROS: i64 = 3_600_000_000;

/// How many days after a missed deadline its notice may still be first written.
const OVERDUE_TOLD_DAYS: i64 = 7;

async fn timers_conn(conn: &mut Conn, today: chrono::NaiveDate, now: Timestamp) -> Result<u64, StoreError> {
    let open: Vec<String> = Status::ALL.iter().filter(|s| s.is_open()).map(|s| format!("'{}'", s.as_str())).collect();
    let open = open.join(", ");
    let tomorrow = today.succ_opt().unwrap_or(today).to_string();
    let mut written = 0;
    // Both seek `cases_open_due` (migration 0021), whose predicate is this `open` list.
    let due_tomorrow = sqlx::query(&format!(
        "INSERT INTO notice_events (case_id, kind, dedupe, created_at) \
         SELECT c.id, 'due_tomorrow', 'due_tomorrow:' || c.id || ':' || c.due_on, $2 FROM cases c \
         WHERE c.status IN ({open}) AND c.handler_id IS NOT NULL AND c.due_on = $1 \
         ON CONFLICT (dedupe) DO NOTHING"
    ))
    .bind(&tomorrow)
    .bind(now.micros())
    .execute(&mut *conn)
    .await?;
    written += due_tomorrow.rows_affected();
    let overdue = sqlx::query(&format!(
        "INSERT INTO notice_events (case_id, kind, dedupe, created_at) \
         SELECT c.id, 'overdue', 'overdue:' || c.id || ':' || c.due_on, $2 FROM cases c \
         WHERE c.status IN ({open}) AND c.due_on < $1 AND c.due_on >= $3 ON CONFLICT (dedupe) DO NOTHING"
    ))
    .bind(today.to_string())
    .bind(now.micros())
    // A deadline missed more than a week ago was told then (or before notices existed:
    // supervision has it), so a first start does not flood the groups with old cases.
    .bind((today - chrono::Duration::days(OVERDUE_TOLD_DAYS)).to_string())
    .execute(&mut *conn)
    .await?;
    written += overdue.rows_affected();
    // A reminder is due from its moment until the next one (the day's until an hour before,
    // the hour's until the start), once per appointment and start (a moved one reminds
    // again), and only if it was booked or moved before its moment.
    for (kind, before, after) in
        [(NoticeKind::ReminderDay, DAY_MICROS, HOUR_MICROS), (NoticeKind::ReminderHour, HOUR_MICROS, 0)]
    {
        let k = kind.as_str();
        let done = sqlx::query(&format!(
            "INSERT INTO notice_events (case_id, kind, appointment_id, dedupe, created_at) \
             SELECT a.case_id, '{k}', a.id, '{k}:' || a.id || ':' || a.starts_at, $1 FROM appointments a \
             WHERE a.status = 'booked' AND a.starts_at > $4 AND a.starts_at <= $2 AND a.changed_at < a.starts_at - $3 \
             ON CONFLICT (dedupe) DO NOTHING"
        ))
        .bind(now.micros())
        .bind(now.micros() + before)
        .bind(before)
        .bind(now.micros() + after)
        .execute(&mut *conn)
        .await?;
        written += done.rows_affected();
    }
    Ok(written)
}

pub(super) async fn sweep_notice_timers(
    store: &SqlStore<Db>,
    today: chrono::NaiveDate,
    now: Timestamp,
) -> Result<u64, StoreError> {
    store
        .write_job(move |conn: &mut Conn| -> crate::group::BoxFuture<'_, Result<u64, StoreError>> {
            Box::pin(async move { timers_conn(conn, today, now).await })
        })
        .await
}

pub(super) async fn user_notices(
    store: &SqlStore<Db>,
    user_id: i64,
    limit: i64,
    offset: i64,
) -> Result<NoticePage, StoreError> {
    let (total, unread): (i64, i64) = sqlx::query_as(
        "SELECT COUNT(*), COALESCE(SUM(CASE WHEN read_at IS NULL THEN 1 ELSE 0 END), 0) FROM notices \
         WHERE user_id = $1 AND channel = 'app'",
    )
    .bind(user_id)
    .fetch_one(&store.read)
    .await?;
    let rows: Vec<NoticeRow> = sqlx::query_as(&format!(
        "{NOTICE_SELECT} WHERE n.user_id = $1 AND n.channel = 'app' ORDER BY n.id DESC LIMIT $2 OFFSET $3"
    ))
    .bind(user_id)
    .bind(limit)
    .bind(offset)
    .fetch_all(&store.read)
    .await?;
    Ok(NoticePage { total, unread, notices: masked(rows)? })
}

pub(super) async fn mark_notices_read(
    store: &SqlStore<Db>,
    user_id: i64,
    notice_id: Option<i64>,
    now: Timestamp,
) -> Result<u64, StoreError> {
    store
        .write_job(move |conn: &mut Conn| -> crate::group::BoxFuture<'_, Result<u64, StoreError>> {
            Box::pin(async move {
                let done = match notice_id {
                    Some(id) => sqlx::query(
                        "UPDATE notices SET read_at = $3 WHERE user_id = $1 AND id = $2 AND channel = 'app' \
                         AND read_at IS NULL",
                    )
                    .bind(user_id)
                    .bind(id)
                    .bind(now.micros()),
                    None => sqlx::query(
                        "UPDATE notices SET read_at = $2 WHERE user_id = $1 AND channel = 'app' AND read_at IS NULL",
                    )
                    .bind(user_id)
                    .bind(now.micros()),
                };
                Ok(done.execute(&mut *conn).await?.rows_affected())
            })
        })
        .await
}

pub(super) async fn failed_notices(
    store: &SqlStore<Db>,
    path: &str,
    limit: i64,
    offset: i64,
) -> Result<(i64, Vec<Notice>), StoreError> {
    let within = format!("{}%", crate::like_escape(path));
    let total: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM notices n JOIN cases c ON c.id = n.case_id JOIN unions u ON u.id = c.union_id \
         WHERE n.status = 'failed' AND u.path LIKE $1 ESCAPE '\\'",
    )
    .bind(&within)
    .fetch_one(&store.read)
    .await?;
    let rows: Vec<NoticeRow> = sqlx::query_as(&format!(
        "{NOTICE_SELECT} WHERE n.status = 'failed' AND u.path LIKE $1 ESCAPE '\\' ORDER BY n.id DESC LIMIT $2 OFFSET $3"
    ))
    .bind(&within)
    .bind(limit)
    .bind(offset)
    .fetch_all(&store.read)
    .await?;
    Ok((total, masked(rows)?))
}

pub(super) async fn notice(store: &SqlStore<Db>, id: i64) -> Result<Option<Notice>, StoreError> {
    let row: Option<NoticeRow> =
        sqlx::query_as(&format!("{NOTICE_SELECT} WHERE n.id = $1")).bind(id).fetch_optional(&store.read).await?;
    row.map(|r| r.into_notice(true)).transpose()
}

pub(super) async fn retry_notice(store: &SqlStore<Db>, id: i64, now: Timestamp) -> Result<bool, StoreError> {
    store
        .write_job(move |conn: &mut Conn| -> crate::group::BoxFuture<'_, Result<bool, StoreError>> {
            Box::pin(async move {
                let done = sqlx::query(
                    "UPDATE notices SET status = 'pending', next_at = $2, claimed_until = NULL \
                     WHERE id = $1 AND status = 'failed' AND channel <> 'app' \
                     AND NOT (user_id IS NULL AND channel IN ('email', 'sms') AND address = '')",
                )
                .bind(id)
                .bind(now.micros())
                .execute(&mut *conn)
                .await?;
                Ok(done.rows_affected() == 1)
            })
        })
        .await
}

pub(super) async fn case_notices(store: &SqlStore<Db>, case_id: i64) -> Result<Vec<Notice>, StoreError> {
    let rows: Vec<NoticeRow> = sqlx::query_as(&format!("{NOTICE_SELECT} WHERE n.case_id = $1 ORDER BY n.id"))
        .bind(case_id)
        .fetch_all(&store.read)
        .await?;
    masked(rows)
}

pub(super) async fn notice_attempts(
    store: &SqlStore<Db>,
    notice_id: i64,
) -> Result<Vec<NoticeAttemptRecord>, StoreError> {
    let rows: Vec<(i64, bool, Option<String>)> =
        sqlx::query_as("SELECT at, ok, error FROM notice_attempts WHERE notice_id = $1 ORDER BY at")
            .bind(notice_id)
            .fetch_all(&store.read)
            .await?;
    Ok(rows
        .into_iter()
        .map(|(at, ok, error)| NoticeAttemptRecord { at: Timestamp::from_micros(at), ok, error })
        .collect())
}
