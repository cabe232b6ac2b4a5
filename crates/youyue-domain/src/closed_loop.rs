//! The closed loop's district limits (闭环): how soon a closed case is called back (回访),
//! how many extensions (延期) a case may have, how long its clock may be paused (挂起),
//! and after how many reopenings, sendings-back and transfers it is raised to the level
//! above (提级督办). A district sets them (`closed_loop:{district}`); these are the
//! defaults.

use crate::case::FieldError;

#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields, default)]
pub struct ClosedLoop {
    /// Working days after closing within which the worker is called back (1 to 30).
    pub callback_days: u32,
    /// Extensions a case may be given (0 to 5).
    pub max_extensions: u32,
    /// Calendar days a case's clock may stay paused, all pauses together (1 to 60).
    pub max_pause_days: u32,
    /// Reopenings, sendings-back and transfers together that raise a case to the union
    /// above its own (2 to 10).
    pub escalate_after: u32,
}

impl Default for ClosedLoop {
    fn default() -> ClosedLoop {
        ClosedLoop { callback_days: 3, max_extensions: 2, max_pause_days: 15, escalate_after: 3 }
    }
}

impl ClosedLoop {
    pub fn check(&self) -> Result<(), FieldError> {
        let within = |field: &'static str, v: u32, lo: u32, hi: u32| {
            if (lo..=hi).contains(&v) {
                Ok(())
            } else {
                Err(FieldError::new(field, format!("{v}: must be {lo} to {hi}")))
            }
        };
        within("callback_days", self.callback_days, 1, 30)?;
        within("max_extensions", self.max_extensions, 0, 5)?;
        within("max_pause_days", self.max_pause_days, 1, 60)?;
        within("escalate_after", self.escalate_after, 2, 10)
    }
}

/// What a record-book entry adds to the closed-loop figures (issue 22, figure 5): its
/// kind and, for a call-back, the rating. The one mapping from action and detail to an
/// event; storage is to keep a row per event (`loop_events(case_id, union_id, at, kind,
/// value)`, the union the case was at when it happened — for a transfer, the union it
/// went to) and the figures' reference is to count these. Not yet wired to storage.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LoopEvent {
    pub kind: &'static str,
    /// A call-back's rating (1–5) when the worker was reached and rated; else none.
    pub value: Option<i64>,
}

/// The event an entry gives rise to, if any: `transfer` (a transfer received), `return`,
/// `chase`, `extend`, `approve_extension`, `refuse_extension`, `pause`, `escalate`,
/// `send_back`, `confirm`; `callback` only when its detail says `"reached": true`
/// (`{"reached":bool,"rating":int|null,"note":…}`), with the rating as its value.
pub fn loop_event(action: &str, detail: &serde_json::Value) -> Option<LoopEvent> {
    let kind = match action {
        "transfer" => "transfer",
        "return" => "return",
        "chase" => "chase",
        "extend" => "extend",
        "approve_extension" => "approve_extension",
        "refuse_extension" => "refuse_extension",
        "pause" => "pause",
        "escalate" => "escalate",
        "send_back" => "send_back",
        "confirm" => "confirm",
        "callback" => {
            if detail.get("reached").and_then(serde_json::Value::as_bool) != Some(true) {
                return None;
            }
            let rating = detail.get("rating").and_then(serde_json::Value::as_i64).filter(|r| (1..=5).contains(r));
            return Some(LoopEvent { kind: "callback", value: rating });
        }
        _ => return None,
    };
    Some(LoopEvent { kind, value: None })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_defaults_hold_and_each_limit_is_named_when_out_of_range() {
        assert_eq!(ClosedLoop::default().check(), Ok(()));
        let bad = ClosedLoop { max_extensions: 6, ..ClosedLoop::default() };
        assert_eq!(bad.check().unwrap_err().field, "max_extensions");
        let bad = ClosedLoop { callback_days: 0, ..ClosedLoop::default() };
        assert_eq!(bad.check().unwrap_err().field, "callback_days");
        let partial: ClosedLoop = serde_json::from_str(r#"{"callback_days":5}"#).unwrap();
        assert_eq!(partial, ClosedLoop { callback_days: 5, ..ClosedLoop::default() });
    }

    #[test]
    fn entries_map_to_loop_events() {
        use serde_json::json;
        assert_eq!(loop_event("transfer", &json!({"to":"jd.s1"})), Some(LoopEvent { kind: "transfer", value: None }));
        assert_eq!(loop_event("note", &json!({})), None);
        let reached = json!({"reached": true, "rating": 4, "note": "满意"});
        assert_eq!(loop_event("callback", &reached), Some(LoopEvent { kind: "callback", value: Some(4) }));
        let unrated = json!({"reached": true, "rating": null, "note": ""});
        assert_eq!(loop_event("callback", &unrated), Some(LoopEvent { kind: "callback", value: None }));
        assert_eq!(loop_event("callback", &json!({"reached": false, "rating": null, "note": "未接通"})), None);
    }
}
