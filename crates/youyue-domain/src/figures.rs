//! Which cases stand behind each figure of [`crate::stats::Stats`]: the drill-down. A
//! figure is a filter over cases (plus, for two figures, a sum over them); the dashboard
//! links every number to the list this filter gives, so the list's length is the figure.

use crate::case::string_enum;
use crate::case::{Channel, Kind, Status};
use crate::time::{Period, Timestamp};
use chrono::NaiveDate;

string_enum!(
    /// A figure of the `stats` contract that counts (or sums over) cases.
    Figure {
        DisputesMediated = "disputes_mediated" / "调解劳动纠纷",
        PeopleInvolved = "people_involved" / "涉及职工",
        AmountRecovered = "amount_recovered" / "追讨工资补偿金",
        ClaimsResolved = "claims_resolved" / "解决职工诉求",
        Suggestions = "suggestions" / "建言献策",
        SuggestionsAdopted = "suggestions_adopted" / "采纳建议",
        CasesResolved = "cases_resolved" / "解决",
        CasesExplained = "cases_explained" / "解释说明",
        CasesOpened = "cases_opened" / "登记",
        CasesAccepted = "cases_accepted" / "受理",
        CasesClosed = "cases_closed" / "办结",
        CasesClosedDue = "cases_closed_due" / "有期限的办结",
        CasesRated = "cases_rated" / "职工评价",
        DisputesReferredToArbitration = "disputes_referred_to_arbitration" / "转仲裁",
        AppointmentsHeld = "appointments_held" / "约谈已进行",
        AppointmentsNoShow = "appointments_no_show" / "约谈未到场",
        FirstAppointments = "first_appointments" / "已约谈的新登记约事",
        AgreementsSigned = "agreements_signed" / "签订调解协议",
        AgreementTermsDue = "agreement_terms_due" / "到期的协议金额条款",
        AgreementTermsOnTime = "agreement_terms_on_time" / "按期履行的协议金额条款",
    }
);

/// Which of a case's appointments put it in a figure's list.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AppointmentFilter {
    /// One recorded with this outcome whose start is in `[from, to)`.
    Outcome(crate::appointment::AppointmentStatus, Timestamp, Timestamp),
    /// One that is not cancelled (the cases behind the median days to the first).
    Active,
}

/// Which mediation agreement puts a case in a figure's list. Days are China dates, both
/// ends included (as the agreement's own days are).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AgreementFilter {
    /// Signed on a day in `[from, to]`.
    Signed(NaiveDate, NaiveDate),
    /// Signed, with an amount term due on a day in `[from, to]` (`to` already no later than
    /// today: a term due later has not yet been due); with `on_time`, at least one such
    /// term paid on or before its due day.
    TermsDue { from: NaiveDate, to: NaiveDate, on_time: bool },
}

/// A set of cases described by their fields, for storage to turn into SQL. Times are
/// half-open ranges `[from, to)`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CaseFilter {
    pub kind: Option<Kind>,
    pub channel: Option<Channel>,
    pub status: Option<Status>,
    pub opened_in: Option<(Timestamp, Timestamp)>,
    pub closed_in: Option<(Timestamp, Timestamp)>,
    pub accepted_in: Option<(Timestamp, Timestamp)>,
    pub adopted: Option<bool>,
    /// Only cases with money recovered (more than zero).
    pub with_amount: bool,
    /// Only cases the worker rated.
    pub rated: bool,
    /// Only cases given a handling deadline (on acceptance).
    pub with_deadline: bool,
    /// Only cases closed by a referral to arbitration.
    pub referred: bool,
    /// Only cases with such an appointment.
    pub appointment: Option<AppointmentFilter>,
    /// Only cases whose mediation agreement is so.
    pub agreement: Option<AgreementFilter>,
}

impl Figure {
    /// The cases behind the figure for `period` (definitions: `stats.rs`, and
    /// `agreement::AgreementFigures` for the agreement's), judged on `today` (China date:
    /// only the agreement terms due so far count as due).
    pub fn filter(self, period: Period, today: NaiveDate) -> CaseFilter {
        let range = Some(period.instants());
        let resolved_in = CaseFilter { status: Some(Status::Resolved), closed_in: range, ..CaseFilter::default() };
        match self {
            Figure::DisputesMediated | Figure::PeopleInvolved => {
                CaseFilter { kind: Some(Kind::Dispute), ..resolved_in }
            }
            Figure::AmountRecovered => CaseFilter { with_amount: true, ..resolved_in },
            Figure::ClaimsResolved => CaseFilter { kind: Some(Kind::Claim), ..resolved_in },
            Figure::CasesResolved => resolved_in,
            Figure::CasesExplained => {
                CaseFilter { status: Some(Status::Explained), closed_in: range, ..CaseFilter::default() }
            }
            Figure::Suggestions => {
                CaseFilter { kind: Some(Kind::Suggestion), opened_in: range, ..CaseFilter::default() }
            }
            Figure::SuggestionsAdopted => CaseFilter {
                kind: Some(Kind::Suggestion),
                opened_in: range,
                adopted: Some(true),
                ..CaseFilter::default()
            },
            Figure::CasesOpened => CaseFilter { opened_in: range, ..CaseFilter::default() },
            // The cases behind the timeliness figures.
            Figure::CasesAccepted => CaseFilter { accepted_in: range, ..CaseFilter::default() },
            // 办结: resolved or explained (a reopened case has no `closed_at` until it closes again).
            Figure::CasesClosed => CaseFilter { closed_in: range, ..CaseFilter::default() },
            // The denominator of 按时办结率: closed in the period with a deadline to meet.
            Figure::CasesClosedDue => CaseFilter { closed_in: range, with_deadline: true, ..CaseFilter::default() },
            Figure::CasesRated => CaseFilter { closed_in: range, rated: true, ..CaseFilter::default() },
            Figure::DisputesReferredToArbitration => CaseFilter {
                kind: Some(Kind::Dispute),
                status: Some(Status::Explained),
                closed_in: range,
                referred: true,
                ..CaseFilter::default()
            },
            Figure::AppointmentsHeld | Figure::AppointmentsNoShow => {
                let (a, b) = period.instants();
                let status = if self == Figure::AppointmentsHeld {
                    crate::appointment::AppointmentStatus::Held
                } else {
                    crate::appointment::AppointmentStatus::NoShow
                };
                CaseFilter { appointment: Some(AppointmentFilter::Outcome(status, a, b)), ..CaseFilter::default() }
            }
            Figure::FirstAppointments => {
                CaseFilter { opened_in: range, appointment: Some(AppointmentFilter::Active), ..CaseFilter::default() }
            }
            Figure::AgreementsSigned => CaseFilter {
                agreement: Some(AgreementFilter::Signed(period.from(), period.to())),
                ..CaseFilter::default()
            },
            Figure::AgreementTermsDue | Figure::AgreementTermsOnTime => CaseFilter {
                agreement: Some(AgreementFilter::TermsDue {
                    from: period.from(),
                    to: period.to().min(today),
                    on_time: self == Figure::AgreementTermsOnTime,
                }),
                ..CaseFilter::default()
            },
        }
    }

    /// Whether the figure counts its cases (rather than summing people or money over them).
    pub fn counts_cases(self) -> bool {
        // A case with two held appointments in the period counts twice in the figure; so
        // does an agreement with two amount terms due (or paid on time) in the period.
        !matches!(
            self,
            Figure::PeopleInvolved
                | Figure::AmountRecovered
                | Figure::AppointmentsHeld
                | Figure::AppointmentsNoShow
                | Figure::AgreementTermsDue
                | Figure::AgreementTermsOnTime
        )
    }
}

/// Whether a case with these appointments (start, status) is in the filter's appointment
/// part: with [`matches`] (the case's own fields), the reference for storage's SQL.
pub fn matches_appointments(
    f: &CaseFilter,
    appointments: &[(Timestamp, crate::appointment::AppointmentStatus)],
) -> bool {
    match f.appointment {
        None => true,
        Some(AppointmentFilter::Active) => appointments.iter().any(|(_, s)| s.is_active()),
        Some(AppointmentFilter::Outcome(status, a, b)) => {
            appointments.iter().any(|(t, s)| *s == status && a <= *t && *t < b)
        }
    }
}

/// Whether a case with this mediation agreement (None: none recorded) is in the filter's
/// agreement part: with [`matches`], the reference for storage's SQL.
pub fn matches_agreement(f: &CaseFilter, agreement: Option<&crate::agreement::Agreement>) -> bool {
    let within = |d: NaiveDate, from: NaiveDate, to: NaiveDate| from <= d && d <= to;
    match f.agreement {
        None => true,
        Some(AgreementFilter::Signed(from, to)) => {
            agreement.and_then(|a| a.signed_on).is_some_and(|d| within(d, from, to))
        }
        Some(AgreementFilter::TermsDue { from, to, on_time }) => agreement.is_some_and(|a| {
            a.signed_on.is_some()
                && a.terms.iter().any(|t| {
                    within(t.due_on, from, to) && (!on_time || t.payment.is_some_and(|p| p.paid_on <= t.due_on))
                })
        }),
    }
}

/// Whether a case with these facts is in the filter: the reference for storage's SQL.
pub fn matches(f: &CaseFilter, c: &crate::stats::CaseFacts) -> bool {
    let within = |t: Timestamp, (a, b): (Timestamp, Timestamp)| a <= t && t < b;
    // A merged case (issue 22) stands behind no figure: it counts through the case it joined.
    c.status != crate::case::Status::Merged
        && f.kind.is_none_or(|k| k == c.kind)
        && f.channel.is_none_or(|ch| ch == c.channel)
        && f.status.is_none_or(|s| s == c.status)
        && f.opened_in.is_none_or(|r| within(c.opened_at, r))
        && f.closed_in.is_none_or(|r| c.closed_at.is_some_and(|t| within(t, r)))
        && f.accepted_in.is_none_or(|r| c.accepted_at.is_some_and(|t| within(t, r)))
        && f.adopted.is_none_or(|a| c.adopted == Some(a))
        && (!f.with_amount || c.amount_recovered.is_some_and(|m| m.fen() > 0))
        && (!f.rated || c.rating.is_some())
        && (!f.with_deadline || c.due_on.is_some())
        && (!f.referred || c.referred)
}
