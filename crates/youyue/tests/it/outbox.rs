//! Issue 21, the transactional outbox: events written with the change that causes them,
//! dispatched into notices for the right people (never a case's content), sent with
//! back-off and recorded in the record book, timed events once only, delivery after a
//! restart, and two senders on one database each taking their own notices.
//!
//! Most tests run the dispatcher and sender by hand over a store with no server, with a
//! delivery of their own (`Fake`): what they check does not race the server's loops.

use crate::harness::{column, execute, import_text, online_claim, Backend, TestApp, TestDb};
use reqwest::StatusCode;
use serde_json::json;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use youyue_domain::notice::{NoticeChannel, NoticeKind, NoticeStatus};
use youyue_domain::{Channel, Timestamp, UnionCode};
use youyue_server::notify::deliver::{DeliveryError, Outgoing};
use youyue_server::notify::{dispatch, sender, sweep, Deliver, Outbox};
use youyue_store::{Actor, CaseDraft, Store, StoredCase};

const TITLE: &str = "机密标题甲乙丙";
const DESCRIPTION: &str = "机密描述丁戊己";
const NAME: &str = "王秘密";
const PHONE: &str = "138 1234 5678";

/// A delivery that records what it is given; fails (retryably) while `failing` is set.
#[derive(Default)]
struct Fake {
    has: Vec<NoticeChannel>,
    failing: Mutex<bool>,
    sent: Mutex<Vec<(NoticeChannel, String, String)>>,
    /// Each delivery takes this long (to make two senders overlap).
    slow: Duration,
}

#[async_trait::async_trait]
impl Deliver for Fake {
    fn has(&self, channel: NoticeChannel) -> bool {
        channel == NoticeChannel::App || self.has.contains(&channel)
    }
    async fn deliver(&self, out: &Outgoing<'_>) -> Result<(), DeliveryError> {
        if !self.slow.is_zero() {
            tokio::time::sleep(self.slow).await;
        }
        if *self.failing.lock().unwrap() {
            return Err(DeliveryError { permanent: false, message: "connection refused".into() });
        }
        self.sent.lock().unwrap().push((out.channel, out.to.to_owned(), out.text.to_owned()));
        Ok(())
    }
}

fn outbox(store: &Arc<dyn Store>, fake: Arc<Fake>) -> Outbox {
    Outbox {
        store: store.clone(),
        transports: fake,
        public_url: Some("https://yy.example".into()),
        every: Duration::from_millis(50),
    }
}

/// A store over a fresh database holding the test district, and no server.
async fn bare(backend: Backend) -> (TestDb, Arc<dyn Store>) {
    let db = TestDb::new(backend).await;
    let store = youyue_store::open(&db.url).await.unwrap();
    import_text(store.as_ref(), &crate::harness::district_jsonl()).await.unwrap();
    (db, store)
}

async fn union_id(store: &dyn Store, code: &str) -> i64 {
    store.union_by_code(&code.parse::<UnionCode>().unwrap()).await.unwrap().unwrap().id
}

async fn user_id(store: &dyn Store, username: &str) -> i64 {
    store.user_by_username(username).await.unwrap().unwrap().id
}

/// A hotline call registered by the chair of jd.s1.e1: the worker left a phone number and
/// their name, and agreed to be told (with the receipt's code) or not.
async fn hotline(store: &dyn Store, agreed: bool) -> StoredCase {
    let e1 = union_id(store, "jd.s1.e1").await;
    let d = CaseDraft {
        channel: Channel::Hotline,
        online: false,
        description: DESCRIPTION.into(),
        worker_name: Some(NAME.into()),
        contact: Some(PHONE.into()),
        notify_worker: agreed,
        receipt_code: agreed.then(|| "ABCD-EFGH".to_owned()),
        ..online_claim(e1, TITLE.into(), Timestamp::now())
    };
    let chair = user_id(store, "e1chair").await;
    store.create_case(&d, Actor { label: "e1chair", user_id: Some(chair) }).await.unwrap()
}

/// No notice written says a case's title or description, or the worker's name or contact.
async fn assert_private(url: &str) {
    assert_private_of(url, &["解释内容保密"]).await
}

/// `assert_private`, and none says any of `more` either.
async fn assert_private_of(url: &str, more: &[&str]) {
    let texts: Vec<String> = column(url, "SELECT subject || ' ' || body FROM notices").await;
    assert!(!texts.is_empty(), "no notices at all");
    for t in &texts {
        for secret in [TITLE, DESCRIPTION, NAME, PHONE, "13812345678"].iter().chain(more) {
            assert!(!t.contains(secret), "a notice says {secret:?}: {t}");
        }
    }
}

/// A registration with the worker's consent: the receptionists' bell, the worker's SMS
/// with the receipt's code (pending; held to the end of the district's quiet hours when
/// they are on), the event's payload cleared; without consent, nothing to the worker.
async fn registration_tells_receptionists_and_worker(backend: Backend) {
    let (db, store) = bare(backend).await;
    let fake = Arc::new(Fake { has: vec![NoticeChannel::Sms, NoticeChannel::Email], ..Fake::default() });
    let ob = outbox(&store, fake.clone());
    // Quiet now: from the hour before this one to the one after the next, China time (so
    // that the hour may turn during the test).
    let hour = chrono::Timelike::hour(&Timestamp::now().to_cst());
    let (from, to) = ((hour + 23) % 24, (hour + 2) % 24);
    let quiet = json!({"quiet_hours": {"from": format!("{from:02}:00"), "to": format!("{to:02}:00")}});
    store.set_setting("notices:jd", &quiet).await.unwrap();

    // The receptionist left an e-mail address and a phone on their account.
    execute(
        &db.url,
        "UPDATE users SET email = 'rec@example.com', phone = '13700000002' WHERE username = 'e1reception'",
    )
    .await;

    let case = hotline(store.as_ref(), true).await;
    assert_eq!(store.waiting_notice_events(10).await.unwrap().len(), 2);
    let written = dispatch::dispatch_waiting(&ob).await.unwrap();
    assert!(written >= 2, "{written}");
    assert!(store.waiting_notice_events(10).await.unwrap().is_empty());
    let payloads: Vec<i64> = column(&db.url, "SELECT COUNT(*) FROM notice_events WHERE payload IS NOT NULL").await;
    assert_eq!(payloads, [0]);

    let notices = store.case_notices(case.id).await.unwrap();
    let reception = user_id(store.as_ref(), "e1reception").await;
    let bell: Vec<_> = notices.iter().filter(|n| n.channel == NoticeChannel::App).collect();
    assert!(bell.iter().any(|n| n.user_id == Some(reception) && n.kind == NoticeKind::NewCase), "{notices:?}");
    assert!(bell.iter().all(|n| n.status == NoticeStatus::Sent));
    assert!(bell[0].body.contains(&case.record.number.to_string()));
    assert!(bell[0].body.contains("https://yy.example/cases/"), "{}", bell[0].body);
    // Nobody at another union hears of it.
    let other = user_id(store.as_ref(), "e2reception").await;
    assert!(notices.iter().all(|n| n.user_id != Some(other)));
    // The receptionist by e-mail and SMS too (staff have no quiet hours).
    let theirs: Vec<_> = notices.iter().filter(|n| n.user_id == Some(reception)).map(|n| n.channel).collect();
    assert_eq!(theirs, [NoticeChannel::App, NoticeChannel::Email, NoticeChannel::Sms], "{notices:?}");
    assert!(notices.iter().any(|n| n.address == "r***@example.com"));

    let sms: Vec<_> = notices.iter().filter(|n| n.channel == NoticeChannel::Sms && n.user_id.is_none()).collect();
    assert_eq!(sms.len(), 1, "{notices:?}");
    let sms = sms[0];
    assert_eq!((sms.kind, sms.status, sms.user_id), (NoticeKind::Registered, NoticeStatus::Pending, None));
    // The worker's contact is never listed, even masked; nor is the code in the stored words.
    assert_eq!(sms.address, youyue_domain::notice::WORKER_RECIPIENT);
    assert!(sms.body.contains(youyue_domain::notice::CODE_SLOT) && !sms.body.contains("ABCD-EFGH"), "{}", sms.body);
    assert!(sms.body.contains("https://yy.example/track"), "{}", sms.body);
    let release = youyue_domain::notice::QuietHours { from: from as u16 * 60, to: to as u16 * 60 }
        .release_at(sms.created_at)
        .unwrap();
    assert_eq!(sms.next_at, release);
    // The worker's is not due: the sender leaves it, and sends the receptionist's.
    assert_eq!(sender::send_due(&ob).await.unwrap(), 2);
    assert_eq!(fake.sent.lock().unwrap().len(), 2);

    // Out of quiet hours it is due at once; without consent there is none. The receptionist
    // turned new cases off for e-mail and SMS: the bell only.
    store.set_setting("notices:jd", &json!({"quiet_hours": {"from": "00:00", "to": "00:00"}})).await.unwrap();
    execute(&db.url, "UPDATE users SET notices_off = 'new_case' WHERE username = 'e1reception'").await;
    let loud = hotline(store.as_ref(), true).await;
    let silent = hotline(store.as_ref(), false).await;
    dispatch::dispatch_waiting(&ob).await.unwrap();
    let loud_sms: Vec<_> =
        store.case_notices(loud.id).await.unwrap().into_iter().filter(|n| n.channel == NoticeChannel::Sms).collect();
    assert_eq!(loud_sms.len(), 1);
    assert!(loud_sms[0].next_at <= Timestamp::now());
    assert!(store.case_notices(silent.id).await.unwrap().iter().all(|n| n.channel == NoticeChannel::App));
    assert_eq!(sender::send_due(&ob).await.unwrap(), 1);
    let sent = fake.sent.lock().unwrap().clone();
    assert_eq!(sent.len(), 3);
    assert_eq!((sent[2].0, sent[2].1.as_str()), (NoticeChannel::Sms, "13812345678"));
    // The code went into the words only as they were sent, and is kept no longer.
    assert!(sent[2].2.contains("ABCD-EFGH") && !sent[2].2.contains(youyue_domain::notice::CODE_SLOT), "{sent:?}");
    let kept: Vec<Option<String>> =
        column(&db.url, &format!("SELECT secret FROM notices WHERE case_id = {} AND channel = 'sms'", loud.id)).await;
    assert_eq!(kept, [None]);
    // Its final result is in the record book, internal, naming the worker but not their contact.
    let book = store.record_book(loud.id).await.unwrap();
    let last = book.last().unwrap();
    assert_eq!((last.action.as_str(), last.internal), ("notice", true), "{book:?}");
    assert_eq!(last.detail["to"], youyue_domain::notice::WORKER_RECIPIENT);
    assert_eq!(last.detail["outcome"], "sent");
    assert!(store.verify_chains().await.unwrap().problems.is_empty());

    // The case is answered (an explanation): the worker hears that it is, not what.
    let chair = youyue_domain::workflow::Acting { role: youyue_domain::Role::Chair, is_assigned_handler: false };
    let by = Actor { label: "e1chair", user_id: Some(user_id(store.as_ref(), "e1chair").await) };
    let mut loud = store.case_by_number(&loud.record.number).await.unwrap().unwrap();
    for command in [
        youyue_domain::command::Command::Accept { kind: None, urgency: youyue_domain::Urgency::Normal, due_on: None },
        youyue_domain::command::Command::Explain { explanation: "解释内容保密".into() },
    ] {
        let now = Timestamp::now();
        let rules = youyue_domain::command::DeadlineRules::default();
        let change = youyue_domain::command::apply(&loud.record, chair, command, now, &rules).unwrap();
        loud = store.save_change(&loud, &change, loud.handler_id, by.clone(), now).await.unwrap();
    }
    dispatch::dispatch_waiting(&ob).await.unwrap();
    assert_eq!(sender::send_due(&ob).await.unwrap(), 1);
    let sent = fake.sent.lock().unwrap().clone();
    assert_eq!((sent[3].0, sent[3].1.as_str()), (NoticeChannel::Sms, "13812345678"));
    assert!(sent[3].2.contains("已有答复") && !sent[3].2.contains("解释内容保密"), "{}", sent[3].2);

    // Anonymised: the pending SMS of the first case never goes, and its number is gone.
    let admin = youyue_domain::workflow::Acting { role: youyue_domain::Role::Admin, is_assigned_handler: false };
    let now = Timestamp::now();
    let change = youyue_domain::command::apply(
        &case.record,
        admin,
        youyue_domain::command::Command::Anonymise { reason: "worker asked".into() },
        now,
        &youyue_domain::command::DeadlineRules::default(),
    )
    .unwrap();
    store.save_change(&case, &change, case.handler_id, Actor { label: "admin", user_id: None }, now).await.unwrap();
    let after: Vec<_> = store
        .case_notices(case.id)
        .await
        .unwrap()
        .into_iter()
        .filter(|n| n.channel == NoticeChannel::Sms && n.user_id.is_none())
        .collect();
    assert_eq!((after[0].status, after[0].address.as_str()), (NoticeStatus::Failed, ""));
    assert!(!store.retry_notice(after[0].id, now).await.unwrap());
    let kept: Vec<i64> = column(&db.url, "SELECT COUNT(*) FROM notices WHERE address LIKE '%12345678%'").await;
    assert_eq!(kept, [2], "only the two SMS of the case not anonymised keep its number");
    assert_private(&db.url).await;
}
both!(registration_tells_receptionists_and_worker);

/// Through the server (its own loops): an urgent acceptance tells the chair, an assignment
/// the handler, a booking, a move and a cancellation the specialist; the bell's reading.
async fn assignment_and_appointments_tell_their_people(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    crate::appointments::put_duty(&app).await;
    let chair = app.login("e1chair").await;
    let (n, _, today) = crate::appointments::register(&chair, "dispute").await;
    let case = format!("/api/v1/cases/{n}");
    // The receptionist accepts and assigns: nobody is told of their own act, the chair is.
    let desk = app.login("e1reception").await;
    desk.ok(&format!("{case}/accept"), json!({"urgency": "urgent"}), StatusCode::OK).await;
    desk.ok(&format!("{case}/assign"), json!({"handler": "e1handler"}), StatusCode::OK).await;
    let store = app.store.clone();
    let has = |user: i64, kind: NoticeKind| {
        let store = store.clone();
        async move { store.user_notices(user, 100, 0).await.unwrap().notices.iter().any(|n| n.kind == kind) }
    };
    let (reception, e1chair, handler, mediator) = (
        user_id(store.as_ref(), "e1reception").await,
        user_id(store.as_ref(), "e1chair").await,
        user_id(store.as_ref(), "e1handler").await,
        user_id(store.as_ref(), "mediator").await,
    );
    poll(|| has(reception, NoticeKind::NewCase), "the receptionist's new case").await;
    poll(|| has(e1chair, NoticeKind::UrgentCase), "the chair's urgent case").await;
    poll(|| has(handler, NoticeKind::Assigned), "the handler's assignment").await;
    // On duty now by the rosters: the district's mediator and the enterprise's counsellor.
    poll(|| has(mediator, NoticeKind::UrgentCase), "the urgent case to whoever is on duty").await;
    poll(|| has(handler, NoticeKind::UrgentCase), "the urgent case to the counsellor on duty").await;
    assert!(!has(reception, NoticeKind::UrgentCase).await);

    let day = today + chrono::Duration::days(1);
    let (s, free) = chair
        .get(&format!(
            "/api/v1/slots?union=jd.s1.e1&specialty=mediator&from={day}&to={}",
            day + chrono::Duration::days(7)
        ))
        .await;
    assert_eq!(s, StatusCode::OK, "{free}");
    let free = free["slots"].as_array().unwrap().clone();
    let path = format!("{case}/appointments");
    let a = chair
        .ok(&path, json!({"specialist": "mediator", "starts_at": free[0]["starts_at"]}), StatusCode::CREATED)
        .await;
    poll(|| has(mediator, NoticeKind::AppointmentBooked), "the specialist's booking").await;
    let at = format!("/api/v1/appointments/{}", a["id"]);
    let (s, moved) = chair.patch(&at, json!({"starts_at": free[1]["starts_at"], "reason": "出差"})).await;
    assert_eq!(s, StatusCode::OK, "{moved}");
    poll(|| has(mediator, NoticeKind::AppointmentChanged), "the specialist's move").await;
    let r = chair.http.delete(format!("{}{at}", chair.base)).json(&json!({"reason": "和解"})).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    poll(|| has(mediator, NoticeKind::AppointmentCancelled), "the specialist's cancellation").await;

    // The bell: newest first, unread counted, read one and all.
    let page = store.user_notices(mediator, 2, 0).await.unwrap();
    assert_eq!((page.total, page.unread, page.notices.len()), (4, 4, 2));
    assert_eq!(page.notices[0].kind, NoticeKind::AppointmentCancelled);
    assert_eq!(store.mark_notices_read(mediator, Some(page.notices[0].id), Timestamp::now()).await.unwrap(), 1);
    assert_eq!(store.user_notices(mediator, 10, 0).await.unwrap().unread, 3);
    assert_eq!(store.mark_notices_read(mediator, None, Timestamp::now()).await.unwrap(), 3);
    // Somebody else's notice is not theirs to read.
    let theirs = store.user_notices(handler, 1, 0).await.unwrap().notices[0].id;
    assert_eq!(store.mark_notices_read(mediator, Some(theirs), Timestamp::now()).await.unwrap(), 0);
    // App notices add nothing to the record book.
    let (_, book) = chair.get(&format!("{case}/record")).await;
    assert!(book.as_array().unwrap().iter().all(|e| e["action"] != "notice"), "{book}");
    // The description `register` gave, and the reasons given for the move and the cancelling.
    assert_private_of(&app.db.url, &["车间调岗纠纷", "出差", "和解"]).await;
}
both!(assignment_and_appointments_tell_their_people);

/// The group notice of a case.
async fn wecom(store: &dyn Store, case_id: i64) -> youyue_store::Notice {
    let all = store.case_notices(case_id).await.unwrap();
    all.into_iter().find(|n| n.channel == NoticeChannel::Wecom).unwrap()
}

/// Waits (at most a minute) until an async condition holds.
async fn poll<F, Fut>(done: F, what: &str)
where
    F: Fn() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    for _ in 0..600 {
        if done().await {
            return;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("waited a minute for {what}");
}

/// Deadlines and reminders: one event each, however often the sweep runs; dispatched to
/// the handler and the specialist.
async fn timed_notices_once_only(backend: Backend) {
    let (db, store) = bare(backend).await;
    let now = Timestamp::now();
    let today = now.cst_date();
    let at = |micros: i64| Timestamp::from_micros(now.micros() + micros).to_rfc3339_cst();
    let case = |number: &str, due: chrono::NaiveDate| {
        json!({"type":"case","number":number,"union":"jd.s1.e1","kind":"claim","channel":"hotline","collective":false,
            "online":false,"scheduled":false,"people":1,"title":TITLE,"description":DESCRIPTION,"anonymous":false,
            "opened_at":at(-10 * 86_400_000_000),"status":"accepted","accepted_at":at(-9 * 86_400_000_000),
            "urgency":"normal","due_on":due.to_string(),"handler":"e1handler"})
    };
    let appointment = |case: &str, starts: i64| {
        json!({"type":"appointment","case":case,"specialist":"mediator","specialty":"mediator","starts_at":at(starts),
            "ends_at":at(starts + 3_600_000_000),"place":"调解室","online":false,"status":"booked","booked_by":"e1chair",
            "booked_at":at(-3 * 86_400_000_000),"changed_at":at(-3 * 86_400_000_000),"changed_by":"e1chair"})
    };
    let lines = [
        case("JD-2020-000101", today.succ_opt().unwrap()),
        case("JD-2020-000102", today.pred_opt().unwrap()),
        case("JD-2020-000103", today + chrono::Duration::days(5)),
        // A day ahead (less a minute) and half an hour ahead; and one a week ahead.
        appointment("JD-2020-000103", 86_400_000_000 - 60_000_000),
        appointment("JD-2020-000103", 1_800_000_000),
        appointment("JD-2020-000103", 7 * 86_400_000_000),
    ];
    let text: String = lines.iter().map(|l| format!("{l}\n")).collect();
    import_text(store.as_ref(), &text).await.unwrap();
    // Imported history notifies nobody.
    assert!(store.waiting_notice_events(10).await.unwrap().is_empty());
    assert_eq!(sweep::sweep(store.as_ref(), now).await.unwrap(), 4);
    assert_eq!(sweep::sweep(store.as_ref(), Timestamp::now()).await.unwrap(), 0);
    let ob = outbox(&store, Arc::new(Fake::default()));
    dispatch::dispatch_waiting(&ob).await.unwrap();
    assert_eq!(sweep::sweep(store.as_ref(), Timestamp::now()).await.unwrap(), 0);
    let handler = user_id(store.as_ref(), "e1handler").await;
    let mediator = user_id(store.as_ref(), "mediator").await;
    let kinds = |page: youyue_store::NoticePage| {
        let mut k: Vec<NoticeKind> = page.notices.iter().map(|n| n.kind).collect();
        k.sort_by_key(|k| k.as_str());
        k
    };
    assert_eq!(
        kinds(store.user_notices(handler, 10, 0).await.unwrap()),
        [NoticeKind::DueTomorrow, NoticeKind::Overdue]
    );
    assert_eq!(
        kinds(store.user_notices(mediator, 10, 0).await.unwrap()),
        [NoticeKind::ReminderDay, NoticeKind::ReminderHour]
    );
    let due = &store.user_notices(handler, 10, 0).await.unwrap().notices;
    let tomorrow = due.iter().find(|n| n.kind == NoticeKind::DueTomorrow).unwrap();
    assert!(tomorrow.body.contains(&today.succ_opt().unwrap().format("%Y-%m-%d").to_string()), "{}", tomorrow.body);
    assert_private(&db.url).await;
}
both!(timed_notices_once_only);

/// A group robot that cannot be reached: tried again with back-off, each attempt recorded;
/// delivered when it answers, and then in the record book; out of retries, failed, and
/// "send again" puts it back. A notice claimed by a sender that died is sent after its
/// lease; an event committed before a crash is dispatched by the next server.
async fn retries_and_restarts(backend: Backend) {
    let (db, store) = bare(backend).await;
    let e1 = union_id(store.as_ref(), "jd.s1.e1").await;
    store
        .set_union_webhook(e1, Some("http://127.0.0.1:1/cgi-bin/webhook/send?key=SECRET"), Timestamp::now())
        .await
        .unwrap();
    let fake = Arc::new(Fake { has: vec![NoticeChannel::Wecom], failing: Mutex::new(true), ..Fake::default() });
    let ob = outbox(&store, fake.clone());
    // No handler yet: the group's message @mentions the chair by the phone on their account.
    execute(&db.url, "UPDATE users SET phone = '13900000001' WHERE username = 'e1chair'").await;
    let case = hotline(store.as_ref(), false).await;
    dispatch::dispatch_waiting(&ob).await.unwrap();
    let n = wecom(store.as_ref(), case.id).await;
    assert_eq!((n.status, n.union_id, n.address.as_str()), (NoticeStatus::Pending, Some(e1), ""));
    assert_eq!(n.mentions, ["139****0001"]);
    // The chair has no e-mail and SMS is not configured here: the bell only.
    let chair = user_id(store.as_ref(), "e1chair").await;
    assert!(
        store.case_notices(case.id).await.unwrap().iter().all(|n| n.user_id != Some(chair)),
        "not told of a new case"
    );

    let before = Timestamp::now();
    assert_eq!(sender::send_due(&ob).await.unwrap(), 1);
    let n = wecom(store.as_ref(), case.id).await;
    assert_eq!((n.status, n.attempts), (NoticeStatus::Pending, 1));
    assert!(n.next_at.micros() >= before.micros() + 60_000_000, "retried a minute later");
    assert_eq!(n.last_error.as_deref(), Some("connection refused"));
    assert_eq!(sender::send_due(&ob).await.unwrap(), 0, "not due yet");
    let attempts = store.notice_attempts(n.id).await.unwrap();
    assert_eq!(attempts.len(), 1);
    assert!(!attempts[0].ok);

    // A minute later (made so), the robot answers.
    execute(&db.url, &format!("UPDATE notices SET next_at = 0 WHERE id = {}", n.id)).await;
    *fake.failing.lock().unwrap() = false;
    assert_eq!(sender::send_due(&ob).await.unwrap(), 1);
    let n = wecom(store.as_ref(), case.id).await;
    assert_eq!((n.status, n.attempts), (NoticeStatus::Sent, 2));
    let sent = fake.sent.lock().unwrap().clone();
    assert_eq!(sent[0].1, "http://127.0.0.1:1/cgi-bin/webhook/send?key=SECRET", "the URL is read when it is sent");
    let book = store.record_book(case.id).await.unwrap();
    let last = book.last().unwrap();
    assert_eq!(last.action, "notice");
    assert_eq!(last.detail["to"], "http://127.0.0.1:1/…");
    assert_eq!((last.detail["attempts"].as_i64(), last.detail["outcome"].as_str()), (Some(2), Some("sent")));
    assert!(!serde_json::to_string(&book).unwrap().contains("SECRET"));
    // The record book's entry gave rise to no event, and the chains still verify.
    assert!(store.waiting_notice_events(10).await.unwrap().is_empty());
    let report = store.verify_chains().await.unwrap();
    assert!(report.problems.is_empty(), "{:?}", report.problems);

    // The eighth failure is the last: failed, and sent again on request.
    let second = hotline(store.as_ref(), false).await;
    dispatch::dispatch_waiting(&ob).await.unwrap();
    *fake.failing.lock().unwrap() = true;
    execute(&db.url, &format!("UPDATE notices SET attempts = 7 WHERE case_id = {} AND channel = 'wecom'", second.id))
        .await;
    assert_eq!(sender::send_due(&ob).await.unwrap(), 1);
    let path = |code: &'static str| {
        let store = store.clone();
        async move { store.union_by_code(&code.parse::<UnionCode>().unwrap()).await.unwrap().unwrap().path }
    };
    let failed = store.failed_notices(&path("jd").await, 10, 0).await.unwrap();
    assert_eq!(failed.0, 1, "{failed:?}");
    let f = &failed.1[0];
    assert_eq!((f.status, f.attempts, f.case_id), (NoticeStatus::Failed, 8, Some(second.id)));
    assert_eq!(store.record_book(second.id).await.unwrap().last().unwrap().detail["outcome"], "failed");
    assert_eq!(store.failed_notices(&path("jd.s2").await, 10, 0).await.unwrap().0, 0);
    assert!(store.retry_notice(f.id, Timestamp::now()).await.unwrap());
    let again = store.notice(f.id).await.unwrap().unwrap();
    assert_eq!((again.status, again.attempts), (NoticeStatus::Pending, 8));

    // A sender that claimed it and died: its lease runs out, another sends it.
    *fake.failing.lock().unwrap() = false;
    let now = Timestamp::now();
    let claimed = store.claim_due_notices(now, now, 10).await.unwrap();
    assert_eq!(claimed.len(), 1);
    assert_eq!(sender::send_due(&ob).await.unwrap(), 1);
    assert_eq!(store.notice(f.id).await.unwrap().unwrap().status, NoticeStatus::Sent);

    // An event committed, then the server gone before it was dispatched: the next server
    // dispatches it (and the bell has it).
    let third = hotline(store.as_ref(), false).await.id;
    store.close().await;
    drop(store);
    let store = youyue_store::open(&db.url).await.unwrap();
    let mut config = youyue_server::Config::new(std::net::SocketAddr::from(([127, 0, 0, 1], 0)));
    config.notices_every = Duration::from_millis(100);
    let app = youyue_server::Application::build(store.clone(), config).await.unwrap();
    let reception = user_id(store.as_ref(), "e1reception").await;
    poll(
        || {
            let store = store.clone();
            async move {
                store.user_notices(reception, 100, 0).await.unwrap().notices.iter().any(|n| n.case_id == Some(third))
            }
        },
        "the event committed before the restart",
    )
    .await;
    drop(app);
    assert_private(&db.url).await;
}
both!(retries_and_restarts);

/// Two senders on one database (two stores, as two app servers have): each notice is
/// attempted once.
async fn two_senders_take_their_own(backend: Backend) {
    let (db, store) = bare(backend).await;
    let e1 = union_id(store.as_ref(), "jd.s1.e1").await;
    store.set_union_webhook(e1, Some("http://127.0.0.1:1/robot"), Timestamp::now()).await.unwrap();
    for _ in 0..24 {
        hotline(store.as_ref(), false).await;
    }
    let fake =
        || Arc::new(Fake { has: vec![NoticeChannel::Wecom], slow: Duration::from_millis(15), ..Fake::default() });
    let (a, b) = (fake(), fake());
    dispatch::dispatch_waiting(&outbox(&store, a.clone())).await.unwrap();
    let other: Arc<dyn Store> = youyue_store::open(&db.url).await.unwrap();
    let (oa, ob) = (outbox(&store, a.clone()), outbox(&other, b.clone()));
    let (x, y) = tokio::join!(sender::send_due(&oa), sender::send_due(&ob));
    let (x, y) = (x.unwrap(), y.unwrap());
    assert_eq!(x + y, 24, "{x} + {y}");
    assert_eq!(a.sent.lock().unwrap().len() + b.sent.lock().unwrap().len(), 24);
    let per_notice: Vec<i64> =
        column(&db.url, "SELECT COUNT(*) FROM notice_attempts GROUP BY notice_id ORDER BY 1 DESC").await;
    assert_eq!(per_notice.len(), 24);
    assert!(per_notice.iter().all(|c| *c == 1), "{per_notice:?}");
    if backend == Backend::Postgres {
        // Both took part (each claims ten at a time and delivers slowly).
        assert!(x > 0 && y > 0, "{x} + {y}");
    }
    assert_private(&db.url).await;
}
both!(two_senders_take_their_own);
