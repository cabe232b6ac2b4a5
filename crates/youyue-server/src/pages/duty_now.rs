//! 及时约办: a case marked for immediate handling offers, on its page, the people on duty
//! for its union at this moment (the roster's shifts serving it, `service::roster`).

use super::Lang;
use crate::error::ApiError;
use crate::AppState;
use chrono::Days;
use youyue_domain::Timestamp;
use youyue_store::StoredCase;

/// A person on duty now, in words.
pub struct OnDuty {
    pub name: String,
    pub specialty: String,
    /// Until when (China time), and where.
    pub until: String,
    pub place: String,
}

/// Who is on duty for the case's union now, if the case is open and marked immediate; a
/// shift that began yesterday and runs on (a night hotline) counts.
pub async fn on_duty_now(
    state: &AppState,
    lang: Lang,
    case: &StoredCase,
    now: Timestamp,
) -> Result<Vec<OnDuty>, ApiError> {
    let r = &case.record;
    if !r.immediate || !r.status.is_open() {
        return Ok(Vec::new());
    }
    let Some(union) = state.store.union_by_id(case.union_id).await? else { return Ok(Vec::new()) };
    let today = now.cst_date();
    let yesterday = today.checked_sub_days(Days::new(1)).unwrap_or(today);
    let shifts = crate::service::roster::shifts_serving(state.store.as_ref(), &union, yesterday, today).await?;
    Ok(shifts
        .into_iter()
        .filter(|s| s.starts_at <= now && now < s.ends_at)
        .map(|s| OnDuty {
            name: if s.name.trim().is_empty() { s.user.clone() } else { s.name.clone() },
            specialty: s.specialty.map(|k| lang.specialty(k.as_str())).unwrap_or_default(),
            until: s.ends_at.to_cst().format("%H:%M").to_string(),
            place: if s.online && s.place.trim().is_empty() { "online".to_owned() } else { s.place.clone() },
        })
        .collect())
}
