//! Hostile text: a NUL byte (PostgreSQL cannot store one, and answered 500), other control
//! characters, bytes that are not UTF-8 and names a form does not have, in every place a
//! text comes in — JSON bodies, query strings, path segments, page forms. Each is a 4xx
//! naming the field, on both databases, and writes nothing.

use crate::harness::{assert_error, Backend, Client, TestApp};
use reqwest::StatusCode;
use serde_json::{json, Value};

/// A page's HTML (the client keeps the CSRF cookie the page sets).
async fn page(c: &Client, path: &str) -> (StatusCode, String) {
    let r = c.http.get(format!("{}{path}", c.base)).send().await.unwrap();
    (r.status(), r.text().await.unwrap())
}

fn hidden(html: &str, name: &str) -> String {
    let at = html.find(&format!("name=\"{name}\" value=\"")).unwrap_or_else(|| panic!("no {name} in the form"));
    let rest = &html[at + name.len() + 15..];
    rest[..rest.find('"').unwrap()].to_owned()
}

/// Posts a form body as a browser would (already encoded), with this browser's CSRF token.
async fn post_form(c: &Client, path: &str, body: &str) -> (StatusCode, String) {
    let (_, html) = page(c, "/login").await;
    let csrf = hidden(&html, "csrf");
    let r = c
        .http
        .post(format!("{}{path}", c.base))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(format!("csrf={csrf}&{body}"))
        .send()
        .await
        .unwrap();
    (r.status(), r.text().await.unwrap())
}

/// A refused page: a 4xx that names `field` (in its words, and by its own name in the
/// message's `data-field`).
fn assert_page_names(got: &(StatusCode, String), status: StatusCode, field: &str) {
    assert_eq!(got.0, status, "{}", got.1);
    assert!(got.1.contains(field), "the page does not name {field}: {}", got.1);
}

async fn no_cases_written(app: &TestApp) {
    let q = youyue_store::CaseQuery { within: "/".into(), limit: 10, ..Default::default() };
    assert!(app.store.list_cases(&q).await.unwrap().cases.is_empty(), "a refused request wrote a case");
}

async fn nul_is_refused_everywhere(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let w = app.anonymous();
    let invalid = StatusCode::UNPROCESSABLE_ENTITY;

    // Logging in, by the API and by the page.
    let got = w.post("/api/v1/session", json!({"username":"ad\u{0}min","password":"x"})).await;
    assert_error(&got, invalid, "invalid", Some("username"));
    assert_page_names(&post_form(&w, "/login", "username=ad%00min&password=x").await, invalid, "username");

    // A worker's case, by the API and on the studio's page.
    let case = json!({"union":"jd.s1.e1","kind":"claim","description":"加班费\u{0}"});
    assert_error(&w.post("/api/v1/public/cases", case).await, invalid, "invalid", Some("description"));
    let case = json!({"union":"jd.s1.e1\u{0}","kind":"claim","description":"加班费"});
    assert_error(&w.post("/api/v1/public/cases", case).await, invalid, "invalid", Some("union"));
    let form = "kind=claim&people=1&description=%E5%8A%A0%00&idempotency_key=k1";
    assert_page_names(&post_form(&w, "/s/jd.s1.e1", form).await, invalid, "description");
    assert_page_names(&page(&w, "/s/jd.s1%00.e1").await, invalid, "code");
    no_cases_written(&app).await;

    // Staff: the list's search and handler, a user's name in the path, the inbox's search.
    let admin = app.login("admin").await;
    assert_error(&admin.get("/api/v1/cases?q=a%00b").await, invalid, "invalid", Some("q"));
    assert_error(&admin.get("/api/v1/cases?assigned=e1%00handler").await, invalid, "invalid", Some("assigned"));
    let got = admin.patch("/api/v1/users/e1%00handler", json!({"active":true})).await;
    assert_error(&got, invalid, "invalid", Some("username"));
    assert_page_names(&page(&admin, "/inbox?q=a%00b").await, invalid, "q");
    // A single-line value may not hold a line break either.
    assert_error(&admin.get("/api/v1/cases?q=a%0Ab").await, invalid, "invalid", Some("q"));

    // Assigning a handler named with a NUL, by the API and by the case page.
    let made = w
        .ok(
            "/api/v1/public/cases",
            json!({"union":"jd.s1.e1","kind":"claim","description":"加班费"}),
            StatusCode::CREATED,
        )
        .await;
    let number = made["number"].as_str().unwrap().to_owned();
    let reception = app.login("e1reception").await;
    reception.ok(&format!("/api/v1/cases/{number}/accept"), json!({}), StatusCode::OK).await;
    let got = reception.post(&format!("/api/v1/cases/{number}/assign"), json!({"handler":"e1\u{0}handler"})).await;
    assert_error(&got, invalid, "invalid", Some("handler"));
    let got = post_form(&reception, &format!("/cases/{number}/assign"), "handler=e1%00handler").await;
    assert_page_names(&got, invalid, "handler");
    let (_, case) = reception.get(&format!("/api/v1/cases/{number}")).await;
    assert_eq!(case["status"], "accepted", "nothing was assigned: {case}");
}
both!(nul_is_refused_everywhere);

/// Page forms are read as strictly as the API reads JSON: a name the form does not have,
/// or bytes that are not UTF-8 (which used to be stored as U+FFFD), are a 400 naming it.
async fn page_forms_are_strict(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let w = app.anonymous();
    let bad = StatusCode::BAD_REQUEST;
    let form = "kind=claim&people=1&description=ok&idempotency_key=k2";
    assert_page_names(&post_form(&w, "/s/jd.s1.e1", &format!("{form}&colour=red")).await, bad, "colour");
    let not_utf8 = "kind=claim&people=1&description=%FF%FE&idempotency_key=k3";
    assert_page_names(&post_form(&w, "/s/jd.s1.e1", not_utf8).await, bad, "description");
    assert_page_names(&post_form(&w, "/login", "username=%C3&password=x").await, bad, "username");
    // Staff's registration form (its fields are two structs) knows its own names too.
    let admin = app.login("e1reception").await;
    let register = "union=jd.s1.e1&channel=hotline&kind=claim&people=1&description=ok&idempotency_key=k4";
    assert_page_names(&post_form(&admin, "/cases/new", &format!("{register}&colour=red")).await, bad, "colour");
    no_cases_written(&app).await;
    // The API's query strings likewise.
    assert_error(&admin.get("/api/v1/cases?q=%FF").await, bad, "bad_request", Some("q"));
    // And the registration form with every field it has still registers.
    let got = post_form(&admin, "/cases/new", &format!("{register}&opened_at=&scheduled=on&immediate=on")).await;
    assert!(got.0.is_success() || got.0.is_redirection(), "{} {}", got.0, got.1);
}
both!(page_forms_are_strict);

/// A union without a studio takes no case from a worker, by the API or by a page: one rule
/// (`access::studio_for_workers`).
async fn no_studio_no_submissions(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let w = app.anonymous();
    let case = json!({"union":"jd.s1","kind":"claim","description":"加班费"});
    let got = w.post("/api/v1/public/cases", case).await;
    assert_error(&got, StatusCode::UNPROCESSABLE_ENTITY, "invalid", Some("union"));
    // Its page lists the studios below instead (district.rs), with no form to post.
    assert!(!page(&w, "/s/jd.s1").await.1.contains("action=\"/s/jd.s1\""));
    let form = "kind=claim&people=1&description=ok&idempotency_key=k5";
    assert_eq!(post_form(&w, "/s/jd.s1", form).await.0, StatusCode::NOT_FOUND);
    no_cases_written(&app).await;
    // One with a studio still does.
    let case = json!({"union":"jd.s1.e1","kind":"claim","description":"加班费"});
    w.ok("/api/v1/public/cases", case, StatusCode::CREATED).await;
}
both!(no_studio_no_submissions);

/// The list's `from`, `to` and `page` and the page's deadline say what is wrong with them.
async fn smaller_answers(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let admin = app.login("admin").await;
    let invalid = StatusCode::UNPROCESSABLE_ENTITY;
    assert_error(&admin.get("/api/v1/cases?from=garbage").await, invalid, "invalid", Some("from"));
    assert_error(&admin.get("/api/v1/cases?to=2026-02-30").await, invalid, "invalid", Some("to"));
    let got = admin.get("/api/v1/cases?figure=disputes_mediated&from=garbage&to=2026-03-01").await;
    assert_error(&got, invalid, "invalid", Some("from"));
    let (status, _) = admin.get("/api/v1/cases?from=2026-03-01&to=2026-03-31").await;
    assert_eq!(status, StatusCode::OK, "well-formed days without a figure are fine");
    let got = admin.get("/api/v1/cases?page=99999999999").await;
    assert_error(&got, invalid, "invalid", Some("page"));
    assert!(got.1["error"]["message"].as_str().unwrap().contains("1000000"), "{}", got.1);

    let w = app.anonymous();
    let made = w
        .ok(
            "/api/v1/public/cases",
            json!({"union":"jd.s1.e1","kind":"claim","description":"加班费"}),
            StatusCode::CREATED,
        )
        .await;
    let number = made["number"].as_str().unwrap();
    let reception = app.login("e1reception").await;
    let (status, html) = post_form(&reception, &format!("/cases/{number}/accept"), "due_on=2026-13-45").await;
    assert_eq!(status, invalid, "{html}");
    assert!(html.contains("年-月-日"), "the page says the deadline is not a date: {html}");
    assert!(!html.contains("期限不能早于今天"), "{html}");
}
both!(smaller_answers);

/// Every string parameter the OpenAPI document lists (path and query), sent with a NUL: a
/// 422 naming it, on every operation; and every string property of a request body, sent
/// alone with a NUL: never a 5xx.
async fn every_documented_string_refuses_nul(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let admin = app.login("admin").await;
    let (_, doc) = admin.get("/api/v1/openapi.json").await;
    let schemas = &doc["components"]["schemas"];
    let mut tried = 0;
    for (path, item) in doc["paths"].as_object().unwrap() {
        for (method, op) in item.as_object().unwrap() {
            let Ok(method) = reqwest::Method::from_bytes(method.to_uppercase().as_bytes()) else { continue };
            let params: Vec<&Value> = op["parameters"].as_array().map(|a| a.iter().collect()).unwrap_or_default();
            let is_string = |p: &Value| p["schema"]["type"] == "string" || p["schema"]["type"][0] == "string";
            for p in params.iter().filter(|p| is_string(p) && p["in"] != "header") {
                let name = p["name"].as_str().unwrap();
                let mut url = path.clone();
                for other in params.iter().filter(|o| o["in"] == "path") {
                    let other = other["name"].as_str().unwrap();
                    let value = if other == name { "a%00b" } else { "x" };
                    url = url.replace(&format!("{{{other}}}"), value);
                }
                if p["in"] == "query" {
                    url.push_str(&format!("?{name}=a%00b"));
                }
                let r = admin.http.request(method.clone(), format!("{}{url}", admin.base)).send().await.unwrap();
                let status = r.status();
                let body: Value = r.json().await.unwrap_or(Value::Null);
                assert_error(&(status, body), StatusCode::UNPROCESSABLE_ENTITY, "invalid", Some(name));
                tried += 1;
            }
            let body = &op["requestBody"]["content"]["application/json"]["schema"];
            let schema = match body["$ref"].as_str() {
                Some(r) => &schemas[r.trim_start_matches("#/components/schemas/")],
                None => body,
            };
            let Some(props) = schema["properties"].as_object() else { continue };
            for (prop, s) in props.iter().filter(|(_, s)| s["type"] == "string" || s["type"][0] == "string") {
                let _ = s;
                let url = params
                    .iter()
                    .filter(|o| o["in"] == "path")
                    .fold(path.clone(), |u, o| u.replace(&format!("{{{}}}", o["name"].as_str().unwrap()), "x"));
                let r = admin
                    .http
                    .request(method.clone(), format!("{}{url}", admin.base))
                    .json(&json!({ prop: "a\u{0}b" }))
                    .send()
                    .await
                    .unwrap();
                assert!(r.status().is_client_error(), "{method} {url} with a NUL in {prop}: {}", r.status());
                tried += 1;
            }
        }
    }
    assert!(tried > 20, "only {tried} strings found in the document");
}
both!(every_documented_string_refuses_nul);
