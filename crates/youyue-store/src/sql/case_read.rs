//! Reading cases: one by id or number, the lists with their filters, pages and counts, and
//! the read log of confidential reads.

use super::search::{
    push_search_match, search_count_cap, search_expression, search_is_exact, search_page_by_months,
    search_status_counts, search_total, search_total_from_index, sole_root, SEARCH_BY_MONTHS_PAST, SEARCH_FROM,
};
use super::tallies::{
    all_cases_conn, status_counts_conn, tally_countable, tally_figure_total, tally_kind_or_channel_total,
};
use super::{Conn, Db, DIALECT};
use crate::rows::{CaseRow, CASE_SELECT};
use crate::{like_escape, CasePage, CaseQuery, SqlStore, StoreError, StoredCase};
use sqlx::QueryBuilder;
use std::collections::HashMap;
use youyue_domain::{CaseNumber, NumberQuery, Status, Timestamp};

pub(super) async fn case_where_id(conn: &mut Conn, id: i64) -> Result<StoredCase, StoreError> {
    let row: Option<CaseRow> =
        sqlx::query_as(&format!("{CASE_SELECT} WHERE c.id = $1")).bind(id).fetch_optional(&mut *conn).await?;
    row.map(StoredCase::try_from).transpose()?.ok_or_else(|| StoreError::NotFound(format!("case {id}")))
}

pub(super) async fn case_where_number(conn: &mut Conn, number: &str) -> Result<Option<StoredCase>, StoreError> {
    let row: Option<CaseRow> =
        sqlx::query_as(&format!("{CASE_SELECT} WHERE c.number = $1")).bind(number).fetch_optional(&mut *conn).await?;
    row.map(StoredCase::try_from).transpose()
}

/// The ids of the unions a case query covers: the caller's subtree, narrowed to a union's.
/// Queries name them (`c.union_id IN (…)`) rather than join on the path, so that the
/// planner sees how much of the table they cover: walk the newest cases for a district,
/// one union's index for a studio.
async fn query_union_ids(conn: &mut Conn, q: &CaseQuery) -> Result<Vec<i64>, StoreError> {
    let mut qb = QueryBuilder::<Db>::new("SELECT id FROM unions WHERE path LIKE ");
    qb.push_bind(format!("{}%", q.within));
    if let Some(p) = &q.union_path {
        qb.push(" AND path LIKE ");
        qb.push_bind(format!("{p}%"));
    }
    qb.push(" ORDER BY id");
    Ok(qb.build_query_scalar().fetch_all(&mut *conn).await?)
}

/// How the case filters name the unions: `Indexed` lets the planner look cases up by
/// union; `Scanned` (`+c.union_id`, the same value, no index) makes it walk the cases in
/// the list's order instead — right when the unions hold much of the table, wrong otherwise.
#[derive(Clone, Copy, PartialEq, Eq)]
enum UnionFilter {
    Indexed,
    Scanned,
}

pub(super) fn push_case_filters(qb: &mut QueryBuilder<'_, Db>, q: &CaseQuery, union_ids: &[i64]) {
    push_case_filters_as(qb, q, union_ids, UnionFilter::Indexed)
}

fn push_case_filters_as(qb: &mut QueryBuilder<'_, Db>, q: &CaseQuery, union_ids: &[i64], how: UnionFilter) {
    qb.push(if how == UnionFilter::Scanned { " WHERE +c.union_id IN (" } else { " WHERE c.union_id IN (" });
    let mut ids = qb.separated(", ");
    for id in union_ids {
        ids.push_bind(*id);
    }
    qb.push(")");
    // Walking the time order, SQLite would still skip-scan `cases_union_status` for the
    // status (every union, then the status) and sort all it found, far slower for a
    // province than the walk (crates/youyue-bench/README.md). `|| ''` leaves it no index.
    let status_column = if how == UnionFilter::Scanned { "(c.status || '')" } else { "c.status" };
    if let Some(s) = q.status {
        qb.push(format!(" AND {status_column} = "));
        qb.push_bind(s.as_str());
    }
    if q.open_only {
        // IN, not NOT IN: with the union, SQLite seeks `cases_union_status` for each open
        // status instead of reading every case of the unions.
        let open: Vec<String> =
            Status::ALL.iter().filter(|s| s.is_open()).map(|s| format!("'{}'", s.as_str())).collect();
        qb.push(format!(" AND {status_column} IN ({})", open.join(", ")));
    }
    if let Some(k) = q.kind {
        qb.push(" AND c.kind = ");
        qb.push_bind(k.as_str());
    }
    if let Some(ch) = q.channel {
        qb.push(" AND c.channel = ");
        qb.push_bind(ch.as_str());
    }
    if let Some(h) = q.handler_id {
        qb.push(" AND c.handler_id = ");
        qb.push_bind(h);
    }
    if let Some(w) = q.worker_user_id {
        qb.push(" AND c.worker_user_id = ");
        qb.push_bind(w);
    }
    if let Some(d) = &q.overdue_before {
        // Open (a merged case is neither open nor late) and not paused (issue 22).
        qb.push(
            " AND c.status IN ('registered', 'accepted', 'in_progress') AND c.paused_since IS NULL AND c.due_on < ",
        );
        qb.push_bind(d.clone());
    }
    if let Some(d) = &q.agreement_overdue_on {
        qb.push(
            " AND c.id IN (SELECT t.case_id FROM agreement_terms t JOIN agreements a ON a.case_id = t.case_id \
             WHERE a.signed_on IS NOT NULL AND t.paid_on IS NULL AND t.due_on < ",
        );
        qb.push_bind(d.clone());
        qb.push(")");
    }
    if let Some(id) = q.below_union {
        qb.push(" AND c.union_id <> ");
        qb.push_bind(id);
    }
    if let Some(me) = q.wellbeing_only_handler {
        qb.push(" AND (c.kind <> 'wellbeing' OR c.handler_id = ");
        qb.push_bind(me);
        qb.push(")");
    }
    if let Some((union_id, user_id)) = q.assisting {
        qb.push(
            " AND EXISTS (SELECT 1 FROM case_assists a WHERE a.case_id = c.id AND a.ended_at IS NULL AND a.union_id = ",
        );
        qb.push_bind(union_id);
        qb.push(" AND (a.user_id IS NULL OR a.user_id = ");
        qb.push_bind(user_id);
        qb.push("))");
    }
    if let Some(n) = q.returned_at_least {
        qb.push(" AND (SELECT COUNT(*) FROM record_entries e WHERE e.case_id = c.id AND e.action = 'return') >= ");
        qb.push_bind(n);
    }
    if let Some(f) = &q.figure {
        // A merged case (issue 22) stands behind no figure.
        qb.push(format!(" AND {status_column} <> 'merged'"));
        if let Some(k) = f.kind {
            qb.push(" AND c.kind = ");
            qb.push_bind(k.as_str());
        }
        if let Some(ch) = f.channel {
            qb.push(" AND c.channel = ");
            qb.push_bind(ch.as_str());
        }
        if let Some(s) = f.status {
            qb.push(format!(" AND {status_column} = "));
            qb.push_bind(s.as_str());
        }
        if let Some((a, b)) = f.opened_in {
            qb.push(" AND c.opened_at >= ");
            qb.push_bind(a.micros());
            qb.push(" AND c.opened_at < ");
            qb.push_bind(b.micros());
        }
        if let Some((a, b)) = f.closed_in {
            qb.push(" AND c.closed_at >= ");
            qb.push_bind(a.micros());
            qb.push(" AND c.closed_at < ");
            qb.push_bind(b.micros());
        }
        if let Some((a, b)) = f.accepted_in {
            qb.push(" AND c.accepted_at >= ");
            qb.push_bind(a.micros());
            qb.push(" AND c.accepted_at < ");
            qb.push_bind(b.micros());
        }
        if let Some(adopted) = f.adopted {
            qb.push(" AND c.adopted = ");
            qb.push_bind(adopted);
        }
        if f.with_amount {
            qb.push(" AND c.amount_recovered_fen > 0");
        }
        if f.rated {
            qb.push(" AND c.rating IS NOT NULL");
        }
        if f.with_deadline {
            qb.push(" AND c.due_on IS NOT NULL");
        }
        if f.referred {
            qb.push(" AND c.arbitration_commission IS NOT NULL");
        }
        match f.appointment {
            None => {}
            Some(youyue_domain::figures::AppointmentFilter::Active) => {
                qb.push(
                    " AND EXISTS (SELECT 1 FROM appointments a WHERE a.case_id = c.id AND a.status <> 'cancelled')",
                );
            }
            Some(youyue_domain::figures::AppointmentFilter::Outcome(status, a, b)) => {
                qb.push(" AND EXISTS (SELECT 1 FROM appointments a WHERE a.case_id = c.id AND a.status = ");
                qb.push_bind(status.as_str());
                qb.push(" AND a.starts_at >= ");
                qb.push_bind(a.micros());
                qb.push(" AND a.starts_at < ");
                qb.push_bind(b.micros());
                qb.push(")");
            }
        }
        // Days are 'YYYY-MM-DD' text, ordered as the days are.
        match f.agreement {
            None => {}
            Some(youyue_domain::figures::AgreementFilter::Signed(from, to)) => {
                qb.push(" AND EXISTS (SELECT 1 FROM agreements g WHERE g.case_id = c.id AND g.signed_on >= ");
                qb.push_bind(from.to_string());
                qb.push(" AND g.signed_on <= ");
                qb.push_bind(to.to_string());
                qb.push(")");
            }
            Some(youyue_domain::figures::AgreementFilter::TermsDue { from, to, on_time }) => {
                qb.push(
                    " AND EXISTS (SELECT 1 FROM agreement_terms t JOIN agreements g ON g.case_id = t.case_id \
                     WHERE t.case_id = c.id AND g.signed_on IS NOT NULL AND t.due_on >= ",
                );
                qb.push_bind(from.to_string());
                qb.push(" AND t.due_on <= ");
                qb.push_bind(to.to_string());
                if on_time {
                    qb.push(" AND t.paid_on IS NOT NULL AND t.paid_on <= t.due_on");
                }
                qb.push(")");
            }
        }
    }
    if let Some(t) = q.text.as_deref().map(str::trim).filter(|t| !t.is_empty()) {
        if let Some(number) = NumberQuery::parse(t) {
            push_number_filter(qb, &number);
        } else {
            let pattern = format!("%{}%", like_escape(t));
            // LOWER on both sides: SQLite's LIKE ignores ASCII case and PostgreSQL's does not.
            let pattern = pattern.to_lowercase();
            qb.push(" AND (LOWER(c.title) LIKE ");
            qb.push_bind(pattern.clone());
            qb.push(" ESCAPE '\\' OR LOWER(c.description) LIKE ");
            qb.push_bind(pattern);
            qb.push(" ESCAPE '\\')");
        }
    }
}

/// A case number as staff type it: the numbers it can be, or, for its tail, the ones
/// `case_counters` says were given (each prefix and year), each looked up by the unique
/// index on `number`, not a scan.
fn push_number_filter(qb: &mut QueryBuilder<'_, Db>, number: &NumberQuery) {
    match number {
        NumberQuery::Whole(numbers) => {
            qb.push(" AND c.number IN (");
            let mut list = qb.separated(", ");
            for n in numbers {
                list.push_bind(n.to_string());
            }
            qb.push(")");
        }
        NumberQuery::Tail { year, seq } => {
            qb.push(" AND c.number IN (SELECT prefix || '-' || CAST(year AS TEXT) || '-' || ");
            qb.push_bind(format!("{seq:06}"));
            qb.push(" FROM case_counters WHERE last >= ");
            qb.push_bind(*seq);
            if let Some(year) = year {
                qb.push(" AND year = ");
                qb.push_bind(*year);
            }
            qb.push(")");
        }
    }
}

/// How many cases a list without a text search holds: from the tallies where they can
/// tell, else counted.
async fn list_total(conn: &mut Conn, q: &CaseQuery, union_ids: &[i64]) -> Result<i64, StoreError> {
    let figure_total = tally_figure_total(conn, q).await?;
    Ok(match (figure_total, tally_countable(q)) {
        (Some(n), _) => n,
        (None, Some(union_id)) => {
            let counts = visible_status_counts(conn, q, union_id, union_ids).await?;
            counts
                .iter()
                .filter(|(s, _)| q.status.is_none_or(|want| want.as_str() == s.as_str()))
                .filter(|(s, _)| !q.open_only || Status::parse(s).is_some_and(|s| s.is_open()))
                .map(|(_, n)| *n)
                .sum()
        }
        (None, None) => match tally_kind_or_channel_total(conn, q).await? {
            Some(n) => n + merged_count(conn, q, union_ids).await?,
            None => {
                let mut count = QueryBuilder::<Db>::new("SELECT COUNT(*) FROM cases c");
                push_case_filters(&mut count, q, union_ids);
                count.build_query_scalar().fetch_one(&mut *conn).await?
            }
        },
    })
}

/// One page of a list: the cases chosen from the cases alone (or from the search index's
/// candidates, `search`), then joined with their unions and people: joining first would
/// join every matching case before the sort.
async fn case_page(
    conn: &mut Conn,
    q: &CaseQuery,
    union_ids: &[i64],
    how: UnionFilter,
    search: Option<&str>,
) -> Result<Vec<StoredCase>, StoreError> {
    let (columns, joins) = CASE_SELECT.split_once(" FROM cases c ").unwrap_or((CASE_SELECT, ""));
    let order = match q.sort {
        crate::CaseSort::Newest => " ORDER BY c.opened_at DESC, c.id DESC",
        crate::CaseSort::Oldest => " ORDER BY c.opened_at ASC, c.id ASC",
        crate::CaseSort::Due => " ORDER BY CASE WHEN c.due_on IS NULL THEN 1 ELSE 0 END, c.due_on ASC, c.id ASC",
    };
    let from = if search.is_some() { SEARCH_FROM } else { "cases c" };
    // Only the ids are sorted: sorting whole rows (texts and all) cost more than finding them.
    let push_ids = |qb: &mut QueryBuilder<'_, Db>| {
        qb.push(format!("SELECT c.id AS page_id FROM {from}"));
        push_case_filters_as(qb, q, union_ids, how);
        if let Some(expression) = search {
            push_search_match(qb, expression);
        }
        qb.push(order);
        qb.push(" LIMIT ");
        qb.push_bind(q.limit);
        qb.push(" OFFSET ");
        qb.push_bind(q.offset);
    };
    // The walk alone under the settings (they last until the transaction's end), then the
    // page's rows by their ids: under them the outer sort became a walk of every case.
    if let (UnionFilter::Scanned, Some(settings)) = (how, DIALECT.walk_settings) {
        let mut ids = QueryBuilder::<Db>::new("");
        push_ids(&mut ids);
        let mut tx = sqlx::Connection::begin(&mut *conn).await?;
        sqlx::query(settings).execute(&mut *tx).await?;
        let page: Vec<i64> = ids.build_query_scalar().fetch_all(&mut *tx).await?;
        tx.commit().await?;
        return cases_by_ids(conn, &page, order, page.len() as i64, 0).await;
    }
    let mut list = QueryBuilder::<Db>::new(format!("{columns} FROM ("));
    push_ids(&mut list);
    // CROSS JOIN: SQLite 3.46 would otherwise walk every case in the outer ORDER BY's
    // index to probe the page's ids (crates/youyue-bench/README.md).
    list.push(format!(") p CROSS JOIN cases c {joins} WHERE c.id = p.page_id{order}"));
    let prepared = search.is_none() || DIALECT.search_statements_prepared;
    let rows: Vec<CaseRow> = list.build_query_as().persistent(prepared).fetch_all(&mut *conn).await?;
    rows.into_iter().map(StoredCase::try_from).collect()
}

/// The cases with these ids in `order` (an `ORDER BY` on `c`), `limit` of them from
/// `offset`: a page whose ids were found by a statement of their own.
pub(super) async fn cases_by_ids(
    conn: &mut Conn,
    ids: &[i64],
    order: &str,
    limit: i64,
    offset: i64,
) -> Result<Vec<StoredCase>, StoreError> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let mut page = QueryBuilder::<Db>::new(format!("{CASE_SELECT} WHERE c.id IN ("));
    let mut list = page.separated(", ");
    for id in ids {
        list.push_bind(*id);
    }
    page.push(format!("){order} LIMIT "));
    page.push_bind(limit);
    page.push(" OFFSET ");
    page.push_bind(offset);
    let rows: Vec<CaseRow> = page.build_query_as().fetch_all(&mut *conn).await?;
    rows.into_iter().map(StoredCase::try_from).collect()
}

/// A list with a text search. The index finds the candidates (exactly the matches for a
/// short query without case and filters it holds words for, `search_is_exact`), and the
/// matches are counted up to a bound (`search_count_cap`); when there are more
/// candidates than that but the list without its text holds fewer cases, those are read and
/// matched one by one instead. Past the bound, walking the cases in time order (matching
/// each by its text) fills a page soonest; below it, the page is found month by month
/// (`search_page_by_months`) or, for a few matches or another order, sorted from them all.
async fn list_found_cases(
    conn: &mut Conn,
    q: &CaseQuery,
    union_ids: &[i64],
    expression: &str,
    in_time_order: bool,
    wanted: i64,
) -> Result<CasePage, StoreError> {
    let all = all_cases_conn(conn).await?;
    let cap = search_count_cap(wanted, all);
    let unsearched = CaseQuery { text: None, ..q.clone() };
    let exact = search_is_exact(q);
    // The index's candidates, counted in the index alone: the matches themselves when it
    // answers exactly, else at least as many.
    let (candidates, all_counted) = search_total_from_index(conn, expression, cap).await?;
    if !exact && !all_counted && list_total(conn, &unsearched, union_ids).await? <= cap {
        // More candidates than cases in the list: read the list's cases one by one.
        let mut count = QueryBuilder::<Db>::new("SELECT COUNT(*) FROM cases c");
        push_case_filters(&mut count, q, union_ids);
        let total: i64 = count.build_query_scalar().fetch_one(&mut *conn).await?;
        let cases = case_page(conn, q, union_ids, UnionFilter::Indexed, None).await?;
        return Ok(CasePage { total, total_exact: true, cases });
    }
    // When the index alone answers, cases are counted without reading one, and sorted
    // without matching their text.
    let (total, total_exact) = if exact || (all_counted && candidates == 0) {
        (candidates, all_counted)
    } else {
        search_total(conn, q, union_ids, expression, cap).await?
    };
    let filters = if exact { &unsearched } else { q };
    let cases = if !total_exact && in_time_order {
        case_page(conn, q, union_ids, UnionFilter::Scanned, None).await?
    } else if in_time_order && total > SEARCH_BY_MONTHS_PAST {
        search_page_by_months(conn, q, filters, union_ids, expression, total).await?
    } else {
        case_page(conn, filters, union_ids, UnionFilter::Indexed, Some(expression)).await?
    };
    Ok(CasePage { total, total_exact, cases })
}

/// The subtree's cases by status from the tallies, less the wellbeing cases the viewer may
/// not see: every wellbeing case of the subtree (tallies too) but those assigned to them
/// (counted through `cases_handler`, a few). Counting the hidden ones instead read every
/// wellbeing case of the subtree (crates/youyue-bench/README.md).
async fn visible_status_counts(
    conn: &mut Conn,
    q: &CaseQuery,
    union_id: i64,
    union_ids: &[i64],
) -> Result<std::collections::BTreeMap<String, i64>, StoreError> {
    let (mut counts, wellbeing) = status_counts_conn(conn, union_id).await?;
    counts.insert(Status::Merged.as_str().to_owned(), merged_count(conn, q, union_ids).await?);
    let Some(me) = q.wellbeing_only_handler else { return Ok(counts) };
    if union_ids.is_empty() {
        return Ok(counts);
    }
    let mut qb = QueryBuilder::<Db>::new("SELECT c.status, COUNT(*) FROM cases c WHERE c.handler_id = ");
    qb.push_bind(me);
    qb.push(" AND c.kind = 'wellbeing' AND c.union_id IN (");
    let mut ids = qb.separated(", ");
    for id in union_ids {
        ids.push_bind(*id);
    }
    qb.push(") GROUP BY c.status");
    let mine: HashMap<String, i64> =
        qb.build_query_as::<(String, i64)>().fetch_all(&mut *conn).await?.into_iter().collect();
    for (status, n) in counts.iter_mut() {
        let hidden = wellbeing.get(status).copied().unwrap_or(0) - mine.get(status).copied().unwrap_or(0);
        *n -= hidden;
    }
    Ok(counts)
}

/// The merged cases (issue 22) a list holds: they are in no tally, so the lists the
/// tallies count add them from the cases.
async fn merged_count(conn: &mut Conn, q: &CaseQuery, union_ids: &[i64]) -> Result<i64, StoreError> {
    if union_ids.is_empty() {
        return Ok(0);
    }
    let merged = CaseQuery { status: Some(Status::Merged), open_only: false, ..q.clone() };
    let mut qb = QueryBuilder::<Db>::new("SELECT COUNT(*) FROM cases c");
    push_case_filters(&mut qb, &merged, union_ids);
    Ok(qb.build_query_scalar().fetch_one(&mut *conn).await?)
}

/// Closed cases of `kind` closed before `closed_before` that still hold personal details,
/// and merged cases (issue 22) whose joined case closed then: their matter ended with it.
pub(super) async fn cases_past_retention(
    store: &SqlStore<Db>,
    path: &str,
    kind: youyue_domain::Kind,
    closed_before: Timestamp,
    limit: i64,
) -> Result<Vec<StoredCase>, StoreError> {
    let rows: Vec<CaseRow> = sqlx::query_as(&format!(
        "{CASE_SELECT} WHERE u.path LIKE $1 AND c.kind = $2 \
         AND ((c.status IN ('resolved', 'explained') AND c.closed_at < $3) \
              OR (c.status = 'merged' AND EXISTS (SELECT 1 FROM cases j WHERE j.number = c.merged_into \
                  AND j.status IN ('resolved', 'explained') AND j.closed_at < $3))) \
         AND (c.worker_name IS NOT NULL OR c.contact IS NOT NULL) ORDER BY c.id LIMIT $4"
    ))
    .bind(format!("{path}%"))
    .bind(kind.as_str())
    .bind(closed_before.micros())
    .bind(limit)
    .fetch_all(&store.read)
    .await?;
    rows.into_iter().map(StoredCase::try_from).collect()
}

pub(super) async fn idempotent_case(
    store: &SqlStore<Db>,
    key_hash: &str,
) -> Result<Option<crate::IdempotentCase>, StoreError> {
    let mut conn = store.read.acquire().await?;
    let row: Option<(i64, String, String)> =
        sqlx::query_as("SELECT case_id, request_hash, salt FROM idempotency_keys WHERE key_hash = $1")
            .bind(key_hash)
            .fetch_optional(&mut *conn)
            .await?;
    let Some((case_id, request_hash, salt)) = row else { return Ok(None) };
    let case = case_where_id(&mut conn, case_id).await?;
    Ok(Some(crate::IdempotentCase { case, request_hash, salt }))
}

pub(super) async fn log_read(
    store: &SqlStore<Db>,
    case_id: i64,
    user_id: i64,
    what: crate::ReadKind,
    at: Timestamp,
    since: Timestamp,
) -> Result<(), StoreError> {
    // Two readings at the same moment may both be written: a line too many, never one lost.
    sqlx::query(
        "INSERT INTO read_log (case_id, user_id, what, at) SELECT $1, $2, $3, $4 WHERE NOT EXISTS \
         (SELECT 1 FROM read_log WHERE case_id = $1 AND at >= $5 AND user_id = $2 AND what = $3)",
    )
    .bind(case_id)
    .bind(user_id)
    .bind(what.as_str())
    .bind(at.micros())
    .bind(since.micros())
    .execute(&store.write)
    .await?;
    Ok(())
}

pub(super) async fn read_log(store: &SqlStore<Db>, case_id: i64) -> Result<Vec<crate::ReadLogEntry>, StoreError> {
    let rows: Vec<(String, String, i64)> = sqlx::query_as(
        "SELECT u.username, r.what, r.at FROM read_log r JOIN users u ON u.id = r.user_id WHERE r.case_id = $1 ORDER BY r.id",
    )
    .bind(case_id)
    .fetch_all(&store.read)
    .await?;
    Ok(rows
        .into_iter()
        .map(|(username, what, at)| crate::ReadLogEntry { username, what, at: Timestamp::from_micros(at) })
        .collect())
}

pub(super) async fn case_by_number(
    store: &SqlStore<Db>,
    number: &CaseNumber,
) -> Result<Option<StoredCase>, StoreError> {
    let mut conn = store.read.acquire().await?;
    case_where_number(&mut conn, &number.to_string()).await
}

pub(super) async fn list_cases(store: &SqlStore<Db>, q: &CaseQuery) -> Result<CasePage, StoreError> {
    let mut conn = store.read.acquire().await?;
    let union_ids = query_union_ids(&mut conn, q).await?;
    if union_ids.is_empty() {
        return Ok(CasePage { total: 0, total_exact: true, cases: Vec::new() });
    }
    let in_time_order = matches!(q.sort, crate::CaseSort::Newest | crate::CaseSort::Oldest);
    let wanted = q.offset.max(0) + q.limit.max(1);
    if q.text.as_deref().is_some_and(|t| !t.trim().is_empty()) {
        if let Some(expression) = search_expression(q, sole_root(&mut conn).await?) {
            return list_found_cases(&mut conn, q, &union_ids, &expression, in_time_order, wanted).await;
        }
    }
    let total = list_total(&mut conn, q, &union_ids).await?;
    // A list in time order either walks every case newest (or oldest) first until the
    // page is full, reading about (offset + limit) × all ÷ total cases, or finds all
    // `total` matches by their unions' index and sorts them. Walk when that reads fewer:
    // a district's first page (10k of 1M cases) walks 2,500 rows instead of sorting 10k;
    // the province's 600 registered cases are looked up, not walked for 40k rows.
    let how = if in_time_order
        && (total as f64) * (total as f64) >= (wanted as f64) * all_cases_conn(&mut conn).await? as f64
    {
        UnionFilter::Scanned
    } else {
        UnionFilter::Indexed
    };
    let cases = case_page(&mut conn, q, &union_ids, how, None).await?;
    Ok(CasePage { total, total_exact: true, cases })
}

pub(super) async fn count_by_status(store: &SqlStore<Db>, q: &CaseQuery) -> Result<crate::TabCounts, StoreError> {
    let q = CaseQuery { status: None, ..q.clone() };
    if let Some(union_id) = tally_countable(&q) {
        if !q.open_only {
            let mut conn = store.read.acquire().await?;
            let union_ids = query_union_ids(&mut conn, &q).await?;
            return visible_status_counts(&mut conn, &q, union_id, &union_ids).await.map(crate::TabCounts::exact);
        }
    }
    let mut counts: std::collections::BTreeMap<String, i64> =
        Status::ALL.iter().map(|s| (s.as_str().to_owned(), 0)).collect();
    let mut conn = store.read.acquire().await?;
    let union_ids = query_union_ids(&mut conn, &q).await?;
    if union_ids.is_empty() {
        return Ok(crate::TabCounts::exact(counts));
    }
    let searched = q.text.as_deref().is_some_and(|t| !t.trim().is_empty());
    if let Some(expression) = if searched { search_expression(&q, sole_root(&mut conn).await?) } else { None } {
        return search_status_counts(&mut conn, &q, &union_ids, &expression, counts).await;
    }
    let mut qb = QueryBuilder::<Db>::new("SELECT c.status, COUNT(*) FROM cases c");
    push_case_filters(&mut qb, &q, &union_ids);
    qb.push(" GROUP BY c.status");
    let rows: Vec<(String, i64)> = qb.build_query_as().fetch_all(&mut *conn).await?;
    counts.extend(rows);
    Ok(crate::TabCounts::exact(counts))
}
