//! The mediation agreement (调解协议书) of a dispute over the API: recorded, edited, signed,
//! paid; each term's standing across its due day; resolving takes the money from the terms;
//! the figures equal the domain's reference; the PDF carries the Chinese text; the record
//! book stays verifiable and never holds the worker's name.

use crate::harness::{assert_error, import_text, Backend, Client, TestApp};
use reqwest::StatusCode;
use serde_json::{json, Value};
use youyue_domain::agreement::AgreementFigures;
use youyue_domain::figures::{matches_agreement, Figure};
use youyue_domain::{Period, Timestamp};

/// A dispute registered in February 2025 (so that its terms can be due in the past of any
/// day these tests run on), in progress with e1handler.
pub(crate) fn old_dispute(number: &str, collective: bool) -> String {
    let people = if collective { 12 } else { 1 };
    format!(
        "{}\n",
        json!({"type":"case","number":number,"union":"jd.s1.e1","kind":"dispute","channel":"reception",
            "collective":collective,"people":people,"title":"工伤赔偿","description":"操作失误导致手掌受伤",
            "opened_at":"2025-02-10T09:00:00+08:00","status":"in_progress","urgency":"normal","due_on":"2025-03-03",
            "accepted_at":"2025-02-10T09:30:00+08:00","handler":"e1handler"})
    )
}

pub(crate) fn liu_agreement() -> Value {
    json!({
        "parties": {"workers": ["刘师傅"], "workers_count": 1, "enterprise": "金东纸箱厂", "representative": "王厂长"},
        "worker_claims": "支付工伤赔偿金 40000 元",
        "enterprise_claims": "同意赔偿，请求分期支付",
        "terms": [
            {"amount": "10000", "payee": "刘师傅", "due_on": "2025-02-20"},
            {"amount": "10000.00", "payee": "刘师傅", "due_on": "2025-03-20"},
            {"amount": "5000", "payee": "刘师傅", "due_on": "2025-04-20"},
            {"amount": "5000", "payee": "刘师傅", "due_on": "2099-12-31"}
        ],
        "waived": ["其他赔偿请求"],
        "other_terms": ["乙方为甲方出具工作证明"],
        "mediators": [{"name": "张调解", "username": "e1handler"}, {"name": "李律师"}],
        "place": "纸箱厂工会有约工作室"
    })
}

pub(crate) async fn put(c: &Client, path: &str, body: Value) -> (StatusCode, Value) {
    let r = c.http.put(format!("{}{path}", c.base)).json(&body).send().await.unwrap();
    let status = r.status();
    (status, r.json().await.unwrap_or(Value::Null))
}

async fn record_sign_pay(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    import_text(app.store.as_ref(), &old_dispute("JD-2025-000100", false)).await.unwrap();
    let chair = app.login("e1chair").await;
    let handler = app.login("e1handler").await;
    let reception = app.login("e1reception").await;
    let worker = app.login("worker1").await;
    let path = "/api/v1/cases/JD-2025-000100/agreement";

    assert_error(&chair.get(path).await, StatusCode::NOT_FOUND, "not_found", None);
    // Field-named refusals, nothing written.
    let mut bad = liu_agreement();
    bad["terms"][1]["due_on"] = json!("2025-02-30");
    assert_error(&put(&handler, path, bad).await, StatusCode::UNPROCESSABLE_ENTITY, "invalid", Some("terms[1].due_on"));
    let mut bad = liu_agreement();
    bad["terms"][0]["amount"] = json!("0");
    assert_error(&put(&handler, path, bad).await, StatusCode::UNPROCESSABLE_ENTITY, "invalid", Some("terms[0].amount"));
    let mut bad = liu_agreement();
    bad["parties"]["workers"] = json!(["刘师傅", "李四"]);
    assert_error(
        &put(&handler, path, bad).await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "invalid",
        Some("parties.workers_count"),
    );
    let mut bad = liu_agreement();
    bad["mediators"][0]["username"] = json!("f1reception");
    assert_error(
        &put(&handler, path, bad).await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "invalid",
        Some("mediators[0].username"),
    );
    // Who may: the handler, a chair; not a receptionist, not a worker account.
    assert_error(&put(&reception, path, liu_agreement()).await, StatusCode::FORBIDDEN, "forbidden", None);
    assert_eq!(put(&worker, path, liu_agreement()).await.0, StatusCode::FORBIDDEN);
    assert_error(&chair.get(path).await, StatusCode::NOT_FOUND, "not_found", None);

    let (s, v) = put(&handler, path, liu_agreement()).await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    assert_eq!(v["status"], "draft");
    assert_eq!(v["money_agreed"], "30000.00");
    assert_eq!(v["terms"][0]["performance"], Value::Null);
    let mut edited = liu_agreement();
    edited["place"] = json!("多湖街道调解室");
    let (s, v) = put(&chair, path, edited).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!((v["version"].as_i64(), v["place"].as_str()), (Some(2), Some("多湖街道调解室")));
    // A receptionist reads it.
    let (s, read) = reception.get(path).await;
    assert_eq!(s, StatusCode::OK, "{read}");

    // Signing: not after today, not after a term's due day, not before the registration.
    let sign = format!("{path}/sign");
    assert_error(
        &handler.post(&sign, json!({"signed_on":"2025-02-21"})).await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "invalid",
        Some("terms[0].due_on"),
    );
    assert_error(
        &handler.post(&sign, json!({"signed_on":"2025-02-09"})).await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "invalid",
        Some("signed_on"),
    );
    assert_error(
        &handler.post(&format!("{path}/terms/0/payment"), json!({"paid_on":"2025-02-15","amount":"10000"})).await,
        StatusCode::CONFLICT,
        "conflict",
        None,
    );
    let v = handler.ok(&sign, json!({"signed_on":"2025-02-10"}), StatusCode::OK).await;
    assert_eq!((v["status"].as_str(), v["signed_on"].as_str()), (Some("signed"), Some("2025-02-10")));
    let standing: Vec<&str> =
        v["terms"].as_array().unwrap().iter().map(|t| t["performance"].as_str().unwrap()).collect();
    assert_eq!(standing, ["overdue", "overdue", "overdue", "pending"]);
    assert_eq!(v["overdue"], true);
    // A dispute settled by a signed agreement is not referred to arbitration, though its
    // mediation period (from February 2025) has long passed.
    assert_error(
        &handler
            .post(
                "/api/v1/cases/JD-2025-000100/arbitration",
                json!({"commission":"金东区劳动人事争议仲裁委员会","referred_on":"2025-03-01"}),
            )
            .await,
        StatusCode::CONFLICT,
        "agreement_signed",
        None,
    );
    let page = handler.http.get(format!("{}/cases/JD-2025-000100", handler.base)).send().await.unwrap();
    assert!(!page.text().await.unwrap().contains("id=\"do-refer\""), "a signed dispute is not offered 转仲裁");
    // Signed is final.
    assert_error(&put(&chair, path, liu_agreement()).await, StatusCode::CONFLICT, "conflict", None);
    assert_error(&handler.post(&sign, json!({})).await, StatusCode::CONFLICT, "conflict", None);

    // Payments: the whole term, from the signing to today; once.
    let pay = |i: usize| format!("{path}/terms/{i}/payment");
    assert_error(
        &handler.post(&pay(0), json!({"paid_on":"2025-03-01","amount":"9999"})).await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "invalid",
        Some("amount"),
    );
    assert_error(
        &handler.post(&pay(0), json!({"paid_on":"2099-01-01","amount":"10000"})).await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "invalid",
        Some("paid_on"),
    );
    assert_error(
        &handler.post(&pay(4), json!({"paid_on":"2025-03-01","amount":"10000"})).await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "invalid",
        Some("index"),
    );
    assert_error(
        &reception.post(&pay(0), json!({"paid_on":"2025-03-01","amount":"10000"})).await,
        StatusCode::FORBIDDEN,
        "forbidden",
        None,
    );
    handler.ok(&pay(0), json!({"paid_on":"2025-03-01","amount":"10000"}), StatusCode::OK).await;
    let v = chair.ok(&pay(1), json!({"paid_on":"2025-03-20","amount":"10000.00"}), StatusCode::OK).await;
    assert_error(
        &handler.post(&pay(1), json!({"paid_on":"2025-03-20","amount":"10000"})).await,
        StatusCode::CONFLICT,
        "conflict",
        None,
    );
    let standing: Vec<&str> =
        v["terms"].as_array().unwrap().iter().map(|t| t["performance"].as_str().unwrap()).collect();
    assert_eq!(standing, ["paid_late", "paid_on_time", "overdue", "pending"]);
    assert_eq!(v["money_paid"], "20000.00");

    // Resolving: the money comes from the terms; a different amount names the sum.
    let resolve = "/api/v1/cases/JD-2025-000100/resolve";
    let wrong =
        handler.post(resolve, json!({"resolution":"签订调解协议","agreement":true,"amount_recovered":"25000"})).await;
    assert_error(&wrong, StatusCode::UNPROCESSABLE_ENTITY, "invalid", Some("amount_recovered"));
    assert!(wrong.1["error"]["message"].as_str().unwrap().contains("30000.00"), "{}", wrong.1);
    assert_error(
        &handler.post(resolve, json!({"resolution":"签订调解协议","agreement":false})).await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "invalid",
        Some("agreement"),
    );
    let v = handler.ok(resolve, json!({"resolution":"签订调解协议"}), StatusCode::OK).await;
    assert_eq!((v["agreement"].as_bool(), v["amount_recovered"].as_str()), (Some(true), Some("30000.00")));
    // Payments go on after the case is closed.
    handler.ok(&pay(2), json!({"paid_on":"2025-05-01","amount":"5000"}), StatusCode::OK).await;

    // The record book: an entry for each write, none with the worker's name, and verify clean.
    let (_, book) = chair.get("/api/v1/cases/JD-2025-000100/record").await;
    let actions: Vec<&str> = book.as_array().unwrap().iter().map(|e| e["action"].as_str().unwrap()).collect();
    for a in ["agreement", "agreement_edit", "agreement_sign", "agreement_payment", "resolve"] {
        assert!(actions.contains(&a), "{actions:?}");
    }
    assert_eq!(actions.iter().filter(|a| **a == "agreement_payment").count(), 3);
    assert!(!book.to_string().contains("刘师傅"), "the worker's name entered the record book: {book}");
    let report = app.store.verify_chains().await.unwrap();
    assert!(report.problems.is_empty(), "{:?}", report.problems);

    // Anonymising the case takes the worker's name off its agreement too; the money stays.
    chair.ok("/api/v1/cases/JD-2025-000100/anonymise", json!({"reason":"职工要求删除个人信息"}), StatusCode::OK).await;
    let (s, v) = chair.get(path).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert!(!v.to_string().contains("刘师傅"), "the name stayed on the agreement: {v}");
    assert_eq!(
        (v["parties"]["workers"][0].as_str(), v["terms"][0]["payee"].as_str()),
        (Some("已匿名职工1"), Some("已匿名职工1"))
    );
    assert_eq!(v["money_agreed"], "30000.00");
    let export = crate::harness::export_text(app.store.as_ref()).await;
    assert!(!export.contains("刘师傅"), "the name stayed in the export");

    // Only a dispute has an agreement.
    let claim = app
        .anonymous()
        .ok(
            "/api/v1/public/cases",
            json!({"union":"jd.s1.e1","kind":"claim","description":"加班费","worker_name":"甲","contact":"1"}),
            StatusCode::CREATED,
        )
        .await;
    let claim_path = format!("/api/v1/cases/{}/agreement", claim["number"].as_str().unwrap());
    assert_error(&chair.get(&claim_path).await, StatusCode::CONFLICT, "conflict", None);
    assert_error(&put(&chair, &claim_path, liu_agreement()).await, StatusCode::CONFLICT, "conflict", None);
    // Outside the caller's subtree: as missing.
    let outside = app.login("f1reception").await;
    assert_error(&outside.get(path).await, StatusCode::NOT_FOUND, "not_found", None);
}
both!(record_sign_pay);

/// Two signed agreements of 2025: 000100 (terms due 02-20 unpaid, 03-20 paid 03-19,
/// 04-20 unpaid, 2099-12-31) and the collective 000101 (one term due 03-31, paid that day).
async fn two_signed_agreements(app: &TestApp) {
    let lines = old_dispute("JD-2025-000100", false) + &old_dispute("JD-2025-000101", true);
    import_text(app.store.as_ref(), &lines).await.unwrap();
    let chair = app.login("e1chair").await;
    let p = "/api/v1/cases/JD-2025-000100/agreement";
    assert_eq!(put(&chair, p, liu_agreement()).await.0, StatusCode::CREATED);
    chair.ok(&format!("{p}/sign"), json!({"signed_on":"2025-02-12"}), StatusCode::OK).await;
    chair.ok(&format!("{p}/terms/1/payment"), json!({"paid_on":"2025-03-19","amount":"10000"}), StatusCode::OK).await;
    let mut group = liu_agreement();
    group["parties"] =
        json!({"workers": ["甲", "乙"], "workers_count": 12, "enterprise": "五金公司", "representative": "赵经理"});
    group["terms"] = json!([{"amount":"120000","payee":"12 名职工","due_on":"2025-03-31"}]);
    let q = "/api/v1/cases/JD-2025-000101/agreement";
    let (s, v) = put(&chair, q, group).await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    chair.ok(&format!("{q}/sign"), json!({"signed_on":"2025-03-05"}), StatusCode::OK).await;
    chair.ok(&format!("{q}/terms/0/payment"), json!({"paid_on":"2025-03-31","amount":"120000"}), StatusCode::OK).await;
}

/// The figures of `stats` equal the domain's reference over the stored agreements, for
/// periods that cut through the terms' due days.
async fn figures_equal_the_reference(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    two_signed_agreements(&app).await;
    let jd = app.store.union_by_code(&"jd".parse().unwrap()).await.unwrap().unwrap();
    let numbered: Vec<_> =
        app.store.agreements_within(&jd.path).await.unwrap().into_iter().map(|(n, a)| (n, a.agreement)).collect();
    let stored: Vec<_> = numbered.iter().map(|(_, a)| a.clone()).collect();
    assert_eq!(stored.len(), 2);
    let admin = app.login("admin").await;
    for (from, to) in [
        ("2025-01-01", "2025-12-31"),
        ("2025-02-01", "2025-02-28"),
        ("2025-03-01", "2025-03-31"),
        ("2025-03-20", "2099-12-31"),
        ("2026-01-01", "2026-01-31"),
    ] {
        let (s, v) = admin.get(&format!("/api/v1/stats?union=jd&from={from}&to={to}")).await;
        assert_eq!(s, StatusCode::OK, "{v}");
        // The reference, judged on the same today as the server: the day of the answer's
        // neighbours (a day could turn between the two; the terms here are far from it).
        let today = Timestamp::now().cst_date();
        let period =
            Period::new(youyue_domain::time::parse_date(from).unwrap(), youyue_domain::time::parse_date(to).unwrap())
                .unwrap();
        let want = AgreementFigures::of(stored.iter(), period, today);
        let got = json!({
            "agreements_signed": v["agreements_signed"], "agreement_terms_due": v["agreement_terms_due"],
            "agreement_terms_on_time": v["agreement_terms_on_time"], "performance_rate": v["performance_rate"],
            "money_agreed": v["money_agreed"], "money_paid": v["money_paid"],
        });
        assert_eq!(got, serde_json::to_value(&want).unwrap(), "{from}..{to}");
        // And the old fields are still there.
        assert!(v["disputes_mediated"].is_u64(), "{v}");
        let direct = app.store.agreement_figures(&jd, period, today).await.unwrap();
        assert_eq!(direct, want, "{from}..{to}");
        // The drill-down: each figure lists the cases the domain's filter picks, and the
        // figure is what those cases add up to (a case counts once in the list; each of
        // its terms due, or paid on time, in the period counts in the figure).
        for figure in [Figure::AgreementsSigned, Figure::AgreementTermsDue, Figure::AgreementTermsOnTime] {
            let (s, list) =
                admin.get(&format!("/api/v1/cases?union=jd&figure={figure}&from={from}&to={to}&per_page=50")).await;
            assert_eq!(s, StatusCode::OK, "{list}");
            let mut got: Vec<String> =
                list["cases"].as_array().unwrap().iter().map(|c| c["number"].as_str().unwrap().to_owned()).collect();
            got.sort_unstable();
            let f = figure.filter(period, today);
            let picked: Vec<_> = numbered.iter().filter(|(_, a)| matches_agreement(&f, Some(a))).collect();
            let reference: Vec<String> = picked.iter().map(|(n, _)| n.to_string()).collect();
            assert_eq!(got, reference, "{figure} {from}..{to}");
            let within = |d: chrono::NaiveDate| period.from() <= d && d <= period.to().min(today);
            let (sum, figure_value) = match figure {
                Figure::AgreementsSigned => (picked.len() as u64, want.agreements_signed),
                Figure::AgreementTermsDue => (
                    picked.iter().map(|(_, a)| a.terms.iter().filter(|t| within(t.due_on)).count() as u64).sum(),
                    want.agreement_terms_due,
                ),
                _ => (
                    picked
                        .iter()
                        .map(|(_, a)| {
                            a.terms
                                .iter()
                                .filter(|t| within(t.due_on) && t.payment.is_some_and(|p| p.paid_on <= t.due_on))
                                .count() as u64
                        })
                        .sum(),
                    want.agreement_terms_on_time,
                ),
            };
            assert_eq!(sum, figure_value, "{figure} {from}..{to}: the list's cases add up to the figure");
            assert_eq!(figure.counts_cases(), figure == Figure::AgreementsSigned);
        }
    }
    // The expected lists of the whole year, by hand: both signed; terms due 0–2 of
    // 000100 (the last is due in 2099) and 000101's one; paid on time: 000100's second
    // (2025-03-19 ≤ 03-20) and 000101's (on its due day).
    let (_, year) =
        admin.get("/api/v1/cases?union=jd&figure=agreement_terms_on_time&from=2025-03-21&to=2025-12-31").await;
    let listed: Vec<&str> = year["cases"].as_array().unwrap().iter().map(|c| c["number"].as_str().unwrap()).collect();
    assert_eq!(listed, ["JD-2025-000101"], "000100's term due 04-20 is unpaid");
    let (_, feb) = admin.get("/api/v1/cases?union=jd&figure=agreements_signed&from=2025-02-01&to=2025-02-28").await;
    assert_eq!(feb["total"], 1, "{feb}");
    // The dashboard shows the figures, each a link to its list; 履行率 to its denominator.
    let r = admin
        .http
        .get(app.url("/dashboard?union=jd&preset=custom&from=2025-01-01&to=2025-12-31"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let dash = r.text().await.unwrap();
    for needle in [
        "签订调解协议",
        "履行率",
        "50.0%",
        "按期履行 2",
        "到期款项 4",
        "协议金额",
        "¥150,",
        "已履行 ¥130,000.00",
        "figure=agreements_signed",
        "figure=agreement_terms_due",
    ] {
        assert!(dash.contains(needle), "the dashboard shows {needle}");
    }
    let r = admin
        .http
        .get(app.url("/inbox?tab=all&union=jd&from=2025-01-01&to=2025-12-31&figure=agreement_terms_due"))
        .send()
        .await
        .unwrap();
    let inbox = r.text().await.unwrap();
    assert!(inbox.contains("履行率的分母") && inbox.contains("JD-2025-000101"), "the list names its side of the rate");
    let (_, v) = admin.get("/api/v1/stats?union=jd&from=2025-01-01&to=2025-12-31").await;
    assert_eq!(v["agreements_signed"], 2);
    assert_eq!(v["agreement_terms_due"], 4);
    assert_eq!(v["agreement_terms_on_time"], 2);
    assert_eq!(v["performance_rate"], 0.5);
    assert_eq!(v["money_agreed"], "150000.00");
    assert_eq!(v["money_paid"], "130000.00");
    // The other street sees none of it.
    let (_, v) = admin.get("/api/v1/stats?union=jd.s2&from=2025-01-01&to=2025-12-31").await;
    assert_eq!((v["agreements_signed"].as_u64(), v["performance_rate"].is_null()), (Some(0), true));
}
both!(figures_equal_the_reference);

/// The agreement cards on a phone-sized dashboard, and the 履行率 card's list: its
/// denominator, named as such (screenshots under the browser tests' directory).
async fn agreement_cards_on_the_phone(backend: Backend) {
    use crate::browser::{login, shot, submit, text, Driver, PHONE};
    let app = TestApp::spawn(backend).await;
    two_signed_agreements(&app).await;
    let driver = Driver::start().await;
    let tag = format!("{backend:?}").to_lowercase();
    let c = driver.browser(PHONE).await;
    login(&c, &app, "admin").await;
    c.goto(&app.url("/dashboard?union=jd&preset=custom&from=2025-01-01&to=2025-12-31")).await.unwrap();
    let card = |figure: &str| format!("a.figure[href*='figure={figure}']");
    let value = c
        .find(fantoccini::Locator::Css(&format!("{} .value", card("agreement_terms_due"))))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert_eq!(value, "50.0%");
    shot(&c, &format!("{tag}-phone-agreement-cards"), PHONE.0).await;
    submit(&c, &card("agreement_terms_due")).await;
    assert_eq!(text(&c, "#total").await, "2");
    assert!(text(&c, "#drill-side").await.contains("履行率的分母"), "{}", text(&c, "#drill").await);
    shot(&c, &format!("{tag}-phone-agreement-terms-due"), PHONE.0).await;
    c.close().await.unwrap();
}
both!(agreement_cards_on_the_phone);

/// The PDF: a PDF, small, with the Chinese text embedded (pdftotext reads it back where
/// poppler is installed); the printable page too; the worker sees the terms on lookup.
async fn the_paper(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    import_text(app.store.as_ref(), &old_dispute("JD-2025-000100", false)).await.unwrap();
    let chair = app.login("e1chair").await;
    let p = "/api/v1/cases/JD-2025-000100/agreement";
    assert_eq!(put(&chair, p, liu_agreement()).await.0, StatusCode::CREATED);
    chair.ok(&format!("{p}/sign"), json!({"signed_on":"2025-02-10"}), StatusCode::OK).await;
    let r = chair.http.get(format!("{}{p}.pdf", chair.base)).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(r.headers()["content-type"], "application/pdf");
    let bytes = r.bytes().await.unwrap();
    assert!(bytes.starts_with(b"%PDF"), "not a PDF");
    assert!(bytes.len() < 200_000, "the font is subset: {} bytes", bytes.len());
    let file = std::env::temp_dir().join(format!("youyue-agreement-{backend:?}-{}.pdf", std::process::id()));
    std::fs::write(&file, &bytes).unwrap();
    eprintln!("agreement PDF: {} bytes at {}", bytes.len(), file.display());
    // poppler's pdftotext (Debian poppler-utils, installed by .ci/run) reads the text back.
    let out = std::process::Command::new("pdftotext").arg(&file).arg("-").output().expect("pdftotext (poppler-utils)");
    assert!(out.status.success(), "pdftotext: {}", String::from_utf8_lossy(&out.stderr));
    let text = String::from_utf8_lossy(&out.stdout);
    for want in ["调解协议书", "金东纸箱厂", "刘师傅", "人民币 10000.00 元", "2025年2月10日", "调解员"]
    {
        assert!(text.contains(want), "pdftotext lacks {want}: {text}");
    }
    // The printable page and the staff page's PDF.
    let r = chair.http.get(format!("{}/cases/JD-2025-000100/agreement", chair.base)).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let html = r.text().await.unwrap();
    assert!(html.contains("调解协议书") && html.contains("王厂长") && !html.contains("<script"), "{html}");
    let r = chair.http.get(format!("{}/cases/JD-2025-000100/agreement.pdf", chair.base)).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    // The case page shows the overdue term.
    let r = chair.http.get(format!("{}/cases/JD-2025-000100", chair.base)).send().await.unwrap();
    let html = r.text().await.unwrap();
    assert!(html.contains("id=\"agreement-overdue\""), "{html}");
    // The inbox and the API's list: a filter and a marker.
    let (s, list) = chair.get("/api/v1/cases?agreement_overdue=true").await;
    assert_eq!(s, StatusCode::OK, "{list}");
    assert_eq!(list["total"], 1, "{list}");
    assert_eq!(list["cases"][0]["number"], "JD-2025-000100");
    let r = chair.http.get(format!("{}/inbox?agreement=overdue", chair.base)).send().await.unwrap();
    let html = r.text().await.unwrap();
    assert!(html.contains("JD-2025-000100") && html.contains("badge red agreement-overdue"), "{html}");
}
both!(the_paper);
