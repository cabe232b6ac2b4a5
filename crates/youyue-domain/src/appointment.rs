//! Appointments (约谈): a case's meeting with a specialist in a free slot of the roster.
//!
//! ```text
//! booked ──reschedule (before the start)──▶ booked
//!   │──cancel (before the start)──▶ cancelled
//!   └──held / no_show (after the start)──▶ held | no_show
//! ```
//!
//! Free slots are the roster's shifts cut into pieces of the shift's slot length, less the
//! pieces that overlap an active booking of the same person and those already begun.
//! Storage keeps two bookings off one person's time (migration 0016); this module says
//! what is free and which changes are allowed.

use crate::case::{check_text, string_enum, FieldError, Kind, MAX_SHORT_CHARS, MAX_TEXT_CHARS};
use crate::time::Timestamp;
use crate::CaseNumber;
use serde::{Deserialize, Serialize};

string_enum!(
    /// Where an appointment stands.
    AppointmentStatus {
        Booked = "booked" / "已预约",
        Cancelled = "cancelled" / "已取消",
        Held = "held" / "已约谈",
        NoShow = "no_show" / "未到场",
    }
);

impl AppointmentStatus {
    /// Whether it holds its specialist's time (every status but cancelled: a held or
    /// missed meeting took the hour too).
    pub fn is_active(self) -> bool {
        self != AppointmentStatus::Cancelled
    }
}

string_enum!(
    /// What staff record after the start.
    Outcome {
        Held = "held" / "已约谈",
        NoShow = "no_show" / "未到场",
    }
);

impl Outcome {
    pub fn status(self) -> AppointmentStatus {
        match self {
            Outcome::Held => AppointmentStatus::Held,
            Outcome::NoShow => AppointmentStatus::NoShow,
        }
    }
}

/// The specialties that take a case of each kind, first the one the worker is offered
/// first. A dispute is mediated (调解员), or taken up by a lawyer, the labour-relations
/// advisor or an arbitrator; a claim goes to the advisor, a lawyer or the liaison
/// officer; a psychological need to a counsellor or the political-education teacher
/// (思政老师); a suggestion to the advisor, the liaison officer or the teacher.
pub fn specialties_for(kind: Kind) -> &'static [&'static str] {
    match kind {
        Kind::Dispute => &["mediator", "lawyer", "advisor", "arbitrator"],
        Kind::Claim => &["advisor", "lawyer", "liaison"],
        Kind::Wellbeing => &["counsellor", "teacher"],
        Kind::Suggestion => &["advisor", "liaison", "teacher"],
    }
}

/// An appointment as exchanged (`type: "appointment"`) and as every layer reads it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AppointmentRecord {
    /// Its number in the database it came from; an import numbers it anew.
    #[serde(default)]
    pub id: i64,
    pub case: CaseNumber,
    /// The specialist's username.
    pub specialist: String,
    pub specialty: String,
    pub starts_at: Timestamp,
    pub ends_at: Timestamp,
    pub place: String,
    pub online: bool,
    #[serde(default)]
    pub link: Option<String>,
    #[serde(default)]
    pub note: String,
    pub status: AppointmentStatus,
    /// The username who booked it, or `worker`.
    pub booked_by: String,
    pub booked_at: Timestamp,
    pub changed_at: Timestamp,
    pub changed_by: String,
    /// Why it was last rescheduled or cancelled.
    #[serde(default)]
    pub reason: Option<String>,
}

impl AppointmentRecord {
    /// Booked and not begun: it may still be moved or cancelled (by staff or the worker).
    pub fn may_change(&self, now: Timestamp) -> bool {
        self.status == AppointmentStatus::Booked && self.starts_at > now
    }

    /// What every stored appointment keeps.
    pub fn check(&self) -> Result<(), FieldError> {
        if self.ends_at <= self.starts_at {
            return Err(FieldError::new("ends_at", "must be after starts_at"));
        }
        check_text("specialist", &self.specialist, 64, true)?;
        check_text("specialty", &self.specialty, 64, true)?;
        check_text("place", &self.place, MAX_SHORT_CHARS, false)?;
        if let Some(link) = &self.link {
            check_link(link)?;
        }
        check_text("note", &self.note, MAX_TEXT_CHARS, false)?;
        check_text("booked_by", &self.booked_by, 64, true)?;
        check_text("changed_by", &self.changed_by, 64, true)?;
        if let Some(r) = &self.reason {
            check_text("reason", r, MAX_TEXT_CHARS, false)?;
        }
        Ok(())
    }

    /// The meeting's length in minutes.
    pub fn minutes(&self) -> i64 {
        (self.ends_at.micros() - self.starts_at.micros()) / 60_000_000
    }
}

/// A video or phone link: `https://…`, `tel:…`, or a meeting number; at most 500
/// characters, no spaces.
pub fn check_link(link: &str) -> Result<(), FieldError> {
    check_text("link", link, 500, true)?;
    if link.chars().any(char::is_whitespace) {
        return Err(FieldError::new("link", "may not contain spaces"));
    }
    if link.contains(':') && !(link.starts_with("https://") || link.starts_with("http://") || link.starts_with("tel:"))
    {
        return Err(FieldError::new("link", "must be an https:// or tel: link, or a meeting number"));
    }
    Ok(())
}

/// A change to a booked appointment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Change {
    Reschedule { starts_at: Timestamp, ends_at: Timestamp, reason: String },
    Cancel { reason: String },
    Record(Outcome),
}

impl Change {
    pub fn name(&self) -> &'static str {
        match self {
            Change::Reschedule { .. } => "reschedule",
            Change::Cancel { .. } => "cancel",
            Change::Record(o) => o.as_str(),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AppointmentError {
    #[error("the appointment is {0}: only a booked one can be changed")]
    NotBooked(AppointmentStatus),
    #[error("the appointment has begun: it can no longer be rescheduled or cancelled")]
    Begun,
    #[error("the appointment has not begun yet: record held or no-show after its start")]
    NotBegun,
    #[error(transparent)]
    Field(#[from] FieldError),
}

/// The appointment after `change` made at `now` by `by`, or why it may not be made.
/// Reschedule and cancel only while booked and before the start; held and no-show only
/// while booked and from the start on.
pub fn apply(
    a: &AppointmentRecord,
    change: &Change,
    by: &str,
    now: Timestamp,
) -> Result<AppointmentRecord, AppointmentError> {
    if a.status != AppointmentStatus::Booked {
        return Err(AppointmentError::NotBooked(a.status));
    }
    let begun = now >= a.starts_at;
    let mut new = a.clone();
    match change {
        Change::Reschedule { starts_at, ends_at, reason } => {
            if begun {
                return Err(AppointmentError::Begun);
            }
            check_text("reason", reason, MAX_TEXT_CHARS, true)?;
            if *starts_at <= now {
                return Err(FieldError::new("starts_at", "is already past").into());
            }
            if *starts_at == a.starts_at {
                return Err(FieldError::new("starts_at", "is the appointment's time already").into());
            }
            new.starts_at = *starts_at;
            new.ends_at = *ends_at;
            new.reason = Some(reason.clone());
        }
        Change::Cancel { reason } => {
            if begun {
                return Err(AppointmentError::Begun);
            }
            check_text("reason", reason, MAX_TEXT_CHARS, true)?;
            new.status = AppointmentStatus::Cancelled;
            new.reason = Some(reason.clone());
        }
        Change::Record(outcome) => {
            if !begun {
                return Err(AppointmentError::NotBegun);
            }
            new.status = outcome.status();
        }
    }
    new.changed_at = now;
    new.changed_by = by.to_owned();
    Ok(new)
}

/// The record-book detail of a booking (action `schedule`, as the free-text meeting's:
/// `starts_at`, `place` and `note` read the same), with who and which appointment.
pub fn booking_detail(a: &AppointmentRecord, specialist_name: &str) -> serde_json::Value {
    let mut d = serde_json::json!({
        "appointment": a.id,
        "specialist": a.specialist,
        "specialist_name": specialist_name,
        "specialty": a.specialty,
        "starts_at": a.starts_at,
        "ends_at": a.ends_at,
        "place": a.place,
        "online": a.online,
    });
    if let Some(link) = &a.link {
        d["link"] = link.clone().into();
    }
    if !a.note.is_empty() {
        d["note"] = a.note.clone().into();
    }
    d
}

/// The record-book action of a change to an appointment.
pub const CHANGE_ACTION: &str = "appointment";

/// The record-book detail of a change (action [`CHANGE_ACTION`]). It names no case field
/// (`before`/`after` belong to the case's own fields, which the replay compares).
pub fn change_detail(before: &AppointmentRecord, after: &AppointmentRecord, change: &Change) -> serde_json::Value {
    let mut d = serde_json::json!({
        "appointment": before.id,
        "change": change.name(),
        "specialist": before.specialist,
        "starts_at": after.starts_at,
    });
    match change {
        Change::Reschedule { reason, .. } => {
            d["from_starts_at"] = serde_json::json!(before.starts_at);
            d["ends_at"] = serde_json::json!(after.ends_at);
            d["reason"] = reason.clone().into();
        }
        Change::Cancel { reason } => d["reason"] = reason.clone().into(),
        Change::Record(_) => {}
    }
    d
}

/// A stretch of a specialist's duty that is cut into slots (one expanded shift).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Window {
    pub user: String,
    pub name: String,
    pub specialty: String,
    pub starts_at: Timestamp,
    pub ends_at: Timestamp,
    pub place: String,
    pub online: bool,
    pub slot_minutes: u32,
}

/// A free slot: a piece of a shift nobody has booked.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Slot {
    /// The specialist's username.
    pub user: String,
    /// Their display name.
    pub name: String,
    pub specialty: String,
    pub starts_at: Timestamp,
    pub ends_at: Timestamp,
    pub place: String,
    pub online: bool,
}

impl Slot {
    /// The value a form's option carries for the slot: the specialist and the start.
    pub fn form_value(&self) -> String {
        format!("{}|{}", self.user, self.starts_at.to_rfc3339_cst())
    }

    /// The specialist and start a form's [`Slot::form_value`] names.
    pub fn parse_form_value(value: &str) -> Option<(String, Timestamp)> {
        let (user, start) = value.split_once('|')?;
        Some((user.to_owned(), Timestamp::parse_rfc3339(start).ok()?))
    }
}

/// Time a specialist is already booked for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Busy {
    pub user: String,
    pub starts_at: Timestamp,
    pub ends_at: Timestamp,
}

/// The free slots of the windows: each window cut from its start into `slot_minutes`
/// pieces (a remainder shorter than a slot is not offered), less any piece that overlaps
/// a busy time of the same person or starts at or before `now`. Earliest first, then by
/// username; a person's piece offered by two overlapping windows is offered once.
pub fn free_slots(windows: &[Window], busy: &[Busy], now: Timestamp) -> Vec<Slot> {
    let mut out: Vec<Slot> = Vec::new();
    for w in windows {
        if w.slot_minutes == 0 {
            continue;
        }
        let step = i64::from(w.slot_minutes) * 60_000_000;
        let mut s = w.starts_at.micros();
        while s + step <= w.ends_at.micros() {
            let (start, end) = (Timestamp::from_micros(s), Timestamp::from_micros(s + step));
            s += step;
            if start <= now {
                continue;
            }
            if busy.iter().any(|b| b.user == w.user && b.starts_at < end && start < b.ends_at) {
                continue;
            }
            out.push(Slot {
                user: w.user.clone(),
                name: w.name.clone(),
                specialty: w.specialty.clone(),
                starts_at: start,
                ends_at: end,
                place: w.place.clone(),
                online: w.online,
            });
        }
    }
    out.sort_by(|a, b| (a.starts_at, &a.user).cmp(&(b.starts_at, &b.user)));
    out.dedup_by(|a, b| a.user == b.user && a.starts_at == b.starts_at);
    out
}

/// The slot of `user` starting at `starts_at` among `slots`, if it is free.
pub fn find_slot<'a>(slots: &'a [Slot], user: &str, starts_at: Timestamp) -> Option<&'a Slot> {
    slots.iter().find(|s| s.user == user && s.starts_at == starts_at)
}

/// "free: 2026-03-03 14:00 (li_mediator), …": a few free slots in words, for a refusal.
pub fn describe_free(slots: &[Slot], max: usize) -> String {
    if slots.is_empty() {
        return "no slot is free in the coming two weeks".to_owned();
    }
    let mut parts: Vec<String> = slots
        .iter()
        .take(max)
        .map(|s| format!("{} {} ({})", s.starts_at.to_rfc3339_cst(), s.user, s.specialty))
        .collect();
    if slots.len() > max {
        parts.push(format!("and {} more", slots.len() - max));
    }
    format!("still free: {}", parts.join(", "))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(s: &str) -> Timestamp {
        Timestamp::parse_rfc3339(s).unwrap()
    }

    fn window(user: &str, from: &str, to: &str, minutes: u32) -> Window {
        Window {
            user: user.into(),
            name: user.to_uppercase(),
            specialty: "mediator".into(),
            starts_at: t(from),
            ends_at: t(to),
            place: "工作室".into(),
            online: false,
            slot_minutes: minutes,
        }
    }

    fn booked(starts: &str, minutes: i64) -> AppointmentRecord {
        let s = t(starts);
        AppointmentRecord {
            id: 7,
            case: "JD-2026-000001".parse().unwrap(),
            specialist: "li".into(),
            specialty: "mediator".into(),
            starts_at: s,
            ends_at: Timestamp::from_micros(s.micros() + minutes * 60_000_000),
            place: "工作室".into(),
            online: false,
            link: None,
            note: String::new(),
            status: AppointmentStatus::Booked,
            booked_by: "chair".into(),
            booked_at: t("2026-03-01T09:00:00+08:00"),
            changed_at: t("2026-03-01T09:00:00+08:00"),
            changed_by: "chair".into(),
            reason: None,
        }
    }

    #[test]
    fn a_shift_is_cut_into_slots_less_the_busy_and_the_past() {
        let w = [window("li", "2026-03-03T14:00:00+08:00", "2026-03-03T17:30:00+08:00", 60)];
        let busy = [Busy {
            user: "li".into(),
            starts_at: t("2026-03-03T15:30:00+08:00"),
            ends_at: t("2026-03-03T16:00:00+08:00"),
        }];
        let now = t("2026-03-03T14:00:00+08:00");
        let free = free_slots(&w, &busy, now);
        let starts: Vec<String> = free.iter().map(|s| s.starts_at.to_rfc3339_cst()).collect();
        // 14:00 has begun (at now); 15:00 overlaps the half hour at 15:30; 17:00–18:00
        // does not fit before 17:30.
        assert_eq!(starts, ["2026-03-03T16:00:00+08:00"]);
        let earlier = free_slots(&w, &[], t("2026-03-03T13:59:59+08:00"));
        assert_eq!(earlier.len(), 3);
    }

    #[test]
    fn another_persons_booking_frees_nothing_and_overlapping_windows_offer_once() {
        let w = [
            window("li", "2026-03-03T14:00:00+08:00", "2026-03-03T16:00:00+08:00", 60),
            window("li", "2026-03-03T15:00:00+08:00", "2026-03-03T16:00:00+08:00", 60),
            window("wang", "2026-03-03T14:00:00+08:00", "2026-03-03T15:00:00+08:00", 30),
        ];
        let busy = [Busy {
            user: "wang".into(),
            starts_at: t("2026-03-03T14:00:00+08:00"),
            ends_at: t("2026-03-03T14:30:00+08:00"),
        }];
        let free = free_slots(&w, &busy, t("2026-03-01T00:00:00+08:00"));
        let got: Vec<(String, String)> =
            free.iter().map(|s| (s.user.clone(), s.starts_at.to_rfc3339_cst()[11..16].to_owned())).collect();
        let want = [("li", "14:00"), ("wang", "14:30"), ("li", "15:00")];
        assert_eq!(got, want.map(|(u, h)| (u.to_owned(), h.to_owned())));
        assert!(free_slots(
            &[window("li", "2026-03-03T14:00:00+08:00", "2026-03-03T15:00:00+08:00", 0)],
            &[],
            t("2026-03-01T00:00:00+08:00")
        )
        .is_empty());
    }

    #[test]
    fn reschedule_and_cancel_only_before_the_start_outcomes_only_after() {
        let a = booked("2026-03-03T14:00:00+08:00", 60);
        let before = t("2026-03-03T13:00:00+08:00");
        let after = t("2026-03-03T14:00:00+08:00");
        let cancel = Change::Cancel { reason: "病假".into() };
        let c = apply(&a, &cancel, "worker", before).unwrap();
        assert_eq!(
            (c.status, c.reason.as_deref(), c.changed_by.as_str()),
            (AppointmentStatus::Cancelled, Some("病假"), "worker")
        );
        assert_eq!(apply(&a, &cancel, "worker", after), Err(AppointmentError::Begun));
        assert_eq!(
            apply(&c, &cancel, "worker", before),
            Err(AppointmentError::NotBooked(AppointmentStatus::Cancelled))
        );
        let empty = Change::Cancel { reason: " ".into() };
        assert!(matches!(apply(&a, &empty, "w", before), Err(AppointmentError::Field(f)) if f.field == "reason"));

        let held = Change::Record(Outcome::Held);
        assert_eq!(apply(&a, &held, "chair", before), Err(AppointmentError::NotBegun));
        let h = apply(&a, &held, "chair", after).unwrap();
        assert_eq!(h.status, AppointmentStatus::Held);
        assert_eq!(
            apply(&h, &Change::Record(Outcome::NoShow), "chair", after),
            Err(AppointmentError::NotBooked(AppointmentStatus::Held))
        );

        let later = t("2026-03-05T14:00:00+08:00");
        let move_to = Change::Reschedule {
            starts_at: later,
            ends_at: Timestamp::from_micros(later.micros() + 3_600_000_000),
            reason: "出差".into(),
        };
        let r = apply(&a, &move_to, "chair", before).unwrap();
        assert_eq!((r.starts_at, r.status), (later, AppointmentStatus::Booked));
        assert_eq!(apply(&a, &move_to, "chair", after), Err(AppointmentError::Begun));
        let past = Change::Reschedule { starts_at: before, ends_at: after, reason: "x".into() };
        assert!(
            matches!(apply(&a, &past, "chair", t("2026-03-03T13:30:00+08:00")), Err(AppointmentError::Field(f)) if f.field == "starts_at")
        );
    }

    #[test]
    fn every_kind_has_specialists_and_links_are_checked() {
        for k in Kind::ALL {
            assert!(!specialties_for(*k).is_empty());
        }
        assert_eq!(specialties_for(Kind::Wellbeing)[0], "counsellor");
        assert!(check_link("https://meeting.example/123").is_ok());
        assert!(check_link("tel:12351").is_ok());
        assert!(check_link("987 654").is_err());
        assert!(check_link("javascript:alert(1)").is_err());
    }

    #[test]
    fn a_record_reads_back_and_a_change_names_no_case_field() {
        let a = booked("2026-03-03T14:00:00+08:00", 60);
        let text = serde_json::to_string(&a).unwrap();
        let back: AppointmentRecord = serde_json::from_str(&text).unwrap();
        assert_eq!(back, a);
        let c = apply(&a, &Change::Cancel { reason: "r".into() }, "w", t("2026-03-02T00:00:00+08:00")).unwrap();
        let d = change_detail(&a, &c, &Change::Cancel { reason: "r".into() });
        assert!(d.get("after").is_none() && d.get("before").is_none());
        assert_eq!(booking_detail(&a, "李")["place"], "工作室");
    }
}
