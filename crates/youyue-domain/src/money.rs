//! Money is kept as integer fen (分, 1/100 yuan). Floats never touch it.

use std::fmt;
use std::str::FromStr;

/// An amount of money in fen. Never negative: the system only records money recovered.
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
    #[error("amount \"{0}\" is too large")]
    TooLarge(String),
}

impl Money {
    pub const ZERO: Money = Money(0);
    /// The largest amount accepted: one trillion yuan keeps every sum of a province's
    /// cases far inside i64.
    pub const MAX_FEN: i64 = 100_000_000_000_000;

    pub fn from_fen(fen: i64) -> Option<Money> {
        (0..=Self::MAX_FEN).contains(&fen).then_some(Money(fen))
    }

    pub fn fen(self) -> i64 {
        self.0
    }

    pub fn checked_add(self, other: Money) -> Option<Money> {
        self.0.checked_add(other.0).map(Money)
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
        Money::from_fen(fen).ok_or_else(too_large)
    }
}

impl fmt::Display for Money {
    /// Yuan with exactly two decimals, as the export contract writes it: `30000.00`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{:02}", self.0 / 100, self.0 % 100)
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

    #[test]
    fn displays_two_decimals() {
        assert_eq!(Money::from_fen(3_000_000).unwrap().to_string(), "30000.00");
        assert_eq!(Money::from_fen(5).unwrap().to_string(), "0.05");
        assert_eq!(Money::from_fen(689_000_012).unwrap().to_string(), "6890000.12");
    }
}
