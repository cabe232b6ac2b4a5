//! The demo district (`youyue serve --demo`): a district union, two street unions, four
//! enterprise unions with studios, staff accounts, and cases in every state, so that a
//! first run has something to look at. Only ever written into an empty database.

use crate::auth;
use crate::error::ApiError;
use rand::RngCore;
use youyue_domain::case::{Channel, Kind, Outcome, Urgency};
use youyue_domain::command::{apply, Command};
use youyue_domain::exchange::{UnionRecord, UserRecord};
use youyue_domain::roster::{Roster, Specialty};
use youyue_domain::time::parse_date;
use youyue_domain::workflow::Acting;
use youyue_domain::{tracking, Role, Timestamp};
use youyue_store::{Actor, CaseDraft, Store, StoredCase, User};

/// An account made for the demo, with the password shown once.
pub struct DemoAccount {
    pub username: String,
    pub name: String,
    pub role: Role,
    pub union: String,
    pub password: String,
}

pub struct DemoSeed {
    pub accounts: Vec<DemoAccount>,
    /// A case a worker can look up: number and tracking code.
    pub sample_case: Option<(String, String)>,
}

const UNIONS: &[(&str, &str, Option<&str>, Option<&str>)] = &[
    ("jd", "金东区总工会", None, None),
    ("jd.s1", "多湖街道总工会", Some("jd"), None),
    ("jd.s2", "东孝街道总工会", Some("jd"), None),
    ("jd.s1.e1", "金华市某纸箱厂工会", Some("jd.s1"), Some("2021-03-02")),
    ("jd.s1.e2", "某五金制品有限公司工会", Some("jd.s1"), Some("2021-05-18")),
    ("jd.s2.e1", "某食品有限公司工会", Some("jd.s2"), Some("2021-09-10")),
    ("jd.s2.e2", "某电子科技有限公司工会", Some("jd.s2"), Some("2022-04-01")),
];

const ACCOUNTS: &[(&str, &str, &str, Role, &[Specialty])] = &[
    ("admin", "区总工会管理员", "jd", Role::Admin, &[]),
    ("mediator", "区劳动关系协调员 王老师", "jd", Role::Handler, &[Specialty::Mediator, Specialty::Advisor]),
    ("counsellor", "心理咨询师 陈老师", "jd", Role::Handler, &[Specialty::Counsellor]),
    ("counsellor2", "心理咨询师 周老师", "jd", Role::Handler, &[Specialty::Counsellor]),
    ("expert", "外聘心理专家 孙教授", "jd", Role::Handler, &[Specialty::Counsellor]),
    ("lawyer", "公益律师 吴律师", "jd", Role::Handler, &[Specialty::Lawyer]),
    ("hotline1", "热线值班员 钱", "jd", Role::Receptionist, &[Specialty::Liaison]),
    ("hotline2", "热线值班员 郑", "jd", Role::Receptionist, &[Specialty::Liaison]),
    ("s1chair", "多湖街道工会主席", "jd.s1", Role::Chair, &[]),
    ("e1chair", "纸箱厂工会主席", "jd.s1.e1", Role::Chair, &[]),
    ("e1reception", "纸箱厂接待员 李", "jd.s1.e1", Role::Receptionist, &[]),
    ("e2reception", "五金公司接待员 张", "jd.s1.e2", Role::Receptionist, &[]),
    ("f1reception", "食品公司接待员 赵", "jd.s2.e1", Role::Receptionist, &[]),
];

/// The district's roster, as a studio keeps it (JSON as the API takes it): counsellors on
/// Tuesday, Thursday and Saturday afternoons (one in the room, one by video), an outside
/// expert on Saturday mornings, the reception day every Wednesday (the mediator all day,
/// a lawyer in the morning), and the 24-hour hotline shared by two people, holidays too.
const DISTRICT_ROSTER: &str = r#"{"shifts":[
 {"user":"counsellor","specialty":"counsellor","days":["tue","thu","sat"],"start":"14:00","end":"17:30","slot_minutes":50,"place":"区职工服务中心 心理咨询室"},
 {"user":"counsellor2","specialty":"counsellor","days":["tue","thu","sat"],"start":"14:00","end":"17:30","slot_minutes":50,"online":true},
 {"user":"expert","specialty":"counsellor","days":["sat"],"start":"09:00","end":"12:00","slot_minutes":60,"place":"区职工服务中心 心理咨询室"},
 {"user":"mediator","specialty":"mediator","days":["wed"],"start":"09:00","end":"17:00","slot_minutes":30,"place":"区职工服务中心 接待大厅"},
 {"user":"lawyer","specialty":"lawyer","days":["wed"],"start":"09:00","end":"12:00","slot_minutes":30,"place":"区职工服务中心 接待大厅"},
 {"user":"hotline1","specialty":"liaison","days":["mon","tue","wed","thu","fri","sat","sun"],"start":"08:00","end":"20:00","slot_minutes":30,"online":true,"holidays":true},
 {"user":"hotline2","specialty":"liaison","days":["mon","tue","wed","thu","fri","sat","sun"],"start":"20:00","end":"08:00","slot_minutes":30,"online":true,"holidays":true}
]}"#;

/// The cardboard factory's own studio: its receptionist at lunchtime on working days.
const E1_ROSTER: &str = r#"{"shifts":[
 {"user":"e1reception","days":["workdays"],"start":"12:00","end":"13:00","slot_minutes":15,"place":"纸箱厂职工之家"}
]}"#;

fn t(s: &str) -> Result<Timestamp, ApiError> {
    Timestamp::parse_rfc3339(s).map_err(|e| ApiError::internal_in("demo data", e))
}

fn new_code() -> (String, String) {
    let mut random = [0u8; tracking::LEN];
    rand::rngs::OsRng.fill_bytes(&mut random);
    let code = tracking::format_code(random);
    let hash = auth::sha256_hex(&tracking::normalize(&code).unwrap_or_default());
    (code, hash)
}

struct Seeder<'a> {
    store: &'a dyn Store,
    users: Vec<User>,
}

impl Seeder<'_> {
    fn user(&self, name: &str) -> Result<&User, ApiError> {
        self.users.iter().find(|u| u.username == name).ok_or_else(|| ApiError::internal(format!("demo user {name}")))
    }

    async fn step(&self, case: StoredCase, who: &str, cmd: Command, at: &str) -> Result<StoredCase, ApiError> {
        let user = self.user(who)?;
        let now = t(at)?;
        let handler = match &cmd {
            Command::Assign { handler } => Some(self.user(handler)?.id),
            _ => case.handler_id,
        };
        let change = apply(
            &case.record,
            crate::access::actor(user, &case),
            cmd,
            now,
            &youyue_domain::command::DeadlineRules::default(),
        )?;
        Ok(self
            .store
            .save_change(&case, &change, handler, Actor { label: &user.username, user_id: Some(user.id) }, now)
            .await?)
    }
}

/// A booked appointment of `case` with `who` as `specialty`, `minutes` long.
fn appointment(
    s: &Seeder<'_>,
    case: &StoredCase,
    who: &str,
    specialty: &str,
    starts_at: Timestamp,
    minutes: i64,
    place: &str,
) -> Result<youyue_domain::appointment::AppointmentRecord, ApiError> {
    s.user(who)?;
    Ok(youyue_domain::appointment::AppointmentRecord {
        id: 0,
        case: case.record.number.clone(),
        specialist: who.into(),
        specialty: specialty.into(),
        starts_at,
        ends_at: Timestamp::from_micros(starts_at.micros() + minutes * 60_000_000),
        place: place.into(),
        online: false,
        link: None,
        note: String::new(),
        status: youyue_domain::appointment::AppointmentStatus::Booked,
        booked_by: "e1chair".into(),
        booked_at: starts_at,
        changed_at: starts_at,
        changed_by: "e1chair".into(),
        reason: None,
    })
}

fn staff<'a>(s: &'a Seeder<'_>, who: &str) -> Result<Actor<'a>, ApiError> {
    let u = s.user(who)?;
    Ok(Actor { label: &u.username, user_id: Some(u.id) })
}

/// Records the outcome of a demo appointment an hour after its start, by the specialist.
async fn record_outcome(
    store: &dyn Store,
    s: &Seeder<'_>,
    case: &StoredCase,
    a: &youyue_store::Appointment,
    outcome: youyue_domain::appointment::Outcome,
) -> Result<(), ApiError> {
    let when = Timestamp::from_micros(a.record.ends_at.micros() + 3_600_000_000);
    let change = youyue_domain::appointment::Change::Record(outcome);
    let after = youyue_domain::appointment::apply(&a.record, &change, &a.record.specialist, when)?;
    let case = store.case_by_number(&case.record.number).await?.ok_or_else(|| ApiError::internal("demo case"))?;
    store.change_appointment(&case, a, &after, &change, staff(s, &a.record.specialist)?, when).await?;
    Ok(())
}

/// Seeds the demo into an empty database. `password`: one password for every demo account
/// (for scripted tries); otherwise each gets its own random one.
pub async fn seed(store: &dyn Store, password: Option<String>) -> Result<DemoSeed, ApiError> {
    let created = Timestamp::now();
    for (code, name, parent, studio) in UNIONS {
        let rec = UnionRecord {
            code: code.parse().map_err(|_| ApiError::internal(format!("demo union code {code}")))?,
            name: (*name).into(),
            parent: parent
                .map(str::parse)
                .transpose()
                .map_err(|_| ApiError::internal(format!("demo union code {code}")))?,
            studio_opened_on: studio.map(parse_date).transpose().map_err(|e| ApiError::internal_in("demo data", e))?,
            case_prefix: None,
            wecom_webhook: None,
        };
        store.put_union(&rec, created).await?;
    }
    let mut accounts = Vec::new();
    let mut users = Vec::new();
    for (username, name, union, role, specialties) in ACCOUNTS {
        let pw = password.clone().unwrap_or_else(auth::random_password);
        let rec = UserRecord {
            username: (*username).into(),
            name: (*name).into(),
            union: union.parse().map_err(|_| ApiError::internal(format!("demo union code {union}")))?,
            role: *role,
            password_hash: Some(auth::hash_password(pw.clone()).await?),
            active: true,
            specialties: specialties.to_vec(),
            email: None,
            phone: None,
            notices_off: Vec::new(),
        };
        users.push(store.create_user(&rec, created).await?);
        accounts.push(DemoAccount {
            username: (*username).into(),
            name: (*name).into(),
            role: *role,
            union: (*union).into(),
            password: pw,
        });
    }
    let s = Seeder { store, users };
    let union_id = |code: &str| {
        let code = code.to_owned();
        async move {
            let c = code.parse().map_err(|_| ApiError::internal(format!("demo union code {code}")))?;
            store.union_by_code(&c).await?.map(|u| u.id).ok_or_else(|| ApiError::internal(format!("demo union {code}")))
        }
    };
    let draft = |union_id: i64,
                 kind: Kind,
                 channel: Channel,
                 title: &str,
                 description: &str,
                 people: i64,
                 opened: Timestamp| CaseDraft {
        union_id,
        kind,
        channel,
        collective: people > 1,
        online: channel == Channel::Online,
        scheduled: false,
        immediate: false,
        people,
        title: title.into(),
        description: description.into(),
        anonymous: false,
        worker_name: None,
        contact: None,
        worker_user_id: None,
        tracking_code_hash: None,
        notify_worker: false,
        receipt_code: None,
        idempotency: None,
        opened_at: opened,
    };
    // The demo's cases fall in January to March of the latest such months already past.
    let today = created.cst_date();
    let year = chrono::Datelike::year(&today) - i32::from(chrono::Datelike::month(&today) < 4);
    let at = |md: &str| format!("{year}-{md}+08:00");
    let e1 = union_id("jd.s1.e1").await?;
    let e2 = union_id("jd.s1.e2").await?;
    let f1 = union_id("jd.s2.e1").await?;
    let reception = |label: &'static str| Actor { label, user_id: None };

    // 刘师傅 (DOMAIN.md): a work-injury dispute mediated the same day, 30,000 yuan.
    let (code, hash) = new_code();
    let mut d = draft(
        e1,
        Kind::Dispute,
        Channel::Online,
        "工伤赔偿争议",
        "操作失误导致手掌受伤，与企业就工伤赔偿发生争议。",
        1,
        t(&at("02-10T09:00:00"))?,
    );
    d.worker_name = Some("刘师傅".into());
    d.contact = Some("138 0000 0001".into());
    d.tracking_code_hash = Some(hash);
    d.immediate = true;
    let c = store.create_case(&d, reception("worker")).await?;
    let number = c.record.number.to_string();
    let c = s
        .step(
            c,
            "e1reception",
            Command::Accept { kind: None, urgency: Urgency::Urgent, due_on: None },
            &at("02-10T09:20:00"),
        )
        .await?;
    let c = s.step(c, "e1reception", Command::Assign { handler: "mediator".into() }, &at("02-10T09:25:00")).await?;
    let c = s
        .step(
            c,
            "mediator",
            Command::Schedule {
                starts_at: t(&at("02-10T14:00:00"))?,
                place: "纸箱厂工会有约工作室".into(),
                note: "请企业负责人到场".into(),
            },
            &at("02-10T09:30:00"),
        )
        .await?;
    let year_day = |md: &str| parse_date(&format!("{year}-{md}")).map_err(|_| ApiError::internal("demo day"));
    let liu = demo_agreement(
        &["刘师傅"],
        1,
        ("金华某纸箱厂", "王厂长"),
        "因工受伤，请求企业支付工伤赔偿。",
        &[("30000", "刘师傅", year_day("02-10")?)],
        "纸箱厂工会有约工作室",
    )?;
    let c = sign_demo_agreement(
        store,
        &s,
        c,
        &liu,
        year_day("02-10")?,
        t(&at("02-10T17:00:00"))?,
        &[(0, year_day("02-10")?)],
    )
    .await?;
    let outcome = Outcome {
        agreement: Some(true),
        amount_recovered: Some("30000".parse().map_err(|_| ApiError::internal("demo amount"))?),
        adopted: None,
    };
    let c = s
        .step(
            c,
            "mediator",
            Command::Resolve {
                resolution: "双方当日签订调解协议，企业一次性支付赔偿金30000元。".into(), outcome
            },
            &at("02-10T17:30:00"),
        )
        .await?;
    let worker = Acting { role: Role::Worker, is_assigned_handler: false };
    let change = apply(
        &c.record,
        worker,
        Command::Rate { rating: 5, comment: Some("当天就解决了，谢谢工会！".into()) },
        t(&at("02-11T08:00:00"))?,
        &youyue_domain::command::DeadlineRules::default(),
    )?;
    store.save_change(&c, &change, c.handler_id, reception("worker"), t(&at("02-11T08:00:00"))?).await?;

    // A claim just registered from the hotline.
    let mut d = draft(
        e1,
        Kind::Claim,
        Channel::Hotline,
        "加班费计算有疑问",
        "车间上月加班费按平时工资计算，职工询问是否应按1.5倍。",
        1,
        t(&at("03-02T10:00:00"))?,
    );
    d.worker_name = Some("周女士".into());
    d.contact = Some("139 0000 0002".into());
    store.create_case(&d, reception("e1reception")).await?;

    // A collective claim accepted, not yet assigned.
    let d = draft(
        e2,
        Kind::Claim,
        Channel::Reception,
        "高温补贴未发放",
        "冲压车间职工反映今年7月高温补贴未发放。",
        23,
        t(&at("03-05T09:00:00"))?,
    );
    let c = store.create_case(&d, reception("e2reception")).await?;
    s.step(
        c,
        "e2reception",
        Command::Accept { kind: None, urgency: Urgency::Normal, due_on: None },
        &at("03-05T09:30:00"),
    )
    .await?;

    // A wellbeing case in progress with the counsellor; the worker is anonymous.
    let mut d = draft(
        f1,
        Kind::Wellbeing,
        Channel::Mailbox,
        "工作压力大，睡眠不好",
        "最近连续夜班，情绪低落，希望和心理老师聊聊。",
        1,
        t(&at("03-08T20:00:00"))?,
    );
    d.anonymous = true;
    d.contact = Some("微信 worker-0308".into());
    let c = store.create_case(&d, reception("f1reception")).await?;
    let c = s
        .step(
            c,
            "f1reception",
            Command::Accept { kind: None, urgency: Urgency::Normal, due_on: None },
            &at("03-09T08:30:00"),
        )
        .await?;
    let c = s.step(c, "f1reception", Command::Assign { handler: "counsellor".into() }, &at("03-09T08:40:00")).await?;
    s.step(
        c,
        "counsellor",
        Command::Note { text: "已电话联系，约定周四下午面谈。".into(), internal: true },
        &at("03-09T10:00:00"),
    )
    .await?;

    // A collective wage dispute in progress.
    let d = draft(
        e2,
        Kind::Dispute,
        Channel::Forum,
        "拖欠工资",
        "12名职工反映企业拖欠两个月工资。",
        12,
        t(&at("03-10T15:00:00"))?,
    );
    let c = store.create_case(&d, reception("e2reception")).await?;
    let c = s
        .step(
            c,
            "e2reception",
            Command::Accept { kind: None, urgency: Urgency::Urgent, due_on: None },
            &at("03-10T15:10:00"),
        )
        .await?;
    let c = s.step(c, "e2reception", Command::Assign { handler: "mediator".into() }, &at("03-10T15:20:00")).await?;
    // Its agreement: the first half paid on time, the second overdue.
    let wages = demo_agreement(
        &["陈师傅", "周师傅"],
        12,
        ("金华某五金公司", "赵经理"),
        "支付拖欠的两个月工资共 144000 元。",
        &[
            ("96000", "12 名职工（按工资表）", year_day("03-20")?),
            ("48000", "12 名职工（按工资表）", year_day("03-31")?),
        ],
        "五金公司工会有约工作室",
    )?;
    sign_demo_agreement(
        store,
        &s,
        c,
        &wages,
        year_day("03-12")?,
        t(&at("03-12T16:00:00"))?,
        &[(0, year_day("03-19")?)],
    )
    .await?;

    // A suggestion adopted by the enterprise.
    let d = draft(
        e1,
        Kind::Suggestion,
        Channel::Online,
        "增设夜班休息室",
        "建议在二号车间旁增设夜班休息室。",
        1,
        t(&at("01-15T12:00:00"))?,
    );
    let c = store.create_case(&d, reception("worker")).await?;
    let c = s
        .step(
            c,
            "e1chair",
            Command::Accept { kind: None, urgency: Urgency::Normal, due_on: None },
            &at("01-16T09:00:00"),
        )
        .await?;
    let c = s.step(c, "e1chair", Command::Assign { handler: "e1chair".into() }, &at("01-16T09:05:00")).await?;
    s.step(
        c,
        "e1chair",
        Command::Resolve {
            resolution: "企业已采纳，休息室3月投入使用。".into(),
            outcome: Outcome { adopted: Some(true), ..Outcome::default() },
        },
        &at("02-20T16:00:00"),
    )
    .await?;

    // A case the union cannot handle, explained.
    let d = draft(
        f1,
        Kind::Claim,
        Channel::Reception,
        "邻里噪音纠纷",
        "职工反映宿舍外邻居装修噪音。",
        1,
        t(&at("02-25T11:00:00"))?,
    );
    let c = store.create_case(&d, reception("f1reception")).await?;
    s.step(
        c,
        "admin",
        Command::Explain {
            explanation: "此事不属于劳动关系事项，已告知职工向所在社区居委会反映，并提供联系电话。".into(),
        },
        &at("02-25T14:00:00"),
    )
    .await?;

    // A claim resolved with back pay recovered.
    let d = draft(
        f1,
        Kind::Claim,
        Channel::Hotline,
        "试用期工资不足",
        "试用期工资低于约定的80%。",
        1,
        t(&at("01-05T10:00:00"))?,
    );
    let c = store.create_case(&d, reception("f1reception")).await?;
    let c = s
        .step(
            c,
            "f1reception",
            Command::Accept { kind: None, urgency: Urgency::Normal, due_on: None },
            &at("01-05T10:30:00"),
        )
        .await?;
    let c = s.step(c, "f1reception", Command::Assign { handler: "mediator".into() }, &at("01-05T10:35:00")).await?;
    s.step(
        c,
        "mediator",
        Command::Resolve {
            resolution: "经协调，企业补发差额工资4500元。".into(),
            outcome: Outcome {
                amount_recovered: Some("4500".parse().map_err(|_| ApiError::internal("demo amount"))?),
                ..Outcome::default()
            },
        },
        &at("01-12T16:00:00"),
    )
    .await?;

    for (code, text) in [("jd", DISTRICT_ROSTER), ("jd.s1.e1", E1_ROSTER)] {
        let roster: Roster = serde_json::from_str(text).map_err(|e| ApiError::internal_in("demo roster", e))?;
        roster.check().map_err(|e| ApiError::internal_in("demo roster", e))?;
        store.put_roster(union_id(code).await?, &roster, "admin", created).await?;
    }

    // Appointments (约谈) in the district's roster: a mediation held on a Wednesday
    // reception day, a counselling session missed, and a booking to come in the next free
    // slot of the counsellor, booked by the worker with the tracking code.
    let mediation = draft(
        e1,
        Kind::Dispute,
        Channel::Reception,
        "调岗降薪争议",
        "职工被调岗后工资降低三成，要求恢复原岗位。",
        1,
        t(&at("03-02T10:00:00"))?,
    );
    let mediation = store.create_case(&mediation, reception("e1reception")).await?;
    let first_wednesday = |md: &str| -> Result<Timestamp, ApiError> {
        let mut day = t(&at(md))?;
        while chrono::Datelike::weekday(&day.cst_date()) != chrono::Weekday::Wed {
            day = Timestamp::from_micros(day.micros() + 86_400_000_000);
        }
        Ok(day)
    };
    let held_at = first_wednesday("03-03T09:30:00")?;
    let held = appointment(&s, &mediation, "mediator", "mediator", held_at, 30, "区职工服务中心 接待大厅")?;
    let held = store
        .book_appointment(&mediation, s.user("mediator")?.id, &held, staff(&s, "e1chair")?, t(&at("03-02T11:00:00"))?)
        .await?;
    record_outcome(store, &s, &mediation, &held, youyue_domain::appointment::Outcome::Held).await?;

    let care = draft(
        e1,
        Kind::Wellbeing,
        Channel::Hotline,
        "夜班后失眠焦虑",
        "连续夜班后睡不着，情绪低落，希望和心理老师聊聊。",
        1,
        t(&at("03-03T21:00:00"))?,
    );
    let care = store.create_case(&care, reception("hotline1")).await?;
    let mut missed_at = t(&at("03-05T14:00:00"))?;
    while !matches!(
        chrono::Datelike::weekday(&missed_at.cst_date()),
        chrono::Weekday::Tue | chrono::Weekday::Thu | chrono::Weekday::Sat
    ) {
        missed_at = Timestamp::from_micros(missed_at.micros() + 86_400_000_000);
    }
    let missed = appointment(&s, &care, "counsellor", "counsellor", missed_at, 50, "区职工服务中心 心理咨询室")?;
    let missed = store
        .book_appointment(&care, s.user("counsellor")?.id, &missed, staff(&s, "e1chair")?, t(&at("03-04T09:00:00"))?)
        .await?;
    record_outcome(store, &s, &care, &missed, youyue_domain::appointment::Outcome::NoShow).await?;

    // The sample case's worker has booked the counsellor's next free slot online.
    let e1_union = store.union_by_id(e1).await?.ok_or_else(|| ApiError::internal("demo union jd.s1.e1"))?;
    let (from, to) = (created.cst_date(), created.cst_date() + chrono::Duration::days(13));
    let shifts = crate::service::roster::shifts_serving(store, &e1_union, from, to).await?;
    let windows: Vec<youyue_domain::appointment::Window> = shifts
        .into_iter()
        .filter(|w| w.user == "counsellor2")
        .map(|w| youyue_domain::appointment::Window {
            specialty: "counsellor".into(),
            user: w.user,
            name: w.name,
            starts_at: w.starts_at,
            ends_at: w.ends_at,
            place: w.place,
            online: w.online,
            slot_minutes: w.slot_minutes,
        })
        .collect();
    let later = Timestamp::from_micros(created.micros() + 86_400_000_000);
    if let Some(slot) = youyue_domain::appointment::free_slots(&windows, &[], later).first() {
        let online =
            draft(e1, Kind::Wellbeing, Channel::Online, "工作压力大", "新岗位压力很大，想找人聊聊。", 1, created);
        let (_, hash) = new_code();
        let online =
            store.create_case(&CaseDraft { tracking_code_hash: Some(hash), ..online }, reception("worker")).await?;
        let mut a = appointment(&s, &online, "counsellor2", "counsellor", slot.starts_at, 50, "")?;
        a.online = true;
        a.link = Some("https://meeting.example.org/jd-care".into());
        a.booked_by = "worker".into();
        a.changed_by = "worker".into();
        store.book_appointment(&online, s.user("counsellor2")?.id, &a, reception("worker"), created).await?;
    }

    Ok(DemoSeed { accounts, sample_case: Some((number, code)) })
}

/// A demo agreement with the district mediator.
fn demo_agreement(
    workers: &[&str],
    count: i64,
    (enterprise, representative): (&str, &str),
    claims: &str,
    terms: &[(&str, &str, chrono::NaiveDate)],
    place: &str,
) -> Result<youyue_domain::agreement::Agreement, ApiError> {
    use youyue_domain::agreement::{Agreement, Mediator, Parties, Term};
    let mut ts = Vec::new();
    for (amount, payee, due_on) in terms {
        let amount = amount.parse().map_err(|_| ApiError::internal("demo amount"))?;
        ts.push(Term { amount, payee: (*payee).into(), due_on: *due_on, payment: None });
    }
    Ok(Agreement {
        parties: Parties {
            workers: workers.iter().map(|w| (*w).to_owned()).collect(),
            workers_count: count,
            enterprise: enterprise.into(),
            representative: representative.into(),
        },
        worker_claims: claims.into(),
        enterprise_claims: String::new(),
        terms: ts,
        waived: Vec::new(),
        other_terms: Vec::new(),
        mediators: vec![Mediator { name: "区总工会调解员".into(), username: Some("mediator".into()) }],
        place: place.into(),
        signed_on: None,
    })
}

/// Records, signs and pays a demo agreement (as the mediator, at `at`), its entries in the
/// case's record book as the API writes them.
async fn sign_demo_agreement(
    store: &dyn Store,
    s: &Seeder<'_>,
    case: StoredCase,
    draft: &youyue_domain::agreement::Agreement,
    signed_on: chrono::NaiveDate,
    at: Timestamp,
    payments: &[(usize, chrono::NaiveDate)],
) -> Result<StoredCase, ApiError> {
    use serde_json::json;
    use youyue_store::AgreementEntry;
    let user = s.user("mediator")?;
    let actor = || Actor { label: &user.username, user_id: Some(user.id) };
    let entry = AgreementEntry { action: "agreement", detail: json!({ "agreement": { "terms": draft.terms.len() } }) };
    let mut stored = store.save_agreement(&case, draft, None, &entry, actor(), at).await?;
    let signed = stored.agreement.sign(signed_on, signed_on, case.record.opened_at.cst_date())?;
    let entry = AgreementEntry {
        action: "agreement_sign",
        detail: json!({ "signed_on": signed_on.to_string(), "money_agreed": signed.total().to_string() }),
    };
    stored = store.save_agreement(&case, &signed, Some(stored.version), &entry, actor(), at).await?;
    for (index, paid_on) in payments {
        let amount = stored.agreement.terms.get(*index).map(|t| t.amount).unwrap_or_default();
        let paid =
            stored.agreement.pay(*index, youyue_domain::agreement::Payment { paid_on: *paid_on, amount }, *paid_on)?;
        let entry = AgreementEntry {
            action: "agreement_payment",
            detail: json!({ "term": index, "paid_on": paid_on.to_string(), "amount": amount.to_string() }),
        };
        stored = store.save_agreement(&case, &paid, Some(stored.version), &entry, actor(), at).await?;
    }
    // The case as it now stands (its record book is longer).
    store.case_by_number(&case.record.number).await?.ok_or_else(|| ApiError::internal("demo case"))
}
