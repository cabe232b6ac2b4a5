//! The mediation agreement on the staff pages: its section of the case page
//! (`agreement_section.html`, included by `case.html`), the form that records or edits the
//! draft, signing and payments, the printable paper (`agreement_paper.html`: A4, no
//! script) and its PDF. The rules are `service::agreement`'s.

use super::{render, Ctx, Form, PageResult};
use crate::access::{self, AgreementOp};
use crate::api::agreement::{AgreementInput, MediatorBody, PartiesBody, TermBody};
use crate::error::ApiError;
use crate::paper::Paper;
use crate::service::agreement as service;
use crate::AppState;
use askama::Template;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Redirect};
use serde::Deserialize;
use youyue_domain::agreement::{Agreement, Payment, Performance};
use youyue_domain::{Kind, Money, Timestamp};
use youyue_store::{StoredCase, User};

/// The words of the agreement's pages, Chinese and English (`i18n::words` asks here last).
pub fn words(key: &str) -> Option<(&'static str, &'static str)> {
    Some(match key {
        "agreement_title" => ("调解协议书", "Mediation agreement"),
        "agreement_none" => ("尚未录入调解协议。", "No mediation agreement recorded yet."),
        "agreement_draft" => ("草稿", "Draft"),
        "agreement_signed" => ("已签订", "Signed"),
        "agreement_signed_on" => ("签订日期", "Signed on"),
        "agreement_mediator_names" => ("调解员", "Mediators"),
        "agreement_terms" => ("给付条款", "Payment terms"),
        "agreement_amount" => ("金额", "Amount"),
        "agreement_payee" => ("收款人", "Payee"),
        "agreement_due_on" => ("履行期限", "Due"),
        "agreement_paid_on" => ("支付日期", "Paid on"),
        "agreement_standing" => ("履行情况", "Standing"),
        "agreement_total" => ("协议金额合计", "Agreed in all"),
        "agreement_paid_total" => ("已支付", "Paid"),
        "agreement_overdue" => ("有逾期未履行的款项", "A payment is overdue"),
        "agreement_print" => ("打印协议书", "Print the agreement"),
        "agreement_print_hint" => {
            ("用浏览器的“打印”即得 A4 纸质协议书。", "Print this page from the browser for the A4 paper.")
        }
        "agreement_pdf" => ("下载 PDF", "Download the PDF"),
        "agreement_edit" => ("录入或修改协议草稿", "Record or edit the draft"),
        "agreement_sign" => ("确认签订（签订后不可修改）", "Mark as signed (final)"),
        "agreement_pay" => ("登记支付", "Record a payment"),
        "agreement_term_no" => ("第几项（从 0 起）", "Term (from 0)"),
        "agreement_workers" => ("职工姓名（每行一人）", "Workers named (one a line)"),
        "agreement_workers_count" => ("职工人数", "Number of workers"),
        "agreement_enterprise" => ("用人单位", "Enterprise"),
        "agreement_representative" => ("单位代表", "Enterprise's representative"),
        "agreement_worker_claims" => ("职工请求", "The workers' claims"),
        "agreement_enterprise_claims" => ("单位意见", "The enterprise's answer"),
        "agreement_terms_lines" => (
            "给付条款（每行一项：金额 收款人 日期，如 30000 刘师傅 2026-02-20）",
            "Payment terms (one a line: amount payee date, e.g. 30000 Liu 2026-02-20)",
        ),
        "agreement_waived" => ("职工放弃的请求（每行一项）", "Claims waived (one a line)"),
        "agreement_other_terms" => ("其他条款（每行一项）", "Other terms (one a line)"),
        "agreement_mediators" => {
            ("调解员（每行一人：姓名，有账号的写 姓名@用户名）", "Mediators (one a line: name, or name@username)")
        }
        "agreement_place" => ("调解地点", "Place"),
        "agreement_save" => ("保存草稿", "Save the draft"),
        "term_pending" => ("未到期", "not yet due"),
        "term_paid_on_time" => ("按期履行", "paid on time"),
        "term_paid_late" => ("逾期履行", "paid late"),
        "term_overdue" => ("逾期未履行", "overdue"),
        "agreement_overdue_filter" => ("协议款逾期", "Agreement payment overdue"),
        _ => return None,
    })
}

/// The record book's words for the agreement's entries.
pub fn action_words(action: &str) -> Option<(&'static str, &'static str)> {
    Some(match action {
        "agreement" => ("录入调解协议", "Agreement recorded"),
        "agreement_edit" => ("修改调解协议", "Agreement edited"),
        "agreement_sign" => ("签订调解协议", "Agreement signed"),
        "agreement_payment" => ("登记协议款支付", "Payment recorded"),
        _ => return None,
    })
}

/// A term as the case page lists it.
pub struct TermLine {
    pub index: usize,
    pub amount: String,
    pub payee: String,
    pub due_on: String,
    pub paid_on: String,
    /// An i18n key: `term_pending`, `term_paid_on_time`, `term_paid_late`, `term_overdue`;
    /// empty for a draft.
    pub standing: &'static str,
}

/// The case page's agreement section (disputes only).
pub struct Section {
    pub recorded: bool,
    pub signed: bool,
    pub signed_on: String,
    pub terms: Vec<TermLine>,
    pub total: String,
    pub paid: String,
    pub overdue: bool,
    pub may_draft: bool,
    pub may_pay: bool,
    /// The draft as the form shows it.
    pub form: DraftForm,
}

/// What the case page shows of a dispute's agreement to `user`; None for another kind.
pub async fn section(ctx: &Ctx, state: &AppState, user: &User, case: &StoredCase) -> Result<Option<Section>, ApiError> {
    if case.record.kind != Kind::Dispute || access::may_agreement(user, case, AgreementOp::Read).is_err() {
        return Ok(None);
    }
    let stored = state.store.agreement(case.id).await?;
    let may = |op| access::may_agreement(user, case, op).is_ok();
    let today = Timestamp::now().cst_date();
    let Some(stored) = stored else {
        return Ok(Some(Section {
            recorded: false,
            signed: false,
            signed_on: String::new(),
            terms: Vec::new(),
            total: String::new(),
            paid: String::new(),
            overdue: false,
            may_draft: may(AgreementOp::Draft),
            may_pay: false,
            form: DraftForm::default(),
        }));
    };
    let a = stored.agreement;
    let paid = a.terms.iter().filter_map(|t| t.payment).fold(youyue_domain::MoneySum::ZERO, |s, p| s.plus(p.amount));
    let terms = a
        .terms
        .iter()
        .enumerate()
        .map(|(index, t)| TermLine {
            index,
            amount: ctx.lang.money(t.amount),
            payee: t.payee.clone(),
            due_on: ctx.lang.date(t.due_on),
            paid_on: t.payment.map(|p| ctx.lang.date(p.paid_on)).unwrap_or_default(),
            standing: if a.is_signed() { standing(t.performance(today)) } else { "" },
        })
        .collect();
    Ok(Some(Section {
        recorded: true,
        signed: a.is_signed(),
        signed_on: a.signed_on.map(|d| ctx.lang.date(d)).unwrap_or_default(),
        terms,
        total: ctx.lang.money(a.total()),
        paid: ctx.lang.money(paid),
        overdue: a.has_overdue(today),
        may_draft: !a.is_signed() && may(AgreementOp::Draft),
        may_pay: a.is_signed() && may(AgreementOp::Pay),
        form: DraftForm::of(&a),
    }))
}

fn standing(p: Performance) -> &'static str {
    match p {
        Performance::Pending => "term_pending",
        Performance::PaidOnTime => "term_paid_on_time",
        Performance::PaidLate => "term_paid_late",
        Performance::Overdue => "term_overdue",
    }
}

/// The draft's form: lists one item a line.
#[derive(Deserialize, Default)]
pub struct DraftForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    pub workers: String,
    #[serde(default)]
    pub workers_count: String,
    #[serde(default)]
    pub enterprise: String,
    #[serde(default)]
    pub representative: String,
    #[serde(default)]
    pub worker_claims: String,
    #[serde(default)]
    pub enterprise_claims: String,
    #[serde(default)]
    pub terms: String,
    #[serde(default)]
    pub waived: String,
    #[serde(default)]
    pub other_terms: String,
    #[serde(default)]
    pub mediators: String,
    #[serde(default)]
    pub place: String,
}

fn lines(text: &str) -> Vec<String> {
    text.lines().map(str::trim).filter(|l| !l.is_empty()).map(str::to_owned).collect()
}

impl DraftForm {
    fn of(a: &Agreement) -> DraftForm {
        DraftForm {
            csrf: String::new(),
            workers: a.parties.workers.join("\n"),
            workers_count: a.parties.workers_count.to_string(),
            enterprise: a.parties.enterprise.clone(),
            representative: a.parties.representative.clone(),
            worker_claims: a.worker_claims.clone(),
            enterprise_claims: a.enterprise_claims.clone(),
            terms: a
                .terms
                .iter()
                .map(|t| format!("{} {} {}", t.amount, t.payee, t.due_on))
                .collect::<Vec<_>>()
                .join("\n"),
            waived: a.waived.join("\n"),
            other_terms: a.other_terms.join("\n"),
            mediators: a
                .mediators
                .iter()
                .map(|m| match &m.username {
                    Some(u) => format!("{}@{u}", m.name),
                    None => m.name.clone(),
                })
                .collect::<Vec<_>>()
                .join("\n"),
            place: a.place.clone(),
        }
    }

    /// The API's body from the form: a term line is "amount payee date" (the payee may hold
    /// spaces); a line that is not is a 422 naming `terms[i]`.
    fn input(&self) -> Result<AgreementInput, ApiError> {
        let workers = lines(&self.workers);
        let count = match self.workers_count.trim() {
            "" => workers.len().max(1) as i64,
            n => n.parse().map_err(|_| ApiError::invalid("parties.workers_count", "is not a whole number"))?,
        };
        let mut terms = Vec::new();
        for (i, line) in lines(&self.terms).iter().enumerate() {
            let parts: Vec<&str> = line.split_whitespace().collect();
            let (Some(amount), Some(due_on)) = (parts.first(), parts.last()) else {
                return Err(ApiError::invalid(format!("terms[{i}]"), "write: amount payee date"));
            };
            if parts.len() < 3 {
                return Err(ApiError::invalid(format!("terms[{i}]"), "write: amount payee date"));
            }
            let payee = parts.get(1..parts.len() - 1).unwrap_or_default().join(" ");
            terms
                .push(TermBody { amount: amount.replace([',', '，', '¥'], ""), payee, due_on: (*due_on).to_owned() });
        }
        let mediators = lines(&self.mediators)
            .into_iter()
            .map(|l| match l.split_once('@') {
                Some((name, user)) => {
                    MediatorBody { name: name.trim().to_owned(), username: Some(user.trim().to_owned()) }
                }
                None => MediatorBody { name: l, username: None },
            })
            .collect();
        Ok(AgreementInput {
            parties: PartiesBody {
                workers,
                workers_count: count,
                enterprise: self.enterprise.clone(),
                representative: self.representative.clone(),
            },
            worker_claims: self.worker_claims.clone(),
            enterprise_claims: self.enterprise_claims.clone(),
            terms,
            waived: lines(&self.waived),
            other_terms: lines(&self.other_terms),
            mediators,
            place: self.place.clone(),
        })
    }
}

fn back(number: &str) -> PageResult {
    Ok(Redirect::to(&format!("/cases/{number}#mediation-agreement")).into_response())
}

/// Records or replaces the draft from the case page's form.
pub async fn save_draft(
    ctx: Ctx,
    State(state): State<AppState>,
    Path(number): Path<String>,
    Form(form): Form<DraftForm>,
) -> PageResult {
    let user = ctx.require_staff()?.clone();
    ctx.check_csrf(&form.csrf)?;
    let draft = form.input()?.into_draft()?;
    service::put(&state, &user, &number, draft).await?;
    back(&number)
}

#[derive(Deserialize)]
pub struct SignForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    signed_on: String,
}

/// Signs the agreement (the day on the paper; today if blank).
pub async fn sign(
    ctx: Ctx,
    State(state): State<AppState>,
    Path(number): Path<String>,
    Form(form): Form<SignForm>,
) -> PageResult {
    let user = ctx.require_staff()?.clone();
    ctx.check_csrf(&form.csrf)?;
    let day = match form.signed_on.trim() {
        "" => None,
        d => Some(youyue_domain::time::parse_date(d).map_err(|e| ApiError::invalid("signed_on", e.to_string()))?),
    };
    service::sign(&state, &user, &number, day).await?;
    back(&number)
}

#[derive(Deserialize)]
pub struct PayForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    index: String,
    #[serde(default)]
    paid_on: String,
    #[serde(default)]
    amount: String,
}

/// Records a term's payment.
pub async fn pay(
    ctx: Ctx,
    State(state): State<AppState>,
    Path(number): Path<String>,
    Form(form): Form<PayForm>,
) -> PageResult {
    let user = ctx.require_staff()?.clone();
    ctx.check_csrf(&form.csrf)?;
    let index: usize = form.index.trim().parse().map_err(|_| ApiError::invalid("index", "is not a term's index"))?;
    let paid_on = youyue_domain::time::parse_date(form.paid_on.trim())
        .map_err(|e| ApiError::invalid("paid_on", e.to_string()))?;
    let amount = form
        .amount
        .trim()
        .replace([',', '，', '¥'], "")
        .parse::<Money>()
        .map_err(|e| ApiError::invalid("amount", e.to_string()))?;
    service::pay(&state, &user, &number, index, Payment { paid_on, amount }).await?;
    back(&number)
}

#[derive(Template)]
#[template(path = "agreement_paper.html")]
struct PaperPage {
    ctx: Ctx,
    p: Paper,
}

/// The printable paper (A4; the browser prints it).
pub async fn paper_page(ctx: Ctx, State(state): State<AppState>, Path(number): Path<String>) -> PageResult {
    let user = ctx.require_staff()?.clone();
    let p = crate::paper::paper_of(&state, &user, &number).await?;
    Ok(render(&PaperPage { ctx, p }))
}

/// The PDF, as the API answers it.
pub async fn paper_pdf(ctx: Ctx, State(state): State<AppState>, Path(number): Path<String>) -> PageResult {
    let user = ctx.require_staff()?.clone();
    Ok(crate::api::agreement::pdf_response(&state, &user, &number).await?)
}

impl super::FormFields for DraftForm {}
impl super::FormFields for SignForm {}
impl super::FormFields for PayForm {}
