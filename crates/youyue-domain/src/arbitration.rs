//! The statutory mediation clock and the way on to labour arbitration (劳动争议调解仲裁法).
//!
//! Art. 14: mediation has 15 days from the day the mediation organisation received the
//! application; without an agreement by then, either party may apply for arbitration.
//! Art. 27: the limitation for arbitration is one year. Periods are counted by Chinese law's
//! rule (民法典 art. 201): the day of receipt is not counted, the period starts the next day,
//! so a dispute received on 1 March has its 15th and last day on 16 March, and may go to
//! arbitration from 17 March. The days are calendar days (weekends and holidays count),
//! unlike the union's own handling deadline in working days (`command::Deadlines`).

use crate::case::Kind;
use crate::time::Timestamp;
use chrono::{Months, NaiveDate};

/// Calendar days of the statutory mediation period (art. 14).
pub const MEDIATION_DAYS: u64 = 15;

/// Years of the limitation for applying to arbitration (art. 27).
pub const LIMITATION_YEARS: u32 = 1;

/// The last day of the mediation period of a dispute received (registered) on `received`,
/// China date: the day of receipt is not counted, so it is `received` + 15 days.
pub fn mediation_ends_on(received: NaiveDate) -> NaiveDate {
    received.checked_add_days(chrono::Days::new(MEDIATION_DAYS)).unwrap_or(NaiveDate::MAX)
}

/// The clock of a case: a dispute's last day of mediation, counted from its registration;
/// other kinds have none.
pub fn case_mediation_ends_on(kind: Kind, opened_at: Timestamp) -> Option<NaiveDate> {
    (kind == Kind::Dispute).then(|| mediation_ends_on(opened_at.cst_date()))
}

/// Whether the mediation period has passed on China day `today`: from the day after its
/// last day.
pub fn mediation_period_over(kind: Kind, opened_at: Timestamp, today: NaiveDate) -> bool {
    case_mediation_ends_on(kind, opened_at).is_some_and(|end| today > end)
}

/// The last day to apply for arbitration that the worker is told: one year counted as
/// periods are (the corresponding day a year later; 29 February gives 28 February), from
/// the day the union received the application. Applying for mediation interrupted the
/// limitation (art. 27 para. 2), so this is the earliest day it can end; telling the
/// earliest is the safe advice.
pub fn apply_by(received: NaiveDate) -> NaiveDate {
    received.checked_add_months(Months::new(12 * LIMITATION_YEARS)).unwrap_or(NaiveDate::MAX)
}

/// The explanation a referral closes the case with: what the worker does next and by when.
/// Chinese, as the worker reads it on /track (a stored text, like any explanation).
pub fn referral_explanation(
    received: NaiveDate,
    commission: &str,
    referred_on: NaiveDate,
    note: Option<&str>,
) -> String {
    let d = |d: NaiveDate| d.format("%Y年%-m月%-d日").to_string();
    let mut text = format!(
        "本争议自{}受理调解，法定调解期限（15日）至{}届满，未达成调解协议。{}本会已将本争议转{}仲裁。\
         请携带身份证明、劳动合同或工资条等证据材料，向{}提出劳动仲裁申请。\
         仲裁时效为一年（《劳动争议调解仲裁法》第二十七条），请最迟于{}前申请；\
         拖欠劳动报酬的争议，在劳动关系存续期间不受此限。",
        d(received),
        d(mediation_ends_on(received)),
        d(referred_on),
        commission,
        commission,
        d(apply_by(received)),
    );
    if let Some(n) = note.map(str::trim).filter(|n| !n.is_empty()) {
        text.push('\n');
        text.push_str(n);
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::time::parse_date;

    fn d(s: &str) -> NaiveDate {
        parse_date(s).unwrap()
    }

    #[test]
    fn the_day_of_receipt_is_not_counted() {
        assert_eq!(mediation_ends_on(d("2026-03-01")), d("2026-03-16"));
        // Across a month end (January has 31 days, February 2026 has 28).
        assert_eq!(mediation_ends_on(d("2026-01-20")), d("2026-02-04"));
        assert_eq!(mediation_ends_on(d("2026-02-20")), d("2026-03-07"));
        assert_eq!(mediation_ends_on(d("2028-02-20")), d("2028-03-06"));
        // Across a year end: calendar days, the New Year holiday counted.
        assert_eq!(mediation_ends_on(d("2026-12-20")), d("2027-01-04"));
        assert_eq!(mediation_ends_on(d("2026-12-31")), d("2027-01-15"));
    }

    #[test]
    fn the_clock_passes_the_day_after_its_last_day() {
        // Registered 23:30 on 20 December China time (15:30 UTC): the China day counts.
        let opened = Timestamp::parse_rfc3339("2026-12-20T23:30:00+08:00").unwrap();
        assert_eq!(case_mediation_ends_on(Kind::Dispute, opened), Some(d("2027-01-04")));
        assert!(!mediation_period_over(Kind::Dispute, opened, d("2027-01-04")));
        assert!(mediation_period_over(Kind::Dispute, opened, d("2027-01-05")));
        // One minute later it is the 21st in China, and the clock a day later.
        let next = Timestamp::parse_rfc3339("2026-12-20T16:01:00Z").unwrap();
        assert_eq!(case_mediation_ends_on(Kind::Dispute, next), Some(d("2027-01-05")));
        assert_eq!(case_mediation_ends_on(Kind::Claim, opened), None);
        assert!(!mediation_period_over(Kind::Claim, opened, d("2030-01-01")));
    }

    #[test]
    fn the_limitation_and_the_words() {
        assert_eq!(apply_by(d("2026-03-01")), d("2027-03-01"));
        assert_eq!(apply_by(d("2028-02-29")), d("2029-02-28"));
        let text =
            referral_explanation(d("2026-12-20"), "金华市金东区劳动人事争议仲裁委员会", d("2027-01-06"), Some("  "));
        assert!(text.contains("2027年1月4日届满"), "{text}");
        assert!(text.contains("2027年1月6日本会已将本争议转金华市金东区劳动人事争议仲裁委员会仲裁"), "{text}");
        assert!(text.contains("请最迟于2027年12月20日前申请"), "{text}");
        assert!(!text.ends_with('\n'));
        let with_note = referral_explanation(d("2026-12-20"), "仲裁委", d("2027-01-06"), Some("周三上午受理"));
        assert!(with_note.ends_with("\n周三上午受理"));
    }
}
