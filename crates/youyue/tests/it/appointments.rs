//! Issue 20, appointments (约谈): free slots from the roster, booking by staff and by the
//! worker with the tracking code, rescheduling, cancelling, held and no-show, the old
//! free-text meeting entry, the record book (`youyue verify` clean), and the database
//! keeping two bookings off one person's slot when sixteen arrive at once through two app
//! servers.

use crate::harness::{assert_error, cst_date, youyue, Backend, Client, TestApp};
use reqwest::StatusCode;
use serde_json::{json, Value};
use std::net::SocketAddr;
use std::sync::Arc;

/// The district mediator (`mediator`, of jd) on duty every day, all day, in one-hour
/// slots at the district's room; and a counsellor (`e1handler`) every day online in
/// half-hour slots at the enterprise.
pub async fn put_duty(app: &TestApp) {
    let admin = app.login("admin").await;
    let every = json!(["mon", "tue", "wed", "thu", "fri", "sat", "sun"]);
    for (user, specialty) in [("mediator", "mediator"), ("e1handler", "counsellor")] {
        let (s, b) = admin.patch(&format!("/api/v1/users/{user}"), json!({"specialties": [specialty]})).await;
        assert_eq!(s, StatusCode::OK, "{b}");
    }
    let jd = json!({"shifts": [{"user": "mediator", "specialty": "mediator", "days": every, "start": "00:00",
        "end": "24:00", "slot_minutes": 60, "place": "区总工会调解室", "holidays": true}]});
    let (s, b) = put(&admin, "/api/v1/unions/jd/roster", jd).await;
    assert_eq!(s, StatusCode::OK, "{b}");
    let e1 = json!({"shifts": [{"user": "e1handler", "specialty": "counsellor", "days": every, "start": "00:00",
        "end": "24:00", "slot_minutes": 30, "place": "", "online": true, "holidays": true}]});
    let (s, b) = put(&admin, "/api/v1/unions/jd.s1.e1/roster", e1).await;
    assert_eq!(s, StatusCode::OK, "{b}");
}

async fn put(c: &Client, path: &str, body: Value) -> (StatusCode, Value) {
    let r = c.http.put(format!("{}{path}", c.base)).json(&body).send().await.unwrap();
    let status = r.status();
    (status, r.json().await.unwrap_or(Value::Null))
}

async fn delete(c: &Client, path: &str, body: Value) -> (StatusCode, Value) {
    let r = c.http.delete(format!("{}{path}", c.base)).json(&body).send().await.unwrap();
    let status = r.status();
    (status, r.json().await.unwrap_or(Value::Null))
}

/// Registers a case at jd.s1.e1; returns its number, tracking code and the server's day.
pub async fn register(c: &Client, kind: &str) -> (String, String, chrono::NaiveDate) {
    let body = json!({"union":"jd.s1.e1","kind":kind,"channel":"reception","description":"车间调岗纠纷"});
    let b = c.ok("/api/v1/cases", body, StatusCode::CREATED).await;
    (
        b["number"].as_str().unwrap().to_owned(),
        b["tracking_code"].as_str().unwrap().to_owned(),
        cst_date(&b["opened_at"]),
    )
}

/// The free slots (as the API lists them) of a specialty from `day` for a week.
async fn slots(c: &Client, specialty: &str, day: chrono::NaiveDate) -> Vec<Value> {
    let to = day + chrono::Duration::days(7);
    let path = format!("/api/v1/slots?union=jd.s1.e1&specialty={specialty}&from={day}&to={to}");
    let (s, b) = c.get(&path).await;
    assert_eq!(s, StatusCode::OK, "{b}");
    b["slots"].as_array().unwrap().clone()
}

/// A second app server on the same database, as `youyue serve` builds it.
async fn second_server(app: &TestApp) -> (SocketAddr, tokio::sync::oneshot::Sender<()>) {
    let store = youyue_store::open(&app.db.url).await.unwrap();
    let config = youyue_server::Config::new(SocketAddr::from(([127, 0, 0, 1], 0)));
    let server = youyue_server::Application::build(store, config).await.unwrap();
    let addr = server.local_addr();
    let (tx, rx) = tokio::sync::oneshot::channel::<()>();
    tokio::spawn(server.run_until_stopped(async {
        let _ = rx.await;
    }));
    (addr, tx)
}

async fn login_at(addr: SocketAddr, username: &str) -> Client {
    let c =
        Client { http: reqwest::Client::builder().cookie_store(true).build().unwrap(), base: format!("http://{addr}") };
    let (s, b) = c.post("/api/v1/session", json!({"username": username, "password": crate::harness::PASSWORD})).await;
    assert_eq!(s, StatusCode::OK, "{b}");
    c
}

/// Sixteen bookings of one slot for sixteen cases, sent at once, half through each of two
/// app servers on the same database: exactly one is booked (201), fifteen are refused with
/// 409 `slot_taken` naming slots still free; the record book verifies.
async fn sixteen_bookings_of_one_slot(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    put_duty(&app).await;
    let (addr2, _stop) = second_server(&app).await;
    let one = app.login("e1chair").await;
    let two = login_at(addr2, "e1chair").await;
    let mut numbers = Vec::new();
    let mut day = None;
    for _ in 0..16 {
        let (n, _, d) = register(&one, "dispute").await;
        numbers.push(n);
        day = Some(d);
    }
    let day = day.unwrap() + chrono::Duration::days(1);
    let free = slots(&one, "mediator", day).await;
    let slot = free[0]["starts_at"].as_str().unwrap().to_owned();
    let barrier = Arc::new(tokio::sync::Barrier::new(16));
    let clients = [Arc::new(one), Arc::new(two)];
    let mut tasks = Vec::new();
    for (i, n) in numbers.iter().enumerate() {
        let (c, b, n, slot) = (clients[i % 2].clone(), barrier.clone(), n.clone(), slot.clone());
        tasks.push(tokio::spawn(async move {
            b.wait().await;
            c.post(&format!("/api/v1/cases/{n}/appointments"), json!({"specialist": "mediator", "starts_at": slot}))
                .await
        }));
    }
    let mut won = 0;
    for t in tasks {
        let got = t.await.unwrap();
        if got.0 == StatusCode::CREATED {
            won += 1;
            assert!(got.1["id"].as_i64().is_some(), "{}", got.1);
            assert_eq!(got.1["starts_at"], slot.as_str());
        } else {
            assert_error(&got, StatusCode::CONFLICT, "slot_taken", None);
            let m = got.1["error"]["message"].as_str().unwrap();
            assert!(m.contains("still free"), "{m}");
            assert!(!m.contains(&slot), "the taken slot is offered as free: {m}");
        }
    }
    assert_eq!(won, 1);
    let out = youyue(&app.db.url, &["verify"]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
}
both!(sixteen_bookings_of_one_slot);

/// Staff book (201 with the id), list, reschedule with a reason, cancel with a reason;
/// the rules refuse a missing reason, a slot not on the roster, a second cancel, an
/// outcome before the start; a past appointment (imported) takes held once; the old
/// free-text entry still answers 200 with the case; the record book verifies.
async fn staff_book_reschedule_cancel(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    put_duty(&app).await;
    let chair = app.login("e1chair").await;
    let (n, _, today) = register(&chair, "dispute").await;
    let day = today + chrono::Duration::days(1);
    let free = slots(&chair, "mediator", day).await;
    assert!(free.iter().all(|s| s["user"] == "mediator" && s["specialty"] == "mediator"), "{free:?}");
    assert_eq!(free[0]["place"], "区总工会调解室");
    let path = format!("/api/v1/cases/{n}/appointments");
    let body = json!({"specialist": "mediator", "starts_at": free[0]["starts_at"], "note": "带工资条"});
    let a = chair.ok(&path, body, StatusCode::CREATED).await;
    let id = a["id"].as_i64().unwrap();
    assert_eq!((a["status"].as_str(), a["booked_by"].as_str()), (Some("booked"), Some("e1chair")));
    assert_eq!(a["ends_at"], free[0]["ends_at"]);

    // Not a slot: half past the hour.
    let t0 = youyue_domain::Timestamp::parse_rfc3339(free[1]["starts_at"].as_str().unwrap()).unwrap();
    let off = youyue_domain::Timestamp::from_micros(t0.micros() + 30 * 60_000_000).to_rfc3339_cst();
    let got = chair.post(&path, json!({"specialist": "mediator", "starts_at": off})).await;
    assert_error(&got, StatusCode::UNPROCESSABLE_ENTITY, "invalid", Some("starts_at"));
    // Taken: the same slot again.
    let got = chair.post(&path, json!({"specialist": "mediator", "starts_at": free[0]["starts_at"]})).await;
    assert_error(&got, StatusCode::CONFLICT, "slot_taken", None);

    let (s, list) = chair.get(&path).await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(list["appointments"].as_array().unwrap().len(), 1);

    let at = format!("/api/v1/appointments/{id}");
    let got = chair.patch(&at, json!({"starts_at": free[1]["starts_at"]})).await;
    assert_error(&got, StatusCode::UNPROCESSABLE_ENTITY, "invalid", Some("reason"));
    let got = chair.patch(&at, json!({"outcome": "held"})).await;
    assert_error(&got, StatusCode::CONFLICT, "conflict", None);
    let (s, moved) = chair.patch(&at, json!({"starts_at": free[1]["starts_at"], "reason": "调解员出差"})).await;
    assert_eq!(s, StatusCode::OK, "{moved}");
    assert_eq!((&moved["starts_at"], &moved["reason"]), (&free[1]["starts_at"], &json!("调解员出差")));
    // The first slot is free again.
    assert_eq!(slots(&chair, "mediator", day).await[0]["starts_at"], free[0]["starts_at"]);
    let got = delete(&chair, &at, json!({"reason": ""})).await;
    assert_error(&got, StatusCode::UNPROCESSABLE_ENTITY, "invalid", Some("reason"));
    let (s, gone) = delete(&chair, &at, json!({"reason": "职工已与企业和解"})).await;
    assert_eq!((s, gone["status"].as_str()), (StatusCode::OK, Some("cancelled")), "{gone}");
    let got = delete(&chair, &at, json!({"reason": "again"})).await;
    assert_error(&got, StatusCode::CONFLICT, "conflict", None);

    // The old free-text meeting entry.
    let old =
        chair.ok(&path, json!({"starts_at": "2030-03-02T14:00:00+08:00", "place": "工会办公室"}), StatusCode::OK).await;
    assert_eq!(old["number"], n.as_str());

    // Someone outside the case's subtree sees nothing of it.
    let other = app.login("f1reception").await;
    assert_eq!(other.get(&path).await.0, StatusCode::NOT_FOUND);
    assert_eq!(other.patch(&at, json!({"outcome": "held"})).await.0, StatusCode::NOT_FOUND);

    // A past appointment, imported: held once, then no more changes.
    let past = json!({"type":"appointment","id":0,"case":n,"specialist":"mediator","specialty":"mediator",
        "starts_at":"2020-01-06T09:00:00+08:00","ends_at":"2020-01-06T10:00:00+08:00","place":"调解室","online":false,
        "status":"booked","booked_by":"e1chair","booked_at":"2020-01-02T09:00:00+08:00",
        "changed_at":"2020-01-02T09:00:00+08:00","changed_by":"e1chair"});
    crate::harness::import_text(app.store.as_ref(), &format!("{past}\n")).await.unwrap();
    let (_, list) = chair.get(&path).await;
    let past_id = list["appointments"][0]["id"].as_i64().unwrap();
    let at = format!("/api/v1/appointments/{past_id}");
    let got = delete(&chair, &at, json!({"reason": "too late"})).await;
    assert_error(&got, StatusCode::CONFLICT, "conflict", None);
    let (s, held) = chair.patch(&at, json!({"outcome": "held"})).await;
    assert_eq!((s, held["status"].as_str()), (StatusCode::OK, Some("held")), "{held}");
    let got = chair.patch(&at, json!({"outcome": "no_show"})).await;
    assert_error(&got, StatusCode::CONFLICT, "conflict", None);

    let (_, book) = chair.get(&format!("/api/v1/cases/{n}/record")).await;
    let actions: Vec<&str> = book.as_array().unwrap().iter().map(|e| e["action"].as_str().unwrap()).collect();
    assert_eq!(actions, ["register", "schedule", "appointment", "appointment", "schedule", "appointment"], "{book}");
    let out = youyue(&app.db.url, &["verify"]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
}
both!(staff_book_reschedule_cancel);

/// The worker with the tracking code: lists the slots of the specialists for their case's
/// kind (a wellbeing case: the counsellor, online), books one (201), cannot hold a second,
/// reschedules and cancels with a reason; a wrong code is 404; the record book verifies.
async fn worker_books_with_the_code(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    put_duty(&app).await;
    let reception = app.login("e1reception").await;
    let (n, code, _) = register(&reception, "wellbeing").await;
    let worker = app.anonymous();
    let slots_path = format!("/api/v1/public/cases/{n}/slots");
    let got = worker.post(&slots_path, json!({"code": "WRONG-CODE-0000"})).await;
    assert_eq!(got.0, StatusCode::NOT_FOUND);
    let (s, b) = worker.post(&slots_path, json!({"code": code})).await;
    assert_eq!(s, StatusCode::OK, "{b}");
    let free = b["slots"].as_array().unwrap();
    assert!(!free.is_empty() && free.iter().all(|s| s["specialty"] == "counsellor" && s["online"] == true), "{b}");
    let path = format!("/api/v1/public/cases/{n}/appointments");
    let a = worker
        .ok(
            &path,
            json!({"code": code, "specialist": free[0]["user"], "starts_at": free[0]["starts_at"]}),
            StatusCode::CREATED,
        )
        .await;
    assert_eq!((a["specialty"].as_str(), a["specialist_name"].as_str()), (Some("counsellor"), Some("e1handler 同志")));
    assert!(a.get("booked_by").is_none(), "{a}");
    let got = worker
        .post(&path, json!({"code": code, "specialist": free[1]["user"], "starts_at": free[1]["starts_at"]}))
        .await;
    assert_error(&got, StatusCode::CONFLICT, "conflict", None);
    let at = format!("{path}/{}", a["id"]);
    let (s, moved) =
        worker.patch(&at, json!({"code": code, "starts_at": free[2]["starts_at"], "reason": "要上班"})).await;
    assert_eq!(s, StatusCode::OK, "{moved}");
    assert_eq!(moved["starts_at"], free[2]["starts_at"]);
    let (s, gone) = delete(&worker, &at, json!({"code": code, "reason": "问题已解决"})).await;
    assert_eq!((s, gone["status"].as_str()), (StatusCode::OK, Some("cancelled")), "{gone}");
    let chair = app.login("e1chair").await;
    let (_, book) = chair.get(&format!("/api/v1/cases/{n}/record")).await;
    let actions: Vec<&str> = book.as_array().unwrap().iter().map(|e| e["action"].as_str().unwrap()).collect();
    assert_eq!(actions, ["register", "schedule", "appointment", "appointment"], "{book}");
    assert!(book.as_array().unwrap()[1..].iter().all(|e| e["actor"] == "worker"), "{book}");
    let out = youyue(&app.db.url, &["verify"]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
}
both!(worker_books_with_the_code);

fn past_case(number: &str, union: &str, opened: &str) -> Value {
    json!({"type":"case","number":number,"union":union,"kind":"dispute","channel":"reception","collective":false,
        "online":false,"scheduled":false,"people":1,"title":"约谈统计","description":"","anonymous":false,
        "opened_at":opened,"status":"registered"})
}

fn past_appointment(case: &str, who: &str, specialty: &str, starts: &str, status: &str) -> Value {
    let s = youyue_domain::Timestamp::parse_rfc3339(starts).unwrap();
    let e = youyue_domain::Timestamp::from_micros(s.micros() + 3_600_000_000).to_rfc3339_cst();
    json!({"type":"appointment","case":case,"specialist":who,"specialty":specialty,"starts_at":starts,"ends_at":e,
        "place":"调解室","online":false,"status":status,"booked_by":"e1chair","booked_at":"2022-01-01T09:00:00+08:00",
        "changed_at":"2022-01-01T09:00:00+08:00","changed_by":"e1chair"})
}

/// The appointment figures on a hand-made set whose answers are written here (March 2022:
/// held counted by the start's China day, the median over cases raised in the month), and
/// equal to the domain's reference definition for several unions and periods, through the
/// API and the store; they survive an export and an import into an empty database.
async fn appointment_figures(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let lines = [
        past_case("JD-2022-000001", "jd.s1.e1", "2022-03-01T10:00:00+08:00"),
        past_case("JD-2022-000002", "jd.s1.e1", "2022-03-05T08:00:00+08:00"),
        past_case("JD-2022-000003", "jd.s2.e1", "2022-03-31T23:30:00+08:00"),
        past_case("JD-2022-000004", "jd.s1.e2", "2022-02-28T10:00:00+08:00"),
        past_case("JD-2022-000005", "jd.s1.e1", "2022-03-20T10:00:00+08:00"),
        past_appointment("JD-2022-000001", "mediator", "mediator", "2022-03-03T09:00:00+08:00", "held"),
        past_appointment("JD-2022-000001", "mediator", "mediator", "2022-03-10T09:00:00+08:00", "cancelled"),
        past_appointment("JD-2022-000002", "e1handler", "counsellor", "2022-03-05T23:30:00+08:00", "no_show"),
        past_appointment("JD-2022-000003", "mediator", "mediator", "2022-04-01T00:30:00+08:00", "held"),
        past_appointment("JD-2022-000004", "mediator", "mediator", "2022-03-01T00:00:00+08:00", "held"),
        past_appointment("JD-2022-000005", "mediator", "mediator", "2022-03-21T09:00:00+08:00", "cancelled"),
    ];
    let text: String = lines.iter().map(|l| format!("{l}\n")).collect();
    let sum = crate::harness::import_text(app.store.as_ref(), &text).await.unwrap();
    assert_eq!(sum.appointments_added, 6);
    let admin = app.login("admin").await;
    let (s, march) = admin.get("/api/v1/stats?union=jd&from=2022-03-01&to=2022-03-31").await;
    assert_eq!(s, StatusCode::OK, "{march}");
    assert_eq!((march["appointments_held"].as_u64(), march["appointments_no_show"].as_u64()), (Some(2), Some(1)));
    assert_eq!(
        march["appointments_by_specialty"],
        json!({"mediator": {"held": 2, "no_show": 0}, "counsellor": {"held": 0, "no_show": 1}})
    );
    // Days to the first appointment: 2 (Mar 1 → 3), 0 (Mar 5), 1 (Mar 31 → Apr 1).
    assert_eq!(march["median_days_to_first_appointment"], json!(1));
    let (_, feb) = admin.get("/api/v1/stats?union=jd&from=2022-02-01&to=2022-02-28").await;
    assert_eq!((feb["appointments_held"].as_u64(), &feb["median_days_to_first_appointment"]), (Some(0), &json!(1)));

    // The drill-down: the cases behind each figure.
    for (figure, want) in [
        ("appointments_held", vec!["JD-2022-000001", "JD-2022-000004"]),
        ("appointments_no_show", vec!["JD-2022-000002"]),
        ("first_appointments", vec!["JD-2022-000001", "JD-2022-000002", "JD-2022-000003"]),
    ] {
        let (s, list) = admin
            .get(&format!("/api/v1/cases?union=jd&figure={figure}&from=2022-03-01&to=2022-03-31&per_page=50"))
            .await;
        assert_eq!(s, StatusCode::OK, "{list}");
        let mut got: Vec<&str> =
            list["cases"].as_array().unwrap().iter().map(|c| c["number"].as_str().unwrap()).collect();
        got.sort_unstable();
        assert_eq!(got, want, "{figure}");
    }

    // The reference over the exported records, for each union and period.
    let exported = crate::harness::export_text(app.store.as_ref()).await;
    let reference = |root: &str, from: &str, to: &str| {
        use youyue_domain::exchange::Line;
        let union_of: std::collections::HashMap<String, String> = exported
            .lines()
            .filter_map(|l| match Line::parse(l).ok()? {
                Line::Case(c) => Some((c.number.to_string(), c.union.to_string())),
                _ => None,
            })
            .collect();
        let mut cases: std::collections::BTreeMap<String, youyue_domain::stats::CaseAppointments> = Default::default();
        for l in exported.lines() {
            match Line::parse(l).unwrap() {
                Line::Case(c) if c.union.as_str() == root || c.union.as_str().starts_with(&format!("{root}.")) => {
                    cases.entry(c.number.to_string()).or_insert(youyue_domain::stats::CaseAppointments {
                        opened_at: c.opened_at,
                        appointments: Vec::new(),
                    });
                }
                Line::Appointment(a) => {
                    let u = &union_of[&a.case.to_string()];
                    if u == root || u.starts_with(&format!("{root}.")) {
                        cases.get_mut(&a.case.to_string()).unwrap().appointments.push((
                            a.starts_at,
                            a.status,
                            a.specialty,
                        ));
                    }
                }
                _ => {}
            }
        }
        let period = youyue_domain::Period::new(
            youyue_domain::time::parse_date(from).unwrap(),
            youyue_domain::time::parse_date(to).unwrap(),
        )
        .unwrap();
        let mut want = youyue_domain::stats::Stats::empty(root, period);
        want.add_appointments(&cases.into_values().collect::<Vec<_>>()).unwrap();
        want
    };
    for root in ["jd", "jd.s1", "jd.s2", "jd.s1.e1"] {
        for (from, to) in [("2022-03-01", "2022-03-31"), ("2022-02-01", "2022-04-30"), ("2022-04-01", "2022-04-01")] {
            let (_, got) = admin.get(&format!("/api/v1/stats?union={root}&from={from}&to={to}")).await;
            let want = reference(root, from, to);
            for f in [
                "appointments_held",
                "appointments_no_show",
                "appointments_by_specialty",
                "median_days_to_first_appointment",
            ] {
                assert_eq!(got[f], serde_json::to_value(&want).unwrap()[f], "{root} {from}..{to} {f}");
            }
        }
    }

    // Export → import into an empty database → export: the same lines.
    let other = crate::harness::TestDb::new(backend).await;
    let store = youyue_store::open(&other.url).await.unwrap();
    crate::harness::import_text(store.as_ref(), &exported).await.unwrap();
    let again = crate::harness::export_text(store.as_ref()).await;
    let appts =
        |t: &str| t.lines().filter(|l| l.contains("\"type\":\"appointment\"")).map(str::to_owned).collect::<Vec<_>>();
    assert_eq!(appts(&again), appts(&exported));
    assert_eq!(appts(&exported).len(), 6);
    store.close().await;
}
both!(appointment_figures);

/// Around a booking: a name that is no specialist is refused on `specialist`; closing the
/// case cancels what is still to come (with its own entry) and nothing of a closed case
/// is moved; a specialty taken off an account takes its roster lines off the slots; an
/// account made a worker keeps no specialties.
async fn what_changes_around_a_booking(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    put_duty(&app).await;
    let chair = app.login("e1chair").await;
    let (number, _, today) = register(&chair, "dispute").await;
    let day = today + chrono::Duration::days(1);
    let slot = slots(&chair, "mediator", day).await[0]["starts_at"].as_str().unwrap().to_owned();
    let path = format!("/api/v1/cases/{number}/appointments");
    let got = chair.post(&path, json!({"specialist": "nobody", "starts_at": slot})).await;
    assert_error(&got, StatusCode::UNPROCESSABLE_ENTITY, "invalid", Some("specialist"));
    let booked = chair.ok(&path, json!({"specialist": "mediator", "starts_at": slot}), StatusCode::CREATED).await;
    let id = booked["id"].as_i64().unwrap();

    chair.ok(&format!("/api/v1/cases/{number}/explain"), json!({"explanation": "已当场答复"}), StatusCode::OK).await;
    let (_, list) = chair.get(&path).await;
    let a = list["appointments"].as_array().unwrap().iter().find(|a| a["id"].as_i64() == Some(id)).unwrap().clone();
    assert_eq!(a["status"], "cancelled", "{a}");
    let (_, book) = chair.get(&format!("/api/v1/cases/{number}/record")).await;
    let actions: Vec<&str> = book.as_array().unwrap().iter().map(|e| e["action"].as_str().unwrap()).collect();
    assert_eq!(actions[actions.len() - 2..], ["explain", "appointment"], "{actions:?}");
    assert!(
        slots(&chair, "mediator", day).await.iter().any(|s| s["starts_at"] == slot.as_str()),
        "the slot is free again"
    );
    let moved =
        chair.patch(&format!("/api/v1/appointments/{id}"), json!({"starts_at": slot, "reason": "改时间"})).await;
    assert_eq!(moved.0, StatusCode::CONFLICT, "{}", moved.1);
    let report = app.store.verify_chains().await.unwrap();
    assert!(report.problems.is_empty(), "{:?}", report.problems);

    let admin = app.login("admin").await;
    let (s, b) = admin.patch("/api/v1/users/mediator", json!({"specialties": ["lawyer"]})).await;
    assert_eq!(s, StatusCode::OK, "{b}");
    assert!(slots(&chair, "mediator", day).await.is_empty(), "a mediator no more is offered as one");
    let (s, b) = admin.patch("/api/v1/users/e1handler", json!({"role": "worker"})).await;
    assert_eq!(s, StatusCode::OK, "{b}");
    assert_eq!(b["specialties"], json!([]), "{b}");
}
both!(what_changes_around_a_booking);

/// The store alone, without the service's look at free slots first: sixteen bookings of one
/// person's start through two stores on the same database at once, exactly one stored, the
/// rest `SlotTaken`; and a slot of another length that overlaps a booking is refused too.
async fn the_database_keeps_one_booking_per_slot(backend: Backend) {
    use youyue_domain::appointment::{AppointmentRecord, AppointmentStatus};
    use youyue_domain::Timestamp;
    let app = TestApp::spawn(backend).await;
    let chair = app.login("e1chair").await;
    let mut cases = Vec::new();
    for _ in 0..16 {
        let (n, _, _) = register(&chair, "dispute").await;
        cases.push(app.store.case_by_number(&n.parse().unwrap()).await.unwrap().unwrap());
    }
    let other = youyue_store::open(&app.db.url).await.unwrap();
    let mediator = app.store.user_by_username("mediator").await.unwrap().unwrap();
    let at = |s: &str| Timestamp::parse_rfc3339(s).unwrap();
    let record = |case: &youyue_store::StoredCase, from: &str, to: &str| AppointmentRecord {
        id: 0,
        case: case.record.number.clone(),
        specialist: "mediator".into(),
        specialty: "mediator".into(),
        starts_at: at(from),
        ends_at: at(to),
        place: "调解室".into(),
        online: false,
        link: None,
        note: String::new(),
        status: AppointmentStatus::Booked,
        booked_by: "e1chair".into(),
        booked_at: at("2030-01-01T00:00:00+08:00"),
        changed_at: at("2030-01-01T00:00:00+08:00"),
        changed_by: "e1chair".into(),
        reason: None,
    };
    let barrier = Arc::new(tokio::sync::Barrier::new(16));
    let mut tasks = Vec::new();
    for (i, case) in cases.iter().enumerate() {
        let store = if i % 2 == 0 { app.store.clone() } else { other.clone() };
        let (case, b, id) = (case.clone(), barrier.clone(), mediator.id);
        let rec = record(&case, "2030-03-04T09:00:00+08:00", "2030-03-04T10:00:00+08:00");
        tasks.push(tokio::spawn(async move {
            b.wait().await;
            let actor = youyue_store::Actor { label: "e1chair", user_id: None };
            store.book_appointment(&case, id, &rec, actor, Timestamp::now()).await
        }));
    }
    let mut stored = 0;
    for t in tasks {
        match t.await.unwrap() {
            Ok(_) => stored += 1,
            Err(youyue_store::StoreError::SlotTaken) => {}
            Err(e) => panic!("{e}"),
        }
    }
    assert_eq!(stored, 1);
    // Half an hour inside the booked hour, from a roster with 30-minute slots.
    let actor = youyue_store::Actor { label: "e1chair", user_id: None };
    let half = record(&cases[0], "2030-03-04T09:30:00+08:00", "2030-03-04T10:00:00+08:00");
    let got = app.store.book_appointment(&cases[0], mediator.id, &half, actor.clone(), Timestamp::now()).await;
    assert!(matches!(got, Err(youyue_store::StoreError::SlotTaken)), "{got:?}");
    let next = record(&cases[0], "2030-03-04T10:00:00+08:00", "2030-03-04T10:30:00+08:00");
    app.store.book_appointment(&cases[0], mediator.id, &next, actor, Timestamp::now()).await.unwrap();
    other.close().await;
    let out = youyue(&app.db.url, &["verify"]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
}
both!(the_database_keeps_one_booking_per_slot);

/// Saves a full-page screenshot under /tmp (`appt-<name>.png`), the window as wide as a phone.
async fn shot_tmp(c: &fantoccini::Client, name: &str) {
    let height =
        c.execute("return document.documentElement.scrollHeight", vec![]).await.unwrap().as_u64().unwrap_or(900);
    c.set_window_size(crate::browser::PHONE.0, (height as u32).clamp(400, 4000)).await.unwrap();
    let png = c.screenshot().await.unwrap();
    std::fs::write(format!("/tmp/appt-{name}.png"), png).unwrap();
}

/// The worker on a 360-px phone, no JavaScript: looks the case up on /track, books a free
/// slot of the district's mediator, sees who, when and where; moves it with a reason (an
/// empty reason is asked for by its field), cancels it, and may book again.
async fn worker_books_on_the_phone(backend: Backend) {
    use crate::browser::{fill, submit, text, Driver, PHONE};
    use fantoccini::Locator;
    let app = TestApp::spawn(backend).await;
    put_duty(&app).await;
    let reception = app.login("e1reception").await;
    let (number, code, _) = register(&reception, "dispute").await;
    let tag = format!("{backend:?}").to_lowercase();
    let driver = Driver::start().await;
    let phone = driver.browser(PHONE).await;
    phone.goto(&app.url("/track")).await.unwrap();
    fill(&phone, "#number", &number).await;
    fill(&phone, "#code", &code).await;
    submit(&phone, "#lookup").await;
    let options = phone.find_all(Locator::Css("#book-slot option")).await.unwrap();
    assert!(options.len() > 3, "free slots are offered");
    let second = options[1].text().await.unwrap();
    assert!(second.contains("mediator 同志（调解员）") && second.contains("区总工会调解室"), "{second}");
    shot_tmp(&phone, &format!("{tag}-1-track-book")).await;
    let value = options[1].attr("value").await.unwrap().unwrap();
    phone.find(Locator::Css("#book-slot")).await.unwrap().select_by_value(&value).await.unwrap();
    submit(&phone, "#book").await;
    assert_eq!(text(&phone, ".notice").await, "约谈已预约。");
    assert_eq!(text(&phone, ".appt-who").await, "mediator 同志（调解员）");
    assert_eq!(text(&phone, ".appt-where").await, "区总工会调解室");
    assert_eq!(text(&phone, ".appt-status").await, "已预约");
    let booked_when = text(&phone, ".appt-when").await;
    assert!(second.starts_with(&booked_when), "{second} / {booked_when}");
    assert!(phone.find(Locator::Css("#book-form")).await.is_err(), "one appointment at a time");
    shot_tmp(&phone, &format!("{tag}-2-track-booked")).await;

    // Moving it needs a reason.
    let moves = phone.find_all(Locator::Css("#move-slot option")).await.unwrap();
    let to = moves[2].attr("value").await.unwrap().unwrap();
    let to_words = moves[2].text().await.unwrap();
    phone.find(Locator::Css("#move-slot")).await.unwrap().select_by_value(&to).await.unwrap();
    submit(&phone, "#reschedule").await;
    assert_eq!(text(&phone, "#move-reason-error").await, "请填写原因。");
    shot_tmp(&phone, &format!("{tag}-3-track-reason-asked")).await;
    phone.find(Locator::Css("#move-slot")).await.unwrap().select_by_value(&to).await.unwrap();
    fill(&phone, "#move-reason", "那天要上班").await;
    submit(&phone, "#reschedule").await;
    assert_eq!(text(&phone, ".notice").await, "约谈已改约。");
    assert_eq!(text(&phone, ".appt-when").await, to_words);
    shot_tmp(&phone, &format!("{tag}-4-track-rescheduled")).await;

    fill(&phone, "#cancel-reason", "已与企业和解").await;
    submit(&phone, "#cancel").await;
    assert_eq!(text(&phone, ".notice").await, "约谈已取消。");
    assert_eq!(text(&phone, ".appt-status").await, "已取消");
    assert!(phone.find(Locator::Css("#book-form")).await.is_ok(), "free to book again");
    shot_tmp(&phone, &format!("{tag}-5-track-cancelled")).await;
    // Nothing wider than the phone.
    let wide = phone.execute("return document.documentElement.scrollWidth <= window.innerWidth", vec![]).await.unwrap();
    assert_eq!(wide, serde_json::json!(true));
    phone.close().await.unwrap();

    // The chair on a phone: specialty → free slots → book, from the case page.
    let staff = driver.browser(PHONE).await;
    crate::browser::login(&staff, &app, "e1chair").await;
    staff.goto(&app.url(&format!("/cases/{number}?specialty=mediator"))).await.unwrap();
    assert!(staff.find(Locator::Css("#book-slot option")).await.is_ok(), "free slots listed");
    submit(&staff, "#do-book").await;
    assert!(staff.current_url().await.unwrap().as_str().contains("appt=book"));
    assert_eq!(text(&staff, "#done").await, "约谈已预约。");
    let booked = staff.find_all(Locator::Css("#appointments .appt-status")).await.unwrap();
    assert_eq!(booked.len(), 2, "the cancelled one and the new one");
    shot_tmp(&staff, &format!("{tag}-6-case-page-booked")).await;
    staff.close().await.unwrap();

    let (_, book) = app.login("e1chair").await.get(&format!("/api/v1/cases/{number}/record")).await;
    let actions: Vec<&str> = book.as_array().unwrap().iter().map(|e| e["action"].as_str().unwrap()).collect();
    assert_eq!(actions, ["register", "schedule", "appointment", "appointment", "schedule"], "{book}");
    let out = youyue(&app.db.url, &["verify"]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
}
both!(worker_books_on_the_phone);
