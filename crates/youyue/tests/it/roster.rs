//! Specialists and duty rosters (issue 20): specialties on accounts, a union's roster
//! through the API, its duty list across a public holiday, make-up days, leave and a swap,
//! the refusals naming their fields, and the pages in Chromium.

use crate::harness::{assert_error, Backend, Client, TestApp};
use reqwest::StatusCode;
use serde_json::{json, Value};

async fn put(c: &Client, path: &str, body: Value) -> (StatusCode, Value) {
    let r = c.http.put(format!("{}{path}", c.base)).json(&body).send().await.unwrap();
    let status = r.status();
    let text = r.text().await.unwrap();
    (status, serde_json::from_str(&text).unwrap_or(Value::String(text)))
}

async fn put_ok(c: &Client, path: &str, body: Value) -> Value {
    let (s, b) = put(c, path, body).await;
    assert_eq!(s, StatusCode::OK, "PUT {path}: {b}");
    b
}

async fn patch_ok(c: &Client, path: &str, body: Value) -> Value {
    let (s, b) = c.patch(path, body).await;
    assert_eq!(s, StatusCode::OK, "PATCH {path}: {b}");
    b
}

async fn roster_versions(app: &TestApp, code: &str) -> Vec<youyue_store::RosterChange> {
    let union = app.store.union_by_code(&code.parse().unwrap()).await.unwrap().unwrap();
    app.store.roster_changes(union.id, 100).await.unwrap()
}

/// National Day 2025: 1–8 October off; Sunday 28 September and Saturday 11 October worked.
fn national_day_2025() -> Value {
    let mut set: Vec<Value> =
        (1..=8).map(|d| json!({"day": format!("2025-10-{d:02}"), "kind": "holiday", "name": "国庆节"})).collect();
    set.push(json!({"day": "2025-09-28", "kind": "workday", "name": "国庆调休"}));
    set.push(json!({"day": "2025-10-11", "kind": "workday", "name": "国庆调休"}));
    json!({ "set": set })
}

async fn specialties_on_accounts(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let admin = app.login("admin").await;
    let created = admin
        .ok(
            "/api/v1/users",
            json!({"username":"lawyer1","name":"吴律师","union":"jd","role":"handler","specialties":["counselor","lawyer","lawyer"]}),
            StatusCode::CREATED,
        )
        .await;
    assert_eq!(created["user"]["specialties"], json!(["lawyer", "counsellor"]), "{created}");
    let worker = admin
        .post(
            "/api/v1/users",
            json!({"username":"w2","name":"职工","union":"jd.s1.e1","role":"worker","specialties":["mediator"]}),
        )
        .await;
    assert_error(&worker, StatusCode::UNPROCESSABLE_ENTITY, "invalid", Some("specialties"));
    let unknown = admin
        .post(
            "/api/v1/users",
            json!({"username":"x1","name":"某","union":"jd","role":"handler","specialties":["judge"]}),
        )
        .await;
    assert_error(&unknown, StatusCode::UNPROCESSABLE_ENTITY, "invalid", Some("specialties[0]"));
    assert!(app.store.user_by_username("x1").await.unwrap().is_none(), "nothing written");

    let chair = app.login("e1chair").await;
    let changed =
        patch_ok(&chair, "/api/v1/users/e1handler", json!({"specialties":["mediator","liaison_officer"]})).await;
    assert_eq!(changed["specialties"], json!(["mediator", "liaison"]));
    let on_worker = chair.patch("/api/v1/users/worker1", json!({"specialties":["mediator"]})).await;
    assert_error(&on_worker, StatusCode::UNPROCESSABLE_ENTITY, "invalid", Some("specialties"));
    let handler = app.login("e1handler").await;
    let own = handler.patch("/api/v1/users/e1handler", json!({"specialties":[]})).await;
    assert_error(&own, StatusCode::FORBIDDEN, "forbidden", None);
    let (_, users) = chair.get("/api/v1/users").await;
    let of =
        |name: &str| users.as_array().unwrap().iter().find(|u| u["username"] == name).unwrap()["specialties"].clone();
    assert_eq!(of("e1handler"), json!(["mediator", "liaison"]));
    assert_eq!(of("e1reception"), json!([]));
    // Emptied again.
    let cleared = patch_ok(&chair, "/api/v1/users/e1handler", json!({"specialties":[]})).await;
    assert_eq!(cleared["specialties"], json!([]));
}
both!(specialties_on_accounts);

async fn roster_put_and_get(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let chair = app.login("e1chair").await;
    patch_ok(&chair, "/api/v1/users/e1handler", json!({"specialties":["mediator"]})).await;
    let body = json!({
        "shifts": [
            {"user":"e1handler","specialty":"mediator","days":["tue","thu"],"start":"14:00","end":"17:00","slot_minutes":30,"place":"职工之家"},
            {"user":"mediator","days":["wed"],"start":"09:00","end":"12:00","place":"区接待大厅"},
            {"user":"e1reception","days":["mon","tue","wed","thu","fri","sat","sun"],"start":"00:00","end":"24:00","online":true,"holidays":true}
        ],
        "exceptions": [
            {"kind":"leave","user":"e1handler","from":"2026-12-01","to":"2026-12-03"},
            {"kind":"swap","date":"2026-12-10","user":"e1handler","with":"e1reception"},
            {"kind":"extra","date":"2026-12-12","user":"mediator","start":"09:00","end":"11:00","slot_minutes":60,"online":true}
        ]
    });
    let saved = put_ok(&chair, "/api/v1/unions/jd.s1.e1/roster", body.clone()).await;
    assert_eq!(saved["union"], "jd.s1.e1");
    assert_eq!(saved["shifts"][0]["name"], "e1handler 同志");
    assert_eq!(saved["shifts"][1]["slot_minutes"], 30, "the default slot");
    assert_eq!(saved["exceptions"][0], body["exceptions"][0]);
    assert_eq!(saved["exceptions"][1], body["exceptions"][1]);
    let extra = &saved["exceptions"][2];
    assert_eq!(
        (extra["kind"].as_str(), extra["place"].as_str(), extra["specialty"].is_null()),
        (Some("extra"), Some(""), true)
    );
    let (s, got) = chair.get("/api/v1/unions/jd.s1.e1/roster").await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(got, saved);
    // What GET answers goes back as it is, and changes nothing: the log holds one version.
    let again = put_ok(&chair, "/api/v1/unions/jd.s1.e1/roster", got.clone()).await;
    assert_eq!(again, got);
    assert_eq!(roster_versions(&app, "jd.s1.e1").await.len(), 1);
    // Staff of the union read it; only chairs and administrators (here or above) set it.
    let reception = app.login("e1reception").await;
    assert_eq!(reception.get("/api/v1/unions/jd.s1.e1/roster").await.1, got);
    let refused = put(&reception, "/api/v1/unions/jd.s1.e1/roster", json!({})).await;
    assert_error(&refused, StatusCode::FORBIDDEN, "forbidden", None);
    let other = app.login("e2handler").await;
    assert_eq!(other.get("/api/v1/unions/jd.s1.e1/roster").await.0, StatusCode::NOT_FOUND);
    assert_eq!(put(&other, "/api/v1/unions/jd.s1.e1/roster", json!({})).await.0, StatusCode::NOT_FOUND);
    let street = app.login("s1chair").await;
    let mut fewer = got.clone();
    fewer["shifts"].as_array_mut().unwrap().pop();
    put_ok(&street, "/api/v1/unions/jd.s1.e1/roster", fewer).await;
    let versions = roster_versions(&app, "jd.s1.e1").await;
    assert_eq!(versions.len(), 2, "every change is logged");
    assert_eq!((versions[0].changed_by.as_str(), versions[1].changed_by.as_str()), ("s1chair", "e1chair"));
    assert_eq!(versions[0].roster.shifts.len(), 2);
    // A union without a roster has an empty one.
    let (_, none) = street.get("/api/v1/unions/jd.s1.e2/roster").await;
    assert_eq!(none, json!({"union":"jd.s1.e2","shifts":[],"exceptions":[]}));
}
both!(roster_put_and_get);

/// (start, user) of each shift, China time, without the hotline's.
fn starts(duty: &Value, skip: &str) -> Vec<String> {
    duty.as_array()
        .unwrap()
        .iter()
        .filter(|s| s["user"] != skip)
        .map(|s| format!("{} {}", s["starts_at"].as_str().unwrap(), s["user"].as_str().unwrap()))
        .collect()
}

async fn duty_across_holidays_leave_and_swaps(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let admin = app.login("admin").await;
    assert_eq!(put(&admin, "/api/v1/calendar", national_day_2025()).await.0, StatusCode::NO_CONTENT);
    patch_ok(&admin, "/api/v1/users/mediator", json!({"specialties":["mediator"]})).await;
    put_ok(
        &admin,
        "/api/v1/unions/jd/roster",
        json!({"shifts":[{"user":"mediator","specialty":"mediator","days":["wed"],"start":"09:00","end":"12:00","place":"区接待大厅"}]}),
    )
    .await;
    let chair = app.login("e1chair").await;
    patch_ok(&chair, "/api/v1/users/e1handler", json!({"specialties":["counsellor"]})).await;
    put_ok(
        &chair,
        "/api/v1/unions/jd.s1.e1/roster",
        json!({
            "shifts": [
                {"user":"e1handler","specialty":"counsellor","days":["tue","thu","sat"],"start":"14:00","end":"17:30","place":"心理咨询室"},
                {"user":"e1reception","days":["workdays"],"start":"12:00","end":"13:00","slot_minutes":15,"place":"职工之家"},
                {"user":"e1chair","days":["mon","tue","wed","thu","fri","sat","sun"],"start":"20:00","end":"08:00","online":true,"holidays":true}
            ],
            "exceptions": [
                {"kind":"leave","user":"e1handler","from":"2025-09-30","to":"2025-09-30"},
                {"kind":"swap","date":"2025-10-09","user":"e1handler","with":"e1reception"}
            ]
        }),
    )
    .await;
    let anon = app.anonymous();
    let (s, duty) = anon.get("/api/v1/unions/jd.s1.e1/duty?from=2025-09-27&to=2025-10-15").await;
    assert_eq!(s, StatusCode::OK, "{duty}");
    assert_eq!(
        starts(&duty, "e1chair"),
        [
            "2025-09-27T14:00:00+08:00 e1handler",
            // The make-up Sunday is a working day.
            "2025-09-28T12:00:00+08:00 e1reception",
            "2025-09-29T12:00:00+08:00 e1reception",
            // Tuesday 30 September: e1handler on leave.
            "2025-09-30T12:00:00+08:00 e1reception",
            // 1–8 October: holidays, the Wednesday reception day too.
            "2025-10-09T12:00:00+08:00 e1reception",
            // Thursday 9 October: e1reception takes e1handler's afternoon.
            "2025-10-09T14:00:00+08:00 e1reception",
            "2025-10-10T12:00:00+08:00 e1reception",
            // The make-up Saturday: the Saturday line and the working-day line.
            "2025-10-11T12:00:00+08:00 e1reception",
            "2025-10-11T14:00:00+08:00 e1handler",
            "2025-10-13T12:00:00+08:00 e1reception",
            "2025-10-14T12:00:00+08:00 e1reception",
            "2025-10-14T14:00:00+08:00 e1handler",
            // The district's mediator serves every studio below it.
            "2025-10-15T09:00:00+08:00 mediator",
            "2025-10-15T12:00:00+08:00 e1reception",
        ]
    );
    let all = duty.as_array().unwrap();
    let hotline: Vec<&Value> = all.iter().filter(|s| s["user"] == "e1chair").collect();
    assert_eq!(hotline.len(), 19, "every night, holidays too");
    let national_day = hotline.iter().find(|s| s["starts_at"] == "2025-10-01T20:00:00+08:00").unwrap();
    assert_eq!(national_day["ends_at"], "2025-10-02T08:00:00+08:00");
    assert_eq!(national_day["online"], true);
    let swapped = all.iter().find(|s| s["starts_at"] == "2025-10-09T14:00:00+08:00").unwrap();
    assert_eq!(swapped["name"], "e1reception 同志");
    assert_eq!(swapped["specialty"], "counsellor");
    assert_eq!(swapped["place"], "心理咨询室");
    let mediator = all.iter().find(|s| s["user"] == "mediator").unwrap();
    assert_eq!((mediator["union"].as_str(), mediator["specialty"].as_str()), (Some("jd"), Some("mediator")));
    for s in all {
        let keys: Vec<&String> = s.as_object().unwrap().keys().collect();
        assert_eq!(
            keys,
            ["ends_at", "name", "online", "place", "slot_minutes", "specialty", "starts_at", "union", "user"],
            "no contact details"
        );
    }
    // Another enterprise gets the district's mediator only; the district has no studio, so
    // its duty list is for staff.
    let (_, f1) = anon.get("/api/v1/unions/jd.s2.e1/duty?from=2025-10-13&to=2025-10-19").await;
    assert_eq!(starts(&f1, ""), ["2025-10-15T09:00:00+08:00 mediator"]);
    assert_eq!(anon.get("/api/v1/unions/jd/duty?from=2025-10-13&to=2025-10-19").await.0, StatusCode::NOT_FOUND);
    let (s, jd) = admin.get("/api/v1/unions/jd/duty?from=2025-10-13&to=2025-10-19").await;
    assert_eq!((s, starts(&jd, "")), (StatusCode::OK, vec!["2025-10-15T09:00:00+08:00 mediator".to_owned()]));
    // The range is bounded and named.
    let long = anon.get("/api/v1/unions/jd.s1.e1/duty?from=2025-01-01&to=2025-12-31").await;
    assert_error(&long, StatusCode::UNPROCESSABLE_ENTITY, "invalid", Some("to"));
    let back = anon.get("/api/v1/unions/jd.s1.e1/duty?from=2025-10-02&to=2025-10-01").await;
    assert_error(&back, StatusCode::UNPROCESSABLE_ENTITY, "invalid", Some("to"));
    let bad = anon.get("/api/v1/unions/jd.s1.e1/duty?from=2025-13-01").await;
    assert_error(&bad, StatusCode::UNPROCESSABLE_ENTITY, "invalid", Some("from"));
    // A disabled account no longer serves.
    patch_ok(&chair, "/api/v1/users/e1reception", json!({"active":false})).await;
    let (_, after) = anon.get("/api/v1/unions/jd.s1.e1/duty?from=2025-10-09&to=2025-10-09").await;
    assert!(after.as_array().unwrap().iter().all(|s| s["user"] != "e1reception"), "{after}");
}
both!(duty_across_holidays_leave_and_swaps);

async fn roster_refusals_name_the_field(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let chair = app.login("e1chair").await;
    let good = json!({"user":"e1handler","days":["mon"],"start":"09:00","end":"10:00","place":"职工之家"});
    let first = put_ok(&chair, "/api/v1/unions/jd.s1.e1/roster", json!({"shifts":[good.clone()]})).await;
    let with = |field: &str, value: Value| {
        let mut line = good.clone();
        line[field] = value;
        json!({"shifts":[good.clone(), line]})
    };
    let cases: Vec<(Value, &str)> = vec![
        (with("start", json!("9:00")), "shifts[1].start"),
        (with("end", json!("24:30")), "shifts[1].end"),
        (with("end", json!("09:00")), "shifts[1].end"),
        (with("days", json!([])), "shifts[1].days"),
        (with("days", json!(["mon", "funday"])), "shifts[1].days[1]"),
        (with("user", json!("f1reception")), "shifts[1].user"),
        (with("user", json!("worker1")), "shifts[1].user"),
        (with("user", json!("nobody")), "shifts[1].user"),
        (with("specialty", json!("lawyer")), "shifts[1].specialty"),
        (with("specialty", json!("judge")), "shifts[1].specialty"),
        (with("place", json!(" ")), "shifts[1].place"),
        (with("slot_minutes", json!(0)), "shifts[1].slot_minutes"),
        (with("slot_minutes", json!(120)), "shifts[1].slot_minutes"),
        (
            json!({"exceptions":[{"kind":"leave","user":"e1handler","from":"2026-12-02","to":"2026-12-01"}]}),
            "exceptions[0].to",
        ),
        (
            json!({"exceptions":[{"kind":"swap","date":"2026-12-02","user":"e1handler","with":"e1handler"}]}),
            "exceptions[0].with",
        ),
        (
            json!({"exceptions":[{"kind":"swap","date":"2026-12-02","user":"e1handler","with":"e2handler"}]}),
            "exceptions[0].with",
        ),
        (
            json!({"exceptions":[{"kind":"leave","user":"e1handler","from":"2026-02-30","to":"2026-03-01"}]}),
            "exceptions[0].from",
        ),
        (
            json!({"exceptions":[{"kind":"extra","date":"2026-12-02","user":"e1handler","start":"10:00","end":"11:00"}]}),
            "exceptions[0].place",
        ),
    ];
    for (body, field) in cases {
        let got = put(&chair, "/api/v1/unions/jd.s1.e1/roster", body.clone()).await;
        assert_error(&got, StatusCode::UNPROCESSABLE_ENTITY, "invalid", Some(field));
    }
    // A wrong shape is a 400, still naming where.
    let shape =
        put(&chair, "/api/v1/unions/jd.s1.e1/roster", json!({"shifts":[{"user":"e1handler","colour":"red"}]})).await;
    assert_eq!(shape.0, StatusCode::BAD_REQUEST, "{}", shape.1);
    let shape =
        put(&chair, "/api/v1/unions/jd.s1.e1/roster", json!({"shifts":[{"user":"e1handler","days":"mon"}]})).await;
    assert_error(&shape, StatusCode::BAD_REQUEST, "bad_request", Some("shifts[0].days"));
    // Nothing was written by any of them.
    assert_eq!(chair.get("/api/v1/unions/jd.s1.e1/roster").await.1, first);
    assert_eq!(roster_versions(&app, "jd.s1.e1").await.len(), 1);
}
both!(roster_refusals_name_the_field);

/// The roster editor at 360 px (a line added, a wrong time refused with its row kept), the
/// studio's "on duty this week" for a worker, and the printed roster, in Chromium.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn roster_pages_in_chromium() {
    use crate::browser::{as_printed, fill, login, shot, submit, text, Driver, DESKTOP, PHONE};
    use fantoccini::Locator;
    let app = TestApp::spawn(Backend::Sqlite).await;
    let chair_api = app.login("e1chair").await;
    patch_ok(&chair_api, "/api/v1/users/e1handler", json!({"specialties":["counsellor"]})).await;
    let admin = app.login("admin").await;
    patch_ok(&admin, "/api/v1/users/mediator", json!({"specialties":["mediator"]})).await;
    put_ok(
        &admin,
        "/api/v1/unions/jd/roster",
        json!({"shifts":[
            {"user":"mediator","specialty":"mediator","days":["wed"],"start":"09:00","end":"17:00","place":"区职工服务中心 接待大厅"}
        ]}),
    )
    .await;
    put_ok(
        &chair_api,
        "/api/v1/unions/jd.s1.e1/roster",
        json!({"shifts":[
            {"user":"e1reception","days":["mon","tue","wed","thu","fri","sat","sun"],"start":"00:00","end":"24:00","online":true,"holidays":true,"slot_minutes":60},
            {"user":"e1chair","days":["workdays"],"start":"12:00","end":"13:00","place":"纸箱厂职工之家"}
        ]}),
    )
    .await;
    let out = std::path::Path::new("/tmp/roster-shots");
    std::fs::create_dir_all(out).unwrap();
    let keep = |name: &str| {
        let from = crate::browser::shot_dir().join(format!("{name}.png"));
        std::fs::copy(from, out.join(format!("{name}.png"))).unwrap();
    };
    let driver = Driver::start().await;
    let c = driver.browser(PHONE).await;
    login(&c, &app, "e1chair").await;
    c.goto(&app.url("/unions/jd.s1.e1")).await.unwrap();
    submit(&c, "#roster-link").await;
    assert_eq!(c.current_url().await.unwrap().path(), "/unions/jd.s1.e1/roster");
    // The first blank row (after the two lines) becomes e1handler's Tuesday afternoons.
    c.find(Locator::Css("select[name='user_2']")).await.unwrap().select_by_value("e1handler").await.unwrap();
    c.find(Locator::Css("select[name='specialty_2']")).await.unwrap().select_by_value("counsellor").await.unwrap();
    fill(&c, "input[name='start_2']", "14:00").await;
    fill(&c, "input[name='end_2']", "17:30").await;
    fill(&c, "input[name='place_2']", "心理咨询室").await;
    c.find(Locator::Css("input[name='day_2_tue']")).await.unwrap().click().await.unwrap();
    submit(&c, "#save-roster").await;
    assert!(text(&c, "#notice").await.contains("已保存"));
    let (_, roster) = chair_api.get("/api/v1/unions/jd.s1.e1/roster").await;
    assert_eq!(roster["shifts"][2]["user"], "e1handler", "{roster}");
    assert_eq!(roster["shifts"][2]["days"], json!(["tue"]));
    shot(&c, "roster-editor-phone", PHONE.0).await;
    keep("roster-editor-phone");
    // A wrong time: refused, the row kept as typed with the message beside it.
    fill(&c, "input[name='end_2']", "25:00").await;
    submit(&c, "#save-roster").await;
    assert!(text(&c, "#roster-error").await.contains("结束时间"));
    assert!(text(&c, "#line-2 .field-error").await.contains("结束时间"));
    let kept = c.find(Locator::Css("input[name='end_2']")).await.unwrap().prop("value").await.unwrap();
    assert_eq!(kept.as_deref(), Some("25:00"));
    shot(&c, "roster-editor-error-phone", PHONE.0).await;
    keep("roster-editor-error-phone");
    let (_, unchanged) = chair_api.get("/api/v1/unions/jd.s1.e1/roster").await;
    assert_eq!(unchanged, roster);
    c.close().await.unwrap();

    // The worker, without an account, on the studio's page.
    let w = driver.browser(PHONE).await;
    w.goto(&app.url("/s/jd.s1.e1")).await.unwrap();
    let duty = text(&w, "#duty").await;
    assert!(duty.contains("本周值班") && duty.contains("e1reception 同志") && duty.contains("线上"), "{duty}");
    assert!(duty.contains("00:00–24:00"), "{duty}");
    w.execute("document.getElementById('duty').scrollIntoView()", vec![]).await.unwrap();
    shot(&w, "studio-duty-phone", PHONE.0).await;
    keep("studio-duty-phone");
    // Nothing overflows the phone's width.
    let wide = w.execute("return document.documentElement.scrollWidth", vec![]).await.unwrap();
    assert!(wide.as_u64().unwrap() <= u64::from(PHONE.0), "the page is {wide} px wide");
    w.close().await.unwrap();

    // The printed roster for the wall, A4.
    let d = driver.browser(DESKTOP).await;
    d.goto(&app.url("/s/jd.s1.e1/roster")).await.unwrap();
    let sheet = text(&d, "#roster-sheet").await;
    assert!(
        sheet.contains("金东区总工会") && sheet.contains("区职工服务中心 接待大厅") && sheet.contains("调解员"),
        "{sheet}"
    );
    assert!(sheet.contains("全天 24 小时") && sheet.contains("节假日照常"), "{sheet}");
    as_printed(&d, true).await;
    // A4 is 210 mm wide: 182 mm inside its margins, at 96 dpi.
    d.set_window_size(688, 1000).await.unwrap();
    shot(&d, "roster-print-a4", 688).await;
    keep("roster-print-a4");
    d.close().await.unwrap();
}
