//! Duty rosters (轮值表): a union's roster, read and replaced whole, and its duty list (the
//! expanded shifts of everyone who serves it).

use crate::access;
use crate::auth::Caller;
use crate::error::{ApiError, ApiResult, ErrorBody};
use crate::extract::{ApiJson, ApiQuery};
use crate::service::roster as rosters;
use crate::AppState;
use axum::extract::{Path, State};
use axum::Json;
use serde::Deserialize;
use utoipa::IntoParams;
use youyue_domain::roster::{Roster, Shift};
use youyue_domain::time::parse_date;
use youyue_domain::Timestamp;

/// A union's duty roster: the weekly pattern (`shifts`) and its exceptions, with each
/// person's name. Staff of the union or above.
#[utoipa::path(get, path = "/api/v1/unions/{code}/roster", tag = "organisation",
    params(("code" = String, Path)),
    responses((status = 200, body = Roster), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn get_roster(
    State(state): State<AppState>,
    caller: Caller,
    Path(code): Path<String>,
) -> ApiResult<Json<Roster>> {
    let user = caller.staff()?;
    let union = access::union_within(state.store.as_ref(), user, &code).await?;
    Ok(Json(rosters::roster_of(state.store.as_ref(), &union).await?))
}

/// Replaces a union's roster (chairs and administrators of the union or above). A line:
/// `{"user","specialty","days":["tue","thu","sat"|"workdays"],"start":"14:00","end":"17:30",
/// "slot_minutes":30,"place","online","holidays"}` (an end at or before the start is the
/// next day; 00:00–24:00 a whole day). Exceptions: `{"kind":"leave","user","from","to"}`,
/// `{"kind":"swap","date","user","with","shift"?}`, `{"kind":"extra","date","user",
/// "start","end",…}`. Every person must be active staff of the union or above, and a line's
/// specialty one of theirs. Logged in the roster log.
#[utoipa::path(put, path = "/api/v1/unions/{code}/roster", request_body = Roster, tag = "organisation",
    params(("code" = String, Path)),
    responses((status = 200, body = Roster), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 422, body = ErrorBody)))]
pub async fn put_roster(
    State(state): State<AppState>,
    caller: Caller,
    Path(code): Path<String>,
    ApiJson(body): ApiJson<RosterBody>,
) -> ApiResult<Json<Roster>> {
    let user = caller.staff()?;
    let union = access::union_within(state.store.as_ref(), user, &code).await?;
    Ok(Json(rosters::set_roster(&state, user, &union, body.into_roster()?).await?))
}

/// A roster as sent: its values are checked (422 naming the field) before its shape (400).
#[derive(Deserialize, utoipa::ToSchema)]
#[serde(transparent)]
#[schema(value_type = Roster)]
pub struct RosterBody(serde_json::Value);

impl RosterBody {
    fn into_roster(self) -> Result<Roster, ApiError> {
        youyue_domain::roster::check_json_values(&self.0).map_err(|e| ApiError::invalid(e.field, e.message))?;
        serde_path_to_error::deserialize(self.0).map_err(|e| {
            let path = e.path().to_string();
            let inner = e.into_inner().to_string();
            ApiError::BadRequest { message: format!("{path}: {inner}"), field: Some(path) }
        })
    }
}

#[derive(Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct DutyParams {
    /// First day, 'YYYY-MM-DD', China time; today if left out.
    #[serde(default)]
    pub from: Option<String>,
    /// Last day, included; 6 days after `from` if left out. At most 92 days in all.
    #[serde(default)]
    pub to: Option<String>,
}

/// Who is on duty: the shifts starting on the days asked of everyone who serves the union
/// (its roster's and those of every union above it), sorted by start. Readable without
/// logging in for a union with a studio (names, specialties, times and places; never
/// contact details); otherwise staff of the union or above.
#[utoipa::path(get, path = "/api/v1/unions/{code}/duty", tag = "public",
    params(("code" = String, Path), DutyParams),
    responses((status = 200, body = [Shift]), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn duty(
    State(state): State<AppState>,
    caller: Caller,
    Path(code): Path<String>,
    ApiQuery(p): ApiQuery<DutyParams>,
) -> ApiResult<Json<Vec<Shift>>> {
    let store = state.store.as_ref();
    let union = access::duty_readable(store, caller.user.as_ref(), &code).await?;
    let from = match &p.from {
        Some(d) => parse_date(d).map_err(|e| ApiError::invalid("from", e.to_string()))?,
        None => Timestamp::now().cst_date(),
    };
    let to = match &p.to {
        Some(d) => parse_date(d).map_err(|e| ApiError::invalid("to", e.to_string()))?,
        None => from.checked_add_days(chrono::Days::new(6)).unwrap_or(from),
    };
    Ok(Json(rosters::shifts_serving(store, &union, from, to).await?))
}
