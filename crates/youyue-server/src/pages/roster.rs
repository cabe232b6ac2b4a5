//! Duty rosters on the pages: the roster editor of a union's staff page (forms only, one
//! line per row, a blank row to add one, a box to remove one; the same for exceptions),
//! the "on duty this week" list of the studio's public page, and the roster printed for
//! the studio's wall (A4). Saving goes through `service::roster::set_roster`, as the API's
//! PUT does.

use super::Form;
use super::{render, Ctx, Errors, Lang, PageResult};
use crate::access;
use crate::error::ApiError;
use crate::service::roster as rosters;
use crate::AppState;
use askama::Template;
use axum::extract::{Path, State};
use axum::response::IntoResponse;
use chrono::{Datelike, Days, NaiveDate, Weekday};
use std::collections::{BTreeMap, HashMap};
use youyue_domain::roster::{ClockTime, DaySpec, Roster, RosterException, RosterLine, Shift, Specialty};
use youyue_domain::time::parse_date;
use youyue_domain::Timestamp;
use youyue_store::{Union, User};

/// Blank rows the editor adds below the lines (and the exceptions) to fill in.
const BLANK_ROWS: usize = 2;

/// A specialty in the page's language.
pub fn specialty_label(lang: Lang, s: Specialty) -> &'static str {
    match lang {
        Lang::Zh => s.label_zh(),
        Lang::En => s.label_en(),
    }
}

/// A day of the week, short: 周二 / Tue.
pub fn weekday_label(lang: Lang, d: Weekday) -> &'static str {
    let i = d.num_days_from_monday() as usize;
    match lang {
        Lang::Zh => ["周一", "周二", "周三", "周四", "周五", "周六", "周日"][i],
        Lang::En => ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"][i],
    }
}

fn day_spec_label(lang: Lang, d: DaySpec) -> &'static str {
    match d.weekday() {
        Some(w) => weekday_label(lang, w),
        None => match lang {
            Lang::Zh => "工作日",
            Lang::En => "Working days",
        },
    }
}

/// One shift as the worker reads it.
pub struct DutyRow {
    pub time: String,
    pub name: String,
    pub specialty: String,
    pub place: String,
}

/// A day of the duty list and its shifts.
pub struct DutyDay {
    pub day: String,
    pub today: bool,
    pub shifts: Vec<DutyRow>,
}

/// "14:00–17:30", with the next day said for a shift that ends after midnight.
fn time_span(lang: Lang, s: &Shift) -> String {
    let (a, b) = (s.starts_at.to_cst(), s.ends_at.to_cst());
    let next = b.date_naive() > a.date_naive() && b.format("%H:%M").to_string() != "00:00";
    let end = if b.date_naive() > a.date_naive() && !next { "24:00".to_owned() } else { b.format("%H:%M").to_string() };
    let next_day = match lang {
        Lang::Zh => "次日",
        Lang::En => "next day ",
    };
    format!("{}–{}{}", a.format("%H:%M"), if next { next_day } else { "" }, end)
}

fn place_of(lang: Lang, place: &str, online: bool) -> String {
    match (online, place.is_empty(), lang) {
        (true, true, Lang::Zh) => "线上（电话或视频）".to_owned(),
        (true, true, Lang::En) => "Online (phone or video)".to_owned(),
        (true, false, Lang::Zh) => format!("线上 · {place}"),
        (true, false, Lang::En) => format!("Online · {place}"),
        (false, _, _) => place.to_owned(),
    }
}

fn day_words(lang: Lang, d: NaiveDate) -> String {
    match lang {
        Lang::Zh => format!("{} {}月{}日", weekday_label(lang, d.weekday()), d.month(), d.day()),
        Lang::En => format!("{} {}", weekday_label(lang, d.weekday()), d.format("%-d %b")),
    }
}

/// The shifts of a range of days, day by day (days without a shift left out).
pub fn duty_days(lang: Lang, shifts: &[Shift], today: NaiveDate) -> Vec<DutyDay> {
    let mut days: Vec<DutyDay> = Vec::new();
    for s in shifts {
        let d = s.starts_at.cst_date();
        let label = day_words(lang, d);
        let row = DutyRow {
            time: time_span(lang, s),
            name: s.name.clone(),
            specialty: s.specialty.map(|x| specialty_label(lang, x).to_owned()).unwrap_or_default(),
            place: place_of(lang, &s.place, s.online),
        };
        match days.last_mut() {
            Some(last) if last.day == label => last.shifts.push(row),
            _ => days.push(DutyDay { day: label, today: d == today, shifts: vec![row] }),
        }
    }
    days
}

/// This week in China time, Monday to Sunday.
pub fn this_week(now: Timestamp) -> (NaiveDate, NaiveDate) {
    let today = now.cst_date();
    let monday = today.checked_sub_days(Days::new(u64::from(today.weekday().num_days_from_monday()))).unwrap_or(today);
    (monday, monday.checked_add_days(Days::new(6)).unwrap_or(monday))
}

/// The studio page's "on duty this week".
pub async fn week_on_duty(state: &AppState, lang: Lang, union: &Union) -> Result<Vec<DutyDay>, ApiError> {
    let now = Timestamp::now();
    let (from, to) = this_week(now);
    let shifts = rosters::shifts_serving(state.store.as_ref(), union, from, to).await?;
    Ok(duty_days(lang, &shifts, now.cst_date()))
}

/// A line of the editor as typed (or as stored).
#[derive(Default, Clone)]
pub struct LineRow {
    pub user: String,
    pub specialty: String,
    pub days: Vec<String>,
    pub start: String,
    pub end: String,
    pub slot: String,
    pub place: String,
    pub online: bool,
    pub holidays: bool,
    pub error: String,
    /// Named, but no longer someone who may serve: kept in the select so that it shows.
    pub unknown: bool,
}

impl LineRow {
    fn has_day(&self, d: &str) -> bool {
        self.days.iter().any(|x| x == d)
    }
}

/// An exception of the editor as typed (or as stored).
#[derive(Default, Clone)]
pub struct ExRow {
    pub kind: String,
    pub user: String,
    pub with: String,
    pub from: String,
    pub to: String,
    pub start: String,
    pub end: String,
    pub place: String,
    pub online: bool,
    pub specialty: String,
    pub error: String,
}

fn line_row(l: &RosterLine) -> LineRow {
    LineRow {
        user: l.user.clone(),
        specialty: l.specialty.map(|s| s.as_str().to_owned()).unwrap_or_default(),
        days: l.days.iter().map(|d| d.as_str().to_owned()).collect(),
        start: l.start.to_string(),
        end: l.end.to_string(),
        slot: l.slot_minutes.to_string(),
        place: l.place.clone(),
        online: l.online,
        holidays: l.holidays,
        error: String::new(),
        unknown: false,
    }
}

fn ex_row(e: &RosterException) -> ExRow {
    match e {
        RosterException::Leave { user, from, to } => ExRow {
            kind: "leave".into(),
            user: user.clone(),
            from: from.to_string(),
            to: to.to_string(),
            ..ExRow::default()
        },
        RosterException::Swap { date, user, with, .. } => ExRow {
            kind: "swap".into(),
            user: user.clone(),
            with: with.clone(),
            from: date.to_string(),
            ..ExRow::default()
        },
        RosterException::Extra { date, user, specialty, start, end, place, online, .. } => ExRow {
            kind: "extra".into(),
            user: user.clone(),
            from: date.to_string(),
            start: start.to_string(),
            end: end.to_string(),
            place: place.clone(),
            online: *online,
            specialty: specialty.map(|s| s.as_str().to_owned()).unwrap_or_default(),
            ..ExRow::default()
        },
    }
}

/// A choice of a select: value and words.
pub struct Choice {
    pub value: String,
    pub label: String,
}

#[derive(Template)]
#[template(path = "roster_edit.html")]
struct EditPage {
    ctx: Ctx,
    union: Union,
    lines: Vec<LineRow>,
    exceptions: Vec<ExRow>,
    people: Vec<Choice>,
    specialties: Vec<Choice>,
    days: Vec<Choice>,
    can_edit: bool,
    errors: Errors,
    notice: Option<String>,
    changed: String,
}

async fn edit_page_with(
    ctx: Ctx,
    state: &AppState,
    union: Union,
    typed: Option<(Vec<LineRow>, Vec<ExRow>)>,
    errors: Errors,
    notice: Option<String>,
) -> PageResult {
    let user = ctx.require_staff()?.clone();
    let store = state.store.as_ref();
    let roster = rosters::roster_of(store, &union).await?;
    let people = rosters::serving_people(store, &union).await?;
    let (mut lines, mut exceptions) = typed.unwrap_or_else(|| {
        (roster.shifts.iter().map(line_row).collect(), roster.exceptions.iter().map(ex_row).collect())
    });
    for l in &mut lines {
        l.unknown = !l.user.is_empty() && !people.contains_key(&l.user);
    }
    let can_edit = access::may_set_roster(&user, &union).is_ok();
    if can_edit {
        lines.extend(std::iter::repeat_n(LineRow { slot: "30".into(), ..LineRow::default() }, BLANK_ROWS));
        exceptions.extend(std::iter::repeat_n(ExRow::default(), BLANK_ROWS));
    }
    let lang = ctx.lang;
    let people = people
        .values()
        .map(|u| Choice { value: u.username.clone(), label: format!("{} ({})", u.name, u.username) })
        .collect();
    let specialties = Specialty::ALL
        .iter()
        .map(|s| Choice { value: s.as_str().into(), label: specialty_label(lang, *s).into() })
        .collect();
    let days = DaySpec::ALL
        .iter()
        .map(|d| Choice { value: d.as_str().into(), label: day_spec_label(lang, *d).into() })
        .collect();
    let changed = store
        .roster_changes(union.id, 1)
        .await?
        .first()
        .map(|c| format!("{} · {}", lang.datetime(c.changed_at), c.changed_by))
        .unwrap_or_default();
    let status =
        if errors.is_empty() { axum::http::StatusCode::OK } else { axum::http::StatusCode::UNPROCESSABLE_ENTITY };
    let page = EditPage { ctx, union, lines, exceptions, people, specialties, days, can_edit, errors, notice, changed };
    Ok((status, render(&page)).into_response())
}

/// The roster editor: staff of the union or above read it; its chairs and administrators
/// and those above change it.
pub async fn edit(ctx: Ctx, State(state): State<AppState>, Path(code): Path<String>) -> PageResult {
    let user = ctx.require_staff()?.clone();
    let union = access::union_within(state.store.as_ref(), &user, &code).await?;
    edit_page_with(ctx, &state, union, None, Errors::default(), None).await
}

/// The rows of the form, in order, as typed: `user_3`, `day_3_tue`, `xkind_1`…
fn rows_of(form: &HashMap<String, String>) -> (Vec<LineRow>, Vec<ExRow>) {
    let index = |prefix: &str| -> usize {
        form.keys()
            .filter_map(|k| k.strip_prefix(prefix))
            .filter_map(|rest| rest.split('_').next().and_then(|n| n.parse::<usize>().ok()))
            .map(|n| n + 1)
            .max()
            .unwrap_or(0)
            .min(youyue_domain::roster::MAX_LINES + BLANK_ROWS)
    };
    let get = |k: String| form.get(&k).map(|v| v.trim().to_owned()).unwrap_or_default();
    let mut lines = Vec::new();
    for i in 0..index("user_") {
        if form.contains_key(&format!("remove_{i}")) {
            continue;
        }
        let row = LineRow {
            user: get(format!("user_{i}")),
            specialty: get(format!("specialty_{i}")),
            days: DaySpec::ALL
                .iter()
                .filter(|d| form.contains_key(&format!("day_{i}_{}", d.as_str())))
                .map(|d| d.as_str().to_owned())
                .collect(),
            start: get(format!("start_{i}")),
            end: get(format!("end_{i}")),
            slot: get(format!("slot_{i}")),
            place: get(format!("place_{i}")),
            online: form.contains_key(&format!("online_{i}")),
            holidays: form.contains_key(&format!("holidays_{i}")),
            error: String::new(),
            unknown: false,
        };
        // A blank row (no person) adds nothing.
        if !row.user.is_empty() {
            lines.push(row);
        }
    }
    let mut exceptions = Vec::new();
    for i in 0..index("xkind_") {
        if form.contains_key(&format!("xremove_{i}")) {
            continue;
        }
        let row = ExRow {
            kind: get(format!("xkind_{i}")),
            user: get(format!("xuser_{i}")),
            with: get(format!("xwith_{i}")),
            from: get(format!("xfrom_{i}")),
            to: get(format!("xto_{i}")),
            start: get(format!("xstart_{i}")),
            end: get(format!("xend_{i}")),
            place: get(format!("xplace_{i}")),
            online: form.contains_key(&format!("xonline_{i}")),
            specialty: get(format!("xspecialty_{i}")),
            error: String::new(),
        };
        if !row.kind.is_empty() {
            exceptions.push(row);
        }
    }
    (lines, exceptions)
}

/// A field of a row that does not parse, as the API would name it.
struct Bad(String, &'static str);

fn time_of(field: String, s: &str) -> Result<ClockTime, Bad> {
    ClockTime::parse(s).ok_or(Bad(field, "time"))
}

fn date_of(field: String, s: &str) -> Result<NaiveDate, Bad> {
    parse_date(s).map_err(|_| Bad(field, "date"))
}

fn specialty_of(field: String, s: &str) -> Result<Option<Specialty>, Bad> {
    if s.is_empty() {
        return Ok(None);
    }
    Specialty::parse(s).map(Some).ok_or(Bad(field, "specialty"))
}

fn roster_of_rows(lines: &[LineRow], exceptions: &[ExRow]) -> Result<Roster, Bad> {
    let mut roster = Roster::default();
    for (i, r) in lines.iter().enumerate() {
        let at = |f: &str| format!("shifts[{i}].{f}");
        roster.shifts.push(RosterLine {
            user: r.user.clone(),
            name: String::new(),
            specialty: specialty_of(at("specialty"), &r.specialty)?,
            days: r.days.iter().filter_map(|d| DaySpec::parse(d)).collect(),
            start: time_of(at("start"), &r.start)?,
            end: time_of(at("end"), &r.end)?,
            slot_minutes: r.slot.parse().map_err(|_| Bad(at("slot_minutes"), "number"))?,
            place: r.place.clone(),
            online: r.online,
            holidays: r.holidays,
        });
    }
    for (i, r) in exceptions.iter().enumerate() {
        let at = |f: &str| format!("exceptions[{i}].{f}");
        let e = match r.kind.as_str() {
            "leave" => RosterException::Leave {
                user: r.user.clone(),
                from: date_of(at("from"), &r.from)?,
                to: date_of(at("to"), if r.to.is_empty() { &r.from } else { &r.to })?,
            },
            "swap" => RosterException::Swap {
                date: date_of(at("date"), &r.from)?,
                user: r.user.clone(),
                with: r.with.clone(),
                shift: None,
            },
            "extra" => RosterException::Extra {
                date: date_of(at("date"), &r.from)?,
                user: r.user.clone(),
                specialty: specialty_of(at("specialty"), &r.specialty)?,
                start: time_of(at("start"), &r.start)?,
                end: time_of(at("end"), &r.end)?,
                slot_minutes: 30,
                place: r.place.clone(),
                online: r.online,
            },
            _ => return Err(Bad(at("kind"), "kind")),
        };
        roster.exceptions.push(e);
    }
    Ok(roster)
}

/// A refused field of a roster in the page's language: what is wrong and where.
fn roster_message(lang: Lang, field: &str, message: &str) -> String {
    let part = field.rsplit('.').next().unwrap_or(field);
    let zh = match part {
        "user" | "with" if message.contains("not an active staff") => "此人不是本工会或上级工会的在职工作人员。",
        "user" | "with" if message.contains("another person") => "替班人须是另一个人。",
        "user" | "with" => "请选择人员。",
        "specialty" if message.contains("is not a") => "此人没有这项专长，请先在账号中设置。",
        "specialty" => "请选择专长。",
        "days" => "请至少选择一天（周一至周日或工作日）。",
        "start" => "开始时间应为 09:00 这样的时间（00:00–23:59）。",
        "end" => "结束时间应为 17:30 这样的时间（可到 24:00），且不能与开始时间相同。",
        "slot_minutes" => "每次时长应为 5–1440 分钟，且不长于这一班。",
        "place" => "请填写地点，或勾选线上。",
        "from" | "to" | "date" => "日期应为 2026-12-07 这样的日期，且结束不早于开始。",
        "kind" => "请选择例外的类型。",
        _ => "这一行填写有误，请检查。",
    };
    match lang {
        Lang::Zh => zh.to_owned(),
        Lang::En => {
            let noun = match part {
                "user" => "person",
                "with" => "stand-in",
                "slot_minutes" => "slot length",
                "start" => "start time (like 09:00)",
                "end" => "end time (like 17:30, up to 24:00)",
                "from" | "to" | "date" => "date (like 2026-12-07)",
                other => other,
            };
            format!("The {noun}: {message}.")
        }
    }
}

/// `shifts[3].start` → which list and row.
fn row_of(field: &str) -> Option<(bool, usize)> {
    let (list, rest) = field.split_once('[')?;
    let n = rest.split(']').next()?.parse().ok()?;
    Some((list == "shifts", n))
}

/// Saves the roster from the editor: all or nothing; a refused row comes back as typed
/// with its message beside it.
pub async fn save(
    ctx: Ctx,
    State(state): State<AppState>,
    Path(code): Path<String>,
    Form(form): Form<HashMap<String, String>>,
) -> PageResult {
    let user = ctx.require_staff()?.clone();
    ctx.check_csrf(form.get("csrf").map(String::as_str).unwrap_or_default())?;
    let union = access::union_within(state.store.as_ref(), &user, &code).await?;
    access::may_set_roster(&user, &union)?;
    let (mut lines, mut exceptions) = rows_of(&form);
    let result = match roster_of_rows(&lines, &exceptions) {
        Ok(roster) => rosters::set_roster(&state, &user, &union, roster).await.map(|_| ()),
        Err(Bad(field, what)) => Err(ApiError::invalid(field, format!("is not a valid {what}"))),
    };
    match result {
        Ok(()) => {
            let notice = Some(ctx.t("saved").to_owned());
            edit_page_with(ctx, &state, union, None, Errors::default(), notice).await
        }
        Err(ApiError::Invalid { field, message }) => {
            let text = roster_message(ctx.lang, &field, &message);
            match row_of(&field) {
                Some((true, n)) if n < lines.len() => lines[n].error = text.clone(),
                Some((false, n)) if n < exceptions.len() => exceptions[n].error = text.clone(),
                _ => {}
            }
            let errors = Errors(HashMap::from([("general".to_owned(), text)]));
            edit_page_with(ctx, &state, union, Some((lines, exceptions)), errors, None).await
        }
        Err(e) => Err(e.into()),
    }
}

/// The days of a line in words: 每天 for all seven, else each (周二、周四、周六).
fn days_words(lang: Lang, days: &[DaySpec]) -> String {
    let all = DaySpec::ALL.iter().filter(|d| d.weekday().is_some()).all(|d| days.contains(d));
    let mut words: Vec<&str> = Vec::new();
    if all {
        words.push(if lang == Lang::Zh { "每天" } else { "Every day" });
    } else {
        words.extend(days.iter().filter(|d| d.weekday().is_some()).map(|d| day_spec_label(lang, *d)));
    }
    if days.contains(&DaySpec::Workdays) && !all {
        words.push(day_spec_label(lang, DaySpec::Workdays));
    }
    words.join(if lang == Lang::Zh { "、" } else { ", " })
}

/// A line of the printed roster.
pub struct PrintLine {
    pub days: String,
    pub time: String,
    pub name: String,
    pub specialty: String,
    pub place: String,
    pub holidays: bool,
}

/// The printed roster of one union (the studio's own, or one above that serves it).
pub struct PrintGroup {
    pub union: String,
    pub lines: Vec<PrintLine>,
}

#[derive(Template)]
#[template(path = "roster_print.html")]
struct PrintPage {
    ctx: Ctx,
    union: Union,
    groups: Vec<PrintGroup>,
    week: Vec<DutyDay>,
    printed: String,
}

/// The roster for the studio's wall (A4): the weekly pattern of everyone who serves the
/// studio, its own and the unions' above, and this week's duty with its exceptions.
/// Public, like the studio's sign.
pub async fn print(ctx: Ctx, State(state): State<AppState>, Path(code): Path<String>) -> PageResult {
    let store = state.store.as_ref();
    let union = access::duty_readable(store, ctx.user.as_ref(), &code).await?;
    let people: BTreeMap<String, User> = rosters::serving_people(store, &union).await?;
    let lang = ctx.lang;
    let mut groups = Vec::new();
    for mut roster in store.rosters_on_path(&union.path).await? {
        rosters::name_lines(&mut roster, &people);
        let code: youyue_domain::UnionCode = match roster.union.parse() {
            Ok(c) => c,
            Err(_) => continue,
        };
        let name = store.union_by_code(&code).await?.map(|u| u.record.name).unwrap_or_else(|| roster.union.clone());
        let lines: Vec<PrintLine> = roster
            .shifts
            .iter()
            .filter(|l| people.contains_key(&l.user))
            .map(|l| PrintLine {
                days: days_words(lang, &l.days),
                time: if l.start == ClockTime::MIDNIGHT && l.end == ClockTime::END_OF_DAY {
                    ctx.t("roster_all_day").to_owned()
                } else if l.end <= l.start {
                    format!("{}–{}{}", l.start, if lang == Lang::Zh { "次日" } else { "next day " }, l.end)
                } else {
                    format!("{}–{}", l.start, l.end)
                },
                name: l.name.clone(),
                specialty: l.specialty.map(|s| specialty_label(lang, s).to_owned()).unwrap_or_default(),
                place: place_of(lang, &l.place, l.online),
                holidays: l.holidays,
            })
            .collect();
        if !lines.is_empty() {
            groups.push(PrintGroup { union: name, lines });
        }
    }
    // The studio's own roster first, then the unions above, nearest first.
    groups.reverse();
    let week = week_on_duty(&state, lang, &union).await?;
    let printed = lang.date(Timestamp::now().cst_date());
    Ok(render(&PrintPage { ctx, union, groups, week, printed }))
}
