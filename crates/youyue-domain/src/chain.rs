//! The record book's hash chain. Every entry carries the SHA-256 of the entry before it
//! and its own content, so an entry edited, removed or slipped in directly in the database
//! breaks the chain from there on, and `youyue verify` names the first broken entry.
//! A district that signs off the chain heads (the last hash of each case) can later prove
//! that nothing before them changed, whoever had the database.
//!
//! The hash covers what the entry says, as stored: the case number (not the database id,
//! so chains survive a move between databases), the entry's number, time, actor, action,
//! whether it is internal, and its detail text.

use crate::exchange::CaseRecord;
use serde_json::{json, Map, Value};
use sha2::{Digest, Sha256};

/// The hash before a case's first entry.
pub const GENESIS: &str = "";

/// What an entry's hash is computed over.
#[derive(Debug, Clone, Copy)]
pub struct EntryContent<'a> {
    pub case_number: &'a str,
    pub seq: i64,
    pub at_micros: i64,
    pub actor: &'a str,
    pub action: &'a str,
    pub internal: bool,
    pub detail: &'a str,
}

/// The hash of an entry that follows `prev` (lower-case hex). Fields are length-prefixed,
/// so no two different entries serialise alike.
pub fn entry_hash(prev: &str, e: &EntryContent<'_>) -> String {
    let mut h = Sha256::new();
    let seq = e.seq.to_string();
    let at = e.at_micros.to_string();
    let internal = if e.internal { "1" } else { "0" };
    for part in ["youyue-record-v1", prev, e.case_number, &seq, &at, e.actor, e.action, internal, e.detail] {
        h.update((part.len() as u64).to_be_bytes());
        h.update(part.as_bytes());
    }
    h.finalize().iter().map(|b| format!("{b:02x}")).collect()
}

/// The fields of a case its record book speaks for: every stored field but the case's
/// number (which names the book) and the personal details, which never enter it
/// (`command::diff`). `verify` replays each book and compares these with the case.
pub const COVERED: [&str; 34] = [
    "union",
    "kind",
    "channel",
    "collective",
    "online",
    "scheduled",
    "people",
    "title",
    "description",
    "anonymous",
    "opened_at",
    "status",
    "closed_at",
    "agreement",
    "amount_recovered",
    "adopted",
    "rating",
    "immediate",
    "urgency",
    "due_on",
    "accepted_at",
    "handler",
    "supervised_due_on",
    "chased_due_on",
    "paused_since",
    "paused_until",
    "paused_reason",
    "resolution",
    "explanation",
    "rating_comment",
    "rated_at",
    "arbitration_commission",
    "referred_on",
    "merged_into",
];

/// Fields a registration always leaves empty: its entry need not say so.
const EMPTY_AT_REGISTRATION: [&str; 21] = [
    "closed_at",
    "agreement",
    "amount_recovered",
    "adopted",
    "rating",
    "urgency",
    "due_on",
    "accepted_at",
    "handler",
    "supervised_due_on",
    "chased_due_on",
    "paused_since",
    "paused_until",
    "paused_reason",
    "resolution",
    "explanation",
    "rating_comment",
    "rated_at",
    "arbitration_commission",
    "referred_on",
    "merged_into",
];

/// The worker's own words, which the entry that starts a book leaves out (a chair may have
/// to redact a name in them, and a chained entry is never rewritten): their later changes
/// are recorded and compared.
const NOT_IN_START: [&str; 2] = ["title", "description"];

/// The detail of the `import` entry that starts the book of a case an import created
/// without record lines: the case as it arrived (`after` without `before`), so that the
/// book states what the case was, as a registration's entry does.
pub fn import_start_detail(rec: &CaseRecord) -> Value {
    let Ok(Value::Object(all)) = serde_json::to_value(rec) else { return json!({}) };
    let mut after = Map::new();
    for k in COVERED.iter() {
        if !NOT_IN_START.contains(k) {
            after.insert((*k).to_owned(), all.get(*k).cloned().unwrap_or(Value::Null));
        }
    }
    json!({ "after": after })
}

/// A field whose stored value is not what the record book says.
#[derive(Debug, Clone, PartialEq)]
pub struct Difference {
    pub field: &'static str,
    pub stored: Value,
    pub recorded: Value,
}

/// A case's fields as its record book states them, entry by entry. A field no entry has
/// stated yet is unknown and not compared: books written before a field was recorded,
/// and books imported from elsewhere, may say less than the case holds.
#[derive(Debug, Clone, Default)]
pub struct Replay {
    known: Map<String, Value>,
    /// Whether an entry said what the case was at its start (a registration, or an
    /// import that created the case).
    pub started: bool,
}

impl Replay {
    /// Folds in one entry: an entry with `after` and no `before` starts the case (a
    /// registration, whose time is the case's opening, or an import that created it); one
    /// with both changes the fields in `after`; a supervision sets `supervised_due_on`, the
    /// system's chase `chased_due_on`.
    pub fn apply(&mut self, at_micros: i64, action: &str, detail: &Value) {
        let after = detail.get("after").and_then(Value::as_object);
        let starts = after.is_some() && detail.get("before").is_none();
        if starts {
            self.known.clear();
            self.started = true;
            if action == "register" {
                for k in EMPTY_AT_REGISTRATION {
                    self.known.insert(k.to_owned(), Value::Null);
                }
                self.known.insert("opened_at".into(), json!(crate::Timestamp::from_micros(at_micros)));
            }
        }
        if let Some(after) = after {
            for (k, v) in after {
                if COVERED.contains(&k.as_str()) {
                    self.known.insert(k.clone(), v.clone());
                }
            }
        }
        if action == "supervise" {
            if let Some(due) = detail.get("due_on") {
                self.known.insert("supervised_due_on".into(), due.clone());
            }
        }
        // The system's chase of a missed deadline names it; a chase by hand does not.
        if action == "chase" {
            if let Some(due) = detail.get("due_on") {
                self.known.insert("chased_due_on".into(), due.clone());
            }
        }
    }

    /// The covered fields whose stored value differs from what the book states. A value
    /// spelt otherwise than youyue writes it (a time in UTC, "9" for "9.00", from a book
    /// written elsewhere) is compared as the field's type reads it.
    pub fn differences(&self, stored: &CaseRecord) -> Vec<Difference> {
        let Ok(Value::Object(all)) = serde_json::to_value(stored) else { return Vec::new() };
        COVERED
            .iter()
            .filter_map(|k| {
                let recorded = self.known.get(*k)?;
                let value = all.get(*k).unwrap_or(&Value::Null);
                if value == recorded || normalised(&all, k, recorded).as_ref() == Some(value) {
                    return None;
                }
                Some(Difference { field: k, stored: value.clone(), recorded: recorded.clone() })
            })
            .collect()
    }
}

/// `value` as youyue writes field `k`: read into a case (`all` with `k` set to it) and
/// written again; None if the field's type does not read it.
fn normalised(all: &Map<String, Value>, k: &str, value: &Value) -> Option<Value> {
    let mut with = all.clone();
    with.insert(k.to_owned(), value.clone());
    let case: CaseRecord = serde_json::from_value(Value::Object(with)).ok()?;
    let Ok(Value::Object(mut back)) = serde_json::to_value(case) else { return None };
    Some(back.remove(k).unwrap_or(Value::Null))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_field_counts() {
        let e = EntryContent {
            case_number: "JD-2026-000001",
            seq: 1,
            at_micros: 5,
            actor: "worker",
            action: "register",
            internal: false,
            detail: "{}",
        };
        let h = entry_hash(GENESIS, &e);
        assert_eq!(h.len(), 64);
        assert_eq!(h, entry_hash(GENESIS, &e), "deterministic");
        for other in [
            EntryContent { case_number: "JD-2026-000002", ..e },
            EntryContent { seq: 2, ..e },
            EntryContent { at_micros: 6, ..e },
            EntryContent { actor: "workerr", ..e },
            EntryContent { action: "registe", ..e },
            EntryContent { internal: true, ..e },
            EntryContent { detail: "{ }", ..e },
            // Moving text from one field to the next is not the same entry.
            EntryContent { actor: "worke", action: "rregister", ..e },
        ] {
            assert_ne!(entry_hash(GENESIS, &other), h, "{other:?}");
        }
        assert_ne!(entry_hash(&h, &e), h, "the previous hash counts");
    }

    /// A case's book replayed: an import's start, then the workflow's changes, says what
    /// the case is; a field changed without an entry is named, one never stated is not.
    #[test]
    fn replay_follows_the_book() {
        use crate::command::{apply, Command, DeadlineRules};
        use crate::workflow::{Acting, Role};
        let line = r#"{"number":"JD-2022-000001","union":"jd.s1","kind":"dispute","channel":"reception",
            "people":1,"title":"工伤","description":"手掌受伤","opened_at":"2022-02-10T09:00:00+08:00","status":"registered"}"#;
        let case: CaseRecord = serde_json::from_str(line).unwrap();
        let mut replay = Replay::default();
        replay.apply(0, "import", &import_start_detail(&case));
        assert!(replay.started);
        assert_eq!(replay.differences(&case), vec![]);
        let chair = Acting { role: Role::Chair, is_assigned_handler: false };
        let now = crate::Timestamp::parse_rfc3339("2022-02-10T10:00:00+08:00").unwrap();
        let rules = DeadlineRules::default();
        let accept = Command::Accept { kind: None, urgency: crate::case::Urgency::Normal, due_on: None };
        let c = apply(&case, chair, accept, now, &rules).unwrap();
        replay.apply(now.micros(), c.action.as_str(), &c.detail);
        let c = apply(&c.case, chair, Command::Assign { handler: "mediator".into() }, now, &rules).unwrap();
        replay.apply(now.micros(), c.action.as_str(), &c.detail);
        assert_eq!(replay.differences(&c.case), vec![]);
        let mut edited = c.case.clone();
        edited.people = 40;
        edited.description = "改过".into();
        let d = replay.differences(&edited);
        assert_eq!(d, vec![Difference { field: "people", stored: json!(40), recorded: json!(1) }]);
        // Nothing said how the case began: only what its entries changed is compared.
        let mut partial = Replay::default();
        partial.apply(now.micros(), "assign", &c.detail);
        assert!(!partial.started);
        assert_eq!(partial.differences(&edited), vec![]);
        edited.handler = Some("someone".into());
        assert_eq!(partial.differences(&edited).len(), 1);
        // The same time and amount spelt otherwise are the same.
        let mut other = Replay::default();
        other.apply(0, "x", &json!({"before": {}, "after": {"opened_at": "2022-02-10T01:00:00Z", "people": 1}}));
        assert_eq!(other.differences(&case), vec![]);
        other.apply(0, "x", &json!({"before": {}, "after": {"opened_at": "2022-02-10T01:00:01Z"}}));
        assert_eq!(other.differences(&case).len(), 1);
    }
}
