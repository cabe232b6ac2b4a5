//! What a worker does without an account: read a studio's name, raise a case, follow it
//! with its number and tracking code, and rate it once closed.

use crate::api::dto::PublicCaseView;
use crate::error::{ApiError, ApiResult, ErrorBody};
use crate::extract::ApiJson;
use crate::service;
use crate::service::CaseInput;
use crate::AppState;
use axum::extract::{ConnectInfo, Path, State};
use axum::http::StatusCode;
use axum::Json;
use serde::{Deserialize, Serialize};
use std::net::SocketAddr;
use utoipa::ToSchema;
use youyue_domain::UnionCode;
use youyue_store::StoredCase;

#[derive(Serialize, ToSchema)]
pub struct StudioInfo {
    pub code: String,
    pub name: String,
    pub has_studio: bool,
}

/// The union's public name, for the submission form.
#[utoipa::path(get, path = "/api/v1/public/unions/{code}", tag = "public",
    params(("code" = String, Path, description = "e.g. jd.s1.e7")),
    responses((status = 200, body = StudioInfo), (status = 404, body = ErrorBody)))]
pub async fn studio(State(state): State<AppState>, Path(code): Path<String>) -> ApiResult<Json<StudioInfo>> {
    let not_found = || ApiError::not_found(format!("no union \"{code}\""));
    let c: UnionCode = code.parse().map_err(|_| not_found())?;
    let u = state.store.union_by_code(&c).await?.ok_or_else(not_found)?;
    Ok(Json(StudioInfo {
        code: u.record.code.to_string(),
        name: u.record.name,
        has_studio: u.record.studio_opened_on.is_some(),
    }))
}

#[derive(Serialize, ToSchema)]
pub struct Submitted {
    /// The case number, e.g. JD-2026-000123.
    pub number: String,
    /// Private: with the number it lets the worker follow and rate the case. Shown once.
    pub tracking_code: String,
    pub status: youyue_domain::Status,
}

/// A worker raises a case online, without an account.
///
/// With an `Idempotency-Key` header, a retry of the same request answers the case (and the
/// tracking code) the first attempt made, with header `Idempotent-Replayed: true`.
#[utoipa::path(post, path = "/api/v1/public/cases", request_body = CaseInput, tag = "public",
    params(("Idempotency-Key" = Option<String>, Header, description = "1–200 visible ASCII characters, e.g. a UUID")),
    responses((status = 201, body = Submitted), (status = 400, body = ErrorBody), (status = 422, body = ErrorBody),
        (status = 429, body = ErrorBody)))]
pub async fn submit(
    State(state): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: axum::http::HeaderMap,
    ApiJson(body): ApiJson<CaseInput>,
) -> ApiResult<(StatusCode, axum::http::HeaderMap, Json<Submitted>)> {
    let key = crate::extract::idempotency_key(&headers)?;
    let made = service::submit_public(&state, &body, peer.ip(), key.as_deref()).await?;
    let submitted = Submitted {
        number: made.case.record.number.to_string(),
        tracking_code: made.tracking_code,
        status: made.case.record.status,
    };
    Ok((StatusCode::CREATED, crate::extract::replayed_header(made.replayed), Json(submitted)))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LookupInput {
    /// The tracking code given when the case was raised (dashes and case do not matter).
    pub code: String,
}

async fn public_view(state: &AppState, case: &StoredCase) -> ApiResult<Json<PublicCaseView>> {
    Ok(Json(PublicCaseView::from(crate::service::tracked(state, case).await?)))
}

/// Follows a case with its number and tracking code.
#[utoipa::path(post, path = "/api/v1/public/cases/{number}/lookup", request_body = LookupInput, tag = "public",
    params(("number" = String, Path)),
    responses((status = 200, body = PublicCaseView), (status = 404, body = ErrorBody), (status = 429, body = ErrorBody)))]
pub async fn lookup(
    State(state): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    Path(number): Path<String>,
    ApiJson(body): ApiJson<LookupInput>,
) -> ApiResult<Json<PublicCaseView>> {
    let case = service::case_with_code(&state, peer.ip(), &number, &body.code).await?;
    public_view(&state, &case).await
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PublicRatingInput {
    pub code: String,
    /// 5 非常满意, 4 满意, 3 基本满意, 2 不满意, 1 非常不满意.
    pub rating: i64,
    #[serde(default)]
    pub comment: Option<String>,
}

/// 评约: the worker rates the closed case, once.
#[utoipa::path(post, path = "/api/v1/public/cases/{number}/rating", request_body = PublicRatingInput, tag = "public",
    params(("number" = String, Path)),
    responses((status = 200, body = PublicCaseView), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody),
        (status = 422, body = ErrorBody)))]
pub async fn rate(
    State(state): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    Path(number): Path<String>,
    ApiJson(body): ApiJson<PublicRatingInput>,
) -> ApiResult<Json<PublicCaseView>> {
    let saved = service::rate_with_code(&state, peer.ip(), &number, &body.code, body.rating, body.comment).await?;
    public_view(&state, &saved).await
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct VoteInput {
    /// monthly (一月一评) or yearly (年度测评).
    pub round: youyue_domain::appraisal::Round,
    /// 5 非常满意, 4 满意, 3 基本满意, 2 不满意, 1 非常不满意.
    pub score: i64,
    #[serde(default)]
    pub comment: String,
    /// A random token the voter keeps (16–128 characters); one vote per token, union and
    /// round. Only its hash is stored.
    pub voter: String,
}

#[derive(Serialize, ToSchema)]
pub struct VoteResult {
    /// False when this voter had already voted in this round: the first vote stands.
    pub counted: bool,
}

/// A worker rates their union: monthly (一月一评) or in the yearly appraisal (年度测评).
#[utoipa::path(post, path = "/api/v1/public/unions/{code}/votes", request_body = VoteInput, tag = "public",
    params(("code" = String, Path)),
    responses((status = 200, body = VoteResult), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody),
        (status = 429, body = ErrorBody)))]
pub async fn vote(
    State(state): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    Path(code): Path<String>,
    ApiJson(body): ApiJson<VoteInput>,
) -> ApiResult<Json<VoteResult>> {
    let counted = service::vote(&state, peer.ip(), &code, body.round, &body.voter, body.score, body.comment).await?;
    Ok(Json(VoteResult { counted }))
}
