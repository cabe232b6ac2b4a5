//! The figures of the `stats` contract (the same as `youyue stats`).

use crate::access;
use crate::auth::Caller;
use crate::error::{ApiError, ApiResult, ErrorBody};
use crate::extract::ApiQuery;
use crate::AppState;
use axum::extract::State;
use axum::Json;
use serde::Deserialize;
use utoipa::IntoParams;
use youyue_domain::stats::Stats;
use youyue_domain::time::parse_date;
use youyue_domain::Period;

#[derive(Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct StatsParams {
    /// A union in the caller's subtree; the figures cover its whole subtree.
    pub union: String,
    /// First day, 'YYYY-MM-DD', China time, included.
    pub from: String,
    /// Last day, 'YYYY-MM-DD', China time, included.
    pub to: String,
}

/// The district's figures for a union's subtree and a period of China calendar days.
#[utoipa::path(get, path = "/api/v1/stats", params(StatsParams), tag = "figures",
    responses((status = 200, body = Object, description = "studios, disputes_mediated, people_involved, amount_recovered (yuan string), claims_resolved, suggestions, suggestions_adopted, cases_resolved, cases_explained, cases_opened, opened_by_kind, opened_by_channel, opened_by_status"),
        (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn stats(
    State(state): State<AppState>,
    caller: Caller,
    ApiQuery(p): ApiQuery<StatsParams>,
) -> ApiResult<Json<Stats>> {
    let user = caller.staff()?;
    let from = parse_date(&p.from).map_err(|e| ApiError::invalid("from", e.to_string()))?;
    let to = parse_date(&p.to).map_err(|e| ApiError::invalid("to", e.to_string()))?;
    let period = Period::new(from, to).map_err(|e| ApiError::invalid("to", e.to_string()))?;
    let union = access::union_within(state.store.as_ref(), user, &p.union).await?;
    Ok(Json(state.store.stats(&union, period).await?))
}

/// The dashboard: the figures, every month's opened and resolved cases, and each child
/// union's figures (the ranking).
#[utoipa::path(get, path = "/api/v1/dashboard", params(StatsParams), tag = "figures",
    responses((status = 200, body = Object, description = "{stats, months: [{month, opened, resolved}], children: [{code, name, stats}]}"),
        (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn dashboard(
    State(state): State<AppState>,
    caller: Caller,
    ApiQuery(p): ApiQuery<StatsParams>,
) -> ApiResult<Json<crate::service::Dashboard>> {
    let user = caller.staff()?;
    let from = parse_date(&p.from).map_err(|e| ApiError::invalid("from", e.to_string()))?;
    let to = parse_date(&p.to).map_err(|e| ApiError::invalid("to", e.to_string()))?;
    let period = Period::new(from, to).map_err(|e| ApiError::invalid("to", e.to_string()))?;
    let union = access::union_within(state.store.as_ref(), user, &p.union).await?;
    Ok(Json(crate::service::dashboard(&state, &union, period).await?))
}
