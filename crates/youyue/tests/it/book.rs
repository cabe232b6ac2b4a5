//! The record book covers the case (issue 18, item 6): `youyue verify` refuses an entry
//! whose hash was removed after the chain began, and replays every book against its case,
//! naming each case whose stored fields differ from what its entries say; with `--heads`
//! too. A clean database, demo data or an import with record lines, verifies.

use crate::figures::figures_jsonl;
use crate::harness::{youyue, Backend, Server, TestDb};

fn ok(out: &std::process::Output) -> String {
    assert!(out.status.success(), "stderr: {}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8(out.stdout.clone()).unwrap()
}

/// What someone with the database file (or its password) does behind youyue's back: the
/// triggers that guard the record book dropped first.
async fn tamper(backend: Backend, url: &str, sql: &[&str]) {
    match backend {
        Backend::Sqlite => {
            let pool = sqlx::SqlitePool::connect(url).await.unwrap();
            sqlx::query("DROP TRIGGER IF EXISTS record_entries_never_updated").execute(&pool).await.unwrap();
            for s in sql {
                sqlx::query(s).execute(&pool).await.unwrap();
            }
            pool.close().await;
        }
        Backend::Postgres => {
            let pool = sqlx::PgPool::connect(url).await.unwrap();
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

/// The figures' district imported into a fresh database; its heads signed off in a file.
async fn imported(backend: Backend, dir: &tempfile::TempDir) -> (TestDb, std::path::PathBuf) {
    let db = TestDb::new(backend).await;
    let file = dir.path().join("district.jsonl");
    std::fs::write(&file, figures_jsonl()).unwrap();
    ok(&youyue(&db.url, &["import", file.to_str().unwrap()]));
    let clean = ok(&youyue(&db.url, &["verify"]));
    assert!(clean.contains("all intact"), "{clean}");
    let heads = dir.path().join("heads.txt");
    std::fs::write(&heads, ok(&youyue(&db.url, &["heads"]))).unwrap();
    (db, heads)
}

/// An entry written after the chain began, its hash set to NULL: before, `verify` took it
/// for one "written before the chain" and said "all intact".
async fn verify_refuses_a_removed_hash(backend: Backend) {
    let dir = tempfile::tempdir().unwrap();
    let (db, heads) = imported(backend, &dir).await;
    tamper(
        backend,
        &db.url,
        &["UPDATE record_entries SET hash = NULL WHERE seq = 1 AND case_id = (SELECT id FROM cases WHERE number = 'JD-2022-000003')"],
    )
    .await;
    for args in [vec!["verify"], vec!["verify", "--heads", heads.to_str().unwrap()]] {
        let out = youyue(&db.url, &args);
        assert_eq!(out.status.code(), Some(1), "{args:?}: {}", String::from_utf8_lossy(&out.stdout));
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(
            err.contains(
                "case JD-2022-000003 entry #1: entry #1 has no hash, but it was written after the chain began"
            ),
            "{args:?}: {err}"
        );
        assert!(String::from_utf8_lossy(&out.stdout).contains("(0 written before the chain)"), "{args:?}");
    }
}
both!(verify_refuses_a_removed_hash);

/// The recovered amount raised tenfold in `cases` (and the status of another case changed):
/// before, `verify` and `verify --heads` said "all intact", since no entry changed.
async fn verify_names_a_case_changed_outside_youyue(backend: Backend) {
    let dir = tempfile::tempdir().unwrap();
    let (db, heads) = imported(backend, &dir).await;
    tamper(
        backend,
        &db.url,
        &[
            "UPDATE cases SET amount_recovered_fen = amount_recovered_fen * 10 WHERE number = 'JD-2022-000001'",
            "UPDATE cases SET people = 40 WHERE number = 'JD-2022-000002'",
        ],
    )
    .await;
    for args in [vec!["verify"], vec!["verify", "--heads", heads.to_str().unwrap()]] {
        let out = youyue(&db.url, &args);
        assert_eq!(out.status.code(), Some(1), "{args:?}: {}", String::from_utf8_lossy(&out.stdout));
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(
            err.contains(
                "case JD-2022-000001 entry #1: the case's amount_recovered is \"10005.00\" but its record book says \"1000.50\""
            ),
            "{args:?}: {err}"
        );
        assert!(
            err.contains("case JD-2022-000002 entry #1: the case's people is 40 but its record book says 4"),
            "{args:?}: {err}"
        );
        assert_eq!(err.lines().filter(|l| l.starts_with("case ")).count(), 2, "{args:?}: {err}");
    }
}
both!(verify_names_a_case_changed_outside_youyue);

/// Demo data (registrations and workflow changes through the service) verifies, and so do
/// its export imported elsewhere (record lines and all) and a book imported from another
/// system that does not say how its case began: that one is counted, its fields are
/// compared from its first change on. A book whose entries contradict its case line is
/// imported as given (records of the past are not rewritten) and `verify` names it.
async fn clean_books_verify(backend: Backend) {
    let dir = tempfile::tempdir().unwrap();
    let db = TestDb::new(backend).await;
    let stdout = Server::start(&db.url, &["--demo"]).await.kill();
    assert!(stdout.contains("tracking code"), "{stdout}");
    let out = ok(&youyue(&db.url, &["verify"]));
    assert!(out.contains("(0 whose record book does not say how they began)"), "{out}");
    assert!(out.contains("all intact"), "{out}");
    let exported = ok(&youyue(&db.url, &["export"]));
    assert!(exported.contains("\"type\":\"record\""));
    let copy = TestDb::new(backend).await;
    let file = dir.path().join("demo.jsonl");
    std::fs::write(&file, &exported).unwrap();
    ok(&youyue(&copy.url, &["import", file.to_str().unwrap()]));
    let out = ok(&youyue(&copy.url, &["verify"]));
    assert!(out.contains("all intact"), "{out}");
    assert_eq!(ok(&youyue(&copy.url, &["export"])), exported, "the export comes back as it was");

    // From elsewhere: case 1's book a note and then its closing (its amount and time spelt
    // otherwise than youyue writes them); case 2's book says it recovered 1 yuan where its
    // line says 9.
    let mut text = figures_jsonl();
    text.push_str(concat!(
        r#"{"type":"record","case":"JD-2022-000001","seq":1,"at":"2021-12-20T10:00:00+08:00","actor":"old-system","action":"note","detail":{"text":"来电"}}"#,
        "\n",
        r#"{"type":"record","case":"JD-2022-000001","seq":2,"at":"2022-01-01T00:00:00+08:00","actor":"old-system","action":"resolve","detail":{"before":{"status":"accepted"},"after":{"status":"resolved","amount_recovered":"1000.5","closed_at":"2021-12-31T16:00:00Z"}}}"#,
        "\n",
        r#"{"type":"record","case":"JD-2022-000002","seq":1,"at":"2021-12-31T23:59:59+08:00","actor":"old-system","action":"resolve","detail":{"before":{"status":"accepted"},"after":{"status":"resolved","amount_recovered":"1.00"}}}"#,
        "\n",
    ));
    let elsewhere = TestDb::new(backend).await;
    let file = dir.path().join("elsewhere.jsonl");
    std::fs::write(&file, &text).unwrap();
    ok(&youyue(&elsewhere.url, &["import", file.to_str().unwrap()]));
    let out = youyue(&elsewhere.url, &["verify"]);
    assert_eq!(out.status.code(), Some(1));
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.contains("(2 whose record book does not say how they began)"), "{stdout}");
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains(
            "case JD-2022-000002 entry #1: the case's amount_recovered is \"9.00\" but its record book says \"1.00\""
        ),
        "{err}"
    );
    assert_eq!(err.lines().filter(|l| l.starts_with("case ")).count(), 1, "{err}");
}
both!(clean_books_verify);

/// Every step of the workflow, the supervision sweep and erasure, written by the store as
/// the server writes them: the book replays to the case (nothing named), and fields changed
/// behind youyue's back are named, one set by the registration, one by a later entry.
async fn every_step_replays(backend: Backend) {
    use youyue_domain::command::{apply, Command, DeadlineRules};
    use youyue_domain::workflow::{Acting, Role};
    let db = TestDb::new(backend).await;
    let store = youyue_store::open(&db.url).await.unwrap();
    crate::harness::import_text(store.as_ref(), &crate::harness::district_jsonl()).await.unwrap();
    let union = store.union_by_code(&"jd.s1.e1".parse().unwrap()).await.unwrap().unwrap();
    let handler = store.user_by_username("e1handler").await.unwrap().unwrap();
    let now = youyue_domain::Timestamp::now();
    let draft = crate::harness::online_claim(union.id, "欠薪".into(), now);
    let by = |label| youyue_store::Actor { label, user_id: None };
    let mut case = store.create_case(&draft, by("worker")).await.unwrap();
    let chair = Acting { role: Role::Chair, is_assigned_handler: false };
    let assigned = Acting { role: Role::Handler, is_assigned_handler: true };
    let worker = Acting { role: Role::Worker, is_assigned_handler: false };
    let rules = DeadlineRules::default();
    let money = || youyue_domain::case::Outcome {
        agreement: None,
        amount_recovered: Some("4500.50".parse().unwrap()),
        adopted: None,
    };
    let steps: Vec<(Acting, Command, Option<i64>)> = vec![
        (chair, Command::Accept { kind: None, urgency: youyue_domain::case::Urgency::Normal, due_on: None }, None),
        (chair, Command::Assign { handler: "e1handler".into() }, Some(handler.id)),
    ];
    for (who, cmd, handler_id) in steps {
        let change = apply(&case.record, who, cmd, now, &rules).unwrap();
        case = store.save_change(&case, &change, handler_id.or(case.handler_id), by("chair"), now).await.unwrap();
    }
    // Late: raised to the union above (an entry of its own, `supervise`).
    let due = case.record.due_on.unwrap();
    let raised = store.sweep_supervision(due + chrono::Days::new(30), now).await.unwrap();
    assert_eq!(raised, vec![case.record.number.clone()]);
    case = store.case_by_number(&case.record.number).await.unwrap().unwrap();
    let steps: Vec<(Acting, Command)> = vec![
        (assigned, Command::Note { text: "约谈企业".into(), internal: true }),
        (assigned, Command::Resolve { resolution: "追回工资".into(), outcome: money() }),
        (worker, Command::Rate { rating: 2, comment: Some("太慢".into()) }),
        (chair, Command::Reopen { reason: "职工不满意".into() }),
        (assigned, Command::Resolve { resolution: "全部追回".into(), outcome: money() }),
        (worker, Command::Rate { rating: 5, comment: None }),
        (Acting { role: Role::Admin, is_assigned_handler: false }, Command::Anonymise { reason: "职工要求".into() }),
    ];
    for (who, cmd) in steps {
        let change = apply(&case.record, who, cmd, now, &rules).unwrap();
        case = store.save_change(&case, &change, case.handler_id, by("someone"), now).await.unwrap();
    }
    let report = store.verify_chains().await.unwrap();
    assert_eq!(report.problems, vec![], "{report:?}");
    assert_eq!((report.cases, report.unstarted), (1, 0));
    store.close().await;

    tamper(backend, &db.url, &["UPDATE cases SET rating = 4, online = FALSE"]).await;
    let out = youyue(&db.url, &["verify"]);
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("the case's rating is 4 but its record book says 5"), "{err}");
    assert!(err.contains("the case's online is false but its record book says true"), "{err}");
}
both!(every_step_replays);

/// A database from before the chain's listing (migration 0014 not yet run) whose first
/// books were written before the chain (no hashes): once migrated, those entries are
/// "written before the chain" and verify passes; a hash removed afterwards is named.
async fn entries_from_before_the_chain_are_listed(backend: Backend) {
    let dir = tempfile::tempdir().unwrap();
    let (db, _) = imported(backend, &dir).await;
    // As such a database was: no listing, no hashes on case 3's book.
    tamper(
        backend,
        &db.url,
        &[
            "DROP TABLE record_unchained",
            "DELETE FROM _sqlx_migrations WHERE version = 14",
            "UPDATE record_entries SET hash = NULL WHERE case_id = (SELECT id FROM cases WHERE number = 'JD-2022-000003')",
        ],
    )
    .await;
    let out = ok(&youyue(&db.url, &["verify"]));
    assert!(out.contains("(1 written before the chain)") && out.contains("all intact"), "{out}");
    tamper(
        backend,
        &db.url,
        &["UPDATE record_entries SET hash = NULL WHERE case_id = (SELECT id FROM cases WHERE number = 'JD-2022-000004')"],
    )
    .await;
    let out = youyue(&db.url, &["verify"]);
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("case JD-2022-000004 entry #1: entry #1 has no hash"), "{err}");
    assert!(!err.contains("JD-2022-000003"), "{err}");

    // The listing is made once: a row slipped in to excuse the stripped hash is refused.
    let slip_in = "INSERT INTO record_unchained (case_id, through_seq) \
                   SELECT id, 99 FROM cases WHERE number = 'JD-2022-000004'";
    let refused = match backend {
        Backend::Sqlite => {
            let pool = sqlx::SqlitePool::connect(&db.url).await.unwrap();
            let r = sqlx::query(slip_in).execute(&pool).await.map(|_| ());
            pool.close().await;
            r
        }
        Backend::Postgres => {
            let pool = sqlx::PgPool::connect(&db.url).await.unwrap();
            let r = sqlx::query(slip_in).execute(&pool).await.map(|_| ());
            pool.close().await;
            r
        }
    };
    let e = refused.expect_err("a row slipped into record_unchained");
    assert!(e.to_string().contains("never changed"), "{e}");
}
both!(entries_from_before_the_chain_are_listed);
