//! Text search through the gram index: it finds exactly the cases the substring match
//! finds, counts very many matches only so far, follows text that changes, and is built for
//! data that predates it.

use crate::harness::{district_jsonl, import_text, Backend, TestDb};
use serde_json::{json, Value};
use std::collections::BTreeSet;
use youyue_domain::command::Change;
use youyue_domain::{Action, Kind, Status, Timestamp};
use youyue_store::{CaseQuery, Store};

const TEXTS: [&str; 10] = [
    "拖欠工资三个月",
    "公司不支付加班费",
    "ABC公司拖欠工资",
    "工伤认定",
    "心理压力大",
    "建议食堂改善伙食",
    "Ärger mit dem Chef",
    "工资",
    "资",
    "扣了100%_的奖金",
];

/// A case line: number i, opened i half-days after 2020-01-01 09:00 China time (so that the
/// cases span years and months, newest last), closed an hour later, in the given union.
pub(crate) fn case_line(i: usize, union: &str, title: &str, description: &str) -> String {
    let mut v: Value = serde_json::from_str(crate::exchange::GOOD_CASE).unwrap();
    let opened = chrono::NaiveDate::from_ymd_opt(2020, 1, 1).unwrap().and_hms_opt(9, 0, 0).unwrap()
        + chrono::Duration::hours(12 * i as i64);
    let at = |t: chrono::NaiveDateTime| format!("{}+08:00", t.format("%Y-%m-%dT%H:%M:%S"));
    v["number"] = json!(format!("JD-2022-{i:06}"));
    v["union"] = json!(union);
    v["title"] = json!(title);
    v["description"] = json!(description);
    v["opened_at"] = json!(at(opened));
    v["closed_at"] = json!(at(opened + chrono::Duration::hours(1)));
    v.to_string()
}

fn everything() -> CaseQuery {
    CaseQuery { within: "/".into(), limit: 100_000, ..CaseQuery::default() }
}

async fn numbers(store: &dyn Store, q: &CaseQuery) -> (Vec<String>, i64, bool) {
    let page = store.list_cases(q).await.unwrap();
    (page.cases.iter().map(|c| c.record.number.to_string()).collect(), page.total, page.total_exact)
}

/// A case as the test made it, to find the expected matches without the store.
struct Made {
    i: usize,
    union: &'static str,
    kind: Kind,
    status: Status,
    handler: Option<&'static str>,
    title: String,
    description: String,
}

fn made(i: usize) -> Made {
    let unions = ["jd.s1.e1", "jd.s1.e2", "jd.s2.e1"];
    let kind = [Kind::Claim, Kind::Dispute, Kind::Wellbeing, Kind::Suggestion][i % 4];
    Made {
        i,
        union: unions[i % 3],
        kind,
        status: if i.is_multiple_of(2) { Status::InProgress } else { Status::Resolved },
        handler: (i % 8 == 2).then_some("mediator"),
        title: TEXTS[i % TEXTS.len()].to_owned(),
        description: TEXTS[(i * 7 + 3) % TEXTS.len()].to_owned(),
    }
}

impl Made {
    fn line(&self) -> String {
        let mut v: Value =
            serde_json::from_str(&case_line(self.i, self.union, &self.title, &self.description)).unwrap();
        v["kind"] = json!(self.kind.as_str());
        v["status"] = json!(self.status.as_str());
        v["handler"] = json!(self.handler);
        for field in ["agreement", "amount_recovered", "rating"] {
            v[field] = Value::Null;
        }
        if self.status.is_open() {
            v["closed_at"] = Value::Null;
        }
        v.to_string()
    }

    fn number(&self) -> String {
        format!("JD-2022-{:06}", self.i)
    }
}

/// A list's filters as the test checks them.
#[derive(Clone, Copy)]
struct Variant {
    name: &'static str,
    within: &'static str,
    open_only: bool,
    status: Option<Status>,
    kind: Option<Kind>,
    /// The viewer sees wellbeing cases only if assigned to mediator.
    hides_wellbeing: bool,
}

const VARIANTS: [Variant; 6] = [
    Variant { name: "province", within: "jd", open_only: false, status: None, kind: None, hides_wellbeing: false },
    Variant { name: "street", within: "jd.s1", open_only: false, status: None, kind: None, hides_wellbeing: false },
    Variant { name: "open", within: "jd", open_only: true, status: None, kind: None, hides_wellbeing: false },
    Variant {
        name: "in progress",
        within: "jd",
        open_only: false,
        status: Some(Status::InProgress),
        kind: None,
        hides_wellbeing: false,
    },
    Variant {
        name: "hidden wellbeing",
        within: "jd",
        open_only: false,
        status: None,
        kind: None,
        hides_wellbeing: true,
    },
    Variant {
        name: "claims",
        within: "jd.s1",
        open_only: false,
        status: None,
        kind: Some(Kind::Claim),
        hides_wellbeing: false,
    },
];

async fn the_index_finds_what_the_match_finds(backend: Backend) {
    let db = TestDb::new(backend).await;
    let store = youyue_store::open(&db.url).await.unwrap();
    // 2,400 cases: more than a search counts at once (1,000), so that the whole province,
    // the street of 1,600 and the 1,200 open or in progress are searched through the index,
    // and the narrower lists read their cases one by one.
    let mut cases: Vec<Made> = (1..=2_400).map(made).collect();
    let mut lines = district_jsonl();
    for c in &cases {
        lines.push_str(&c.line());
        lines.push('\n');
    }
    import_text(store.as_ref(), &lines).await.unwrap();
    let mediator = store.user_by_username("mediator").await.unwrap().unwrap().id;
    let path = |code: &'static str| {
        let store = store.clone();
        async move { store.union_by_code(&code.parse().unwrap()).await.unwrap().unwrap().path }
    };
    let (jd, s1) = (path("jd").await, path("jd.s1").await);
    // The match as each database lowers: SQLite's LOWER only ASCII letters, PostgreSQL's all.
    let fold = |s: &str| if backend == Backend::Sqlite { s.to_ascii_lowercase() } else { s.to_lowercase() };
    let mut queries: BTreeSet<String> =
        ["薪资", "0%", "%_", "_", "Är", "är", "abc", "ABC公", "c公司拖", "ç", "工资三个月拖欠", " 工资 "]
            .into_iter()
            .map(str::to_owned)
            .collect();
    for text in TEXTS {
        let chars: Vec<char> = text.chars().collect();
        for i in 0..chars.len() {
            for j in i + 1..=(i + 2).min(chars.len()) {
                queries.insert(chars[i..j].iter().collect());
            }
        }
    }
    let check = |cases: &[Made], q: &str, v: &Variant, within: &str| {
        // The store trims a query.
        let lowered = q.trim().to_lowercase();
        let mut want: Vec<&Made> = cases
            .iter()
            .filter(|c| {
                (v.within == "jd" || c.union.starts_with(&format!("{}.", v.within)))
                    && (fold(&c.title).contains(&lowered) || fold(&c.description).contains(&lowered))
                    && (!v.open_only || c.status.is_open())
                    && v.status.is_none_or(|s| s == c.status)
                    && v.kind.is_none_or(|k| k == c.kind)
                    && (!v.hides_wellbeing || c.kind != Kind::Wellbeing || c.handler == Some("mediator"))
            })
            .collect();
        want.sort_by_key(|c| std::cmp::Reverse(c.i));
        let query = CaseQuery {
            text: Some(q.to_owned()),
            within: within.to_owned(),
            open_only: v.open_only,
            status: v.status,
            kind: v.kind,
            wellbeing_only_handler: v.hides_wellbeing.then_some(mediator),
            limit: 25,
            ..CaseQuery::default()
        };
        let first: Vec<String> = want.iter().take(25).map(|c| c.number()).collect();
        let total = want.len() as i64;
        (query, first, if total > 1000 { (1000, false) } else { (total, true) })
    };
    for q in queries.iter().filter(|q| !q.trim().is_empty()) {
        for v in &VARIANTS {
            let within = if v.within == "jd" { &jd } else { &s1 };
            let (query, first, total) = check(&cases, q, v, within);
            let (got, n, exact) = numbers(store.as_ref(), &query).await;
            assert_eq!((got, (n, exact)), (first, total), "{q:?} in the {} list", v.name);
        }
    }
    // The inbox's tab counts for a search: per status, exact, or only "at least" (never
    // more than there are).
    for q in ["工资", "资", "拖欠工资", "abc", "心理", "薪资"] {
        for v in VARIANTS.iter().filter(|v| v.status.is_none() && !v.open_only) {
            let within = if v.within == "jd" { &jd } else { &s1 };
            let (query, _, _) = check(&cases, q, v, within);
            let got = store.count_by_status(&CaseQuery { limit: 0, ..query.clone() }).await.unwrap();
            let mut want = std::collections::BTreeMap::new();
            for status in Status::ALL {
                let (_, _, (n, exact)) = check(&cases, q, &Variant { status: Some(*status), ..*v }, within);
                assert!(exact, "{q:?}: a status of the test's holds fewer than a thousand");
                want.insert(status.as_str().to_owned(), n);
            }
            let total: i64 = want.values().sum();
            if got.exact {
                assert_eq!((got.by_status, got.at_least), (want, total), "{q:?} in the {} list", v.name);
            } else {
                assert!(got.at_least >= 1000 && got.at_least <= total, "{q:?} in the {} list: {got:?}", v.name);
            }
        }
    }
    // A change to what a case is filed under: case 1 (a resolved dispute of jd.s1.e2)
    // becomes a wellbeing case in progress about a deposit, then is assigned.
    let find = |text: &str, v: &Variant| {
        let within = if v.within == "jd" { jd.clone() } else { s1.clone() };
        CaseQuery {
            text: Some(text.into()),
            within,
            open_only: v.open_only,
            wellbeing_only_handler: v.hides_wellbeing.then_some(mediator),
            ..everything()
        }
    };
    let stored = store.case_by_number(&cases[0].number().parse().unwrap()).await.unwrap().unwrap();
    let mut record = stored.record.clone();
    (record.title, record.kind, record.status, record.closed_at) =
        ("押金不退".into(), Kind::Wellbeing, Status::InProgress, None);
    let change = Change { case: record, action: Action::Reopen, internal: true, detail: json!({}) };
    let actor = youyue_store::Actor { label: "jd.admin", user_id: None };
    let stored = store.save_change(&stored, &change, None, actor.clone(), Timestamp::now()).await.unwrap();
    let one = vec![cases[0].number()];
    assert_eq!(numbers(store.as_ref(), &find("押金", &VARIANTS[2])).await.0, one, "open now");
    assert!(numbers(store.as_ref(), &find("押金", &VARIANTS[4])).await.0.is_empty(), "hidden now");
    assert!(!numbers(store.as_ref(), &find(&TEXTS[1 % TEXTS.len()][..6], &VARIANTS[0])).await.0.contains(&one[0]));
    let change = Change { case: stored.record.clone(), action: Action::Assign, internal: true, detail: json!({}) };
    store.save_change(&stored, &change, Some(mediator), actor, Timestamp::now()).await.unwrap();
    assert_eq!(numbers(store.as_ref(), &find("押金", &VARIANTS[4])).await.0, one, "assigned to the viewer");
    cases[0] = Made {
        kind: Kind::Wellbeing,
        status: Status::InProgress,
        handler: Some("mediator"),
        title: "押金不退".into(),
        ..made(1)
    };
    // A union that moves is searched under its new parent.
    let moved =
        r#"{"type":"union","code":"jd.s1.e2","name":"五金公司工会","parent":"jd.s2","studio_opened_on":"2021-05-18"}"#;
    import_text(store.as_ref(), moved).await.unwrap();
    let s2 = path("jd.s2").await;
    for c in cases.iter_mut().filter(|c| c.union == "jd.s1.e2") {
        c.union = "jd.s2.e9";
    }
    let street = Variant { within: "jd.s2", ..VARIANTS[1] };
    for q in ["工资", "加班", "押金", "心理"] {
        let (query, first, total) = check(&cases, q, &street, &s2);
        assert_eq!((numbers(store.as_ref(), &query).await,), ((first.clone(), total.0, total.1),), "{q:?} under jd.s2");
        let (query, first, total) = check(&cases, q, &VARIANTS[1], &s1);
        assert_eq!((numbers(store.as_ref(), &query).await,), ((first, total.0, total.1),), "{q:?} under jd.s1");
    }
    // A store whose index a migration left empty fills it when it opens.
    drop(store);
    let unbuild = ["DELETE FROM case_grams", "UPDATE search_state SET built = FALSE"];
    match backend {
        Backend::Sqlite => {
            let pool = sqlx::SqlitePool::connect(&db.url).await.unwrap();
            for s in unbuild {
                sqlx::query(s).execute(&pool).await.unwrap();
            }
            pool.close().await;
        }
        Backend::Postgres => {
            let pool = sqlx::PgPool::connect(&db.url).await.unwrap();
            for s in unbuild {
                sqlx::query(s).execute(&pool).await.unwrap();
            }
            pool.close().await;
        }
    }
    let store = youyue_store::open(&db.url).await.unwrap();
    for q in ["押金", "心理", "工资", "资"] {
        for v in &VARIANTS {
            let within = if v.within == "jd" { &jd } else { &s1 };
            let (query, first, total) = check(&cases, q, v, within);
            let (got, n, exact) = numbers(store.as_ref(), &query).await;
            assert_eq!((got, (n, exact)), (first, total), "{q:?} in the {} list after the index was filled", v.name);
        }
    }
}
both!(the_index_finds_what_the_match_finds);

async fn very_many_matches_are_counted_only_so_far(backend: Backend) {
    let db = TestDb::new(backend).await;
    let store = youyue_store::open(&db.url).await.unwrap();
    let mut lines = district_jsonl();
    for i in 1..=1_150 {
        // Every case mentions wages but one in fifty, and those in another union.
        let (union, text) = if i % 50 == 0 { ("jd.s2.e1", "加班费") } else { ("jd.s1.e1", "拖欠工资") };
        lines.push_str(&case_line(i, union, "求助", text));
        lines.push('\n');
    }
    import_text(store.as_ref(), &lines).await.unwrap();
    let s2 = store.union_by_code(&"jd.s2".parse().unwrap()).await.unwrap().unwrap().path;
    let newest_first: Vec<String> =
        (1..=1_150).rev().filter(|i| i % 50 != 0).map(|i| format!("JD-2022-{i:06}")).collect();
    let wages = CaseQuery { text: Some("工资".into()), within: "/".into(), limit: 20, ..CaseQuery::default() };
    // 1,127 matches: past the first thousand the list says "at least", and still pages.
    let (first, total, exact) = numbers(store.as_ref(), &wages).await;
    assert_eq!((total, exact), (1000, false));
    assert_eq!(first, newest_first[..20]);
    let later = CaseQuery { offset: 500, ..wages.clone() };
    assert_eq!(numbers(store.as_ref(), &later).await.0, newest_first[500..520]);
    // The last page reaches past a thousand: the count goes as far, and is exact.
    let last = CaseQuery { offset: 1_120, ..wages.clone() };
    let (got, total, exact) = numbers(store.as_ref(), &last).await;
    assert_eq!((got.as_slice(), total, exact), (&newest_first[1_120..], 1_127, true));
    // Oldest first, and a narrower subtree, walk or look up as their counts say.
    let oldest = CaseQuery { sort: youyue_store::CaseSort::Oldest, ..wages.clone() };
    let mut oldest_first = newest_first.clone();
    oldest_first.reverse();
    assert_eq!(numbers(store.as_ref(), &oldest).await.0, oldest_first[..20]);
    let elsewhere = CaseQuery { text: Some("加班".into()), within: s2, ..wages };
    let (got, total, exact) = numbers(store.as_ref(), &elsewhere).await;
    assert_eq!((got.len(), total, exact), (20, 23, true));
}
both!(very_many_matches_are_counted_only_so_far);

/// A case number as staff say it finds the case: in lower case, without dashes, with spaces,
/// or only its tail ("000003", "2022-000003"); a tail finds that sequence in every year
/// within what the caller may see, and nothing outside it.
async fn numbers_as_staff_say_them(backend: Backend) {
    let db = TestDb::new(backend).await;
    let store = youyue_store::open(&db.url).await.unwrap();
    let mut lines = district_jsonl();
    for i in 1..=12 {
        let union = if i == 7 { "jd.s2.e1" } else { "jd.s1.e1" };
        lines.push_str(&case_line(i, union, "求助", "拖欠工资 000003 号"));
        lines.push('\n');
    }
    // The same sequence in another year.
    lines.push_str(&case_line(3, "jd.s1.e1", "求助", "另一年").replace("JD-2022-000003", "JD-2023-000003"));
    lines.push('\n');
    import_text(store.as_ref(), &lines).await.unwrap();
    let s1 = store.union_by_code(&"jd.s1".parse().unwrap()).await.unwrap().unwrap().path;
    let found = |text: &str, within: &str| {
        let q = CaseQuery { text: Some(text.into()), within: within.into(), limit: 20, ..CaseQuery::default() };
        let store = store.clone();
        async move {
            let (mut got, total, exact) = numbers(store.as_ref(), &q).await;
            assert_eq!((total, exact), (got.len() as i64, true), "{:?}", q.text);
            got.sort();
            got
        }
    };
    for said in ["JD-2022-000005", "jd-2022-000005", "jd 2022 000005", "JD2022000005", "jd-2022-5"] {
        assert_eq!(found(said, "/").await, ["JD-2022-000005"], "{said}");
    }
    assert_eq!(found("000003", "/").await, ["JD-2022-000003", "JD-2023-000003"]);
    assert_eq!(found("2023-000003", "/").await, ["JD-2023-000003"]);
    // The tail of a case outside the caller's subtree finds nothing there.
    assert_eq!(found("000007", "/").await, ["JD-2022-000007"]);
    assert!(found("000007", &s1).await.is_empty());
    assert!(found("jd-2022-000007", &s1).await.is_empty());
    // A number never given, and words, are not numbers.
    assert!(found("000099", "/").await.is_empty());
    assert_eq!(found("工资", "/").await.len(), 12);
}
both!(numbers_as_staff_say_them);
