//! The figures a district reports upward (see the `stats` contract in the core issue).
//!
//! This module is the definition. Storage computes the same figures in SQL for speed; the
//! test suite checks the SQL against [`Stats::add_case`] on the same data.
//!
//! Over a union and its whole subtree, for a period of China calendar days (both ends
//! included):
//! - `studios`: unions with a studio opened on or before the period's last day;
//! - `disputes_mediated`: dispute cases *resolved* (not explained) with `closed_at` in the
//!   period; `people_involved`: the sum of their `people`;
//! - `amount_recovered`: money recovered by all cases resolved with `closed_at` in the period;
//! - `claims_resolved`: claim cases resolved with `closed_at` in the period;
//! - `suggestions`: suggestion cases opened in the period; `suggestions_adopted`: those of
//!   them marked adopted;
//! - `cases_resolved` (解决): cases *resolved* (with an outcome) with `closed_at` in the period;
//!   `cases_explained` (解释说明): cases closed by an explanation in the period. Their sum
//!   is 办结 (closed), as in the hotline standard's 按时办结率;
//! - `disputes_referred_to_arbitration` (转仲裁): disputes closed in the period by a
//!   referral to arbitration (explained, with a commission) once their statutory mediation
//!   period had passed without an agreement;
//! - `cases_opened` (登记) and its split by kind, channel and (current) status: cases
//!   raised (registered) in the period, whether or not accepted since.
//! - `appointments_held`, `appointments_no_show` and their split by the appointment's
//!   specialty (`appointments_by_specialty`): appointments of the subtree's cases recorded
//!   held or no-show whose start falls in the period (China days);
//! - `median_days_to_first_appointment`: over the cases raised in the period that have an
//!   appointment that is not cancelled, the median of the China calendar days from the
//!   day the case was raised to the day its earliest such appointment starts (null when
//!   there is none; a half when the count is even). See [`Stats::add_appointments`].

use crate::case::MAX_PEOPLE;
use crate::case::{Channel, Kind, Status};
use crate::money::{Money, MoneySum};
use crate::time::{Period, Timestamp};
use chrono::NaiveDate;
use std::collections::BTreeMap;

/// What the figures need to know of one case.
#[derive(Debug, Clone)]
pub struct CaseFacts {
    pub kind: Kind,
    pub channel: Channel,
    pub status: Status,
    pub people: i64,
    pub opened_at: Timestamp,
    pub closed_at: Option<Timestamp>,
    pub accepted_at: Option<Timestamp>,
    pub amount_recovered: Option<Money>,
    pub adopted: Option<bool>,
    pub rating: Option<i64>,
    /// The handling deadline set on acceptance (timeliness).
    pub due_on: Option<NaiveDate>,
    /// Closed by a referral to arbitration (转仲裁).
    pub referred: bool,
}

impl CaseFacts {
    /// The people a case adds to `people_involved`: what was entered is 1 to
    /// [`MAX_PEOPLE`]; an edited row counts within those bounds, so a sum of people stays
    /// far inside i64 (9 × 10^12 cases of a million people each).
    pub fn counted_people(&self) -> i64 {
        self.people.clamp(0, i64::from(MAX_PEOPLE))
    }

    /// The money a case adds to `amount_recovered`: its amount, at most [`Money::MAX_FEN`]
    /// ([`Money::counted_fen`]). A stored amount above the cap (entered under an older cap,
    /// or edited) counts as the cap, so that a sum of amounts in i64 (a tally row) holds
    /// 922 million cases whatever is stored — more than a district resolves in a month by
    /// far — and the figures never fail on one stored row.
    pub fn counted_fen(&self) -> i64 {
        self.amount_recovered.map_or(0, Money::counted_fen)
    }
}

impl From<&crate::exchange::CaseRecord> for CaseFacts {
    fn from(r: &crate::exchange::CaseRecord) -> CaseFacts {
        CaseFacts {
            kind: r.kind,
            channel: r.channel,
            status: r.status,
            people: r.people,
            opened_at: r.opened_at,
            closed_at: r.closed_at,
            accepted_at: r.accepted_at,
            amount_recovered: r.amount_recovered,
            adopted: r.adopted,
            rating: r.rating,
            due_on: r.due_on,
            referred: r.arbitration_commission.is_some(),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Stats {
    pub union: String,
    pub from: NaiveDate,
    pub to: NaiveDate,
    pub studios: u64,
    pub disputes_mediated: u64,
    pub people_involved: u64,
    /// A sum of any size: see [`MoneySum`].
    pub amount_recovered: MoneySum,
    pub claims_resolved: u64,
    pub suggestions: u64,
    pub suggestions_adopted: u64,
    /// Cases resolved (not explained) with `closed_at` in the period (解决).
    pub cases_resolved: u64,
    /// Cases explained with `closed_at` in the period (解释说明).
    pub cases_explained: u64,
    /// Cases raised (registered) in the period (登记), whatever their status now.
    pub cases_opened: u64,
    /// Disputes closed by a referral to arbitration in the period (转仲裁).
    pub disputes_referred_to_arbitration: u64,
    pub opened_by_kind: BTreeMap<String, u64>,
    pub opened_by_channel: BTreeMap<String, u64>,
    pub opened_by_status: BTreeMap<String, u64>,
    #[serde(default)]
    pub appointments_held: u64,
    #[serde(default)]
    pub appointments_no_show: u64,
    /// Specialty → held and no-show counts (every specialty that has either).
    #[serde(default)]
    pub appointments_by_specialty: BTreeMap<String, HeldNoShow>,
    #[serde(default)]
    pub median_days_to_first_appointment: Option<HalfDays>,
}

/// Held and no-show appointments of one specialty.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct HeldNoShow {
    pub held: u64,
    pub no_show: u64,
}

/// A number of days that is a whole or a half (a median of whole days), written as a JSON
/// number (`2`, `2.5`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct HalfDays(pub i64);

impl HalfDays {
    pub fn days(self) -> f64 {
        self.0 as f64 / 2.0
    }
}

impl serde::Serialize for HalfDays {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        if self.0 % 2 == 0 {
            s.serialize_i64(self.0 / 2)
        } else {
            s.serialize_f64(self.days())
        }
    }
}

impl<'de> serde::Deserialize<'de> for HalfDays {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let v = f64::deserialize(d)?;
        Ok(HalfDays((v * 2.0).round() as i64))
    }
}

/// What the appointment figures need to know of one case: when it was raised, and each of
/// its appointments' start, status and specialty.
#[derive(Debug, Clone)]
pub struct CaseAppointments {
    pub opened_at: Timestamp,
    pub appointments: Vec<(Timestamp, crate::appointment::AppointmentStatus, String)>,
}

/// The median of whole numbers, in halves; None for none.
pub fn median_halves(values: &mut [i64]) -> Option<HalfDays> {
    if values.is_empty() {
        return None;
    }
    values.sort_unstable();
    let n = values.len();
    Some(if n % 2 == 1 { HalfDays(values[n / 2] * 2) } else { HalfDays(values[n / 2 - 1] + values[n / 2]) })
}

impl Stats {
    /// All counts zero, with every kind, channel and status present in the splits.
    pub fn empty(union: &str, period: Period) -> Stats {
        let zeros = |names: Vec<&str>| names.into_iter().map(|n| (n.to_owned(), 0)).collect();
        Stats {
            union: union.to_owned(),
            from: period.from(),
            to: period.to(),
            studios: 0,
            disputes_mediated: 0,
            people_involved: 0,
            amount_recovered: MoneySum::ZERO,
            claims_resolved: 0,
            suggestions: 0,
            suggestions_adopted: 0,
            cases_resolved: 0,
            cases_explained: 0,
            cases_opened: 0,
            disputes_referred_to_arbitration: 0,
            opened_by_kind: zeros(Kind::ALL.iter().map(|k| k.as_str()).collect()),
            opened_by_channel: zeros(Channel::ALL.iter().map(|k| k.as_str()).collect()),
            opened_by_status: zeros(Status::COUNTED.iter().map(|k| k.as_str()).collect()),
            appointments_held: 0,
            appointments_no_show: 0,
            appointments_by_specialty: BTreeMap::new(),
            median_days_to_first_appointment: None,
        }
    }

    /// Counts one held or no-show appointment of `specialty` (the caller has checked that
    /// it starts in the period).
    pub fn add_outcome(&mut self, specialty: &str, status: crate::appointment::AppointmentStatus, n: u64) {
        use crate::appointment::AppointmentStatus as S;
        let by = self.appointments_by_specialty.entry(specialty.to_owned()).or_default();
        match status {
            S::Held => {
                self.appointments_held += n;
                by.held += n;
            }
            S::NoShow => {
                self.appointments_no_show += n;
                by.no_show += n;
            }
            S::Booked | S::Cancelled => {}
        }
    }

    /// The reference definition of the appointment figures, over every case of the
    /// subtree (the median needs them all at once).
    pub fn add_appointments(&mut self, cases: &[CaseAppointments]) -> Option<()> {
        use crate::appointment::AppointmentStatus as S;
        let period = self.period()?;
        let mut days = Vec::new();
        for c in cases {
            for (starts_at, status, specialty) in &c.appointments {
                if matches!(status, S::Held | S::NoShow) && period.contains(*starts_at) {
                    self.add_outcome(specialty, *status, 1);
                }
            }
            if period.contains(c.opened_at) {
                let first = c.appointments.iter().filter(|(_, st, _)| st.is_active()).map(|(t, _, _)| *t).min();
                if let Some(first) = first {
                    days.push(days_between(c.opened_at, first));
                }
            }
        }
        self.median_days_to_first_appointment = median_halves(&mut days);
        Some(())
    }

    /// 办结: cases closed in the period, resolved or explained.
    pub fn cases_closed(&self) -> u64 {
        self.cases_resolved + self.cases_explained
    }

    pub fn period(&self) -> Option<Period> {
        Period::new(self.from, self.to).ok()
    }

    /// Counts a studio opened on `opened_on` (None: the union has no studio).
    pub fn add_studio(&mut self, opened_on: Option<NaiveDate>) {
        if opened_on.is_some_and(|d| d <= self.to) {
            self.studios += 1;
        }
    }

    /// The reference definition of every case figure. Returns None only if the period is
    /// not one; no sum can overflow (see [`CaseFacts::counted_people`], [`MoneySum`]).
    pub fn add_case(&mut self, c: &CaseFacts) -> Option<()> {
        let period = self.period()?;
        // A merged case (issue 22) counts in no figure: its matter counts once, through the
        // case it joined (whose `people` holds its workers).
        if c.status == Status::Merged {
            return Some(());
        }
        let closed_in_period = c.closed_at.is_some_and(|t| period.contains(t));
        if closed_in_period && c.status == Status::Resolved {
            self.cases_resolved += 1;
            match c.kind {
                Kind::Dispute => {
                    self.disputes_mediated += 1;
                    self.people_involved = self.people_involved.saturating_add(c.counted_people().unsigned_abs());
                }
                Kind::Claim => self.claims_resolved += 1,
                _ => {}
            }
            if let Some(m) = c.amount_recovered {
                self.amount_recovered = self.amount_recovered.plus(m);
            }
        }
        if closed_in_period && c.status == Status::Explained {
            self.cases_explained += 1;
            if c.referred && c.kind == Kind::Dispute {
                self.disputes_referred_to_arbitration += 1;
            }
        }
        if period.contains(c.opened_at) {
            self.cases_opened += 1;
            *self.opened_by_kind.entry(c.kind.as_str().to_owned()).or_default() += 1;
            *self.opened_by_channel.entry(c.channel.as_str().to_owned()).or_default() += 1;
            *self.opened_by_status.entry(c.status.as_str().to_owned()).or_default() += 1;
            if c.kind == Kind::Suggestion {
                self.suggestions += 1;
                if c.adopted == Some(true) {
                    self.suggestions_adopted += 1;
                }
            }
        }
        Some(())
    }
}

/// China calendar days from the day of `from` to the day of `to`.
pub fn days_between(from: Timestamp, to: Timestamp) -> i64 {
    (to.cst_date() - from.cst_date()).num_days()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::time::parse_date;

    fn t(s: &str) -> Timestamp {
        Timestamp::parse_rfc3339(s).unwrap()
    }

    #[test]
    fn the_definitions() {
        let p = Period::new(parse_date("2022-01-01").unwrap(), parse_date("2022-12-31").unwrap()).unwrap();
        let mut s = Stats::empty("jd", p);
        let dispute = CaseFacts {
            kind: Kind::Dispute,
            channel: Channel::Reception,
            status: Status::Resolved,
            people: 3,
            opened_at: t("2021-12-31T23:00:00+08:00"),
            closed_at: Some(t("2022-01-01T00:00:00+08:00")),
            accepted_at: None,
            amount_recovered: Some("30000.00".parse().unwrap()),
            adopted: None,
            rating: None,
            due_on: None,
            referred: false,
        };
        s.add_case(&dispute).unwrap();
        // Closed in the period but opened before it: mediated, not opened.
        assert_eq!((s.disputes_mediated, s.people_involved, s.cases_opened), (1, 3, 0));
        assert_eq!(s.amount_recovered.to_string(), "30000.00");
        // A stored amount above the one-case cap (an edited row) counts as the cap; a sum
        // of many such cases is exact and cannot overflow.
        let edited =
            CaseFacts { amount_recovered: Money::from_fen(i64::MAX / 2), people: i64::MAX / 2, ..dispute.clone() };
        let mut big = Stats::empty("jd", p);
        for _ in 0..3 {
            big.add_case(&edited).unwrap();
        }
        assert_eq!(big.amount_recovered.fen(), 3 * i128::from(Money::MAX_FEN));
        assert_eq!(big.amount_recovered.to_string(), "300000000.00");
        assert_eq!(big.people_involved, 3 * u64::from(MAX_PEOPLE));
        // Explained disputes are not mediated; money only counts for resolved cases.
        let explained = CaseFacts { status: Status::Explained, ..dispute.clone() };
        s.add_case(&explained).unwrap();
        assert_eq!((s.disputes_mediated, s.cases_explained), (1, 1));
        assert_eq!(s.disputes_referred_to_arbitration, 0);
        s.add_case(&CaseFacts { referred: true, ..explained.clone() }).unwrap();
        assert_eq!((s.cases_explained, s.disputes_referred_to_arbitration), (2, 1));
        assert_eq!(s.amount_recovered.to_string(), "30000.00");
        // Closed after midnight China time at the end: outside.
        let late = CaseFacts { closed_at: Some(t("2022-12-31T16:00:00Z")), ..dispute.clone() };
        s.add_case(&late).unwrap();
        assert_eq!(s.disputes_mediated, 1);
        let suggestion = CaseFacts {
            kind: Kind::Suggestion,
            channel: Channel::Online,
            status: Status::InProgress,
            people: 1,
            opened_at: t("2022-12-31T15:59:59Z"),
            closed_at: None,
            accepted_at: None,
            amount_recovered: None,
            adopted: Some(true),
            rating: None,
            due_on: None,
            referred: false,
        };
        s.add_case(&suggestion).unwrap();
        assert_eq!((s.suggestions, s.suggestions_adopted, s.cases_opened), (1, 1, 1));
        assert_eq!(s.opened_by_status["in_progress"], 1);
        assert_eq!(s.opened_by_kind["claim"], 0);
    }
}
