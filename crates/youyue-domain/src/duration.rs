//! Durations as the figures count them: hours to accept and to close a case, in the
//! buckets both the reference definitions (`timeliness`) and the running tallies (`tally`)
//! put them in, so that the two agree to the bucket.

/// Which duration a histogram counts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Hours {
    /// Raised to accepted, in tenths of an hour.
    ToAccept,
    /// Raised to closed, in whole hours.
    ToClose,
}

impl Hours {
    pub const ALL: [Hours; 2] = [Hours::ToAccept, Hours::ToClose];

    pub fn as_str(self) -> &'static str {
        match self {
            Hours::ToAccept => "accept",
            Hours::ToClose => "close",
        }
    }

    pub fn parse(s: &str) -> Option<Hours> {
        Hours::ALL.into_iter().find(|h| h.as_str() == s)
    }

    /// Microseconds in one bucket.
    pub fn unit_micros(self) -> i64 {
        match self {
            Hours::ToAccept => 360_000_000,
            Hours::ToClose => 3_600_000_000,
        }
    }

    /// Hours in one bucket.
    pub fn unit_hours(self) -> f64 {
        match self {
            Hours::ToAccept => 0.1,
            Hours::ToClose => 1.0,
        }
    }
}

/// The bucket of a duration: rounded half up to the unit. Written so that SQL's integer
/// division (truncating, on both databases) computes the same: `(d + unit / 2) / unit`.
pub fn bucket(micros: i64, h: Hours) -> i64 {
    let unit = h.unit_micros();
    micros.saturating_add(unit / 2) / unit
}

/// Whole seconds of a duration, truncated as SQL's integer division does.
pub fn seconds(micros: i64) -> i64 {
    micros / 1_000_000
}

/// Mean hours from a sum of whole seconds, rounded to a tenth.
pub fn mean_hours(seconds: i64, n: i64) -> Option<f64> {
    (n > 0).then(|| ((seconds as f64 / n as f64 / 3600.0) * 10.0).round() / 10.0)
}
