//! The record book: chained entries appended, read, verified, and the chains' heads.

use super::{Conn, Db, DIALECT};
use crate::rows::{CaseRow, EntryRow, CASE_SELECT, ENTRY_SELECT};
use crate::{SqlStore, StoreError, StoredCase};
use sqlx::QueryBuilder;
use std::collections::HashMap;
use youyue_domain::chain::{self, EntryContent, Replay, GENESIS};
use youyue_domain::exchange::{CaseRecord, RecordEntry};
use youyue_domain::{CaseNumber, Timestamp};

/// Appends one entry to a case's record book, chained to the entry before it
/// (`youyue_domain::chain`), and returns its number.
#[allow(clippy::too_many_arguments)]
pub(super) async fn append_entry(
    conn: &mut Conn,
    case_id: i64,
    case_number: &str,
    at: Timestamp,
    actor: &str,
    action: &str,
    internal: bool,
    detail: &serde_json::Value,
) -> Result<i64, StoreError> {
    let seq: i64 =
        sqlx::query_scalar("UPDATE cases SET record_len = record_len + 1 WHERE id = $1 RETURNING record_len")
            .bind(case_id)
            .fetch_one(&mut *conn)
            .await?;
    // An entry written before the chain existed has no hash: the chain starts after it.
    let prev: Option<String> = if seq > 1 {
        sqlx::query_scalar("SELECT hash FROM record_entries WHERE case_id = $1 AND seq = $2")
            .bind(case_id)
            .bind(seq - 1)
            .fetch_optional(&mut *conn)
            .await?
            .flatten()
    } else {
        None
    };
    let prev = prev.as_deref().unwrap_or(youyue_domain::chain::GENESIS);
    let e = NewEntry::chained_parts(case_id, case_number, prev, seq, at, actor, action, internal, detail.to_string());
    insert_entries(conn, std::slice::from_ref(&e)).await?;
    Ok(seq)
}

pub(super) async fn record_book(store: &SqlStore<Db>, case_id: i64) -> Result<Vec<RecordEntry>, StoreError> {
    let rows: Vec<EntryRow> = sqlx::query_as(&format!("{ENTRY_SELECT} WHERE e.case_id = $1 ORDER BY e.seq"))
        .bind(case_id)
        .fetch_all(&store.read)
        .await?;
    rows.into_iter().map(EntryRow::into_entry).collect()
}

/// One case's record book as `verify_chains` walks it.
struct Walk {
    case_id: i64,
    number: String,
    record_len: i64,
    /// The entry number expected next.
    next: i64,
    /// The hash the next entry must follow.
    prev: String,
    /// Whether the book already failed its chain (then it is not replayed either).
    failed: bool,
    replay: Replay,
}

/// Entries read a statement; the cases they belong to are read with them.
const VERIFY_PAGE: i64 = 5000;

/// Walks every record book in (case, entry) order, a page at a time, so memory stays
/// bounded however many cases there are: each entry must follow the one before it in the
/// hash chain (only those written before the chain, `record_unchained`, may lack a hash),
/// and each case's stored fields must be what its book, replayed, says (`chain::Replay`).
pub(super) async fn verify_chains(store: &SqlStore<Db>) -> Result<crate::ChainReport, StoreError> {
    type EntryRow = (i64, String, i64, i64, i64, String, String, bool, String, Option<String>, Option<i64>);
    let mut report = crate::ChainReport::default();
    let mut tx = store.read.begin().await?;
    if let Some(sql) = DIALECT.snapshot {
        sqlx::query(sql).execute(&mut *tx).await?;
    }
    let (mut after_case, mut after_seq) = (0i64, 0i64);
    let mut current: Option<Walk> = None;
    // The stored cases of the page being walked, by id.
    let mut cases: HashMap<i64, Result<CaseRecord, String>> = HashMap::new();
    loop {
        let rows: Vec<EntryRow> = sqlx::query_as(
            "SELECT e.case_id, c.number, c.record_len, e.seq, e.at, e.actor, e.action, e.internal, e.detail, e.hash, \
             u.through_seq FROM record_entries e JOIN cases c ON c.id = e.case_id \
             LEFT JOIN record_unchained u ON u.case_id = e.case_id \
             WHERE e.case_id > $1 OR (e.case_id = $1 AND e.seq > $2) ORDER BY e.case_id, e.seq LIMIT $3",
        )
        .bind(after_case)
        .bind(after_seq)
        .bind(VERIFY_PAGE)
        .fetch_all(&mut *tx)
        .await?;
        let (Some(first), Some(last)) = (rows.first(), rows.last()) else { break };
        // The page's cases, and the one still being walked from the page before.
        let low = current.as_ref().map_or(first.0, |c| c.case_id);
        let stored: Vec<CaseRow> = sqlx::query_as(&format!("{CASE_SELECT} WHERE c.id >= $1 AND c.id <= $2"))
            .bind(low)
            .bind(last.0)
            .fetch_all(&mut *tx)
            .await?;
        cases.retain(|id, _| current.as_ref().is_some_and(|c| c.case_id == *id));
        for row in stored {
            let id = row.id;
            cases.insert(id, StoredCase::try_from(row).map(|c| c.record).map_err(|e| e.to_string()));
        }
        (after_case, after_seq) = (last.0, last.3);
        for (case_id, number, record_len, seq, at, actor, action, internal, detail, hash, through) in rows {
            if current.as_ref().is_none_or(|c| c.case_id != case_id) {
                if let Some(done) = current.take() {
                    finish(done, &cases, &mut report);
                }
                current = Some(Walk {
                    case_id,
                    number: number.clone(),
                    record_len,
                    next: 1,
                    prev: GENESIS.to_owned(),
                    failed: false,
                    replay: Replay::default(),
                });
            }
            let Some(c) = current.as_mut() else { continue };
            report.entries += 1;
            if c.failed {
                continue;
            }
            let mut fail = |c: &mut Walk, what: String| {
                report.problems.push(crate::ChainProblem { case: number.clone(), seq, what });
                c.failed = true;
            };
            if seq != c.next {
                fail(c, format!("entry #{} is missing (the record book goes on at #{seq})", c.next));
                continue;
            }
            c.next += 1;
            match hash {
                // Written before the chain existed (migration 0014 listed them): the chain
                // starts after it.
                None if through.is_some_and(|t| seq <= t) => {
                    report.unchained += 1;
                    c.prev = GENESIS.to_owned();
                }
                None => {
                    fail(c, format!("entry #{seq} has no hash, but it was written after the chain began: its hash was removed outside youyue"));
                    continue;
                }
                Some(stored) => {
                    let content = EntryContent {
                        case_number: &number,
                        seq,
                        at_micros: at,
                        actor: &actor,
                        action: &action,
                        internal,
                        detail: &detail,
                    };
                    if chain::entry_hash(&c.prev, &content) != stored {
                        fail(
                            c,
                            format!("entry #{seq} does not match its hash: it, or the entry before it, was changed outside youyue"),
                        );
                        continue;
                    }
                    c.prev = stored;
                }
            }
            match serde_json::from_str::<serde_json::Value>(&detail) {
                Ok(d) => c.replay.apply(at, &action, &d),
                Err(e) => fail(c, format!("entry #{seq}'s detail is not JSON: {e}")),
            }
        }
    }
    if let Some(done) = current.take() {
        finish(done, &cases, &mut report);
    }
    let empty: Vec<(String, i64)> = sqlx::query_as(
        "SELECT c.number, c.record_len FROM cases c WHERE c.record_len > 0 \
         AND NOT EXISTS (SELECT 1 FROM record_entries e WHERE e.case_id = c.id) ORDER BY c.number",
    )
    .fetch_all(&mut *tx)
    .await?;
    for (number, len) in empty {
        report.cases += 1;
        report.problems.push(crate::ChainProblem {
            case: number,
            seq: 1,
            what: format!("the case counts {len} entries but its record book is empty"),
        });
    }
    tx.commit().await?;
    Ok(report)
}

/// The end of a case's book: its length, then its stored fields against the replay.
fn finish(c: Walk, cases: &HashMap<i64, Result<CaseRecord, String>>, report: &mut crate::ChainReport) {
    report.cases += 1;
    if c.failed {
        return;
    }
    let last = c.next - 1;
    let mut problem =
        |what: String| report.problems.push(crate::ChainProblem { case: c.number.clone(), seq: last, what });
    if last != c.record_len {
        problem(format!("the case counts {} entries but its record book ends at #{last}", c.record_len));
        return;
    }
    if !c.replay.started {
        report.unstarted += 1;
    }
    match cases.get(&c.case_id) {
        Some(Ok(record)) => {
            for d in c.replay.differences(record) {
                problem(format!(
                    "the case's {} is {} but its record book says {}: the case was changed outside youyue",
                    d.field, d.stored, d.recorded
                ));
            }
        }
        Some(Err(e)) => problem(format!("the stored case cannot be read: {e}")),
        None => problem("the case is gone while its record book is read".to_owned()),
    }
}

pub(super) async fn chain_heads(store: &SqlStore<Db>) -> Result<Vec<crate::ChainHead>, StoreError> {
    let rows: Vec<(String, i64, Option<String>)> = sqlx::query_as(
        "SELECT c.number, e.seq, e.hash FROM cases c JOIN record_entries e ON e.case_id = c.id AND e.seq = c.record_len \
         ORDER BY c.number",
    )
    .fetch_all(&store.read)
    .await?;
    Ok(rows.into_iter().filter_map(|(case, seq, hash)| hash.map(|hash| crate::ChainHead { case, seq, hash })).collect())
}

pub(super) async fn entry_hash(
    store: &SqlStore<Db>,
    case: &CaseNumber,
    seq: i64,
) -> Result<Option<Option<String>>, StoreError> {
    Ok(sqlx::query_scalar(
        "SELECT e.hash FROM record_entries e JOIN cases c ON c.id = e.case_id WHERE c.number = $1 AND e.seq = $2",
    )
    .bind(case.to_string())
    .bind(seq)
    .fetch_optional(&store.read)
    .await?)
}

/// Record-book entries one insert writes (8 parameters each).
pub(super) const ENTRIES_PER_INSERT: usize = 2000;

/// A record-book entry ready to insert, its hash computed.
pub(super) struct NewEntry {
    pub(super) case_id: i64,
    pub(super) seq: i64,
    pub(super) at: i64,
    pub(super) actor: String,
    pub(super) action: String,
    pub(super) internal: bool,
    pub(super) detail: String,
    pub(super) hash: String,
}

impl NewEntry {
    pub(super) fn chained(case_id: i64, number: &str, prev: &str, seq: i64, e: &RecordEntry) -> NewEntry {
        NewEntry::chained_parts(case_id, number, prev, seq, e.at, &e.actor, &e.action, e.internal, e.detail.to_string())
    }

    #[allow(clippy::too_many_arguments)]
    pub(super) fn chained_parts(
        case_id: i64,
        number: &str,
        prev: &str,
        seq: i64,
        at: Timestamp,
        actor: &str,
        action: &str,
        internal: bool,
        detail: String,
    ) -> NewEntry {
        let content = youyue_domain::chain::EntryContent {
            case_number: number,
            seq,
            at_micros: at.micros(),
            actor,
            action,
            internal,
            detail: &detail,
        };
        let hash = youyue_domain::chain::entry_hash(prev, &content);
        NewEntry {
            case_id,
            seq,
            at: at.micros(),
            actor: actor.to_owned(),
            action: action.to_owned(),
            internal,
            detail,
            hash,
        }
    }
}

/// Inserts entries many rows a statement (the caller keeps `cases.record_len` in step).
pub(super) async fn insert_entries(conn: &mut Conn, entries: &[NewEntry]) -> Result<(), StoreError> {
    for chunk in entries.chunks(ENTRIES_PER_INSERT) {
        let mut qb = QueryBuilder::<Db>::new(
            "INSERT INTO record_entries (case_id, seq, at, actor, action, internal, detail, hash) ",
        );
        qb.push_values(chunk, |mut row, e| {
            row.push_bind(e.case_id)
                .push_bind(e.seq)
                .push_bind(e.at)
                .push_bind(&e.actor)
                .push_bind(&e.action)
                .push_bind(e.internal)
                .push_bind(&e.detail)
                .push_bind(&e.hash);
        });
        qb.build().execute(&mut *conn).await?;
    }
    Ok(())
}
