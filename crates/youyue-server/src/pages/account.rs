//! The caller's own account: change the password, log out everywhere, turn the second
//! factor (TOTP) on or off. The same service functions as the API's `/api/v1/me/…`.

use super::Form;
use super::{render, Ctx, Errors, PageResult};
use crate::auth;
use crate::error::ApiError;
use crate::service;
use crate::AppState;
use askama::Template;
use axum::extract::{ConnectInfo, Query, State};
use axum::http::{header, HeaderValue};
use axum::response::{IntoResponse, Redirect};
use serde::Deserialize;
use std::collections::HashMap;
use std::net::SocketAddr;
use youyue_domain::notice::NoticeKind;

#[derive(Template)]
#[template(path = "account.html")]
struct AccountPage {
    ctx: Ctx,
    totp_on: bool,
    /// A fresh secret offered for turning the second factor on.
    new_secret: String,
    otpauth_url: String,
    errors: Errors,
    /// Which form the errors or the notice belong to.
    form: String,
    notice: String,
    /// The e-mail and phone as typed (after a refused form) or as stored.
    email: String,
    phone: String,
    /// The staff notice kinds: name, words, turned off.
    kinds: Vec<(&'static str, &'static str, bool)>,
}

async fn page(ctx: Ctx, errors: Errors, form: &str, notice: &str, secret: Option<String>) -> PageResult {
    let typed = None;
    page_with(ctx, errors, form, notice, secret, typed).await
}

async fn page_with(
    ctx: Ctx,
    errors: Errors,
    form: &str,
    notice: &str,
    secret: Option<String>,
    typed: Option<&NoticesForm>,
) -> PageResult {
    let user = ctx.require_user()?.clone();
    let (email, phone, off) = match typed {
        Some(f) => (f.email.clone(), f.phone.clone(), f.turned_off()),
        None => {
            (user.email.clone().unwrap_or_default(), user.phone.clone().unwrap_or_default(), user.notices_off.clone())
        }
    };
    let lang = ctx.lang;
    let kinds = NoticeKind::ALL
        .iter()
        .filter(|k| k.for_staff())
        .map(|k| (k.as_str(), super::notices::kind_words(lang, *k), off.contains(k)))
        .collect();
    let new_secret = secret.unwrap_or_else(auth::totp::new_secret);
    let otpauth_url = auth::totp::otpauth_url(&new_secret, &user.username);
    let status =
        if errors.is_empty() { axum::http::StatusCode::OK } else { axum::http::StatusCode::UNPROCESSABLE_ENTITY };
    let page = AccountPage {
        ctx,
        totp_on: user.totp_secret.is_some(),
        new_secret,
        otpauth_url,
        errors,
        form: form.to_owned(),
        notice: notice.to_owned(),
        email,
        phone,
        kinds,
    };
    Ok((status, [(header::CACHE_CONTROL, "no-store")], render(&page)).into_response())
}

pub async fn account(ctx: Ctx, Query(q): Query<HashMap<String, String>>) -> PageResult {
    let notice = match q.get("done").map(String::as_str) {
        Some("password") => "password_changed",
        Some("totp") => "totp_changed",
        Some("notices") => "notice_settings_saved",
        _ => "",
    };
    page(ctx, Errors::default(), "", notice, None).await
}

#[derive(Deserialize, Default)]
pub struct PasswordForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    current: String,
    #[serde(default)]
    new: String,
    #[serde(default)]
    again: String,
}

/// Changes the password; every other session ends, this browser gets a fresh one.
pub async fn change_password(
    ctx: Ctx,
    State(state): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    Form(f): Form<PasswordForm>,
) -> PageResult {
    ctx.check_csrf(&f.csrf)?;
    let user = ctx.require_user()?.clone();
    if f.new != f.again {
        let e = ApiError::invalid("again", "the two new passwords differ");
        return {
            let errors = Errors::from_api(ctx.lang, &e);
            page(ctx, errors, "password", "", None).await
        };
    }
    match service::change_password(&state, peer.ip(), &user, f.current, f.new).await {
        Ok(()) => {
            let token = service::open_session(&state, &user).await?;
            let cookie = auth::session_cookie(token, state.secure_cookies).to_string();
            let mut resp = Redirect::to("/account?done=password").into_response();
            if let Ok(v) = HeaderValue::from_str(&cookie) {
                resp.headers_mut().append(header::SET_COOKIE, v);
            }
            Ok(resp)
        }
        Err(e @ (ApiError::Invalid { .. } | ApiError::LoginDelayed(_))) => {
            let errors = Errors::from_api(ctx.lang, &e);
            page(ctx, errors, "password", "", None).await
        }
        Err(e) => Err(e.into()),
    }
}

#[derive(Deserialize, Default)]
pub struct CsrfForm {
    #[serde(default)]
    csrf: String,
}

/// Ends every session of the account, this one too.
pub async fn logout_everywhere(ctx: Ctx, State(state): State<AppState>, Form(f): Form<CsrfForm>) -> PageResult {
    ctx.check_csrf(&f.csrf)?;
    let user = ctx.require_user()?.clone();
    state.store.end_sessions(user.id, None).await?;
    Ok(Redirect::to("/login").into_response())
}

#[derive(Deserialize, Default)]
pub struct TotpForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    password: String,
    /// Empty: turn the second factor off.
    #[serde(default)]
    secret: String,
    #[serde(default)]
    code: String,
}

/// Turns the second factor on (the app's current code for the offered secret) or off.
pub async fn set_totp(
    ctx: Ctx,
    State(state): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    Form(f): Form<TotpForm>,
) -> PageResult {
    ctx.check_csrf(&f.csrf)?;
    let user = ctx.require_staff()?.clone();
    let secret = Some(f.secret.trim().to_owned()).filter(|s| !s.is_empty());
    match service::set_second_factor(&state, peer.ip(), &user, f.password, secret.as_deref(), &f.code).await {
        Ok(()) => Ok(Redirect::to("/account?done=totp").into_response()),
        Err(e @ (ApiError::Invalid { .. } | ApiError::LoginDelayed(_))) => {
            let errors = Errors::from_api(ctx.lang, &e);
            page(ctx, errors, "totp", "", secret).await
        }
        Err(e) => Err(e.into()),
    }
}

/// Where notices reach the person and the kinds turned off for e-mail and SMS: one box a
/// staff kind (`NoticeKind::for_staff`), ticked to turn it off.
#[derive(Deserialize, Default)]
pub struct NoticesForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    email: String,
    #[serde(default)]
    phone: String,
    #[serde(default)]
    off_new_case: Option<String>,
    #[serde(default)]
    off_urgent_case: Option<String>,
    #[serde(default)]
    off_assigned: Option<String>,
    #[serde(default)]
    off_due_tomorrow: Option<String>,
    #[serde(default)]
    off_overdue: Option<String>,
    #[serde(default)]
    off_chased: Option<String>,
    #[serde(default)]
    off_supervised: Option<String>,
    #[serde(default)]
    off_appointment_booked: Option<String>,
    #[serde(default)]
    off_appointment_changed: Option<String>,
    #[serde(default)]
    off_appointment_cancelled: Option<String>,
    #[serde(default)]
    off_reminder_day: Option<String>,
    #[serde(default)]
    off_reminder_hour: Option<String>,
}

impl NoticesForm {
    /// The ticked kinds.
    fn turned_off(&self) -> Vec<NoticeKind> {
        use NoticeKind::*;
        let boxes = [
            (NewCase, &self.off_new_case),
            (UrgentCase, &self.off_urgent_case),
            (Assigned, &self.off_assigned),
            (DueTomorrow, &self.off_due_tomorrow),
            (Overdue, &self.off_overdue),
            (Chased, &self.off_chased),
            (Supervised, &self.off_supervised),
            (AppointmentBooked, &self.off_appointment_booked),
            (AppointmentChanged, &self.off_appointment_changed),
            (AppointmentCancelled, &self.off_appointment_cancelled),
            (ReminderDay, &self.off_reminder_day),
            (ReminderHour, &self.off_reminder_hour),
        ];
        boxes.into_iter().filter(|(_, v)| v.is_some()).map(|(k, _)| k).collect()
    }
}

/// Saves the person's e-mail, phone and the kinds turned off, through the same service
/// as `PATCH /api/v1/users/{username}`.
pub async fn set_notices(ctx: Ctx, State(state): State<AppState>, Form(f): Form<NoticesForm>) -> PageResult {
    ctx.check_csrf(&f.csrf)?;
    let user = ctx.require_staff()?.clone();
    let change = service::AccountChange {
        email: Some(f.email.clone()),
        phone: Some(f.phone.clone()),
        notices_off: Some(f.turned_off().iter().map(|k| k.as_str().to_owned()).collect()),
        ..service::AccountChange::default()
    };
    match service::change_account(&state, &user, &user.username, change).await {
        Ok(_) => Ok(Redirect::to("/account?done=notices#notices").into_response()),
        Err(e @ ApiError::Invalid { .. }) => {
            let errors = Errors::from_api(ctx.lang, &e);
            page_with(ctx, errors, "notices", "", None, Some(&f)).await
        }
        Err(e) => Err(e.into()),
    }
}
