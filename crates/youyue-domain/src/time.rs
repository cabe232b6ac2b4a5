//! Times are stored as UTC microseconds and shown, bucketed and cut into periods in China
//! Standard Time (UTC+8, no daylight saving).

use chrono::{DateTime, Datelike, FixedOffset, NaiveDate, SecondsFormat, TimeZone, Timelike, Utc};
use std::fmt;

/// China Standard Time, UTC+8.
// The match runs at compile time, so a panic here would stop the build, never a server.
#[allow(clippy::panic)]
pub const CST: FixedOffset = match FixedOffset::east_opt(8 * 3600) {
    Some(o) => o,
    None => panic!("UTC+8 is a valid offset"),
};

pub fn cst() -> FixedOffset {
    CST
}

/// An instant, as microseconds since 1970-01-01T00:00:00Z.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Timestamp(i64);

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TimeError {
    #[error("time \"{0}\" is not an RFC 3339 time with an offset, like 2022-02-10T09:00:00+08:00")]
    Malformed(String),
    #[error("time \"{0}\" is finer than a microsecond")]
    TooPrecise(String),
    #[error("time \"{0}\" is out of range (years 1000–9999)")]
    OutOfRange(String),
    #[error("date \"{0}\" is not a date like 2026-03-02")]
    BadDate(String),
    #[error("the period starts ({from}) after it ends ({to})")]
    EmptyPeriod { from: NaiveDate, to: NaiveDate },
}

impl Timestamp {
    pub fn from_micros(us: i64) -> Timestamp {
        Timestamp(us)
    }
    pub fn micros(self) -> i64 {
        self.0
    }
    pub fn now() -> Timestamp {
        Timestamp(Utc::now().timestamp_micros())
    }

    /// Parses RFC 3339 with any offset (`Z` included). Sub-microsecond digits that are
    /// not zero are refused rather than silently cut.
    pub fn parse_rfc3339(s: &str) -> Result<Timestamp, TimeError> {
        let t = DateTime::parse_from_rfc3339(s).map_err(|_| TimeError::Malformed(s.to_owned()))?;
        if t.nanosecond() % 1000 != 0 {
            return Err(TimeError::TooPrecise(s.to_owned()));
        }
        // The year is checked as export will write it: in China time, and after a leap
        // second has become the next second (9999-12-31T15:59:60Z is already year 10000).
        let ts = Timestamp(t.timestamp_micros());
        if !(1000..=9999).contains(&ts.to_cst().year()) {
            return Err(TimeError::OutOfRange(s.to_owned()));
        }
        Ok(ts)
    }

    pub fn to_utc(self) -> DateTime<Utc> {
        DateTime::from_timestamp_micros(self.0).unwrap_or_default()
    }

    pub fn to_cst(self) -> DateTime<FixedOffset> {
        self.to_utc().with_timezone(&cst())
    }

    /// The calendar day in China on which this instant falls.
    pub fn cst_date(self) -> NaiveDate {
        self.to_cst().date_naive()
    }

    /// RFC 3339 in China time, with fractional seconds only when there are some.
    pub fn to_rfc3339_cst(self) -> String {
        self.to_cst().to_rfc3339_opts(SecondsFormat::AutoSi, false)
    }

    /// The first instant of a China calendar day.
    pub fn start_of_cst_day(d: NaiveDate) -> Timestamp {
        let local = d.and_hms_opt(0, 0, 0).unwrap_or_default();
        let t = cst().from_local_datetime(&local).single().map(|t| t.timestamp_micros());
        // A fixed offset maps every local time to exactly one instant.
        Timestamp(t.unwrap_or_else(|| local.and_utc().timestamp_micros() - 8 * 3_600_000_000))
    }
}

impl fmt::Display for Timestamp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_rfc3339_cst())
    }
}

impl serde::Serialize for Timestamp {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.to_rfc3339_cst())
    }
}

impl<'de> serde::Deserialize<'de> for Timestamp {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = <std::borrow::Cow<'de, str>>::deserialize(d)?;
        Timestamp::parse_rfc3339(&s).map_err(serde::de::Error::custom)
    }
}

pub fn parse_date(s: &str) -> Result<NaiveDate, TimeError> {
    let ok_shape = s.len() == 10 && s.as_bytes()[4] == b'-' && s.as_bytes()[7] == b'-';
    if !ok_shape {
        return Err(TimeError::BadDate(s.to_owned()));
    }
    let d = NaiveDate::parse_from_str(s, "%Y-%m-%d").map_err(|_| TimeError::BadDate(s.to_owned()))?;
    if !(1000..=9999).contains(&d.year()) {
        return Err(TimeError::BadDate(s.to_owned()));
    }
    Ok(d)
}

/// A period of whole China calendar days, both ends included.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Period {
    from: NaiveDate,
    to: NaiveDate,
}

impl Period {
    pub fn new(from: NaiveDate, to: NaiveDate) -> Result<Period, TimeError> {
        if from > to {
            return Err(TimeError::EmptyPeriod { from, to });
        }
        Ok(Period { from, to })
    }
    pub fn from(&self) -> NaiveDate {
        self.from
    }
    pub fn to(&self) -> NaiveDate {
        self.to
    }
    /// The instants of the period as a half-open range: from 00:00 China time on the first
    /// day to 00:00 China time on the day after the last.
    pub fn instants(&self) -> (Timestamp, Timestamp) {
        let end_day = self.to.succ_opt().unwrap_or(self.to);
        (Timestamp::start_of_cst_day(self.from), Timestamp::start_of_cst_day(end_day))
    }
    /// The calendar month, quarter or year around `day`.
    pub fn month_of(day: NaiveDate) -> Period {
        let first = day.with_day(1).unwrap_or(day);
        let next = first.checked_add_months(chrono::Months::new(1)).unwrap_or(first);
        Period { from: first, to: next.pred_opt().unwrap_or(first) }
    }
    pub fn quarter_of(day: NaiveDate) -> Period {
        let q0 = (day.month0() / 3) * 3;
        let first = NaiveDate::from_ymd_opt(day.year(), q0 + 1, 1).unwrap_or(day);
        let next = first.checked_add_months(chrono::Months::new(3)).unwrap_or(first);
        Period { from: first, to: next.pred_opt().unwrap_or(first) }
    }
    pub fn year_of(day: NaiveDate) -> Period {
        let first = NaiveDate::from_ymd_opt(day.year(), 1, 1).unwrap_or(day);
        let last = NaiveDate::from_ymd_opt(day.year(), 12, 31).unwrap_or(day);
        Period { from: first, to: last }
    }
    /// The months the period touches, as `YYYY-MM`, in order.
    pub fn months(&self) -> Vec<String> {
        let mut out = Vec::new();
        let mut m = self.from.with_day(1).unwrap_or(self.from);
        while m <= self.to && out.len() < 1200 {
            out.push(m.format("%Y-%m").to_string());
            m = match m.checked_add_months(chrono::Months::new(1)) {
                Some(n) => n,
                None => break,
            };
        }
        out
    }

    pub fn contains(&self, t: Timestamp) -> bool {
        let (a, b) = self.instants();
        a <= t && t < b
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_any_offset_and_shows_china_time() {
        let a = Timestamp::parse_rfc3339("2022-02-10T09:00:00+08:00").unwrap();
        let b = Timestamp::parse_rfc3339("2022-02-10T01:00:00Z").unwrap();
        assert_eq!(a, b);
        assert_eq!(a.to_rfc3339_cst(), "2022-02-10T09:00:00+08:00");
        let c = Timestamp::parse_rfc3339("2022-02-10T01:00:00.123456Z").unwrap();
        assert_eq!(c.to_rfc3339_cst(), "2022-02-10T09:00:00.123456+08:00");
        assert!(Timestamp::parse_rfc3339("2022-02-10T01:00:00.1234567Z").is_err());
        assert!(Timestamp::parse_rfc3339("2022-02-10 09:00").is_err());
        assert!(Timestamp::parse_rfc3339("2022-02-10T09:00:00").is_err());
    }

    #[test]
    fn period_edges_are_midnight_china_time() {
        let p = Period::new(parse_date("2022-01-01").unwrap(), parse_date("2022-01-31").unwrap()).unwrap();
        let inside_first = Timestamp::parse_rfc3339("2021-12-31T16:00:00Z").unwrap();
        let before = Timestamp::parse_rfc3339("2021-12-31T15:59:59.999999Z").unwrap();
        let last = Timestamp::parse_rfc3339("2022-01-31T23:59:59.999999+08:00").unwrap();
        let after = Timestamp::parse_rfc3339("2022-01-31T16:00:00Z").unwrap();
        assert!(p.contains(inside_first));
        assert!(!p.contains(before));
        assert!(p.contains(last));
        assert!(!p.contains(after));
        assert!(Period::new(parse_date("2022-02-01").unwrap(), parse_date("2022-01-01").unwrap()).is_err());
    }

    #[test]
    fn presets() {
        let d = parse_date("2026-11-29").unwrap();
        let m = Period::month_of(d);
        assert_eq!((m.from().to_string(), m.to().to_string()), ("2026-11-01".into(), "2026-11-30".into()));
        let q = Period::quarter_of(d);
        assert_eq!((q.from().to_string(), q.to().to_string()), ("2026-10-01".into(), "2026-12-31".into()));
        let y = Period::year_of(parse_date("2024-02-29").unwrap());
        assert_eq!((y.from().to_string(), y.to().to_string()), ("2024-01-01".into(), "2024-12-31".into()));
        let feb = Period::month_of(parse_date("2024-02-10").unwrap());
        assert_eq!(feb.to().to_string(), "2024-02-29");
        assert_eq!(Period::new(parse_date("2025-11-15").unwrap(), d).unwrap().months().len(), 13);
    }

    #[test]
    fn dates() {
        assert!(parse_date("2022-02-30").is_err());
        assert!(parse_date("2022-2-3").is_err());
        assert!(parse_date("2022-02-03").is_ok());
    }
}
