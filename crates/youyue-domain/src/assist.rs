//! 协办 (joint handling, issue 22): the union handling a case asks another union of its
//! district, or one specialist of it, to assist. The assisting party reads the case and
//! adds notes; it never accepts, assigns, closes or moves it. An assistance lasts until the
//! handling union ends it (`end_assist`), the case closes (resolved, explained, referred)
//! or the case moves to another union (transfer, return).
//!
//! The `assist` and `end_assist` record-book entries are internal (the worker never reads
//! them) and change no replayed field; their detail names the union (`union`,
//! `union_name`), the specialist (`user`, or null for the whole union) and the `note`.
//! The assistances themselves are kept in `case_assists` and exchanged as `assist` lines
//! (`AssistRecord`).

use crate::case::{check_text, FieldError, MAX_TEXT_CHARS};
use crate::number::CaseNumber;
use crate::time::Timestamp;
use crate::UnionCode;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

/// The record-book detail of an `assist` (with `user` and `note`) or `end_assist` entry.
pub fn entry_detail(
    extra: &mut Map<String, Value>,
    union: &UnionCode,
    union_name: &str,
    user: Option<&str>,
    note: Option<&str>,
) {
    extra.insert("union".into(), union.as_str().into());
    extra.insert("union_name".into(), union_name.into());
    if let Some(note) = note {
        extra.insert("user".into(), user.map_or(Value::Null, Value::from));
        extra.insert("note".into(), note.into());
    }
}

/// Whether a record-book action ends every assistance of the case: a closing or a move.
pub fn ends_assistance(action: &str) -> bool {
    matches!(action, "resolve" | "explain" | "refer" | "transfer" | "return")
}

/// One assistance of a case, as exported (`{"type":"assist",…}`): who was asked, by whom
/// and when, and whether and when it ended (`ended_by` is `system` when the case closed or
/// moved). Import adds it unless the same one (case, union, time asked) is held already.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AssistRecord {
    pub case: CaseNumber,
    pub union: UnionCode,
    /// The specialist asked (a username of that union), or none: the whole union.
    #[serde(default)]
    pub user: Option<String>,
    #[serde(default)]
    pub note: String,
    pub asked_by: String,
    pub asked_at: Timestamp,
    #[serde(default)]
    pub ended_at: Option<Timestamp>,
    #[serde(default)]
    pub ended_by: Option<String>,
}

impl AssistRecord {
    pub fn check(&self) -> Result<(), FieldError> {
        if let Some(u) = &self.user {
            check_text("user", u, 64, true)?;
        }
        check_text("note", &self.note, MAX_TEXT_CHARS, false)?;
        check_text("asked_by", &self.asked_by, 64, true)?;
        if let Some(b) = &self.ended_by {
            check_text("ended_by", b, 64, true)?;
        }
        if self.ended_by.is_some() != self.ended_at.is_some() {
            return Err(FieldError::new("ended_at", "must be given with ended_by, and only with it"));
        }
        if self.ended_at.is_some_and(|e| e < self.asked_at) {
            return Err(FieldError::new("ended_at", "is before asked_at"));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn closing_and_moving_end_assistance() {
        for a in ["resolve", "explain", "refer", "transfer", "return"] {
            assert!(ends_assistance(a));
        }
        for a in ["note", "accept", "assign", "reopen", "assist", "chase"] {
            assert!(!ends_assistance(a));
        }
    }

    #[test]
    fn a_record_is_checked() {
        let mut r = AssistRecord {
            case: "JD-2026-000001".parse().unwrap(),
            union: "jd.s1".parse().unwrap(),
            user: None,
            note: "请协助核实".into(),
            asked_by: "chair".into(),
            asked_at: Timestamp::from_micros(10),
            ended_at: None,
            ended_by: None,
        };
        assert!(r.check().is_ok());
        r.ended_at = Some(Timestamp::from_micros(5));
        assert_eq!(r.check().unwrap_err().field, "ended_at");
        r.ended_by = Some("system".into());
        assert_eq!(r.check().unwrap_err().field, "ended_at");
        r.ended_at = Some(Timestamp::from_micros(20));
        assert!(r.check().is_ok());
    }
}
