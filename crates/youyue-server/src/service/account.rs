//! Changes to accounts, from the API and the pages alike: the password rule, and what a
//! chair or an administrator may change of an account (or anyone of their own).

use crate::access;
use crate::error::ApiError;
use crate::AppState;
use youyue_domain::notice::{self, NoticeKind};
use youyue_domain::roster::Specialty;
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
    /// The account's specialties, replacing its own (staff accounts only).
    pub specialties: Option<Vec<Specialty>>,
    /// Where notices reach the person (`notice::check_email` / `check_phone`); an empty
    /// text clears it.
    pub email: Option<String>,
    pub phone: Option<String>,
    /// NoticeKind names turned off for e-mail and SMS (`notices_off`), replacing the set.
    pub notices_off: Option<Vec<String>>,
}

/// The kinds a person turns off, by name: only the staff kinds (`NoticeKind::for_staff`);
/// any other name is a 422 on `notices_off`. Duplicates collapse.
pub fn parse_notices_off(names: &[String]) -> Result<Vec<NoticeKind>, ApiError> {
    let mut kinds = Vec::new();
    for name in names {
        let kind = NoticeKind::parse(name.trim()).filter(|k| k.for_staff()).ok_or_else(|| {
            let choices: Vec<&str> = NoticeKind::ALL.iter().filter(|k| k.for_staff()).map(|k| k.as_str()).collect();
            ApiError::invalid(
                "notices_off",
                format!("\"{name}\" is not a kind of notice; one of {}", choices.join(" | ")),
            )
        })?;
        if !kinds.contains(&kind) {
            kinds.push(kind);
        }
    }
    kinds.sort();
    Ok(kinds)
}

/// Specialty names as the API and the forms send them (aliases accepted), as a set; a
/// name that is none is a 422 on `specialties[i]`.
pub fn parse_specialties(names: &[String]) -> Result<Vec<Specialty>, ApiError> {
    youyue_domain::roster::parse_specialties("specialties", names).map_err(|e| ApiError::invalid(e.field, e.message))
}

/// The specialties of a new account of `role`: only staff carry them (422 `specialties`).
pub fn specialties_for(role: Role, names: &[String]) -> Result<Vec<Specialty>, ApiError> {
    let set = parse_specialties(names)?;
    if !set.is_empty() && !role.is_staff() {
        return Err(ApiError::invalid("specialties", "only staff accounts have specialties"));
    }
    Ok(set)
}

/// Changes the account `username`: one the caller manages (`access::managed_account`), or
/// the caller's own password, e-mail, phone and notice kinds. Everything is checked (and the password hashed) before
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
    if let Some(set) = &change.specialties {
        if own && !me.role.manages_accounts() {
            return Err(ApiError::Forbidden("only a chair or an administrator sets specialties".into()));
        }
        let role = change.role.unwrap_or(target.role);
        if !set.is_empty() && !role.is_staff() {
            return Err(ApiError::invalid("specialties", "only staff accounts have specialties"));
        }
    }
    if change.active.is_some() && own {
        return Err(ApiError::invalid("active", "you cannot disable your own account"));
    }
    // Addresses and kinds are the person's or their manager's to set (`target` is one of
    // the two by now); checked before anything is written.
    let email = change.email.as_deref().map(notice::check_email).transpose()?;
    let phone = change.phone.as_deref().map(notice::check_phone).transpose()?;
    let notices_off = change.notices_off.as_deref().map(parse_notices_off).transpose()?;
    let password_hash = match change.password {
        Some(p) => {
            check_new_password("password", &p)?;
            Some(crate::auth::hash_password(p).await?)
        }
        None => None,
    };
    // An account made a worker is no specialist any more: its specialties go with the role.
    let specialties = match change.role {
        Some(role) if !role.is_staff() => Some(Vec::new()),
        _ => change.specialties,
    };
    let stored = youyue_store::UserChange {
        active: change.active,
        role: change.role,
        password_hash,
        specialties,
        email,
        phone,
        notices_off,
    };
    store.change_user(target.id, &stored).await?;
    store.user_by_id(target.id).await?.ok_or_else(|| ApiError::not_found("account"))
}
