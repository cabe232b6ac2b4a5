//! Logging in and forms (issue 18, items 5 and 7): the back-off counts concurrent attempts,
//! per account and address; assigning does not tell accounts elsewhere from missing ones;
//! CSRF tokens are tied to the session (or signed by the server); cookies are `Secure`
//! under `--secure-cookies`.

use crate::harness::{assert_error, district_jsonl, import_text, Backend, TestApp, TestDb, PASSWORD};
use reqwest::header::{COOKIE, SET_COOKIE};
use reqwest::StatusCode;
use serde_json::json;
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::time::Duration;

/// A client without a cookie store, from `local` (the whole of 127.0.0.0/8 is this
/// machine: another loopback address is another client address to the server).
fn client_from(local: Ipv4Addr) -> reqwest::Client {
    reqwest::Client::builder()
        .local_address(IpAddr::V4(local))
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
}

async fn try_login(c: &reqwest::Client, app: &TestApp, username: &str, password: &str) -> reqwest::Response {
    c.post(app.url("/api/v1/session")).json(&json!({"username": username, "password": password})).send().await.unwrap()
}

async fn concurrent_wrong_passwords_wait(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let here = client_from(Ipv4Addr::LOCALHOST);
    // 40 wrong passwords for one account at once, from one address.
    let mut tries = tokio::task::JoinSet::new();
    for _ in 0..40 {
        let (c, url) = (here.clone(), app.url("/api/v1/session"));
        tries.spawn(async move {
            c.post(url).json(&json!({"username":"e1handler","password":"wrong-guess"})).send().await.unwrap()
        });
    }
    let mut answers = Vec::new();
    while let Some(r) = tries.join_next().await {
        answers.push(r.unwrap());
    }
    let mut wrong = 0;
    let mut waiting = 0;
    for r in &answers {
        match r.status() {
            StatusCode::UNAUTHORIZED => wrong += 1,
            StatusCode::TOO_MANY_REQUESTS => {
                assert!(r.headers().get("retry-after").is_some(), "429 says how long to wait");
                waiting += 1;
            }
            s => panic!("unexpected {s}"),
        }
    }
    // Five failures are free and the sixth attempt is still let through; no more.
    assert!((1..=6).contains(&wrong), "{wrong} of 40 concurrent wrong passwords were tried (want at most 6)");
    assert_eq!(wrong + waiting, 40);
    eprintln!("40 concurrent wrong passwords: {wrong} answered 401, {waiting} answered 429");
    // From that address even the right password waits now …
    assert_eq!(try_login(&here, &app, "e1handler", PASSWORD).await.status(), StatusCode::TOO_MANY_REQUESTS);
    // … but the account's owner at another address is not locked out.
    let elsewhere = client_from(Ipv4Addr::new(127, 0, 0, 2));
    assert_eq!(try_login(&elsewhere, &app, "e1handler", PASSWORD).await.status(), StatusCode::OK);
    // Another account from the guessing address is not held up either (30 free per address).
    assert_eq!(try_login(&here, &app, "e2handler", PASSWORD).await.status(), StatusCode::OK);
}
both!(concurrent_wrong_passwords_wait);

async fn assigning_outside_is_answered_as_missing(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let reception = app.login("e2reception").await;
    let v = reception
        .ok(
            "/api/v1/cases",
            json!({"union":"jd.s1.e2","kind":"claim","channel":"reception","description":"指派测试"}),
            StatusCode::CREATED,
        )
        .await;
    let case = format!("/api/v1/cases/{}", v["number"].as_str().unwrap());
    reception.ok(&format!("{case}/accept"), json!({}), StatusCode::OK).await;
    // What an account outside the case's union is told, with its name taken out, must be
    // what a name that exists nowhere is told: a handler next door, a receptionist in
    // another street (whose role must not show), and no account at all.
    let answer = |name: &'static str| {
        let reception = &reception;
        let case = &case;
        async move {
            let (status, body) = reception.post(&format!("{case}/assign"), json!({"handler": name})).await;
            assert_error(&(status, body.clone()), StatusCode::UNPROCESSABLE_ENTITY, "invalid", Some("handler"));
            (status, body.to_string().replace(name, "NAME"))
        }
    };
    let missing = answer("nobody-at-all").await;
    assert_eq!(answer("e1handler").await, missing, "an account in another enterprise");
    assert_eq!(answer("f1reception").await, missing, "a receptionist in another street");
    // An account on the case's path is still told apart (the caller may see it).
    let (_, own) = reception.post(&format!("{case}/assign"), json!({"handler":"e2reception"})).await;
    assert_ne!(own.to_string().replace("e2reception", "NAME"), missing.1, "{own}");
    // And the page says the same as the API (in English, which shows the API's message).
    reception.http.get(format!("{}/lang/en?next=/", reception.base)).send().await.unwrap();
    let number = v["number"].as_str().unwrap();
    let page = |name: &'static str| {
        let reception = &reception;
        async move {
            let path = format!("/cases/{number}");
            let html = reception.http.get(format!("{}{path}", reception.base)).send().await.unwrap();
            let csrf = hidden(&html.text().await.unwrap(), "csrf");
            let r = reception
                .http
                .post(format!("{}{path}/assign", reception.base))
                .form(&[("csrf", csrf.as_str()), ("handler", name)])
                .send()
                .await
                .unwrap();
            let status = r.status();
            let html = r.text().await.unwrap().replace(name, "NAME");
            // The form's echo and token differ between two renderings: compare the error.
            (status, error_text(&html))
        }
    };
    let missing = page("nobody-at-all").await;
    assert_eq!(missing.0, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(missing.1.iter().any(|m| m.contains("NAME")), "{missing:?}");
    assert_eq!(page("e1handler").await, missing);
    assert_eq!(page("f1reception").await, missing);
}
both!(assigning_outside_is_answered_as_missing);

/// The messages a page shows by its fields (`class="field-error"`), in order.
fn error_text(html: &str) -> Vec<String> {
    html.split("class=\"field-error\"")
        .skip(1)
        .map(|s| s.split('<').next().unwrap_or("").trim_start_matches(['>', ' ']).to_owned())
        .collect()
}

fn hidden(html: &str, name: &str) -> String {
    let at = html.find(&format!("name=\"{name}\" value=\"")).unwrap_or_else(|| panic!("no {name} in the form"));
    let rest = &html[at + name.len() + 15..];
    rest[..rest.find('"').unwrap()].to_owned()
}

/// The value of cookie `name` among a response's `Set-Cookie` headers, with the whole header.
fn set_cookie(r: &reqwest::Response, name: &str) -> Option<(String, String)> {
    r.headers().get_all(SET_COOKIE).iter().filter_map(|v| v.to_str().ok()).find_map(|v| {
        let value = v.strip_prefix(&format!("{name}="))?.split(';').next()?.to_owned();
        Some((value, v.to_owned()))
    })
}

/// A session token of `username`, logged in through the API.
async fn session_of(app: &TestApp, username: &str) -> String {
    let r = try_login(&client_from(Ipv4Addr::LOCALHOST), app, username, PASSWORD).await;
    assert_eq!(r.status(), StatusCode::OK);
    set_cookie(&r, "youyue_session").unwrap().0
}

/// GETs `path` with `cookies` and returns the form's CSRF token.
async fn token_on(c: &reqwest::Client, app: &TestApp, path: &str, cookies: &str) -> String {
    let html = c.get(app.url(path)).header(COOKIE, cookies).send().await.unwrap().text().await.unwrap();
    hidden(&html, "csrf")
}

async fn csrf_is_tied_to_the_session(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let c = client_from(Ipv4Addr::LOCALHOST);
    let made_up = "ab".repeat(32);

    // A staff form: a chair's session with a cookie and token of someone else's making.
    let session = session_of(&app, "e1chair").await;
    let post_bulletin = |cookies: String, token: String, title: &'static str| {
        let c = &c;
        let app = &app;
        async move {
            c.post(app.url("/unions/jd.s1.e1/bulletins"))
                .header(COOKIE, cookies)
                .form(&[("csrf", token.as_str()), ("title", title), ("body", "正文")])
                .send()
                .await
                .unwrap()
                .status()
        }
    };
    let forged = format!("youyue_session={session}; youyue_csrf={made_up}");
    assert_eq!(
        post_bulletin(forged.clone(), made_up.clone(), "forged-pair").await,
        StatusCode::BAD_REQUEST,
        "a self-made cookie and token pair is refused"
    );
    // The token of another session of the same account is refused too.
    let other = session_of(&app, "e1chair").await;
    let other_token = token_on(&c, &app, "/unions/jd.s1.e1", &format!("youyue_session={other}")).await;
    assert_eq!(
        post_bulletin(forged.clone(), other_token, "other-session").await,
        StatusCode::BAD_REQUEST,
        "another session's token is refused"
    );
    // The page's own token passes, whatever the CSRF cookie says.
    let token = token_on(&c, &app, "/unions/jd.s1.e1", &forged).await;
    assert_ne!(token, made_up);
    assert_eq!(post_bulletin(forged, token, "the-real-one").await, StatusCode::OK);
    let studio = c.get(app.url("/s/jd.s1.e1")).send().await.unwrap().text().await.unwrap();
    assert!(studio.contains("the-real-one") && !studio.contains("forged-pair") && !studio.contains("other-session"));

    // A public form: a browser without a session, with a made-up cookie and token.
    let submit = |token: String, text: &'static str| {
        let c = &c;
        let app = &app;
        let cookie = format!("youyue_csrf={made_up}");
        async move {
            let key = "cd".repeat(32);
            let form = [
                ("csrf", token.as_str()),
                ("idempotency_key", key.as_str()),
                ("kind", "claim"),
                ("description", text),
                ("people", "1"),
            ];
            c.post(app.url("/s/jd.s1.e1")).header(COOKIE, cookie).form(&form).send().await.unwrap().status()
        }
    };
    // Refused: nothing is written; the form comes back filled in to send again (issue 19).
    assert_eq!(submit(made_up.clone(), "伪造的表单").await, StatusCode::UNPROCESSABLE_ENTITY);
    let token = token_on(&c, &app, "/s/jd.s1.e1", &format!("youyue_csrf={made_up}")).await;
    assert_ne!(token, made_up, "the token is not the cookie");
    assert_eq!(submit(token, "真的表单").await, StatusCode::OK);
    let chair = app.login("e1chair").await;
    let (_, list) = chair.get("/api/v1/cases?q=伪造").await;
    assert_eq!(list["total"], 0, "{list}");
}
both!(csrf_is_tied_to_the_session);

/// Every cookie the server sets carries `Secure` under `--secure-cookies` (the HTTP layer
/// only, so SQLite alone).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_cookie_is_secure_under_secure_cookies() {
    let db = TestDb::new(Backend::Sqlite).await;
    let store = youyue_store::open(&db.url).await.unwrap();
    import_text(store.as_ref(), &district_jsonl()).await.unwrap();
    let mut config = youyue_server::Config::new(SocketAddr::from(([127, 0, 0, 1], 0)));
    config.secure_cookies = true;
    let server = youyue_server::Application::build(store, config).await.unwrap();
    let base = format!("http://{}", server.local_addr());
    let (tx, rx) = tokio::sync::oneshot::channel::<()>();
    let serving = tokio::spawn(server.run_until_stopped(async {
        let _ = rx.await;
    }));
    let c = client_from(Ipv4Addr::LOCALHOST);

    let mut seen: Vec<(String, String)> = Vec::new();
    let mut keep = |r: &reqwest::Response| {
        for v in r.headers().get_all(SET_COOKIE).iter() {
            let v = v.to_str().unwrap().to_owned();
            seen.push((v.split('=').next().unwrap().to_owned(), v));
        }
    };
    keep(&c.get(format!("{base}/s/jd.s1.e1/rate")).send().await.unwrap());
    keep(&c.get(format!("{base}/lang/en?next=/")).send().await.unwrap());
    let r = c
        .post(format!("{base}/api/v1/session"))
        .json(&json!({"username":"e1chair","password":PASSWORD}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    keep(&r);
    let names: Vec<&str> = seen.iter().map(|(n, _)| n.as_str()).collect();
    for want in ["youyue_csrf", "youyue_voter", "lang", "youyue_session"] {
        assert!(names.contains(&want), "{want} not set: {seen:?}");
    }
    for (name, header) in &seen {
        let secure = header.split(';').any(|a| a.trim().eq_ignore_ascii_case("secure"));
        assert!(secure, "cookie {name} lacks Secure: {header}");
    }
    let _ = tx.send(());
    tokio::time::timeout(Duration::from_secs(30), serving).await.unwrap().unwrap().unwrap();
}
