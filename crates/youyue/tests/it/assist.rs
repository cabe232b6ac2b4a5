//! 协办 (joint handling, issue 22) over the API and the pages: who may ask whom, what the
//! assisting party may do (read and add notes; 403 for the rest; 404 for everyone else),
//! how an assistance ends (by hand, by closing, by a transfer), the inbox's filters
//! (`assisting`, `returned_twice`) and the exchange round trip.

use crate::harness::{assert_error, export_text, import_text, Backend, TestApp};
use reqwest::StatusCode;
use serde_json::json;

async fn raise(app: &TestApp, union: &str, what: &str) -> String {
    let v = app
        .anonymous()
        .ok(
            "/api/v1/public/cases",
            json!({"union":union,"kind":"claim","description":what,"worker_name":"王","contact":"13900000000"}),
            StatusCode::CREATED,
        )
        .await;
    v["number"].as_str().unwrap().to_owned()
}

fn listed(v: &serde_json::Value, number: &str) -> bool {
    v["cases"].as_array().unwrap().iter().any(|c| c["number"] == number)
}

async fn assistance(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let number = raise(&app, "jd.s1.e1", "纸箱厂拖欠加班费").await;
    let case = format!("/api/v1/cases/{number}");
    let (e1r, e1h, e1c) = (app.login("e1reception").await, app.login("e1handler").await, app.login("e1chair").await);
    let (e2h, e2r, f1) = (app.login("e2handler").await, app.login("e2reception").await, app.login("f1reception").await);
    e1r.ok(&format!("{case}/accept"), json!({"urgency":"normal"}), StatusCode::OK).await;
    e1r.ok(&format!("{case}/assign"), json!({"handler":"e1handler"}), StatusCode::OK).await;
    let ask = format!("{case}/assist");
    let end = format!("{case}/assist/end");

    // Who may ask: the assigned handler, a chair, an administrator; not a receptionist.
    let body = json!({"union":"jd.s1.e2","user":"e2handler","note":"请协助核实五金公司考勤"});
    assert_error(&e1r.post(&ask, body.clone()).await, StatusCode::FORBIDDEN, "forbidden", None);
    // Whom: a union of the district that does not see the case already; a specialist of
    // exactly that union.
    for (union, user, field) in [
        ("jd.s1", None, "union"),
        ("jd", None, "union"),
        ("jd.s1.e1", None, "union"),
        ("nowhere", None, "union"),
        ("jd.s1.e2", Some("e1handler"), "user"),
        ("jd.s1.e2", Some("nobody"), "user"),
    ] {
        let r = e1h.post(&ask, json!({"union":union,"user":user,"note":"x"})).await;
        assert_error(&r, StatusCode::UNPROCESSABLE_ENTITY, "invalid", Some(field));
    }
    // Nothing of a refusal was written.
    let (_, book) = e1c.get(&format!("{case}/record")).await;
    assert!(!book.to_string().contains("\"assist\""), "{book}");

    let v = e1h.ok(&ask, body.clone(), StatusCode::OK).await;
    assert_eq!(v["status"], "in_progress", "{v}");
    assert_error(&e1c.post(&ask, body.clone()).await, StatusCode::CONFLICT, "conflict", None);

    // The specialist reads the case (the worker's contact masked) and its record book.
    let (s, v) = e2h.get(&case).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert!(v["contact"].is_null() && v["worker_name"].is_null(), "{v}");
    assert_eq!(v["actions"], json!(["note"]), "{v}");
    assert_eq!(e2h.get(&format!("{case}/record")).await.0, StatusCode::OK);
    let (_, assists) = e2h.get(&ask).await;
    assert_eq!(assists[0]["union"], "jd.s1.e2", "{assists}");
    assert_eq!(assists[0]["user"], "e2handler");
    assert_eq!(assists[0]["open"], true);
    // …adds a note…
    let v = e2h.ok(&format!("{case}/notes"), json!({"text":"已核实考勤记录","internal":true}), StatusCode::OK).await;
    assert!(v.to_string().contains("已核实考勤记录"), "{v}");
    // …and nothing else: 403, for they can see it.
    for (path, b) in [
        ("accept", json!({"urgency":"normal"})),
        ("assign", json!({"handler":"e2handler"})),
        ("resolve", json!({"resolution":"x"})),
        ("explain", json!({"explanation":"x"})),
        ("transfer", json!({"union":"jd.s1.e2","reason":"x"})),
        ("reopen", json!({"reason":"x"})),
        ("assist", json!({"union":"jd.s2.e1","note":"x"})),
        ("assist/end", json!({"union":"jd.s1.e2"})),
    ] {
        let r = e2h.post(&format!("{case}/{path}"), b).await;
        assert_eq!(r.0, StatusCode::FORBIDDEN, "{path}: {}", r.1);
    }
    assert_eq!(e2h.get(&format!("{case}/reads")).await.0, StatusCode::FORBIDDEN);
    assert_eq!(e2h.get(&format!("{case}/agreement")).await.0, StatusCode::FORBIDDEN);
    // The page: readable, who assists, a note form and no other action.
    let (s, html) = e2h.get(&format!("/cases/{number}")).await;
    let html = html.as_str().unwrap().to_owned();
    assert_eq!(s, StatusCode::OK, "{html}");
    assert!(html.contains("id=\"assisting\"") && html.contains("五金公司工会"), "{html}");
    assert!(!html.contains("id=\"do-accept\"") && !html.contains("id=\"do-transfer\""), "{html}");
    // Its union's other staff (the specialist alone was asked) and unrelated unions: 404.
    for c in [&e2r, &f1] {
        assert_eq!(c.get(&case).await.0, StatusCode::NOT_FOUND);
        assert_eq!(c.get(&format!("/cases/{number}")).await.0, StatusCode::NOT_FOUND);
        let r = c.post(&format!("{case}/notes"), json!({"text":"x"})).await;
        assert_eq!(r.0, StatusCode::NOT_FOUND, "{}", r.1);
    }
    // The inbox filter.
    let (_, mine) = e2h.get("/api/v1/cases?assisting=true").await;
    assert!(listed(&mine, &number), "{mine}");
    let (_, theirs) = e2r.get("/api/v1/cases?assisting=true").await;
    assert!(!listed(&theirs, &number), "{theirs}");
    let (_, own) = e2h.get("/api/v1/cases").await;
    assert!(!listed(&own, &number), "the subtree list is unchanged: {own}");
    let (_, page) = e2h.get("/inbox?assisting=1&tab=all").await;
    assert!(page.as_str().unwrap().contains(&number));

    // Ended by hand: the specialist loses it at once; ending again is a conflict.
    e1h.ok(&end, json!({"union":"jd.s1.e2"}), StatusCode::OK).await;
    assert_eq!(e2h.get(&case).await.0, StatusCode::NOT_FOUND);
    assert_error(&e1h.post(&end, json!({"union":"jd.s1.e2"})).await, StatusCode::CONFLICT, "conflict", None);

    // A whole union: every one of its staff; ended when the case closes.
    e1c.ok(&ask, json!({"union":"jd.s2.e1","note":"食品公司曾处理类似案件"}), StatusCode::OK).await;
    assert_eq!(f1.get(&case).await.0, StatusCode::OK);
    f1.ok(&format!("{case}/notes"), json!({"text":"可参照去年调解方案"}), StatusCode::OK).await;
    e1h.ok(&format!("{case}/explain"), json!({"explanation":"已答复"}), StatusCode::OK).await;
    assert_eq!(f1.get(&case).await.0, StatusCode::NOT_FOUND);
    // Closed: no new assistance.
    assert_error(&e1c.post(&ask, body.clone()).await, StatusCode::CONFLICT, "conflict", None);
    let (_, assists) = e1c.get(&ask).await;
    let ended: Vec<_> = assists.as_array().unwrap().iter().map(|a| a["ended_by"].clone()).collect();
    assert_eq!(ended, vec![json!("e1handler"), json!("system")], "{assists}");
    // The record book says it, internally; the worker reads none of it; the chain holds.
    let (_, book) = e1c.get(&format!("{case}/record")).await;
    let actions: Vec<&str> = book.as_array().unwrap().iter().filter_map(|e| e["action"].as_str()).collect();
    assert_eq!(actions.iter().filter(|a| **a == "assist").count(), 2, "{actions:?}");
    assert_eq!(actions.iter().filter(|a| **a == "end_assist").count(), 1, "{actions:?}");
    let report = app.store.verify_chains().await.unwrap();
    assert_eq!(report.problems, vec![], "{report:?}");

    // A transfer ends it too.
    let other = raise(&app, "jd.s1.e1", "纸箱厂社保").await;
    let oc = format!("/api/v1/cases/{other}");
    e1c.ok(&format!("{oc}/assist"), json!({"union":"jd.s2.e1","note":""}), StatusCode::OK).await;
    assert_eq!(f1.get(&oc).await.0, StatusCode::OK);
    let s1 = app.login("s1chair").await;
    s1.ok(&format!("{oc}/transfer"), json!({"union":"jd.s1.e2","reason":"属五金公司"}), StatusCode::OK).await;
    assert_eq!(f1.get(&oc).await.0, StatusCode::NOT_FOUND);

    // Round trip: the assistances are exported and read back, once.
    let exported = export_text(app.store.as_ref()).await;
    let lines = |text: &str| -> Vec<String> {
        text.lines().filter(|l| l.contains("\"type\":\"assist\"")).map(str::to_owned).collect()
    };
    assert_eq!(lines(&exported).len(), 3, "{exported}");
    let fresh = TestApp::empty(backend).await;
    let sum = import_text(fresh.store.as_ref(), &exported).await.unwrap();
    assert_eq!(sum.assists_added, 3, "{sum:?}");
    assert_eq!(lines(&export_text(fresh.store.as_ref()).await), lines(&exported));
    let again = import_text(fresh.store.as_ref(), &exported).await.unwrap();
    assert_eq!(again.assists_added, 0, "{again:?}");
}
both!(assistance);

/// A wellbeing case is assisted only by a named specialist, who then reads it (logged).
async fn wellbeing_needs_a_specialist(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let admin = app.login("admin").await;
    let v = admin
        .ok(
            "/api/v1/cases",
            json!({"union":"jd.s1.e1","kind":"wellbeing","channel":"hotline","description":"压力很大","worker_name":"赵","contact":"3"}),
            StatusCode::CREATED,
        )
        .await;
    let case = format!("/api/v1/cases/{}", v["number"].as_str().unwrap());
    let e1c = app.login("e1chair").await;
    let r = e1c.post(&format!("{case}/assist"), json!({"union":"jd.s1.e2","note":"请心理咨询师协助"})).await;
    assert_error(&r, StatusCode::UNPROCESSABLE_ENTITY, "invalid", Some("user"));
    // Only a counsellor (心理咨询师) of that union, not whoever works there.
    let r = e1c.post(&format!("{case}/assist"), json!({"union":"jd.s1.e2","user":"e2handler","note":"x"})).await;
    assert_error(&r, StatusCode::UNPROCESSABLE_ENTITY, "invalid", Some("user"));
    let made = admin.patch("/api/v1/users/e2handler", json!({"specialties":["counsellor"]})).await;
    assert_eq!(made.0, StatusCode::OK, "{made:?}");
    e1c.ok(&format!("{case}/assist"), json!({"union":"jd.s1.e2","user":"e2handler","note":"x"}), StatusCode::OK).await;
    assert_eq!(app.login("e2handler").await.get(&case).await.0, StatusCode::OK);
    assert_eq!(app.login("e2reception").await.get(&case).await.0, StatusCode::NOT_FOUND);
    let (_, reads) = e1c.get(&format!("{case}/reads")).await;
    assert!(reads.to_string().contains("e2handler"), "{reads}");
}
both!(wellbeing_needs_a_specialist);

/// 退单 twice: the district's filter lists the case, and only such cases.
async fn returned_twice_filter(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let number = raise(&app, "jd.s1.e1", "退单两次").await;
    let calm = raise(&app, "jd.s1.e1", "未退单").await;
    let case = format!("/api/v1/cases/{number}");
    let (s1, e2, admin) = (app.login("s1chair").await, app.login("e2reception").await, app.login("admin").await);
    for reason in ["一", "二"] {
        s1.ok(&format!("{case}/transfer"), json!({"union":"jd.s1.e2","reason":reason}), StatusCode::OK).await;
        let (_, once) = admin.get("/api/v1/cases?returned_twice=true").await;
        assert!(!listed(&once, &number), "{once}");
        e2.ok(&format!("{case}/return"), json!({"reason":reason}), StatusCode::OK).await;
    }
    let (_, flagged) = admin.get("/api/v1/cases?returned_twice=true").await;
    assert!(listed(&flagged, &number) && !listed(&flagged, &calm), "{flagged}");
    assert_eq!(flagged["total"], 1, "{flagged}");
    let (_, page) = admin.get("/inbox?returned_twice=1&tab=all").await;
    let page = page.as_str().unwrap();
    assert!(page.contains(&number) && !page.contains(&calm), "{page}");
}
both!(returned_twice_filter);

/// In Chromium (SQLite; the rules are tested on both databases above): the street sends a
/// case to another enterprise through the case page (the old enterprise's staff get the
/// 404 page, the new one reads who sent it and why), the street chases it by hand, and
/// the new enterprise asks the other street's enterprise to assist, whose receptionist
/// adds a note. Screenshots under target/screenshots/assist-*.png.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn transfer_chase_and_assist_in_the_browser() {
    use crate::browser::{click, fill, login, shot, submit, text, Driver, DESKTOP, PHONE};
    use fantoccini::Locator;
    let app = TestApp::spawn(Backend::Sqlite).await;
    let number = raise(&app, "jd.s1.e1", "五金公司拖欠三个月工资").await;
    let page = format!("/cases/{number}");
    let driver = Driver::start().await;
    let open = |c: &fantoccini::Client, button: &'static str| {
        let c = c.clone();
        async move { click(&c, &format!("details.action:has({button}) summary")).await }
    };

    // The street's chair transfers it from the carton factory to the hardware company.
    let street = driver.browser(DESKTOP).await;
    login(&street, &app, "s1chair").await;
    street.goto(&app.url(&page)).await.unwrap();
    open(&street, "#do-transfer").await;
    fill(&street, "#transfer-union", "jd.s1.e2").await;
    fill(&street, "#transfer-reason", "欠薪企业是五金公司").await;
    submit(&street, "#do-transfer").await;
    assert!(street.source().await.unwrap().contains("五金公司工会"), "the street still sees it");
    shot(&street, "assist-street-after-transfer", DESKTOP.0).await;

    // The carton factory's receptionist has lost it: the 404 page.
    let old = driver.browser(PHONE).await;
    login(&old, &app, "e1reception").await;
    old.goto(&app.url(&page)).await.unwrap();
    let html = old.source().await.unwrap();
    assert!(!html.contains("五金公司拖欠三个月工资"), "{html}");
    assert!(old.find(Locator::Css("#case-status")).await.is_err(), "no case page for the old union");
    shot(&old, "assist-old-union-404", PHONE.0).await;

    // The hardware company's receptionist reads who sent it and why, and accepts it.
    let new = driver.browser(PHONE).await;
    login(&new, &app, "e2reception").await;
    assert!(new.source().await.unwrap().contains(&number), "in the new union's inbox");
    new.goto(&app.url(&page)).await.unwrap();
    assert!(text(&new, "#moved-from").await.contains("纸箱厂工会：欠薪企业是五金公司"));
    shot(&new, "assist-new-union-moved-from", PHONE.0).await;
    open(&new, "#do-accept").await;
    submit(&new, "#do-accept").await;
    assert_eq!(text(&new, "#case-status strong").await, "已受理");

    // The street chases it by hand (催办).
    street.goto(&app.url(&page)).await.unwrap();
    open(&street, "#do-chase").await;
    fill(&street, "#chase-note", "请尽快联系职工").await;
    submit(&street, "#do-chase").await;
    assert!(text(&street, "#done").await.contains("已催办"));
    assert!(text(&street, "#record").await.contains("请尽快联系职工"), "the chase is in the record book");
    shot(&street, "assist-street-chased", DESKTOP.0).await;

    // The street's chair asks the food company (another street) to assist.
    let chair = street.clone();
    chair.goto(&app.url(&page)).await.unwrap();
    open(&chair, "#do-assist").await;
    fill(&chair, "#assist-union", "jd.s1").await;
    fill(&chair, "#assist-note", "请协助").await;
    submit(&chair, "#do-assist").await;
    shot(&chair, "assist-refused", DESKTOP.0).await;
    assert!(!text(&chair, "#assist-error").await.is_empty(), "a union above is refused, on the field");
    fill(&chair, "#assist-union", "jd.s2.e1").await;
    fill(&chair, "#assist-note", "食品公司曾调解类似欠薪").await;
    submit(&chair, "#do-assist").await;
    assert!(text(&chair, "#assist-list").await.contains("食品公司工会"));
    shot(&chair, "assist-asked", DESKTOP.0).await;

    // The food company's receptionist finds it under 协办, reads it and adds a note; no
    // other action is offered.
    let helper = driver.browser(PHONE).await;
    login(&helper, &app, "f1reception").await;
    helper.goto(&app.url("/inbox?assisting=1&tab=all")).await.unwrap();
    assert!(helper.source().await.unwrap().contains(&number), "the assisted case under 协办");
    shot(&helper, "assist-helper-inbox", PHONE.0).await;
    helper.goto(&app.url(&page)).await.unwrap();
    assert!(text(&helper, "#assisting").await.contains("协办"));
    for absent in ["#do-accept", "#do-assign", "#do-transfer", "#do-explain", "#do-assist"] {
        assert!(helper.find(Locator::Css(absent)).await.is_err(), "{absent} offered to the assisting party");
    }
    open(&helper, "#do-note").await;
    fill(&helper, "#note-text", "去年同类案件按三个月工资调解").await;
    submit(&helper, "#do-note").await;
    assert!(helper.source().await.unwrap().contains("去年同类案件按三个月工资调解"));
    shot(&helper, "assist-helper-noted", PHONE.0).await;

    // The chair ends it: the helper's page is gone.
    chair.goto(&app.url(&page)).await.unwrap();
    submit(&chair, "#end-assist-jd\\.s2\\.e1").await;
    helper.goto(&app.url(&page)).await.unwrap();
    assert!(helper.find(Locator::Css("#case-status")).await.is_err(), "assistance ended");
}
