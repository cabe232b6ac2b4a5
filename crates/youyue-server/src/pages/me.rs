//! A specialist's own appointments: today's and the rest of this week's, across every studio
//! they serve (`/me/appointments`), and their personal calendar feed (`/cal/{secret}.ics`),
//! set up, rotated and revoked there (the account page links to it). Only the secret's hash
//! is stored, as for API tokens; the address is shown once, when it is made.

use super::{render, Ctx, Form, PageResult};
use crate::access;
use crate::auth::sha256_hex;
use crate::error::ApiError;
use crate::AppState;
use askama::Template;
use axum::extract::{Path, State};
use axum::http::{header, HeaderMap};
use axum::response::{IntoResponse, Redirect, Response};
use chrono::{Datelike, Days, NaiveDate};
use rand::RngCore;
use serde::Deserialize;
use std::collections::HashMap;
use youyue_domain::appointment::AppointmentStatus;
use youyue_domain::ical::{feed, FeedEvent};
use youyue_domain::Timestamp;

/// How far back and ahead the feed reaches.
const FEED_DAYS_BACK: u64 = 30;
const FEED_DAYS_AHEAD: u64 = 180;

/// An appointment in words.
pub struct Line {
    pub when: String,
    pub number: String,
    pub specialty: String,
    pub place: String,
    pub status: &'static str,
    pub cancelled: bool,
}

#[derive(Template)]
#[template(path = "my_appointments.html")]
struct MyAppointmentsPage {
    ctx: Ctx,
    today: Vec<Line>,
    /// The rest of this week (Monday to Sunday, China time) after today.
    week: Vec<Line>,
    /// When the calendar feed was set, in words, if there is one.
    feed_since: Option<String>,
    /// The feed's address, shown once, right after it is made.
    feed_url: Option<String>,
    notice: &'static str,
}

/// The first instant (China time) of `day`.
fn start_of(day: NaiveDate) -> Timestamp {
    Timestamp::parse_rfc3339(&format!("{day}T00:00:00+08:00")).unwrap_or_else(|_| Timestamp::from_micros(0))
}

async fn my_page(ctx: Ctx, state: &AppState, feed_url: Option<String>, notice: &'static str) -> PageResult {
    let user = ctx.require_staff()?.clone();
    access::may_keep_a_calendar(&user)?;
    let now = Timestamp::now();
    let today = now.cst_date();
    let monday = today - Days::new(u64::from(today.weekday().num_days_from_monday()));
    let tomorrow = today + Days::new(1);
    let next_monday = monday + Days::new(7);
    let all = state.store.specialist_appointments(user.id, start_of(today), start_of(next_monday)).await?;
    let l = ctx.lang;
    let line = |a: &youyue_store::Appointment| Line {
        when: format!("{}–{}", l.datetime(a.record.starts_at), a.record.ends_at.to_cst().format("%H:%M")),
        number: a.record.case.to_string(),
        specialty: l.specialty(&a.record.specialty),
        place: if a.record.online && a.record.place.trim().is_empty() {
            ctx.t("online_mode").to_owned()
        } else {
            a.record.place.clone()
        },
        status: l.appointment_status(a.record.status),
        cancelled: a.record.status == AppointmentStatus::Cancelled,
    };
    let (mut on_today, mut later) = (Vec::new(), Vec::new());
    for a in &all {
        if a.record.starts_at < start_of(tomorrow) {
            on_today.push(line(a));
        } else {
            later.push(line(a));
        }
    }
    let feed_since = state.store.calendar_feed_since(user.id).await?.map(|t| l.datetime(t));
    let page = MyAppointmentsPage { ctx, today: on_today, week: later, feed_since, feed_url, notice };
    Ok(([(header::CACHE_CONTROL, "no-store")], render(&page)).into_response())
}

pub async fn my_appointments(
    ctx: Ctx,
    State(state): State<AppState>,
    axum::extract::Query(q): axum::extract::Query<HashMap<String, String>>,
) -> PageResult {
    let notice = match q.get("done").map(String::as_str) {
        Some("revoked") => "calendar_revoked",
        _ => "",
    };
    my_page(ctx, &state, None, notice).await
}

#[derive(Deserialize, Default)]
pub struct CsrfForm {
    #[serde(default)]
    csrf: String,
}

impl super::FormFields for CsrfForm {}

/// Makes a new feed address (the old one stops working) and shows it once.
pub async fn rotate_calendar(
    ctx: Ctx,
    State(state): State<AppState>,
    headers: HeaderMap,
    Form(f): Form<CsrfForm>,
) -> PageResult {
    ctx.check_csrf(&f.csrf)?;
    let user = ctx.require_staff()?.clone();
    access::may_keep_a_calendar(&user)?;
    let mut bytes = [0u8; 32];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    let secret: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
    state.store.set_calendar_feed(user.id, &sha256_hex(&secret), Timestamp::now()).await?;
    let url = format!("{}/cal/{secret}.ics", super::worker::site_base(&state, &headers));
    my_page(ctx, &state, Some(url), "calendar_made").await
}

/// Revokes the feed: its address answers 404 from now on.
pub async fn revoke_calendar(ctx: Ctx, State(state): State<AppState>, Form(f): Form<CsrfForm>) -> PageResult {
    ctx.check_csrf(&f.csrf)?;
    let user = ctx.require_staff()?.clone();
    state.store.revoke_calendar_feed(user.id).await?;
    Ok(Redirect::to("/me/appointments?done=revoked").into_response())
}

/// The feed (RFC 5545): one event per appointment not cancelled, from a month back to half
/// a year ahead, each saying only "约谈" with the case number, and the place. A secret that
/// is not a feed's (revoked, rotated, never made) is 404.
pub async fn calendar_feed(State(state): State<AppState>, Path(file): Path<String>) -> Result<Response, ApiError> {
    let not_found = || ApiError::not_found("no such calendar");
    let secret = file.strip_suffix(".ics").ok_or_else(not_found)?;
    let valid = secret.len() == 64 && secret.bytes().all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b));
    if !valid {
        return Err(not_found());
    }
    let user = state.store.calendar_feed_user(&sha256_hex(secret)).await?.ok_or_else(not_found)?;
    access::may_keep_a_calendar(&user).map_err(|_| not_found())?;
    let now = Timestamp::now();
    let from = Timestamp::from_micros(now.micros().saturating_sub(FEED_DAYS_BACK as i64 * 86_400_000_000));
    let to = Timestamp::from_micros(now.micros().saturating_add(FEED_DAYS_AHEAD as i64 * 86_400_000_000));
    let events: Vec<FeedEvent> = state
        .store
        .specialist_appointments(user.id, from, to)
        .await?
        .into_iter()
        .filter(|a| a.record.status.is_active())
        .map(|a| FeedEvent {
            id: a.record.id,
            case: a.record.case.to_string(),
            starts_at: a.record.starts_at,
            ends_at: a.record.ends_at,
            place: if a.record.place.trim().is_empty() && a.record.online {
                "线上".to_owned()
            } else {
                a.record.place.clone()
            },
            changed_at: a.record.changed_at,
        })
        .collect();
    let body = feed("工会有约 · 约谈", &events);
    Ok(([(header::CONTENT_TYPE, "text/calendar; charset=utf-8"), (header::CACHE_CONTROL, "no-store")], body)
        .into_response())
}
