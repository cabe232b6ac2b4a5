//! The statutory mediation clock and the referral to arbitration (转仲裁) on the pages: the
//! case page's parts (`case_arbitration_facts.html`, `case_arbitration.html`), the inbox
//! marker and the worker's part of /track (`track_arbitration.html`).

use super::Lang;
use youyue_domain::arbitration::{apply_by, case_mediation_ends_on, mediation_period_over};
use youyue_domain::exchange::CaseRecord;
use youyue_domain::Timestamp;

/// A dispute's clock and referral in words; empty for other kinds.
#[derive(Default)]
pub struct Clock {
    /// The last day of the statutory mediation period, in words.
    pub ends_on: Option<String>,
    /// The period has passed and the case is still open: the page says so and offers 转仲裁.
    pub over_open: bool,
    /// The commission the dispute was referred to, the day, and the last day to apply.
    pub referral: Option<(String, String, String)>,
}

impl Clock {
    pub fn of(lang: Lang, c: &CaseRecord, now: Timestamp) -> Clock {
        let referral = match (&c.arbitration_commission, c.referred_on) {
            (Some(commission), Some(on)) => {
                Some((commission.clone(), lang.date(on), lang.date(apply_by(c.opened_at.cst_date()))))
            }
            _ => None,
        };
        Clock {
            ends_on: case_mediation_ends_on(c.kind, c.opened_at).map(|d| lang.date(d)),
            over_open: mediation_over_open(c, now),
            referral,
        }
    }
}

/// An open dispute whose statutory mediation period has passed (the inbox marks it).
pub fn mediation_over_open(c: &CaseRecord, now: Timestamp) -> bool {
    c.status.is_open() && mediation_period_over(c.kind, c.opened_at, now.cst_date())
}
