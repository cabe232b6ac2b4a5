//! Deadline control (时限管理, issue 22), for the API and the pages: 申请延期 and its
//! decision, 挂起 and 恢复办理, 提级督办 after a change and the sweep's end of a pause that
//! ran out. The rules read from the record book are the domain's (`deadline`); the
//! district's limits are `closed_loop:{district}`.
//!
//! Who: the handler assigned to the case (or a chair or administrator who can see it) asks
//! for an extension and pauses or resumes its clock (`workflow`); the chair of the case's
//! own union or a chair or administrator of a union above it decides on an extension
//! (`access::decides_extensions`), never the one who asked.

use crate::access;
use crate::error::ApiError;
use crate::AppState;
use youyue_domain::calendar::WorkCalendar;
use youyue_domain::command::{self, Command, CommandError, DeadlineRules};
use youyue_domain::deadline;
use youyue_domain::workflow::{transition, Acting, Role};
use youyue_domain::{Action, CaseNumber, Timestamp};
use youyue_store::{Actor, Store, StoredCase, User};

/// What a caller asks of a case's clock.
#[derive(Debug, Clone)]
pub enum Ask {
    /// 申请延期 to `due_on` ('YYYY-MM-DD').
    Extend {
        due_on: String,
        reason: String,
    },
    Approve,
    Refuse {
        reason: String,
    },
    Pause {
        reason: String,
    },
    Resume,
}

impl Ask {
    pub fn action(&self) -> Action {
        match self {
            Ask::Extend { .. } => Action::Extend,
            Ask::Approve => Action::ApproveExtension,
            Ask::Refuse { .. } => Action::RefuseExtension,
            Ask::Pause { .. } => Action::Pause,
            Ask::Resume => Action::Resume,
        }
    }
}

/// Does what `ask` says to the case `number` the caller can see.
/// 404 outside the caller's subtree; 403 for a role or person that may not (a handler not
/// assigned to it; a decision by someone else than a chair of its union or a chair or
/// administrator above, or by the one who asked); 409 for a case not accepted or closed,
/// an extension after the deadline passed, while one waits, or past the district's
/// `max_extensions`, a decision with none waiting, a pause of a paused case or past
/// `max_pause_days`, a resume of a running clock; 422 `due_on` (not a date, or not after
/// the current deadline), `reason` (empty).
pub async fn act(state: &AppState, user: &User, number: &str, ask: Ask) -> Result<StoredCase, ApiError> {
    let store = state.store.as_ref();
    // A date that is no date is refused before anything is read.
    let asked_due = match &ask {
        Ask::Extend { due_on, .. } => Some(
            youyue_domain::time::parse_date(due_on.trim())
                .map_err(|_| ApiError::invalid("due_on", "must be a date YYYY-MM-DD"))?,
        ),
        _ => None,
    };
    let case = access::visible_case(store, user, number).await?;
    let r = &case.record;
    transition(access::actor(user, &case), ask.action(), r.status, r.handler.is_some(), r.rating.is_some())
        .map_err(CommandError::from)?;
    let book = store.record_book(case.id).await?;
    let limits = super::district_closed_loop(store, case.union_id).await?;
    let today = Timestamp::now().cst_date();
    let cmd = match ask {
        Ask::Extend { reason, .. } => {
            deadline::may_ask_extension(&book, limits.max_extensions).map_err(ApiError::Conflict)?;
            let due_on = asked_due.ok_or_else(|| ApiError::internal("an extension without its date"))?;
            Command::Extend { due_on, reason }
        }
        Ask::Approve | Ask::Refuse { .. } => {
            if !access::decides_extensions(user, &case) {
                return Err(ApiError::Forbidden(
                    "the chair of the case's union or a chair or administrator above decides on an extension".into(),
                ));
            }
            let pending = deadline::pending_extension(&book)
                .ok_or_else(|| ApiError::Conflict(format!("no extension of case {number} waits for a decision")))?;
            if pending.asked_by == user.username {
                return Err(ApiError::Forbidden("an extension is decided by someone else than who asked".into()));
            }
            match ask {
                Ask::Refuse { reason } => Command::RefuseExtension { reason },
                _ => {
                    if deadline::extensions_granted(&book) >= limits.max_extensions {
                        return Err(ApiError::Conflict(format!(
                            "this case has had the district's {} extension(s)",
                            limits.max_extensions
                        )));
                    }
                    Command::ApproveExtension { due_on: pending.due_on }
                }
            }
        }
        Ask::Pause { reason } => {
            let until = deadline::pause_until(&book, limits.max_pause_days, today).ok_or_else(|| {
                ApiError::Conflict(format!(
                    "this case has been paused the district's {} days already",
                    limits.max_pause_days
                ))
            })?;
            Command::Pause { reason, until }
        }
        Ask::Resume => Command::Resume { ended_on: None },
    };
    let now = Timestamp::now();
    let rules = super::deadline_rules(state, case.union_id).await?;
    let change = command::apply(&case.record, access::actor(user, &case), cmd, now, &rules)?;
    Ok(store.save_change(&case, &change, case.handler_id, super::actor(user), now).await?)
}

/// The system, for the record book.
fn system() -> Actor<'static> {
    Actor { label: "system", user_id: None }
}

/// How the workflow sees the system: as an administrator.
const SYSTEM: Acting = Acting { role: Role::Admin, is_assigned_handler: false };

/// 提级督办 after a change that counts (a reopening, a sending-back, a transfer): when the
/// case has crossed a multiple of the district's `escalate_after` it was not escalated for,
/// the `system` raises it to the union above its own (an internal `escalate` entry). Called
/// right after such a change is saved, with the case as saved; returns it as it now is. The
/// change stands whatever happens here: a failure is logged, and the case is returned as
/// the change left it.
pub async fn escalate_after_change(store: &dyn Store, saved: StoredCase) -> StoredCase {
    match escalate_if_due(store, &saved).await {
        Ok(Some(escalated)) => escalated,
        Ok(None) => saved,
        Err(e) => {
            tracing::warn!(error = %e, case = %saved.record.number, "escalation failed");
            saved
        }
    }
}

async fn escalate_if_due(store: &dyn Store, case: &StoredCase) -> Result<Option<StoredCase>, ApiError> {
    if !case.record.status.is_open() {
        return Ok(None);
    }
    let book = store.record_book(case.id).await?;
    let limits = super::district_closed_loop(store, case.union_id).await?;
    let Some(count) = deadline::escalation_due(&book, limits.escalate_after) else { return Ok(None) };
    let raised_to = match store.union_by_id(case.union_id).await? {
        Some(u) => u.record.parent.map(|p| p.to_string()),
        None => None,
    };
    let now = Timestamp::now();
    // The deadline is not touched: no calendar needed.
    let change =
        command::apply(&case.record, SYSTEM, Command::Escalate { count, raised_to }, now, &Default::default())?;
    Ok(Some(store.save_change(case, &change, case.handler_id, system(), now).await?))
}

/// Ends every pause that ran out (its `paused_until` before today): the system resumes the
/// case as of the day after that last day, and its deadline moves later by the working days
/// paused. Returns the numbers resumed.
pub async fn sweep_pauses(store: &dyn Store, now: Timestamp) -> Result<Vec<CaseNumber>, ApiError> {
    let today = now.cst_date();
    let rules = DeadlineRules { calendar: WorkCalendar::new(store.calendar().await?), days: Default::default() };
    let mut done = Vec::new();
    for case in store.pauses_run_out(today).await? {
        let Some(until) = case.record.paused_until else { continue };
        let ended_on = until.checked_add_days(chrono::Days::new(1));
        let change = command::apply(&case.record, SYSTEM, Command::Resume { ended_on }, now, &rules)?;
        match store.save_change(&case, &change, case.handler_id, system(), now).await {
            Ok(saved) => done.push(saved.record.number),
            // Changed meanwhile: the next sweep sees it again.
            Err(youyue_store::StoreError::Conflict(_)) => {}
            Err(e) => return Err(e.into()),
        }
    }
    Ok(done)
}

/// The escalated open cases strictly below the union `code` (提级督办), as far as the caller
/// may see them: the union above a case's own sees it here (and so does every union above
/// that). 404 for a union the caller cannot see.
pub async fn escalations(state: &AppState, user: &User, code: &str) -> Result<Vec<StoredCase>, ApiError> {
    let store = state.store.as_ref();
    let union = access::union_within(store, user, code.trim()).await?;
    let cases = store.escalated_below(&union.path, 500).await?;
    Ok(cases.into_iter().filter(|c| access::can_see_case(user, c)).collect())
}
