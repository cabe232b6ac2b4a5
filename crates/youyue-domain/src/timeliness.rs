//! Timeliness (时效): whether cases were accepted and closed within their working-day
//! limits, and how long it took.
//!
//! Over a union's subtree and a period of China days:
//! - `accepted` / `accepted_on_time`: cases accepted in the period, and those accepted by
//!   the end of [`crate::command::ACCEPT_DAYS`] working day(s) after the day they were raised;
//! - `closed_with_deadline` / `closed_on_time`: cases closed (resolved or explained) in the
//!   period that had a deadline, and those closed on or before it;
//! - hours from raised to accepted and from raised to closed for those cases: the mean (of
//!   whole seconds, shown to a tenth of an hour) and the 90th percentile (nearest rank) of the
//!   durations rounded to a tenth of an hour (accepting) or a whole hour (closing).

use crate::calendar::WorkCalendar;
use crate::command::ACCEPT_DAYS;
use crate::duration::{bucket, mean_hours, seconds, Hours};
use crate::time::{Period, Timestamp};
use chrono::NaiveDate;

/// What timeliness needs of one case.
#[derive(Debug, Clone)]
pub struct TimeFacts {
    pub status: crate::case::Status,
    pub opened_at: Timestamp,
    pub accepted_at: Option<Timestamp>,
    pub closed_at: Option<Timestamp>,
    pub due_on: Option<NaiveDate>,
}

#[derive(Debug, Clone, Default, PartialEq, serde::Serialize)]
pub struct Timeliness {
    pub accepted: u64,
    pub accepted_on_time: u64,
    pub closed_with_deadline: u64,
    pub closed_on_time: u64,
    pub hours_to_accept_mean: Option<f64>,
    pub hours_to_accept_p90: Option<f64>,
    pub hours_to_close_mean: Option<f64>,
    pub hours_to_close_p90: Option<f64>,
}

impl From<&crate::stats::CaseFacts> for TimeFacts {
    fn from(c: &crate::stats::CaseFacts) -> TimeFacts {
        TimeFacts {
            status: c.status,
            opened_at: c.opened_at,
            accepted_at: c.accepted_at,
            closed_at: c.closed_at,
            due_on: c.due_on,
        }
    }
}

/// Mean and nearest-rank 90th percentile of durations in microseconds.
fn summary(mut v: Vec<i64>, h: Hours) -> (Option<f64>, Option<f64>) {
    if v.is_empty() {
        return (None, None);
    }
    v.sort_unstable();
    let secs: i64 = v.iter().map(|d| seconds(*d)).sum();
    let n = v.len();
    let rank = (n * 9).div_ceil(10).clamp(1, n);
    let p90 = (bucket(v[rank - 1], h) as f64 * h.unit_hours() * 10.0).round() / 10.0;
    (mean_hours(secs, n as i64), Some(p90))
}

impl Timeliness {
    pub fn compute(cases: &[TimeFacts], period: Period, calendar: &WorkCalendar) -> Timeliness {
        let mut t = Timeliness::default();
        let mut to_accept = Vec::new();
        let mut to_close = Vec::new();
        // A merged case (issue 22) counts in no figure.
        for c in cases.iter().filter(|c| c.status != crate::case::Status::Merged) {
            if let Some(a) = c.accepted_at.filter(|a| period.contains(*a)) {
                t.accepted += 1;
                let limit = calendar.add_working_days(c.opened_at.cst_date(), ACCEPT_DAYS);
                if a.cst_date() <= limit {
                    t.accepted_on_time += 1;
                }
                to_accept.push(a.micros().saturating_sub(c.opened_at.micros()));
            }
            if let Some(closed) = c.closed_at.filter(|x| period.contains(*x) && c.status.is_closed()) {
                if let Some(due) = c.due_on {
                    t.closed_with_deadline += 1;
                    if closed.cst_date() <= due {
                        t.closed_on_time += 1;
                    }
                }
                to_close.push(closed.micros().saturating_sub(c.opened_at.micros()));
            }
        }
        (t.hours_to_accept_mean, t.hours_to_accept_p90) = summary(to_accept, Hours::ToAccept);
        (t.hours_to_close_mean, t.hours_to_close_p90) = summary(to_close, Hours::ToClose);
        t
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::calendar::{CalendarDay, DayKind};
    use crate::case::Status;
    use crate::time::parse_date;

    fn t(s: &str) -> Timestamp {
        Timestamp::parse_rfc3339(s).unwrap()
    }

    #[test]
    fn across_national_day_with_a_make_up_saturday() {
        let cal = WorkCalendar::new(
            (1..=8)
                .map(|n| CalendarDay {
                    day: parse_date(&format!("2025-10-{n:02}")).unwrap(),
                    kind: DayKind::Holiday,
                    name: String::new(),
                })
                .chain([CalendarDay {
                    day: parse_date("2025-10-11").unwrap(),
                    kind: DayKind::Workday,
                    name: String::new(),
                }]),
        );
        let p = Period::new(parse_date("2025-10-01").unwrap(), parse_date("2025-10-31").unwrap()).unwrap();
        let cases = [
            // Raised 30 Sep, accepted 9 Oct: the first working day after: on time.
            TimeFacts {
                status: Status::Resolved,
                opened_at: t("2025-09-30T16:00:00+08:00"),
                accepted_at: Some(t("2025-10-09T09:00:00+08:00")),
                closed_at: None,
                due_on: None,
            },
            // Raised 9 Oct, accepted on the make-up Saturday 11 Oct: one day late (10 Oct was the limit).
            TimeFacts {
                status: Status::Resolved,
                opened_at: t("2025-10-09T10:00:00+08:00"),
                accepted_at: Some(t("2025-10-11T10:00:00+08:00")),
                closed_at: None,
                due_on: None,
            },
            // Raised Friday 10 Oct, accepted Saturday 11 Oct (a working day): on time.
            TimeFacts {
                status: Status::Resolved,
                opened_at: t("2025-10-10T10:00:00+08:00"),
                accepted_at: Some(t("2025-10-11T10:00:00+08:00")),
                closed_at: Some(t("2025-10-20T23:59:00+08:00")),
                due_on: Some(parse_date("2025-10-20").unwrap()),
            },
            // Closed a day late.
            TimeFacts {
                status: Status::Resolved,
                opened_at: t("2025-09-01T10:00:00+08:00"),
                accepted_at: Some(t("2025-09-01T11:00:00+08:00")),
                closed_at: Some(t("2025-10-21T00:00:00+08:00")),
                due_on: Some(parse_date("2025-10-20").unwrap()),
            },
        ];
        let r = Timeliness::compute(&cases, p, &cal);
        assert_eq!((r.accepted, r.accepted_on_time), (3, 2));
        assert_eq!((r.closed_with_deadline, r.closed_on_time), (2, 1));
        assert_eq!(r.hours_to_accept_mean, Some(((209.0 + 48.0 + 24.0) / 3.0_f64 * 10.0).round() / 10.0));
        assert_eq!(r.hours_to_accept_p90, Some(209.0));
    }
}
