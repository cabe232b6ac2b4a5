//! Specialists and duty rosters (轮值表): what a staff account can serve as, a union's weekly
//! pattern of who is on duty when, its exceptions (leave, swaps, extra shifts), and
//! `expand`, which turns a roster and the working-day calendar into the shifts of a range
//! of days, in China time. Pure: the callers bring the roster, the calendar and the days.
//!
//! Which days a line runs on: a line names weekdays (`mon`…`sun`) and/or `workdays`. A
//! weekday line runs on that weekday; a `workdays` line runs on every working day of the
//! calendar (so on a make-up 调休 weekend too). Neither runs on a public holiday unless the
//! line says `holidays` (a hotline). Then the exceptions, in this order: a swap puts
//! another person on a line for one day; leave takes a person's shifts off for a range of
//! days (whoever's line it is); an extra shift adds a one-off shift (leave does not remove
//! it: it was added by hand for that day).

use crate::calendar::WorkCalendar;
use crate::case::{check_text, MAX_SHORT_CHARS};
use crate::time::{Timestamp, CST};
use chrono::{Datelike, Days, NaiveDate, TimeZone, Weekday};
use serde::{Deserialize, Serialize};
use std::collections::BTreeSet;
use std::fmt;

/// What a specialist of a union can serve as.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Specialty {
    /// 调解员
    Mediator,
    /// 律师
    Lawyer,
    /// 心理咨询师
    #[serde(alias = "counselor", alias = "psychological_counsellor")]
    Counsellor,
    /// 思政老师
    #[serde(alias = "political_teacher")]
    Teacher,
    /// 仲裁员
    Arbitrator,
    /// 劳动关系协调员
    #[serde(alias = "labour_relations_advisor", alias = "labor_relations_advisor")]
    Advisor,
    /// 联络员
    #[serde(alias = "liaison_officer")]
    Liaison,
}

impl Specialty {
    pub const ALL: &'static [Specialty] = &[
        Specialty::Mediator,
        Specialty::Lawyer,
        Specialty::Counsellor,
        Specialty::Teacher,
        Specialty::Arbitrator,
        Specialty::Advisor,
        Specialty::Liaison,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Specialty::Mediator => "mediator",
            Specialty::Lawyer => "lawyer",
            Specialty::Counsellor => "counsellor",
            Specialty::Teacher => "teacher",
            Specialty::Arbitrator => "arbitrator",
            Specialty::Advisor => "advisor",
            Specialty::Liaison => "liaison",
        }
    }

    /// The word the Chinese pages use.
    pub fn label_zh(self) -> &'static str {
        match self {
            Specialty::Mediator => "调解员",
            Specialty::Lawyer => "律师",
            Specialty::Counsellor => "心理咨询师",
            Specialty::Teacher => "思政老师",
            Specialty::Arbitrator => "仲裁员",
            Specialty::Advisor => "劳动关系协调员",
            Specialty::Liaison => "联络员",
        }
    }

    /// The English words the pages use.
    pub fn label_en(self) -> &'static str {
        match self {
            Specialty::Mediator => "Mediator",
            Specialty::Lawyer => "Lawyer",
            Specialty::Counsellor => "Counsellor",
            Specialty::Teacher => "Political-education teacher",
            Specialty::Arbitrator => "Arbitrator",
            Specialty::Advisor => "Labour-relations advisor",
            Specialty::Liaison => "Liaison officer",
        }
    }

    /// The wire name, or an obvious other spelling of it.
    pub fn parse(s: &str) -> Option<Specialty> {
        Some(match s {
            "mediator" => Specialty::Mediator,
            "lawyer" => Specialty::Lawyer,
            "counsellor" | "counselor" | "psychological_counsellor" => Specialty::Counsellor,
            "teacher" | "political_teacher" => Specialty::Teacher,
            "arbitrator" => Specialty::Arbitrator,
            "advisor" | "labour_relations_advisor" | "labor_relations_advisor" => Specialty::Advisor,
            "liaison" | "liaison_officer" => Specialty::Liaison,
            _ => return None,
        })
    }

    /// The accepted wire names, for error messages.
    pub fn choices() -> String {
        Specialty::ALL.iter().map(|s| s.as_str()).collect::<Vec<_>>().join(" | ")
    }
}

impl fmt::Display for Specialty {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A set of specialties as a list without repeats, in `Specialty::ALL` order. `field` names
/// where the list came from.
pub fn parse_specialties(field: &str, names: &[String]) -> Result<Vec<Specialty>, RosterError> {
    let mut set = BTreeSet::new();
    for (i, n) in names.iter().enumerate() {
        let s = Specialty::parse(n).ok_or_else(|| {
            RosterError::new(format!("{field}[{i}]"), format!("must be one of {}", Specialty::choices()))
        })?;
        set.insert(s);
    }
    Ok(set.into_iter().collect())
}

/// A problem with one field of a roster, named by its path (`shifts[2].start`).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{field}: {message}")]
pub struct RosterError {
    pub field: String,
    pub message: String,
}

impl RosterError {
    pub fn new(field: impl Into<String>, message: impl Into<String>) -> RosterError {
        RosterError { field: field.into(), message: message.into() }
    }
}

/// A time of day as minutes after midnight, 00:00 to 24:00 (24:00 only ends a shift).
/// On the wire `"HH:MM"`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ClockTime(u16);

impl ClockTime {
    pub const MIDNIGHT: ClockTime = ClockTime(0);
    pub const END_OF_DAY: ClockTime = ClockTime(24 * 60);

    pub fn minutes(self) -> u32 {
        u32::from(self.0)
    }
    pub fn from_minutes(m: u32) -> Option<ClockTime> {
        u16::try_from(m).ok().filter(|m| *m <= 24 * 60).map(ClockTime)
    }
    /// `HH:MM`, 00:00–24:00.
    pub fn parse(s: &str) -> Option<ClockTime> {
        let b = s.as_bytes();
        if b.len() != 5 || b[2] != b':' || !b.iter().enumerate().all(|(i, c)| i == 2 || c.is_ascii_digit()) {
            return None;
        }
        let h = u32::from(b[0] - b'0') * 10 + u32::from(b[1] - b'0');
        let m = u32::from(b[3] - b'0') * 10 + u32::from(b[4] - b'0');
        if h > 24 || m > 59 || (h == 24 && m != 0) {
            return None;
        }
        ClockTime::from_minutes(h * 60 + m)
    }
}

impl fmt::Display for ClockTime {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:02}:{:02}", self.0 / 60, self.0 % 60)
    }
}

impl Serialize for ClockTime {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for ClockTime {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = <std::borrow::Cow<'de, str>>::deserialize(d)?;
        ClockTime::parse(&s)
            .ok_or_else(|| serde::de::Error::custom(format!("\"{s}\" is not a time like 09:00 (00:00–24:00)")))
    }
}

/// The days a line names: weekdays and/or every working day of the calendar.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum DaySpec {
    Mon,
    Tue,
    Wed,
    Thu,
    Fri,
    Sat,
    Sun,
    /// Every working day of the district calendar (make-up days included, holidays not).
    Workdays,
}

impl DaySpec {
    pub const ALL: &'static [DaySpec] = &[
        DaySpec::Mon,
        DaySpec::Tue,
        DaySpec::Wed,
        DaySpec::Thu,
        DaySpec::Fri,
        DaySpec::Sat,
        DaySpec::Sun,
        DaySpec::Workdays,
    ];
    pub fn as_str(self) -> &'static str {
        match self {
            DaySpec::Mon => "mon",
            DaySpec::Tue => "tue",
            DaySpec::Wed => "wed",
            DaySpec::Thu => "thu",
            DaySpec::Fri => "fri",
            DaySpec::Sat => "sat",
            DaySpec::Sun => "sun",
            DaySpec::Workdays => "workdays",
        }
    }
    pub fn parse(s: &str) -> Option<DaySpec> {
        DaySpec::ALL.iter().copied().find(|d| d.as_str() == s)
    }
    pub fn weekday(self) -> Option<Weekday> {
        Some(match self {
            DaySpec::Mon => Weekday::Mon,
            DaySpec::Tue => Weekday::Tue,
            DaySpec::Wed => Weekday::Wed,
            DaySpec::Thu => Weekday::Thu,
            DaySpec::Fri => Weekday::Fri,
            DaySpec::Sat => Weekday::Sat,
            DaySpec::Sun => Weekday::Sun,
            DaySpec::Workdays => return None,
        })
    }
}

fn default_slot() -> u32 {
    30
}

pub const MIN_SLOT_MINUTES: u32 = 5;
pub const MAX_SLOT_MINUTES: u32 = 24 * 60;
pub const MAX_LINES: usize = 500;
pub const MAX_EXCEPTIONS: usize = 2000;

/// One line of the weekly pattern: a person on duty on some days, from `start` to `end`
/// (an `end` at or before `start` ends the next day; 00:00–24:00 is the whole day).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct RosterLine {
    /// The person's username.
    pub user: String,
    /// Their display name: filled in when read, ignored when written (so that what GET
    /// answers can be sent back as it is).
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub name: String,
    /// What they serve as on this line.
    #[serde(default)]
    pub specialty: Option<Specialty>,
    pub days: Vec<DaySpec>,
    #[cfg_attr(feature = "openapi", schema(value_type = String, example = "14:00"))]
    pub start: ClockTime,
    #[cfg_attr(feature = "openapi", schema(value_type = String, example = "17:30"))]
    pub end: ClockTime,
    #[serde(default = "default_slot")]
    pub slot_minutes: u32,
    #[serde(default)]
    pub place: String,
    #[serde(default)]
    pub online: bool,
    /// Runs on public holidays too.
    #[serde(default)]
    pub holidays: bool,
}

/// An exception to the weekly pattern.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum RosterException {
    /// `user` is off from `from` to `to` (both included): none of their shifts starting on
    /// those days run.
    Leave {
        user: String,
        #[cfg_attr(feature = "openapi", schema(value_type = String, format = Date))]
        from: NaiveDate,
        #[cfg_attr(feature = "openapi", schema(value_type = String, format = Date))]
        to: NaiveDate,
    },
    /// On `date`, `with` takes `user`'s shifts (only line `shift`, counted from 0, if given).
    Swap {
        #[cfg_attr(feature = "openapi", schema(value_type = String, format = Date))]
        date: NaiveDate,
        user: String,
        with: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        shift: Option<usize>,
    },
    /// A one-off shift on `date`.
    Extra {
        #[cfg_attr(feature = "openapi", schema(value_type = String, format = Date))]
        date: NaiveDate,
        user: String,
        #[serde(default)]
        specialty: Option<Specialty>,
        #[cfg_attr(feature = "openapi", schema(value_type = String, example = "09:00"))]
        start: ClockTime,
        #[cfg_attr(feature = "openapi", schema(value_type = String, example = "12:00"))]
        end: ClockTime,
        #[serde(default = "default_slot")]
        slot_minutes: u32,
        #[serde(default)]
        place: String,
        #[serde(default)]
        online: bool,
    },
}

impl RosterException {
    /// The people it names.
    pub fn users(&self) -> Vec<&str> {
        match self {
            RosterException::Leave { user, .. } | RosterException::Extra { user, .. } => vec![user],
            RosterException::Swap { user, with, .. } => vec![user, with],
        }
    }
}

/// A union's roster: the weekly pattern and its exceptions.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct Roster {
    /// The code of the union whose roster this is: filled in when read, ignored when
    /// written.
    #[serde(default)]
    pub union: String,
    #[serde(default)]
    pub shifts: Vec<RosterLine>,
    #[serde(default)]
    pub exceptions: Vec<RosterException>,
}

impl Roster {
    /// The people the roster names, each once.
    pub fn users(&self) -> BTreeSet<&str> {
        let mut out: BTreeSet<&str> = self.shifts.iter().map(|l| l.user.as_str()).collect();
        for e in &self.exceptions {
            out.extend(e.users());
        }
        out
    }

    /// Checks what does not need the accounts: times, lengths, places, indexes, dates.
    /// Whether each person may serve (staff of the union or above, with the specialty) is
    /// the caller's to check, with `users` and `specialties_used`.
    pub fn check(&self) -> Result<(), RosterError> {
        if self.shifts.len() > MAX_LINES {
            return Err(RosterError::new("shifts", format!("at most {MAX_LINES} lines")));
        }
        if self.exceptions.len() > MAX_EXCEPTIONS {
            return Err(RosterError::new("exceptions", format!("at most {MAX_EXCEPTIONS} exceptions")));
        }
        for (i, l) in self.shifts.iter().enumerate() {
            let at = |f: &str| format!("shifts[{i}].{f}");
            check_user(&at("user"), &l.user)?;
            if l.days.is_empty() {
                return Err(RosterError::new(at("days"), "name at least one day (mon … sun, workdays)"));
            }
            check_times(&at("start"), &at("end"), l.start, l.end)?;
            check_slot(&at("slot_minutes"), l.slot_minutes, l.start, l.end)?;
            check_place(&at("place"), &l.place, l.online)?;
        }
        for (i, e) in self.exceptions.iter().enumerate() {
            let at = |f: &str| format!("exceptions[{i}].{f}");
            match e {
                RosterException::Leave { user, from, to } => {
                    check_user(&at("user"), user)?;
                    if from > to {
                        return Err(RosterError::new(at("to"), "must not be before from"));
                    }
                }
                RosterException::Swap { user, with, shift, .. } => {
                    check_user(&at("user"), user)?;
                    check_user(&at("with"), with)?;
                    if user == with {
                        return Err(RosterError::new(at("with"), "must be another person"));
                    }
                    if let Some(n) = shift {
                        match self.shifts.get(*n) {
                            None => return Err(RosterError::new(at("shift"), "no such line")),
                            Some(l) if l.user != *user => {
                                return Err(RosterError::new(at("shift"), "is not a line of user"))
                            }
                            Some(_) => {}
                        }
                    }
                }
                RosterException::Extra { user, start, end, slot_minutes, place, online, .. } => {
                    check_user(&at("user"), user)?;
                    check_times(&at("start"), &at("end"), *start, *end)?;
                    check_slot(&at("slot_minutes"), *slot_minutes, *start, *end)?;
                    check_place(&at("place"), place, *online)?;
                }
            }
        }
        Ok(())
    }

    /// Each line and extra shift that names a specialty, with the field it is in:
    /// `(field, user, specialty)`, for the caller to check against the person's.
    pub fn specialties_used(&self) -> Vec<(String, &str, Specialty)> {
        let mut out = Vec::new();
        for (i, l) in self.shifts.iter().enumerate() {
            if let Some(s) = l.specialty {
                out.push((format!("shifts[{i}].specialty"), l.user.as_str(), s));
            }
        }
        for (i, e) in self.exceptions.iter().enumerate() {
            if let RosterException::Extra { user, specialty: Some(s), .. } = e {
                out.push((format!("exceptions[{i}].specialty"), user.as_str(), *s));
            }
        }
        out
    }

    /// Where each person is named, the first time: `(field, user)`.
    pub fn user_fields(&self) -> Vec<(String, &str)> {
        let mut out = Vec::new();
        for (i, l) in self.shifts.iter().enumerate() {
            out.push((format!("shifts[{i}].user"), l.user.as_str()));
        }
        for (i, e) in self.exceptions.iter().enumerate() {
            match e {
                RosterException::Leave { user, .. } | RosterException::Extra { user, .. } => {
                    out.push((format!("exceptions[{i}].user"), user.as_str()))
                }
                RosterException::Swap { user, with, .. } => {
                    out.push((format!("exceptions[{i}].user"), user.as_str()));
                    out.push((format!("exceptions[{i}].with"), with.as_str()));
                }
            }
        }
        out
    }
}

/// Checks the values of a roster sent as JSON whose shape may still be wrong: every time,
/// date, day and specialty given as a string must be one (422 naming it, such as
/// `shifts[2].start`), before the shape itself is read (a 400 for a wrong type).
pub fn check_json_values(v: &serde_json::Value) -> Result<(), RosterError> {
    use serde_json::Value;
    let list = |name: &str| v.get(name).and_then(Value::as_array).cloned().unwrap_or_default();
    let check = |field: String, item: &Value, key: &str| -> Result<(), RosterError> {
        let Some(s) = item.get(key).and_then(Value::as_str) else { return Ok(()) };
        let ok = match key {
            "start" | "end" => ClockTime::parse(s).is_some(),
            "from" | "to" | "date" => crate::time::parse_date(s).is_ok(),
            "specialty" => Specialty::parse(s).is_some(),
            _ => true,
        };
        if ok {
            return Ok(());
        }
        let message = match key {
            "start" | "end" => format!("\"{s}\" is not a time like 09:00 (00:00–24:00)"),
            "specialty" => format!("must be one of {}", Specialty::choices()),
            _ => format!("\"{s}\" is not a date like 2026-03-02"),
        };
        Err(RosterError::new(field, message))
    };
    for (i, item) in list("shifts").iter().enumerate() {
        for key in ["start", "end", "specialty"] {
            check(format!("shifts[{i}].{key}"), item, key)?;
        }
        for (j, d) in item.get("days").and_then(Value::as_array).cloned().unwrap_or_default().iter().enumerate() {
            if d.as_str().is_some_and(|d| DaySpec::parse(d).is_none()) {
                return Err(RosterError::new(format!("shifts[{i}].days[{j}]"), "must be mon … sun or workdays"));
            }
        }
    }
    for (i, item) in list("exceptions").iter().enumerate() {
        for key in ["start", "end", "specialty", "from", "to", "date"] {
            check(format!("exceptions[{i}].{key}"), item, key)?;
        }
    }
    Ok(())
}

fn check_user(field: &str, u: &str) -> Result<(), RosterError> {
    crate::exchange::check_username(u).map_err(|e| RosterError::new(field, e.message))
}

fn check_times(start_field: &str, end_field: &str, start: ClockTime, end: ClockTime) -> Result<(), RosterError> {
    if start == ClockTime::END_OF_DAY {
        return Err(RosterError::new(start_field, "a shift cannot start at 24:00; use 00:00"));
    }
    if start == end {
        return Err(RosterError::new(end_field, "must differ from start (a whole day is 00:00–24:00)"));
    }
    Ok(())
}

fn check_slot(field: &str, slot: u32, start: ClockTime, end: ClockTime) -> Result<(), RosterError> {
    if !(MIN_SLOT_MINUTES..=MAX_SLOT_MINUTES).contains(&slot) {
        return Err(RosterError::new(field, format!("must be {MIN_SLOT_MINUTES}–{MAX_SLOT_MINUTES} minutes")));
    }
    if slot > length_minutes(start, end) {
        return Err(RosterError::new(field, "is longer than the shift"));
    }
    Ok(())
}

fn check_place(field: &str, place: &str, online: bool) -> Result<(), RosterError> {
    let key: &'static str = "place";
    check_text(key, place, MAX_SHORT_CHARS, !online).map_err(|e| {
        if place.trim().is_empty() {
            RosterError::new(field, "say where, or mark the shift online")
        } else {
            RosterError::new(field, e.message)
        }
    })
}

/// How long a shift from `start` to `end` lasts (an end at or before the start is the
/// next day's).
pub fn length_minutes(start: ClockTime, end: ClockTime) -> u32 {
    if end > start {
        end.minutes() - start.minutes()
    } else {
        24 * 60 - start.minutes() + end.minutes()
    }
}

/// One expanded shift: a person on duty from `starts_at` to `ends_at`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Shift {
    /// Username.
    pub user: String,
    /// Display name.
    pub name: String,
    pub specialty: Option<Specialty>,
    /// Code of the union whose roster it comes from.
    pub union: String,
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = DateTime))]
    pub starts_at: Timestamp,
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = DateTime))]
    pub ends_at: Timestamp,
    pub place: String,
    pub online: bool,
    pub slot_minutes: u32,
}

/// Whether a line runs on `day` (see the module's rule).
pub fn runs_on(line: &RosterLine, calendar: &WorkCalendar, day: NaiveDate) -> bool {
    if calendar.is_holiday(day) && !line.holidays {
        return false;
    }
    line.days.iter().any(|d| match d.weekday() {
        Some(w) => w == day.weekday(),
        None => calendar.is_working_day(day) || (line.holidays && calendar.is_holiday(day)),
    })
}

fn instant(day: NaiveDate, at: ClockTime) -> Timestamp {
    let (day, minutes) = if at == ClockTime::END_OF_DAY {
        (day.checked_add_days(Days::new(1)).unwrap_or(day), 0)
    } else {
        (day, at.minutes())
    };
    let local = day.and_hms_opt(minutes / 60, minutes % 60, 0).unwrap_or_default();
    match CST.from_local_datetime(&local).single() {
        Some(t) => Timestamp::from_micros(t.timestamp_micros()),
        None => Timestamp::start_of_cst_day(day),
    }
}

/// The start and end of a shift of `day` from `start` to `end`.
pub fn shift_instants(day: NaiveDate, start: ClockTime, end: ClockTime) -> (Timestamp, Timestamp) {
    let starts = instant(day, start);
    let end_day = if end > start { day } else { day.checked_add_days(Days::new(1)).unwrap_or(day) };
    (starts, instant(end_day, end))
}

/// The shifts of `roster` that start on the China days `from` to `to` (both included),
/// sorted by start, then user. Names are the lines' own (`RosterLine::name`); a person
/// named only by an exception gets their username unless a line of theirs has a name.
pub fn expand(roster: &Roster, calendar: &WorkCalendar, from: NaiveDate, to: NaiveDate) -> Vec<Shift> {
    let name_of = |user: &str| -> String {
        roster
            .shifts
            .iter()
            .find(|l| l.user == user && !l.name.is_empty())
            .map_or_else(|| user.to_owned(), |l| l.name.clone())
    };
    let on_leave = |user: &str, day: NaiveDate| {
        roster.exceptions.iter().any(
            |e| matches!(e, RosterException::Leave { user: u, from, to } if u == user && *from <= day && day <= *to),
        )
    };
    let mut out = Vec::new();
    let mut day = from;
    // At most the days asked for: callers bound the range.
    while day <= to {
        for (i, line) in roster.shifts.iter().enumerate() {
            if !runs_on(line, calendar, day) {
                continue;
            }
            let swapped = roster.exceptions.iter().find_map(|e| match e {
                RosterException::Swap { date, user, with, shift }
                    if *date == day && *user == line.user && shift.is_none_or(|n| n == i) =>
                {
                    Some(with.as_str())
                }
                _ => None,
            });
            let user = swapped.unwrap_or(&line.user);
            if on_leave(user, day) {
                continue;
            }
            let (starts_at, ends_at) = shift_instants(day, line.start, line.end);
            out.push(Shift {
                user: user.to_owned(),
                name: if swapped.is_some() { name_of(user) } else { name_of(&line.user) },
                specialty: line.specialty,
                union: roster.union.clone(),
                starts_at,
                ends_at,
                place: line.place.clone(),
                online: line.online,
                slot_minutes: line.slot_minutes,
            });
        }
        for e in &roster.exceptions {
            if let RosterException::Extra { date, user, specialty, start, end, slot_minutes, place, online } = e {
                if *date == day {
                    let (starts_at, ends_at) = shift_instants(day, *start, *end);
                    out.push(Shift {
                        user: user.clone(),
                        name: name_of(user),
                        specialty: *specialty,
                        union: roster.union.clone(),
                        starts_at,
                        ends_at,
                        place: place.clone(),
                        online: *online,
                        slot_minutes: *slot_minutes,
                    });
                }
            }
        }
        day = match day.succ_opt() {
            Some(d) => d,
            None => break,
        };
    }
    sort_shifts(&mut out);
    out
}

/// The order of every list of shifts: by start, then user, then end and union.
pub fn sort_shifts(shifts: &mut [Shift]) {
    shifts
        .sort_by(|a, b| (a.starts_at, &a.user, a.ends_at, &a.union).cmp(&(b.starts_at, &b.user, b.ends_at, &b.union)));
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::calendar::tests::national_day_2025;
    use crate::time::parse_date;

    fn d(s: &str) -> NaiveDate {
        parse_date(s).unwrap()
    }
    fn t(s: &str) -> ClockTime {
        ClockTime::parse(s).unwrap()
    }
    fn line(user: &str, days: &[DaySpec], start: &str, end: &str) -> RosterLine {
        RosterLine {
            user: user.into(),
            name: format!("{user}-name"),
            specialty: Some(Specialty::Counsellor),
            days: days.to_vec(),
            start: t(start),
            end: t(end),
            slot_minutes: 30,
            place: "活动室".into(),
            online: false,
            holidays: false,
        }
    }
    fn roster(shifts: Vec<RosterLine>, exceptions: Vec<RosterException>) -> Roster {
        let r = Roster { union: "jd".into(), shifts, exceptions };
        r.check().unwrap();
        r
    }
    fn starts(shifts: &[Shift]) -> Vec<String> {
        shifts.iter().map(|s| format!("{} {}", s.starts_at, s.user)).collect()
    }

    #[test]
    fn specialties_parse_with_aliases_and_travel_snake_case() {
        for s in Specialty::ALL {
            assert_eq!(Specialty::parse(s.as_str()), Some(*s));
            assert_eq!(serde_json::to_string(s).unwrap(), format!("\"{}\"", s.as_str()));
            assert!(!s.label_zh().is_empty());
        }
        assert_eq!(Specialty::parse("counselor"), Some(Specialty::Counsellor));
        assert_eq!(Specialty::parse("psychological_counsellor"), Some(Specialty::Counsellor));
        assert_eq!(Specialty::parse("political_teacher"), Some(Specialty::Teacher));
        assert_eq!(Specialty::parse("labor_relations_advisor"), Some(Specialty::Advisor));
        assert_eq!(Specialty::parse("labour_relations_advisor"), Some(Specialty::Advisor));
        assert_eq!(Specialty::parse("liaison_officer"), Some(Specialty::Liaison));
        assert_eq!(Specialty::parse("judge"), None);
        let s: Specialty = serde_json::from_str("\"counselor\"").unwrap();
        assert_eq!(s, Specialty::Counsellor);
        assert_eq!(Specialty::Advisor.label_zh(), "劳动关系协调员");
    }

    #[test]
    fn clock_times() {
        assert_eq!(t("00:00").minutes(), 0);
        assert_eq!(t("24:00").minutes(), 1440);
        assert_eq!(t("09:05").to_string(), "09:05");
        for bad in ["24:01", "9:00", "09:60", "25:00", "0900", "09-00", "ab:cd"] {
            assert!(ClockTime::parse(bad).is_none(), "{bad}");
        }
    }

    #[test]
    fn a_weekday_line_skips_public_holidays_and_keeps_its_weekday_on_make_up_days() {
        // Tue/Thu/Sat afternoons, around National Day 2025 (1–8 Oct off; Sun 28 Sep and
        // Sat 11 Oct worked).
        let r = roster(vec![line("chen", &[DaySpec::Tue, DaySpec::Thu, DaySpec::Sat], "14:00", "17:30")], vec![]);
        let s = expand(&r, &national_day_2025(), d("2025-09-27"), d("2025-10-11"));
        assert_eq!(
            starts(&s),
            vec![
                "2025-09-27T14:00:00+08:00 chen",
                "2025-09-30T14:00:00+08:00 chen",
                // 2, 4 October (Thu, Sat) are holidays; 9 Oct (Thu) and 11 Oct (Sat) run.
                "2025-10-09T14:00:00+08:00 chen",
                "2025-10-11T14:00:00+08:00 chen",
            ]
        );
        assert_eq!(s[0].ends_at.to_string(), "2025-09-27T17:30:00+08:00");
        assert_eq!(s[0].name, "chen-name");
        assert_eq!(s[0].union, "jd");
    }

    #[test]
    fn a_workdays_line_follows_the_calendar() {
        let r = roster(vec![line("wang", &[DaySpec::Workdays], "09:00", "12:00")], vec![]);
        let days: Vec<String> = expand(&r, &national_day_2025(), d("2025-09-27"), d("2025-10-12"))
            .iter()
            .map(|s| s.starts_at.cst_date().to_string())
            .collect();
        assert_eq!(
            days,
            ["2025-09-28", "2025-09-29", "2025-09-30", "2025-10-09", "2025-10-10", "2025-10-11"],
            "the make-up Sunday and Saturday run, the holiday week does not"
        );
    }

    #[test]
    fn a_hotline_runs_around_the_clock_across_midnight_and_holidays() {
        let mut night = line("li", &DaySpec::ALL[..7], "20:00", "08:00");
        night.holidays = true;
        night.online = true;
        night.place = String::new();
        let mut day = line("zhao", &DaySpec::ALL[..7], "08:00", "20:00");
        day.holidays = true;
        let mut whole = line("sun", &[DaySpec::Sun], "00:00", "24:00");
        whole.holidays = true;
        let r = roster(vec![night, day, whole], vec![]);
        let s = expand(&r, &national_day_2025(), d("2025-10-01"), d("2025-10-01"));
        assert_eq!(s.len(), 2, "a holiday (Wednesday): both hotline lines, not the Sunday one");
        assert_eq!(s[0].user, "zhao");
        assert_eq!(s[1].user, "li");
        assert_eq!(s[1].starts_at.to_string(), "2025-10-01T20:00:00+08:00");
        assert_eq!(s[1].ends_at.to_string(), "2025-10-02T08:00:00+08:00", "crosses midnight");
        let s = expand(&r, &national_day_2025(), d("2025-10-05"), d("2025-10-05"));
        let sun = s.iter().find(|s| s.user == "sun").unwrap();
        assert_eq!(sun.starts_at.to_string(), "2025-10-05T00:00:00+08:00");
        assert_eq!(sun.ends_at.to_string(), "2025-10-06T00:00:00+08:00");
        // Without the flag the holiday takes the line off.
        let mut plain = r.clone();
        plain.shifts[0].holidays = false;
        let s = expand(&plain, &national_day_2025(), d("2025-10-01"), d("2025-10-01"));
        assert!(s.iter().all(|s| s.user != "li"));
    }

    #[test]
    fn leave_swap_and_extra_shift() {
        let r = roster(
            vec![
                line("chen", &[DaySpec::Tue, DaySpec::Thu], "14:00", "17:00"),
                line("wang", &[DaySpec::Tue], "09:00", "12:00"),
            ],
            vec![
                RosterException::Leave { user: "chen".into(), from: d("2026-12-08"), to: d("2026-12-10") },
                RosterException::Swap { date: d("2026-12-15"), user: "wang".into(), with: "chen".into(), shift: None },
                RosterException::Extra {
                    date: d("2026-12-12"),
                    user: "zhou".into(),
                    specialty: Some(Specialty::Lawyer),
                    start: t("09:00"),
                    end: t("11:00"),
                    slot_minutes: 60,
                    place: String::new(),
                    online: true,
                },
            ],
        );
        let s = expand(&r, &WorkCalendar::default(), d("2026-12-07"), d("2026-12-17"));
        assert_eq!(
            starts(&s),
            vec![
                // Tue 8 and Thu 10: chen on leave; wang's Tuesday runs.
                "2026-12-08T09:00:00+08:00 wang",
                "2026-12-12T09:00:00+08:00 zhou",
                // Tue 15: chen takes wang's morning and keeps their own afternoon.
                "2026-12-15T09:00:00+08:00 chen",
                "2026-12-15T14:00:00+08:00 chen",
                "2026-12-17T14:00:00+08:00 chen",
            ]
        );
        assert_eq!(s[1].name, "zhou", "named only by an exception: the username");
        assert!(s[1].online);
        assert_eq!(s[2].name, "chen-name");
        assert_eq!(s[2].specialty, Some(Specialty::Counsellor));
    }

    #[test]
    fn a_swap_into_leave_leaves_the_line_empty() {
        let r = roster(
            vec![line("wang", &[DaySpec::Mon], "09:00", "12:00")],
            vec![
                RosterException::Swap {
                    date: d("2026-12-07"),
                    user: "wang".into(),
                    with: "chen".into(),
                    shift: Some(0),
                },
                RosterException::Leave { user: "chen".into(), from: d("2026-12-07"), to: d("2026-12-07") },
            ],
        );
        assert!(expand(&r, &WorkCalendar::default(), d("2026-12-07"), d("2026-12-07")).is_empty());
    }

    #[test]
    fn checks_name_the_field() {
        let mut bad = line("chen", &[DaySpec::Mon], "09:00", "09:00");
        let r = Roster {
            union: String::new(),
            shifts: vec![line("a", &[DaySpec::Mon], "09:00", "10:00"), bad.clone()],
            exceptions: vec![],
        };
        assert_eq!(r.check().unwrap_err().field, "shifts[1].end");
        bad.end = t("10:00");
        bad.slot_minutes = 90;
        let r = Roster { union: String::new(), shifts: vec![bad.clone()], exceptions: vec![] };
        assert_eq!(r.check().unwrap_err().field, "shifts[0].slot_minutes");
        bad.slot_minutes = 30;
        bad.place = " ".into();
        let r = Roster { union: String::new(), shifts: vec![bad.clone()], exceptions: vec![] };
        assert_eq!(r.check().unwrap_err().field, "shifts[0].place");
        bad.place = "x".into();
        bad.days.clear();
        let r = Roster { union: String::new(), shifts: vec![bad.clone()], exceptions: vec![] };
        assert_eq!(r.check().unwrap_err().field, "shifts[0].days");
        let r = Roster {
            union: String::new(),
            shifts: vec![],
            exceptions: vec![RosterException::Leave { user: "a".into(), from: d("2026-01-02"), to: d("2026-01-01") }],
        };
        assert_eq!(r.check().unwrap_err().field, "exceptions[0].to");
        let e =
            serde_json::from_str::<Roster>(r#"{"shifts":[{"user":"a","days":["mon"],"start":"9:00","end":"10:00"}]}"#);
        assert!(e.is_err());
        let ok: Roster = serde_json::from_str(
            r#"{"shifts":[{"user":"a","days":["mon","workdays"],"start":"09:00","end":"10:00","place":"x"}],
                "exceptions":[{"kind":"leave","user":"a","from":"2026-01-01","to":"2026-01-02"}]}"#,
        )
        .unwrap();
        assert_eq!(ok.shifts[0].slot_minutes, 30);
        ok.check().unwrap();
        let back: Roster = serde_json::from_str(&serde_json::to_string(&ok).unwrap()).unwrap();
        assert_eq!(back, ok);
    }
}
