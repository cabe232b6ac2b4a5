//! Appointments (约谈) as the API and the pages both make them: the free slots of the
//! specialists serving a union, booking one for a case (staff, or the worker with the
//! tracking code), and rescheduling, cancelling and recording the outcome. Who may is
//! decided in `access`; what is allowed when, in `youyue_domain::appointment`.

use crate::error::ApiError;
use crate::AppState;
use chrono::NaiveDate;
use youyue_domain::appointment::{
    self, describe_free, find_slot, free_slots, AppointmentError, AppointmentRecord, AppointmentStatus, Busy, Slot,
    Window,
};
use youyue_domain::Timestamp;
use youyue_store::{Actor, Appointment, StoreError, StoredCase, Union};

/// How many China days ahead the worker is offered slots, and a refusal lists them.
pub const DAYS_AHEAD: i64 = 14;

/// How many free slots a refusal names.
const NAMED_IN_REFUSAL: usize = 5;

/// The duty of the specialists serving `union` (its roster and those of the unions above
/// it) over the China days `from`..=`to`, as windows to cut into slots. Shifts without a
/// specialty (a receptionist's reception day) take no appointments.
pub async fn windows(state: &AppState, union: &Union, from: NaiveDate, to: NaiveDate) -> Result<Vec<Window>, ApiError> {
    let shifts = crate::service::roster::shifts_serving(state.store.as_ref(), union, from, to).await?;
    Ok(shifts
        .into_iter()
        .filter_map(|s| {
            Some(Window {
                specialty: s.specialty?.as_str().to_owned(),
                user: s.user,
                name: s.name,
                starts_at: s.starts_at,
                ends_at: s.ends_at,
                place: s.place,
                online: s.online,
                slot_minutes: s.slot_minutes,
            })
        })
        .collect())
}

/// The instants that bound the China days `from`..=`to`.
fn span(from: NaiveDate, to: NaiveDate) -> (Timestamp, Timestamp) {
    let end = to.succ_opt().unwrap_or(to);
    (Timestamp::start_of_cst_day(from), Timestamp::start_of_cst_day(end))
}

/// The active bookings of the people on these windows.
async fn busy_for(state: &AppState, windows: &[Window], from: Timestamp, to: Timestamp) -> Result<Vec<Busy>, ApiError> {
    let mut ids = Vec::new();
    let mut seen = std::collections::BTreeSet::new();
    for w in windows {
        if seen.insert(w.user.as_str()) {
            if let Some(u) = state.store.user_by_username(&w.user).await? {
                ids.push(u.id);
            }
        }
    }
    Ok(state.store.busy(&ids, from, to).await?)
}

/// The free slots over the China days `from`..=`to` of the specialists serving `union`
/// whose specialty is one of `specialties` (every specialty if empty), after `now`.
pub async fn slots(
    state: &AppState,
    union: &Union,
    specialties: &[&str],
    from: NaiveDate,
    to: NaiveDate,
    now: Timestamp,
) -> Result<Vec<Slot>, ApiError> {
    let mut ws = windows(state, union, from, to).await?;
    ws.retain(|w| specialties.is_empty() || specialties.contains(&w.specialty.as_str()));
    let (a, b) = span(from, to);
    let busy = busy_for(state, &ws, a, b).await?;
    Ok(free_slots(&ws, &busy, now))
}

/// What a booking asks for: the specialist's slot, and how to meet.
#[derive(Debug, Clone)]
pub struct BookInput {
    pub specialist: String,
    pub starts_at: Timestamp,
    /// The shift's place when None.
    pub place: Option<String>,
    /// The shift's way when None.
    pub online: Option<bool>,
    pub link: Option<String>,
    pub note: String,
}

/// The 409 for a slot someone else holds, with slots still free for the same people and
/// specialties from that day on.
async fn slot_taken(
    state: &AppState,
    union: &Union,
    specialties: &[&str],
    day: NaiveDate,
    now: Timestamp,
) -> Result<ApiError, ApiError> {
    let to = day + chrono::Duration::days(DAYS_AHEAD);
    let free = slots(state, union, specialties, day, to, now).await?;
    Ok(ApiError::SlotTaken(format!("this slot is already booked; {}", describe_free(&free, NAMED_IN_REFUSAL))))
}

/// The free slot `input` names among the duty of `union`'s specialists of `specialties`,
/// or the 409 (taken by another booking) or 422 (no such slot) that says why not.
/// `except`: an appointment being moved, whose own time does not count as busy.
async fn free_slot(
    state: &AppState,
    union: &Union,
    specialties: &[&str],
    specialist: &str,
    starts_at: Timestamp,
    except: Option<&Appointment>,
    now: Timestamp,
) -> Result<Slot, ApiError> {
    if except.is_none() {
        // A name that is no specialist of this union is a mistake in `specialist`, not a
        // busy time.
        let serves = match state.store.user_by_username(specialist).await? {
            Some(u) if u.active && u.role.is_staff() && union.path.starts_with(&u.union_path) => {
                state.store.specialties_of(&[u.id]).await?.contains_key(&u.id)
            }
            _ => false,
        };
        if !serves {
            return Err(ApiError::invalid(
                "specialist",
                format!("\"{specialist}\" is not a specialist serving this union"),
            ));
        }
    }
    let day = starts_at.cst_date();
    let mut ws = windows(state, union, day, day).await?;
    ws.retain(|w| w.user == specialist && (specialties.is_empty() || specialties.contains(&w.specialty.as_str())));
    let (a, b) = span(day, day);
    let mut busy = busy_for(state, &ws, a, b).await?;
    if let Some(e) = except {
        busy.retain(|x| !(x.starts_at == e.record.starts_at && x.ends_at == e.record.ends_at));
    }
    if let Some(slot) = find_slot(&free_slots(&ws, &busy, now), specialist, starts_at) {
        return Ok(slot.clone());
    }
    if let Some(s) = find_slot(&free_slots(&ws, &[], now), specialist, starts_at) {
        // Taken: the refusal names free slots of the same specialty.
        let same = [s.specialty.as_str()];
        return Err(slot_taken(state, union, &same, day, now).await?);
    }
    let to = day + chrono::Duration::days(DAYS_AHEAD);
    let free = slots(state, union, specialties, now.cst_date().max(day), to, now).await?;
    Err(ApiError::invalid(
        "starts_at",
        format!(
            "{specialist} has no free slot starting at {} for this case; {}",
            starts_at.to_rfc3339_cst(),
            describe_free(&free, NAMED_IN_REFUSAL)
        ),
    ))
}

/// Books a free slot for the case: `label` is who books (a username, or `worker`),
/// `specialties` those the booking may choose among (empty: any).
pub async fn book(
    state: &AppState,
    case: &StoredCase,
    label: &str,
    user_id: Option<i64>,
    specialties: &[&str],
    input: BookInput,
) -> Result<Appointment, ApiError> {
    let now = Timestamp::now();
    let union = state
        .store
        .union_by_id(case.union_id)
        .await?
        .ok_or_else(|| ApiError::internal(format!("union of case {} is missing", case.record.number)))?;
    let slot = free_slot(state, &union, specialties, &input.specialist, input.starts_at, None, now).await?;
    let specialist = state
        .store
        .user_by_username(&slot.user)
        .await?
        .ok_or_else(|| ApiError::invalid("specialist", format!("no account \"{}\"", slot.user)))?;
    let record = AppointmentRecord {
        id: 0,
        case: case.record.number.clone(),
        specialist: slot.user.clone(),
        specialty: slot.specialty.clone(),
        starts_at: slot.starts_at,
        ends_at: slot.ends_at,
        place: input.place.unwrap_or_else(|| slot.place.clone()),
        online: input.online.unwrap_or(slot.online),
        link: input.link.filter(|l| !l.trim().is_empty()),
        note: input.note,
        status: AppointmentStatus::Booked,
        booked_by: label.to_owned(),
        booked_at: now,
        changed_at: now,
        changed_by: label.to_owned(),
        reason: None,
    };
    record.check()?;
    match state.store.book_appointment(case, specialist.id, &record, Actor { label, user_id }, now).await {
        Ok(a) => Ok(a),
        Err(StoreError::SlotTaken) => {
            let same = [slot.specialty.as_str()];
            Err(slot_taken(state, &union, &same, slot.starts_at.cst_date(), now).await?)
        }
        Err(e) => Err(e.into()),
    }
}

/// A change as asked for: the new time is a start only, its end comes from the roster.
#[derive(Debug, Clone)]
pub enum ChangeInput {
    Reschedule { starts_at: Timestamp, reason: String },
    Cancel { reason: String },
    Record(appointment::Outcome),
}

impl From<AppointmentError> for ApiError {
    fn from(e: AppointmentError) -> ApiError {
        match e {
            AppointmentError::Field(f) => f.into(),
            other => ApiError::Conflict(other.to_string()),
        }
    }
}

/// Changes one of the case's appointments; a new time must be a free slot of the same
/// specialist and specialty.
pub async fn change(
    state: &AppState,
    case: &StoredCase,
    before: &Appointment,
    label: &str,
    user_id: Option<i64>,
    input: ChangeInput,
) -> Result<Appointment, ApiError> {
    let now = Timestamp::now();
    let change = match input {
        ChangeInput::Reschedule { .. } if !case.record.status.is_open() => {
            return Err(ApiError::Conflict(format!(
                "case {} is closed: its appointments are not moved (reopen it first)",
                case.record.number
            )));
        }
        ChangeInput::Reschedule { starts_at, reason } => {
            // The rules first, so that a begun or cancelled appointment is told so.
            let probe = appointment::Change::Reschedule { starts_at, ends_at: starts_at, reason: reason.clone() };
            appointment::apply(&before.record, &probe, label, now)?;
            let union = state
                .store
                .union_by_id(case.union_id)
                .await?
                .ok_or_else(|| ApiError::internal(format!("union of case {} is missing", case.record.number)))?;
            let specialty = [before.record.specialty.as_str()];
            let slot =
                free_slot(state, &union, &specialty, &before.record.specialist, starts_at, Some(before), now).await?;
            appointment::Change::Reschedule { starts_at: slot.starts_at, ends_at: slot.ends_at, reason }
        }
        ChangeInput::Cancel { reason } => appointment::Change::Cancel { reason },
        ChangeInput::Record(o) => appointment::Change::Record(o),
    };
    let after = appointment::apply(&before.record, &change, label, now)?;
    match state.store.change_appointment(case, before, &after, &change, Actor { label, user_id }, now).await {
        Ok(a) => Ok(a),
        Err(StoreError::SlotTaken) => {
            let union = state.store.union_by_id(case.union_id).await?;
            match union {
                Some(u) => {
                    let specialty = [before.record.specialty.as_str()];
                    Err(slot_taken(state, &u, &specialty, after.starts_at.cst_date(), now).await?)
                }
                None => Err(StoreError::SlotTaken.into()),
            }
        }
        Err(e) => Err(e.into()),
    }
}

/// The case's appointment `id`, or 404 (one of another case is not found either).
pub async fn of_case(state: &AppState, case: &StoredCase, id: i64) -> Result<Appointment, ApiError> {
    state
        .store
        .appointment(id)
        .await?
        .filter(|a| a.case_id == case.id)
        .ok_or_else(|| ApiError::not_found(format!("no appointment {id} of case {}", case.record.number)))
}

/// The booked appointments of a case that are still to come or under way, earliest first.
pub fn booked(all: &[Appointment]) -> Vec<&Appointment> {
    all.iter().filter(|a| a.record.status == AppointmentStatus::Booked).collect()
}
