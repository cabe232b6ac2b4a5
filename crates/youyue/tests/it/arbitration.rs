//! The statutory mediation clock and the referral to arbitration (issue 20): a dispute's
//! 15 calendar days from registration on every reading of it, 转仲裁 refused while they run
//! (409 `mediation_period_running`) and for other kinds (409 `not_a_dispute`), and once
//! they have passed a referral that closes the case as explained, tells the worker where
//! and by when, counts in `disputes_referred_to_arbitration` (with its drill-down), keeps
//! `verify` clean, survives an export and import, and is undone by reopening.
//!
//! Cases older than the test are registered through the store with their opening time;
//! days are counted from the server's own time (a case registered through the API).

use crate::harness::{assert_error, cst_date, export_text, import_text, Backend, Client, TestApp};
use chrono::{Days, NaiveDate};
use reqwest::StatusCode;
use serde_json::{json, Value};
use youyue_domain::{Channel, Kind, Timestamp};

const COMMISSION: &str = "金华市金东区劳动人事争议仲裁委员会";
const CODE: &str = "ABCDE-FGHJK";

/// The server's China day and time now, read from a case it registers.
async fn server_now(chair: &Client) -> Timestamp {
    let v = chair
        .ok(
            "/api/v1/cases",
            json!({"union":"jd.s1.e1","kind":"claim","channel":"hotline","description":"取时间"}),
            StatusCode::CREATED,
        )
        .await;
    Timestamp::parse_rfc3339(v["opened_at"].as_str().unwrap()).unwrap()
}

/// Waits out the last two minutes of a China day, so that what a test does next falls on
/// one day on the server's clock too.
async fn clear_of_day_end() {
    for _ in 0..180 {
        let now = Timestamp::now();
        let soon = Timestamp::from_micros(now.micros() + 120_000_000);
        if soon.cst_date() == now.cst_date() {
            return;
        }
        tokio::time::sleep(std::time::Duration::from_secs(1)).await;
    }
    panic!("the day did not turn in three minutes");
}

/// A case of `kind` registered at noon (China time) of `day`, with the tracking code CODE.
async fn registered_on(app: &TestApp, kind: Kind, day: NaiveDate) -> String {
    let union = app.store.union_by_code(&"jd.s1.e1".parse().unwrap()).await.unwrap().unwrap();
    let noon = Timestamp::parse_rfc3339(&format!("{day}T12:00:00+08:00")).unwrap();
    let mut draft = crate::harness::online_claim(union.id, "工伤赔偿".into(), noon);
    draft.kind = kind;
    draft.channel = Channel::Reception;
    draft.online = false;
    let normalized = youyue_domain::tracking::normalize(CODE).unwrap();
    draft.tracking_code_hash = Some(youyue_server::auth::sha256_hex(&normalized));
    let actor = youyue_store::Actor { label: "e1reception", user_id: None };
    app.store.create_case(&draft, actor).await.unwrap().record.number.to_string()
}

fn hidden(html: &str, name: &str) -> String {
    let at = html.find(&format!("name=\"{name}\" value=\"")).unwrap_or_else(|| panic!("no {name} in the form"));
    let rest = &html[at + name.len() + 15..];
    rest[..rest.find('"').unwrap()].to_owned()
}

fn days_before(day: NaiveDate, n: u64) -> NaiveDate {
    day.checked_sub_days(Days::new(n)).unwrap()
}

fn refer(commission: &str, on: NaiveDate) -> Value {
    json!({"commission": commission, "referred_on": on.to_string(), "note": "周一至周五上午受理"})
}

async fn stats(c: &Client, day: NaiveDate) -> Value {
    let (s, v) = c.get(&format!("/api/v1/stats?union=jd.s1.e1&from={day}&to={day}")).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    v
}

async fn referral_after_the_mediation_period(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let chair = app.login("e1chair").await;
    clear_of_day_end().await;
    let now = server_now(&chair).await;
    let today = now.cst_date();

    // Registered today: the clock runs for 15 more days and the case does not offer 转仲裁.
    let fresh = registered_on(&app, Kind::Dispute, today).await;
    let (_, v) = chair.get(&format!("/api/v1/cases/{fresh}")).await;
    assert_eq!(v["mediation_ends_on"], today.checked_add_days(Days::new(15)).unwrap().to_string());
    assert_eq!(v["mediation_period_over"], false);
    assert!(!v["actions"].as_array().unwrap().contains(&json!("refer")), "{v}");
    let got = chair.post(&format!("/api/v1/cases/{fresh}/arbitration"), refer(COMMISSION, today)).await;
    assert_error(&got, StatusCode::CONFLICT, "mediation_period_running", None);

    // Registered 15 days ago: today is the period's last day, still running.
    let last_day = registered_on(&app, Kind::Dispute, days_before(today, 15)).await;
    let (_, v) = chair.get(&format!("/api/v1/cases/{last_day}")).await;
    assert_eq!(v["mediation_ends_on"], today.to_string());
    assert_eq!(v["mediation_period_over"], false);
    let got = chair.post(&format!("/api/v1/cases/{last_day}/arbitration"), refer(COMMISSION, today)).await;
    assert_error(&got, StatusCode::CONFLICT, "mediation_period_running", None);
    assert!(got.1["error"]["message"].as_str().unwrap().contains(&today.to_string()), "{}", got.1);

    // A claim is never referred; it has no mediation clock.
    let claim = registered_on(&app, Kind::Claim, days_before(today, 40)).await;
    let (_, v) = chair.get(&format!("/api/v1/cases/{claim}")).await;
    assert_eq!((v["mediation_ends_on"].clone(), v["mediation_period_over"].clone()), (Value::Null, json!(false)));
    let got = chair.post(&format!("/api/v1/cases/{claim}/arbitration"), refer(COMMISSION, today)).await;
    assert_error(&got, StatusCode::CONFLICT, "not_a_dispute", None);

    // Registered 16 days ago: the period ended yesterday. The inbox marks it, the case
    // page says so and offers the form.
    let received = days_before(today, 16);
    let number = registered_on(&app, Kind::Dispute, received).await;
    let (_, v) = chair.get(&format!("/api/v1/cases/{number}")).await;
    assert_eq!(v["mediation_ends_on"], days_before(today, 1).to_string());
    assert_eq!(v["mediation_period_over"], true);
    assert!(v["actions"].as_array().unwrap().contains(&json!("refer")), "{v}");
    let inbox = chair.http.get(format!("{}/inbox", chair.base)).send().await.unwrap().text().await.unwrap();
    assert!(inbox.contains("mediation-over"), "the inbox marks the case");
    let page = chair.http.get(format!("{}/cases/{number}", chair.base)).send().await.unwrap().text().await.unwrap();
    assert!(page.contains("id=\"mediation-over-notice\"") && page.contains("id=\"do-refer\""), "{page}");

    // Who may not: a receptionist, a handler not assigned to it (403); someone outside (404).
    let reception = app.login("e1reception").await;
    let got = reception.post(&format!("/api/v1/cases/{number}/arbitration"), refer(COMMISSION, today)).await;
    assert_error(&got, StatusCode::FORBIDDEN, "forbidden", None);
    let handler = app.login("e1handler").await;
    let got = handler.post(&format!("/api/v1/cases/{number}/arbitration"), refer(COMMISSION, today)).await;
    assert_error(&got, StatusCode::FORBIDDEN, "forbidden", None);
    let outside = app.login("f1reception").await;
    let got = outside.post(&format!("/api/v1/cases/{number}/arbitration"), refer(COMMISSION, today)).await;
    assert_error(&got, StatusCode::NOT_FOUND, "not_found", None);

    // Bad input names its field and writes nothing.
    let path = format!("/api/v1/cases/{number}/arbitration");
    assert_error(
        &chair.post(&path, refer(" ", today)).await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "invalid",
        Some("commission"),
    );
    let within = days_before(today, 1);
    let got = chair.post(&path, refer(COMMISSION, within)).await;
    assert_error(&got, StatusCode::UNPROCESSABLE_ENTITY, "invalid", Some("referred_on"));
    let tomorrow = today.checked_add_days(Days::new(1)).unwrap();
    let got = chair.post(&path, refer(COMMISSION, tomorrow)).await;
    assert_error(&got, StatusCode::UNPROCESSABLE_ENTITY, "invalid", Some("referred_on"));
    let got = chair.post(&path, json!({"commission": COMMISSION, "referred_on": "2026-13-01"})).await;
    assert_error(&got, StatusCode::UNPROCESSABLE_ENTITY, "invalid", Some("referred_on"));
    let (_, book) = chair.get(&format!("/api/v1/cases/{number}/record")).await;
    assert_eq!(book.as_array().unwrap().len(), 1, "nothing written: {book}");
    assert_eq!(stats(&chair, today).await["disputes_referred_to_arbitration"], 0);

    // The referral: explained, with the commission and the day; the worker is told where
    // and by when (a year from the day the union received it).
    let v = chair.ok(&path, refer(COMMISSION, today), StatusCode::OK).await;
    assert_eq!(v["status"], "explained");
    assert_eq!(v["arbitration_commission"], COMMISSION);
    assert_eq!(v["referred_on"], today.to_string());
    assert_eq!(cst_date(&v["closed_at"]), today);
    let apply_by = youyue_domain::arbitration::apply_by(received);
    let explanation = v["explanation"].as_str().unwrap();
    let zh = |d: NaiveDate| d.format("%Y年%-m月%-d日").to_string();
    assert!(explanation.contains(COMMISSION), "{explanation}");
    assert!(explanation.contains(&format!("请最迟于{}前申请", zh(apply_by))), "{explanation}");
    assert!(explanation.ends_with("周一至周五上午受理"), "{explanation}");
    let last = v["record"].as_array().unwrap().last().unwrap().clone();
    assert_eq!(last["action"], "refer");
    assert_eq!(last["detail"]["after"]["arbitration_commission"], COMMISSION);
    assert_eq!(last["detail"]["after"]["status"], "explained");
    let again = chair.post(&path, refer(COMMISSION, today)).await;
    assert_error(&again, StatusCode::CONFLICT, "conflict", None);

    // The worker, with the number and code, reads it in words on /track and in the API.
    let anon = app.anonymous();
    let (s, t) = anon.post(&format!("/api/v1/public/cases/{number}/lookup"), json!({"code": CODE})).await;
    assert_eq!(s, StatusCode::OK, "{t}");
    assert_eq!(t["arbitration"]["commission"], COMMISSION);
    assert_eq!(t["arbitration"]["apply_by"], apply_by.to_string());
    assert!(t["answer"].as_str().unwrap().contains("劳动仲裁申请"), "{t}");
    assert!(t["timeline"].as_array().unwrap().iter().any(|s| s["label"] == "转仲裁"), "{t}");
    let track = anon.http.get(format!("{}/track", anon.base)).send().await.unwrap().text().await.unwrap();
    let csrf = hidden(&track, "csrf");
    let html = anon
        .http
        .post(format!("{}/track", anon.base))
        .form(&[("csrf", csrf.as_str()), ("number", number.as_str()), ("code", CODE)])
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(html.contains("id=\"referral\""), "{html}");
    assert!(html.contains(&format!("<strong id=\"apply-by\">{}</strong>", zh(apply_by))), "{html}");

    // The figure and its drill-down; the tallies rebuilt give the same.
    let s = stats(&chair, today).await;
    assert_eq!(s["disputes_referred_to_arbitration"], 1, "{s}");
    assert_eq!(s["cases_explained"], 1, "{s}");
    let drill = format!("/api/v1/cases?figure=disputes_referred_to_arbitration&from={today}&to={today}&union=jd.s1.e1");
    let (_, list) = chair.get(&drill).await;
    assert_eq!(list["total"], 1, "{list}");
    assert_eq!(list["cases"][0]["number"], number.as_str());
    app.store.rebuild_tallies().await.unwrap();
    assert_eq!(stats(&chair, today).await["disputes_referred_to_arbitration"], 1);

    // The record book replays to the case.
    let report = app.store.verify_chains().await.unwrap();
    assert!(report.problems.is_empty(), "{:?}", report.problems);

    // Export and import carry the referral as it is.
    let exported = export_text(app.store.as_ref()).await;
    let line = exported.lines().find(|l| l.contains(&format!("\"number\":\"{number}\""))).unwrap();
    assert!(line.contains(&format!("\"arbitration_commission\":\"{COMMISSION}\"")), "{line}");
    assert!(line.contains(&format!("\"referred_on\":\"{today}\"")), "{line}");
    let copy = TestApp::empty(backend).await;
    import_text(copy.store.as_ref(), &exported).await.unwrap();
    let original = app.store.case_by_number(&number.parse().unwrap()).await.unwrap().unwrap();
    let imported = copy.store.case_by_number(&number.parse().unwrap()).await.unwrap().unwrap();
    assert_eq!(imported.record, original.record);
    assert_eq!(export_text(copy.store.as_ref()).await, exported);
    let report = copy.store.verify_chains().await.unwrap();
    assert!(report.problems.is_empty(), "{:?}", report.problems);

    // Reopened (the commission refused it, say): the referral is taken back, and the figure.
    let v =
        chair.ok(&format!("/api/v1/cases/{number}/reopen"), json!({"reason":"仲裁委不予受理"}), StatusCode::OK).await;
    assert_eq!((v["arbitration_commission"].clone(), v["referred_on"].clone()), (Value::Null, Value::Null));
    assert_eq!(v["mediation_period_over"], true);
    assert_eq!(stats(&chair, today).await["disputes_referred_to_arbitration"], 0);
    let report = app.store.verify_chains().await.unwrap();
    assert!(report.problems.is_empty(), "{:?}", report.problems);
}
both!(referral_after_the_mediation_period);

/// The case page's form refers the case, and a refusal comes back in the page's words.
async fn referral_from_the_case_page(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let chair = app.login("e1chair").await;
    clear_of_day_end().await;
    let today = server_now(&chair).await.cst_date();
    let running = registered_on(&app, Kind::Dispute, days_before(today, 3)).await;
    let over = registered_on(&app, Kind::Dispute, days_before(today, 30)).await;
    let page = |n: &str| {
        let url = format!("{}/cases/{n}", chair.base);
        let http = chair.http.clone();
        async move { http.get(url).send().await.unwrap().text().await.unwrap() }
    };
    let html = page(&running).await;
    assert!(html.contains("id=\"mediation-ends-on\"") && !html.contains("id=\"do-refer\""), "{html}");
    let html = page(&over).await;
    let csrf = hidden(&html, "csrf");
    let post = |n: &str, fields: Vec<(&'static str, String)>| {
        let url = format!("{}/cases/{n}/refer", chair.base);
        let http = chair.http.clone();
        let mut form = vec![("csrf", csrf.clone())];
        form.extend(fields);
        async move {
            let r = http.post(url).form(&form).send().await.unwrap();
            (r.status(), r.text().await.unwrap())
        }
    };
    // While the period runs, the page says why in Chinese.
    let (s, html) = post(&running, vec![("commission", COMMISSION.into()), ("referred_on", today.to_string())]).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(html.contains("法定调解期限（登记次日起 15 日）尚未届满"), "{html}");
    let (s, html) = post(&over, vec![("commission", "".into()), ("referred_on", today.to_string())]).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(html.contains("id=\"commission-error\""), "{html}");
    let (s, html) =
        post(&over, vec![("commission", COMMISSION.into()), ("referred_on", today.to_string()), ("note", "".into())])
            .await;
    assert_eq!(s, StatusCode::OK, "{html}");
    assert!(html.contains("id=\"referral\"") && html.contains(COMMISSION), "{html}");
    assert!(!html.contains("id=\"do-refer\""));
    let (_, v) = chair.get(&format!("/api/v1/cases/{over}")).await;
    assert_eq!(v["status"], "explained");
}
both!(referral_from_the_case_page);

/// On a 360-px phone in Chromium: the case page of a dispute past its mediation period
/// (the notice and the form), the referral made through it, and the worker's /track.
async fn referral_on_a_phone(backend: Backend) {
    use crate::browser::{click, fill, login, shot, submit, Driver, PHONE};
    let app = TestApp::spawn(backend).await;
    let chair = app.login("e1chair").await;
    clear_of_day_end().await;
    let today = server_now(&chair).await.cst_date();
    let number = registered_on(&app, Kind::Dispute, days_before(today, 20)).await;
    let driver = Driver::start().await;
    let c = driver.browser(PHONE).await;
    login(&c, &app, "e1chair").await;
    c.goto(&app.url(&format!("/cases/{number}"))).await.unwrap();
    shot(&c, "arbitration-case-phone", PHONE.0).await;
    let copy = |name: &str| {
        let from = crate::browser::shot_dir().join(format!("{name}.png"));
        let _ = std::fs::copy(from, format!("/tmp/{name}.png"));
    };
    copy("arbitration-case-phone");
    click(&c, "details.action:has(#do-refer) summary").await;
    fill(&c, "#commission", COMMISSION).await;
    submit(&c, "#do-refer").await;
    let status = c.find(fantoccini::Locator::Css("#case-status")).await.unwrap().text().await.unwrap();
    assert!(status.contains("已解释"), "{status}");
    shot(&c, "arbitration-referred-phone", PHONE.0).await;
    copy("arbitration-referred-phone");
    let w = driver.browser(PHONE).await;
    w.goto(&app.url("/track")).await.unwrap();
    fill(&w, "#number", &number).await;
    fill(&w, "#code", CODE).await;
    submit(&w, "#lookup").await;
    let referral = w.find(fantoccini::Locator::Css("#referral")).await.unwrap().text().await.unwrap();
    assert!(referral.contains(COMMISSION), "{referral}");
    shot(&w, "arbitration-track-phone", PHONE.0).await;
    copy("arbitration-track-phone");
    c.close().await.unwrap();
    w.close().await.unwrap();
}
both!(referral_on_a_phone);
