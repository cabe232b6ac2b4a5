//! Logging in and out, the current account, API tokens.

use crate::api::dto::UserView;
use crate::auth::{self, Caller};
use crate::error::{ApiResult, ErrorBody};
use crate::extract::ApiJson;
use crate::AppState;
use axum::extract::{ConnectInfo, State};
use axum::http::StatusCode;
use axum::Json;
use axum_extra::extract::CookieJar;
use serde::{Deserialize, Serialize};
use std::net::SocketAddr;
use utoipa::ToSchema;
use youyue_domain::Timestamp;

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Login {
    pub username: String,
    pub password: String,
}

/// Logs in and sets the session cookie (HttpOnly, SameSite=Lax).
#[utoipa::path(post, path = "/api/v1/session", request_body = Login, tag = "session",
    responses((status = 200, body = UserView), (status = 401, body = ErrorBody), (status = 429, body = ErrorBody)))]
pub async fn login(
    State(state): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    jar: CookieJar,
    ApiJson(body): ApiJson<Login>,
) -> ApiResult<(CookieJar, Json<UserView>)> {
    let (user, token) = crate::service::login(&state, peer.ip(), &body.username, body.password).await?;
    Ok((jar.add(auth::session_cookie(token, state.secure_cookies)), Json(UserView::from(&user))))
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
    Ok((jar.remove(axum_extra::extract::cookie::Cookie::build(auth::SESSION_COOKIE).path("/")), StatusCode::NO_CONTENT))
}

/// The account making the call.
#[utoipa::path(get, path = "/api/v1/me", tag = "session",
    responses((status = 200, body = UserView), (status = 401, body = ErrorBody)))]
pub async fn me(caller: Caller) -> ApiResult<Json<UserView>> {
    Ok(Json(UserView::from(caller.user()?)))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewToken {
    /// What the token is for, e.g. "monthly report script".
    pub name: String,
}

#[derive(Serialize, ToSchema)]
pub struct TokenCreated {
    /// Shown once: send it as `Authorization: Bearer <token>`.
    pub token: String,
    pub name: String,
}

/// Creates an API token for scripts, acting as the calling account.
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
    state.store.create_api_token(user.id, &body.name, &auth::sha256_hex(&secret), Timestamp::now()).await?;
    Ok((
        StatusCode::CREATED,
        Json(TokenCreated { token: format!("{}{secret}", auth::API_TOKEN_PREFIX), name: body.name }),
    ))
}
