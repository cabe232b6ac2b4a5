//! Merge (issue 22), 并单: several cases about one matter become one. The merged case ends
//! `merged`, naming the case it joined (`merged_into`); the joined case's `people` becomes
//! the number of distinct workers of itself and every case merged into it, and it is
//! collective once that is above one. Figures count the matter once: a merged case counts
//! in none (`tally::of_case`, `Stats::add_case`, `figures::matches`), only through the case
//! it joined. Unmerge on the same China day undoes it.

use crate::case::{half_width, Status};
use crate::exchange::CaseRecord;
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// The joined case's people and whether it is collective.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Joined {
    pub people: i64,
    pub collective: bool,
}

impl Joined {
    pub fn of(c: &CaseRecord) -> Joined {
        Joined { people: c.people, collective: c.collective }
    }
}

/// A contact as compared: full-width read as ASCII, without spaces, dashes or letter case.
fn contact_key(c: &str) -> String {
    c.chars().map(half_width).filter(|c| !c.is_whitespace() && *c != '-').collect::<String>().to_lowercase()
}

/// Whether two cases were raised by the same worker: the same worker account, or the same
/// contact.
pub fn same_worker(a: &CaseRecord, b: &CaseRecord) -> bool {
    let account = a.worker_account.is_some() && a.worker_account == b.worker_account;
    let contact = match (&a.contact, &b.contact) {
        (Some(x), Some(y)) => {
            let x = contact_key(x);
            !x.is_empty() && x == contact_key(y)
        }
        _ => false,
    };
    account || contact
}

/// The people `merged` adds to a joined case whose group (itself and the cases already
/// merged into it) is `group`: its people, less the one worker already counted when it was
/// raised by a worker of the group (a case of 3 people counts 3; the same worker twice,
/// once).
pub fn people_added(merged: &CaseRecord, group: &[&CaseRecord]) -> i64 {
    let counted = group.iter().any(|c| same_worker(c, merged));
    (merged.people - i64::from(counted)).max(0)
}

/// The joined case after `merged` joins it.
pub fn after_merge(joined: &CaseRecord, added: i64) -> Joined {
    let people = joined.people.saturating_add(added);
    Joined { people, collective: joined.collective || people > 1 }
}

/// The joined case after the merged case that added `added` leaves it, given what it was
/// before that merge (`before`): exactly that when nothing else changed its people since,
/// else its people less `added`.
pub fn after_unmerge(joined: &CaseRecord, added: i64, before: Joined) -> Joined {
    let people = joined.people.saturating_sub(added).max(1);
    if people == before.people {
        return before;
    }
    Joined { people, collective: joined.collective && people > 1 }
}

/// What an unmerge needs from the merged case's latest `merge` entry.
#[derive(Debug, Clone, PartialEq)]
pub struct MergeEntry {
    pub at: crate::Timestamp,
    /// The status the case had before it was merged.
    pub status: Status,
    pub people_added: i64,
    pub joined_before: Joined,
}

/// The latest `merge` entry of a merged case's book, if it is one this module wrote.
pub fn latest_merge(book: &[crate::exchange::RecordEntry]) -> Option<MergeEntry> {
    let e = book.iter().rev().find(|e| e.action == "merge" && e.detail.get("into").is_some())?;
    let status =
        e.detail.get("before").and_then(|b| b.get("status")).and_then(Value::as_str).and_then(Status::parse)?;
    let people_added = e.detail.get("people_added").and_then(Value::as_i64)?;
    let joined_before = serde_json::from_value(e.detail.get("joined_before")?.clone()).ok()?;
    Some(MergeEntry { at: e.at, status, people_added, joined_before })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn case(people: i64, contact: Option<&str>, account: Option<&str>) -> CaseRecord {
        let mut c: CaseRecord = serde_json::from_value(serde_json::json!({
            "number": "JD-2026-000001", "union": "jd", "kind": "dispute", "channel": "hotline",
            "opened_at": "2026-02-10T09:00:00+08:00", "status": "registered", "people": people,
            "collective": people > 1
        }))
        .unwrap();
        c.contact = contact.map(str::to_owned);
        c.worker_account = account.map(str::to_owned);
        c
    }

    #[test]
    fn distinct_workers_count_once() {
        let a = case(1, Some("138 0000 0001"), None);
        let three = case(3, Some("13900000002"), None);
        // A dispute of 1 person joined by a case of 3 counts 4.
        let added = people_added(&three, &[&a]);
        assert_eq!(added, 3);
        assert_eq!(after_merge(&a, added), Joined { people: 4, collective: true });
        // The same worker by hotline and online (same contact, spelt otherwise) counts once.
        let again = case(1, Some("１３８-0000-0001"), None);
        assert_eq!(people_added(&again, &[&a]), 0);
        let by_account = case(1, None, Some("w1"));
        assert_eq!(people_added(&by_account, &[&case(1, None, Some("w1"))]), 0);
        assert_eq!(people_added(&by_account, &[&case(1, None, None)]), 1);
    }

    #[test]
    fn unmerge_gives_back_what_was() {
        let mut a = case(1, None, None);
        let before = Joined::of(&a);
        let after = after_merge(&a, 3);
        (a.people, a.collective) = (after.people, after.collective);
        assert_eq!(after_unmerge(&a, 3, before), before);
    }
}
