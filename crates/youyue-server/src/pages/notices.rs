//! Notices (通知) on the pages: the words of kinds, channels and outcomes, and the record
//! book's `notice` entries in words.

use super::Lang;
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
    let to = text("to");
    let to = if to.is_empty() { String::new() } else { format!(" {to}") };
    match (lang, attempts) {
        (Lang::Zh, Some(n)) => format!("{channel}{to} · {kind} · {outcome}（尝试 {n} 次）"),
        (Lang::En, Some(n)) => {
            format!("{channel}{to} · {kind} · {outcome} ({n} attempt{})", if n == 1 { "" } else { "s" })
        }
        _ => format!("{channel}{to} · {kind} · {outcome}"),
    }
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
