//! The JSON API under `/api/v1`, and its OpenAPI document at `/api/v1/openapi.json`.

use crate::AppState;
use axum::routing::{get, post};
use axum::{Json, Router};
use utoipa::OpenApi;

pub mod cases;
pub mod dto;
pub mod org;
pub mod public;
pub mod session;
pub mod stats;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/openapi.json", get(openapi))
        .route("/session", post(session::login).delete(session::logout))
        .route("/me", get(session::me))
        .route("/tokens", post(session::create_token))
        .route("/public/unions/{code}", get(public::studio))
        .route("/public/cases", post(public::submit))
        .route("/public/cases/{number}/lookup", post(public::lookup))
        .route("/public/cases/{number}/rating", post(public::rate))
        .route("/cases", get(cases::list).post(cases::register))
        .route("/cases/{number}", get(cases::get_case))
        .route("/cases/{number}/record", get(cases::record))
        .route("/cases/{number}/accept", post(cases::accept))
        .route("/cases/{number}/assign", post(cases::assign))
        .route("/cases/{number}/notes", post(cases::note))
        .route("/cases/{number}/appointments", post(cases::schedule))
        .route("/cases/{number}/resolve", post(cases::resolve))
        .route("/cases/{number}/explain", post(cases::explain))
        .route("/cases/{number}/reopen", post(cases::reopen))
        .route("/cases/{number}/rating", post(cases::rate))
        .route("/unions", get(org::list_unions).post(org::create_union))
        .route("/users", get(org::list_users).post(org::create_user))
        .route("/users/{username}", axum::routing::patch(org::change_user))
        .route("/stats", get(stats::stats))
        .route("/dashboard", get(stats::dashboard))
        .route("/assessment", get(stats::assessment))
        .route("/assessment/weights", axum::routing::put(stats::set_weights))
        .route("/deadlines", get(stats::deadlines).put(stats::set_deadlines))
        .route("/calendar", get(org::calendar).put(org::set_calendar))
        .route("/public/unions/{code}/bulletins", get(org::public_bulletins))
        .route("/public/unions/{code}/votes", post(public::vote))
        .route("/unions/{code}/bulletins", post(org::post_bulletin))
        .route("/unions/{code}/studio", get(org::studio_items))
        .route("/unions/{code}/studio/{item}", axum::routing::put(org::set_studio_item))
        .fallback(not_found)
}

async fn not_found() -> crate::error::ApiError {
    crate::error::ApiError::not_found("no such API endpoint")
}

#[derive(OpenApi)]
#[openapi(
    info(title = "youyue (工会有约) API", version = "1", description = "Cases raised by workers with their union, the workflow that handles them, and the district's figures. Errors are {\"error\":{\"code\",\"message\",\"field\"}}. Staff authenticate with the session cookie from POST /api/v1/session or with `Authorization: Bearer <token>` from POST /api/v1/tokens."),
    paths(
        session::login, session::logout, session::me, session::create_token,
        public::studio, public::submit, public::lookup, public::rate, public::vote,
        cases::list, cases::register, cases::get_case, cases::record,
        cases::accept, cases::assign, cases::note, cases::schedule, cases::resolve, cases::explain, cases::reopen, cases::rate,
        org::list_unions, org::create_union, org::list_users, org::create_user, org::change_user,
        org::public_bulletins, org::post_bulletin, org::studio_items, org::set_studio_item,
        org::calendar, org::set_calendar,
        stats::stats, stats::dashboard, stats::assessment, stats::set_weights, stats::deadlines, stats::set_deadlines,
    ),
    tags((name = "public", description = "For workers, without an account"),
         (name = "cases"), (name = "workflow"), (name = "organisation"), (name = "figures"), (name = "session")),
)]
pub struct ApiDoc;

async fn openapi() -> Json<utoipa::openapi::OpenApi> {
    Json(ApiDoc::openapi())
}
