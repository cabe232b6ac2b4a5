//! Deadline control (时限管理, issue 22): 申请延期 and its decision, 挂起 and 恢复办理, and the
//! list of escalated cases (提级督办). The rules are `service::deadline`'s.

use crate::access;
use crate::api::dto::CaseView;
use crate::auth::Caller;
use crate::error::{ApiResult, ErrorBody};
use crate::extract::{ApiJson, ApiQuery};
use crate::service::deadline::{self, Ask};
use crate::AppState;
use axum::extract::{Path, State};
use axum::Json;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use youyue_domain::Timestamp;
use youyue_store::{StoredCase, User};

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ExtensionInput {
    /// The deadline asked for, 'YYYY-MM-DD', after the current one.
    pub due_on: String,
    /// Why more time is needed (staff only; the worker never reads it).
    pub reason: String,
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReasonInput {
    pub reason: String,
}

async fn shown(state: &AppState, user: &User, saved: StoredCase) -> ApiResult<Json<CaseView>> {
    let record = state.store.record_book(saved.id).await?;
    access::log_reads(state.store.as_ref(), user, &saved, access::Shown::Case).await?;
    Ok(Json(CaseView::new(user, &saved, Some(record), Timestamp::now())))
}

async fn act(state: &AppState, caller: Caller, number: &str, ask: Ask) -> ApiResult<Json<CaseView>> {
    let user = caller.staff()?;
    let saved = deadline::act(state, user, number, ask).await?;
    shown(state, user, saved).await
}

/// 申请延期: the handler of an accepted, open case (or a chair or administrator who can see
/// it) asks, before the deadline has passed, for a later one (an internal `extend` entry).
///
/// 403 for another role or a handler not assigned to it; 404 outside the caller's subtree;
/// 409 for a case not accepted or closed, once the deadline has passed, while another
/// request waits, or when the district's `max_extensions` have been given; 422 `due_on`
/// (not a date or not after the current deadline), `reason`.
#[utoipa::path(post, path = "/api/v1/cases/{number}/extension", request_body = ExtensionInput, tag = "workflow",
    params(("number" = String, Path)),
    responses((status = 200, body = CaseView), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn extension(
    State(state): State<AppState>,
    caller: Caller,
    Path(number): Path<String>,
    ApiJson(body): ApiJson<ExtensionInput>,
) -> ApiResult<Json<CaseView>> {
    act(&state, caller, &number, Ask::Extend { due_on: body.due_on, reason: body.reason }).await
}

/// 批准延期: the chair of the case's union, or a chair or administrator of a union above,
/// not the one who asked, approves the waiting request: the deadline becomes the date asked.
///
/// 403 for anyone else; 404 outside the caller's subtree; 409 when none waits or the
/// district's `max_extensions` have been given.
#[utoipa::path(post, path = "/api/v1/cases/{number}/extension/approve", tag = "workflow",
    params(("number" = String, Path)),
    responses((status = 200, body = CaseView), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 409, body = ErrorBody)))]
pub async fn approve_extension(
    State(state): State<AppState>,
    caller: Caller,
    Path(number): Path<String>,
) -> ApiResult<Json<CaseView>> {
    act(&state, caller, &number, Ask::Approve).await
}

/// 不予延期: as approving, but the deadline stays; the reason is recorded (internal).
///
/// 403, 404, 409 as approving; 422 `reason`.
#[utoipa::path(post, path = "/api/v1/cases/{number}/extension/refuse", request_body = ReasonInput, tag = "workflow",
    params(("number" = String, Path)),
    responses((status = 200, body = CaseView), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn refuse_extension(
    State(state): State<AppState>,
    caller: Caller,
    Path(number): Path<String>,
    ApiJson(body): ApiJson<ReasonInput>,
) -> ApiResult<Json<CaseView>> {
    act(&state, caller, &number, Ask::Refuse { reason: body.reason }).await
}

/// 挂起: the clock of an accepted, open case stops while the union waits for the worker
/// (`paused_since`, `paused_until`, `paused_reason` on the case). A paused case is not late,
/// chased or supervised. All pauses of a case together last at most the district's
/// `max_pause_days` calendar days: the sweep resumes a case the day after its
/// `paused_until`.
///
/// 403 for another role or a handler not assigned to it; 404 outside the caller's subtree;
/// 409 for a case not accepted or closed, one paused already, or when the district's
/// `max_pause_days` are used; 422 `reason`.
#[utoipa::path(post, path = "/api/v1/cases/{number}/pause", request_body = ReasonInput, tag = "workflow",
    params(("number" = String, Path)),
    responses((status = 200, body = CaseView), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn pause(
    State(state): State<AppState>,
    caller: Caller,
    Path(number): Path<String>,
    ApiJson(body): ApiJson<ReasonInput>,
) -> ApiResult<Json<CaseView>> {
    act(&state, caller, &number, Ask::Pause { reason: body.reason }).await
}

/// 恢复办理: the clock runs again; the deadline moves later by the working days (work
/// calendar) from the pause's first day up to the day before today. The entry says
/// `paused_days` (calendar) and `paused_working_days`.
///
/// 403 and 404 as pausing; 409 for a case whose clock runs.
#[utoipa::path(post, path = "/api/v1/cases/{number}/resume", tag = "workflow",
    params(("number" = String, Path)),
    responses((status = 200, body = CaseView), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 409, body = ErrorBody)))]
pub async fn resume(
    State(state): State<AppState>,
    caller: Caller,
    Path(number): Path<String>,
) -> ApiResult<Json<CaseView>> {
    act(&state, caller, &number, Ask::Resume).await
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct EscalationParams {
    /// The union whose escalated cases below it are listed (default: the caller's own).
    pub union: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct Escalations {
    pub union: String,
    /// Open cases below the union that were raised (提级督办), newest first, at most 500;
    /// without the worker's name and contact, as any list.
    pub cases: Vec<CaseView>,
}

/// 提级督办: the open cases strictly below a union that were escalated after being reopened,
/// sent back or transferred the district's `escalate_after` times (the union above a
/// case's own sees it, and every union above that).
///
/// 403 for a worker; 404 for a union the caller cannot see.
#[utoipa::path(get, path = "/api/v1/escalations", params(EscalationParams), tag = "workflow",
    responses((status = 200, body = Escalations), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody)))]
pub async fn escalations(
    State(state): State<AppState>,
    caller: Caller,
    ApiQuery(p): ApiQuery<EscalationParams>,
) -> ApiResult<Json<Escalations>> {
    let user = caller.staff()?;
    let code = match p.union {
        Some(c) => c,
        None => state.store.union_by_id(user.union_id).await?.map(|u| u.record.code.to_string()).unwrap_or_default(),
    };
    let found = deadline::escalations(&state, user, &code).await?;
    access::log_list_reads(state.store.as_ref(), user, &found).await?;
    let now = Timestamp::now();
    let cases = found.iter().map(|c| CaseView::new(user, c, None, now).without_contact()).collect();
    Ok(Json(Escalations { union: code, cases }))
}
