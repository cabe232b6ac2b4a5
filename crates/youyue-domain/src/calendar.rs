//! Working days in China: Monday to Friday, except public holidays, plus the make-up
//! working weekends (调休) the State Council announces each year. The calendar is data an
//! administrator keeps up to date; deadlines and the timeliness figures count in it.

use chrono::{Datelike, Days, NaiveDate, Weekday};
use std::collections::BTreeMap;

/// What a calendar entry says of a day.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum DayKind {
    /// A public holiday (or a day off of one), even on a weekday.
    Holiday,
    /// A make-up working day (调休), even on a weekend.
    Workday,
}

impl DayKind {
    pub fn as_str(self) -> &'static str {
        match self {
            DayKind::Holiday => "holiday",
            DayKind::Workday => "workday",
        }
    }
    pub fn parse(s: &str) -> Option<DayKind> {
        match s {
            "holiday" => Some(DayKind::Holiday),
            "workday" => Some(DayKind::Workday),
            _ => None,
        }
    }
}

/// A calendar entry: a day, what it is, and its name (国庆节, 国庆调休…).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CalendarDay {
    pub day: NaiveDate,
    pub kind: DayKind,
    #[serde(default)]
    pub name: String,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct WorkCalendar {
    days: BTreeMap<NaiveDate, DayKind>,
}

impl WorkCalendar {
    pub fn new(days: impl IntoIterator<Item = CalendarDay>) -> WorkCalendar {
        WorkCalendar { days: days.into_iter().map(|d| (d.day, d.kind)).collect() }
    }

    pub fn is_working_day(&self, d: NaiveDate) -> bool {
        match self.days.get(&d) {
            Some(DayKind::Holiday) => false,
            Some(DayKind::Workday) => true,
            None => !matches!(d.weekday(), Weekday::Sat | Weekday::Sun),
        }
    }

    /// A public holiday (or a day off of one): a calendar entry says so.
    pub fn is_holiday(&self, d: NaiveDate) -> bool {
        self.days.get(&d) == Some(&DayKind::Holiday)
    }

    /// The `n`th working day after `d` (`n = 0`: `d` itself if it is a working day, else
    /// the next one).
    pub fn add_working_days(&self, d: NaiveDate, n: u32) -> NaiveDate {
        let mut day = d;
        if n == 0 {
            while !self.is_working_day(day) {
                day = next(day);
            }
            return day;
        }
        let mut left = n;
        // Bounded: no year has fewer than 200 working days, so 10 years covers any n we use.
        for _ in 0..3660 {
            day = next(day);
            if self.is_working_day(day) {
                left -= 1;
                if left == 0 {
                    break;
                }
            }
        }
        day
    }
}

fn next(d: NaiveDate) -> NaiveDate {
    d.checked_add_days(Days::new(1)).unwrap_or(d)
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::time::parse_date;

    fn d(s: &str) -> NaiveDate {
        parse_date(s).unwrap()
    }

    /// National Day 2025: 1–8 October off; Sunday 28 September and Saturday 11 October
    /// worked.
    pub fn national_day_2025() -> WorkCalendar {
        let mut days: Vec<CalendarDay> = (1..=8)
            .map(|n| CalendarDay {
                day: d(&format!("2025-10-{n:02}")),
                kind: DayKind::Holiday,
                name: "国庆节、中秋节".into(),
            })
            .collect();
        days.push(CalendarDay { day: d("2025-09-28"), kind: DayKind::Workday, name: "国庆调休".into() });
        days.push(CalendarDay { day: d("2025-10-11"), kind: DayKind::Workday, name: "国庆调休".into() });
        WorkCalendar::new(days)
    }

    #[test]
    fn across_national_day() {
        let c = national_day_2025();
        assert!(c.is_working_day(d("2025-09-28")), "a make-up Sunday is worked");
        assert!(!c.is_working_day(d("2025-10-06")), "a Monday of the holiday is not");
        assert!(c.is_working_day(d("2025-10-11")), "a make-up Saturday is worked");
        assert!(!c.is_working_day(d("2025-10-12")));
        // Accepted on Tuesday 30 September: 1 working day later is Thursday 9 October.
        assert_eq!(c.add_working_days(d("2025-09-30"), 1), d("2025-10-09"));
        // 3 working days: 9, 10, 11 (the make-up Saturday) October.
        assert_eq!(c.add_working_days(d("2025-09-30"), 3), d("2025-10-11"));
        // From Friday 26 September, 1 working day is the make-up Sunday.
        assert_eq!(c.add_working_days(d("2025-09-26"), 1), d("2025-09-28"));
        assert_eq!(c.add_working_days(d("2025-10-04"), 0), d("2025-10-09"));
        // Without entries, weekends are off.
        assert_eq!(WorkCalendar::default().add_working_days(d("2026-11-27"), 1), d("2026-11-30"));
    }
}
