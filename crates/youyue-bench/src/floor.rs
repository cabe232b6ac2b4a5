//! The floor of a durable write: one row shaped like a case's (number, union, title,
//! description, time), inserted and committed on its own, with the durability youyue runs
//! with — SQLite in WAL with `synchronous=FULL`, PostgreSQL with its default commit — by
//! `concurrency` clients back to back. SQLite takes one writer at a time, so there the
//! clients share one connection, as youyue's writer does; nothing groups their commits, so
//! this is what one commit per submission would cost. The table is created and dropped in
//! the database given (for SQLite, a file of its own).

use crate::load::Cell;
use anyhow::{Context, Result};
use sqlx::postgres::PgPoolOptions;
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use std::collections::BTreeMap;
use std::future::Future;
use std::str::FromStr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

const TEXT: &str = "公司拖欠三个月工资共计一万二千元，多次找车间主任未果，请工会帮助协调。";

/// Inserts at each concurrency for `seconds`; `db` is `sqlite://FILE` or `postgres://…`.
pub async fn insert_floor(db: &str, concurrencies: &[usize], seconds: f64) -> Result<Vec<Cell>> {
    // The same statements on both databases (SQLite takes `$n` too); only the pool's type
    // differs, hence a macro rather than a function generic over sqlx's database traits.
    macro_rules! measure {
        ($pool:expr, $create:expr) => {{
            let pool = $pool;
            sqlx::query("DROP TABLE IF EXISTS floor_cases").execute(&pool).await?;
            sqlx::query($create).execute(&pool).await?;
            let mut cells = Vec::new();
            for &c in concurrencies {
                let pool = pool.clone();
                cells.push(
                    clients(c, seconds, move |n| {
                        let pool = pool.clone();
                        async move {
                            sqlx::query(
                                "INSERT INTO floor_cases (number, union_id, title, description, opened_at) \
                                 VALUES ($1, $2, $3, $4, $5)",
                            )
                            .bind(format!("FL-2026-{n:06}"))
                            .bind((n % 2000) as i64)
                            .bind("欠薪")
                            .bind(TEXT)
                            .bind(n as i64)
                            .execute(&pool)
                            .await
                            .map(|_| ())
                        }
                    })
                    .await,
                );
            }
            sqlx::query("DROP TABLE floor_cases").execute(&pool).await?;
            pool.close().await;
            Ok(cells)
        }};
    }
    if db.starts_with("sqlite:") {
        let opts = SqliteConnectOptions::from_str(db)
            .with_context(|| format!("--insert-floor-db {db}"))?
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Full)
            .busy_timeout(Duration::from_secs(10));
        measure!(
            SqlitePoolOptions::new().max_connections(1).connect_with(opts).await?,
            "CREATE TABLE floor_cases (id INTEGER PRIMARY KEY, number TEXT NOT NULL, union_id INTEGER NOT NULL, \
             title TEXT NOT NULL, description TEXT NOT NULL, opened_at INTEGER NOT NULL)"
        )
    } else {
        measure!(
            PgPoolOptions::new()
                .max_connections(64)
                .connect(db)
                .await
                .with_context(|| format!("--insert-floor-db {db}"))?,
            "CREATE TABLE floor_cases (id BIGSERIAL PRIMARY KEY, number TEXT NOT NULL, union_id BIGINT NOT NULL, \
             title TEXT NOT NULL, description TEXT NOT NULL, opened_at BIGINT NOT NULL)"
        )
    }
}

/// `concurrency` tasks calling `insert` back to back until `seconds` are up.
async fn clients<F, Fut>(concurrency: usize, seconds: f64, insert: F) -> Cell
where
    F: Fn(u64) -> Fut + Clone + Send + 'static,
    Fut: Future<Output = Result<(), sqlx::Error>> + Send,
{
    let next = Arc::new(AtomicU64::new(1));
    let started = Instant::now();
    let deadline = started + Duration::from_secs_f64(seconds);
    let mut tasks = Vec::new();
    for _ in 0..concurrency {
        let insert = insert.clone();
        let next = next.clone();
        tasks.push(tokio::spawn(async move {
            let mut micros = Vec::new();
            let mut errors = Vec::new();
            while Instant::now() < deadline {
                let t = Instant::now();
                let r = insert(next.fetch_add(1, Ordering::Relaxed)).await;
                micros.push(t.elapsed().as_micros() as u64);
                if let Err(e) = r {
                    errors.push(e.to_string());
                }
            }
            (micros, errors)
        }));
    }
    let mut micros = Vec::new();
    let mut samples = Vec::new();
    let mut errors = 0;
    for t in tasks {
        if let Ok((m, e)) = t.await {
            micros.extend(m);
            errors += e.len() as u64;
            samples.extend(e.into_iter().take(5usize.saturating_sub(samples.len())));
        }
    }
    let mut statuses = BTreeMap::new();
    if errors > 0 {
        statuses.insert("database".to_owned(), errors);
    }
    Cell::of_latencies("insert_floor", concurrency, started.elapsed().as_secs_f64(), micros, errors, statuses, samples)
}
