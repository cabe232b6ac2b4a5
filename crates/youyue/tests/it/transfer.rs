//! 派单/改派 (transfer) and 退单 (return) over the API and the pages: who may move a case
//! where, the old union's access ending at once, what the new union and the worker read,
//! the refusals, and a case returned twice flagged.

use crate::harness::{assert_error, Backend, TestApp};
use reqwest::StatusCode;
use serde_json::json;

async fn transfer_and_return(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let worker = app.anonymous();
    let raised = worker
        .ok(
            "/api/v1/public/cases",
            json!({"union":"jd.s1.e1","kind":"claim","description":"五金公司拖欠工资","worker_name":"王","contact":"1"}),
            StatusCode::CREATED,
        )
        .await;
    let number = raised["number"].as_str().unwrap().to_owned();
    let code = raised["tracking_code"].as_str().unwrap().to_owned();
    let case = format!("/api/v1/cases/{number}");
    let page = format!("/cases/{number}");
    let (e1, e2, s1, handler) = (
        app.login("e1reception").await,
        app.login("e2reception").await,
        app.login("s1chair").await,
        app.login("e1handler").await,
    );
    e1.ok(&format!("{case}/accept"), json!({"urgency":"normal"}), StatusCode::OK).await;
    let transfer = format!("{case}/transfer");
    let give_back = format!("{case}/return");
    let body = |union: &str, reason: &str| json!({"union": union, "reason": reason});

    // An enterprise reaches only below itself: its sibling is as unknown as a made-up code.
    let sibling = e1.post(&transfer, body("jd.s1.e2", "不属本企业")).await;
    assert_error(&sibling, StatusCode::UNPROCESSABLE_ENTITY, "invalid", Some("union"));
    assert_error(
        &e1.post(&transfer, body("jd.s9", "x")).await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "invalid",
        Some("union"),
    );
    assert_error(
        &e1.post(&transfer, body("no such", "x")).await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "invalid",
        Some("union"),
    );
    // A handler may not; the reason is needed; not to the case's own union.
    assert_error(&handler.post(&transfer, body("jd.s1.e1", "x")).await, StatusCode::FORBIDDEN, "forbidden", None);
    assert_error(
        &s1.post(&transfer, body("jd.s1.e2", " ")).await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "invalid",
        Some("reason"),
    );
    assert_error(
        &s1.post(&transfer, body("jd.s1.e1", "x")).await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "invalid",
        Some("union"),
    );
    // Nothing of a refusal was written.
    let (_, v) = e1.get(&case).await;
    assert_eq!((v["status"].as_str(), v["union"].as_str()), (Some("accepted"), Some("jd.s1.e1")), "{v}");

    // The street moves it between its enterprises (their common ancestor): it starts again.
    let v = s1.ok(&transfer, body("jd.s1.e2", "欠薪企业是五金公司"), StatusCode::OK).await;
    assert_eq!(v["union"], "jd.s1.e2", "{v}");
    assert_eq!(v["status"], "registered");
    assert!(v["due_on"].is_null() && v["handler"].is_null() && v["accepted_at"].is_null(), "{v}");
    // The old union's staff lose it at once, on the API and the pages.
    assert_eq!(e1.get(&case).await.0, StatusCode::NOT_FOUND);
    assert_eq!(e1.get(&page).await.0, StatusCode::NOT_FOUND);
    assert_eq!(handler.get(&case).await.0, StatusCode::NOT_FOUND);
    // The new union's staff see it, who sent it from where and why.
    let (status, html) = e2.get(&page).await;
    assert_eq!(status, StatusCode::OK);
    let html = html.as_str().unwrap().to_owned();
    assert!(html.contains("id=\"moved-from\"") && html.contains("纸箱厂工会：欠薪企业是五金公司"), "{html}");
    assert!(html.contains("id=\"do-return\""), "a received case can be returned");
    let (_, listed) = e2.get("/api/v1/cases").await;
    assert!(listed.to_string().contains(&number), "{listed}");
    // The worker reads where it went, never why.
    let (status, tracked) = worker.post(&format!("/api/v1/public/cases/{number}/lookup"), json!({"code": code})).await;
    assert_eq!(status, StatusCode::OK);
    let t = tracked.to_string();
    assert!(t.contains("转至五金公司工会办理"), "{t}");
    assert!(!t.contains("欠薪企业是五金公司"), "{t}");

    // 退单: only by the union it was sent to, back to the union that sent it.
    assert_error(&s1.post(&give_back, json!({"reason":"x"})).await, StatusCode::FORBIDDEN, "forbidden", None);
    assert_error(
        &e2.post(&give_back, json!({"reason":""})).await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "invalid",
        Some("reason"),
    );
    let v = e2.ok(&give_back, json!({"reason":"本公司无此职工"}), StatusCode::OK).await;
    assert_eq!(v["union"], "jd.s1.e1");
    assert_eq!(e2.get(&case).await.0, StatusCode::NOT_FOUND);
    assert_eq!(e1.get(&case).await.0, StatusCode::OK);
    // Not transferred here (its last move was a return): nothing to return.
    assert_error(&e1.post(&give_back, json!({"reason":"x"})).await, StatusCode::CONFLICT, "conflict", None);

    // Sent again and returned again: flagged to the district.
    s1.ok(&transfer, body("jd.s1.e2", "再次核实为五金公司"), StatusCode::OK).await;
    e2.ok(&give_back, json!({"reason":"仍非本公司"}), StatusCode::OK).await;
    let (_, html) = s1.get(&page).await;
    assert!(html.as_str().unwrap().contains("id=\"returned-twice\""), "{html}");

    // Accepted at the new union: no longer returned; closed: no longer moved.
    s1.ok(&transfer, body("jd.s1.e2", "第三次"), StatusCode::OK).await;
    e2.ok(&format!("{case}/accept"), json!({"urgency":"normal"}), StatusCode::OK).await;
    assert_error(&e2.post(&give_back, json!({"reason":"x"})).await, StatusCode::CONFLICT, "conflict", None);
    e2.ok(&format!("{case}/explain"), json!({"explanation":"已告知"}), StatusCode::OK).await;
    assert_error(&s1.post(&transfer, body("jd.s1.e1", "x")).await, StatusCode::CONFLICT, "conflict", None);

    // The record book tells every move; its chain and replay hold.
    let (_, book) = s1.get(&format!("{case}/record")).await;
    let actions: Vec<&str> =
        book.as_array().or(book["entries"].as_array()).unwrap().iter().filter_map(|e| e["action"].as_str()).collect();
    assert_eq!(actions.iter().filter(|a| **a == "transfer").count(), 3, "{actions:?}");
    assert_eq!(actions.iter().filter(|a| **a == "return").count(), 2, "{actions:?}");
    let report = app.store.verify_chains().await.unwrap();
    assert_eq!(report.problems, vec![], "{report:?}");
}
both!(transfer_and_return);

/// The district dispatches a case it received (a hotline call) to an enterprise of any
/// street through the page form; the enterprise's staff may not send it sideways.
async fn the_district_dispatches_on_the_page(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let admin = app.login("admin").await;
    let v = admin
        .ok(
            "/api/v1/cases",
            json!({"union":"jd","kind":"claim","channel":"hotline","description":"食品公司加班费","worker_name":"李","contact":"2"}),
            StatusCode::CREATED,
        )
        .await;
    let number = v["number"].as_str().unwrap().to_owned();
    let (_, html) = admin.get(&format!("/cases/{number}")).await;
    let html = html.as_str().unwrap();
    assert!(html.contains("id=\"do-transfer\""), "the district may dispatch");
    let csrf = html.split("name=\"csrf\" value=\"").nth(1).unwrap().split('"').next().unwrap().to_owned();
    let form = [("csrf", csrf.as_str()), ("union", "jd.s2.e1"), ("reason", "热线来电，属食品公司")];
    let r = admin.http.post(format!("{}/cases/{number}/transfer", admin.base)).form(&form).send().await.unwrap();
    assert!(r.status().is_success() || r.status().is_redirection(), "{}", r.status());
    let f1 = app.login("f1reception").await;
    let (status, v) = f1.get(&format!("/api/v1/cases/{number}")).await;
    assert_eq!(status, StatusCode::OK, "{v}");
    assert_eq!(v["union"], "jd.s2.e1");
    // The district still sees it (it is within its subtree).
    assert_eq!(admin.get(&format!("/api/v1/cases/{number}")).await.0, StatusCode::OK);
}
both!(the_district_dispatches_on_the_page);
