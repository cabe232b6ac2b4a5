//! Changes to accounts, from the API and the pages alike: the password rule, and what a
//! chair or an administrator may change of an account (or anyone of their own).

use crate::access;
use crate::error::ApiError;
use crate::AppState;
use youyue_domain::Role;
use youyue_store::User;

/// The shortest password accepted for an account (set by its owner or by a manager).
pub const MIN_PASSWORD_CHARS: usize = 10;

/// The password rule: at least `MIN_PASSWORD_CHARS` characters. `field` names where it came.
pub fn check_new_password(field: &str, password: &str) -> Result<(), ApiError> {
    if password.chars().count() < MIN_PASSWORD_CHARS {
        return Err(ApiError::invalid(field, format!("must be at least {MIN_PASSWORD_CHARS} characters")));
    }
    Ok(())
}

/// What may change of an account; `None` leaves it as it is.
#[derive(Default)]
pub struct AccountChange {
    /// false disables the account and ends its sessions.
    pub active: Option<bool>,
    /// A new password; ends the account's sessions and revokes its API tokens.
    pub password: Option<String>,
    pub role: Option<Role>,
}

/// Changes the account `username`: one the caller manages (`access::managed_account`), or
/// the caller's own password. Everything is checked (and the password hashed) before
/// anything is written, and it is written in one transaction. Returns the account as saved.
pub async fn change_account(
    state: &AppState,
    me: &User,
    username: &str,
    change: AccountChange,
) -> Result<User, ApiError> {
    let store = state.store.as_ref();
    let own = me.username == username;
    let target = if own { me.clone() } else { access::managed_account(store, me, username).await? };
    if let Some(role) = change.role {
        if own {
            return Err(ApiError::invalid("role", "you cannot change your own role"));
        }
        access::may_manage_accounts(me, Some(role))?;
    }
    if change.active.is_some() && own {
        return Err(ApiError::invalid("active", "you cannot disable your own account"));
    }
    let password_hash = match change.password {
        Some(p) => {
            check_new_password("password", &p)?;
            Some(crate::auth::hash_password(p).await?)
        }
        None => None,
    };
    let stored = youyue_store::UserChange { active: change.active, role: change.role, password_hash };
    store.change_user(target.id, &stored).await?;
    store.user_by_id(target.id).await?.ok_or_else(|| ApiError::not_found("account"))
}
