//! The text search index: `case_grams` holds the grams and facet words of every case (domain
//! `search.rs`), in an FTS5 table on SQLite (rowid = case id) and a GIN-indexed tsvector
//! on PostgreSQL. The lists' LIKE match is the definition: the index answers alone only
//! where it is provably the same (`search_is_exact`), else it finds the candidates.

use super::case_read::{cases_by_ids, push_case_filters};
use super::case_write::NewCaseRow;
use super::tallies::all_cases_conn;
use super::{Conn, Db, DIALECT};
use crate::{Backend, CaseQuery, StoreError, StoredCase};
use sqlx::QueryBuilder;
use std::collections::{HashMap, HashSet};
use youyue_domain::exchange::CaseRecord;
use youyue_domain::search::{
    cst_month, facet_words, grams_decide, handler_word, kind_word, month_word, query_grams, status_word, union_word,
    write_case_grams, year_word, CaseFacets, OPEN_WORD,
};
use youyue_domain::union::path_ids;
use youyue_domain::{Kind, NumberQuery, Status, Timestamp};

/// How many cases' words one statement writes (two parameters each).
const WORD_ROWS_PER_STATEMENT: usize = 500;

/// A case as the index files it: its text and its facets (domain `search.rs`).
pub(super) struct CaseText<'a> {
    id: i64,
    /// The ids on its union's path, root first.
    unions: Vec<i64>,
    title: &'a str,
    description: &'a str,
    kind: Kind,
    status: Status,
    handler: Option<i64>,
    opened_at: Timestamp,
}

impl<'a> CaseText<'a> {
    pub(super) fn of(
        id: i64,
        union_path: &str,
        handler: Option<i64>,
        record: &'a CaseRecord,
    ) -> Result<Self, StoreError> {
        let unions = path_ids(union_path).ok_or_else(|| StoreError::Corrupt(union_path.to_owned()))?;
        Ok(CaseText::with_unions(id, unions, handler, record))
    }

    pub(super) fn with_unions(id: i64, unions: Vec<i64>, handler: Option<i64>, record: &'a CaseRecord) -> Self {
        CaseText {
            id,
            unions,
            title: &record.title,
            description: &record.description,
            kind: record.kind,
            status: record.status,
            handler,
            opened_at: record.opened_at,
        }
    }

    fn words(&self) -> String {
        let facets = CaseFacets {
            unions: &self.unions,
            kind: self.kind,
            status: self.status,
            handler: self.handler,
            opened_at: self.opened_at,
        };
        let mut words = String::new();
        write_case_grams(self.title, self.description, &mut words);
        for word in facet_words(facets) {
            if !words.is_empty() {
                words.push(' ');
            }
            words.push_str(&word);
        }
        words
    }

    /// Whether `other` is filed differently (text or facets).
    pub(super) fn differs(&self, other: &CaseText<'_>) -> bool {
        let month = cst_month(self.opened_at);
        (self.unions.as_slice(), self.title, self.description, self.kind, self.status, self.handler, month)
            != (
                other.unions.as_slice(),
                other.title,
                other.description,
                other.kind,
                other.status,
                other.handler,
                cst_month(other.opened_at),
            )
    }
}

/// The paths of some unions, as ids root first.
pub(super) async fn union_path_ids(conn: &mut Conn, ids: &HashSet<i64>) -> Result<HashMap<i64, Vec<i64>>, StoreError> {
    let mut out = HashMap::with_capacity(ids.len());
    let ids: Vec<i64> = ids.iter().copied().collect();
    for chunk in ids.chunks(WORD_ROWS_PER_STATEMENT) {
        let mut qb = QueryBuilder::<Db>::new("SELECT id, path FROM unions WHERE id IN (");
        let mut list = qb.separated(", ");
        for id in chunk {
            list.push_bind(*id);
        }
        qb.push(")");
        let rows: Vec<(i64, String)> = qb.build_query_as().fetch_all(&mut *conn).await?;
        for (id, path) in rows {
            out.insert(id, path_ids(&path).ok_or(StoreError::Corrupt(path))?);
        }
    }
    Ok(out)
}

/// Files these cases in the index. `replace`: they may be filed already (their text or
/// facets changed).
async fn index_cases(conn: &mut Conn, cases: &[CaseText<'_>], replace: bool) -> Result<(), StoreError> {
    for chunk in cases.chunks(WORD_ROWS_PER_STATEMENT) {
        if replace && DIALECT.backend == Backend::Sqlite {
            let mut qb = QueryBuilder::<Db>::new("DELETE FROM case_grams WHERE rowid IN (");
            let mut ids = qb.separated(", ");
            for c in chunk {
                ids.push_bind(c.id);
            }
            qb.push(")");
            qb.build().execute(&mut *conn).await?;
        }
        let mut qb = QueryBuilder::<Db>::new(match DIALECT.backend {
            Backend::Sqlite => "INSERT INTO case_grams (rowid, grams) ",
            Backend::Postgres => "INSERT INTO case_grams (case_id, grams) ",
        });
        qb.push_values(chunk, |mut row, c| {
            row.push_bind(c.id);
            match DIALECT.backend {
                Backend::Sqlite => {
                    row.push_bind(c.words());
                }
                Backend::Postgres => {
                    row.push_unseparated(", array_to_tsvector(string_to_array(")
                        .push_bind_unseparated(c.words())
                        .push_unseparated(", ' '))");
                }
            }
        });
        if DIALECT.backend == Backend::Postgres {
            qb.push(" ON CONFLICT (case_id) DO UPDATE SET grams = excluded.grams");
        }
        qb.build().execute(&mut *conn).await?;
    }
    Ok(())
}

/// Files newly inserted case rows (`insert_cases`).
pub(super) async fn index_new_rows(
    conn: &mut Conn,
    rows: &[NewCaseRow],
    inserted: &HashMap<String, i64>,
) -> Result<(), StoreError> {
    let union_ids: HashSet<i64> = rows.iter().map(|r| r.union_id).collect();
    let paths = union_path_ids(conn, &union_ids).await?;
    let mut cases = Vec::with_capacity(inserted.len());
    for r in rows {
        let Some(id) = inserted.get(&r.number) else { continue };
        let c = &r.columns;
        cases.push(CaseText {
            id: *id,
            unions: paths
                .get(&r.union_id)
                .cloned()
                .ok_or_else(|| StoreError::Corrupt(format!("union {}", r.union_id)))?,
            title: &c.title,
            description: &c.description,
            kind: Kind::parse(c.kind).ok_or_else(|| StoreError::Corrupt(c.kind.to_owned()))?,
            status: Status::parse(c.status).ok_or_else(|| StoreError::Corrupt(c.status.to_owned()))?,
            handler: r.handler_id,
            opened_at: Timestamp::from_micros(c.opened_at),
        });
    }
    index_cases(conn, &cases, false).await
}

/// Files a stored case again if a change alters how it is filed.
pub(super) async fn reindex_changed(conn: &mut Conn, old: &CaseText<'_>, new: &CaseText<'_>) -> Result<(), StoreError> {
    if old.differs(new) {
        index_cases(conn, std::slice::from_ref(new), true).await?;
    }
    Ok(())
}

/// A stored case as `reindex_stored` reads it.
#[derive(sqlx::FromRow)]
struct StoredText {
    id: i64,
    path: String,
    handler_id: Option<i64>,
    title: String,
    description: String,
    kind: String,
    status: String,
    opened_at: i64,
}

/// Files again every stored case whose union's path begins with `path_prefix` (all: "/"),
/// 5,000 at a time: after a union moved, or to fill an empty index.
pub(super) async fn reindex_stored(conn: &mut Conn, path_prefix: &str, replace: bool) -> Result<(), StoreError> {
    let mut after = i64::MIN;
    loop {
        let rows: Vec<StoredText> = sqlx::query_as(
            "SELECT c.id, u.path, c.handler_id, c.title, c.description, c.kind, c.status, c.opened_at \
             FROM cases c JOIN unions u ON u.id = c.union_id WHERE c.id > $1 AND u.path LIKE $2 ORDER BY c.id LIMIT 5000",
        )
        .bind(after)
        .bind(format!("{path_prefix}%"))
        .fetch_all(&mut *conn)
        .await?;
        let Some(last) = rows.last() else { break };
        after = last.id;
        let cases = rows
            .iter()
            .map(|r| {
                Ok(CaseText {
                    id: r.id,
                    unions: path_ids(&r.path).ok_or_else(|| StoreError::Corrupt(r.path.clone()))?,
                    title: &r.title,
                    description: &r.description,
                    kind: Kind::parse(&r.kind).ok_or_else(|| StoreError::Corrupt(r.kind.clone()))?,
                    status: Status::parse(&r.status).ok_or_else(|| StoreError::Corrupt(r.status.clone()))?,
                    handler: r.handler_id,
                    opened_at: Timestamp::from_micros(r.opened_at),
                })
            })
            .collect::<Result<Vec<_>, StoreError>>()?;
        index_cases(conn, &cases, replace).await?;
    }
    Ok(())
}

/// The index's question for a list's text filter, in this backend's query language, when
/// the filter is a text search (not empty, not a case number): the query's grams, and the
/// facets of the list's filters (its union, status, open, kind, handler) and, for a viewer
/// who may not see others' wellbeing cases, not those.
///
/// `sole_root`: the store holds one top-level union, whose word every case holds: asking
/// for it would only make the index read a doclist of every case.
pub(super) fn search_expression(q: &CaseQuery, sole_root: bool) -> Option<String> {
    let text = q.text.as_deref().map(str::trim).filter(|t| !t.is_empty())?;
    if NumberQuery::parse(text).is_some() {
        return None;
    }
    let sqlite = DIALECT.backend == Backend::Sqlite;
    // Words are hexadecimal grams or ASCII letters and digits: nothing needs escaping.
    let word = |w: &str| if sqlite { format!("\"{w}\"") } else { format!("'{w}'") };
    let and = if sqlite { " AND " } else { " & " };
    let mut all: Vec<String> = query_grams(&text.to_lowercase())?.iter().map(|g| word(g)).collect();
    // The narrower of the caller's subtree and the union asked for (each lies in the other
    // or the list is empty).
    let scope = match &q.union_path {
        Some(p) if p.len() > q.within.len() => p.as_str(),
        _ => q.within.as_str(),
    };
    if let Some(ids) = path_ids(scope).filter(|ids| ids.len() > 1 || !sole_root) {
        all.extend(ids.last().map(|id| word(&union_word(*id))));
    }
    all.extend(q.status.map(|s| word(&status_word(s))));
    if q.open_only {
        all.push(word(OPEN_WORD));
    }
    all.extend(q.kind.map(|k| word(&kind_word(k))));
    all.extend(q.handler_id.map(|h| word(&handler_word(h))));
    let mut expression = all.join(and);
    if let Some(me) = q.wellbeing_only_handler {
        let (wellbeing, mine) = (word(&kind_word(Kind::Wellbeing)), word(&handler_word(me)));
        expression = if sqlite {
            format!("({expression}) NOT ({wellbeing} NOT {mine})")
        } else {
            format!("{expression} & !({wellbeing} & !{mine})")
        };
    }
    Some(expression)
}

/// `expression` narrowed to cases raised in these months: a whole year by its word, the
/// other months by theirs.
fn within_months(expression: &str, months: &[(i32, u32)]) -> String {
    let mut words = Vec::new();
    let mut years: Vec<i32> = months.iter().map(|(y, _)| *y).collect();
    years.dedup();
    for year in years {
        let of_year: Vec<u32> = months.iter().filter(|(y, _)| *y == year).map(|(_, m)| *m).collect();
        if of_year.len() == 12 {
            words.push(year_word(year));
        } else {
            words.extend(of_year.iter().map(|m| month_word(year, *m)));
        }
    }
    match DIALECT.backend {
        Backend::Sqlite => {
            let any: Vec<String> = words.iter().map(|w| format!("\"{w}\"")).collect();
            format!("({expression}) AND ({})", any.join(" OR "))
        }
        Backend::Postgres => {
            let any: Vec<String> = words.iter().map(|w| format!("'{w}'")).collect();
            format!("({expression}) & ({})", any.join(" | "))
        }
    }
}

/// A search's page in time order found month by month from the newest (or oldest): the
/// matches of the months that should hold the page at the average rate (`total` over the
/// months there are cases in), then of twice as many months, until there are enough.
/// Reads about a page's worth of matches, not all of them.
/// `filters` carries the text for the match, or not when the index answers exactly.
pub(super) async fn search_page_by_months(
    conn: &mut Conn,
    q: &CaseQuery,
    filters: &CaseQuery,
    union_ids: &[i64],
    expression: &str,
    total: i64,
) -> Result<Vec<StoredCase>, StoreError> {
    let newest = q.sort != crate::CaseSort::Oldest;
    let needed = (q.offset.max(0) + q.limit.max(1)) as usize;
    // Two statements: SQLite reads MIN or MAX alone from an index, both together by a scan.
    let first: Option<i64> = sqlx::query_scalar("SELECT MIN(opened_at) FROM cases").fetch_one(&mut *conn).await?;
    let last: Option<i64> = sqlx::query_scalar("SELECT MAX(opened_at) FROM cases").fetch_one(&mut *conn).await?;
    let (Some(first), Some(last)) = (first, last) else { return Ok(Vec::new()) };
    let (first, last) = (cst_month(Timestamp::from_micros(first)), cst_month(Timestamp::from_micros(last)));
    // Every month from the first case's to the last's, in the list's order.
    let mut months: Vec<(i32, u32)> = (first.0..=last.0)
        .flat_map(|y| (1..=12).map(move |m| (y, m)))
        .filter(|ym| (first..=last).contains(ym))
        .collect();
    if newest {
        months.reverse();
    }
    // Ask for as many months as should hold the page at the average rate, then twice as
    // many each time: each question costs the index a pass over the query's grams.
    let per_month = (total as f64 / months.len().max(1) as f64).max(0.01);
    let mut take = ((needed as f64 / per_month) * 1.5).ceil().max(1.0) as usize;
    let mut ids: Vec<i64> = Vec::new();
    let mut start = 0;
    while start < months.len() && ids.len() < needed {
        let chunk = &months[start..(start + take).min(months.len())];
        let mut qb = QueryBuilder::<Db>::new(format!("SELECT c.id FROM {SEARCH_FROM}"));
        push_case_filters(&mut qb, filters, union_ids);
        push_search_match(&mut qb, &within_months(expression, chunk));
        ids.extend(
            qb.build_query_scalar::<i64>().persistent(DIALECT.search_statements_prepared).fetch_all(&mut *conn).await?,
        );
        start += chunk.len();
        take *= 2;
    }
    let order = if newest { " ORDER BY c.opened_at DESC, c.id DESC" } else { " ORDER BY c.opened_at ASC, c.id ASC" };
    cases_by_ids(conn, &ids, order, q.limit, q.offset).await
}

/// Whether the store holds exactly one top-level union (`search_expression`).
pub(super) async fn sole_root(conn: &mut Conn) -> Result<bool, StoreError> {
    let roots: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM unions WHERE parent_id IS NULL").fetch_one(&mut *conn).await?;
    Ok(roots == 1)
}

/// The cases with their grams, for a list's `FROM`: the index drives (SQLite's CROSS JOIN
/// keeps it the outer loop; PostgreSQL plans the join itself).
pub(super) const SEARCH_FROM: &str = "case_grams g CROSS JOIN cases c";

/// Joins the index's candidates to the cases, after the list's filters.
pub(super) fn push_search_match(qb: &mut QueryBuilder<'_, Db>, expression: &str) {
    qb.push(match DIALECT.backend {
        Backend::Sqlite => " AND c.id = g.rowid AND ",
        Backend::Postgres => " AND c.id = g.case_id AND ",
    });
    push_index_match(qb, expression);
}

/// The index entry `g` answers `expression`.
fn push_index_match(qb: &mut QueryBuilder<'_, Db>, expression: &str) {
    qb.push(match DIALECT.backend {
        Backend::Sqlite => "g.case_grams MATCH ",
        Backend::Postgres => "g.grams @@ CAST(",
    });
    qb.push_bind(expression.to_owned());
    if DIALECT.backend == Backend::Postgres {
        qb.push(" AS tsquery)");
    }
}

/// Ends `count` (`SELECT COUNT(*) FROM (SELECT 1 …`) so that it counts at most `cap + 1`
/// rows, and runs it: (count, exact), the count being `cap` when there are more.
async fn capped_count(conn: &mut Conn, mut count: QueryBuilder<'_, Db>, cap: i64) -> Result<(i64, bool), StoreError> {
    count.push(" LIMIT ");
    count.push_bind(cap + 1);
    count.push(") t");
    let n: i64 =
        count.build_query_scalar().persistent(DIALECT.search_statements_prepared).fetch_one(&mut *conn).await?;
    Ok(if n > cap { (cap, false) } else { (n, true) })
}

/// Past this many matches a page in time order is found month by month
/// (`search_page_by_months`) rather than by sorting them all.
pub(super) const SEARCH_BY_MONTHS_PAST: i64 = 200;

/// How far a search counts its matches. Past it, the matches are so many that walking the
/// cases newest first fills a page within `wanted × all ÷ cap` rows, which is no more than
/// the `cap` rows sorting them would read (the walk-or-look-up rule of `list_cases`); the
/// list then says "more than cap". Whole thousands, at least a thousand and the page's end.
pub(super) fn search_count_cap(wanted: i64, all_cases: i64) -> i64 {
    let balance = ((wanted as f64) * (all_cases as f64)).sqrt().ceil() as i64;
    let cap = balance.max(wanted).max(1000);
    (cap + 999) / 1000 * 1000
}

/// Whether the index's answer is the match itself, so that no case need be read to check
/// it: the query's grams decide (`grams_decide`: one or two characters without case) and
/// every filter of the list has a facet word.
pub(super) fn search_is_exact(q: &CaseQuery) -> bool {
    let Some(text) = q.text.as_deref().map(str::trim) else { return false };
    grams_decide(text)
        // The union word stands for the subtree; "/" (a worker's own cases) has none.
        && path_ids(&q.within).is_some()
        && q.channel.is_none()
        && q.worker_user_id.is_none()
        && q.overdue_before.is_none()
        && q.agreement_overdue_on.is_none()
        && q.below_union.is_none()
        && q.figure.is_none()
        && q.assisting.is_none()
        && q.returned_at_least.is_none()
}

/// Counts an exact search's matches (`search_is_exact`) up to `cap` in the index alone:
/// (count, exact).
pub(super) async fn search_total_from_index(
    conn: &mut Conn,
    expression: &str,
    cap: i64,
) -> Result<(i64, bool), StoreError> {
    let mut count = QueryBuilder::<Db>::new("SELECT COUNT(*) FROM (SELECT 1 FROM case_grams g WHERE ");
    push_index_match(&mut count, expression);
    capped_count(conn, count, cap).await
}

/// Counts a search's matches up to `cap`: (count, exact). Reads at most the candidates
/// it takes to find `cap + 1` matches.
pub(super) async fn search_total(
    conn: &mut Conn,
    q: &CaseQuery,
    union_ids: &[i64],
    expression: &str,
    cap: i64,
) -> Result<(i64, bool), StoreError> {
    let mut count = QueryBuilder::<Db>::new(format!("SELECT COUNT(*) FROM (SELECT 1 FROM {SEARCH_FROM}"));
    push_case_filters(&mut count, q, union_ids);
    push_search_match(&mut count, expression);
    capped_count(conn, count, cap).await
}

/// A search's tab counts: per status up to the bound of a first page's count; past it,
/// only how many at least.
pub(super) async fn search_status_counts(
    conn: &mut Conn,
    q: &CaseQuery,
    union_ids: &[i64],
    expression: &str,
    mut counts: std::collections::BTreeMap<String, i64>,
) -> Result<crate::TabCounts, StoreError> {
    let cap = search_count_cap(q.limit.max(1), all_cases_conn(conn).await?);
    if search_is_exact(q) {
        // Each status's word, counted in the index alone.
        let sole = sole_root(conn).await?;
        let mut exact = true;
        for status in Status::ALL {
            let Some(expression) = search_expression(&CaseQuery { status: Some(*status), ..q.clone() }, sole) else {
                continue;
            };
            let (n, counted) = search_total_from_index(conn, &expression, cap).await?;
            exact &= counted;
            counts.insert(status.as_str().to_owned(), n);
        }
        if !exact {
            let at_least = counts.values().sum();
            return Ok(crate::TabCounts { by_status: Default::default(), exact: false, at_least });
        }
        return Ok(crate::TabCounts::exact(counts));
    }
    let mut qb = QueryBuilder::<Db>::new(format!("SELECT status, COUNT(*) FROM (SELECT c.status FROM {SEARCH_FROM}"));
    push_case_filters(&mut qb, q, union_ids);
    push_search_match(&mut qb, expression);
    qb.push(" LIMIT ");
    qb.push_bind(cap + 1);
    qb.push(") t GROUP BY status");
    let rows: Vec<(String, i64)> =
        qb.build_query_as().persistent(DIALECT.search_statements_prepared).fetch_all(&mut *conn).await?;
    if rows.iter().map(|(_, n)| n).sum::<i64>() > cap {
        return Ok(crate::TabCounts { by_status: Default::default(), exact: false, at_least: cap });
    }
    counts.extend(rows);
    Ok(crate::TabCounts::exact(counts))
}

/// Fills the index from the cases if a migration left it empty: in batches, in one
/// transaction, so a crash leaves it to be built again.
pub(crate) async fn ensure_search_index(pool: &sqlx::Pool<Db>) -> Result<(), StoreError> {
    let built: bool = sqlx::query_scalar("SELECT built FROM search_state WHERE id = 1").fetch_one(pool).await?;
    if built {
        return Ok(());
    }
    let mut tx = pool.begin().await?;
    reindex_stored(&mut tx, "/", false).await?;
    sqlx::query("UPDATE search_state SET built = TRUE WHERE id = 1").execute(&mut *tx).await?;
    tx.commit().await?;
    Ok(())
}
