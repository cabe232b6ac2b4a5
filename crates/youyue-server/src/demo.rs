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
    s.step(c, "e2reception", Command::Assign { handler: "mediator".into() }, &at("03-10T15:20:00")).await?;

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

    Ok(DemoSeed { accounts, sample_case: Some((number, code)) })
}
