//! The line-by-line way of an import: one function per kind of line. A line whose union,
//! account or case is not there yet answers `LineResult::Waiting`, to be tried again later.

use super::super::accounts::{insert_user, notices_off_column, user_where};
use super::super::case_read::case_where_number;
use super::super::case_write::{insert_cases, NewCaseRow, CASE_UPDATE_SQL};
use super::super::notices::{put_union_webhook_conn, set_case_notify};
use super::super::record_book::append_entry;
use super::super::roster::{import_roster_conn, set_specialties_conn, specialties_conn};
use super::super::search::{reindex_changed, union_path_ids, CaseText};
use super::super::studio::{
    cast_vote_conn, post_bulletin_conn, set_calendar_day_conn, set_setting_conn, set_studio_item_conn,
};
use super::super::unions::put_union_conn;
use super::super::Conn;
use super::{failed_on, import_record_len, mark_touched, union_id_of, user_id_of, waiting, ImportState, LineResult};
use crate::rows::{CaseColumns, EntryRow, ENTRY_SELECT};
use crate::{ImportError, StoreError};
use std::collections::HashSet;
use youyue_domain::appraisal::UnionVote;
use youyue_domain::calendar::CalendarDay;
use youyue_domain::chain::import_start_detail;
use youyue_domain::command::diff;
use youyue_domain::exchange::{CaseRecord, Line, ReadRecord, RecordEntry, SettingRecord, UnionRecord, UserRecord};
use youyue_domain::studio::{BulletinRecord, StudioItemRecord};
use youyue_domain::Timestamp;

/// Imports one line the line-by-line way, by its kind.
pub(super) async fn import_line(
    conn: &mut Conn,
    st: &mut ImportState,
    line: usize,
    parsed: &Line,
    now: Timestamp,
) -> Result<LineResult, ImportError> {
    match parsed {
        Line::Union(rec) => union_line(conn, st, line, rec, now).await,
        Line::User(rec) => user_line(conn, st, line, rec, now).await,
        Line::Case(rec) => case_line(conn, st, line, rec, now).await,
        Line::StudioItem(r) => studio_item_line(conn, st, line, r).await,
        Line::Bulletin(b) => bulletin_line(conn, st, line, b).await,
        Line::UnionVote(v) => vote_line(conn, st, line, v).await,
        Line::Setting(r) => setting_line(conn, line, r).await,
        Line::CalendarDay(d) => calendar_line(conn, st, line, d).await,
        Line::Record(entry) => record_line(conn, st, line, entry).await,
        Line::Read(r) => read_line(conn, st, line, r).await,
        Line::Appointment(a) => appointment_line(conn, st, line, a).await,
        Line::Roster(r) => roster_line(conn, st, line, r, now).await,
        Line::Agreement(r) => agreement_line(conn, st, line, r).await,
        Line::Assist(r) => assist_line(conn, st, line, r).await,
    }
}

/// 协办 (issue 22): an assistance, added unless held already; waits for its case, its
/// union and its specialist.
async fn assist_line(
    conn: &mut Conn,
    st: &mut ImportState,
    line: usize,
    r: &youyue_domain::assist::AssistRecord,
) -> Result<LineResult, ImportError> {
    let number = r.case.to_string();
    let Some(case) = case_where_number(conn, &number).await.map_err(failed_on(line))? else {
        return Ok(waiting("case", format_args!("case {number}")));
    };
    let Some(union_id) = union_id_of(conn, st, &r.union).await.map_err(failed_on(line))? else {
        return Ok(waiting("union", format_args!("union {}", r.union)));
    };
    let user_id = match &r.user {
        Some(name) => match user_id_of(conn, st, name).await.map_err(failed_on(line))? {
            Some(id) => Some(id),
            None => return Ok(waiting("user", format_args!("account \"{name}\""))),
        },
        None => None,
    };
    if super::super::assists::insert_imported(conn, case.id, union_id, user_id, r).await.map_err(failed_on(line))? {
        st.sum.assists_added += 1;
    } else {
        st.sum.unchanged += 1;
    }
    Ok(LineResult::Done)
}

/// An appointment: added unless the same booking is there already (an export imported
/// again), under its own id when that is free; waits for its case and its specialist. One
/// whose time another active booking of the specialist holds fails the import.
async fn appointment_line(
    conn: &mut Conn,
    st: &mut ImportState,
    line: usize,
    a: &youyue_domain::appointment::AppointmentRecord,
) -> Result<LineResult, ImportError> {
    let number = a.case.to_string();
    let Some(case) = case_where_number(conn, &number).await.map_err(failed_on(line))? else {
        return Ok(waiting("case", format_args!("case {number}")));
    };
    let Some(specialist_id) = user_id_of(conn, st, &a.specialist).await.map_err(failed_on(line))? else {
        return Ok(waiting("specialist", format_args!("account \"{}\"", a.specialist)));
    };
    let there: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM appointments WHERE case_id = $1 AND specialist_id = $2 AND starts_at = $3 AND booked_at = $4",
    )
    .bind(case.id)
    .bind(specialist_id)
    .bind(a.starts_at.micros())
    .bind(a.booked_at.micros())
    .fetch_one(&mut *conn)
    .await
    .map_err(failed_on(line))?;
    if there > 0 {
        st.sum.unchanged += 1;
        return Ok(LineResult::Done);
    }
    let taken = |e: StoreError| match e {
        StoreError::SlotTaken => ImportError::at(
            line,
            format!("specialist: {} is booked already at {}", a.specialist, a.starts_at.to_rfc3339_cst()),
        ),
        other => ImportError::failed(line, other),
    };
    super::super::appointments::insert_imported(conn, case.id, specialist_id, a).await.map_err(taken)?;
    st.sum.appointments_added += 1;
    Ok(LineResult::Done)
}

/// A version of a union's roster: appended to its roster log unless held already; waits
/// for its union and every account it names.
async fn roster_line(
    conn: &mut Conn,
    st: &mut ImportState,
    line: usize,
    r: &youyue_domain::exchange::RosterRecord,
    now: Timestamp,
) -> Result<LineResult, ImportError> {
    let Some(union_id) = union_id_of(conn, st, &r.union).await.map_err(failed_on(line))? else {
        return Ok(waiting("union", format_args!("union \"{}\"", r.union)));
    };
    let roster = r.roster();
    for user in roster.users() {
        if user_id_of(conn, st, user).await.map_err(failed_on(line))?.is_none() {
            return Ok(waiting("user", format_args!("account \"{user}\"")));
        }
    }
    let at = r.changed_at.unwrap_or(now);
    if import_roster_conn(conn, union_id, &roster, &r.changed_by, at).await.map_err(failed_on(line))? {
        st.sum.rosters_added += 1;
    } else {
        st.sum.unchanged += 1;
    }
    Ok(LineResult::Done)
}

/// A dispute's mediation agreement: stored as given (replacing the case's own, if it
/// differs), without a record-book entry (its entries come as record lines); waits for its
/// case. A case of another kind is refused, naming the line.
async fn agreement_line(
    conn: &mut Conn,
    st: &mut ImportState,
    line: usize,
    r: &youyue_domain::agreement::AgreementRecord,
) -> Result<LineResult, ImportError> {
    let number = r.case.to_string();
    let Some(case) = case_where_number(conn, &number).await.map_err(failed_on(line))? else {
        return Ok(waiting("case", format_args!("case {number}")));
    };
    if case.record.kind != youyue_domain::Kind::Dispute {
        return Err(ImportError::at(
            line,
            format!("case: {number} is a {}, and only a dispute has an agreement", case.record.kind),
        ));
    }
    let stored = super::super::agreements::stored_conn(conn, case.id).await.map_err(failed_on(line))?;
    if stored.as_ref().is_some_and(|s| s.agreement == r.agreement && s.signed_at == r.signed_at) {
        st.sum.unchanged += 1;
        return Ok(LineResult::Done);
    }
    super::super::agreements::replace_conn(conn, case.id, &r.agreement, r.signed_at, Timestamp::now())
        .await
        .map_err(failed_on(line))?;
    st.sum.agreements_stored += 1;
    Ok(LineResult::Done)
}

/// A line of a case's read log: added unless the same reading is there already (an export
/// imported again); waits for its case and its reader's account.
async fn read_line(
    conn: &mut Conn,
    st: &mut ImportState,
    line: usize,
    r: &ReadRecord,
) -> Result<LineResult, ImportError> {
    let number = r.case.to_string();
    let Some(case) = case_where_number(conn, &number).await.map_err(failed_on(line))? else {
        return Ok(waiting("case", format_args!("case {number}")));
    };
    let Some(user_id) = user_id_of(conn, st, &r.user).await.map_err(failed_on(line))? else {
        return Ok(waiting("user", format_args!("account \"{}\"", r.user)));
    };
    let added = sqlx::query(
        "INSERT INTO read_log (case_id, user_id, what, at) SELECT $1, $2, $3, $4 WHERE NOT EXISTS \
         (SELECT 1 FROM read_log WHERE case_id = $1 AND user_id = $2 AND what = $3 AND at = $4)",
    )
    .bind(case.id)
    .bind(user_id)
    .bind(&r.what)
    .bind(r.at.micros())
    .execute(&mut *conn)
    .await
    .map_err(failed_on(line))?
    .rows_affected();
    if added == 0 {
        st.sum.unchanged += 1;
    } else {
        st.sum.reads_added += added;
    }
    Ok(LineResult::Done)
}

/// A union: created or updated; waits for its parent.
async fn union_line(
    conn: &mut Conn,
    st: &mut ImportState,
    line: usize,
    rec: &UnionRecord,
    now: Timestamp,
) -> Result<LineResult, ImportError> {
    if let Some(parent) = &rec.parent {
        if union_id_of(conn, st, parent).await.map_err(failed_on(line))?.is_none() {
            return Ok(waiting("parent", format_args!("union \"{parent}\"")));
        }
    }
    let (u, created, moved) = put_union_conn(conn, rec, now).await.map_err(failed_on(line))?;
    st.rebuild_tallies |= moved;
    // The robot as the line states it (none if it names none), in its own table.
    let robot = put_union_webhook_conn(conn, u.id, rec.wecom_webhook.as_deref(), now).await.map_err(failed_on(line))?;
    match created {
        Some(true) => st.sum.unions_created += 1,
        Some(false) => st.sum.unions_updated += 1,
        None if robot => st.sum.unions_updated += 1,
        None => st.sum.unchanged += 1,
    }
    st.unions.insert(u.record.code.clone(), u.id);
    Ok(LineResult::Done)
}

/// An account: created or updated; waits for its union.
async fn user_line(
    conn: &mut Conn,
    st: &mut ImportState,
    line: usize,
    rec: &UserRecord,
    now: Timestamp,
) -> Result<LineResult, ImportError> {
    let Some(union_id) = union_id_of(conn, st, &rec.union).await.map_err(failed_on(line))? else {
        return Ok(waiting("union", format_args!("union \"{}\"", rec.union)));
    };
    let existing = user_where(conn, "s.username = $1", &rec.username).await.map_err(failed_on(line))?;
    let id = match existing {
        Some(u) => {
            let specialties = specialties_conn(conn, u.id).await.map_err(failed_on(line))?;
            let same = u.name == rec.name
                && u.union_id == union_id
                && u.role == rec.role
                && u.password_hash == rec.password_hash
                && u.active == rec.active
                && specialties == rec.specialties
                && u.email == rec.email
                && u.phone == rec.phone
                && u.notices_off == rec.notices_off;
            if specialties != rec.specialties {
                set_specialties_conn(conn, u.id, &rec.specialties).await.map_err(failed_on(line))?;
            }
            if same {
                st.sum.unchanged += 1;
            } else {
                sqlx::query(
                    "UPDATE users SET name = $2, union_id = $3, role = $4, password_hash = $5, active = $6, \
                     email = $7, phone = $8, notices_off = $9 WHERE id = $1",
                )
                .bind(u.id)
                .bind(&rec.name)
                .bind(union_id)
                .bind(rec.role.as_str())
                .bind(&rec.password_hash)
                .bind(rec.active)
                .bind(&rec.email)
                .bind(&rec.phone)
                .bind(notices_off_column(&rec.notices_off))
                .execute(&mut *conn)
                .await
                .map_err(failed_on(line))?;
                st.sum.users_updated += 1;
            }
            u.id
        }
        None => {
            st.sum.users_created += 1;
            insert_user(conn, rec, union_id, now).await.map_err(failed_on(line))?
        }
    };
    st.users.insert(rec.username.clone(), id);
    Ok(LineResult::Done)
}

/// A case the line-by-line way: compared with the stored one and updated, or inserted;
/// waits for its union, handler and worker account.
async fn case_line(
    conn: &mut Conn,
    st: &mut ImportState,
    line: usize,
    rec: &CaseRecord,
    now: Timestamp,
) -> Result<LineResult, ImportError> {
    let Some(union_id) = union_id_of(conn, st, &rec.union).await.map_err(failed_on(line))? else {
        return Ok(waiting("union", format_args!("union \"{}\"", rec.union)));
    };
    let handler_id = match &rec.handler {
        Some(h) => match user_id_of(conn, st, h).await.map_err(failed_on(line))? {
            Some(id) => Some(id),
            None => return Ok(waiting("handler", format_args!("user \"{h}\""))),
        },
        None => None,
    };
    let worker_id = match &rec.worker_account {
        Some(w) => match user_id_of(conn, st, w).await.map_err(failed_on(line))? {
            Some(id) => Some(id),
            None => return Ok(waiting("worker_account", format_args!("user \"{w}\""))),
        },
        None => None,
    };
    let number = rec.number.to_string();
    let stored = case_where_number(conn, &number).await.map_err(failed_on(line))?;
    if let Some(old) = &stored {
        let seen: Option<i64> = sqlx::query_scalar("SELECT case_id FROM import_touched WHERE case_id = $1")
            .bind(old.id)
            .fetch_optional(&mut *conn)
            .await
            .map_err(failed_on(line))?;
        if seen.is_some() {
            return Err(ImportError::at(line, format!("number: case {number} appears twice in this file")));
        }
    }
    st.count_irregular(line, rec);
    match stored {
        Some(old) if old.record == *rec => {
            st.sum.unchanged += 1;
            mark_touched(conn, old.id, &number, false, None).await.map_err(failed_on(line))?;
        }
        Some(old) => {
            let cols = CaseColumns::from(rec);
            let q = sqlx::query(&CASE_UPDATE_SQL);
            cols.bind(q)
                .bind(union_id)
                .bind(handler_id)
                .bind(worker_id)
                .bind(now.micros())
                .bind(old.id)
                .bind(old.version)
                .execute(&mut *conn)
                .await
                .map_err(failed_on(line))?;
            let mut paths = union_path_ids(conn, &HashSet::from([union_id])).await.map_err(failed_on(line))?;
            let unions = paths.remove(&union_id).ok_or_else(|| {
                ImportError::failed(line, StoreError::Corrupt(format!("union {union_id} has no path")))
            })?;
            let filed = CaseText::of(old.id, &old.union_path, old.handler_id, &old.record).map_err(failed_on(line))?;
            let refiled = CaseText::with_unions(old.id, unions, handler_id, rec);
            reindex_changed(conn, &filed, &refiled).await.map_err(failed_on(line))?;
            if old.record.notify != rec.notify {
                set_case_notify(conn, old.id, rec.notify, rec.opened_at).await.map_err(failed_on(line))?;
            }
            st.sum.cases_updated += 1;
            mark_touched(conn, old.id, &number, false, Some(diff(&old.record, rec).to_string()))
                .await
                .map_err(failed_on(line))?;
            st.retally(Some((old.union_id, old.record)), (union_id, rec.clone()));
        }
        None => {
            let row = NewCaseRow::new(rec, union_id, worker_id, handler_id, now, import_record_len(0));
            let inserted = insert_cases(conn, std::slice::from_ref(&row), false).await.map_err(failed_on(line))?;
            let id = *inserted
                .get(&number)
                .ok_or_else(|| ImportError::failed(line, StoreError::Corrupt(format!("case {number} not inserted"))))?;
            if rec.notify {
                set_case_notify(conn, id, true, rec.opened_at).await.map_err(failed_on(line))?;
            }
            st.count_number(&rec.number);
            st.sum.cases_created += 1;
            let start = import_start_detail(rec).to_string();
            mark_touched(conn, id, &number, true, Some(start)).await.map_err(failed_on(line))?;
            st.retally(None, (union_id, rec.clone()));
        }
    }
    Ok(LineResult::Done)
}

/// A studio item; waits for its union.
async fn studio_item_line(
    conn: &mut Conn,
    st: &mut ImportState,
    line: usize,
    r: &StudioItemRecord,
) -> Result<LineResult, ImportError> {
    if union_id_of(conn, st, &r.union).await.map_err(failed_on(line))?.is_none() {
        return Ok(waiting("union", format_args!("union \"{}\"", r.union)));
    }
    set_studio_item_conn(conn, r).await.map_err(failed_on(line))?;
    Ok(LineResult::Done)
}

/// A bulletin, unless already posted; waits for its union.
async fn bulletin_line(
    conn: &mut Conn,
    st: &mut ImportState,
    line: usize,
    b: &BulletinRecord,
) -> Result<LineResult, ImportError> {
    if union_id_of(conn, st, &b.union).await.map_err(failed_on(line))?.is_none() {
        return Ok(waiting("union", format_args!("union \"{}\"", b.union)));
    }
    if !post_bulletin_conn(conn, b).await.map_err(failed_on(line))? {
        st.sum.unchanged += 1;
    }
    Ok(LineResult::Done)
}

/// A vote, unless already cast; waits for its union.
async fn vote_line(
    conn: &mut Conn,
    st: &mut ImportState,
    line: usize,
    v: &UnionVote,
) -> Result<LineResult, ImportError> {
    if union_id_of(conn, st, &v.union).await.map_err(failed_on(line))?.is_none() {
        return Ok(waiting("union", format_args!("union \"{}\"", v.union)));
    }
    if !cast_vote_conn(conn, v).await.map_err(failed_on(line))? {
        st.sum.unchanged += 1;
    }
    Ok(LineResult::Done)
}

/// A district setting.
async fn setting_line(conn: &mut Conn, line: usize, r: &SettingRecord) -> Result<LineResult, ImportError> {
    set_setting_conn(conn, &r.key, &r.value).await.map_err(failed_on(line))?;
    Ok(LineResult::Done)
}

/// A working-day calendar entry: the tallies are rebuilt at the end.
async fn calendar_line(
    conn: &mut Conn,
    st: &mut ImportState,
    line: usize,
    d: &CalendarDay,
) -> Result<LineResult, ImportError> {
    set_calendar_day_conn(conn, d).await.map_err(failed_on(line))?;
    st.rebuild_tallies = true;
    Ok(LineResult::Done)
}

/// A record-book entry: the next one of its case, or one already stored the same; waits
/// for its case.
async fn record_line(
    conn: &mut Conn,
    st: &mut ImportState,
    line: usize,
    entry: &RecordEntry,
) -> Result<LineResult, ImportError> {
    let number = entry.case.to_string();
    let Some(case) = case_where_number(conn, &number).await.map_err(failed_on(line))? else {
        return Ok(waiting("case", format_args!("case {number}")));
    };
    // A case this import created without record lines counts the import entry it
    // is owed (written at the end); until then its record book is empty.
    let owed: bool = case.record_len == 1
        && sqlx::query_scalar::<_, bool>("SELECT created AND NOT with_records FROM import_touched WHERE case_id = $1")
            .bind(case.id)
            .fetch_optional(&mut *conn)
            .await
            .map_err(failed_on(line))?
            .unwrap_or(false);
    let record_len = if owed { 0 } else { case.record_len };
    let stored: Option<EntryRow> = sqlx::query_as(&format!("{ENTRY_SELECT} WHERE e.case_id = $1 AND e.seq = $2"))
        .bind(case.id)
        .bind(entry.seq)
        .fetch_optional(&mut *conn)
        .await
        .map_err(failed_on(line))?;
    match stored {
        Some(row) => {
            if row.into_entry().map_err(failed_on(line))? != *entry {
                return Err(ImportError::at(
                    line,
                    format!(
                    "record entry {} of case {number} differs from the stored one; a record book is never rewritten",
                    entry.seq
                ),
                ));
            }
            st.sum.unchanged += 1;
        }
        None if entry.seq == record_len + 1 => {
            st.deferred
                .build(conn)
                .await
                .map_err(|e| ImportError::failed_while(line, "building the indexes again", e))?;
            if record_len < case.record_len {
                // The import entry this case was owed gives way to its record lines.
                sqlx::query("UPDATE cases SET record_len = $2 WHERE id = $1")
                    .bind(case.id)
                    .bind(record_len)
                    .execute(&mut *conn)
                    .await
                    .map_err(failed_on(line))?;
            }
            append_entry(conn, case.id, &number, entry.at, &entry.actor, &entry.action, entry.internal, &entry.detail)
                .await
                .map_err(failed_on(line))?;
            st.sum.records_added += 1;
        }
        None => {
            return Err(ImportError::at(
                line,
                format!("seq: entry {} of case {number} leaves a gap; the next entry is {}", entry.seq, record_len + 1),
            ))
        }
    }
    sqlx::query("UPDATE import_touched SET with_records = TRUE WHERE case_id = $1")
        .bind(case.id)
        .execute(&mut *conn)
        .await
        .map_err(failed_on(line))?;
    Ok(LineResult::Done)
}
