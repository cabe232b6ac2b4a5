//! 并单 (merge) and 撤销并单 (unmerge), issue 22: several cases about one matter become one.
//!
//! Who may merge: the staff who may accept a case (receptionist, chair, administrator),
//! seeing both cases (both within their subtree; a wellbeing case only if they may open
//! it). The merged case must be open (registered, accepted or in progress) and have no
//! cases merged into it itself (no chains: merge those into the other case first, or
//! unmerge them); the case it joins may be open or closed but not merged, not the same
//! case, and of the wellbeing kind exactly when the merged case is. Unmerge: the same
//! staff, on the same China day as the merge, with a reason; it gives the merged case back
//! the status it had and the joined case the people it had.
//!
//! Both cases change in one transaction (`Store::save_changes`), each with its own
//! record-book entry (`merge` / `unmerge` on both), guarded by both versions.

use crate::access;
use crate::error::ApiError;
use crate::AppState;
use youyue_domain::command::{self, Command};
use youyue_domain::merge::{self as rules, Joined};
use youyue_domain::{Action, Kind, Status, Timestamp};
use youyue_store::{StoredCase, User};

/// Merges the case `number` into the case `into`, for a caller who can see both.
///
/// 404 for a case `number` the caller cannot see; 403 for a role that may not; 409 for a
/// case that is not open or has cases merged into it, or a case `into` that is merged
/// itself; 422 `into` for a number that names no case the caller can see (one answer),
/// the same case, or a wellbeing case with another kind.
pub async fn merge(
    state: &AppState,
    user: &User,
    number: &str,
    into: &str,
    reason: Option<&str>,
) -> Result<(StoredCase, StoredCase), ApiError> {
    let store = state.store.as_ref();
    let case = access::visible_case(store, user, number).await?;
    super::check_transition(user, &case, Action::Merge)?;
    let into = into.trim();
    let target = access::visible_case(store, user, into).await.map_err(|e| match e {
        ApiError::NotFound(_) => ApiError::invalid("into", format!("no case \"{into}\" that you can see")),
        other => other,
    })?;
    if target.id == case.id {
        return Err(ApiError::invalid("into", "is the case itself: a case is merged into another"));
    }
    if (case.record.kind == Kind::Wellbeing) != (target.record.kind == Kind::Wellbeing) {
        return Err(ApiError::invalid("into", "a wellbeing case is merged only with a wellbeing case"));
    }
    if target.record.status == Status::Merged {
        return Err(ApiError::Conflict(format!(
            "case {} is merged into another case itself: merge into that one",
            target.record.number
        )));
    }
    let under_it = store.cases_merged_into(&case.record.number).await?;
    if !under_it.is_empty() {
        return Err(ApiError::Conflict(format!(
            "{} case(s) are merged into case {}: merge the other case into it, or unmerge them first",
            under_it.len(),
            case.record.number
        )));
    }
    let group = store.cases_merged_into(&target.record.number).await?;
    let mut records: Vec<&youyue_domain::exchange::CaseRecord> = vec![&target.record];
    records.extend(group.iter().map(|c| &c.record));
    let added = rules::people_added(&case.record, &records);
    let now = Timestamp::now();
    let merged_change = command::apply(
        &case.record,
        access::actor(user, &case),
        Command::Merge {
            into: target.record.number.clone(),
            people_added: added,
            joined_before: Joined::of(&target.record),
            reason: reason.map(str::to_owned),
        },
        now,
        &super::deadline_rules(state, case.union_id).await?,
    )?;
    let joined_change = command::apply(
        &target.record,
        access::actor(user, &target),
        Command::Joined { merged: case.record.number.clone(), joined: rules::after_merge(&target.record, added) },
        now,
        &super::deadline_rules(state, target.union_id).await?,
    )?;
    save(state, user, [(case, merged_change), (target, joined_change)], now).await
}

/// Undoes the merge of case `number` on the day it was made, with `reason`.
///
/// 404 for a case the caller cannot see; 403 for a role that may not; 409 for a case that
/// is not merged, merged on an earlier China day, or whose joined case the caller cannot
/// see any more; 422 `reason` when empty.
pub async fn unmerge(
    state: &AppState,
    user: &User,
    number: &str,
    reason: &str,
) -> Result<(StoredCase, StoredCase), ApiError> {
    let store = state.store.as_ref();
    let case = access::visible_case(store, user, number).await?;
    super::check_transition(user, &case, Action::Unmerge)?;
    let into =
        case.record.merged_into.as_ref().ok_or_else(|| ApiError::Conflict(format!("case {number} is not merged")))?;
    let book = store.record_book(case.id).await?;
    let entry = rules::latest_merge(&book).ok_or_else(|| {
        ApiError::Conflict(format!("case {number} has no merge entry to undo (it was imported merged)"))
    })?;
    let now = Timestamp::now();
    if entry.at.cst_date() != now.cst_date() {
        return Err(ApiError::Conflict(format!(
            "case {number} was merged on {}: a merge is undone only on the day it was made",
            entry.at.cst_date()
        )));
    }
    let target = access::visible_case(store, user, &into.to_string()).await.map_err(|e| match e {
        ApiError::NotFound(_) => ApiError::Conflict(format!("the case {into} it joined is not within your reach")),
        other => other,
    })?;
    let merged_change = command::apply(
        &case.record,
        access::actor(user, &case),
        Command::Unmerge { status: entry.status, reason: reason.to_owned() },
        now,
        &super::deadline_rules(state, case.union_id).await?,
    )?;
    let joined_change = command::apply(
        &target.record,
        access::actor(user, &target),
        Command::Parted {
            merged: case.record.number.clone(),
            joined: rules::after_unmerge(&target.record, entry.people_added, entry.joined_before),
            reason: reason.to_owned(),
        },
        now,
        &super::deadline_rules(state, target.union_id).await?,
    )?;
    save(state, user, [(case, merged_change), (target, joined_change)], now).await
}

async fn save(
    state: &AppState,
    user: &User,
    changes: [(StoredCase, command::Change); 2],
    now: Timestamp,
) -> Result<(StoredCase, StoredCase), ApiError> {
    let saved = state.store.save_changes(&changes, super::actor(user), now).await?;
    match <[StoredCase; 2]>::try_from(saved) {
        Ok([merged, joined]) => Ok((merged, joined)),
        Err(_) => Err(ApiError::internal("a merge saved other than two cases")),
    }
}

/// What the worker of a merged case reads of the case it joined: its number, where it
/// stands, when it closed and the union's answer, and its steps by name only (never their
/// words, which are for that case's own worker, nor anything of the other workers).
pub struct JoinedProgress {
    pub number: String,
    pub status: Status,
    pub closed_at: Option<Timestamp>,
    pub answer: Option<String>,
    pub steps: Vec<super::tracked::Step>,
}

/// The progress of the case a merged case joined; None for a case not merged.
pub async fn joined_progress(state: &AppState, c: &StoredCase) -> Result<Option<JoinedProgress>, ApiError> {
    let Some(into) = &c.record.merged_into else { return Ok(None) };
    let Some(joined) = state.store.case_by_number(into).await? else { return Ok(None) };
    let book = state.store.record_book(joined.id).await?;
    let steps = book
        .into_iter()
        .filter(|e| !e.internal)
        .filter(|e| {
            matches!(
                e.action.as_str(),
                "accept" | "assign" | "resolve" | "explain" | "refer" | "reopen" | "transfer" | "return"
            )
        })
        .map(|e| super::tracked::Step { at: e.at, action: e.action, message: None, appointment: None })
        .collect();
    let r = &joined.record;
    Ok(Some(JoinedProgress {
        number: r.number.to_string(),
        status: r.status,
        closed_at: r.closed_at,
        answer: r.resolution.clone().or_else(|| r.explanation.clone()),
        steps,
    }))
}
