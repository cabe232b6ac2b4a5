//! Deadline control (时限管理, issue 22): extensions (延期), pauses (挂起) and 提级督办, read
//! from a case's record book. The commands themselves are in `command`; the district's
//! limits in `closed_loop`.
//!
//! Rules:
//! - An extension is asked by whoever handles the case, before the deadline has passed
//!   (the deadline's own day included), for a later date; one at a time (pending until
//!   approved or refused, or the case moves or is reopened); at most `max_extensions`
//!   approved per case.
//! - A pause runs from the China day it starts to the day it ends (that day not counted):
//!   its calendar days count against `max_pause_days` (all pauses of a case together);
//!   on resuming, the deadline moves later by the working days of the work calendar among
//!   those days, so a pause over a public holiday counts only the working days. A pause
//!   may last until `paused_until` (the allowance's last day); the sweep ends it the day
//!   after.
//! - 提级督办: when the reopenings, sendings-back and transfers of a case together reach a
//!   multiple of `escalate_after`, the `system` raises it once to the union above.

use crate::calendar::WorkCalendar;
use crate::exchange::RecordEntry;
use chrono::{Days, NaiveDate};
use serde_json::Value;

/// The actions whose count raises a case to the level above.
pub const ESCALATING: [&str; 3] = ["reopen", "send_back", "transfer"];

/// A pending request for an extension: the date asked and who asked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pending {
    pub due_on: NaiveDate,
    pub asked_by: String,
}

/// The extension asked and not yet decided, if any: the latest `extend` entry with no
/// decision, transfer or reopening after it.
pub fn pending_extension(book: &[RecordEntry]) -> Option<Pending> {
    let last = book.iter().rev().find(|e| {
        matches!(e.action.as_str(), "extend" | "approve_extension" | "refuse_extension" | "transfer" | "reopen")
    })?;
    if last.action != "extend" {
        return None;
    }
    let due_on = last.detail.get("due_on").and_then(Value::as_str).and_then(|d| crate::time::parse_date(d).ok())?;
    Some(Pending { due_on, asked_by: last.actor.clone() })
}

/// How many extensions the case was given.
pub fn extensions_granted(book: &[RecordEntry]) -> u32 {
    book.iter().filter(|e| e.action == "approve_extension").count().try_into().unwrap_or(u32::MAX)
}

/// Why an extension may not be asked now, if it may not (the deadline's own rule is
/// `command::apply`'s).
pub fn may_ask_extension(book: &[RecordEntry], max_extensions: u32) -> Result<(), String> {
    if pending_extension(book).is_some() {
        return Err("an extension asked for this case waits for a decision".into());
    }
    let granted = extensions_granted(book);
    if granted >= max_extensions {
        return Err(format!("this case has had the district's {max_extensions} extension(s)"));
    }
    Ok(())
}

/// Calendar days the case's earlier pauses took (the `resume` entries say).
pub fn paused_days_used(book: &[RecordEntry]) -> u32 {
    let days: i64 = book
        .iter()
        .filter(|e| e.action == "resume")
        .filter_map(|e| e.detail.get("paused_days").and_then(Value::as_i64))
        .sum();
    u32::try_from(days.max(0)).unwrap_or(u32::MAX)
}

/// The last day a pause starting `today` may last, or `None` when the allowance is used.
pub fn pause_until(book: &[RecordEntry], max_pause_days: u32, today: NaiveDate) -> Option<NaiveDate> {
    let left = max_pause_days.saturating_sub(paused_days_used(book));
    if left == 0 {
        return None;
    }
    today.checked_add_days(Days::new(u64::from(left - 1)))
}

/// The day a pause from `since` ends when asked to end on `asked`: not after the day after
/// `until`, not before `since`.
pub fn pause_end(since: NaiveDate, until: NaiveDate, asked: NaiveDate) -> NaiveDate {
    let latest = until.checked_add_days(Days::new(1)).unwrap_or(until);
    asked.min(latest).max(since)
}

/// The working days among `since` ..= the day before `end`.
pub fn paused_working_days(calendar: &WorkCalendar, since: NaiveDate, end: NaiveDate) -> u32 {
    since.iter_days().take_while(|d| *d < end).filter(|d| calendar.is_working_day(*d)).count().try_into().unwrap_or(0)
}

/// A deadline `d` moved later by `n` working days.
pub fn moved_later(calendar: &WorkCalendar, d: NaiveDate, n: u32) -> NaiveDate {
    if n == 0 {
        d
    } else {
        calendar.add_working_days(d, n)
    }
}

/// How many times the case was reopened, sent back or transferred.
pub fn escalating_count(book: &[RecordEntry]) -> u32 {
    book.iter().filter(|e| ESCALATING.contains(&e.action.as_str())).count().try_into().unwrap_or(u32::MAX)
}

/// The count to escalate at, if the case has crossed a threshold (a multiple of
/// `escalate_after`) it was not escalated for yet.
pub fn escalation_due(book: &[RecordEntry], escalate_after: u32) -> Option<u32> {
    if escalate_after == 0 {
        return None;
    }
    let count = escalating_count(book);
    let done: u32 = book.iter().filter(|e| e.action == "escalate").count().try_into().unwrap_or(u32::MAX);
    (count / escalate_after > done).then_some(count)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::calendar::CalendarDay;
    use crate::time::{parse_date, Timestamp};
    use serde_json::json;

    fn d(s: &str) -> NaiveDate {
        parse_date(s).unwrap()
    }

    fn entry(seq: i64, action: &str, detail: Value) -> RecordEntry {
        RecordEntry {
            case: "JD-2026-000001".parse().unwrap(),
            seq,
            at: Timestamp::from_micros(seq),
            actor: "wang".into(),
            action: action.into(),
            internal: true,
            detail,
        }
    }

    #[test]
    fn one_extension_pending_at_a_time_and_the_limit_counts_approvals() {
        let mut book = vec![entry(1, "register", json!({}))];
        assert_eq!(may_ask_extension(&book, 2), Ok(()));
        book.push(entry(2, "extend", json!({"due_on": "2026-12-30", "reason": "x"})));
        assert_eq!(pending_extension(&book), Some(Pending { due_on: d("2026-12-30"), asked_by: "wang".into() }));
        assert!(may_ask_extension(&book, 2).is_err());
        book.push(entry(3, "approve_extension", json!({})));
        assert_eq!(pending_extension(&book), None);
        book.push(entry(4, "extend", json!({"due_on": "2027-01-30", "reason": "x"})));
        book.push(entry(5, "refuse_extension", json!({})));
        assert_eq!(may_ask_extension(&book, 2), Ok(()));
        assert!(may_ask_extension(&book, 1).is_err());
        book.push(entry(6, "extend", json!({"due_on": "2027-01-30", "reason": "x"})));
        book.push(entry(7, "transfer", json!({})));
        assert_eq!(pending_extension(&book), None);
    }

    #[test]
    fn a_pause_over_a_holiday_counts_only_working_days() {
        // 1–8 October 2026 off (a Thursday to the next Thursday), Saturday 10th worked.
        let mut days: Vec<CalendarDay> = (1..=8)
            .map(|n| CalendarDay {
                day: NaiveDate::from_ymd_opt(2026, 10, n).unwrap(),
                kind: crate::calendar::DayKind::Holiday,
                name: "国庆节".into(),
            })
            .collect();
        days.push(CalendarDay { day: d("2026-10-10"), kind: crate::calendar::DayKind::Workday, name: "调休".into() });
        let cal = WorkCalendar::new(days);
        // Paused Tuesday 29 September, resumed Friday 9 October: 29, 30 September worked.
        assert_eq!(paused_working_days(&cal, d("2026-09-29"), d("2026-10-09")), 2);
        // The deadline Monday 12 October moves two working days later: Wednesday 14th.
        assert_eq!(moved_later(&cal, d("2026-10-12"), 2), d("2026-10-14"));
        assert_eq!(paused_working_days(&cal, d("2026-09-29"), d("2026-09-29")), 0);
        assert_eq!(moved_later(&cal, d("2026-10-12"), 0), d("2026-10-12"));
    }

    #[test]
    fn the_pause_allowance_is_shared_by_all_pauses() {
        let today = d("2026-12-01");
        assert_eq!(pause_until(&[], 15, today), Some(d("2026-12-15")));
        let book = vec![entry(1, "resume", json!({"paused_days": 10})), entry(2, "resume", json!({"paused_days": 5}))];
        assert_eq!(pause_until(&book, 15, today), None);
        assert_eq!(pause_until(&book[..1], 15, today), Some(d("2026-12-05")));
        // Ending later than allowed ends the day after the last allowed day.
        assert_eq!(pause_end(today, d("2026-12-05"), d("2026-12-20")), d("2026-12-06"));
        assert_eq!(pause_end(today, d("2026-12-05"), d("2026-12-03")), d("2026-12-03"));
    }

    #[test]
    fn escalation_once_per_threshold() {
        let mut book = vec![entry(1, "transfer", json!({})), entry(2, "reopen", json!({}))];
        assert_eq!(escalation_due(&book, 3), None);
        book.push(entry(3, "send_back", json!({})));
        assert_eq!(escalation_due(&book, 3), Some(3));
        book.push(entry(4, "escalate", json!({"count": 3})));
        assert_eq!(escalation_due(&book, 3), None);
        book.extend([entry(5, "transfer", json!({})), entry(6, "transfer", json!({}))]);
        assert_eq!(escalation_due(&book, 3), None);
        book.push(entry(7, "reopen", json!({})));
        assert_eq!(escalation_due(&book, 3), Some(6));
    }
}
