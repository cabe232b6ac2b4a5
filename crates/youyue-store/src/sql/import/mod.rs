//! Import of JSON Lines, all or nothing, in one transaction. Case lines whose union and
//! accounts are known go the fast way, held and written many rows a statement (`held`);
//! every other line goes the line-by-line way (`lines`). An import into an empty database
//! builds its indexes at the end (`deferred`).

mod deferred;
mod held;
mod lines;

use self::deferred::DeferredIndexes;
use self::held::{flush_held, hold, HeldCase};
use self::lines::import_line;
use super::accounts::user_where;
use super::case_write::bump_counter;
use super::record_book::{append_entry, insert_entries, NewEntry};
use super::tallies::{rebuild_tallies_conn, retally_case};
use super::unions::union_where;
use super::{Conn, Db};
use crate::{ImportError, ImportSource, ImportSummary, SqlStore, StoreError};
use std::collections::{HashMap, HashSet};
use youyue_domain::exchange::{CaseRecord, Line};
use youyue_domain::{CaseNumber, Timestamp, UnionCode};

/// What an import has learnt so far.
#[derive(Default)]
struct ImportState {
    sum: ImportSummary,
    unions: HashMap<UnionCode, i64>,
    users: HashMap<String, i64>,
    /// New-looking cases held back to be written many rows a statement (`flush_held`).
    held: Vec<HeldCase>,
    held_numbers: HashSet<String>,
    held_entries: usize,
    /// The highest sequence number per case prefix and year, written to `case_counters` at
    /// the end (one statement per year, not one per case).
    counters: HashMap<(String, i32), i64>,
    /// Cases whose tallies move: (before, after) as (union id, case). Past
    /// [`IMPORT_RETALLY_MAX`] cases, or when the calendar changes, a rebuild is cheaper.
    retally: Vec<(Option<UnionCase>, UnionCase)>,
    rebuild_tallies: bool,
    /// The indexes set aside until the last line, unless something had to update a case
    /// before then (`DeferredIndexes::build`).
    deferred: DeferredIndexes,
}

const IMPORT_RETALLY_MAX: usize = 5000;

/// A case and the id of its union.
type UnionCase = (i64, CaseRecord);

/// The cases an import touched live in a temporary table, not in memory, so that importing
/// ten million cases needs no more memory than importing ten. `created`: inserted by this
/// import; `with_records`: the file had record lines for it; `diff`: an update's changes;
/// `number`: kept so that the import's own entries need not read the cases back.
/// Both databases drop a temporary table with the transaction that created it if that
/// fails; `import_in` drops it when it succeeds.
const IMPORT_TOUCHED_SQL: &str = "CREATE TEMP TABLE IF NOT EXISTS import_touched \
     (case_id BIGINT PRIMARY KEY, created BOOLEAN NOT NULL, with_records BOOLEAN NOT NULL, diff TEXT, number TEXT NOT NULL)";

async fn mark_touched(
    conn: &mut Conn,
    case_id: i64,
    number: &str,
    created: bool,
    diff: Option<String>,
) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO import_touched (case_id, created, with_records, diff, number) VALUES ($1, $2, FALSE, $3, $4)",
    )
    .bind(case_id)
    .bind(created)
    .bind(diff)
    .bind(number)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

impl ImportState {
    fn count_number(&mut self, number: &CaseNumber) {
        let last = self.counters.entry((number.prefix().to_owned(), number.year())).or_insert(0);
        *last = (*last).max(number.seq());
    }

    fn count_irregular(&mut self, line: usize, rec: &CaseRecord) {
        if let Err(e) = rec.check_workflow() {
            self.sum.irregular += 1;
            if self.sum.irregular_examples.len() < 10 {
                self.sum.irregular_examples.push(format!("line {line}: case {}: {e}", rec.number));
            }
        }
    }

    fn retally(&mut self, old: Option<UnionCase>, new: UnionCase) {
        if self.rebuild_tallies {
            return;
        }
        if self.retally.len() >= IMPORT_RETALLY_MAX {
            self.retally = Vec::new();
            self.rebuild_tallies = true;
            return;
        }
        self.retally.push((old, new));
    }
}

/// How one line went: written, or waiting for something a later line defines.
enum LineResult {
    Done,
    Waiting(String),
}

async fn union_id_of(conn: &mut Conn, st: &mut ImportState, code: &UnionCode) -> Result<Option<i64>, StoreError> {
    if let Some(id) = st.unions.get(code) {
        return Ok(Some(*id));
    }
    let found = union_where(conn, "u.code = $1", code.as_str()).await?.map(|u| u.id);
    if let Some(id) = found {
        st.unions.insert(code.clone(), id);
    }
    Ok(found)
}

async fn user_id_of(conn: &mut Conn, st: &mut ImportState, username: &str) -> Result<Option<i64>, StoreError> {
    if let Some(id) = st.users.get(username) {
        return Ok(Some(*id));
    }
    let found = user_where(conn, "s.username = $1", username).await?.map(|u| u.id);
    if let Some(id) = found {
        st.users.insert(username.to_owned(), id);
    }
    Ok(found)
}

/// `cases.record_len` of a case an import creates with `entries` record lines. One without
/// any is owed an `import` entry, written after the last line (`append_import_entries`) once
/// it is known that no record lines came; it is counted at the insert, so that a bulk
/// import does not update every case afterwards (on PostgreSQL a new version of each row,
/// in every index). A record line that does come takes the count back (`import_line`).
fn import_record_len(entries: usize) -> i64 {
    i64::try_from(entries.max(1)).unwrap_or(i64::MAX)
}

/// After the lines: every case this import created without record lines gets an `import`
/// entry (as its first, already counted), every case it changed one with the changes; read
/// from `import_touched` a thousand at a time.
async fn append_import_entries(conn: &mut Conn, now: Timestamp) -> Result<(), StoreError> {
    let mut after = 0i64;
    loop {
        // The touched rows alone, with the numbers they were written with: reading their
        // cases back cost a page read per case, which in a large SQLite import meant
        // searching its write-ahead log for each.
        let touched: Vec<(i64, bool, Option<String>, String)> = sqlx::query_as(
            "SELECT case_id, created, diff, number FROM import_touched \
             WHERE case_id > $1 AND ((created AND NOT with_records) OR (NOT created AND diff IS NOT NULL)) \
             ORDER BY case_id LIMIT 1000",
        )
        .bind(after)
        .fetch_all(&mut *conn)
        .await?;
        let Some(last) = touched.last().map(|r| r.0) else { return Ok(()) };
        let mut firsts = Vec::new();
        for (id, created, diff, number) in touched {
            let detail: serde_json::Value = match diff {
                Some(d) => serde_json::from_str(&d).map_err(|e| StoreError::Corrupt(format!("import diff: {e}")))?,
                None => serde_json::json!({}),
            };
            if created {
                // Inserted counting this entry (`import_record_len`).
                firsts.push(NewEntry::chained_parts(
                    id,
                    &number,
                    youyue_domain::chain::GENESIS,
                    1,
                    now,
                    "import",
                    "import",
                    true,
                    detail.to_string(),
                ));
            } else {
                append_entry(conn, id, &number, now, "import", "import", true, &detail).await?;
            }
        }
        insert_entries(conn, &firsts).await?;
        after = last;
    }
}

/// How long an import on SQLite waits for another process's write transaction (the
/// connection's busy timeout, `sqlite.rs`).
const SQLITE_WAIT: &str = "10 s";

/// The import's transaction. On SQLite it takes the write lock at its start (`BEGIN
/// IMMEDIATE`): a transaction that reads first and writes later cannot wait for a server
/// that wrote meanwhile (SQLite answers "database is locked" at once, on line 1), while
/// taking the lock first waits up to the busy timeout for the server's transaction to end.
/// The server's own writes then wait for the import (as long), or fail with 503.
async fn begin_import(store: &SqlStore<Db>) -> Result<sqlx::Transaction<'static, Db>, ImportError> {
    let sqlite = <Db as sqlx::Database>::NAME == "SQLite";
    let begun = if sqlite { store.write.begin_with("BEGIN IMMEDIATE").await } else { store.write.begin().await };
    begun.map_err(|e| {
        let busy = matches!(&e, sqlx::Error::Database(d) if d.code().and_then(|c| c.parse::<i32>().ok()).is_some_and(|c| c & 0xff == 5));
        if sqlite && busy {
            let what = format!(
                "the database is busy: another process (a running `youyue serve`?) kept writing to it for {SQLITE_WAIT}; \
                 try again, or stop it for the import"
            );
            ImportError::failed_while(0, &what, e)
        } else {
            ImportError::failed_while(0, "database", e)
        }
    })
}

pub(super) async fn import(
    store: &SqlStore<Db>,
    lines: &mut ImportSource<'_>,
    now: Timestamp,
) -> Result<ImportSummary, ImportError> {
    let fail = |e: sqlx::Error| ImportError::failed_while(0, "database", e);
    let mut tx = begin_import(store).await?;
    let deferred = DeferredIndexes::drop_if_empty(&mut tx).await.map_err(fail)?;
    let sum = import_in(&mut tx, lines, now, deferred).await?;
    tx.commit().await.map_err(fail)?;
    Ok(sum)
}

/// Among the lines still waiting when none can go on: unions that wait for each other, each
/// the parent of the next. They are not "defined nowhere": they are a cycle, named from the
/// first of them in the file.
fn union_cycle(waiting: &[(usize, Line, String)]) -> Option<(usize, String)> {
    let parents: HashMap<&UnionCode, (usize, &UnionCode)> = waiting
        .iter()
        .filter_map(|(line, parsed, _)| match parsed {
            Line::Union(u) => u.parent.as_ref().map(|p| (&u.code, (*line, p))),
            _ => None,
        })
        .collect();
    let mut starts: Vec<(usize, &UnionCode)> = parents.iter().map(|(code, (line, _))| (*line, *code)).collect();
    starts.sort_by_key(|(line, _)| *line);
    for (_, start) in starts {
        // Walk up from `start`; each union is the key of one entry, so a walk longer than
        // the map has revisited one.
        let mut path: Vec<&UnionCode> = vec![start];
        let mut at = start;
        while let Some((_, parent)) = parents.get(at) {
            if let Some(i) = path.iter().position(|c| c == parent) {
                let cycle = &path[i..];
                let line = cycle.iter().filter_map(|c| parents.get(c).map(|(l, _)| *l)).min().unwrap_or(0);
                let names: Vec<String> =
                    cycle.iter().chain(std::iter::once(&cycle[0])).map(|c| format!("\"{c}\"")).collect();
                return Some((
                    line,
                    format!(
                        "parent: the unions {} form a cycle (each is the parent of the one before it): a union cannot be below itself",
                        names.join(" → ")
                    ),
                ));
            }
            path.push(parent);
            at = parent;
            if path.len() > parents.len() + 1 {
                break;
            }
        }
    }
    None
}

/// The answer of a line that names something (`what`) neither the file so far nor the
/// database holds.
fn waiting(field: &str, what: std::fmt::Arguments<'_>) -> LineResult {
    LineResult::Waiting(format!("{field}: {what} is defined nowhere in the file or the database"))
}

/// A line's failure in the store, for `map_err`: the store's message, its cause kept.
fn failed_on<E: Into<StoreError>>(line: usize) -> impl Fn(E) -> ImportError {
    move |e| ImportError::failed(line, e)
}

/// Streams the lines into the caller's transaction. A line that refers to something
/// not yet seen (a child before its parent, a case before its union) waits and is tried
/// again after the rest; files written by export never wait.
async fn import_in(
    conn: &mut Conn,
    lines: &mut ImportSource<'_>,
    now: Timestamp,
    deferred: DeferredIndexes,
) -> Result<ImportSummary, ImportError> {
    let mut st = ImportState { deferred, ..ImportState::default() };
    let mut waiting: Vec<(usize, Line, String)> = Vec::new();
    let mut last_line = 0;
    let fail = |line: usize| move |e: sqlx::Error| ImportError::failed_while(line, "database", e);
    sqlx::query(IMPORT_TOUCHED_SQL).execute(&mut *conn).await.map_err(fail(0))?;
    sqlx::query("DELETE FROM import_touched").execute(&mut *conn).await.map_err(fail(0))?;
    for (line, parsed) in lines {
        last_line = line;
        let parsed = match parsed {
            Ok(p) => p,
            Err(message) => {
                // An error in a held case, on an earlier line, is named first.
                flush_held(conn, &mut st, now).await?;
                return Err(ImportError::at(line, message));
            }
        };
        let Some(parsed) = hold(conn, &mut st, line, parsed, now).await? else { continue };
        // What the line-by-line way reads must be written first.
        flush_held(conn, &mut st, now).await?;
        if let LineResult::Waiting(why) = import_line(conn, &mut st, line, &parsed, now).await? {
            waiting.push((line, parsed, why));
        }
    }
    flush_held(conn, &mut st, now).await?;
    while !waiting.is_empty() {
        let before = waiting.len();
        let mut still = Vec::new();
        for (line, parsed, _) in waiting {
            if let LineResult::Waiting(why) = import_line(conn, &mut st, line, &parsed, now).await? {
                still.push((line, parsed, why));
            }
        }
        if still.len() == before {
            if let Some((line, why)) = union_cycle(&still) {
                return Err(ImportError::at(line, why));
            }
            let (line, _, why) = still.swap_remove(0);
            return Err(ImportError::at(line, why));
        }
        waiting = still;
    }
    for ((prefix, year), seq) in std::mem::take(&mut st.counters) {
        bump_counter(conn, &prefix, year, seq).await.map_err(failed_on(last_line))?;
    }
    // Before the import entries (which update the cases an import changed).
    st.deferred.build(conn).await.map_err(|e| ImportError::failed_while(last_line, "building the indexes again", e))?;
    // Every case gets a record of how it arrived, after whatever entries the file had.
    append_import_entries(conn, now).await.map_err(failed_on(last_line))?;
    super::callbacks::rebuild_touched(conn).await.map_err(failed_on(last_line))?;
    sqlx::query("DROP TABLE import_touched").execute(&mut *conn).await.map_err(fail(last_line))?;
    // The planner's statistics, after what may have been a million rows, before the
    // figures are counted from them: the tables may have been empty when the
    // transaction began, and the rebuild's plans follow the statistics.
    sqlx::query("ANALYZE").execute(&mut *conn).await.map_err(fail(last_line))?;
    let tallies = |e: StoreError| ImportError::failed_while(last_line, "updating the figures", e);
    if st.rebuild_tallies {
        rebuild_tallies_conn(conn).await.map_err(tallies)?;
    } else {
        for (old, new) in std::mem::take(&mut st.retally) {
            retally_case(conn, old.as_ref().map(|(u, r)| (*u, r)), Some((new.0, &new.1))).await.map_err(tallies)?;
        }
    }
    Ok(st.sum)
}
