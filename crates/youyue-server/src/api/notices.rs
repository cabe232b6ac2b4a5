//! Notices (通知): a union's notice settings (its WeChat Work group robot, a district's
//! quiet hours), a person's own notices (the bell), and the failed deliveries.

use crate::access;
use crate::auth::Caller;
use crate::error::{ApiError, ApiResult, ErrorBody};
use crate::extract::{ApiJson, ApiQuery};
use crate::service::notices as svc;
use crate::AppState;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::Json;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use youyue_domain::notice::{NoticeChannel, NoticeKind, NoticeStatus};
use youyue_store::Notice;

#[derive(Serialize, ToSchema)]
pub struct UnionNoticesView {
    /// The robot's webhook URL: in full to an administrator over the union, otherwise only
    /// its scheme and host (`https://qyapi.weixin.qq.com/…`); null when none is set.
    pub wecom_webhook: Option<String>,
    pub set: bool,
    /// A district's quiet hours of SMS to workers, China time (the default 22:00–08:00 when
    /// unset); absent for a union below a district.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<Object>, example = json!({"from": "22:00", "to": "08:00"}))]
    pub quiet_hours: Option<youyue_domain::notice::QuietHours>,
}

impl From<svc::UnionNotices> for UnionNoticesView {
    fn from(n: svc::UnionNotices) -> Self {
        UnionNoticesView { set: n.wecom_webhook.is_some(), wecom_webhook: n.wecom_webhook, quiet_hours: n.quiet_hours }
    }
}

/// A union's notice settings (staff whose subtree holds the union).
#[utoipa::path(get, path = "/api/v1/unions/{code}/notices", tag = "notices",
    params(("code" = String, Path)),
    responses((status = 200, body = UnionNoticesView), (status = 404, body = ErrorBody)))]
pub async fn get_union_notices(
    State(state): State<AppState>,
    caller: Caller,
    Path(code): Path<String>,
) -> ApiResult<Json<UnionNoticesView>> {
    let user = caller.staff()?;
    Ok(Json(svc::union_notices(&state, user, &code).await?.into()))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UnionNoticesInput {
    /// The WeChat Work group robot's webhook (`https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=…`);
    /// "" or null removes it; absent leaves it.
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<String>)]
    pub wecom_webhook: Option<Option<String>>,
    /// A district only: `{"from":"22:00","to":"08:00"}`, China time, when no SMS goes to a
    /// worker but in a crisis; null returns to the default; absent leaves it.
    #[serde(default, deserialize_with = "present_value")]
    #[schema(value_type = Option<Object>)]
    pub quiet_hours: Option<Option<serde_json::Value>>,
}

fn present<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<Option<String>>, D::Error> {
    Option::<String>::deserialize(d).map(Some)
}

fn present_value<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<Option<serde_json::Value>>, D::Error> {
    Option::<serde_json::Value>::deserialize(d).map(Some)
}

/// Sets a union's WeChat Work group robot and, for a district, its quiet hours: the
/// union's chair or administrator, or one of a union above it.
#[utoipa::path(put, path = "/api/v1/unions/{code}/notices", request_body = UnionNoticesInput, tag = "notices",
    params(("code" = String, Path)),
    responses((status = 200, body = UnionNoticesView), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 422, body = ErrorBody)))]
pub async fn put_union_notices(
    State(state): State<AppState>,
    caller: Caller,
    Path(code): Path<String>,
    ApiJson(body): ApiJson<UnionNoticesInput>,
) -> ApiResult<Json<UnionNoticesView>> {
    let user = caller.staff()?;
    let quiet_hours = match body.quiet_hours {
        Some(Some(v)) => Some(Some(svc::parse_quiet_hours(v)?)),
        Some(None) => Some(None),
        None => None,
    };
    let change = svc::NoticesChange { wecom_webhook: body.wecom_webhook.map(Option::unwrap_or_default), quiet_hours };
    svc::set_union_notices(&state, user, &code, change).await?;
    Ok(Json(svc::union_notices(&state, user, &code).await?.into()))
}

#[derive(Deserialize, IntoParams, Default)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct NoticeParams {
    /// `failed`: the failed deliveries about cases in the caller's subtree (chairs and
    /// administrators), instead of the caller's own notices.
    pub status: Option<String>,
    /// `true`: only the caller's unread notices.
    pub unread: Option<bool>,
    /// 1–1000000, default 1.
    pub page: Option<i64>,
    /// 1–100, default 20.
    pub per_page: Option<i64>,
}

/// A notice: one of the caller's own (the bell), or a failed delivery.
#[derive(Serialize, ToSchema)]
pub struct NoticeView {
    pub id: i64,
    pub kind: NoticeKind,
    pub channel: NoticeChannel,
    pub status: NoticeStatus,
    /// The e-mail subject; null where the caller may not read the notice's words.
    pub subject: Option<String>,
    /// The words sent (never a case's content); null where withheld (a wellbeing case the
    /// caller may not open).
    pub text: Option<String>,
    /// The case's number; null where there is none or it is withheld.
    pub case: Option<String>,
    /// Where staff read the case.
    pub link: Option<String>,
    /// RFC 3339, China time.
    pub created_at: String,
    /// Own notices: whether it was read.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub read: Option<bool>,
    /// Failed ones: to whom, masked (`138****5678`, `z***@example.com`, a robot's host).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub to: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub attempts: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub last_error: Option<String>,
}

impl NoticeView {
    fn own(n: Notice) -> NoticeView {
        NoticeView {
            id: n.id,
            kind: n.kind,
            channel: n.channel,
            status: n.status,
            subject: Some(n.subject),
            text: Some(n.body),
            link: n.case_number.as_ref().map(|c| format!("/cases/{c}")),
            case: n.case_number,
            created_at: n.created_at.to_rfc3339_cst(),
            read: Some(n.read_at.is_some()),
            to: None,
            attempts: None,
            last_error: None,
        }
    }

    fn failed(f: svc::Failed) -> NoticeView {
        let n = f.notice;
        let shown = f.case_shown;
        NoticeView {
            id: n.id,
            kind: n.kind,
            channel: n.channel,
            status: n.status,
            subject: shown.then_some(n.subject),
            text: shown.then_some(n.body),
            link: n.case_number.as_ref().filter(|_| shown).map(|c| format!("/cases/{c}")),
            case: n.case_number.filter(|_| shown),
            created_at: n.created_at.to_rfc3339_cst(),
            read: None,
            to: Some(n.address),
            attempts: Some(n.attempts),
            last_error: Some(n.last_error.unwrap_or_default()),
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct NoticeList {
    /// How many the list holds in all.
    pub total: i64,
    /// Own notices: how many are unread (the bell's number).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub unread: Option<i64>,
    pub page: i64,
    pub per_page: i64,
    pub notices: Vec<NoticeView>,
}

/// The caller's notices (the bell), newest first; with `status=failed`, the failed
/// deliveries about cases in the caller's subtree (chairs and administrators), with their
/// channel, masked address, attempts and last error, and "send again" at
/// `POST /api/v1/notices/{id}/retry`.
#[utoipa::path(get, path = "/api/v1/notices", params(NoticeParams), tag = "notices",
    responses((status = 200, body = NoticeList), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn list(
    State(state): State<AppState>,
    caller: Caller,
    ApiQuery(p): ApiQuery<NoticeParams>,
) -> ApiResult<Json<NoticeList>> {
    let user = caller.user()?;
    let per_page = p.per_page.unwrap_or(20);
    if !(1..=100).contains(&per_page) {
        return Err(ApiError::invalid("per_page", "must be between 1 and 100"));
    }
    let page = p.page.unwrap_or(1);
    if !(1..=1_000_000).contains(&page) {
        return Err(ApiError::invalid("page", "must be between 1 and 1000000"));
    }
    let offset = (page - 1) * per_page;
    match p.status.as_deref() {
        None => {
            let mine = svc::my_notices(&state, user, p.unread == Some(true), per_page, offset).await?;
            let notices = mine.notices.into_iter().map(NoticeView::own).collect();
            Ok(Json(NoticeList { total: mine.total, unread: Some(mine.unread), page, per_page, notices }))
        }
        Some("failed") => {
            if p.unread.is_some() {
                return Err(ApiError::invalid("unread", "is for your own notices, not with status=failed"));
            }
            let (total, failed) = svc::failed(&state, user, per_page, offset).await?;
            let notices = failed.into_iter().map(NoticeView::failed).collect();
            Ok(Json(NoticeList { total, unread: None, page, per_page, notices }))
        }
        Some(_) => Err(ApiError::invalid("status", "must be failed (or left out for your own notices)")),
    }
}

/// The body of the notices' actions: `{}`. A JSON body (and so `Content-Type:
/// application/json`) keeps a cross-site form from acting with a visitor's cookie.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NoBody {}

/// A notice's id from the path: a number, or 404 as for one that does not exist.
fn notice_id(id: &str) -> Result<i64, ApiError> {
    id.parse::<i64>().map_err(|_| ApiError::not_found(format!("no notice \"{id}\"")))
}

/// Marks one of the caller's notices read.
#[utoipa::path(post, path = "/api/v1/notices/{id}/read", tag = "notices", request_body = NoBody,
    params(("id" = i64, Path)),
    responses((status = 204), (status = 404, body = ErrorBody)))]
pub async fn read(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    ApiJson(NoBody {}): ApiJson<NoBody>,
) -> ApiResult<StatusCode> {
    let user = caller.user()?;
    svc::mark_read(&state, user, notice_id(&id)?).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Serialize, ToSchema)]
pub struct Marked {
    /// How many notices were unread and are read now.
    pub marked: u64,
}

/// Marks every notice of the caller read.
#[utoipa::path(post, path = "/api/v1/notices/read-all", tag = "notices", request_body = NoBody,
    responses((status = 200, body = Marked)))]
pub async fn read_all(
    State(state): State<AppState>,
    caller: Caller,
    ApiJson(NoBody {}): ApiJson<NoBody>,
) -> ApiResult<Json<Marked>> {
    let user = caller.user()?;
    Ok(Json(Marked { marked: svc::mark_all_read(&state, user).await? }))
}

/// Sends a failed notice again ("send again"): it goes back to waiting, due at once, its
/// attempts kept (chairs and administrators, over cases in their subtree).
#[utoipa::path(post, path = "/api/v1/notices/{id}/retry", tag = "notices", request_body = NoBody,
    params(("id" = i64, Path)),
    responses((status = 202, body = NoticeView), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 409, body = ErrorBody, description = "The notice has not failed.")))]
pub async fn retry(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    ApiJson(NoBody {}): ApiJson<NoBody>,
) -> ApiResult<(StatusCode, Json<NoticeView>)> {
    let user = caller.staff()?;
    let n = svc::retry(&state, user, notice_id(&id)?).await?;
    let case_shown = match &n.case_number {
        Some(number) => access::visible_case(state.store.as_ref(), user, number).await.is_ok(),
        None => true,
    };
    let mut view = NoticeView::failed(svc::Failed { notice: n, case_shown });
    view.status = NoticeStatus::Pending;
    Ok((StatusCode::ACCEPTED, Json(view)))
}
