//! The yearly assessment (考核) of a union by the figures its workers and its work give:
//! a score out of 100 from weighted parts, each a share between 0 and 1.
//!
//! - `on_time`: cases closed on or before their deadline, of those closed in the year that
//!   had one;
//! - `satisfaction`: ratings of 4–5, of the case ratings and monthly votes in the year;
//! - `appraisal`: votes of 4–5 in the yearly appraisal (年度测评);
//! - `checklist`: the studio's eight configurations in place;
//! - `answered` (件件有回音): cases due in the year that were closed, of all cases due in it;
//! - `resolution` (事事有着落): cases resolved, of those closed (resolved or explained) in
//!   the year, so that explaining cases quickly cannot stand in for resolving them.
//!
//! A part without any data (no votes, no deadlines) is left out and the others' weights
//! count in its place; the table shows it as missing.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
/// A weight left out takes its default (weights set before `resolution` existed read so
/// too: every district's score rewards resolution unless its administrator sets it to 0).
#[serde(deny_unknown_fields, default)]
pub struct Weights {
    pub on_time: f64,
    pub satisfaction: f64,
    pub appraisal: f64,
    pub checklist: f64,
    pub answered: f64,
    pub resolution: f64,
}

impl Default for Weights {
    /// Out of 100.
    fn default() -> Weights {
        Weights {
            on_time: 20.0,
            satisfaction: 25.0,
            appraisal: 15.0,
            checklist: 10.0,
            answered: 15.0,
            resolution: 15.0,
        }
    }
}

impl Weights {
    pub fn check(&self) -> Result<(), crate::case::FieldError> {
        let all = [self.on_time, self.satisfaction, self.appraisal, self.checklist, self.answered, self.resolution];
        if all.iter().any(|w| !w.is_finite() || *w < 0.0 || *w > 1000.0) {
            return Err(crate::case::FieldError::new("weights", "each weight is a number from 0 to 1000"));
        }
        if all.iter().sum::<f64>() <= 0.0 {
            return Err(crate::case::FieldError::new("weights", "at least one weight must be above 0"));
        }
        Ok(())
    }
}

/// The parts of a union's score, each a share from 0 to 1 (None: no data).
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize)]
pub struct Parts {
    pub on_time: Option<f64>,
    pub satisfaction: Option<f64>,
    pub appraisal: Option<f64>,
    pub checklist: Option<f64>,
    pub answered: Option<f64>,
    pub resolution: Option<f64>,
}

/// `part / whole`, or None when there is nothing to count.
pub fn share(part: u64, whole: u64) -> Option<f64> {
    (whole > 0).then(|| part as f64 / whole as f64)
}

impl Parts {
    /// The score out of 100, to one decimal; None when no part has data.
    pub fn score(&self, w: &Weights) -> Option<f64> {
        let pairs = [
            (self.on_time, w.on_time),
            (self.satisfaction, w.satisfaction),
            (self.appraisal, w.appraisal),
            (self.checklist, w.checklist),
            (self.answered, w.answered),
            (self.resolution, w.resolution),
        ];
        let (sum, weight) =
            pairs.iter().filter_map(|(p, w)| p.map(|p| (p * w, *w))).fold((0.0, 0.0), |(s, t), (x, w)| (s + x, t + w));
        (weight > 0.0).then(|| ((sum / weight) * 1000.0).round() / 10.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scores() {
        let w = Weights::default();
        let all = Parts {
            on_time: Some(1.0),
            satisfaction: Some(0.5),
            appraisal: Some(1.0),
            checklist: Some(0.75),
            answered: Some(1.0),
            resolution: Some(0.2),
        };
        // (20 + 12.5 + 15 + 7.5 + 15 + 3) / 100
        assert_eq!(all.score(&w), Some(73.0));
        let some = Parts { on_time: Some(0.5), checklist: Some(1.0), ..Parts::default() };
        // (10 + 10) / 30 = 66.67%
        assert_eq!(some.score(&w), Some(66.7));
        // The defaults are out of 100.
        let sum = w.on_time + w.satisfaction + w.appraisal + w.checklist + w.answered + w.resolution;
        assert_eq!(sum, 100.0);
        // Explaining every case quickly scores below resolving them, all else equal.
        let explained = Parts { on_time: Some(1.0), answered: Some(1.0), resolution: Some(0.0), ..Parts::default() };
        let resolved = Parts { resolution: Some(1.0), ..explained };
        assert!(explained.score(&w) < resolved.score(&w));
        // Weights stored before `resolution` existed still read, with its default.
        let old: Weights =
            serde_json::from_str(r#"{"on_time":25,"satisfaction":25,"appraisal":20,"checklist":15,"answered":15}"#)
                .unwrap();
        assert_eq!(old.resolution, 15.0);
        // Any weight left out takes its default.
        let some: Weights = serde_json::from_str(r#"{"resolution":50}"#).unwrap();
        assert_eq!(some, Weights { resolution: 50.0, ..Weights::default() });
        assert!(serde_json::from_str::<Weights>(r#"{"speed":1}"#).is_err());
        assert_eq!(Parts::default().score(&w), None);
        assert!(Weights { on_time: -1.0, ..w }.check().is_err());
        assert!(Weights {
            on_time: 0.0,
            satisfaction: 0.0,
            appraisal: 0.0,
            checklist: 0.0,
            answered: 0.0,
            resolution: 0.0
        }
        .check()
        .is_err());
        assert_eq!(share(1, 4), Some(0.25));
        assert_eq!(share(0, 0), None);
    }
}
