//! What the district reads (issue 19, items 13–18 and 20): figure lists that say what they
//! are and what they leave out, a workbook with every figure of the page, names that say
//! what each figure counts, an assessment that rewards resolution, the studios' QR codes
//! and signs, and a union without a studio that sends the worker on.

use crate::harness::{import_text, Backend, Server, TestApp, TestDb};
use reqwest::StatusCode;
use serde_json::{json, Value};

/// Four cases of 2025 in jd.s1.e1: a claim resolved on time (rated 5), a claim explained at
/// once (no deadline), a wellbeing case resolved late (rated 2) and one still registered.
/// Nobody is assigned the wellbeing cases, so only chairs may open them.
fn cases_2025() -> String {
    let lines = [
        json!({"type":"case","number":"JD-2025-000001","union":"jd.s1.e1","kind":"claim","channel":"hotline",
               "opened_at":"2025-03-03T09:00:00+08:00","accepted_at":"2025-03-03T10:00:00+08:00","due_on":"2025-03-14",
               "status":"resolved","closed_at":"2025-03-05T10:00:00+08:00","rating":5}),
        json!({"type":"case","number":"JD-2025-000002","union":"jd.s1.e1","kind":"claim","channel":"hotline",
               "opened_at":"2025-03-04T09:00:00+08:00","status":"explained","closed_at":"2025-03-04T11:00:00+08:00"}),
        json!({"type":"case","number":"JD-2025-000003","union":"jd.s1.e1","kind":"wellbeing","channel":"online",
               "opened_at":"2025-03-05T09:00:00+08:00","accepted_at":"2025-03-05T10:00:00+08:00","due_on":"2025-03-10",
               "status":"resolved","closed_at":"2025-03-20T10:00:00+08:00","rating":2}),
        json!({"type":"case","number":"JD-2025-000004","union":"jd.s1.e1","kind":"wellbeing","channel":"online",
               "opened_at":"2025-03-06T09:00:00+08:00","status":"registered"}),
    ];
    lines.iter().map(|l| format!("{l}\n")).collect()
}

const YEAR: &str = "from=2025-01-01&to=2025-12-31";

async fn page(c: &crate::harness::Client, path: &str) -> (StatusCode, String) {
    let r = c.http.get(format!("{}{path}", c.base)).send().await.unwrap();
    (r.status(), r.text().await.unwrap())
}

/// A figure's list is exactly the cases it counts that the reader may open, and says how
/// many more it counts that they may not; a rate card links to its denominator, which the
/// list names. Before: 按时办结率 (1 of 2 closed with a deadline) listed every closed case
/// (3), and 登记 (4) listed 2 without a word.
async fn figure_lists_say_what_they_are(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    import_text(app.store.as_ref(), &cases_2025()).await.unwrap();
    // The district's administrator is staff but no chair: wellbeing cases are not theirs to open.
    let admin = app.login("admin").await;
    let (s, d) = admin.get(&format!("/api/v1/dashboard?union=jd&{YEAR}")).await;
    assert_eq!(s, StatusCode::OK, "{d}");
    assert_eq!(d["stats"]["cases_opened"], 4);
    assert_eq!((d["stats"]["cases_resolved"].as_u64(), d["stats"]["cases_explained"].as_u64()), (Some(2), Some(1)));
    assert_eq!(
        (d["timeliness"]["closed_on_time"].as_u64(), d["timeliness"]["closed_with_deadline"].as_u64()),
        (Some(1), Some(2))
    );
    assert_eq!(d["timeliness"]["accepted"], 2);
    assert_eq!(d["case_ratings"]["votes"], 2);
    let list = |figure: &str| format!("/api/v1/cases?union=jd&figure={figure}&{YEAR}&per_page=200");
    // (figure, what the figure counts, what the administrator may open of it)
    for (figure, counted, shown) in [
        ("cases_opened", 4, 2),
        ("cases_closed", 3, 2),
        ("cases_closed_due", d["timeliness"]["closed_with_deadline"].as_i64().unwrap(), 1),
        ("cases_accepted", d["timeliness"]["accepted"].as_i64().unwrap(), 1),
        ("cases_rated", d["case_ratings"]["votes"].as_i64().unwrap(), 1),
    ] {
        let (s, l) = admin.get(&list(figure)).await;
        assert_eq!(s, StatusCode::OK, "{figure}: {l}");
        assert_eq!(l["total"], shown, "{figure}: {l}");
        assert_eq!(l["cases"].as_array().unwrap().len() as i64, shown, "{figure}");
        assert_eq!(l["hidden_confidential"], counted - shown, "{figure}: {l}");
    }
    // A chair opens them all: nothing hidden.
    let chair = app.login("s1chair").await;
    let (_, l) = chair.get(&list("cases_closed_due").replace("union=jd&", "union=jd.s1&")).await;
    assert_eq!((l["total"].as_i64(), l["hidden_confidential"].as_i64()), (Some(2), Some(0)), "{l}");
    // Without a figure nothing is claimed hidden.
    let (_, l) = admin.get("/api/v1/cases?union=jd").await;
    assert_eq!(l["hidden_confidential"], 0);

    // The dashboard links each card to its list, and the list says what it is.
    let (s, dash) = page(&admin, &format!("/dashboard?union=jd&preset=custom&{YEAR}")).await;
    assert_eq!(s, StatusCode::OK);
    assert!(dash.contains("figure=cases_closed_due"), "按时办结率 links to its denominator");
    assert!(dash.contains("登记约事") && dash.contains("解释说明"), "names say what they count");
    assert!(!dash.contains("受理约事"), "受理 no longer names registered cases");
    let (_, inbox) = page(&admin, &format!("/inbox?tab=all&union=jd&{YEAR}&figure=cases_closed_due")).await;
    assert!(inbox.contains("按时办结率的分母"), "the list names its side of the rate");
    assert!(inbox.contains("另有 1 件保密案件"), "the list says what it leaves out");
    let (_, inbox) = page(&admin, &format!("/inbox?tab=all&union=jd&{YEAR}&figure=cases_opened")).await;
    assert!(inbox.contains("另有 2 件保密案件"));
    // And the list's workbook says it under its title.
    let bytes = admin
        .http
        .get(app.url(&format!("/inbox.xlsx?tab=all&union=jd&{YEAR}&figure=cases_opened")))
        .send()
        .await
        .unwrap()
        .bytes()
        .await
        .unwrap();
    let mut book: calamine::Xlsx<_> = calamine::open_workbook_from_rs(std::io::Cursor::new(bytes.to_vec())).unwrap();
    let sheet = calamine::Reader::worksheet_range(&mut book, "约事").unwrap();
    assert!(sheet.rows().nth(1).unwrap()[0].to_string().starts_with("另有 2 件保密案件"));
    assert_eq!(sheet.rows().skip(3).count(), 2);
    let (_, inbox) = page(&chair, &format!("/inbox?tab=all&union=jd.s1&{YEAR}&figure=cases_opened")).await;
    assert!(inbox.contains("id=\"drill\"") && !inbox.contains("保密案件"), "nothing left out for a chair");
}
both!(figure_lists_say_what_they_are);

/// `/dashboard.xlsx` holds every figure the page shows, equal to the dashboard's own
/// figures: satisfaction (cases, monthly, yearly), the on-time rates with their numerators
/// and denominators, the mean and P90 hours. Before, none of those were in it.
async fn workbook_holds_every_figure(backend: Backend) {
    use calamine::{DataType, Reader};
    let app = TestApp::spawn(backend).await;
    import_text(app.store.as_ref(), &cases_2025()).await.unwrap();
    // Votes are cast now: the period runs from 2025 to well after the server's today.
    for (round, score, voter) in [("monthly", 5, "voter-one-0123456789"), ("yearly", 3, "voter-two-0123456789")] {
        let vote = json!({"round": round, "score": score, "voter": voter});
        app.anonymous().ok("/api/v1/public/unions/jd.s1.e1/votes", vote, StatusCode::OK).await;
    }
    let period = "from=2025-01-01&to=2030-12-31";
    let admin = app.login("admin").await;
    let (_, d) = admin.get(&format!("/api/v1/dashboard?union=jd&{period}")).await;
    let bytes = admin
        .http
        .get(app.url(&format!("/dashboard.xlsx?union=jd&preset=custom&{period}")))
        .send()
        .await
        .unwrap()
        .bytes()
        .await
        .unwrap();
    let mut book: calamine::Xlsx<_> = calamine::open_workbook_from_rs(std::io::Cursor::new(bytes.to_vec())).unwrap();
    let sheet = book.worksheet_range("指标").unwrap();
    let cell = |label: &str| {
        sheet.rows().find(|r| r[0] == label).map(|r| r[1].clone()).unwrap_or_else(|| panic!("{label} missing"))
    };
    let number = |label: &str| cell(label).as_f64().unwrap_or_else(|| panic!("{label}: {:?}", cell(label)));
    let f = |v: &Value| v.as_f64().unwrap();
    let t = &d["timeliness"];
    assert_eq!(number("登记约事（件）"), 4.0);
    assert_eq!(number("办结（件，解决或解释说明）"), 3.0);
    assert_eq!(number("其中解决（件）"), 2.0);
    assert_eq!(number("其中解释说明（件）"), 1.0);
    assert_eq!(number("受理（件，按时受理率的分母）"), f(&t["accepted"]));
    assert_eq!(number("按时受理（件）"), f(&t["accepted_on_time"]));
    assert_eq!(number("按时受理率"), f(&t["accepted_on_time"]) / f(&t["accepted"]));
    assert_eq!(number("受理用时平均（小时）"), f(&t["hours_to_accept_mean"]));
    assert_eq!(number("受理用时 P90（小时）"), f(&t["hours_to_accept_p90"]));
    assert_eq!(number("有期限的办结（件，按时办结率的分母）"), 2.0);
    assert_eq!(number("按时办结（件）"), 1.0);
    assert_eq!(number("按时办结率"), 0.5);
    assert_eq!(number("办结用时平均（小时）"), f(&t["hours_to_close_mean"]));
    assert_eq!(number("办结用时 P90（小时）"), f(&t["hours_to_close_p90"]));
    for (name, key) in [("约事评价", "case_ratings"), ("一月一评", "monthly_votes"), ("年度测评", "yearly_votes")]
    {
        let v = &d[key];
        assert!(f(&v["votes"]) > 0.0, "{key}: {d}");
        let heads = if key == "case_ratings" { "评价" } else { "投票" };
        assert_eq!(number(&format!("满意率（{name}）：{heads}（票）")), f(&v["votes"]), "{key}");
        assert_eq!(number(&format!("满意率（{name}）：满意（票）")), f(&v["satisfied"]), "{key}");
        assert_eq!(number(&format!("满意率（{name}）")), f(&v["satisfied"]) / f(&v["votes"]), "{key}");
        assert_eq!(number(&format!("满意率（{name}）：平均分")), f(&v["mean"]), "{key}");
    }
    // A rate without a denominator is a dash, never 0% or NaN.
    let (_, empty) = admin.get("/api/v1/dashboard?union=jd&from=2020-01-01&to=2020-12-31").await;
    assert_eq!(empty["timeliness"]["accepted"], 0);
    let bytes = admin
        .http
        .get(app.url("/dashboard.xlsx?union=jd&preset=custom&from=2020-01-01&to=2020-12-31"))
        .send()
        .await
        .unwrap()
        .bytes()
        .await
        .unwrap();
    let mut book: calamine::Xlsx<_> = calamine::open_workbook_from_rs(std::io::Cursor::new(bytes.to_vec())).unwrap();
    let sheet = book.worksheet_range("指标").unwrap();
    let rate = sheet.rows().find(|r| r[0] == "按时受理率").unwrap()[1].clone();
    assert_eq!(rate.get_string(), Some("—"));
}
both!(workbook_holds_every_figure);

/// The assessment rewards resolving cases: of two enterprises alike in everything else, the
/// one that explains its cases scores lower. Weights set with the old five keys stay valid
/// (the new part takes its default); the new key can be set, an unknown one cannot.
async fn assessment_rewards_resolution(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let case = |n: u32, union: &str, status: &str| {
        json!({"type":"case","number":format!("JD-2025-{n:06}"),"union":union,"kind":"claim","channel":"hotline",
               "opened_at":"2025-03-03T09:00:00+08:00","accepted_at":"2025-03-03T10:00:00+08:00","due_on":"2025-03-14",
               "status":status,"closed_at":"2025-03-04T10:00:00+08:00"})
    };
    let lines = [case(1, "jd.s1.e1", "resolved"), case(2, "jd.s1.e2", "explained")];
    import_text(app.store.as_ref(), &lines.iter().map(|l| format!("{l}\n")).collect::<String>()).await.unwrap();
    let admin = app.login("admin").await;
    let table = || async { admin.get("/api/v1/assessment?union=jd&year=2025").await.1 };
    let row =
        |t: &Value, code: &str| t["unions"].as_array().unwrap().iter().find(|r| r["code"] == code).cloned().unwrap();
    let t = table().await;
    let sum: f64 = t["weights"].as_object().unwrap().values().map(|v| v.as_f64().unwrap()).sum();
    assert_eq!(sum, 100.0, "the default weights are out of 100: {t}");
    let (resolver, explainer) = (row(&t, "jd.s1.e1"), row(&t, "jd.s1.e2"));
    assert_eq!(
        (resolver["parts"]["resolution"].as_f64(), explainer["parts"]["resolution"].as_f64()),
        (Some(1.0), Some(0.0))
    );
    assert_eq!(resolver["parts"]["on_time"], explainer["parts"]["on_time"]);
    assert!(resolver["score"].as_f64() > explainer["score"].as_f64(), "{t}");
    // Weights of the old five keys: accepted, the new part at its default.
    let put = |w: Value| admin.http.put(app.url("/api/v1/assessment/weights")).json(&w).send();
    let old = json!({"on_time":25.0,"satisfaction":25.0,"appraisal":20.0,"checklist":15.0,"answered":15.0});
    assert_eq!(put(old).await.unwrap().status(), StatusCode::NO_CONTENT);
    assert_eq!(table().await["weights"]["resolution"], 15.0);
    // Resolution weighed at 0: the two score alike again.
    let none =
        json!({"on_time":25.0,"satisfaction":25.0,"appraisal":20.0,"checklist":15.0,"answered":15.0,"resolution":0.0});
    assert_eq!(put(none).await.unwrap().status(), StatusCode::NO_CONTENT);
    let t = table().await;
    assert_eq!(row(&t, "jd.s1.e1")["score"], row(&t, "jd.s1.e2")["score"], "{t}");
    let bad = admin
        .http
        .put(app.url("/api/v1/assessment/weights"))
        .json(&json!({"on_time":25.0,"satisfaction":25.0,"appraisal":20.0,"checklist":15.0,"answered":15.0,"resolution":-1.0}))
        .send()
        .await
        .unwrap();
    assert_eq!(bad.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let unknown = admin
        .http
        .put(app.url("/api/v1/assessment/weights"))
        .json(
            &json!({"on_time":25.0,"satisfaction":25.0,"appraisal":20.0,"checklist":15.0,"answered":15.0,"speed":5.0}),
        )
        .send()
        .await
        .unwrap();
    assert!(unknown.status().is_client_error(), "{}", unknown.status());
    // The page and the workbook show the part.
    let (_, html) = page(&admin, "/assessment?union=jd&year=2025").await;
    assert!(html.contains("解决率"));
}
both!(assessment_rewards_resolution);

/// A union without a studio takes no case, and its page sends the worker to the studios
/// below it (before: a bare 404). Its QR code stays a 404: there is no studio to sign.
async fn studio_less_union_lists_the_studios_below(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let w = app.anonymous();
    let (s, html) = page(&w, "/s/jd.s1").await;
    assert_eq!(s, StatusCode::OK, "{html}");
    assert!(html.contains("href=\"/s/jd.s1.e1\"") && html.contains("href=\"/s/jd.s1.e2\""), "{html}");
    assert!(!html.contains("href=\"/s/jd.s2.e1\""), "only the studios below this union");
    assert!(!html.contains("method=\"post\" action=\"/s/"), "no form to raise a case here");
    assert!(html.contains("多湖街道总工会尚未建工作室"), "{html}");
    let (_, html) = page(&w, "/s/jd").await;
    for code in ["jd.s1.e1", "jd.s1.e2", "jd.s2.e1"] {
        assert!(html.contains(&format!("href=\"/s/{code}\"")), "{code}");
    }
    assert_eq!(page(&w, "/s/jd.s1/qr.svg").await.0, StatusCode::NOT_FOUND);
    assert_eq!(page(&w, "/s/jd.s1/sign").await.0, StatusCode::NOT_FOUND);
    assert_eq!(page(&w, "/s/nowhere").await.0, StatusCode::NOT_FOUND);
    // A union below without any studio says where to go instead.
    let lone = json!({"type":"union","code":"jd.s3","name":"新街道总工会","parent":"jd"});
    import_text(app.store.as_ref(), &format!("{lone}\n")).await.unwrap();
    let (s, html) = page(&w, "/s/jd.s3").await;
    assert_eq!(s, StatusCode::OK);
    assert!(html.contains("id=\"no-studios-below\""), "{html}");
}
both!(studio_less_union_lists_the_studios_below);

/// The QR code carries its caption (the studio's name and the address) and the sign page
/// puts both on A5; the address is the request's when no public URL is set.
async fn qr_code_has_a_caption_and_a_sign(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let w = app.anonymous();
    let r = w.http.get(app.url("/s/jd.s1.e1/qr.svg")).send().await.unwrap();
    assert_eq!(r.headers()["content-type"], "image/svg+xml");
    let svg = r.text().await.unwrap();
    let address = app.url("/s/jd.s1.e1");
    assert!(svg.contains("纸箱厂工会"), "{svg}");
    assert!(svg.contains(&format!(">{address}</text>")), "{svg}");
    let (s, html) = page(&w, "/s/jd.s1.e1/sign").await;
    assert_eq!(s, StatusCode::OK);
    assert!(html.contains("纸箱厂工会") && html.contains(&address) && html.contains("src=\"/s/jd.s1.e1/qr.svg\""));
}
both!(qr_code_has_a_caption_and_a_sign);

/// `serve` without `--public-url` warns on the console and in the log that the QR codes
/// carry the address each request came to; with it, it does not.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn serve_warns_without_a_public_url() {
    let db = TestDb::new(Backend::Sqlite).await;
    let server = Server::start(&db.url, &[]).await;
    let log = server.log_problems();
    let stdout = server.kill();
    assert!(stdout.contains("Warning: no --public-url set"), "{stdout}");
    assert!(log.contains("WARN") && log.contains("--public-url"), "{log}");
    let server = Server::start(&db.url, &["--public-url", "https://yy.example.org"]).await;
    let log = server.log_problems();
    let stdout = server.kill();
    assert!(!stdout.contains("public-url") && !log.contains("public-url"), "{stdout}{log}");
}
