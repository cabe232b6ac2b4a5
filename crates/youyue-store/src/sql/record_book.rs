//! The record book: chained entries appended, read, verified, and the chains' heads.

use super::{Conn, Db, DIALECT};
use crate::rows::{EntryRow, ENTRY_SELECT};
use crate::{SqlStore, StoreError};
use sqlx::QueryBuilder;
use youyue_domain::exchange::RecordEntry;
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

pub(super) async fn verify_chains(store: &SqlStore<Db>) -> Result<crate::ChainReport, StoreError> {
    use youyue_domain::chain::{entry_hash, EntryContent, GENESIS};
    type EntryRow = (i64, String, i64, i64, i64, String, String, bool, String, Option<String>);
    let mut report = crate::ChainReport::default();
    let mut tx = store.read.begin().await?;
    if let Some(sql) = DIALECT.snapshot {
        sqlx::query(sql).execute(&mut *tx).await?;
    }
    // Keyset pages in (case, entry) order; per case: the expected next entry number,
    // the hash it must follow, and whether the case already failed.
    let (mut after_case, mut after_seq) = (0i64, 0i64);
    let mut current: Option<(i64, String, i64, i64, String, bool)> = None;
    let finish = |c: &Option<(i64, String, i64, i64, String, bool)>, report: &mut crate::ChainReport| {
        if let Some((_, number, record_len, next, _, failed)) = c {
            report.cases += 1;
            if !failed && next - 1 != *record_len {
                report.problems.push(crate::ChainProblem {
                    case: number.clone(),
                    seq: next - 1,
                    what: format!("the case counts {record_len} entries but its record book ends at #{}", next - 1),
                });
            }
        }
    };
    loop {
        let rows: Vec<EntryRow> = sqlx::query_as(
            "SELECT e.case_id, c.number, c.record_len, e.seq, e.at, e.actor, e.action, e.internal, e.detail, e.hash \
             FROM record_entries e JOIN cases c ON c.id = e.case_id \
             WHERE e.case_id > $1 OR (e.case_id = $1 AND e.seq > $2) ORDER BY e.case_id, e.seq LIMIT 5000",
        )
        .bind(after_case)
        .bind(after_seq)
        .fetch_all(&mut *tx)
        .await?;
        let Some(last) = rows.last() else { break };
        (after_case, after_seq) = (last.0, last.3);
        for (case_id, number, record_len, seq, at, actor, action, internal, detail, hash) in rows {
            if current.as_ref().is_none_or(|c| c.0 != case_id) {
                finish(&current, &mut report);
                current = Some((case_id, number.clone(), record_len, 1, GENESIS.to_owned(), false));
            }
            let Some(c) = current.as_mut() else { continue };
            report.entries += 1;
            if c.5 {
                continue;
            }
            let mut fail = |what: String| {
                report.problems.push(crate::ChainProblem { case: number.clone(), seq, what });
            };
            if seq != c.3 {
                fail(format!("entry #{} is missing (the record book goes on at #{seq})", c.3));
                c.5 = true;
                continue;
            }
            c.3 += 1;
            let Some(stored) = hash else {
                // Written before the chain existed: the chain starts after it.
                report.unchained += 1;
                c.4 = GENESIS.to_owned();
                continue;
            };
            let content = EntryContent {
                case_number: &number,
                seq,
                at_micros: at,
                actor: &actor,
                action: &action,
                internal,
                detail: &detail,
            };
            let want = entry_hash(&c.4, &content);
            if want != stored {
                fail(format!(
                    "entry #{seq} does not match its hash: it, or the entry before it, was changed outside youyue"
                ));
                c.5 = true;
                continue;
            }
            c.4 = stored;
        }
    }
    finish(&current, &mut report);
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
