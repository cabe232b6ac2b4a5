//! The two migration folders make the same schema: every table with the same columns, in
//! the same order, of the same kind and nullability. The SQL in `src/sql/` is one text for
//! both databases, so a column one folder lacks would fail on that database alone.
//!
//! Needs PostgreSQL, as the integration tests do (`YOUYUE_TEST_PG`, by default
//! `postgres://postgres@127.0.0.1:5432/test`): the test makes a database of its own there.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::collections::BTreeMap;
use std::time::{SystemTime, UNIX_EPOCH};
use youyue_store::Store;

/// Table → its columns as (name, kind, not null), in declaration order.
type Schema = BTreeMap<String, Vec<(String, &'static str, bool)>>;

/// The kind of a declared type, as both databases store it: the SQL text binds TEXT,
/// 64-bit integers and booleans only.
fn kind(declared: &str) -> &'static str {
    match declared.to_ascii_lowercase().as_str() {
        "text" => "text",
        "integer" | "bigint" | "smallint" => "integer",
        "boolean" => "boolean",
        "tsvector" => "words",
        _ => "other",
    }
}

/// A name of the test's own, for a database and a file.
fn unique_name() -> String {
    let nanos = SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_nanos()).unwrap_or_default();
    format!("youyue_schema_{}_{nanos}", std::process::id())
}

async fn sqlite_schema() -> Schema {
    let path = std::env::temp_dir().join(format!("{}.db", unique_name()));
    let url = format!("sqlite://{}", path.display());
    let store = youyue_store::sqlite::SqliteStore::open(&url).await.unwrap();
    store.close().await;
    let mut conn = <sqlx::SqliteConnection as sqlx::Connection>::connect(&url).await.unwrap();
    // FTS5's own tables (`case_grams_*`) and sqlx's bookkeeping are not the schema.
    let rows: Vec<(String, String, String, bool)> = sqlx::query_as(
        "SELECT m.name, p.name, p.type, p.\"notnull\" OR p.pk > 0 FROM sqlite_master m, pragma_table_info(m.name) p \
         WHERE m.type = 'table' AND m.name NOT LIKE 'sqlite_%' AND m.name NOT LIKE '_sqlx%' \
         AND m.name NOT LIKE 'case_grams_%' ORDER BY m.name, p.cid",
    )
    .fetch_all(&mut conn)
    .await
    .unwrap();
    sqlx::Connection::close(conn).await.unwrap();
    for suffix in ["", "-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{suffix}", path.display()));
    }
    collect(rows)
}

async fn postgres_schema() -> Schema {
    let admin = std::env::var("YOUYUE_TEST_PG").unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/test".into());
    let name = unique_name();
    let mut conn = <sqlx::PgConnection as sqlx::Connection>::connect(&admin)
        .await
        .unwrap_or_else(|e| panic!("PostgreSQL is required for this test and is not reachable at {admin}: {e}"));
    sqlx::query(&format!("CREATE DATABASE {name}")).execute(&mut conn).await.unwrap();
    let url = format!("{}/{name}", admin.rsplit_once('/').map(|(base, _)| base).unwrap());
    let store = youyue_store::postgres::PostgresStore::open(&url).await.unwrap();
    store.close().await;
    let mut db = <sqlx::PgConnection as sqlx::Connection>::connect(&url).await.unwrap();
    let rows: Vec<(String, String, String, bool)> = sqlx::query_as(
        "SELECT table_name::TEXT, column_name::TEXT, data_type::TEXT, is_nullable = 'NO' \
         FROM information_schema.columns c WHERE table_schema = current_schema() \
         AND table_name NOT LIKE '_sqlx%' \
         AND table_name IN (SELECT table_name FROM information_schema.tables t \
                            WHERE t.table_schema = current_schema() AND t.table_type = 'BASE TABLE') \
         ORDER BY table_name, ordinal_position",
    )
    .fetch_all(&mut db)
    .await
    .unwrap();
    sqlx::Connection::close(db).await.unwrap();
    sqlx::query(&format!("DROP DATABASE {name}")).execute(&mut conn).await.unwrap();
    collect(rows)
}

fn collect(rows: Vec<(String, String, String, bool)>) -> Schema {
    let mut schema = Schema::new();
    for (table, column, declared, not_null) in rows {
        schema.entry(table).or_default().push((column, kind(&declared), not_null));
    }
    schema
}

#[tokio::test]
async fn both_migration_folders_make_the_same_tables_and_columns() {
    let mut sqlite = sqlite_schema().await;
    let mut postgres = postgres_schema().await;
    // The one table that differs by design: an FTS5 table on SQLite (the case id is its
    // rowid), a table with a GIN-indexed tsvector on PostgreSQL (`src/sql/search.rs`).
    let sqlite_grams = sqlite.remove("case_grams").map(|c| c.into_iter().map(|(name, ..)| name).collect::<Vec<_>>());
    let postgres_grams =
        postgres.remove("case_grams").map(|c| c.into_iter().map(|(name, ..)| name).collect::<Vec<_>>());
    assert_eq!(sqlite_grams, Some(vec!["grams".to_owned()]));
    assert_eq!(postgres_grams, Some(vec!["case_id".to_owned(), "grams".to_owned()]));
    assert!(sqlite.len() >= 18 && sqlite.get("cases").is_some_and(|c| c.len() >= 30), "{sqlite:?}");
    assert_eq!(sqlite.keys().collect::<Vec<_>>(), postgres.keys().collect::<Vec<_>>(), "the tables differ");
    for (table, columns) in &sqlite {
        assert_eq!(Some(columns), postgres.get(table), "table {table}: SQLite's columns, then PostgreSQL's");
    }
}
