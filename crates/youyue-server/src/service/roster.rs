//! Duty rosters as the API, the pages and appointments read them: a union's roster with
//! its people's names, and the expanded shifts of everyone who serves a union — the
//! rosters of the union itself and of every union above it (a district's mediator serves
//! all its enterprises).

use crate::access;
use crate::error::ApiError;
use crate::AppState;
use chrono::NaiveDate;
use std::collections::BTreeMap;
use youyue_domain::calendar::WorkCalendar;
use youyue_domain::roster::{expand, sort_shifts, Roster, Shift};
use youyue_domain::{Timestamp, UnionCode};
use youyue_store::{Store, Union, User};

/// The longest range of days one expansion covers (a quarter and a day): 422 `to` beyond.
pub const MAX_DUTY_DAYS: i64 = 92;

/// Refuses a range that ends before it starts or is longer than `MAX_DUTY_DAYS`.
pub fn check_range(from: NaiveDate, to: NaiveDate) -> Result<(), ApiError> {
    if to < from {
        return Err(ApiError::invalid("to", "must not be before from"));
    }
    if (to - from).num_days() >= MAX_DUTY_DAYS {
        return Err(ApiError::invalid("to", format!("a range of at most {MAX_DUTY_DAYS} days")));
    }
    Ok(())
}

/// The shifts of the specialists who serve the union `union_code` and start on the China
/// days `from` to `to` (both included; at most `MAX_DUTY_DAYS`): the rosters of the union
/// and of every union above it, expanded on the working-day calendar, sorted by start then
/// user. A shift of an account that is disabled, or no longer staff of a union on the path
/// (moved elsewhere, made a worker), is left out. 404 for a union that does not exist.
pub async fn serving_shifts(
    store: &dyn Store,
    union_code: &UnionCode,
    from: NaiveDate,
    to: NaiveDate,
) -> Result<Vec<Shift>, ApiError> {
    let union =
        store.union_by_code(union_code).await?.ok_or_else(|| ApiError::not_found(format!("union {union_code}")))?;
    shifts_serving(store, &union, from, to).await
}

/// `serving_shifts` for a union already read.
pub async fn shifts_serving(
    store: &dyn Store,
    union: &Union,
    from: NaiveDate,
    to: NaiveDate,
) -> Result<Vec<Shift>, ApiError> {
    check_range(from, to)?;
    let rosters = store.rosters_on_path(&union.path).await?;
    if rosters.is_empty() {
        return Ok(Vec::new());
    }
    let calendar = WorkCalendar::new(store.calendar().await?);
    let people = serving_people(store, union).await?;
    let ids: Vec<i64> = people.values().map(|u| u.id).collect();
    let specialties = store.specialties_of(&ids).await?;
    // A line as a specialist its person no longer is (the specialty taken off their account
    // since the roster was set) is not served; someone swapped in serves the line as it is.
    let lapsed = |l: &youyue_domain::roster::RosterLine| match (people.get(&l.user), l.specialty) {
        (Some(u), Some(sp)) => !specialties.get(&u.id).is_some_and(|all| all.contains(&sp)),
        _ => false,
    };
    let mut out = Vec::new();
    for mut roster in rosters {
        // Emptied rather than removed, so that the exceptions' line numbers still hold.
        for l in roster.shifts.iter_mut().filter(|l| lapsed(l)) {
            l.days.clear();
        }
        name_lines(&mut roster, &people);
        out.extend(expand(&roster, &calendar, from, to).into_iter().filter(|s| people.contains_key(&s.user)));
    }
    sort_shifts(&mut out);
    // Swapped-in people named only by username get their account's name.
    for s in &mut out {
        if let Some(u) = people.get(&s.user) {
            s.name.clone_from(&u.name);
        }
    }
    Ok(out)
}

/// The active staff accounts of the union and of every union above it, by username: the
/// people who may serve on its roster.
pub async fn serving_people(store: &dyn Store, union: &Union) -> Result<BTreeMap<String, User>, ApiError> {
    Ok(store
        .users_on_path(&union.path)
        .await?
        .into_iter()
        .filter(|u| u.active && u.role.is_staff())
        .map(|u| (u.username.clone(), u))
        .collect())
}

/// Gives each line its person's name (left empty for someone who may no longer serve).
pub fn name_lines(roster: &mut Roster, people: &BTreeMap<String, User>) {
    for l in &mut roster.shifts {
        l.name = people.get(&l.user).map(|u| u.name.clone()).unwrap_or_default();
    }
}

/// A union's roster with names (an empty one if it has none).
pub async fn roster_of(store: &dyn Store, union: &Union) -> Result<Roster, ApiError> {
    let mut roster = store.roster(union.id).await?.unwrap_or_default();
    roster.union = union.code().to_string();
    let people = serving_people(store, union).await?;
    name_lines(&mut roster, &people);
    Ok(roster)
}

/// Replaces a union's roster (the API's PUT and the roster editor): the caller must be
/// allowed (`access::may_set_roster`), the roster well formed (422 naming the field,
/// `shifts[2].start`), every person an active staff account of the union or above
/// (`shifts[i].user`), and every specialty a line names one its person has. Logged in
/// `roster_changes`. Returns the roster as stored, with names.
pub async fn set_roster(state: &AppState, me: &User, union: &Union, mut roster: Roster) -> Result<Roster, ApiError> {
    let store = state.store.as_ref();
    access::may_set_roster(me, union)?;
    roster.check().map_err(|e| ApiError::invalid(e.field, e.message))?;
    let people = serving_people(store, union).await?;
    for (field, user) in roster.user_fields() {
        access::may_serve_on(&people, user, &field)?;
    }
    let ids: Vec<i64> = people.values().map(|u| u.id).collect();
    let specialties = store.specialties_of(&ids).await?;
    for (field, user, specialty) in roster.specialties_used() {
        let has = people.get(user).and_then(|u| specialties.get(&u.id)).is_some_and(|s| s.contains(&specialty));
        if !has {
            return Err(ApiError::invalid(field, format!("\"{user}\" is not a {specialty}")));
        }
    }
    roster.union = union.code().to_string();
    store.put_roster(union.id, &roster, &me.username, Timestamp::now()).await?;
    name_lines(&mut roster, &people);
    Ok(roster)
}
