//! 协办 (joint handling, issue 22), for the API (`api/assist.rs`) and the case page
//! (`pages/assist.rs`).
//!
//! Who asks and ends: whoever may see the case in full (its union's staff, or a union
//! above) in a role the workflow allows (`assist`/`end_assist`: the assigned handler, a
//! chair, an administrator), while the case is open. Who may be asked: see
//! `access::assisting_party`. What the assisting party may do: read the case and its
//! record book, add notes (`access::readable_case`, `access::assisting_may`); 403 for
//! anything else. It ends when the handling union ends it, when the case closes and when
//! it moves (`youyue_domain::assist::ends_assistance`).

use crate::access;
use crate::error::ApiError;
use crate::AppState;
use youyue_domain::command::Command;
use youyue_store::{CaseAssist, StoredCase, User};

/// Asks union `code` (or only its specialist `username`) to assist with the case.
/// 404 for a case the caller cannot see; 403 for a role that may not or an assisting
/// party; 409 for a closed case or a union that assists already; 422 `union`, `user`,
/// `note`.
pub async fn ask(
    state: &AppState,
    user: &User,
    number: &str,
    code: &str,
    username: Option<&str>,
    note: &str,
) -> Result<StoredCase, ApiError> {
    let store = state.store.as_ref();
    let case = access::visible_case(store, user, number).await?;
    super::check_transition(user, &case, youyue_domain::Action::Assist)?;
    let (union, specialist) = access::assisting_party(store, &case, code, username).await?;
    if store.case_assists(case.id).await?.iter().any(|a| a.is_open() && a.union_id == union.id) {
        return Err(ApiError::Conflict(format!(
            "union {} assists with case {number} already: end it first to ask again",
            union.record.code
        )));
    }
    let cmd = Command::Assist {
        union: union.record.code.clone(),
        union_name: union.record.name.clone(),
        user: specialist.map(|u| u.username),
        note: note.to_owned(),
    };
    super::save_command(state, user, &case, cmd, case.handler_id).await
}

/// Ends union `code`'s assistance. 404 for a case the caller cannot see; 403 as for
/// `ask`; 409 when that union does not assist with it now.
pub async fn end(state: &AppState, user: &User, number: &str, code: &str) -> Result<StoredCase, ApiError> {
    let store = state.store.as_ref();
    let case = access::visible_case(store, user, number).await?;
    super::check_transition(user, &case, youyue_domain::Action::EndAssist)?;
    let code = code.trim();
    let open = store.case_assists(case.id).await?.into_iter().find(|a| a.is_open() && a.union_code.as_str() == code);
    let Some(open) = open else {
        return Err(ApiError::Conflict(format!("union \"{code}\" does not assist with case {number} now")));
    };
    let cmd = Command::EndAssist { union: open.union_code, union_name: open.union_name };
    super::save_command(state, user, &case, cmd, case.handler_id).await
}

/// The case's assistances (open and ended), for a caller who may read the case.
pub async fn list(state: &AppState, user: &User, number: &str) -> Result<(StoredCase, Vec<CaseAssist>), ApiError> {
    let store = state.store.as_ref();
    let (case, _) = access::readable_case(store, user, number).await?;
    let assists = store.case_assists(case.id).await?;
    Ok((case, assists))
}
