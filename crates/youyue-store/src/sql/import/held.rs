//! The fast way of an import: new cases and the record lines right after them, held and
//! written many rows a statement.

use super::super::case_write::{insert_cases, NewCaseRow};
use super::super::record_book::{insert_entries, NewEntry, ENTRIES_PER_INSERT};
use super::super::{Conn, Db};
use super::{failed_on, import_line, import_record_len, union_id_of, user_id_of, ImportState, LineResult};
use crate::{ImportError, StoreError};
use sqlx::QueryBuilder;
use std::collections::HashSet;
use youyue_domain::chain::import_start_detail;
use youyue_domain::exchange::{CaseRecord, Line, RecordEntry};
use youyue_domain::Timestamp;

/// A case line that looked new, and the record-book lines that followed it.
pub(super) struct HeldCase {
    line: usize,
    record: Box<CaseRecord>,
    union_id: i64,
    handler_id: Option<i64>,
    worker_id: Option<i64>,
    /// seq 1, 2, … in order: anything else goes the line-by-line way.
    entries: Vec<(usize, RecordEntry)>,
}

/// Cases held before they are written: a statement of this many rows stays well under
/// SQLite's 32,766 parameters (34 a case) and keeps a failed batch's replay short.
const HELD_CASES_MAX: usize = 200;
/// Record-book entries held, as many as one insert writes (`ENTRIES_PER_INSERT`); past it
/// the batch is written at the next case line.
const HELD_ENTRIES_MAX: usize = ENTRIES_PER_INSERT;

/// The fast path of an import: a case line whose union (and handler, worker account) are
/// known is held, with the record lines right after it (the order `export` and the
/// generator write), and written with others many rows a statement by `flush_held`. Any
/// other line is given back, to go the line-by-line way once the held cases are written.
pub(super) async fn hold(
    conn: &mut Conn,
    st: &mut ImportState,
    line: usize,
    parsed: Line,
    now: Timestamp,
) -> Result<Option<Line>, ImportError> {
    match parsed {
        Line::Case(rec) => {
            let number = rec.number.to_string();
            if st.held_numbers.contains(&number) {
                return Ok(Some(Line::Case(rec)));
            }
            let Some(union_id) = union_id_of(conn, st, &rec.union).await.map_err(failed_on(line))? else {
                return Ok(Some(Line::Case(rec)));
            };
            let handler_id = match &rec.handler {
                Some(h) => match user_id_of(conn, st, h).await.map_err(failed_on(line))? {
                    Some(id) => Some(id),
                    None => return Ok(Some(Line::Case(rec))),
                },
                None => None,
            };
            let worker_id = match &rec.worker_account {
                Some(w) => match user_id_of(conn, st, w).await.map_err(failed_on(line))? {
                    Some(id) => Some(id),
                    None => return Ok(Some(Line::Case(rec))),
                },
                None => None,
            };
            // A full batch is written when the next case comes, not when it fills: the
            // record lines of its last case follow it and go in with it.
            if st.held.len() >= HELD_CASES_MAX || st.held_entries >= HELD_ENTRIES_MAX {
                flush_held(conn, st, now).await?;
            }
            st.held_numbers.insert(number);
            st.held.push(HeldCase { line, record: rec, union_id, handler_id, worker_id, entries: Vec::new() });
            Ok(None)
        }
        Line::Record(entry) => {
            let follows = st.held.last().is_some_and(|c| {
                c.record.number == entry.case && usize::try_from(entry.seq).is_ok_and(|s| s == c.entries.len() + 1)
            });
            let Some(case) = st.held.last_mut().filter(|_| follows) else {
                return Ok(Some(Line::Record(entry)));
            };
            case.entries.push((line, entry));
            st.held_entries += 1;
            // Only a very long record book is cut (memory stays bounded); its rest goes the
            // line-by-line way.
            if st.held_entries >= HELD_ENTRIES_MAX * 4 {
                flush_held(conn, st, now).await?;
            }
            Ok(None)
        }
        other => Ok(Some(other)),
    }
}

/// Writes the held cases: one statement for the cases (`ON CONFLICT (number) DO NOTHING`,
/// so a case already in the database is not inserted), one per 2,000 entries, one for
/// `import_touched`, inside a savepoint. Cases the database already held, and the whole
/// batch if a statement fails, go the line-by-line way, which compares them with the stored
/// ones or names the line at fault.
pub(super) async fn flush_held(conn: &mut Conn, st: &mut ImportState, now: Timestamp) -> Result<(), ImportError> {
    let held = std::mem::take(&mut st.held);
    st.held_numbers.clear();
    st.held_entries = 0;
    let Some(first_line) = held.first().map(|c| c.line) else { return Ok(()) };
    let fail = |e: sqlx::Error| ImportError::failed_while(first_line, "database", e);
    let mut savepoint = sqlx::Acquire::begin(&mut *conn).await.map_err(fail)?;
    match insert_held(&mut savepoint, &held, now).await {
        Ok(inserted) => {
            savepoint.commit().await.map_err(fail)?;
            // In the file's order, so that the irregular cases' examples are too.
            for case in held {
                if inserted.contains(&case.record.number.to_string()) {
                    st.count_irregular(case.line, &case.record);
                    st.count_number(&case.record.number);
                    st.sum.cases_created += 1;
                    st.sum.records_added += case.entries.len() as u64;
                    st.retally(None, (case.union_id, *case.record));
                } else {
                    replay(conn, st, vec![case], now).await?;
                }
            }
            Ok(())
        }
        Err(_) => {
            // The line-by-line way finds the line and says what is wrong with it.
            savepoint.rollback().await.map_err(fail)?;
            replay(conn, st, held, now).await
        }
    }
}

async fn replay(
    conn: &mut Conn,
    st: &mut ImportState,
    cases: Vec<HeldCase>,
    now: Timestamp,
) -> Result<(), ImportError> {
    for case in cases {
        let line = case.line;
        if let LineResult::Waiting(why) = import_line(conn, st, line, &Line::Case(case.record), now).await? {
            return Err(ImportError::at(line, why));
        }
        for (line, entry) in case.entries {
            if let LineResult::Waiting(why) = import_line(conn, st, line, &Line::Record(entry), now).await? {
                return Err(ImportError::at(line, why));
            }
        }
    }
    Ok(())
}

/// The statements of `flush_held`; answers the numbers of the cases it inserted.
async fn insert_held(conn: &mut Conn, held: &[HeldCase], now: Timestamp) -> Result<HashSet<String>, StoreError> {
    let rows: Vec<NewCaseRow> = held
        .iter()
        .map(|c| {
            NewCaseRow::new(&c.record, c.union_id, c.worker_id, c.handler_id, now, import_record_len(c.entries.len()))
        })
        .collect();
    let ids = insert_cases(conn, &rows, true).await?;
    let mut entries = Vec::new();
    let mut touched = Vec::new();
    for (case, NewCaseRow { number, .. }) in held.iter().zip(&rows) {
        let Some(&id) = ids.get(number) else { continue };
        // A case without record lines is owed an `import` entry saying what it arrived as.
        let start = case.entries.is_empty().then(|| import_start_detail(&case.record).to_string());
        touched.push((id, number, !case.entries.is_empty(), start));
        let mut prev = youyue_domain::chain::GENESIS.to_owned();
        for (i, (_, e)) in case.entries.iter().enumerate() {
            let entry = NewEntry::chained(id, number, &prev, i as i64 + 1, e);
            prev.clone_from(&entry.hash);
            entries.push(entry);
        }
    }
    insert_entries(conn, &entries).await?;
    // The workers' consents, one statement for the batch; agreed "at" the case's opening.
    let agreed: Vec<(i64, i64)> = held
        .iter()
        .zip(&rows)
        .filter(|(c, _)| c.record.notify)
        .filter_map(|(c, r)| ids.get(&r.number).map(|id| (*id, c.record.opened_at.micros())))
        .collect();
    if !agreed.is_empty() {
        let mut qb = QueryBuilder::<Db>::new("INSERT INTO case_notify (case_id, agreed_at) ");
        qb.push_values(&agreed, |mut row, (id, at)| {
            row.push_bind(*id).push_bind(*at);
        });
        qb.build().execute(&mut *conn).await?;
    }
    if !touched.is_empty() {
        let mut qb =
            QueryBuilder::<Db>::new("INSERT INTO import_touched (case_id, created, with_records, diff, number) ");
        qb.push_values(&touched, |mut row, (id, number, with_records, start)| {
            row.push_bind(*id).push_bind(true).push_bind(*with_records).push_bind(start.as_deref()).push_bind(*number);
        });
        qb.build().execute(&mut *conn).await?;
    }
    Ok(ids.into_keys().collect())
}
