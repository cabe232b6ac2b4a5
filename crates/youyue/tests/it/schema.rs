//! The two migration folders make the same schema: every table on SQLite is on PostgreSQL
//! and the other way round, with the same columns, each of the same kind of type and
//! nullability. A migration written in one folder only fails here.

use crate::harness::{Backend, TestDb};
use std::collections::BTreeMap;

/// Tables one backend has by design, each with the reason.
const ONLY_ON_SQLITE: &[(&str, &str)] = &[
    ("case_grams_config", "FTS5's shadow table of the search index (a tsvector column on PostgreSQL)"),
    ("case_grams_data", "FTS5's shadow table of the search index"),
    ("case_grams_docsize", "FTS5's shadow table of the search index (kept for contentless_delete)"),
    ("case_grams_idx", "FTS5's shadow table of the search index"),
];
const ONLY_ON_POSTGRES: &[(&str, &str)] = &[];
/// Tables on both whose columns differ by design.
const COLUMNS_DIFFER: &[(&str, &str)] = &[
    ("case_grams", "an FTS5 table (grams; the case is the rowid) on SQLite, a tsvector per case_id on PostgreSQL"),
    ("_sqlx_migrations", "sqlx's own bookkeeping, created by sqlx with each database's own types"),
];

/// A column as compared: its name, the kind of its type, and whether it may be NULL.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
struct Column {
    name: String,
    kind: &'static str,
    nullable: bool,
}

type Schema = BTreeMap<String, Vec<Column>>;

/// SQLite's declared types by its affinity rules (a column's type is what it was declared
/// as), except that BOOLEAN is kept apart from the integers as PostgreSQL keeps it.
fn sqlite_kind(declared: &str) -> &'static str {
    let t = declared.to_ascii_uppercase();
    if t.contains("BOOL") {
        "boolean"
    } else if t.contains("INT") {
        "integer"
    } else if t.contains("CHAR") || t.contains("CLOB") || t.contains("TEXT") {
        "text"
    } else if t.contains("REAL") || t.contains("FLOA") || t.contains("DOUB") {
        "real"
    } else if t.is_empty() || t.contains("BLOB") {
        "blob"
    } else {
        "numeric"
    }
}

fn postgres_kind(data_type: &str) -> &'static str {
    match data_type {
        "smallint" | "integer" | "bigint" => "integer",
        "text" | "character varying" | "character" => "text",
        "boolean" => "boolean",
        "real" | "double precision" => "real",
        "bytea" => "blob",
        "numeric" => "numeric",
        "timestamp with time zone" | "timestamp without time zone" => "timestamp",
        "tsvector" => "tsvector",
        other => panic!("a PostgreSQL type the comparison does not know: {other} (add its kind here)"),
    }
}

/// Every table's columns, sorted by name (a column added later is last in one folder's
/// table and maybe not in the other's).
fn schema_of(columns: Vec<(String, Column)>) -> Schema {
    let mut schema = Schema::new();
    for (table, column) in columns {
        schema.entry(table).or_default().push(column);
    }
    schema.values_mut().for_each(|c| c.sort());
    schema
}

async fn sqlite_schema(url: &str) -> Schema {
    let mut conn = <sqlx::SqliteConnection as sqlx::Connection>::connect(url).await.unwrap();
    let rows: Vec<(String, String, String, bool, i64)> = sqlx::query_as(
        "SELECT m.name, c.name, c.type, c.\"notnull\", c.pk FROM sqlite_master m, pragma_table_info(m.name) c
         WHERE m.type = 'table' AND m.name NOT LIKE 'sqlite\\_%' ESCAPE '\\'",
    )
    .fetch_all(&mut conn)
    .await
    .unwrap();
    // A primary key is never NULL on PostgreSQL; SQLite lets some be, for old times' sake.
    let columns = rows.into_iter().map(|(table, name, declared, not_null, pk)| {
        (table, Column { name, kind: sqlite_kind(&declared), nullable: !not_null && pk == 0 })
    });
    schema_of(columns.collect())
}

async fn postgres_schema(url: &str) -> Schema {
    let mut conn = <sqlx::PgConnection as sqlx::Connection>::connect(url).await.unwrap();
    let rows: Vec<(String, String, String, bool)> = sqlx::query_as(
        "SELECT c.table_name::text, c.column_name::text, c.data_type::text, c.is_nullable = 'YES'
         FROM information_schema.columns c JOIN information_schema.tables t USING (table_schema, table_name)
         WHERE t.table_schema = current_schema() AND t.table_type = 'BASE TABLE'",
    )
    .fetch_all(&mut conn)
    .await
    .unwrap();
    let columns = rows
        .into_iter()
        .map(|(table, name, data_type, nullable)| (table, Column { name, kind: postgres_kind(&data_type), nullable }));
    schema_of(columns.collect())
}

/// Leaves out the tables one side has by design, after checking that they are there (so
/// that the lists above stay true).
fn shared_part(mut schema: Schema, only_here: &[(&str, &str)], backend: &str) -> Schema {
    for (table, why) in only_here {
        assert!(schema.remove(*table).is_some(), "{table} ({why}) is no longer on {backend}: update the list");
    }
    for (table, why) in COLUMNS_DIFFER {
        let columns = schema.get_mut(*table).unwrap_or_else(|| panic!("{table} ({why}) is not on {backend}"));
        columns.clear();
    }
    schema
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn both_migration_folders_make_the_same_tables_and_columns() {
    let (sqlite, postgres) = (TestDb::new(Backend::Sqlite).await, TestDb::new(Backend::Postgres).await);
    for db in [&sqlite, &postgres] {
        youyue_store::open(&db.url).await.unwrap().close().await;
    }
    let on_sqlite = shared_part(sqlite_schema(&sqlite.url).await, ONLY_ON_SQLITE, "SQLite");
    let on_postgres = shared_part(postgres_schema(&postgres.url).await, ONLY_ON_POSTGRES, "PostgreSQL");
    for table in ["unions", "users", "cases", "record_entries", "tallies"] {
        assert!(on_sqlite.get(table).is_some_and(|c| !c.is_empty()), "{table} was not read: {:?}", on_sqlite.keys());
    }

    let mut differences = Vec::new();
    for (table, lite_columns) in &on_sqlite {
        let Some(pg_columns) = on_postgres.get(table) else {
            differences.push(format!("table {table}: only on SQLite"));
            continue;
        };
        for c in lite_columns.iter().filter(|c| !pg_columns.contains(c)) {
            let pg = pg_columns.iter().find(|p| p.name == c.name);
            differences.push(format!("{table}: on SQLite {c:?}, on PostgreSQL {pg:?}"));
        }
        for c in pg_columns.iter().filter(|c| !lite_columns.iter().any(|l| l.name == c.name)) {
            differences.push(format!("{table}: only on PostgreSQL {c:?}"));
        }
    }
    for table in on_postgres.keys().filter(|t| !on_sqlite.contains_key(*t)) {
        differences.push(format!("table {table}: only on PostgreSQL"));
    }
    assert!(differences.is_empty(), "the migration folders differ:\n{}", differences.join("\n"));
}
