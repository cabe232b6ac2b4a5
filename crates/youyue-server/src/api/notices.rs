//! Notices (通知): a union's notice settings (its WeChat Work group robot, a district's
//! quiet hours).

use crate::auth::Caller;
use crate::error::{ApiResult, ErrorBody};
use crate::extract::ApiJson;
use crate::service::notices as svc;
use crate::AppState;
use axum::extract::{Path, State};
use axum::Json;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

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
