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

/// A case number as staff type it or read it out: the whole number in any letter case,
/// with its dashes, spaces in their place or neither ("jd 2026 000003", "JD2026000003"), or
/// only its tail — the sequence as printed ("000003"), with or without the year
/// ("2026-000003") — since on the phone a number is said that way.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NumberQuery {
    /// The numbers it can be (more than one where the prefix ends in digits and nothing
    /// separates it from the year).
    Whole(Vec<CaseNumber>),
    /// Any case whose sequence is `seq` (and whose year is `year`, if given), under any prefix.
    Tail { year: Option<i32>, seq: i64 },
}

/// A sequence's digits, as a number is printed with at least six: fewer are words of a
/// text search ("12 人"), not a number.
const TAIL_DIGITS: std::ops::RangeInclusive<usize> = 6..=12;

impl NumberQuery {
    /// What `text` asks for, if it reads as a case number or its tail; `None` for anything
    /// else (a text search).
    pub fn parse(text: &str) -> Option<NumberQuery> {
        let text: String = text.chars().map(crate::case::half_width).collect();
        let parts: Vec<&str> = text.split(|c: char| c == '-' || c.is_whitespace()).filter(|p| !p.is_empty()).collect();
        let digits = |p: &str| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit());
        match parts.as_slice() {
            [seq] if digits(seq) && TAIL_DIGITS.contains(&seq.len()) => {
                Some(NumberQuery::Tail { year: None, seq: seq.parse().ok().filter(|s| *s > 0)? })
            }
            [year, seq] if year.len() == 4 && digits(year) && digits(seq) && seq.len() <= 12 => {
                let seq = seq.parse().ok().filter(|s| *s > 0)?;
                Some(NumberQuery::Tail { year: Some(year.parse().ok()?), seq })
            }
            [prefix, year, seq] if year.len() == 4 && digits(year) && digits(seq) && seq.len() <= 12 => {
                let n = CaseNumber::new(&prefix.to_ascii_uppercase(), year.parse().ok()?, seq.parse().ok()?).ok()?;
                Some(NumberQuery::Whole(vec![n]))
            }
            [_, ..] => {
                // Written together: the prefix, then four digits of year and six or more of
                // sequence; a prefix ending in digits may end at more than one place.
                let all: String = parts.concat().to_ascii_uppercase();
                if !all.bytes().all(|b| b.is_ascii_alphanumeric()) {
                    return None;
                }
                let numbers: Vec<CaseNumber> = (1..all.len())
                    .filter(|k| all.len() >= k + 4 + 6 && all.len() <= k + 4 + 12)
                    .filter_map(|k| {
                        let (prefix, rest) = all.split_at(k);
                        let (year, seq) = rest.split_at_checked(4)?;
                        if !digits(year) || !digits(seq) {
                            return None;
                        }
                        CaseNumber::new(prefix, year.parse().ok()?, seq.parse().ok()?).ok()
                    })
                    .collect();
                (!numbers.is_empty()).then_some(NumberQuery::Whole(numbers))
            }
            [] => None,
        }
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

    #[test]
    fn numbers_as_staff_say_them() {
        let whole = |s: &str| NumberQuery::Whole(vec![s.parse().unwrap()]);
        for said in
            ["JD-2026-000003", "jd-2026-000003", " jd 2026 000003 ", "JD2026000003", "jd-2026-3", "Jd 2026-000003"]
        {
            assert_eq!(NumberQuery::parse(said), Some(whole("JD-2026-000003")), "{said}");
        }
        assert_eq!(NumberQuery::parse("ＪＤ－２０２６－０００００３"), Some(whole("JD-2026-000003")), "full-width");
        assert_eq!(NumberQuery::parse("000003"), Some(NumberQuery::Tail { year: None, seq: 3 }));
        assert_eq!(NumberQuery::parse("2026-000003"), Some(NumberQuery::Tail { year: Some(2026), seq: 3 }));
        assert_eq!(NumberQuery::parse("2026 3"), Some(NumberQuery::Tail { year: Some(2026), seq: 3 }));
        // A prefix ending in digits, written together: both readings.
        let Some(NumberQuery::Whole(both)) = NumberQuery::parse("a12026000001") else { panic!("not a number") };
        let both: Vec<String> = both.iter().map(ToString::to_string).collect();
        assert_eq!(both, ["A-1202-6000001", "A1-2026-000001"]);
        for words in [
            "",
            "欠薪",
            "三个月拖欠工资",
            "拖欠 三个月工资",
            "Ä1 2026000001",
            "12",
            "12345",
            "000000",
            "工资 2026",
            "JD-2026",
            "JD-2026-abc",
            "1D2026000001",
            "加班费三个月",
        ] {
            assert_eq!(NumberQuery::parse(words), None, "{words}");
        }
    }

    #[test]
    fn any_text_reads_without_panicking() {
        let pieces = ["JD", "jd", "2026", "000003", "-", " ", "个", "Ä", "1", "\u{1f600}", "a1", "9999999999999"];
        let mut texts = vec![String::new()];
        for _ in 0..4 {
            texts = texts.iter().flat_map(|t| pieces.iter().map(move |p| format!("{t}{p}"))).collect();
            for t in &texts {
                let _ = NumberQuery::parse(t);
            }
        }
    }
}
