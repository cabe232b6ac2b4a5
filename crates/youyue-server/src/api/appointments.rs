//! Appointments (约谈): free slots, booking, rescheduling, cancelling and the outcome, for
//! staff and for the worker with the tracking code. Each handler reads its input, asks
//! `access` and hands over to `service::appointments`.

use crate::access;
use crate::api::cases::ScheduleInput;
use crate::auth::Caller;
use crate::error::{ApiError, ApiResult, ErrorBody};
use crate::extract::{ApiJson, ApiQuery};
use crate::service::appointments::{self as appts, BookInput, ChangeInput, DAYS_AHEAD};
use crate::AppState;
use axum::extract::{ConnectInfo, Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::{Deserialize, Serialize};
use std::net::SocketAddr;
use utoipa::{IntoParams, ToSchema};
use youyue_domain::appointment::{specialties_for, AppointmentStatus, Outcome, Slot};
use youyue_domain::roster::Specialty;
use youyue_domain::time::parse_date;
use youyue_domain::Timestamp;
use youyue_store::Appointment;

/// A free slot of a specialist.
#[derive(Serialize, ToSchema)]
pub struct SlotView {
    /// The specialist's username: what a booking names.
    pub user: String,
    /// Their display name.
    pub name: String,
    pub specialty: String,
    /// RFC 3339, China time.
    pub starts_at: String,
    pub ends_at: String,
    pub place: String,
    pub online: bool,
}

impl From<&Slot> for SlotView {
    fn from(s: &Slot) -> SlotView {
        SlotView {
            user: s.user.clone(),
            name: s.name.clone(),
            specialty: s.specialty.clone(),
            starts_at: s.starts_at.to_rfc3339_cst(),
            ends_at: s.ends_at.to_rfc3339_cst(),
            place: s.place.clone(),
            online: s.online,
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct SlotList {
    pub slots: Vec<SlotView>,
}

/// An appointment as staff see it.
#[derive(Serialize, ToSchema)]
pub struct AppointmentView {
    pub id: i64,
    pub case: String,
    /// The specialist's username and display name.
    pub specialist: String,
    pub specialist_name: String,
    pub specialty: String,
    pub starts_at: String,
    pub ends_at: String,
    pub place: String,
    pub online: bool,
    pub link: Option<String>,
    pub note: String,
    pub status: AppointmentStatus,
    pub booked_by: String,
    pub booked_at: String,
    pub changed_at: String,
    pub changed_by: String,
    /// Why it was last rescheduled or cancelled.
    pub reason: Option<String>,
}

impl From<&Appointment> for AppointmentView {
    fn from(a: &Appointment) -> AppointmentView {
        let r = &a.record;
        AppointmentView {
            id: r.id,
            case: r.case.to_string(),
            specialist: r.specialist.clone(),
            specialist_name: a.specialist_name.clone(),
            specialty: r.specialty.clone(),
            starts_at: r.starts_at.to_rfc3339_cst(),
            ends_at: r.ends_at.to_rfc3339_cst(),
            place: r.place.clone(),
            online: r.online,
            link: r.link.clone(),
            note: r.note.clone(),
            status: r.status,
            booked_by: r.booked_by.clone(),
            booked_at: r.booked_at.to_rfc3339_cst(),
            changed_at: r.changed_at.to_rfc3339_cst(),
            changed_by: r.changed_by.clone(),
            reason: r.reason.clone(),
        }
    }
}

/// An appointment as the worker sees it: who (display name and specialty), when, where;
/// no staff usernames.
#[derive(Serialize, ToSchema)]
pub struct PublicAppointmentView {
    pub id: i64,
    pub specialist_name: String,
    pub specialty: String,
    pub starts_at: String,
    pub ends_at: String,
    pub place: String,
    pub online: bool,
    pub link: Option<String>,
    pub status: AppointmentStatus,
}

impl From<&Appointment> for PublicAppointmentView {
    fn from(a: &Appointment) -> PublicAppointmentView {
        let r = &a.record;
        PublicAppointmentView {
            id: r.id,
            specialist_name: a.specialist_name.clone(),
            specialty: r.specialty.clone(),
            starts_at: r.starts_at.to_rfc3339_cst(),
            ends_at: r.ends_at.to_rfc3339_cst(),
            place: r.place.clone(),
            online: r.online,
            link: r.link.clone(),
            status: r.status,
        }
    }
}

#[derive(Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct SlotParams {
    /// The union whose case it is (its specialists and those of the unions above it).
    pub union: String,
    /// mediator | lawyer | counsellor | teacher | arbitrator | advisor | liaison; all if absent.
    pub specialty: Option<String>,
    /// First China day, YYYY-MM-DD.
    pub from: String,
    /// Last China day, YYYY-MM-DD; at most 31 days after `from`.
    pub to: String,
}

/// The China days `from`..=`to`, at most 31 days apart.
fn days(from: &str, to: &str) -> Result<(chrono::NaiveDate, chrono::NaiveDate), ApiError> {
    let f = parse_date(from).map_err(|e| ApiError::invalid("from", e.to_string()))?;
    let t = parse_date(to).map_err(|e| ApiError::invalid("to", e.to_string()))?;
    if t < f {
        return Err(ApiError::invalid("to", "is before from"));
    }
    if (t - f).num_days() > 31 {
        return Err(ApiError::invalid("to", "at most 31 days after from"));
    }
    Ok((f, t))
}

fn specialty_param(s: &Option<String>) -> Result<Vec<&'static str>, ApiError> {
    match s.as_deref() {
        None | Some("") => Ok(Vec::new()),
        Some(k) => youyue_domain::roster::Specialty::parse(k)
            .map(|x| vec![x.as_str()])
            .ok_or_else(|| ApiError::invalid("specialty", format!("must be one of {}", Specialty::choices()))),
    }
}

/// The free slots of the specialists who serve a union (staff).
#[utoipa::path(get, path = "/api/v1/slots", params(SlotParams), tag = "appointments",
    responses((status = 200, body = SlotList), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn slots(
    State(state): State<AppState>,
    caller: Caller,
    ApiQuery(p): ApiQuery<SlotParams>,
) -> ApiResult<Json<SlotList>> {
    let user = caller.user()?;
    let union = access::slots_union(state.store.as_ref(), user, &p.union).await?;
    let kinds = specialty_param(&p.specialty)?;
    let (from, to) = days(&p.from, &p.to)?;
    let free = appts::slots(&state, &union, &kinds, from, to, Timestamp::now()).await?;
    Ok(Json(SlotList { slots: free.iter().map(SlotView::from).collect() }))
}

/// A booking of a specialist's slot, or (without `specialist`) the free-text meeting entry.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AppointmentInput {
    /// The specialist's username (from `/api/v1/slots`). Without it, this is the old
    /// free-text meeting entry (`place` required; answers 200 with the case).
    #[serde(default)]
    pub specialist: Option<String>,
    /// RFC 3339: the slot's start.
    pub starts_at: String,
    /// Where; the shift's place by default.
    #[serde(default)]
    pub place: Option<String>,
    /// Online (phone or video); the shift's way by default.
    #[serde(default)]
    pub online: Option<bool>,
    /// The video or phone link: https://…, tel:…, or a meeting number.
    #[serde(default)]
    pub link: Option<String>,
    #[serde(default)]
    pub note: String,
}

fn starts_at(s: &str) -> Result<Timestamp, ApiError> {
    Timestamp::parse_rfc3339(s).map_err(|e| ApiError::invalid("starts_at", e.to_string()))
}

/// 约: books a specialist's free slot for the case (201 with the appointment), or, without
/// `specialist`, records a free-text meeting (200 with the case, as before).
///
/// Two bookings never hold the same person's time: the loser of a race gets 409 with
/// code `slot_taken` and a message naming slots still free.
#[utoipa::path(post, path = "/api/v1/cases/{number}/appointments", request_body = AppointmentInput, tag = "appointments",
    params(("number" = String, Path)),
    responses((status = 201, body = AppointmentView), (status = 200, body = crate::api::dto::CaseView, description = "The free-text meeting entry (no `specialist`)."),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 409, body = ErrorBody, description = "`slot_taken`: someone booked it first; or the case is closed."), (status = 422, body = ErrorBody)))]
pub async fn book(
    State(state): State<AppState>,
    caller: Caller,
    Path(number): Path<String>,
    ApiJson(body): ApiJson<AppointmentInput>,
) -> ApiResult<Response> {
    let Some(specialist) = body.specialist else {
        let place = body.place.ok_or_else(|| ApiError::invalid("place", "missing"))?;
        if body.online.is_some() || body.link.is_some() {
            return Err(ApiError::invalid("specialist", "online and link need a specialist's slot"));
        }
        let old = ScheduleInput { starts_at: body.starts_at, place, note: body.note };
        return crate::api::cases::schedule_entry(&state, &caller, &number, old).await.map(IntoResponse::into_response);
    };
    let user = caller.staff()?;
    let case = access::visible_case(state.store.as_ref(), user, &number).await?;
    access::may_book_appointment(user, &case)?;
    let input = BookInput {
        specialist,
        starts_at: starts_at(&body.starts_at)?,
        place: body.place,
        online: body.online,
        link: body.link,
        note: body.note,
    };
    let a = appts::book(&state, &case, &user.username, Some(user.id), &[], input).await?;
    Ok((StatusCode::CREATED, Json(AppointmentView::from(&a))).into_response())
}

#[derive(Serialize, ToSchema)]
pub struct AppointmentList {
    pub appointments: Vec<AppointmentView>,
}

/// A case's appointments, earliest first (every status).
#[utoipa::path(get, path = "/api/v1/cases/{number}/appointments", tag = "appointments",
    params(("number" = String, Path)),
    responses((status = 200, body = AppointmentList), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn list(
    State(state): State<AppState>,
    caller: Caller,
    Path(number): Path<String>,
) -> ApiResult<Json<AppointmentList>> {
    let user = caller.user()?;
    let case = access::visible_case(state.store.as_ref(), user, &number).await?;
    access::log_reads(state.store.as_ref(), user, &case, access::Shown::RecordBook).await?;
    let all = state.store.case_appointments(case.id).await?;
    Ok(Json(AppointmentList { appointments: all.iter().map(AppointmentView::from).collect() }))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AppointmentChangeInput {
    /// Reschedule to this free slot of the same specialist (RFC 3339), with `reason`.
    #[serde(default)]
    pub starts_at: Option<String>,
    #[serde(default)]
    pub reason: Option<String>,
    /// After the start: `held` or `no_show`.
    #[serde(default)]
    pub outcome: Option<Outcome>,
}

fn change_input(body: AppointmentChangeInput) -> Result<ChangeInput, ApiError> {
    match (body.starts_at, body.outcome) {
        (Some(s), None) => {
            Ok(ChangeInput::Reschedule { starts_at: starts_at(&s)?, reason: body.reason.unwrap_or_default() })
        }
        (None, Some(o)) => {
            if body.reason.is_some() {
                return Err(ApiError::invalid("reason", "goes with a new starts_at, not with an outcome"));
            }
            Ok(ChangeInput::Record(o))
        }
        (Some(_), Some(_)) => Err(ApiError::invalid("outcome", "either starts_at (reschedule) or outcome, not both")),
        (None, None) => Err(ApiError::invalid("starts_at", "missing: give starts_at and reason, or outcome")),
    }
}

/// An appointment's id from a path: one that is not a number names none (404).
fn appointment_id(id: &str) -> Result<i64, ApiError> {
    id.parse::<i64>().map_err(|_| ApiError::not_found(format!("no appointment {id}")))
}

/// The appointment `id` and its case, if the caller may see the case (404 otherwise).
async fn visible_appointment(
    state: &AppState,
    user: &youyue_store::User,
    id: &str,
) -> Result<(youyue_store::StoredCase, Appointment), ApiError> {
    let not_found = || ApiError::not_found(format!("no appointment {id} that you can see"));
    // Taken as text: axum's refusal of a path that is not a number is plain text, and an
    // id that is not a number names no appointment.
    let id = id.parse::<i64>().map_err(|_| not_found())?;
    let a = state.store.appointment(id).await?.ok_or_else(not_found)?;
    let case =
        access::visible_case(state.store.as_ref(), user, &a.record.case.to_string()).await.map_err(|_| not_found())?;
    Ok((case, a))
}

/// Reschedules an appointment (`starts_at`, `reason`; before its start) or records its
/// outcome (`outcome`: held or no_show; from its start on). Staff with access to the case.
#[utoipa::path(patch, path = "/api/v1/appointments/{id}", request_body = AppointmentChangeInput, tag = "appointments",
    params(("id" = i64, Path)),
    responses((status = 200, body = AppointmentView), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn change(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<AppointmentChangeInput>,
) -> ApiResult<Json<AppointmentView>> {
    let user = caller.user()?;
    let (case, a) = visible_appointment(&state, user, &id).await?;
    access::may_change_appointment(user)?;
    let saved = appts::change(&state, &case, &a, &user.username, Some(user.id), change_input(body)?).await?;
    Ok(Json(AppointmentView::from(&saved)))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CancelInput {
    pub reason: String,
}

/// Cancels an appointment before its start, with a reason. Staff with access to the case.
#[utoipa::path(delete, path = "/api/v1/appointments/{id}", request_body = CancelInput, tag = "appointments",
    params(("id" = i64, Path)),
    responses((status = 200, body = AppointmentView), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn cancel(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<CancelInput>,
) -> ApiResult<Json<AppointmentView>> {
    let user = caller.user()?;
    let (case, a) = visible_appointment(&state, user, &id).await?;
    access::may_change_appointment(user)?;
    let input = ChangeInput::Cancel { reason: body.reason };
    let saved = appts::change(&state, &case, &a, &user.username, Some(user.id), input).await?;
    Ok(Json(AppointmentView::from(&saved)))
}

// The worker's side, with the tracking code.

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PublicSlotsInput {
    pub code: String,
    /// First China day (YYYY-MM-DD); today by default.
    #[serde(default)]
    pub from: Option<String>,
    /// Last China day; 14 days after `from` by default, at most 31.
    #[serde(default)]
    pub to: Option<String>,
}

/// The free slots the worker may choose among: of the specialists serving the case's union
/// whose specialty takes the case's kind (dispute: mediator, lawyer, advisor, arbitrator;
/// claim: advisor, lawyer, liaison; wellbeing: counsellor, teacher; suggestion: advisor,
/// liaison, teacher).
#[utoipa::path(post, path = "/api/v1/public/cases/{number}/slots", request_body = PublicSlotsInput, tag = "public",
    params(("number" = String, Path)),
    responses((status = 200, body = SlotList), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody),
        (status = 429, body = ErrorBody)))]
pub async fn public_slots(
    State(state): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    Path(number): Path<String>,
    ApiJson(body): ApiJson<PublicSlotsInput>,
) -> ApiResult<Json<SlotList>> {
    let case = crate::service::case_with_code(&state, peer.ip(), &number, &body.code).await?;
    let now = Timestamp::now();
    let from = body.from.unwrap_or_else(|| now.cst_date().to_string());
    let default_to = parse_date(&from)
        .map(|d| (d + chrono::Duration::days(DAYS_AHEAD)).to_string())
        .map_err(|e| ApiError::invalid("from", e.to_string()))?;
    let (from, to) = days(&from, body.to.as_deref().unwrap_or(&default_to))?;
    let free = worker_slots(&state, &case, from, to, now).await?;
    Ok(Json(SlotList { slots: free.iter().map(SlotView::from).collect() }))
}

/// The free slots offered to the worker of `case`.
pub async fn worker_slots(
    state: &AppState,
    case: &youyue_store::StoredCase,
    from: chrono::NaiveDate,
    to: chrono::NaiveDate,
    now: Timestamp,
) -> Result<Vec<Slot>, ApiError> {
    let union = state
        .store
        .union_by_id(case.union_id)
        .await?
        .ok_or_else(|| ApiError::internal(format!("union of case {} is missing", case.record.number)))?;
    appts::slots(state, &union, specialties_for(case.record.kind), from, to, now).await
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PublicBookInput {
    pub code: String,
    /// The specialist's username, from the slots.
    pub specialist: String,
    pub starts_at: String,
    /// Online (phone or video) if the slot's shift offers it; the shift's way by default.
    #[serde(default)]
    pub online: Option<bool>,
    #[serde(default)]
    pub note: String,
}

/// The worker books one of the free slots for their case (one booked appointment at a
/// time: reschedule it instead).
#[utoipa::path(post, path = "/api/v1/public/cases/{number}/appointments", request_body = PublicBookInput, tag = "public",
    params(("number" = String, Path)),
    responses((status = 201, body = PublicAppointmentView), (status = 404, body = ErrorBody),
        (status = 409, body = ErrorBody, description = "`slot_taken`, or the case is closed or has an appointment already."),
        (status = 422, body = ErrorBody), (status = 429, body = ErrorBody)))]
pub async fn public_book(
    State(state): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    Path(number): Path<String>,
    ApiJson(body): ApiJson<PublicBookInput>,
) -> ApiResult<(StatusCode, Json<PublicAppointmentView>)> {
    let case = crate::service::case_with_code(&state, peer.ip(), &number, &body.code).await?;
    let a = worker_book(&state, &case, body.specialist, starts_at(&body.starts_at)?, body.online, body.note).await?;
    Ok((StatusCode::CREATED, Json(PublicAppointmentView::from(&a))))
}

/// The worker's booking, for the API and /track alike.
pub async fn worker_book(
    state: &AppState,
    case: &youyue_store::StoredCase,
    specialist: String,
    starts_at: Timestamp,
    online: Option<bool>,
    note: String,
) -> Result<Appointment, ApiError> {
    let all = state.store.case_appointments(case.id).await?;
    access::worker_may_book(case, appts::booked(&all).len())?;
    let input = BookInput { specialist, starts_at, place: None, online, link: None, note };
    appts::book(state, case, "worker", None, specialties_for(case.record.kind), input).await
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PublicChangeInput {
    pub code: String,
    /// The new start, a free slot of the same specialist (RFC 3339).
    pub starts_at: String,
    pub reason: String,
}

/// The worker moves their appointment to another free slot of the same specialist, before
/// its start, with a reason.
#[utoipa::path(patch, path = "/api/v1/public/cases/{number}/appointments/{id}", request_body = PublicChangeInput, tag = "public",
    params(("number" = String, Path), ("id" = i64, Path)),
    responses((status = 200, body = PublicAppointmentView), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody),
        (status = 422, body = ErrorBody), (status = 429, body = ErrorBody)))]
pub async fn public_change(
    State(state): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    Path((number, id)): Path<(String, String)>,
    ApiJson(body): ApiJson<PublicChangeInput>,
) -> ApiResult<Json<PublicAppointmentView>> {
    let case = crate::service::case_with_code(&state, peer.ip(), &number, &body.code).await?;
    let a = appts::of_case(&state, &case, appointment_id(&id)?).await?;
    let input = ChangeInput::Reschedule { starts_at: starts_at(&body.starts_at)?, reason: body.reason };
    let saved = appts::change(&state, &case, &a, "worker", None, input).await?;
    Ok(Json(PublicAppointmentView::from(&saved)))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PublicCancelInput {
    pub code: String,
    pub reason: String,
}

/// The worker cancels their appointment before its start, with a reason.
#[utoipa::path(delete, path = "/api/v1/public/cases/{number}/appointments/{id}", request_body = PublicCancelInput, tag = "public",
    params(("number" = String, Path), ("id" = i64, Path)),
    responses((status = 200, body = PublicAppointmentView), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody),
        (status = 422, body = ErrorBody), (status = 429, body = ErrorBody)))]
pub async fn public_cancel(
    State(state): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    Path((number, id)): Path<(String, String)>,
    ApiJson(body): ApiJson<PublicCancelInput>,
) -> ApiResult<Json<PublicAppointmentView>> {
    let case = crate::service::case_with_code(&state, peer.ip(), &number, &body.code).await?;
    let a = appts::of_case(&state, &case, appointment_id(&id)?).await?;
    let saved = appts::change(&state, &case, &a, "worker", None, ChangeInput::Cancel { reason: body.reason }).await?;
    Ok(Json(PublicAppointmentView::from(&saved)))
}
