//! The `stats` figures on a hand-made data set whose right answers are written here, on
//! both databases: period edges at midnight China time, subtree roll-ups, other top-level
//! unions left out; and the SQL checked against the domain's reference definition on
//! generated data.

use crate::harness::{import_text, Backend, TestDb};
use chrono::NaiveDate;
use serde_json::{json, Value};
use youyue_domain::stats::{CaseFacts, Stats};
use youyue_domain::Period;

fn union(code: &str, parent: Option<&str>, studio: Option<&str>) -> Value {
    let mut u = json!({"type":"union","code":code,"name":format!("{code} 工会"),"parent":parent});
    if let Some(s) = studio {
        u["studio_opened_on"] = json!(s);
    }
    u
}

#[allow(clippy::too_many_arguments)]
fn case(
    n: u32,
    union: &str,
    kind: &str,
    status: &str,
    opened: &str,
    closed: Option<&str>,
    people: i64,
    amount: Option<&str>,
    adopted: Option<bool>,
) -> Value {
    let prefix = if union.starts_with("yw") { "YW" } else { "JD" };
    let mut c = json!({
        "type":"case","number":format!("{prefix}-2022-{n:06}"),"union":union,"kind":kind,"channel":"reception",
        "collective":people > 1,"online":false,"scheduled":false,"people":people,"title":format!("case {n}"),
        "description":"","anonymous":false,"opened_at":opened,"status":status,
    });
    if let Some(c2) = closed {
        c["closed_at"] = json!(c2);
    }
    if let Some(a) = amount {
        c["amount_recovered"] = json!(a);
    }
    if kind == "dispute" && status == "resolved" {
        c["agreement"] = json!(true);
    }
    if let Some(a) = adopted {
        c["adopted"] = json!(a);
    }
    if status == "explained" {
        c["explanation"] = json!("不属于工会职能");
    }
    c
}

pub fn figures_jsonl() -> String {
    let lines = vec![
        union("jd", None, None),
        union("jd.a", Some("jd"), None),
        union("jd.b", Some("jd"), None),
        union("jd.a.x", Some("jd.a"), Some("2022-01-01")),
        union("jd.a.y", Some("jd.a"), Some("2022-06-30")),
        union("jd.b.z", Some("jd.b"), Some("2023-01-01")),
        union("yw", None, Some("2020-01-01")),
        // 1: closed exactly at the first midnight (China time) of the period: in.
        case(
            1,
            "jd.a.x",
            "dispute",
            "resolved",
            "2021-12-20T10:00:00+08:00",
            Some("2022-01-01T00:00:00+08:00"),
            3,
            Some("1000.50"),
            None,
        ),
        // 2: closed one second before it, written in UTC: out.
        case(
            2,
            "jd.a.x",
            "dispute",
            "resolved",
            "2021-12-01T10:00:00+08:00",
            Some("2021-12-31T15:59:59Z"),
            4,
            Some("9"),
            None,
        ),
        // 3: closed in the last microsecond of the period: in.
        case(
            3,
            "jd.a.y",
            "dispute",
            "resolved",
            "2022-03-01T10:00:00+08:00",
            Some("2022-12-31T15:59:59.999999Z"),
            2,
            Some("200"),
            None,
        ),
        // 4: closed at the midnight ending the period: out (but opened in it).
        case(
            4,
            "jd.a.y",
            "dispute",
            "resolved",
            "2022-12-01T10:00:00+08:00",
            Some("2022-12-31T16:00:00Z"),
            5,
            Some("7"),
            None,
        ),
        // 5: an explained dispute is not mediated.
        case(
            5,
            "jd.a.x",
            "dispute",
            "explained",
            "2022-04-01T10:00:00+08:00",
            Some("2022-04-02T10:00:00+08:00"),
            6,
            None,
            None,
        ),
        case(
            6,
            "jd.b.z",
            "claim",
            "resolved",
            "2022-05-01T10:00:00+08:00",
            Some("2022-05-03T10:00:00+08:00"),
            1,
            Some("50.05"),
            None,
        ),
        case(
            7,
            "jd.b",
            "claim",
            "resolved",
            "2022-05-01T10:00:00+08:00",
            Some("2022-05-03T10:00:00-05:00"),
            1,
            None,
            None,
        ),
        case(
            8,
            "jd.b.z",
            "suggestion",
            "resolved",
            "2022-06-01T10:00:00+08:00",
            Some("2022-06-05T10:00:00+08:00"),
            1,
            None,
            Some(true),
        ),
        case(
            9,
            "jd.a.x",
            "suggestion",
            "resolved",
            "2022-06-01T10:00:00+08:00",
            Some("2022-06-05T10:00:00+08:00"),
            1,
            None,
            Some(false),
        ),
        // 10: opened at the first midnight, written in UTC: in.
        case(10, "jd.a.y", "suggestion", "in_progress", "2021-12-31T16:00:00Z", None, 1, None, None),
        // 11: opened at the midnight after the period: out.
        case(
            11,
            "jd.a.y",
            "suggestion",
            "resolved",
            "2023-01-01T00:00:00+08:00",
            Some("2023-01-02T00:00:00+08:00"),
            1,
            None,
            Some(true),
        ),
        // 12: money recovered counts for any kind resolved.
        case(
            12,
            "jd.b",
            "wellbeing",
            "resolved",
            "2022-07-01T10:00:00+08:00",
            Some("2022-07-02T10:00:00+08:00"),
            1,
            Some("100"),
            None,
        ),
        // 13: another top-level union: never in jd's figures.
        case(
            13,
            "yw",
            "dispute",
            "resolved",
            "2022-07-01T10:00:00+08:00",
            Some("2022-07-02T10:00:00+08:00"),
            9,
            Some("999"),
            None,
        ),
        case(14, "jd.a.y", "dispute", "in_progress", "2022-08-01T10:00:00+08:00", None, 1, None, None),
    ];
    lines.iter().map(|l| format!("{l}\n")).collect()
}

fn d(s: &str) -> NaiveDate {
    youyue_domain::time::parse_date(s).unwrap()
}

async fn stats_of(store: &dyn youyue_store::Store, code: &str, from: &str, to: &str) -> Stats {
    let u = store.union_by_code(&code.parse().unwrap()).await.unwrap().unwrap();
    store.stats(&u, Period::new(d(from), d(to)).unwrap()).await.unwrap()
}

async fn hand_made_figures(backend: Backend) {
    let db = TestDb::new(backend).await;
    let store = youyue_store::open(&db.url).await.unwrap();
    import_text(store.as_ref(), &figures_jsonl()).await.unwrap();

    let s = stats_of(store.as_ref(), "jd", "2022-01-01", "2022-12-31").await;
    assert_eq!(s.studios, 2, "x and y opened by the end; z opens 2023");
    assert_eq!((s.disputes_mediated, s.people_involved), (2, 5));
    assert_eq!(s.amount_recovered.to_string(), "1350.55");
    assert_eq!(s.claims_resolved, 2);
    assert_eq!((s.suggestions, s.suggestions_adopted), (3, 1));
    assert_eq!((s.cases_resolved, s.cases_explained), (7, 1));
    assert_eq!(s.cases_opened, 10);
    assert_eq!(s.opened_by_kind["dispute"], 4);
    assert_eq!(s.opened_by_kind["claim"], 2);
    assert_eq!(s.opened_by_kind["suggestion"], 3);
    assert_eq!(s.opened_by_kind["wellbeing"], 1);
    assert_eq!(s.opened_by_channel["reception"], 10);
    assert_eq!(s.opened_by_channel["online"], 0);
    assert_eq!(s.opened_by_status["in_progress"], 2);
    assert_eq!(s.opened_by_status["resolved"], 7);
    assert_eq!(s.opened_by_status["explained"], 1);
    assert_eq!(s.opened_by_status["registered"], 0);

    // A subtree: jd.a only.
    let a = stats_of(store.as_ref(), "jd.a", "2022-01-01", "2022-12-31").await;
    assert_eq!((a.studios, a.disputes_mediated, a.people_involved), (2, 2, 5));
    assert_eq!(a.amount_recovered.to_string(), "1200.50");
    assert_eq!((a.claims_resolved, a.suggestions, a.suggestions_adopted), (0, 2, 0));

    // One day at each edge.
    let last = stats_of(store.as_ref(), "jd", "2022-12-31", "2022-12-31").await;
    assert_eq!((last.disputes_mediated, last.people_involved), (1, 2));
    let first = stats_of(store.as_ref(), "jd", "2022-01-01", "2022-01-01").await;
    assert_eq!((first.disputes_mediated, first.suggestions, first.cases_opened), (1, 1, 1));
    let before = stats_of(store.as_ref(), "jd", "2021-12-31", "2021-12-31").await;
    assert_eq!((before.disputes_mediated, before.people_involved), (1, 4));
    assert_eq!(before.studios, 0);
    // A claim closed at 10:00 on 3 May in UTC−5 is 23:00 in China: still 3 May.
    let may3 = stats_of(store.as_ref(), "jd", "2022-05-03", "2022-05-03").await;
    assert_eq!(may3.claims_resolved, 2);
    let next = stats_of(store.as_ref(), "jd", "2023-01-01", "2023-12-31").await;
    assert_eq!((next.studios, next.suggestions, next.suggestions_adopted, next.disputes_mediated), (3, 1, 1, 1));
    // The other top-level union alone.
    let yw = stats_of(store.as_ref(), "yw", "2022-01-01", "2022-12-31").await;
    assert_eq!((yw.studios, yw.disputes_mediated, yw.people_involved), (1, 1, 9));
    assert_eq!(yw.amount_recovered.to_string(), "999.00");
}
both!(hand_made_figures);

/// A small deterministic generator (no clock, no OS randomness).
struct Lcg(u64);
impl Lcg {
    fn next(&mut self, n: u64) -> u64 {
        self.0 = self.0.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
        (self.0 >> 33) % n
    }
}

async fn sql_matches_reference_definition(backend: Backend) {
    use youyue_domain::appraisal::VoteSummary;
    use youyue_domain::timeliness::{TimeFacts, Timeliness};
    let db = TestDb::new(backend).await;
    let store = youyue_store::open(&db.url).await.unwrap();
    let mut rng = Lcg(20260302);
    let codes = ["jd", "jd.a", "jd.b", "jd.a.x", "jd.a.y", "jd.b.z"];
    let unions = [
        union("jd", None, None),
        union("jd.a", Some("jd"), Some("2021-06-01")),
        union("jd.b", Some("jd"), None),
        union("jd.a.x", Some("jd.a"), Some("2022-01-01")),
        union("jd.a.y", Some("jd.a"), Some("2022-12-31")),
        union("jd.b.z", Some("jd.b"), Some("2023-01-01")),
    ];
    // National Day 2022 (1–7 October off, 8 and 9 October worked): acceptance on time
    // counts working days.
    let mut calendar: Vec<Value> = (1..=7)
        .map(|n| json!({"type":"calendar_day","day":format!("2022-10-{n:02}"),"kind":"holiday","name":"国庆节"}))
        .collect();
    calendar.push(json!({"type":"calendar_day","day":"2022-10-08","kind":"workday","name":"国庆调休"}));
    calendar.push(json!({"type":"calendar_day","day":"2022-10-09","kind":"workday","name":"国庆调休"}));
    let work_calendar = youyue_domain::calendar::WorkCalendar::new(calendar.iter().map(|c| {
        let youyue_domain::exchange::Line::CalendarDay(d) =
            youyue_domain::exchange::Line::parse(&c.to_string()).unwrap()
        else {
            panic!()
        };
        d
    }));
    let kinds = ["claim", "dispute", "wellbeing", "suggestion"];
    let channels = ["hotline", "mailbox", "reception", "forum", "online"];
    let statuses = ["registered", "accepted", "in_progress", "resolved", "explained"];
    let base = youyue_domain::Timestamp::parse_rfc3339("2021-11-01T00:00:00+08:00").unwrap().micros();
    let ts = |us: i64| youyue_domain::Timestamp::from_micros(us).to_rfc3339_cst();
    let mut make = |n: u32| {
        let union = codes[rng.next(6) as usize];
        let kind = kinds[rng.next(4) as usize];
        let status = statuses[rng.next(5) as usize];
        // Times land on whole hours (and some minutes), so that many fall exactly on a midnight.
        let opened = base + (rng.next(24 * 500) as i64) * 3_600_000_000;
        let closed = (status == "resolved" || status == "explained")
            .then(|| opened + (rng.next(24 * 40) as i64) * 3_600_000_000 + rng.next(3) as i64 * 1_800_000_000);
        let accepted = (status != "registered").then(|| opened + rng.next(24 * 6) as i64 * 360_000_000);
        let people = 1 + rng.next(3) as i64;
        let amount =
            (status == "resolved" && rng.next(2) == 0).then(|| format!("{}.{:02}", rng.next(5000), rng.next(100)));
        let adopted = (kind == "suggestion" && status == "resolved").then(|| rng.next(2) == 0);
        let mut c =
            case(n, union, kind, status, &ts(opened), closed.map(ts).as_deref(), people, amount.as_deref(), adopted);
        c["channel"] = json!(channels[rng.next(5) as usize]);
        if kind == "dispute" && status == "resolved" {
            c["agreement"] = json!(rng.next(2) == 0);
        }
        // Half the explained disputes were referred to arbitration (转仲裁).
        if let (true, Some(at)) = (kind == "dispute" && status == "explained" && n.is_multiple_of(2), closed) {
            c["arbitration_commission"] = json!("金东区劳动人事争议仲裁委员会");
            c["referred_on"] = json!(youyue_domain::Timestamp::from_micros(at).cst_date().to_string());
        }
        if let Some(a) = accepted {
            c["accepted_at"] = json!(ts(a));
            c["urgency"] = json!("normal");
            let due = youyue_domain::Timestamp::from_micros(a + rng.next(20) as i64 * 86_400_000_000).cst_date();
            c["due_on"] = json!(due.to_string());
        }
        if closed.is_some() && rng.next(2) == 0 {
            c["rating"] = json!(1 + rng.next(5));
        }
        // Merge (issue 22): one open case in seven joined another (that case's people
        // already count its workers): it counts in no figure.
        if closed.is_none() && n.is_multiple_of(7) {
            c["status"] = json!("merged");
            c["merged_into"] = json!(format!("JD-2022-{:06}", n - 1));
        }
        (union.to_owned(), c)
    };
    let mut cases: Vec<(String, Value)> = (1..=400).map(&mut make).collect();
    let text: String = unions.iter().chain(cases.iter().map(|(_, c)| c)).map(|l| format!("{l}\n")).collect();
    import_text(store.as_ref(), &text).await.unwrap();
    // A second import changes a quarter of the cases (the tallies move with them) and sets
    // the calendar (the tallies are rebuilt).
    for k in (0..400).step_by(4) {
        let n = k as u32 + 1;
        let (u, c) = make(n);
        cases[k] = (u, c);
    }
    let changed: String = (0..400).step_by(4).map(|k| format!("{}\n", cases[k].1)).collect();
    import_text(store.as_ref(), &changed).await.unwrap();
    let facts: Vec<(String, CaseFacts)> = cases
        .iter()
        .map(|(u, c)| {
            let youyue_domain::exchange::Line::Case(r) = youyue_domain::exchange::Line::parse(&c.to_string()).unwrap()
            else {
                panic!()
            };
            (u.clone(), CaseFacts::from(r.as_ref()))
        })
        .collect();
    let studios =
        [("jd.a", "2021-06-01"), ("jd.a.x", "2022-01-01"), ("jd.a.y", "2022-12-31"), ("jd.b.z", "2023-01-01")];
    let check = |cal: youyue_domain::calendar::WorkCalendar, store: std::sync::Arc<dyn youyue_store::Store>| {
        let facts = facts.clone();
        async move {
            for (root, from, to) in [
                ("jd", "2022-01-01", "2022-12-31"),
                ("jd", "2021-11-01", "2023-06-30"),
                ("jd", "2021-11-15", "2023-02-13"),
                ("jd.a", "2022-03-01", "2022-03-31"),
                ("jd.a", "2022-09-20", "2022-10-20"),
                ("jd.b", "2022-12-31", "2023-01-01"),
                ("jd.a.y", "2022-07-15", "2022-07-15"),
                ("jd.a.x", "2021-12-01", "2023-03-31"),
            ] {
                let period = Period::new(d(from), d(to)).unwrap();
                let mut want = Stats::empty(root, period);
                let inside = |code: &str| code == root || code.starts_with(&format!("{root}."));
                for (code, opened) in studios {
                    if inside(code) {
                        want.add_studio(Some(d(opened)));
                    }
                }
                let mine: Vec<&CaseFacts> = facts.iter().filter(|(c, _)| inside(c)).map(|(_, f)| f).collect();
                for f in &mine {
                    want.add_case(f).unwrap();
                }
                let got = stats_of(store.as_ref(), root, from, to).await;
                assert_eq!(got, want, "{root} {from}..{to}");
                let u = store.union_by_code(&root.parse().unwrap()).await.unwrap().unwrap();
                let fig = store.figures(&u, period).await.unwrap();
                assert_eq!(fig.stats, want);
                let time: Vec<TimeFacts> = mine.iter().map(|f| TimeFacts::from(*f)).collect();
                assert_eq!(fig.timeliness, Timeliness::compute(&time, period, &cal), "timeliness {root} {from}..{to}");
                if root == "jd" {
                    assert!(
                        fig.timeliness.accepted > 0 && fig.timeliness.closed_with_deadline > 0,
                        "data exercise timeliness"
                    );
                    assert!(fig.case_ratings.votes > 0);
                }
                let ratings: Vec<i64> = mine
                    .iter()
                    .filter(|f| f.closed_at.is_some_and(|t| period.contains(t)))
                    .filter_map(|f| f.rating)
                    .collect();
                assert_eq!(fig.case_ratings, VoteSummary::of(&ratings), "ratings {root} {from}..{to}");
                let opened: i64 = fig.months.iter().map(|m| m.1).sum();
                let resolved: i64 = fig.months.iter().map(|m| m.2).sum();
                assert_eq!((opened as u64, resolved as u64), (want.cases_opened, want.cases_resolved));
            }
        }
    };
    check(youyue_domain::calendar::WorkCalendar::default(), store.clone()).await;
    // The calendar arrives: acceptance on time is recounted in working days.
    let cal_text: String = calendar.iter().map(|l| format!("{l}\n")).collect();
    import_text(store.as_ref(), &cal_text).await.unwrap();
    check(work_calendar.clone(), store.clone()).await;
    // The inbox's tab counts come from the tallies when only the status narrows the list;
    // they equal the counts read from the cases (with a kind filter, which the tallies
    // cannot answer, summed over the kinds).
    for code in codes {
        let u = store.union_by_code(&code.parse().unwrap()).await.unwrap().unwrap();
        let q = youyue_store::CaseQuery { within: u.path.clone(), limit: 5, ..Default::default() };
        let fast = store.count_by_status(&q).await.unwrap().by_status;
        let mut slow: std::collections::BTreeMap<String, i64> = Default::default();
        for k in youyue_domain::Kind::ALL {
            for (s, n) in
                store.count_by_status(&youyue_store::CaseQuery { kind: Some(*k), ..q.clone() }).await.unwrap().by_status
            {
                *slow.entry(s).or_default() += n;
            }
        }
        assert_eq!(fast, slow, "{code}");
        for status in youyue_domain::Status::ALL {
            let page = store.list_cases(&youyue_store::CaseQuery { status: Some(*status), ..q.clone() }).await.unwrap();
            assert_eq!(page.total, fast[status.as_str()], "{code} {status}");
        }
        // Totals narrowed only by kind or by channel come from the tallies too: the same as
        // counting the cases (for a viewer who may not see every wellbeing case, counted).
        let count = |q: youyue_store::CaseQuery| {
            let store = store.clone();
            async move {
                let listed = store.list_cases(&youyue_store::CaseQuery { limit: 100_000, ..q }).await.unwrap();
                (listed.total, listed.cases.len() as i64)
            }
        };
        for k in youyue_domain::Kind::ALL {
            for hidden in [None, Some(-1)] {
                let (total, rows) =
                    count(youyue_store::CaseQuery { kind: Some(*k), wellbeing_only_handler: hidden, ..q.clone() })
                        .await;
                assert_eq!(total, rows, "{code} {k} {hidden:?}");
            }
        }
        for c in youyue_domain::Channel::ALL {
            for hidden in [None, Some(-1)] {
                let (total, rows) =
                    count(youyue_store::CaseQuery { channel: Some(*c), wellbeing_only_handler: hidden, ..q.clone() })
                        .await;
                assert_eq!(total, rows, "{code} {c} {hidden:?}");
            }
        }
        let open = store.list_cases(&youyue_store::CaseQuery { open_only: true, ..q.clone() }).await.unwrap();
        let want: i64 =
            fast.iter().filter(|(s, _)| youyue_domain::Status::parse(s).unwrap().is_open()).map(|(_, n)| n).sum();
        assert_eq!(open.total, want);
    }
    // Tallies kept in step by every write equal tallies rebuilt from the cases.
    store.rebuild_tallies().await.unwrap();
    check(work_calendar.clone(), store.clone()).await;
    // The same cases and calendar imported at once into an empty database (a rebuild in
    // the import, its indexes set aside): the same figures, the same indexes.
    let fresh = TestDb::new(backend).await;
    let again = youyue_store::open(&fresh.url).await.unwrap();
    let migrated = fresh.index_definitions().await;
    let all: String =
        unions.iter().chain(cases.iter().map(|(_, c)| c)).chain(calendar.iter()).map(|l| format!("{l}\n")).collect();
    import_text(again.as_ref(), &all).await.unwrap();
    assert_eq!(fresh.index_definitions().await, migrated);
    check(work_calendar, again.clone()).await;
}
both!(sql_matches_reference_definition);

/// Every figure's drill-down lists exactly the cases it counts (or sums over), on the
/// hand-made set and on generated data checked against the domain's filter.
async fn drill_down_lists_match_the_figures(backend: Backend) {
    use youyue_domain::figures::{matches, Figure};
    let db = TestDb::new(backend).await;
    let store = youyue_store::open(&db.url).await.unwrap();
    import_text(store.as_ref(), &figures_jsonl()).await.unwrap();
    for (root, from, to) in
        [("jd", "2022-01-01", "2022-12-31"), ("jd.a", "2022-12-31", "2023-01-01"), ("jd", "2021-12-31", "2021-12-31")]
    {
        let period = Period::new(d(from), d(to)).unwrap();
        let u = store.union_by_code(&root.parse().unwrap()).await.unwrap().unwrap();
        let s = store.stats(&u, period).await.unwrap();
        let figures = store.figures(&u, period).await.unwrap();
        let today = youyue_domain::Timestamp::now().cst_date();
        for figure in Figure::ALL {
            let q = youyue_store::CaseQuery {
                within: u.path.clone(),
                figure: Some(figure.filter(period, today)),
                limit: 1000,
                ..Default::default()
            };
            let page = store.list_cases(&q).await.unwrap();
            assert_eq!(page.total as usize, page.cases.len());
            let got = match figure {
                Figure::PeopleInvolved => page.cases.iter().map(|c| c.record.people as u64).sum::<u64>(),
                Figure::AmountRecovered => {
                    page.cases.iter().filter_map(|c| c.record.amount_recovered).map(|m| m.fen() as u64).sum()
                }
                _ => page.total as u64,
            };
            let want = match figure {
                Figure::DisputesMediated => s.disputes_mediated,
                Figure::PeopleInvolved => s.people_involved,
                Figure::AmountRecovered => s.amount_recovered.fen() as u64,
                Figure::ClaimsResolved => s.claims_resolved,
                Figure::Suggestions => s.suggestions,
                Figure::SuggestionsAdopted => s.suggestions_adopted,
                Figure::CasesResolved => s.cases_resolved,
                Figure::CasesExplained => s.cases_explained,
                Figure::CasesOpened => s.cases_opened,
                // The lists behind the rates are their denominators.
                Figure::CasesClosed => s.cases_closed(),
                Figure::CasesAccepted => figures.timeliness.accepted,
                Figure::CasesClosedDue => figures.timeliness.closed_with_deadline,
                Figure::CasesRated => figures.case_ratings.votes,
                Figure::DisputesReferredToArbitration => s.disputes_referred_to_arbitration,
                Figure::AppointmentsHeld => s.appointments_held,
                Figure::AppointmentsNoShow => s.appointments_no_show,
                // No appointments in this set: `appointments.rs` checks these lists.
                Figure::FirstAppointments => 0,
                // No agreements either: `agreement.rs` checks these lists.
                Figure::AgreementsSigned | Figure::AgreementTermsDue | Figure::AgreementTermsOnTime => 0,
            };
            assert_eq!(got, want, "{figure} for {root} {from}..{to}");
            // And the same cases as the domain's reference filter picks.
            let all = store
                .list_cases(&youyue_store::CaseQuery { within: u.path.clone(), limit: 1000, ..Default::default() })
                .await
                .unwrap();
            let reference = all
                .cases
                .iter()
                .filter(|c| {
                    let r = &c.record;
                    // No appointments and no agreements in this set.
                    let f = figure.filter(period, today);
                    matches(&f, &CaseFacts::from(r))
                        && youyue_domain::figures::matches_appointments(&f, &[])
                        && youyue_domain::figures::matches_agreement(&f, None)
                })
                .count();
            assert_eq!(reference, page.cases.len(), "{figure}: SQL and the domain's filter disagree");
        }
    }
    // The monthly trend: every case opened in 2022 falls in its China month.
    let u = store.union_by_code(&"jd".parse().unwrap()).await.unwrap().unwrap();
    let months = store.figures(&u, Period::new(d("2022-01-01"), d("2022-12-31")).unwrap()).await.unwrap().months;
    let opened: i64 = months.iter().map(|m| m.1).sum();
    assert_eq!(opened, 10);
    assert!(months.iter().any(|(m, o, _)| m == "2022-01" && *o == 1), "{months:?}");
    assert!(months.iter().any(|(m, _, r)| m == "2022-05" && *r == 2), "{months:?}");
    assert!(months.iter().any(|(m, _, r)| m == "2022-12" && *r == 1), "{months:?}");
}
both!(drill_down_lists_match_the_figures);

/// Working days across National Day 2025 and a make-up Saturday: the timeliness figures,
/// and the deadline a case gets when accepted.
async fn timeliness_in_working_days(backend: Backend) {
    use crate::harness::{assert_error, TestApp};
    use reqwest::StatusCode;
    let app = TestApp::spawn(backend).await;
    let admin = app.login("admin").await;
    let mut set: Vec<serde_json::Value> = (1..=8)
        .map(|n| json!({"day": format!("2025-10-{n:02}"), "kind": "holiday", "name": "国庆节、中秋节"}))
        .collect();
    set.push(json!({"day": "2025-10-11", "kind": "workday", "name": "国庆调休"}));
    set.push(json!({"day": "2025-09-28", "kind": "workday", "name": "国庆调休"}));
    let put = admin.http.put(app.url("/api/v1/calendar")).json(&json!({"set": set})).send().await.unwrap();
    assert_eq!(put.status(), StatusCode::NO_CONTENT);
    let chair = app.login("e1chair").await;
    let put = chair.http.put(app.url("/api/v1/calendar")).json(&json!({"set": []})).send().await.unwrap();
    assert_eq!(put.status(), StatusCode::FORBIDDEN);
    let bad = admin
        .http
        .put(app.url("/api/v1/calendar"))
        .json(&json!({"set": [{"day":"2025-13-01","kind":"holiday"}]}))
        .send()
        .await
        .unwrap();
    assert_eq!(bad.status(), StatusCode::BAD_REQUEST);
    let (_, cal) = chair.get("/api/v1/calendar").await;
    assert_eq!(cal.as_array().unwrap().len(), 10);

    let case = |n: u32, opened: &str, accepted: &str, closed: Option<&str>, due: Option<&str>| {
        let mut c = json!({"type":"case","number":format!("JD-2025-{n:06}"),"union":"jd.s1.e1","kind":"claim","channel":"hotline",
            "opened_at":opened,"accepted_at":accepted,"status": if closed.is_some() {"resolved"} else {"accepted"}});
        if let Some(x) = closed {
            c["closed_at"] = json!(x);
        }
        if let Some(x) = due {
            c["due_on"] = json!(x);
        }
        format!("{c}\n")
    };
    let text = [
        case(1, "2025-09-30T16:00:00+08:00", "2025-10-09T09:00:00+08:00", None, None),
        case(2, "2025-10-09T10:00:00+08:00", "2025-10-11T10:00:00+08:00", None, None),
        case(
            3,
            "2025-10-10T10:00:00+08:00",
            "2025-10-11T10:00:00+08:00",
            Some("2025-10-20T23:59:00+08:00"),
            Some("2025-10-20"),
        ),
        case(
            4,
            "2025-09-01T10:00:00+08:00",
            "2025-09-01T11:00:00+08:00",
            Some("2025-10-21T00:00:00+08:00"),
            Some("2025-10-20"),
        ),
    ]
    .concat();
    import_text(app.store.as_ref(), &text).await.unwrap();
    let (s, dash) = admin.get("/api/v1/dashboard?union=jd&from=2025-10-01&to=2025-10-31").await;
    assert_eq!(s, StatusCode::OK, "{dash}");
    let t = &dash["timeliness"];
    assert_eq!((t["accepted"].as_u64(), t["accepted_on_time"].as_u64()), (Some(3), Some(2)), "{t}");
    assert_eq!((t["closed_with_deadline"].as_u64(), t["closed_on_time"].as_u64()), (Some(2), Some(1)), "{t}");
    assert_eq!(t["hours_to_accept_p90"], 209.0);
    // The lists behind them.
    let (_, accepted) = admin.get("/api/v1/cases?figure=cases_accepted&from=2025-10-01&to=2025-10-31").await;
    assert_eq!(accepted["total"], 3);
    assert_error(
        &admin.get("/api/v1/cases?figure=cases_accepted&from=2025-10-01").await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "invalid",
        Some("to"),
    );
    // The trend and the ranking come with the figures.
    assert_eq!(dash["months"].as_array().unwrap().len(), 1);
    assert!(dash["children"]
        .as_array()
        .unwrap()
        .iter()
        .any(|c| c["code"] == "jd.s1" && c["stats"]["cases_resolved"] == 2));

    // A case accepted now gets its deadline in working days of the stored calendar: five
    // holidays from tomorrow on, still ahead of the acceptance if a day ends meanwhile.
    let today = youyue_domain::Timestamp::now().cst_date();
    let holidays: Vec<serde_json::Value> = (1..=5)
        .map(|i| json!({"day": (today + chrono::Days::new(i)).to_string(), "kind": "holiday", "name": "测试假日"}))
        .collect();
    let put = admin.http.put(app.url("/api/v1/calendar")).json(&json!({"set": holidays})).send().await.unwrap();
    assert_eq!(put.status(), StatusCode::NO_CONTENT);
    let v = app
        .anonymous()
        .ok(
            "/api/v1/public/cases",
            json!({"union":"jd.s1.e1","kind":"dispute","description":"工伤"}),
            StatusCode::CREATED,
        )
        .await;
    let reception = app.login("e1reception").await;
    let accepted = reception
        .ok(&format!("/api/v1/cases/{}/accept", v["number"].as_str().unwrap()), json!({}), StatusCode::OK)
        .await;
    // Counted from the day the server accepted it (the test's `today` may have ended since).
    let accepted_on = crate::harness::cst_date(&accepted["accepted_at"]);
    let calendar = youyue_domain::calendar::WorkCalendar::new(app.store.calendar().await.unwrap());
    let want = calendar.add_working_days(accepted_on, 15);
    assert_eq!(accepted["due_on"], want.to_string());
    assert!(
        want > youyue_domain::calendar::WorkCalendar::default().add_working_days(accepted_on, 15),
        "the holidays pushed the deadline"
    );
    // The district sets its own deadlines: disputes 20 working days.
    let (_, d) = reception.get("/api/v1/deadlines").await;
    assert_eq!((d["dispute"].as_u64(), d["claim"].as_u64()), (Some(15), Some(10)), "{d}");
    let limits = json!({"claim":10,"dispute":20,"wellbeing":5,"suggestion":10});
    let put = reception.http.put(app.url("/api/v1/deadlines")).json(&limits).send().await.unwrap();
    assert_eq!(put.status(), StatusCode::FORBIDDEN, "only the district's administrator");
    let bad = admin
        .http
        .put(app.url("/api/v1/deadlines"))
        .json(&json!({"claim":0,"dispute":20,"wellbeing":5,"suggestion":10}))
        .send()
        .await
        .unwrap();
    assert_error(
        &(bad.status(), bad.json().await.unwrap()),
        StatusCode::UNPROCESSABLE_ENTITY,
        "invalid",
        Some("claim"),
    );
    let put = admin.http.put(app.url("/api/v1/deadlines")).json(&limits).send().await.unwrap();
    assert_eq!(put.status(), StatusCode::NO_CONTENT);
    let v = app
        .anonymous()
        .ok(
            "/api/v1/public/cases",
            json!({"union":"jd.s1.e1","kind":"dispute","description":"欠薪"}),
            StatusCode::CREATED,
        )
        .await;
    let accepted = reception
        .ok(&format!("/api/v1/cases/{}/accept", v["number"].as_str().unwrap()), json!({}), StatusCode::OK)
        .await;
    assert_eq!(accepted["due_on"], calendar.add_working_days(today, 20).to_string());
    let (_, d) = reception.get("/api/v1/deadlines").await;
    assert_eq!(d, limits);
    // The calendar travels in the export.
    let exported = crate::harness::export_text(app.store.as_ref()).await;
    assert_eq!(exported.lines().filter(|l| l.contains("\"type\":\"calendar_day\"")).count(), 15);
}
both!(timeliness_in_working_days);

/// The yearly assessment: parts from the records, weighted to a score out of 100; a part
/// without data left out; weights set by the district's administrator.
async fn yearly_assessment(backend: Backend) {
    use crate::harness::{assert_error, TestApp};
    use reqwest::StatusCode;
    let app = TestApp::spawn(backend).await;
    let cases = [
        json!({"type":"case","number":"JD-2025-000001","union":"jd.s1.e1","kind":"claim","channel":"hotline","opened_at":"2025-03-01T09:00:00+08:00",
               "accepted_at":"2025-03-01T10:00:00+08:00","due_on":"2025-03-10","status":"resolved","closed_at":"2025-03-05T10:00:00+08:00","rating":5}),
        json!({"type":"case","number":"JD-2025-000002","union":"jd.s1.e1","kind":"claim","channel":"hotline","opened_at":"2025-06-01T09:00:00+08:00",
               "accepted_at":"2025-06-01T10:00:00+08:00","due_on":"2025-06-10","status":"in_progress"}),
    ];
    let items: Vec<serde_json::Value> = ["workplace", "sign", "rules", "hotline"]
        .iter()
        .map(|i| json!({"type":"studio_item","union":"jd.s1.e1","item":i,"done":true,"note":"","updated_by":"e1chair","updated_at":"2025-01-02T09:00:00+08:00"}))
        .collect();
    let text: String = cases.iter().chain(items.iter()).map(|l| format!("{l}\n")).collect();
    import_text(app.store.as_ref(), &text).await.unwrap();
    let admin = app.login("admin").await;
    let (s, table) = admin.get("/api/v1/assessment?union=jd&year=2025").await;
    assert_eq!(s, StatusCode::OK, "{table}");
    let row = |code: &str| table["unions"].as_array().unwrap().iter().find(|r| r["code"] == code).cloned().unwrap();
    let e1 = row("jd.s1.e1");
    assert_eq!(e1["parts"]["on_time"], 1.0);
    assert_eq!(e1["parts"]["satisfaction"], 1.0);
    assert_eq!(e1["parts"]["appraisal"], serde_json::Value::Null);
    assert_eq!(e1["parts"]["checklist"], 0.5);
    assert_eq!(e1["parts"]["answered"], 0.5);
    assert_eq!(e1["parts"]["resolution"], 1.0);
    // (20 + 25 + 5 + 7.5 + 15) / 85, the appraisal left out.
    assert_eq!(e1["score"], 85.3);
    assert_eq!(row("jd.s1.e2")["score"], 0.0);
    assert_eq!(table["unions"][0]["code"], "jd.s1.e1", "best first");
    // The district's administrator sets the weights; nobody else.
    let put = |c: &crate::harness::Client, w: serde_json::Value| {
        c.http.put(app.url("/api/v1/assessment/weights")).json(&w).send()
    };
    let w = json!({"on_time":100.0,"satisfaction":0.0,"appraisal":0.0,"checklist":0.0,"answered":0.0});
    assert_eq!(put(&admin, w.clone()).await.unwrap().status(), StatusCode::NO_CONTENT);
    assert_eq!(put(&app.login("s1chair").await, w).await.unwrap().status(), StatusCode::FORBIDDEN);
    let bad = json!({"on_time":-1.0,"satisfaction":0.0,"appraisal":0.0,"checklist":0.0,"answered":0.0});
    assert_eq!(put(&admin, bad).await.unwrap().status(), StatusCode::UNPROCESSABLE_ENTITY);
    let (_, table) = admin.get("/api/v1/assessment?union=jd&year=2025").await;
    assert_eq!(table["unions"].as_array().unwrap().iter().find(|r| r["code"] == "jd.s1.e1").unwrap()["score"], 100.0);
    assert_error(
        &admin.get("/api/v1/assessment?union=jd&year=20").await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "invalid",
        Some("year"),
    );
    // The page shows the same table; the weights travel in the export.
    let page = admin.http.get(app.url("/assessment?union=jd&year=2025")).send().await.unwrap().text().await.unwrap();
    assert!(page.contains("data-union=\"jd.s1.e1\"") && page.contains("100.0"));
    assert!(crate::harness::export_text(app.store.as_ref()).await.contains("\"key\":\"assessment_weights:jd\""));
    let bytes =
        admin.http.get(app.url("/assessment.xlsx?union=jd&year=2025")).send().await.unwrap().bytes().await.unwrap();
    let mut book: calamine::Xlsx<_> = calamine::open_workbook_from_rs(std::io::Cursor::new(bytes.to_vec())).unwrap();
    let sheet = calamine::Reader::worksheet_range(&mut book, "年度考核").unwrap();
    let e1 = sheet.rows().find(|r| r[1] == "jd.s1.e1").unwrap();
    assert_eq!(calamine::DataType::as_f64(&e1[2]), Some(100.0));
    assert_eq!(calamine::DataType::as_f64(&e1[6]), Some(0.5));
}
both!(yearly_assessment);

/// A case resolved with 1,000 yuan in January, reopened in February and resolved again with
/// 1,500 in March counts once, in March, with 1,500 (and only the later rating); the form's
/// starting point, the January outcome, stays readable from the record book until then.
async fn a_reopened_case_counts_once_at_its_latest_closing(backend: Backend) {
    use youyue_domain::case::{Outcome, Urgency};
    use youyue_domain::command::{apply, earlier_outcome, Command, DeadlineRules};
    use youyue_domain::workflow::{Acting, Role};
    use youyue_domain::Timestamp;
    let db = TestDb::new(backend).await;
    let store = youyue_store::open(&db.url).await.unwrap();
    import_text(store.as_ref(), &crate::harness::district_jsonl()).await.unwrap();
    let union = store.union_by_code(&"jd.s1.e1".parse().unwrap()).await.unwrap().unwrap();
    let handler = store.user_by_username("e1handler").await.unwrap().unwrap();
    let at = |s: &str| Timestamp::parse_rfc3339(s).unwrap();
    let draft = crate::harness::online_claim(union.id, "欠薪".into(), at("2025-01-06T09:00:00+08:00"));
    let by = |label| youyue_store::Actor { label, user_id: None };
    let mut case = store.create_case(&draft, by("worker")).await.unwrap();
    let chair = Acting { role: Role::Chair, is_assigned_handler: false };
    let assigned = Acting { role: Role::Handler, is_assigned_handler: true };
    let worker = Acting { role: Role::Worker, is_assigned_handler: false };
    let money = |yuan: &str| Outcome { agreement: None, amount_recovered: Some(yuan.parse().unwrap()), adopted: None };
    let steps = [
        (chair, Command::Accept { kind: None, urgency: Urgency::Normal, due_on: None }, "2025-01-06T10:00:00+08:00"),
        (chair, Command::Assign { handler: "e1handler".into() }, "2025-01-06T10:05:00+08:00"),
        (
            assigned,
            Command::Resolve { resolution: "追回工资".into(), outcome: money("1000") },
            "2025-01-10T16:00:00+08:00",
        ),
        (worker, Command::Rate { rating: 2, comment: Some("没有全部追回".into()) }, "2025-01-11T09:00:00+08:00"),
        (chair, Command::Reopen { reason: "企业少付了 500 元".into() }, "2025-02-03T09:00:00+08:00"),
    ];
    for (who, cmd, when) in steps {
        let handler_id = matches!(cmd, Command::Assign { .. }).then_some(handler.id).or(case.handler_id);
        let change = apply(&case.record, who, cmd, at(when), &DeadlineRules::default()).unwrap();
        case = store.save_change(&case, &change, handler_id, by("someone"), at(when)).await.unwrap();
    }
    // Reopened: January counts nothing resolved; the January outcome is the new start.
    let jan = stats_of(store.as_ref(), "jd", "2025-01-01", "2025-01-31").await;
    assert_eq!((jan.cases_resolved, jan.amount_recovered.to_string()), (0, "0.00".to_owned()));
    let earlier = earlier_outcome(&store.record_book(case.id).await.unwrap()).unwrap();
    assert_eq!(earlier.outcome, money("1000"));
    assert_eq!((earlier.rating, earlier.resolution.as_deref()), (Some(2), Some("追回工资")));

    let outcome = Outcome { amount_recovered: Some("1500".parse().unwrap()), ..earlier.outcome };
    let change = apply(
        &case.record,
        assigned,
        Command::Resolve { resolution: "全部追回".into(), outcome },
        at("2025-03-04T15:00:00+08:00"),
        &DeadlineRules::default(),
    )
    .unwrap();
    case = store
        .save_change(&case, &change, case.handler_id, by("e1handler"), at("2025-03-04T15:00:00+08:00"))
        .await
        .unwrap();
    let change = apply(
        &case.record,
        worker,
        Command::Rate { rating: 5, comment: None },
        at("2025-03-05T09:00:00+08:00"),
        &DeadlineRules::default(),
    )
    .unwrap();
    case = store
        .save_change(&case, &change, case.handler_id, by("worker"), at("2025-03-05T09:00:00+08:00"))
        .await
        .unwrap();
    assert_eq!(earlier_outcome(&store.record_book(case.id).await.unwrap()), None);

    for (from, to, resolved, amount) in [
        ("2025-01-01", "2025-01-31", 0, "0.00"),
        ("2025-02-01", "2025-02-28", 0, "0.00"),
        ("2025-03-01", "2025-03-31", 1, "1500.00"),
        ("2025-03-04", "2025-03-04", 1, "1500.00"),
        ("2025-01-01", "2025-12-31", 1, "1500.00"),
    ] {
        let s = stats_of(store.as_ref(), "jd", from, to).await;
        assert_eq!(
            (s.cases_resolved, s.claims_resolved, s.amount_recovered.to_string()),
            (resolved, resolved, amount.to_owned()),
            "{from}..{to}"
        );
    }
    let u = store.union_by_code(&"jd".parse().unwrap()).await.unwrap().unwrap();
    let year = store.figures(&u, Period::new(d("2025-01-01"), d("2025-12-31")).unwrap()).await.unwrap();
    assert_eq!(year.months.iter().map(|m| m.2).sum::<i64>(), 1, "{:?}", year.months);
    assert_eq!(year.timeliness.closed_with_deadline, 1);
    assert_eq!((year.case_ratings.votes, year.case_ratings.mean), (1, Some(5.0)), "only the latest rating counts");
    let report = store.verify_chains().await.unwrap();
    assert_eq!(report.problems, vec![], "{report:?}");
    store.close().await;
}
both!(a_reopened_case_counts_once_at_its_latest_closing);

/// 派单/改派 and 退单 move a case's contributions with it: after transfers between
/// enterprises of one street, across streets and back, the figures of the district, each
/// street and each enterprise equal the reference definition computed from the cases as
/// they are stored (by their current union), kept in step and rebuilt alike.
async fn figures_follow_a_transfer(backend: Backend) {
    use youyue_domain::case::{Outcome, Urgency};
    use youyue_domain::command::{apply, Command, DeadlineRules};
    use youyue_domain::timeliness::{TimeFacts, Timeliness};
    use youyue_domain::workflow::{Acting, Role};
    use youyue_domain::Timestamp;
    let db = TestDb::new(backend).await;
    let store = youyue_store::open(&db.url).await.unwrap();
    import_text(store.as_ref(), &crate::harness::district_jsonl()).await.unwrap();
    let codes = ["jd", "jd.s1", "jd.s2", "jd.s1.e1", "jd.s1.e2", "jd.s2.e1"];
    let at = |s: &str| Timestamp::parse_rfc3339(s).unwrap();
    let by = |label| youyue_store::Actor { label, user_id: None };
    let chair = Acting { role: Role::Chair, is_assigned_handler: false };
    let rules = DeadlineRules::default();
    let mut numbers = Vec::new();
    // Six claims, one at each union, accepted and some handled.
    for (i, code) in codes.iter().enumerate() {
        let u = store.union_by_code(&code.parse().unwrap()).await.unwrap().unwrap();
        let draft = crate::harness::online_claim(u.id, format!("欠薪 {i}"), at("2025-03-03T09:00:00+08:00"));
        let mut case = store.create_case(&draft, by("worker")).await.unwrap();
        if i % 2 == 0 {
            let accept = Command::Accept { kind: None, urgency: Urgency::Normal, due_on: None };
            let ch = apply(&case.record, chair, accept, at("2025-03-03T10:00:00+08:00"), &rules).unwrap();
            case = store.save_change(&case, &ch, None, by("chair"), at("2025-03-03T10:00:00+08:00")).await.unwrap();
        }
        numbers.push(case.record.number.clone());
    }
    let handler = store.user_by_username("e1handler").await.unwrap().unwrap();
    let step = |n: usize, cmd: Command, when: &'static str, handler_id: Option<i64>| {
        let store = store.clone();
        let number = numbers[n].clone();
        async move {
            let case = store.case_by_number(&number).await.unwrap().unwrap();
            let ch = apply(&case.record, chair, cmd, at(when), &DeadlineRules::default()).unwrap();
            store.save_change(&case, &ch, handler_id, by("chair"), at(when)).await.unwrap()
        }
    };
    let to =
        |code: &str| Command::Transfer {
            to: code.parse().unwrap(), to_name: code.into(), reason: "不属本会".into()
        };
    // District → enterprise (派单), accepted case across streets, a return, and a case
    // transferred then accepted and resolved at its new union.
    step(0, to("jd.s1.e1"), "2025-03-04T09:00:00+08:00", None).await;
    step(2, to("jd.s1.e1"), "2025-03-04T09:10:00+08:00", None).await;
    step(3, to("jd.s2.e1"), "2025-03-04T09:20:00+08:00", None).await;
    let back =
        Command::Return { to: "jd.s1.e1".parse().unwrap(), to_name: "e1".into(), reason: "不是我们的".into() };
    step(3, back, "2025-03-05T09:00:00+08:00", None).await;
    step(4, to("jd.s2.e1"), "2025-03-04T09:30:00+08:00", None).await;
    let accept = Command::Accept { kind: None, urgency: Urgency::Normal, due_on: None };
    step(0, accept, "2025-03-05T10:00:00+08:00", None).await;
    step(0, Command::Assign { handler: "e1handler".into() }, "2025-03-05T10:05:00+08:00", Some(handler.id)).await;
    let outcome = Outcome { agreement: None, amount_recovered: Some("800".parse().unwrap()), adopted: None };
    let resolve = Command::Resolve { resolution: "追回".into(), outcome };
    step(0, resolve, "2025-03-10T16:00:00+08:00", Some(handler.id)).await;

    let mut cases = Vec::new();
    for n in &numbers {
        cases.push(store.case_by_number(n).await.unwrap().unwrap().record);
    }
    let unions: Vec<&str> = cases.iter().map(|c| c.union.as_str()).collect();
    assert_eq!(unions, ["jd.s1.e1", "jd.s1", "jd.s1.e1", "jd.s1.e1", "jd.s2.e1", "jd.s2.e1"]);
    let cal = youyue_domain::calendar::WorkCalendar::new(store.calendar().await.unwrap());
    let check = |store: std::sync::Arc<dyn youyue_store::Store>| {
        let (cases, cal) = (cases.clone(), cal.clone());
        async move {
            for root in codes {
                for (from, to) in
                    [("2025-03-01", "2025-03-31"), ("2025-03-04", "2025-03-04"), ("2025-01-01", "2025-12-31")]
                {
                    let period = Period::new(d(from), d(to)).unwrap();
                    let got = stats_of(store.as_ref(), root, from, to).await;
                    let mut want = Stats::empty(root, period);
                    want.studios = got.studios;
                    let inside = |code: &str| code == root || code.starts_with(&format!("{root}."));
                    let mine: Vec<CaseFacts> =
                        cases.iter().filter(|c| inside(c.union.as_str())).map(CaseFacts::from).collect();
                    for f in &mine {
                        want.add_case(f).unwrap();
                    }
                    assert_eq!(got, want, "{root} {from}..{to}");
                    let u = store.union_by_code(&root.parse().unwrap()).await.unwrap().unwrap();
                    let fig = store.figures(&u, period).await.unwrap();
                    assert_eq!(fig.stats, want, "figures {root} {from}..{to}");
                    let time: Vec<TimeFacts> = mine.iter().map(TimeFacts::from).collect();
                    assert_eq!(fig.timeliness, Timeliness::compute(&time, period, &cal), "timeliness {root}");
                }
            }
        }
    };
    check(store.clone()).await;
    let s1 = stats_of(store.as_ref(), "jd.s1.e1", "2025-03-01", "2025-03-31").await;
    assert_eq!((s1.cases_opened, s1.cases_resolved), (3, 1), "{s1:?}");
    store.rebuild_tallies().await.unwrap();
    check(store.clone()).await;
    let report = store.verify_chains().await.unwrap();
    assert_eq!(report.problems, vec![], "{report:?}");
    store.close().await;
}
both!(figures_follow_a_transfer);
