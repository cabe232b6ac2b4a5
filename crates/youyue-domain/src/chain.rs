//! The record book's hash chain. Every entry carries the SHA-256 of the entry before it
//! and its own content, so an entry edited, removed or slipped in directly in the database
//! breaks the chain from there on, and `youyue verify` names the first broken entry.
//! A district that signs off the chain heads (the last hash of each case) can later prove
//! that nothing before them changed, whoever had the database.
//!
//! The hash covers what the entry says, as stored: the case number (not the database id,
//! so chains survive a move between databases), the entry's number, time, actor, action,
//! whether it is internal, and its detail text.

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
}
