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
    responses((status = 200, body = Object, description = "studios, disputes_mediated, people_involved, amount_recovered (yuan string; a sum, so it may exceed one case's cap of 100000000.00), claims_resolved, suggestions, suggestions_adopted, cases_resolved, cases_explained, cases_opened, disputes_referred_to_arbitration (disputes closed in the period by a referral to arbitration), opened_by_kind, opened_by_channel, opened_by_status; appointments_held and appointments_no_show (appointments of the subtree's cases recorded held or no-show whose start is in the period), appointments_by_specialty (specialty → {held, no_show}), median_days_to_first_appointment (over cases registered in the period with an appointment not cancelled: China days from registration to the first one's start; null if none); mediation agreements: agreements_signed (signed on a day of the period), agreement_terms_due (amount terms due on a day of the period up to today), agreement_terms_on_time (of those, paid by their due day), performance_rate (履行率 = on_time / due, 4 decimals, null when none due), money_agreed and money_paid (yuan strings, of the agreements signed in the period)"),
        (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn stats(
    State(state): State<AppState>,
    caller: Caller,
    ApiQuery(p): ApiQuery<StatsParams>,
) -> ApiResult<Json<crate::service::agreement::StatsView>> {
    let user = caller.staff()?;
    let period = crate::service::figure_period(Some(&p.from), Some(&p.to))?;
    let union = access::union_within(state.store.as_ref(), user, &p.union).await?;
    Ok(Json(crate::service::agreement::stats_view(state.store.as_ref(), &union, period).await?))
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
    let period = crate::service::figure_period(Some(&p.from), Some(&p.to))?;
    let union = access::union_within(state.store.as_ref(), user, &p.union).await?;
    Ok(Json(crate::service::dashboard(&state, &union, period).await?))
}

#[derive(Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct AssessmentParams {
    /// A union in the caller's subtree: its unions with studios are assessed.
    pub union: String,
    pub year: i32,
}

#[derive(serde::Serialize, utoipa::ToSchema)]
pub struct AssessmentTable {
    #[schema(value_type = Object)]
    pub weights: youyue_domain::assessment::Weights,
    #[schema(value_type = Vec<Object>)]
    pub unions: Vec<crate::service::AssessmentRow>,
}

/// The yearly assessment (考核): each union's score out of 100 and its parts.
#[utoipa::path(get, path = "/api/v1/assessment", params(AssessmentParams), tag = "figures",
    responses((status = 200, body = AssessmentTable), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn assessment(
    State(state): State<AppState>,
    caller: Caller,
    ApiQuery(p): ApiQuery<AssessmentParams>,
) -> ApiResult<Json<AssessmentTable>> {
    let user = caller.staff()?;
    if !(1000..=9999).contains(&p.year) {
        return Err(ApiError::invalid("year", "must be a year like 2026"));
    }
    let union = access::union_within(state.store.as_ref(), user, &p.union).await?;
    let (weights, unions) = crate::service::assessment(&state, &union, p.year).await?;
    Ok(Json(AssessmentTable { weights, unions }))
}

/// Sets the assessment weights of the caller's district (administrators of a top-level union).
#[utoipa::path(put, path = "/api/v1/assessment/weights", request_body = Object, tag = "figures",
    responses((status = 204), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn set_weights(
    State(state): State<AppState>,
    caller: Caller,
    crate::extract::ApiJson(w): crate::extract::ApiJson<youyue_domain::assessment::Weights>,
) -> ApiResult<axum::http::StatusCode> {
    let user = caller.staff()?;
    let own = access::district_administered(state.store.as_ref(), user, "assessment weights").await?;
    w.check()?;
    let value = serde_json::to_value(w).map_err(|e| ApiError::internal_in("a setting as JSON", e))?;
    state.store.set_setting(&crate::service::weights_key(own.record.code.as_str()), &value).await?;
    Ok(axum::http::StatusCode::NO_CONTENT)
}

#[derive(Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct DeadlinesParams {
    /// A union in the caller's subtree (default: the caller's own); its district's limits.
    pub union: Option<String>,
}

/// The handling deadlines (working days per kind) of a district: its own or the defaults
/// (claims, wellbeing and suggestions 10, disputes 15).
#[utoipa::path(get, path = "/api/v1/deadlines", params(DeadlinesParams), tag = "figures",
    responses((status = 200, body = Object), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn deadlines(
    State(state): State<AppState>,
    caller: Caller,
    ApiQuery(p): ApiQuery<DeadlinesParams>,
) -> ApiResult<Json<youyue_domain::command::Deadlines>> {
    let user = caller.staff()?;
    let union = match &p.union {
        Some(code) => access::union_within(state.store.as_ref(), user, code).await?,
        None => access::own_union(state.store.as_ref(), user).await?,
    };
    Ok(Json(crate::service::district_deadlines(&state, union.id).await?))
}

/// Sets the handling deadlines of the caller's district (administrators of a top-level
/// union). Cases already accepted keep the deadline they were given.
#[utoipa::path(put, path = "/api/v1/deadlines", request_body = Object, tag = "figures",
    responses((status = 204), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn set_deadlines(
    State(state): State<AppState>,
    caller: Caller,
    crate::extract::ApiJson(d): crate::extract::ApiJson<youyue_domain::command::Deadlines>,
) -> ApiResult<axum::http::StatusCode> {
    let user = caller.staff()?;
    let own = access::district_administered(state.store.as_ref(), user, "deadlines").await?;
    d.check()?;
    let value = serde_json::to_value(d).map_err(|e| ApiError::internal_in("a setting as JSON", e))?;
    state.store.set_setting(&crate::service::deadlines_key(own.record.code.as_str()), &value).await?;
    Ok(axum::http::StatusCode::NO_CONTENT)
}

/// The closed-loop limits of a district (call-back days, extensions, pause days,
/// escalation count): its own or the defaults (3, 2, 15, 3).
#[utoipa::path(get, path = "/api/v1/closed-loop", params(DeadlinesParams), tag = "figures",
    responses((status = 200, body = youyue_domain::closed_loop::ClosedLoop), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn closed_loop(
    State(state): State<AppState>,
    caller: Caller,
    ApiQuery(p): ApiQuery<DeadlinesParams>,
) -> ApiResult<Json<youyue_domain::closed_loop::ClosedLoop>> {
    let user = caller.staff()?;
    let union = match &p.union {
        Some(code) => access::union_within(state.store.as_ref(), user, code).await?,
        None => access::own_union(state.store.as_ref(), user).await?,
    };
    Ok(Json(crate::service::district_closed_loop(state.store.as_ref(), union.id).await?))
}

/// Sets the closed-loop limits of the caller's district (administrators of a top-level
/// union); a field left out keeps its default.
#[utoipa::path(put, path = "/api/v1/closed-loop", request_body = youyue_domain::closed_loop::ClosedLoop, tag = "figures",
    responses((status = 204), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn set_closed_loop(
    State(state): State<AppState>,
    caller: Caller,
    crate::extract::ApiJson(c): crate::extract::ApiJson<youyue_domain::closed_loop::ClosedLoop>,
) -> ApiResult<axum::http::StatusCode> {
    let user = caller.staff()?;
    let own = access::district_administered(state.store.as_ref(), user, "closed-loop limits").await?;
    c.check()?;
    let value = serde_json::to_value(c).map_err(|e| ApiError::internal_in("a setting as JSON", e))?;
    state.store.set_setting(&crate::service::closed_loop_key(own.record.code.as_str()), &value).await?;
    Ok(axum::http::StatusCode::NO_CONTENT)
}

/// The retention periods of a district: years after closing that a case keeps the worker's
/// name and contact, per kind (null: kept until anonymised by hand).
#[utoipa::path(get, path = "/api/v1/retention", tag = "figures",
    responses((status = 200, body = youyue_domain::retention::Retention)))]
pub async fn retention(
    State(state): State<AppState>,
    caller: Caller,
) -> ApiResult<Json<youyue_domain::retention::Retention>> {
    let user = caller.staff()?;
    let own = access::own_union(state.store.as_ref(), user).await?;
    let root =
        state.store.union_by_id(own.root_id).await?.ok_or_else(|| ApiError::internal("top-level union missing"))?;
    Ok(Json(crate::service::district_retention(state.store.as_ref(), root.record.code.as_str()).await?))
}

/// Sets the retention periods of the caller's district (administrators of a top-level
/// union). The next sweep (every ten minutes, or `youyue retention`) anonymises what is past.
#[utoipa::path(put, path = "/api/v1/retention", request_body = youyue_domain::retention::Retention, tag = "figures",
    responses((status = 204), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn set_retention(
    State(state): State<AppState>,
    caller: Caller,
    crate::extract::ApiJson(r): crate::extract::ApiJson<youyue_domain::retention::Retention>,
) -> ApiResult<axum::http::StatusCode> {
    let user = caller.staff()?;
    let own = access::district_administered(state.store.as_ref(), user, "retention periods").await?;
    r.check()?;
    let value = serde_json::to_value(r).map_err(|e| ApiError::internal_in("a setting as JSON", e))?;
    state.store.set_setting(&crate::service::retention_key(own.record.code.as_str()), &value).await?;
    Ok(axum::http::StatusCode::NO_CONTENT)
}
