//! Bad input gets a clear 4xx with a JSON body naming the field, never a 500, and writes
//! nothing.

use crate::harness::{assert_error, Backend, TestApp};
use reqwest::StatusCode;
use serde_json::json;

async fn bad_input_is_named(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let w = app.anonymous();
    let submit = "/api/v1/public/cases";
    let ok = json!({"union":"jd.s1.e1","kind":"claim","description":"加班费"});

    assert_error(
        &w.post_raw(submit, "text/plain", &ok.to_string()).await,
        StatusCode::BAD_REQUEST,
        "bad_request",
        None,
    );
    assert_error(
        &w.post_raw(submit, "application/json", "{\"union\":").await,
        StatusCode::BAD_REQUEST,
        "bad_request",
        None,
    );
    let mut bad = ok.clone();
    bad["kind"] = json!("complaint");
    assert_error(&w.post(submit, bad).await, StatusCode::BAD_REQUEST, "bad_request", Some("kind"));
    let mut bad = ok.clone();
    bad["people"] = json!("three");
    assert_error(&w.post(submit, bad).await, StatusCode::BAD_REQUEST, "bad_request", Some("people"));
    let mut bad = ok.clone();
    bad["colour"] = json!("red");
    let got = w.post(submit, bad).await;
    assert_error(&got, StatusCode::BAD_REQUEST, "bad_request", None);
    assert!(got.1["error"]["message"].as_str().unwrap().contains("colour"));
    let mut bad = ok.clone();
    bad["description"] = json!("   ");
    assert_error(&w.post(submit, bad).await, StatusCode::UNPROCESSABLE_ENTITY, "invalid", Some("description"));
    let mut bad = ok.clone();
    bad["people"] = json!(0);
    assert_error(&w.post(submit, bad).await, StatusCode::UNPROCESSABLE_ENTITY, "invalid", Some("people"));
    let mut bad = ok.clone();
    bad["collective"] = json!(true);
    assert_error(&w.post(submit, bad).await, StatusCode::UNPROCESSABLE_ENTITY, "invalid", Some("people"));
    let mut bad = ok.clone();
    bad["union"] = json!("jd.nowhere");
    assert_error(&w.post(submit, bad).await, StatusCode::UNPROCESSABLE_ENTITY, "invalid", Some("union"));
    let mut bad = ok.clone();
    bad["title"] = json!("长".repeat(201));
    assert_error(&w.post(submit, bad).await, StatusCode::UNPROCESSABLE_ENTITY, "invalid", Some("title"));
    let mut bad = ok.clone();
    bad["description"] = json!("x".repeat(300_000));
    assert_error(&w.post(submit, bad).await, StatusCode::PAYLOAD_TOO_LARGE, "too_large", None);
    // None of that wrote a case.
    assert!(app
        .store
        .list_cases(&youyue_store::CaseQuery { within: "/".into(), limit: 10, ..Default::default() })
        .await
        .unwrap()
        .cases
        .is_empty());

    let admin = app.login("admin").await;
    assert_error(
        &admin.get("/api/v1/stats?union=jd&from=2026-02-30&to=2026-03-01").await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "invalid",
        Some("from"),
    );
    assert_error(
        &admin.get("/api/v1/stats?union=jd&from=2026-03-02&to=2026-03-01").await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "invalid",
        Some("to"),
    );
    assert_error(
        &admin.get("/api/v1/stats?union=jd&from=2026-03-01").await,
        StatusCode::BAD_REQUEST,
        "bad_request",
        None,
    );
    assert_error(
        &admin.get("/api/v1/stats?union=nope&from=2026-03-01&to=2026-03-02").await,
        StatusCode::NOT_FOUND,
        "not_found",
        None,
    );
    assert_error(
        &admin.get("/api/v1/cases?per_page=0").await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "invalid",
        Some("per_page"),
    );
    assert_error(&admin.get("/api/v1/cases?status=lost").await, StatusCode::BAD_REQUEST, "bad_request", Some("status"));
    assert_error(&admin.get("/api/v1/cases?page=x").await, StatusCode::BAD_REQUEST, "bad_request", Some("page"));
    assert_error(&admin.get("/api/v1/cases/JD-2026-999999").await, StatusCode::NOT_FOUND, "not_found", None);
    assert_error(&admin.get("/api/v1/cases/not-a-number").await, StatusCode::NOT_FOUND, "not_found", None);
    assert_error(&admin.get("/api/v1/nothing-here").await, StatusCode::NOT_FOUND, "not_found", None);
    assert_error(
        &admin
            .post("/api/v1/cases", json!({"union":"jd.s1.e1","kind":"claim","channel":"telegram","description":"x"}))
            .await,
        StatusCode::BAD_REQUEST,
        "bad_request",
        Some("channel"),
    );
    assert_error(
        &admin.post("/api/v1/cases", json!({"union":"jd.s1.e1","kind":"claim","channel":"hotline","description":"x","opened_at":"2999-01-01T00:00:00Z"})).await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "invalid",
        Some("opened_at"),
    );
    assert_error(
        &admin.post("/api/v1/users", json!({"username":"Bad Name","name":"x","union":"jd","role":"handler"})).await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "invalid",
        Some("username"),
    );
    assert_error(
        &admin
            .post(
                "/api/v1/users",
                json!({"username":"short","name":"x","union":"jd","role":"handler","password":"123"}),
            )
            .await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "invalid",
        Some("password"),
    );

    // Logins: a wrong password is a 401; after five free failures each next attempt waits
    // (429, even with the right password).
    let a = app.anonymous();
    for _ in 0..6 {
        assert_error(
            &a.post("/api/v1/session", json!({"username":"e1chair","password":"wrong"})).await,
            StatusCode::UNAUTHORIZED,
            "unauthorized",
            None,
        );
    }
    assert_error(
        &a.post("/api/v1/session", json!({"username":"e1chair","password":crate::harness::PASSWORD})).await,
        StatusCode::TOO_MANY_REQUESTS,
        "too_many_requests",
        None,
    );
    // The OpenAPI document lists every endpoint.
    let (s, doc) = a.get("/api/v1/openapi.json").await;
    assert_eq!(s, StatusCode::OK);
    for path in [
        "/api/v1/public/cases",
        "/api/v1/cases/{number}/resolve",
        "/api/v1/stats",
        "/api/v1/session",
        "/api/v1/users/{username}",
    ] {
        assert!(doc["paths"][path].is_object(), "{path} missing from the OpenAPI document");
    }
    // Every operation documents the errors every request can meet, staff operations say how
    // to authenticate, and every schema it refers to is in the document.
    for (path, item) in doc["paths"].as_object().unwrap() {
        for (method, op) in item.as_object().unwrap() {
            let codes = op["responses"].as_object().unwrap();
            for code in ["400", "413", "422"] {
                assert!(codes.contains_key(code), "{method} {path} does not document {code}");
            }
            let public = youyue_server::api::is_public(path) || (path == "/api/v1/session" && method == "post");
            if !public {
                assert!(codes.contains_key("401"), "{method} {path} does not document 401");
                assert!(op["security"].is_array(), "{method} {path} names no authentication");
            }
        }
    }
    let text = doc.to_string();
    for r in text.split("\"#/components/schemas/").skip(1) {
        let name = &r[..r.find('"').unwrap()];
        assert!(
            doc["components"]["schemas"][name].is_object(),
            "#/components/schemas/{name} is referred to but missing"
        );
    }
    assert!(doc["components"]["securitySchemes"]["bearer"].is_object());
    // A method an endpoint does not have: 405 with the error body.
    let r = a.http.delete(app.url("/api/v1/me")).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::METHOD_NOT_ALLOWED);
    let body: serde_json::Value = r.json().await.unwrap();
    assert_eq!(body["error"]["code"], "method_not_allowed", "{body}");
    assert_eq!(a.get("/healthz").await.0, StatusCode::OK);
}
both!(bad_input_is_named);
