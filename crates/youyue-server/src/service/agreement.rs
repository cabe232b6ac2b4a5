//! The mediation agreement of a dispute, for the API and the pages alike: record or edit
//! the draft, sign it, record a term's payment, and what resolving with it means. Each
//! write is one record-book entry of the case (`agreement`, `agreement_edit`,
//! `agreement_sign`, `agreement_payment`); none of them has an `after`, so the book's
//! replay of the case's fields (`chain::Replay`) is unchanged by them.

use crate::access::{self, AgreementOp};
use crate::error::ApiError;
use crate::AppState;
use chrono::NaiveDate;
use serde_json::json;
use youyue_domain::agreement::{Agreement, AgreementError, Payment};
use youyue_domain::case::Outcome;
use youyue_domain::{Kind, Money, Timestamp};
use youyue_store::{AgreementEntry, Store, StoredAgreement, StoredCase, User};

impl From<AgreementError> for ApiError {
    fn from(e: AgreementError) -> ApiError {
        match e {
            AgreementError::Invalid { field, message } => ApiError::invalid(field, message),
            AgreementError::Conflict(m) => ApiError::Conflict(m),
        }
    }
}

/// A case the caller can see and its agreement, for `op` (see `access::may_agreement`).
pub async fn agreement_of(
    state: &AppState,
    user: &User,
    number: &str,
    op: AgreementOp,
) -> Result<(StoredCase, Option<StoredAgreement>), ApiError> {
    let store = state.store.as_ref();
    let case = access::visible_case(store, user, number).await?;
    access::may_agreement(user, &case, op)?;
    let agreement = store.agreement(case.id).await?;
    Ok((case, agreement))
}

/// The agreement as the record book keeps it: the worker's names are personal details,
/// which never enter the book, so only how many were named is said, and the terms keep
/// their amounts and due days without their payees (usually the worker).
fn entry_text(a: &Agreement) -> serde_json::Value {
    let mut v = serde_json::to_value(a).unwrap_or_default();
    if let Some(p) = v.get_mut("parties").and_then(|p| p.as_object_mut()) {
        p.insert("workers".into(), json!(a.parties.workers.len()));
    }
    if let Some(terms) = v.get_mut("terms").and_then(|t| t.as_array_mut()) {
        for t in terms.iter_mut().filter_map(|t| t.as_object_mut()) {
            t.remove("payee");
        }
    }
    v
}

/// Records the draft (a case's first) or replaces it, unless it is signed.
pub async fn put(state: &AppState, user: &User, number: &str, draft: Agreement) -> Result<StoredAgreement, ApiError> {
    let (case, existing) = agreement_of(state, user, number, AgreementOp::Draft).await?;
    if existing.as_ref().is_some_and(|a| a.agreement.is_signed()) {
        return Err(ApiError::Conflict(
            "the agreement is signed, and a signed agreement is final: it is not edited".into(),
        ));
    }
    draft.check(case.record.collective)?;
    for (i, m) in draft.mediators.iter().enumerate() {
        if let Some(u) = &m.username {
            access::mediator_account(state.store.as_ref(), &case, format!("mediators[{i}].username"), u).await?;
        }
    }
    let action = if existing.is_some() { "agreement_edit" } else { "agreement" };
    let entry = AgreementEntry { action, detail: json!({ "agreement": entry_text(&draft) }) };
    let version = existing.map(|a| a.version);
    let now = Timestamp::now();
    Ok(state.store.save_agreement(&case, &draft, version, &entry, crate::service::actor(user), now).await?)
}

fn missing(case: &StoredCase) -> ApiError {
    ApiError::not_found(format!("case {} has no mediation agreement yet", case.record.number))
}

/// Signs the draft on `day` (today by default, China time): final from then on.
pub async fn sign(
    state: &AppState,
    user: &User,
    number: &str,
    day: Option<NaiveDate>,
) -> Result<StoredAgreement, ApiError> {
    let (case, existing) = agreement_of(state, user, number, AgreementOp::Draft).await?;
    let stored = existing.ok_or_else(|| missing(&case))?;
    let now = Timestamp::now();
    let today = now.cst_date();
    let signed = stored.agreement.sign(day.unwrap_or(today), today, case.record.opened_at.cst_date())?;
    let detail = json!({
        "signed_on": signed.signed_on.map(|d| d.to_string()),
        "money_agreed": signed.total().to_string(),
        "terms": signed.terms.len(),
    });
    let entry = AgreementEntry { action: "agreement_sign", detail };
    Ok(state
        .store
        .save_agreement(&case, &signed, Some(stored.version), &entry, crate::service::actor(user), now)
        .await?)
}

/// Records that term `index` was paid.
pub async fn pay(
    state: &AppState,
    user: &User,
    number: &str,
    index: usize,
    payment: Payment,
) -> Result<StoredAgreement, ApiError> {
    let (case, existing) = agreement_of(state, user, number, AgreementOp::Pay).await?;
    let stored = existing.ok_or_else(|| missing(&case))?;
    let now = Timestamp::now();
    let paid = stored.agreement.pay(index, payment, now.cst_date())?;
    let standing = paid.terms.get(index).map(|t| t.performance(now.cst_date()).as_str());
    let detail = json!({
        "term": index,
        "paid_on": payment.paid_on.to_string(),
        "amount": payment.amount.to_string(),
        "performance": standing,
    });
    let entry = AgreementEntry { action: "agreement_payment", detail };
    Ok(state.store.save_agreement(&case, &paid, Some(stored.version), &entry, crate::service::actor(user), now).await?)
}

/// Art. 14 lets a party go to arbitration when mediation reached no agreement in time; a
/// dispute with a signed agreement is refused 409 `agreement_signed`.
pub async fn refuse_referral_if_signed(store: &dyn Store, case: &StoredCase) -> Result<(), ApiError> {
    if case.record.kind != Kind::Dispute {
        return Ok(());
    }
    match store.agreement(case.id).await? {
        Some(stored) if stored.agreement.is_signed() => Err(ApiError::Refused {
            code: "agreement_signed",
            message: format!(
                "case {} has a signed mediation agreement: it is resolved with it, not referred to arbitration",
                case.record.number
            ),
        }),
        _ => Ok(()),
    }
}

/// The outcome a dispute resolves with, given its agreement: a signed agreement means an
/// agreement was reached (`agreement: false` is refused) and recovers the sum of its amount
/// terms (`amount_recovered` may be left out; a different amount is refused, naming the
/// sum). Without a signed agreement the outcome is as written.
pub async fn settle_outcome(store: &dyn Store, case: &StoredCase, outcome: Outcome) -> Result<Outcome, ApiError> {
    if case.record.kind != Kind::Dispute {
        return Ok(outcome);
    }
    let Some(stored) = store.agreement(case.id).await? else { return Ok(outcome) };
    let a = &stored.agreement;
    if !a.is_signed() {
        return Ok(outcome);
    }
    if outcome.agreement == Some(false) {
        return Err(ApiError::invalid(
            "agreement",
            "the case's mediation agreement is signed: it resolves with an agreement",
        ));
    }
    let total = a.total();
    let sum = i64::try_from(total.fen()).ok().and_then(Money::entered).ok_or_else(|| {
        ApiError::invalid(
            "amount_recovered",
            format!("the agreement's terms sum to {total} yuan, more than one case may record"),
        )
    })?;
    if let Some(given) = outcome.amount_recovered {
        if given != sum {
            return Err(ApiError::invalid(
                "amount_recovered",
                format!(
                    "the signed agreement's amount terms sum to {sum} yuan; leave it out or give that sum, not {given}"
                ),
            ));
        }
    }
    Ok(Outcome { agreement: Some(true), amount_recovered: Some(sum), ..outcome })
}

/// The `stats` contract: the figures of `Stats` and, beside them, the agreement figures
/// (`AgreementFigures`: new fields, the old ones unchanged), terms judged on the server's
/// today. The API and `youyue stats --json` both answer it.
#[derive(Debug, serde::Serialize)]
pub struct StatsView {
    #[serde(flatten)]
    pub stats: youyue_domain::stats::Stats,
    #[serde(flatten)]
    pub agreements: youyue_domain::agreement::AgreementFigures,
}

pub async fn stats_view(
    store: &dyn Store,
    union: &youyue_store::Union,
    period: youyue_domain::Period,
) -> Result<StatsView, youyue_store::StoreError> {
    let stats = store.stats(union, period).await?;
    let agreements = store.agreement_figures(union, period, Timestamp::now().cst_date()).await?;
    Ok(StatsView { stats, agreements })
}

/// A signed agreement as the worker reads it on `/track` and in the public lookup: the
/// terms (amount, due day, paid or not) and the mediators' names, as printed on the paper
/// they signed; no other staff name, no account.
#[derive(Debug, Clone, serde::Serialize, utoipa::ToSchema)]
pub struct WorkerAgreement {
    /// 'YYYY-MM-DD', China date.
    pub signed_on: String,
    #[serde(skip)]
    pub signed_day: NaiveDate,
    pub mediators: Vec<String>,
    pub terms: Vec<WorkerTerm>,
    /// Yuan.
    pub money_agreed: String,
    pub money_paid: String,
}

#[derive(Debug, Clone, serde::Serialize, utoipa::ToSchema)]
pub struct WorkerTerm {
    /// Yuan.
    pub amount: String,
    pub due_on: String,
    pub paid_on: Option<String>,
    /// pending, paid_on_time, paid_late or overdue.
    pub performance: String,
    /// For the pages: the days, and the i18n key of the standing (`term_overdue`…).
    #[serde(skip)]
    pub due: NaiveDate,
    #[serde(skip)]
    pub paid: Option<NaiveDate>,
    #[serde(skip)]
    pub standing_key: &'static str,
}

/// The case's signed agreement for the worker; None for a draft or none.
pub async fn for_worker(store: &dyn Store, case: &StoredCase) -> Result<Option<WorkerAgreement>, ApiError> {
    if case.record.kind != Kind::Dispute {
        return Ok(None);
    }
    let Some(stored) = store.agreement(case.id).await? else { return Ok(None) };
    let a = stored.agreement;
    let Some(signed_on) = a.signed_on else { return Ok(None) };
    let today = Timestamp::now().cst_date();
    let paid = a.terms.iter().filter_map(|t| t.payment).fold(youyue_domain::MoneySum::ZERO, |s, p| s.plus(p.amount));
    Ok(Some(WorkerAgreement {
        signed_on: signed_on.to_string(),
        signed_day: signed_on,
        mediators: a.mediators.iter().map(|m| m.name.clone()).collect(),
        terms: a
            .terms
            .iter()
            .map(|t| WorkerTerm {
                amount: t.amount.to_string(),
                due_on: t.due_on.to_string(),
                paid_on: t.payment.map(|p| p.paid_on.to_string()),
                performance: t.performance(today).as_str().to_owned(),
                due: t.due_on,
                paid: t.payment.map(|p| p.paid_on),
                standing_key: match t.performance(today) {
                    youyue_domain::agreement::Performance::Pending => "term_pending",
                    youyue_domain::agreement::Performance::PaidOnTime => "term_paid_on_time",
                    youyue_domain::agreement::Performance::PaidLate => "term_paid_late",
                    youyue_domain::agreement::Performance::Overdue => "term_overdue",
                },
            })
            .collect(),
        money_agreed: a.total().to_string(),
        money_paid: paid.to_string(),
    }))
}
