//! The binary's contracts, run as a user runs them: `import`, `export`, `stats`, `serve`.

use crate::figures::figures_jsonl;
use crate::harness::{start_server, wait_until, youyue, Backend, Server, TestDb};
use std::io::Write;
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Arc;

fn ok(out: &std::process::Output) -> String {
    assert!(out.status.success(), "stderr: {}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8(out.stdout.clone()).unwrap()
}

async fn import_export_stats_commands(backend: Backend) {
    let db = TestDb::new(backend).await;
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("district.jsonl");
    std::fs::write(&file, figures_jsonl()).unwrap();
    ok(&youyue(&db.url, &["import", file.to_str().unwrap()]));

    let json: serde_json::Value = serde_json::from_str(&ok(&youyue(
        &db.url,
        &["stats", "--union", "jd", "--from", "2022-01-01", "--to", "2022-12-31", "--json"],
    )))
    .unwrap();
    assert_eq!(json["studios"], 2);
    assert_eq!(json["disputes_mediated"], 2);
    assert_eq!(json["people_involved"], 5);
    assert_eq!(json["amount_recovered"], "1350.55");
    assert_eq!(json["claims_resolved"], 2);
    assert_eq!(json["suggestions"], 3);
    assert_eq!(json["suggestions_adopted"], 1);
    assert_eq!(json["opened_by_kind"]["dispute"], 4);
    let text = ok(&youyue(&db.url, &["stats", "--union", "jd", "--from", "2022-01-01", "--to", "2022-12-31"]));
    assert!(text.contains("1350.55"), "{text}");

    // Export to standard output and to a file give the same lines; importing from
    // standard input into a fresh database of the other kind reproduces the figures.
    let exported = ok(&youyue(&db.url, &["export"]));
    let out = dir.path().join("out.jsonl");
    ok(&youyue(&db.url, &["export", out.to_str().unwrap()]));
    assert_eq!(std::fs::read_to_string(&out).unwrap(), exported);
    let other = TestDb::new(if backend == Backend::Sqlite { Backend::Postgres } else { Backend::Sqlite }).await;
    let mut child = Command::new(env!("CARGO_BIN_EXE_youyue"))
        .args(["--db", &other.url, "import", "-"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child.stdin.take().unwrap().write_all(exported.as_bytes()).unwrap();
    ok(&child.wait_with_output().unwrap());
    assert_eq!(ok(&youyue(&other.url, &["export", "-"])), exported);
    let again =
        ok(&youyue(&other.url, &["stats", "--union", "jd", "--from", "2022-01-01", "--to", "2022-12-31", "--json"]));
    assert_eq!(serde_json::from_str::<serde_json::Value>(&again).unwrap(), json);

    // A bad file: a non-zero exit, the line number and the reason, nothing written.
    let fresh = TestDb::new(backend).await;
    let bad = dir.path().join("bad.jsonl");
    let text = figures_jsonl().replacen("\"reception\"", "\"pigeon\"", 1);
    std::fs::write(&bad, &text).unwrap();
    let out = youyue(&fresh.url, &["import", bad.to_str().unwrap()]);
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    let bad_line = text.lines().position(|l| l.contains("pigeon")).unwrap() + 1;
    assert!(err.contains(&format!("line {bad_line}: channel")), "{err}");
    assert!(err.contains("nothing was written"), "{err}");
    assert_eq!(ok(&youyue(&fresh.url, &["export"])), "");
    // Bad arguments are named.
    let out = youyue(&db.url, &["stats", "--union", "jd", "--from", "2022-13-01", "--to", "2022-12-31"]);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("--from"));
    let out = youyue(&db.url, &["stats", "--union", "nowhere", "--from", "2022-01-01", "--to", "2022-12-31"]);
    assert!(String::from_utf8_lossy(&out.stderr).contains("--union"));
    let out = youyue("mysql://x", &["export"]);
    assert!(String::from_utf8_lossy(&out.stderr).contains("sqlite://"));
}
both!(import_export_stats_commands);

/// `youyue serve --demo` on a fresh SQLite file: the demo is seeded once, passwords are
/// printed, /healthz answers, and a second start leaves the data alone.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn serve_with_demo() {
    let dir = tempfile::tempdir().unwrap();
    let db = format!("sqlite://{}", dir.path().join("new.db").display());
    for round in 0..2 {
        // The demo is seeded before the address is printed, so all of it is on stdout.
        let server = Server::start(&db, &["--demo"]).await;
        let health = reqwest::get(server.url("/healthz")).await.map(|r| r.status());
        let stdout = server.kill();
        assert!(health.as_ref().is_ok_and(|s| s.is_success()), "round {round}: /healthz: {health:?}; stdout: {stdout}");
        if round == 0 {
            assert!(stdout.contains("admin"), "{stdout}");
            assert!(stdout.contains("e1reception"), "{stdout}");
            assert!(stdout.contains("tracking code"), "{stdout}");
        } else {
            assert!(stdout.contains("not empty"), "{stdout}");
        }
    }
    let exported = ok(&youyue(&db, &["export"]));
    assert_eq!(exported.lines().filter(|l| l.contains("\"type\":\"case\"")).count(), 11);
    // Appointments: one held, one missed, one booked by a worker for the coming days.
    let appointments: Vec<&str> = exported.lines().filter(|l| l.contains("\"type\":\"appointment\"")).collect();
    assert_eq!(appointments.len(), 3, "{appointments:?}");
    for status in ["\"status\":\"held\"", "\"status\":\"no_show\"", "\"status\":\"booked\""] {
        assert!(appointments.iter().any(|a| a.contains(status)), "{status}: {appointments:?}");
    }
    ok(&youyue(&db, &["verify"]));
}

/// The record book is tamper-evident: someone with the database drops the trigger that
/// guards it and edits an entry, deletes one, or cuts a book short and fixes the count;
/// `youyue verify` names each case and entry, and the heads signed off earlier catch what
/// the chain alone cannot (a book cut short consistently; the replay of the book against
/// the case catches it too when the lost entries changed the case).
async fn verify_names_the_edited_entry(backend: Backend) {
    let db = TestDb::new(backend).await;
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("district.jsonl");
    std::fs::write(&file, figures_jsonl()).unwrap();
    ok(&youyue(&db.url, &["import", file.to_str().unwrap()]));
    // Give three cases longer books: a second import changes them (an `import` entry each).
    let changed = figures_jsonl()
        .replace("\"title\":\"case 3\"", "\"title\":\"case 3 (corrected)\"")
        .replace("\"title\":\"case 4\"", "\"title\":\"case 4 (corrected)\"");
    // Case 5 also turns out to have come on a reception day (a field its first entry
    // states; the title, the worker's words, it does not).
    let changed: String = changed
        .lines()
        .map(|l| match l.contains("\"title\":\"case 5\"") {
            true => {
                l.replace("\"title\":\"case 5\"", "\"title\":\"case 5 (corrected)\"")
                    .replace("\"scheduled\":false", "\"scheduled\":true")
                    + "\n"
            }
            false => format!("{l}\n"),
        })
        .collect();
    std::fs::write(&file, changed).unwrap();
    ok(&youyue(&db.url, &["import", file.to_str().unwrap()]));
    let clean = ok(&youyue(&db.url, &["verify"]));
    assert!(clean.contains("all intact"), "{clean}");
    let heads = ok(&youyue(&db.url, &["heads"]));
    assert!(heads.lines().count() >= 10, "{heads}");
    let heads_file = dir.path().join("heads.txt");
    std::fs::write(&heads_file, &heads).unwrap();
    assert!(ok(&youyue(&db.url, &["verify", "--heads", heads_file.to_str().unwrap()])).contains("all intact"));

    let tamper = |sql: &'static [&'static str]| {
        let url = db.url.clone();
        async move {
            match backend {
                Backend::Sqlite => {
                    let pool = sqlx::SqlitePool::connect(&url).await.unwrap();
                    sqlx::query("DROP TRIGGER IF EXISTS record_entries_never_updated").execute(&pool).await.unwrap();
                    sqlx::query("DROP TRIGGER IF EXISTS record_entries_never_deleted").execute(&pool).await.unwrap();
                    for s in sql {
                        sqlx::query(s).execute(&pool).await.unwrap();
                    }
                    pool.close().await;
                }
                Backend::Postgres => {
                    let pool = sqlx::PgPool::connect(&url).await.unwrap();
                    sqlx::query("DROP TRIGGER IF EXISTS record_entries_immutable ON record_entries")
                        .execute(&pool)
                        .await
                        .unwrap();
                    for s in sql {
                        sqlx::query(s).execute(&pool).await.unwrap();
                    }
                    pool.close().await;
                }
            }
        }
    };
    // An entry's text changed.
    tamper(&["UPDATE record_entries SET actor = 'nobody' WHERE seq = 1 AND case_id = (SELECT id FROM cases WHERE number = 'JD-2022-000003')"]).await;
    // An entry removed from the middle of a book.
    tamper(&[
        "DELETE FROM record_entries WHERE seq = 1 AND case_id = (SELECT id FROM cases WHERE number = 'JD-2022-000004')",
    ])
    .await;
    // A book cut short, its count fixed to match: the chain alone cannot tell, but the case
    // no longer is what its book says (the entry that changed it is gone).
    tamper(&[
        "DELETE FROM record_entries WHERE seq = 2 AND case_id = (SELECT id FROM cases WHERE number = 'JD-2022-000005')",
        "UPDATE cases SET record_len = 1 WHERE number = 'JD-2022-000005'",
    ])
    .await;
    let out = youyue(&db.url, &["verify"]);
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("case JD-2022-000003 entry #1: entry #1 does not match its hash"), "{err}");
    assert!(err.contains("case JD-2022-000004 entry #2: entry #1 is missing"), "{err}");
    assert!(
        err.contains("case JD-2022-000005 entry #1: the case's scheduled is true but its record book says false"),
        "{err}"
    );
    assert_eq!(err.lines().filter(|l| l.starts_with("case ")).count(), 3, "{err}");
    let out = youyue(&db.url, &["verify", "--heads", heads_file.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("case JD-2022-000005 entry #2: signed off, but no longer in the record book"), "{err}");
    // The chain's own findings come too: a head equal to the one signed off proves nothing
    // about an entry before it that fails the chain.
    assert!(err.contains("case JD-2022-000003 entry #1: entry #1 does not match its hash"), "{err}");
    // A malformed heads file is refused with its line number.
    std::fs::write(&heads_file, "JD-2022-000001 1 abc\nnot a head\n").unwrap();
    let out = youyue(&db.url, &["verify", "--heads", heads_file.to_str().unwrap()]);
    assert!(String::from_utf8_lossy(&out.stderr).contains("line 2"), "{}", String::from_utf8_lossy(&out.stderr));
}
both!(verify_names_the_edited_entry);

/// `youyue backup` while the server takes submissions, then `youyue restore` into a new
/// database: the copy is consistent (chains intact, every case exactly as in the source),
/// and a backup never overwrites a file nor a restore a database that holds data.
async fn backup_under_load_and_restore(backend: Backend) {
    let db = TestDb::new(backend).await;
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("district.jsonl");
    std::fs::write(&file, figures_jsonl()).unwrap();
    ok(&youyue(&db.url, &["import", file.to_str().unwrap()]));
    let server = start_server(&db.url).await;
    let client = reqwest::Client::new();
    // Four workers submit as fast as they can while the backup runs; `submitted` counts
    // the acknowledged cases, so the test waits for the load rather than sleeping.
    let stop = Arc::new(AtomicBool::new(false));
    let submitted = Arc::new(AtomicUsize::new(0));
    let mut load = Vec::new();
    for w in 0..4 {
        let (client, stop, submitted, url) =
            (client.clone(), stop.clone(), submitted.clone(), server.url("/api/v1/public/cases"));
        load.push(tokio::spawn(async move {
            let mut n = 0;
            while !stop.load(Ordering::Relaxed) {
                let r = client
                    .post(&url)
                    .json(&serde_json::json!({"union":"jd.a.x","kind":"claim","description":format!("工资 {w}-{n}")}))
                    .send()
                    .await
                    .unwrap();
                assert_eq!(r.status(), reqwest::StatusCode::CREATED);
                submitted.fetch_add(1, Ordering::Relaxed);
                n += 1;
            }
        }));
    }
    // Cases are coming in before the backup starts, and more after it has ended.
    wait_until(|| submitted.load(Ordering::Relaxed) >= 20, "20 submissions before the backup").await;
    let backup = dir.path().join("backup");
    let backup = backup.to_str().unwrap();
    ok(&youyue(&db.url, &["backup", backup]));
    let after_backup = submitted.load(Ordering::Relaxed);
    let refused = youyue(&db.url, &["backup", backup]);
    assert!(!refused.status.success() && String::from_utf8_lossy(&refused.stderr).contains("exists already"));
    wait_until(|| submitted.load(Ordering::Relaxed) >= after_backup + 10, "10 submissions after the backup").await;
    stop.store(true, Ordering::Relaxed);
    for l in load {
        l.await.unwrap();
    }
    server.kill();

    let target = TestDb::new(backend).await;
    let restored = youyue(&target.url, &["restore", backup]);
    assert!(restored.status.success(), "{}", String::from_utf8_lossy(&restored.stderr));
    assert!(String::from_utf8_lossy(&restored.stderr).contains("chains intact"));
    let again = youyue(&target.url, &["restore", backup]);
    assert!(!again.status.success() && String::from_utf8_lossy(&again.stderr).contains("already holds data"));
    // Every case in the copy is in the source as it is there (cases were only added since).
    let source = ok(&youyue(&db.url, &["export"]));
    let copy = ok(&youyue(&target.url, &["export"]));
    let cases = |text: &str| -> std::collections::BTreeSet<String> {
        text.lines().filter(|l| l.contains("\"type\":\"case\"")).map(str::to_owned).collect()
    };
    let (source_cases, copy_cases) = (cases(&source), cases(&copy));
    assert!(
        copy_cases.len() > 10 && copy_cases.len() <= source_cases.len(),
        "{} of {}",
        copy_cases.len(),
        source_cases.len()
    );
    for c in &copy_cases {
        assert!(source_cases.contains(c), "a case differs in the copy: {c}");
    }
    // The record books too: each copied case's entries are the source's first entries.
    let records = |text: &str| -> std::collections::BTreeSet<String> {
        text.lines().filter(|l| l.contains("\"type\":\"record\"")).map(str::to_owned).collect()
    };
    let source_records = records(&source);
    let copy_records = records(&copy);
    assert!(copy_records.len() >= copy_cases.len(), "every case has its record book");
    for r in copy_records {
        assert!(source_records.contains(&r), "a record entry differs in the copy: {r}");
    }
    assert!(ok(&youyue(&target.url, &["verify"])).contains("all intact"));
}
both!(backup_under_load_and_restore);

/// `youyue add-user`: an account made with the password given, and each refusal in its own
/// words with its cause.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn add_user_says_what_is_wrong() {
    let db = TestDb::new(Backend::Sqlite).await;
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("district.jsonl");
    std::fs::write(&file, crate::harness::district_jsonl()).unwrap();
    ok(&youyue(&db.url, &["import", file.to_str().unwrap()]));
    let add_user = |username: &str, password: &str| {
        Command::new(env!("CARGO_BIN_EXE_youyue"))
            .args(["--db", &db.url, "add-user", username, "--name", "王会计", "--union", "jd.s1", "--role", "handler"])
            .env_remove("YOUYUE_DB")
            .env("YOUYUE_PASSWORD", password)
            .output()
            .unwrap()
    };
    let made = ok(&add_user("wang", "a-long-password"));
    assert!(made.contains("created wang (handler) in jd.s1") && !made.contains("a-long-password"), "{made}");
    let err = |out: std::process::Output| {
        assert!(!out.status.success());
        String::from_utf8(out.stderr).unwrap()
    };
    let bad_name = err(add_user("Wang Wei", "a-long-password"));
    assert!(bad_name.starts_with("youyue: username: must be"), "{bad_name}");
    let short = err(add_user("li", "short"));
    assert!(short.contains("YOUYUE_PASSWORD must be at least 10 characters"), "{short}");
    let taken = err(add_user("wang", "a-long-password"));
    assert!(taken.starts_with("youyue: creating the account: "), "{taken}");
    assert!(!format!("{bad_name}{short}{taken}").contains("retention"));
}

/// A line longer than `MAX_LINE_BYTES` is refused by its number while it is read, before
/// it is held whole (a 1 GB line took 2 GB): here 5 MiB of description.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn import_refuses_an_overlong_line() {
    let db = TestDb::new(Backend::Sqlite).await;
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("long.jsonl");
    let long = "长".repeat((5 << 20) / 3);
    let text = format!(
        "{}\n{}\n",
        r#"{"type":"union","code":"jd","name":"街道工会"}"#,
        serde_json::json!({"type":"case","number":"JD-2024-000001","union":"jd","kind":"claim","channel":"reception",
            "opened_at":"2024-01-02T10:00:00+08:00","status":"registered","description":long})
    );
    assert!(text.len() > youyue_domain::exchange::MAX_LINE_BYTES + (1 << 20));
    std::fs::write(&file, text).unwrap();
    let out = youyue(&db.url, &["import", file.to_str().unwrap()]);
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains(&format!("line 2: longer than {} bytes", youyue_domain::exchange::MAX_LINE_BYTES)), "{err}");
    assert!(err.contains("nothing was written"), "{err}");
    assert_eq!(ok(&youyue(&db.url, &["export"])), "");
}

/// Unions each the parent of the next, round: the import names the cycle (before, it said
/// the first parent was "defined nowhere", though the file defines it).
async fn import_names_a_union_cycle(backend: Backend) {
    let db = TestDb::new(backend).await;
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("cycle.jsonl");
    std::fs::write(
        &file,
        concat!(
            r#"{"type":"union","code":"jd","name":"街道工会"}"#,
            "\n",
            r#"{"type":"union","code":"north","name":"北","parent":"south"}"#,
            "\n",
            r#"{"type":"union","code":"south","name":"南","parent":"east"}"#,
            "\n",
            r#"{"type":"union","code":"east","name":"东","parent":"north"}"#,
            "\n",
        ),
    )
    .unwrap();
    let out = youyue(&db.url, &["import", file.to_str().unwrap()]);
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains(r#"line 2: parent: the unions "north" → "south" → "east" → "north" form a cycle"#), "{err}");
    assert!(!err.contains("defined nowhere"), "{err}");
}
both!(import_names_a_union_cycle);

/// `youyue import` into a SQLite database the server is writing to: the import waits for
/// the server's transaction rather than failing with "line 1: database is locked", and the
/// server's writes wait for the import's rather than failing with 503 (before, 340 of 549).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn import_while_the_server_writes() {
    let db = TestDb::new(Backend::Sqlite).await;
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("district.jsonl");
    std::fs::write(&file, figures_jsonl()).unwrap();
    ok(&youyue(&db.url, &["import", file.to_str().unwrap()]));
    let server = start_server(&db.url).await;
    let client = reqwest::Client::new();
    let stop = Arc::new(AtomicBool::new(false));
    let (created, refused) = (Arc::new(AtomicUsize::new(0)), Arc::new(AtomicUsize::new(0)));
    let mut load = Vec::new();
    for w in 0..4 {
        let (client, stop, created, refused, url) =
            (client.clone(), stop.clone(), created.clone(), refused.clone(), server.url("/api/v1/public/cases"));
        load.push(tokio::spawn(async move {
            let mut n = 0;
            while !stop.load(Ordering::Relaxed) {
                let r = client
                    .post(&url)
                    .json(&serde_json::json!({"union":"jd.a.x","kind":"claim","description":format!("工资 {w}-{n}")}))
                    .send()
                    .await
                    .unwrap();
                match r.status() {
                    reqwest::StatusCode::CREATED => created.fetch_add(1, Ordering::Relaxed),
                    s => {
                        assert_eq!(s, reqwest::StatusCode::SERVICE_UNAVAILABLE);
                        refused.fetch_add(1, Ordering::Relaxed)
                    }
                };
                n += 1;
            }
        }));
    }
    for round in 0..5 {
        let seen = created.load(Ordering::Relaxed);
        wait_until(|| created.load(Ordering::Relaxed) >= seen + 5, "5 submissions before the import").await;
        // New cases each round, so that the import writes (reads first, then writes).
        let lines: String = (1..=20)
            .map(|i| {
                format!(
                    "{}\n",
                    serde_json::json!({"type":"case","number":format!("JD-2030-{:06}", round * 100 + i),"union":"jd.a.x",
                        "kind":"claim","channel":"reception","opened_at":"2030-01-02T10:00:00+08:00","status":"registered"})
                )
            })
            .collect();
        let batch = dir.path().join(format!("batch{round}.jsonl"));
        std::fs::write(&batch, format!("{}\n{lines}", r#"{"type":"union","code":"jd","name":"jd 工会"}"#)).unwrap();
        let out = youyue(&db.url, &["import", batch.to_str().unwrap()]);
        assert!(out.status.success(), "round {round}: {}", String::from_utf8_lossy(&out.stderr));
    }
    stop.store(true, Ordering::Relaxed);
    for l in load {
        l.await.unwrap();
    }
    server.kill();
    let exported = ok(&youyue(&db.url, &["export"]));
    assert_eq!(exported.matches("\"number\":\"JD-2030-").count(), 100);
    assert_eq!(refused.load(Ordering::Relaxed), 0, "{} created", created.load(Ordering::Relaxed));
}
