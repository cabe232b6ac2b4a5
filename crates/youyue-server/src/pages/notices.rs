//! Notices (通知) on the pages: `/notices` (a person's own, newest first, "mark all read",
//! opening one marks it read), `/notices/failed` (chairs' and administrators' failed
//! deliveries with "send again"), the words of kinds, channels and outcomes, and the
//! record book's `notice` entries in words. The bell's number is `Ctx::unread`.

use super::{render, Ctx, Form, Lang, PageResult};
use crate::error::ApiError;
use crate::service::notices as svc;
use crate::AppState;
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Redirect};
use serde::Deserialize;
use std::collections::HashMap;
use youyue_domain::notice::{NoticeChannel, NoticeKind, NoticeStatus};

/// The words of this module's keys.
pub fn words(key: &str) -> Option<(&'static str, &'static str)> {
    Some(match key {
        "notice_settings" => ("通知", "Notices"),
        "notice_settings_hint" => (
            "站内通知（铃铛）总会收到；留下邮箱或手机号码，还会收到邮件或短信。可在下面关掉不想用邮件和短信接收的类型。",
            "The bell always shows your notices; with an e-mail address or a mobile number you are also sent them by e-mail or SMS. Tick the kinds you do not want by e-mail or SMS.",
        ),
        "notice_settings_saved" => ("通知设置已保存。", "Your notice settings were saved."),
        "email" => ("电子邮箱", "E-mail"),
        "mobile" => ("手机号码", "Mobile number"),
        "notices_off" => ("不用邮件和短信接收（站内仍会提醒）", "Not by e-mail or SMS (the bell still shows them)"),
        "union_notices" => ("通知设置", "Notices"),
        "notices" => ("通知", "Notices"),
        "bell" => ("未读通知", "unread notices"),
        "notices_none" => ("还没有通知。", "No notices yet."),
        "notices_unread" => ("条未读", "unread"),
        "mark_all_read" => ("全部标为已读", "Mark all read"),
        "unread" => ("未读", "Unread"),
        "notices_failed" => ("发送失败的通知", "Failed notices"),
        "notices_failed_hint" => (
            "以下通知多次发送仍未成功（或对方拒收）。请核对收件地址或机器人设置后点“重新发送”。心理约事的编号和内容不向无权查看的人显示。",
            "These notices could not be delivered after several tries (or were refused). Check the address or the robot, then send again. A wellbeing case's number and words are not shown to those who may not open it.",
        ),
        "notices_failed_none" => ("没有发送失败的通知。", "No failed notices."),
        "send_again" => ("重新发送", "Send again"),
        "notice_retried" => ("已重新排队发送。", "Queued to be sent again."),
        "recipient" => ("收件", "To"),
        "attempts" => ("尝试次数", "Attempts"),
        "last_error" => ("最后一次错误", "Last error"),
        "withheld" => ("（保密，不显示）", "(confidential: not shown)"),
        "union_notices_hint" => (
            "设置企业微信群机器人后，本工会的新约事、紧急约事和超期约事会发到群里（只有编号和类别，不含内容）。",
            "With a WeChat Work group robot set, this union's new, urgent and overdue cases are posted to the group (number and kind only, never the content).",
        ),
        "wecom_webhook" => ("企业微信群机器人", "WeChat Work group robot"),
        "wecom_webhook_new" => ("新的机器人 Webhook 地址（留空则不变）", "New robot webhook URL (leave empty to keep it)"),
        "not_set" => ("未设置", "not set"),
        "quiet_hours" => ("短信免打扰时段（全区，北京时间）", "Quiet hours of SMS to workers (whole district, China time)"),
        "quiet_hours_hint" => (
            "此时段内不给职工发短信（紧急约事除外），到点后再发。",
            "No SMS goes to a worker in these hours (but for an urgent case); they go when the hours end.",
        ),
        "webhook_test" => ("发送测试消息", "Send a test message"),
        "webhook_clear" => ("删除机器人", "Remove the robot"),
        "webhook_test_sent" => ("测试消息已发出，请在群里查看。", "The test message was sent: look in the group."),
        "webhook_test_failed" => ("测试消息没有发出：", "The test message was not sent: "),
        _ => return None,
    })
}

/// A kind of notice in the page's language.
pub fn kind_words(lang: Lang, k: NoticeKind) -> &'static str {
    if lang == Lang::Zh {
        return k.label_zh();
    }
    match k {
        NoticeKind::NewCase => "New case",
        NoticeKind::UrgentCase => "Urgent case",
        NoticeKind::Assigned => "Assigned to me",
        NoticeKind::DueTomorrow => "Due tomorrow",
        NoticeKind::Overdue => "Overdue",
        NoticeKind::Chased => "Chased",
        NoticeKind::Supervised => "Supervised from above",
        NoticeKind::AppointmentBooked => "Appointment booked",
        NoticeKind::AppointmentChanged => "Appointment moved",
        NoticeKind::AppointmentCancelled => "Appointment cancelled",
        NoticeKind::ReminderDay => "Appointment tomorrow",
        NoticeKind::ReminderHour => "Appointment in an hour",
        NoticeKind::Registered => "Receipt to the worker",
        NoticeKind::Answered => "Answer to the worker",
    }
}

/// A channel in the page's language.
pub fn channel_words(lang: Lang, c: NoticeChannel) -> &'static str {
    if lang == Lang::Zh {
        return c.label_zh();
    }
    match c {
        NoticeChannel::App => "Bell",
        NoticeChannel::Email => "E-mail",
        NoticeChannel::Sms => "SMS",
        NoticeChannel::Wecom => "WeChat Work group",
    }
}

/// A notice's status in the page's language.
pub fn status_words(lang: Lang, s: NoticeStatus) -> &'static str {
    if lang == Lang::Zh {
        return s.label_zh();
    }
    match s {
        NoticeStatus::Pending => "Waiting",
        NoticeStatus::Sent => "Sent",
        NoticeStatus::Failed => "Failed",
    }
}

/// A record book's `notice` entry (the outbox's sender writes one when a notice about the
/// case is sent or given up on: `{kind, channel, to, outcome, attempts}`, `to` masked) as
/// one line: "短信 138****5678 · 新约事 · 已发送（尝试 1 次）".
pub fn entry_words(lang: Lang, detail: &serde_json::Value) -> String {
    let text = |k: &str| detail.get(k).and_then(|v| v.as_str()).unwrap_or("");
    let kind = NoticeKind::parse(text("kind")).map(|k| kind_words(lang, k)).unwrap_or(text("kind"));
    let channel = NoticeChannel::parse(text("channel")).map(|c| channel_words(lang, c)).unwrap_or(text("channel"));
    let outcome = NoticeStatus::parse(text("outcome")).map(|s| status_words(lang, s)).unwrap_or(text("outcome"));
    let attempts = detail.get("attempts").and_then(|v| v.as_i64());
    let to = match (text("to"), lang) {
        ("", _) => String::new(),
        (youyue_domain::notice::WORKER_RECIPIENT, Lang::Zh) => " 职工".to_owned(),
        (youyue_domain::notice::WORKER_RECIPIENT, Lang::En) => " the worker".to_owned(),
        (to, _) => format!(" {to}"),
    };
    match (lang, attempts) {
        (Lang::Zh, Some(n)) => format!("{channel}{to} · {kind} · {outcome}（尝试 {n} 次）"),
        (Lang::En, Some(n)) => {
            format!("{channel}{to} · {kind} · {outcome} ({n} attempt{})", if n == 1 { "" } else { "s" })
        }
        _ => format!("{channel}{to} · {kind} · {outcome}"),
    }
}

/// Notices a page lists.
const PER_PAGE: i64 = 20;

/// `?page=N` (1 by default); anything else is a 422 naming `page`.
fn page_of(q: &HashMap<String, String>) -> Result<i64, ApiError> {
    match q.get("page").map(|p| p.trim()) {
        None | Some("") => Ok(1),
        Some(p) => p
            .parse::<i64>()
            .ok()
            .filter(|n| (1..=1_000_000).contains(n))
            .ok_or_else(|| ApiError::invalid("page", "must be a page number")),
    }
}

fn pages_of(total: i64) -> i64 {
    ((total + PER_PAGE - 1) / PER_PAGE).max(1)
}

/// One notice as `/notices` lists it.
pub struct Item {
    pub id: i64,
    pub kind: &'static str,
    pub text: String,
    pub case: Option<String>,
    pub at: String,
    pub read: bool,
}

#[derive(Template)]
#[template(path = "notices.html")]
struct NoticesPage {
    ctx: Ctx,
    items: Vec<Item>,
    unread: i64,
    page: i64,
    pages: i64,
    prev: Option<String>,
    next: Option<String>,
    /// A chair or an administrator: a link to the failed deliveries.
    reviews_failed: bool,
}

pub async fn list(ctx: Ctx, State(state): State<AppState>, Query(q): Query<HashMap<String, String>>) -> PageResult {
    let user = ctx.require_user()?.clone();
    let page = page_of(&q)?;
    let mine = svc::my_notices(&state, &user, false, PER_PAGE, (page - 1) * PER_PAGE).await?;
    let lang = ctx.lang;
    let items = mine
        .notices
        .into_iter()
        .map(|n| Item {
            id: n.id,
            kind: kind_words(lang, n.kind),
            text: n.body,
            case: n.case_number,
            at: lang.datetime(n.created_at),
            read: n.read_at.is_some(),
        })
        .collect();
    let pages = pages_of(mine.total);
    let href = |p: i64| format!("/notices?page={p}");
    let page_view = NoticesPage {
        items,
        unread: mine.unread,
        page,
        pages,
        prev: (page > 1).then(|| href(page - 1)),
        next: (page < pages).then(|| href(page + 1)),
        reviews_failed: crate::access::may_review_failed_notices(&user).is_ok(),
        ctx,
    };
    Ok(([(axum::http::header::CACHE_CONTROL, "no-store")], render(&page_view)).into_response())
}

/// Opens a notice: marks it read and goes to its case (or back to the list).
pub async fn open(ctx: Ctx, State(state): State<AppState>, Path(id): Path<String>) -> PageResult {
    let user = ctx.require_user()?.clone();
    let id = id.parse::<i64>().map_err(|_| ApiError::not_found("no such notice"))?;
    let n = svc::mark_read(&state, &user, id).await?;
    let to = match n.case_number {
        Some(number) => format!("/cases/{number}"),
        None => "/notices".to_owned(),
    };
    Ok(Redirect::to(&to).into_response())
}

#[derive(Deserialize, Default)]
pub struct CsrfForm {
    #[serde(default)]
    csrf: String,
}

pub async fn read_all(ctx: Ctx, State(state): State<AppState>, Form(f): Form<CsrfForm>) -> PageResult {
    ctx.check_csrf(&f.csrf)?;
    let user = ctx.require_user()?.clone();
    svc::mark_all_read(&state, &user).await?;
    Ok(Redirect::to("/notices").into_response())
}

/// One failed delivery as `/notices/failed` lists it.
pub struct FailedItem {
    pub id: i64,
    pub kind: &'static str,
    pub channel: &'static str,
    pub to: String,
    pub attempts: i64,
    pub last_error: String,
    /// None where there is no case or it is withheld (a wellbeing case the caller may not open).
    pub case: Option<String>,
    pub text: Option<String>,
    pub at: String,
    /// Whether "send again" can do anything (`Notice::may_send_again`).
    pub may_retry: bool,
}

#[derive(Template)]
#[template(path = "notices_failed.html")]
struct FailedPage {
    ctx: Ctx,
    items: Vec<FailedItem>,
    total: i64,
    page: i64,
    pages: i64,
    prev: Option<String>,
    next: Option<String>,
    notice: &'static str,
}

pub async fn failed(ctx: Ctx, State(state): State<AppState>, Query(q): Query<HashMap<String, String>>) -> PageResult {
    let user = ctx.require_staff()?.clone();
    let page = page_of(&q)?;
    let (total, found) = svc::failed(&state, &user, PER_PAGE, (page - 1) * PER_PAGE).await?;
    let lang = ctx.lang;
    let items = found
        .into_iter()
        .map(|f| {
            let n = f.notice;
            let may_retry = n.may_send_again();
            FailedItem {
                may_retry,
                id: n.id,
                kind: kind_words(lang, n.kind),
                channel: channel_words(lang, n.channel),
                to: n.address,
                attempts: n.attempts,
                last_error: n.last_error.unwrap_or_default(),
                case: n.case_number.filter(|_| f.case_shown),
                text: f.case_shown.then_some(n.body),
                at: lang.datetime(n.created_at),
            }
        })
        .collect();
    let pages = pages_of(total);
    let href = |p: i64| format!("/notices/failed?page={p}");
    let notice = if q.contains_key("done") { "notice_retried" } else { "" };
    let page_view = FailedPage {
        items,
        total,
        page,
        pages,
        prev: (page > 1).then(|| href(page - 1)),
        next: (page < pages).then(|| href(page + 1)),
        notice,
        ctx,
    };
    Ok(render(&page_view))
}

/// "Send again": the failed notice waits to be sent at once.
pub async fn retry(
    ctx: Ctx,
    State(state): State<AppState>,
    Path(id): Path<String>,
    Form(f): Form<CsrfForm>,
) -> PageResult {
    ctx.check_csrf(&f.csrf)?;
    let user = ctx.require_staff()?.clone();
    let id = id.parse::<i64>().map_err(|_| ApiError::not_found("no such notice"))?;
    svc::retry(&state, &user, id).await?;
    Ok(Redirect::to("/notices/failed?done=1").into_response())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_notice_entry_reads_in_both_languages() {
        let d = serde_json::json!({"kind": "new_case", "channel": "sms", "to": "138****5678", "outcome": "sent", "attempts": 1});
        assert_eq!(entry_words(Lang::Zh, &d), "短信 138****5678 · 新约事 · 已发送（尝试 1 次）");
        assert_eq!(entry_words(Lang::En, &d), "SMS 138****5678 · New case · Sent (1 attempt)");
        let failed = serde_json::json!({"kind": "overdue", "channel": "wecom", "to": "https://qyapi.weixin.qq.com/…", "outcome": "failed", "attempts": 8});
        assert_eq!(
            entry_words(Lang::En, &failed),
            "WeChat Work group https://qyapi.weixin.qq.com/… · Overdue · Failed (8 attempts)"
        );
    }
}
