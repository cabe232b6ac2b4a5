//! 回访 and 发回重办 (issue 22): recording a call-back, the lists of call-backs due and of
//! cases under review, and the review's two outcomes.
//!
//! Who records a call-back: any staff who can see the case (receptionist, handler, chair,
//! administrator of its union or a union above it; a wellbeing case only those who may open
//! it), while it is closed and its call-back not yet done (a reached call-back completes
//! the task; one not reached may be recorded again). Who reviews: a chair or administrator
//! of the union above the case's own, or of any union above that (a top-level union
//! reviews its own cases), while the case is before them (`pending`: a rating of 2 or less
//! by the worker or by call-back).

use crate::access;
use crate::error::ApiError;
use crate::AppState;
use chrono::NaiveDate;
use youyue_domain::callback::{self, Review, Task};
use youyue_domain::command::Command;
use youyue_domain::{Action, Kind, Role, Timestamp};
use youyue_store::{CallbackRow, CallbackState, StoredCase, Union, User};

/// At most this many rows in a list.
pub const MAX_LIST: i64 = 500;

/// Records a call-back of a case the caller can see.
/// 404 for a case the caller cannot see; 409 for an open case or one whose call-back is
/// done; 422 `rating` (required 1 to 5 when reached, absent when not) or `note`.
pub async fn record(
    state: &AppState,
    user: &User,
    number: &str,
    reached: bool,
    rating: Option<i64>,
    note: &str,
) -> Result<StoredCase, ApiError> {
    let store = state.store.as_ref();
    let case = access::visible_case(store, user, number).await?;
    super::check_transition(user, &case, Action::Callback)?;
    if let Some(t) = store.callback_task(case.id).await? {
        if t.called_at.is_some() {
            return Err(ApiError::Conflict(format!("case {number} has been called back already")));
        }
    }
    let cmd = Command::Callback { reached, rating, note: note.to_owned() };
    super::save_command(state, user, &case, cmd, case.handler_id).await
}

/// Whether the caller's union reviews the case: a chair or administrator (the workflow's
/// roles) of a union strictly above the case's, or of the case's own when it is top-level.
pub fn may_review(user: &User, case: &StoredCase) -> bool {
    let above = case.union_path != user.union_path && case.union_path.starts_with(&user.union_path);
    let top_level_own = case.union_path == user.union_path && case.union_path.matches('/').count() == 2;
    user.role.is_staff() && (above || top_level_own)
}

/// 发回重办 or 维持答复 of a case under review.
/// 404 for a case the caller cannot see; 403 for a union that does not review it or a
/// role that may not; 409 for a case that is not under review; 422 `reason` / `note`.
pub async fn review(state: &AppState, user: &User, number: &str, cmd: Command) -> Result<StoredCase, ApiError> {
    let store = state.store.as_ref();
    let case = access::visible_case(store, user, number).await?;
    super::check_transition(user, &case, cmd.action())?;
    if !may_review(user, &case) {
        return Err(ApiError::Forbidden("only the union above the case's own reviews it".into()));
    }
    let pending = store.callback_task(case.id).await?.is_some_and(|t| t.review == Some(Review::Pending));
    if !pending {
        return Err(ApiError::Conflict(format!(
            "case {number} is not under review: only a case the worker is not satisfied with is sent back or confirmed"
        )));
    }
    super::save_command(state, user, &case, cmd, case.handler_id).await
}

/// A call-back task as the lists and the case page show it.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Item {
    pub number: String,
    /// The case's union (code and name).
    pub union: String,
    pub union_name: String,
    pub kind: Kind,
    pub status: youyue_domain::Status,
    /// The China day of its latest closing.
    pub closed_on: NaiveDate,
    /// The day the call-back is due: `callback_days` working days after closing.
    pub due_on: NaiveDate,
    /// Not done and due before today.
    pub overdue: bool,
    /// Call-backs recorded, reached or not.
    pub attempts: i64,
    /// When a call-back reached the worker; null while it is due.
    pub called_at: Option<Timestamp>,
    /// The worker's own rating, if they rated.
    pub rating: Option<i64>,
    /// `pending` (before the union above), `confirmed`, or null.
    pub review: Option<&'static str>,
}

/// The district's call-back days and the calendar, for the case's (or union's) tree.
pub async fn rules(state: &AppState, union_id: i64) -> Result<(u32, youyue_domain::calendar::WorkCalendar), ApiError> {
    let days = super::district_closed_loop(state.store.as_ref(), union_id).await?.callback_days;
    Ok((days, super::work_calendar(state).await?))
}

pub fn item(row: &CallbackRow, days: u32, calendar: &youyue_domain::calendar::WorkCalendar, today: NaiveDate) -> Item {
    item_of(
        &row.number.to_string(),
        (&row.union_code, &row.union_name),
        row.kind,
        row.status,
        row.rating,
        &row.task,
        days,
        calendar,
        today,
    )
}

#[allow(clippy::too_many_arguments)]
fn item_of(
    number: &str,
    union: (&str, &str),
    kind: Kind,
    status: youyue_domain::Status,
    rating: Option<i64>,
    t: &Task,
    days: u32,
    calendar: &youyue_domain::calendar::WorkCalendar,
    today: NaiveDate,
) -> Item {
    let due_on = callback::due_on(t.closed_on, days, calendar);
    Item {
        number: number.to_owned(),
        union: union.0.to_owned(),
        union_name: union.1.to_owned(),
        kind,
        status,
        closed_on: t.closed_on,
        due_on,
        overdue: t.called_at.is_none() && due_on < today,
        attempts: t.attempts,
        called_at: t.called_at,
        rating,
        review: t.review.map(Review::as_str),
    }
}

/// A case's own call-back task, for its page (None while it is open).
pub async fn of_case(state: &AppState, case: &StoredCase) -> Result<Option<Item>, ApiError> {
    let Some(t) = state.store.callback_task(case.id).await? else { return Ok(None) };
    let (days, calendar) = rules(state, case.union_id).await?;
    let union = state.store.union_by_id(case.union_id).await?.map(|u| u.record.name).unwrap_or_default();
    let r = &case.record;
    Ok(Some(item_of(
        &r.number.to_string(),
        (r.union.as_str(), &union),
        r.kind,
        r.status,
        r.rating,
        &t,
        days,
        &calendar,
        Timestamp::now().cst_date(),
    )))
}

/// The union a list is for: `code` within the caller's subtree, or the caller's own.
pub async fn list_union(state: &AppState, user: &User, code: Option<&str>) -> Result<Union, ApiError> {
    match code.map(str::trim).filter(|c| !c.is_empty()) {
        Some(code) => access::union_within(state.store.as_ref(), user, code).await,
        None => access::own_union(state.store.as_ref(), user).await,
    }
}

/// A wellbeing case is listed only to those who may open it (`access::can_see_case`).
fn listed_to(user: &User, row: &CallbackRow) -> bool {
    row.kind != Kind::Wellbeing || user.role == Role::Chair || row.handler_id == Some(user.id)
}

/// The call-backs of a union's subtree in `which` state, oldest closing first (done:
/// latest call-back first), at most `limit`.
pub async fn list(
    state: &AppState,
    user: &User,
    union: &Union,
    which: CallbackState,
    limit: i64,
) -> Result<Vec<Item>, ApiError> {
    let (days, calendar) = rules(state, union.id).await?;
    let today = Timestamp::now().cst_date();
    let through = callback::overdue_through(today, days, &calendar);
    let rows = state.store.callbacks(union, which, through, limit.clamp(1, MAX_LIST)).await?;
    Ok(rows.iter().filter(|r| listed_to(user, r)).map(|r| item(r, days, &calendar, today)).collect())
}

/// The cases under review before `union` (those of the unions right below it; a
/// top-level union's own too), oldest closing first.
pub async fn reviews(state: &AppState, user: &User, union: &Union, limit: i64) -> Result<Vec<Item>, ApiError> {
    let (days, calendar) = rules(state, union.id).await?;
    let today = Timestamp::now().cst_date();
    let rows = state.store.reviews(union, limit.clamp(1, MAX_LIST)).await?;
    Ok(rows.iter().filter(|r| listed_to(user, r)).map(|r| item(r, days, &calendar, today)).collect())
}
