//! Logging in and out, the current account, API tokens.

use crate::api::dto::UserView;
use crate::auth::{self, Caller};
use crate::error::{ApiError, ApiResult, ErrorBody};
use crate::extract::ApiJson;
use crate::AppState;
use axum::extract::{ConnectInfo, Path, State};
use axum::http::StatusCode;
use axum::Json;
use axum_extra::extract::cookie::Cookie;
use axum_extra::extract::CookieJar;
use serde::{Deserialize, Serialize};
use std::net::SocketAddr;
use utoipa::ToSchema;
use youyue_domain::Timestamp;
use youyue_store::TokenScope;

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Login {
    pub username: String,
    pub password: String,
    /// The 6-digit code of the account's authenticator app, if it has turned one on.
    #[serde(default)]
    pub totp: Option<String>,
}

/// Logs in and sets the session cookie (HttpOnly, SameSite=Lax). After failures the next
/// attempt waits longer each time (429 with `Retry-After`); an account with a second factor
/// answers 401 `second_factor` until `totp` holds its current code.
#[utoipa::path(post, path = "/api/v1/session", request_body = Login, tag = "session",
    responses((status = 200, body = UserView), (status = 401, body = ErrorBody), (status = 429, body = ErrorBody)))]
pub async fn login(
    State(state): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    jar: CookieJar,
    ApiJson(body): ApiJson<Login>,
) -> ApiResult<(CookieJar, Json<UserView>)> {
    let (user, token) =
        crate::service::login(&state, peer.ip(), &body.username, body.password, body.totp.as_deref()).await?;
    let specialties = state.store.specialties_of(&[user.id]).await?;
    Ok((jar.add(auth::session_cookie(token, state.secure_cookies)), Json(UserView::with(&user, &specialties))))
}

/// Logs out: the session is deleted, the cookie cleared.
#[utoipa::path(delete, path = "/api/v1/session", tag = "session", responses((status = 204)))]
pub async fn logout(
    State(state): State<AppState>,
    caller: Caller,
    jar: CookieJar,
) -> ApiResult<(CookieJar, StatusCode)> {
    if let Some(token) = &caller.session_token {
        state.store.delete_session(&auth::sha256_hex(token)).await?;
    }
    Ok((jar.remove(Cookie::build(auth::SESSION_COOKIE).path("/")), StatusCode::NO_CONTENT))
}

/// The account making the call.
#[utoipa::path(get, path = "/api/v1/me", tag = "session",
    responses((status = 200, body = UserView), (status = 401, body = ErrorBody)))]
pub async fn me(State(state): State<AppState>, caller: Caller) -> ApiResult<Json<UserView>> {
    let me = caller.user()?;
    let specialties = state.store.specialties_of(&[me.id]).await?;
    Ok(Json(UserView::with(me, &specialties)))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewToken {
    /// What the token is for, e.g. "monthly report script".
    pub name: String,
    /// `read`: GET only; `write` (the default): everything the account may do.
    #[serde(default)]
    pub scope: Option<Scope>,
}

/// What an API token may do.
#[derive(Serialize, Deserialize, ToSchema, Clone, Copy, PartialEq, Eq, Debug)]
#[serde(rename_all = "lowercase")]
pub enum Scope {
    Read,
    Write,
}

impl From<Scope> for TokenScope {
    fn from(s: Scope) -> TokenScope {
        match s {
            Scope::Read => TokenScope::Read,
            Scope::Write => TokenScope::Write,
        }
    }
}

impl From<TokenScope> for Scope {
    fn from(s: TokenScope) -> Scope {
        match s {
            TokenScope::Read => Scope::Read,
            TokenScope::Write => Scope::Write,
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct TokenCreated {
    /// Shown once: send it as `Authorization: Bearer <token>`.
    pub token: String,
    pub id: i64,
    pub name: String,
    pub scope: Scope,
}

/// Creates an API token for scripts, acting as the calling account (a read-only one
/// with `"scope": "read"`). A password change revokes every token of the account.
#[utoipa::path(post, path = "/api/v1/tokens", request_body = NewToken, tag = "session",
    responses((status = 201, body = TokenCreated), (status = 401, body = ErrorBody)))]
pub async fn create_token(
    State(state): State<AppState>,
    caller: Caller,
    ApiJson(body): ApiJson<NewToken>,
) -> ApiResult<(StatusCode, Json<TokenCreated>)> {
    let user = caller.user()?;
    youyue_domain::case::check_text("name", &body.name, 200, true)?;
    let secret = auth::random_token();
    let scope = body.scope.unwrap_or(Scope::Write);
    let id = state
        .store
        .create_api_token(user.id, &body.name, &auth::sha256_hex(&secret), scope.into(), Timestamp::now())
        .await?;
    Ok((
        StatusCode::CREATED,
        Json(TokenCreated { token: format!("{}{secret}", auth::API_TOKEN_PREFIX), id, name: body.name, scope }),
    ))
}

#[derive(Serialize, ToSchema)]
pub struct TokenView {
    pub id: i64,
    pub name: String,
    pub scope: Scope,
    /// RFC 3339, UTC.
    pub created_at: String,
    pub revoked_at: Option<String>,
}

/// The calling account's API tokens (never their secrets), newest first.
#[utoipa::path(get, path = "/api/v1/tokens", tag = "session", responses((status = 200, body = [TokenView])))]
pub async fn list_tokens(State(state): State<AppState>, caller: Caller) -> ApiResult<Json<Vec<TokenView>>> {
    let user = caller.user()?;
    let tokens = state.store.api_tokens(user.id).await?;
    Ok(Json(
        tokens
            .into_iter()
            .map(|t| TokenView {
                id: t.id,
                name: t.name,
                scope: t.scope.into(),
                created_at: t.created_at.to_rfc3339_cst(),
                revoked_at: t.revoked_at.map(|r| r.to_rfc3339_cst()),
            })
            .collect(),
    ))
}

/// Revokes one of the calling account's API tokens; it stops working at once.
#[utoipa::path(delete, path = "/api/v1/tokens/{id}", tag = "session", params(("id" = i64, Path)),
    responses((status = 204), (status = 404, body = ErrorBody)))]
pub async fn revoke_token(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> ApiResult<StatusCode> {
    let user = caller.user()?;
    // Taken as text: axum's own refusal of a number that is not an i64 is plain text, and
    // an id that is not a number names no token.
    let revoked = match id.parse::<i64>() {
        Ok(n) => state.store.revoke_api_token(user.id, n, Timestamp::now()).await?,
        Err(_) => false,
    };
    if revoked {
        Ok(StatusCode::NO_CONTENT)
    } else {
        Err(ApiError::not_found(format!("no token {id} of yours that is still valid")))
    }
}

#[derive(Serialize, ToSchema)]
pub struct SessionsEnded {
    /// How many sessions ended, this one included.
    pub ended: u64,
}

/// Logs the account out everywhere: every session of it ends, this one too.
#[utoipa::path(delete, path = "/api/v1/sessions", tag = "session", responses((status = 200, body = SessionsEnded)))]
pub async fn logout_everywhere(
    State(state): State<AppState>,
    caller: Caller,
    jar: CookieJar,
) -> ApiResult<(CookieJar, Json<SessionsEnded>)> {
    let user = caller.user()?;
    let ended = state.store.end_sessions(user.id, None).await?;
    Ok((jar.remove(Cookie::build(auth::SESSION_COOKIE).path("/")), Json(SessionsEnded { ended })))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PasswordChange {
    pub current: String,
    /// At least 10 characters.
    pub new: String,
}

/// Changes the calling account's password. Every other session of the account ends and
/// its API tokens are revoked; the caller gets a fresh session.
#[utoipa::path(put, path = "/api/v1/me/password", request_body = PasswordChange, tag = "session",
    responses((status = 204), (status = 422, body = ErrorBody), (status = 429, body = ErrorBody)))]
pub async fn change_password(
    State(state): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    caller: Caller,
    jar: CookieJar,
    ApiJson(body): ApiJson<PasswordChange>,
) -> ApiResult<(CookieJar, StatusCode)> {
    let user = caller.user()?.clone();
    crate::service::change_password(&state, peer.ip(), &user, body.current, body.new).await?;
    let token = crate::service::open_session(&state, &user).await?;
    Ok((jar.add(auth::session_cookie(token, state.secure_cookies)), StatusCode::NO_CONTENT))
}

#[derive(Serialize, ToSchema)]
pub struct TotpSetup {
    /// Base32; give it to the authenticator app, then confirm with PUT /api/v1/me/totp.
    pub secret: String,
    pub otpauth_url: String,
}

/// A new second-factor secret for the calling account (not yet turned on).
#[utoipa::path(post, path = "/api/v1/me/totp", tag = "session", responses((status = 200, body = TotpSetup)))]
pub async fn new_totp(caller: Caller) -> ApiResult<Json<TotpSetup>> {
    let user = caller.staff()?;
    let secret = auth::totp::new_secret();
    Ok(Json(TotpSetup { otpauth_url: auth::totp::otpauth_url(&secret, &user.username), secret }))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TotpChange {
    /// The account's password, again.
    pub password: String,
    /// The secret from POST /api/v1/me/totp to turn the second factor on; null turns it off.
    pub secret: Option<String>,
    /// The app's current code for that secret (needed to turn it on).
    #[serde(default)]
    pub code: Option<String>,
}

/// Turns the calling account's second factor on (with a code that proves the app has the
/// secret) or off.
#[utoipa::path(put, path = "/api/v1/me/totp", request_body = TotpChange, tag = "session",
    responses((status = 204), (status = 422, body = ErrorBody), (status = 429, body = ErrorBody)))]
pub async fn set_totp(
    State(state): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    caller: Caller,
    ApiJson(body): ApiJson<TotpChange>,
) -> ApiResult<StatusCode> {
    let user = caller.staff()?.clone();
    let code = body.code.as_deref().unwrap_or("");
    crate::service::set_second_factor(&state, peer.ip(), &user, body.password, body.secret.as_deref(), code).await?;
    Ok(StatusCode::NO_CONTENT)
}
