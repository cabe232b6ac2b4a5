//! 并单 (merge) and 撤销并单 (unmerge), issue 22, on both databases: who may merge what,
//! the refusals, the joined case's people, the worker's tracking code of a merged case,
//! the figures counting the matter once (against the reference `Stats::add_case`), the
//! record books of both cases, unmerge, and export/import of the merged status.

use crate::harness::{assert_error, export_text, import_text, Backend, TestApp, TestDb};
use reqwest::StatusCode;
use serde_json::{json, Value};
use youyue_domain::stats::{CaseFacts, Stats};
use youyue_domain::Period;

/// Every case of the store as exported, as the figures' reference reads them.
async fn all_facts(store: &dyn youyue_store::Store) -> Vec<(String, CaseFacts)> {
    export_text(store)
        .await
        .lines()
        .filter_map(|l| match youyue_domain::exchange::Line::parse(l) {
            Ok(youyue_domain::exchange::Line::Case(r)) => Some((r.union.to_string(), CaseFacts::from(r.as_ref()))),
            _ => None,
        })
        .collect()
}

/// The figures of every union of the test district for the China month of `day`, checked
/// against the reference definition over the stored cases; the district's answered.
async fn check_figures(store: &dyn youyue_store::Store, day: chrono::NaiveDate) -> Stats {
    let facts = all_facts(store).await;
    let period = Period::month_of(day);
    let mut district = None;
    for root in ["jd", "jd.s1", "jd.s1.e1", "jd.s2"] {
        let u = store.union_by_code(&root.parse().unwrap()).await.unwrap().unwrap();
        let fig = store.figures(&u, period).await.unwrap();
        let mut want = Stats::empty(root, period);
        want.studios = fig.stats.studios;
        let inside = |code: &str| code == root || code.starts_with(&format!("{root}."));
        let mine: Vec<&CaseFacts> = facts.iter().filter(|(c, _)| inside(c)).map(|(_, f)| f).collect();
        for f in &mine {
            want.add_case(f).unwrap();
        }
        assert_eq!(fig.stats, want, "{root}");
        let time: Vec<youyue_domain::timeliness::TimeFacts> = mine.iter().map(|f| (*f).into()).collect();
        let cal = youyue_domain::calendar::WorkCalendar::new(store.calendar().await.unwrap());
        assert_eq!(fig.timeliness, youyue_domain::timeliness::Timeliness::compute(&time, period, &cal), "{root}");
        // The drill-down of cases opened lists exactly the cases the figure counts.
        let q = youyue_store::CaseQuery {
            within: u.path.clone(),
            limit: 10_000,
            figure: Some(youyue_domain::figures::Figure::CasesOpened.filter(period, day)),
            ..Default::default()
        };
        let listed = store.list_cases(&q).await.unwrap();
        assert_eq!(listed.total as u64, want.cases_opened, "{root} drill-down total");
        assert_eq!(listed.cases.len() as u64, want.cases_opened, "{root} drill-down rows");
        assert!(listed.cases.iter().all(|c| c.record.status != youyue_domain::Status::Merged));
        if root == "jd" {
            district = Some(want);
        }
    }
    district.unwrap()
}

async fn raise(staff: &crate::harness::Client, body: Value) -> String {
    let v = staff.ok("/api/v1/cases", body, StatusCode::CREATED).await;
    v["number"].as_str().unwrap().to_owned()
}

async fn merge_and_unmerge(backend: Backend) {
    crate::harness::clear_of_month_end().await;
    let app = TestApp::spawn(backend).await;
    let worker = app.anonymous();
    // A dispute of one worker raised online, with its tracking code.
    let raised = worker
        .ok(
            "/api/v1/public/cases",
            json!({"union":"jd.s1.e1","kind":"dispute","description":"纸箱厂拖欠三月工资","worker_name":"刘","contact":"138 0000 0001"}),
            StatusCode::CREATED,
        )
        .await;
    let a = raised["number"].as_str().unwrap().to_owned();
    let (e1, handler, chair, f1) = (
        app.login("e1reception").await,
        app.login("e1handler").await,
        app.login("e1chair").await,
        app.login("f1reception").await,
    );
    // The same matter by three more workers on the hotline, and by the first worker again.
    let b = raise(
        &e1,
        json!({"union":"jd.s1.e1","kind":"dispute","channel":"hotline","collective":true,"people":3,
               "description":"三名职工反映三月工资未发","worker_name":"张","contact":"13900000002"}),
    )
    .await;
    let raised_b = worker
        .ok(
            "/api/v1/public/cases",
            json!({"union":"jd.s1.e1","kind":"dispute","description":"工资未发（再次反映）","worker_name":"刘","contact":"13800000001"}),
            StatusCode::CREATED,
        )
        .await;
    let c = raised_b["number"].as_str().unwrap().to_owned();
    let code_c = raised_b["tracking_code"].as_str().unwrap().to_owned();
    let outside =
        raise(&f1, json!({"union":"jd.s2.e1","kind":"dispute","channel":"hotline","description":"别处"})).await;
    let wellbeing = raise(
        &chair,
        json!({"union":"jd.s1.e1","kind":"wellbeing","channel":"hotline","description":"压力大","worker_name":"赵"}),
    )
    .await;
    let (_, va) = e1.get(&format!("/api/v1/cases/{a}")).await;
    let today = crate::harness::cst_date(&va["opened_at"]);
    let before = check_figures(app.store.as_ref(), today).await;

    let merge = |n: &str| format!("/api/v1/cases/{n}/merge");
    let unmerge = |n: &str| format!("/api/v1/cases/{n}/unmerge");
    // Who: a handler may not; a case outside the caller's subtree is unknown (404), and as
    // a target it is no case they can see (422 into), like a made-up number.
    assert_error(&handler.post(&merge(&b), json!({"into": a})).await, StatusCode::FORBIDDEN, "forbidden", None);
    assert_error(&f1.post(&merge(&b), json!({"into": outside})).await, StatusCode::NOT_FOUND, "not_found", None);
    for into in [outside.as_str(), "JD-2099-999999", "not a number"] {
        let got = e1.post(&merge(&b), json!({"into": into})).await;
        assert_error(&got, StatusCode::UNPROCESSABLE_ENTITY, "invalid", Some("into"));
    }
    assert_error(
        &e1.post(&merge(&b), json!({"into": b})).await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "invalid",
        Some("into"),
    );
    // Wellbeing only with wellbeing (a receptionist cannot see one at all).
    assert_error(
        &e1.post(&merge(&b), json!({"into": wellbeing})).await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "invalid",
        Some("into"),
    );
    assert_error(
        &chair.post(&merge(&b), json!({"into": wellbeing})).await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "invalid",
        Some("into"),
    );
    // Nothing of a refusal was written.
    let (_, v) = e1.get(&format!("/api/v1/cases/{b}")).await;
    assert_eq!(v["status"], "registered", "{v}");

    // B (3 people) joins A (1 person): A counts 4 and becomes collective.
    e1.ok(&format!("/api/v1/cases/{b}/accept"), json!({"urgency":"normal"}), StatusCode::OK).await;
    let v = e1.ok(&merge(&b), json!({"into": a, "reason": "同一企业同一欠薪"}), StatusCode::OK).await;
    assert_eq!((v["status"].as_str(), v["merged_into"].as_str()), (Some("merged"), Some(a.as_str())), "{v}");
    let (_, va) = e1.get(&format!("/api/v1/cases/{a}")).await;
    assert_eq!((va["people"].as_i64(), va["collective"].as_bool()), (Some(4), Some(true)), "{va}");
    // The same worker again (the same contact, spelt otherwise) counts once.
    e1.ok(&merge(&c), json!({"into": a}), StatusCode::OK).await;
    let (_, va) = e1.get(&format!("/api/v1/cases/{a}")).await;
    assert_eq!(va["people"], 4, "{va}");
    // State: a merged case is done with; no chains.
    assert_error(&e1.post(&merge(&b), json!({"into": a})).await, StatusCode::CONFLICT, "conflict", None);
    assert_error(&e1.post(&merge(&a), json!({"into": b})).await, StatusCode::CONFLICT, "conflict", None);
    let d = raise(&e1, json!({"union":"jd.s1.e1","kind":"dispute","channel":"hotline","description":"又一件"})).await;
    assert_error(&e1.post(&merge(&a), json!({"into": d})).await, StatusCode::CONFLICT, "conflict", None);
    assert_error(&e1.post(&merge(&d), json!({"into": b})).await, StatusCode::CONFLICT, "conflict", None);
    assert_error(
        &e1.post(&format!("/api/v1/cases/{b}/accept"), json!({"urgency":"normal"})).await,
        StatusCode::CONFLICT,
        "conflict",
        None,
    );
    // Staff read both on the case pages; the inbox says merged in words.
    let (_, html) = e1.get(&format!("/cases/{a}")).await;
    let html = html.as_str().unwrap().to_owned();
    assert!(html.contains("id=\"merged-cases\"") && html.contains(&b) && html.contains(&c), "{html}");
    let (_, html) = e1.get(&format!("/cases/{b}")).await;
    let html = html.as_str().unwrap().to_owned();
    assert!(html.contains("id=\"merged-into\"") && html.contains("id=\"do-unmerge\""), "{html}");
    let (_, inbox) = e1.get("/inbox?tab=merged").await;
    let inbox = inbox.as_str().unwrap().to_owned();
    assert!(inbox.contains("已并单") && inbox.contains(&b) && inbox.contains(&c), "the inbox lists merged cases");

    // Figures count the matter once: two fewer cases opened, nothing else moves yet.
    let after = check_figures(app.store.as_ref(), today).await;
    assert_eq!(after.cases_opened, before.cases_opened + 1 - 2, "{after:?}");

    // A is handled and resolved: the people involved are the four workers.
    chair.ok(&format!("/api/v1/cases/{a}/accept"), json!({"urgency":"normal"}), StatusCode::OK).await;
    chair.ok(&format!("/api/v1/cases/{a}/assign"), json!({"handler":"e1handler"}), StatusCode::OK).await;
    handler
        .ok(
            &format!("/api/v1/cases/{a}/resolve"),
            json!({"resolution":"企业已补发三月工资","agreement":true,"amount_recovered":"12000"}),
            StatusCode::OK,
        )
        .await;
    let resolved = check_figures(app.store.as_ref(), today).await;
    assert_eq!((resolved.disputes_mediated, resolved.people_involved), (1, 4), "{resolved:?}");

    // The worker's tracking code of a merged case keeps working: the joined case's
    // progress and answer, nothing of the other workers, no rating here.
    let (status, t) = worker.post(&format!("/api/v1/public/cases/{c}/lookup"), json!({"code": code_c})).await;
    assert_eq!(status, StatusCode::OK, "{t}");
    assert_eq!(t["status"], "merged");
    assert_eq!(t["can_rate"], false);
    assert_eq!(t["joined"]["number"], a.as_str(), "{t}");
    assert_eq!(t["joined"]["status"], "resolved");
    assert_eq!(t["joined"]["answer"], "企业已补发三月工资");
    let text = t.to_string();
    assert!(text.contains(&format!("与同一事项并入{a}一并办理")), "{text}");
    for secret in ["张", "13900000002", "同一企业同一欠薪", "e1reception", "三名职工"] {
        assert!(!text.contains(secret), "{secret} in {text}");
    }
    let (_, page) = worker.get("/track").await;
    let csrf =
        page.as_str().unwrap().split("name=\"csrf\" value=\"").nth(1).unwrap().split('"').next().unwrap().to_owned();
    let form = [("csrf", csrf.as_str()), ("number", c.as_str()), ("code", code_c.as_str())];
    let r = worker.http.post(format!("{}/track", worker.base)).form(&form).send().await.unwrap();
    let html = r.text().await.unwrap();
    assert!(html.contains("id=\"joined\"") && html.contains("企业已补发三月工资"), "{html}");
    assert!(!html.contains("13900000002"));

    // Unmerge: the same day, a reason needed; B gets back its status, A its people.
    assert_error(
        &e1.post(&unmerge(&b), json!({"reason": " "})).await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "invalid",
        Some("reason"),
    );
    assert_error(&handler.post(&unmerge(&b), json!({"reason": "x"})).await, StatusCode::FORBIDDEN, "forbidden", None);
    assert_error(&e1.post(&unmerge(&d), json!({"reason": "x"})).await, StatusCode::CONFLICT, "conflict", None);
    let v = e1.ok(&unmerge(&b), json!({"reason": "并错了，另一企业"}), StatusCode::OK).await;
    assert_eq!((v["status"].as_str(), v["merged_into"].as_str()), (Some("accepted"), None), "{v}");
    let (_, va) = e1.get(&format!("/api/v1/cases/{a}")).await;
    assert_eq!((va["people"].as_i64(), va["collective"].as_bool()), (Some(1), Some(false)), "{va}");
    assert_error(&e1.post(&unmerge(&b), json!({"reason": "x"})).await, StatusCode::CONFLICT, "conflict", None);
    let back = check_figures(app.store.as_ref(), today).await;
    assert_eq!(back.cases_opened, before.cases_opened + 1 - 1, "{back:?}");
    assert_eq!(back.people_involved, 1);

    // Both record books say both, and their chains and replays hold.
    for (n, want) in [(&a, vec!["merge", "merge", "unmerge"]), (&b, vec!["merge", "unmerge"])] {
        let (_, book) = chair.get(&format!("/api/v1/cases/{n}/record")).await;
        let entries = book.as_array().or(book["entries"].as_array()).unwrap().clone();
        let got: Vec<&str> =
            entries.iter().filter_map(|e| e["action"].as_str()).filter(|a| matches!(*a, "merge" | "unmerge")).collect();
        assert_eq!(got, want, "{n}: {book}");
    }
    let report = app.store.verify_chains().await.unwrap();
    assert_eq!(report.problems, vec![], "{report:?}");

    // Export and import: the merged status and merged_into come back, the figures alike.
    let exported = export_text(app.store.as_ref()).await;
    assert!(exported.contains("\"merged_into\""), "the export carries merged_into");
    let fresh = TestDb::new(backend).await;
    let again = youyue_store::open(&fresh.url).await.unwrap();
    import_text(again.as_ref(), &exported).await.unwrap();
    let cc = again.case_by_number(&c.parse().unwrap()).await.unwrap().unwrap();
    assert_eq!(cc.record.status, youyue_domain::Status::Merged);
    assert_eq!(cc.record.merged_into.as_ref().map(|n| n.to_string()), Some(a.clone()));
    assert_eq!(export_text(again.as_ref()).await, exported);
    assert_eq!(check_figures(again.as_ref(), today).await, check_figures(app.store.as_ref(), today).await);
    let report = again.verify_chains().await.unwrap();
    assert_eq!(report.problems, vec![], "{report:?}");
    again.close().await;
}
both!(merge_and_unmerge);

/// An import refuses a merged case without the case it joined, and merged_into on a case
/// that is not merged, naming the field.
async fn import_checks_merged_into(backend: Backend) {
    let db = TestDb::new(backend).await;
    let store = youyue_store::open(&db.url).await.unwrap();
    import_text(store.as_ref(), &crate::harness::district_jsonl()).await.unwrap();
    let line = |status: &str, into: Option<&str>| {
        let mut c = json!({"type":"case","number":"JD-2026-000900","union":"jd.s1.e1","kind":"claim","channel":"hotline",
            "opened_at":"2026-03-02T09:00:00+08:00","status":status});
        if let Some(n) = into {
            c["merged_into"] = json!(n);
        }
        format!("{c}\n")
    };
    for (status, into) in [("merged", None), ("registered", Some("JD-2026-000901")), ("merged", Some("JD-2026-000900"))]
    {
        let err = import_text(store.as_ref(), &line(status, into)).await.unwrap_err();
        assert!(err.to_string().contains("merged_into"), "{status} {into:?}: {err}");
    }
    import_text(store.as_ref(), &line("merged", Some("JD-2026-000901"))).await.unwrap();
    store.close().await;
}
both!(import_checks_merged_into);

/// Two crossed merges at once (A into B, B into A), of cases of the same worker (so the
/// joined side gains no people and writes no field): one passes, the other is refused as
/// changed meanwhile, never both (a loop no unmerge could undo) and never a 500.
async fn crossed_merges_cannot_both_pass(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let reception = app.login("e1reception").await;
    let chair = app.login("e1chair").await;
    for round in 0..6 {
        let body = |t: &str| json!({"union":"jd.s1.e1","kind":"claim","channel":"hotline","title":t,"description":"同一人两次来电","worker_name":"同","contact":"13911112222"});
        let a = raise(&reception, body(&format!("甲{round}"))).await;
        let b = raise(&reception, body(&format!("乙{round}"))).await;
        let (pa, pb) = (format!("/api/v1/cases/{a}/merge"), format!("/api/v1/cases/{b}/merge"));
        let (x, y) = tokio::join!(reception.post(&pa, json!({"into": b})), chair.post(&pb, json!({"into": a})));
        let codes = [x.0, y.0];
        assert!(codes.contains(&StatusCode::OK), "one passes: {x:?} {y:?}");
        assert!(codes.contains(&StatusCode::CONFLICT), "the other is refused: {x:?} {y:?}");
        let (_, va) = reception.get(&format!("/api/v1/cases/{a}")).await;
        let (_, vb) = reception.get(&format!("/api/v1/cases/{b}")).await;
        let merged = [&va, &vb].iter().filter(|v| v["status"] == "merged").count();
        assert_eq!(merged, 1, "exactly one is merged: {va} {vb}");
    }
}
both!(crossed_merges_cannot_both_pass);
