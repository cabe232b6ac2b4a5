//! 派单/改派 (transfer) and 退单 (return): a case moves to another union of the tree and
//! starts again there (registered, no handler, no deadline); the union that received it
//! may send it back, before accepting it, to the union that sent it.
//!
//! Who may transfer: the staff who may accept a case (receptionist, chair, administrator)
//! and can see it (its union is theirs or below theirs; a wellbeing case only if they may
//! open it), to any union within their own union's subtree other than the case's. So a
//! district dispatches anywhere in the district, a street between its enterprises (their
//! common ancestor), and an enterprise only below itself: a case at the wrong enterprise
//! goes back up by 退单 or by the street. Who may return: the staff of the union the case
//! is at, while it is registered there after a transfer.

use crate::access;
use crate::error::ApiError;
use crate::AppState;
use youyue_domain::command::Command;
use youyue_domain::exchange::RecordEntry;
use youyue_domain::Action;
use youyue_store::{StoredCase, User};

/// Moves a case the caller can see to union `code` with `reason`.
/// 404 for a case the caller cannot see; 403 for a role that may not; 409 for a closed
/// case; 422 `union` for a code that names no union within the caller's reach, or the
/// case's own (one answer for all); 422 `reason` when empty.
pub async fn transfer(
    state: &AppState,
    user: &User,
    number: &str,
    code: &str,
    reason: &str,
) -> Result<StoredCase, ApiError> {
    let store = state.store.as_ref();
    let case = access::visible_case(store, user, number).await?;
    super::check_transition(user, &case, Action::Transfer)?;
    let unreachable = || ApiError::invalid("union", format!("no union \"{}\" within your reach", code.trim()));
    let to = access::union_within(store, user, code.trim()).await.map_err(|e| match e {
        ApiError::NotFound(_) => unreachable(),
        other => other,
    })?;
    if to.id == case.union_id {
        return Err(ApiError::invalid("union", "the case is at this union already"));
    }
    let cmd =
        Command::Transfer { to: to.record.code.clone(), to_name: to.record.name.clone(), reason: reason.to_owned() };
    // The handler goes with the old union: nobody handles it at the new one yet.
    super::save_command(state, user, &case, cmd, None).await
}

/// Sends a transferred case, not yet accepted, back to the union that sent it.
/// 404 for a case the caller cannot see; 403 for a role that may not or for staff of
/// another union than the case's; 409 when it was not transferred to this union or was
/// accepted since; 422 `reason` when empty.
pub async fn give_back(state: &AppState, user: &User, number: &str, reason: &str) -> Result<StoredCase, ApiError> {
    let store = state.store.as_ref();
    let case = access::visible_case(store, user, number).await?;
    super::check_transition(user, &case, Action::Return)?;
    if user.union_id != case.union_id {
        return Err(ApiError::Forbidden("only the union the case was sent to returns it".into()));
    }
    let book = store.record_book(case.id).await?;
    let from = sent_from(&book, case.record.union.as_str()).ok_or_else(|| {
        ApiError::Conflict(format!("case {number} was not transferred to this union: nothing to return"))
    })?;
    let code = from.parse().map_err(|_| ApiError::internal(format!("transfer entry names bad union {from}")))?;
    let back = store
        .union_by_code(&code)
        .await?
        .ok_or_else(|| ApiError::Conflict(format!("the union {from} that sent it no longer exists")))?;
    let cmd =
        Command::Return { to: back.record.code.clone(), to_name: back.record.name.clone(), reason: reason.to_owned() };
    // The handler goes with the old union: nobody handles it at the new one yet.
    super::save_command(state, user, &case, cmd, None).await
}

/// The union that sent the case to `here`, if its latest move was a transfer to `here`.
pub fn sent_from(book: &[RecordEntry], here: &str) -> Option<String> {
    let last = book.iter().rev().find(|e| matches!(e.action.as_str(), "transfer" | "return"))?;
    let to = last.detail.get("to").and_then(|v| v.as_str());
    (last.action == "transfer" && to == Some(here))
        .then(|| last.detail.get("from").and_then(|v| v.as_str()).map(str::to_owned))
        .flatten()
}

/// How many times the case was returned (退单): twice or more flags it to the district.
pub fn returns(book: &[RecordEntry]) -> usize {
    book.iter().filter(|e| e.action == "return").count()
}

/// The cases returned this many times are flagged to the district.
pub const FLAGGED_RETURNS: usize = 2;
