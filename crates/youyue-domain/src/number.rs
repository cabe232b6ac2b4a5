//! Case numbers: `JD-2026-000123` — the top-level union's prefix, the year the case was
//! opened (China time) and a sequence unique within that prefix and year.

use std::fmt;
use std::str::FromStr;

#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct CaseNumber {
    prefix: String,
    year: i32,
    seq: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("case number \"{0}\" is not of the form PREFIX-YYYY-NNNNNN, like JD-2026-000123")]
pub struct CaseNumberError(pub String);

impl CaseNumber {
    pub fn new(prefix: &str, year: i32, seq: i64) -> Result<CaseNumber, CaseNumberError> {
        let n = CaseNumber { prefix: prefix.to_owned(), year, seq };
        if valid_prefix(prefix) && (1000..=9999).contains(&year) && seq >= 1 {
            Ok(n)
        } else {
            Err(CaseNumberError(n.to_string()))
        }
    }
    pub fn prefix(&self) -> &str {
        &self.prefix
    }
    pub fn year(&self) -> i32 {
        self.year
    }
    pub fn seq(&self) -> i64 {
        self.seq
    }
}

/// A prefix is 1–8 upper-case ASCII letters or digits, starting with a letter.
pub fn valid_prefix(p: &str) -> bool {
    (1..=8).contains(&p.len())
        && p.bytes().next().is_some_and(|b| b.is_ascii_uppercase())
        && p.bytes().all(|b| b.is_ascii_uppercase() || b.is_ascii_digit())
}

impl FromStr for CaseNumber {
    type Err = CaseNumberError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let err = || CaseNumberError(s.to_owned());
        let mut parts = s.split('-');
        let (Some(prefix), Some(year), Some(seq), None) = (parts.next(), parts.next(), parts.next(), parts.next())
        else {
            return Err(err());
        };
        if year.len() != 4 || seq.len() < 6 || seq.len() > 12 {
            return Err(err());
        }
        if !year.bytes().all(|b| b.is_ascii_digit()) || !seq.bytes().all(|b| b.is_ascii_digit()) {
            return Err(err());
        }
        let year: i32 = year.parse().map_err(|_| err())?;
        let seq: i64 = seq.parse().map_err(|_| err())?;
        let n = CaseNumber::new(prefix, year, seq).map_err(|_| err())?;
        // Only the canonical spelling is a case number: `JD-2026-0000123` is not `…-000123`.
        if n.to_string() != s {
            return Err(err());
        }
        Ok(n)
    }
}

impl fmt::Display for CaseNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}-{}-{:06}", self.prefix, self.year, self.seq)
    }
}

impl serde::Serialize for CaseNumber {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> serde::Deserialize<'de> for CaseNumber {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = <std::borrow::Cow<'de, str>>::deserialize(d)?;
        s.parse().map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips() {
        for s in ["JD-2026-000123", "JD-2022-000001", "A1-1999-1234567"] {
            assert_eq!(s.parse::<CaseNumber>().unwrap().to_string(), s);
        }
    }

    #[test]
    fn rejects_others() {
        for s in [
            "",
            "JD-2026-123",
            "jd-2026-000123",
            "JD-26-000123",
            "JD-2026-000000",
            "JD-2026-0000123",
            "JD-2026-000123-1",
            "1D-2026-000001",
        ] {
            assert!(s.parse::<CaseNumber>().is_err(), "{s}");
        }
    }
}
