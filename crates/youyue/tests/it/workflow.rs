//! A case raised by a worker and taken through every state by staff over the API, with the
//! record book complete; and the refusals of the workflow rules.

use crate::harness::{assert_error, cst_date, Backend, TestApp};
use reqwest::StatusCode;
use serde_json::json;

async fn liu_shifu_end_to_end(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let worker = app.anonymous();

    // The worker raises a dispute online, without an account.
    let (status, studio) = worker.get("/api/v1/public/unions/jd.s1.e1").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(studio["name"], "纸箱厂工会");
    let submitted = worker
        .ok(
            "/api/v1/public/cases",
            json!({"union":"jd.s1.e1","kind":"dispute","description":"操作失误导致手掌受伤，与企业就工伤赔偿发生争议。",
                   "worker_name":"刘师傅","contact":"13800000001"}),
            StatusCode::CREATED,
        )
        .await;
    let number = submitted["number"].as_str().unwrap().to_owned();
    let code = submitted["tracking_code"].as_str().unwrap().to_owned();
    assert_eq!(submitted["status"], "registered");

    // The lookup works with the code, in any case and spacing, and not without it.
    let lookup = format!("/api/v1/public/cases/{number}/lookup");
    let (status, view) = worker.post(&lookup, json!({"code": code.to_lowercase().replace('-', " ")})).await;
    assert_eq!(status, StatusCode::OK, "{view}");
    assert_eq!(view["status"], "registered");
    // Numbered in the China year the case was raised (its own time, not the test's clock).
    let year = cst_date(&view["opened_at"]).format("%Y").to_string();
    assert_eq!(number, format!("JD-{year}-000001"));
    assert_error(&worker.post(&lookup, json!({"code": "22222-22222"})).await, StatusCode::NOT_FOUND, "not_found", None);
    assert_error(
        &worker.post("/api/v1/public/cases/JD-1999-000001/lookup", json!({"code": code})).await,
        StatusCode::NOT_FOUND,
        "not_found",
        None,
    );
    // Rating before the case is closed is refused.
    let rating = format!("/api/v1/public/cases/{number}/rating");
    assert_error(
        &worker.post(&rating, json!({"code": code, "rating": 5})).await,
        StatusCode::CONFLICT,
        "conflict",
        None,
    );

    // The receptionist accepts and classifies it; the mediator may not resolve before being assigned.
    let reception = app.login("e1reception").await;
    let mediator = app.login("mediator").await;
    let case = format!("/api/v1/cases/{number}");
    let v = reception.ok(&format!("{case}/accept"), json!({"urgency":"urgent"}), StatusCode::OK).await;
    assert_eq!(v["status"], "accepted");
    assert_eq!(v["urgency"], "urgent");
    // An urgent case is due the China day it was accepted.
    assert_eq!(v["due_on"], cst_date(&v["accepted_at"]).to_string());
    assert_error(
        &mediator.post(&format!("{case}/resolve"), json!({"resolution":"x","agreement":true})).await,
        StatusCode::FORBIDDEN,
        "forbidden",
        None,
    );
    // A chair may resolve, but not before someone is assigned.
    let chair = app.login("e1chair").await;
    let early = chair.post(&format!("{case}/resolve"), json!({"resolution":"x","agreement":true})).await;
    assert_error(&early, StatusCode::CONFLICT, "conflict", None);
    assert!(early.1["error"]["message"].as_str().unwrap().contains("assign a handler first"), "{}", early.1);
    // A receptionist cannot resolve at all.
    assert_error(
        &reception.post(&format!("{case}/resolve"), json!({"resolution":"x","agreement":true})).await,
        StatusCode::FORBIDDEN,
        "forbidden",
        None,
    );
    // Accepting twice is refused with a reason.
    let again = reception.post(&format!("{case}/accept"), json!({})).await;
    assert_error(&again, StatusCode::CONFLICT, "conflict", None);
    assert!(again.1["error"]["message"].as_str().unwrap().contains("accepted"), "{}", again.1);

    let v = reception.ok(&format!("{case}/assign"), json!({"handler":"mediator"}), StatusCode::OK).await;
    assert_eq!(v["status"], "in_progress");
    assert_eq!(v["handler"], "mediator");
    // Another handler of the same union is not the assigned one.
    let other = app.login("e1handler").await;
    assert_error(
        &other.post(&format!("{case}/resolve"), json!({"resolution":"x","agreement":true})).await,
        StatusCode::FORBIDDEN,
        "forbidden",
        None,
    );
    mediator
        .ok(
            &format!("{case}/appointments"),
            json!({"starts_at":"2026-02-10T14:00:00+08:00","place":"纸箱厂工会有约工作室","note":"双方到场"}),
            StatusCode::OK,
        )
        .await;
    mediator.ok(&format!("{case}/notes"), json!({"text":"企业负责人已到场","internal":true}), StatusCode::OK).await;
    mediator.ok(&format!("{case}/notes"), json!({"text":"今天下午调解"}), StatusCode::OK).await;
    // A dispute is resolved only with its outcome.
    assert_error(
        &mediator.post(&format!("{case}/resolve"), json!({"resolution":"签订调解协议"})).await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "invalid",
        Some("agreement"),
    );
    assert_error(
        &mediator
            .post(
                &format!("{case}/resolve"),
                json!({"resolution":"签订调解协议","agreement":true,"amount_recovered":"30000.001"}),
            )
            .await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "invalid",
        Some("amount_recovered"),
    );
    let v = mediator
        .ok(
            &format!("{case}/resolve"),
            json!({"resolution":"双方签订调解协议，企业支付赔偿金30000元。","agreement":true,"amount_recovered":"30000"}),
            StatusCode::OK,
        )
        .await;
    assert_eq!(v["status"], "resolved");
    assert_eq!(v["amount_recovered"], "30000.00");
    assert!(v["closed_at"].as_str().unwrap().ends_with("+08:00"));

    // The worker sees the answer and the public timeline, without internal notes or staff names.
    let (_, view) = worker.post(&lookup, json!({"code": code})).await;
    assert_eq!(view["status"], "resolved");
    assert_eq!(view["answer"], "双方签订调解协议，企业支付赔偿金30000元。");
    assert_eq!(view["can_rate"], true);
    let text = view.to_string();
    assert!(!text.contains("企业负责人已到场"), "internal note leaked: {text}");
    assert!(!text.contains("mediator"), "staff name leaked: {text}");
    assert!(text.contains("今天下午调解"));
    let v = worker.ok(&rating, json!({"code": code, "rating": 5, "comment": "当天解决"}), StatusCode::OK).await;
    assert_eq!(v["rating"], 5);
    assert_eq!(v["rating_label"], "非常满意");
    assert_error(
        &worker.post(&rating, json!({"code": code, "rating": 4})).await,
        StatusCode::CONFLICT,
        "conflict",
        None,
    );

    // Only a chair or an administrator reopens; reopening clears the outcome.
    assert_error(
        &reception.post(&format!("{case}/reopen"), json!({"reason":"x"})).await,
        StatusCode::FORBIDDEN,
        "forbidden",
        None,
    );
    let v = chair.ok(&format!("{case}/reopen"), json!({"reason":"企业未按期付款"}), StatusCode::OK).await;
    assert_eq!(v["status"], "in_progress");
    assert_eq!(v["amount_recovered"], serde_json::Value::Null);
    assert_eq!(v["rating"], serde_json::Value::Null);
    // A fresh deadline (issue 22): a dispute's working days counted from the reopening day
    // on the stored calendar, not the urgent same day it had; its before/after in the entry.
    let calendar = youyue_domain::calendar::WorkCalendar::new(app.store.calendar().await.unwrap());
    let rules = youyue_domain::command::DeadlineRules { calendar, days: Default::default() };
    let reopened_on = youyue_domain::Timestamp::now().cst_date();
    let fresh = youyue_domain::command::reopened_due_on(youyue_domain::Kind::Dispute, reopened_on, &rules);
    assert_eq!(v["due_on"], fresh.to_string());
    let (_, record) = chair.get(&format!("{case}/record")).await;
    let last = record.as_array().unwrap().last().unwrap().clone();
    assert_eq!(
        (last["action"].as_str(), last["detail"]["after"]["due_on"].as_str()),
        (Some("reopen"), Some(fresh.to_string().as_str()))
    );
    assert_ne!(last["detail"]["before"]["due_on"], last["detail"]["after"]["due_on"]);
    let v = mediator
        .ok(
            &format!("{case}/resolve"),
            json!({"resolution":"企业已付款","agreement":true,"amount_recovered":"30000.00"}),
            StatusCode::OK,
        )
        .await;
    assert_eq!(v["status"], "resolved");

    // The record book has every step, in order, with who and before/after.
    let (status, record) = chair.get(&format!("{case}/record")).await;
    assert_eq!(status, StatusCode::OK);
    let actions: Vec<&str> = record.as_array().unwrap().iter().map(|e| e["action"].as_str().unwrap()).collect();
    assert_eq!(
        actions,
        ["register", "accept", "assign", "schedule", "note", "note", "resolve", "rate", "reopen", "resolve"]
    );
    let seqs: Vec<i64> = record.as_array().unwrap().iter().map(|e| e["seq"].as_i64().unwrap()).collect();
    assert_eq!(seqs, (1..=10).collect::<Vec<_>>());
    let actors: Vec<&str> = record.as_array().unwrap().iter().map(|e| e["actor"].as_str().unwrap()).collect();
    assert_eq!(actors[0], "worker");
    assert_eq!(actors[1], "e1reception");
    assert_eq!(actors[8], "e1chair");
    assert_eq!(record[1]["detail"]["before"]["status"], "registered");
    assert_eq!(record[1]["detail"]["after"]["status"], "accepted");
    assert_eq!(record[8]["detail"]["before"]["amount_recovered"], "30000.00");
    assert_eq!(record[8]["detail"]["reason"], "企业未按期付款");
    assert_eq!(record[4]["internal"], true);
    // Personal details are not copied into the record book.
    assert!(!record.to_string().contains("13800000001"));

    // The record book cannot be edited or deleted, even with SQL.
    let db = &app.db.url;
    let edited = match backend {
        Backend::Sqlite => {
            let pool = sqlx::SqlitePool::connect(db).await.unwrap();
            let u = sqlx::query("UPDATE record_entries SET actor = 'nobody'").execute(&pool).await;
            let d = sqlx::query("DELETE FROM record_entries").execute(&pool).await;
            u.is_ok() || d.is_ok()
        }
        Backend::Postgres => {
            let pool = sqlx::PgPool::connect(db).await.unwrap();
            let u = sqlx::query("UPDATE record_entries SET actor = 'nobody'").execute(&pool).await;
            let d = sqlx::query("DELETE FROM record_entries").execute(&pool).await;
            pool.close().await;
            u.is_ok() || d.is_ok()
        }
    };
    assert!(!edited, "the record book accepted an edit");
}
both!(liu_shifu_end_to_end);

async fn staff_register_explain_and_suggestions(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let reception = app.login("e2reception").await;
    let v = reception
        .ok(
            "/api/v1/cases",
            json!({"union":"jd.s1.e2","kind":"suggestion","channel":"mailbox","title":"食堂增加夜宵",
                   "description":"建议夜班食堂提供夜宵","opened_at":"2026-03-01T08:00:00Z"}),
            StatusCode::CREATED,
        )
        .await;
    assert_eq!(v["channel"], "mailbox");
    assert_eq!(v["opened_at"], "2026-03-01T16:00:00+08:00");
    assert_eq!(v["number"], "JD-2026-000001");
    let case = format!("/api/v1/cases/{}", v["number"].as_str().unwrap());
    reception.ok(&format!("{case}/accept"), json!({"due_on":"2099-01-01"}), StatusCode::OK).await;
    reception.ok(&format!("{case}/assign"), json!({"handler":"e2handler"}), StatusCode::OK).await;
    let handler = app.login("e2handler").await;
    assert_error(
        &handler.post(&format!("{case}/resolve"), json!({"resolution":"采纳","agreement":true,"adopted":true})).await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "invalid",
        Some("agreement"),
    );
    let v =
        handler.ok(&format!("{case}/resolve"), json!({"resolution":"企业已采纳","adopted":true}), StatusCode::OK).await;
    assert_eq!(v["adopted"], true);

    // Explaining needs the explanation, and closes the case with it.
    let v = reception
        .ok(
            "/api/v1/cases",
            json!({"union":"jd.s1.e2","kind":"claim","channel":"hotline","description":"邻居装修噪音","collective":true,"people":3}),
            StatusCode::CREATED,
        )
        .await;
    assert_eq!(v["people"], 3);
    assert_eq!(v["title"], "邻居装修噪音");
    let case = format!("/api/v1/cases/{}", v["number"].as_str().unwrap());
    // The receptionist who took the call answers an enquiry on the spot (件件有回音)…
    let on_the_spot = reception
        .ok(
            "/api/v1/cases",
            json!({"union":"jd.s1.e2","kind":"claim","channel":"hotline","description":"年假怎么计算"}),
            StatusCode::CREATED,
        )
        .await;
    let answered = reception
        .ok(
            &format!("/api/v1/cases/{}/explain", on_the_spot["number"].as_str().unwrap()),
            json!({"explanation":"按累计工作年限计算，已电话答复。"}),
            StatusCode::OK,
        )
        .await;
    assert_eq!(answered["status"], "explained");
    // …but not a case its handler has: a chair of a union above may.
    reception.ok(&format!("{case}/accept"), json!({}), StatusCode::OK).await;
    reception.ok(&format!("{case}/assign"), json!({"handler":"e2handler"}), StatusCode::OK).await;
    assert_error(
        &reception.post(&format!("{case}/explain"), json!({"explanation":"x"})).await,
        StatusCode::CONFLICT,
        "conflict",
        None,
    );
    let chair = app.login("s1chair").await;
    assert_error(
        &chair.post(&format!("{case}/explain"), json!({"explanation":"  "})).await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "invalid",
        Some("explanation"),
    );
    let v = chair
        .ok(&format!("{case}/explain"), json!({"explanation":"不属于劳动关系事项，请向社区反映。"}), StatusCode::OK)
        .await;
    assert_eq!(v["status"], "explained");
    assert!(v["closed_at"].is_string());
    assert_eq!(v["actions"], json!(["note", "reopen", "anonymise", "redact", "callback"]));
    // Nothing more but notes and reopening on a closed case.
    assert_error(
        &chair.post(&format!("{case}/assign"), json!({"handler":"e2handler"})).await,
        StatusCode::CONFLICT,
        "conflict",
        None,
    );

    // A handler outside the case's subtree cannot be assigned.
    let v = reception
        .ok(
            "/api/v1/cases",
            json!({"union":"jd.s1.e2","kind":"claim","channel":"reception","description":"工资条不清楚"}),
            StatusCode::CREATED,
        )
        .await;
    let case = format!("/api/v1/cases/{}", v["number"].as_str().unwrap());
    reception.ok(&format!("{case}/accept"), json!({}), StatusCode::OK).await;
    assert_error(
        &reception.post(&format!("{case}/assign"), json!({"handler":"e1handler"})).await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "invalid",
        Some("handler"),
    );
    assert_error(
        &reception.post(&format!("{case}/assign"), json!({"handler":"f1reception"})).await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "invalid",
        Some("handler"),
    );
}
both!(staff_register_explain_and_suggestions);

async fn registered_worker_and_tokens(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let worker = app.login("worker1").await;
    let v = worker
        .ok(
            "/api/v1/cases",
            json!({"union":"jd.s1.e1","kind":"wellbeing","channel":"online","description":"想聊聊"}),
            StatusCode::CREATED,
        )
        .await;
    let number = v["number"].as_str().unwrap().to_owned();
    let (status, list) = worker.get("/api/v1/cases").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(list["total"], 1);
    // A worker account does not see the figures or the union tree.
    assert_error(&worker.get("/api/v1/unions").await, StatusCode::FORBIDDEN, "forbidden", None);

    // A worker account raises its case online and now, whatever it claims; the record
    // book names it only "worker"; it never reads internal notes or staff names.
    let v = worker
        .ok(
            "/api/v1/cases",
            json!({"union":"jd.s2.e1","kind":"claim","channel":"reception","opened_at":"2025-01-01T00:00:00Z",
                   "description":"ABC公司拖欠工资","anonymous":true}),
            StatusCode::CREATED,
        )
        .await;
    assert_eq!(
        (v["channel"].as_str(), v["number"].as_str().map(|n| n.contains("-2025-"))),
        (Some("online"), Some(false))
    );
    let anon = v["number"].as_str().unwrap().to_owned();
    let (_, list) = worker.get("/api/v1/cases").await;
    assert_eq!(list["total"], 2, "a worker sees its cases in any union");
    let f1 = app.login("f1reception").await;
    let (_, rec) = f1.get(&format!("/api/v1/cases/{anon}/record")).await;
    assert_eq!(rec[0]["actor"], "worker", "{rec}");
    assert!(!rec.to_string().contains("worker1"));
    // Search ignores ASCII case on both databases.
    let (_, found) = f1.get("/api/v1/cases?q=abc").await;
    assert_eq!(found["total"], 1);
    f1.ok(&format!("/api/v1/cases/{anon}/accept"), json!({}), StatusCode::OK).await;
    f1.ok(&format!("/api/v1/cases/{anon}/notes"), json!({"text":"内部意见","internal":true}), StatusCode::OK).await;
    f1.ok(&format!("/api/v1/cases/{anon}/notes"), json!({"text":"已联系企业","internal":false}), StatusCode::OK).await;
    let (s, mine) = worker.get(&format!("/api/v1/cases/{anon}")).await;
    assert_eq!(s, StatusCode::OK);
    let text = mine.to_string();
    assert!(!text.contains("内部意见") && !text.contains("f1reception"), "{text}");
    assert!(text.contains("已联系企业"));
    assert_error(&worker.get(&format!("/api/v1/cases/{anon}/record")).await, StatusCode::FORBIDDEN, "forbidden", None);

    // The link between a case and its worker account survives a move to the other database.
    let exported = crate::harness::export_text(app.store.as_ref()).await;
    let other =
        crate::harness::TestApp::empty(if backend == Backend::Sqlite { Backend::Postgres } else { Backend::Sqlite })
            .await;
    crate::harness::import_text(other.store.as_ref(), &exported).await.unwrap();
    let (_, moved) = other.login("worker1").await.get("/api/v1/cases").await;
    assert_eq!(moved["total"], 2);

    // API tokens act as their account; a wrong token is refused, not treated as anonymous.
    let admin = app.login("admin").await;
    let t = admin.ok("/api/v1/tokens", json!({"name":"monthly report"}), StatusCode::CREATED).await;
    let token = t["token"].as_str().unwrap();
    let http = reqwest::Client::new();
    let r = http.get(app.url(&format!("/api/v1/cases/{anon}"))).bearer_auth(token).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    // The worker's wellbeing case is the chairs' and its counsellor's, not the administrator's.
    let r = http.get(app.url(&format!("/api/v1/cases/{number}"))).bearer_auth(token).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
    let r = http.get(app.url("/api/v1/me")).bearer_auth("yy_nope").send().await.unwrap();
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED);

    // Logout ends the session; a disabled account's sessions end too.
    let (s, _) = admin.http.delete(app.url("/api/v1/session")).send().await.map(|r| (r.status(), ())).unwrap();
    assert_eq!(s, StatusCode::NO_CONTENT);
    assert_error(&admin.get("/api/v1/me").await, StatusCode::UNAUTHORIZED, "unauthorized", None);
    let chair = app.login("e1chair").await;
    // A new password revokes the account's API tokens.
    let t = chair.ok("/api/v1/tokens", json!({"name":"script"}), StatusCode::CREATED).await;
    let chair_token = t["token"].as_str().unwrap().to_owned();
    let (s, _) =
        app.login("admin").await.patch("/api/v1/users/e1chair", json!({"password":"another-password-2"})).await;
    assert_eq!(s, StatusCode::OK);
    let r = http.get(app.url("/api/v1/me")).bearer_auth(&chair_token).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
    let chair = app.login("s1chair").await;
    let (s, body) = chair.patch("/api/v1/users/worker1", json!({"active": false})).await;
    assert_eq!(s, StatusCode::OK, "{body}");
    assert_error(&worker.get("/api/v1/me").await, StatusCode::UNAUTHORIZED, "unauthorized", None);
    assert_error(
        &app.anonymous()
            .post("/api/v1/session", json!({"username":"worker1","password":crate::harness::PASSWORD}))
            .await,
        StatusCode::UNAUTHORIZED,
        "unauthorized",
        None,
    );
}
both!(registered_worker_and_tokens);

/// A case still open after its deadline is raised to the union above (督办): once per
/// deadline, in the record book, and in that union's inbox.
async fn late_cases_are_supervised_by_the_union_above(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let line = |n: u32, status: &str, due: &str| {
        let mut c = json!({"type":"case","number":format!("JD-2026-{n:06}"),"union":"jd.s1.e1","kind":"claim","channel":"hotline",
            "title":format!("案件{n}"),"opened_at":"2026-01-02T09:00:00+08:00","accepted_at":"2026-01-02T10:00:00+08:00",
            "status":status,"due_on":due});
        if status == "resolved" {
            c["closed_at"] = json!("2026-01-03T09:00:00+08:00");
        }
        format!("{c}\n")
    };
    let text = [
        line(901, "accepted", "2026-01-05"),
        line(902, "resolved", "2026-01-05"),
        line(903, "in_progress", "2999-01-01"),
    ]
    .concat();
    crate::harness::import_text(app.store.as_ref(), &text).await.unwrap();
    let now = youyue_domain::Timestamp::now();
    let raised = app.store.sweep_supervision(now.cst_date(), now).await.unwrap();
    assert_eq!(raised.iter().map(|n| n.to_string()).collect::<Vec<_>>(), ["JD-2026-000901"]);
    assert!(app.store.sweep_supervision(now.cst_date(), now).await.unwrap().is_empty(), "once per deadline");
    let chair = app.login("s1chair").await;
    let (_, record) = chair.get("/api/v1/cases/JD-2026-000901/record").await;
    let last = record.as_array().unwrap().last().unwrap();
    assert_eq!(
        (last["action"].as_str(), last["actor"].as_str(), last["internal"].as_bool()),
        (Some("supervise"), Some("system"), Some(true))
    );
    assert_eq!(last["detail"]["raised_to"], "jd.s1");
    // The street union's inbox has it under 督办; the enterprise's own does not.
    let page = chair.http.get(app.url("/inbox?tab=supervised")).send().await.unwrap().text().await.unwrap();
    assert!(page.contains("JD-2026-000901") && !page.contains("JD-2026-000903"), "the supervised tab");
    let own = app.login("e1chair").await;
    let page = own.http.get(app.url("/inbox?tab=supervised")).send().await.unwrap().text().await.unwrap();
    assert!(!page.contains("JD-2026-000901"));
    // A new deadline set on acceptance after reopening starts afresh; the supervised mark travels in the export.
    let exported = crate::harness::export_text(app.store.as_ref()).await;
    assert!(exported.contains("\"supervised_due_on\":\"2026-01-05\""));
}
both!(late_cases_are_supervised_by_the_union_above);

/// Many registrations at once: on SQLite they are committed in groups (one fsync for
/// many); a registration that fails is rolled back alone, every acknowledged case is
/// there with its record book and in the figures, and numbers stay without gaps.
async fn concurrent_registrations_commit_in_groups(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let store = app.store.clone();
    let union = store.union_by_code(&"jd.s1.e1".parse().unwrap()).await.unwrap().unwrap();
    let before = store
        .list_cases(&youyue_store::CaseQuery { within: "/".into(), limit: 1, ..Default::default() })
        .await
        .unwrap()
        .total;
    let now = youyue_domain::Timestamp::now();
    let mut tasks = Vec::new();
    for n in 0..120 {
        let store = store.clone();
        // Every seventh names no union: it fails inside the group, alone.
        let draft = crate::harness::online_claim(if n % 7 == 3 { -1 } else { union.id }, format!("并发 {n}"), now);
        tasks.push(tokio::spawn(async move {
            store.create_case(&draft, youyue_store::Actor { label: "worker", user_id: None }).await
        }));
    }
    let mut numbers = Vec::new();
    let mut failed = 0;
    for t in tasks {
        match t.await.unwrap() {
            Ok(c) => {
                let book = store.record_book(c.id).await.unwrap();
                assert_eq!(book.len(), 1, "{}", c.record.number);
                // What create_case answers (built without a re-read) is what is stored.
                assert_eq!(store.case_by_number(&c.record.number).await.unwrap().as_ref(), Some(&c));
                numbers.push(c.record.number.seq());
            }
            Err(youyue_store::StoreError::Invalid { field, .. }) => {
                assert_eq!(field, "union");
                failed += 1;
            }
            Err(e) => panic!("{e}"),
        }
    }
    assert_eq!(failed, 17);
    numbers.sort();
    let first = numbers[0];
    assert_eq!(numbers, (first..first + 103).collect::<Vec<_>>(), "numbers without gaps");
    let after = store
        .list_cases(&youyue_store::CaseQuery { within: "/".into(), limit: 1, ..Default::default() })
        .await
        .unwrap()
        .total;
    assert_eq!(after - before, 103);
    let today = now.cst_date();
    let s = store.stats(&union, youyue_domain::Period::new(today, today).unwrap()).await.unwrap();
    let listed = store
        .list_cases(&youyue_store::CaseQuery {
            within: union.path.clone(),
            figure: Some(
                youyue_domain::figures::Figure::CasesOpened
                    .filter(youyue_domain::Period::new(today, today).unwrap(), today),
            ),
            limit: 1,
            ..Default::default()
        })
        .await
        .unwrap()
        .total;
    assert_eq!(s.cases_opened as i64, listed, "the tallies counted exactly the committed cases");
}
both!(concurrent_registrations_commit_in_groups);

/// A retry whose first attempt was refused (here: no such union) wrote nothing, so its key
/// is free, even when both land in the same commit group: the retry is registered.
async fn a_refused_attempt_does_not_take_its_key(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let store = app.store.clone();
    let union = store.union_by_code(&"jd.s1.e1".parse().unwrap()).await.unwrap().unwrap();
    let now = youyue_domain::Timestamp::now();
    let draft = |union_id: i64, n: usize| youyue_store::CaseDraft {
        idempotency: Some(youyue_store::IdempotencyKey {
            key_hash: format!("retry-key-{n}"),
            request_hash: "same".into(),
            salt: "00".into(),
        }),
        ..crate::harness::online_claim(union_id, format!("重试 {n}"), now)
    };
    let mut tasks = Vec::new();
    for n in 0..40 {
        for union_id in [-1, union.id] {
            let store = store.clone();
            let d = draft(union_id, n);
            tasks.push(tokio::spawn(async move {
                (union_id, store.create_case(&d, youyue_store::Actor { label: "worker", user_id: None }).await)
            }));
        }
    }
    for t in tasks {
        match t.await.unwrap() {
            (-1, r) => assert!(
                matches!(
                    r,
                    Err(youyue_store::StoreError::Invalid { .. } | youyue_store::StoreError::IdempotencyKeyUsed)
                ),
                "{r:?}"
            ),
            (_, r) => assert!(r.is_ok(), "the retry was refused: {r:?}"),
        }
    }
}
both!(a_refused_attempt_does_not_take_its_key);
