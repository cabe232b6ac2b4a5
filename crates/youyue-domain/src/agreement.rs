//! The mediation agreement (调解协议书) of a dispute (劳动争议调解仲裁法 arts. 10–14): the
//! parties, each side's claims, the agreed terms (amounts with a payee and a due day,
//! claims waived, other terms), the mediators, the place and the day it was signed.
//!
//! ```text
//! (none) ──record──▶ draft ──edit──▶ draft ──sign──▶ signed ──payment of term i──▶ signed
//! ```
//!
//! Signed is final: the paper both parties signed is never rewritten, so a signed
//! agreement is not edited (409); a correction would be a new agreement. Each amount term
//! is then followed against its due day (`Performance`), in China days.

use crate::case::{check_text, FieldError, MAX_SHORT_CHARS, MAX_TEXT_CHARS};
use crate::money::{Money, MoneySum};
use crate::time::Period;
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

/// At most this many amount terms, workers named, mediators, waived claims or other terms.
pub const MAX_ITEMS: usize = 200;

/// An agreement as recorded: the draft's text and, once signed, the day.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Agreement {
    pub parties: Parties,
    /// What the worker side asked for (申请人请求).
    pub worker_claims: String,
    /// What the enterprise answered or asked for.
    #[serde(default)]
    pub enterprise_claims: String,
    /// The amount terms, in the paper's order (`terms[0]` is its first).
    pub terms: Vec<Term>,
    /// Claims the worker side gives up by this agreement.
    #[serde(default)]
    pub waived: Vec<String>,
    /// Terms without an amount (a reference letter, a job kept…).
    #[serde(default)]
    pub other_terms: Vec<String>,
    pub mediators: Vec<Mediator>,
    pub place: String,
    /// The China day both parties and the mediators signed; None while a draft.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub signed_on: Option<NaiveDate>,
}

/// The two sides: the worker (or, in a collective case, the workers named and how many in
/// all) and the enterprise with its representative.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Parties {
    /// The workers named on the paper (at least one; a collective case may name a few and
    /// count the rest).
    pub workers: Vec<String>,
    /// How many workers the agreement binds: 1 for an individual case; at least the names.
    pub workers_count: i64,
    pub enterprise: String,
    pub representative: String,
}

/// One amount the enterprise agrees to pay.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Term {
    pub amount: Money,
    pub payee: String,
    pub due_on: NaiveDate,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub payment: Option<Payment>,
}

/// A term paid: the day and the amount (the whole term: a term is paid once).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Payment {
    pub paid_on: NaiveDate,
    pub amount: Money,
}

/// A mediator as printed on the paper; `username` when they have an account here.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Mediator {
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub username: Option<String>,
}

/// An agreement in the exchange format (`"type":"agreement"`): the case's number, the
/// agreement with its terms and payments, and when its signature was recorded. Written by
/// export after every case; import stores it as it reads (replacing the case's agreement).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AgreementRecord {
    pub case: crate::CaseNumber,
    pub agreement: Agreement,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub signed_at: Option<crate::Timestamp>,
}

impl AgreementRecord {
    /// The draft's rules (as for an individual or a collective case: the case's kind is
    /// checked on import), each payment within its term and after the signing.
    pub fn check(&self) -> Result<(), AgreementError> {
        let a = &self.agreement;
        let unpaid = Agreement {
            terms: a.terms.iter().map(|t| Term { payment: None, ..t.clone() }).collect(),
            signed_on: None,
            ..a.clone()
        };
        unpaid.check(a.parties.workers_count > 1 || a.parties.workers.len() > 1)?;
        for (i, t) in a.terms.iter().enumerate() {
            if let Some(p) = t.payment {
                let Some(signed) = a.signed_on else {
                    return Err(invalid(format!("agreement.terms[{i}].payment"), "a draft has no payments"));
                };
                if p.paid_on < signed || p.amount != t.amount {
                    return Err(invalid(
                        format!("agreement.terms[{i}].payment"),
                        "is the whole amount, paid on or after the day of signing",
                    ));
                }
            }
        }
        Ok(())
    }
}

/// How an amount term stands on a day (履行情况).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Performance {
    /// Not paid, and its due day has not passed.
    Pending,
    /// Paid on or before its due day.
    PaidOnTime,
    /// Paid after its due day.
    PaidLate,
    /// Not paid, and its due day has passed.
    Overdue,
}

impl Performance {
    pub fn as_str(self) -> &'static str {
        match self {
            Performance::Pending => "pending",
            Performance::PaidOnTime => "paid_on_time",
            Performance::PaidLate => "paid_late",
            Performance::Overdue => "overdue",
        }
    }
    pub fn zh(self) -> &'static str {
        match self {
            Performance::Pending => "未到期",
            Performance::PaidOnTime => "按期履行",
            Performance::PaidLate => "逾期履行",
            Performance::Overdue => "逾期未履行",
        }
    }
}

/// A problem with an agreement or what is done to it: a field (`terms[1].due_on`) or a
/// state that does not allow it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AgreementError {
    #[error("{field}: {message}")]
    Invalid { field: String, message: String },
    #[error("{0}")]
    Conflict(String),
}

fn invalid(field: impl Into<String>, message: impl Into<String>) -> AgreementError {
    AgreementError::Invalid { field: field.into(), message: message.into() }
}

fn text(field: String, value: &str, max: usize, required: bool) -> Result<(), AgreementError> {
    check_text("text", value, max, required).map_err(|e: FieldError| invalid(field, e.message))
}

fn list(field: &str, items: &[String], required: bool) -> Result<(), AgreementError> {
    if required && items.is_empty() {
        return Err(invalid(field, "must name at least one"));
    }
    if items.len() > MAX_ITEMS {
        return Err(invalid(field, format!("has {} items; at most {MAX_ITEMS}", items.len())));
    }
    for (i, s) in items.iter().enumerate() {
        text(format!("{field}[{i}]"), s, MAX_TEXT_CHARS, true)?;
    }
    Ok(())
}

impl Agreement {
    /// The agreement once its case is anonymised: each worker named becomes 已匿名职工N,
    /// and a term payable to a named worker is payable to that placeholder; the counts,
    /// amounts and dates stay, so the figures and the paper's shape do not change.
    pub fn anonymised(&self) -> Agreement {
        let placeholder = |i: usize| format!("已匿名职工{}", i + 1);
        let mut a = self.clone();
        for term in &mut a.terms {
            if let Some(i) = self.parties.workers.iter().position(|w| *w == term.payee) {
                term.payee = placeholder(i);
            }
        }
        a.parties.workers = (0..self.parties.workers.len()).map(placeholder).collect();
        a
    }

    /// Checks a draft as recorded or edited for a case of `collective` kind with `people`
    /// involved. Field names are the API's (`parties.workers[0]`, `terms[1].due_on`).
    pub fn check(&self, collective: bool) -> Result<(), AgreementError> {
        let p = &self.parties;
        for (i, w) in p.workers.iter().enumerate() {
            text(format!("parties.workers[{i}]"), w, MAX_SHORT_CHARS, true)?;
        }
        if p.workers.is_empty() {
            return Err(invalid("parties.workers", "must name at least one worker"));
        }
        if p.workers.len() > MAX_ITEMS {
            return Err(invalid("parties.workers", format!("names {}; at most {MAX_ITEMS}", p.workers.len())));
        }
        let named = p.workers.len() as i64;
        if !collective && (p.workers_count != 1 || named != 1) {
            return Err(invalid("parties.workers_count", "an individual case's agreement binds exactly one worker"));
        }
        if p.workers_count < named.max(1) || p.workers_count > i64::from(crate::case::MAX_PEOPLE) {
            return Err(invalid(
                "parties.workers_count",
                format!("must be at least the {named} workers named and at most {}", crate::case::MAX_PEOPLE),
            ));
        }
        text("parties.enterprise".into(), &p.enterprise, MAX_SHORT_CHARS, true)?;
        text("parties.representative".into(), &p.representative, MAX_SHORT_CHARS, true)?;
        text("worker_claims".into(), &self.worker_claims, MAX_TEXT_CHARS, true)?;
        text("enterprise_claims".into(), &self.enterprise_claims, MAX_TEXT_CHARS, false)?;
        if self.terms.len() > MAX_ITEMS {
            return Err(invalid("terms", format!("has {} terms; at most {MAX_ITEMS}", self.terms.len())));
        }
        for (i, t) in self.terms.iter().enumerate() {
            if t.amount == Money::ZERO {
                return Err(invalid(format!("terms[{i}].amount"), "must be more than 0"));
            }
            text(format!("terms[{i}].payee"), &t.payee, MAX_SHORT_CHARS, true)?;
            if t.payment.is_some() {
                return Err(invalid(format!("terms[{i}].payment"), "is recorded after signing, not in the draft"));
            }
        }
        list("waived", &self.waived, false)?;
        list("other_terms", &self.other_terms, false)?;
        if self.terms.is_empty() && self.other_terms.is_empty() {
            return Err(invalid("terms", "an agreement needs at least one term (an amount, or one of other_terms)"));
        }
        if self.mediators.is_empty() {
            return Err(invalid("mediators", "must name at least one mediator"));
        }
        if self.mediators.len() > MAX_ITEMS {
            return Err(invalid("mediators", format!("names {}; at most {MAX_ITEMS}", self.mediators.len())));
        }
        for (i, m) in self.mediators.iter().enumerate() {
            text(format!("mediators[{i}].name"), &m.name, MAX_SHORT_CHARS, true)?;
        }
        text("place".into(), &self.place, MAX_SHORT_CHARS, true)?;
        if self.signed_on.is_some() {
            return Err(invalid("signed_on", "is set by signing, not in the draft"));
        }
        Ok(())
    }

    pub fn is_signed(&self) -> bool {
        self.signed_on.is_some()
    }

    /// Signs the draft on `day` (China), which must be no later than `today` and no earlier
    /// than `opened_on` (the case's registration). Every term must fall due on or after it.
    pub fn sign(&self, day: NaiveDate, today: NaiveDate, opened_on: NaiveDate) -> Result<Agreement, AgreementError> {
        if self.is_signed() {
            return Err(AgreementError::Conflict(
                "the agreement is already signed; a signed agreement is final".into(),
            ));
        }
        if day > today {
            return Err(invalid("signed_on", format!("{day} is after today ({today})")));
        }
        if day < opened_on {
            return Err(invalid("signed_on", format!("{day} is before the case was registered ({opened_on})")));
        }
        if let Some((i, t)) = self.terms.iter().enumerate().find(|(_, t)| t.due_on < day) {
            return Err(invalid(
                format!("terms[{i}].due_on"),
                format!("{} is before the day of signing ({day}); edit the draft first", t.due_on),
            ));
        }
        Ok(Agreement { signed_on: Some(day), ..self.clone() })
    }

    /// Records the payment of term `index`: only on a signed agreement, once per term, for
    /// the term's whole amount, on a day from the signing to `today`.
    pub fn pay(&self, index: usize, payment: Payment, today: NaiveDate) -> Result<Agreement, AgreementError> {
        let Some(signed) = self.signed_on else {
            return Err(AgreementError::Conflict("payments are recorded once the agreement is signed".into()));
        };
        let Some(term) = self.terms.get(index) else {
            return Err(invalid(
                "index",
                format!("the agreement has {} amount terms, numbered from 0", self.terms.len()),
            ));
        };
        if term.payment.is_some() {
            return Err(AgreementError::Conflict(format!("term {index} is already recorded as paid")));
        }
        if payment.paid_on > today {
            return Err(invalid("paid_on", format!("{} is after today ({today})", payment.paid_on)));
        }
        if payment.paid_on < signed {
            return Err(invalid(
                "paid_on",
                format!("{} is before the agreement was signed ({signed})", payment.paid_on),
            ));
        }
        if payment.amount != term.amount {
            return Err(invalid(
                "amount",
                format!("term {index} is {} yuan; a payment records the whole term", term.amount),
            ));
        }
        let mut next = self.clone();
        if let Some(t) = next.terms.get_mut(index) {
            t.payment = Some(payment);
        }
        Ok(next)
    }

    /// The sum of the amount terms: what resolving with this agreement recovers.
    pub fn total(&self) -> MoneySum {
        self.terms.iter().fold(MoneySum::ZERO, |s, t| s.plus(t.amount))
    }

    /// Each term's standing on `today`; None for a draft.
    pub fn performance(&self, today: NaiveDate) -> Option<Vec<Performance>> {
        self.signed_on?;
        Some(self.terms.iter().map(|t| t.performance(today)).collect())
    }

    /// Whether a signed agreement has a term overdue on `today`.
    pub fn has_overdue(&self, today: NaiveDate) -> bool {
        self.performance(today).is_some_and(|p| p.contains(&Performance::Overdue))
    }
}

impl Term {
    pub fn performance(&self, today: NaiveDate) -> Performance {
        match self.payment {
            Some(p) if p.paid_on <= self.due_on => Performance::PaidOnTime,
            Some(_) => Performance::PaidLate,
            None if today > self.due_on => Performance::Overdue,
            None => Performance::Pending,
        }
    }
}

/// The agreement figures of a union's subtree and a period (`stats`):
/// - `agreements_signed`: agreements signed on a day of the period;
/// - `agreement_terms_due`: amount terms of signed agreements due on a day of the period
///   that is on or before `today` (a term due later has not yet been due);
/// - `agreement_terms_on_time`: of those, the ones paid on or before their due day;
/// - `performance_rate` (履行率): on_time / due, rounded to 4 decimals; null when none
///   were due;
/// - `money_agreed`, `money_paid`: the amount terms, and what was paid of them, of the
///   agreements signed in the period (yuan strings).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AgreementFigures {
    pub agreements_signed: u64,
    pub agreement_terms_due: u64,
    pub agreement_terms_on_time: u64,
    pub performance_rate: Option<f64>,
    pub money_agreed: MoneySum,
    pub money_paid: MoneySum,
}

impl AgreementFigures {
    pub fn new(signed: u64, due: u64, on_time: u64, agreed: MoneySum, paid: MoneySum) -> AgreementFigures {
        let rate = (due > 0).then(|| ((on_time as f64 / due as f64) * 10_000.0).round() / 10_000.0);
        AgreementFigures {
            agreements_signed: signed,
            agreement_terms_due: due,
            agreement_terms_on_time: on_time,
            performance_rate: rate,
            money_agreed: agreed,
            money_paid: paid,
        }
    }

    /// The reference definition: the figures of these agreements (already those of the
    /// union's subtree) for `period`, judged on `today`. Storage's SQL is tested against it.
    pub fn of<'a>(agreements: impl IntoIterator<Item = &'a Agreement>, period: Period, today: NaiveDate) -> Self {
        let (mut signed, mut due, mut on_time) = (0u64, 0u64, 0u64);
        let (mut agreed, mut paid) = (MoneySum::ZERO, MoneySum::ZERO);
        let within = |d: NaiveDate| period.from() <= d && d <= period.to();
        for a in agreements {
            let Some(day) = a.signed_on else { continue };
            if within(day) {
                signed += 1;
                for t in &a.terms {
                    agreed = agreed.plus(t.amount);
                    if let Some(p) = t.payment {
                        paid = paid.plus(p.amount);
                    }
                }
            }
            for t in a.terms.iter().filter(|t| within(t.due_on) && t.due_on <= today) {
                due += 1;
                if t.performance(today) == Performance::PaidOnTime {
                    on_time += 1;
                }
            }
        }
        AgreementFigures::new(signed, due, on_time, agreed, paid)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::time::parse_date;

    fn d(s: &str) -> NaiveDate {
        parse_date(s).unwrap()
    }

    pub(crate) fn liu() -> Agreement {
        Agreement {
            parties: Parties {
                workers: vec!["刘师傅".into()],
                workers_count: 1,
                enterprise: "金东纸箱厂".into(),
                representative: "王厂长".into(),
            },
            worker_claims: "工伤赔偿".into(),
            enterprise_claims: String::new(),
            terms: vec![
                Term {
                    amount: "20000".parse().unwrap(),
                    payee: "刘师傅".into(),
                    due_on: d("2026-02-20"),
                    payment: None,
                },
                Term {
                    amount: "10000".parse().unwrap(),
                    payee: "刘师傅".into(),
                    due_on: d("2026-03-20"),
                    payment: None,
                },
            ],
            waived: vec!["其他请求".into()],
            other_terms: vec![],
            mediators: vec![Mediator { name: "张调解".into(), username: None }],
            place: "工会有约工作室".into(),
            signed_on: None,
        }
    }

    fn field(e: AgreementError) -> String {
        match e {
            AgreementError::Invalid { field, .. } => field,
            AgreementError::Conflict(m) => format!("conflict: {m}"),
        }
    }

    #[test]
    fn a_draft_names_its_faulty_field() {
        assert_eq!(liu().check(false), Ok(()));
        let mut a = liu();
        a.terms[1].payee = " ".into();
        assert_eq!(field(a.check(false).unwrap_err()), "terms[1].payee");
        let mut a = liu();
        a.terms[0].amount = Money::ZERO;
        assert_eq!(field(a.check(false).unwrap_err()), "terms[0].amount");
        let mut a = liu();
        a.parties.workers.push("李四".into());
        assert_eq!(field(a.check(false).unwrap_err()), "parties.workers_count");
        a.parties.workers_count = 40;
        assert_eq!(a.check(true), Ok(()));
        a.parties.workers_count = 1;
        assert_eq!(field(a.check(true).unwrap_err()), "parties.workers_count");
        let mut a = liu();
        a.mediators.clear();
        assert_eq!(field(a.check(false).unwrap_err()), "mediators");
    }

    #[test]
    fn signing_paying_and_performance() {
        let a = liu();
        assert_eq!(field(a.sign(d("2026-02-21"), d("2026-03-01"), d("2026-02-10")).unwrap_err()), "terms[0].due_on");
        assert_eq!(field(a.sign(d("2026-02-11"), d("2026-02-10"), d("2026-02-10")).unwrap_err()), "signed_on");
        let s = a.sign(d("2026-02-10"), d("2026-02-10"), d("2026-02-10")).unwrap();
        assert!(field(s.sign(d("2026-02-10"), d("2026-02-10"), d("2026-02-10")).unwrap_err()).starts_with("conflict"));
        assert_eq!(s.total().fen(), 3_000_000);
        use Performance::*;
        assert_eq!(s.performance(d("2026-02-20")), Some(vec![Pending, Pending]));
        assert_eq!(s.performance(d("2026-02-21")), Some(vec![Overdue, Pending]));
        assert!(s.has_overdue(d("2026-02-21")));
        let pay = |on: &str, yuan: &str| Payment { paid_on: d(on), amount: yuan.parse().unwrap() };
        assert_eq!(field(s.pay(0, pay("2026-02-15", "19999"), d("2026-03-01")).unwrap_err()), "amount");
        assert_eq!(field(s.pay(0, pay("2026-03-02", "20000"), d("2026-03-01")).unwrap_err()), "paid_on");
        assert_eq!(field(s.pay(2, pay("2026-02-15", "20000"), d("2026-03-01")).unwrap_err()), "index");
        let p = s.pay(0, pay("2026-02-20", "20000"), d("2026-03-01")).unwrap();
        let p = p.pay(1, pay("2026-03-21", "10000"), d("2026-03-21")).unwrap();
        assert_eq!(p.performance(d("2026-04-01")), Some(vec![PaidOnTime, PaidLate]));
        assert!(field(p.pay(1, pay("2026-03-21", "10000"), d("2026-03-21")).unwrap_err()).starts_with("conflict"));
        assert!(field(a.pay(0, pay("2026-02-20", "20000"), d("2026-03-01")).unwrap_err()).starts_with("conflict"));
        // The figures of February and March, judged on 1 April.
        let feb = Period::new(d("2026-02-01"), d("2026-02-28")).unwrap();
        let f = AgreementFigures::of([&p], feb, d("2026-04-01"));
        assert_eq!((f.agreements_signed, f.agreement_terms_due, f.agreement_terms_on_time), (1, 1, 1));
        assert_eq!((f.money_agreed.fen(), f.money_paid.fen(), f.performance_rate), (3_000_000, 3_000_000, Some(1.0)));
        let mar = Period::new(d("2026-03-01"), d("2026-03-31")).unwrap();
        let f = AgreementFigures::of([&p], mar, d("2026-04-01"));
        assert_eq!((f.agreements_signed, f.agreement_terms_due, f.agreement_terms_on_time), (0, 1, 0));
        assert_eq!(f.performance_rate, Some(0.0));
        // Judged on 10 March, the March term is not yet due.
        let f = AgreementFigures::of([&p], mar, d("2026-03-10"));
        assert_eq!((f.agreement_terms_due, f.performance_rate), (0, None));
    }
}
