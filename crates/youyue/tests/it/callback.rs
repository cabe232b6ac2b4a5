//! 回访 and 发回重办 (issue 22): who records a call-back and when, its due day across a
//! public holiday, the review after a worker's 非常不满意 rating and after a bad
//! call-back, sending back (a fresh deadline) and confirming, what the worker reads, the
//! lists, the round trip of an export, and the pages in Chromium.

use crate::harness::{assert_error, Backend, Client, TestApp};
use reqwest::StatusCode;
use serde_json::{json, Value};
use youyue_domain::Timestamp;

/// Cases of enterprise e1 (street s1, district jd), imported closed on `closed_at`.
fn closed_line(n: u32, closed_at: &str) -> String {
    let c = json!({"type":"case","number":format!("JD-2026-{n:06}"),"union":"jd.s1.e1","kind":"claim","channel":"hotline",
        "title":format!("案件{n}"),"opened_at":"2026-01-02T09:00:00+08:00","accepted_at":"2026-01-02T10:00:00+08:00",
        "status":"explained","due_on":"2026-01-20","closed_at":closed_at,"explanation":"已答复"});
    format!("{c}\n")
}

/// A case raised online at e1 and explained by its receptionist: (number, tracking code).
async fn closed_case(app: &TestApp) -> (String, String) {
    let raised = app
        .anonymous()
        .ok(
            "/api/v1/public/cases",
            json!({"union":"jd.s1.e1","kind":"claim","description":"加班费没有结算","worker_name":"李","contact":"1"}),
            StatusCode::CREATED,
        )
        .await;
    let number = raised["number"].as_str().unwrap().to_owned();
    let e1 = app.login("e1reception").await;
    e1.ok(&format!("/api/v1/cases/{number}/explain"), json!({"explanation":"已向企业核实并答复"}), StatusCode::OK)
        .await;
    (number, raised["tracking_code"].as_str().unwrap().to_owned())
}

fn items(v: &Value) -> Vec<String> {
    v["items"].as_array().unwrap().iter().map(|i| i["number"].as_str().unwrap().to_owned()).collect()
}

async fn entries(c: &Client, number: &str, action: &str) -> Vec<Value> {
    let (_, record) = c.get(&format!("/api/v1/cases/{number}/record")).await;
    record.as_array().unwrap().iter().filter(|e| e["action"] == action).cloned().collect()
}

/// The rules of recording a call-back, its exact record-book entry, the lists and what the
/// worker reads.
async fn call_backs_are_recorded_once_reached(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let (number, code) = closed_case(&app).await;
    let path = format!("/api/v1/cases/{number}/callback");
    let (e1, handler, f1) =
        (app.login("e1reception").await, app.login("e1handler").await, app.login("f1reception").await);
    // Outside the caller's subtree: as missing.
    assert_error(&f1.post(&path, json!({"reached":false})).await, StatusCode::NOT_FOUND, "not_found", None);
    // The rating follows reached.
    assert_error(
        &e1.post(&path, json!({"reached":true})).await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "invalid",
        Some("rating"),
    );
    assert_error(
        &e1.post(&path, json!({"reached":false,"rating":3})).await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "invalid",
        Some("rating"),
    );
    assert_error(
        &e1.post(&path, json!({"reached":true,"rating":6})).await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "invalid",
        Some("rating"),
    );
    // It is due today or later: listed as due, not overdue.
    let (_, due) = e1.get("/api/v1/callbacks?state=due").await;
    assert_eq!(items(&due), [number.as_str()], "{due}");
    assert_eq!(due["callback_days"], 3);
    let (_, overdue) = e1.get("/api/v1/callbacks?union=jd.s1.e1&state=overdue").await;
    assert!(items(&overdue).is_empty(), "{overdue}");
    assert_error(
        &e1.get("/api/v1/callbacks?state=late").await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "invalid",
        Some("state"),
    );
    assert_error(&f1.get("/api/v1/callbacks?union=jd.s1.e1").await, StatusCode::NOT_FOUND, "not_found", None);
    // Not reached: recorded, internal, and it stays due.
    e1.ok(&path, json!({"reached":false,"rating":null,"note":"电话无人接听"}), StatusCode::OK).await;
    let (_, due) = e1.get("/api/v1/callbacks").await;
    assert_eq!(due["items"][0]["attempts"], 1, "{due}");
    // Reached: completes the task. Any staff of the union may record it.
    let v = handler.ok(&path, json!({"reached":true,"rating":4,"note":"职工表示满意"}), StatusCode::OK).await;
    assert_eq!(v["status"], "explained", "a call-back changes no state");
    let done = entries(&e1, &number, "callback").await;
    assert_eq!(done.len(), 2);
    assert_eq!(done[0]["detail"], json!({"reached":false,"rating":null,"note":"电话无人接听"}));
    assert_eq!(done[0]["internal"], true);
    assert_eq!(done[1]["detail"], json!({"reached":true,"rating":4,"note":"职工表示满意"}));
    assert_eq!(done[1]["internal"], false);
    let again = e1.post(&path, json!({"reached":true,"rating":5})).await;
    assert_eq!(again.0, StatusCode::CONFLICT, "{}", again.1);
    let (_, due) = e1.get("/api/v1/callbacks").await;
    assert!(items(&due).is_empty(), "{due}");
    let (_, done_list) = app.login("admin").await.get("/api/v1/callbacks?union=jd&state=done").await;
    assert_eq!(items(&done_list), [number.as_str()]);
    assert_eq!(done_list["items"][0]["attempts"], 2);
    // Nothing to review: a satisfied worker.
    let (_, reviews) = app.login("s1chair").await.get("/api/v1/reviews").await;
    assert!(items(&reviews).is_empty(), "{reviews}");
    // The worker reads 已回访, never the note.
    let (status, tracked) =
        app.anonymous().post(&format!("/api/v1/public/cases/{number}/lookup"), json!({"code": code})).await;
    assert_eq!(status, StatusCode::OK);
    let t = tracked.to_string();
    assert!(t.contains("已回访"), "{t}");
    assert!(!t.contains("职工表示满意") && !t.contains("电话无人接听"), "{t}");
    // An open case is not called back.
    let raised = app
        .anonymous()
        .ok(
            "/api/v1/public/cases",
            json!({"union":"jd.s1.e1","kind":"claim","description":"工资","worker_name":"张","contact":"1"}),
            StatusCode::CREATED,
        )
        .await;
    let open = format!("/api/v1/cases/{}/callback", raised["number"].as_str().unwrap());
    assert_eq!(e1.post(&open, json!({"reached":false})).await.0, StatusCode::CONFLICT);
    let report = app.store.verify_chains().await.unwrap();
    assert_eq!(report.problems, vec![], "{report:?}");
}
both!(call_backs_are_recorded_once_reached);

/// The call-back is due `callback_days` working days after closing: across the National Day
/// holiday of the calendar, and by the district's own setting. Long past, it is overdue.
async fn the_due_day_follows_the_calendar(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let admin = app.login("admin").await;
    // 2026: 1–7 October off; Saturday 10 October worked.
    let mut set: Vec<Value> =
        (1..=7).map(|n| json!({"day": format!("2026-10-{n:02}"), "kind": "holiday", "name": "国庆节"})).collect();
    set.push(json!({"day": "2026-10-10", "kind": "workday", "name": "国庆调休"}));
    let put = admin.http.put(app.url("/api/v1/calendar")).json(&json!({"set": set})).send().await.unwrap();
    assert_eq!(put.status(), StatusCode::NO_CONTENT);
    // Closed Wednesday 30 September: 8, 9 and the worked Saturday 10 October.
    let text = [closed_line(701, "2026-09-30T15:00:00+08:00"), closed_line(702, "2026-09-25T15:00:00+08:00")].concat();
    crate::harness::import_text(app.store.as_ref(), &text).await.unwrap();
    let (_, overdue) = admin.get("/api/v1/callbacks?union=jd&state=overdue").await;
    assert_eq!(items(&overdue), ["JD-2026-000702", "JD-2026-000701"], "{overdue}");
    let item = &overdue["items"][1];
    assert_eq!((item["closed_on"].as_str(), item["due_on"].as_str()), (Some("2026-09-30"), Some("2026-10-10")));
    assert_eq!(item["overdue"], true);
    // Friday 25 September: 28, 29, 30 September.
    assert_eq!(overdue["items"][0]["due_on"], "2026-09-30");
    // The district's own number of days.
    let put = admin.http.put(app.url("/api/v1/closed-loop")).json(&json!({"callback_days": 5})).send().await.unwrap();
    assert_eq!(put.status(), StatusCode::NO_CONTENT);
    let (_, overdue) = admin.get("/api/v1/callbacks?union=jd&state=overdue").await;
    assert_eq!(overdue["items"][1]["due_on"], "2026-10-13", "{overdue}");
    assert_eq!(overdue["callback_days"], 5);
}
both!(the_due_day_follows_the_calendar);

/// A worker's 非常不满意 rating puts the case before the union above, which sends it back
/// (reopened with a fresh deadline); a bad call-back does too, and there the answer is
/// confirmed. Only the reviewing union, only while under review.
async fn a_dissatisfied_worker_puts_the_case_under_review(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let (number, code) = closed_case(&app).await;
    let worker = app.anonymous();
    worker
        .ok(&format!("/api/v1/public/cases/{number}/rating"), json!({"code": code, "rating": 1}), StatusCode::OK)
        .await;
    let (s1, e1chair, admin, e1) = (
        app.login("s1chair").await,
        app.login("e1chair").await,
        app.login("admin").await,
        app.login("e1reception").await,
    );
    let (_, reviews) = s1.get("/api/v1/reviews").await;
    assert_eq!(items(&reviews), [number.as_str()], "{reviews}");
    assert_eq!(reviews["items"][0]["review"], "pending");
    assert_eq!(reviews["items"][0]["rating"], 1);
    // The district reviews the streets' cases, not the enterprises'.
    let (_, district) = admin.get("/api/v1/reviews").await;
    assert!(items(&district).is_empty(), "{district}");
    let send_back = format!("/api/v1/cases/{number}/send-back");
    // The case's own union may not; nor a receptionist; the reason is needed.
    assert_error(&e1chair.post(&send_back, json!({"reason":"x"})).await, StatusCode::FORBIDDEN, "forbidden", None);
    assert_error(&e1.post(&send_back, json!({"reason":"x"})).await, StatusCode::FORBIDDEN, "forbidden", None);
    assert_error(
        &s1.post(&send_back, json!({"reason":" "})).await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "invalid",
        Some("reason"),
    );
    let (_, case) = s1.get(&format!("/api/v1/cases/{number}")).await;
    // Offered on the case page and listed by /reviews, not in `actions` (a pending review
    // is not the workflow table's).
    assert!(!case["actions"].as_array().unwrap().iter().any(|a| a == "send_back"), "{}", case["actions"]);
    let v = s1.ok(&send_back, json!({"reason":"未核实加班时长，重新办理"}), StatusCode::OK).await;
    assert_eq!(v["status"], "accepted", "no handler: back to accepted");
    let calendar = youyue_domain::calendar::WorkCalendar::new(app.store.calendar().await.unwrap());
    let rules = youyue_domain::command::DeadlineRules { calendar, days: Default::default() };
    let today = Timestamp::now().cst_date();
    let fresh = youyue_domain::command::reopened_due_on(youyue_domain::Kind::Claim, today, &rules);
    assert_eq!(v["due_on"], fresh.to_string());
    let sent = entries(&s1, &number, "send_back").await;
    assert_eq!(sent[0]["detail"]["reason"], "未核实加班时长，重新办理");
    assert_eq!(sent[0]["detail"]["after"]["due_on"], fresh.to_string());
    // The review ended; the case is open: no call-back due, nothing to send back.
    let (_, reviews) = s1.get("/api/v1/reviews").await;
    assert!(items(&reviews).is_empty(), "{reviews}");
    assert_eq!(s1.post(&send_back, json!({"reason":"x"})).await.0, StatusCode::CONFLICT);
    let (_, due) = e1.get("/api/v1/callbacks").await;
    assert!(items(&due).is_empty(), "{due}");
    // The worker reads 发回重办, never the reason.
    let (_, tracked) = worker.post(&format!("/api/v1/public/cases/{number}/lookup"), json!({"code": code})).await;
    let t = tracked.to_string();
    assert!(t.contains("发回重办") && !t.contains("未核实加班时长"), "{t}");

    // Closed again: a fresh call-back; a bad one puts it under review again.
    e1.ok(&format!("/api/v1/cases/{number}/explain"), json!({"explanation":"已补发加班费"}), StatusCode::OK).await;
    let confirm = format!("/api/v1/cases/{number}/confirm");
    assert_eq!(s1.post(&confirm, json!({"note":"x"})).await.0, StatusCode::CONFLICT, "not under review");
    e1.ok(
        &format!("/api/v1/cases/{number}/callback"),
        json!({"reached":true,"rating":2,"note":"仍不满意"}),
        StatusCode::OK,
    )
    .await;
    let (_, reviews) = s1.get("/api/v1/reviews?union=jd.s1").await;
    assert_eq!(items(&reviews), [number.as_str()], "{reviews}");
    // The district, above the street, may review too.
    let v = admin.ok(&confirm, json!({"note":"答复符合规定，维持"}), StatusCode::OK).await;
    assert_eq!(v["status"], "explained");
    let confirmed = entries(&s1, &number, "confirm").await;
    assert_eq!(
        (confirmed[0]["internal"].as_bool(), confirmed[0]["detail"]["note"].as_str()),
        (Some(true), Some("答复符合规定，维持"))
    );
    let (_, reviews) = s1.get("/api/v1/reviews").await;
    assert!(items(&reviews).is_empty(), "{reviews}");
    assert_eq!(admin.post(&confirm, json!({"note":"x"})).await.0, StatusCode::CONFLICT);
    let (_, done) = s1.get("/api/v1/callbacks?state=done").await;
    assert_eq!(done["items"][0]["review"], "confirmed", "{done}");
    let report = app.store.verify_chains().await.unwrap();
    assert_eq!(report.problems, vec![], "{report:?}");

    // The round trip: the entries travel, and the table follows from them.
    let exported = crate::harness::export_text(app.store.as_ref()).await;
    let other = TestApp::empty(backend).await;
    crate::harness::import_text(other.store.as_ref(), &exported).await.unwrap();
    let (a, b) = (
        app.store.case_by_number(&number.parse().unwrap()).await.unwrap().unwrap(),
        other.store.case_by_number(&number.parse().unwrap()).await.unwrap().unwrap(),
    );
    assert_eq!(app.store.callback_task(a.id).await.unwrap(), other.store.callback_task(b.id).await.unwrap());
    assert!(other.store.callback_task(b.id).await.unwrap().unwrap().called_at.is_some());
}
both!(a_dissatisfied_worker_puts_the_case_under_review);

/// Chromium: the enterprise's receptionist records a call-back (reached, 非常不满意) on the
/// case page; the street's chair finds it under review and sends it back; the worker's
/// tracking page says 已回访 and 发回重办. Screenshots under target/screenshots/.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn call_back_and_send_back_in_the_browser() {
    use crate::browser::{fill, login, shot, submit, text, Driver, DESKTOP, PHONE};
    let app = TestApp::spawn(Backend::Sqlite).await;
    let (number, code) = closed_case(&app).await;
    let driver = Driver::start().await;

    let desk = driver.browser(DESKTOP).await;
    login(&desk, &app, "e1reception").await;
    desk.goto(&app.url("/callbacks")).await.unwrap();
    assert!(text(&desk, "#callback-list").await.contains(&number));
    shot(&desk, "callback-desktop-due", DESKTOP.0).await;
    desk.goto(&app.url(&format!("/cases/{number}"))).await.unwrap();
    desk.find(fantoccini::Locator::Css("#callback-reached")).await.unwrap().select_by_value("yes").await.unwrap();
    desk.find(fantoccini::Locator::Css("#callback-rating")).await.unwrap().select_by_value("1").await.unwrap();
    fill(&desk, "#callback-note", "职工认为加班费计算有误").await;
    submit(&desk, "#do-callback").await;
    assert!(text(&desk, "#under-review").await.contains("待上级工会复核"));
    assert!(desk.find(fantoccini::Locator::Css("#do-callback")).await.is_err(), "done: no form");
    assert!(desk.find(fantoccini::Locator::Css("#do-send-back")).await.is_err(), "not the reviewing union");
    shot(&desk, "callback-desktop-case", DESKTOP.0).await;

    let chair = driver.browser(PHONE).await;
    login(&chair, &app, "s1chair").await;
    chair.goto(&app.url("/reviews")).await.unwrap();
    assert!(text(&chair, "#callback-list").await.contains(&number));
    shot(&chair, "callback-phone-reviews", PHONE.0).await;
    chair.goto(&app.url(&format!("/cases/{number}"))).await.unwrap();
    fill(&chair, "#send-back-reason", "请重新核算加班费").await;
    submit(&chair, "#do-send-back").await;
    assert_eq!(text(&chair, "#case-status strong").await, "已受理");
    assert!(chair.find(fantoccini::Locator::Css("#callback")).await.is_err(), "open again: no call-back");
    shot(&chair, "callback-phone-sent-back", PHONE.0).await;

    let phone = driver.browser(PHONE).await;
    phone.goto(&app.url("/track")).await.unwrap();
    fill(&phone, "#number", &number).await;
    fill(&phone, "#code", &code).await;
    submit(&phone, "#lookup").await;
    let page = phone.source().await.unwrap();
    assert!(page.contains("已回访") && page.contains("发回重办"), "the worker reads both steps");
    assert!(!page.contains("请重新核算加班费") && !page.contains("加班费计算有误"), "never the reasons");
    shot(&phone, "callback-phone-track", PHONE.0).await;
}
