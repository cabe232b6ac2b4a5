// Running tallies of the figures (see `youyue_domain::tally`), compiled once per backend
// like `shared.rs`. Every case write adds the case's new contribution and subtracts its old
// one in the same transaction; a change to the union tree or the working-day calendar
// rebuilds them from the cases. The figures read them instead of the cases.

use youyue_domain::calendar::WorkCalendar;
use youyue_domain::stats::CaseFacts;
use youyue_domain::tally::{self, Histogram, Hours, Tally, WIDTH};

/// `INSERT … ON CONFLICT DO UPDATE SET col = tallies.col + excluded.col` over every column.
static TALLY_UPSERT_SQL: std::sync::LazyLock<String> = std::sync::LazyLock::new(|| {
    let cols = Tally::columns();
    let params: Vec<String> = (4..4 + cols.len()).map(|i| format!("${i}")).collect();
    let sets: Vec<String> = cols.iter().map(|c| format!("{c} = tallies.{c} + excluded.{c}")).collect();
    format!(
        "INSERT INTO tallies (union_id, grain, start, {}) VALUES ($1, $2, $3, {}) \
         ON CONFLICT (union_id, grain, start) DO UPDATE SET {}",
        cols.join(", "),
        params.join(", "),
        sets.join(", ")
    )
});

const HOURS_UPSERT_SQL: &str = "INSERT INTO tally_hours (union_id, month, measure, bucket, n) VALUES ($1, $2, $3, $4, $5) \
     ON CONFLICT (union_id, month, measure, bucket) DO UPDATE SET n = tally_hours.n + excluded.n";

/// The ids on a union's path (`/1/5/23/` → 1, 5, 23): the union and everything above it.
fn path_ids(path: &str) -> Vec<i64> {
    path.split('/').filter_map(|s| s.parse().ok()).collect()
}

/// Changes to tally rows, summed before they are written (sorted keys: concurrent writers
/// on PostgreSQL lock rows in the same order and cannot deadlock).
#[derive(Default)]
struct TallyDelta {
    rows: std::collections::BTreeMap<(i64, char, chrono::NaiveDate), Tally>,
    hours: std::collections::BTreeMap<(i64, chrono::NaiveDate, Hours, i64), i64>,
}

impl TallyDelta {
    /// Adds (`sign` 1) or takes away (-1) a case of the union at `path`: rows of the union
    /// itself go to `self`, rows of the unions above it to `above`.
    fn add_case(&mut self, above: &mut TallyDelta, path: &str, facts: &CaseFacts, cal: &WorkCalendar, sign: i64) {
        let ids = path_ids(path);
        let Some((own, parents)) = ids.split_last() else { return };
        let ct = tally::of_case(facts, cal);
        for (day, t) in &ct.days {
            let month = tally::month_start(*day);
            self.rows.entry((*own, 'd', *day)).or_default().add(t, sign);
            self.rows.entry((*own, 'm', month)).or_default().add(t, sign);
            for id in parents {
                above.rows.entry((*id, 'd', *day)).or_default().add(t, sign);
                above.rows.entry((*id, 'm', month)).or_default().add(t, sign);
            }
        }
        // Histograms count the cases strictly below a union.
        for (day, h, b) in &ct.hours {
            for id in parents {
                *above.hours.entry((*id, tally::month_start(*day), *h, *b)).or_default() += sign;
            }
        }
    }

    fn absorb(&mut self, other: TallyDelta) {
        for (k, t) in other.rows {
            self.rows.entry(k).or_default().add(&t, 1);
        }
        for (k, n) in other.hours {
            *self.hours.entry(k).or_default() += n;
        }
    }

    async fn write(&mut self, conn: &mut Conn) -> Result<(), StoreError> {
        for ((id, grain, start), t) in std::mem::take(&mut self.rows) {
            if t.is_zero() {
                continue;
            }
            let mut q = sqlx::query(&TALLY_UPSERT_SQL).bind(id).bind(grain.to_string()).bind(start.to_string());
            for v in t.values() {
                q = q.bind(v);
            }
            q.execute(&mut *conn).await?;
        }
        for ((id, month, h, b), n) in std::mem::take(&mut self.hours) {
            if n == 0 {
                continue;
            }
            sqlx::query(HOURS_UPSERT_SQL)
                .bind(id)
                .bind(month.to_string())
                .bind(h.as_str())
                .bind(b)
                .bind(n)
                .execute(&mut *conn)
                .await?;
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
async fn retally_case(conn: &mut Conn, old: Option<(i64, &CaseRecord)>, new: Option<(i64, &CaseRecord)>) -> Result<(), StoreError> {
    let old_facts = old.map(|(u, r)| (u, CaseFacts::from(r)));
    let new_facts = new.map(|(u, r)| (u, CaseFacts::from(r)));
    let needs_calendar = old_facts.iter().chain(new_facts.iter()).any(|(_, f)| f.accepted_at.is_some());
    let cal = if needs_calendar { calendar_conn(conn).await? } else { WorkCalendar::default() };
    let mut delta = TallyDelta::default();
    let mut above = TallyDelta::default();
    for (side, sign) in [(old_facts, -1), (new_facts, 1)] {
        if let Some((union_id, facts)) = side {
            let path = union_path_conn(conn, union_id).await?;
            delta.add_case(&mut above, &path, &facts, &cal, sign);
        }
    }
    delta.absorb(above);
    delta.write(conn).await
}

type FactsRow = (String, String, String, i64, i64, Option<i64>, Option<i64>, Option<i64>, Option<bool>, Option<i64>, Option<String>);

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
    })
}

/// Recomputes every tally from the cases, union by union (memory stays bounded by the
/// rows of the unions that have unions below them), inside the caller's transaction.
async fn rebuild_tallies_conn(conn: &mut Conn) -> Result<(), StoreError> {
    if let Some(lock) = LOCK_TALLIES_SQL {
        sqlx::query(lock).execute(&mut *conn).await?;
    }
    sqlx::query("DELETE FROM tallies").execute(&mut *conn).await?;
    sqlx::query("DELETE FROM tally_hours").execute(&mut *conn).await?;
    let cal = calendar_conn(conn).await?;
    let unions: Vec<(i64, String)> = sqlx::query_as("SELECT id, path FROM unions ORDER BY id").fetch_all(&mut *conn).await?;
    let mut above = TallyDelta::default();
    for (id, path) in unions {
        let rows: Vec<FactsRow> = sqlx::query_as(
            "SELECT kind, channel, status, people, opened_at, accepted_at, closed_at, amount_recovered_fen, adopted, rating, due_on \
             FROM cases WHERE union_id = $1",
        )
        .bind(id)
        .fetch_all(&mut *conn)
        .await?;
        let mut own = TallyDelta::default();
        for r in rows {
            own.add_case(&mut above, &path, &facts_of_row(r)?, &cal, 1);
        }
        own.write(conn).await?;
    }
    above.write(conn).await?;
    sqlx::query("UPDATE tally_state SET built = TRUE WHERE id = 1").execute(&mut *conn).await?;
    Ok(())
}

/// Rebuilds the tallies if a migration or an interrupted rebuild left them unbuilt.
async fn ensure_tallies(pool: &sqlx::Pool<Db>) -> Result<(), StoreError> {
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
    let cut = tally::cut(period);
    let mut qb = QueryBuilder::<Db>::new(format!("SELECT union_id, start, {} FROM tallies WHERE union_id IN (", Tally::columns().join(", ")));
    let mut ids = qb.separated(", ");
    for id in union_ids {
        ids.push_bind(*id);
    }
    qb.push(") AND (");
    let mut first = true;
    let mut range = |qb: &mut QueryBuilder<'_, Db>, grain: &'static str, a: chrono::NaiveDate, b: chrono::NaiveDate| {
        if !first {
            qb.push(" OR ");
        }
        first = false;
        qb.push("(grain = ").push_bind(grain).push(" AND start >= ").push_bind(a.to_string());
        qb.push(" AND start <= ").push_bind(b.to_string()).push(")");
    };
    if let Some((a, b)) = cut.months {
        range(&mut qb, "m", a, b);
    }
    for (a, b) in &cut.days {
        range(&mut qb, "d", *a, *b);
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
    let cut = tally::cut(period);
    let mut add = |h: Hours, b: i64, n: i64| match h {
        Hours::ToAccept => accept.add(b, n),
        Hours::ToClose => close.add(b, n),
    };
    // (where on the union, value, from, to): ranges of instants [from, to).
    let mut scans: Vec<(bool, Timestamp, Timestamp)> = Vec::new();
    if let Some((a, b)) = cut.months {
        let rows: Vec<(String, i64, i64)> = sqlx::query_as(
            "SELECT measure, bucket, CAST(SUM(n) AS BIGINT) FROM tally_hours WHERE union_id = $1 AND month >= $2 AND month <= $3 \
             GROUP BY measure, bucket",
        )
        .bind(union.id)
        .bind(a.to_string())
        .bind(b.to_string())
        .fetch_all(&mut *conn)
        .await?;
        for (m, b, n) in rows {
            add(Hours::parse(&m).ok_or_else(|| StoreError::Corrupt(format!("tally measure {m}")))?, b, n);
        }
        let end = Period::month_of(b).to();
        let (from, _) = Period::new(a, a).map_err(|e| StoreError::Corrupt(e.to_string()))?.instants();
        let (_, to) = Period::new(end, end).map_err(|e| StoreError::Corrupt(e.to_string()))?.instants();
        scans.push((false, from, to));
    }
    for (a, b) in &cut.days {
        let (from, to) = Period::new(*a, *b).map_err(|e| StoreError::Corrupt(e.to_string()))?.instants();
        scans.push((true, from, to));
    }
    for (subtree, from, to) in scans {
        let whose = if subtree { "c.union_id IN (SELECT id FROM unions WHERE path LIKE $1)" } else { "c.union_id = $1" };
        for h in Hours::ALL {
            let (col, closed) = match h {
                Hours::ToAccept => ("accepted_at", ""),
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
    let stats =
        total.stats(union.record.code.as_str(), period, studios).ok_or_else(|| StoreError::Corrupt("amount overflow".into()))?;
    let months = t.months.iter().filter(|(_, m)| m.opened != 0 || m.resolved() != 0).map(|(m, x)| (m.clone(), x.opened, x.resolved())).collect();
    let (to_accept, to_close) = period_hours(conn, union, period).await?;
    Ok(crate::Figures { stats, months, timeliness: total.timeliness(&to_accept, &to_close), case_ratings: total.case_ratings() })
}
