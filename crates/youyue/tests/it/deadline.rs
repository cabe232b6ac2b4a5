//! Deadline control (issue 22): 申请延期 and its decision, 挂起 and 恢复办理 (across a public
//! holiday), 提级督办 at the third reopening/transfer.

use crate::harness::{assert_error, Backend, TestApp};
use reqwest::StatusCode;
use serde_json::{json, Value};
use youyue_domain::Timestamp;

/// A case of enterprise e1 (street s1, district jd), imported: `status`, due on `due`,
/// handled by e1handler when in progress.
fn line(n: u32, status: &str, due: &str) -> String {
    let mut c = json!({"type":"case","number":format!("JD-2026-{n:06}"),"union":"jd.s1.e1","kind":"claim","channel":"hotline",
        "title":format!("案件{n}"),"opened_at":"2026-01-02T09:00:00+08:00","accepted_at":"2026-01-02T10:00:00+08:00",
        "status":status,"due_on":due});
    if status == "in_progress" {
        c["handler"] = json!("e1handler");
    }
    if status == "resolved" {
        c["closed_at"] = json!("2026-01-03T09:00:00+08:00");
        c["resolution"] = json!("已解决");
    }
    format!("{c}\n")
}

fn path(n: u32, tail: &str) -> String {
    format!("/api/v1/cases/JD-2026-{n:06}/{tail}")
}

async fn actions_of(record: &Value) -> Vec<String> {
    record.as_array().unwrap().iter().map(|e| e["action"].as_str().unwrap().to_owned()).collect()
}

/// Who asks, who decides, from which state, the limit, one pending at a time.
async fn an_extension_is_asked_and_decided(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let text = [
        line(941, "in_progress", "2999-01-01"),
        line(942, "accepted", "2026-01-05"),
        line(943, "resolved", "2999-01-01"),
        line(944, "in_progress", "2999-01-01"),
    ]
    .concat();
    crate::harness::import_text(app.store.as_ref(), &text).await.unwrap();
    let ask = |d: &str| json!({"due_on": d, "reason": "职工补充材料需时"});
    let reception = app.login("e1reception").await;
    assert_error(
        &reception.post(&path(941, "extension"), ask("2999-02-01")).await,
        StatusCode::FORBIDDEN,
        "forbidden",
        None,
    );
    let f1 = app.login("f1reception").await;
    assert_error(&f1.post(&path(941, "extension"), ask("2999-02-01")).await, StatusCode::NOT_FOUND, "not_found", None);
    let handler = app.login("e1handler").await;
    for bad in ["2999-01-01", "2998-12-31", "明天"] {
        let r = handler.post(&path(941, "extension"), ask(bad)).await;
        assert_error(&r, StatusCode::UNPROCESSABLE_ENTITY, "invalid", Some("due_on"));
    }
    let r = handler.post(&path(941, "extension"), json!({"due_on":"2999-02-01","reason":" "})).await;
    assert_error(&r, StatusCode::UNPROCESSABLE_ENTITY, "invalid", Some("reason"));
    let chair = app.login("e1chair").await;
    // After the deadline passed, and of a closed case: 409.
    assert_eq!(chair.post(&path(942, "extension"), ask("2999-02-01")).await.0, StatusCode::CONFLICT);
    assert_eq!(chair.post(&path(943, "extension"), ask("2999-02-01")).await.0, StatusCode::CONFLICT);
    // Nothing waits: nothing to decide.
    assert_eq!(chair.post(&path(941, "extension/approve"), json!({})).await.0, StatusCode::CONFLICT);

    let v = handler.ok(&path(941, "extension"), ask("2999-02-01"), StatusCode::OK).await;
    assert_eq!(v["due_on"], "2999-01-01", "asking changes no deadline");
    assert_eq!(handler.post(&path(941, "extension"), ask("2999-03-01")).await.0, StatusCode::CONFLICT, "one waits");
    // The handler may not decide; nor may a street receptionist-like role; the chair does.
    assert_error(
        &handler.post(&path(941, "extension/approve"), json!({})).await,
        StatusCode::FORBIDDEN,
        "forbidden",
        None,
    );
    let v = chair.ok(&path(941, "extension/approve"), json!({}), StatusCode::OK).await;
    assert_eq!(v["due_on"], "2999-02-01");
    // The second: refused (the reason is required), then asked again and approved above.
    handler.ok(&path(941, "extension"), ask("2999-03-01"), StatusCode::OK).await;
    let r = chair.post(&path(941, "extension/refuse"), json!({"reason":""})).await;
    assert_error(&r, StatusCode::UNPROCESSABLE_ENTITY, "invalid", Some("reason"));
    let v = chair.ok(&path(941, "extension/refuse"), json!({"reason":"期限足够"}), StatusCode::OK).await;
    assert_eq!(v["due_on"], "2999-02-01");
    handler.ok(&path(941, "extension"), ask("2999-04-01"), StatusCode::OK).await;
    let s1 = app.login("s1chair").await;
    let v = s1.ok(&path(941, "extension/approve"), json!({}), StatusCode::OK).await;
    assert_eq!(v["due_on"], "2999-04-01");
    // The district's two extensions are used.
    let r = handler.post(&path(941, "extension"), ask("2999-05-01")).await;
    assert_eq!(r.0, StatusCode::CONFLICT, "{}", r.1);
    // Nobody approves their own request.
    chair.ok(&path(944, "extension"), ask("2999-02-01"), StatusCode::OK).await;
    assert_error(
        &chair.post(&path(944, "extension/approve"), json!({})).await,
        StatusCode::FORBIDDEN,
        "forbidden",
        None,
    );
    let admin = app.login("admin").await;
    admin.ok(&path(944, "extension/approve"), json!({}), StatusCode::OK).await;

    let (_, record) = chair.get(&path(941, "record")).await;
    let acts = actions_of(&record).await;
    let deadline_acts: Vec<&str> =
        acts.iter().map(String::as_str).filter(|a| a.contains("extension") || *a == "extend").collect();
    assert_eq!(
        deadline_acts,
        ["extend", "approve_extension", "extend", "refuse_extension", "extend", "approve_extension"]
    );
    let first = record.as_array().unwrap().iter().find(|e| e["action"] == "extend").unwrap();
    assert_eq!((first["internal"].as_bool(), first["detail"]["due_on"].as_str()), (Some(true), Some("2999-02-01")));
    // The case page offers the request to the handler and the decision to the chair.
    let page = chair.http.get(app.url("/cases/JD-2026-000944")).send().await.unwrap().text().await.unwrap();
    assert!(page.contains("id=\"do-extend\""));
    let report = app.store.verify_chains().await.unwrap();
    assert_eq!(report.problems, vec![], "{report:?}");
}
both!(an_extension_is_asked_and_decided);

/// A pause stops the clock (not late, not supervised or chased), is visible, and on
/// resuming moves the deadline later by the working days paused: a public holiday in the
/// pause does not count. The district's allowance ends a pause at the sweep.
async fn a_pause_moves_the_deadline_by_the_working_days_paused(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let text = [line(951, "in_progress", "2999-01-01"), line(952, "in_progress", "2026-01-05")].concat();
    crate::harness::import_text(app.store.as_ref(), &text).await.unwrap();
    let admin = app.login("admin").await;
    let put = admin.http.put(app.url("/api/v1/closed-loop")).json(&json!({"max_pause_days": 3})).send().await.unwrap();
    assert_eq!(put.status(), StatusCode::NO_CONTENT);
    // Today worked, tomorrow a public holiday, the day after a make-up working day.
    let now = Timestamp::now();
    let today = now.cst_date();
    let day = |n: u64| today + chrono::Days::new(n);
    let set = json!([
        {"day": day(0).to_string(), "kind": "workday", "name": "调休"},
        {"day": day(1).to_string(), "kind": "holiday", "name": "节日"},
        {"day": day(2).to_string(), "kind": "workday", "name": "调休"},
    ]);
    let put = admin.http.put(app.url("/api/v1/calendar")).json(&json!({"set": set})).send().await.unwrap();
    assert_eq!(put.status(), StatusCode::NO_CONTENT);

    let handler = app.login("e1handler").await;
    let reception = app.login("e1reception").await;
    assert_error(
        &reception.post(&path(951, "pause"), json!({"reason":"x"})).await,
        StatusCode::FORBIDDEN,
        "forbidden",
        None,
    );
    assert_error(
        &handler.post(&path(951, "pause"), json!({"reason":""})).await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "invalid",
        Some("reason"),
    );
    assert_eq!(handler.post(&path(951, "resume"), json!({})).await.0, StatusCode::CONFLICT, "not paused");
    // Paused and resumed the same day: no day counted.
    let v = handler.ok(&path(951, "pause"), json!({"reason":"等待职工提供工资条"}), StatusCode::OK).await;
    assert_eq!(v["paused_since"], today.to_string());
    assert_eq!(v["paused_until"], day(2).to_string());
    assert_eq!(v["paused_reason"], "等待职工提供工资条");
    assert_eq!(
        handler.post(&path(951, "pause"), json!({"reason":"x"})).await.0,
        StatusCode::CONFLICT,
        "paused already"
    );
    let page = handler.http.get(app.url("/cases/JD-2026-000951")).send().await.unwrap().text().await.unwrap();
    assert!(page.contains("id=\"case-paused\"") && page.contains("id=\"do-resume\""));
    let v = handler.ok(&path(951, "resume"), json!({}), StatusCode::OK).await;
    assert_eq!((v["due_on"].as_str(), v["paused_since"].as_str()), (Some("2999-01-01"), None));
    // Paused again, past the allowance: the sweep ends it as of the day after its last day.
    handler.ok(&path(951, "pause"), json!({"reason":"等待职工"}), StatusCode::OK).await;
    let exported = crate::harness::export_text(app.store.as_ref()).await;
    assert!(exported.contains(&format!("\"paused_since\":\"{today}\"")), "the pause travels in the export");
    // And comes back on import: the case paused as it was, its book replaying it.
    let fresh = TestApp::empty(backend).await;
    crate::harness::import_text(fresh.store.as_ref(), &exported).await.unwrap();
    let there = fresh.store.case_by_number(&"JD-2026-000951".parse().unwrap()).await.unwrap().unwrap();
    assert_eq!((there.record.paused_since, there.record.paused_until), (Some(today), Some(day(2))));
    assert_eq!(crate::harness::export_text(fresh.store.as_ref()).await, exported);
    let report = fresh.store.verify_chains().await.unwrap();
    assert_eq!(report.problems, vec![], "{report:?}");
    let later = Timestamp::from_micros(now.micros() + 5 * 86_400_000_000);
    let resumed = youyue_server::service::deadline::sweep_pauses(app.store.as_ref(), later).await.unwrap();
    assert_eq!(resumed.iter().map(|n| n.to_string()).collect::<Vec<_>>(), ["JD-2026-000951"]);
    let (_, v) = handler.get("/api/v1/cases/JD-2026-000951").await;
    // Three calendar days, two of them working (today and the make-up day).
    let calendar = youyue_domain::calendar::WorkCalendar::new(app.store.calendar().await.unwrap());
    let due = youyue_domain::time::parse_date("2999-01-01").unwrap();
    assert_eq!(v["due_on"], calendar.add_working_days(due, 2).to_string());
    assert_eq!(v["paused_since"], Value::Null);
    let (_, record) = handler.get(&path(951, "record")).await;
    let last = record.as_array().unwrap().last().unwrap().clone();
    assert_eq!(
        (last["action"].as_str(), last["actor"].as_str(), last["detail"]["paused_days"].as_i64()),
        (Some("resume"), Some("system"), Some(3))
    );
    assert_eq!(last["detail"]["paused_working_days"], 2);
    // The allowance is used: no more pauses.
    assert_eq!(handler.post(&path(951, "pause"), json!({"reason":"x"})).await.0, StatusCode::CONFLICT);

    // A late case, paused, is not late: neither supervised nor chased.
    let overdue_list = || async {
        let (_, list) = handler.get("/api/v1/cases?overdue=true").await;
        list["total"].as_i64()
    };
    assert_eq!(overdue_list().await, Some(1), "the late case is listed as overdue");
    let v = handler.ok(&path(952, "pause"), json!({"reason":"等待职工"}), StatusCode::OK).await;
    assert_eq!(v["overdue"], false);
    assert_eq!(overdue_list().await, Some(0), "a paused case is not listed as overdue");
    let day_after = youyue_domain::time::parse_date("2026-01-06").unwrap();
    assert!(app.store.sweep_supervision(day_after, now).await.unwrap().is_empty());
    handler.ok(&path(952, "resume"), json!({}), StatusCode::OK).await;
    let swept = app.store.sweep_supervision(day_after, now).await.unwrap();
    assert_eq!(swept.len(), 1);
    let report = app.store.verify_chains().await.unwrap();
    assert_eq!(report.problems, vec![], "{report:?}");
}
both!(a_pause_moves_the_deadline_by_the_working_days_paused);

/// 提级督办: the third reopening/transfer together raises the case once to the union above
/// its own; the union above lists it.
async fn the_third_reopening_or_transfer_escalates(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    crate::harness::import_text(app.store.as_ref(), &line(961, "resolved", "2026-01-05")).await.unwrap();
    let chair = app.login("e1chair").await;
    let s1 = app.login("s1chair").await;
    chair.ok(&path(961, "reopen"), json!({"reason":"职工不满意"}), StatusCode::OK).await;
    s1.ok(&path(961, "transfer"), json!({"union":"jd.s1.e2","reason":"属五金公司"}), StatusCode::OK).await;
    let (_, record) = s1.get(&path(961, "record")).await;
    assert!(!actions_of(&record).await.contains(&"escalate".to_owned()), "two are not three");
    let (_, list) = s1.get("/api/v1/escalations?union=jd.s1").await;
    assert_eq!(list["cases"].as_array().unwrap().len(), 0);
    s1.ok(&path(961, "transfer"), json!({"union":"jd.s1.e1","reason":"仍属纸箱厂"}), StatusCode::OK).await;
    let (_, record) = s1.get(&path(961, "record")).await;
    let last = record.as_array().unwrap().last().unwrap().clone();
    assert_eq!(
        (last["action"].as_str(), last["actor"].as_str(), last["internal"].as_bool(), last["detail"]["count"].as_i64()),
        (Some("escalate"), Some("system"), Some(true), Some(3))
    );
    assert_eq!(last["detail"]["raised_to"], "jd.s1");
    let (status, list) = s1.get("/api/v1/escalations?union=jd.s1").await;
    assert_eq!(status, StatusCode::OK);
    let numbers: Vec<&str> = list["cases"].as_array().unwrap().iter().map(|c| c["number"].as_str().unwrap()).collect();
    assert_eq!(numbers, ["JD-2026-000961"]);
    let page = s1.http.get(app.url("/escalations")).send().await.unwrap().text().await.unwrap();
    assert!(page.contains("id=\"escalations\"") && page.contains("JD-2026-000961"), "the street's page lists it");
    // The enterprise cannot list the street's escalations; a worker none.
    let (status, _) = chair.get("/api/v1/escalations?union=jd.s1").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    // Once per threshold: a fourth does not escalate again.
    s1.ok(&path(961, "transfer"), json!({"union":"jd.s1.e2","reason":"再转"}), StatusCode::OK).await;
    let (_, record) = s1.get(&path(961, "record")).await;
    assert_eq!(actions_of(&record).await.iter().filter(|a| *a == "escalate").count(), 1);
    let report = app.store.verify_chains().await.unwrap();
    assert_eq!(report.problems, vec![], "{report:?}");
}
both!(the_third_reopening_or_transfer_escalates);
