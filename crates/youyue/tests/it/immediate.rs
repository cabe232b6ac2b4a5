//! 及时约办 (issue 20): a case marked immediate is due the same working day when accepted,
//! and its page offers the people on duty for its union now (the roster's shifts).

use crate::appointments::put_duty;
use crate::harness::{cst_date, Backend, TestApp};
use chrono::{Datelike, Weekday};
use reqwest::StatusCode;
use serde_json::json;

async fn an_immediate_case_is_due_today_and_names_who_is_on_duty(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let chair = app.login("e1chair").await;
    let body = json!({"union":"jd.s1.e1","kind":"dispute","channel":"reception","immediate":true,
        "description":"工伤：手掌受伤，今天就要调解"});
    let v = chair.ok("/api/v1/cases", body, StatusCode::CREATED).await;
    let number = v["number"].as_str().unwrap().to_owned();
    let page = |n: String| {
        let chair = &chair;
        async move { chair.http.get(format!("{}/cases/{n}", chair.base)).send().await.unwrap().text().await.unwrap() }
    };
    // Without a roster nobody is on duty, and the page says so.
    let html = page(number.clone()).await;
    assert!(html.contains("id=\"nobody-on-duty\""), "{html}");
    put_duty(&app).await;
    let html = page(number.clone()).await;
    assert!(html.contains("id=\"on-duty\""), "{html}");
    assert!(html.contains("mediator 同志") && html.contains("区总工会调解室"), "{html}");
    assert!(html.contains("e1handler 同志"), "{html}");
    // Accepted: due the same working day (a weekend's case the Monday after: no calendar
    // is set in this district).
    let v = chair.ok(&format!("/api/v1/cases/{number}/accept"), json!({}), StatusCode::OK).await;
    let accepted = cst_date(&v["accepted_at"]);
    let want = match accepted.weekday() {
        Weekday::Sat => accepted + chrono::Duration::days(2),
        Weekday::Sun => accepted + chrono::Duration::days(1),
        _ => accepted,
    };
    assert_eq!(v["due_on"], want.to_string(), "{v}");
    // A case not marked immediate shows no duty list.
    let other = json!({"union":"jd.s1.e1","kind":"dispute","channel":"reception","description":"预约调解"});
    let n = chair.ok("/api/v1/cases", other, StatusCode::CREATED).await["number"].as_str().unwrap().to_owned();
    assert!(!page(n).await.contains("id=\"on-duty\""));
}
both!(an_immediate_case_is_due_today_and_names_who_is_on_duty);
