//! The authorization matrix, generated from the route table: every API operation the
//! OpenAPI document lists (a test in `api_errors` holds it equal to the router) and every
//! staff page, called by every role, on something inside the caller's subtree, outside it,
//! and that does not exist.
//!
//! What must hold everywhere:
//! - nothing answers 5xx;
//! - without an account, no staff operation answers 2xx;
//! - something outside the caller's subtree answers exactly as something that does not
//!   exist: its existence is not leaked (not even as a 403), and it is never 2xx;
//! - a worker account never gets a staff operation to succeed on another's case;
//! - a chair reads everything inside their subtree (GET 200), and a district administrator
//!   everything in the district.

use crate::harness::{Backend, Client, TestApp};
use reqwest::{Method, StatusCode};
use serde_json::json;

/// Who calls: a username, or None for a worker without an account.
const CALLERS: [Option<&str>; 7] =
    [None, Some("worker1"), Some("e1reception"), Some("e1handler"), Some("e1chair"), Some("s1chair"), Some("admin")];

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Target {
    Inside,
    Outside,
    Missing,
}

/// The path with its parameters filled for the target, as seen from enterprise e1 (and its
/// street s1): "outside" is the other street's enterprise.
fn fill(template: &str, target: Target, inside_case: &str, outside_case: &str, appts: &(i64, i64)) -> String {
    let (case, union, user, appt) = match target {
        Target::Inside => (inside_case, "jd.s1.e1", "e1handler", appts.0),
        Target::Outside => (outside_case, "jd.s2.e1", "f1reception", appts.1),
        Target::Missing => ("JD-2099-999999", "jd.s9.e9", "nobody", 999999),
    };
    // An appointment of the case inside, of the one outside, or none.
    let template = template.replace("appointments/{id}", &format!("appointments/{appt}"));
    template
        .replace("{number}", case)
        .replace("{code}", union)
        .replace("{username}", user)
        .replace("{item}", "hours")
        .replace("{id}", "999999")
        .replace("{index}", "0")
}

/// Whether the target is outside this caller's subtree.
fn is_outside_for(caller: Option<&str>) -> bool {
    // Everyone but the district administrator lives in street s1.
    caller != Some("admin")
}

async fn call(c: &Client, method: &Method, path: &str) -> StatusCode {
    let url = format!("{}{path}", c.base);
    let mut r = c.http.request(method.clone(), url);
    if *method != Method::GET && *method != Method::DELETE {
        r = r.json(&json!({}));
    }
    r.send().await.unwrap().status()
}

async fn authorization_matrix(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let anon = app.anonymous();
    let raise = |union: &'static str| {
        let anon = &anon;
        async move {
            let v = anon
                .ok(
                    "/api/v1/public/cases",
                    json!({"union":union,"kind":"claim","description":"矩阵测试","worker_name":"甲","contact":"1"}),
                    StatusCode::CREATED,
                )
                .await;
            v["number"].as_str().unwrap().to_owned()
        }
    };
    let inside = raise("jd.s1.e1").await;
    let outside = raise("jd.s2.e1").await;
    // An appointment in each, with the district's mediator.
    crate::appointments::put_duty(&app).await;
    let admin = app.login("admin").await;
    let mut appts = Vec::new();
    for n in [&inside, &outside] {
        let (_, case) = admin.get(&format!("/api/v1/cases/{n}")).await;
        let day = crate::harness::cst_date(&case["opened_at"]) + chrono::Duration::days(1);
        let to = day + chrono::Duration::days(7);
        let (_, free) = admin.get(&format!("/api/v1/slots?union=jd&specialty=mediator&from={day}&to={to}")).await;
        let body = json!({"specialist": "mediator", "starts_at": free["slots"][0]["starts_at"]});
        let a = admin.ok(&format!("/api/v1/cases/{n}/appointments"), body, StatusCode::CREATED).await;
        appts.push(a["id"].as_i64().unwrap());
    }
    let appts = (appts[0], appts[1]);
    let (_, doc) = anon.get("/api/v1/openapi.json").await;
    let mut operations: Vec<(Method, String, bool)> = Vec::new();
    for (path, item) in doc["paths"].as_object().unwrap() {
        for (m, op) in item.as_object().unwrap() {
            let method = Method::from_bytes(m.to_uppercase().as_bytes()).unwrap();
            // Operations without a security requirement are public (workers, logging in).
            let staff = op.get("security").is_some();
            operations.push((method, path.clone(), staff));
        }
    }
    assert!(operations.len() > 40, "{} operations", operations.len());
    // Logging out everywhere or changing the password would end the callers' sessions.
    let session_ending = |m: &Method, p: &str| {
        (*m == Method::DELETE && (p == "/api/v1/sessions" || p == "/api/v1/session")) || p == "/api/v1/me/password"
    };

    let mut clients = Vec::new();
    for caller in CALLERS {
        clients.push((caller, if let Some(u) = caller { app.login(u).await } else { app.anonymous() }));
    }
    let mut checked = 0;
    let mut failures = Vec::new();
    for (method, template, staff) in &operations {
        if session_ending(method, template) {
            continue;
        }
        let has_target = template.contains('{');
        for (caller, client) in &clients {
            let mut status = std::collections::BTreeMap::new();
            for target in [Target::Inside, Target::Outside, Target::Missing] {
                if !has_target && target != Target::Inside {
                    continue;
                }
                let path = fill(template, target, &inside, &outside, &appts);
                let s = call(client, method, &path).await;
                checked += 1;
                status.insert(format!("{target:?}"), s);
                let who = caller.unwrap_or("anonymous");
                if s.is_server_error() {
                    failures.push(format!("{who} {method} {path}: {s}"));
                }
                if *staff && caller.is_none() && s.is_success() {
                    failures.push(format!("anonymous {method} {path}: {s}, wanted a refusal"));
                }
                if *staff
                    && *caller == Some("worker1")
                    && s.is_success()
                    && *method != Method::GET
                    && !template.contains("/tokens")
                    && !template.starts_with("/api/v1/me")
                    // A worker account's own notices (the outbox tells it of its cases).
                    && !matches!(template.as_str(), "/api/v1/notices/read-all" | "/api/v1/notices/{id}/read")
                    && template != "/api/v1/cases"
                {
                    failures.push(format!("worker1 {method} {path}: {s}, a worker account acted as staff"));
                }
            }
            if has_target && *staff && caller.is_some() && is_outside_for(*caller) {
                let (out, missing) = (status["Outside"], status["Missing"]);
                let who = caller.unwrap_or("anonymous");
                if out.is_success() {
                    failures.push(format!("{who} {method} {template} outside: {out}, wanted a refusal"));
                }
                if out != missing {
                    failures.push(format!(
                        "{who} {method} {template}: outside answers {out} but missing answers {missing} (existence leaks)"
                    ));
                }
            }
            if *staff && *method == Method::GET && matches!(*caller, Some("e1chair" | "s1chair" | "admin")) {
                let s = status["Inside"];
                let who = caller.unwrap_or("anonymous");
                // Operations that need query parameters answer 400/422 without them; none
                // may refuse a chair.
                if matches!(s, StatusCode::UNAUTHORIZED | StatusCode::FORBIDDEN | StatusCode::NOT_FOUND) {
                    failures.push(format!("{who} GET {template} inside: {s}, a chair reads their subtree"));
                }
            }
        }
    }
    // Pages: the same rules for every staff page (a person gets the 404 page, never the
    // thing; without a session, the login page).
    let pages = [
        "/inbox",
        "/cases/new",
        "/cases/{number}",
        "/cases/{number}?specialty=mediator",
        "/cases/{number}/agreement",
        "/cases/{number}/agreement.pdf",
        "/dashboard",
        "/dashboard/votes",
        "/assessment",
        "/assessment.xlsx",
        "/dashboard.xlsx",
        "/inbox.xlsx",
        "/unions",
        "/unions/{code}",
        "/unions/{code}/roster",
        "/account",
        "/me/appointments",
        "/notices",
        "/notices/failed",
        "/callbacks",
        "/callbacks?state=overdue",
        "/reviews",
        "/escalations",
    ];
    for template in pages {
        let has_target = template.contains('{');
        for (caller, client) in &clients {
            let mut status = std::collections::BTreeMap::new();
            for target in [Target::Inside, Target::Outside, Target::Missing] {
                if !has_target && target != Target::Inside {
                    continue;
                }
                let path = fill(template, target, &inside, &outside, &appts);
                let r = client.http.get(format!("{}{path}", client.base)).send().await.unwrap();
                let s = r.status();
                let final_path = r.url().path().to_owned();
                checked += 1;
                status.insert(format!("{target:?}"), s);
                let who = caller.unwrap_or("anonymous");
                if s.is_server_error() {
                    failures.push(format!("{who} page {path}: {s}"));
                }
                if caller.is_none() && final_path != "/login" {
                    failures.push(format!("anonymous page {path}: {s} at {final_path}, wanted the login page"));
                }
            }
            if has_target && caller.is_some() && is_outside_for(*caller) {
                let (out, missing) = (status["Outside"], status["Missing"]);
                let who = caller.unwrap_or("anonymous");
                if out.is_success() || out != missing {
                    failures.push(format!("{who} page {template}: outside {out}, missing {missing}"));
                }
            }
        }
    }
    assert!(failures.is_empty(), "{} of {checked} calls broke the rules:\n{}", failures.len(), failures.join("\n"));
    eprintln!(
        "authorization matrix ({backend:?}): {} API operations and {} pages × {} callers × inside/outside/missing: {checked} calls",
        operations.len(),
        pages.len(),
        CALLERS.len()
    );
}
both!(authorization_matrix);

/// 协办 (issue 22): every API operation and page on a case, called by the specialist asked
/// to assist with it, by a colleague of theirs who was not asked, and on a case that does
/// not exist. The specialist reads (the case, its record book, its assistances, its page)
/// and may add notes; every other operation is refused, never 2xx, and not as a 404 (they
/// see the case) except where the operation's own rules answer earlier. The colleague is
/// answered exactly as for a case that does not exist.
async fn assisting_matrix(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let v = app
        .anonymous()
        .ok(
            "/api/v1/public/cases",
            json!({"union":"jd.s1.e1","kind":"dispute","description":"协办矩阵","worker_name":"甲","contact":"1"}),
            StatusCode::CREATED,
        )
        .await;
    let number = v["number"].as_str().unwrap().to_owned();
    let e1chair = app.login("e1chair").await;
    e1chair
        .ok(
            &format!("/api/v1/cases/{number}/assist"),
            json!({"union":"jd.s1.e2","user":"e2handler","note":"矩阵"}),
            StatusCode::OK,
        )
        .await;
    let (specialist, colleague) = (app.login("e2handler").await, app.login("e2reception").await);
    let (_, doc) = app.anonymous().get("/api/v1/openapi.json").await;
    let reads = ["/api/v1/cases/{number}", "/api/v1/cases/{number}/record", "/api/v1/cases/{number}/assist"];
    let mut failures = Vec::new();
    let mut checked = 0;
    for (path, item) in doc["paths"].as_object().unwrap() {
        if !path.contains("{number}") || path.starts_with("/api/v1/public/") {
            continue;
        }
        for (m, _) in item.as_object().unwrap() {
            let method = Method::from_bytes(m.to_uppercase().as_bytes()).unwrap();
            let fill = |n: &str| path.replace("{number}", n).replace("{id}", "999999").replace("{index}", "0");
            let s = call(&specialist, &method, &fill(&number)).await;
            let c = call(&colleague, &method, &fill(&number)).await;
            let missing = call(&colleague, &method, &fill("JD-2099-999999")).await;
            checked += 3;
            let read = method == Method::GET && reads.contains(&path.as_str());
            if s.is_server_error() || c.is_server_error() {
                failures.push(format!("{method} {path}: {s} / {c}"));
            }
            if read && s != StatusCode::OK {
                failures.push(format!("specialist {method} {path}: {s}, wanted 200"));
            }
            if !read && s.is_success() {
                failures.push(format!("specialist {method} {path}: {s}, wanted a refusal"));
            }
            if !read && s == StatusCode::NOT_FOUND {
                failures.push(format!("specialist {method} {path}: 404, but they see the case"));
            }
            if c != missing {
                failures.push(format!("colleague {method} {path}: {c}, missing {missing} (existence leaks)"));
            }
        }
    }
    // Notes, with a body that is valid: the one thing the specialist writes.
    let noted = specialist.post(&format!("/api/v1/cases/{number}/notes"), json!({"text":"协办记录"})).await;
    if noted.0 != StatusCode::OK {
        failures.push(format!("specialist note: {}", noted.0));
    }
    for page in ["/cases/{number}", "/cases/{number}/agreement", "/cases/{number}/agreement.pdf"] {
        let get = |c: &Client, n: &str| {
            let url = format!("{}{}", c.base, page.replace("{number}", n));
            let http = c.http.clone();
            async move { http.get(url).send().await.unwrap().status() }
        };
        let s = get(&specialist, &number).await;
        let c = get(&colleague, &number).await;
        let missing = get(&colleague, "JD-2099-999999").await;
        checked += 3;
        let read = page == "/cases/{number}";
        if (read && s != StatusCode::OK) || (!read && s.is_success()) || s.is_server_error() {
            failures.push(format!("specialist page {page}: {s}"));
        }
        if c != missing {
            failures.push(format!("colleague page {page}: {c}, missing {missing}"));
        }
    }
    assert!(failures.is_empty(), "{} of {checked} calls broke the rules:\n{}", failures.len(), failures.join("\n"));
}
both!(assisting_matrix);
