//! Staff see and act only within their union's subtree; anonymous workers' contacts stay
//! hidden from their own enterprise's staff.

use crate::harness::{assert_error, Backend, TestApp};
use reqwest::StatusCode;
use serde_json::json;

async fn raise(app: &TestApp, union: &str, anonymous: bool) -> String {
    let v = app
        .anonymous()
        .ok(
            "/api/v1/public/cases",
            json!({"union":union,"kind":"claim","description":format!("{union} 的诉求"),"anonymous":anonymous,
                   "worker_name":"王五","contact":"13900000000"}),
            StatusCode::CREATED,
        )
        .await;
    v["number"].as_str().unwrap().to_owned()
}

async fn subtree_scoping(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let e1 = raise(&app, "jd.s1.e1", false).await;
    let e2 = raise(&app, "jd.s1.e2", false).await;
    let f1 = raise(&app, "jd.s2.e1", false).await;

    let e1r = app.login("e1reception").await;
    assert_eq!(e1r.get(&format!("/api/v1/cases/{e1}")).await.0, StatusCode::OK);
    // Another enterprise's case does not exist for them: by URL, by action, in lists.
    assert_error(&e1r.get(&format!("/api/v1/cases/{e2}")).await, StatusCode::NOT_FOUND, "not_found", None);
    assert_error(
        &e1r.post(&format!("/api/v1/cases/{e2}/accept"), json!({})).await,
        StatusCode::NOT_FOUND,
        "not_found",
        None,
    );
    assert_error(
        &e1r.post(&format!("/api/v1/cases/{e2}/notes"), json!({"text":"x"})).await,
        StatusCode::NOT_FOUND,
        "not_found",
        None,
    );
    let (_, list) = e1r.get("/api/v1/cases").await;
    assert_eq!(list["total"], 1);
    assert_eq!(list["cases"][0]["number"], e1.as_str());
    let (_, list) = e1r.get(&format!("/api/v1/cases?q={e2}")).await;
    assert_eq!(list["total"], 0);
    assert_error(&e1r.get("/api/v1/cases?union=jd.s1.e2").await, StatusCode::NOT_FOUND, "not_found", None);
    // Registering a case for another union is refused the same way.
    assert_error(
        &e1r.post("/api/v1/cases", json!({"union":"jd.s1.e2","kind":"claim","channel":"hotline","description":"x"}))
            .await,
        StatusCode::NOT_FOUND,
        "not_found",
        None,
    );

    // The street union sees its two enterprises, not the other street's.
    let s1 = app.login("s1chair").await;
    let (_, list) = s1.get("/api/v1/cases").await;
    assert_eq!(list["total"], 2);
    assert_error(&s1.get(&format!("/api/v1/cases/{f1}")).await, StatusCode::NOT_FOUND, "not_found", None);
    let (_, list) = s1.get("/api/v1/cases?union=jd.s1.e2").await;
    assert_eq!(list["total"], 1);
    let (_, unions) = s1.get("/api/v1/unions").await;
    let codes: Vec<&str> = unions.as_array().unwrap().iter().map(|u| u["code"].as_str().unwrap()).collect();
    assert_eq!(codes, ["jd.s1", "jd.s1.e1", "jd.s1.e2"]);

    // The district sees everything.
    let admin = app.login("admin").await;
    let (_, list) = admin.get("/api/v1/cases").await;
    assert_eq!(list["total"], 3);

    // Figures only within the subtree.
    let e1c = app.login("e1chair").await;
    assert_error(
        &e1c.get("/api/v1/stats?union=jd&from=2026-01-01&to=2026-12-31").await,
        StatusCode::NOT_FOUND,
        "not_found",
        None,
    );
    assert_eq!(e1c.get("/api/v1/stats?union=jd.s1.e1&from=2026-01-01&to=2026-12-31").await.0, StatusCode::OK);
    // A worker gets no figures.
    let w = app.login("worker1").await;
    assert_error(
        &w.get("/api/v1/stats?union=jd.s1.e1&from=2026-01-01&to=2026-12-31").await,
        StatusCode::FORBIDDEN,
        "forbidden",
        None,
    );
    assert_error(&app.anonymous().get("/api/v1/cases").await, StatusCode::UNAUTHORIZED, "unauthorized", None);

    // Accounts: a chair manages only their subtree and never makes an administrator.
    let (s, b) = e1c
        .post("/api/v1/users", json!({"username":"new1","name":"新人","union":"jd.s1.e2","role":"receptionist"}))
        .await;
    assert_eq!(s, StatusCode::NOT_FOUND, "{b}");
    assert_error(
        &e1c.post("/api/v1/users", json!({"username":"new1","name":"新人","union":"jd.s1.e1","role":"admin"})).await,
        StatusCode::FORBIDDEN,
        "forbidden",
        None,
    );
    let created = e1c
        .ok(
            "/api/v1/users",
            json!({"username":"new1","name":"新人","union":"jd.s1.e1","role":"receptionist"}),
            StatusCode::CREATED,
        )
        .await;
    assert_eq!(created["password"].as_str().unwrap().len(), 16);
    assert_error(
        &e1c.post("/api/v1/users", json!({"username":"new1","name":"重复","union":"jd.s1.e1","role":"receptionist"}))
            .await,
        StatusCode::CONFLICT,
        "conflict",
        None,
    );
    assert_error(
        &e1r.post("/api/v1/users", json!({"username":"new2","name":"x","union":"jd.s1.e1","role":"receptionist"}))
            .await,
        StatusCode::FORBIDDEN,
        "forbidden",
        None,
    );
    assert_error(
        &e1c.patch("/api/v1/users/f1reception", json!({"active":false})).await,
        StatusCode::NOT_FOUND,
        "not_found",
        None,
    );
    // Unions are added only below one's own.
    assert_error(
        &e1c.post("/api/v1/unions", json!({"code":"jd.s2.e9","name":"新厂工会","parent":"jd.s2"})).await,
        StatusCode::NOT_FOUND,
        "not_found",
        None,
    );
    let v = s1
        .ok(
            "/api/v1/unions",
            json!({"code":"jd.s1.e9","name":"新厂工会","parent":"jd.s1","studio_opened_on":"2026-05-01"}),
            StatusCode::CREATED,
        )
        .await;
    assert_eq!(v["depth"], 2);
    assert_error(
        &s1.post("/api/v1/unions", json!({"code":"jd.s1.e9","name":"重复","parent":"jd.s1"})).await,
        StatusCode::CONFLICT,
        "conflict",
        None,
    );
}
both!(subtree_scoping);

async fn anonymous_contact_hidden_from_own_enterprise(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let anon = raise(&app, "jd.s2.e1", true).await;
    let named = raise(&app, "jd.s2.e1", false).await;
    let f1 = app.login("f1reception").await;
    let (_, v) = f1.get(&format!("/api/v1/cases/{anon}")).await;
    assert_eq!(v["contact"], serde_json::Value::Null);
    assert_eq!(v["worker_name"], serde_json::Value::Null);
    assert_eq!(v["contact_hidden"], true);
    let (_, list) = f1.get("/api/v1/cases").await;
    assert!(
        !list.to_string().contains("13900000000")
            || list["cases"].as_array().unwrap().iter().all(|c| c["anonymous"] == false || c["contact"].is_null())
    );
    let (_, v) = f1.get(&format!("/api/v1/cases/{named}")).await;
    assert_eq!(v["contact"], "13900000000");
    // The district, above the enterprise, can reach the worker.
    let admin = app.login("admin").await;
    let (_, v) = admin.get(&format!("/api/v1/cases/{anon}")).await;
    assert_eq!(v["contact"], "13900000000");
    assert_eq!(v["worker_name"], "王五");
}
both!(anonymous_contact_hidden_from_own_enterprise);

async fn studio_bulletins_and_roles_over_the_api(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let chair = app.login("e1chair").await;
    let reception = app.login("e1reception").await;
    let b = chair
        .ok("/api/v1/unions/jd.s1.e1/bulletins", json!({"title":"接待日","body":"每周三下午"}), StatusCode::CREATED)
        .await;
    assert_eq!(b["posted_by"], "e1chair");
    assert_error(
        &reception.post("/api/v1/unions/jd.s1.e1/bulletins", json!({"title":"x","body":"y"})).await,
        StatusCode::FORBIDDEN,
        "forbidden",
        None,
    );
    assert_error(
        &chair.post("/api/v1/unions/jd.s1.e1/bulletins", json!({"title":" ","body":"y"})).await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "invalid",
        Some("title"),
    );
    assert_error(
        &chair.post("/api/v1/unions/jd.s1.e2/bulletins", json!({"title":"x","body":"y"})).await,
        StatusCode::NOT_FOUND,
        "not_found",
        None,
    );
    let (s, list) = app.anonymous().get("/api/v1/public/unions/jd.s1.e1/bulletins").await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(list.as_array().unwrap().len(), 1);

    let put = chair
        .http
        .put(app.url("/api/v1/unions/jd.s1.e1/studio/hotline"))
        .json(&json!({"done":true,"note":"0579-12351"}))
        .send()
        .await
        .unwrap();
    assert_eq!(put.status(), StatusCode::NO_CONTENT);
    let put = reception
        .http
        .put(app.url("/api/v1/unions/jd.s1.e1/studio/hotline"))
        .json(&json!({"done":false}))
        .send()
        .await
        .unwrap();
    assert_eq!(put.status(), StatusCode::FORBIDDEN);
    let (_, items) = reception.get("/api/v1/unions/jd.s1.e1/studio").await;
    let items = items.as_array().unwrap();
    assert_eq!(items.len(), 8);
    let hotline = items.iter().find(|i| i["item"] == "hotline").unwrap();
    assert_eq!((hotline["done"].clone(), hotline["note"].clone()), (json!(true), json!("0579-12351")));

    let (s, v) = chair.patch("/api/v1/users/e1handler", json!({"role":"receptionist"})).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(v["role"], "receptionist");
    assert_error(
        &chair.patch("/api/v1/users/e1handler", json!({"role":"admin","active":false})).await,
        StatusCode::FORBIDDEN,
        "forbidden",
        None,
    );
    let (_, v) = chair.get("/api/v1/users").await;
    let h = v.as_array().unwrap().iter().find(|u| u["username"] == "e1handler").unwrap().clone();
    assert_eq!(
        (h["role"].clone(), h["active"].clone()),
        (json!("receptionist"), json!(true)),
        "a refused change wrote nothing"
    );

    // The bulletin board and the checklist travel in the export and come back once.
    let text = crate::harness::export_text(app.store.as_ref()).await;
    assert!(text.contains("\"type\":\"bulletin\"") && text.contains("\"type\":\"studio_item\""));
    crate::harness::import_text(app.store.as_ref(), &text).await.unwrap();
    assert_eq!(crate::harness::export_text(app.store.as_ref()).await, text);
}
both!(studio_bulletins_and_roles_over_the_api);

/// 一月一评 / 年度测评: one vote per voter, union and round, counted in the dashboard.
async fn workers_rate_their_union(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let w = app.anonymous();
    let vote =
        |voter: &str, round: &str, score: i64| json!({"round": round, "score": score, "voter": voter, "comment": "好"});
    let url = "/api/v1/public/unions/jd.s1.e1/votes";
    // The votes are cast between these two instants, so their China days lie in [from, to]
    // whatever the clock says when the test runs (a day may end in between).
    // A round is a China month: the votes below must fall in one.
    crate::harness::clear_of_month_end().await;
    let before = youyue_domain::Timestamp::now();
    assert_eq!(w.ok(url, vote("voter-aaaaaaaaaaaaaaaa", "monthly", 5), StatusCode::OK).await["counted"], true);
    assert_eq!(
        w.ok(url, vote("voter-aaaaaaaaaaaaaaaa", "monthly", 1), StatusCode::OK).await["counted"],
        false,
        "the first vote stands"
    );
    assert_eq!(w.ok(url, vote("voter-aaaaaaaaaaaaaaaa", "yearly", 4), StatusCode::OK).await["counted"], true);
    assert_eq!(w.ok(url, vote("voter-bbbbbbbbbbbbbbbb", "monthly", 2), StatusCode::OK).await["counted"], true);
    assert_error(
        &w.post(url, vote("voter-cccccccccccccccc", "monthly", 6)).await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "invalid",
        Some("score"),
    );
    assert_error(
        &w.post(url, vote("short", "monthly", 5)).await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "invalid",
        Some("voter"),
    );
    assert_error(
        &w.post("/api/v1/public/unions/jd.nowhere/votes", vote("voter-aaaaaaaaaaaaaaaa", "monthly", 5)).await,
        StatusCode::NOT_FOUND,
        "not_found",
        None,
    );
    let (from, to) = (before.cst_date(), youyue_domain::Timestamp::now().cst_date());
    let admin = app.login("admin").await;
    let (_, d) = admin.get(&format!("/api/v1/dashboard?union=jd&from={from}&to={to}")).await;
    assert_eq!(
        (d["monthly_votes"]["votes"].as_u64(), d["monthly_votes"]["satisfied"].as_u64()),
        (Some(2), Some(1)),
        "{d}"
    );
    assert_eq!(d["monthly_votes"]["mean"], 3.5);
    assert_eq!(d["yearly_votes"]["votes"], 1);
    // The dashboard's card links to the votes behind it.
    let page = |who: &crate::harness::Client, path: String| {
        let req = who.http.get(app.url(&path));
        async move {
            let r = req.send().await.unwrap();
            (r.status(), r.text().await.unwrap())
        }
    };
    let (_, dash) = page(&admin, format!("/dashboard?union=jd&preset=custom&from={from}&to={to}")).await;
    let link = format!("/dashboard/votes?union=jd&#38;preset=custom&#38;from={from}&#38;to={to}&#38;round=monthly");
    assert!(dash.contains(&link), "{dash}");
    let (s, list) = page(&admin, link.replace("&#38;", "&")).await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(list.matches("class=\"vote\"").count(), 2, "{list}");
    assert!(list.contains("好") && !list.contains("voter-"));
    let (s, _) = page(&admin, "/dashboard/votes?union=jd&preset=month&round=weekly".to_string()).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    let chair = app.login("e1chair").await;
    let (s, _) = page(&chair, "/dashboard/votes?union=jd&preset=month&round=monthly".to_string()).await;
    assert_eq!(s, StatusCode::NOT_FOUND, "the district is outside an enterprise chair's subtree");
    // Another street's figures do not include them.
    let (_, d) = admin.get(&format!("/api/v1/dashboard?union=jd.s2&from={from}&to={to}")).await;
    assert_eq!(d["monthly_votes"]["votes"], 0);
    // Votes travel in the export, once.
    let text = crate::harness::export_text(app.store.as_ref()).await;
    assert_eq!(text.lines().filter(|l| l.contains("\"type\":\"union_vote\"")).count(), 3);
    assert!(!text.contains("voter-aaaa"), "only the token's hash is stored");
    crate::harness::import_text(app.store.as_ref(), &text).await.unwrap();
    assert_eq!(crate::harness::export_text(app.store.as_ref()).await, text);
}
both!(workers_rate_their_union);
