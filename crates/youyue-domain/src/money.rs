//! Money is kept as integer fen (分, 1/100 yuan). Floats never touch it.

use std::fmt;
use std::str::FromStr;

/// An amount of money in fen, of one case. Never negative: the system only records money
/// recovered. What is entered is at most [`Money::MAX_FEN`] (the parser checks it); what is
/// stored may be more (entered under an older, higher cap, or edited in the database) and
/// still reads back, for the figures count any amount at most at the cap (`CaseFacts`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Money(i64);

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MoneyError {
    #[error("amount is empty")]
    Empty,
    #[error("amount \"{0}\" is not a decimal number of yuan like \"30000.00\"")]
    Malformed(String),
    #[error("amount \"{0}\" has more than two decimals (fen is the smallest unit)")]
    TooPrecise(String),
    #[error("amount \"{0}\" is more than the largest amount of one case, {MAX_YUAN} yuan")]
    TooLarge(String),
}

/// The entry cap, in yuan as the messages and the API document write it.
pub const MAX_YUAN: &str = "100000000.00";

impl Money {
    pub const ZERO: Money = Money(0);
    /// The largest amount one case may record: 100 million yuan, the wage arrears of a
    /// whole large factory, more than any district's single case. With it a sum in i64
    /// holds 922 million maximal cases (`MoneySum` for figures holds any number).
    pub const MAX_FEN: i64 = 10_000_000_000;

    /// An amount as entered: at most [`Money::MAX_FEN`]. Every entry path (API, pages,
    /// import) parses a string ([`FromStr`]), which checks this.
    pub fn entered(fen: i64) -> Option<Money> {
        (0..=Self::MAX_FEN).contains(&fen).then_some(Money(fen))
    }

    /// An amount as stored: any non-negative fen. Not an entry path: a stored amount above
    /// the cap (an older, higher cap, or an edited row) must still read, not break the case.
    pub fn from_fen(fen: i64) -> Option<Money> {
        (fen >= 0).then_some(Money(fen))
    }

    pub fn fen(self) -> i64 {
        self.0
    }

    /// The amount as the figures count it: at most the cap, whatever was stored.
    pub fn counted_fen(self) -> i64 {
        self.0.min(Self::MAX_FEN)
    }
}

impl FromStr for Money {
    type Err = MoneyError;

    /// Parses yuan written as digits with an optional point and at most two decimals:
    /// `30000`, `30000.5`, `30000.00`. No sign, no exponent, no thousands separators.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        if s.is_empty() {
            return Err(MoneyError::Empty);
        }
        let malformed = || MoneyError::Malformed(s.to_owned());
        let (whole, frac) = match s.split_once('.') {
            Some((w, f)) => (w, f),
            None => (s, ""),
        };
        if whole.is_empty() || !whole.bytes().all(|b| b.is_ascii_digit()) {
            return Err(malformed());
        }
        if s.contains('.') && frac.is_empty() {
            return Err(malformed());
        }
        if !frac.bytes().all(|b| b.is_ascii_digit()) {
            return Err(malformed());
        }
        if frac.len() > 2 {
            return Err(MoneyError::TooPrecise(s.to_owned()));
        }
        let too_large = || MoneyError::TooLarge(s.to_owned());
        let yuan: i64 = whole.parse().map_err(|_| too_large())?;
        let mut fen_part: i64 = 0;
        for (i, b) in frac.bytes().enumerate() {
            let digit = i64::from(b - b'0');
            fen_part += if i == 0 { digit * 10 } else { digit };
        }
        let fen = yuan.checked_mul(100).and_then(|f| f.checked_add(fen_part)).ok_or_else(too_large)?;
        Money::entered(fen).ok_or_else(too_large)
    }
}

impl fmt::Display for Money {
    /// Yuan with exactly two decimals, as the export contract writes it: `30000.00`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{:02}", self.0 / 100, self.0 % 100)
    }
}

/// A sum of amounts in fen, for the figures: i128, so that no number of cases a store can
/// hold overflows it (each adds at most i64::MAX; 2^64 of them still fit). Written and
/// read as yuan with two decimals, like [`Money`], but without the one-case cap.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct MoneySum(i128);

impl MoneySum {
    pub const ZERO: MoneySum = MoneySum(0);

    pub fn from_fen(fen: i64) -> MoneySum {
        MoneySum(i128::from(fen))
    }

    pub fn fen(self) -> i128 {
        self.0
    }

    /// Adds one case's amount as the figures count it ([`Money::counted_fen`]).
    pub fn plus(self, m: Money) -> MoneySum {
        MoneySum(self.0.saturating_add(i128::from(m.counted_fen())))
    }

    /// Yuan as a float, for a spreadsheet's number cell (exact to the fen below 2^53 fen,
    /// 90 trillion yuan).
    pub fn yuan_f64(self) -> f64 {
        self.0 as f64 / 100.0
    }
}

impl fmt::Display for MoneySum {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let sign = if self.0 < 0 { "-" } else { "" };
        let abs = self.0.unsigned_abs();
        write!(f, "{sign}{}.{:02}", abs / 100, abs % 100)
    }
}

impl serde::Serialize for MoneySum {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl FromStr for MoneySum {
    type Err = MoneyError;

    /// Yuan with two decimals as [`Display`](fmt::Display) writes them, of any size i128 holds.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let malformed = || MoneyError::Malformed(s.to_owned());
        let (whole, frac) = s.split_once('.').ok_or_else(malformed)?;
        let digits = |x: &str| !x.is_empty() && x.bytes().all(|b| b.is_ascii_digit());
        if !digits(whole) || frac.len() != 2 || !digits(frac) {
            return Err(malformed());
        }
        // Beyond i128 is no sum this service writes: malformed, not one case's "too large".
        let yuan: i128 = whole.parse().map_err(|_| malformed())?;
        let fen: i128 = frac.parse().map_err(|_| malformed())?;
        yuan.checked_mul(100).and_then(|y| y.checked_add(fen)).map(MoneySum).ok_or_else(malformed)
    }
}

impl<'de> serde::Deserialize<'de> for MoneySum {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        s.parse().map_err(serde::de::Error::custom)
    }
}

impl serde::Serialize for Money {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> serde::Deserialize<'de> for Money {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl serde::de::Visitor<'_> for V {
            type Value = Money;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a decimal string of yuan with at most two decimals, like \"30000.00\"")
            }
            fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<Money, E> {
                v.parse().map_err(E::custom)
            }
        }
        d.deserialize_str(V)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_yuan_to_fen() {
        assert_eq!("30000".parse::<Money>().unwrap().fen(), 3_000_000);
        assert_eq!("30000.5".parse::<Money>().unwrap().fen(), 3_000_050);
        assert_eq!("30000.05".parse::<Money>().unwrap().fen(), 3_000_005);
        assert_eq!("0.01".parse::<Money>().unwrap().fen(), 1);
        assert_eq!("0".parse::<Money>().unwrap().fen(), 0);
    }

    #[test]
    fn rejects_what_is_not_plain_yuan() {
        for bad in ["", "-1", "+1", "1e3", "1,000", "1.", ".5", "1.234", "abc", " 1", "1.2.3", "１"] {
            assert!(bad.parse::<Money>().is_err(), "{bad:?} should be rejected");
        }
        assert!(matches!("1.234".parse::<Money>(), Err(MoneyError::TooPrecise(_))));
        assert!(matches!("99999999999999999999".parse::<Money>(), Err(MoneyError::TooLarge(_))));
    }

    /// The cap is one case's largest amount: the cap itself parses, a fen more does not, on
    /// every path that parses (strings and JSON alike).
    #[test]
    fn caps_one_case_at_a_hundred_million_yuan() {
        assert_eq!(MAX_YUAN.parse::<Money>().unwrap().fen(), Money::MAX_FEN);
        assert_eq!("100000000".parse::<Money>().unwrap().fen(), 10_000_000_000);
        for over in ["100000000.01", "100000001", "1000000000000.00", "9223372036854775807"] {
            let err = over.parse::<Money>().unwrap_err();
            assert!(matches!(err, MoneyError::TooLarge(_)), "{over}: {err:?}");
            assert!(err.to_string().contains(MAX_YUAN), "{err}");
            assert!(serde_json::from_str::<Money>(&format!("\"{over}\"")).is_err(), "{over}");
        }
        assert_eq!(serde_json::from_str::<Money>("\"100000000.00\"").unwrap().fen(), Money::MAX_FEN);
        // Entered amounts are capped; stored ones read whatever they are (but never negative).
        assert_eq!(Money::entered(Money::MAX_FEN + 1), None);
        assert_eq!(Money::from_fen(i64::MAX).map(Money::fen), Some(i64::MAX));
        assert_eq!(Money::from_fen(-1), None);
        assert_eq!(Money::from_fen(i64::MAX / 2).unwrap().counted_fen(), Money::MAX_FEN);
        assert_eq!(Money::from_fen(5).unwrap().counted_fen(), 5);
    }

    /// A sum of any number of cases fits: i128 adds even i64::MAX amounts without
    /// overflow, and a sum far above one case's cap is written and read back exactly.
    #[test]
    fn sums_do_not_overflow() {
        let cap = Money::entered(Money::MAX_FEN).unwrap();
        let mut s = MoneySum::ZERO;
        for _ in 0..1000 {
            s = s.plus(cap);
        }
        assert_eq!(s.fen(), 1000 * i128::from(Money::MAX_FEN));
        assert_eq!(s.to_string(), "100000000000.00");
        // What i64 cannot hold: 2 × i64::MAX as if every case were at i64::MAX.
        let big = MoneySum::from_fen(i64::MAX);
        let twice = MoneySum(big.fen() * 2);
        assert_eq!(twice.to_string(), "184467440737095516.14");
        assert_eq!(twice.to_string().parse::<MoneySum>().unwrap(), twice);
        assert_eq!(serde_json::to_string(&twice).unwrap(), "\"184467440737095516.14\"");
        assert_eq!(serde_json::from_str::<MoneySum>("\"184467440737095516.14\"").unwrap(), twice);
        // A stored amount above the cap adds as the cap.
        assert_eq!(MoneySum::ZERO.plus(Money::from_fen(i64::MAX).unwrap()).fen(), i128::from(Money::MAX_FEN));
        assert_eq!(MoneySum::from_fen(5).to_string(), "0.05");
        for bad in ["1", "1.5", "-1.00", "", "1.000", "x.00"] {
            assert!(bad.parse::<MoneySum>().is_err(), "{bad}");
        }
    }

    #[test]
    fn displays_two_decimals() {
        assert_eq!(Money::from_fen(3_000_000).unwrap().to_string(), "30000.00");
        assert_eq!(Money::from_fen(5).unwrap().to_string(), "0.05");
        assert_eq!(Money::from_fen(689_000_012).unwrap().to_string(), "6890000.12");
    }
}
