//! Notices for the API and the pages alike: a union's settings — its WeChat Work group robot
//! (`union_notices`) and, for a district, the quiet hours of SMS to workers (the setting
//! `notices:{root_code}`, which the outbox's dispatcher reads) — a person's bell, and the
//! failed deliveries with "send again".

use crate::access;
use crate::error::ApiError;
use crate::notify::deliver::Outgoing;
use crate::AppState;
use youyue_domain::notice::{self, NoticeChannel, NoticeStatus, QuietHours};
use youyue_domain::{Role, Timestamp};
use youyue_store::{Notice, Union, User};

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

/// A district's quiet hours: its setting, or 22:00–08:00 (also when it does not read: the
/// settings' page checks what it stores).
pub async fn quiet_hours(store: &dyn youyue_store::Store, root_code: &str) -> Result<QuietHours, ApiError> {
    let stored = store.setting(&notices_key(root_code)).await?;
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
        None => Some(quiet_hours(state.store.as_ref(), union.record.code.as_str()).await?),
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
    // A robot on this machine (a relay) is the operator's to set: a chair's would let the
    // server be pointed at its own neighbours.
    if url.as_ref().and_then(|u| u.as_deref()).is_some_and(notice::webhook_is_local) && user.role != Role::Admin {
        return Err(ApiError::invalid(
            "wecom_webhook",
            "must be an https:// URL of the robot (only an administrator may set one on this machine)",
        ));
    }
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
    let out = Outgoing {
        channel: NoticeChannel::Wecom,
        to: &url,
        subject: "测试消息",
        text: &text,
        mentions: &[],
        key: None,
    };
    // The error never holds the URL in full (`DeliveryError::message`).
    Ok(state.transports.deliver(&out).await.map_err(|e| e.message))
}

/// One page of a person's bell: their app notices, newest first (or the unread ones only).
pub struct MyNotices {
    /// How many the list has in all (all notices, or the unread ones).
    pub total: i64,
    pub unread: i64,
    pub notices: Vec<Notice>,
}

/// The caller's own app notices (any account: a worker's own account is told too).
pub async fn my_notices(
    state: &AppState,
    user: &User,
    unread_only: bool,
    limit: i64,
    offset: i64,
) -> Result<MyNotices, ApiError> {
    let store = state.store.as_ref();
    if unread_only {
        let unread = store.unread_notices(user.id).await?;
        let notices = store.unread_notice_page(user.id, limit, offset).await?;
        return Ok(MyNotices { total: unread, unread, notices });
    }
    let page = store.user_notices(user.id, limit, offset).await?;
    Ok(MyNotices { total: page.total, unread: page.unread, notices: page.notices })
}

/// Marks one of the caller's app notices read and returns it; someone else's (or none) is
/// a 404, as for one that does not exist. Reading it again changes nothing.
pub async fn mark_read(state: &AppState, user: &User, id: i64) -> Result<Notice, ApiError> {
    let store = state.store.as_ref();
    let n = store
        .notice(id)
        .await?
        .filter(|n| n.user_id == Some(user.id) && n.channel == NoticeChannel::App)
        .ok_or_else(|| ApiError::not_found(format!("no notice {id} of yours")))?;
    if n.read_at.is_none() {
        store.mark_notices_read(user.id, Some(id), Timestamp::now()).await?;
    }
    Ok(n)
}

/// Marks every app notice of the caller read; how many were unread.
pub async fn mark_all_read(state: &AppState, user: &User) -> Result<u64, ApiError> {
    Ok(state.store.mark_notices_read(user.id, None, Timestamp::now()).await?)
}

/// A failed notice as the caller may read it.
pub struct Failed {
    pub notice: Notice,
    /// Whether the caller may see its case (`access::can_see_case`): a wellbeing case's
    /// number and the notice's words are withheld from staff who may not open it.
    pub case_shown: bool,
}

/// The failed notices about cases in the caller's subtree, newest first
/// (`access::may_review_failed_notices`): the total and one page.
pub async fn failed(state: &AppState, user: &User, limit: i64, offset: i64) -> Result<(i64, Vec<Failed>), ApiError> {
    access::may_review_failed_notices(user)?;
    let store = state.store.as_ref();
    let (total, notices) = store.failed_notices(&user.union_path, limit, offset).await?;
    let mut shown: std::collections::HashMap<String, bool> = std::collections::HashMap::new();
    let mut out = Vec::with_capacity(notices.len());
    for n in notices {
        let case_shown = match &n.case_number {
            Some(number) => match shown.get(number) {
                Some(s) => *s,
                None => {
                    let s = access::visible_case(store, user, number).await.is_ok();
                    shown.insert(number.clone(), s);
                    s
                }
            },
            None => true,
        };
        out.push(Failed { notice: n, case_shown });
    }
    Ok((total, out))
}

/// Sends a failed notice again ("send again"): pending, due now, its attempts kept. 404 for
/// one outside the caller's subtree, 409 for one that has not failed (or whose worker's
/// address went with the case's personal details).
pub async fn retry(state: &AppState, user: &User, id: i64) -> Result<Notice, ApiError> {
    access::may_review_failed_notices(user)?;
    let store = state.store.as_ref();
    let n = store
        .notice(id)
        .await?
        .filter(|n| access::notice_within(user, n))
        .ok_or_else(|| ApiError::not_found(format!("no notice {id} that you can see")))?;
    if n.status != NoticeStatus::Failed {
        return Err(ApiError::Conflict(format!("notice {id} has not failed: there is nothing to send again")));
    }
    if !n.may_send_again() || !store.retry_notice(id, Timestamp::now()).await? {
        return Err(ApiError::Conflict(format!(
            "notice {id} cannot be sent again: the worker's address was removed with the case's personal details"
        )));
    }
    Ok(n)
}
