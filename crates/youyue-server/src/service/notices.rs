//! A union's notice settings, for the API and the union's page alike: its WeChat Work group
//! robot (`union_notices`) and, for a district, the quiet hours of SMS to workers (the
//! setting `notices:{root_code}`, which the outbox's dispatcher reads).

use crate::access;
use crate::error::ApiError;
use crate::notify::deliver::Outgoing;
use crate::AppState;
use youyue_domain::notice::{self, NoticeChannel, QuietHours};
use youyue_domain::Timestamp;
use youyue_store::{Union, User};

/// The setting that holds a district's notice settings: `{"quiet_hours":{"from","to"}}`.
pub fn notices_key(root_code: &str) -> String {
    format!("notices:{root_code}")
}

/// A union's notice settings as the caller may read them.
pub struct UnionNotices {
    pub union: Union,
    /// The robot's URL: in full to an administrator over the union, else scheme and host.
    pub wecom_webhook: Option<String>,
    /// For a district (a union without a parent): its quiet hours, the default if unset.
    pub quiet_hours: Option<QuietHours>,
    /// Whether the caller may change them (`access::may_set_union_notices`).
    pub may_set: bool,
}

/// A district's quiet hours: its setting, or 22:00–08:00.
pub async fn quiet_hours(state: &AppState, root_code: &str) -> Result<QuietHours, ApiError> {
    let stored = state.store.setting(&notices_key(root_code)).await?;
    Ok(stored
        .and_then(|v| v.get("quiet_hours").cloned())
        .and_then(|q| serde_json::from_value::<QuietHours>(q).ok())
        .unwrap_or_default())
}

/// Reads a union's notice settings: staff whose subtree holds the union (404 otherwise).
pub async fn union_notices(state: &AppState, user: &User, code: &str) -> Result<UnionNotices, ApiError> {
    let union = access::union_within(state.store.as_ref(), user, code).await?;
    let url = state.store.union_webhook(union.id).await?;
    let full = access::reads_webhook_in_full(user, &union);
    let wecom_webhook = url.map(|u| if full { u } else { notice::mask_url(&u) });
    let quiet_hours = match union.record.parent {
        None => Some(quiet_hours(state, union.record.code.as_str()).await?),
        Some(_) => None,
    };
    let may_set = access::may_set_union_notices(user, &union).is_ok();
    Ok(UnionNotices { union, wecom_webhook, quiet_hours, may_set })
}

/// A change to a union's notice settings; `None` leaves a part as it is.
#[derive(Default)]
pub struct NoticesChange {
    /// A robot's webhook URL; an empty text clears it (`notice::check_webhook`).
    pub wecom_webhook: Option<String>,
    /// A district's quiet hours: `Some(None)` returns to the default.
    pub quiet_hours: Option<Option<QuietHours>>,
}

/// Sets a union's notice settings (`access::may_set_union_notices`), all checked first.
pub async fn set_union_notices(
    state: &AppState,
    user: &User,
    code: &str,
    change: NoticesChange,
) -> Result<Union, ApiError> {
    let store = state.store.as_ref();
    let union = access::union_within(store, user, code).await?;
    access::may_set_union_notices(user, &union)?;
    let url = change.wecom_webhook.as_deref().map(notice::check_webhook).transpose()?;
    if change.quiet_hours.is_some() && union.record.parent.is_some() {
        return Err(ApiError::invalid("quiet_hours", "are a district's setting: set them on the top-level union"));
    }
    if let Some(url) = url {
        store.set_union_webhook(union.id, url.as_deref(), Timestamp::now()).await?;
    }
    if let Some(q) = change.quiet_hours {
        let key = notices_key(union.record.code.as_str());
        let mut value = store.setting(&key).await?.filter(|v| v.is_object()).unwrap_or_else(|| serde_json::json!({}));
        let q = match q {
            Some(q) => serde_json::to_value(q).map_err(|e| ApiError::internal_in("quiet hours as JSON", e))?,
            None => serde_json::Value::Null,
        };
        if let Some(obj) = value.as_object_mut() {
            if q.is_null() {
                obj.remove("quiet_hours");
            } else {
                obj.insert("quiet_hours".into(), q);
            }
        }
        store.set_setting(&key, &value).await?;
    }
    Ok(union)
}

/// Quiet hours as sent (`{"from":"22:00","to":"08:00"}`), or a 422 on `quiet_hours`.
pub fn parse_quiet_hours(v: serde_json::Value) -> Result<QuietHours, ApiError> {
    serde_json::from_value(v).map_err(|_| {
        ApiError::invalid("quiet_hours", "must be {\"from\":\"HH:MM\",\"to\":\"HH:MM\"}, times from 00:00 to 23:59")
    })
}

/// Sends a test message to the union's robot now, without the outbox (nothing is stored):
/// what the robot answered, for the union's page. Only those who may set it.
pub async fn test_webhook(state: &AppState, user: &User, code: &str) -> Result<Result<(), String>, ApiError> {
    let union = access::union_within(state.store.as_ref(), user, code).await?;
    access::may_set_union_notices(user, &union)?;
    let Some(url) = state.store.union_webhook(union.id).await? else {
        return Err(ApiError::invalid("wecom_webhook", "is not set"));
    };
    let text = format!("{}测试消息：{} 的企业微信群机器人已设置好。", notice::SIGNATURE, union.record.name);
    let out = Outgoing { channel: NoticeChannel::Wecom, to: &url, subject: "测试消息", text: &text, mentions: &[] };
    // The error never holds the URL in full (`DeliveryError::message`).
    Ok(state.transports.deliver(&out).await.map_err(|e| e.message))
}
