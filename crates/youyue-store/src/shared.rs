// The SQL implementation of `Store`, compiled once per backend: `sqlite.rs` and
// `postgres.rs` each `include!` this file after defining `Db` (the sqlx database type) and
// `BACKEND`. Everything here must read the same on SQLite and PostgreSQL: `$n`
// placeholders, TEXT / 64-bit integer / boolean columns, `RETURNING`, `ON CONFLICT`, and
// sums of BIGINT columns through `SUM_BIGINT` (PostgreSQL's SUM(bigint) is a numeric).

use crate::rows::{
    CaseColumns, CaseRow, EntryRow, UnionRow, UserRow, CASE_SELECT, ENTRY_SELECT, UNION_SELECT, USER_SELECT,
};
use crate::{
    like_escape, Actor, Backend, CasePage, CaseQuery, ExportSink, ImportError, ImportSource, ImportSummary, Store,
    StoredCase, Union, User,
};
use async_trait::async_trait;
use sqlx::{Database, QueryBuilder, Row};
use std::collections::{HashMap, HashSet};
use youyue_domain::command::{diff, Change};
use youyue_domain::exchange::{CaseRecord, Line, RecordEntry, UnionRecord, UserRecord};
use youyue_domain::stats::Stats;
use youyue_domain::studio::{BulletinRecord, StudioItem, StudioItemRecord};
use youyue_domain::{CaseNumber, Money, Period, Status, Timestamp, UnionCode};

/// The case row's update in this backend's parameters (`Backend::param`).
static CASE_UPDATE_SQL: std::sync::LazyLock<String> =
    std::sync::LazyLock::new(|| crate::rows::case_update_sql(BACKEND));

type Conn = <Db as Database>::Connection;
type Query<'q> = sqlx::query::Query<'q, Db, <Db as Database>::Arguments<'q>>;

fn bind_case<'q>(q: Query<'q>, c: &'q CaseColumns) -> Query<'q> {
    q.bind(c.kind)
        .bind(c.channel)
        .bind(c.collective)
        .bind(c.online)
        .bind(c.scheduled)
        .bind(c.immediate)
        .bind(c.people)
        .bind(&c.title)
        .bind(&c.description)
        .bind(c.anonymous)
        .bind(&c.worker_name)
        .bind(&c.contact)
        .bind(c.opened_at)
        .bind(c.status)
        .bind(c.urgency)
        .bind(&c.due_on)
        .bind(c.accepted_at)
        .bind(c.closed_at)
        .bind(c.agreement)
        .bind(c.amount_recovered_fen)
        .bind(c.adopted)
        .bind(&c.resolution)
        .bind(&c.explanation)
        .bind(c.rating)
        .bind(&c.rating_comment)
        .bind(c.rated_at)
        .bind(&c.tracking_code_hash)
        .bind(&c.supervised_due_on)
}

fn is_unique_violation(e: &sqlx::Error) -> bool {
    matches!(e, sqlx::Error::Database(d) if d.is_unique_violation())
}

async fn union_where(conn: &mut Conn, clause: &str, value: &str) -> Result<Option<Union>, StoreError> {
    let row: Option<UnionRow> =
        sqlx::query_as(&format!("{UNION_SELECT} WHERE {clause}")).bind(value).fetch_optional(&mut *conn).await?;
    row.map(Union::try_from).transpose()
}

async fn union_by_id_conn(conn: &mut Conn, id: i64) -> Result<Option<Union>, StoreError> {
    let row: Option<UnionRow> =
        sqlx::query_as(&format!("{UNION_SELECT} WHERE u.id = $1")).bind(id).fetch_optional(&mut *conn).await?;
    row.map(Union::try_from).transpose()
}

async fn user_where(conn: &mut Conn, clause: &str, value: &str) -> Result<Option<User>, StoreError> {
    let row: Option<UserRow> =
        sqlx::query_as(&format!("{USER_SELECT} WHERE {clause}")).bind(value).fetch_optional(&mut *conn).await?;
    row.map(User::try_from).transpose()
}

async fn case_where_id(conn: &mut Conn, id: i64) -> Result<StoredCase, StoreError> {
    let row: Option<CaseRow> =
        sqlx::query_as(&format!("{CASE_SELECT} WHERE c.id = $1")).bind(id).fetch_optional(&mut *conn).await?;
    row.map(StoredCase::try_from).transpose()?.ok_or_else(|| StoreError::NotFound(format!("case {id}")))
}

async fn case_where_number(conn: &mut Conn, number: &str) -> Result<Option<StoredCase>, StoreError> {
    let row: Option<CaseRow> =
        sqlx::query_as(&format!("{CASE_SELECT} WHERE c.number = $1")).bind(number).fetch_optional(&mut *conn).await?;
    row.map(StoredCase::try_from).transpose()
}

/// The record as stored: a top-level union always has a prefix, others never.
fn normalized_union(rec: &UnionRecord) -> UnionRecord {
    let mut r = rec.clone();
    if r.parent.is_some() {
        r.case_prefix = None;
    } else if r.case_prefix.is_none() {
        r.case_prefix = Some(r.code.default_case_prefix());
    }
    r
}

/// Creates or updates a union inside the caller's transaction. Returns the union and
/// whether it was created (Some(true)), updated (Some(false)) or unchanged (None), and
/// whether it moved under another parent (the caller then rebuilds the tallies: every
/// figure above it changes).
async fn put_union_conn(
    conn: &mut Conn,
    rec: &UnionRecord,
    now: Timestamp,
) -> Result<(Union, Option<bool>, bool), StoreError> {
    let rec = normalized_union(rec);
    let parent = match &rec.parent {
        Some(code) => Some(
            union_where(conn, "u.code = $1", code.as_str())
                .await?
                .ok_or_else(|| StoreError::invalid("parent", format!("union \"{code}\" does not exist")))?,
        ),
        None => None,
    };
    let studio = rec.studio_opened_on.map(|d| d.to_string());
    let existing = union_where(conn, "u.code = $1", rec.code.as_str()).await?;
    let Some(old) = existing else {
        let depth = parent.as_ref().map_or(0, |p| p.depth + 1);
        let temp_path = format!("#{}", rec.code);
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO unions (code, name, parent_id, path, depth, root_id, case_prefix, studio_opened_on, created_at) \
             VALUES ($1, $2, $3, $4, $5, 0, $6, $7, $8) RETURNING id",
        )
        .bind(rec.code.as_str())
        .bind(&rec.name)
        .bind(parent.as_ref().map(|p| p.id))
        .bind(&temp_path)
        .bind(depth)
        .bind(&rec.case_prefix)
        .bind(&studio)
        .bind(now.micros())
        .fetch_one(&mut *conn)
        .await?;
        let (path, root) = match &parent {
            Some(p) => (format!("{}{id}/", p.path), p.root_id),
            None => (format!("/{id}/"), id),
        };
        sqlx::query("UPDATE unions SET path = $2, root_id = $3 WHERE id = $1")
            .bind(id)
            .bind(&path)
            .bind(root)
            .execute(&mut *conn)
            .await?;
        let u = union_by_id_conn(conn, id).await?.ok_or_else(|| StoreError::NotFound(format!("union {id}")))?;
        return Ok((u, Some(true), false));
    };
    if old.record == rec {
        return Ok((old, None, false));
    }
    sqlx::query("UPDATE unions SET name = $2, case_prefix = $3, studio_opened_on = $4 WHERE id = $1")
        .bind(old.id)
        .bind(&rec.name)
        .bind(&rec.case_prefix)
        .bind(&studio)
        .execute(&mut *conn)
        .await?;
    if old.record.parent != rec.parent {
        if let Some(p) = &parent {
            if old.contains(&p.path) {
                return Err(StoreError::invalid(
                    "parent",
                    format!("union \"{}\" lies under \"{}\": that would make a cycle", p.record.code, rec.code),
                ));
            }
        }
        let (new_path, new_root, new_depth) = match &parent {
            Some(p) => (format!("{}{}/", p.path, old.id), p.root_id, p.depth + 1),
            None => (format!("/{}/", old.id), old.id, 0),
        };
        // Moves the whole subtree: every path below starts with the old path.
        sqlx::query(
            "UPDATE unions SET path = $1 || substr(path, length($2) + 1), depth = depth + $3, root_id = $4 \
             WHERE path LIKE $5",
        )
        .bind(&new_path)
        .bind(&old.path)
        .bind(new_depth - old.depth)
        .bind(new_root)
        .bind(format!("{}%", old.path))
        .execute(&mut *conn)
        .await?;
        sqlx::query("UPDATE unions SET parent_id = $2 WHERE id = $1")
            .bind(old.id)
            .bind(parent.as_ref().map(|p| p.id))
            .execute(&mut *conn)
            .await?;
        // Its cases are filed under every union on their path.
        reindex_stored(conn, &new_path, true).await?;
    }
    let u = union_by_id_conn(conn, old.id).await?.ok_or_else(|| StoreError::NotFound(format!("union {}", old.id)))?;
    Ok((u, Some(false), old.record.parent != rec.parent))
}

/// Appends one entry to a case's record book, chained to the entry before it
/// (`youyue_domain::chain`), and returns its number.
#[allow(clippy::too_many_arguments)]
async fn append_entry(
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
    let detail = detail.to_string();
    let content = youyue_domain::chain::EntryContent {
        case_number,
        seq,
        at_micros: at.micros(),
        actor,
        action,
        internal,
        detail: &detail,
    };
    let hash = youyue_domain::chain::entry_hash(prev.as_deref().unwrap_or(youyue_domain::chain::GENESIS), &content);
    sqlx::query(
        "INSERT INTO record_entries (case_id, seq, at, actor, action, internal, detail, hash) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
    )
    .bind(case_id)
    .bind(seq)
    .bind(at.micros())
    .bind(actor)
    .bind(action)
    .bind(internal)
    .bind(&detail)
    .bind(hash)
    .execute(&mut *conn)
    .await?;
    Ok(seq)
}

/// Raises the counter of a prefix and year to at least `seq`, so that new cases never take
/// an imported number.
async fn bump_counter(conn: &mut Conn, prefix: &str, year: i32, seq: i64) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO case_counters (prefix, year, last) VALUES ($1, $2, $3) ON CONFLICT (prefix, year) \
         DO UPDATE SET last = CASE WHEN case_counters.last < excluded.last THEN excluded.last ELSE case_counters.last END",
    )
    .bind(prefix)
    .bind(i64::from(year))
    .bind(seq)
    .execute(&mut *conn)
    .await?;
    Ok(())
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

fn push_case_filters(qb: &mut QueryBuilder<'_, Db>, q: &CaseQuery, union_ids: &[i64]) {
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
    // status (every union, then the status) and sort all it found: 1.3 s for the resolved
    // cases of a province of a million, against 2 ms walking. `|| ''` leaves it no index.
    let status_column = if how == UnionFilter::Scanned { "(c.status || '')" } else { "c.status" };
    if let Some(s) = q.status {
        qb.push(format!(" AND {status_column} = "));
        qb.push_bind(s.as_str());
    }
    if q.open_only {
        // IN, not NOT IN: with the union, SQLite seeks `cases_union_status` for each open
        // status instead of reading every case of the unions (a district's: 1 ms, not 40).
        let open: Vec<String> =
            Status::ALL.iter().filter(|s| !s.is_closed()).map(|s| format!("'{}'", s.as_str())).collect();
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
        qb.push(" AND c.status NOT IN ('resolved', 'explained') AND c.due_on < ");
        qb.push_bind(d.clone());
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
    if let Some(f) = &q.figure {
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
    }
    if let Some(t) = q.text.as_deref().map(str::trim).filter(|t| !t.is_empty()) {
        if let Ok(n) = t.parse::<CaseNumber>() {
            qb.push(" AND c.number = ");
            qb.push_bind(n.to_string());
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
                .filter(|(s, _)| !q.open_only || Status::parse(s).is_some_and(|s| !s.is_closed()))
                .map(|(_, n)| *n)
                .sum()
        }
        (None, None) => match tally_kind_or_channel_total(conn, q).await? {
            Some(n) => n,
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
    if let (UnionFilter::Scanned, Some(settings)) = (how, WALK_SETTINGS_SQL) {
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
    // index to probe the page's 25 ids (0.6 s at a million).
    list.push(format!(") p CROSS JOIN cases c {joins} WHERE c.id = p.page_id{order}"));
    let prepared = search.is_none() || SEARCH_STATEMENTS_PREPARED;
    let rows: Vec<CaseRow> = list.build_query_as().persistent(prepared).fetch_all(&mut *conn).await?;
    rows.into_iter().map(StoredCase::try_from).collect()
}

/// The cases with these ids in `order` (an `ORDER BY` on `c`), `limit` of them from
/// `offset`: a page whose ids were found by a statement of their own.
async fn cases_by_ids(
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

async fn union_id_for(conn: &mut Conn, code: &UnionCode) -> Result<i64, StoreError> {
    union_where(conn, "u.code = $1", code.as_str())
        .await?
        .map(|u| u.id)
        .ok_or_else(|| StoreError::invalid("union", format!("union \"{code}\" does not exist")))
}

/// Posts a bulletin; one already there (same union, time and title) is left as it is.
/// Returns whether it was new.
async fn post_bulletin_conn(conn: &mut Conn, b: &BulletinRecord) -> Result<bool, StoreError> {
    let union_id = union_id_for(conn, &b.union).await?;
    let done = sqlx::query(
        "INSERT INTO bulletins (union_id, title, body, posted_by, posted_at) VALUES ($1, $2, $3, $4, $5) \
         ON CONFLICT (union_id, posted_at, title) DO NOTHING",
    )
    .bind(union_id)
    .bind(&b.title)
    .bind(&b.body)
    .bind(&b.posted_by)
    .bind(b.posted_at.micros())
    .execute(&mut *conn)
    .await?;
    Ok(done.rows_affected() == 1)
}

async fn set_studio_item_conn(conn: &mut Conn, r: &StudioItemRecord) -> Result<(), StoreError> {
    let union_id = union_id_for(conn, &r.union).await?;
    sqlx::query(
        "INSERT INTO studio_items (union_id, item, done, note, updated_by, updated_at) VALUES ($1, $2, $3, $4, $5, $6) \
         ON CONFLICT (union_id, item) DO UPDATE SET done = excluded.done, note = excluded.note, \
         updated_by = excluded.updated_by, updated_at = excluded.updated_at",
    )
    .bind(union_id)
    .bind(r.item.as_str())
    .bind(r.done)
    .bind(&r.note)
    .bind(&r.updated_by)
    .bind(r.updated_at.micros())
    .execute(&mut *conn)
    .await?;
    Ok(())
}

#[derive(sqlx::FromRow)]
struct BulletinRow {
    union_code: String,
    title: String,
    body: String,
    posted_by: String,
    posted_at: i64,
}

const BULLETIN_SELECT: &str =
    "SELECT u.code AS union_code, b.title, b.body, b.posted_by, b.posted_at FROM bulletins b JOIN unions u ON u.id = b.union_id";

impl TryFrom<BulletinRow> for BulletinRecord {
    type Error = StoreError;
    fn try_from(r: BulletinRow) -> Result<Self, StoreError> {
        Ok(BulletinRecord {
            union: r.union_code.parse().map_err(|_| StoreError::Corrupt(r.union_code.clone()))?,
            title: r.title,
            body: r.body,
            posted_by: r.posted_by,
            posted_at: Timestamp::from_micros(r.posted_at),
        })
    }
}

#[derive(sqlx::FromRow)]
struct StudioItemRow {
    union_code: String,
    item: String,
    done: bool,
    note: String,
    updated_by: String,
    updated_at: i64,
}

const STUDIO_ITEM_SELECT: &str = "SELECT u.code AS union_code, s.item, s.done, s.note, s.updated_by, s.updated_at \
     FROM studio_items s JOIN unions u ON u.id = s.union_id";

impl TryFrom<StudioItemRow> for StudioItemRecord {
    type Error = StoreError;
    fn try_from(r: StudioItemRow) -> Result<Self, StoreError> {
        Ok(StudioItemRecord {
            union: r.union_code.parse().map_err(|_| StoreError::Corrupt(r.union_code.clone()))?,
            item: StudioItem::parse(&r.item).ok_or_else(|| StoreError::Corrupt(r.item.clone()))?,
            done: r.done,
            note: r.note,
            updated_by: r.updated_by,
            updated_at: Timestamp::from_micros(r.updated_at),
        })
    }
}

fn calendar_day(
    (day, kind, name): (String, String, String),
) -> Result<youyue_domain::calendar::CalendarDay, StoreError> {
    Ok(youyue_domain::calendar::CalendarDay {
        day: youyue_domain::time::parse_date(&day).map_err(|_| StoreError::Corrupt(day.clone()))?,
        kind: youyue_domain::calendar::DayKind::parse(&kind).ok_or_else(|| StoreError::Corrupt(kind.clone()))?,
        name,
    })
}

async fn set_calendar_day_conn(conn: &mut Conn, d: &youyue_domain::calendar::CalendarDay) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO calendar_days (day, kind, name) VALUES ($1, $2, $3) \
         ON CONFLICT (day) DO UPDATE SET kind = excluded.kind, name = excluded.name",
    )
    .bind(d.day.to_string())
    .bind(d.kind.as_str())
    .bind(&d.name)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

async fn cast_vote_conn(conn: &mut Conn, v: &youyue_domain::appraisal::UnionVote) -> Result<bool, StoreError> {
    let union_id = union_id_for(conn, &v.union).await?;
    let done = sqlx::query(
        "INSERT INTO union_votes (union_id, round, key, voter, score, comment, at) VALUES ($1, $2, $3, $4, $5, $6, $7) \
         ON CONFLICT (union_id, round, key, voter) DO NOTHING",
    )
    .bind(union_id)
    .bind(v.round.as_str())
    .bind(&v.key)
    .bind(&v.voter)
    .bind(v.score)
    .bind(&v.comment)
    .bind(v.at.micros())
    .execute(&mut *conn)
    .await?;
    Ok(done.rows_affected() == 1)
}

async fn set_setting_conn(conn: &mut Conn, key: &str, value: &serde_json::Value) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO settings (key, value) VALUES ($1, $2) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
    )
    .bind(key)
    .bind(value.to_string())
    .execute(&mut *conn)
    .await?;
    Ok(())
}

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

/// A case line that looked new, and the record-book lines that followed it.
struct HeldCase {
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
/// Record-book entries held (8 parameters each), written in statements of as many rows;
/// past it the batch is written at the next case line.
const HELD_ENTRIES_MAX: usize = 2000;

/// The cases an import touched live in a temporary table, not in memory, so that importing
/// ten million cases needs no more memory than importing ten. `created`: inserted by this
/// import; `with_records`: the file had record lines for it; `diff`: an update's changes;
/// `number`: kept so that the import's own entries need not read the cases back.
/// Both databases drop a temporary table with the transaction that created it if that
/// fails; `import_in` drops it when it succeeds.
const IMPORT_TOUCHED_SQL: &str = "CREATE TEMP TABLE IF NOT EXISTS import_touched \
     (case_id BIGINT PRIMARY KEY, created BOOLEAN NOT NULL, with_records BOOLEAN NOT NULL, diff TEXT, number TEXT NOT NULL)";

/// A record-book entry ready to insert, its hash computed.
struct NewEntry {
    case_id: i64,
    seq: i64,
    at: i64,
    actor: String,
    action: String,
    internal: bool,
    detail: String,
    hash: String,
}

impl NewEntry {
    fn chained(case_id: i64, number: &str, prev: &str, seq: i64, e: &RecordEntry) -> NewEntry {
        NewEntry::chained_parts(case_id, number, prev, seq, e.at, &e.actor, &e.action, e.internal, e.detail.to_string())
    }

    #[allow(clippy::too_many_arguments)]
    fn chained_parts(
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
async fn insert_entries(conn: &mut Conn, entries: &[NewEntry]) -> Result<(), StoreError> {
    for chunk in entries.chunks(HELD_ENTRIES_MAX) {
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

async fn import_line(
    conn: &mut Conn,
    st: &mut ImportState,
    line: usize,
    parsed: &Line,
    now: Timestamp,
) -> Result<LineResult, ImportError> {
    let at = |message: String| ImportError { line, message };
    let db = |e: StoreError| ImportError { line, message: e.to_string() };
    match parsed {
        Line::Union(rec) => {
            if let Some(parent) = &rec.parent {
                if union_id_of(conn, st, parent).await.map_err(db)?.is_none() {
                    return Ok(LineResult::Waiting(format!(
                        "parent: union \"{parent}\" is defined nowhere in the file or the database"
                    )));
                }
            }
            let (u, created, moved) = put_union_conn(conn, rec, now).await.map_err(db)?;
            st.rebuild_tallies |= moved;
            match created {
                Some(true) => st.sum.unions_created += 1,
                Some(false) => st.sum.unions_updated += 1,
                None => st.sum.unchanged += 1,
            }
            st.unions.insert(u.record.code.clone(), u.id);
        }
        Line::User(rec) => {
            let Some(union_id) = union_id_of(conn, st, &rec.union).await.map_err(db)? else {
                return Ok(LineResult::Waiting(format!(
                    "union: union \"{}\" is defined nowhere in the file or the database",
                    rec.union
                )));
            };
            let existing = user_where(conn, "s.username = $1", &rec.username).await.map_err(db)?;
            let id = match existing {
                Some(u) => {
                    let same = u.name == rec.name
                        && u.union_id == union_id
                        && u.role == rec.role
                        && u.password_hash == rec.password_hash
                        && u.active == rec.active;
                    if same {
                        st.sum.unchanged += 1;
                    } else {
                        sqlx::query("UPDATE users SET name = $2, union_id = $3, role = $4, password_hash = $5, active = $6 WHERE id = $1")
                            .bind(u.id)
                            .bind(&rec.name)
                            .bind(union_id)
                            .bind(rec.role.as_str())
                            .bind(&rec.password_hash)
                            .bind(rec.active)
                            .execute(&mut *conn)
                            .await
                            .map_err(|e| db(e.into()))?;
                        st.sum.users_updated += 1;
                    }
                    u.id
                }
                None => {
                    st.sum.users_created += 1;
                    insert_user(conn, rec, union_id, now).await.map_err(db)?
                }
            };
            st.users.insert(rec.username.clone(), id);
        }
        Line::Case(rec) => {
            let Some(union_id) = union_id_of(conn, st, &rec.union).await.map_err(db)? else {
                return Ok(LineResult::Waiting(format!(
                    "union: union \"{}\" is defined nowhere in the file or the database",
                    rec.union
                )));
            };
            let handler_id = match &rec.handler {
                Some(h) => match user_id_of(conn, st, h).await.map_err(db)? {
                    Some(id) => Some(id),
                    None => {
                        return Ok(LineResult::Waiting(format!(
                            "handler: user \"{h}\" is defined nowhere in the file or the database"
                        )))
                    }
                },
                None => None,
            };
            let worker_id = match &rec.worker_account {
                Some(w) => match user_id_of(conn, st, w).await.map_err(db)? {
                    Some(id) => Some(id),
                    None => {
                        return Ok(LineResult::Waiting(format!(
                            "worker_account: user \"{w}\" is defined nowhere in the file or the database"
                        )))
                    }
                },
                None => None,
            };
            let number = rec.number.to_string();
            let stored = case_where_number(conn, &number).await.map_err(db)?;
            if let Some(old) = &stored {
                let seen: Option<i64> = sqlx::query_scalar("SELECT case_id FROM import_touched WHERE case_id = $1")
                    .bind(old.id)
                    .fetch_optional(&mut *conn)
                    .await
                    .map_err(|e| db(e.into()))?;
                if seen.is_some() {
                    return Err(at(format!("number: case {number} appears twice in this file")));
                }
            }
            st.count_irregular(line, rec);
            match stored {
                Some(old) if old.record == **rec => {
                    st.sum.unchanged += 1;
                    mark_touched(conn, old.id, &number, false, None).await.map_err(db)?;
                }
                Some(old) => {
                    let cols = CaseColumns::from(rec.as_ref());
                    let q = sqlx::query(&CASE_UPDATE_SQL);
                    bind_case(q, &cols)
                        .bind(union_id)
                        .bind(handler_id)
                        .bind(worker_id)
                        .bind(now.micros())
                        .bind(old.id)
                        .bind(old.version)
                        .execute(&mut *conn)
                        .await
                        .map_err(|e| db(e.into()))?;
                    let mut paths = union_path_ids(conn, &HashSet::from([union_id])).await.map_err(db)?;
                    let unions = paths
                        .remove(&union_id)
                        .ok_or_else(|| db(StoreError::Corrupt(format!("union {union_id} has no path"))))?;
                    let filed = CaseText::of(old.id, &old.union_path, old.handler_id, &old.record).map_err(db)?;
                    let refiled = CaseText::with_unions(old.id, unions, handler_id, rec);
                    reindex_changed(conn, &filed, &refiled).await.map_err(db)?;
                    st.sum.cases_updated += 1;
                    mark_touched(conn, old.id, &number, false, Some(diff(&old.record, rec).to_string()))
                        .await
                        .map_err(db)?;
                    st.retally(Some((old.union_id, old.record)), (union_id, (**rec).clone()));
                }
                None => {
                    let row = NewCaseRow::new(rec, union_id, worker_id, handler_id, now, import_record_len(0));
                    let inserted = insert_cases(conn, std::slice::from_ref(&row), false).await.map_err(db)?;
                    let id = *inserted
                        .get(&number)
                        .ok_or_else(|| db(StoreError::Corrupt(format!("case {number} not inserted"))))?;
                    st.count_number(&rec.number);
                    st.sum.cases_created += 1;
                    mark_touched(conn, id, &number, true, None).await.map_err(db)?;
                    st.retally(None, (union_id, (**rec).clone()));
                }
            }
        }
        Line::StudioItem(r) => {
            if union_id_of(conn, st, &r.union).await.map_err(db)?.is_none() {
                return Ok(LineResult::Waiting(format!(
                    "union: union \"{}\" is defined nowhere in the file or the database",
                    r.union
                )));
            }
            set_studio_item_conn(conn, r).await.map_err(db)?;
        }
        Line::Bulletin(b) => {
            if union_id_of(conn, st, &b.union).await.map_err(db)?.is_none() {
                return Ok(LineResult::Waiting(format!(
                    "union: union \"{}\" is defined nowhere in the file or the database",
                    b.union
                )));
            }
            if !post_bulletin_conn(conn, b).await.map_err(db)? {
                st.sum.unchanged += 1;
            }
        }
        Line::UnionVote(v) => {
            if union_id_of(conn, st, &v.union).await.map_err(db)?.is_none() {
                return Ok(LineResult::Waiting(format!(
                    "union: union \"{}\" is defined nowhere in the file or the database",
                    v.union
                )));
            }
            if !cast_vote_conn(conn, v).await.map_err(db)? {
                st.sum.unchanged += 1;
            }
        }
        Line::Setting(r) => {
            set_setting_conn(conn, &r.key, &r.value).await.map_err(db)?;
        }
        Line::CalendarDay(d) => {
            set_calendar_day_conn(conn, d).await.map_err(db)?;
            st.rebuild_tallies = true;
        }
        Line::Record(entry) => {
            let number = entry.case.to_string();
            let Some(case) = case_where_number(conn, &number).await.map_err(db)? else {
                return Ok(LineResult::Waiting(format!(
                    "case: case {number} is defined nowhere in the file or the database"
                )));
            };
            // A case this import created without record lines counts the import entry it
            // is owed (written at the end); until then its record book is empty.
            let owed: bool = case.record_len == 1
                && sqlx::query_scalar::<_, bool>(
                    "SELECT created AND NOT with_records FROM import_touched WHERE case_id = $1",
                )
                .bind(case.id)
                .fetch_optional(&mut *conn)
                .await
                .map_err(|e| db(e.into()))?
                .unwrap_or(false);
            let record_len = if owed { 0 } else { case.record_len };
            let stored: Option<EntryRow> =
                sqlx::query_as(&format!("{ENTRY_SELECT} WHERE e.case_id = $1 AND e.seq = $2"))
                    .bind(case.id)
                    .bind(entry.seq)
                    .fetch_optional(&mut *conn)
                    .await
                    .map_err(|e| db(e.into()))?;
            match stored {
                Some(row) => {
                    if row.into_entry().map_err(db)? != *entry {
                        return Err(at(format!(
                            "record entry {} of case {number} differs from the stored one; a record book is never rewritten",
                            entry.seq
                        )));
                    }
                    st.sum.unchanged += 1;
                }
                None if entry.seq == record_len + 1 => {
                    st.deferred.build(conn).await.map_err(|e| at(format!("building the indexes again: {e}")))?;
                    if record_len < case.record_len {
                        // The import entry this case was owed gives way to its record lines.
                        sqlx::query("UPDATE cases SET record_len = $2 WHERE id = $1")
                            .bind(case.id)
                            .bind(record_len)
                            .execute(&mut *conn)
                            .await
                            .map_err(|e| db(e.into()))?;
                    }
                    append_entry(
                        conn,
                        case.id,
                        &number,
                        entry.at,
                        &entry.actor,
                        &entry.action,
                        entry.internal,
                        &entry.detail,
                    )
                    .await
                    .map_err(db)?;
                    st.sum.records_added += 1;
                }
                None => {
                    return Err(at(format!(
                        "seq: entry {} of case {number} leaves a gap; the next entry is {}",
                        entry.seq,
                        record_len + 1
                    )))
                }
            }
            sqlx::query("UPDATE import_touched SET with_records = TRUE WHERE case_id = $1")
                .bind(case.id)
                .execute(&mut *conn)
                .await
                .map_err(|e| db(e.into()))?;
        }
    }
    Ok(LineResult::Done)
}

/// The indexes an import into an empty database leaves aside: dropped in its transaction
/// before the first line and built again after the last, before the figures are counted. A
/// B-tree filled in key order by one sort is many times cheaper than one whose every
/// insert lands on a random page: a province's cases arrive in time order, but four of
/// the case indexes begin with the union, and the search index's (PostgreSQL's GIN) with a
/// word. Into a database that has cases, rows go in with the indexes in place, as before;
/// the transaction makes either way all or nothing.
#[derive(Default)]
struct DeferredIndexes {
    /// Name and `CREATE INDEX` statement, as the database reported them.
    definitions: Vec<(String, String)>,
}

impl DeferredIndexes {
    async fn drop_if_empty(conn: &mut Conn) -> Result<DeferredIndexes, sqlx::Error> {
        let has_cases: bool = sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM cases)").fetch_one(&mut *conn).await?;
        if has_cases {
            return Ok(DeferredIndexes::default());
        }
        let definitions: Vec<(String, String)> = sqlx::query_as(DEFERRABLE_INDEXES_SQL).fetch_all(&mut *conn).await?;
        for (name, _) in &definitions {
            // Names come from the database's catalogue, not from the file being imported.
            sqlx::query(&format!("DROP INDEX \"{name}\"")).execute(&mut *conn).await?;
        }
        Ok(DeferredIndexes { definitions })
    }

    /// Builds the indexes set aside, if any. It must come before the import updates a
    /// case it inserted: PostgreSQL cannot use, in the transaction that built it, an index
    /// built over rows this transaction has updated ("broken HOT chains"), and then reads
    /// every case for each union when counting the figures.
    async fn build(&mut self, conn: &mut Conn) -> Result<(), sqlx::Error> {
        let definitions = std::mem::take(&mut self.definitions);
        if definitions.is_empty() {
            return Ok(());
        }
        if let Some(sql) = INDEX_BUILD_SQL {
            sqlx::query(sql).execute(&mut *conn).await?;
        }
        for (_, definition) in definitions {
            sqlx::query(&definition).execute(&mut *conn).await?;
        }
        Ok(())
    }
}

/// The fast path of an import: a case line whose union (and handler, worker account) are
/// known is held, with the record lines right after it (the order `export` and the
/// generator write), and written with others many rows a statement by `flush_held`. Any
/// other line is given back, to go the line-by-line way once the held cases are written.
async fn hold(
    conn: &mut Conn,
    st: &mut ImportState,
    line: usize,
    parsed: Line,
    now: Timestamp,
) -> Result<Option<Line>, ImportError> {
    let db = |e: StoreError| ImportError { line, message: e.to_string() };
    match parsed {
        Line::Case(rec) => {
            let number = rec.number.to_string();
            if st.held_numbers.contains(&number) {
                return Ok(Some(Line::Case(rec)));
            }
            let Some(union_id) = union_id_of(conn, st, &rec.union).await.map_err(db)? else {
                return Ok(Some(Line::Case(rec)));
            };
            let handler_id = match &rec.handler {
                Some(h) => match user_id_of(conn, st, h).await.map_err(db)? {
                    Some(id) => Some(id),
                    None => return Ok(Some(Line::Case(rec))),
                },
                None => None,
            };
            let worker_id = match &rec.worker_account {
                Some(w) => match user_id_of(conn, st, w).await.map_err(db)? {
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
async fn flush_held(conn: &mut Conn, st: &mut ImportState, now: Timestamp) -> Result<(), ImportError> {
    let held = std::mem::take(&mut st.held);
    st.held_numbers.clear();
    st.held_entries = 0;
    let Some(first_line) = held.first().map(|c| c.line) else { return Ok(()) };
    let fail = |e: sqlx::Error| ImportError { line: first_line, message: format!("database: {e}") };
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
            return Err(ImportError { line, message: why });
        }
        for (line, entry) in case.entries {
            if let LineResult::Waiting(why) = import_line(conn, st, line, &Line::Record(entry), now).await? {
                return Err(ImportError { line, message: why });
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
        touched.push((id, number, !case.entries.is_empty()));
        let mut prev = youyue_domain::chain::GENESIS.to_owned();
        for (i, (_, e)) in case.entries.iter().enumerate() {
            let entry = NewEntry::chained(id, number, &prev, i as i64 + 1, e);
            prev.clone_from(&entry.hash);
            entries.push(entry);
        }
    }
    insert_entries(conn, &entries).await?;
    if !touched.is_empty() {
        let mut qb =
            QueryBuilder::<Db>::new("INSERT INTO import_touched (case_id, created, with_records, diff, number) ");
        qb.push_values(&touched, |mut row, (id, number, with_records)| {
            row.push_bind(*id).push_bind(true).push_bind(*with_records).push_bind(None::<String>).push_bind(*number);
        });
        qb.build().execute(&mut *conn).await?;
    }
    Ok(ids.into_keys().collect())
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
        // cases back cost a page read per case, which at ten million in one SQLite
        // transaction meant searching a ~10 GB write-ahead log for each.
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

impl crate::SqlStore<Db> {
    /// Streams the lines into the caller's transaction. A line that refers to something
    /// not yet seen (a child before its parent, a case before its union) waits and is tried
    /// again after the rest; files written by export never wait.
    async fn import_in(
        &self,
        conn: &mut Conn,
        lines: &mut ImportSource<'_>,
        now: Timestamp,
        deferred: DeferredIndexes,
    ) -> Result<ImportSummary, ImportError> {
        let mut st = ImportState { deferred, ..ImportState::default() };
        let mut waiting: Vec<(usize, Line, String)> = Vec::new();
        let mut last_line = 0;
        let fail = |line: usize| move |e: sqlx::Error| ImportError { line, message: format!("database: {e}") };
        sqlx::query(IMPORT_TOUCHED_SQL).execute(&mut *conn).await.map_err(fail(0))?;
        sqlx::query("DELETE FROM import_touched").execute(&mut *conn).await.map_err(fail(0))?;
        for (line, parsed) in lines {
            last_line = line;
            let parsed = match parsed {
                Ok(p) => p,
                Err(message) => {
                    // An error in a held case, on an earlier line, is named first.
                    flush_held(conn, &mut st, now).await?;
                    return Err(ImportError { line, message });
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
                let (line, _, why) = still.swap_remove(0);
                return Err(ImportError { line, message: why });
            }
            waiting = still;
        }
        let at_end = |e: StoreError| ImportError { line: last_line, message: e.to_string() };
        for ((prefix, year), seq) in std::mem::take(&mut st.counters) {
            bump_counter(conn, &prefix, year, seq).await.map_err(at_end)?;
        }
        // Before the import entries (which update the cases an import changed).
        st.deferred
            .build(conn)
            .await
            .map_err(|e| ImportError { line: last_line, message: format!("building the indexes again: {e}") })?;
        // Every case gets a record of how it arrived, after whatever entries the file had.
        append_import_entries(conn, now).await.map_err(at_end)?;
        sqlx::query("DROP TABLE import_touched").execute(&mut *conn).await.map_err(fail(last_line))?;
        // The planner's statistics, after what may have been a million rows, before the
        // figures are counted from them: the tables may have been empty when the
        // transaction began, and the rebuild's plans follow the statistics.
        sqlx::query(ANALYZE_SQL).execute(&mut *conn).await.map_err(fail(last_line))?;
        let tallies = |e: StoreError| ImportError { line: last_line, message: format!("updating the figures: {e}") };
        if st.rebuild_tallies {
            rebuild_tallies_conn(conn).await.map_err(tallies)?;
        } else {
            for (old, new) in std::mem::take(&mut st.retally) {
                retally_case(conn, old.as_ref().map(|(u, r)| (*u, r)), Some((new.0, &new.1))).await.map_err(tallies)?;
            }
        }
        Ok(st.sum)
    }
}

/// The subtree's cases by status from the tallies, less the wellbeing cases the viewer may
/// not see: every wellbeing case of the subtree (tallies too) but those assigned to them
/// (counted through `cases_handler`, a few). Counting the hidden ones instead read every
/// wellbeing case of the subtree: 25 ms for a province of a million.
async fn visible_status_counts(
    conn: &mut Conn,
    q: &CaseQuery,
    union_id: i64,
    union_ids: &[i64],
) -> Result<std::collections::BTreeMap<String, i64>, StoreError> {
    let (mut counts, wellbeing) = status_counts_conn(conn, union_id).await?;
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

/// Registers cases inside the caller's transaction (see `Store::create_case`): the
/// registrations of a whole commit group at once on SQLite (`group.rs`), one on PostgreSQL.
/// Each registration gets its own answer; a registration refused (no such union, a key
/// already used, a rule broken) takes nothing from the others, not even a case number. An
/// `Err` of the whole means a statement failed: the caller rolls back what this wrote.
///
/// The statements are shared: one read of the keys, one of the unions, one counter upsert
/// per case prefix and year, one insert each for the cases, their first record-book
/// entries and the keys, and the tallies summed into a few upserts. A registration is the
/// hot write path, and on SQLite every statement is a round trip to the connection's thread
/// (two thread wake-ups), which cost more than the writing (bench/README.md).
async fn create_cases_conn(
    conn: &mut Conn,
    regs: &[crate::Registration],
) -> Result<Vec<Result<StoredCase, StoreError>>, StoreError> {
    let mut out: Vec<Option<Result<StoredCase, StoreError>>> = regs.iter().map(|_| None).collect();
    // A key used before, or earlier in this group, answers the case it made (the caller
    // reads it after the commit).
    let keys: Vec<&str> =
        regs.iter().filter_map(|r| r.draft.idempotency.as_ref().map(|k| k.key_hash.as_str())).collect();
    let mut used: HashSet<String> = HashSet::new();
    if !keys.is_empty() {
        let mut qb = QueryBuilder::<Db>::new("SELECT key_hash FROM idempotency_keys WHERE key_hash IN (");
        let mut list = qb.separated(", ");
        for k in &keys {
            list.push_bind(*k);
        }
        qb.push(")");
        used.extend(qb.build_query_scalar::<String>().fetch_all(&mut *conn).await?);
    }
    for (i, r) in regs.iter().enumerate() {
        if r.draft.idempotency.as_ref().is_some_and(|k| used.contains(&k.key_hash)) {
            out[i] = Some(Err(StoreError::IdempotencyKeyUsed));
        }
    }
    // Each union's code and path and its district's case prefix, in one read.
    let union_ids: std::collections::BTreeSet<i64> =
        regs.iter().zip(&out).filter(|(_, o)| o.is_none()).map(|(r, _)| r.draft.union_id).collect();
    let mut unions: HashMap<i64, (String, String, String)> = HashMap::new();
    if !union_ids.is_empty() {
        let mut qb = QueryBuilder::<Db>::new(
            "SELECT u.id, u.code, u.path, r.case_prefix FROM unions u JOIN unions r ON r.id = u.root_id WHERE u.id IN (",
        );
        let mut list = qb.separated(", ");
        for id in &union_ids {
            list.push_bind(*id);
        }
        qb.push(")");
        let rows: Vec<(i64, String, String, Option<String>)> = qb.build_query_as().fetch_all(&mut *conn).await?;
        unions.extend(rows.into_iter().map(|(id, code, path, prefix)| (id, (code, path, prefix.unwrap_or_default()))));
    }
    // The records, checked before any takes a number.
    let mut records: Vec<Option<CaseRecord>> = regs.iter().map(|_| None).collect();
    let mut by_year: std::collections::BTreeMap<(String, i32), Vec<usize>> = Default::default();
    for (i, r) in regs.iter().enumerate() {
        if out[i].is_some() {
            continue;
        }
        let Some((code, _, prefix)) = unions.get(&r.draft.union_id) else {
            out[i] = Some(Err(StoreError::invalid("union", "no such union")));
            continue;
        };
        let year = chrono::Datelike::year(&r.draft.opened_at.to_cst());
        let record = CaseNumber::new(prefix, year, 1)
            .map_err(|e| StoreError::Corrupt(e.to_string()))
            .and_then(|n| registered_record(&r.draft, n, code));
        match record {
            // The same key twice in one group: the first that will be written takes it (a
            // refused one takes nothing); the other answers that one's case after the commit.
            Ok(_) if r.draft.idempotency.as_ref().is_some_and(|k| !used.insert(k.key_hash.clone())) => {
                out[i] = Some(Err(StoreError::IdempotencyKeyUsed));
            }
            Ok(rec) => {
                records[i] = Some(rec);
                by_year.entry((prefix.clone(), year)).or_default().push(i);
            }
            Err(e) => out[i] = Some(Err(e)),
        }
    }
    for ((prefix, year), members) in &by_year {
        let taken = members.len() as i64;
        let last: i64 = sqlx::query_scalar(
            "INSERT INTO case_counters (prefix, year, last) VALUES ($1, $2, $3) ON CONFLICT (prefix, year) \
             DO UPDATE SET last = case_counters.last + excluded.last RETURNING last",
        )
        .bind(prefix)
        .bind(i64::from(*year))
        .bind(taken)
        .fetch_one(&mut *conn)
        .await?;
        for (k, &i) in members.iter().enumerate() {
            let seq = last - taken + 1 + k as i64;
            let number = CaseNumber::new(prefix, *year, seq).map_err(|e| StoreError::Corrupt(e.to_string()))?;
            if let Some(rec) = records[i].as_mut() {
                rec.number = number;
            }
        }
    }
    let new: Vec<(usize, CaseRecord)> =
        records.into_iter().enumerate().filter_map(|(i, r)| r.map(|r| (i, r))).collect();
    if new.is_empty() {
        return Ok(out
            .into_iter()
            .map(|o| o.unwrap_or_else(|| Err(StoreError::Corrupt("registration".into()))))
            .collect());
    }
    // A new case holds one entry, written below; `updated_at` is when it was raised.
    let columns: Vec<NewCaseRow> = new
        .iter()
        .map(|(i, r)| {
            let d = &regs[*i].draft;
            NewCaseRow::new(r, d.union_id, d.worker_user_id, None, d.opened_at, 1)
        })
        .collect();
    let ids = insert_cases(conn, &columns, false).await?;
    let id_of = |number: &str| {
        ids.get(number).copied().ok_or_else(|| StoreError::Corrupt(format!("case {number} not inserted")))
    };
    let mut entries = Vec::with_capacity(new.len());
    let mut delta = TallyDelta::default();
    let mut above = TallyDelta::default();
    let cal = WorkCalendar::default();
    let mut keys = Vec::new();
    for ((i, record), NewCaseRow { number, .. }) in new.iter().zip(&columns) {
        let d = &regs[*i].draft;
        let id = id_of(number)?;
        // Personal details stay out of the record book: it says only whether they were given.
        let detail = serde_json::json!({
            "after": {
                "kind": record.kind, "channel": record.channel, "people": record.people,
                "collective": record.collective, "anonymous": record.anonymous, "title": record.title,
                "status": record.status, "contact_given": record.contact.is_some(),
            }
        });
        entries.push(NewEntry::chained_parts(
            id,
            number,
            youyue_domain::chain::GENESIS,
            1,
            d.opened_at,
            &regs[*i].label,
            "register",
            false,
            detail.to_string(),
        ));
        // A registered case has not been accepted: its tallies need no working-day calendar.
        let path = unions.get(&d.union_id).map(|(_, p, _)| p.as_str()).unwrap_or_default();
        delta.add_case(&mut above, path, &CaseFacts::from(record), &cal, 1);
        if let Some(k) = &d.idempotency {
            keys.push((k, id));
        }
    }
    insert_entries(conn, &entries).await?;
    delta.absorb(above);
    delta.write(conn).await?;
    if !keys.is_empty() {
        let now = Timestamp::now().micros();
        let mut qb = QueryBuilder::<Db>::new(
            "INSERT INTO idempotency_keys (key_hash, request_hash, case_id, salt, created_at) ",
        );
        qb.push_values(&keys, |mut row, (k, id)| {
            row.push_bind(&k.key_hash).push_bind(&k.request_hash).push_bind(*id).push_bind(&k.salt).push_bind(now);
        });
        match qb.build().execute(&mut *conn).await {
            Ok(_) => {}
            // PostgreSQL: a concurrent attempt with the same key committed first. (On SQLite
            // writes are serial and the read above settled it.)
            Err(e) if is_unique_violation(&e) && regs.len() == 1 => {
                return Ok(vec![Err(StoreError::IdempotencyKeyUsed)])
            }
            Err(e) => return Err(e.into()),
        }
    }
    for ((i, record), NewCaseRow { number, .. }) in new.into_iter().zip(columns) {
        let d = &regs[i].draft;
        let id = id_of(&number)?;
        out[i] = Some(Ok(if d.worker_user_id.is_some() {
            // The worker account's username comes with the stored case.
            case_where_id(conn, id).await?
        } else {
            // Everything a re-read would return is known: a new case is version 1 with one entry.
            StoredCase {
                id,
                version: 1,
                union_id: d.union_id,
                union_path: unions.get(&d.union_id).map(|(_, p, _)| p.clone()).unwrap_or_default(),
                handler_id: None,
                worker_user_id: None,
                record_len: 1,
                record,
            }
        }));
    }
    Ok(out.into_iter().map(|o| o.unwrap_or_else(|| Err(StoreError::Corrupt("registration".into())))).collect())
}

/// `create_cases_conn` as the group writer takes it (a function pointer).
fn create_cases_boxed<'c>(
    conn: &'c mut Conn,
    regs: &'c [crate::Registration],
) -> crate::group::BoxFuture<'c, Result<Vec<Result<StoredCase, StoreError>>, StoreError>> {
    Box::pin(create_cases_conn(conn, regs))
}

/// A draft as the record of a case just registered, numbered `number`, checked.
fn registered_record(d: &crate::CaseDraft, number: CaseNumber, union_code: &str) -> Result<CaseRecord, StoreError> {
    let record = CaseRecord {
        number,
        union: union_code.parse().map_err(|_| StoreError::Corrupt(union_code.to_owned()))?,
        kind: d.kind,
        channel: d.channel,
        collective: d.collective,
        online: d.online,
        scheduled: d.scheduled,
        people: d.people,
        title: d.title.clone(),
        description: d.description.clone(),
        anonymous: d.anonymous,
        opened_at: d.opened_at,
        status: Status::Registered,
        closed_at: None,
        agreement: None,
        amount_recovered: None,
        adopted: None,
        rating: None,
        immediate: d.immediate,
        worker_name: d.worker_name.clone(),
        contact: d.contact.clone(),
        urgency: None,
        due_on: None,
        accepted_at: None,
        handler: None,
        worker_account: None,
        resolution: None,
        explanation: None,
        rating_comment: None,
        rated_at: None,
        tracking_code_hash: d.tracking_code_hash.clone(),
        supervised_due_on: None,
    };
    record.check_workflow().map_err(|e| StoreError::Invalid { field: e.field, message: e.message })?;
    Ok(record)
}

/// A case row to insert: its columns and what lies outside the record.
struct NewCaseRow {
    number: String,
    union_id: i64,
    columns: CaseColumns,
    worker_user_id: Option<i64>,
    handler_id: Option<i64>,
    updated_at: Timestamp,
    /// Entries its record book will hold once the caller has written them.
    record_len: i64,
}

impl NewCaseRow {
    fn new(
        record: &CaseRecord,
        union_id: i64,
        worker_user_id: Option<i64>,
        handler_id: Option<i64>,
        updated_at: Timestamp,
        record_len: i64,
    ) -> Self {
        NewCaseRow {
            number: record.number.to_string(),
            union_id,
            columns: CaseColumns::from(record),
            worker_user_id,
            handler_id,
            updated_at,
            record_len,
        }
    }
}

/// Inserts cases, many rows a statement (every case insert goes through here: a
/// registration group, an import's held batch, an import line). With `skip_stored`, a
/// number already stored is left alone (`ON CONFLICT (number) DO NOTHING`). Answers the
/// number → id of the rows inserted.
async fn insert_cases(
    conn: &mut Conn,
    rows: &[NewCaseRow],
    skip_stored: bool,
) -> Result<HashMap<String, i64>, StoreError> {
    let mut qb = QueryBuilder::<Db>::new(format!(
        "INSERT INTO cases (number, union_id, {}, worker_user_id, handler_id, updated_at, record_len) ",
        crate::rows::CASE_COLUMNS.join(", ")
    ));
    qb.push_values(rows, |mut row, r| {
        row.push_bind(&r.number).push_bind(r.union_id);
        push_case_columns(&mut row, &r.columns);
        row.push_bind(r.worker_user_id)
            .push_bind(r.handler_id)
            .push_bind(r.updated_at.micros())
            .push_bind(r.record_len);
    });
    if skip_stored {
        qb.push(" ON CONFLICT (number) DO NOTHING");
    }
    qb.push(" RETURNING id, number");
    let inserted: Vec<(i64, String)> = qb.build_query_as().fetch_all(&mut *conn).await?;
    let inserted: HashMap<String, i64> = inserted.into_iter().map(|(id, n)| (n, id)).collect();
    index_new_rows(conn, rows, &inserted).await?;
    Ok(inserted)
}

/// Binds a case's columns in `CASE_COLUMNS` order into a multi-row insert's row.
fn push_case_columns<'a>(row: &mut sqlx::query_builder::Separated<'_, 'a, Db, &'static str>, c: &'a CaseColumns) {
    row.push_bind(c.kind)
        .push_bind(c.channel)
        .push_bind(c.collective)
        .push_bind(c.online)
        .push_bind(c.scheduled)
        .push_bind(c.immediate)
        .push_bind(c.people)
        .push_bind(&c.title)
        .push_bind(&c.description)
        .push_bind(c.anonymous)
        .push_bind(&c.worker_name)
        .push_bind(&c.contact)
        .push_bind(c.opened_at)
        .push_bind(c.status)
        .push_bind(c.urgency)
        .push_bind(&c.due_on)
        .push_bind(c.accepted_at)
        .push_bind(c.closed_at)
        .push_bind(c.agreement)
        .push_bind(c.amount_recovered_fen)
        .push_bind(c.adopted)
        .push_bind(&c.resolution)
        .push_bind(&c.explanation)
        .push_bind(c.rating)
        .push_bind(&c.rating_comment)
        .push_bind(c.rated_at)
        .push_bind(&c.tracking_code_hash)
        .push_bind(&c.supervised_due_on);
}

/// Saves a change to a case and its record entry inside the caller's transaction, against
/// the version the change was computed from.
async fn save_change_conn(
    conn: &mut Conn,
    case: &StoredCase,
    change: &Change,
    handler_id: Option<i64>,
    label: &str,
    now: Timestamp,
) -> Result<StoredCase, StoreError> {
    if change.case != case.record || handler_id != case.handler_id {
        let cols = CaseColumns::from(&change.case);
        let q = sqlx::query(&CASE_UPDATE_SQL);
        let done = bind_case(q, &cols)
            .bind(case.union_id)
            .bind(handler_id)
            .bind(case.worker_user_id)
            .bind(now.micros())
            .bind(case.id)
            .bind(case.version)
            .execute(&mut *conn)
            .await?;
        if done.rows_affected() == 0 {
            return Err(StoreError::Conflict(format!(
                "case {} was changed by someone else meanwhile; reload it and try again",
                case.record.number
            )));
        }
        retally_case(conn, Some((case.union_id, &case.record)), Some((case.union_id, &change.case))).await?;
        let filed = CaseText::of(case.id, &case.union_path, case.handler_id, &case.record)?;
        let refiled = CaseText::of(case.id, &case.union_path, handler_id, &change.case)?;
        reindex_changed(conn, &filed, &refiled).await?;
    }
    let number = case.record.number.to_string();
    append_entry(conn, case.id, &number, now, label, change.action.as_str(), change.internal, &change.detail).await?;
    case_where_id(conn, case.id).await
}

impl SqlStore<Db> {
    /// Runs a write in a transaction of its own, or, on SQLite, in the next group
    /// transaction (see `group.rs`). Answers after the commit. PostgreSQL runs workflow
    /// changes side by side, each in its own transaction: they touch one case each.
    async fn write_job<T, F>(&self, write: F) -> Result<T, StoreError>
    where
        T: Send + 'static,
        F: for<'c> FnOnce(&'c mut Conn) -> crate::group::BoxFuture<'c, Result<T, StoreError>> + Send + 'static,
    {
        if BACKEND == Backend::Sqlite {
            return self.group.write(write).await;
        }
        let mut tx = self.write.begin().await?;
        let v = write(&mut tx).await?;
        tx.commit().await?;
        Ok(v)
    }
}

async fn insert_user(conn: &mut Conn, rec: &UserRecord, union_id: i64, now: Timestamp) -> Result<i64, StoreError> {
    sqlx::query_scalar(
        "INSERT INTO users (username, name, union_id, role, password_hash, active, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
    )
    .bind(&rec.username)
    .bind(&rec.name)
    .bind(union_id)
    .bind(rec.role.as_str())
    .bind(&rec.password_hash)
    .bind(rec.active)
    .bind(now.micros())
    .fetch_one(&mut *conn)
    .await
    .map_err(|e| {
        if is_unique_violation(&e) {
            StoreError::Conflict(format!("username \"{}\" is taken", rec.username))
        } else {
            e.into()
        }
    })
}

#[async_trait]
impl Store for crate::SqlStore<Db> {
    fn backend(&self) -> Backend {
        BACKEND
    }

    async fn close(&self) {
        // The writer's connection last: on SQLite the last to close copies the log into the
        // file and removes it, which a read-only connection cannot.
        self.read.close().await;
        self.background.stop().await;
        self.write.close().await;
    }

    async fn ping(&self) -> Result<(), StoreError> {
        sqlx::query("SELECT 1").execute(&self.read).await?;
        Ok(())
    }

    async fn is_empty(&self) -> Result<bool, StoreError> {
        let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM (SELECT 1 FROM unions LIMIT 1) AS any_union")
            .fetch_one(&self.read)
            .await?;
        Ok(n == 0)
    }

    async fn union_by_code(&self, code: &UnionCode) -> Result<Option<Union>, StoreError> {
        let mut conn = self.read.acquire().await?;
        union_where(&mut conn, "u.code = $1", code.as_str()).await
    }

    async fn union_by_id(&self, id: i64) -> Result<Option<Union>, StoreError> {
        let mut conn = self.read.acquire().await?;
        union_by_id_conn(&mut conn, id).await
    }

    async fn subtree(&self, root: &Union) -> Result<Vec<Union>, StoreError> {
        let rows: Vec<UnionRow> =
            sqlx::query_as(&format!("{UNION_SELECT} WHERE u.path LIKE $1 ORDER BY u.depth, u.code"))
                .bind(format!("{}%", root.path))
                .fetch_all(&self.read)
                .await?;
        rows.into_iter().map(Union::try_from).collect()
    }

    async fn put_union(&self, rec: &UnionRecord, now: Timestamp) -> Result<Union, StoreError> {
        let mut tx = self.write.begin().await?;
        let (u, _, moved) = put_union_conn(&mut tx, rec, now).await?;
        if moved {
            rebuild_tallies_conn(&mut tx).await?;
        }
        tx.commit().await?;
        Ok(u)
    }

    async fn create_user(&self, rec: &UserRecord, now: Timestamp) -> Result<User, StoreError> {
        let mut tx = self.write.begin().await?;
        let union = union_where(&mut tx, "u.code = $1", rec.union.as_str())
            .await?
            .ok_or_else(|| StoreError::invalid("union", format!("union \"{}\" does not exist", rec.union)))?;
        let id = insert_user(&mut tx, rec, union.id, now).await?;
        let row: UserRow =
            sqlx::query_as(&format!("{USER_SELECT} WHERE s.id = $1")).bind(id).fetch_one(&mut *tx).await?;
        let user = User::try_from(row)?;
        tx.commit().await?;
        Ok(user)
    }

    async fn user_by_username(&self, username: &str) -> Result<Option<User>, StoreError> {
        let mut conn = self.read.acquire().await?;
        user_where(&mut conn, "s.username = $1", username).await
    }

    async fn user_by_id(&self, id: i64) -> Result<Option<User>, StoreError> {
        let row: Option<UserRow> =
            sqlx::query_as(&format!("{USER_SELECT} WHERE s.id = $1")).bind(id).fetch_optional(&self.read).await?;
        row.map(User::try_from).transpose()
    }

    async fn users_within(&self, path: &str) -> Result<Vec<User>, StoreError> {
        let rows: Vec<UserRow> =
            sqlx::query_as(&format!("{USER_SELECT} WHERE u.path LIKE $1 ORDER BY u.depth, u.code, s.username"))
                .bind(format!("{path}%"))
                .fetch_all(&self.read)
                .await?;
        rows.into_iter().map(User::try_from).collect()
    }

    async fn users_on_path(&self, path: &str) -> Result<Vec<User>, StoreError> {
        let rows: Vec<UserRow> =
            sqlx::query_as(&format!("{USER_SELECT} WHERE $1 LIKE (u.path || '%') ORDER BY u.depth DESC, s.username"))
                .bind(path)
                .fetch_all(&self.read)
                .await?;
        rows.into_iter().map(User::try_from).collect()
    }

    async fn set_password(&self, user_id: i64, hash: &str) -> Result<(), StoreError> {
        let mut tx = self.write.begin().await?;
        sqlx::query("UPDATE users SET password_hash = $2 WHERE id = $1")
            .bind(user_id)
            .bind(hash)
            .execute(&mut *tx)
            .await?;
        // A new password ends every session of the account and revokes its API tokens.
        sqlx::query("DELETE FROM sessions WHERE user_id = $1").bind(user_id).execute(&mut *tx).await?;
        sqlx::query("UPDATE api_tokens SET revoked_at = $2 WHERE user_id = $1 AND revoked_at IS NULL")
            .bind(user_id)
            .bind(Timestamp::now().micros())
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(())
    }

    async fn set_user_active(&self, user_id: i64, active: bool) -> Result<(), StoreError> {
        let mut tx = self.write.begin().await?;
        sqlx::query("UPDATE users SET active = $2 WHERE id = $1").bind(user_id).bind(active).execute(&mut *tx).await?;
        if !active {
            sqlx::query("DELETE FROM sessions WHERE user_id = $1").bind(user_id).execute(&mut *tx).await?;
        }
        tx.commit().await?;
        Ok(())
    }

    async fn change_user(&self, user_id: i64, change: &crate::UserChange) -> Result<(), StoreError> {
        let mut tx = self.write.begin().await?;
        if let Some(role) = change.role {
            sqlx::query("UPDATE users SET role = $2 WHERE id = $1")
                .bind(user_id)
                .bind(role.as_str())
                .execute(&mut *tx)
                .await?;
        }
        if let Some(active) = change.active {
            sqlx::query("UPDATE users SET active = $2 WHERE id = $1")
                .bind(user_id)
                .bind(active)
                .execute(&mut *tx)
                .await?;
        }
        if let Some(hash) = &change.password_hash {
            sqlx::query("UPDATE users SET password_hash = $2 WHERE id = $1")
                .bind(user_id)
                .bind(hash)
                .execute(&mut *tx)
                .await?;
            sqlx::query("UPDATE api_tokens SET revoked_at = $2 WHERE user_id = $1 AND revoked_at IS NULL")
                .bind(user_id)
                .bind(Timestamp::now().micros())
                .execute(&mut *tx)
                .await?;
        }
        // A new password or a disabled account ends the account's sessions.
        if change.password_hash.is_some() || change.active == Some(false) {
            sqlx::query("DELETE FROM sessions WHERE user_id = $1").bind(user_id).execute(&mut *tx).await?;
        }
        tx.commit().await?;
        Ok(())
    }

    async fn top_level_unions(&self) -> Result<Vec<Union>, StoreError> {
        let rows: Vec<UnionRow> = sqlx::query_as(&format!("{UNION_SELECT} WHERE u.parent_id IS NULL ORDER BY u.code"))
            .fetch_all(&self.read)
            .await?;
        rows.into_iter().map(Union::try_from).collect()
    }

    async fn set_user_role(&self, user_id: i64, role: youyue_domain::Role) -> Result<(), StoreError> {
        sqlx::query("UPDATE users SET role = $2 WHERE id = $1")
            .bind(user_id)
            .bind(role.as_str())
            .execute(&self.write)
            .await?;
        Ok(())
    }

    async fn create_session(
        &self,
        token_hash: &str,
        user_id: i64,
        now: Timestamp,
        expires: Timestamp,
    ) -> Result<(), StoreError> {
        sqlx::query("INSERT INTO sessions (token_hash, user_id, created_at, expires_at) VALUES ($1, $2, $3, $4)")
            .bind(token_hash)
            .bind(user_id)
            .bind(now.micros())
            .bind(expires.micros())
            .execute(&self.write)
            .await?;
        Ok(())
    }

    async fn session_user(&self, token_hash: &str, now: Timestamp) -> Result<Option<User>, StoreError> {
        let row: Option<UserRow> = sqlx::query_as(&format!(
            "{USER_SELECT} JOIN sessions x ON x.user_id = s.id WHERE x.token_hash = $1 AND x.expires_at > $2 AND s.active"
        ))
        .bind(token_hash)
        .bind(now.micros())
        .fetch_optional(&self.read)
        .await?;
        row.map(User::try_from).transpose()
    }

    async fn delete_session(&self, token_hash: &str) -> Result<(), StoreError> {
        sqlx::query("DELETE FROM sessions WHERE token_hash = $1").bind(token_hash).execute(&self.write).await?;
        Ok(())
    }

    async fn end_sessions(&self, user_id: i64, keep: Option<&str>) -> Result<u64, StoreError> {
        let done = sqlx::query("DELETE FROM sessions WHERE user_id = $1 AND token_hash <> $2")
            .bind(user_id)
            .bind(keep.unwrap_or(""))
            .execute(&self.write)
            .await?;
        Ok(done.rows_affected())
    }

    async fn create_api_token(
        &self,
        user_id: i64,
        name: &str,
        token_hash: &str,
        scope: crate::TokenScope,
        now: Timestamp,
    ) -> Result<i64, StoreError> {
        let id = sqlx::query_scalar(
            "INSERT INTO api_tokens (user_id, name, token_hash, created_at, scope) VALUES ($1, $2, $3, $4, $5) RETURNING id",
        )
        .bind(user_id)
        .bind(name)
        .bind(token_hash)
        .bind(now.micros())
        .bind(scope.as_str())
        .fetch_one(&self.write)
        .await?;
        Ok(id)
    }

    async fn api_token_user(&self, token_hash: &str) -> Result<Option<(User, crate::TokenScope)>, StoreError> {
        let row: Option<crate::rows::TokenUserRow> =
            sqlx::query_as(crate::rows::TOKEN_USER_SELECT).bind(token_hash).fetch_optional(&self.read).await?;
        let Some(row) = row else { return Ok(None) };
        let scope = crate::TokenScope::parse(&row.scope)
            .ok_or_else(|| StoreError::Corrupt(format!("token scope \"{}\"", row.scope)))?;
        Ok(Some((User::try_from(row.user)?, scope)))
    }

    async fn api_tokens(&self, user_id: i64) -> Result<Vec<crate::ApiToken>, StoreError> {
        let rows: Vec<(i64, String, String, i64, Option<i64>)> = sqlx::query_as(
            "SELECT id, name, scope, created_at, revoked_at FROM api_tokens WHERE user_id = $1 ORDER BY id DESC",
        )
        .bind(user_id)
        .fetch_all(&self.read)
        .await?;
        rows.into_iter()
            .map(|(id, name, scope, created_at, revoked_at)| {
                Ok(crate::ApiToken {
                    id,
                    name,
                    scope: crate::TokenScope::parse(&scope)
                        .ok_or_else(|| StoreError::Corrupt(format!("token scope \"{scope}\"")))?,
                    created_at: Timestamp::from_micros(created_at),
                    revoked_at: revoked_at.map(Timestamp::from_micros),
                })
            })
            .collect()
    }

    async fn revoke_api_token(&self, user_id: i64, token_id: i64, now: Timestamp) -> Result<bool, StoreError> {
        let done =
            sqlx::query("UPDATE api_tokens SET revoked_at = $3 WHERE id = $2 AND user_id = $1 AND revoked_at IS NULL")
                .bind(user_id)
                .bind(token_id)
                .bind(now.micros())
                .execute(&self.write)
                .await?;
        Ok(done.rows_affected() == 1)
    }

    async fn set_totp_secret(&self, user_id: i64, secret: Option<&str>) -> Result<(), StoreError> {
        sqlx::query("UPDATE users SET totp_secret = $2 WHERE id = $1")
            .bind(user_id)
            .bind(secret)
            .execute(&self.write)
            .await?;
        Ok(())
    }

    async fn cases_past_retention(
        &self,
        path: &str,
        kind: youyue_domain::Kind,
        closed_before: Timestamp,
        limit: i64,
    ) -> Result<Vec<StoredCase>, StoreError> {
        let rows: Vec<CaseRow> = sqlx::query_as(&format!(
            "{CASE_SELECT} WHERE u.path LIKE $1 AND c.kind = $2 AND c.status IN ('resolved', 'explained') \
             AND c.closed_at < $3 AND (c.worker_name IS NOT NULL OR c.contact IS NOT NULL) ORDER BY c.closed_at, c.id LIMIT $4"
        ))
        .bind(format!("{path}%"))
        .bind(kind.as_str())
        .bind(closed_before.micros())
        .bind(limit)
        .fetch_all(&self.read)
        .await?;
        rows.into_iter().map(StoredCase::try_from).collect()
    }

    async fn idempotent_case(&self, key_hash: &str) -> Result<Option<crate::IdempotentCase>, StoreError> {
        let mut conn = self.read.acquire().await?;
        let row: Option<(i64, String, String)> =
            sqlx::query_as("SELECT case_id, request_hash, salt FROM idempotency_keys WHERE key_hash = $1")
                .bind(key_hash)
                .fetch_optional(&mut *conn)
                .await?;
        let Some((case_id, request_hash, salt)) = row else { return Ok(None) };
        let case = case_where_id(&mut conn, case_id).await?;
        Ok(Some(crate::IdempotentCase { case, request_hash, salt }))
    }

    async fn log_read(
        &self,
        case_id: i64,
        user_id: i64,
        what: crate::ReadKind,
        at: Timestamp,
    ) -> Result<(), StoreError> {
        sqlx::query("INSERT INTO read_log (case_id, user_id, what, at) VALUES ($1, $2, $3, $4)")
            .bind(case_id)
            .bind(user_id)
            .bind(what.as_str())
            .bind(at.micros())
            .execute(&self.write)
            .await?;
        Ok(())
    }

    async fn read_log(&self, case_id: i64) -> Result<Vec<crate::ReadLogEntry>, StoreError> {
        let rows: Vec<(String, String, i64)> = sqlx::query_as(
            "SELECT u.username, r.what, r.at FROM read_log r JOIN users u ON u.id = r.user_id WHERE r.case_id = $1 ORDER BY r.id",
        )
        .bind(case_id)
        .fetch_all(&self.read)
        .await?;
        Ok(rows
            .into_iter()
            .map(|(username, what, at)| crate::ReadLogEntry { username, what, at: Timestamp::from_micros(at) })
            .collect())
    }

    async fn create_case(&self, d: &crate::CaseDraft, actor: Actor<'_>) -> Result<StoredCase, StoreError> {
        let reg = crate::Registration { draft: d.clone(), label: actor.label.to_owned() };
        self.group.register(reg).await
    }

    async fn case_by_number(&self, number: &CaseNumber) -> Result<Option<StoredCase>, StoreError> {
        let mut conn = self.read.acquire().await?;
        case_where_number(&mut conn, &number.to_string()).await
    }

    async fn save_change(
        &self,
        case: &StoredCase,
        change: &Change,
        handler_id: Option<i64>,
        actor: Actor<'_>,
        now: Timestamp,
    ) -> Result<StoredCase, StoreError> {
        let (case, change, label) = (case.clone(), change.clone(), actor.label.to_owned());
        self.write_job(move |conn: &mut Conn| -> crate::group::BoxFuture<'_, Result<StoredCase, StoreError>> {
            Box::pin(async move { save_change_conn(conn, &case, &change, handler_id, &label, now).await })
        })
        .await
    }

    async fn record_book(&self, case_id: i64) -> Result<Vec<RecordEntry>, StoreError> {
        let rows: Vec<EntryRow> = sqlx::query_as(&format!("{ENTRY_SELECT} WHERE e.case_id = $1 ORDER BY e.seq"))
            .bind(case_id)
            .fetch_all(&self.read)
            .await?;
        rows.into_iter().map(EntryRow::into_entry).collect()
    }

    async fn list_cases(&self, q: &CaseQuery) -> Result<CasePage, StoreError> {
        let mut conn = self.read.acquire().await?;
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

    async fn count_by_status(&self, q: &CaseQuery) -> Result<crate::TabCounts, StoreError> {
        let q = CaseQuery { status: None, ..q.clone() };
        if let Some(union_id) = tally_countable(&q) {
            if !q.open_only {
                let mut conn = self.read.acquire().await?;
                let union_ids = query_union_ids(&mut conn, &q).await?;
                return visible_status_counts(&mut conn, &q, union_id, &union_ids).await.map(crate::TabCounts::exact);
            }
        }
        let mut counts: std::collections::BTreeMap<String, i64> =
            Status::ALL.iter().map(|s| (s.as_str().to_owned(), 0)).collect();
        let mut conn = self.read.acquire().await?;
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

    async fn post_bulletin(&self, b: &BulletinRecord) -> Result<(), StoreError> {
        let mut tx = self.write.begin().await?;
        post_bulletin_conn(&mut tx, b).await?;
        tx.commit().await?;
        Ok(())
    }

    async fn bulletins(&self, union_id: i64, limit: i64) -> Result<Vec<BulletinRecord>, StoreError> {
        let rows: Vec<BulletinRow> =
            sqlx::query_as(&format!("{BULLETIN_SELECT} WHERE b.union_id = $1 ORDER BY b.posted_at DESC LIMIT $2"))
                .bind(union_id)
                .bind(limit)
                .fetch_all(&self.read)
                .await?;
        rows.into_iter().map(BulletinRecord::try_from).collect()
    }

    async fn set_studio_items(&self, items: &[StudioItemRecord]) -> Result<(), StoreError> {
        let mut tx = self.write.begin().await?;
        for r in items {
            set_studio_item_conn(&mut tx, r).await?;
        }
        tx.commit().await?;
        Ok(())
    }

    async fn studio_items(&self, union_id: i64) -> Result<Vec<StudioItemRecord>, StoreError> {
        let rows: Vec<StudioItemRow> =
            sqlx::query_as(&format!("{STUDIO_ITEM_SELECT} WHERE s.union_id = $1 ORDER BY s.item"))
                .bind(union_id)
                .fetch_all(&self.read)
                .await?;
        rows.into_iter().map(StudioItemRecord::try_from).collect()
    }

    async fn stats(&self, union: &Union, period: Period) -> Result<Stats, StoreError> {
        let mut conn = self.read.acquire().await?;
        let studios = studios_conn(&mut conn, union, period).await?;
        let t = period_tallies(&mut conn, &[union.id], period).await?;
        let total = t.total.get(&union.id).copied().unwrap_or_default();
        total
            .stats(union.record.code.as_str(), period, studios)
            .ok_or_else(|| StoreError::Corrupt("amount overflow".into()))
    }

    async fn figures(&self, union: &Union, period: Period) -> Result<crate::Figures, StoreError> {
        // One read transaction: the figures, the trend and timeliness agree with each other.
        let mut tx = self.read.begin().await?;
        if let Some(sql) = SNAPSHOT_SQL {
            sqlx::query(sql).execute(&mut *tx).await?;
        }
        let figures = figures_conn(&mut tx, union, period).await?;
        tx.commit().await?;
        Ok(figures)
    }

    async fn child_stats(&self, union: &Union, period: Period) -> Result<Vec<(Union, Stats)>, StoreError> {
        let rows: Vec<UnionRow> = sqlx::query_as(&format!("{UNION_SELECT} WHERE u.parent_id = $1 ORDER BY u.code"))
            .bind(union.id)
            .fetch_all(&self.read)
            .await?;
        let children = rows.into_iter().map(Union::try_from).collect::<Result<Vec<_>, _>>()?;
        let mut conn = self.read.acquire().await?;
        let ids: Vec<i64> = children.iter().map(|c| c.id).collect();
        let t = period_tallies(&mut conn, &ids, period).await?;
        let mut out = Vec::new();
        for child in children {
            let studios = studios_conn(&mut conn, &child, period).await?;
            let total = t.total.get(&child.id).copied().unwrap_or_default();
            let stats = total
                .stats(child.record.code.as_str(), period, studios)
                .ok_or_else(|| StoreError::Corrupt("amount overflow".into()))?;
            out.push((child, stats));
        }
        Ok(out)
    }

    async fn rebuild_tallies(&self) -> Result<(), StoreError> {
        let mut tx = self.write.begin().await?;
        rebuild_tallies_conn(&mut tx).await?;
        tx.commit().await?;
        Ok(())
    }

    async fn sweep_supervision(&self, today: chrono::NaiveDate, now: Timestamp) -> Result<Vec<CaseNumber>, StoreError> {
        // Candidates by SQL; the rule itself is the domain's, checked again per case. Every
        // union and each open status, so that SQLite seeks `cases_union_status` for each pair
        // instead of reading every case (2.9 s at ten million, at start and every sweep).
        let open: Vec<String> =
            Status::ALL.iter().filter(|s| !s.is_closed()).map(|s| format!("'{}'", s.as_str())).collect();
        let rows: Vec<CaseRow> = sqlx::query_as(&format!(
            "{CASE_SELECT} WHERE c.union_id IN (SELECT id FROM unions) AND c.status IN ({}) AND c.due_on < $1 \
             AND (c.supervised_due_on IS NULL OR c.supervised_due_on <> c.due_on) ORDER BY c.id LIMIT 500",
            open.join(", ")
        ))
        .bind(today.to_string())
        .fetch_all(&self.read)
        .await?;
        // One transaction for the batch: one durable commit, not one per case.
        let mut raised = Vec::new();
        let mut tx = self.write.begin().await?;
        for row in rows {
            let case = StoredCase::try_from(row)?;
            let Some(due) = youyue_domain::command::due_for_supervision(&case.record, today) else { continue };
            let parent: Option<String> =
                sqlx::query_scalar("SELECT p.code FROM unions u JOIN unions p ON p.id = u.parent_id WHERE u.id = $1")
                    .bind(case.union_id)
                    .fetch_optional(&mut *tx)
                    .await?;
            // Only if nobody changed the deadline meanwhile.
            let done = sqlx::query(
                "UPDATE cases SET supervised_due_on = $2, version = version + 1 WHERE id = $1 AND due_on = $2",
            )
            .bind(case.id)
            .bind(due.to_string())
            .execute(&mut *tx)
            .await?;
            if done.rows_affected() == 1 {
                let detail = serde_json::json!({ "due_on": due.to_string(), "raised_to": parent });
                let number = case.record.number.to_string();
                append_entry(&mut tx, case.id, &number, now, "system", "supervise", true, &detail).await?;
                raised.push(case.record.number.clone());
            }
        }
        tx.commit().await?;
        Ok(raised)
    }

    async fn cast_vote(&self, vote: &youyue_domain::appraisal::UnionVote) -> Result<bool, StoreError> {
        let mut tx = self.write.begin().await?;
        let new = cast_vote_conn(&mut tx, vote).await?;
        tx.commit().await?;
        Ok(new)
    }

    async fn vote_scores(
        &self,
        union: &Union,
        round: youyue_domain::appraisal::Round,
        period: Period,
    ) -> Result<Vec<i64>, StoreError> {
        let (from, to) = period.instants();
        let rows: Vec<(i64,)> = sqlx::query_as(
            "SELECT v.score FROM union_votes v JOIN unions u ON u.id = v.union_id \
             WHERE u.path LIKE $1 AND v.round = $2 AND v.at >= $3 AND v.at < $4",
        )
        .bind(format!("{}%", union.path))
        .bind(round.as_str())
        .bind(from.micros())
        .bind(to.micros())
        .fetch_all(&self.read)
        .await?;
        Ok(rows.into_iter().map(|r| r.0).collect())
    }

    async fn list_votes(
        &self,
        union: &Union,
        round: youyue_domain::appraisal::Round,
        period: Period,
        limit: i64,
        offset: i64,
    ) -> Result<(i64, Vec<crate::ListedVote>), StoreError> {
        let (from, to) = period.instants();
        let within = format!("{}%", union.path);
        let filter = "FROM union_votes v JOIN unions u ON u.id = v.union_id WHERE u.path LIKE $1 AND v.round = $2 AND v.at >= $3 AND v.at < $4";
        let mut tx = self.read.begin().await?;
        if let Some(sql) = SNAPSHOT_SQL {
            sqlx::query(sql).execute(&mut *tx).await?;
        }
        let total: i64 = sqlx::query_scalar(&format!("SELECT COUNT(*) {filter}"))
            .bind(&within)
            .bind(round.as_str())
            .bind(from.micros())
            .bind(to.micros())
            .fetch_one(&mut *tx)
            .await?;
        let rows: Vec<(String, String, String, i64, String, i64)> = sqlx::query_as(&format!(
            "SELECT u.code, u.name, v.key, v.score, v.comment, v.at {filter} ORDER BY v.at DESC, u.code, v.voter LIMIT $5 OFFSET $6"
        ))
        .bind(&within)
        .bind(round.as_str())
        .bind(from.micros())
        .bind(to.micros())
        .bind(limit)
        .bind(offset)
        .fetch_all(&mut *tx)
        .await?;
        tx.commit().await?;
        let votes = rows
            .into_iter()
            .map(|(union, union_name, key, score, comment, at)| crate::ListedVote {
                union,
                union_name,
                key,
                score,
                comment,
                at: Timestamp::from_micros(at),
            })
            .collect();
        Ok((total, votes))
    }

    async fn setting(&self, key: &str) -> Result<Option<serde_json::Value>, StoreError> {
        let v: Option<String> = sqlx::query_scalar("SELECT value FROM settings WHERE key = $1")
            .bind(key)
            .fetch_optional(&self.read)
            .await?;
        v.map(|v| serde_json::from_str(&v).map_err(|_| StoreError::Corrupt(format!("setting {key}")))).transpose()
    }

    async fn set_setting(&self, key: &str, value: &serde_json::Value) -> Result<(), StoreError> {
        let mut tx = self.write.begin().await?;
        set_setting_conn(&mut tx, key, value).await?;
        tx.commit().await?;
        Ok(())
    }

    async fn answered(&self, union: &Union, period: Period) -> Result<(i64, i64), StoreError> {
        let (due, closed): (i64, i64) = sqlx::query_as(
            "SELECT COUNT(*), CAST(COALESCE(SUM(CASE WHEN c.status IN ('resolved', 'explained') THEN 1 ELSE 0 END), 0) AS BIGINT) \
             FROM cases c JOIN unions u ON u.id = c.union_id WHERE u.path LIKE $1 AND c.due_on >= $2 AND c.due_on <= $3",
        )
        .bind(format!("{}%", union.path))
        .bind(period.from().to_string())
        .bind(period.to().to_string())
        .fetch_one(&self.read)
        .await?;
        Ok((due, closed))
    }

    async fn calendar(&self) -> Result<Vec<youyue_domain::calendar::CalendarDay>, StoreError> {
        let rows: Vec<(String, String, String)> =
            sqlx::query_as("SELECT day, kind, name FROM calendar_days ORDER BY day").fetch_all(&self.read).await?;
        rows.into_iter().map(calendar_day).collect()
    }

    async fn set_calendar(
        &self,
        set: &[youyue_domain::calendar::CalendarDay],
        remove: &[chrono::NaiveDate],
    ) -> Result<(), StoreError> {
        let mut tx = self.write.begin().await?;
        for d in remove {
            sqlx::query("DELETE FROM calendar_days WHERE day = $1").bind(d.to_string()).execute(&mut *tx).await?;
        }
        for d in set {
            set_calendar_day_conn(&mut tx, d).await?;
        }
        // Acceptance on time is counted in working days: the tallies follow the calendar.
        rebuild_tallies_conn(&mut tx).await?;
        tx.commit().await?;
        Ok(())
    }

    async fn backup_file(&self, path: &str) -> Result<bool, StoreError> {
        if BACKEND != Backend::Sqlite {
            return Ok(false);
        }
        // A read transaction's snapshot, copied page by page into a fresh file; writers go on.
        sqlx::query("VACUUM INTO $1").bind(path).execute(&self.read).await?;
        Ok(true)
    }

    async fn verify_chains(&self) -> Result<crate::ChainReport, StoreError> {
        use youyue_domain::chain::{entry_hash, EntryContent, GENESIS};
        type EntryRow = (i64, String, i64, i64, i64, String, String, bool, String, Option<String>);
        let mut report = crate::ChainReport::default();
        let mut tx = self.read.begin().await?;
        if let Some(sql) = SNAPSHOT_SQL {
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

    async fn chain_heads(&self) -> Result<Vec<crate::ChainHead>, StoreError> {
        let rows: Vec<(String, i64, Option<String>)> = sqlx::query_as(
            "SELECT c.number, e.seq, e.hash FROM cases c JOIN record_entries e ON e.case_id = c.id AND e.seq = c.record_len \
             ORDER BY c.number",
        )
        .fetch_all(&self.read)
        .await?;
        Ok(rows
            .into_iter()
            .filter_map(|(case, seq, hash)| hash.map(|hash| crate::ChainHead { case, seq, hash }))
            .collect())
    }

    async fn entry_hash(&self, case: &CaseNumber, seq: i64) -> Result<Option<Option<String>>, StoreError> {
        Ok(sqlx::query_scalar(
            "SELECT e.hash FROM record_entries e JOIN cases c ON c.id = e.case_id WHERE c.number = $1 AND e.seq = $2",
        )
        .bind(case.to_string())
        .bind(seq)
        .fetch_optional(&self.read)
        .await?)
    }

    async fn import(&self, lines: &mut ImportSource<'_>, now: Timestamp) -> Result<ImportSummary, ImportError> {
        let fail = |e: sqlx::Error| ImportError { line: 0, message: format!("database: {e}") };
        let mut tx = self.write.begin().await.map_err(fail)?;
        let deferred = DeferredIndexes::drop_if_empty(&mut tx).await.map_err(fail)?;
        let sum = self.import_in(&mut tx, lines, now, deferred).await?;
        tx.commit().await.map_err(fail)?;
        Ok(sum)
    }

    async fn export(&self, sink: &mut ExportSink<'_>) -> Result<u64, StoreError> {
        let io = |e: std::io::Error| StoreError::Unavailable(format!("writing the export: {e}"));
        let mut lines = 0u64;
        // One read transaction, so that the export is a consistent snapshot.
        let mut tx = self.read.begin().await?;
        if let Some(sql) = SNAPSHOT_SQL {
            sqlx::query(sql).execute(&mut *tx).await?;
        }
        let unions: Vec<UnionRow> =
            sqlx::query_as(&format!("{UNION_SELECT} ORDER BY u.depth, u.code")).fetch_all(&mut *tx).await?;
        for row in unions {
            sink(&Line::Union(Union::try_from(row)?.record)).map_err(io)?;
            lines += 1;
        }
        let users: Vec<UserRow> =
            sqlx::query_as(&format!("{USER_SELECT} ORDER BY s.username")).fetch_all(&mut *tx).await?;
        for row in users {
            let u = User::try_from(row)?;
            let rec = UserRecord {
                username: u.username,
                name: u.name,
                union: u.union_code,
                role: u.role,
                password_hash: u.password_hash,
                active: u.active,
            };
            sink(&Line::User(rec)).map_err(io)?;
            lines += 1;
        }
        let settings: Vec<(String, String)> =
            sqlx::query_as("SELECT key, value FROM settings ORDER BY key").fetch_all(&mut *tx).await?;
        for (key, value) in settings {
            let value = serde_json::from_str(&value).map_err(|_| StoreError::Corrupt(format!("setting {key}")))?;
            sink(&Line::Setting(youyue_domain::exchange::SettingRecord { key, value })).map_err(io)?;
            lines += 1;
        }
        let days: Vec<(String, String, String)> =
            sqlx::query_as("SELECT day, kind, name FROM calendar_days ORDER BY day").fetch_all(&mut *tx).await?;
        for d in days {
            sink(&Line::CalendarDay(calendar_day(d)?)).map_err(io)?;
            lines += 1;
        }
        let items: Vec<StudioItemRow> =
            sqlx::query_as(&format!("{STUDIO_ITEM_SELECT} ORDER BY u.code, s.item")).fetch_all(&mut *tx).await?;
        for row in items {
            sink(&Line::StudioItem(StudioItemRecord::try_from(row)?)).map_err(io)?;
            lines += 1;
        }
        let votes: Vec<(String, String, String, String, i64, String, i64)> = sqlx::query_as(
            "SELECT u.code, v.round, v.key, v.voter, v.score, v.comment, v.at FROM union_votes v \
             JOIN unions u ON u.id = v.union_id ORDER BY u.code, v.round, v.key, v.voter",
        )
        .fetch_all(&mut *tx)
        .await?;
        for (code, round, key, voter, score, comment, at) in votes {
            let vote = youyue_domain::appraisal::UnionVote {
                union: code.parse().map_err(|_| StoreError::Corrupt(code.clone()))?,
                round: youyue_domain::appraisal::Round::parse(&round)
                    .ok_or_else(|| StoreError::Corrupt(round.clone()))?,
                key,
                voter,
                score,
                comment,
                at: Timestamp::from_micros(at),
            };
            sink(&Line::UnionVote(vote)).map_err(io)?;
            lines += 1;
        }
        let bulletins: Vec<BulletinRow> =
            sqlx::query_as(&format!("{BULLETIN_SELECT} ORDER BY u.code, b.posted_at, b.title"))
                .fetch_all(&mut *tx)
                .await?;
        for row in bulletins {
            sink(&Line::Bulletin(BulletinRecord::try_from(row)?)).map_err(io)?;
            lines += 1;
        }
        let mut after: i64 = 0;
        loop {
            let rows: Vec<CaseRow> = sqlx::query_as(&format!("{CASE_SELECT} WHERE c.id > $1 ORDER BY c.id LIMIT 1000"))
                .bind(after)
                .fetch_all(&mut *tx)
                .await?;
            let (Some(first), Some(last)) = (rows.first().map(|r| r.id), rows.last().map(|r| r.id)) else {
                break;
            };
            let entries: Vec<EntryRow> = sqlx::query_as(&format!(
                "{ENTRY_SELECT} WHERE e.case_id >= $1 AND e.case_id <= $2 ORDER BY e.case_id, e.seq"
            ))
            .bind(first)
            .bind(last)
            .fetch_all(&mut *tx)
            .await?;
            let mut entries = entries.into_iter().peekable();
            for row in rows {
                let id = row.id;
                let case = StoredCase::try_from(row)?;
                sink(&Line::Case(Box::new(case.record))).map_err(io)?;
                lines += 1;
                while let Some(e) = entries.next_if(|e| e.case_id == id) {
                    sink(&Line::Record(e.into_entry()?)).map_err(io)?;
                    lines += 1;
                }
            }
            after = last;
        }
        tx.commit().await?;
        Ok(lines)
    }
}
