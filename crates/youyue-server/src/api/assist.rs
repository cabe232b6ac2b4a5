//! 协办 (joint handling, issue 22): ask another union, or one specialist of it, to assist
//! with a case; list and end assistances. The rules are `service::assist` and `access`.

use crate::access::Reach;
use crate::api::dto::CaseView;
use crate::auth::Caller;
use crate::error::{ApiResult, ErrorBody};
use crate::extract::ApiJson;
use crate::AppState;
use axum::extract::{Path, State};
use axum::Json;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use youyue_domain::Action;

/// The case as an assisting party reads it: the only action offered is a note.
pub fn reached(mut view: CaseView, reach: Reach) -> CaseView {
    if reach == Reach::Assisting {
        view.actions.retain(|a| *a == Action::Note);
    }
    view
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AssistInput {
    /// The code of the union asked to assist: any union of the case's district that does
    /// not handle or oversee the case already.
    pub union: String,
    /// Only this specialist (a staff username of that union) assists, not the whole union.
    /// Required for a wellbeing case.
    #[serde(default)]
    pub user: Option<String>,
    /// What the assistance is for.
    #[serde(default)]
    pub note: String,
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct EndAssistInput {
    /// The code of the union whose assistance ends.
    pub union: String,
}

#[derive(Serialize, ToSchema)]
pub struct AssistView {
    /// The assisting union's code and name.
    pub union: String,
    pub union_name: String,
    /// The specialist named (username and name), or null: the whole union.
    pub user: Option<String>,
    pub user_name: Option<String>,
    pub note: String,
    pub asked_by: String,
    /// RFC 3339.
    pub asked_at: String,
    /// RFC 3339; null while it lasts.
    pub ended_at: Option<String>,
    /// Who ended it: a username, or `system` when the case closed or moved.
    pub ended_by: Option<String>,
    pub open: bool,
}

impl From<youyue_store::CaseAssist> for AssistView {
    fn from(a: youyue_store::CaseAssist) -> AssistView {
        AssistView {
            open: a.is_open(),
            union: a.union_code.to_string(),
            union_name: a.union_name,
            user: a.username,
            user_name: a.user_name,
            note: a.note,
            asked_by: a.asked_by,
            asked_at: a.asked_at.to_rfc3339_cst(),
            ended_at: a.ended_at.map(|t| t.to_rfc3339_cst()),
            ended_by: a.ended_by,
        }
    }
}

/// 协办: the case's assistances, open and ended, oldest first. For whoever may read the
/// case (an assisting party too).
#[utoipa::path(get, path = "/api/v1/cases/{number}/assist", tag = "workflow",
    params(("number" = String, Path)),
    responses((status = 200, body = [AssistView]), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn list(
    State(state): State<AppState>,
    caller: Caller,
    Path(number): Path<String>,
) -> ApiResult<Json<Vec<AssistView>>> {
    let user = caller.staff()?;
    let (_, assists) = crate::service::assist::list(&state, user, &number).await?;
    Ok(Json(assists.into_iter().map(AssistView::from).collect()))
}

/// 协办: asks another union of the district (or only its specialist `user`) to assist.
/// The assisting party then reads the case (the worker's name and contact masked) and its
/// record book and adds notes; every other action is 403 for them. By the case's assigned
/// handler, or a chair or administrator of its union or above, while it is open.
///
/// 409 for a closed case or a union that assists already; 422 `union` (no such union in
/// the district, or one that sees the case already), `user` (not an active staff account
/// of that union; missing for a wellbeing case), `note`.
#[utoipa::path(post, path = "/api/v1/cases/{number}/assist", request_body = AssistInput, tag = "workflow",
    params(("number" = String, Path)),
    responses((status = 200, body = CaseView), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn ask(
    State(state): State<AppState>,
    caller: Caller,
    Path(number): Path<String>,
    ApiJson(body): ApiJson<AssistInput>,
) -> ApiResult<Json<CaseView>> {
    let user = caller.staff()?;
    let saved =
        crate::service::assist::ask(&state, user, &number, &body.union, body.user.as_deref(), &body.note).await?;
    crate::api::cases::shown(&state, user, saved).await
}

/// 结束协办: ends union `union`'s assistance (also ended by closing or moving the case).
/// By whoever may ask for it. 409 when that union does not assist now.
#[utoipa::path(post, path = "/api/v1/cases/{number}/assist/end", request_body = EndAssistInput, tag = "workflow",
    params(("number" = String, Path)),
    responses((status = 200, body = CaseView), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 409, body = ErrorBody)))]
pub async fn end(
    State(state): State<AppState>,
    caller: Caller,
    Path(number): Path<String>,
    ApiJson(body): ApiJson<EndAssistInput>,
) -> ApiResult<Json<CaseView>> {
    let user = caller.staff()?;
    let saved = crate::service::assist::end(&state, user, &number, &body.union).await?;
    crate::api::cases::shown(&state, user, saved).await
}
