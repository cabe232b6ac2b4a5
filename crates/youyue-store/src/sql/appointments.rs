//! Appointments (migration 0016): booking, changing and reading them. A booking takes the
//! specialist's row of `appointment_locks` first, so that bookings of one person run one
//! after another on every database, then checks for an overlapping active booking; the
//! unique index on (specialist, start) stands behind both.

use super::record_book::append_entry;
use super::{is_unique_violation, Conn, Db, DIALECT};
use crate::{Actor, Appointment, Backend, SqlStore, StoreError, StoredCase};
use sqlx::QueryBuilder;
use youyue_domain::appointment::{
    booking_detail, change_detail, AppointmentRecord, AppointmentStatus, Busy, Change, CHANGE_ACTION,
};
use youyue_domain::Timestamp;

#[derive(sqlx::FromRow)]
struct AppointmentRow {
    id: i64,
    case_id: i64,
    case_number: String,
    specialist_id: i64,
    specialist: String,
    specialist_name: String,
    specialty: String,
    starts_at: i64,
    ends_at: i64,
    place: String,
    online: bool,
    link: Option<String>,
    note: String,
    status: String,
    booked_by: String,
    booked_at: i64,
    changed_at: i64,
    changed_by: String,
    reason: Option<String>,
}

const APPOINTMENT_SELECT: &str = "SELECT a.id, a.case_id, c.number AS case_number, a.specialist_id, \
     s.username AS specialist, s.name AS specialist_name, a.specialty, a.starts_at, a.ends_at, a.place, a.online, \
     a.link, a.note, a.status, a.booked_by, a.booked_at, a.changed_at, a.changed_by, a.reason \
     FROM appointments a JOIN cases c ON c.id = a.case_id JOIN users s ON s.id = a.specialist_id";

impl TryFrom<AppointmentRow> for Appointment {
    type Error = StoreError;
    fn try_from(r: AppointmentRow) -> Result<Appointment, StoreError> {
        let corrupt = |what: &str, v: &str| StoreError::Corrupt(format!("appointment {}: {what} \"{v}\"", r.id));
        let record = AppointmentRecord {
            id: r.id,
            case: r.case_number.parse().map_err(|_| corrupt("case", &r.case_number))?,
            specialist: r.specialist,
            specialty: r.specialty,
            starts_at: Timestamp::from_micros(r.starts_at),
            ends_at: Timestamp::from_micros(r.ends_at),
            place: r.place,
            online: r.online,
            link: r.link,
            note: r.note,
            status: AppointmentStatus::parse(&r.status).ok_or_else(|| corrupt("status", &r.status))?,
            booked_by: r.booked_by,
            booked_at: Timestamp::from_micros(r.booked_at),
            changed_at: Timestamp::from_micros(r.changed_at),
            changed_by: r.changed_by,
            reason: r.reason,
        };
        Ok(Appointment {
            case_id: r.case_id,
            specialist_id: r.specialist_id,
            specialist_name: r.specialist_name,
            record,
        })
    }
}

pub(super) async fn appointment_where_id(conn: &mut Conn, id: i64) -> Result<Option<Appointment>, StoreError> {
    let row: Option<AppointmentRow> =
        sqlx::query_as(&format!("{APPOINTMENT_SELECT} WHERE a.id = $1")).bind(id).fetch_optional(&mut *conn).await?;
    row.map(Appointment::try_from).transpose()
}

/// Takes the specialist's booking lock (a row lock on PostgreSQL until the transaction
/// ends; SQLite has one writer) and refuses a time that overlaps one of their active
/// bookings other than `except`.
async fn claim_time(
    conn: &mut Conn,
    specialist_id: i64,
    starts_at: Timestamp,
    ends_at: Timestamp,
    except: i64,
) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO appointment_locks (specialist_id, bookings) VALUES ($1, 1) ON CONFLICT (specialist_id) \
         DO UPDATE SET bookings = appointment_locks.bookings + 1",
    )
    .bind(specialist_id)
    .execute(&mut *conn)
    .await?;
    let overlapping: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM appointments WHERE specialist_id = $1 AND status <> 'cancelled' \
         AND starts_at < $3 AND ends_at > $2 AND id <> $4",
    )
    .bind(specialist_id)
    .bind(starts_at.micros())
    .bind(ends_at.micros())
    .bind(except)
    .fetch_one(&mut *conn)
    .await?;
    if overlapping > 0 {
        return Err(StoreError::SlotTaken);
    }
    Ok(())
}

fn slot_taken_on_unique(e: sqlx::Error) -> StoreError {
    if is_unique_violation(&e) {
        StoreError::SlotTaken
    } else {
        e.into()
    }
}

/// Inserts an appointment whose time is already claimed; returns its id.
pub(super) async fn insert_appointment(
    conn: &mut Conn,
    case_id: i64,
    specialist_id: i64,
    a: &AppointmentRecord,
) -> Result<i64, StoreError> {
    insert_row(conn, None, case_id, specialist_id, a).await
}

/// The one INSERT of an appointment, under `id` when given (an import), else a new one.
async fn insert_row(
    conn: &mut Conn,
    id: Option<i64>,
    case_id: i64,
    specialist_id: i64,
    a: &AppointmentRecord,
) -> Result<i64, StoreError> {
    // The id, when given, is the last parameter, so that the numbers run in order.
    let (id_column, id_value) = if id.is_some() { (", id", ", $16") } else { ("", "") };
    let sql = format!(
        "INSERT INTO appointments (case_id, specialist_id, specialty, starts_at, ends_at, place, online, link, note, \
         status, booked_by, booked_at, changed_at, changed_by, reason{id_column}) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15{id_value}) RETURNING id"
    );
    let mut q = sqlx::query_scalar(&sql)
        .bind(case_id)
        .bind(specialist_id)
        .bind(&a.specialty)
        .bind(a.starts_at.micros())
        .bind(a.ends_at.micros())
        .bind(&a.place)
        .bind(a.online)
        .bind(&a.link)
        .bind(&a.note)
        .bind(a.status.as_str())
        .bind(&a.booked_by)
        .bind(a.booked_at.micros())
        .bind(a.changed_at.micros())
        .bind(&a.changed_by)
        .bind(&a.reason);
    if let Some(id) = id {
        q = q.bind(id);
    }
    q.fetch_one(&mut *conn).await.map_err(slot_taken_on_unique)
}

/// Inserts an imported appointment under its own id if that is free (so that the record
/// book's entries still name it), else a new one. On PostgreSQL the id sequence is moved
/// past it. An active one overlapping another active booking is `SlotTaken`.
pub(super) async fn insert_imported(
    conn: &mut Conn,
    case_id: i64,
    specialist_id: i64,
    a: &AppointmentRecord,
) -> Result<i64, StoreError> {
    if a.status.is_active() {
        claim_time(conn, specialist_id, a.starts_at, a.ends_at, 0).await?;
    }
    let free: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM appointments WHERE id = $1").bind(a.id).fetch_one(&mut *conn).await?;
    if a.id <= 0 || free > 0 {
        return insert_appointment(conn, case_id, specialist_id, a).await;
    }
    insert_row(conn, Some(a.id), case_id, specialist_id, a).await?;
    if DIALECT.backend == Backend::Postgres {
        sqlx::query("SELECT setval(pg_get_serial_sequence('appointments', 'id'), (SELECT MAX(id) FROM appointments))")
            .execute(&mut *conn)
            .await?;
    }
    Ok(a.id)
}

/// Every appointment, in id order, for the export (after the cases they belong to).
pub(super) async fn all_for_export(conn: &mut Conn) -> Result<Vec<AppointmentRecord>, StoreError> {
    let rows: Vec<AppointmentRow> =
        sqlx::query_as(&format!("{APPOINTMENT_SELECT} ORDER BY a.id")).fetch_all(&mut *conn).await?;
    rows.into_iter().map(|r| Appointment::try_from(r).map(|a| a.record)).collect()
}

async fn book_conn(
    conn: &mut Conn,
    case: &StoredCase,
    specialist_id: i64,
    a: &AppointmentRecord,
    label: &str,
    now: Timestamp,
) -> Result<Appointment, StoreError> {
    if a.status.is_active() {
        claim_time(conn, specialist_id, a.starts_at, a.ends_at, 0).await?;
    }
    let id = insert_appointment(conn, case.id, specialist_id, a).await?;
    let stored =
        appointment_where_id(conn, id).await?.ok_or_else(|| StoreError::NotFound(format!("appointment {id}")))?;
    let detail = booking_detail(&stored.record, &stored.specialist_name);
    let number = case.record.number.to_string();
    let seq = append_entry(conn, case.id, &number, now, label, "schedule", false, &detail).await?;
    super::notices::entry_event(conn, case.id, seq, "schedule", &detail, &case.record, now).await?;
    Ok(stored)
}

pub(super) async fn book_appointment(
    store: &SqlStore<Db>,
    case: &StoredCase,
    specialist_id: i64,
    a: &AppointmentRecord,
    actor: Actor<'_>,
    now: Timestamp,
) -> Result<Appointment, StoreError> {
    let (case, a, label) = (case.clone(), a.clone(), actor.label.to_owned());
    store
        .write_job(move |conn: &mut Conn| -> crate::group::BoxFuture<'_, Result<Appointment, StoreError>> {
            Box::pin(async move { book_conn(conn, &case, specialist_id, &a, &label, now).await })
        })
        .await
}

async fn change_conn(
    conn: &mut Conn,
    case: &StoredCase,
    before: &Appointment,
    after: &AppointmentRecord,
    change: &Change,
    label: &str,
    now: Timestamp,
) -> Result<Appointment, StoreError> {
    let id = before.id();
    if after.status.is_active() && (after.starts_at, after.ends_at) != (before.record.starts_at, before.record.ends_at)
    {
        claim_time(conn, before.specialist_id, after.starts_at, after.ends_at, id).await?;
    }
    let b = &before.record;
    let done = sqlx::query(
        "UPDATE appointments SET starts_at = $1, ends_at = $2, status = $3, changed_at = $4, changed_by = $5, \
         reason = $6 WHERE id = $7 AND status = $8 AND starts_at = $9 AND changed_at = $10",
    )
    .bind(after.starts_at.micros())
    .bind(after.ends_at.micros())
    .bind(after.status.as_str())
    .bind(after.changed_at.micros())
    .bind(&after.changed_by)
    .bind(&after.reason)
    .bind(id)
    .bind(b.status.as_str())
    .bind(b.starts_at.micros())
    .bind(b.changed_at.micros())
    .execute(&mut *conn)
    .await
    .map_err(slot_taken_on_unique)?;
    if done.rows_affected() == 0 {
        return Err(StoreError::Conflict(format!(
            "appointment {id} was changed by someone else meanwhile; reload it and try again"
        )));
    }
    let detail = change_detail(b, after, change);
    let number = case.record.number.to_string();
    let seq = append_entry(conn, case.id, &number, now, label, CHANGE_ACTION, false, &detail).await?;
    super::notices::entry_event(conn, case.id, seq, CHANGE_ACTION, &detail, &case.record, now).await?;
    appointment_where_id(conn, id).await?.ok_or_else(|| StoreError::NotFound(format!("appointment {id}")))
}

/// What closing a case does to its appointments still to come: each is cancelled, with
/// its own entry after the closing one, in the closing's transaction (the specialist's time
/// is free again and the worker reads why).
pub(super) async fn cancel_on_close(
    conn: &mut Conn,
    case: &StoredCase,
    label: &str,
    now: Timestamp,
) -> Result<(), StoreError> {
    let rows: Vec<AppointmentRow> = sqlx::query_as(&format!(
        "{APPOINTMENT_SELECT} WHERE a.case_id = $1 AND a.status = 'booked' AND a.starts_at > $2 ORDER BY a.starts_at, a.id"
    ))
    .bind(case.id)
    .bind(now.micros())
    .fetch_all(&mut *conn)
    .await?;
    for row in rows {
        let before = Appointment::try_from(row)?;
        let change = Change::Cancel { reason: "约事已办结 (the case is closed)".to_owned() };
        let after = youyue_domain::appointment::apply(&before.record, &change, label, now)
            .map_err(|e| StoreError::Conflict(e.to_string()))?;
        change_conn(conn, case, &before, &after, &change, label, now).await?;
    }
    Ok(())
}

pub(super) async fn change_appointment(
    store: &SqlStore<Db>,
    case: &StoredCase,
    before: &Appointment,
    after: &AppointmentRecord,
    change: &Change,
    actor: Actor<'_>,
    now: Timestamp,
) -> Result<Appointment, StoreError> {
    let (case, before, after, change, label) =
        (case.clone(), before.clone(), after.clone(), change.clone(), actor.label.to_owned());
    store
        .write_job(move |conn: &mut Conn| -> crate::group::BoxFuture<'_, Result<Appointment, StoreError>> {
            Box::pin(async move { change_conn(conn, &case, &before, &after, &change, &label, now).await })
        })
        .await
}

pub(super) async fn appointment(store: &SqlStore<Db>, id: i64) -> Result<Option<Appointment>, StoreError> {
    let mut conn = store.read.acquire().await?;
    appointment_where_id(&mut conn, id).await
}

pub(super) async fn case_appointments(store: &SqlStore<Db>, case_id: i64) -> Result<Vec<Appointment>, StoreError> {
    let rows: Vec<AppointmentRow> =
        sqlx::query_as(&format!("{APPOINTMENT_SELECT} WHERE a.case_id = $1 ORDER BY a.starts_at, a.id"))
            .bind(case_id)
            .fetch_all(&store.read)
            .await?;
    rows.into_iter().map(Appointment::try_from).collect()
}

pub(super) async fn busy(
    store: &SqlStore<Db>,
    specialist_ids: &[i64],
    from: Timestamp,
    to: Timestamp,
) -> Result<Vec<Busy>, StoreError> {
    if specialist_ids.is_empty() {
        return Ok(Vec::new());
    }
    let mut qb = QueryBuilder::<Db>::new(
        "SELECT s.username, a.starts_at, a.ends_at FROM appointments a JOIN users s ON s.id = a.specialist_id \
         WHERE a.status <> 'cancelled' AND a.starts_at < ",
    );
    qb.push_bind(to.micros());
    qb.push(" AND a.ends_at > ");
    qb.push_bind(from.micros());
    qb.push(" AND a.specialist_id IN (");
    let mut ids = qb.separated(", ");
    for id in specialist_ids {
        ids.push_bind(*id);
    }
    qb.push(") ORDER BY a.starts_at");
    let rows: Vec<(String, i64, i64)> = qb.build_query_as().fetch_all(&store.read).await?;
    Ok(rows
        .into_iter()
        .map(|(user, s, e)| Busy { user, starts_at: Timestamp::from_micros(s), ends_at: Timestamp::from_micros(e) })
        .collect())
}

pub(super) async fn specialist_appointments(
    store: &SqlStore<Db>,
    specialist_id: i64,
    from: Timestamp,
    to: Timestamp,
) -> Result<Vec<Appointment>, StoreError> {
    let rows: Vec<AppointmentRow> = sqlx::query_as(&format!(
        "{APPOINTMENT_SELECT} WHERE a.specialist_id = $1 AND a.starts_at >= $2 AND a.starts_at < $3 \
         ORDER BY a.starts_at, a.id"
    ))
    .bind(specialist_id)
    .bind(from.micros())
    .bind(to.micros())
    .fetch_all(&store.read)
    .await?;
    rows.into_iter().map(Appointment::try_from).collect()
}

/// Fills the appointment figures of `stats` (the definitions: `youyue_domain::stats`,
/// `Stats::add_appointments`) for the subtree of `union` over `period`.
pub(super) async fn add_figures(
    conn: &mut Conn,
    union: &crate::Union,
    period: youyue_domain::Period,
    stats: &mut youyue_domain::stats::Stats,
) -> Result<(), StoreError> {
    let (from, to) = period.instants();
    let outcomes: Vec<(String, String, i64)> = sqlx::query_as(
        "SELECT a.specialty, a.status, COUNT(*) FROM appointments a JOIN cases c ON c.id = a.case_id \
         JOIN unions u ON u.id = c.union_id WHERE u.path LIKE $1 AND a.status IN ('held', 'no_show') \
         AND a.starts_at >= $2 AND a.starts_at < $3 GROUP BY a.specialty, a.status",
    )
    .bind(format!("{}%", union.path))
    .bind(from.micros())
    .bind(to.micros())
    .fetch_all(&mut *conn)
    .await?;
    for (specialty, status, n) in outcomes {
        let st = AppointmentStatus::parse(&status)
            .ok_or_else(|| StoreError::Corrupt(format!("appointment status {status}")))?;
        stats.add_outcome(&specialty, st, n.unsigned_abs());
    }
    let firsts: Vec<(i64, i64)> = sqlx::query_as(
        "SELECT c.opened_at, MIN(a.starts_at) FROM cases c JOIN appointments a ON a.case_id = c.id \
         JOIN unions u ON u.id = c.union_id WHERE u.path LIKE $1 AND c.opened_at >= $2 AND c.opened_at < $3 \
         AND a.status <> 'cancelled' GROUP BY c.id, c.opened_at",
    )
    .bind(format!("{}%", union.path))
    .bind(from.micros())
    .bind(to.micros())
    .fetch_all(&mut *conn)
    .await?;
    let mut days: Vec<i64> = firsts
        .into_iter()
        .map(|(o, s)| youyue_domain::stats::days_between(Timestamp::from_micros(o), Timestamp::from_micros(s)))
        .collect();
    stats.median_days_to_first_appointment = youyue_domain::stats::median_halves(&mut days);
    Ok(())
}
