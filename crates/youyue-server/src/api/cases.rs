//! Cases: registering, listing, reading, and every workflow action. Each action is the
//! domain's `command::apply` on the case as read, saved against the version it was read at.

use crate::access;
use crate::api::dto::{CaseView, EntryView};
use crate::auth::Caller;
use crate::error::{ApiError, ApiResult, ErrorBody};
use crate::extract::{ApiJson, ApiQuery};
use crate::service::{figure_period, RegisterInput};
use crate::AppState;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::Json;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use youyue_domain::case::{Channel, Kind, Outcome, Status, Urgency};
use youyue_domain::command::Command;
use youyue_domain::{Money, Timestamp};
use youyue_store::{CaseQuery, StoredCase, User};

/// Registers a case that came to the studio by hotline, mailbox, reception day or forum
/// (staff), or a registered worker's own case.
///
/// The answer carries the case's `tracking_code`, as the public submission's does: staff
/// read it out or hand it over, and with the number the worker follows and rates the case.
/// It is shown only in this answer (only its hash is stored).
///
/// With an `Idempotency-Key` header, a retry of the same request answers the case (and the
/// tracking code) the first attempt made (header `Idempotent-Replayed: true`) instead of
/// registering another.
#[utoipa::path(post, path = "/api/v1/cases", request_body = RegisterInput, tag = "cases",
    params(("Idempotency-Key" = Option<String>, Header, description = "1–200 visible ASCII characters, e.g. a UUID")),
    responses((status = 201, body = RegisteredCase), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn register(
    State(state): State<AppState>,
    caller: Caller,
    headers: axum::http::HeaderMap,
    ApiJson(body): ApiJson<RegisterInput>,
) -> ApiResult<(StatusCode, axum::http::HeaderMap, Json<RegisteredCase>)> {
    let user = caller.user()?;
    let key = crate::extract::idempotency_key(&headers)?;
    let made = crate::service::register(&state, user, &body, key.as_deref()).await?;
    let record = state.store.record_book(made.case.id).await?;
    let case = CaseView::new(user, &made.case, Some(record), Timestamp::now());
    Ok((
        StatusCode::CREATED,
        crate::extract::replayed_header(made.replayed),
        Json(RegisteredCase { case, tracking_code: made.tracking_code }),
    ))
}

/// A case just registered, with its tracking code.
#[derive(Serialize, ToSchema)]
pub struct RegisteredCase {
    #[serde(flatten)]
    pub case: CaseView,
    /// Private: with the number it lets the worker follow and rate the case. Shown once
    /// (and again to a retry with the same `Idempotency-Key`).
    pub tracking_code: String,
}

#[derive(Deserialize, IntoParams, Default)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ListParams {
    /// Only this union's subtree (inside the caller's).
    pub union: Option<String>,
    pub status: Option<Status>,
    /// `true`: registered, accepted or in progress.
    pub open: Option<bool>,
    pub kind: Option<Kind>,
    pub channel: Option<Channel>,
    /// `me`: cases assigned to the caller; or a username.
    pub assigned: Option<String>,
    /// `true`: open cases past their deadline.
    pub overdue: Option<bool>,
    /// `true`: cases whose signed mediation agreement has a payment overdue (a term unpaid
    /// after its due day, today in China time).
    pub agreement_overdue: Option<bool>,
    /// A case number, or words in the title or description.
    pub q: Option<String>,
    /// `true` (staff): instead of the caller's subtree, the cases their union assists with
    /// now (协办: the whole union, or the caller as the specialist named).
    pub assisting: Option<bool>,
    /// `true`: cases returned (退单) at least twice, flagged to the district.
    pub returned_twice: Option<bool>,
    /// The cases behind a figure of the `stats` contract over `from`..`to` (drill-down),
    /// e.g. `disputes_mediated`; needs `from` and `to`.
    pub figure: Option<youyue_domain::figures::Figure>,
    /// First day, 'YYYY-MM-DD' (with `figure`; without one it is only checked).
    pub from: Option<String>,
    /// Last day, 'YYYY-MM-DD' (with `figure`; without one it is only checked).
    pub to: Option<String>,
    /// 1–1000000, default 1.
    pub page: Option<i64>,
    /// 1–200, default 25.
    pub per_page: Option<i64>,
}

#[derive(Serialize, ToSchema)]
pub struct CaseList {
    /// How many cases match; when `total_exact` is false (a text search with very many
    /// matches stops counting), how many at least.
    pub total: i64,
    pub total_exact: bool,
    pub page: i64,
    pub per_page: i64,
    pub cases: Vec<CaseView>,
    /// With `figure`: confidential (wellbeing) cases the figure counts that the caller may
    /// not open, so not listed (a figure counts every case). 0 without `figure`.
    pub hidden_confidential: i64,
}

/// Lists the cases the caller can see, newest first.
#[utoipa::path(get, path = "/api/v1/cases", params(ListParams), tag = "cases",
    responses((status = 200, body = CaseList), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 422, body = ErrorBody, description = "A value is not valid (`page`, `per_page`, a day of `from` or `to` that is not YYYY-MM-DD, …); `field` names it.")))]
pub async fn list(
    State(state): State<AppState>,
    caller: Caller,
    ApiQuery(p): ApiQuery<ListParams>,
) -> ApiResult<Json<CaseList>> {
    let user = caller.user()?;
    let store = state.store.as_ref();
    let per_page = p.per_page.unwrap_or(25);
    if !(1..=200).contains(&per_page) {
        return Err(ApiError::invalid("per_page", "must be between 1 and 200"));
    }
    let page = p.page.unwrap_or(1);
    if !(1..=1_000_000).contains(&page) {
        return Err(ApiError::invalid("page", "must be between 1 and 1000000"));
    }
    // `from` and `to` serve only a figure, but a wrong one is named whether or not it does.
    for (field, day) in [("from", &p.from), ("to", &p.to)] {
        if let Some(day) = day {
            youyue_domain::time::parse_date(day).map_err(|e| ApiError::invalid(field, e.to_string()))?;
        }
    }
    let now = Timestamp::now();
    let scope = if p.assisting == Some(true) {
        access::assisting_scope(user)
            .ok_or_else(|| ApiError::Forbidden("only staff assist with cases of other unions".into()))?
    } else {
        access::case_scope(user)
    };
    let mut q = CaseQuery {
        status: p.status,
        open_only: p.open == Some(true),
        kind: p.kind,
        channel: p.channel,
        text: p.q.as_deref().map(youyue_domain::case::nfc),
        offset: (page - 1) * per_page,
        limit: per_page,
        returned_at_least: (p.returned_twice == Some(true)).then_some(crate::service::transfer::FLAGGED_RETURNS as i64),
        ..scope
    };
    if let Some(code) = &p.union {
        q.union_path = Some(access::union_within(store, user, code).await?.path);
    }
    match p.assigned.as_deref() {
        None => {}
        Some("me") => q.handler_id = Some(user.id),
        Some(name) => q.handler_id = Some(access::visible_handler(store, user, name).await?.id),
    }
    if let Some(figure) = p.figure {
        q.figure = Some(figure.filter(figure_period(p.from.as_deref(), p.to.as_deref())?, now.cst_date()));
    }
    if p.overdue == Some(true) {
        q.overdue_before = Some(now.cst_date().to_string());
    }
    if p.agreement_overdue == Some(true) {
        q.agreement_overdue_on = Some(now.cst_date().to_string());
    }
    let found = store.list_cases(&q).await?;
    access::log_list_reads(store, user, &found.cases).await?;
    let hidden_confidential = access::hidden_from_figure(store, &q).await?;
    // A list never carries workers' names and contacts: they are read on the case itself,
    // where each reading is logged.
    let cases = found.cases.iter().map(|c| CaseView::new(user, c, None, now).without_contact()).collect();
    Ok(Json(CaseList {
        total: found.total,
        total_exact: found.total_exact,
        page,
        per_page,
        cases,
        hidden_confidential,
    }))
}

/// One case with its record book.
#[utoipa::path(get, path = "/api/v1/cases/{number}", tag = "cases",
    params(("number" = String, Path, description = "e.g. JD-2026-000123")),
    responses((status = 200, body = CaseView), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn get_case(
    State(state): State<AppState>,
    caller: Caller,
    Path(number): Path<String>,
) -> ApiResult<Json<CaseView>> {
    let user = caller.user()?;
    let (case, reach) = access::readable_case(state.store.as_ref(), user, &number).await?;
    let record = state.store.record_book(case.id).await?;
    access::log_reads(state.store.as_ref(), user, &case, access::Shown::Case).await?;
    Ok(Json(crate::api::assist::reached(CaseView::new(user, &case, Some(record), Timestamp::now()), reach)))
}

#[derive(Serialize, ToSchema)]
pub struct ReadView {
    pub username: String,
    /// `case` (a wellbeing case was read), `contact` (the worker's name and contact were
    /// shown), `export`.
    pub what: String,
    pub at: String,
}

/// Who has read this case's confidential parts (a wellbeing case, a worker's contact), and
/// when. For the chairs and administrators who may see the case.
#[utoipa::path(get, path = "/api/v1/cases/{number}/reads", tag = "cases",
    params(("number" = String, Path, description = "e.g. JD-2026-000123")),
    responses((status = 200, body = [ReadView]), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody)))]
pub async fn reads(
    State(state): State<AppState>,
    caller: Caller,
    Path(number): Path<String>,
) -> ApiResult<Json<Vec<ReadView>>> {
    let user = caller.staff()?;
    let case = access::visible_case(state.store.as_ref(), user, &number).await?;
    access::may_read_read_log(user)?;
    let log = state.store.read_log(case.id).await?;
    Ok(Json(
        log.into_iter().map(|r| ReadView { username: r.username, what: r.what, at: r.at.to_rfc3339_cst() }).collect(),
    ))
}

/// The case's record book (记录簿), oldest first.
#[utoipa::path(get, path = "/api/v1/cases/{number}/record", tag = "cases",
    params(("number" = String, Path, description = "e.g. JD-2026-000123")),
    responses((status = 200, body = [EntryView]), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn record(
    State(state): State<AppState>,
    caller: Caller,
    Path(number): Path<String>,
) -> ApiResult<Json<Vec<EntryView>>> {
    let user = caller.staff()?;
    let (case, _) = access::readable_case(state.store.as_ref(), user, &number).await?;
    let record = state.store.record_book(case.id).await?;
    access::log_reads(state.store.as_ref(), user, &case, access::Shown::RecordBook).await?;
    Ok(Json(record.into_iter().map(EntryView::from).collect()))
}

/// Applies a command (see `service::apply`) and answers with the case as saved.
async fn act(
    state: &AppState,
    user: &User,
    number: &str,
    make: impl FnOnce(&StoredCase) -> Result<(Command, Option<i64>), ApiError>,
) -> ApiResult<Json<CaseView>> {
    let saved = crate::service::apply(state, user, number, make).await?;
    shown(state, user, saved).await
}

/// A case just changed, as the caller sees it with its record book (a read logged).
pub(crate) async fn shown(state: &AppState, user: &User, saved: StoredCase) -> ApiResult<Json<CaseView>> {
    let record = state.store.record_book(saved.id).await?;
    access::log_reads(state.store.as_ref(), user, &saved, access::Shown::Case).await?;
    let view = CaseView::new(user, &saved, Some(record), Timestamp::now());
    // 协办: an assisting party who added a note reads the case as assisting.
    let reach = if access::can_see_case(user, &saved) { access::Reach::Full } else { access::Reach::Assisting };
    Ok(Json(crate::api::assist::reached(view, reach)))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AcceptInput {
    /// Correct the kind the worker chose.
    #[serde(default)]
    pub kind: Option<Kind>,
    #[serde(default)]
    pub urgency: Option<Urgency>,
    /// 'YYYY-MM-DD'; by default from the kind's working days (urgent: today).
    #[serde(default)]
    pub due_on: Option<String>,
}

/// 受理: accept and classify a registered case.
#[utoipa::path(post, path = "/api/v1/cases/{number}/accept", request_body = AcceptInput, tag = "workflow",
    params(("number" = String, Path)),
    responses((status = 200, body = CaseView), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn accept(
    State(state): State<AppState>,
    caller: Caller,
    Path(number): Path<String>,
    ApiJson(body): ApiJson<AcceptInput>,
) -> ApiResult<Json<CaseView>> {
    let user = caller.staff()?;
    let due_on = match &body.due_on {
        Some(d) => Some(youyue_domain::time::parse_date(d).map_err(|e| ApiError::invalid("due_on", e.to_string()))?),
        None => None,
    };
    act(&state, user, &number, |_| {
        Ok((Command::Accept { kind: body.kind, urgency: body.urgency.unwrap_or(Urgency::Normal), due_on }, None))
    })
    .await
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AssignInput {
    /// Username of the handler, mediator, lawyer or counsellor.
    pub handler: String,
}

/// 指派: assign a handler; the case is then in progress.
#[utoipa::path(post, path = "/api/v1/cases/{number}/assign", request_body = AssignInput, tag = "workflow",
    params(("number" = String, Path)),
    responses((status = 200, body = CaseView), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn assign(
    State(state): State<AppState>,
    caller: Caller,
    Path(number): Path<String>,
    ApiJson(body): ApiJson<AssignInput>,
) -> ApiResult<Json<CaseView>> {
    let user = caller.staff()?;
    let saved = crate::service::assign(&state, user, &number, &body.handler).await?;
    shown(&state, user, saved).await
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NoteInput {
    pub text: String,
    /// Internal notes never reach the worker.
    #[serde(default)]
    pub internal: bool,
}

/// Adds a note to the record book.
#[utoipa::path(post, path = "/api/v1/cases/{number}/notes", request_body = NoteInput, tag = "workflow",
    params(("number" = String, Path)),
    responses((status = 200, body = CaseView), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 422, body = ErrorBody)))]
pub async fn note(
    State(state): State<AppState>,
    caller: Caller,
    Path(number): Path<String>,
    ApiJson(body): ApiJson<NoteInput>,
) -> ApiResult<Json<CaseView>> {
    let user = caller.staff()?;
    act(&state, user, &number, |_| Ok((Command::Note { text: body.text, internal: body.internal }, None))).await
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ScheduleInput {
    /// RFC 3339, e.g. 2026-03-02T14:00:00+08:00.
    pub starts_at: String,
    /// Where: the studio, a meeting room, a phone call.
    pub place: String,
    #[serde(default)]
    pub note: String,
}

/// 约: the free-text meeting entry (`POST /api/v1/cases/{number}/appointments` without a
/// `specialist`, see `appointments::book`): a `schedule` entry saying when and where.
pub async fn schedule_entry(
    state: &AppState,
    caller: &Caller,
    number: &str,
    body: ScheduleInput,
) -> ApiResult<Json<CaseView>> {
    let user = caller.staff()?;
    let starts_at =
        Timestamp::parse_rfc3339(&body.starts_at).map_err(|e| ApiError::invalid("starts_at", e.to_string()))?;
    act(state, user, number, |_| Ok((Command::Schedule { starts_at, place: body.place, note: body.note }, None))).await
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ResolveInput {
    /// What was done, as the worker will read it.
    pub resolution: String,
    /// Disputes: whether a mediation agreement was reached (required for disputes).
    #[serde(default)]
    pub agreement: Option<bool>,
    /// Money recovered, yuan as a decimal string with at most two decimals, at most
    /// "100000000.00" (one case's cap; more is refused with 422 naming this field).
    #[serde(default)]
    #[schema(example = "30000.00", pattern = r"^[0-9]+(\.[0-9]{1,2})?$")]
    pub amount_recovered: Option<String>,
    /// Suggestions: whether the enterprise adopted it (required for suggestions).
    #[serde(default)]
    pub adopted: Option<bool>,
}

/// 解决: resolves (closes) the case with its kind's outcome.
#[utoipa::path(post, path = "/api/v1/cases/{number}/resolve", request_body = ResolveInput, tag = "workflow",
    params(("number" = String, Path)),
    responses((status = 200, body = CaseView), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn resolve(
    State(state): State<AppState>,
    caller: Caller,
    Path(number): Path<String>,
    ApiJson(body): ApiJson<ResolveInput>,
) -> ApiResult<Json<CaseView>> {
    let user = caller.staff()?;
    let amount_recovered = match &body.amount_recovered {
        Some(a) => Some(a.parse::<Money>().map_err(|e| ApiError::invalid("amount_recovered", e.to_string()))?),
        None => None,
    };
    let outcome = Outcome { agreement: body.agreement, amount_recovered, adopted: body.adopted };
    act(&state, user, &number, |_| Ok((Command::Resolve { resolution: body.resolution, outcome }, None))).await
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ExplainInput {
    /// Why the union cannot handle it and where the worker can turn; the worker reads it.
    pub explanation: String,
}

/// 解释: closes a case the union cannot handle, with the explanation the worker sees.
#[utoipa::path(post, path = "/api/v1/cases/{number}/explain", request_body = ExplainInput, tag = "workflow",
    params(("number" = String, Path)),
    responses((status = 200, body = CaseView), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn explain(
    State(state): State<AppState>,
    caller: Caller,
    Path(number): Path<String>,
    ApiJson(body): ApiJson<ExplainInput>,
) -> ApiResult<Json<CaseView>> {
    let user = caller.staff()?;
    act(&state, user, &number, |_| Ok((Command::Explain { explanation: body.explanation }, None))).await
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ArbitrationInput {
    /// The labour dispute arbitration commission the worker applies to, e.g.
    /// 金华市金东区劳动人事争议仲裁委员会.
    pub commission: String,
    /// 'YYYY-MM-DD', China date: the day of the referral, after the mediation period's
    /// last day (`mediation_ends_on`) and not in the future.
    pub referred_on: String,
    /// Anything more the worker should know (office hours, documents to bring); the worker
    /// reads it after the explanation.
    #[serde(default)]
    pub note: Option<String>,
}

/// 转仲裁: refers a dispute to labour arbitration once its statutory mediation period (15
/// calendar days from registration, `mediation_ends_on`) has passed without an agreement
/// (劳动争议调解仲裁法 art. 14). The case closes as explained: the explanation the worker
/// reads says where to apply and by when (the one-year limitation, art. 27).
///
/// 409 `mediation_period_running` while the period runs; 409 `not_a_dispute` for another
/// kind; 409 `conflict` for a closed case.
#[utoipa::path(post, path = "/api/v1/cases/{number}/arbitration", request_body = ArbitrationInput, tag = "workflow",
    params(("number" = String, Path)),
    responses((status = 200, body = CaseView), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn refer(
    State(state): State<AppState>,
    caller: Caller,
    Path(number): Path<String>,
    ApiJson(body): ApiJson<ArbitrationInput>,
) -> ApiResult<Json<CaseView>> {
    let user = caller.staff()?;
    let referred_on = youyue_domain::time::parse_date(&body.referred_on)
        .map_err(|e| ApiError::invalid("referred_on", e.to_string()))?;
    act(&state, user, &number, |_| {
        Ok((Command::Refer { commission: body.commission, referred_on, note: body.note }, None))
    })
    .await
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReopenInput {
    pub reason: String,
}

/// Reopens a closed case (chair or administrator); its outcome and rating are cleared and
/// kept in the record book.
#[utoipa::path(post, path = "/api/v1/cases/{number}/reopen", request_body = ReopenInput, tag = "workflow",
    params(("number" = String, Path)),
    responses((status = 200, body = CaseView), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn reopen(
    State(state): State<AppState>,
    caller: Caller,
    Path(number): Path<String>,
    ApiJson(body): ApiJson<ReopenInput>,
) -> ApiResult<Json<CaseView>> {
    let user = caller.staff()?;
    act(&state, user, &number, |_| Ok((Command::Reopen { reason: body.reason }, None))).await
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ChaseInput {
    /// What the union above asks of the handling union, e.g. "请于本周内答复职工".
    pub note: String,
}

/// 催办: a chair or administrator of a union strictly above the case's own chases an open
/// case (an internal `chase` entry; the handler and the union's chair are told). The
/// system chases a missed deadline by itself the day after it.
///
/// 403 for the case's own union or another role; 404 outside the caller's subtree; 409
/// for a closed case; 422 `note`.
#[utoipa::path(post, path = "/api/v1/cases/{number}/chase", request_body = ChaseInput, tag = "workflow",
    params(("number" = String, Path)),
    responses((status = 200, body = CaseView), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn chase(
    State(state): State<AppState>,
    caller: Caller,
    Path(number): Path<String>,
    ApiJson(body): ApiJson<ChaseInput>,
) -> ApiResult<Json<CaseView>> {
    let user = caller.staff()?;
    act(&state, user, &number, |_| Ok((Command::Chase { note: body.note }, None))).await
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RedactInput {
    /// The exact text to take out of the title and description, e.g. a name the worker typed.
    pub remove: String,
    /// Why, e.g. "the worker asked for their name to be removed".
    pub reason: String,
}

/// Takes text out of the case's title and description for good (a chair or an
/// administrator): each occurrence becomes "【已删除】". The record book says who, why and
/// how many, never the text.
#[utoipa::path(post, path = "/api/v1/cases/{number}/redact", request_body = RedactInput, tag = "workflow",
    params(("number" = String, Path)),
    responses((status = 200, body = CaseView), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 422, body = ErrorBody)))]
pub async fn redact(
    State(state): State<AppState>,
    caller: Caller,
    Path(number): Path<String>,
    ApiJson(body): ApiJson<RedactInput>,
) -> ApiResult<Json<CaseView>> {
    let user = caller.staff()?;
    act(&state, user, &number, |_| Ok((Command::Redact { remove: body.remove, reason: body.reason }, None))).await
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AnonymiseInput {
    /// Why, e.g. "the worker asked for their data to be removed".
    pub reason: String,
}

/// Removes the worker's name and contact from the case for good (a chair or an
/// administrator; the worker's right to erasure). The case, its text and its figures stay;
/// the record book says who did it and why.
#[utoipa::path(post, path = "/api/v1/cases/{number}/anonymise", request_body = AnonymiseInput, tag = "workflow",
    params(("number" = String, Path)),
    responses((status = 200, body = CaseView), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn anonymise(
    State(state): State<AppState>,
    caller: Caller,
    Path(number): Path<String>,
    ApiJson(body): ApiJson<AnonymiseInput>,
) -> ApiResult<Json<CaseView>> {
    let user = caller.staff()?;
    act(&state, user, &number, |_| Ok((Command::Anonymise { reason: body.reason }, None))).await
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RatingInput {
    /// 5 非常满意, 4 满意, 3 基本满意, 2 不满意, 1 非常不满意.
    pub rating: i64,
    #[serde(default)]
    pub comment: Option<String>,
}

/// 评约: a registered worker rates their own closed case.
#[utoipa::path(post, path = "/api/v1/cases/{number}/rating", request_body = RatingInput, tag = "workflow",
    params(("number" = String, Path)),
    responses((status = 200, body = CaseView), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn rate(
    State(state): State<AppState>,
    caller: Caller,
    Path(number): Path<String>,
    ApiJson(body): ApiJson<RatingInput>,
) -> ApiResult<Json<CaseView>> {
    let user = caller.user()?;
    act(&state, user, &number, |_| Ok((Command::Rate { rating: body.rating, comment: body.comment }, None))).await
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TransferInput {
    /// The code of the union the case goes to: within the caller's own union's subtree.
    pub union: String,
    /// Why; the staff of the union it goes to read it ("转自 X：reason"), the worker never.
    pub reason: String,
}

/// 派单/改派: moves an open case to another union (a receptionist, chair or administrator
/// who can see it), to any union within the caller's own subtree. The case keeps its
/// number and record book, and starts again there: registered, no handler, no deadline,
/// to be accepted by that union. The staff of its old union lose access at once.
///
/// 422 `union` for a code of no union, one outside the caller's reach, or the case's own
/// (one answer); 422 `reason` when empty; 409 for a closed case.
#[utoipa::path(post, path = "/api/v1/cases/{number}/transfer", request_body = TransferInput, tag = "workflow",
    params(("number" = String, Path)),
    responses((status = 200, body = CaseView), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn transfer(
    State(state): State<AppState>,
    caller: Caller,
    Path(number): Path<String>,
    ApiJson(body): ApiJson<TransferInput>,
) -> ApiResult<Json<CaseView>> {
    let user = caller.staff()?;
    let saved = crate::service::transfer::transfer(&state, user, &number, &body.union, &body.reason).await?;
    shown_elsewhere(&state, user, saved).await
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReturnInput {
    /// Why the case is not this union's.
    pub reason: String,
}

/// 退单: the union a case was transferred to sends it back, before accepting it, to the
/// union that sent it (from the latest transfer); registered there again. Only the staff
/// of the case's union (receptionist, chair, administrator).
///
/// 409 when the case was not transferred to this union or was accepted since; 422
/// `reason` when empty.
#[utoipa::path(post, path = "/api/v1/cases/{number}/return", request_body = ReturnInput, tag = "workflow",
    params(("number" = String, Path)),
    responses((status = 200, body = CaseView), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn give_back(
    State(state): State<AppState>,
    caller: Caller,
    Path(number): Path<String>,
    ApiJson(body): ApiJson<ReturnInput>,
) -> ApiResult<Json<CaseView>> {
    let user = caller.staff()?;
    let saved = crate::service::transfer::give_back(&state, user, &number, &body.reason).await?;
    shown_elsewhere(&state, user, saved).await
}

/// A case just moved: as the caller sees it if they still may; otherwise what they wrote
/// is done and the case is no longer theirs, told as the case without its record book.
async fn shown_elsewhere(state: &AppState, user: &User, saved: StoredCase) -> ApiResult<Json<CaseView>> {
    if access::can_see_case(user, &saved) {
        shown(state, user, saved).await
    } else {
        Ok(Json(CaseView::new(user, &saved, None, Timestamp::now())))
    }
}
