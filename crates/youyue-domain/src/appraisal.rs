//! Workers rate their union, not only each case: once a month (一月一评) and in a yearly
//! appraisal (年度测评). One vote per worker per union and round, without an account: the
//! vote is tied to a random token the worker's browser keeps, stored only as a hash.

use crate::case::{check_rating, check_text, string_enum, FieldError, MAX_TEXT_CHARS};
use crate::time::Timestamp;
use crate::union::UnionCode;
use serde::{Deserialize, Serialize};

string_enum!(
    /// Which round a vote belongs to.
    Round {
        Monthly = "monthly" / "一月一评",
        Yearly = "yearly" / "年度测评",
    }
);

impl Round {
    /// The round's key for a vote cast at `t`: `2026-11` or `2026`, China time.
    pub fn key(self, t: Timestamp) -> String {
        let d = t.to_cst();
        match self {
            Round::Monthly => d.format("%Y-%m").to_string(),
            Round::Yearly => d.format("%Y").to_string(),
        }
    }
}

/// One worker's vote on their union.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct UnionVote {
    pub union: UnionCode,
    pub round: Round,
    /// `YYYY-MM` for a monthly vote, `YYYY` for a yearly one.
    pub key: String,
    /// SHA-256 (hex) of the voter's token: one vote per token, union and round.
    pub voter: String,
    /// 1 (非常不满意) to 5 (非常满意).
    pub score: i64,
    #[serde(default)]
    pub comment: String,
    pub at: Timestamp,
}

impl UnionVote {
    pub fn check(&self) -> Result<(), FieldError> {
        // The vote's field is its score, whatever the shared check calls it.
        check_rating(self.score).map_err(|e| FieldError { field: "score", ..e })?;
        check_text("comment", &self.comment, MAX_TEXT_CHARS, false)?;
        let key_ok = match self.round {
            Round::Monthly => self.key.len() == 7 && self.key.as_bytes()[4] == b'-',
            Round::Yearly => self.key.len() == 4,
        } && self.key.bytes().all(|b| b.is_ascii_digit() || b == b'-');
        if !key_ok {
            return Err(FieldError::new("key", "must be YYYY-MM for a monthly vote, YYYY for a yearly one"));
        }
        if self.voter.len() != 64 || !self.voter.bytes().all(|b| b.is_ascii_hexdigit()) {
            return Err(FieldError::new("voter", "must be 64 hex digits"));
        }
        Ok(())
    }
}

/// Satisfaction (满意率): the share of ratings that are satisfied or very satisfied (4–5).
pub fn is_satisfied(score: i64) -> bool {
    score >= 4
}

/// Votes on a union in a round: how many, how many satisfied, the mean score.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct VoteSummary {
    pub votes: u64,
    pub satisfied: u64,
    pub mean: Option<f64>,
}

impl VoteSummary {
    pub fn of(scores: &[i64]) -> VoteSummary {
        let satisfied = scores.iter().filter(|s| is_satisfied(**s)).count();
        VoteSummary::from_sums(scores.len() as i64, satisfied as i64, scores.iter().sum())
    }

    /// From the number of scores, how many were satisfied and their sum (the mean to two places).
    pub fn from_sums(votes: i64, satisfied: i64, sum: i64) -> VoteSummary {
        let mean = (votes > 0).then(|| ((sum as f64 / votes as f64) * 100.0).round() / 100.0);
        VoteSummary { votes: u64::try_from(votes).unwrap_or(0), satisfied: u64::try_from(satisfied).unwrap_or(0), mean }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rounds_and_summaries() {
        let t = Timestamp::parse_rfc3339("2026-11-30T17:00:00Z").unwrap();
        assert_eq!(Round::Monthly.key(t), "2026-12", "China time decides the month");
        assert_eq!(Round::Yearly.key(t), "2026");
        let s = VoteSummary::of(&[5, 4, 3, 1]);
        assert_eq!((s.votes, s.satisfied, s.mean), (4, 2, Some(3.25)));
        assert_eq!(VoteSummary::of(&[]).mean, None);
    }
}
