//! 回访 and 发回重办 (issue 22): when a case closes, a call-back is due within the
//! district's `callback_days` working days (`closed_loop`); staff record whether the
//! worker was reached, their satisfaction and a note. A worker's 不满意/非常不满意 (rating
//! 2 or 1, by their own rating or by call-back) puts the case before the union above
//! (the parent of the case's union; a top-level union reviews its own cases), which sends
//! it back to be redone (`send_back`, reopening it with a fresh deadline) or confirms the
//! answer (`confirm`).
//!
//! Everything here follows from the record book: [`Task::fold`] is the one rule, used by
//! storage on every live entry (the `callbacks` table) and to rebuild the table from the
//! entries after an import.

use crate::calendar::WorkCalendar;
use crate::case::{check_rating, check_text, FieldError, MAX_TEXT_CHARS};
use crate::time::Timestamp;
use chrono::NaiveDate;
use serde_json::{json, Map, Value};

/// A rating at or below this is 不满意 (2) or 非常不满意 (1) and puts the case under review.
pub const DISSATISFIED: i64 = 2;

/// The actions whose entries change a case's call-back task or review.
pub const ACTIONS: [&str; 11] = [
    "resolve",
    "explain",
    "refer",
    "reopen",
    "send_back",
    "transfer",
    "return",
    "callback",
    "rate",
    "confirm",
    "import",
];

/// The record-book detail of a call-back, exactly `{"reached","rating","note"}`, and
/// whether the entry is internal (a worker not reached: nothing the worker needs to read).
pub fn detail(reached: bool, rating: Option<i64>, note: &str) -> Result<(Map<String, Value>, bool), FieldError> {
    check_text("note", note, MAX_TEXT_CHARS, false)?;
    let rating = match (reached, rating) {
        (true, Some(r)) => Some(i64::from(check_rating(r)?)),
        (true, None) => return Err(FieldError::new("rating", "say how satisfied the worker is (1 to 5) when reached")),
        (false, Some(_)) => return Err(FieldError::new("rating", "leave it out when the worker was not reached")),
        (false, None) => None,
    };
    let mut d = Map::new();
    d.insert("reached".into(), reached.into());
    d.insert("rating".into(), json!(rating));
    d.insert("note".into(), note.trim().into());
    Ok((d, !reached))
}

/// What the worker reads of a call-back or a sending-back: the step, never the note nor
/// the reason.
pub fn public_words(action: &str, detail: &Value) -> Option<String> {
    match action {
        "callback" if detail.get("reached").and_then(Value::as_bool) == Some(true) => Some("已回访".into()),
        "send_back" => Some("发回重办".into()),
        _ => None,
    }
}

/// A review's state while the case stays closed (a sending-back reopens it, which ends the
/// task and the review with it).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Review {
    /// Before the union above.
    Pending,
    /// The answer confirmed (维持答复).
    Confirmed,
}

impl Review {
    pub fn as_str(self) -> &'static str {
        match self {
            Review::Pending => "pending",
            Review::Confirmed => "confirmed",
        }
    }
    pub fn parse(s: &str) -> Option<Review> {
        match s {
            "pending" => Some(Review::Pending),
            "confirmed" => Some(Review::Confirmed),
            _ => None,
        }
    }
}

/// A closed case's call-back task, as its record book states it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Task {
    /// The China day of its latest closing; the call-back is due `callback_days` working
    /// days after it.
    pub closed_on: NaiveDate,
    /// When a call-back reached the worker (the task is done).
    pub called_at: Option<Timestamp>,
    /// Call-backs recorded, reached or not.
    pub attempts: i64,
    pub review: Option<Review>,
}

fn rating_of(v: Option<&Value>) -> Option<i64> {
    v.and_then(Value::as_i64)
}

impl Task {
    /// The task after one more entry: a closing starts a fresh one, whatever reopens or
    /// moves the case ends it, a call-back counts and (reached) completes it, a rating of
    /// 2 or less by the worker or by call-back puts it under review, a confirmation ends
    /// the review.
    pub fn fold(task: Option<Task>, at: Timestamp, action: &str, detail: &Value) -> Option<Task> {
        match action {
            "resolve" | "explain" | "refer" => {
                Some(Task { closed_on: at.cst_date(), called_at: None, attempts: 0, review: None })
            }
            "reopen" | "send_back" | "transfer" | "return" => None,
            "callback" => task.map(|mut t| {
                t.attempts += 1;
                if detail.get("reached").and_then(Value::as_bool) == Some(true) && t.called_at.is_none() {
                    t.called_at = Some(at);
                }
                if rating_of(detail.get("rating")).is_some_and(|r| r <= DISSATISFIED) && t.review.is_none() {
                    t.review = Some(Review::Pending);
                }
                t
            }),
            "rate" => task.map(|mut t| {
                let rating = rating_of(detail.get("after").and_then(|a| a.get("rating")));
                if rating.is_some_and(|r| r <= DISSATISFIED) && t.review.is_none() {
                    t.review = Some(Review::Pending);
                }
                t
            }),
            // A case imported closed without a closing entry (from elsewhere) is due for a
            // call-back from its closing; an import never resets a task its book has.
            "import" => {
                let after = detail.get("after");
                let status = after.and_then(|a| a.get("status")).and_then(Value::as_str);
                match status {
                    Some("resolved" | "explained") if task.is_none() => {
                        let closed = after
                            .and_then(|a| a.get("closed_at"))
                            .and_then(Value::as_str)
                            .and_then(|c| Timestamp::parse_rfc3339(c).ok());
                        closed.map(|c| Task { closed_on: c.cst_date(), called_at: None, attempts: 0, review: None })
                    }
                    Some("registered" | "accepted" | "in_progress") => None,
                    _ => task,
                }
            }
            "confirm" => task.map(|mut t| {
                t.review = Some(Review::Confirmed);
                t
            }),
            _ => task,
        }
    }

    /// The task of a whole record book (oldest entry first).
    pub fn of_book<'a>(entries: impl IntoIterator<Item = (Timestamp, &'a str, &'a Value)>) -> Option<Task> {
        entries.into_iter().fold(None, |t, (at, action, detail)| Task::fold(t, at, action, detail))
    }
}

/// The day a call-back is due for a case closed on `closed_on`.
pub fn due_on(closed_on: NaiveDate, days: u32, calendar: &WorkCalendar) -> NaiveDate {
    calendar.add_working_days(closed_on, days)
}

/// The latest closing day whose call-back is overdue on `today` (due before it): a task
/// closed on or before it and not done is overdue, one closed after it is due. The due
/// day never goes back as the closing day goes on, so one day divides them.
pub fn overdue_through(today: NaiveDate, days: u32, calendar: &WorkCalendar) -> NaiveDate {
    let mut d = today.pred_opt().unwrap_or(today);
    // A closing day's due day is at least a day later; `days` working days are at most a
    // few weeks of holidays later, so this walks a bounded number of days.
    for _ in 0..400 {
        if due_on(d, days, calendar) < today {
            return d;
        }
        match d.pred_opt() {
            Some(p) => d = p,
            None => break,
        }
    }
    d
}

/// Which union reviews a case of the union at `path` (ids from the top, `union::path_ids`):
/// its parent; a top-level union reviews its own.
pub fn reviewing(path: &[i64]) -> Option<i64> {
    match path {
        [.., parent, _] => Some(*parent),
        [only] => Some(*only),
        [] => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(s: &str) -> Timestamp {
        Timestamp::parse_rfc3339(s).unwrap()
    }

    #[test]
    fn the_detail_is_exact_and_the_rating_follows_reached() {
        let (d, internal) = detail(true, Some(4), " 满意 ").unwrap();
        assert_eq!(Value::Object(d), json!({"reached": true, "rating": 4, "note": "满意"}));
        assert!(!internal);
        let (d, internal) = detail(false, None, "").unwrap();
        assert_eq!(Value::Object(d), json!({"reached": false, "rating": null, "note": ""}));
        assert!(internal);
        assert_eq!(detail(true, None, "").unwrap_err().field, "rating");
        assert_eq!(detail(false, Some(3), "").unwrap_err().field, "rating");
        assert_eq!(detail(true, Some(6), "").unwrap_err().field, "rating");
        assert_eq!(detail(true, Some(0), "").unwrap_err().field, "rating");
    }

    #[test]
    fn a_task_follows_the_book() {
        let closed = t("2026-12-01T02:00:00Z");
        let book = [
            (closed, "resolve", json!({})),
            (t("2026-12-02T02:00:00Z"), "callback", json!({"reached": false, "rating": null, "note": ""})),
            (t("2026-12-03T02:00:00Z"), "callback", json!({"reached": true, "rating": 1, "note": "x"})),
        ];
        let task = Task::of_book(book.iter().map(|(a, b, c)| (*a, *b, c))).unwrap();
        assert_eq!(task.attempts, 2);
        assert_eq!(task.called_at, Some(t("2026-12-03T02:00:00Z")));
        assert_eq!(task.review, Some(Review::Pending));
        let confirmed = Task::fold(Some(task.clone()), closed, "confirm", &json!({})).unwrap();
        assert_eq!(confirmed.review, Some(Review::Confirmed));
        assert_eq!(Task::fold(Some(task), closed, "send_back", &json!({})), None);
        let rated = Task::fold(
            Task::fold(None, closed, "explain", &json!({})),
            closed,
            "rate",
            &json!({"after": {"rating": 2}}),
        )
        .unwrap();
        assert_eq!(rated.review, Some(Review::Pending));
        let happy = Task::fold(
            Task::fold(None, closed, "explain", &json!({})),
            closed,
            "rate",
            &json!({"after": {"rating": 3}}),
        );
        assert_eq!(happy.unwrap().review, None);
        let imported = json!({"after": {"status": "resolved", "closed_at": "2026-01-03T09:00:00+08:00"}});
        let t1 = Task::fold(None, t("2026-12-01T02:00:00Z"), "import", &imported).unwrap();
        assert_eq!(t1.closed_on.to_string(), "2026-01-03");
        let done = Task { called_at: Some(closed), ..t1 };
        assert_eq!(Task::fold(Some(done.clone()), closed, "import", &imported), Some(done));
    }

    #[test]
    fn due_and_overdue_divide_at_one_day_across_a_holiday() {
        let cal = crate::calendar::tests::national_day_2025();
        let d = |s: &str| NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap();
        // Closed Tuesday 30 September 2025: 1–8 October off, so due Saturday 11 October,
        // a worked day (9, 10, 11).
        assert_eq!(due_on(d("2025-09-30"), 3, &cal), d("2025-10-11"));
        for today in ["2025-10-09", "2025-10-12", "2025-10-20"] {
            let today = d(today);
            let through = overdue_through(today, 3, &cal);
            let mut day = d("2025-09-01");
            while day < today {
                assert_eq!(due_on(day, 3, &cal) < today, day <= through, "{day} on {today}");
                day = day.succ_opt().unwrap();
            }
        }
    }

    #[test]
    fn the_union_above_reviews() {
        assert_eq!(reviewing(&[1, 5, 9]), Some(5));
        assert_eq!(reviewing(&[1]), Some(1));
        assert_eq!(reviewing(&[]), None);
    }
}
