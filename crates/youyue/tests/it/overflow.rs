//! Sums that cannot overflow (issue 18, item 2): one case's amount is capped at 100 million
//! yuan on every entry path, and no figure answers 500 however many cases sit at the cap,
//! nor when a stored row was edited far above it.

use crate::exchange::GOOD_CASE;
use crate::harness::{assert_error, import_text, youyue, Backend, Client, TestApp};
use reqwest::StatusCode;
use serde_json::{json, Value};

/// The largest amount one case may record, as the API writes it.
const CAP: &str = "100000000.00";
const CAP_FEN: i128 = 10_000_000_000;

/// Cases at the cap in the many-cases test: more than the old `Money::MAX_FEN` (10^14 fen)
/// could hold as a sum at 10^10 fen each, so the figures' sum leaves one case's range.
const MANY: usize = 10_001;

/// Yuan with two decimals, as the figures write a sum of fen.
fn yuan(fen: i128) -> String {
    format!("{}.{:02}", fen / 100, fen % 100)
}

/// `n` resolved disputes of jd.s1.e1 closed in February 2022, each recovering `amount`.
fn cases_at(n: usize, amount: &str) -> String {
    (1..=n)
        .map(|i| {
            GOOD_CASE
                .replace("JD-2022-000001", &format!("JD-2022-{i:06}"))
                .replace("\"30000.00\"", &format!("\"{amount}\""))
                + "\n"
        })
        .collect()
}

/// Every figure of the district for 2022 answers 200; returns the API's stats.
async fn every_figure_answers(app: &TestApp, admin: &Client) -> Value {
    let (status, stats) = admin.get("/api/v1/stats?union=jd&from=2022-01-01&to=2022-12-31").await;
    assert_eq!(status, StatusCode::OK, "stats: {stats}");
    let (status, dash) = admin.get("/api/v1/dashboard?union=jd&from=2022-01-01&to=2022-12-31").await;
    assert_eq!(status, StatusCode::OK, "dashboard: {dash}");
    assert_eq!(dash["stats"]["amount_recovered"], stats["amount_recovered"]);
    let (status, table) = admin.get("/api/v1/assessment?union=jd&year=2022").await;
    assert_eq!(status, StatusCode::OK, "assessment: {table}");
    for page in [
        "/dashboard?union=jd&preset=custom&from=2022-01-01&to=2022-12-31",
        "/dashboard.xlsx?union=jd&preset=custom&from=2022-01-01&to=2022-12-31",
        "/assessment?union=jd&year=2022",
        "/assessment.xlsx?union=jd&year=2022",
    ] {
        let r = admin.http.get(app.url(page)).send().await.unwrap();
        let status = r.status();
        let body = r.bytes().await.unwrap();
        assert_eq!(status, StatusCode::OK, "{page}: {}", String::from_utf8_lossy(&body));
    }
    let out = youyue(&app.db.url, &["stats", "--union", "jd", "--from", "2022-01-01", "--to", "2022-12-31", "--json"]);
    assert!(out.status.success(), "youyue stats: {}", String::from_utf8_lossy(&out.stderr));
    let cli: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(cli["amount_recovered"], stats["amount_recovered"], "the CLI and the API agree");
    stats
}

/// The API takes the cap and refuses a fen more, naming the field; so does an import.
async fn one_case_is_capped(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let reception = app.login("e1reception").await;
    let handler = app.login("e1handler").await;
    let v = reception
        .ok(
            "/api/v1/cases",
            json!({"union":"jd.s1.e1","kind":"dispute","channel":"reception","description":"拖欠工资"}),
            StatusCode::CREATED,
        )
        .await;
    let case = format!("/api/v1/cases/{}", v["number"].as_str().unwrap());
    reception.ok(&format!("{case}/accept"), json!({}), StatusCode::OK).await;
    reception.ok(&format!("{case}/assign"), json!({"handler":"e1handler"}), StatusCode::OK).await;
    for over in ["100000000.01", "1000000000000.00", "9223372036854775807"] {
        let got = handler
            .post(&format!("{case}/resolve"), json!({"resolution":"x","agreement":true,"amount_recovered":over}))
            .await;
        assert_error(&got, StatusCode::UNPROCESSABLE_ENTITY, "invalid", Some("amount_recovered"));
        assert!(got.1["error"]["message"].as_str().unwrap().contains(CAP), "{}", got.1);
    }
    let v = handler
        .ok(
            &format!("{case}/resolve"),
            json!({"resolution":"x","agreement":true,"amount_recovered":CAP}),
            StatusCode::OK,
        )
        .await;
    assert_eq!(v["amount_recovered"], CAP);
    // The API document says so.
    let (_, doc) = app.anonymous().get("/api/v1/openapi.json").await;
    let field = &doc["components"]["schemas"]["ResolveInput"]["properties"]["amount_recovered"];
    assert!(field["description"].as_str().is_some_and(|d| d.contains(CAP)), "{field}");

    // An import is all or nothing and names the line and the field.
    let err = import_text(app.store.as_ref(), &cases_at(1, "100000000.01")).await.unwrap_err();
    assert_eq!(err.line, 1, "{err}");
    assert!(err.message.contains("amount_recovered"), "{err}");
    import_text(app.store.as_ref(), &cases_at(1, CAP)).await.unwrap();
}
both!(one_case_is_capped);

/// Many cases at the cap: every figure answers 200 with the exact sums.
async fn many_capped_cases_add_up(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    import_text(app.store.as_ref(), &cases_at(MANY, CAP)).await.unwrap();
    let admin = app.login("admin").await;
    let stats = every_figure_answers(&app, &admin).await;
    let want = yuan(MANY as i128 * CAP_FEN);
    assert_eq!(stats["amount_recovered"], want.as_str());
    assert_eq!(stats["disputes_mediated"], MANY);
    assert_eq!(stats["people_involved"], MANY);
    let (_, dash) = admin.get("/api/v1/dashboard?union=jd&from=2022-01-01&to=2022-12-31").await;
    let s1 = dash["children"].as_array().unwrap().iter().find(|c| c["code"] == "jd.s1").unwrap();
    assert_eq!(s1["stats"]["amount_recovered"], want.as_str());
    let page = admin
        .http
        .get(app.url("/dashboard?union=jd&preset=custom&from=2022-01-01&to=2022-12-31"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    // (with a <wbr> after each comma, where a narrow card may wrap it)
    assert!(page.replace("<wbr>", "").contains("¥1,000,100,000,000.00"), "the dashboard shows the sum");
}
both!(many_capped_cases_add_up);

/// Rows edited far above the cap (i64::MAX / 2, twice: their sum leaves i64) count at the
/// cap: the tallies rebuild, every figure answers 200, and the cases still read.
async fn edited_huge_amounts_do_not_break_figures(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    import_text(app.store.as_ref(), &cases_at(3, "30000.00")).await.unwrap();
    let huge = i64::MAX / 2;
    let edit = "UPDATE cases SET amount_recovered_fen = $1 WHERE number IN ('JD-2022-000001', 'JD-2022-000002')";
    let edited = match backend {
        Backend::Sqlite => {
            let mut c = <sqlx::SqliteConnection as sqlx::Connection>::connect(&app.db.url).await.unwrap();
            sqlx::query(edit).bind(huge).execute(&mut c).await.unwrap().rows_affected()
        }
        Backend::Postgres => {
            let mut c = <sqlx::PgConnection as sqlx::Connection>::connect(&app.db.url).await.unwrap();
            sqlx::query(edit).bind(huge).execute(&mut c).await.unwrap().rows_affected()
        }
    };
    assert_eq!(edited, 2);
    // A rebuild (as a change of the union tree or the calendar makes) reads the edited rows.
    app.store.rebuild_tallies().await.unwrap();
    let admin = app.login("admin").await;
    let stats = every_figure_answers(&app, &admin).await;
    assert_eq!(stats["amount_recovered"], yuan(2 * CAP_FEN + 3_000_000).as_str());
    // The edited case itself still reads, with what is stored.
    let (status, case) = admin.get("/api/v1/cases/JD-2022-000001").await;
    assert_eq!(status, StatusCode::OK, "{case}");
    assert_eq!(case["amount_recovered"], yuan(i128::from(huge)).as_str());
}
both!(edited_huge_amounts_do_not_break_figures);
