//! Running tallies: the figures of [`crate::stats`], [`crate::timeliness`] and case ratings,
//! kept as sums per union and China day (and month) so that a dashboard over a million
//! cases adds up a few hundred rows instead of reading the cases.
//!
//! A case contributes a [`Tally`] to the day it was raised (its `opened_*` columns), the day
//! it was accepted and the day it was closed. Storage adds a case's contribution to its union
//! and every union above it, for the day and for the month, and on every change subtracts
//! the old contribution and adds the new one, in the same transaction as the change.
//!
//! Percentiles cannot be summed, so durations also go into histograms ([`Hours`]): hours to
//! accept in tenths of an hour, hours to close in whole hours. The 90th percentile read off
//! a histogram is exact at that resolution, and equals [`crate::timeliness::Timeliness::compute`]
//! because both put durations into the same buckets with [`crate::duration::bucket`].
//!
//! The reference definitions stay in `stats`, `timeliness` and `appraisal`; the tests check
//! that tallies summed over any period give exactly what they give.

use crate::appraisal::{is_satisfied, VoteSummary};
use crate::calendar::WorkCalendar;
use crate::case::{Channel, Kind, Status};
use crate::command::ACCEPT_DAYS;
use crate::duration::{bucket, mean_hours, seconds, Hours};
use crate::money::MoneySum;
use crate::stats::{CaseFacts, Stats};
use crate::time::Period;
use crate::timeliness::Timeliness;
use chrono::NaiveDate;
use std::collections::BTreeMap;

/// Sums over the cases of some unions and days. Field order is column order.
///
/// Every column is a sum of what each case adds, and each case adds a bounded amount: 1 to a
/// count, at most [`crate::case::MAX_PEOPLE`] people, at most [`crate::money::Money::MAX_FEN`] fen
/// ([`CaseFacts::counted_fen`], whatever is stored), a rating of at most 5, and seconds of
/// a duration between years 1000 and 9999 (under 2.9 × 10^11). So an i64 column holds at
/// least 922 million cases: a single row or a period's total would overflow only with that
/// many cases resolved at 100 million yuan each under one union, three for every union member
/// in China. The tallies' SQL sums (the upserts, a rebuild's `sum_bigint`) therefore cannot
/// fail, and [`Tally::add`] saturates in case one ever did. The money figure itself is
/// handed on as a [`MoneySum`].
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Tally {
    /// Cases raised on the day, and their split by kind, channel and current status.
    pub opened: i64,
    pub opened_by_kind: [i64; 4],
    pub opened_by_channel: [i64; 5],
    pub opened_by_status: [i64; 5],
    /// The wellbeing cases among them, by current status: lists subtract the ones a viewer
    /// may not see without counting them one by one.
    pub wellbeing_by_status: [i64; 5],
    /// Suggestions raised on the day and marked adopted.
    pub suggestions_adopted: i64,
    /// Cases resolved on the day, by kind.
    pub resolved_by_kind: [i64; 4],
    /// People in the disputes resolved on the day.
    pub dispute_people: i64,
    /// Money recovered by the cases resolved on the day.
    pub amount_fen: i64,
    pub explained: i64,
    /// Cases closed (resolved or explained) on the day, for timeliness.
    pub closed: i64,
    pub closed_with_deadline: i64,
    pub closed_on_time: i64,
    /// Whole seconds from raised to closed, summed.
    pub close_seconds: i64,
    /// Cases accepted on the day.
    pub accepted: i64,
    pub accepted_on_time: i64,
    pub accept_seconds: i64,
    /// Ratings of the cases closed on the day.
    pub rated: i64,
    pub rated_satisfied: i64,
    pub rating_sum: i64,
    /// Disputes closed on the day by a referral to arbitration.
    pub referred: i64,
}

/// The number of columns of a [`Tally`].
pub const WIDTH: usize = 39;

fn index<T: PartialEq>(all: &[T], x: &T) -> usize {
    all.iter().position(|a| a == x).unwrap_or(0)
}

impl Tally {
    /// Column names in field order (the `tallies` table has these columns).
    pub fn columns() -> Vec<String> {
        let mut c = vec!["opened".to_owned()];
        c.extend(Kind::ALL.iter().map(|k| format!("opened_{}", k.as_str())));
        c.extend(Channel::ALL.iter().map(|k| format!("opened_{}", k.as_str())));
        c.extend(Status::COUNTED.iter().map(|k| format!("opened_{}", k.as_str())));
        c.extend(Status::COUNTED.iter().map(|k| format!("wellbeing_{}", k.as_str())));
        c.push("suggestions_adopted".into());
        c.extend(Kind::ALL.iter().map(|k| format!("resolved_{}", k.as_str())));
        for name in [
            "dispute_people",
            "amount_fen",
            "explained",
            "closed",
            "closed_with_deadline",
            "closed_on_time",
            "close_seconds",
            "accepted",
            "accepted_on_time",
            "accept_seconds",
            "rated",
            "rated_satisfied",
            "rating_sum",
            "referred",
        ] {
            c.push(name.into());
        }
        c
    }

    pub fn values(&self) -> [i64; WIDTH] {
        let mut v = [0; WIDTH];
        let mut i = 0;
        let mut put = |x: i64| {
            v[i] = x;
            i += 1;
        };
        put(self.opened);
        self.opened_by_kind.iter().for_each(|x| put(*x));
        self.opened_by_channel.iter().for_each(|x| put(*x));
        self.opened_by_status.iter().for_each(|x| put(*x));
        self.wellbeing_by_status.iter().for_each(|x| put(*x));
        put(self.suggestions_adopted);
        self.resolved_by_kind.iter().for_each(|x| put(*x));
        for x in [
            self.dispute_people,
            self.amount_fen,
            self.explained,
            self.closed,
            self.closed_with_deadline,
            self.closed_on_time,
            self.close_seconds,
            self.accepted,
            self.accepted_on_time,
            self.accept_seconds,
            self.rated,
            self.rated_satisfied,
            self.rating_sum,
            self.referred,
        ] {
            put(x);
        }
        v
    }

    pub fn from_values(v: &[i64; WIDTH]) -> Tally {
        let mut it = v.iter().copied();
        let mut take = || it.next().unwrap_or(0);
        let arr4 = |take: &mut dyn FnMut() -> i64| [take(), take(), take(), take()];
        let opened = take();
        let opened_by_kind = arr4(&mut take);
        let opened_by_channel = [take(), take(), take(), take(), take()];
        let opened_by_status = [take(), take(), take(), take(), take()];
        let wellbeing_by_status = [take(), take(), take(), take(), take()];
        let suggestions_adopted = take();
        let resolved_by_kind = arr4(&mut take);
        Tally {
            opened,
            opened_by_kind,
            opened_by_channel,
            opened_by_status,
            wellbeing_by_status,
            suggestions_adopted,
            resolved_by_kind,
            dispute_people: take(),
            amount_fen: take(),
            explained: take(),
            closed: take(),
            closed_with_deadline: take(),
            closed_on_time: take(),
            close_seconds: take(),
            accepted: take(),
            accepted_on_time: take(),
            accept_seconds: take(),
            rated: take(),
            rated_satisfied: take(),
            rating_sum: take(),
            referred: take(),
        }
    }

    pub fn is_zero(&self) -> bool {
        self.values().iter().all(|x| *x == 0)
    }

    /// Column-wise `self + sign * other`, saturating (sums never come near i64's range: see
    /// [`Tally`]).
    pub fn add(&mut self, other: &Tally, sign: i64) {
        let mut v = self.values();
        for (a, b) in v.iter_mut().zip(other.values()) {
            *a = a.saturating_add(b.saturating_mul(sign));
        }
        *self = Tally::from_values(&v);
    }

    /// The `stats` figures (all but `studios`, which come from the unions). Never fails:
    /// the money sum is a [`MoneySum`], not one case's [`crate::money::Money`].
    pub fn stats(&self, union: &str, period: Period, studios: u64) -> Stats {
        let n = |v: i64| u64::try_from(v).unwrap_or(0);
        let mut s = Stats::empty(union, period);
        s.studios = studios;
        let kind = |k: Kind| self.resolved_by_kind[index(Kind::ALL, &k)];
        s.disputes_mediated = n(kind(Kind::Dispute));
        s.people_involved = n(self.dispute_people);
        s.amount_recovered = MoneySum::from_fen(self.amount_fen.max(0));
        s.claims_resolved = n(kind(Kind::Claim));
        s.suggestions = n(self.opened_by_kind[index(Kind::ALL, &Kind::Suggestion)]);
        s.suggestions_adopted = n(self.suggestions_adopted);
        s.cases_resolved = n(self.resolved());
        s.cases_explained = n(self.explained);
        s.cases_opened = n(self.opened);
        s.disputes_referred_to_arbitration = n(self.referred);
        for (k, v) in Kind::ALL.iter().zip(self.opened_by_kind) {
            s.opened_by_kind.insert(k.as_str().to_owned(), n(v));
        }
        for (k, v) in Channel::ALL.iter().zip(self.opened_by_channel) {
            s.opened_by_channel.insert(k.as_str().to_owned(), n(v));
        }
        for (k, v) in Status::COUNTED.iter().zip(self.opened_by_status) {
            s.opened_by_status.insert(k.as_str().to_owned(), n(v));
        }
        s
    }

    pub fn resolved(&self) -> i64 {
        self.resolved_by_kind.iter().fold(0, |a, b| a.saturating_add(*b))
    }

    /// Timeliness, with the histograms of the same cases for the percentiles.
    pub fn timeliness(&self, to_accept: &Histogram, to_close: &Histogram) -> Timeliness {
        let n = |v: i64| u64::try_from(v).unwrap_or(0);
        Timeliness {
            accepted: n(self.accepted),
            accepted_on_time: n(self.accepted_on_time),
            closed_with_deadline: n(self.closed_with_deadline),
            closed_on_time: n(self.closed_on_time),
            hours_to_accept_mean: mean_hours(self.accept_seconds, self.accepted),
            hours_to_accept_p90: to_accept.p90(Hours::ToAccept),
            hours_to_close_mean: mean_hours(self.close_seconds, self.closed),
            hours_to_close_p90: to_close.p90(Hours::ToClose),
        }
    }

    pub fn case_ratings(&self) -> VoteSummary {
        VoteSummary::from_sums(self.rated, self.rated_satisfied, self.rating_sum)
    }
}

/// Counts per bucket.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Histogram(pub BTreeMap<i64, i64>);

impl Histogram {
    pub fn add(&mut self, bucket: i64, n: i64) {
        *self.0.entry(bucket).or_default() += n;
    }

    /// Nearest-rank 90th percentile, in hours.
    pub fn p90(&self, h: Hours) -> Option<f64> {
        let total: i64 = self.0.values().filter(|n| **n > 0).sum();
        if total == 0 {
            return None;
        }
        // rank = ceil(0.9 × total), at least 1.
        let rank = ((total * 9 + 9) / 10).max(1);
        let mut seen = 0;
        for (b, n) in &self.0 {
            seen += (*n).max(0);
            if seen >= rank {
                return Some(((*b as f64) * h.unit_hours() * 10.0).round() / 10.0);
            }
        }
        None
    }
}

/// What one case adds: tallies by China day, and histogram entries by China day.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct CaseTally {
    pub days: BTreeMap<NaiveDate, Tally>,
    pub hours: Vec<(NaiveDate, Hours, i64)>,
}

/// A case's contribution. `calendar` decides whether it was accepted on time (by the end
/// of [`ACCEPT_DAYS`] working days after the day it was raised).
pub fn of_case(c: &CaseFacts, calendar: &WorkCalendar) -> CaseTally {
    let mut out = CaseTally::default();
    // A merged case (issue 22) adds nothing: it counts through the case it joined.
    if c.status == Status::Merged {
        return out;
    }
    let opened_day = c.opened_at.cst_date();
    {
        let t = out.days.entry(opened_day).or_default();
        t.opened += 1;
        t.opened_by_kind[index(Kind::ALL, &c.kind)] += 1;
        t.opened_by_channel[index(Channel::ALL, &c.channel)] += 1;
        t.opened_by_status[index(&Status::COUNTED, &c.status)] += 1;
        if c.kind == Kind::Wellbeing {
            t.wellbeing_by_status[index(&Status::COUNTED, &c.status)] += 1;
        }
        if c.kind == Kind::Suggestion && c.adopted == Some(true) {
            t.suggestions_adopted += 1;
        }
    }
    if let Some(a) = c.accepted_at {
        let day = a.cst_date();
        let t = out.days.entry(day).or_default();
        t.accepted += 1;
        if day <= calendar.add_working_days(opened_day, ACCEPT_DAYS) {
            t.accepted_on_time += 1;
        }
        let d = a.micros().saturating_sub(c.opened_at.micros());
        t.accept_seconds += seconds(d);
        out.hours.push((day, Hours::ToAccept, bucket(d, Hours::ToAccept)));
    }
    if let Some(closed) = c.closed_at {
        let day = closed.cst_date();
        let t = out.days.entry(day).or_default();
        let d = closed.micros().saturating_sub(c.opened_at.micros());
        if c.status.is_closed() {
            t.closed += 1;
            t.close_seconds += seconds(d);
            if let Some(due) = c.due_on {
                t.closed_with_deadline += 1;
                if day <= due {
                    t.closed_on_time += 1;
                }
            }
            out.hours.push((day, Hours::ToClose, bucket(d, Hours::ToClose)));
        }
        match c.status {
            Status::Resolved => {
                t.resolved_by_kind[index(Kind::ALL, &c.kind)] += 1;
                if c.kind == Kind::Dispute {
                    t.dispute_people += c.counted_people();
                }
                t.amount_fen += c.counted_fen();
            }
            Status::Explained => {
                t.explained += 1;
                if c.referred && c.kind == Kind::Dispute {
                    t.referred += 1;
                }
            }
            _ => {}
        }
        if let Some(r) = c.rating {
            t.rated += 1;
            // Within the ratings' scale (1 to 5) whatever is stored, as for people and money.
            t.rating_sum += r.clamp(0, 5);
            if is_satisfied(r) {
                t.rated_satisfied += 1;
            }
        }
    }
    out
}

/// The first day of `day`'s month.
pub fn month_start(day: NaiveDate) -> NaiveDate {
    day.with_day0(0).unwrap_or(day)
}

/// The first day of `day`'s year.
pub fn year_start(day: NaiveDate) -> NaiveDate {
    NaiveDate::from_ymd_opt(day.year(), 1, 1).unwrap_or(day)
}

use chrono::Datelike;

/// How long a tally row lasts: a China day, month or year, named by its first day.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Grain {
    Day,
    Month,
    Year,
}

impl Grain {
    pub const ALL: [Grain; 3] = [Grain::Day, Grain::Month, Grain::Year];

    pub fn as_str(self) -> &'static str {
        match self {
            Grain::Day => "d",
            Grain::Month => "m",
            Grain::Year => "y",
        }
    }

    /// The first day of the row of this grain that holds `day`.
    pub fn start(self, day: NaiveDate) -> NaiveDate {
        match self {
            Grain::Day => day,
            Grain::Month => month_start(day),
            Grain::Year => year_start(day),
        }
    }
}

/// Rows of one grain whose first days lie in `from..=to`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Span {
    pub grain: Grain,
    pub from: NaiveDate,
    pub to: NaiveDate,
}

/// A period cut into whole years (if asked for), whole months and loose days, so that a sum
/// over it reads as few rows as possible: ten years are ten year rows, not 3,650 day rows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cut {
    pub spans: Vec<Span>,
    /// The days covered by whole months and years (first and last), if any.
    pub whole: Option<(NaiveDate, NaiveDate)>,
    /// The loose days (inclusive ranges): zero, one or two.
    pub days: Vec<(NaiveDate, NaiveDate)>,
}

pub fn cut(p: Period, years: bool) -> Cut {
    let (from, to) = (p.from(), p.to());
    let first_whole = if from.day() == 1 { from } else { next_month(from) };
    let after_to = to.succ_opt().unwrap_or(to);
    let last_whole_end = if after_to.day() == 1 { to } else { month_start(to).pred_opt().unwrap_or(to) };
    if first_whole > last_whole_end {
        return Cut { spans: vec![Span { grain: Grain::Day, from, to }], whole: None, days: vec![(from, to)] };
    }
    let mut days = Vec::new();
    if from < first_whole {
        days.push((from, first_whole.pred_opt().unwrap_or(from)));
    }
    if last_whole_end < to {
        days.push((last_whole_end.succ_opt().unwrap_or(to), to));
    }
    let (m1, m2) = (first_whole, month_start(last_whole_end));
    let y1 = if m1.month() == 1 { m1.year() } else { m1.year() + 1 };
    let y2 = if m2.month() == 12 { m2.year() } else { m2.year() - 1 };
    let jan1 = |y: i32| NaiveDate::from_ymd_opt(y, 1, 1);
    let dec1 = |y: i32| NaiveDate::from_ymd_opt(y, 12, 1);
    let mut spans: Vec<Span> = days.iter().map(|(a, b)| Span { grain: Grain::Day, from: *a, to: *b }).collect();
    match (jan1(y1), jan1(y2), dec1(y1 - 1), jan1(y2 + 1)) {
        (Some(a), Some(b), Some(before), Some(after)) if years && y1 <= y2 => {
            spans.push(Span { grain: Grain::Year, from: a, to: b });
            if m1 < a {
                spans.push(Span { grain: Grain::Month, from: m1, to: before });
            }
            if m2 >= after {
                spans.push(Span { grain: Grain::Month, from: after, to: m2 });
            }
        }
        _ => spans.push(Span { grain: Grain::Month, from: m1, to: m2 }),
    }
    Cut { spans, whole: Some((first_whole, last_whole_end)), days }
}

fn next_month(d: NaiveDate) -> NaiveDate {
    let s = month_start(d);
    let (y, m) = if s.month() == 12 { (s.year() + 1, 1) } else { (s.year(), s.month() + 1) };
    NaiveDate::from_ymd_opt(y, m, 1).unwrap_or(d)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::money::Money;
    use crate::time::{parse_date, Timestamp};
    use crate::timeliness::TimeFacts;

    fn d(s: &str) -> NaiveDate {
        parse_date(s).unwrap()
    }

    #[test]
    fn columns_match_values() {
        assert_eq!(Tally::columns().len(), WIDTH);
        let mut t = Tally { opened: 1, rating_sum: 7, amount_fen: 5, ..Default::default() };
        t.opened_by_status[4] = 3;
        assert_eq!(Tally::from_values(&t.values()), t);
        let cols = Tally::columns();
        let v = t.values();
        assert_eq!(v[cols.iter().position(|c| c == "rating_sum").unwrap()], 7);
        assert_eq!(v[cols.iter().position(|c| c == "opened_explained").unwrap()], 3);
        assert_eq!(v[cols.iter().position(|c| c == "amount_fen").unwrap()], 5);
    }

    #[test]
    fn cuts_into_years_months_and_edges() {
        let p = |a, b| Period::new(d(a), d(b)).unwrap();
        let span = |grain, a, b| Span { grain, from: d(a), to: d(b) };
        let c = cut(p("2022-01-01", "2022-12-31"), true);
        assert_eq!(c.spans, vec![span(Grain::Year, "2022-01-01", "2022-01-01")]);
        assert_eq!((c.whole, c.days.len()), (Some((d("2022-01-01"), d("2022-12-31"))), 0));
        let c = cut(p("2022-01-15", "2022-03-10"), true);
        assert_eq!(
            c.spans,
            vec![
                span(Grain::Day, "2022-01-15", "2022-01-31"),
                span(Grain::Day, "2022-03-01", "2022-03-10"),
                span(Grain::Month, "2022-02-01", "2022-02-01")
            ]
        );
        assert_eq!(c.whole, Some((d("2022-02-01"), d("2022-02-28"))));
        let c = cut(p("2016-01-15", "2025-12-20"), true);
        assert_eq!(
            c.spans,
            vec![
                span(Grain::Day, "2016-01-15", "2016-01-31"),
                span(Grain::Day, "2025-12-01", "2025-12-20"),
                span(Grain::Year, "2017-01-01", "2024-01-01"),
                span(Grain::Month, "2016-02-01", "2016-12-01"),
                span(Grain::Month, "2025-01-01", "2025-11-01"),
            ]
        );
        assert_eq!(
            cut(p("2022-01-01", "2023-12-31"), false).spans,
            vec![span(Grain::Month, "2022-01-01", "2023-12-01")],
            "months only when asked"
        );
        assert_eq!(cut(p("2022-01-02", "2022-01-31"), true).spans, vec![span(Grain::Day, "2022-01-02", "2022-01-31")]);
        assert_eq!(cut(p("2022-12-31", "2023-01-01"), true).whole, None);
        assert_eq!(
            cut(p("2024-02-01", "2024-02-29"), true).spans,
            vec![span(Grain::Month, "2024-02-01", "2024-02-01")]
        );
        assert_eq!(
            cut(p("2021-12-01", "2023-01-31"), true).spans,
            vec![
                span(Grain::Year, "2022-01-01", "2022-01-01"),
                span(Grain::Month, "2021-12-01", "2021-12-01"),
                span(Grain::Month, "2023-01-01", "2023-01-01")
            ]
        );
    }

    /// Every day of a period is covered by exactly one span, over many periods.
    #[test]
    fn cuts_cover_each_day_once() {
        let start = d("2019-11-03");
        for a in (0..900).step_by(37) {
            for len in [0u64, 1, 27, 28, 29, 30, 31, 58, 59, 60, 364, 365, 366, 700, 1500] {
                let from = start + chrono::Days::new(a);
                let to = from + chrono::Days::new(len);
                let c = cut(Period::new(from, to).unwrap(), len % 2 == 0);
                let mut day = from;
                while day <= to {
                    let n = c
                        .spans
                        .iter()
                        .filter(|s| {
                            let first = s.grain.start(day);
                            first >= s.from && first <= s.to
                        })
                        .count();
                    assert_eq!(n, 1, "{day} in {from}..{to}: {c:?}");
                    day = day.succ_opt().unwrap();
                }
                // Every row a span names lies wholly inside the period.
                for sp in &c.spans {
                    let mut first = sp.from;
                    while first <= sp.to {
                        let next = match sp.grain {
                            Grain::Day => first.succ_opt().unwrap(),
                            Grain::Month => next_month(first),
                            Grain::Year => NaiveDate::from_ymd_opt(first.year() + 1, 1, 1).unwrap(),
                        };
                        assert!(first >= from && next.pred_opt().unwrap() <= to, "{sp:?} leaves {from}..{to}");
                        first = next;
                    }
                }
            }
        }
    }

    /// What a case adds is bounded whatever is stored, so tally sums stay in i64; a tally
    /// that did saturate still gives its figures (no "amount overflow").
    #[test]
    fn a_case_adds_bounded_amounts() {
        let t = |s| Timestamp::parse_rfc3339(s).unwrap();
        let edited = CaseFacts {
            kind: Kind::Dispute,
            channel: Channel::Reception,
            status: Status::Resolved,
            people: i64::MAX / 2,
            opened_at: t("2022-02-10T09:00:00+08:00"),
            closed_at: Some(t("2022-02-10T17:00:00+08:00")),
            accepted_at: None,
            amount_recovered: Money::from_fen(i64::MAX / 2),
            adopted: None,
            rating: Some(i64::MAX / 2),
            due_on: None,
            referred: false,
        };
        let ct = of_case(&edited, &WorkCalendar::default());
        let day = ct.days[&d("2022-02-10")];
        assert_eq!(day.amount_fen, Money::MAX_FEN);
        assert_eq!(day.dispute_people, i64::from(crate::case::MAX_PEOPLE));
        assert_eq!(day.rating_sum, 5);
        // 922 million such cases fit a column; past that, sums saturate and still answer.
        let mut sum = Tally::default();
        for _ in 0..3 {
            sum.add(&Tally { amount_fen: i64::MAX / 2, resolved_by_kind: [i64::MAX / 2; 4], ..day }, 1);
        }
        let p = Period::new(d("2022-01-01"), d("2022-12-31")).unwrap();
        let s = sum.stats("jd", p, 0);
        assert_eq!(s.amount_recovered.fen(), i128::from(i64::MAX));
        assert_eq!(s.cases_resolved, i64::MAX as u64);
    }

    /// Tallies summed over a period equal the reference definitions, on generated cases.
    #[test]
    fn sums_equal_the_reference() {
        let cal = crate::calendar::tests::national_day_2025();
        let mut seed: u64 = 42;
        let mut rnd = |n: u64| {
            seed = seed.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
            (seed >> 33) % n
        };
        let base = Timestamp::parse_rfc3339("2025-08-01T00:00:00+08:00").unwrap().micros();
        let mut cases = Vec::new();
        for _ in 0..600 {
            let opened = base + rnd(24 * 3600 * 120) as i64 * 1_000_000;
            let status = Status::ALL[rnd(5) as usize];
            let accepted = (status != Status::Registered).then(|| opened + rnd(3600 * 80) as i64 * 1_000_000);
            let closed = status.is_closed().then(|| opened + rnd(3600 * 24 * 30) as i64 * 1_000_000);
            cases.push(CaseFacts {
                kind: Kind::ALL[rnd(4) as usize],
                channel: Channel::ALL[rnd(5) as usize],
                status,
                people: 1 + rnd(5) as i64,
                opened_at: Timestamp::from_micros(opened),
                closed_at: closed.map(Timestamp::from_micros),
                accepted_at: accepted.map(Timestamp::from_micros),
                amount_recovered: (rnd(2) == 0).then(|| Money::from_fen(rnd(100_000) as i64).unwrap()),
                adopted: (rnd(2) == 0).then(|| rnd(2) == 0),
                rating: closed.and_then(|_| (rnd(2) == 0).then(|| 1 + rnd(5) as i64)),
                due_on: accepted.map(|a| Timestamp::from_micros(a + rnd(20) as i64 * 86_400_000_000).cst_date()),
                referred: status == Status::Explained && rnd(2) == 0,
            });
        }
        let mut by_day: BTreeMap<NaiveDate, Tally> = BTreeMap::new();
        let mut hist: Vec<(NaiveDate, Hours, i64)> = Vec::new();
        for c in &cases {
            let ct = of_case(c, &cal);
            for (day, t) in ct.days {
                by_day.entry(day).or_default().add(&t, 1);
            }
            hist.extend(ct.hours);
        }
        for (a, b) in [("2025-08-01", "2025-12-31"), ("2025-09-30", "2025-10-08"), ("2025-10-01", "2025-10-01")] {
            let period = Period::new(d(a), d(b)).unwrap();
            let mut sum = Tally::default();
            for (_, t) in by_day.range(period.from()..=period.to()) {
                sum.add(t, 1);
            }
            let mut want = Stats::empty("jd", period);
            cases.iter().for_each(|c| {
                want.add_case(c).unwrap();
            });
            assert_eq!(sum.stats("jd", period, 0), want);
            let (mut ha, mut hc) = (Histogram::default(), Histogram::default());
            for (day, h, b) in &hist {
                if (period.from()..=period.to()).contains(day) {
                    match h {
                        Hours::ToAccept => ha.add(*b, 1),
                        Hours::ToClose => hc.add(*b, 1),
                    }
                }
            }
            let facts: Vec<TimeFacts> = cases.iter().map(TimeFacts::from).collect();
            assert_eq!(sum.timeliness(&ha, &hc), Timeliness::compute(&facts, period, &cal), "{a}..{b}");
            let ratings: Vec<i64> = cases
                .iter()
                .filter(|c| c.closed_at.is_some_and(|t| period.contains(t)))
                .filter_map(|c| c.rating)
                .collect();
            assert_eq!(sum.case_ratings(), VoteSummary::of(&ratings));
        }
    }
}
