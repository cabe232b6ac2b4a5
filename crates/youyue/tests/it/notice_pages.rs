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
