//! Union codes name the nodes of the union tree: `jd` (the district), `jd.s1` (a street
//! union), `jd.s1.e7` (an enterprise union). The tree itself is given by each union's
//! parent; the dots are a convention of the codes, not a rule the tree depends on.

use std::fmt;
use std::str::FromStr;

#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct UnionCode(String);

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("union code \"{0}\" must be 1–64 characters of a–z, 0–9, '.', '-' or '_', starting with a letter")]
pub struct UnionCodeError(pub String);

impl UnionCode {
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The prefix of case numbers for a top-level union with this code: its first
    /// segment's letters and digits, upper-cased (`jd.s1` → `JD`).
    pub fn default_case_prefix(&self) -> String {
        let p: String = self
            .0
            .split(['.', '-', '_'])
            .next()
            .unwrap_or_default()
            .chars()
            .filter(|c| c.is_ascii_alphanumeric())
            .take(8)
            .collect::<String>()
            .to_ascii_uppercase();
        p
    }
}

impl FromStr for UnionCode {
    type Err = UnionCodeError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let ok = (1..=64).contains(&s.len())
            && s.bytes().next().is_some_and(|b| b.is_ascii_lowercase())
            && s.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b"._-".contains(&b))
            && !s.ends_with(['.', '-', '_'])
            && !s.contains("..");
        if ok {
            Ok(UnionCode(s.to_owned()))
        } else {
            Err(UnionCodeError(s.to_owned()))
        }
    }
}

impl fmt::Display for UnionCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl serde::Serialize for UnionCode {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.0)
    }
}

impl<'de> serde::Deserialize<'de> for UnionCode {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = <std::borrow::Cow<'de, str>>::deserialize(d)?;
        s.parse().map_err(serde::de::Error::custom)
    }
}

/// The ids on a union's path (`/1/5/23/` → 1, 5, 23), root first: the union and every
/// union above it. `None` if it is not such a path.
pub fn path_ids(path: &str) -> Option<Vec<i64>> {
    let inner = path.strip_prefix('/')?.strip_suffix('/')?;
    inner.split('/').map(|id| id.parse().ok()).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes() {
        assert!("jd.s1.e7".parse::<UnionCode>().is_ok());
        for bad in ["", "JD", "1jd", "jd.", "jd..s1", "jd s1", "工会"] {
            assert!(bad.parse::<UnionCode>().is_err(), "{bad}");
        }
        assert_eq!("jd.s1".parse::<UnionCode>().unwrap().default_case_prefix(), "JD");
    }

    #[test]
    fn paths() {
        assert_eq!(path_ids("/1/2/40/"), Some(vec![1, 2, 40]));
        assert_eq!(path_ids("/7/"), Some(vec![7]));
        for bad in ["", "/", "1/2/", "/1/x/", "/1//2/", "/1/2"] {
            assert_eq!(path_ids(bad), None, "{bad}");
        }
    }
}
