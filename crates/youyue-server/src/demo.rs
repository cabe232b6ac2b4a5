//! The demo district (`youyue serve --demo`): a district union, two street unions, four
//! enterprise unions with studios, staff accounts, and cases in every state, so that a
//! first run has something to look at. Only ever written into an empty database.

use crate::auth;
use crate::error::ApiError;
use rand::RngCore;
use youyue_domain::case::{Channel, Kind, Outcome, Urgency};
use youyue_domain::command::{apply, Command};
use youyue_domain::exchange::{UnionRecord, UserRecord};
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

const ACCOUNTS: &[(&str, &str, &str, Role)] = &[
    ("admin", "区总工会管理员", "jd", Role::Admin),
    ("mediator", "区劳动关系协调员 王老师", "jd", Role::Handler),
    ("counsellor", "心理咨询师 陈老师", "jd", Role::Handler),
    ("s1chair", "多湖街道工会主席", "jd.s1", Role::Chair),
    ("e1chair", "纸箱厂工会主席", "jd.s1.e1", Role::Chair),
    ("e1reception", "纸箱厂接待员 李", "jd.s1.e1", Role::Receptionist),
    ("e2reception", "五金公司接待员 张", "jd.s1.e2", Role::Receptionist),
    ("f1reception", "食品公司接待员 赵", "jd.s2.e1", Role::Receptionist),
];

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
    for (username, name, union, role) in ACCOUNTS {
        let pw = password.clone().unwrap_or_else(auth::random_password);
        let rec = UserRecord {
            username: (*username).into(),
            name: (*name).into(),
            union: union.parse().map_err(|_| ApiError::internal(format!("demo union code {union}")))?,
            role: *role,
            password_hash: Some(auth::hash_password(pw.clone()).await?),
            active: true,
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
