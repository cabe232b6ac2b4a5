//! The mediation agreement (调解协议书) of a dispute: read, record or edit the draft, sign
//! it, record a term's payment, and its printed paper as PDF. The rules are in
//! `service::agreement` and `access::may_agreement`.

use crate::access::AgreementOp;
use crate::auth::Caller;
use crate::error::{ApiError, ApiResult, ErrorBody};
use crate::extract::ApiJson;
use crate::AppState;
use axum::extract::{Path, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use youyue_domain::agreement::{self as domain, Agreement, Payment};
use youyue_domain::{Money, Timestamp};
use youyue_store::StoredAgreement;

/// The two sides of the agreement.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PartiesBody {
    /// The workers named on the paper (at least one).
    pub workers: Vec<String>,
    /// How many workers it binds: 1 for an individual case; for a collective case at
    /// least as many as are named.
    pub workers_count: i64,
    /// The enterprise (被申请人).
    pub enterprise: String,
    /// The enterprise's representative who signs.
    pub representative: String,
}

/// One amount the enterprise agrees to pay.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TermBody {
    /// Yuan, a decimal string with at most two decimals, more than 0.
    #[schema(example = "30000.00")]
    pub amount: String,
    pub payee: String,
    /// 'YYYY-MM-DD', China date; on or after the day of signing.
    pub due_on: String,
}

/// A mediator as printed; `username` if they have an account here (on the case's union
/// or above).
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MediatorBody {
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub username: Option<String>,
}

/// The draft as recorded or edited (PUT replaces it whole).
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AgreementInput {
    pub parties: PartiesBody,
    /// The worker side's claims.
    pub worker_claims: String,
    /// The enterprise's answer or claims.
    #[serde(default)]
    pub enterprise_claims: String,
    /// The amount terms, in the paper's order: `terms[0]` is the first.
    #[serde(default)]
    pub terms: Vec<TermBody>,
    /// Claims the worker side waives.
    #[serde(default)]
    pub waived: Vec<String>,
    /// Terms without an amount.
    #[serde(default)]
    pub other_terms: Vec<String>,
    pub mediators: Vec<MediatorBody>,
    /// Where it is signed.
    pub place: String,
}

impl AgreementInput {
    /// The domain's draft; an amount or a day that does not parse is a 422 naming it.
    pub fn into_draft(self) -> Result<Agreement, ApiError> {
        let mut terms = Vec::with_capacity(self.terms.len());
        for (i, t) in self.terms.into_iter().enumerate() {
            let amount = t
                .amount
                .trim()
                .parse::<Money>()
                .map_err(|e| ApiError::invalid(format!("terms[{i}].amount"), e.to_string()))?;
            let due_on = youyue_domain::time::parse_date(t.due_on.trim())
                .map_err(|e| ApiError::invalid(format!("terms[{i}].due_on"), e.to_string()))?;
            terms.push(domain::Term { amount, payee: t.payee, due_on, payment: None });
        }
        Ok(Agreement {
            parties: domain::Parties {
                workers: self.parties.workers,
                workers_count: self.parties.workers_count,
                enterprise: self.parties.enterprise,
                representative: self.parties.representative,
            },
            worker_claims: self.worker_claims,
            enterprise_claims: self.enterprise_claims,
            terms,
            waived: self.waived,
            other_terms: self.other_terms,
            mediators: self
                .mediators
                .into_iter()
                .map(|m| domain::Mediator { name: m.name, username: m.username.filter(|u| !u.trim().is_empty()) })
                .collect(),
            place: self.place,
            signed_on: None,
        })
    }
}

/// An amount term as it stands.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct TermView {
    pub index: usize,
    #[schema(example = "30000.00")]
    pub amount: String,
    pub payee: String,
    pub due_on: String,
    /// The day it was paid, if recorded.
    pub paid_on: Option<String>,
    pub paid: Option<String>,
    /// `pending` (not yet due), `paid_on_time`, `paid_late`, `overdue` (unpaid after its
    /// due day, China time, on the server's today); null while a draft.
    pub performance: Option<String>,
}

/// A case's mediation agreement.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct AgreementView {
    pub case: String,
    /// `draft` or `signed` (final).
    pub status: String,
    /// Raised by every write.
    pub version: i64,
    /// The day on the paper, once signed.
    pub signed_on: Option<String>,
    pub parties: PartiesBody,
    pub worker_claims: String,
    pub enterprise_claims: String,
    pub terms: Vec<TermView>,
    pub waived: Vec<String>,
    pub other_terms: Vec<String>,
    pub mediators: Vec<MediatorBody>,
    pub place: String,
    /// The sum of the amount terms (yuan).
    pub money_agreed: String,
    /// What of them is recorded paid (yuan).
    pub money_paid: String,
    /// Whether a term of the signed agreement is overdue today.
    pub overdue: bool,
    pub updated_at: String,
}

impl AgreementView {
    pub fn new(case: &str, s: &StoredAgreement, now: Timestamp) -> AgreementView {
        let a = &s.agreement;
        let today = now.cst_date();
        let paid =
            a.terms.iter().filter_map(|t| t.payment).fold(youyue_domain::MoneySum::ZERO, |m, p| m.plus(p.amount));
        AgreementView {
            case: case.to_owned(),
            status: if a.is_signed() { "signed" } else { "draft" }.into(),
            version: s.version,
            signed_on: a.signed_on.map(|d| d.to_string()),
            parties: PartiesBody {
                workers: a.parties.workers.clone(),
                workers_count: a.parties.workers_count,
                enterprise: a.parties.enterprise.clone(),
                representative: a.parties.representative.clone(),
            },
            worker_claims: a.worker_claims.clone(),
            enterprise_claims: a.enterprise_claims.clone(),
            terms: a
                .terms
                .iter()
                .enumerate()
                .map(|(index, t)| TermView {
                    index,
                    amount: t.amount.to_string(),
                    payee: t.payee.clone(),
                    due_on: t.due_on.to_string(),
                    paid_on: t.payment.map(|p| p.paid_on.to_string()),
                    paid: t.payment.map(|p| p.amount.to_string()),
                    performance: a.is_signed().then(|| t.performance(today).as_str().to_owned()),
                })
                .collect(),
            waived: a.waived.clone(),
            other_terms: a.other_terms.clone(),
            mediators: a
                .mediators
                .iter()
                .map(|m| MediatorBody { name: m.name.clone(), username: m.username.clone() })
                .collect(),
            place: a.place.clone(),
            money_agreed: a.total().to_string(),
            money_paid: paid.to_string(),
            overdue: a.has_overdue(today),
            updated_at: s.updated_at.to_rfc3339_cst(),
        }
    }
}

/// The case's mediation agreement (disputes only: 409 for another kind; 404 before one is
/// recorded).
#[utoipa::path(get, path = "/api/v1/cases/{number}/agreement", tag = "agreement",
    params(("number" = String, Path, description = "e.g. JD-2026-000123")),
    responses((status = 200, body = AgreementView), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 409, body = ErrorBody)))]
pub async fn get_agreement(
    State(state): State<AppState>,
    caller: Caller,
    Path(number): Path<String>,
) -> ApiResult<Json<AgreementView>> {
    let user = caller.staff()?;
    let (case, stored) = crate::service::agreement::agreement_of(&state, user, &number, AgreementOp::Read).await?;
    let stored = stored
        .ok_or_else(|| ApiError::not_found(format!("case {} has no mediation agreement yet", case.record.number)))?;
    Ok(Json(AgreementView::new(&case.record.number.to_string(), &stored, Timestamp::now())))
}

/// Records the draft agreement (201) or replaces it whole (200), while the case is
/// accepted or in progress; a signed agreement is final (409). By the case's handler, a
/// chair or an administrator. A record-book entry of the case (`agreement` /
/// `agreement_edit`; the workers' names are left out of it).
#[utoipa::path(put, path = "/api/v1/cases/{number}/agreement", request_body = AgreementInput, tag = "agreement",
    params(("number" = String, Path)),
    responses((status = 200, body = AgreementView), (status = 201, body = AgreementView), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn put_agreement(
    State(state): State<AppState>,
    caller: Caller,
    Path(number): Path<String>,
    ApiJson(body): ApiJson<AgreementInput>,
) -> ApiResult<(StatusCode, Json<AgreementView>)> {
    let user = caller.staff()?;
    let draft = body.into_draft()?;
    let saved = crate::service::agreement::put(&state, user, &number, draft).await?;
    let status = if saved.version == 1 { StatusCode::CREATED } else { StatusCode::OK };
    Ok((status, Json(AgreementView::new(&number_of(&number), &saved, Timestamp::now()))))
}

fn number_of(number: &str) -> String {
    number.parse::<youyue_domain::CaseNumber>().map(|n| n.to_string()).unwrap_or_else(|_| number.to_owned())
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SignInput {
    /// The day both parties and the mediators signed, 'YYYY-MM-DD' China date: today by
    /// default; not after today, not before the case was registered, not after a term's
    /// due day.
    #[serde(default)]
    pub signed_on: Option<String>,
}

/// Signs the agreement: final from then on (a correction would be a new agreement). A
/// record-book entry (`agreement_sign`).
#[utoipa::path(post, path = "/api/v1/cases/{number}/agreement/sign", request_body = SignInput, tag = "agreement",
    params(("number" = String, Path)),
    responses((status = 200, body = AgreementView), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn sign_agreement(
    State(state): State<AppState>,
    caller: Caller,
    Path(number): Path<String>,
    ApiJson(body): ApiJson<SignInput>,
) -> ApiResult<Json<AgreementView>> {
    let user = caller.staff()?;
    let day = match body.signed_on.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        Some(d) => Some(youyue_domain::time::parse_date(d).map_err(|e| ApiError::invalid("signed_on", e.to_string()))?),
        None => None,
    };
    let saved = crate::service::agreement::sign(&state, user, &number, day).await?;
    Ok(Json(AgreementView::new(&number_of(&number), &saved, Timestamp::now())))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PaymentInput {
    /// 'YYYY-MM-DD', China date: from the day of signing to today.
    pub paid_on: String,
    /// Yuan: the term's whole amount (a term is paid once).
    #[schema(example = "30000.00")]
    pub amount: String,
}

/// Records that amount term `index` (from 0) of the signed agreement was paid, whatever the
/// case's status. A record-book entry (`agreement_payment`).
#[utoipa::path(post, path = "/api/v1/cases/{number}/agreement/terms/{index}/payment", request_body = PaymentInput,
    tag = "agreement",
    params(("number" = String, Path), ("index" = String, Path, description = "the term's index, from 0")),
    responses((status = 200, body = AgreementView), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn pay_term(
    State(state): State<AppState>,
    caller: Caller,
    Path((number, index)): Path<(String, String)>,
    ApiJson(body): ApiJson<PaymentInput>,
) -> ApiResult<Json<AgreementView>> {
    let user = caller.staff()?;
    let index: usize = index.parse().map_err(|_| ApiError::invalid("index", "is not a term's index (0, 1, 2…)"))?;
    let paid_on = youyue_domain::time::parse_date(body.paid_on.trim())
        .map_err(|e| ApiError::invalid("paid_on", e.to_string()))?;
    let amount = body.amount.trim().parse::<Money>().map_err(|e| ApiError::invalid("amount", e.to_string()))?;
    let saved = crate::service::agreement::pay(&state, user, &number, index, Payment { paid_on, amount }).await?;
    Ok(Json(AgreementView::new(&number_of(&number), &saved, Timestamp::now())))
}

/// The agreement's printed paper as PDF (A4, the Chinese text embedded with the font
/// subset). 503 when the server has no CJK font (the HTML page still prints).
#[utoipa::path(get, path = "/api/v1/cases/{number}/agreement.pdf", tag = "agreement",
    params(("number" = String, Path)),
    responses((status = 200, content_type = "application/pdf", description = "the PDF"), (status = 401, body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 503, body = ErrorBody)))]
pub async fn agreement_pdf(
    State(state): State<AppState>,
    caller: Caller,
    Path(number): Path<String>,
) -> ApiResult<Response> {
    let user = caller.staff()?;
    pdf_response(&state, user, &number).await
}

/// The PDF of a case's agreement for `user`, with its headers: the API and the staff page
/// both answer it.
pub async fn pdf_response(state: &AppState, user: &youyue_store::User, number: &str) -> ApiResult<Response> {
    let paper = crate::paper::paper_of(state, user, number).await?;
    let bytes = crate::paper::pdf(&state.paper_font, &paper).await?;
    let name = format!("attachment; filename=\"agreement-{}.pdf\"", paper.number);
    Ok(([(header::CONTENT_TYPE, "application/pdf".to_owned()), (header::CONTENT_DISPOSITION, name)], bytes)
        .into_response())
}
