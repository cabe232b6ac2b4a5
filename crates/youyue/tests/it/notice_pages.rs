//! Notices (issue 21) as people set and read them: an account's e-mail, phone and the kinds
//! turned off; a union's WeChat Work robot and a district's quiet hours; a worker's consent
//! to be told; the bell, `/notices` and the notices API, and who may do each.

use crate::harness::{assert_error, Backend, Client, TestApp};
use reqwest::StatusCode;
use serde_json::{json, Value};

async fn put(c: &Client, path: &str, body: Value) -> (StatusCode, Value) {
    let resp = c.http.put(format!("{}{path}", c.base)).json(&body).send().await.unwrap();
    let status = resp.status();
    let text = resp.text().await.unwrap();
    (status, if text.is_empty() { Value::Null } else { serde_json::from_str(&text).unwrap_or(Value::String(text)) })
}

/// The account of `username` as `GET /api/v1/users` lists it to `c`.
async fn listed(c: &Client, username: &str) -> Value {
    let (status, users) = c.get("/api/v1/users").await;
    assert_eq!(status, StatusCode::OK, "{users}");
    users.as_array().unwrap().iter().find(|u| u["username"] == username).cloned().unwrap()
}

async fn account_settings(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let me = app.login("e1handler").await;
    let path = "/api/v1/users/e1handler";
    let (status, body) = me
        .patch(path, json!({"email": "e1@example.com", "phone": "+86 138-0013-8000", "notices_off": ["overdue", "chased", "overdue"]}))
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["email"], "e1@example.com");
    assert_eq!(body["phone"], "13800138000", "a number is kept as 11 digits");
    assert_eq!(body["notices_off"], json!(["overdue", "chased"]));
    let (_, mine) = me.get("/api/v1/me").await;
    assert_eq!((mine["email"].clone(), mine["phone"].clone()), (json!("e1@example.com"), json!("13800138000")));

    // Each bad value is a 422 naming its field, and nothing of the request is written.
    assert_error(
        &me.patch(path, json!({"email": "not an address", "phone": ""})).await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "invalid",
        Some("email"),
    );
    assert_error(
        &me.patch(path, json!({"phone": "0571-88888888"})).await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "invalid",
        Some("phone"),
    );
    assert_error(
        &me.patch(path, json!({"notices_off": ["nope"]})).await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "invalid",
        Some("notices_off"),
    );
    // A worker's receipt is asked for case by case, not turned off on an account.
    assert_error(
        &me.patch(path, json!({"notices_off": ["registered"]})).await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "invalid",
        Some("notices_off"),
    );
    let (_, mine) = me.get("/api/v1/me").await;
    assert_eq!(mine["phone"], "13800138000", "a refused request changed nothing");

    // Other staff read the addresses masked; the chair over the account reads them whole.
    let reception = app.login("e1reception").await;
    let seen = listed(&reception, "e1handler").await;
    assert_eq!((seen["email"].as_str(), seen["phone"].as_str()), (Some("e***@example.com"), Some("138****8000")));
    let chair = app.login("e1chair").await;
    assert_eq!(listed(&chair, "e1handler").await["phone"], "13800138000");
    // The chair changes them; a receptionist may not (403); another enterprise's staff and a
    // worker account do not see the account (404).
    let (status, body) = chair.patch(path, json!({"email": "handler@example.com"})).await;
    assert_eq!((status, body["email"].as_str()), (StatusCode::OK, Some("handler@example.com")), "{body}");
    assert_error(
        &reception.patch(path, json!({"email": "x@example.com"})).await,
        StatusCode::FORBIDDEN,
        "forbidden",
        None,
    );
    let other = app.login("e2reception").await;
    assert_error(&other.patch(path, json!({"phone": "13900000000"})).await, StatusCode::NOT_FOUND, "not_found", None);
    let worker = app.login("worker1").await;
    assert_error(&worker.patch(path, json!({"phone": "13900000000"})).await, StatusCode::NOT_FOUND, "not_found", None);

    // "" and null both clear.
    let (status, body) = me.patch(path, json!({"email": "", "phone": null, "notices_off": []})).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(
        (body["email"].clone(), body["phone"].clone(), body["notices_off"].clone()),
        (Value::Null, Value::Null, json!([]))
    );
    let stored = app.store.user_by_username("e1handler").await.unwrap().unwrap();
    assert_eq!((stored.email, stored.phone, stored.notices_off), (None, None, vec![]));
}
both!(account_settings);

async fn union_notices(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let url = "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=SECRET-KEY";
    let path = "/api/v1/unions/jd.s1.e1/notices";
    let chair = app.login("e1chair").await;
    let (status, body) = put(&chair, path, json!({"wecom_webhook": url})).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body, json!({"wecom_webhook": "https://qyapi.weixin.qq.com/…", "set": true}), "a chair reads it masked");
    let admin = app.login("admin").await;
    assert_eq!(admin.get(path).await.1["wecom_webhook"], url, "the administrator above reads it whole");
    let reception = app.login("e1reception").await;
    let (status, body) = reception.get(path).await;
    assert_eq!((status, body["set"].clone()), (StatusCode::OK, json!(true)));
    assert!(!body.to_string().contains("SECRET"), "{body}");

    // Who may not: a receptionist (403), another enterprise (404), a worker account (403).
    assert_error(
        &put(&reception, path, json!({"wecom_webhook": null})).await,
        StatusCode::FORBIDDEN,
        "forbidden",
        None,
    );
    let other = app.login("e2reception").await;
    assert_error(&other.get(path).await, StatusCode::NOT_FOUND, "not_found", None);
    assert_error(&put(&other, path, json!({"wecom_webhook": null})).await, StatusCode::NOT_FOUND, "not_found", None);
    let worker = app.login("worker1").await;
    assert_error(&worker.get(path).await, StatusCode::FORBIDDEN, "forbidden", None);
    let e2handler = app.login("e2handler").await;
    assert_error(
        &put(&e2handler, path, json!({"wecom_webhook": null})).await,
        StatusCode::NOT_FOUND,
        "not_found",
        None,
    );

    // Bad values name their field; quiet hours are a district's.
    assert_error(
        &put(&chair, path, json!({"wecom_webhook": "http://example.com/hook"})).await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "invalid",
        Some("wecom_webhook"),
    );
    assert_error(
        &put(&chair, path, json!({"quiet_hours": {"from": "22:00", "to": "08:00"}})).await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "invalid",
        Some("quiet_hours"),
    );
    assert_eq!(admin.get(path).await.1["wecom_webhook"], url, "refused requests changed nothing");

    // A chair above clears it ("" or null).
    let s1chair = app.login("s1chair").await;
    let (status, body) = put(&s1chair, path, json!({"wecom_webhook": ""})).await;
    assert_eq!((status, body), (StatusCode::OK, json!({"wecom_webhook": null, "set": false})));
    assert_eq!(
        app.store
            .union_webhook(app.store.union_by_code(&"jd.s1.e1".parse().unwrap()).await.unwrap().unwrap().id)
            .await
            .unwrap(),
        None
    );

    // The district's quiet hours: the default until set, stored where the outbox reads them.
    let district = "/api/v1/unions/jd/notices";
    assert_eq!(admin.get(district).await.1["quiet_hours"], json!({"from": "22:00", "to": "08:00"}));
    let (status, body) = put(&admin, district, json!({"quiet_hours": {"from": "21:30", "to": "07:00"}})).await;
    assert_eq!(
        (status, body["quiet_hours"].clone()),
        (StatusCode::OK, json!({"from": "21:30", "to": "07:00"})),
        "{body}"
    );
    assert_eq!(
        app.store.setting("notices:jd").await.unwrap(),
        Some(json!({"quiet_hours": {"from": "21:30", "to": "07:00"}}))
    );
    assert_error(
        &put(&admin, district, json!({"quiet_hours": {"from": "25:00", "to": "07:00"}})).await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "invalid",
        Some("quiet_hours"),
    );
    assert_error(
        &put(&admin, district, json!({"quiet_hours": "night"})).await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "invalid",
        Some("quiet_hours"),
    );
    let (status, body) = put(&admin, district, json!({"quiet_hours": null})).await;
    assert_eq!((status, body["quiet_hours"].clone()), (StatusCode::OK, json!({"from": "22:00", "to": "08:00"})));
    // A district's chair below the administrator's level cannot: s1chair does not see jd.
    assert_error(
        &put(&s1chair, district, json!({"quiet_hours": null})).await,
        StatusCode::NOT_FOUND,
        "not_found",
        None,
    );
}
both!(union_notices);

/// A worker's consent to be told needs a contact a notice can reach: a mobile number or an
/// e-mail address (422 `contact` otherwise), on the staff registration and the public form.
async fn consent_needs_a_reachable_contact(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let staff = app.login("e1reception").await;
    let case = |contact: Value, notify: bool| {
        json!({"union": "jd.s1.e1", "kind": "claim", "description": "三个月没发加班费", "channel": "hotline",
               "contact": contact, "notify": notify})
    };
    let refused = staff.post("/api/v1/cases", case(json!("车间王师傅"), true)).await;
    assert_error(&refused, StatusCode::UNPROCESSABLE_ENTITY, "invalid", Some("contact"));
    assert!(refused.1["error"]["message"].as_str().unwrap().contains("mobile number"), "{}", refused.1);
    assert_error(
        &staff.post("/api/v1/cases", case(Value::Null, true)).await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "invalid",
        Some("contact"),
    );
    // Without consent any contact is kept as before.
    staff.ok("/api/v1/cases", case(json!("车间王师傅"), false), StatusCode::CREATED).await;
    let made = staff.ok("/api/v1/cases", case(json!("138 1234 5678"), true), StatusCode::CREATED).await;
    assert!(made["tracking_code"].as_str().is_some_and(|c| !c.is_empty()));
    // The consent is kept, and the receipt (with the code staff read out) is on its way.
    let number = made["number"].as_str().unwrap();
    let consents =
        count(&app, "SELECT COUNT(*) FROM case_notify n JOIN cases c ON c.id = n.case_id WHERE c.number = $1", number)
            .await;
    assert_eq!(consents, 1);
    let receipts = count(&app, "SELECT COUNT(*) FROM notice_events e JOIN cases c ON c.id = e.case_id WHERE c.number = $1 AND e.kind = 'registered'", number).await;
    assert_eq!(receipts, 1);

    let worker = app.anonymous();
    let public = |contact: &str| json!({"union": "jd.s1.e1", "kind": "claim", "description": "工资拖欠", "contact": contact, "notify": true});
    assert_error(
        &worker.post("/api/v1/public/cases", public("找车间主任")).await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "invalid",
        Some("contact"),
    );
    worker.ok("/api/v1/public/cases", public("wang@example.com"), StatusCode::CREATED).await;
}
both!(consent_needs_a_reachable_contact);

/// Writes a notice straight into the outbox's tables, as the dispatcher and the sender
/// leave one: an `app` notice for `user` (sent, unread), or a notice by another channel
/// that failed after 8 attempts. Straight in, so that what the bell and the failed list
/// show does not depend on when the background dispatcher runs. Returns its id.
pub async fn put_notice(
    app: &TestApp,
    case: Option<&str>,
    kind: &str,
    channel: &str,
    to: &str,
    user: Option<&str>,
) -> i64 {
    let now = youyue_domain::Timestamp::now().micros();
    let user_id = match user {
        Some(u) => Some(app.store.user_by_username(u).await.unwrap().unwrap().id),
        None => None,
    };
    let case_id = match case {
        Some(n) => Some(app.store.case_by_number(&n.parse().unwrap()).await.unwrap().unwrap().id),
        None => None,
    };
    let (status, attempts, error) =
        if channel == "app" { ("sent", 0, None) } else { ("failed", 8, Some("gateway answered 500")) };
    // The words the dispatcher would write (`notice::message`).
    let about = youyue_domain::notice::About { number: case.unwrap_or(""), case_kind: None, ..Default::default() };
    let words = youyue_domain::notice::message(youyue_domain::notice::NoticeKind::parse(kind).unwrap(), &about, false);
    let body = words.text;
    macro_rules! write {
        ($conn:expr) => {{
            // An event per notice, already dispatched (a case is required of an event).
            let event_case = match case_id {
                Some(id) => id,
                None => sqlx::query_scalar("SELECT MIN(id) FROM cases").fetch_one(&mut $conn).await.unwrap(),
            };
            let event: i64 = sqlx::query_scalar(
                "INSERT INTO notice_events (case_id, kind, created_at, dispatched_at) VALUES ($1, $2, $3, $3) RETURNING id",
            )
            .bind(event_case)
            .bind(kind)
            .bind(now)
            .fetch_one(&mut $conn)
            .await
            .unwrap();
            sqlx::query_scalar(
                "INSERT INTO notices (event_id, case_id, kind, channel, user_id, address, subject, body, status, attempts, \
                 next_at, last_error, sent_at, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $11) \
                 RETURNING id",
            )
            .bind(event)
            .bind(case_id)
            .bind(kind)
            .bind(channel)
            .bind(user_id)
            .bind(to)
            .bind(&words.subject)
            .bind(&body)
            .bind(status)
            .bind(attempts)
            .bind(now)
            .bind(error)
            .bind((channel == "app").then_some(now))
            .fetch_one(&mut $conn)
            .await
            .unwrap()
        }};
    }
    if app.db.url.starts_with("sqlite:") {
        let mut conn = <sqlx::SqliteConnection as sqlx::Connection>::connect(&app.db.url).await.unwrap();
        write!(conn)
    } else {
        let mut conn = <sqlx::PgConnection as sqlx::Connection>::connect(&app.db.url).await.unwrap();
        write!(conn)
    }
}

/// One number from the database: `sql` with `$1` bound to `value`.
async fn count(app: &TestApp, sql: &str, value: &str) -> i64 {
    if app.db.url.starts_with("sqlite:") {
        let mut conn = <sqlx::SqliteConnection as sqlx::Connection>::connect(&app.db.url).await.unwrap();
        sqlx::query_scalar(sql).bind(value).fetch_one(&mut conn).await.unwrap()
    } else {
        let mut conn = <sqlx::PgConnection as sqlx::Connection>::connect(&app.db.url).await.unwrap();
        sqlx::query_scalar(sql).bind(value).fetch_one(&mut conn).await.unwrap()
    }
}

/// Registers a case by API as `staff`; its number.
async fn register(c: &Client, union: &str, kind: &str) -> String {
    let body = json!({"union": union, "kind": kind, "description": "车间加班费没有发", "channel": "hotline"});
    c.ok("/api/v1/cases", body, StatusCode::CREATED).await["number"].as_str().unwrap().to_owned()
}

/// The staff page's bell: the number it shows, or None without one.
async fn bell(c: &Client, path: &str) -> Option<String> {
    let html = c.http.get(format!("{}{path}", c.base)).send().await.unwrap().text().await.unwrap();
    assert!(html.contains("id=\"bell\""), "the page has the bell: {path}");
    let at = html.find("id=\"bell-count\">")?;
    let rest = &html[at + "id=\"bell-count\">".len()..];
    Some(rest[..rest.find('<').unwrap()].to_owned())
}

async fn the_bell_and_own_notices(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let reception = app.login("e1reception").await;
    let number = register(&reception, "jd.s1.e1", "claim").await;
    let me = app.login("e1handler").await;
    assert_eq!(bell(&me, "/inbox").await, None, "no notice, no number");
    let first = put_notice(&app, Some(&number), "assigned", "app", "e1handler", Some("e1handler")).await;
    let second = put_notice(&app, Some(&number), "due_tomorrow", "app", "e1handler", Some("e1handler")).await;
    let third = put_notice(&app, Some(&number), "chased", "app", "e1handler", Some("e1handler")).await;
    // Someone else's notice is not in the count, nor theirs to read.
    let theirs = put_notice(&app, Some(&number), "new_case", "app", "e1chair", Some("e1chair")).await;
    assert_eq!(bell(&me, "/inbox").await.as_deref(), Some("3"));
    assert_eq!(bell(&me, "/account").await.as_deref(), Some("3"), "on every staff page");

    let (status, list) = me.get("/api/v1/notices").await;
    assert_eq!(status, StatusCode::OK, "{list}");
    assert_eq!((list["total"].clone(), list["unread"].clone()), (json!(3), json!(3)));
    let ids: Vec<i64> = list["notices"].as_array().unwrap().iter().map(|n| n["id"].as_i64().unwrap()).collect();
    assert_eq!(ids, vec![third, second, first], "newest first");
    let n = &list["notices"][0];
    assert_eq!(
        (n["kind"].as_str(), n["channel"].as_str(), n["read"].as_bool()),
        (Some("chased"), Some("app"), Some(false))
    );
    assert_eq!(n["case"], number.as_str());
    assert_eq!(n["link"], format!("/cases/{number}"));
    assert!(n["created_at"].as_str().unwrap().ends_with("+08:00"), "{n}");

    // Read one: 204, again 204; another's, a missing and a malformed id are 404.
    assert_eq!(me.post(&format!("/api/v1/notices/{second}/read"), json!({})).await.0, StatusCode::NO_CONTENT);
    assert_eq!(me.post(&format!("/api/v1/notices/{second}/read"), json!({})).await.0, StatusCode::NO_CONTENT);
    assert_error(
        &me.post(&format!("/api/v1/notices/{theirs}/read"), json!({})).await,
        StatusCode::NOT_FOUND,
        "not_found",
        None,
    );
    assert_error(&me.post("/api/v1/notices/99999999/read", json!({})).await, StatusCode::NOT_FOUND, "not_found", None);
    assert_error(&me.post("/api/v1/notices/abc/read", json!({})).await, StatusCode::NOT_FOUND, "not_found", None);
    // Not JSON (a cross-site form could send that): refused, nothing read.
    let form = me.post_raw(&format!("/api/v1/notices/{first}/read"), "application/x-www-form-urlencoded", "").await;
    assert_eq!(form.0, StatusCode::BAD_REQUEST, "{}", form.1);
    let (_, unread) = me.get("/api/v1/notices?unread=true").await;
    assert_eq!((unread["total"].clone(), unread["unread"].clone()), (json!(2), json!(2)));
    let ids: Vec<i64> = unread["notices"].as_array().unwrap().iter().map(|n| n["id"].as_i64().unwrap()).collect();
    assert_eq!(ids, vec![third, first]);
    let (_, paged) = me.get("/api/v1/notices?per_page=1&page=2").await;
    assert_eq!((paged["total"].clone(), paged["notices"][0]["id"].as_i64()), (json!(3), Some(second)));
    assert_eq!(bell(&me, "/inbox").await.as_deref(), Some("2"));
    for bad in ["per_page=0", "per_page=101", "page=0", "status=sent", "status=failed&unread=true"] {
        let got = me.get(&format!("/api/v1/notices?{bad}")).await;
        assert_eq!(got.0, StatusCode::UNPROCESSABLE_ENTITY, "{bad}: {}", got.1);
    }
    assert_eq!(me.get("/api/v1/notices?colour=red").await.0, StatusCode::BAD_REQUEST, "an unknown parameter");
    assert_eq!(app.anonymous().get("/api/v1/notices").await.0, StatusCode::UNAUTHORIZED);

    // The page lists them; opening one marks it read and goes to its case.
    let page = me.http.get(format!("{}/notices", me.base)).send().await.unwrap().text().await.unwrap();
    assert!(page.contains(&format!("id=\"notice-{third}\"")) && page.contains(&number), "{page}");
    let opened = me.http.get(format!("{}/notices/{third}", me.base)).send().await.unwrap();
    assert_eq!(opened.url().path(), format!("/cases/{number}"));
    assert_eq!(bell(&me, "/inbox").await.as_deref(), Some("1"));
    let other = me.http.get(format!("{}/notices/{theirs}", me.base)).send().await.unwrap();
    assert_eq!(other.status(), StatusCode::NOT_FOUND, "another's notice is not opened");

    // Mark all read.
    let (status, marked) = me.post("/api/v1/notices/read-all", json!({})).await;
    assert_eq!((status, marked), (StatusCode::OK, json!({"marked": 1})));
    assert_eq!(bell(&me, "/inbox").await, None);
    assert_eq!(me.get("/api/v1/notices").await.1["unread"], 0);
    let chair = app.login("e1chair").await;
    assert_eq!(bell(&chair, "/inbox").await.as_deref(), Some("1"), "another's notices stay unread");
}
both!(the_bell_and_own_notices);

async fn failed_notices_and_sending_again(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let reception = app.login("e1reception").await;
    let claim = register(&reception, "jd.s1.e1", "claim").await;
    let wellbeing = register(&reception, "jd.s1.e1", "wellbeing").await;
    let f1 = app.login("f1reception").await;
    let elsewhere = register(&f1, "jd.s2.e1", "claim").await;
    let sms = put_notice(&app, Some(&claim), "overdue", "sms", "13800138000", Some("e1handler")).await;
    let confidential =
        put_notice(&app, Some(&wellbeing), "new_case", "email", "chair@example.com", Some("e1chair")).await;
    let far = put_notice(&app, Some(&elsewhere), "new_case", "wecom", "", None).await;

    // An administrator sees every failure of the district; a wellbeing case's number and
    // words only if they may open it (they may not).
    let admin = app.login("admin").await;
    let (status, list) = admin.get("/api/v1/notices?status=failed").await;
    assert_eq!(status, StatusCode::OK, "{list}");
    assert_eq!(list["total"], 3);
    assert!(list.get("unread").is_none());
    let row =
        |list: &Value, id: i64| list["notices"].as_array().unwrap().iter().find(|n| n["id"] == id).cloned().unwrap();
    let s = row(&list, sms);
    assert_eq!(
        (s["channel"].as_str(), s["to"].as_str(), s["attempts"].as_i64()),
        (Some("sms"), Some("138****8000"), Some(8))
    );
    assert_eq!(
        (s["status"].as_str(), s["kind"].as_str(), s["case"].as_str()),
        (Some("failed"), Some("overdue"), Some(claim.as_str()))
    );
    assert_eq!(s["last_error"], "gateway answered 500");
    let w = row(&list, confidential);
    assert_eq!(
        (w["case"].clone(), w["text"].clone(), w["to"].as_str()),
        (Value::Null, Value::Null, Some("c***@example.com"))
    );
    assert!(!list.to_string().contains(&wellbeing), "{list}");
    assert!(!list.to_string().contains("13800138000") && !list.to_string().contains("chair@example.com"));

    // The enterprise's chair sees its own unions' failures (the wellbeing case too).
    let chair = app.login("e1chair").await;
    let (_, mine) = chair.get("/api/v1/notices?status=failed").await;
    assert_eq!(mine["total"], 2);
    assert_eq!(row(&mine, confidential)["case"], wellbeing.as_str());
    // Others may not (403), and "send again" reaches only the caller's subtree (404).
    for who in ["e1handler", "e1reception", "worker1"] {
        let c = app.login(who).await;
        assert_error(&c.get("/api/v1/notices?status=failed").await, StatusCode::FORBIDDEN, "forbidden", None);
        let refused = c.post(&format!("/api/v1/notices/{sms}/retry"), json!({})).await;
        assert_eq!(refused.0, StatusCode::FORBIDDEN, "{who}: {}", refused.1);
    }
    assert_error(
        &chair.post(&format!("/api/v1/notices/{far}/retry"), json!({})).await,
        StatusCode::NOT_FOUND,
        "not_found",
        None,
    );
    assert_error(
        &chair.post("/api/v1/notices/99999999/retry", json!({})).await,
        StatusCode::NOT_FOUND,
        "not_found",
        None,
    );

    // Send again: waiting, due now, its attempts kept; a notice that has not failed is a 409.
    let (status, again) = admin.post(&format!("/api/v1/notices/{far}/retry"), json!({})).await;
    assert_eq!(
        (status, again["status"].as_str(), again["attempts"].as_i64()),
        (StatusCode::ACCEPTED, Some("pending"), Some(8)),
        "{again}"
    );
    let app_notice = put_notice(&app, Some(&claim), "assigned", "app", "e1handler", Some("e1handler")).await;
    assert_error(
        &admin.post(&format!("/api/v1/notices/{app_notice}/retry"), json!({})).await,
        StatusCode::CONFLICT,
        "conflict",
        None,
    );

    // The page: the same list with a button a row, usable on a phone.
    let page = chair.http.get(format!("{}/notices/failed", chair.base)).send().await.unwrap();
    assert_eq!(page.status(), StatusCode::OK);
    let html = page.text().await.unwrap();
    assert!(
        html.contains(&format!("id=\"retry-{sms}\"")) && html.contains("138****8000") && html.contains("重新发送"),
        "{html}"
    );
    let handler = app.login("e1handler").await;
    let refused = handler.http.get(format!("{}/notices/failed", handler.base)).send().await.unwrap();
    assert_eq!(refused.status(), StatusCode::FORBIDDEN);
}
both!(failed_notices_and_sending_again);

/// On a 360-px phone: the bell, `/notices` (opening one goes to its case and the count
/// drops, "mark all read"), the account's notice settings, a union's robot, and the failed
/// list. Screenshots under target/screenshots/ (`*-phone-notices*.png`, `*-phone-account-notices.png`).
async fn notices_on_a_phone(backend: Backend) {
    use crate::browser::{click, fill, login, shot, submit, text, Driver, PHONE};
    let app = TestApp::spawn(backend).await;
    let tag = format!("{backend:?}").to_lowercase();
    let reception = app.login("e1reception").await;
    let number = register(&reception, "jd.s1.e1", "claim").await;
    for kind in ["assigned", "due_tomorrow", "chased", "appointment_booked"] {
        put_notice(&app, Some(&number), kind, "app", "e1handler", Some("e1handler")).await;
    }
    let driver = Driver::start().await;
    let c = driver.browser(PHONE).await;
    login(&c, &app, "e1handler").await;
    assert_eq!(text(&c, "#bell-count").await, "4");
    submit(&c, "#bell").await;
    assert_eq!(c.current_url().await.unwrap().path(), "/notices");
    assert_eq!(c.find_all(fantoccini::Locator::Css("#notice-list li.unread")).await.unwrap().len(), 4);
    let overflow =
        c.execute("return document.documentElement.scrollWidth > window.innerWidth + 1", vec![]).await.unwrap();
    assert_eq!(overflow, json!(false), "nothing runs off a 360-px screen");
    shot(&c, &format!("{tag}-phone-notices"), PHONE.0).await;
    submit(&c, "#notice-list li:first-child a").await;
    assert_eq!(c.current_url().await.unwrap().path(), format!("/cases/{number}"));
    assert_eq!(text(&c, "#bell-count").await, "3");
    c.goto(&app.url("/notices")).await.unwrap();
    submit(&c, "#read-all").await;
    assert!(c.find(fantoccini::Locator::Css("#bell-count")).await.is_err(), "no number once all are read");
    assert!(c.find(fantoccini::Locator::Css("#notice-list li.unread")).await.is_err());
    shot(&c, &format!("{tag}-phone-notices-read"), PHONE.0).await;

    // The account page: e-mail, phone and the kinds turned off.
    c.goto(&app.url("/account")).await.unwrap();
    // The browser's own check lets this by (a dotless domain); the server's does not.
    fill(&c, "#email", "wang@localhost").await;
    submit(&c, "#save-notices").await;
    assert!(text(&c, "#notices .field-error").await.contains("电子邮箱"));
    fill(&c, "#email", "e1handler@example.com").await;
    fill(&c, "#phone", "138 0013 8000").await;
    click(&c, "input[name=off_overdue]").await;
    submit(&c, "#save-notices").await;
    assert!(text(&c, "#account-notice").await.contains("通知设置已保存"));
    let saved = app.store.user_by_username("e1handler").await.unwrap().unwrap();
    assert_eq!(
        (saved.email.as_deref(), saved.phone.as_deref(), saved.notices_off.clone()),
        (Some("e1handler@example.com"), Some("13800138000"), vec![youyue_domain::notice::NoticeKind::Overdue])
    );
    shot(&c, &format!("{tag}-phone-account-notices"), PHONE.0).await;

    // The administrator sets the union's robot on its page (one on this machine is theirs
    // alone to set), and reads the failed list.
    let chair = driver.browser(PHONE).await;
    login(&chair, &app, "admin").await;
    chair.goto(&app.url("/unions/jd.s1.e1")).await.unwrap();
    // A loopback robot that is not there (port 9): the test message fails at once, with
    // or without the real channels.
    fill(&chair, "#wecom_webhook", "http://127.0.0.1:9/cgi-bin/webhook/send?key=SECRET").await;
    submit(&chair, "#save-notices").await;
    let now = text(&chair, "#webhook-now").await;
    // The administrator over the union reads it whole (a chair sees scheme and host only:
    // `union_notices`).
    assert!(now.contains("http://127.0.0.1:9/cgi-bin/webhook/send?key=SECRET"), "{now}");
    // "Send a test message": the answer is shown (no robot answers here: a failure, in words).
    submit(&chair, "#test-webhook").await;
    assert!(text(&chair, ".alert").await.contains("测试消息没有发出"), "the test's outcome is shown");
    shot(&chair, &format!("{tag}-phone-union-notices"), PHONE.0).await;
    put_notice(&app, Some(&number), "overdue", "sms", "13800138000", Some("e1handler")).await;
    chair.goto(&app.url("/notices/failed")).await.unwrap();
    assert!(text(&chair, "#failed-list").await.contains("138****8000"));
    shot(&chair, &format!("{tag}-phone-notices-failed"), PHONE.0).await;
    submit(&chair, "#failed-list li:first-child button").await;
    assert!(text(&chair, "#failed-notice").await.contains("已重新排队"));
    for b in [c, chair] {
        b.close().await.unwrap();
    }
}
both!(notices_on_a_phone);

/// A notice's final result is in its case's record book (the outbox's sender writes it);
/// the case page says it in words, in Chinese and in English, the address masked.
async fn the_record_book_says_what_was_sent(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let reception = app.login("e1reception").await;
    let number = register(&reception, "jd.s1.e1", "claim").await;
    let id = put_notice(&app, Some(&number), "overdue", "sms", "13800138000", Some("e1handler")).await;
    // As the sender records a final result (straight, not waiting for a delivery).
    let detail = json!({"kind": "overdue", "channel": "sms", "to": "138****8000", "outcome": "sent", "attempts": 9});
    let attempt = youyue_store::NoticeAttempt {
        ok: true,
        error: None,
        status: youyue_domain::notice::NoticeStatus::Sent,
        next_at: youyue_domain::Timestamp::now(),
        book: Some(detail),
    };
    app.store.finish_notice_attempt(id, &attempt, youyue_domain::Timestamp::now()).await.unwrap();
    let chair = app.login("e1chair").await;
    let page = |c: &Client, path: String| {
        let http = c.http.clone();
        let url = format!("{}{path}", c.base);
        async move { http.get(url).send().await.unwrap().text().await.unwrap() }
    };
    let zh = page(&chair, format!("/cases/{number}")).await;
    assert!(zh.contains("短信 138****8000 · 已超期 · 已发送（尝试 9 次）"), "{zh}");
    assert!(!zh.contains("13800138000"));
    let en = page(&chair, format!("/lang/en?next=/cases/{number}")).await;
    assert!(en.contains("SMS 138****8000 · Overdue · Sent (9 attempts)"), "{en}");
    assert!(en.contains("<strong>Notice</strong>"), "the action in words: {en}");
}
both!(the_record_book_says_what_was_sent);
