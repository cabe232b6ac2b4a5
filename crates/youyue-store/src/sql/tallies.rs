//! Running tallies of the figures (see `youyue_domain::tally`), compiled once per backend
//! like all of `sql/`. Every case write adds the case's new contribution and subtracts its old
//! one in the same transaction; a change to the union tree or the working-day calendar
//! rebuilds them from the cases. The figures read them instead of the cases.

use super::studio::calendar_day;
use super::{Conn, Db, DIALECT};
use crate::rows::{UnionRow, UNION_SELECT};
use crate::{CaseQuery, SqlStore, StoreError, Union};
use sqlx::{QueryBuilder, Row};
use std::collections::HashMap;
use youyue_domain::calendar::WorkCalendar;
use youyue_domain::duration::Hours;
use youyue_domain::exchange::CaseRecord;
use youyue_domain::stats::{CaseFacts, Stats};
use youyue_domain::tally::{self, Grain, Histogram, Tally, WIDTH};
use youyue_domain::union::path_ids;
use youyue_domain::{Money, Period, Status, Timestamp};

/// `Dialect::sum_bigint`, by a name the format strings below can hold.
const SUM_BIGINT: &str = DIALECT.sum_bigint;

/// Rows per multi-row upsert (41 parameters each; well under both databases' limits).
const UPSERT_ROWS: usize = 64;

/// `(…), (…)`: `rows` rows of `width` parameters each, numbered from the first.
fn values_sql(rows: usize, width: usize) -> String {
    let values: Vec<String> = (0..rows)
        .map(|r| {
            let p: Vec<String> = (1..=width).map(|i| DIALECT.backend.param(r * width + i)).collect();
            format!("({})", p.join(", "))
        })
        .collect();
    values.join(", ")
}

/// `INSERT … VALUES (…), (…) ON CONFLICT DO UPDATE SET col = tallies.col + excluded.col`
/// for `rows` rows.
fn tally_upsert_sql(rows: usize) -> String {
    let cols = Tally::columns();
    let sets: Vec<String> = cols.iter().map(|c| format!("{c} = tallies.{c} + excluded.{c}")).collect();
    format!(
        "INSERT INTO tallies (union_id, grain, start, {}) VALUES {} ON CONFLICT (union_id, grain, start) DO UPDATE SET {}",
        cols.join(", "),
        values_sql(rows, 3 + cols.len()),
        sets.join(", ")
    )
}

fn hours_upsert_sql(rows: usize) -> String {
    format!(
        "INSERT INTO tally_hours (union_id, grain, start, measure, bucket, n) VALUES {} \
         ON CONFLICT (union_id, grain, start, measure, bucket) DO UPDATE SET n = tally_hours.n + excluded.n",
        values_sql(rows, 6)
    )
}

/// Rows per plain insert into a rebuild's temporary tables (45 parameters each; well under
/// SQLite's 32,766 and PostgreSQL's 65,535).
const REBUILD_INSERT_ROWS: usize = 512;

/// A plain insert of tally rows into a rebuild's temporary `rebuild_rows`.
fn rebuild_rows_insert_sql(rows: usize) -> String {
    let cols = Tally::columns();
    format!(
        "INSERT INTO rebuild_rows (depth, union_id, grain, start, {}) VALUES {}",
        cols.join(", "),
        values_sql(rows, 4 + cols.len())
    )
}

/// A plain insert of histogram rows into a rebuild's temporary `rebuild_hours`.
fn rebuild_hours_insert_sql(rows: usize) -> String {
    format!(
        "INSERT INTO rebuild_hours (depth, union_id, grain, start, measure, bucket, n) VALUES {}",
        values_sql(rows, 7)
    )
}

/// The upserts for 1..=UPSERT_ROWS rows, built once.
static UPSERTS: std::sync::LazyLock<Vec<(String, String)>> =
    std::sync::LazyLock::new(|| (0..=UPSERT_ROWS).map(|n| (tally_upsert_sql(n), hours_upsert_sql(n))).collect());

/// A rebuild's inserts of a whole chunk (all but the last of each write), built once.
static REBUILD_INSERTS: std::sync::LazyLock<(String, String)> = std::sync::LazyLock::new(|| {
    (rebuild_rows_insert_sql(REBUILD_INSERT_ROWS), rebuild_hours_insert_sql(REBUILD_INSERT_ROWS))
});

/// Changes to tally rows, summed before they are written (sorted keys: concurrent writers
/// on PostgreSQL lock rows in the same order and cannot deadlock).
#[derive(Default)]
pub(super) struct TallyDelta {
    rows: std::collections::BTreeMap<(i64, Grain, chrono::NaiveDate), Tally>,
    hours: std::collections::BTreeMap<(i64, Grain, chrono::NaiveDate, Hours, i64), i64>,
}

impl TallyDelta {
    /// Adds (`sign` 1) or takes away (-1) a case of the union at `path`: rows of the union
    /// itself go to `self`, rows of the unions above it to `above`.
    pub(super) fn add_case(
        &mut self,
        above: &mut TallyDelta,
        path: &str,
        facts: &CaseFacts,
        cal: &WorkCalendar,
        sign: i64,
    ) {
        let ids = path_ids(path).unwrap_or_default();
        let Some((own, parents)) = ids.split_last() else { return };
        let ct = tally::of_case(facts, cal);
        for (day, t) in &ct.days {
            for g in [Grain::Day, Grain::Month] {
                self.rows.entry((*own, g, g.start(*day))).or_default().add(t, sign);
                for id in parents {
                    above.rows.entry((*id, g, g.start(*day))).or_default().add(t, sign);
                }
            }
        }
        // Histograms count the cases strictly below a union, by month and by year.
        for (day, h, b) in &ct.hours {
            for g in [Grain::Month, Grain::Year] {
                for id in parents {
                    *above.hours.entry((*id, g, g.start(*day), *h, *b)).or_default() += sign;
                }
            }
        }
    }

    pub(super) fn absorb(&mut self, other: TallyDelta) {
        for (k, t) in other.rows {
            self.rows.entry(k).or_default().add(&t, 1);
        }
        for (k, n) in other.hours {
            *self.hours.entry(k).or_default() += n;
        }
    }

    /// A union's own case, for a rebuild: its rows, and its histogram entries kept under
    /// the union itself (they belong to the unions above, which take them from there).
    fn add_own_case(&mut self, union_id: i64, facts: &CaseFacts, cal: &WorkCalendar) {
        let ct = tally::of_case(facts, cal);
        for (day, t) in &ct.days {
            for g in [Grain::Day, Grain::Month] {
                self.rows.entry((union_id, g, g.start(*day))).or_default().add(t, 1);
            }
        }
        for (day, h, b) in &ct.hours {
            for g in [Grain::Month, Grain::Year] {
                *self.hours.entry((union_id, g, g.start(*day), *h, *b)).or_default() += 1;
            }
        }
    }

    pub(super) async fn write(&mut self, conn: &mut Conn) -> Result<(), StoreError> {
        let rows: Vec<_> = std::mem::take(&mut self.rows).into_iter().filter(|(_, t)| !t.is_zero()).collect();
        for chunk in rows.chunks(UPSERT_ROWS) {
            let mut q = sqlx::query(&UPSERTS[chunk.len()].0);
            for ((id, grain, start), t) in chunk {
                q = q.bind(*id).bind(grain.as_str()).bind(start.to_string());
                for v in t.values() {
                    q = q.bind(v);
                }
            }
            q.execute(&mut *conn).await?;
        }
        let hours: Vec<_> = std::mem::take(&mut self.hours).into_iter().filter(|(_, n)| *n != 0).collect();
        for chunk in hours.chunks(UPSERT_ROWS) {
            let mut q = sqlx::query(&UPSERTS[chunk.len()].1);
            for ((id, grain, start, h, b), n) in chunk {
                q = q.bind(*id).bind(grain.as_str()).bind(start.to_string()).bind(h.as_str()).bind(*b).bind(*n);
            }
            q.execute(&mut *conn).await?;
        }
        Ok(())
    }

    /// A rebuild's own rows so far, into its temporary tables with each union's depth in
    /// the tree (plain inserts: a key may come again, the level statements sum them).
    async fn write_rebuild(&mut self, conn: &mut Conn, depths: &HashMap<i64, i64>) -> Result<(), StoreError> {
        let depth =
            |id: &i64| depths.get(id).copied().ok_or_else(|| StoreError::Corrupt(format!("case of union {id}")));
        let rows: Vec<_> = std::mem::take(&mut self.rows).into_iter().filter(|(_, t)| !t.is_zero()).collect();
        for chunk in rows.chunks(REBUILD_INSERT_ROWS) {
            let partial;
            let sql = if chunk.len() == REBUILD_INSERT_ROWS {
                &REBUILD_INSERTS.0
            } else {
                partial = rebuild_rows_insert_sql(chunk.len());
                &partial
            };
            let mut q = sqlx::query(sql);
            for ((id, grain, start), t) in chunk {
                q = q.bind(depth(id)?).bind(*id).bind(grain.as_str()).bind(start.to_string());
                for v in t.values() {
                    q = q.bind(v);
                }
            }
            q.execute(&mut *conn).await?;
        }
        let hours: Vec<_> = std::mem::take(&mut self.hours).into_iter().filter(|(_, n)| *n != 0).collect();
        for chunk in hours.chunks(REBUILD_INSERT_ROWS) {
            let partial;
            let sql = if chunk.len() == REBUILD_INSERT_ROWS {
                &REBUILD_INSERTS.1
            } else {
                partial = rebuild_hours_insert_sql(chunk.len());
                &partial
            };
            let mut q = sqlx::query(sql);
            for ((id, grain, start, h, b), n) in chunk {
                q = q
                    .bind(depth(id)?)
                    .bind(*id)
                    .bind(grain.as_str())
                    .bind(start.to_string())
                    .bind(h.as_str())
                    .bind(*b)
                    .bind(*n);
            }
            q.execute(&mut *conn).await?;
        }
        Ok(())
    }
}

async fn calendar_conn(conn: &mut Conn) -> Result<WorkCalendar, StoreError> {
    let rows: Vec<(String, String, String)> =
        sqlx::query_as("SELECT day, kind, name FROM calendar_days ORDER BY day").fetch_all(&mut *conn).await?;
    Ok(WorkCalendar::new(rows.into_iter().map(calendar_day).collect::<Result<Vec<_>, _>>()?))
}

async fn union_path_conn(conn: &mut Conn, union_id: i64) -> Result<String, StoreError> {
    Ok(sqlx::query_scalar("SELECT path FROM unions WHERE id = $1").bind(union_id).fetch_one(&mut *conn).await?)
}

/// Moves a case's contribution from `old` to `new` (either may be absent), inside the
/// caller's transaction. Each side is the union's id and the case.
pub(super) async fn retally_case(
    conn: &mut Conn,
    old: Option<(i64, &CaseRecord)>,
    new: Option<(i64, &CaseRecord)>,
) -> Result<(), StoreError> {
    retally_case_in(conn, old, new, None).await
}

/// `retally_case` with a union's path the caller has read already.
async fn retally_case_in(
    conn: &mut Conn,
    old: Option<(i64, &CaseRecord)>,
    new: Option<(i64, &CaseRecord)>,
    known_path: Option<(i64, &str)>,
) -> Result<(), StoreError> {
    let old_facts = old.map(|(u, r)| (u, CaseFacts::from(r)));
    let new_facts = new.map(|(u, r)| (u, CaseFacts::from(r)));
    let needs_calendar = old_facts.iter().chain(new_facts.iter()).any(|(_, f)| f.accepted_at.is_some());
    let cal = if needs_calendar { calendar_conn(conn).await? } else { WorkCalendar::default() };
    let mut delta = TallyDelta::default();
    let mut above = TallyDelta::default();
    // A change within one union (the usual case) reads its path once.
    let mut path: Option<(i64, String)> = known_path.map(|(id, p)| (id, p.to_owned()));
    for (side, sign) in [(old_facts, -1), (new_facts, 1)] {
        if let Some((union_id, facts)) = side {
            if path.as_ref().is_none_or(|(id, _)| *id != union_id) {
                path = Some((union_id, union_path_conn(conn, union_id).await?));
            }
            if let Some((_, p)) = &path {
                delta.add_case(&mut above, p, &facts, &cal, sign);
            }
        }
    }
    delta.absorb(above);
    delta.write(conn).await
}

type FactsRow = (
    String,
    String,
    String,
    i64,
    i64,
    Option<i64>,
    Option<i64>,
    Option<i64>,
    Option<bool>,
    Option<i64>,
    Option<String>,
    Option<String>,
);

fn facts_of_row(r: FactsRow) -> Result<CaseFacts, StoreError> {
    let bad = |what: &str| StoreError::Corrupt(format!("case {what}"));
    Ok(CaseFacts {
        kind: youyue_domain::Kind::parse(&r.0).ok_or_else(|| bad(&r.0))?,
        channel: youyue_domain::Channel::parse(&r.1).ok_or_else(|| bad(&r.1))?,
        status: Status::parse(&r.2).ok_or_else(|| bad(&r.2))?,
        people: r.3,
        opened_at: Timestamp::from_micros(r.4),
        accepted_at: r.5.map(Timestamp::from_micros),
        closed_at: r.6.map(Timestamp::from_micros),
        amount_recovered: r.7.map(|f| Money::from_fen(f).ok_or_else(|| bad("amount"))).transpose()?,
        adopted: r.8,
        rating: r.9,
        due_on: r.10.map(|d| youyue_domain::time::parse_date(&d).map_err(|_| bad(&d))).transpose()?,
        referred: r.11.is_some(),
    })
}

/// Recomputes every tally from the cases inside the caller's transaction. The cases are
/// read once, in storage order, a page of `REBUILD_READ_ROWS` at a time; each case's rows
/// under its own union go to a temporary table (`rebuild_rows`, and `rebuild_hours` for
/// the histograms), written whenever `REBUILD_HELD_ROWS` are held, so memory stays bounded
/// whatever the size of the tree and a key may be written more than once. Then the tree
/// is summed a level at a time, deepest first, by one statement per level: a level's rows
/// are its children's rows plus its own unions' rows.
///
/// Reading union by union instead (an index lookup per case) cost a random page read per
/// case: at ten million cases, most of a SQLite import went to finding those pages in its
/// write-ahead log, and a PostgreSQL database larger than memory reads them from disk.
///
/// Histograms count the cases strictly below a union, so a union's own cases' entries are
/// kept under the union in `rebuild_hours`, from which its parent takes them.
pub(super) async fn rebuild_tallies_conn(conn: &mut Conn) -> Result<(), StoreError> {
    if let Some(lock) = DIALECT.lock_tallies {
        sqlx::query(lock).execute(&mut *conn).await?;
    }
    sqlx::query("DELETE FROM tallies").execute(&mut *conn).await?;
    sqlx::query("DELETE FROM tally_hours").execute(&mut *conn).await?;
    let cols = Tally::columns();
    let own_columns: Vec<String> = cols.iter().map(|c| format!("{c} BIGINT NOT NULL")).collect();
    for create in [
        format!(
            "CREATE TEMP TABLE IF NOT EXISTS rebuild_rows \
             (depth BIGINT NOT NULL, union_id BIGINT NOT NULL, grain TEXT NOT NULL, start TEXT NOT NULL, {})",
            own_columns.join(", ")
        ),
        "CREATE TEMP TABLE IF NOT EXISTS rebuild_hours \
         (depth BIGINT NOT NULL, union_id BIGINT NOT NULL, grain TEXT NOT NULL, start TEXT NOT NULL, measure TEXT NOT NULL, \
         bucket BIGINT NOT NULL, n BIGINT NOT NULL)"
            .to_owned(),
    ] {
        sqlx::query(&create).execute(&mut *conn).await?;
    }
    sqlx::query("DELETE FROM rebuild_rows").execute(&mut *conn).await?;
    sqlx::query("DELETE FROM rebuild_hours").execute(&mut *conn).await?;
    let cal = calendar_conn(conn).await?;
    let depths: HashMap<i64, i64> = sqlx::query_as::<_, (i64, i64)>("SELECT id, depth FROM unions")
        .fetch_all(&mut *conn)
        .await?
        .into_iter()
        .collect();

    // Every case once, in storage order.
    let mut own = TallyDelta::default();
    let mut after = 0i64;
    loop {
        let rows: Vec<(i64, i64, FactsRow)> = sqlx::query_as::<_, OwnFactsRow>(
            "SELECT id, union_id, kind, channel, status, people, opened_at, accepted_at, closed_at, amount_recovered_fen, \
             adopted, rating, due_on, arbitration_commission FROM cases WHERE id > $1 ORDER BY id LIMIT $2",
        )
        .bind(after)
        .bind(REBUILD_READ_ROWS)
        .fetch_all(&mut *conn)
        .await?
        .into_iter()
        .map(|(id, union_id, a, b, c, d, e, f, g, h, i, j, k, l)| (id, union_id, (a, b, c, d, e, f, g, h, i, j, k, l)))
        .collect();
        let Some(last) = rows.last().map(|r| r.0) else { break };
        for (_, union_id, r) in rows {
            own.add_own_case(union_id, &facts_of_row(r)?, &cal);
        }
        if own.rows.len() + own.hours.len() >= REBUILD_HELD_ROWS {
            own.write_rebuild(conn, &depths).await?;
        }
        after = last;
    }
    own.write_rebuild(conn, &depths).await?;

    let sums: Vec<String> = cols.iter().map(|c| format!("{SUM_BIGINT}(k.{c})")).collect();
    // A level's rows: the rows of every union one level down, summed into their parents,
    // and the level's own unions' rows, in one insert of new rows.
    let level_rows = format!(
        "INSERT INTO tallies (union_id, grain, start, {cols}) SELECT k.union_id, k.grain, k.start, {sums} FROM ( \
           SELECT u.parent_id AS union_id, t.grain, t.start, {t_cols} FROM tallies t \
           JOIN unions u ON u.id = t.union_id WHERE u.depth = {below} \
           UNION ALL \
           SELECT union_id, grain, start, {cols} FROM rebuild_rows WHERE depth = {level} \
         ) k GROUP BY k.union_id, k.grain, k.start",
        cols = cols.join(", "),
        sums = sums.join(", "),
        t_cols = cols.iter().map(|c| format!("t.{c}")).collect::<Vec<_>>().join(", "),
        below = DIALECT.backend.param(1),
        level = DIALECT.backend.param(2),
    );
    // A level's histograms: those of every union one level down and the entries kept under
    // those unions (their own cases'), summed into their parents.
    let level_hours = format!(
        "INSERT INTO tally_hours (union_id, grain, start, measure, bucket, n) \
         SELECT u.parent_id, h.grain, h.start, h.measure, h.bucket, {SUM_BIGINT}(h.n) FROM ( \
           SELECT union_id, grain, start, measure, bucket, n FROM tally_hours \
           UNION ALL \
           SELECT union_id, grain, start, measure, bucket, n FROM rebuild_hours WHERE depth = {} \
         ) h JOIN unions u ON u.id = h.union_id WHERE u.depth = {} \
         GROUP BY u.parent_id, h.grain, h.start, h.measure, h.bucket",
        DIALECT.backend.param(1),
        DIALECT.backend.param(2),
    );
    let mut levels: Vec<i64> = depths.values().copied().collect();
    levels.sort_unstable();
    levels.dedup();
    for &depth in levels.iter().rev() {
        // The level below is complete: its rows are this level's input.
        if let Some(sql) = DIALECT.rebuild_statistics {
            sqlx::query(sql).execute(&mut *conn).await?;
        }
        sqlx::query(&level_rows).bind(depth + 1).bind(depth).execute(&mut *conn).await?;
        sqlx::query(&level_hours).bind(depth + 1).bind(depth + 1).execute(&mut *conn).await?;
    }
    sqlx::query("DROP TABLE rebuild_rows").execute(&mut *conn).await?;
    sqlx::query("DROP TABLE rebuild_hours").execute(&mut *conn).await?;
    sqlx::query("UPDATE tally_state SET built = TRUE WHERE id = 1").execute(&mut *conn).await?;
    Ok(())
}

/// A rebuild reads the cases this many at a time.
const REBUILD_READ_ROWS: i64 = 10_000;
/// A rebuild writes its rows once it holds this many (about 400 bytes each).
const REBUILD_HELD_ROWS: usize = 100_000;

/// A case's id and union and the facts the tallies count (`rebuild_tallies_conn`).
type OwnFactsRow = (
    i64,
    i64,
    String,
    String,
    String,
    i64,
    i64,
    Option<i64>,
    Option<i64>,
    Option<i64>,
    Option<bool>,
    Option<i64>,
    Option<String>,
    Option<String>,
);

/// Rebuilds the tallies if a migration or an interrupted rebuild left them unbuilt.
pub(crate) async fn ensure_tallies(pool: &sqlx::Pool<Db>) -> Result<(), StoreError> {
    let built: bool = sqlx::query_scalar("SELECT built FROM tally_state WHERE id = 1").fetch_one(pool).await?;
    if !built {
        let mut tx = pool.begin().await?;
        rebuild_tallies_conn(&mut tx).await?;
        tx.commit().await?;
    }
    Ok(())
}

/// Sums of tally rows over a period for some unions: per union, the total and per month
/// (`YYYY-MM`).
struct PeriodTallies {
    total: std::collections::HashMap<i64, Tally>,
    months: std::collections::BTreeMap<String, Tally>,
}

async fn period_tallies(conn: &mut Conn, union_ids: &[i64], period: Period) -> Result<PeriodTallies, StoreError> {
    let mut out = PeriodTallies { total: Default::default(), months: Default::default() };
    if union_ids.is_empty() {
        return Ok(out);
    }
    // Months, not years: the trend is by month, and ten years are only 120 month rows.
    let cut = tally::cut(period, false);
    let mut qb = QueryBuilder::<Db>::new(format!(
        "SELECT union_id, start, {} FROM tallies WHERE union_id IN (",
        Tally::columns().join(", ")
    ));
    let mut ids = qb.separated(", ");
    for id in union_ids {
        ids.push_bind(*id);
    }
    qb.push(") AND (");
    for (i, span) in cut.spans.iter().enumerate() {
        if i > 0 {
            qb.push(" OR ");
        }
        qb.push("(grain = ").push_bind(span.grain.as_str()).push(" AND start >= ").push_bind(span.from.to_string());
        qb.push(" AND start <= ").push_bind(span.to.to_string()).push(")");
    }
    qb.push(")");
    let rows = qb.build().fetch_all(&mut *conn).await?;
    for row in rows {
        let id: i64 = row.try_get(0)?;
        let start: String = row.try_get(1)?;
        let mut v = [0i64; WIDTH];
        for (i, x) in v.iter_mut().enumerate() {
            *x = row.try_get(i + 2)?;
        }
        let t = Tally::from_values(&v);
        out.total.entry(id).or_default().add(&t, 1);
        out.months.entry(start.get(..7).unwrap_or(&start).to_owned()).or_default().add(&t, 1);
    }
    Ok(out)
}

/// The duration histograms of a union's subtree over a period: whole months from
/// `tally_hours` (the unions below) plus the union's own cases; loose days from the cases.
async fn period_hours(conn: &mut Conn, union: &Union, period: Period) -> Result<(Histogram, Histogram), StoreError> {
    let mut accept = Histogram::default();
    let mut close = Histogram::default();
    // Years too: a district's histograms have hundreds of buckets a month.
    let cut = tally::cut(period, true);
    let mut add = |h: Hours, b: i64, n: i64| match h {
        Hours::ToAccept => accept.add(b, n),
        Hours::ToClose => close.add(b, n),
    };
    // Ranges of instants [from, to) to read from the cases: the union's own (false) or its
    // whole subtree's (true).
    let mut scans: Vec<(bool, Timestamp, Timestamp)> = Vec::new();
    let whole: Vec<_> = cut.spans.iter().filter(|s| s.grain != Grain::Day).collect();
    if !whole.is_empty() {
        // One range per span, added up: each reads a stretch of the primary key (an OR of
        // ranges makes SQLite merge row ids first).
        let mut qb = QueryBuilder::<Db>::new(format!("SELECT measure, bucket, {SUM_BIGINT}(n) FROM ("));
        for (i, span) in whole.iter().enumerate() {
            if i > 0 {
                qb.push(" UNION ALL ");
            }
            qb.push("SELECT measure, bucket, n FROM tally_hours WHERE union_id = ").push_bind(union.id);
            qb.push(" AND grain = ")
                .push_bind(span.grain.as_str())
                .push(" AND start >= ")
                .push_bind(span.from.to_string());
            qb.push(" AND start <= ").push_bind(span.to.to_string());
        }
        qb.push(") h GROUP BY measure, bucket");
        let rows: Vec<(String, i64, i64)> = qb.build_query_as().fetch_all(&mut *conn).await?;
        for (m, b, n) in rows {
            add(Hours::parse(&m).ok_or_else(|| StoreError::Corrupt(format!("tally measure {m}")))?, b, n);
        }
    }
    if let Some((a, b)) = cut.whole {
        let (from, to) = Period::new(a, b).map_err(|e| StoreError::Corrupt(e.to_string()))?.instants();
        scans.push((false, from, to));
    }
    for (a, b) in &cut.days {
        let (from, to) = Period::new(*a, *b).map_err(|e| StoreError::Corrupt(e.to_string()))?.instants();
        scans.push((true, from, to));
    }
    for (subtree, from, to) in scans {
        let whose =
            if subtree { "c.union_id IN (SELECT id FROM unions WHERE path LIKE $1)" } else { "c.union_id = $1" };
        for h in Hours::ALL {
            let (col, closed) = match h {
                // A merged case (issue 22) counts in no figure.
                Hours::ToAccept => ("accepted_at", " AND c.status <> 'merged'"),
                Hours::ToClose => ("closed_at", " AND c.status IN ('resolved', 'explained')"),
            };
            let unit = h.unit_micros();
            let sql = format!(
                "SELECT (c.{col} - c.opened_at + {half}) / {unit} AS b, COUNT(*) FROM cases c \
                 WHERE {whose} AND c.{col} >= $2 AND c.{col} < $3{closed} GROUP BY (c.{col} - c.opened_at + {half}) / {unit}",
                half = unit / 2
            );
            let q = sqlx::query_as(&sql);
            let q = if subtree { q.bind(format!("{}%", union.path)) } else { q.bind(union.id) };
            let rows: Vec<(i64, i64)> = q.bind(from.micros()).bind(to.micros()).fetch_all(&mut *conn).await?;
            for (b, n) in rows {
                add(h, b, n);
            }
        }
    }
    Ok((accept, close))
}

/// Unions of the subtree with a studio opened by the period's last day.
async fn studios_conn(conn: &mut Conn, union: &Union, period: Period) -> Result<u64, StoreError> {
    let studios: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM unions WHERE path LIKE $1 AND studio_opened_on IS NOT NULL AND studio_opened_on <= $2",
    )
    .bind(format!("{}%", union.path))
    .bind(period.to().to_string())
    .fetch_one(&mut *conn)
    .await?;
    Ok(u64::try_from(studios).unwrap_or(0))
}

async fn figures_conn(conn: &mut Conn, union: &Union, period: Period) -> Result<crate::Figures, StoreError> {
    let studios = studios_conn(conn, union, period).await?;
    let t = period_tallies(conn, &[union.id], period).await?;
    let total = t.total.get(&union.id).copied().unwrap_or_default();
    let mut stats = total.stats(union.record.code.as_str(), period, studios);
    super::appointments::add_figures(conn, union, period, &mut stats).await?;
    let months = t
        .months
        .iter()
        .filter(|(_, m)| m.opened != 0 || m.resolved() != 0)
        .map(|(m, x)| (m.clone(), x.opened, x.resolved()))
        .collect();
    let (to_accept, to_close) = period_hours(conn, union, period).await?;
    Ok(crate::Figures {
        stats,
        months,
        timeliness: total.timeliness(&to_accept, &to_close),
        case_ratings: total.case_ratings(),
    })
}

/// The union whose whole subtree a case query asks for, when nothing but its status
/// narrows it: then the tallies count it without reading the cases (the inbox's tabs).
pub(super) fn tally_countable(q: &CaseQuery) -> Option<i64> {
    let plain = q.kind.is_none()
        && q.channel.is_none()
        && q.handler_id.is_none()
        && q.worker_user_id.is_none()
        && q.overdue_before.is_none()
        && q.agreement_overdue_on.is_none()
        && q.text.as_deref().is_none_or(|t| t.trim().is_empty())
        && q.below_union.is_none()
        && q.figure.is_none()
        && q.assisting.is_none()
        && q.returned_at_least.is_none();
    if !plain {
        return None;
    }
    // The narrower of the two paths (the union filter lies within the caller's subtree;
    // if it does not, the SQL path answers, with nothing).
    let path = match &q.union_path {
        Some(p) if p.starts_with(&q.within) => p,
        Some(_) => return None,
        None => &q.within,
    };
    path_ids(path)?.last().copied()
}

/// How many cases a list narrowed only by kind or only by channel holds, from the tallies
/// (all time: the month rows of the subtree's union). None when the query narrows anything
/// else, or when some of the cases it counts may be hidden from the viewer (wellbeing cases).
pub(super) async fn tally_kind_or_channel_total(conn: &mut Conn, q: &CaseQuery) -> Result<Option<i64>, StoreError> {
    let column = match (q.kind, q.channel) {
        (Some(k), None) if q.wellbeing_only_handler.is_none() || k != youyue_domain::Kind::Wellbeing => {
            format!("opened_{}", k.as_str())
        }
        (None, Some(c)) if q.wellbeing_only_handler.is_none() => format!("opened_{}", c.as_str()),
        _ => return Ok(None),
    };
    if q.status.is_some() || q.open_only {
        return Ok(None);
    }
    let plain = CaseQuery { kind: None, channel: None, wellbeing_only_handler: None, ..q.clone() };
    let Some(union_id) = tally_countable(&plain) else { return Ok(None) };
    let n: i64 = sqlx::query_scalar(&format!(
        "SELECT COALESCE({SUM_BIGINT}({column}), 0) FROM tallies WHERE union_id = $1 AND grain = 'm'"
    ))
    .bind(union_id)
    .fetch_one(&mut *conn)
    .await?;
    Ok(Some(n))
}

/// Counts by current status, every status present.
type StatusCounts = std::collections::BTreeMap<String, i64>;

/// A union's subtree's cases by current status, and its wellbeing cases by status, from the
/// tallies.
pub(super) async fn status_counts_conn(
    conn: &mut Conn,
    union_id: i64,
) -> Result<(StatusCounts, StatusCounts), StoreError> {
    let cols: Vec<String> = ["opened", "wellbeing"]
        .iter()
        .flat_map(|c| Status::COUNTED.iter().map(move |s| format!("COALESCE({SUM_BIGINT}({c}_{s}), 0)")))
        .collect();
    let row = sqlx::query(&format!("SELECT {} FROM tallies WHERE union_id = $1 AND grain = 'm'", cols.join(", ")))
        .bind(union_id)
        .fetch_one(&mut *conn)
        .await?;
    let (mut all, mut wellbeing) = (StatusCounts::new(), StatusCounts::new());
    for (i, s) in Status::COUNTED.iter().enumerate() {
        all.insert(s.as_str().to_owned(), row.try_get::<i64, _>(i)?);
        wellbeing.insert(s.as_str().to_owned(), row.try_get::<i64, _>(Status::COUNTED.len() + i)?);
    }
    Ok((all, wellbeing))
}

/// How many cases a figure's drill-down lists, read off the tallies, when the figure's
/// filter is one the tallies count and the query narrows nothing else.
pub(super) async fn tally_figure_total(conn: &mut Conn, q: &CaseQuery) -> Result<Option<i64>, StoreError> {
    use youyue_domain::figures::CaseFilter;
    let Some(f) = &q.figure else { return Ok(None) };
    // The tallies know nothing of appointments or agreements: such a list is counted from
    // the cases.
    if f.appointment.is_some() || f.agreement.is_some() {
        return Ok(None);
    }
    let Some(union_id) = tally_countable(&CaseQuery { figure: None, ..q.clone() }) else { return Ok(None) };
    // The tallies count every case; a viewer who may not see some wellbeing cases is
    // given the count of what the list shows.
    if q.status.is_some() || q.open_only || q.wellbeing_only_handler.is_some() {
        return Ok(None);
    }
    // The period the filter's instants span (they are China midnights).
    let days = |(a, b): (Timestamp, Timestamp)| {
        Period::new(a.cst_date(), Timestamp::from_micros(b.micros() - 1).cst_date()).ok()
    };
    let kind_at = |k: youyue_domain::Kind| youyue_domain::Kind::ALL.iter().position(|x| *x == k).unwrap_or(0);
    type Column = Box<dyn Fn(&Tally) -> i64 + Send>;
    let plain = CaseFilter::default();
    let (period, column): (Option<Period>, Column) = match f {
        CaseFilter {
            opened_in: Some(r),
            closed_in: None,
            accepted_in: None,
            with_amount: false,
            rated: false,
            with_deadline: false,
            ..
        } => {
            let r = days(*r);
            match (f.kind, f.channel, f.status, f.adopted) {
                (None, None, None, None) => (r, Box::new(|t: &Tally| t.opened)),
                (Some(k), None, None, None) => {
                    let i = kind_at(k);
                    (r, Box::new(move |t: &Tally| t.opened_by_kind[i]))
                }
                (Some(youyue_domain::Kind::Suggestion), None, None, Some(true)) => {
                    (r, Box::new(|t: &Tally| t.suggestions_adopted))
                }
                (None, Some(c), None, None) => {
                    let i = youyue_domain::Channel::ALL.iter().position(|x| *x == c).unwrap_or(0);
                    (r, Box::new(move |t: &Tally| t.opened_by_channel[i]))
                }
                // A merged case (issue 22) is in no tally: the cases list it.
                (None, None, Some(s), None) if s != Status::Merged => {
                    let i = Status::COUNTED.iter().position(|x| *x == s).unwrap_or(0);
                    (r, Box::new(move |t: &Tally| t.opened_by_status[i]))
                }
                _ => return Ok(None),
            }
        }
        CaseFilter { closed_in: Some(r), status: Some(Status::Resolved), kind, .. }
            if *f
                == CaseFilter { closed_in: Some(*r), status: Some(Status::Resolved), kind: *kind, ..plain.clone() } =>
        {
            match kind {
                Some(k) => {
                    let i = kind_at(*k);
                    (days(*r), Box::new(move |t: &Tally| t.resolved_by_kind[i]))
                }
                None => (days(*r), Box::new(|t: &Tally| t.resolved())),
            }
        }
        CaseFilter { closed_in: Some(r), .. }
            if *f == CaseFilter { closed_in: Some(*r), status: Some(Status::Explained), ..plain.clone() } =>
        {
            (days(*r), Box::new(|t: &Tally| t.explained))
        }
        CaseFilter { closed_in: Some(r), .. }
            if *f == CaseFilter { closed_in: Some(*r), rated: true, ..plain.clone() } =>
        {
            (days(*r), Box::new(|t: &Tally| t.rated))
        }
        CaseFilter { accepted_in: Some(r), .. } if *f == CaseFilter { accepted_in: Some(*r), ..plain.clone() } => {
            (days(*r), Box::new(|t: &Tally| t.accepted))
        }
        _ => return Ok(None),
    };
    let Some(period) = period else { return Ok(None) };
    let t = period_tallies(conn, &[union_id], period).await?;
    Ok(Some(t.total.get(&union_id).map(column).unwrap_or(0)))
}

/// All the cases stored, from the tallies of the top-level unions.
pub(super) async fn all_cases_conn(conn: &mut Conn) -> Result<i64, StoreError> {
    Ok(sqlx::query_scalar(&format!(
        "SELECT COALESCE({SUM_BIGINT}(t.opened), 0) FROM unions u JOIN tallies t ON t.union_id = u.id \
         AND t.grain = 'm' WHERE u.parent_id IS NULL",
    ))
    .fetch_one(&mut *conn)
    .await?)
}

pub(super) async fn stats(store: &SqlStore<Db>, union: &Union, period: Period) -> Result<Stats, StoreError> {
    let mut conn = store.read.acquire().await?;
    let studios = studios_conn(&mut conn, union, period).await?;
    let t = period_tallies(&mut conn, &[union.id], period).await?;
    let total = t.total.get(&union.id).copied().unwrap_or_default();
    let mut stats = total.stats(union.record.code.as_str(), period, studios);
    super::appointments::add_figures(&mut conn, union, period, &mut stats).await?;
    Ok(stats)
}

pub(super) async fn figures(store: &SqlStore<Db>, union: &Union, period: Period) -> Result<crate::Figures, StoreError> {
    // One read transaction: the figures, the trend and timeliness agree with each other.
    let mut tx = store.read.begin().await?;
    if let Some(sql) = DIALECT.snapshot {
        sqlx::query(sql).execute(&mut *tx).await?;
    }
    let figures = figures_conn(&mut tx, union, period).await?;
    tx.commit().await?;
    Ok(figures)
}

pub(super) async fn child_stats(
    store: &SqlStore<Db>,
    union: &Union,
    period: Period,
) -> Result<Vec<(Union, Stats)>, StoreError> {
    let rows: Vec<UnionRow> = sqlx::query_as(&format!("{UNION_SELECT} WHERE u.parent_id = $1 ORDER BY u.code"))
        .bind(union.id)
        .fetch_all(&store.read)
        .await?;
    let children = rows.into_iter().map(Union::try_from).collect::<Result<Vec<_>, _>>()?;
    let mut conn = store.read.acquire().await?;
    let ids: Vec<i64> = children.iter().map(|c| c.id).collect();
    let t = period_tallies(&mut conn, &ids, period).await?;
    let mut out = Vec::new();
    for child in children {
        let studios = studios_conn(&mut conn, &child, period).await?;
        let total = t.total.get(&child.id).copied().unwrap_or_default();
        let mut stats = total.stats(child.record.code.as_str(), period, studios);
        super::appointments::add_figures(&mut conn, &child, period, &mut stats).await?;
        out.push((child, stats));
    }
    Ok(out)
}

pub(super) async fn rebuild_tallies(store: &SqlStore<Db>) -> Result<(), StoreError> {
    let mut tx = store.write.begin().await?;
    rebuild_tallies_conn(&mut tx).await?;
    tx.commit().await?;
    Ok(())
}

pub(super) async fn answered(store: &SqlStore<Db>, union: &Union, period: Period) -> Result<(i64, i64), StoreError> {
    let (due, closed): (i64, i64) = sqlx::query_as(
        "SELECT COUNT(*), CAST(COALESCE(SUM(CASE WHEN c.status IN ('resolved', 'explained') THEN 1 ELSE 0 END), 0) AS BIGINT) \
         FROM cases c JOIN unions u ON u.id = c.union_id WHERE u.path LIKE $1 AND c.due_on >= $2 AND c.due_on <= $3 \
         AND c.status <> 'merged'",
    )
    .bind(format!("{}%", union.path))
    .bind(period.from().to_string())
    .bind(period.to().to_string())
    .fetch_one(&store.read)
    .await?;
    Ok((due, closed))
}
