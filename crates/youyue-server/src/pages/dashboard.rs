//! The district's dashboard: the figures of a union's subtree for a period, drawn as SVG
//! by the server, every number and bar a link to the cases behind it (the inbox filtered
//! by the figure).

use super::{render, Ctx, PageResult};
use crate::access;
use crate::error::ApiError;
use crate::service::{self, Dashboard};
use crate::AppState;
use askama::Template;
use axum::extract::{Query, State};
use serde::Deserialize;
use youyue_domain::time::parse_date;
use youyue_domain::{Channel, Kind, Period, Status, Timestamp};
use youyue_store::Union;

#[derive(Deserialize, Default)]
pub struct DashboardParams {
    #[serde(default)]
    union: String,
    /// month | quarter | year | custom
    #[serde(default)]
    preset: String,
    #[serde(default)]
    from: String,
    #[serde(default)]
    to: String,
}

/// A headline number and the list behind it.
pub struct Card {
    pub label: String,
    pub value: String,
    pub note: String,
    pub href: String,
}

impl Card {
    /// A value too long to keep the full size in a phone's card (an amount): it scales
    /// with the card (`.value.long` in the stylesheet) and wraps rather than clips.
    pub fn long(&self) -> bool {
        self.value.chars().count() > 8
    }

    /// The value in pieces that each end after a thousands comma: the template puts a
    /// `<wbr>` between them, so that a long amount wraps at a comma before anywhere else.
    pub fn parts(&self) -> Vec<&str> {
        self.value.split_inclusive(',').collect()
    }
}

/// One horizontal bar: geometry in the chart's own units (600 wide).
pub struct Bar {
    pub label: String,
    pub value: String,
    pub y: i64,
    pub width: i64,
    pub href: String,
}

pub struct BarChart {
    pub title: String,
    pub height: i64,
    pub bars: Vec<Bar>,
}

/// One month of the trend: two vertical bars.
pub struct MonthBar {
    pub label: String,
    pub x: i64,
    pub opened_y: i64,
    pub opened_h: i64,
    pub resolved_y: i64,
    pub resolved_h: i64,
    pub opened: i64,
    pub resolved: i64,
    pub href: String,
    pub show_label: bool,
}

pub struct ChildRow {
    pub name: String,
    pub href: String,
    pub opened: u64,
    pub disputes: u64,
    pub people: u64,
    pub amount: String,
    pub claims: u64,
    pub suggestions: String,
    pub width: i64,
}

#[derive(Template)]
#[template(path = "dashboard.html")]
struct DashboardPage {
    ctx: Ctx,
    union: Union,
    unions: Vec<Union>,
    preset: String,
    from: String,
    to: String,
    period_label: String,
    cards: Vec<Card>,
    charts: Vec<BarChart>,
    months: Vec<MonthBar>,
    trend_width: i64,
    children: Vec<ChildRow>,
}

const BAR_MAX: i64 = 250;
const ROW: i64 = 30;
const TREND_HEIGHT: i64 = 160;

fn bar_chart(title: String, rows: Vec<(String, u64, String)>) -> BarChart {
    let max = rows.iter().map(|r| r.1).max().unwrap_or(0).max(1);
    let bars = rows
        .into_iter()
        .enumerate()
        .map(|(i, (label, n, href))| Bar {
            label,
            value: n.to_string(),
            y: i as i64 * ROW,
            width: (n as i64 * BAR_MAX / max as i64).max(if n > 0 { 2 } else { 0 }),
            href,
        })
        .collect::<Vec<_>>();
    BarChart { title, height: bars.len() as i64 * ROW, bars }
}

fn rate(part: u64, whole: u64) -> String {
    if whole == 0 {
        "—".into()
    } else {
        format!("{:.1}%", part as f64 * 100.0 / whole as f64)
    }
}

/// The union and the period a dashboard (or its spreadsheet) is for.
pub async fn union_and_period(
    ctx: &Ctx,
    state: &AppState,
    p: &DashboardParams,
) -> Result<(Union, Period, String), super::PageError> {
    let user = ctx.require_staff()?;
    let today = Timestamp::now().cst_date();
    let code = if p.union.is_empty() { user.union_code.to_string() } else { p.union.clone() };
    let union = access::union_within(state.store.as_ref(), user, &code).await?;
    let preset = if p.preset.is_empty() { "year".to_owned() } else { p.preset.clone() };
    let period = match preset.as_str() {
        "month" => Period::month_of(today),
        "quarter" => Period::quarter_of(today),
        "custom" => {
            let day = |field: &'static str, v: &str| parse_date(v).map_err(|e| ApiError::invalid(field, e.to_string()));
            Period::new(day("from", &p.from)?, day("to", &p.to)?).map_err(|e| ApiError::invalid("to", e.to_string()))?
        }
        _ => Period::year_of(today),
    };
    Ok((union, period, preset))
}

pub async fn dashboard(ctx: Ctx, State(state): State<AppState>, Query(p): Query<DashboardParams>) -> PageResult {
    let user = ctx.require_staff()?.clone();
    let store = state.store.as_ref();
    let (union, period, preset) = union_and_period(&ctx, &state, &p).await?;
    let own = access::own_union(store, &user).await?;
    let unions = store.subtree(&own).await?;
    let d: Dashboard = service::dashboard(&state, &union, period).await?;
    let l = ctx.lang;
    let (from, to) = (period.from().to_string(), period.to().to_string());
    let drill = |extra: &str| format!("/inbox?tab=all&union={}&from={from}&to={to}{extra}", union.record.code);
    let votes = |round: &str| {
        format!("/dashboard/votes?union={}&preset=custom&from={from}&to={to}&round={round}", union.record.code)
    };
    let s = &d.stats;
    let zh = l == super::Lang::Zh;
    let word = |zh_s: &str, en_s: &str| if zh { zh_s.to_owned() } else { en_s.to_owned() };
    let cards = vec![
        Card {
            label: word("工作室", "Studios"),
            value: s.studios.to_string(),
            note: String::new(),
            href: "/unions".into(),
        },
        Card {
            label: word("调解劳动纠纷", "Disputes mediated"),
            value: s.disputes_mediated.to_string(),
            note: format!("{} {}", word("涉及职工", "people involved"), s.people_involved),
            href: drill("&figure=disputes_mediated"),
        },
        Card {
            label: word("追讨工资补偿金", "Money recovered"),
            value: l.money(s.amount_recovered),
            note: String::new(),
            href: drill("&figure=amount_recovered"),
        },
        Card {
            label: word("解决职工诉求", "Claims resolved"),
            value: s.claims_resolved.to_string(),
            note: String::new(),
            href: drill("&figure=claims_resolved"),
        },
        Card {
            label: word("建言献策", "Suggestions"),
            value: s.suggestions.to_string(),
            note: format!(
                "{} {} · {}",
                word("采纳", "adopted"),
                s.suggestions_adopted,
                rate(s.suggestions_adopted, s.suggestions)
            ),
            href: drill("&figure=suggestions"),
        },
        // 登记 counts cases raised in the period; 受理 (accepted) is the on-time card's
        // denominator; 办结 is closed, resolved or explained, as in 按时办结率.
        Card {
            label: word("登记约事", "Cases registered"),
            value: s.cases_opened.to_string(),
            note: String::new(),
            href: drill("&figure=cases_opened"),
        },
        Card {
            label: word("办结", "Closed"),
            value: s.cases_closed().to_string(),
            note: format!(
                "{} {} · {} {}",
                word("解决", "resolved"),
                s.cases_resolved,
                word("解释说明", "explained"),
                s.cases_explained
            ),
            href: drill("&figure=cases_closed"),
        },
        // 转仲裁: disputes whose statutory mediation period passed without an agreement.
        Card {
            label: word("转仲裁", "Referred to arbitration"),
            value: s.disputes_referred_to_arbitration.to_string(),
            note: word("调解期满未达成协议的劳动纠纷", "disputes without an agreement after the mediation period"),
            href: drill("&figure=disputes_referred_to_arbitration"),
        },
    ];
    let tl = &d.timeliness;
    let hours = |h: Option<f64>| h.map(|x| format!("{x:.1} h")).unwrap_or_else(|| "—".into());
    let mut cards = cards;
    // 约谈: held and missed by the start's day, by specialty; the median days from
    // registration to the first appointment of the cases registered in the period.
    let by_specialty: Vec<String> = s
        .appointments_by_specialty
        .iter()
        .map(|(k, v)| format!("{} {}/{}", l.specialty(k), v.held, v.no_show))
        .collect();
    cards.push(Card {
        label: word("约谈已进行", "Appointments held"),
        value: s.appointments_held.to_string(),
        note: if by_specialty.is_empty() {
            String::new()
        } else {
            format!("{} {}", word("按专长 已进行/未到场：", "by specialty, held/no-show:"), by_specialty.join(" · "))
        },
        href: drill("&figure=appointments_held"),
    });
    cards.push(Card {
        label: word("约谈未到场", "Appointments missed"),
        value: s.appointments_no_show.to_string(),
        note: String::new(),
        href: drill("&figure=appointments_no_show"),
    });
    cards.push(Card {
        label: word("登记到首次约谈（中位天数）", "Days to the first appointment (median)"),
        value: s.median_days_to_first_appointment.map(|h| format!("{}", h.days())).unwrap_or_else(|| "—".into()),
        note: word(
            "期内登记且有约谈的约事，按北京时间日历天",
            "cases registered in the period with an appointment, China calendar days",
        ),
        href: drill("&figure=first_appointments"),
    });
    // 调解协议: signed in the period; 履行率 is the amount terms due in the period (up to
    // today) paid on or before their due day, its list the cases with such terms due (the
    // denominator; a case counts once in the list, each of its terms in the figure); the
    // money is that of the agreements signed in the period, its list those agreements.
    let ag = store.agreement_figures(&union, period, Timestamp::now().cst_date()).await?;
    cards.push(Card {
        label: word("签订调解协议", "Mediation agreements signed"),
        value: ag.agreements_signed.to_string(),
        note: String::new(),
        href: drill("&figure=agreements_signed"),
    });
    cards.push(Card {
        label: word("履行率", "Agreements performed on time"),
        value: rate(ag.agreement_terms_on_time, ag.agreement_terms_due),
        note: format!(
            "{} {} / {} {}",
            word("按期履行", "paid on time"),
            ag.agreement_terms_on_time,
            word("到期款项", "amount terms due"),
            ag.agreement_terms_due
        ),
        href: drill("&figure=agreement_terms_due"),
    });
    cards.push(Card {
        label: word("协议金额", "Money agreed"),
        value: l.money(ag.money_agreed),
        note: format!("{} {}", word("已履行", "paid"), l.money(ag.money_paid)),
        href: drill("&figure=agreements_signed"),
    });
    cards.push(Card {
        label: word("按时受理率", "Accepted on time"),
        value: rate(tl.accepted_on_time, tl.accepted),
        // The note names both sides; the card's list is the denominator.
        note: format!(
            "{} {} / {} {} · {} {} · P90 {}",
            word("按时", "on time"),
            tl.accepted_on_time,
            word("受理", "accepted"),
            tl.accepted,
            word("平均", "mean"),
            hours(tl.hours_to_accept_mean),
            hours(tl.hours_to_accept_p90)
        ),
        href: drill("&figure=cases_accepted"),
    });
    cards.push(Card {
        label: word("按时办结率", "Closed on time"),
        value: rate(tl.closed_on_time, tl.closed_with_deadline),
        note: format!(
            "{} {} / {} {} · {} {} · P90 {}",
            word("按时", "on time"),
            tl.closed_on_time,
            word("有期限的办结", "closed with a deadline"),
            tl.closed_with_deadline,
            word("平均", "mean"),
            hours(tl.hours_to_close_mean),
            hours(tl.hours_to_close_p90)
        ),
        href: drill("&figure=cases_closed_due"),
    });
    for (label, v, href) in [
        (word("满意率（约事评价）", "Satisfaction (case ratings)"), &d.case_ratings, drill("&figure=cases_rated")),
        (word("满意率（一月一评）", "Satisfaction (monthly)"), &d.monthly_votes, votes("monthly")),
        (word("满意率（年度测评）", "Satisfaction (yearly)"), &d.yearly_votes, votes("yearly")),
    ] {
        let mean = v.mean.map(|m| format!("{m:.2}")).unwrap_or_else(|| "—".into());
        cards.push(Card {
            label,
            value: rate(v.satisfied, v.votes),
            note: format!("{} {} · {} {mean}", v.votes, word("票", "votes"), word("平均", "mean")),
            href,
        });
    }
    let count = |m: &std::collections::BTreeMap<String, u64>, k: &str| m.get(k).copied().unwrap_or(0);
    let charts = vec![
        bar_chart(
            word("登记，按类别", "Registered, by kind"),
            Kind::ALL
                .iter()
                .map(|k| {
                    (
                        l.kind(*k).to_owned(),
                        count(&s.opened_by_kind, k.as_str()),
                        drill(&format!("&figure=cases_opened&kind={k}")),
                    )
                })
                .collect(),
        ),
        bar_chart(
            word("登记，按来源", "Registered, by channel"),
            Channel::ALL
                .iter()
                .map(|c| {
                    (
                        l.channel(*c).to_owned(),
                        count(&s.opened_by_channel, c.as_str()),
                        drill(&format!("&figure=cases_opened&channel={c}")),
                    )
                })
                .collect(),
        ),
        bar_chart(
            word("登记，按目前状态", "Registered, by status now"),
            Status::COUNTED
                .iter()
                .map(|st| {
                    let href = drill("&figure=cases_opened").replacen("tab=all", &format!("tab={st}"), 1);
                    (l.status(*st).to_owned(), count(&s.opened_by_status, st.as_str()), href)
                })
                .collect(),
        ),
    ];
    let max_month = d.months.iter().map(|m| m.opened.max(m.resolved)).max().unwrap_or(0).max(1);
    let step = 34;
    let label_every = (d.months.len() / 12).max(1);
    let months = d
        .months
        .iter()
        .enumerate()
        .map(|(i, m)| {
            let oh = m.opened * TREND_HEIGHT / max_month;
            let rh = m.resolved * TREND_HEIGHT / max_month;
            let (mf, mt) = month_bounds(&m.month, period);
            MonthBar {
                label: m.month[2..].to_owned(),
                x: 30 + i as i64 * step,
                opened_y: 10 + TREND_HEIGHT - oh,
                opened_h: oh,
                resolved_y: 10 + TREND_HEIGHT - rh,
                resolved_h: rh,
                opened: m.opened,
                resolved: m.resolved,
                href: format!("/inbox?tab=all&union={}&from={mf}&to={mt}&figure=cases_opened", union.record.code),
                show_label: i % label_every == 0,
            }
        })
        .collect::<Vec<_>>();
    let trend_width = 40 + months.len() as i64 * step;
    let mut kids = d.children.clone();
    kids.sort_by(|a, b| b.stats.cases_opened.cmp(&a.stats.cases_opened).then(a.code.cmp(&b.code)));
    let max_child = kids.iter().map(|c| c.stats.cases_opened).max().unwrap_or(0).max(1);
    let query = |code: &str| {
        if preset == "custom" {
            format!("/dashboard?union={code}&preset=custom&from={from}&to={to}")
        } else {
            format!("/dashboard?union={code}&preset={preset}")
        }
    };
    let children = kids
        .iter()
        .map(|c| ChildRow {
            name: c.name.clone(),
            href: query(&c.code),
            opened: c.stats.cases_opened,
            disputes: c.stats.disputes_mediated,
            people: c.stats.people_involved,
            amount: l.money(c.stats.amount_recovered),
            claims: c.stats.claims_resolved,
            suggestions: format!("{} / {}", c.stats.suggestions_adopted, c.stats.suggestions),
            width: (c.stats.cases_opened as i64 * 100 / max_child as i64).max(if c.stats.cases_opened > 0 {
                2
            } else {
                0
            }),
        })
        .collect();
    let period_label = format!("{} — {}", l.date(period.from()), l.date(period.to()));
    let page = DashboardPage {
        ctx,
        union,
        unions,
        preset,
        from,
        to,
        period_label,
        cards,
        charts,
        months,
        trend_width,
        children,
    };
    Ok(render(&page))
}

/// The days of `YYYY-MM` that lie inside the period.
fn month_bounds(month: &str, period: Period) -> (String, String) {
    let first = parse_date(&format!("{month}-01")).unwrap_or(period.from());
    let last = Period::month_of(first).to();
    (first.max(period.from()).to_string(), last.min(period.to()).to_string())
}

#[derive(Deserialize, Default)]
pub struct VotesParams {
    #[serde(flatten)]
    period: DashboardParams,
    #[serde(default)]
    round: String,
    #[serde(default)]
    page: i64,
}

#[derive(Template)]
#[template(path = "votes.html")]
struct VotesPage {
    ctx: Ctx,
    title: String,
    union_name: String,
    period_label: String,
    total: i64,
    votes: Vec<youyue_store::ListedVote>,
    back: String,
    prev: Option<String>,
    next: Option<String>,
}

const VOTES_PER_PAGE: i64 = 50;

/// The votes behind a dashboard's monthly or yearly satisfaction card.
pub async fn votes(ctx: Ctx, State(state): State<AppState>, Query(p): Query<VotesParams>) -> PageResult {
    use youyue_domain::appraisal::Round;
    let (union, period, _) = union_and_period(&ctx, &state, &p.period).await?;
    let round =
        Round::parse(&p.round).ok_or_else(|| ApiError::invalid("round", format!("must be {}", Round::choices())))?;
    let page = p.page.max(0);
    let (total, votes) = state.store.list_votes(&union, round, period, VOTES_PER_PAGE, page * VOTES_PER_PAGE).await?;
    let (from, to) = (period.from().to_string(), period.to().to_string());
    let code = union.record.code.to_string();
    let at = |n: i64| {
        format!("/dashboard/votes?union={code}&preset=custom&from={from}&to={to}&round={}&page={n}", round.as_str())
    };
    let zh = ctx.lang == super::Lang::Zh;
    let title = match (round, zh) {
        (Round::Monthly, true) => "一月一评 · 评议明细".to_owned(),
        (Round::Yearly, true) => "年度测评 · 评议明细".to_owned(),
        (Round::Monthly, false) => "Monthly votes".to_owned(),
        (Round::Yearly, false) => "Yearly appraisal votes".to_owned(),
    };
    let period_label = format!("{} – {}", ctx.lang.date(period.from()), ctx.lang.date(period.to()));
    Ok(render(&VotesPage {
        title,
        union_name: union.record.name.clone(),
        period_label,
        total,
        votes,
        back: format!("/dashboard?union={code}&preset=custom&from={from}&to={to}"),
        prev: (page > 0).then(|| at(page - 1)),
        next: ((page + 1) * VOTES_PER_PAGE < total).then(|| at(page + 1)),
        ctx,
    }))
}
