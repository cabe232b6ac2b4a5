//! What a case is: its kind, where it came from, its state, and the checks on what a
//! worker or a member of staff writes into it.

use crate::money::Money;

/// Declares a closed set of names that travel as lower-case strings (JSON, SQL, CLI).
macro_rules! string_enum {
    ($(#[$m:meta])* $name:ident { $($variant:ident = $text:literal / $zh:literal),+ $(,)? }) => {
        $(#[$m])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize)]
        #[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
        #[serde(rename_all = "snake_case")]
        pub enum $name { $($variant),+ }

        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$variant),+];
            pub fn as_str(self) -> &'static str {
                match self { $($name::$variant => $text),+ }
            }
            /// The word the Chinese pages use.
            pub fn label_zh(self) -> &'static str {
                match self { $($name::$variant => $zh),+ }
            }
            pub fn parse(s: &str) -> Option<$name> {
                match s { $($text => Some($name::$variant),)+ _ => None }
            }
            /// The accepted spellings, for error messages.
            pub fn choices() -> String {
                [$($text),+].join(" | ")
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }
    };
}
pub(crate) use string_enum;

string_enum!(
    /// 约什么: the four kinds of appointment.
    Kind {
        Claim = "claim" / "说诉求",
        Dispute = "dispute" / "解纠纷",
        Wellbeing = "wellbeing" / "谈心理",
        Suggestion = "suggestion" / "提建议",
    }
);

string_enum!(
    /// 从哪里来: the four channels, and online submission.
    Channel {
        Hotline = "hotline" / "热线",
        Mailbox = "mailbox" / "信箱",
        Reception = "reception" / "接待日",
        Forum = "forum" / "论坛",
        Online = "online" / "线上",
    }
);

string_enum!(
    /// Where a case stands in the workflow (see `workflow`).
    Status {
        Registered = "registered" / "已登记",
        Accepted = "accepted" / "已受理",
        InProgress = "in_progress" / "办理中",
        // 办结 is closing, either way (resolved or explained): one word, one meaning.
        Resolved = "resolved" / "已解决",
        Explained = "explained" / "已解释",
        // Merge (issue 22): joined another case (`merged_into`); closed-like, counted only
        // through the case it joined.
        Merged = "merged" / "已并单",
    }
);

string_enum!(
    Urgency {
        Normal = "normal" / "一般",
        Urgent = "urgent" / "紧急",
    }
);

impl Status {
    /// Resolved and explained cases are closed: the worker has had the union's answer.
    pub fn is_closed(self) -> bool {
        matches!(self, Status::Resolved | Status::Explained)
    }
    /// Registered, accepted or in progress: still to be answered. A merged case is neither
    /// open nor closed: its matter is answered through the case it joined.
    pub fn is_open(self) -> bool {
        matches!(self, Status::Registered | Status::Accepted | Status::InProgress)
    }
    /// The statuses the figures count a case in (a merged case counts in none).
    pub const COUNTED: [Status; 5] =
        [Status::Registered, Status::Accepted, Status::InProgress, Status::Resolved, Status::Explained];
}

pub const MAX_TITLE_CHARS: usize = 200;
pub const MAX_TEXT_CHARS: usize = 20_000;
pub const MAX_SHORT_CHARS: usize = 200;
pub const MAX_PEOPLE: u32 = 1_000_000;

/// A problem with one field of what was written, named so that the API, the pages and the
/// import can point at it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{field}: {message}")]
pub struct FieldError {
    pub field: &'static str,
    pub message: String,
}

impl FieldError {
    pub fn new(field: &'static str, message: impl Into<String>) -> FieldError {
        FieldError { field, message: message.into() }
    }
}

/// Text as stored and searched: Unicode NFC, so that the same name typed on two phones
/// (a precomposed or a combining accent, say) is one name, and a search finds it.
pub fn nfc(text: &str) -> String {
    use unicode_normalization::UnicodeNormalization;
    text.nfc().collect()
}

/// Checks free text: `required` refuses blank text; nothing is ever cut to fit.
pub fn check_text(field: &'static str, text: &str, max_chars: usize, required: bool) -> Result<(), FieldError> {
    if required && text.trim().is_empty() {
        return Err(FieldError::new(field, "must not be empty"));
    }
    let n = text.chars().count();
    if n > max_chars {
        return Err(FieldError::new(field, format!("is {n} characters long; at most {max_chars} are allowed")));
    }
    match text_fault(text, Lines::Many) {
        Some(fault) => Err(FieldError::new(field, fault)),
        None => Ok(()),
    }
}

/// A full-width letter, digit or sign (Ｊ, ２, －, as a Chinese input method types them) as
/// its ASCII self; any other character as it is. For what is read as ASCII: case numbers
/// and tracking codes.
pub fn half_width(c: char) -> char {
    match c {
        '\u{ff01}'..='\u{ff5e}' => char::from_u32(u32::from(c) - 0xfee0).unwrap_or(c),
        '\u{3000}' => ' ',
        _ => c,
    }
}

/// Whether a text may hold line breaks and tabs (a description) or not (a name, a search).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lines {
    One,
    Many,
}

/// The rule every text from outside keeps, whatever its field: no NUL (PostgreSQL cannot
/// store one, SQLite would cut C strings at it) and no other control character, except tabs
/// and line breaks in a text of `Lines::Many`. What is wrong, or `None`.
pub fn text_fault(text: &str, lines: Lines) -> Option<&'static str> {
    let allowed = |c: char| lines == Lines::Many && matches!(c, '\n' | '\r' | '\t');
    if text.contains('\0') {
        Some("contains a NUL character")
    } else if text.chars().any(|c| c.is_control() && !allowed(c)) {
        Some("contains control characters")
    } else {
        None
    }
}

/// How many workers a case concerns. An individual case concerns at least one; a
/// collective case (集体) at least two.
pub fn check_people(collective: bool, people: i64) -> Result<(), FieldError> {
    if people < 1 || people > i64::from(MAX_PEOPLE) {
        return Err(FieldError::new("people", format!("must be between 1 and {MAX_PEOPLE}")));
    }
    if collective && people < 2 {
        return Err(FieldError::new("people", "a collective case concerns at least 2 people"));
    }
    Ok(())
}

/// The outcome recorded when a case is resolved, checked against its kind.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Outcome {
    /// Whether a mediation agreement (调解协议) was reached: disputes only.
    pub agreement: Option<bool>,
    /// Money recovered for the worker(s), any kind.
    pub amount_recovered: Option<Money>,
    /// Whether the enterprise adopted the suggestion: suggestions only.
    pub adopted: Option<bool>,
}

impl Outcome {
    /// Fields that contradict the kind are refused everywhere (import included).
    pub fn check_consistent(&self, kind: Kind) -> Result<(), FieldError> {
        if self.agreement.is_some() && kind != Kind::Dispute {
            return Err(FieldError::new("agreement", "only a dispute has a mediation agreement"));
        }
        if self.adopted.is_some() && kind != Kind::Suggestion {
            return Err(FieldError::new("adopted", "only a suggestion is adopted or not"));
        }
        Ok(())
    }

    /// Resolving a case through the workflow must say what its kind needs said.
    pub fn check_complete(&self, kind: Kind) -> Result<(), FieldError> {
        self.check_consistent(kind)?;
        match kind {
            Kind::Dispute if self.agreement.is_none() => {
                Err(FieldError::new("agreement", "say whether a mediation agreement was reached"))
            }
            Kind::Suggestion if self.adopted.is_none() => {
                Err(FieldError::new("adopted", "say whether the enterprise adopted the suggestion"))
            }
            _ => Ok(()),
        }
    }
}

/// A worker's rating of how the case was handled: the five levels of the hotline standard.
pub fn check_rating(rating: i64) -> Result<u8, FieldError> {
    match rating {
        1..=5 => Ok(rating as u8),
        _ => Err(FieldError::new("rating", "must be 1 (非常不满意) to 5 (非常满意)")),
    }
}

pub fn rating_label_zh(rating: u8) -> &'static str {
    match rating {
        5 => "非常满意",
        4 => "满意",
        3 => "基本满意",
        2 => "不满意",
        _ => "非常不满意",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn enums_round_trip() {
        for k in Kind::ALL {
            assert_eq!(Kind::parse(k.as_str()), Some(*k));
        }
        assert_eq!(Status::parse("in_progress"), Some(Status::InProgress));
        assert_eq!(serde_json::to_string(&Status::InProgress).unwrap(), "\"in_progress\"");
        assert_eq!(Kind::parse("Dispute"), None);
    }

    #[test]
    fn outcome_follows_kind() {
        let o = Outcome { agreement: Some(true), ..Default::default() };
        assert!(o.check_complete(Kind::Dispute).is_ok());
        assert_eq!(o.check_consistent(Kind::Claim).unwrap_err().field, "agreement");
        assert_eq!(Outcome::default().check_complete(Kind::Suggestion).unwrap_err().field, "adopted");
        assert!(Outcome::default().check_complete(Kind::Claim).is_ok());
    }

    #[test]
    fn people_and_text() {
        assert!(check_people(false, 1).is_ok());
        assert!(check_people(true, 1).is_err());
        assert!(check_people(false, 0).is_err());
        assert!(check_text("title", "  ", 10, true).is_err());
        assert!(check_text("title", "工资", 2, true).is_ok());
        assert!(check_text("title", "工资拖欠", 2, true).is_err());
        assert_eq!(check_text("title", "a\0b", 10, true).unwrap_err().message, "contains a NUL character");
        assert!(check_text("description", "a\nb\tc", 10, true).is_ok());
        assert_eq!(text_fault("a\nb", Lines::One), Some("contains control characters"));
        assert_eq!(text_fault("a\u{1b}b", Lines::Many), Some("contains control characters"));
        assert_eq!(text_fault("工资 拖欠", Lines::One), None);
    }
}

#[cfg(test)]
mod nfc_tests {
    #[test]
    fn composed_and_decomposed_are_one_text() {
        // "é" as one code point and as "e" + combining acute; Chinese is unchanged.
        assert_eq!(super::nfc("Jos\u{65}\u{301} 刘师傅"), "Jos\u{e9} 刘师傅");
        assert_eq!(super::nfc("Jos\u{e9}"), "Jos\u{e9}");
    }
}
