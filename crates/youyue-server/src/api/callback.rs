//! 回访 and 发回重办 (issue 22): recording a call-back, the review's outcomes and the lists
//! of call-backs and of cases under review. The rules are `service::callback`'s.

use crate::access;
use crate::api::dto::CaseView;
use crate::auth::Caller;
use crate::error::{ApiError, ApiResult, ErrorBody};
use crate::extract::{ApiJson, ApiQuery};
use crate::service::callback::{self, Item};
use crate::AppState;
use axum::extract::{Path, State};
use axum::Json;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use youyue_domain::command::Command;
use youyue_domain::Timestamp;
use youyue_store::{CallbackState, StoredCase, User};

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CallbackInput {
    /// Whether the worker was reached.
    pub reached: bool,
    /// The worker's satisfaction, 5 非常满意 … 1 非常不满意: required when reached, absent
    /// or null when not.
    #[serde(default)]
    pub rating: Option<i64>,
    /// What was said (internal; the worker never reads it).
    #[serde(default)]
    pub note: String,
}

/// 回访: records a call-back of a closed case (any staff who can see it). A reached
/// call-back completes the task; one not reached may be recorded again. A rating of 2 or
/// less puts the case before the union above (review). The entry's detail is exactly
/// `{"reached":bool,"rating":int|null,"note":"…"}`.
///
/// 404 outside the caller's subtree; 409 for an open case or a call-back already done;
/// 422 `rating` or `note`.
#[utoipa::path(post, path = "/api/v1/cases/{number}/callback", request_body = CallbackInput, tag = "workflow",
    params(("number" = String, Path)),
    responses((status = 200, body = CaseView), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn record(
    State(state): State<AppState>,
    caller: Caller,
    Path(number): Path<String>,
    ApiJson(body): ApiJson<CallbackInput>,
) -> ApiResult<Json<CaseView>> {
    let user = caller.staff()?;
    let saved = callback::record(&state, user, &number, body.reached, body.rating, &body.note).await?;
    shown(&state, user, saved).await
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SendBackInput {
    /// Why the case is to be redone (internal; the worker reads only "发回重办").
    pub reason: String,
}

/// 发回重办: the union above sends a case under review back to be redone: it reopens
/// (to its handler, if it has one) with a fresh deadline, and the review ends.
///
/// 403 for a union that does not review the case (the union above its own; a top-level
/// union its own) or a role other than chair/administrator; 404 outside the caller's
/// subtree; 409 for a case not under review; 422 `reason`.
#[utoipa::path(post, path = "/api/v1/cases/{number}/send-back", request_body = SendBackInput, tag = "workflow",
    params(("number" = String, Path)),
    responses((status = 200, body = CaseView), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn send_back(
    State(state): State<AppState>,
    caller: Caller,
    Path(number): Path<String>,
    ApiJson(body): ApiJson<SendBackInput>,
) -> ApiResult<Json<CaseView>> {
    let user = caller.staff()?;
    let saved = callback::review(&state, user, &number, Command::SendBack { reason: body.reason }).await?;
    shown(&state, user, saved).await
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ConfirmInput {
    /// Why the answer stands (internal).
    #[serde(default)]
    pub note: String,
}

/// 维持答复: the union above confirms the answer of a case under review; the review ends.
///
/// 403, 404, 409 as for send-back; 422 `note`.
#[utoipa::path(post, path = "/api/v1/cases/{number}/confirm", request_body = ConfirmInput, tag = "workflow",
    params(("number" = String, Path)),
    responses((status = 200, body = CaseView), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn confirm(
    State(state): State<AppState>,
    caller: Caller,
    Path(number): Path<String>,
    ApiJson(body): ApiJson<ConfirmInput>,
) -> ApiResult<Json<CaseView>> {
    let user = caller.staff()?;
    let saved = callback::review(&state, user, &number, Command::Confirm { note: body.note }).await?;
    shown(&state, user, saved).await
}

async fn shown(state: &AppState, user: &User, saved: StoredCase) -> ApiResult<Json<CaseView>> {
    let record = state.store.record_book(saved.id).await?;
    access::log_reads(state.store.as_ref(), user, &saved, access::Shown::Case).await?;
    Ok(Json(CaseView::new(user, &saved, Some(record), Timestamp::now())))
}

#[derive(Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct CallbacksParams {
    /// A union in the caller's subtree (default: the caller's own); its whole subtree.
    pub union: Option<String>,
    /// `due` (default), `overdue` or `done`.
    pub state: Option<String>,
    /// At most this many (default 100, at most 500).
    pub limit: Option<i64>,
}

#[derive(Serialize, ToSchema)]
pub struct CallbackList {
    pub union: String,
    pub state: String,
    /// The district's call-back days.
    pub callback_days: u32,
    #[schema(value_type = Vec<Object>)]
    pub items: Vec<Item>,
}

/// The call-backs of a union's subtree: `due` (not done, due today or later; oldest
/// closing first), `overdue` (not done, due before today) or `done` (latest first). Each
/// item: number, union, union_name, kind, status, closed_on, due_on, overdue, attempts,
/// called_at, rating (the worker's own), review (`pending`, `confirmed` or null).
///
/// 404 for a union outside the caller's subtree; 422 `state` or `limit`.
#[utoipa::path(get, path = "/api/v1/callbacks", params(CallbacksParams), tag = "workflow",
    responses((status = 200, body = CallbackList), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 422, body = ErrorBody)))]
pub async fn list(
    State(state): State<AppState>,
    caller: Caller,
    ApiQuery(p): ApiQuery<CallbacksParams>,
) -> ApiResult<Json<CallbackList>> {
    let user = caller.staff()?;
    let which_text = p.state.as_deref().map(str::trim).unwrap_or("due");
    let which =
        CallbackState::parse(which_text).ok_or_else(|| ApiError::invalid("state", "must be due, overdue or done"))?;
    let limit = checked_limit(p.limit)?;
    let union = callback::list_union(&state, user, p.union.as_deref()).await?;
    let days = crate::service::district_closed_loop(state.store.as_ref(), union.id).await?.callback_days;
    let items = callback::list(&state, user, &union, which, limit).await?;
    Ok(Json(CallbackList {
        union: union.record.code.to_string(),
        state: which_text.to_owned(),
        callback_days: days,
        items,
    }))
}

fn checked_limit(limit: Option<i64>) -> Result<i64, ApiError> {
    match limit {
        None => Ok(100),
        Some(n) if (1..=callback::MAX_LIST).contains(&n) => Ok(n),
        Some(_) => Err(ApiError::invalid("limit", format!("must be 1 to {}", callback::MAX_LIST))),
    }
}

#[derive(Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ReviewsParams {
    /// A union in the caller's subtree (default: the caller's own).
    pub union: Option<String>,
    /// At most this many (default 100, at most 500).
    pub limit: Option<i64>,
}

#[derive(Serialize, ToSchema)]
pub struct ReviewList {
    pub union: String,
    #[schema(value_type = Vec<Object>)]
    pub items: Vec<Item>,
}

/// The cases before a union for review (a worker not satisfied, by rating or call-back):
/// those of the unions right below it, and a top-level union's own; oldest closing first.
/// Items as in /api/v1/callbacks.
#[utoipa::path(get, path = "/api/v1/reviews", params(ReviewsParams), tag = "workflow",
    responses((status = 200, body = ReviewList), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 422, body = ErrorBody)))]
pub async fn reviews(
    State(state): State<AppState>,
    caller: Caller,
    ApiQuery(p): ApiQuery<ReviewsParams>,
) -> ApiResult<Json<ReviewList>> {
    let user = caller.staff()?;
    let limit = checked_limit(p.limit)?;
    let union = callback::list_union(&state, user, p.union.as_deref()).await?;
    let items = callback::reviews(&state, user, &union, limit).await?;
    Ok(Json(ReviewList { union: union.record.code.to_string(), items }))
}
