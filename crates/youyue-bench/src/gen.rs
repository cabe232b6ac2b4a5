//! The generated province, as `youyue import` JSON Lines: one province union, its district
//! unions, their streets and the enterprise unions with their studios, two staff accounts
//! per union, and cases over ten years whose states and times follow the workflow.
//!
//! Deterministic: the same options give the same bytes (no clock, no OS randomness).
//! Cases come in the order they were opened; each case's number is the province prefix,
//! the China-time year it was opened and its sequence in that year.

use crate::rng::Rng;
use crate::texts::{self, Industry, Story, INDUSTRIES};
use anyhow::{bail, Context, Result};
use chrono::{Datelike, Months, NaiveDate, Weekday};
use serde::Serialize;
use serde_json::json;
use std::io::Write;

/// The province's code and case-number prefix.
pub const TOP_CODE: &str = "zj";
pub const CASE_PREFIX: &str = "ZJ";

#[derive(Debug, Clone)]
pub struct GenOptions {
    pub cases: u64,
    /// Enterprise unions (each with a studio).
    pub unions: u32,
    pub districts: u32,
    pub streets_per_district: u32,
    pub seed: u64,
    /// The last day of the data (China time); cases are opened over `years` years up to it.
    pub end: NaiveDate,
    pub years: u32,
    /// Also write each case's record book (register, accept, assign, notes, meetings,
    /// resolve or explain, rating) as `record` lines.
    pub records: bool,
}

impl Default for GenOptions {
    fn default() -> GenOptions {
        GenOptions {
            cases: 10_000,
            unions: 2000,
            districts: 100,
            streets_per_district: 5,
            seed: 1,
            end: NaiveDate::from_ymd_opt(2026, 11, 30).unwrap_or_default(),
            years: 10,
            records: false,
        }
    }
}

/// What was written.
#[derive(Debug, Default, Clone, Serialize)]
pub struct GenSummary {
    pub unions: u64,
    pub users: u64,
    pub cases: u64,
    pub records: u64,
    pub by_status: [u64; 5],
    pub first_day: String,
    pub last_day: String,
}

const STATUS: [&str; 5] = ["registered", "accepted", "in_progress", "resolved", "explained"];
const KINDS: [&str; 4] = ["claim", "dispute", "wellbeing", "suggestion"];
const DAY: i64 = 86_400;
const HOUR: f64 = 3_600.0;

struct Org {
    code: String,
    name: String,
    parent: Option<usize>,
    /// Day index (0 = the first day of the data, may be negative) the studio opened.
    studio_day: Option<i64>,
    industry: usize,
    company: String,
    receptionist: String,
    handler: String,
}

#[derive(Serialize)]
struct UnionLine<'a> {
    #[serde(rename = "type")]
    ty: &'static str,
    code: &'a str,
    name: &'a str,
    parent: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    studio_opened_on: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    case_prefix: Option<&'a str>,
}

#[derive(Serialize)]
struct UserLine<'a> {
    #[serde(rename = "type")]
    ty: &'static str,
    username: &'a str,
    name: &'a str,
    union: &'a str,
    role: &'static str,
    active: bool,
}

#[derive(Serialize, Default)]
struct CaseLine<'a> {
    #[serde(rename = "type")]
    ty: &'static str,
    number: String,
    union: &'a str,
    kind: &'static str,
    channel: &'static str,
    collective: bool,
    online: bool,
    scheduled: bool,
    people: i64,
    title: String,
    description: String,
    anonymous: bool,
    opened_at: String,
    status: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    closed_at: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    agreement: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    amount_recovered: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    adopted: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    rating: Option<i64>,
    immediate: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    worker_name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    contact: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    urgency: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    due_on: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    accepted_at: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    handler: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    supervised_due_on: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    resolution: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    explanation: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    rating_comment: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    rated_at: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    tracking_code_hash: Option<String>,
}

#[derive(Serialize)]
struct RecordLine<'a> {
    #[serde(rename = "type")]
    ty: &'static str,
    case: &'a str,
    seq: i64,
    at: String,
    actor: &'a str,
    action: &'static str,
    internal: bool,
    detail: serde_json::Value,
}

/// The calendar of the data: day indices from the first day, their dates and weekdays.
struct Days {
    first: NaiveDate,
    /// Number of days with cases.
    count: i64,
    /// Dates as text for day indices 0..count + slack (deadlines fall after the end).
    text: Vec<String>,
    working: Vec<bool>,
}

impl Days {
    fn new(end: NaiveDate, years: u32) -> Result<Days> {
        let first = end
            .checked_sub_months(Months::new(12 * years))
            .and_then(|d| d.succ_opt())
            .context("--end and --years give no valid first day")?;
        let count = (end - first).num_days() + 1;
        let mut text = Vec::new();
        let mut working = Vec::new();
        let mut d = first;
        for _ in 0..count + 400 {
            text.push(d.format("%Y-%m-%d").to_string());
            working.push(!matches!(d.weekday(), Weekday::Sat | Weekday::Sun));
            d = d.succ_opt().context("date out of range")?;
        }
        Ok(Days { first, count, text, working })
    }

    fn date(&self, day: i64) -> Result<String> {
        match usize::try_from(day).ok().and_then(|i| self.text.get(i)) {
            Some(t) => Ok(t.clone()),
            None => {
                let d = if day < 0 {
                    self.first.checked_sub_days(chrono::Days::new(day.unsigned_abs()))
                } else {
                    self.first.checked_add_days(chrono::Days::new(day.unsigned_abs()))
                };
                Ok(d.context("date out of range")?.format("%Y-%m-%d").to_string())
            }
        }
    }

    /// Local seconds (from 00:00 China time of the first day) as RFC 3339 in China time.
    fn at(&self, secs: i64) -> String {
        let day = secs.div_euclid(DAY);
        let sod = secs.rem_euclid(DAY);
        let date = usize::try_from(day).ok().and_then(|i| self.text.get(i)).map(String::as_str).unwrap_or("9999-12-31");
        format!("{date}T{:02}:{:02}:{:02}+08:00", sod / 3600, sod / 60 % 60, sod % 60)
    }

    fn year(&self, day: i64) -> i32 {
        self.text.get(day as usize).and_then(|t| t.get(..4)).and_then(|y| y.parse().ok()).unwrap_or(9999)
    }

    /// The time itself if it falls in office hours (08:30–18:00 on a working day), else a
    /// time in the first two hours of the next working morning: staff act at work.
    fn office(&self, rng: &mut Rng, secs: i64) -> i64 {
        let (open, close) = (8 * 3600 + 1800, 18 * 3600);
        let mut day = secs.div_euclid(DAY);
        let sod = secs.rem_euclid(DAY);
        let working = |d: i64| self.working.get(d as usize).copied().unwrap_or(true);
        if working(day) && (open..close).contains(&sod) {
            return secs;
        }
        if sod >= open || !working(day) {
            day += 1;
        }
        while !working(day) {
            day += 1;
        }
        day * DAY + open + rng.range(0, 2 * 3600)
    }

    /// `n` working days (Monday to Friday) after `day`.
    fn add_working(&self, day: i64, n: u32) -> i64 {
        let mut d = day;
        let mut left = n;
        while left > 0 {
            d += 1;
            if self.working.get(d as usize).copied().unwrap_or(true) {
                left -= 1;
            }
        }
        d
    }
}

fn build_tree(opts: &GenOptions, days: &Days, rng: &mut Rng) -> Vec<Org> {
    let mut orgs = vec![Org {
        code: TOP_CODE.into(),
        name: "浙江省总工会".into(),
        parent: None,
        studio_day: None,
        industry: 0,
        company: String::new(),
        receptionist: format!("r.{TOP_CODE}"),
        handler: format!("h.{TOP_CODE}"),
    }];
    let places: Vec<(&str, &str)> =
        texts::CITIES.iter().flat_map(|(city, ds)| ds.iter().map(move |d| (*city, *d))).collect();
    let districts = opts.districts.max(1) as usize;
    let per_district =
        opts.streets_per_district.clamp(1, 99).min((opts.unions / opts.districts.max(1)).max(1)) as usize;
    let mut streets = Vec::new();
    for i in 0..districts {
        let (city, county) = places[i % places.len()];
        let county =
            if i < places.len() { county.to_owned() } else { format!("{county}第{}开发区", i / places.len() + 1) };
        let code = format!("{TOP_CODE}.d{:02}", i + 1);
        let district = orgs.len();
        orgs.push(Org {
            name: format!("{city}{county}总工会"),
            parent: Some(0),
            studio_day: Some(-rng.range(400, 3000)),
            industry: 0,
            company: String::new(),
            receptionist: format!("r.{code}"),
            handler: format!("h.{code}"),
            code,
        });
        for j in 0..per_district {
            let code = format!("{}.s{:02}", orgs[district].code, j + 1);
            streets.push((orgs.len(), city.trim_end_matches('市').to_owned()));
            orgs.push(Org {
                name: format!("{county}{}总工会", texts::STREETS[(i * 7 + j) % texts::STREETS.len()]),
                parent: Some(district),
                studio_day: Some(-rng.range(30, 1500)),
                industry: 0,
                company: String::new(),
                receptionist: format!("r.{code}"),
                handler: format!("h.{code}"),
                code,
            });
        }
    }
    let mut per_street = vec![0usize; streets.len()];
    for k in 0..opts.unions as usize {
        let s = k % streets.len();
        per_street[s] += 1;
        let (street, city) = &streets[s];
        let code = format!("{}.e{:02}", orgs[*street].code, per_street[s]);
        let industry = rng.below(INDUSTRIES.len() as u64) as usize;
        let company = format!("{city}{}{}", rng.pick(texts::BRANDS), INDUSTRIES[industry].company);
        // Studios opened from two years before the data to the first two thirds of it.
        let studio_day = rng.range(-730, days.count * 2 / 3);
        orgs.push(Org {
            name: format!("{company}工会"),
            parent: Some(*street),
            studio_day: Some(studio_day),
            industry,
            company,
            receptionist: format!("r.{code}"),
            handler: format!("h.{code}"),
            code,
        });
    }
    orgs
}

fn write_line<W: Write, T: Serialize>(out: &mut W, line: &T) -> Result<()> {
    serde_json::to_writer(&mut *out, line)?;
    out.write_all(b"\n")?;
    Ok(())
}

/// Writes the province to `out`.
pub fn generate<W: Write>(opts: &GenOptions, out: &mut W) -> Result<GenSummary> {
    if opts.unions == 0 || opts.districts == 0 {
        bail!("--unions and --districts must be at least 1");
    }
    if opts.years == 0 {
        bail!("--years must be at least 1");
    }
    let days = Days::new(opts.end, opts.years)?;
    let root = Rng::new(opts.seed);
    let mut tree_rng = root.fork(1);
    let orgs = build_tree(opts, &days, &mut tree_rng);
    let mut sum = GenSummary {
        first_day: days.text.first().cloned().unwrap_or_default(),
        last_day: opts.end.to_string(),
        ..GenSummary::default()
    };

    for o in &orgs {
        let line = UnionLine {
            ty: "union",
            code: &o.code,
            name: &o.name,
            parent: o.parent.map(|p| orgs[p].code.as_str()),
            studio_opened_on: match o.studio_day {
                Some(d) => Some(days.date(d)?),
                None => None,
            },
            case_prefix: o.parent.is_none().then_some(CASE_PREFIX),
        };
        write_line(out, &line)?;
        sum.unions += 1;
    }
    let mut people_rng = root.fork(2);
    for o in orgs.iter().skip(1) {
        for (username, role) in [(&o.receptionist, "receptionist"), (&o.handler, "handler")] {
            let name = texts::person(&mut people_rng);
            write_line(out, &UserLine { ty: "user", username, name: &name, union: &o.code, role, active: true })?;
            sum.users += 1;
        }
    }

    // Enterprises draw cases by size: a few large factories, many small ones.
    let enterprises: Vec<usize> = (0..orgs.len()).filter(|&i| !orgs[i].company.is_empty()).collect();
    let mut cumulative = Vec::with_capacity(enterprises.len());
    let mut total = 0u64;
    for _ in &enterprises {
        total += 1 + (tree_rng.exp(6.0) as u64).min(80);
        cumulative.push(total);
    }
    // Cases per day: growing over the years (from half to one and a half of the mean),
    // fewer at weekends.
    let mut weights = Vec::with_capacity(days.count as usize);
    let mut acc = 0.0;
    for d in 0..days.count {
        let growth = 0.5 + d as f64 / days.count as f64;
        let weekday = if days.working[d as usize] { 1.0 } else { 0.35 };
        acc += growth * weekday;
        weights.push(acc);
    }
    let end_secs = days.count * DAY;
    let mut seq_year = (0i32, 0i64);
    let mut done = 0u64;
    let mut rng = root.fork(3);
    // Record books draw from a stream of their own: --records adds lines, changes none.
    let mut records = opts.records.then(|| root.fork(4));
    let mut times = Vec::new();
    for d in 0..days.count {
        let through = ((opts.cases as f64) * weights[d as usize] / acc).round() as u64;
        let n = through.saturating_sub(done);
        times.clear();
        for _ in 0..n {
            // Office hours mostly; online submissions at any waking hour.
            let sod = if rng.chance(0.8) {
                rng.range(8 * 3600 + 1800, 17 * 3600 + 1800)
            } else {
                rng.range(6 * 3600, 23 * 3600)
            };
            times.push(sod);
        }
        times.sort_unstable();
        for &sod in &times {
            done += 1;
            let year = days.year(d);
            if seq_year.0 != year {
                seq_year = (year, 0);
            }
            seq_year.1 += 1;
            let number = format!("{CASE_PREFIX}-{year}-{:06}", seq_year.1);
            let c = CaseGen { days: &days, orgs: &orgs, enterprises: &enterprises, cumulative: &cumulative, end_secs };
            c.case(&mut rng, number, d, d * DAY + sod, records.as_mut(), out, &mut sum)?;
        }
    }
    out.flush()?;
    Ok(sum)
}

struct CaseGen<'a> {
    days: &'a Days,
    orgs: &'a [Org],
    enterprises: &'a [usize],
    cumulative: &'a [u64],
    end_secs: i64,
}

/// When each step of a case happened (local seconds), as far as it got by the end.
struct Timeline {
    accepted: Option<i64>,
    assigned: Option<i64>,
    closed: Option<i64>,
}

impl CaseGen<'_> {
    fn pick_union(&self, rng: &mut Rng, day: i64) -> usize {
        let total = self.cumulative.last().copied().unwrap_or(1);
        let x = rng.below(total);
        let i = self.cumulative.partition_point(|&c| c <= x).min(self.enterprises.len() - 1);
        let e = self.enterprises[i];
        let org = &self.orgs[e];
        // Before its own studio opened, or now and then, a worker goes to the street's studio
        // (and rarely to the district's).
        if org.studio_day.is_some_and(|s| s > day) || rng.chance(0.05) {
            let street = org.parent.unwrap_or(0);
            if rng.chance(0.15) {
                return self.orgs[street].parent.unwrap_or(street);
            }
            return street;
        }
        e
    }

    #[allow(clippy::too_many_arguments)]
    fn case<W: Write>(
        &self,
        rng: &mut Rng,
        number: String,
        day: i64,
        opened: i64,
        records: Option<&mut Rng>,
        out: &mut W,
        sum: &mut GenSummary,
    ) -> Result<()> {
        let days = self.days;
        let ui = self.pick_union(rng, day);
        let org = &self.orgs[ui];
        // The enterprise whose workers it concerns (a street's case still names a company).
        let ind_org = if org.company.is_empty() {
            &self.orgs[self.enterprises[rng.below(self.enterprises.len() as u64) as usize]]
        } else {
            org
        };
        let ind: &Industry = &INDUSTRIES[ind_org.industry];
        let company = ind_org.company.as_str();
        let progress = day as f64 / days.count as f64;
        let kind = rng.weighted(&[40, 22, 14, 24]);
        let online_share = (0.1 + 0.4 * progress) * 1000.0;
        let channel_i = rng.weighted(&[
            ((1000.0 - online_share) * 0.35) as u32,
            ((1000.0 - online_share) * 0.10) as u32,
            ((1000.0 - online_share) * 0.35) as u32,
            ((1000.0 - online_share) * 0.20) as u32,
            online_share as u32,
        ]);
        let channel = ["hotline", "mailbox", "reception", "forum", "online"][channel_i];
        let collective_p = [0.10, 0.15, 0.0, 0.05][kind];
        let collective = rng.chance(collective_p);
        let people = if collective { 2 + (rng.exp(12.0) as i64).min(500) } else { 1 };
        let story: Story = match kind {
            0 => texts::claim(rng, ind, company, people),
            1 => texts::dispute(rng, ind, company, people),
            2 => texts::wellbeing(rng, ind),
            _ => texts::suggestion(rng, ind),
        };
        let anonymous = rng.chance(if kind == 2 { 0.35 } else { 0.08 });
        let worker_name = (!anonymous && rng.chance(0.75)).then(|| {
            if rng.chance(0.5) {
                texts::informal_name(rng)
            } else {
                texts::person(rng)
            }
        });
        let contact = rng.chance(if anonymous { 0.4 } else { 0.7 }).then(|| texts::phone(rng));
        let immediate = matches!(channel, "hotline" | "reception") && rng.chance(0.25);
        let scheduled = rng.chance(if channel == "reception" { 0.4 } else { 0.1 });
        let urgent = rng.chance(if collective { 0.4 } else { 0.03 });

        // The workflow's times, then what of it had happened by the end of the data.
        let stuck = rng.chance(0.002);
        let explained_at_once = rng.chance(0.03);
        let explains = explained_at_once || rng.chance([0.12, 0.08, 0.03, 0.15][kind]);
        let accepted = if explained_at_once {
            None
        } else if urgent {
            Some(opened + 300 + rng.exp(0.5 * HOUR) as i64)
        } else {
            let late = if rng.chance(0.05) { rng.range(1, 4) * DAY } else { 0 };
            Some(opened + 600 + rng.exp(8.0 * HOUR) as i64 + late)
        };
        let accepted = accepted.map(|a| if urgent { a } else { days.office(rng, a) });
        let assign_delay = 300 + rng.exp(3.0 * HOUR) as i64;
        let assigned = accepted.map(|a| days.office(rng, a + assign_delay));
        let closed = if stuck {
            None
        } else if explained_at_once {
            Some(opened + 3600 + rng.exp(20.0 * HOUR) as i64)
        } else {
            let mean_days = [5.0, 8.0, 3.0, 10.0][kind];
            let overrun = if rng.chance(0.1) { rng.range(5, 30) * DAY } else { 0 };
            let dur =
                if urgent { rng.exp(4.0 * HOUR) as i64 } else { (rng.exp(mean_days) * DAY as f64) as i64 + overrun };
            assigned.map(|a| a + 600 + dur)
        };
        let closed = closed.map(|t| if urgent { t } else { days.office(rng, t) });
        let seen = |t: Option<i64>| t.filter(|&t| t <= self.end_secs);
        let tl = Timeline { accepted: seen(accepted), assigned: seen(assigned), closed: seen(closed) };
        let status_i = match (tl.closed, tl.assigned, tl.accepted) {
            (Some(_), _, _) if explains => 4,
            (Some(_), _, _) => 3,
            (None, Some(_), _) => 2,
            (None, None, Some(_)) => 1,
            _ => 0,
        };
        sum.by_status[status_i] += 1;
        sum.cases += 1;
        let due_day = tl.accepted.map(|a| {
            let a_day = a.div_euclid(DAY);
            if urgent {
                a_day
            } else {
                days.add_working(a_day, if kind == 1 { 15 } else { 10 })
            }
        });
        let due_text = match due_day {
            Some(d) => Some(days.date(d)?),
            None => None,
        };

        let mut c = CaseLine {
            ty: "case",
            union: &org.code,
            kind: KINDS[kind],
            channel,
            collective,
            online: channel == "online",
            scheduled,
            people,
            anonymous,
            opened_at: days.at(opened),
            status: STATUS[status_i],
            immediate,
            worker_name,
            contact,
            urgency: tl.accepted.map(|_| if urgent { "urgent" } else { "normal" }),
            due_on: due_text.as_deref(),
            accepted_at: tl.accepted.map(|a| days.at(a)),
            handler: tl.assigned.map(|_| org.handler.as_str()),
            tracking_code_hash: (channel == "online").then(|| {
                format!("{:016x}{:016x}{:016x}{:016x}", rng.next_u64(), rng.next_u64(), rng.next_u64(), rng.next_u64())
            }),
            number,
            title: story.title,
            description: story.description,
            ..CaseLine::default()
        };
        // An open case past its deadline at the end has already been raised (督办).
        if status_i < 3 && due_day.is_some_and(|d| d < days.count - 1) {
            c.supervised_due_on = c.due_on;
        }
        let mut rated = None;
        if let Some(closed) = tl.closed {
            c.closed_at = Some(days.at(closed));
            if status_i == 4 {
                c.explanation = Some(*rng.pick(texts::EXPLANATIONS));
            } else {
                let mut resolution = story.resolution;
                let mut recovered = story.recovers_money;
                let mut share = (0.6, 1.0);
                if kind == 1 {
                    let agreement = rng.chance(if collective { 0.9 } else { 0.82 });
                    c.agreement = Some(agreement);
                    if !agreement {
                        resolution = texts::UNRESOLVED_DISPUTE;
                        recovered = false;
                    }
                    share = (0.5, 1.0);
                }
                if kind == 3 {
                    let adopted = rng.chance(0.62);
                    c.adopted = Some(adopted);
                    if !adopted {
                        resolution = texts::NOT_ADOPTED;
                    }
                }
                let amount = match story.amount_fen {
                    Some(a) if recovered && rng.chance(0.85) => {
                        let f = share.0 + (share.1 - share.0) * rng.unit();
                        let mut fen = ((a as f64 * f) / 100.0).round() as i64 * 100;
                        if rng.chance(0.2) {
                            fen += rng.range(1, 99);
                        }
                        Some(fen.max(100))
                    }
                    _ => None,
                };
                let amount_text = amount.map(texts::yuan);
                let said = amount_text.as_ref().map(|a| format!("{a}元")).unwrap_or_else(|| "相应款项".into());
                c.resolution = Some(resolution.replace("{amount}元", &said));
                c.amount_recovered = amount_text;
            }
            if rng.chance(0.6) {
                let at = closed + 600 + (rng.exp(1.0) * DAY as f64) as i64;
                if at <= self.end_secs {
                    let weights: &[u32] = if status_i == 4 { &[10, 12, 25, 28, 25] } else { &[3, 4, 10, 28, 55] };
                    let r = rng.weighted(weights) as i64 + 1;
                    c.rating = Some(r);
                    c.rated_at = Some(days.at(at));
                    c.rating_comment = rng.chance(0.3).then(|| *rng.pick(texts::RATING_COMMENTS));
                    rated = Some((at, r));
                }
            }
        }
        write_line(out, &c)?;
        if let Some(rrng) = records {
            sum.records += self.record_book(rrng, &c, org, opened, &tl, rated, out)?;
        }
        Ok(())
    }

    /// The case's record book as the workflow would have written it.
    #[allow(clippy::too_many_arguments)]
    fn record_book<W: Write>(
        &self,
        rng: &mut Rng,
        c: &CaseLine<'_>,
        org: &Org,
        opened: i64,
        tl: &Timeline,
        rated: Option<(i64, i64)>,
        out: &mut W,
    ) -> Result<u64> {
        let days = self.days;
        let registrar = if c.online { "worker" } else { org.receptionist.as_str() };
        let mut entries: Vec<(i64, &str, &'static str, bool, serde_json::Value)> = vec![(
            opened,
            registrar,
            "register",
            false,
            json!({"after": {"kind": c.kind, "channel": c.channel, "people": c.people, "collective": c.collective,
                "anonymous": c.anonymous, "title": c.title, "status": "registered", "contact_given": c.contact.is_some()}}),
        )];
        if let Some(a) = tl.accepted {
            entries.push((
                a,
                &org.receptionist,
                "accept",
                false,
                json!({"before": {"status": "registered", "accepted_at": null, "due_on": null, "urgency": null},
                    "after": {"status": "accepted", "accepted_at": days.at(a), "due_on": c.due_on, "urgency": c.urgency}}),
            ));
        }
        if let Some(s) = tl.assigned {
            entries.push((
                s,
                &org.receptionist,
                "assign",
                false,
                json!({"before": {"status": "accepted", "handler": null}, "after": {"status": "in_progress", "handler": org.handler}}),
            ));
            let until = tl.closed.unwrap_or(self.end_secs);
            if c.scheduled && s + 3600 < until {
                let meeting = s + 3600 + rng.below((until - s - 3600) as u64 / 2 + 1) as i64;
                entries.push((
                    s + 1800,
                    &org.handler,
                    "schedule",
                    false,
                    json!({"starts_at": days.at(meeting), "place": rng.pick(texts::PLACES)}),
                ));
            }
            for _ in 0..rng.below(3) {
                if until > s + 60 {
                    let at = s + 60 + rng.below((until - s - 60) as u64) as i64;
                    entries.push((at, &org.handler, "note", rng.chance(0.5), json!({"text": rng.pick(texts::NOTES)})));
                }
            }
        }
        if let Some(closed) = tl.closed {
            let before_status = if tl.assigned.is_some() { "in_progress" } else { "registered" };
            let closer = if tl.assigned.is_some() { org.handler.as_str() } else { org.receptionist.as_str() };
            let (action, after) = if c.status == "explained" {
                ("explain", json!({"status": "explained", "closed_at": days.at(closed), "explanation": c.explanation}))
            } else {
                let mut after = json!({"status": "resolved", "closed_at": days.at(closed), "resolution": c.resolution});
                if let Some(m) = after.as_object_mut() {
                    if let Some(a) = c.agreement {
                        m.insert("agreement".into(), a.into());
                    }
                    if let Some(a) = &c.amount_recovered {
                        m.insert("amount_recovered".into(), a.clone().into());
                    }
                    if let Some(a) = c.adopted {
                        m.insert("adopted".into(), a.into());
                    }
                }
                ("resolve", after)
            };
            let before = json!({"status": before_status, "closed_at": null});
            entries.push((closed, closer, action, false, json!({"before": before, "after": after})));
        }
        if let Some((at, r)) = rated {
            entries.push((
                at,
                "worker",
                "rate",
                false,
                json!({"before": {"rating": null, "rated_at": null, "rating_comment": null},
                    "after": {"rating": r, "rated_at": days.at(at), "rating_comment": c.rating_comment}}),
            ));
        }
        // The supervision sweep raised it the morning after its deadline.
        if let Some(due) = c.supervised_due_on {
            let day = NaiveDate::parse_from_str(due, "%Y-%m-%d").map(|d| (d - days.first).num_days() + 1)?;
            entries.push((
                day * DAY + 3600,
                "system",
                "supervise",
                true,
                json!({"due_on": due, "raised_to": org.code.rsplit_once('.').map(|(parent, _)| parent)}),
            ));
        }
        entries.sort_by_key(|e| e.0);
        let n = entries.len() as u64;
        for (i, (at, actor, action, internal, detail)) in entries.into_iter().enumerate() {
            let line = RecordLine {
                ty: "record",
                case: &c.number,
                seq: i as i64 + 1,
                at: days.at(at),
                actor,
                action,
                internal,
                detail,
            };
            write_line(out, &line)?;
        }
        Ok(n)
    }
}
