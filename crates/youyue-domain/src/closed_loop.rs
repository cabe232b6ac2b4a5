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
}
