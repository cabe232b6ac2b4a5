//! The JSON API under `/api/v1`, and its OpenAPI document at `/api/v1/openapi.json`.

use crate::AppState;
use axum::routing::{get, post};
use axum::{Json, Router};
use utoipa::OpenApi;

pub mod agreement;
pub mod appointments;
pub mod assist;
pub mod callback;
pub mod cases;
pub mod closed_loop;
pub mod dto;
pub mod merge;
pub mod notices;
pub mod org;
pub mod public;
pub mod roster;
pub mod session;
pub mod stats;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/openapi.json", get(openapi))
        .route("/session", post(session::login).delete(session::logout))
        .route("/sessions", axum::routing::delete(session::logout_everywhere))
        .route("/me", get(session::me))
        .route("/me/password", axum::routing::put(session::change_password))
        .route("/me/totp", post(session::new_totp).put(session::set_totp))
        .route("/tokens", get(session::list_tokens).post(session::create_token))
        .route("/tokens/{id}", axum::routing::delete(session::revoke_token))
        .route("/public/unions/{code}", get(public::studio))
        .route("/public/cases", post(public::submit))
        .route("/public/cases/{number}/lookup", post(public::lookup))
        .route("/public/cases/{number}/rating", post(public::rate))
        .route("/cases", get(cases::list).post(cases::register))
        .route("/cases/{number}", get(cases::get_case))
        .route("/cases/{number}/record", get(cases::record))
        .route("/cases/{number}/reads", get(cases::reads))
        .route("/cases/{number}/accept", post(cases::accept))
        .route("/cases/{number}/assign", post(cases::assign))
        .route("/cases/{number}/notes", post(cases::note))
        .route("/cases/{number}/appointments", get(appointments::list).post(appointments::book))
        .route("/slots", get(appointments::slots))
        .route("/appointments/{id}", axum::routing::patch(appointments::change).delete(appointments::cancel))
        .route("/public/cases/{number}/slots", post(appointments::public_slots))
        .route("/public/cases/{number}/appointments", post(appointments::public_book))
        .route(
            "/public/cases/{number}/appointments/{id}",
            axum::routing::patch(appointments::public_change).delete(appointments::public_cancel),
        )
        .route("/cases/{number}/resolve", post(cases::resolve))
        .route("/cases/{number}/explain", post(cases::explain))
        .route("/cases/{number}/arbitration", post(cases::refer))
        .route("/cases/{number}/reopen", post(cases::reopen))
        .route("/cases/{number}/chase", post(cases::chase))
        // Deadline control (issue 22).
        .route("/cases/{number}/extension", post(closed_loop::extension))
        .route("/cases/{number}/extension/approve", post(closed_loop::approve_extension))
        .route("/cases/{number}/extension/refuse", post(closed_loop::refuse_extension))
        .route("/cases/{number}/pause", post(closed_loop::pause))
        .route("/cases/{number}/resume", post(closed_loop::resume))
        .route("/escalations", get(closed_loop::escalations))
        .route("/cases/{number}/anonymise", post(cases::anonymise))
        .route("/cases/{number}/redact", post(cases::redact))
        .route("/cases/{number}/transfer", post(cases::transfer))
        .route("/cases/{number}/return", post(cases::give_back))
        // Call-back and redo (issue 22).
        .route("/cases/{number}/callback", post(callback::record))
        .route("/cases/{number}/send-back", post(callback::send_back))
        .route("/cases/{number}/confirm", post(callback::confirm))
        .route("/callbacks", get(callback::list))
        .route("/reviews", get(callback::reviews))
        // Merge (issue 22).
        .route("/cases/{number}/merge", post(merge::merge))
        .route("/cases/{number}/unmerge", post(merge::unmerge))
        .route("/cases/{number}/assist", get(assist::list).post(assist::ask))
        .route("/cases/{number}/assist/end", post(assist::end))
        .route("/cases/{number}/rating", post(cases::rate))
        .route("/cases/{number}/agreement", get(agreement::get_agreement).put(agreement::put_agreement))
        .route("/cases/{number}/agreement/sign", post(agreement::sign_agreement))
        .route("/cases/{number}/agreement/terms/{index}/payment", post(agreement::pay_term))
        .route("/cases/{number}/agreement.pdf", get(agreement::agreement_pdf))
        .route("/unions", get(org::list_unions).post(org::create_union))
        .route("/users", get(org::list_users).post(org::create_user))
        .route("/users/{username}", axum::routing::patch(org::change_user))
        .route("/stats", get(stats::stats))
        .route("/dashboard", get(stats::dashboard))
        .route("/assessment", get(stats::assessment))
        .route("/assessment/weights", axum::routing::put(stats::set_weights))
        .route("/deadlines", get(stats::deadlines).put(stats::set_deadlines))
        .route("/retention", get(stats::retention).put(stats::set_retention))
        .route("/closed-loop", get(stats::closed_loop).put(stats::set_closed_loop))
        .route("/calendar", get(org::calendar).put(org::set_calendar))
        .route("/public/unions/{code}/bulletins", get(org::public_bulletins))
        .route("/public/unions/{code}/votes", post(public::vote))
        .route("/unions/{code}/bulletins", post(org::post_bulletin))
        .route("/unions/{code}/studio", get(org::studio_items))
        .route("/unions/{code}/roster", get(roster::get_roster).put(roster::put_roster))
        .route("/unions/{code}/duty", get(roster::duty))
        .route("/unions/{code}/studio/{item}", axum::routing::put(org::set_studio_item))
        .route("/unions/{code}/notices", get(notices::get_union_notices).put(notices::put_union_notices))
        .route("/notices", get(notices::list))
        .route("/notices/read-all", post(notices::read_all))
        .route("/notices/{id}/read", post(notices::read))
        .route("/notices/{id}/retry", post(notices::retry))
        .fallback(not_found)
        .method_not_allowed_fallback(method_not_allowed)
        .layer(axum::middleware::from_fn(crate::extract::url_texts::<crate::error::ApiError>))
}

async fn method_not_allowed() -> crate::error::ApiError {
    crate::error::ApiError::MethodNotAllowed
}

async fn not_found() -> crate::error::ApiError {
    crate::error::ApiError::not_found("no such API endpoint")
}

#[derive(OpenApi)]
#[openapi(
    info(title = "youyue (工会有约) API", version = "1", description = "Cases raised by workers with their union, the workflow that handles them, and the district's figures. Errors are {\"error\":{\"code\",\"message\",\"field\"}}. Staff authenticate with the session cookie from POST /api/v1/session or with `Authorization: Bearer <token>` from POST /api/v1/tokens."),
    paths(
        session::login, session::logout, session::logout_everywhere, session::me, session::change_password,
        session::new_totp, session::set_totp, session::create_token, session::list_tokens, session::revoke_token,
        public::studio, public::submit, public::lookup, public::rate, public::vote,
        cases::list, cases::register, cases::get_case, cases::record, cases::reads,
        cases::accept, cases::assign, cases::note, cases::resolve, cases::explain, cases::refer, cases::reopen, cases::anonymise, cases::redact, cases::rate,
        cases::transfer, cases::give_back,
        agreement::get_agreement, agreement::put_agreement, agreement::sign_agreement, agreement::pay_term, agreement::agreement_pdf,
        org::list_unions, org::create_union, org::list_users, org::create_user, org::change_user,
        org::public_bulletins, org::post_bulletin, org::studio_items, org::set_studio_item,
        org::calendar, org::set_calendar,
        appointments::slots, appointments::book, appointments::list, appointments::change, appointments::cancel,
        appointments::public_slots, appointments::public_book, appointments::public_change, appointments::public_cancel,
        roster::get_roster, roster::put_roster, roster::duty,
        notices::get_union_notices, notices::put_union_notices, notices::list, notices::read, notices::read_all,
        notices::retry,
        stats::stats, stats::dashboard, stats::assessment, stats::set_weights, stats::deadlines, stats::set_deadlines, stats::retention, stats::set_retention,
        // The closed loop (issue 22).
        cases::chase, stats::closed_loop, stats::set_closed_loop,
        callback::record, callback::send_back, callback::confirm, callback::list, callback::reviews,
        merge::merge, merge::unmerge,
        closed_loop::extension, closed_loop::approve_extension, closed_loop::refuse_extension, closed_loop::pause,
        closed_loop::resume, closed_loop::escalations,
        // Joint handling (issue 22).
        assist::list, assist::ask, assist::end,
    ),
    tags((name = "public", description = "For workers, without an account"),
         (name = "cases"), (name = "workflow"), (name = "appointments", description = "约谈: specialists' free slots and bookings"), (name = "agreement", description = "A dispute's mediation agreement (调解协议书)"), (name = "organisation"), (name = "notices", description = "通知: settings, the bell's notices, failed deliveries"), (name = "figures"), (name = "session")),
    components(schemas(youyue_domain::figures::Figure)),
    modifiers(&ErrorResponses),
)]
pub struct ApiDoc;

/// Adds what every operation can answer besides its own responses, so that the document
/// lists every status the server sends: a request that does not parse (400) or is too large
/// (413), invalid values (422); for staff operations no or a revoked credential (401), a
/// role that may not (403), something outside the caller's subtree (404); rate limits on
/// the public forms and logging in (429). And the two ways staff authenticate.
struct ErrorResponses;

impl utoipa::Modify for ErrorResponses {
    fn modify(&self, doc: &mut utoipa::openapi::OpenApi) {
        use utoipa::openapi::security::{
            ApiKey, ApiKeyValue, HttpAuthScheme, HttpBuilder, SecurityRequirement, SecurityScheme,
        };
        use utoipa::openapi::{ContentBuilder, Ref, ResponseBuilder};
        let error = |what: &str| {
            ResponseBuilder::new()
                .description(what)
                .content(
                    "application/json",
                    ContentBuilder::new().schema(Some(Ref::from_schema_name("ErrorBody"))).build(),
                )
                .build()
        };
        let components = doc.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).bearer_format("yy_…").build()),
        );
        components
            .add_security_scheme("session", SecurityScheme::ApiKey(ApiKey::Cookie(ApiKeyValue::new("youyue_session"))));
        for (path, item) in doc.paths.paths.iter_mut() {
            let public = is_public(path);
            let login = path == "/api/v1/session";
            for (method, op) in [
                ("get", item.get.as_mut()),
                ("post", item.post.as_mut()),
                ("put", item.put.as_mut()),
                ("patch", item.patch.as_mut()),
                ("delete", item.delete.as_mut()),
            ] {
                let Some(op) = op else { continue };
                let mut add = |code: &str, what: &str| {
                    op.responses.responses.entry(code.to_owned()).or_insert_with(|| error(what).into());
                };
                add("400", "The request does not parse: not JSON, a wrong type, an unknown or missing field.");
                add("413", "The request body is too large.");
                add("422", "A value is not valid; `field` names it.");
                add(
                    "503",
                    "The database is briefly unavailable; nothing was changed. Try again shortly (`Retry-After`).",
                );
                if public || (login && method == "post") {
                    add("429", "Too many requests from this address; wait and try again.");
                } else {
                    add("401", "Not logged in, or the token or session is no longer valid.");
                    add("403", "The caller's role may not do this.");
                    add("404", "No such thing that the caller can see.");
                    op.security = Some(vec![
                        SecurityRequirement::new("bearer", Vec::<String>::new()),
                        SecurityRequirement::new("session", Vec::<String>::new()),
                    ]);
                }
                if public {
                    add("404", "No such union or case.");
                }
            }
        }
    }
}

/// Whether an operation at `path` (as the OpenAPI document writes it) is for anyone, without
/// logging in: the workers' operations under `/public/`, the document itself, and a
/// studio's duty list (public like the studio; staff read it for any union they see).
pub fn is_public(path: &str) -> bool {
    path.starts_with("/api/v1/public/") || path == "/api/v1/openapi.json" || path == "/api/v1/unions/{code}/duty"
}

async fn openapi() -> Json<utoipa::openapi::OpenApi> {
    Json(ApiDoc::openapi())
}
