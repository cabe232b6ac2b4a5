//! Merge (issue 22) on the staff's case page: the form's action and the cases merged into
//! a case. The rules are `service::merge`'s.

use crate::access;
use crate::error::ApiError;
use crate::service;
use crate::AppState;
use youyue_domain::Action;
use youyue_store::{StoredCase, User};

/// Merges or unmerges from the case page's form; answers the case acted on.
pub async fn act(
    state: &AppState,
    user: &User,
    number: &str,
    action: Action,
    into: &str,
    reason: &str,
) -> Result<StoredCase, ApiError> {
    if action == Action::Merge {
        service::merge::merge(state, user, number, into, Some(reason)).await.map(|(merged, _)| merged)
    } else {
        service::merge::unmerge(state, user, number, reason).await.map(|(case, _)| case)
    }
}

/// The numbers of the cases merged into `case` that the caller can see, oldest first.
pub async fn merged_cases(
    store: &dyn youyue_store::Store,
    user: &User,
    case: &StoredCase,
) -> Result<Vec<String>, ApiError> {
    if !user.role.is_staff() {
        return Ok(Vec::new());
    }
    let merged = store.cases_merged_into(&case.record.number).await?;
    Ok(merged.iter().filter(|c| access::can_see_case(user, c)).map(|c| c.record.number.to_string()).collect())
}
