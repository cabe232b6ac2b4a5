//! 并单 (merge) and 撤销并单 (unmerge), issue 22: the API over `service::merge`.

use crate::api::cases::shown;
use crate::api::dto::{action_label, CaseView};
use crate::auth::Caller;
use crate::error::{ApiResult, ErrorBody};
use crate::extract::ApiJson;
use crate::service::merge::JoinedProgress;
use crate::AppState;
use axum::extract::{Path, State};
use axum::Json;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use youyue_domain::Status;

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MergeInput {
    /// The number of the case this one joins, e.g. "JD-2026-000123".
    pub into: String,
    /// Why, for the record book (optional; the worker never reads it).
    #[serde(default)]
    pub reason: Option<String>,
}

/// 并单: merges the case `{number}` (open: registered, accepted or in progress) into the
/// case `into` (any status but merged), for a receptionist, chair or administrator who can
/// see both. The merged case ends `merged` with `merged_into`; the joined case's `people`
/// becomes the distinct workers of itself and every case merged into it (collective above
/// one). Answers the merged case.
///
/// 404 for a case `{number}` the caller cannot see; 403 for a role that may not; 409 for a
/// case that is not open or has cases merged into it, or an `into` that is merged itself;
/// 422 `into` for no such case visible to the caller, the same case, or a wellbeing case
/// with a case of another kind.
#[utoipa::path(post, path = "/api/v1/cases/{number}/merge", request_body = MergeInput, tag = "workflow",
    params(("number" = String, Path)),
    responses((status = 200, body = CaseView), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn merge(
    State(state): State<AppState>,
    caller: Caller,
    Path(number): Path<String>,
    ApiJson(body): ApiJson<MergeInput>,
) -> ApiResult<Json<CaseView>> {
    let user = caller.staff()?;
    let (merged, _) = crate::service::merge::merge(&state, user, &number, &body.into, body.reason.as_deref()).await?;
    shown(&state, user, merged).await
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UnmergeInput {
    /// Why the merge is undone (required).
    pub reason: String,
}

/// 撤销并单: undoes a merge on the China day it was made: the case gets back the status it
/// had, the case it joined the people it had; both record books say so. Answers the case.
///
/// 404 for a case the caller cannot see; 403 for a role that may not; 409 for a case not
/// merged, merged on an earlier day, or whose joined case the caller cannot see; 422
/// `reason` when empty.
#[utoipa::path(post, path = "/api/v1/cases/{number}/unmerge", request_body = UnmergeInput, tag = "workflow",
    params(("number" = String, Path)),
    responses((status = 200, body = CaseView), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn unmerge(
    State(state): State<AppState>,
    caller: Caller,
    Path(number): Path<String>,
    ApiJson(body): ApiJson<UnmergeInput>,
) -> ApiResult<Json<CaseView>> {
    let user = caller.staff()?;
    let (case, _) = crate::service::merge::unmerge(&state, user, &number, &body.reason).await?;
    shown(&state, user, case).await
}

/// The case a merged case joined, as that case's worker follows it.
#[derive(Serialize, ToSchema)]
pub struct PublicJoined {
    pub number: String,
    pub status: Status,
    /// The status in Chinese.
    pub status_label: String,
    pub closed_at: Option<String>,
    /// The union's answer to the joined case.
    pub answer: Option<String>,
    /// Its steps by name only.
    pub timeline: Vec<crate::api::dto::PublicStep>,
}

impl From<JoinedProgress> for PublicJoined {
    fn from(j: JoinedProgress) -> PublicJoined {
        PublicJoined {
            number: j.number,
            status: j.status,
            status_label: j.status.label_zh().to_owned(),
            closed_at: j.closed_at.map(|t| t.to_rfc3339_cst()),
            answer: j.answer,
            timeline: j
                .steps
                .into_iter()
                .map(|s| crate::api::dto::PublicStep {
                    at: s.at.to_rfc3339_cst(),
                    label: action_label(&s.action),
                    message: None,
                    action: s.action,
                })
                .collect(),
        }
    }
}
