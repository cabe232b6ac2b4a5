//! How long a closed case keeps the worker's name and contact. A district sets whole years
//! after closing, per kind; past them the case is anonymised (the case, its text and its
//! figures stay). By default nothing is removed by itself.

use crate::case::FieldError;
use crate::{Kind, Timestamp};
use chrono::{Datelike, NaiveDate};

/// Years after closing, per kind; `None` keeps the personal details until a chair or an
/// administrator anonymises the case by hand.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Retention {
    #[serde(default)]
    pub claim: Option<u32>,
    #[serde(default)]
    pub dispute: Option<u32>,
    #[serde(default)]
    pub wellbeing: Option<u32>,
    #[serde(default)]
    pub suggestion: Option<u32>,
}

/// The longest retention a district may set.
pub const MAX_RETENTION_YEARS: u32 = 100;

impl Retention {
    pub fn years(&self, kind: Kind) -> Option<u32> {
        match kind {
            Kind::Claim => self.claim,
            Kind::Dispute => self.dispute,
            Kind::Wellbeing => self.wellbeing,
            Kind::Suggestion => self.suggestion,
        }
    }

    /// Each set period is 1 to 100 years.
    pub fn check(&self) -> Result<(), FieldError> {
        for kind in Kind::ALL {
            if let Some(y) = self.years(*kind) {
                if !(1..=MAX_RETENTION_YEARS).contains(&y) {
                    return Err(FieldError::new(kind.as_str(), format!("must be 1 to {MAX_RETENTION_YEARS} years")));
                }
            }
        }
        Ok(())
    }

    /// Cases of `kind` closed before this instant have outlived their retention at `now`:
    /// China midnight of the same calendar date `years` earlier (29 February → 28th).
    pub fn closed_before(&self, kind: Kind, now: Timestamp) -> Option<Timestamp> {
        let years = i32::try_from(self.years(kind)?).ok()?;
        let today = now.cst_date();
        let year = today.year() - years;
        let date = NaiveDate::from_ymd_opt(year, today.month(), today.day())
            .or_else(|| NaiveDate::from_ymd_opt(year, today.month(), today.day() - 1))?;
        Some(Timestamp::start_of_cst_day(date))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cutoff_is_the_same_china_date_years_ago() {
        let r = Retention { claim: Some(3), ..Retention::default() };
        // 2026-03-01 01:00 China time is still 28 February in UTC.
        let now = Timestamp::parse_rfc3339("2026-03-01T01:00:00+08:00").unwrap();
        let cut = r.closed_before(Kind::Claim, now).unwrap();
        assert_eq!(cut.to_rfc3339_cst(), "2023-03-01T00:00:00+08:00");
        assert_eq!(r.closed_before(Kind::Dispute, now), None);
        let leap = Timestamp::parse_rfc3339("2028-02-29T12:00:00+08:00").unwrap();
        let r = Retention { claim: Some(1), ..Retention::default() };
        assert_eq!(r.closed_before(Kind::Claim, leap).unwrap().to_rfc3339_cst(), "2027-02-28T00:00:00+08:00");
    }

    #[test]
    fn periods_are_checked() {
        assert!(Retention { wellbeing: Some(0), ..Retention::default() }.check().is_err());
        assert!(Retention { wellbeing: Some(101), ..Retention::default() }.check().is_err());
        assert!(Retention { wellbeing: Some(2), claim: Some(100), ..Retention::default() }.check().is_ok());
    }
}
