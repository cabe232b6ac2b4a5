//! Deadline control (issue 22): a reopened case's fresh deadline, 催办 by hand from a union
//! above and by the system the day after a missed deadline.

use crate::harness::{assert_error, Backend, TestApp};
use reqwest::StatusCode;
use serde_json::json;

/// Cases of enterprise e1 (street s1, district jd), imported: `status`, due on `due`.
fn line(n: u32, status: &str, due: &str) -> String {
    let mut c = json!({"type":"case","number":format!("JD-2026-{n:06}"),"union":"jd.s1.e1","kind":"claim","channel":"hotline",
        "title":format!("案件{n}"),"opened_at":"2026-01-02T09:00:00+08:00","accepted_at":"2026-01-02T10:00:00+08:00",
        "status":status,"due_on":due});
    if status == "resolved" {
        c["closed_at"] = json!("2026-01-03T09:00:00+08:00");
        c["resolution"] = json!("已解决");
    }
    format!("{c}\n")
}

/// 催办 by hand: a chair or administrator strictly above the case's union, on an open case,
/// with a note; recorded internal, told as Chased; the button only for them.
async fn a_union_above_chases_by_hand(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let text = [line(911, "accepted", "2999-01-01"), line(912, "resolved", "2999-01-01")].concat();
    crate::harness::import_text(app.store.as_ref(), &text).await.unwrap();
    let path = "/api/v1/cases/JD-2026-000911/chase";
    // The case's own union may not chase it (403); nor a role other than chair/admin.
    for who in ["e1chair", "e1handler", "e1reception"] {
        let c = app.login(who).await;
        assert_error(&c.post(path, json!({"note":"快办"})).await, StatusCode::FORBIDDEN, "forbidden", None);
    }
    // Outside the caller's subtree: as missing (404).
    let f1 = app.login("f1reception").await;
    assert_error(&f1.post(path, json!({"note":"快办"})).await, StatusCode::NOT_FOUND, "not_found", None);
    let s1 = app.login("s1chair").await;
    assert_error(&s1.post(path, json!({"note":"  "})).await, StatusCode::UNPROCESSABLE_ENTITY, "invalid", Some("note"));
    // A closed case is not chased.
    let closed = s1.post("/api/v1/cases/JD-2026-000912/chase", json!({"note":"快办"})).await;
    assert_eq!(closed.0, StatusCode::CONFLICT, "{}", closed.1);
    let v = s1.ok(path, json!({"note":"请本周内答复职工"}), StatusCode::OK).await;
    assert_eq!(v["status"], "accepted", "a chase changes no state");
    let admin = app.login("admin").await;
    admin.ok(path, json!({"note":"区总工会催办"}), StatusCode::OK).await;
    let (_, record) = s1.get("/api/v1/cases/JD-2026-000911/record").await;
    let chases: Vec<_> = record.as_array().unwrap().iter().filter(|e| e["action"] == "chase").collect();
    assert_eq!(chases.len(), 2);
    assert_eq!(
        (chases[0]["actor"].as_str(), chases[0]["internal"].as_bool(), chases[0]["detail"]["note"].as_str()),
        (Some("s1chair"), Some(true), Some("请本周内答复职工"))
    );
    // A chase by hand names no deadline: it is not the system's once-per-deadline chase.
    assert!(chases[0]["detail"].get("due_on").is_none());
    // The page offers the button to the union above, not to the case's own.
    let page = s1.http.get(app.url("/cases/JD-2026-000911")).send().await.unwrap().text().await.unwrap();
    assert!(page.contains("id=\"do-chase\""), "the street chair's page has 催办");
    assert!(page.contains("请本周内答复职工"), "the record book shows the note");
    let own = app.login("e1chair").await;
    let page = own.http.get(app.url("/cases/JD-2026-000911")).send().await.unwrap().text().await.unwrap();
    assert!(!page.contains("id=\"do-chase\""));
    let (_, mine) = own.get("/api/v1/cases/JD-2026-000911").await;
    assert!(!mine["actions"].as_array().unwrap().iter().any(|a| a == "chase"), "{}", mine["actions"]);
    let (_, theirs) = s1.get("/api/v1/cases/JD-2026-000911").await;
    assert!(theirs["actions"].as_array().unwrap().iter().any(|a| a == "chase"), "{}", theirs["actions"]);
}
both!(a_union_above_chases_by_hand);

/// The day after a missed deadline the system chases the case, once per deadline; the mark
/// travels in the export; reopening clears it and sets a fresh deadline; the book replays.
async fn the_system_chases_a_missed_deadline_once(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let text = [
        line(921, "in_progress", "2026-01-05"),
        line(922, "resolved", "2026-01-05"),
        line(923, "accepted", "2999-01-01"),
    ]
    .concat();
    crate::harness::import_text(app.store.as_ref(), &text).await.unwrap();
    let now = youyue_domain::Timestamp::now();
    let due = chrono::NaiveDate::from_ymd_opt(2026, 1, 5).unwrap();
    // A case on its deadline day is not chased yet: only the day after (one sweep with 督办).
    assert!(app.store.sweep_supervision(due, now).await.unwrap().is_empty());
    let day_after = due + chrono::Days::new(1);
    let chased = app.store.sweep_supervision(day_after, now).await.unwrap();
    assert_eq!(chased.iter().map(|n| n.to_string()).collect::<Vec<_>>(), ["JD-2026-000921"]);
    assert!(app.store.sweep_supervision(day_after, now).await.unwrap().is_empty(), "once per deadline");
    let s1 = app.login("s1chair").await;
    let (_, record) = s1.get("/api/v1/cases/JD-2026-000921/record").await;
    let last = record.as_array().unwrap().last().unwrap().clone();
    assert_eq!(
        (
            last["action"].as_str(),
            last["actor"].as_str(),
            last["internal"].as_bool(),
            last["detail"]["due_on"].as_str()
        ),
        (Some("chase"), Some("system"), Some(true), Some("2026-01-05"))
    );
    let exported = crate::harness::export_text(app.store.as_ref()).await;
    assert!(exported.contains("\"chased_due_on\":\"2026-01-05\""), "the mark travels in the export");
    // The chase gave rise to a notice event (Chased).
    let case = app.store.case_by_number(&"JD-2026-000921".parse().unwrap()).await.unwrap().unwrap();
    assert_eq!(case.record.chased_due_on, Some(due));
    let report = app.store.verify_chains().await.unwrap();
    assert_eq!(report.problems, vec![], "{report:?}");
    // A deadline missed more than 7 days before the sweep is supervised but not chased, so
    // that the first sweep after an upgrade does not chase every old late case.
    crate::harness::import_text(app.store.as_ref(), &line(924, "in_progress", "2026-01-05")).await.unwrap();
    let late = due + chrono::Days::new(9);
    let swept = app.store.sweep_supervision(late, now).await.unwrap();
    assert_eq!(swept.iter().map(|n| n.to_string()).collect::<Vec<_>>(), ["JD-2026-000924"]);
    let (_, record) = s1.get("/api/v1/cases/JD-2026-000924/record").await;
    let acts: Vec<&str> = record.as_array().unwrap().iter().map(|e| e["action"].as_str().unwrap()).collect();
    assert!(acts.contains(&"supervise") && !acts.contains(&"chase"), "{acts:?}");
}
both!(the_system_chases_a_missed_deadline_once);

/// A reopened case gets a fresh deadline from the district's limits for its kind, counted
/// in working days from the reopening day, and the chase mark is cleared; the book replays.
async fn a_reopened_case_gets_a_fresh_deadline(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    crate::harness::import_text(app.store.as_ref(), &line(931, "resolved", "2026-01-05")).await.unwrap();
    let chair = app.login("e1chair").await;
    let v = chair.ok("/api/v1/cases/JD-2026-000931/reopen", json!({"reason":"职工不满意"}), StatusCode::OK).await;
    let calendar = youyue_domain::calendar::WorkCalendar::new(app.store.calendar().await.unwrap());
    let rules = youyue_domain::command::DeadlineRules { calendar, days: Default::default() };
    let today = youyue_domain::Timestamp::now().cst_date();
    let fresh = youyue_domain::command::reopened_due_on(youyue_domain::Kind::Claim, today, &rules);
    assert_eq!(v["due_on"], fresh.to_string());
    assert!(fresh > today);
    let (_, record) = chair.get("/api/v1/cases/JD-2026-000931/record").await;
    let last = record.as_array().unwrap().last().unwrap().clone();
    assert_eq!(last["detail"]["before"]["due_on"], "2026-01-05");
    assert_eq!(last["detail"]["after"]["due_on"], fresh.to_string());
    // Not late any more: neither chased nor supervised.
    let now = youyue_domain::Timestamp::now();
    assert!(app.store.sweep_supervision(now.cst_date(), now).await.unwrap().is_empty());
    let report = app.store.verify_chains().await.unwrap();
    assert_eq!(report.problems, vec![], "{report:?}");
}
both!(a_reopened_case_gets_a_fresh_deadline);
