//! Issue 19, the worker: a case staff register gets a tracking code (API and page); /track
//! puts an appointment's time in words, takes the number as the worker types it, asks for
//! empty fields; a lost CSRF cookie keeps what was typed; every message a sentence in the
//! page's language, next to its field.

use crate::harness::{Backend, Client, TestApp};
use reqwest::StatusCode;
use serde_json::{json, Value};

/// POST with an `Idempotency-Key`: the status, whether the answer was replayed, the body.
async fn post_keyed(c: &Client, path: &str, key: &str, body: &Value) -> (StatusCode, bool, Value) {
    let r = c.http.post(format!("{}{path}", c.base)).header("idempotency-key", key).json(body).send().await.unwrap();
    let status = r.status();
    let replayed = r.headers().get("idempotent-replayed").is_some_and(|v| v == "true");
    (status, replayed, r.json().await.unwrap())
}

async fn page(c: &Client, path: &str) -> (StatusCode, String) {
    let r = c.http.get(format!("{}{path}", c.base)).send().await.unwrap();
    (r.status(), r.text().await.unwrap())
}

fn hidden(html: &str, name: &str) -> String {
    let at = html.find(&format!("name=\"{name}\" value=\"")).unwrap_or_else(|| panic!("no {name} in the form: {html}"));
    let rest = &html[at + name.len() + 15..];
    rest[..rest.find('"').unwrap()].to_owned()
}

/// The text of the element with `id` (its first text, up to the next tag).
fn by_id(html: &str, id: &str) -> String {
    let at = html.find(&format!("id=\"{id}\"")).unwrap_or_else(|| panic!("no #{id} in: {html}"));
    let rest = &html[at..];
    let start = rest.find('>').unwrap() + 1;
    rest[start..start + rest[start..].find('<').unwrap()].trim().to_owned()
}

/// Posts a form with the page's own CSRF token (taken from `token_from`).
async fn post_form(c: &Client, token_from: &str, path: &str, fields: &[(&str, &str)]) -> (StatusCode, String) {
    let (_, html) = page(c, token_from).await;
    let csrf = hidden(&html, "csrf");
    let mut form: Vec<(&str, &str)> = vec![("csrf", &csrf)];
    form.extend_from_slice(fields);
    let r = c.http.post(format!("{}{path}", c.base)).form(&form).send().await.unwrap();
    (r.status(), r.text().await.unwrap())
}

async fn lookup(c: &Client, number: &str, code: &str) -> StatusCode {
    c.post(&format!("/api/v1/public/cases/{}/lookup", number.replace(' ', "%20")), json!({"code": code})).await.0
}

/// A hotline case registered by the receptionist carries `tracking_code` as the public
/// submission does; a retry with the same key shows the same code; the code works on the
/// public lookup with the number as typed (any case, with or without dashes), and a wrong
/// one is the same 404.
async fn staff_registration_gives_a_tracking_code(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let reception = app.login("e1reception").await;
    let reg = json!({"union":"jd.s1.e1","kind":"claim","channel":"hotline","description":"热线来电：三个月工资未发"});
    let (s, replayed, first) = post_keyed(&reception, "/api/v1/cases", "hotline-1", &reg).await;
    assert_eq!((s, replayed), (StatusCode::CREATED, false), "{first}");
    let number = first["number"].as_str().unwrap().to_owned();
    let code = first["tracking_code"].as_str().unwrap_or_else(|| panic!("no tracking_code: {first}")).to_owned();
    assert_eq!(code.len(), 11, "{code}");
    assert_eq!(first["status"], "registered", "the case's own fields are still there");
    let (s, replayed, again) = post_keyed(&reception, "/api/v1/cases", "hotline-1", &reg).await;
    assert_eq!((s, replayed), (StatusCode::CREATED, true), "{again}");
    assert_eq!((&again["number"], &again["tracking_code"]), (&first["number"], &first["tracking_code"]));
    // Without a key: a code of its own.
    let other = reception.ok("/api/v1/cases", reg.clone(), StatusCode::CREATED).await;
    assert!(other["tracking_code"].as_str().is_some_and(|c| c != code), "{other}");

    let worker = app.anonymous();
    assert_eq!(lookup(&worker, &number, &code).await, StatusCode::OK);
    let typed = number.to_lowercase().replace('-', " ");
    assert_eq!(lookup(&worker, &typed, &code.to_lowercase()).await, StatusCode::OK, "{typed}");
    assert_eq!(lookup(&worker, &number.replace('-', ""), &code).await, StatusCode::OK);
    assert_eq!(lookup(&worker, &number, "22222-22222").await, StatusCode::NOT_FOUND);
    assert_eq!(lookup(&worker, other["number"].as_str().unwrap(), &code).await, StatusCode::NOT_FOUND);
    // The worker who phoned rates it once it is closed.
    let chair = app.login("e1chair").await;
    let case = format!("/api/v1/cases/{number}");
    chair.ok(&format!("{case}/explain"), json!({"explanation":"已电话答复"}), StatusCode::OK).await;
    let rated = worker.post(&format!("/api/v1/public/cases/{number}/rating"), json!({"code": code, "rating": 4})).await;
    assert_eq!(rated.0, StatusCode::OK, "{}", rated.1);

    // On the page: the code is shown once after registering, with the slip; it works on /track.
    let (s, html) = post_form(
        &reception,
        "/cases/new",
        "/cases/new",
        &[
            ("union", "jd.s1.e1"),
            ("channel", "reception"),
            ("kind", "dispute"),
            ("description", "接待日来访：工伤赔偿争议"),
            ("people", "1"),
            ("idempotency_key", "page-1"),
        ],
    )
    .await;
    assert_eq!(s, StatusCode::OK, "{html}");
    let number = by_id(&html, "case-number");
    let code = by_id(&html, "tracking-code");
    assert!(html.contains("id=\"slip\""), "{html}");
    assert!(html.contains(&format!("href=\"/cases/{number}\"")), "the receptionist can open the case");
    let worker = app.anonymous();
    let (s, track) =
        post_form(&worker, "/track", "/track", &[("number", &number.to_lowercase()), ("code", &code)]).await;
    assert_eq!(s, StatusCode::OK, "{track}");
    assert!(track.contains("接待日来访"), "{track}");
    // Sent again (a double tap): the same case and the same code.
    let (_, html) = post_form(
        &reception,
        "/cases/new",
        "/cases/new",
        &[
            ("union", "jd.s1.e1"),
            ("channel", "reception"),
            ("kind", "dispute"),
            ("description", "接待日来访：工伤赔偿争议"),
            ("people", "1"),
            ("idempotency_key", "page-1"),
        ],
    )
    .await;
    assert_eq!((by_id(&html, "case-number"), by_id(&html, "tracking-code")), (number, code));
    // A wellbeing case goes to the chair: the receptionist still gets its code, but no link.
    let (_, html) = post_form(
        &reception,
        "/cases/new",
        "/cases/new",
        &[
            ("union", "jd.s1.e1"),
            ("channel", "hotline"),
            ("kind", "wellbeing"),
            ("description", "心理压力大"),
            ("people", "1"),
            ("idempotency_key", "page-2"),
        ],
    )
    .await;
    assert_eq!(by_id(&html, "tracking-code").len(), 11, "{html}");
    assert!(!html.contains("id=\"open-case\""), "{html}");
}
both!(staff_registration_gives_a_tracking_code);

/// /track: an appointment in words, not as stored; empty fields asked for by name; the
/// submitted page's lookup carries the number and code in a form post, never in a URL;
/// `?number=` fills in the number.
async fn track_page_speaks_the_workers_words(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let worker = app.anonymous();
    let (s, html) = post_form(
        &worker,
        "/s/jd.s1.e1",
        "/s/jd.s1.e1",
        &[("kind", "dispute"), ("description", "工伤赔偿争议"), ("people", "1"), ("idempotency_key", "t-1")],
    )
    .await;
    assert_eq!(s, StatusCode::OK, "{html}");
    let number = by_id(&html, "case-number");
    let code = by_id(&html, "tracking-code");
    // The submitted page's lookup: a form post with both, no link with the code in it.
    assert_eq!(hidden(&html, "number"), number);
    assert_eq!(hidden(&html, "code"), code);
    assert!(!html.contains(&format!("?code={code}")) && !html.contains(&format!("href=\"/track?{code}")));
    let (_, form) = page(&worker, &format!("/track?number={number}")).await;
    assert!(form.contains(&format!("value=\"{number}\"")), "?number= fills in the number: {form}");

    let reception = app.login("e1reception").await;
    let case = format!("/api/v1/cases/{number}");
    reception.ok(&format!("{case}/accept"), json!({}), StatusCode::OK).await;
    reception.ok(&format!("{case}/assign"), json!({"handler":"mediator"}), StatusCode::OK).await;
    let mediator = app.login("mediator").await;
    mediator
        .ok(
            &format!("{case}/appointments"),
            json!({"starts_at":"2026-12-07T14:00:00+08:00","place":"工会调解室"}),
            StatusCode::OK,
        )
        .await;
    let (s, track) = post_form(&worker, "/track", "/track", &[("number", &number), ("code", &code)]).await;
    assert_eq!(s, StatusCode::OK, "{track}");
    assert!(track.contains("2026年12月7日 14:00 工会调解室"), "{track}");
    assert!(!track.contains("2026-12-07T14:00"), "a raw timestamp on /track: {track}");

    // Empty fields: asked for, each by its field; not "not found".
    let (s, empty) = post_form(&worker, "/track", "/track", &[("number", ""), ("code", "")]).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(by_id(&empty, "number-error"), "请填写约事编号，如 JD-2026-000123。");
    assert_eq!(by_id(&empty, "code-error"), "请填写查询码。");
    assert!(!empty.contains("没有找到"), "{empty}");
    let (_, half) = post_form(&worker, "/track", "/track", &[("number", &number), ("code", "")]).await;
    assert!(!half.contains("number-error") && half.contains("code-error"), "{half}");
    assert!(half.contains(&format!("value=\"{number}\"")), "the number is kept");
}
both!(track_page_speaks_the_workers_words);

/// A form sent without its CSRF cookie (a chat app's browser dropped it): nothing is written,
/// the page comes back with what was typed, a fresh token and a message; sent again, it goes
/// through. The studio's form and /track alike.
async fn a_lost_csrf_cookie_keeps_the_typed_text(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    // The form was loaded in one browser session; its cookie is gone when it is sent.
    let loaded = app.anonymous();
    let (_, studio) = page(&loaded, "/s/jd.s1.e1").await;
    let (old_token, key) = (hidden(&studio, "csrf"), hidden(&studio, "idempotency_key"));
    let worker = app.anonymous();
    let typed = [
        ("csrf", old_token.as_str()),
        ("idempotency_key", key.as_str()),
        ("kind", "claim"),
        ("description", "加班费三个月未发，车间 12 人"),
        ("people", "1"),
        ("worker_name", "刘师傅"),
    ];
    let r = worker.http.post(format!("{}/s/jd.s1.e1", worker.base)).form(&typed).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.headers().get("set-cookie").is_some(), "a fresh CSRF cookie is set");
    let html = r.text().await.unwrap();
    assert!(by_id(&html, "csrf-alert").contains("请再点一次提交"), "{html}");
    assert!(html.contains("加班费三个月未发，车间 12 人</textarea>") && html.contains("value=\"刘师傅\""), "{html}");
    assert!(html.contains("value=\"claim\" checked"), "the kind is kept");
    assert_eq!(hidden(&html, "idempotency_key"), key);
    let chair = app.login("e1chair").await;
    let (_, list) = chair.get("/api/v1/cases?q=加班费三个月").await;
    assert_eq!(list["total"], 0, "nothing was written: {list}");
    // Sent again from that page (its fresh token, the cookie it set): one case.
    let fresh = hidden(&html, "csrf");
    let mut again = typed;
    again[0].1 = &fresh;
    let r = worker.http.post(format!("{}/s/jd.s1.e1", worker.base)).form(&again).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let html = r.text().await.unwrap();
    let (number, code) = (by_id(&html, "case-number"), by_id(&html, "tracking-code"));
    let (_, list) = chair.get("/api/v1/cases?q=加班费三个月").await;
    assert_eq!(list["total"], 1, "{list}");

    // /track likewise: the number and code typed come back, and the lookup then works.
    let tracker = app.anonymous();
    let form = [("csrf", old_token.as_str()), ("number", number.as_str()), ("code", code.as_str())];
    let r = tracker.http.post(format!("{}/track", tracker.base)).form(&form).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = r.text().await.unwrap();
    assert!(by_id(&html, "csrf-alert").contains("请再点一次"), "{html}");
    assert!(html.contains(&format!("value=\"{number}\"")) && html.contains(&format!("value=\"{code}\"")), "{html}");
    assert!(!html.contains("加班费三个月"), "nothing is looked up without the token");
    let fresh = hidden(&html, "csrf");
    let form = [("csrf", fresh.as_str()), ("number", number.as_str()), ("code", code.as_str())];
    let r = tracker.http.post(format!("{}/track", tracker.base)).form(&form).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    assert!(r.text().await.unwrap().contains("加班费三个月"));

    // Rating it once closed, with a stale token: not rated; the case comes back with the
    // rating and comment as chosen, to send again.
    chair.ok(&format!("/api/v1/cases/{number}/explain"), json!({"explanation":"已答复"}), StatusCode::OK).await;
    let rate = [
        ("csrf", old_token.as_str()),
        ("number", number.as_str()),
        ("code", code.as_str()),
        ("rating", "4"),
        ("comment", "答复很及时"),
    ];
    let rater = app.anonymous();
    let r = rater.http.post(format!("{}/track/rate", rater.base)).form(&rate).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = r.text().await.unwrap();
    assert!(html.contains("id=\"csrf-alert\"") && html.contains("答复很及时</textarea>"), "{html}");
    assert!(html.contains("value=\"4\" checked"), "{html}");
    let (_, view) = chair.get(&format!("/api/v1/cases/{number}")).await;
    assert_eq!(view["rating"], Value::Null, "nothing was rated: {view}");
    let mut again = rate;
    let fresh = hidden(&html, "csrf");
    again[0].1 = &fresh;
    let r = rater.http.post(format!("{}/track/rate", rater.base)).form(&again).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let (_, view) = chair.get(&format!("/api/v1/cases/{number}")).await;
    assert_eq!(view["rating"], 4, "{view}");
}
both!(a_lost_csrf_cookie_keeps_the_typed_text);

/// Messages are sentences in the page's language next to their fields: an empty monthly
/// vote, an empty bulletin title, disabling one's own account in Chinese; an empty
/// description in English.
async fn messages_are_sentences_in_the_pages_language(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let worker = app.anonymous();
    let (s, html) = post_form(&worker, "/s/jd.s1.e1/rate", "/s/jd.s1.e1/rate", &[("round", "monthly")]).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(by_id(&html, "score-error"), "请选择一个评价。");

    let chair = app.login("e1chair").await;
    let (s, html) =
        post_form(&chair, "/unions/jd.s1.e1", "/unions/jd.s1.e1/bulletins", &[("title", " "), ("body", "每周三")])
            .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{html}");
    assert!(html.contains("请填写标题。") && !html.contains("标题不能超过"), "{html}");

    let (s, html) =
        post_form(&chair, "/unions/jd.s1.e1", "/unions/jd.s1.e1/users/e1chair", &[("op", "disable"), ("role", "")])
            .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{html}");
    assert!(html.contains("不能停用自己的账号") && !html.contains("you cannot"), "{html}");
    // A refusal for the role: in Chinese only, without the API's English reason.
    let reception = app.login("e1reception").await;
    let (s, html) =
        post_form(&reception, "/inbox", "/unions/jd.s1.e1/users/e1chair", &[("op", "disable"), ("role", "")]).await;
    assert_eq!(s, StatusCode::FORBIDDEN, "{html}");
    assert!(html.contains("您的角色不能进行此操作。") && !html.contains("only a"), "{html}");

    let english = app.anonymous();
    page(&english, "/lang/en?next=/").await;
    let (s, html) = post_form(
        &english,
        "/s/jd.s1.e1",
        "/s/jd.s1.e1",
        &[("kind", "claim"), ("description", " "), ("people", "1"), ("idempotency_key", "en-1")],
    )
    .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(by_id(&html, "description-error"), "Please fill in the description.");
    let (_, html) = post_form(&english, "/track", "/track", &[("number", ""), ("code", "x")]).await;
    assert_eq!(by_id(&html, "number-error"), "Enter the case number, e.g. JD-2026-000123.");
}
both!(messages_are_sentences_in_the_pages_language);
