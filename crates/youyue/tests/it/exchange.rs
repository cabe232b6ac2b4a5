//! Import and export: all-or-nothing imports that name the bad line, idempotent re-imports,
//! and a district moved from SQLite to PostgreSQL with every field and figure intact.

use crate::figures::figures_jsonl;
use crate::harness::{district_jsonl, export_text, import_text, Backend, TestApp, TestDb};
use reqwest::StatusCode;
use serde_json::json;

pub(crate) const GOOD_CASE: &str = r#"{"type":"case","number":"JD-2022-000001","union":"jd.s1.e1","kind":"dispute","channel":"reception","collective":false,"online":false,"scheduled":false,"people":1,"title":"工伤","description":"手掌受伤","anonymous":false,"opened_at":"2022-02-10T09:00:00+08:00","status":"resolved","closed_at":"2022-02-10T17:30:00+08:00","agreement":true,"amount_recovered":"30000.00","adopted":null,"rating":5}"#;

fn with_case(case_line: &str) -> String {
    format!("{}{}\n", district_jsonl(), case_line)
}

async fn import_failures_write_nothing(backend: Backend) {
    let db = TestDb::new(backend).await;
    let store = youyue_store::open(&db.url).await.unwrap();
    let district_lines = district_jsonl().lines().count();
    let bad_line = district_lines + 1;
    let cases = [
        (GOOD_CASE.replace("\"dispute\"", "\"complaint\""), "kind"),
        (GOOD_CASE.replace("\"30000.00\"", "\"30000.001\""), "amount_recovered"),
        (GOOD_CASE.replace("\"30000.00\"", "30000"), "amount_recovered"),
        (GOOD_CASE.replace("\"30000.00\"", "\"-5\""), "amount_recovered"),
        (GOOD_CASE.replace("jd.s1.e1", "jd.s9.e9"), "union"),
        (GOOD_CASE.replace("2022-02-10T09:00:00+08:00", "2022-02-10 09:00"), "opened_at"),
        (GOOD_CASE.replace("\"rating\":5", "\"rating\":9"), "rating"),
        (GOOD_CASE.replace("\"rating\":5", "\"priority\":1"), "priority"),
        (GOOD_CASE.replace("2022-02-10T17:30", "2022-02-09T17:30"), "closed_at"),
        (GOOD_CASE.replace("\"adopted\":null", "\"adopted\":\"yes\""), "adopted"),
        (GOOD_CASE.replace("\"number\":\"JD-2022-000001\",", ""), "number"),
        (GOOD_CASE.replace("JD-2022-000001", "JD-22-1"), "number"),
        (GOOD_CASE.replace("\"people\":1", "\"people\":0"), "people"),
        (GOOD_CASE[..40].to_owned(), "JSON"),
        (r#"{"type":"ticket","id":1}"#.to_owned(), "type"),
    ];
    for (line, needle) in cases {
        let err = import_text(store.as_ref(), &with_case(&line)).await.expect_err(needle);
        assert_eq!(err.line, bad_line, "{needle}: {err}");
        assert!(err.message.contains(needle), "{needle}: {err}");
        assert!(store.is_empty().await.unwrap(), "{needle}: a failed import wrote something");
    }
    // A case number twice in one file, a record entry that leaves a gap, a child before its parent.
    let twice = format!("{}{GOOD_CASE}\n{GOOD_CASE}\n", district_jsonl());
    let err = import_text(store.as_ref(), &twice).await.unwrap_err();
    assert_eq!(err.line, bad_line + 1, "{err}");
    let gap = with_case(&format!(
        "{GOOD_CASE}\n{}",
        json!({"type":"record","case":"JD-2022-000001","seq":2,"at":"2022-02-10T09:00:00+08:00","actor":"x","action":"note"})
    ));
    let err = import_text(store.as_ref(), &gap).await.unwrap_err();
    assert!(err.message.contains("gap"), "{err}");
    let orphan = r#"{"type":"union","code":"jd.s1","name":"街道","parent":"jd"}"#;
    let err = import_text(store.as_ref(), orphan).await.unwrap_err();
    assert_eq!(err.line, 1);
    assert!(err.message.contains("parent"), "{err}");
    assert!(store.is_empty().await.unwrap());
}
both!(import_failures_write_nothing);

/// `n` cases after the district, each followed by two record lines (the order export
/// writes): enough for several of the import's held batches (200 cases, 2,000 entries).
fn many_cases(n: usize) -> Vec<String> {
    let mut lines: Vec<String> = district_jsonl().lines().map(str::to_owned).collect();
    for i in 1..=n {
        let number = format!("JD-2022-{i:06}");
        lines.push(GOOD_CASE.replace("JD-2022-000001", &number).replace("手掌受伤", &format!("手掌受伤 {i}")));
        for (seq, action) in [(1, "register"), (2, "note")] {
            lines.push(
                json!({"type":"record","case":number,"seq":seq,"at":"2022-02-10T09:00:00+08:00","actor":"jd.reception","action":action})
                    .to_string(),
            );
        }
    }
    lines
}

async fn large_imports_go_in_batches_and_still_name_the_line(backend: Backend) {
    let db = TestDb::new(backend).await;
    let store = youyue_store::open(&db.url).await.unwrap();
    let migrated = db.index_definitions().await;
    assert!(migrated.iter().any(|d| d.contains("cases_opened_cover")), "{migrated:?}");
    let lines = many_cases(450);
    let first_case_line = district_jsonl().lines().count() + 1;
    // A case number again, far from its first line and in another batch.
    let mut twice = lines.clone();
    twice.push(lines[first_case_line - 1 + 3 * 299].clone());
    let err = import_text(store.as_ref(), &twice.join("\n")).await.unwrap_err();
    assert_eq!(err.line, twice.len(), "{err}");
    assert!(err.message.contains("JD-2022-000300") && err.message.contains("twice"), "{err}");
    assert!(store.is_empty().await.unwrap());
    // A record book with a gap in a later batch: the line of the entry after the gap.
    let mut gap = lines.clone();
    let case_420 = first_case_line - 1 + 3 * 419;
    gap.remove(case_420 + 1);
    let err = import_text(store.as_ref(), &gap.join("\n")).await.unwrap_err();
    assert_eq!(err.line, case_420 + 2, "{err}");
    assert!(err.message.contains("gap"), "{err}");
    assert!(store.is_empty().await.unwrap());
    // An import into an empty database drops its indexes and builds them at the end: a
    // failed one gives them back with the rest, a whole one builds every one again.
    assert_eq!(db.index_definitions().await, migrated);
    // The whole file: every case and entry, the chains intact, the export the same lines.
    let sum = import_text(store.as_ref(), &lines.join("\n")).await.unwrap();
    assert_eq!(db.index_definitions().await, migrated);
    assert_eq!((sum.cases_created, sum.records_added, sum.unchanged), (450, 900, 0), "{sum:?}");
    let report = store.verify_chains().await.unwrap();
    assert_eq!((report.cases, report.entries), (450, 900), "{report:?}");
    assert!(report.problems.is_empty(), "{report:?}");
    let exported = export_text(store.as_ref()).await;
    let again = TestDb::new(backend).await;
    let copy = youyue_store::open(&again.url).await.unwrap();
    import_text(copy.as_ref(), &exported).await.unwrap();
    assert_eq!(export_text(copy.as_ref()).await, exported);
    // Without record lines each case gets the import's own entry, as its first.
    let bare: Vec<String> = lines.iter().filter(|l| !l.contains("\"type\":\"record\"")).cloned().collect();
    let fresh = TestDb::new(backend).await;
    let store = youyue_store::open(&fresh.url).await.unwrap();
    let sum = import_text(store.as_ref(), &bare.join("\n")).await.unwrap();
    assert_eq!((sum.cases_created, sum.records_added), (450, 0), "{sum:?}");
    let report = store.verify_chains().await.unwrap();
    assert_eq!((report.cases, report.entries), (450, 450), "{report:?}");
    let case = store.case_by_number(&"JD-2022-000450".parse().unwrap()).await.unwrap().unwrap();
    assert_eq!(case.record_len, 1);
    // Record lines away from their case (after the next case, in another batch): they
    // are the case's record book, and it is owed no import entry.
    let mut apart = lines.clone();
    let case_5 = first_case_line - 1 + 3 * 4;
    let records_5: Vec<String> = apart.drain(case_5 + 1..case_5 + 3).collect();
    apart.extend(records_5);
    let elsewhere = TestDb::new(backend).await;
    let apart_store = youyue_store::open(&elsewhere.url).await.unwrap();
    let sum = import_text(apart_store.as_ref(), &apart.join("\n")).await.unwrap();
    assert_eq!((sum.cases_created, sum.records_added), (450, 900), "{sum:?}");
    let report = apart_store.verify_chains().await.unwrap();
    assert_eq!((report.cases, report.entries), (450, 900), "{report:?}");
    assert!(report.problems.is_empty(), "{report:?}");
    let case_5 = apart_store.case_by_number(&"JD-2022-000005".parse().unwrap()).await.unwrap().unwrap();
    assert_eq!(case_5.record_len, 2);
    let book: Vec<String> = apart_store.record_book(case_5.id).await.unwrap().into_iter().map(|e| e.action).collect();
    assert_eq!(book, ["register", "note"]);
    assert_eq!(export_text(apart_store.as_ref()).await, exported);
    // New cases continue the numbering after the imported ones.
    let draft = crate::harness::online_claim(case.union_id, "续号".into(), case.record.opened_at);
    let next = store.create_case(&draft, youyue_store::Actor { label: "jd.reception", user_id: None }).await.unwrap();
    assert_eq!(store.record_book(next.id).await.unwrap().len(), 1);
    assert!(store.verify_chains().await.unwrap().problems.is_empty());
    assert_eq!(next.record.number.to_string(), "JD-2022-000451");
}
both!(large_imports_go_in_batches_and_still_name_the_line);

async fn import_takes_lines_in_any_order_and_keeps_the_past_as_given(backend: Backend) {
    let db = TestDb::new(backend).await;
    let store = youyue_store::open(&db.url).await.unwrap();
    // Cases before their unions, children before parents, a record before its case.
    let mut lines: Vec<String> = figures_jsonl().lines().map(str::to_owned).collect();
    lines.reverse();
    let odd = GOOD_CASE
        .replace("JD-2022-000001", "JD-2022-000099")
        .replace("\"jd.s1.e1\"", "\"jd.a.x\"")
        .replace("\"resolved\"", "\"in_progress\"")
        .replace("\"rating\":5", "\"rating\":null");
    lines.insert(0, json!({"type":"record","case":"JD-2022-000099","seq":1,"at":"2022-02-10T09:00:00+08:00","actor":"worker","action":"register"}).to_string());
    lines.insert(1, odd);
    let text = lines.join("\n");
    let sum = import_text(store.as_ref(), &text).await.unwrap();
    assert_eq!(sum.cases_created, 15, "{sum:?}");
    // An open case with a closing time breaks the workflow's rules: kept, and reported.
    assert_eq!(sum.irregular, 1, "{sum:?}");
    assert!(sum.irregular_examples[0].contains("JD-2022-000099"), "{sum:?}");
    let in_order = TestDb::new(backend).await;
    let ordered = youyue_store::open(&in_order.url).await.unwrap();
    import_text(ordered.as_ref(), &figures_jsonl()).await.unwrap();
    let p = youyue_domain::Period::new(
        youyue_domain::time::parse_date("2022-01-01").unwrap(),
        youyue_domain::time::parse_date("2022-12-31").unwrap(),
    )
    .unwrap();
    let a = store.union_by_code(&"jd".parse().unwrap()).await.unwrap().unwrap();
    let b = ordered.union_by_code(&"jd".parse().unwrap()).await.unwrap().unwrap();
    let mut want = ordered.stats(&b, p).await.unwrap();
    // The odd case was opened in 2022 and is a dispute still in progress.
    want.cases_opened += 1;
    *want.opened_by_kind.get_mut("dispute").unwrap() += 1;
    *want.opened_by_status.get_mut("in_progress").unwrap() += 1;
    *want.opened_by_channel.get_mut("reception").unwrap() += 1;
    assert_eq!(store.stats(&a, p).await.unwrap(), want);
    // Something defined nowhere still fails, naming its line.
    let err = import_text(store.as_ref(), &format!("{}\n{}", GOOD_CASE.replace("jd.s1.e1", "jd.q"), figures_jsonl()))
        .await
        .unwrap_err();
    assert_eq!(err.line, 1, "{err}");
    assert!(err.message.contains("jd.q"), "{err}");
}
both!(import_takes_lines_in_any_order_and_keeps_the_past_as_given);

async fn import_twice_changes_nothing(backend: Backend) {
    let db = TestDb::new(backend).await;
    let store = youyue_store::open(&db.url).await.unwrap();
    let text = figures_jsonl();
    let first = import_text(store.as_ref(), &text).await.unwrap();
    assert!(first.cases_created > 0, "{first:?}");
    let once = export_text(store.as_ref()).await;
    let second = import_text(store.as_ref(), &text).await.unwrap();
    assert_eq!(
        (second.cases_created, second.cases_updated, second.unions_created, second.users_created),
        (0, 0, 0, 0),
        "{second:?}"
    );
    assert_eq!(export_text(store.as_ref()).await, once);
    // Re-importing the export itself changes nothing either.
    let third = import_text(store.as_ref(), &once).await.unwrap();
    assert_eq!((third.cases_created, third.cases_updated, third.records_added), (0, 0, 0), "{third:?}");
    assert_eq!(export_text(store.as_ref()).await, once);
    // A changed case is updated, and the change is recorded in its record book.
    let changed = once.replacen("\"title\":\"case 1\"", "\"title\":\"案件一\"", 1);
    let fourth = import_text(store.as_ref(), &changed).await.unwrap();
    assert_eq!(fourth.cases_updated, 1, "{fourth:?}");
    let after = export_text(store.as_ref()).await;
    assert!(after.contains("案件一"));
    assert!(after.contains(r#""before":{"title":"case 1"}"#), "{after}");
    // A corrected contact is not copied into the record book, only that it changed.
    let with_contact = after.replacen("\"title\":\"案件一\"", "\"title\":\"案件一\",\"contact\":\"13912345678\"", 1);
    import_text(store.as_ref(), &with_contact).await.unwrap();
    let corrected = with_contact.replace("13912345678", "13800000000");
    import_text(store.as_ref(), &corrected).await.unwrap();
    let last = export_text(store.as_ref()).await;
    let records: Vec<&str> = last.lines().filter(|l| l.contains("\"type\":\"record\"")).collect();
    assert!(
        records.iter().all(|l| !l.contains("1391234") && !l.contains("1380000")),
        "a contact reached the record book"
    );
    assert!(records.iter().any(|l| l.contains("personal_details_changed")));
}
both!(import_twice_changes_nothing);

/// Specialties (on the user lines) and every version of every duty roster (`roster`
/// lines) go out and come back unchanged, and a second import adds nothing.
async fn rosters_and_specialties_round_trip(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let chair = app.login("e1chair").await;
    let (s, _) = chair.patch("/api/v1/users/e1handler", json!({"specialties":["mediator","lawyer"]})).await;
    assert_eq!(s, StatusCode::OK);
    let put = |body: serde_json::Value| {
        let chair = &chair;
        async move {
            let r = chair.http.put(format!("{}/api/v1/unions/jd.s1.e1/roster", chair.base)).json(&body).send().await;
            assert_eq!(r.unwrap().status(), StatusCode::OK);
        }
    };
    put(json!({"shifts":[{"user":"e1handler","specialty":"lawyer","days":["wed"],"start":"09:00","end":"12:00","place":"室"}]}))
        .await;
    put(json!({
        "shifts":[
            {"user":"e1handler","specialty":"mediator","days":["tue","workdays"],"start":"22:00","end":"06:00","slot_minutes":60,"online":true,"holidays":true},
            {"user":"e1reception","days":["sat"],"start":"00:00","end":"24:00","place":"职工之家 \"二楼\""}
        ],
        "exceptions":[
            {"kind":"leave","user":"e1handler","from":"2026-12-01","to":"2026-12-31"},
            {"kind":"swap","date":"2026-12-08","user":"e1handler","with":"e1reception","shift":0},
            {"kind":"extra","date":"2026-12-09","user":"e1reception","specialty":null,"start":"08:00","end":"09:00","slot_minutes":15,"place":"门卫室"}
        ]
    }))
    .await;
    let out = export_text(app.store.as_ref()).await;
    assert_eq!(out.lines().filter(|l| l.contains("\"type\":\"roster\"")).count(), 2, "both versions");
    assert!(out.contains(r#""specialties":["mediator","lawyer"]"#), "{out}");
    let fresh = TestApp::empty(backend).await;
    let first = import_text(fresh.store.as_ref(), &out).await.unwrap();
    assert_eq!(first.rosters_added, 2, "{first:?}");
    assert_eq!(export_text(fresh.store.as_ref()).await, out);
    let (_, there) = app.login("e1chair").await.get("/api/v1/unions/jd.s1.e1/roster").await;
    let (_, here) = fresh.login("e1chair").await.get("/api/v1/unions/jd.s1.e1/roster").await;
    assert_eq!(here, there);
    let (_, users) = fresh.login("e1chair").await.get("/api/v1/users").await;
    let e1handler = users.as_array().unwrap().iter().find(|u| u["username"] == "e1handler").unwrap();
    assert_eq!(e1handler["specialties"], json!(["mediator", "lawyer"]));
    let again = import_text(fresh.store.as_ref(), &out).await.unwrap();
    assert_eq!((again.rosters_added, again.users_updated), (0, 0), "{again:?}");
    assert_eq!(export_text(fresh.store.as_ref()).await, out);
    // A roster line naming an account nobody defines is refused with its line.
    let stray = r#"{"type":"roster","union":"jd.s1.e1","shifts":[{"user":"ghost","days":["mon"],"start":"09:00","end":"10:00","place":"x"}]}"#;
    let e = import_text(fresh.store.as_ref(), stray).await.unwrap_err();
    assert!(e.to_string().contains("ghost"), "{e}");
}
both!(rosters_and_specialties_round_trip);

/// A district worked on SQLite through the API, exported, imported into PostgreSQL:
/// the export from PostgreSQL is the same text and every figure is the same.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_to_postgres_round_trip() {
    let app = TestApp::empty(Backend::Sqlite).await;
    youyue_server::demo::seed(app.store.as_ref(), Some(crate::harness::PASSWORD.to_owned())).await.unwrap();
    let worker = app.anonymous();
    let v = worker
        .ok(
            "/api/v1/public/cases",
            json!({"union":"jd.s1.e1","kind":"claim","description":"工资","anonymous":true,"contact":"微信 abc"}),
            StatusCode::CREATED,
        )
        .await;
    let number = v["number"].as_str().unwrap().to_owned();
    let code = v["tracking_code"].as_str().unwrap().to_owned();
    let e1 = app.login("e1reception").await;
    e1.ok(&format!("/api/v1/cases/{number}/accept"), json!({}), StatusCode::OK).await;
    e1.ok(&format!("/api/v1/cases/{number}/notes"), json!({"text":"内部","internal":true}), StatusCode::OK).await;
    import_text(
        app.store.as_ref(),
        &figures_jsonl().replace("\"jd\"", "\"jdx\"").replace("\"jd.", "\"jdx.").replace("JD-", "JX-"),
    )
    .await
    .unwrap();

    let sqlite_export = export_text(app.store.as_ref()).await;
    let pg = TestApp::empty(Backend::Postgres).await;
    import_text(pg.store.as_ref(), &sqlite_export).await.unwrap();
    let pg_export = export_text(pg.store.as_ref()).await;
    assert_eq!(pg_export, sqlite_export);
    for (u, from, to) in [
        ("jd", "2020-01-01", "2030-12-31"),
        ("jdx", "2022-01-01", "2022-12-31"),
        ("yw", "2022-01-01", "2022-12-31"),
        ("jd.s1", "2026-01-01", "2026-12-31"),
    ] {
        let p = youyue_domain::Period::new(
            youyue_domain::time::parse_date(from).unwrap(),
            youyue_domain::time::parse_date(to).unwrap(),
        )
        .unwrap();
        let a = app.store.union_by_code(&u.parse().unwrap()).await.unwrap().unwrap();
        let b = pg.store.union_by_code(&u.parse().unwrap()).await.unwrap().unwrap();
        assert_eq!(app.store.stats(&a, p).await.unwrap(), pg.store.stats(&b, p).await.unwrap(), "{u}");
    }
    // Accounts, sessions and tracking codes keep working after the move.
    let e1 = pg.login("e1reception").await;
    let (s, v) = e1.get(&format!("/api/v1/cases/{number}")).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(v["record"].as_array().unwrap().len(), 3);
    let (s, v) = pg.anonymous().post(&format!("/api/v1/public/cases/{number}/lookup"), json!({"code": code})).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    // New cases continue the numbering after the imported ones.
    let v = pg
        .anonymous()
        .ok("/api/v1/public/cases", json!({"union":"jd.s1.e1","kind":"claim","description":"新"}), StatusCode::CREATED)
        .await;
    let n: youyue_domain::CaseNumber = v["number"].as_str().unwrap().parse().unwrap();
    let old: youyue_domain::CaseNumber = number.parse().unwrap();
    assert_eq!((n.prefix(), n.year(), n.seq()), (old.prefix(), old.year(), old.seq() + 1));
}

/// The read log goes into the export and comes back with an import (a PostgreSQL backup is
/// an export), once: importing it again adds nothing.
async fn the_read_log_is_exported_and_imported(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let v = app
        .anonymous()
        .ok(
            "/api/v1/public/cases",
            json!({"union":"jd.s1.e1","kind":"wellbeing","description":"最近压力很大","contact":"13800000000"}),
            StatusCode::CREATED,
        )
        .await;
    let number = v["number"].as_str().unwrap().to_owned();
    let chair = app.login("e1chair").await;
    assert_eq!(chair.get(&format!("/api/v1/cases/{number}")).await.0, StatusCode::OK);
    let exported = export_text(app.store.as_ref()).await;
    let reads: Vec<&str> = exported.lines().filter(|l| l.contains(r#""type":"read""#)).collect();
    assert_eq!(reads.len(), 2, "the case and its contact: {exported}");
    assert!(reads.iter().all(|l| l.contains(&number) && l.contains(r#""user":"e1chair""#)), "{reads:?}");

    let other = if backend == Backend::Sqlite { Backend::Postgres } else { Backend::Sqlite };
    let db = TestDb::new(other).await;
    let store = youyue_store::open(&db.url).await.unwrap();
    let first = import_text(store.as_ref(), &exported).await.unwrap();
    assert_eq!(first.reads_added, 2, "{first:?}");
    assert_eq!(export_text(store.as_ref()).await, exported, "moved whole");
    let again = import_text(store.as_ref(), &exported).await.unwrap();
    assert_eq!(again.reads_added, 0, "{again:?}");
    assert_eq!(export_text(store.as_ref()).await, exported);
    // A reading of an account that is nowhere is refused, naming its line.
    let stray = format!(
        r#"{{"type":"read","case":"{number}","user":"nobody","what":"case","at":"2026-01-01T09:00:00+08:00"}}"#
    );
    let err = import_text(store.as_ref(), &stray).await.unwrap_err();
    assert!(err.message.contains("nobody"), "{err}");
    store.close().await;
}
both!(the_read_log_is_exported_and_imported);

/// A mediation agreement with its terms and payments goes into the export after its case
/// and comes back whole with an import, once.
async fn agreements_are_exported_and_imported(backend: Backend) {
    use crate::agreement::{liu_agreement, old_dispute, put};
    let app = TestApp::spawn(backend).await;
    import_text(app.store.as_ref(), &old_dispute("JD-2025-000100", false)).await.unwrap();
    let chair = app.login("e1chair").await;
    let p = "/api/v1/cases/JD-2025-000100/agreement";
    assert_eq!(put(&chair, p, liu_agreement()).await.0, StatusCode::CREATED);
    chair.ok(&format!("{p}/sign"), json!({"signed_on":"2025-02-10"}), StatusCode::OK).await;
    chair.ok(&format!("{p}/terms/1/payment"), json!({"paid_on":"2025-03-19","amount":"10000"}), StatusCode::OK).await;
    let exported = export_text(app.store.as_ref()).await;
    let lines: Vec<&str> = exported.lines().filter(|l| l.contains(r#""type":"agreement""#)).collect();
    assert_eq!(lines.len(), 1, "{exported}");
    assert!(lines[0].contains(r#""paid_on":"2025-03-19""#) && lines[0].contains("signed_at"), "{}", lines[0]);
    let (_, before) = chair.get(p).await;

    let other = if backend == Backend::Sqlite { Backend::Postgres } else { Backend::Sqlite };
    let db = TestDb::new(other).await;
    let store = youyue_store::open(&db.url).await.unwrap();
    let first = import_text(store.as_ref(), &exported).await.unwrap();
    assert_eq!(first.agreements_stored, 1, "{first:?}");
    assert_eq!(export_text(store.as_ref()).await, exported, "moved whole");
    let again = import_text(store.as_ref(), &exported).await.unwrap();
    assert_eq!(again.agreements_stored, 0, "{again:?}");
    let case = store.case_by_number(&"JD-2025-000100".parse().unwrap()).await.unwrap().unwrap();
    let a = store.agreement(case.id).await.unwrap().unwrap();
    assert_eq!(a.agreement.total().to_string(), before["money_agreed"].as_str().unwrap());
    assert_eq!(store.verify_chains().await.unwrap().problems, vec![]);
    // On a case of another kind it is refused, naming its line.
    let claim_case =
        crate::agreement::old_dispute("JD-2025-000200", false).replace(r#""kind":"dispute""#, r#""kind":"claim""#);
    let claim = claim_case + &lines[0].replace("JD-2025-000100", "JD-2025-000200") + "\n";
    let err = import_text(store.as_ref(), &claim).await.unwrap_err();
    assert!(err.message.contains("only a dispute"), "{err}");
    store.close().await;
}
both!(agreements_are_exported_and_imported);

/// The notice settings travel (issue 21): an account's e-mail, phone and the kinds it
/// turned off, a union's WeChat Work robot, a worker's consent to be told. Set through the
/// API, exported, imported into an empty database: the same export, the same settings; a
/// second import changes nothing.
async fn notice_settings_round_trip(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let me = app.login("e1handler").await;
    let (s, body) = me
        .patch(
            "/api/v1/users/e1handler",
            json!({"email": "e1@example.com", "phone": "+86 138-0013-8000", "notices_off": ["overdue", "chased"]}),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{body}");
    let robot = "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=SECRET-KEY";
    let chair = app.login("e1chair").await;
    let r = chair
        .http
        .put(format!("{}/api/v1/unions/jd.s1.e1/notices", chair.base))
        .json(&json!({"wecom_webhook": robot}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let staff = app.login("e1reception").await;
    let told = staff
        .ok(
            "/api/v1/cases",
            json!({"union":"jd.s1.e1","kind":"claim","description":"工资","channel":"hotline","contact":"13912345678","notify":true}),
            StatusCode::CREATED,
        )
        .await;
    let told = told["number"].as_str().unwrap().to_owned();
    staff
        .ok(
            "/api/v1/cases",
            json!({"union":"jd.s1.e1","kind":"claim","description":"加班费","channel":"hotline","contact":"13912345678","notify":false}),
            StatusCode::CREATED,
        )
        .await;

    let out = export_text(app.store.as_ref()).await;
    let line_of =
        |what: &str| out.lines().find(|l| l.contains(what)).unwrap_or_else(|| panic!("{what}: {out}")).to_owned();
    let user = line_of("\"username\":\"e1handler\"");
    assert!(
        user.contains(r#""email":"e1@example.com""#)
            && user.contains(r#""phone":"13800138000""#)
            && user.contains(r#""notices_off":["overdue","chased"]"#),
        "{user}"
    );
    // The administrator's command: the robot's key is written whole.
    assert!(line_of("\"code\":\"jd.s1.e1\"").contains(&format!("\"wecom_webhook\":{}", json!(robot))), "{out}");
    let cases: Vec<&str> = out.lines().filter(|l| l.contains("\"type\":\"case\"")).collect();
    assert_eq!(cases.iter().filter(|l| l.contains("\"notify\":true")).count(), 1, "{cases:?}");
    assert!(line_of(&format!("\"number\":\"{told}\"")).contains("\"notify\":true"));
    // Where nothing is set nothing is written: the other accounts and unions as before.
    assert!(!line_of("\"username\":\"e2handler\"").contains("email"));
    assert!(!line_of("\"code\":\"jd.s1.e2\"").contains("wecom_webhook"));
    assert!(!out.contains("\"notify\":false"));

    let fresh = TestApp::empty(backend).await;
    import_text(fresh.store.as_ref(), &out).await.unwrap();
    assert_eq!(export_text(fresh.store.as_ref()).await, out);
    let consents: Vec<i64> = crate::harness::column(&fresh.db.url, "SELECT case_id FROM case_notify").await;
    assert_eq!(consents.len(), 1);
    let stored = fresh.store.user_by_username("e1handler").await.unwrap().unwrap();
    assert_eq!(stored.email.as_deref(), Some("e1@example.com"));
    let union = fresh.store.union_by_code(&"jd.s1.e1".parse().unwrap()).await.unwrap().unwrap();
    assert_eq!(fresh.store.union_webhook(union.id).await.unwrap().as_deref(), Some(robot));
    let again = import_text(fresh.store.as_ref(), &out).await.unwrap();
    assert_eq!(
        (again.unions_updated, again.users_updated, again.cases_updated, again.cases_created),
        (0, 0, 0, 0),
        "{again:?}"
    );
    assert_eq!(export_text(fresh.store.as_ref()).await, out);
    // A line that withdraws them withdraws them, and says so in the record book only as a
    // change of personal details.
    let withdrawn = out.replace(",\"notify\":true", "");
    let sum = import_text(fresh.store.as_ref(), &withdrawn).await.unwrap();
    assert_eq!(sum.cases_updated, 1, "{sum:?}");
    let consents: Vec<i64> = crate::harness::column(&fresh.db.url, "SELECT case_id FROM case_notify").await;
    assert!(consents.is_empty());
}
both!(notice_settings_round_trip);

/// A bad e-mail, phone, robot or kind of notice on a line fails the import naming the line
/// and the field, and writes nothing; a spelling the pages accept is stored as they store it.
async fn bad_notice_settings_are_refused(backend: Backend) {
    let db = TestDb::new(backend).await;
    let store = youyue_store::open(&db.url).await.unwrap();
    let district = district_jsonl();
    let bad_line = district.lines().count() + 1;
    let user = |extra: serde_json::Value| {
        let mut u = json!({"type":"user","username":"new","name":"新","union":"jd.s1.e1","role":"handler"});
        u.as_object_mut().unwrap().extend(extra.as_object().unwrap().clone());
        format!("{district}{u}\n")
    };
    let union = |url: &str| {
        format!(
            "{district}{}\n",
            json!({"type":"union","code":"jd.s1.e3","name":"三厂工会","parent":"jd.s1","wecom_webhook":url})
        )
    };
    let case = |notify: serde_json::Value| {
        format!("{district}{}\n", GOOD_CASE.replace("\"rating\":5", &format!("\"rating\":5,\"notify\":{notify}")))
    };
    for (text, field) in [
        (user(json!({"email": "not an address"})), "email"),
        (user(json!({"phone": "0571-88888888"})), "phone"),
        (user(json!({"notices_off": ["overdue", "sometimes"]})), "notices_off"),
        (user(json!({"notices_off": "overdue"})), "notices_off"),
        (union("http://example.com/hook"), "wecom_webhook"),
        (case(json!("yes")), "notify"),
    ] {
        let err = import_text(store.as_ref(), &text).await.expect_err(field);
        assert_eq!(err.line, bad_line, "{field}: {err}");
        assert!(err.message.starts_with(field), "{field}: {err}");
        assert!(store.is_empty().await.unwrap(), "{field}: a failed import wrote something");
    }
    // As the account page keeps them: 11 digits, a kind named once.
    let text =
        user(json!({"email": " e1@example.com ", "phone": "+86 139 1234 5678", "notices_off": ["overdue", "overdue"]}));
    import_text(store.as_ref(), &text).await.unwrap();
    let out = export_text(store.as_ref()).await;
    assert!(
        out.contains(r#""email":"e1@example.com""#)
            && out.contains(r#""notices_off":["overdue"]"#)
            && out.contains(r#""phone":"13912345678""#),
        "{out}"
    );
}
both!(bad_notice_settings_are_refused);
