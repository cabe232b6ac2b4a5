//! Trust: no acknowledged case lost (SIGKILL under load), retries that make one case, sessions
//! and tokens that end when they should, wellbeing cases and contacts seen only by whom they
//! concern (and every such reading logged), anonymisation that keeps the figures, and a
//! database outage answered with 503 and recovered from.

use crate::harness::{assert_error, start_server, wait_until, youyue, Backend, Client, TestApp, TestDb, PASSWORD};
use reqwest::StatusCode;
use serde_json::{json, Value};
use std::collections::{BTreeMap, BTreeSet};
use std::process::Command;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

/// POST with an `Idempotency-Key`: the status, whether the answer was replayed, the body.
async fn post_keyed(c: &Client, path: &str, key: &str, body: &Value) -> (StatusCode, bool, Value) {
    let r = c.http.post(format!("{}{path}", c.base)).header("idempotency-key", key).json(body).send().await.unwrap();
    let status = r.status();
    let replayed = r.headers().get("idempotent-replayed").is_some_and(|v| v == "true");
    let text = r.text().await.unwrap();
    (status, replayed, serde_json::from_str(&text).unwrap_or(Value::String(text)))
}

async fn idempotency_keys(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let worker = app.anonymous();
    let body = json!({"union":"jd.s1.e1","kind":"claim","description":"三个月工资未发 idem-1"});
    let (s1, r1, first) = post_keyed(&worker, "/api/v1/public/cases", "key-1", &body).await;
    assert_eq!(s1, StatusCode::CREATED, "{first}");
    assert!(!r1);
    // The retry gets the same case and the same tracking code, marked as replayed.
    let (s2, r2, again) = post_keyed(&worker, "/api/v1/public/cases", "key-1", &body).await;
    assert_eq!((s2, r2), (StatusCode::CREATED, true), "{again}");
    assert_eq!(again["number"], first["number"]);
    assert_eq!(again["tracking_code"], first["tracking_code"]);
    // The code works (it is derived, never stored).
    let number = first["number"].as_str().unwrap();
    let (s, _) =
        worker.post(&format!("/api/v1/public/cases/{number}/lookup"), json!({"code": again["tracking_code"]})).await;
    assert_eq!(s, StatusCode::OK);
    // The key reused for something else is refused, naming the header.
    let other = json!({"union":"jd.s1.e1","kind":"claim","description":"别的事"});
    let (s, _, e) = post_keyed(&worker, "/api/v1/public/cases", "key-1", &other).await;
    assert_eq!((s, &e["error"]["field"]), (StatusCode::UNPROCESSABLE_ENTITY, &json!("Idempotency-Key")), "{e}");
    let (s, _, e) = post_keyed(&worker, "/api/v1/public/cases", &"k".repeat(201), &body).await;
    assert_eq!((s, &e["error"]["field"]), (StatusCode::BAD_REQUEST, &json!("Idempotency-Key")), "{e}");
    let (s, _, e) = post_keyed(&worker, "/api/v1/public/cases", "two words", &body).await;
    assert_eq!(s, StatusCode::BAD_REQUEST, "{e}");

    // Eight concurrent attempts with one key make one case.
    let burst = json!({"union":"jd.s1.e1","kind":"claim","description":"并发重试 idem-2"});
    let mut tasks = Vec::new();
    for _ in 0..8 {
        let c = Client { http: worker.http.clone(), base: worker.base.clone() };
        let b = burst.clone();
        tasks.push(tokio::spawn(async move { post_keyed(&c, "/api/v1/public/cases", "key-2", &b).await }));
    }
    let mut numbers = BTreeSet::new();
    for t in tasks {
        let (s, _, v) = t.await.unwrap();
        assert_eq!(s, StatusCode::CREATED, "{v}");
        numbers.insert(v["number"].as_str().unwrap().to_owned());
    }
    assert_eq!(numbers.len(), 1, "{numbers:?}");
    let chair = app.login("e1chair").await;
    let (_, list) = chair.get("/api/v1/cases?q=idem-2").await;
    assert_eq!(list["total"], 1, "{list}");

    // Staff registering: keys are per account.
    let reg = json!({"union":"jd.s1.e1","kind":"dispute","channel":"hotline","description":"热线来电 idem-3"});
    let e1r = app.login("e1reception").await;
    let (s, r, a) = post_keyed(&e1r, "/api/v1/cases", "r-1", &reg).await;
    assert_eq!((s, r), (StatusCode::CREATED, false), "{a}");
    let (s, r, b) = post_keyed(&e1r, "/api/v1/cases", "r-1", &reg).await;
    assert_eq!((s, r), (StatusCode::CREATED, true), "{b}");
    assert_eq!(a["number"], b["number"]);
    let s1 = app.login("s1chair").await;
    let (s, r, c) = post_keyed(&s1, "/api/v1/cases", "r-1", &reg).await;
    assert_eq!((s, r), (StatusCode::CREATED, false), "{c}");
    assert_ne!(a["number"], c["number"]);

    // The worker's form carries its key: sending the same form twice shows the same case.
    let browser = app.anonymous();
    let page = get_form(&browser, "/s/jd.s1.e1").await;
    let csrf = hidden(&page, "csrf");
    let key = hidden(&page, "idempotency_key");
    assert_eq!(key.len(), 64, "the form carries a fresh key");
    let form = [
        ("csrf", csrf.as_str()),
        ("idempotency_key", key.as_str()),
        ("kind", "claim"),
        ("description", "表单重复提交 idem-4"),
        ("people", "1"),
    ];
    let mut shown = Vec::new();
    for _ in 0..2 {
        let r = browser.http.post(format!("{}/s/jd.s1.e1", browser.base)).form(&form).send().await.unwrap();
        let status = r.status();
        let html = r.text().await.unwrap();
        assert_eq!(status, StatusCode::OK, "{html}");
        shown.push(html);
    }
    let number_in = |html: &str| html.split("JD-").nth(1).map(|s| s[..11].to_owned()).unwrap();
    assert_eq!(number_in(&shown[0]), number_in(&shown[1]));
    let (_, list) = chair.get("/api/v1/cases?q=idem-4").await;
    assert_eq!(list["total"], 1, "{list}");
}
both!(idempotency_keys);

/// A page's HTML (the client keeps the CSRF cookie it sets).
async fn get_form(c: &Client, path: &str) -> String {
    c.http.get(format!("{}{path}", c.base)).send().await.unwrap().text().await.unwrap()
}

fn hidden(html: &str, name: &str) -> String {
    let at = html.find(&format!("name=\"{name}\" value=\"")).unwrap_or_else(|| panic!("no {name} in the form"));
    let rest = &html[at + name.len() + 15..];
    rest[..rest.find('"').unwrap()].to_owned()
}

/// A small deterministic generator for the kill moments (seeded from the clock, printed).
struct XorShift(u64);
impl XorShift {
    fn below(&mut self, n: u64) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0 % n
    }
}

#[derive(Clone)]
struct Acked {
    number: String,
    code: String,
}

/// The real binary under eight clients' submissions is killed with SIGKILL at a random
/// moment, many times. After each restart every acknowledged case is there, complete, with
/// its record book; every submission that was in flight, retried with its key, makes exactly
/// one case; the record chains verify.
async fn sigkill_under_load_loses_nothing(backend: Backend) {
    let rounds: u64 = std::env::var("YOUYUE_CRASH_ROUNDS").ok().and_then(|r| r.parse().ok()).unwrap_or(5);
    let db = TestDb::new(backend).await;
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("district.jsonl");
    std::fs::write(&file, crate::harness::district_jsonl()).unwrap();
    assert!(youyue(&db.url, &["import", file.to_str().unwrap()]).status.success());
    let seed = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_nanos() as u64 | 1;
    let mut rng = XorShift(seed);
    let body_of = |key: &str| json!({"union":"jd.s1.e1","kind":"claim","description":format!("崩溃测试 {key}")});
    let mut acked: BTreeMap<String, Acked> = BTreeMap::new();
    let mut in_flight_total = 0;
    for round in 0..rounds {
        let server = start_server(&db.url).await;
        let acks = Arc::new(AtomicUsize::new(0));
        let mut tasks = Vec::new();
        for w in 0..8 {
            let (acks, url) = (acks.clone(), server.url("/api/v1/public/cases"));
            tasks.push(tokio::spawn(async move {
                let client = reqwest::Client::builder().timeout(Duration::from_secs(20)).build().unwrap();
                let (mut done, mut pending) = (Vec::new(), None);
                for n in 0.. {
                    let key = format!("r{round}-w{w}-n{n}");
                    let body = json!({"union":"jd.s1.e1","kind":"claim","description":format!("崩溃测试 {key}")});
                    let sent = client.post(&url).header("idempotency-key", &key).json(&body).send().await;
                    match sent {
                        Ok(r) if r.status() == StatusCode::CREATED => {
                            let v: Value = r.json().await.unwrap();
                            let a = Acked {
                                number: v["number"].as_str().unwrap().to_owned(),
                                code: v["tracking_code"].as_str().unwrap().to_owned(),
                            };
                            done.push((key, a));
                            acks.fetch_add(1, Ordering::Relaxed);
                        }
                        Ok(r) => panic!("{key}: {} {}", r.status(), r.text().await.unwrap_or_default()),
                        // The server died with this request in flight: it may or may not
                        // have been stored; the retry below must settle it.
                        Err(_) => {
                            pending = Some(key);
                            break;
                        }
                    }
                }
                (done, pending)
            }));
        }
        // Killed at a random moment once the load is running (the first case acknowledged),
        // so that a slow start cannot leave a round with nothing to check.
        wait_until(|| acks.load(Ordering::Relaxed) > 0, "the first acknowledged case").await;
        let kill_after = rng.below(1200);
        tokio::time::sleep(Duration::from_millis(kill_after)).await;
        server.kill(); // SIGKILL
        let mut pending = Vec::new();
        let mut this_round = 0;
        for t in tasks {
            let (done, p) = t.await.unwrap();
            this_round += done.len();
            acked.extend(done);
            pending.extend(p);
        }
        assert!(this_round > 0, "round {round}: nothing was acknowledged in a minute");
        in_flight_total += pending.len();

        // Restarted: the in-flight submissions retried with their keys make one case each.
        let server = start_server(&db.url).await;
        let client = Client { http: reqwest::Client::new(), base: server.url("") };
        for key in pending {
            let (s, _, v) = post_keyed(&client, "/api/v1/public/cases", &key, &body_of(&key)).await;
            assert_eq!(s, StatusCode::CREATED, "retry of {key}: {v}");
            let again = post_keyed(&client, "/api/v1/public/cases", &key, &body_of(&key)).await;
            assert_eq!((again.0, again.1, &again.2["number"]), (StatusCode::CREATED, true, &v["number"]));
            let a = Acked {
                number: v["number"].as_str().unwrap().to_owned(),
                code: v["tracking_code"].as_str().unwrap().into(),
            };
            acked.insert(key, a);
        }
        // A few acknowledged ones retried: the same case, the same code.
        for (key, a) in acked.iter().rev().take(3) {
            let (s, replayed, v) = post_keyed(&client, "/api/v1/public/cases", key, &body_of(key)).await;
            assert_eq!((s, replayed), (StatusCode::CREATED, true), "{key}: {v}");
            assert_eq!((v["number"].as_str().unwrap(), v["tracking_code"].as_str().unwrap()), (&*a.number, &*a.code));
        }
        server.kill();
        eprintln!("crash round {round}: killed {kill_after} ms after the first acknowledgement, {this_round} acknowledged (seed {seed})");
    }

    // Every acknowledged case is there, once, as sent, with its record book and its code.
    let export = String::from_utf8(youyue(&db.url, &["export"]).stdout).unwrap();
    let mut cases: BTreeMap<String, Value> = BTreeMap::new();
    let mut registered: BTreeSet<String> = BTreeSet::new();
    for line in export.lines() {
        let v: Value = serde_json::from_str(line).unwrap();
        match v["type"].as_str() {
            Some("case") => {
                cases.insert(v["number"].as_str().unwrap().to_owned(), v);
            }
            Some("record") if v["action"] == "register" => {
                registered.insert(v["case"].as_str().unwrap().to_owned());
            }
            _ => {}
        }
    }
    let crash_cases: Vec<&Value> =
        cases.values().filter(|c| c["description"].as_str().is_some_and(|d| d.starts_with("崩溃测试"))).collect();
    assert_eq!(crash_cases.len(), acked.len(), "one case per key, no more, no fewer");
    for (key, a) in &acked {
        let c = cases.get(&a.number).unwrap_or_else(|| panic!("acknowledged {} ({key}) is lost", a.number));
        assert_eq!(c["description"], format!("崩溃测试 {key}"));
        assert_eq!(c["status"], "registered");
        assert!(registered.contains(&a.number), "{} has no record book", a.number);
        let code = youyue_domain::tracking::normalize(&a.code).unwrap();
        assert_eq!(c["tracking_code_hash"], youyue_server::auth::sha256_hex(&code), "{}'s code", a.number);
    }
    let verify = youyue(&db.url, &["verify"]);
    assert!(String::from_utf8_lossy(&verify.stdout).contains("all intact"), "{verify:?}");
    eprintln!(
        "crash test ({backend:?}): {rounds} SIGKILLs, {} cases acknowledged, {in_flight_total} in flight retried, none lost",
        acked.len()
    );
}
both!(sigkill_under_load_loses_nothing);

async fn sessions_tokens_and_second_factor(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    // Two sessions of one account; logging out everywhere from one ends both.
    let a = app.login("e1chair").await;
    let b = app.login("e1chair").await;
    let r = a.http.delete(format!("{}/api/v1/sessions", a.base)).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(r.json::<Value>().await.unwrap()["ended"], 2);
    assert_eq!(a.get("/api/v1/me").await.0, StatusCode::UNAUTHORIZED);
    assert_eq!(b.get("/api/v1/me").await.0, StatusCode::UNAUTHORIZED);

    // Tokens: a read-only one reads and may not write; a revoked one stops at once.
    let chair = app.login("e1chair").await;
    let read = chair.ok("/api/v1/tokens", json!({"name":"报表脚本","scope":"read"}), StatusCode::CREATED).await;
    let write = chair.ok("/api/v1/tokens", json!({"name":"同步脚本"}), StatusCode::CREATED).await;
    assert_eq!(write["scope"], "write");
    let bearer = |t: &Value| {
        let mut h = reqwest::header::HeaderMap::new();
        h.insert("authorization", format!("Bearer {}", t["token"].as_str().unwrap()).parse().unwrap());
        Client { http: reqwest::Client::builder().default_headers(h).build().unwrap(), base: app.url("") }
    };
    let (reader, writer) = (bearer(&read), bearer(&write));
    assert_eq!(reader.get("/api/v1/cases").await.0, StatusCode::OK);
    let reg = json!({"union":"jd.s1.e1","kind":"claim","channel":"hotline","description":"令牌登记"});
    assert_error(&reader.post("/api/v1/cases", reg.clone()).await, StatusCode::FORBIDDEN, "forbidden", None);
    assert_eq!(writer.post("/api/v1/cases", reg.clone()).await.0, StatusCode::CREATED);
    let (_, tokens) = chair.get("/api/v1/tokens").await;
    assert_eq!(tokens.as_array().unwrap().len(), 2);
    assert!(!tokens.to_string().contains(read["token"].as_str().unwrap()), "secrets are never listed");
    let id = read["id"].as_i64().unwrap();
    let r = chair.http.delete(app.url(&format!("/api/v1/tokens/{id}"))).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::NO_CONTENT);
    assert_eq!(reader.get("/api/v1/cases").await.0, StatusCode::UNAUTHORIZED);
    let r = chair.http.delete(app.url(&format!("/api/v1/tokens/{id}"))).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
    // An id that is no number (or too big for one) names no token: a JSON 404 too.
    for bad in ["abc", "-8957107770645650495131090944"] {
        let r = chair.http.delete(app.url(&format!("/api/v1/tokens/{bad}"))).send().await.unwrap();
        assert_eq!(r.status(), StatusCode::NOT_FOUND, "{bad}");
        let body: Value = r.json().await.unwrap();
        assert_eq!(body["error"]["code"], "not_found", "{bad}: {body}");
    }

    // A password change ends the account's other sessions and tokens; the caller stays in.
    let other = app.login("e1chair").await;
    let put = |c: &Client, path: &str, body: Value| c.http.put(format!("{}{path}", c.base)).json(&body).send();
    let r = put(&chair, "/api/v1/me/password", json!({"current": "wrong password", "new": "a new long password"}))
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let r = put(&chair, "/api/v1/me/password", json!({"current": PASSWORD, "new": "short"})).await.unwrap();
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let r =
        put(&chair, "/api/v1/me/password", json!({"current": PASSWORD, "new": "a new long password"})).await.unwrap();
    assert_eq!(r.status(), StatusCode::NO_CONTENT);
    assert_eq!(chair.get("/api/v1/me").await.0, StatusCode::OK);
    assert_eq!(other.get("/api/v1/me").await.0, StatusCode::UNAUTHORIZED);
    assert_eq!(writer.get("/api/v1/cases").await.0, StatusCode::UNAUTHORIZED);
    let fresh = app.anonymous();
    let (s, _) = fresh.post("/api/v1/session", json!({"username":"e1chair","password":"a new long password"})).await;
    assert_eq!(s, StatusCode::OK);

    // A second factor: set up with a code from the secret, then logging in needs one.
    let (s, setup) = fresh.post("/api/v1/me/totp", json!(null)).await;
    assert_eq!(s, StatusCode::OK, "{setup}");
    let secret = setup["secret"].as_str().unwrap().to_owned();
    assert!(setup["otpauth_url"].as_str().unwrap().starts_with("otpauth://totp/"));
    let now = youyue_server::auth::unix_now();
    let code = youyue_server::auth::totp::code(&secret, now).unwrap();
    let r = put(&fresh, "/api/v1/me/totp", json!({"password":"a new long password","secret":secret,"code":"000000"}))
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY, "a wrong code does not turn it on");
    let r = put(&fresh, "/api/v1/me/totp", json!({"password":"a new long password","secret":secret,"code":code}))
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::NO_CONTENT);
    let login = json!({"username":"e1chair","password":"a new long password"});
    assert_error(
        &app.anonymous().post("/api/v1/session", login.clone()).await,
        StatusCode::UNAUTHORIZED,
        "second_factor",
        Some("totp"),
    );
    let code = youyue_server::auth::totp::code(&secret, youyue_server::auth::unix_now()).unwrap();
    let mut with_code = login.clone();
    with_code["totp"] = json!(code);
    assert_eq!(app.anonymous().post("/api/v1/session", with_code).await.0, StatusCode::OK);

    // Failed logins: the first five cost nothing, then each waits longer (429 Retry-After).
    let guess = app.anonymous();
    for _ in 0..5 {
        let (s, _) = guess.post("/api/v1/session", json!({"username":"e1handler","password":"guess"})).await;
        assert_eq!(s, StatusCode::UNAUTHORIZED);
    }
    let (s, _) = guess.post("/api/v1/session", json!({"username":"e1handler","password":"guess"})).await;
    assert_eq!(s, StatusCode::UNAUTHORIZED, "the sixth failure is counted");
    let r = guess
        .http
        .post(app.url("/api/v1/session"))
        .json(&json!({"username":"e1handler","password":PASSWORD}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::TOO_MANY_REQUESTS, "even the right password waits");
    assert!(r.headers().get("retry-after").is_some());
    // Another account from another … address is not held up (same address here: 30 free).
    assert_eq!(
        app.anonymous().post("/api/v1/session", json!({"username":"e2handler","password":PASSWORD})).await.0,
        StatusCode::OK
    );
}
both!(sessions_tokens_and_second_factor);

async fn wellbeing_cases_and_contacts(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let worker = app.anonymous();
    let v = worker
        .ok(
            "/api/v1/public/cases",
            json!({"union":"jd.s1.e1","kind":"wellbeing","description":"最近压力很大，睡不着","worker_name":"小李","contact":"13800000000"}),
            StatusCode::CREATED,
        )
        .await;
    let number = v["number"].as_str().unwrap().to_owned();
    let path = format!("/api/v1/cases/{number}");
    // Only chairs see it before it is assigned; receptionists, handlers and the
    // administrator do not learn it exists (404, and not in lists or counts).
    for who in ["e1reception", "e1handler", "mediator", "admin"] {
        let c = app.login(who).await;
        assert_error(&c.get(&path).await, StatusCode::NOT_FOUND, "not_found", None);
        let (_, list) = c.get("/api/v1/cases").await;
        assert!(!list.to_string().contains(&number), "{who} lists it");
        assert_eq!(list["total"], list["cases"].as_array().unwrap().len(), "{who}'s total counts what is listed");
    }
    let chair = app.login("e1chair").await;
    assert_eq!(chair.get(&path).await.0, StatusCode::OK);
    let street = app.login("s1chair").await;
    assert_eq!(street.get(&path).await.0, StatusCode::OK);
    chair.ok(&format!("{path}/accept"), json!({"urgency":"urgent"}), StatusCode::OK).await;
    chair.ok(&format!("{path}/assign"), json!({"handler":"e1handler"}), StatusCode::OK).await;
    // The assigned counsellor sees it now; the other handler still does not.
    let counsellor = app.login("e1handler").await;
    let (s, case) = counsellor.get(&path).await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(case["contact"], "13800000000");
    let (_, list) = counsellor.get("/api/v1/cases").await;
    assert!(list.to_string().contains(&number));
    assert!(!list.to_string().contains("13800000000"), "lists never carry contacts");
    assert_error(&app.login("e2handler").await.get(&path).await, StatusCode::NOT_FOUND, "not_found", None);
    // Every reading of it is logged, and the chair can read the log; a handler cannot.
    let (s, reads) = chair.get(&format!("{path}/reads")).await;
    assert_eq!(s, StatusCode::OK);
    let readers: Vec<(String, String)> = reads
        .as_array()
        .unwrap()
        .iter()
        .map(|r| (r["username"].as_str().unwrap().to_owned(), r["what"].as_str().unwrap().to_owned()))
        .collect();
    for expected in [("e1chair", "case"), ("s1chair", "case"), ("e1handler", "case"), ("e1handler", "contact")] {
        assert!(readers.contains(&(expected.0.into(), expected.1.into())), "{expected:?} not in {readers:?}");
    }
    assert!(!readers.iter().any(|(u, _)| u == "e2handler" || u == "admin"), "refused readers read nothing");
    assert_error(&counsellor.get(&format!("{path}/reads")).await, StatusCode::FORBIDDEN, "forbidden", None);
    // The read log cannot be edited, not even with SQL.
    let refused = match backend {
        Backend::Sqlite => {
            let pool = sqlx::SqlitePool::connect(&app.db.url).await.unwrap();
            sqlx::query("DELETE FROM read_log").execute(&pool).await.is_err()
        }
        Backend::Postgres => {
            let pool = sqlx::PgPool::connect(&app.db.url).await.unwrap();
            sqlx::query("UPDATE read_log SET what = 'export'").execute(&pool).await.is_err()
        }
    };
    assert!(refused, "the read log refuses edits");
    // The figures still count it for everyone who sees the dashboard.
    let (_, stats) = app.login("admin").await.get("/api/v1/stats?union=jd&from=2000-01-01&to=2100-12-31").await;
    assert_eq!(stats["opened_by_kind"]["wellbeing"], 1, "{stats}");
}
both!(wellbeing_cases_and_contacts);

/// Who is told that a wellbeing case waits (issue 19): the union's other staff see how many
/// wait for a chair, never which; a chair's list shows its title, and that showing, in the
/// inbox, the API's list or `inbox.xlsx`, is a line of its read log (`export`).
async fn wellbeing_waiting_and_list_reads(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let v = app
        .anonymous()
        .ok(
            "/api/v1/public/cases",
            json!({"union":"jd.s1.e1","kind":"wellbeing","title":"睡不着","description":"最近压力很大，睡不着"}),
            StatusCode::CREATED,
        )
        .await;
    let number = v["number"].as_str().unwrap().to_owned();
    let page = |c: &crate::harness::Client, path: &'static str| {
        let (http, url) = (c.http.clone(), format!("{}{path}", c.base));
        async move { http.get(url).send().await.unwrap().text().await.unwrap() }
    };
    let reception = app.login("e1reception").await;
    let inbox = page(&reception, "/inbox").await;
    assert!(inbox.contains(r#"id="wellbeing-waiting">1 件心理约事等待主席"#), "{inbox}");
    assert!(!inbox.contains(&number) && !inbox.contains("睡不着"), "only how many, never which");
    let elsewhere = page(&app.login("e2reception").await, "/inbox").await;
    assert!(!elsewhere.contains("wellbeing-waiting"), "another enterprise is told nothing");

    // The chair's list shows it, and says so in its read log; so does the street's download.
    let chair = app.login("e1chair").await;
    let inbox = page(&chair, "/inbox").await;
    assert!(inbox.contains(&number) && !inbox.contains("wellbeing-waiting"));
    let street = app.login("s1chair").await;
    let xlsx = street.http.get(format!("{}/inbox.xlsx?tab=all", street.base)).send().await.unwrap();
    assert_eq!(xlsx.status(), StatusCode::OK);
    chair.get("/api/v1/cases").await;
    let path = format!("/api/v1/cases/{number}");
    let (_, reads) = street.get(&format!("{path}/reads")).await;
    let readers: Vec<(&str, &str)> = reads
        .as_array()
        .unwrap()
        .iter()
        .map(|r| (r["username"].as_str().unwrap(), r["what"].as_str().unwrap()))
        .collect();
    assert_eq!(readers, [("e1chair", "export"), ("s1chair", "export")], "the inbox and the API's list once an hour");

    // Accepted and given a counsellor, it no longer waits for a chair.
    chair.ok(&format!("{path}/accept"), json!({"urgency":"normal"}), StatusCode::OK).await;
    assert!(page(&reception, "/inbox").await.contains(r#"id="wellbeing-waiting">1 "#), "accepted, no counsellor yet");
    chair.ok(&format!("{path}/assign"), json!({"handler":"e1handler"}), StatusCode::OK).await;
    assert!(!page(&reception, "/inbox").await.contains("wellbeing-waiting"));
}
both!(wellbeing_waiting_and_list_reads);

async fn anonymising_keeps_the_case_and_its_figures(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let worker = app.anonymous();
    let v = worker
        .ok(
            "/api/v1/public/cases",
            json!({"union":"jd.s1.e1","kind":"claim","description":"加班费","worker_name":"张三","contact":"13700000000"}),
            StatusCode::CREATED,
        )
        .await;
    let number = v["number"].as_str().unwrap().to_owned();
    let path = format!("/api/v1/cases/{number}");
    let admin = app.login("admin").await;
    let stats_path = "/api/v1/stats?union=jd&from=2000-01-01&to=2100-12-31";
    let (_, before) = admin.get(stats_path).await;
    // Only a chair or an administrator; a reason is required.
    let e1r = app.login("e1reception").await;
    assert_error(
        &e1r.post(&format!("{path}/anonymise"), json!({"reason":"x"})).await,
        StatusCode::FORBIDDEN,
        "forbidden",
        None,
    );
    assert_error(
        &admin.post(&format!("{path}/anonymise"), json!({"reason":" "})).await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "invalid",
        Some("reason"),
    );
    let case = admin.ok(&format!("{path}/anonymise"), json!({"reason":"职工要求删除个人信息"}), StatusCode::OK).await;
    assert_eq!(case["worker_name"], Value::Null);
    assert_eq!(case["contact"], Value::Null);
    assert_eq!(case["description"], "加班费");
    let entry = case["record"].as_array().unwrap().last().unwrap().clone();
    assert_eq!(entry["action"], "anonymise", "{entry}");
    assert_eq!(entry["actor"], "admin");
    assert!(!entry.to_string().contains("张三") && !entry.to_string().contains("13700000000"), "{entry}");
    let (_, after) = admin.get(stats_path).await;
    assert_eq!(before, after, "the figures are unchanged");
    let export = crate::harness::export_text(app.store.as_ref()).await;
    assert!(!export.contains("张三") && !export.contains("13700000000"), "gone from the database");
    assert!(export.contains(&number));
}
both!(anonymising_keeps_the_case_and_its_figures);

/// A TCP relay to PostgreSQL that can be cut (every connection dropped, nothing accepted)
/// and restored on the same port: the database "goes away" for the server under test.
struct Relay {
    port: u16,
    task: Option<tokio::task::JoinHandle<()>>,
}

impl Relay {
    async fn start(port: u16) -> Relay {
        // Back on the port it was cut from, which the server keeps using: retried while the
        // old sockets let go of it, for at most ten seconds.
        let mut tries = 0;
        let listener = loop {
            match tokio::net::TcpListener::bind(("127.0.0.1", port)).await {
                Ok(l) => break l,
                Err(_) if tries < 500 => {
                    tries += 1;
                    tokio::time::sleep(Duration::from_millis(20)).await
                }
                Err(e) => panic!("the relay cannot listen on port {port} again: {e}"),
            }
        };
        let port = listener.local_addr().unwrap().port();
        let task = tokio::spawn(async move {
            let mut conns = tokio::task::JoinSet::new();
            loop {
                let Ok((mut inbound, _)) = listener.accept().await else { break };
                conns.spawn(async move {
                    if let Ok(mut outbound) = tokio::net::TcpStream::connect("127.0.0.1:5432").await {
                        let _ = tokio::io::copy_bidirectional(&mut inbound, &mut outbound).await;
                    }
                });
            }
        });
        Relay { port, task: Some(task) }
    }

    /// Drops the listener and every relayed connection (the JoinSet aborts them).
    async fn cut(&mut self) {
        if let Some(t) = self.task.take() {
            t.abort();
            let _ = t.await;
        }
    }
}

/// With PostgreSQL unreachable the server answers 503 with a clear message within seconds,
/// rather than hanging, and recovers by itself when the database is back.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn database_outage_is_503_and_recovers() {
    let db = TestDb::new(Backend::Postgres).await;
    let mut relay = Relay::start(0).await;
    let url = db.url.replacen("127.0.0.1:5432", &format!("127.0.0.1:{}", relay.port), 1);
    assert_ne!(url, db.url, "the test database is reached through the relay: {}", db.url);
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("district.jsonl");
    std::fs::write(&file, crate::harness::district_jsonl()).unwrap();
    assert!(youyue(&url, &["import", file.to_str().unwrap()]).status.success());
    let server = start_server(&url).await;
    let client = reqwest::Client::builder().timeout(Duration::from_secs(30)).build().unwrap();
    let submit = |n: u32| {
        client
            .post(server.url("/api/v1/public/cases"))
            .json(&json!({"union":"jd.s1.e1","kind":"claim","description":format!("断库测试 {n}")}))
            .send()
    };
    assert_eq!(submit(0).await.unwrap().status(), StatusCode::CREATED);

    relay.cut().await;
    let started = std::time::Instant::now();
    let r = submit(1).await.unwrap();
    let took = started.elapsed();
    assert_eq!(r.status(), StatusCode::SERVICE_UNAVAILABLE);
    assert!(r.headers().get("retry-after").is_some());
    let body: Value = r.json().await.unwrap();
    assert_eq!(body["error"]["code"], "unavailable", "{body}");
    assert!(took < Duration::from_secs(15), "answered in {took:?}, not hung");
    let health = client.get(server.url("/healthz")).send().await.unwrap();
    assert_eq!(health.status(), StatusCode::SERVICE_UNAVAILABLE);

    let relay = Relay::start(relay.port).await;
    let mut recovered = false;
    for n in 2..200 {
        if submit(n).await.unwrap().status() == StatusCode::CREATED {
            recovered = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(recovered, "the server recovered by itself");
    server.kill();
    drop(relay);
    // Nothing half-written: the chains verify and the refused submission is not there.
    let verify = youyue(&db.url, &["verify"]);
    assert!(String::from_utf8_lossy(&verify.stdout).contains("all intact"), "{verify:?}");
    let export = String::from_utf8(youyue(&db.url, &["export"]).stdout).unwrap();
    assert!(export.contains("断库测试 0") && !export.contains("断库测试 1\""));
}

/// The schemathesis CLI: `$ST`, else `/opt/st/bin/st` (where `.ci/run` installs it), else
/// `st` on PATH. Missing, the test fails: it is part of the suite, not optional.
fn schemathesis_cli() -> String {
    if let Ok(st) = std::env::var("ST") {
        return st;
    }
    if std::path::Path::new("/opt/st/bin/st").exists() {
        return "/opt/st/bin/st".into();
    }
    let on_path = Command::new("st").arg("--version").output().is_ok_and(|o| o.status.success());
    assert!(
        on_path,
        "schemathesis is needed: python3 -m venv /opt/st && /opt/st/bin/pip install schemathesis==4.32.5 (.ci/run does it)"
    );
    "st".into()
}

/// schemathesis against the served OpenAPI document, bounded in time (`ST_MAX_TIME`
/// seconds per pass, default 45): with an administrator's token and without credentials;
/// zero server errors and zero responses outside the document allowed.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn schemathesis_finds_no_server_error_and_no_schema_violation() {
    let st = schemathesis_cli();
    let db = TestDb::new(Backend::Sqlite).await;
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("district.jsonl");
    std::fs::write(&file, crate::harness::district_jsonl()).unwrap();
    assert!(youyue(&db.url, &["import", file.to_str().unwrap()]).status.success());
    let server = start_server(&db.url).await;
    let base = server.url("");
    let admin = Client { http: reqwest::Client::builder().cookie_store(true).build().unwrap(), base: base.clone() };
    admin.ok("/api/v1/session", json!({"username":"admin","password":PASSWORD}), StatusCode::OK).await;
    for n in 0..5 {
        let body = json!({"union":"jd.s1.e1","kind":"dispute","channel":"hotline","description":format!("种子 {n}")});
        admin.ok("/api/v1/cases", body, StatusCode::CREATED).await;
    }
    let token = admin.ok("/api/v1/tokens", json!({"name":"schemathesis"}), StatusCode::CREATED).await;
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/../../tools/schemathesis.sh");
    let max_time = std::env::var("ST_MAX_TIME").unwrap_or_else(|_| "45".into());
    let token = token["token"].as_str().unwrap().to_owned();
    let out = tokio::task::spawn_blocking(move || {
        Command::new("bash")
            .arg(script)
            .env("ST", &st)
            .env("YOUYUE_URL", &base)
            .env("YOUYUE_TOKEN", token)
            .env("ST_MAX_TIME", &max_time)
            .env("ST_SEED", "20261129")
            .output()
            .unwrap()
    })
    .await
    .unwrap();
    server.kill();
    let text = format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    // The summary lines, for the record (SECURITY.md quotes them).
    for line in text.lines().filter(|l| l.contains("test cases") || l.contains("===") || l.contains("passed")) {
        eprintln!("{line}");
    }
    assert!(out.status.success(), "schemathesis found failures:\n{text}");
}

/// A district's retention periods: `youyue retention` anonymises the closed cases of a kind
/// past their period (as `system`, with the reason in the record book) and nothing else;
/// the figures do not move.
async fn retention_anonymises_what_is_past(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let old = json!({"type":"case","number":"JD-2021-000001","union":"jd.s1.e1","kind":"claim","channel":"hotline",
        "opened_at":"2021-03-01T09:00:00+08:00","accepted_at":"2021-03-01T10:00:00+08:00","due_on":"2021-03-10",
        "status":"resolved","closed_at":"2021-03-05T10:00:00+08:00","worker_name":"老王","contact":"13600000000"});
    // Closed a month ago, whenever the test runs: well inside the two years set below.
    let hour = 3_600_000_000;
    let opened = youyue_domain::Timestamp::from_micros(youyue_domain::Timestamp::now().micros() - 40 * 24 * hour);
    let at = |hours: i64| youyue_domain::Timestamp::from_micros(opened.micros() + hours * hour);
    let recent = json!({"type":"case","number":format!("JD-{}-000001", opened.to_cst().format("%Y")),
        "union":"jd.s1.e1","kind":"claim","channel":"hotline","opened_at":opened.to_rfc3339_cst(),
        "accepted_at":at(1).to_rfc3339_cst(),"due_on":at(9 * 24).cst_date().to_string(),"status":"resolved",
        "closed_at":at(4 * 24).to_rfc3339_cst(),"worker_name":"小赵","contact":"13500000000"});
    let old_dispute = json!({"type":"case","number":"JD-2021-000002","union":"jd.s1.e1","kind":"dispute","channel":"hotline",
        "opened_at":"2021-03-01T09:00:00+08:00","accepted_at":"2021-03-01T10:00:00+08:00","due_on":"2021-03-20",
        "status":"resolved","closed_at":"2021-03-05T10:00:00+08:00","agreement":true,"worker_name":"老李"});
    // A claim merged into the old one (issue 22): its matter ended when that case closed.
    let merged = json!({"type":"case","number":"JD-2021-000003","union":"jd.s1.e1","kind":"claim","channel":"online",
        "opened_at":"2021-03-02T09:00:00+08:00","status":"merged","merged_into":"JD-2021-000001",
        "worker_name":"老张","contact":"13700000000"});
    let text: String = [old, recent, old_dispute, merged].iter().map(|l| format!("{l}\n")).collect();
    crate::harness::import_text(app.store.as_ref(), &text).await.unwrap();
    let admin = app.login("admin").await;
    let put = |body: Value| admin.http.put(app.url("/api/v1/retention")).json(&body).send();
    assert_eq!(put(json!({"claim": 0})).await.unwrap().status(), StatusCode::UNPROCESSABLE_ENTITY);
    let chair = app.login("e1chair").await;
    let r = chair.http.put(app.url("/api/v1/retention")).json(&json!({"claim": 2})).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    assert_eq!(put(json!({"claim": 2})).await.unwrap().status(), StatusCode::NO_CONTENT);
    let (_, r) = admin.get("/api/v1/retention").await;
    assert_eq!((r["claim"].as_u64(), r["dispute"].as_u64()), (Some(2), None), "{r}");
    let stats_path = "/api/v1/stats?union=jd&from=2000-01-01&to=2100-12-31";
    let (_, before) = admin.get(stats_path).await;

    let out = youyue(&app.db.url, &["retention"]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert_eq!(String::from_utf8_lossy(&out.stdout).trim(), "JD-2021-000001\nJD-2021-000003");
    let again = youyue(&app.db.url, &["retention"]);
    assert_eq!(String::from_utf8_lossy(&again.stdout).trim(), "", "nothing is left to do");
    let (_, after) = admin.get(stats_path).await;
    assert_eq!(before, after);
    let export = crate::harness::export_text(app.store.as_ref()).await;
    assert!(!export.contains("老王") && !export.contains("13600000000"));
    assert!(!export.contains("老张") && !export.contains("13700000000"), "the merged case too");
    assert!(export.contains("小赵") && export.contains("老李"), "only the claim past two years");
    let (_, case) = admin.get("/api/v1/cases/JD-2021-000001").await;
    let last = case["record"].as_array().unwrap().last().unwrap().clone();
    assert_eq!((last["action"].as_str(), last["actor"].as_str()), (Some("anonymise"), Some("system")), "{last}");
}
both!(retention_anonymises_what_is_past);

/// A chair takes a name the worker typed out of the description (issue 19): the record
/// book says who, why and how many places, never the name; search no longer finds it;
/// the book still verifies. Only a chair or an administrator may, and only text that is there.
async fn a_chair_redacts_text_from_the_description(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let v = app
        .anonymous()
        .ok(
            "/api/v1/public/cases",
            json!({"union":"jd.s1.e1","kind":"claim","title":"王小明欠薪","description":"我是王小明，车间的王小明，三个月没发工资。"}),
            StatusCode::CREATED,
        )
        .await;
    let number = v["number"].as_str().unwrap().to_owned();
    let path = format!("/api/v1/cases/{number}/redact");
    let handler = app.login("e1handler").await;
    assert_error(
        &handler.post(&path, json!({"remove":"王小明","reason":"职工要求"})).await,
        StatusCode::FORBIDDEN,
        "forbidden",
        None,
    );
    let chair = app.login("e1chair").await;
    assert_error(
        &chair.post(&path, json!({"remove":"李四","reason":"职工要求"})).await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "invalid",
        Some("remove"),
    );
    let v = chair.ok(&path, json!({"remove":"王小明","reason":"职工要求删去姓名"}), StatusCode::OK).await;
    assert_eq!(v["description"], "我是【已删除】，车间的【已删除】，三个月没发工资。");
    assert_eq!(v["title"], "【已删除】欠薪");
    let (_, full) = chair.get(&format!("/api/v1/cases/{number}")).await;
    assert!(!full.to_string().contains("王小明"), "the name is nowhere: {full}");
    let (_, found) = chair.get("/api/v1/cases?q=%E7%8E%8B%E5%B0%8F%E6%98%8E").await;
    assert_eq!(found["total"], 0, "search forgets it: {found}");
    let exported = crate::harness::export_text(app.store.as_ref()).await;
    // Nor in the record book: the registration's entry holds neither the title nor the
    // description, the worker's own words.
    let (_, book) = chair.get(&format!("/api/v1/cases/{number}/record")).await;
    assert!(!book.to_string().contains("王小明"), "{book}");
    assert!(!exported.contains("王小明") && exported.contains(r#""redacted":3"#), "{exported}");
    let report = app.store.verify_chains().await.unwrap();
    assert_eq!(report.problems, vec![], "{report:?}");
}
both!(a_chair_redacts_text_from_the_description);
