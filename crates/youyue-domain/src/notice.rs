//! Notices (通知): who is told what, the words they are told in, when a failed delivery is
//! tried again, the quiet hours of SMS to workers, and how an address is shown masked.
//!
//! A notice never carries a case's title or description, an anonymous worker's identity or
//! a wellbeing case's text: [`message`] is given only the case's number and kind, a time, a
//! place and a link, so no other words can reach it.

use crate::case::{half_width, string_enum, FieldError};
use crate::exchange::CaseRecord;
use crate::time::Timestamp;
use crate::{Kind, Urgency};

string_enum!(
    /// What a notice is about. Each kind has its audiences ([`NoticeKind::audiences`]).
    NoticeKind {
        NewCase = "new_case" / "新约事",
        UrgentCase = "urgent_case" / "紧急约事",
        Assigned = "assigned" / "指派给我",
        DueTomorrow = "due_tomorrow" / "明天到期",
        Overdue = "overdue" / "已超期",
        Chased = "chased" / "催办",
        Supervised = "supervised" / "督办",
        AppointmentBooked = "appointment_booked" / "新预约",
        AppointmentChanged = "appointment_changed" / "预约改期",
        AppointmentCancelled = "appointment_cancelled" / "预约取消",
        ReminderDay = "reminder_day" / "预约前一天提醒",
        ReminderHour = "reminder_hour" / "预约前一小时提醒",
        Registered = "registered" / "登记回执",
        Answered = "answered" / "已有答复",
    }
);

string_enum!(
    /// How a notice travels. `app` is the bell on the staff pages: stored, never sent.
    NoticeChannel {
        App = "app" / "站内",
        Email = "email" / "邮件",
        Sms = "sms" / "短信",
        Wecom = "wecom" / "企业微信群",
    }
);

string_enum!(
    /// Where a notice stands: waiting (first try or a retry), delivered, or given up on.
    NoticeStatus {
        Pending = "pending" / "待发送",
        Sent = "sent" / "已发送",
        Failed = "failed" / "发送失败",
    }
);

/// Who is told, before it is known which people that is (storage and the roster decide).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Audience {
    /// The receptionists of the case's union.
    Receptionists,
    /// The chair (工会主席) of the case's union.
    Chair,
    /// The specialist on duty now at the case's union, where it keeps a roster.
    OnDuty,
    /// The case's assigned handler.
    Handler,
    /// The appointment's specialist.
    Specialist,
    /// The union the case belongs to, told of a chase or supervision from above: its chair.
    UnionBelow,
    /// The worker, by the contact they left, only if they agreed to be told; and their own
    /// account, if they raised the case with one.
    Worker,
    /// The union's WeChat Work group robot, where one is set.
    Group,
}

impl NoticeKind {
    /// Who is told of this kind of event about a case of `case_kind`. A wellbeing case
    /// (谈心理) is confidential: its chair, who alone may open it, is told of it instead of
    /// the receptionists, and no group hears of it.
    pub fn audiences(self, case_kind: Kind) -> &'static [Audience] {
        use Audience::*;
        if case_kind == Kind::Wellbeing {
            match self {
                NoticeKind::NewCase => return &[Chair],
                NoticeKind::UrgentCase => return &[Chair, OnDuty],
                NoticeKind::Overdue => return &[Handler],
                _ => {}
            }
        }
        match self {
            NoticeKind::NewCase => &[Receptionists, Group],
            NoticeKind::UrgentCase => &[Chair, OnDuty, Group],
            NoticeKind::Assigned | NoticeKind::DueTomorrow => &[Handler],
            NoticeKind::Overdue => &[Handler, Group],
            NoticeKind::Chased | NoticeKind::Supervised => &[Handler, UnionBelow],
            NoticeKind::AppointmentBooked
            | NoticeKind::AppointmentChanged
            | NoticeKind::AppointmentCancelled
            | NoticeKind::ReminderDay
            | NoticeKind::ReminderHour => &[Specialist, Worker],
            NoticeKind::Registered | NoticeKind::Answered => &[Worker],
        }
    }

    /// Sent at once, quiet hours or not.
    pub fn is_crisis(self) -> bool {
        matches!(self, NoticeKind::UrgentCase)
    }

    /// Whether an SMS of this kind to a worker waits for the end of the quiet hours: not
    /// about an urgent case, not a crisis, and not the reminder an hour before (held till
    /// 08:00 it would come after a 07:30 appointment had begun).
    pub fn waits_for_quiet_hours(self, urgent_case: bool) -> bool {
        !(urgent_case || self.is_crisis() || self == NoticeKind::ReminderHour)
    }

    /// The kinds a person may turn off for e-mail and SMS on their account page (the bell
    /// keeps them all); a worker's notices are asked for case by case instead.
    pub fn for_staff(self) -> bool {
        !matches!(self, NoticeKind::Registered | NoticeKind::Answered)
    }
}

/// The notices a record-book entry written by a live change gives rise to (an import's
/// entries give none). `action` and `detail` are the entry's; `case` is the case after it.
pub fn kinds_of_entry(action: &str, detail: &serde_json::Value, case: &CaseRecord) -> Vec<NoticeKind> {
    match action {
        "register" => {
            let mut kinds = vec![NoticeKind::NewCase];
            if case.urgency == Some(Urgency::Urgent) {
                kinds.push(NoticeKind::UrgentCase);
            }
            kinds
        }
        // Urgency is set when a case is accepted (受理), not when it is registered.
        "accept" if case.urgency == Some(Urgency::Urgent) => vec![NoticeKind::UrgentCase],
        "assign" => vec![NoticeKind::Assigned],
        "supervise" => vec![NoticeKind::Supervised],
        "chase" => vec![NoticeKind::Chased],
        // A booking through the roster names its appointment; a free-text meeting does not.
        "schedule" if detail.get("appointment").is_some() => vec![NoticeKind::AppointmentBooked],
        crate::appointment::CHANGE_ACTION => match detail.get("change").and_then(|c| c.as_str()) {
            Some("reschedule") => vec![NoticeKind::AppointmentChanged],
            Some("cancel") => vec![NoticeKind::AppointmentCancelled],
            _ => Vec::new(),
        },
        "resolve" | "explain" | "refer" => vec![NoticeKind::Answered],
        // 派单/改派 and 退单: a new case for the union it now is at.
        "transfer" | "return" => vec![NoticeKind::NewCase],
        _ => Vec::new(),
    }
}

/// What a notice may say about its case: nothing more.
#[derive(Debug, Clone, Default)]
pub struct About<'a> {
    pub number: &'a str,
    pub case_kind: Option<Kind>,
    /// An appointment's start, or a deadline's day (its start, China time).
    pub when: Option<Timestamp>,
    /// An appointment's place (or "线上").
    pub place: Option<&'a str>,
    /// The worker's tracking code, only in the receipt of a case staff registered.
    pub tracking_code: Option<&'a str>,
    /// Where to read it: the case page for staff, the tracking page for the worker.
    pub link: &'a str,
}

/// A notice's words: a subject line (e-mail) and the text (every channel).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Message {
    pub subject: String,
    pub text: String,
}

/// What stands in a stored receipt for the tracking code, which is kept apart (a notice's
/// `secret`) and put in only when the receipt is sent: the code is the worker's key to
/// their case, and no listing of notices may show it.
pub const CODE_SLOT: &str = "〔查询码〕";

/// How a notice to the worker's own contact (not to an account) names its recipient in
/// the record book and every listing: never the contact, even masked (an anonymous
/// worker's contact is hidden from the enterprise's staff, and four digits of seven known
/// are too few to hide a worker in a workshop).
pub const WORKER_RECIPIENT: &str = "worker";

/// The sender's name, at the head of every SMS and e-mail subject, as gateways require.
pub const SIGNATURE: &str = "【工会有约】";

/// The words of a notice of `kind` about `about`, for staff or for the worker.
pub fn message(kind: NoticeKind, about: &About<'_>, to_worker: bool) -> Message {
    let n = about.number;
    let label = about.case_kind.map(Kind::label_zh).unwrap_or("");
    // A part the event does not know is left out with its punctuation, never left empty.
    let when = about.when.map(words_of_time);
    let day = about.when.map(|t| format!("（{}）", t.cst_date().format("%Y-%m-%d"))).unwrap_or_default();
    let colon_when = when.as_deref().map(|w| format!("：{w}")).unwrap_or_default();
    let comma_when = when.as_deref().map(|w| format!("，{w}")).unwrap_or_default();
    let when_sp = when.as_deref().map(|w| format!("{w} ")).unwrap_or_default();
    let place = about.place.map(one_line).filter(|p| !p.is_empty()).map(|p| format!("，地点：{p}")).unwrap_or_default();
    let link = about.link;
    // The worker's word for their case is 事项; 约事 is the studios' own.
    let (whose, which) = if to_worker {
        ("您".to_owned(), format!("事项编号 {n}"))
    } else {
        (format!("约事 {n} "), format!("约事 {n}"))
    };
    let (subject, body) = match kind {
        NoticeKind::NewCase => (format!("新的{label}约事 {n}"), format!("新的{label}约事 {n}，请登录查看")),
        NoticeKind::UrgentCase => {
            (format!("紧急：新的{label}约事 {n}"), format!("紧急：新的{label}约事 {n}，请立即登录查看"))
        }
        NoticeKind::Assigned => (format!("约事 {n} 已指派给您"), format!("约事 {n} 已指派给您办理，请登录查看")),
        NoticeKind::DueTomorrow => (format!("约事 {n} 明天到期"), format!("约事 {n} 明天{day}到期，请按时办结")),
        NoticeKind::Overdue => (format!("约事 {n} 已超期"), format!("约事 {n} 已超过办理期限{day}，请尽快办理")),
        NoticeKind::Chased => (format!("约事 {n} 被催办"), format!("约事 {n} 被上级催办，请尽快办理")),
        NoticeKind::Supervised => (format!("约事 {n} 被督办"), format!("约事 {n} 已超期，上级工会已督办，请尽快办理")),
        NoticeKind::AppointmentBooked if to_worker => {
            (format!("预约已登记{colon_when}"), format!("您的预约已登记{colon_when}{place}。事项编号 {n}"))
        }
        NoticeKind::AppointmentBooked => {
            (format!("新预约{colon_when}"), format!("新预约：约事 {n}{comma_when}{place}"))
        }
        NoticeKind::AppointmentChanged => match &when {
            Some(w) => (format!("预约改期：{w}"), format!("{whose}的预约已改到 {w}{place}")),
            None => ("预约改期".to_owned(), format!("{whose}的预约已改期{place}")),
        },
        NoticeKind::AppointmentCancelled => (format!("预约取消{colon_when}"), format!("{whose}{when_sp}的预约已取消")),
        // Not "tomorrow": a reminder held up (the server was down) may go the same day.
        NoticeKind::ReminderDay => {
            (format!("预约提醒{colon_when}"), format!("提醒：{when_sp}有约谈{place}（{which}）"))
        }
        NoticeKind::ReminderHour => {
            (format!("一小时后有约{colon_when}"), format!("提醒：{when_sp}有约谈，一小时内开始{place}（{which}）"))
        }
        NoticeKind::Registered => {
            let code = about.tracking_code.unwrap_or("");
            (
                format!("事项已登记：{n}"),
                format!("您向工会反映的事项已登记，编号 {n}，查询码 {code}，请妥善保存，凭编号和查询码查询进度"),
            )
        }
        NoticeKind::Answered => {
            (format!("事项 {n} 已有答复"), format!("您向工会反映的事项 {n} 已有答复，请凭编号和查询码查看"))
        }
    };
    let text = if link.is_empty() { format!("{body}。") } else { format!("{body}：{link}") };
    Message { subject: format!("{SIGNATURE}{subject}"), text }
}

/// A place as a notice says it: one line (line breaks and controls become spaces), at most
/// 60 characters — what staff typed may be long, and an SMS is short.
fn one_line(text: &str) -> String {
    let flat: String = text.chars().map(|c| if c.is_control() { ' ' } else { c }).collect();
    let words: Vec<&str> = flat.split_whitespace().collect();
    let joined = words.join(" ");
    if joined.chars().count() > 60 {
        joined.chars().take(59).chain(std::iter::once('…')).collect()
    } else {
        joined
    }
}

/// A time as a notice says it: `12月8日（周二）14:30`, China time.
pub fn words_of_time(t: Timestamp) -> String {
    use chrono::{Datelike, Timelike};
    let c = t.to_cst();
    const WEEK: [&str; 7] = ["周一", "周二", "周三", "周四", "周五", "周六", "周日"];
    format!(
        "{}月{}日（{}）{:02}:{:02}",
        c.month(),
        c.day(),
        WEEK[c.weekday().num_days_from_monday() as usize],
        c.hour(),
        c.minute()
    )
}

/// How long a sender waits after the `failures`-th failed attempt before the next, or
/// `None` once it gives up (after 8 attempts, about a day after the first).
pub fn retry_delay_secs(failures: u32) -> Option<i64> {
    const DELAYS: [i64; 7] = [60, 5 * 60, 15 * 60, 60 * 60, 3 * 3600, 6 * 3600, 12 * 3600];
    DELAYS.get(failures.checked_sub(1)? as usize).copied()
}

/// The hours, China time, in which no SMS goes to a worker unless it is a crisis: from
/// `from` to `to` minutes after midnight, across midnight when `from > to`. A district
/// setting; 22:00–08:00 by default.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct QuietHours {
    /// `HH:MM`.
    #[serde(with = "hhmm")]
    pub from: u16,
    #[serde(with = "hhmm")]
    pub to: u16,
}

impl Default for QuietHours {
    fn default() -> Self {
        QuietHours { from: 22 * 60, to: 8 * 60 }
    }
}

impl QuietHours {
    /// When a notice that would go at `now` may go: `None` if now is outside the quiet
    /// hours, otherwise their end.
    pub fn release_at(self, now: Timestamp) -> Option<Timestamp> {
        use chrono::Timelike;
        if self.from == self.to {
            return None;
        }
        let c = now.to_cst();
        let minute = (c.hour() * 60 + c.minute()) as u16;
        let quiet = if self.from < self.to {
            minute >= self.from && minute < self.to
        } else {
            minute >= self.from || minute < self.to
        };
        if !quiet {
            return None;
        }
        let day = if self.from > self.to && minute >= self.from { c.date_naive().succ_opt()? } else { c.date_naive() };
        let start = Timestamp::start_of_cst_day(day);
        Some(Timestamp::from_micros(start.micros() + i64::from(self.to) * 60_000_000))
    }
}

mod hhmm {
    pub fn serialize<S: serde::Serializer>(m: &u16, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&format!("{:02}:{:02}", m / 60, m % 60))
    }
    pub fn deserialize<'de, D: serde::Deserializer<'de>>(d: D) -> Result<u16, D::Error> {
        let s: String = serde::Deserialize::deserialize(d)?;
        super::parse_hhmm(&s).ok_or_else(|| serde::de::Error::custom("expected HH:MM between 00:00 and 23:59"))
    }
}

/// `HH:MM` as minutes after midnight (00:00–23:59).
pub fn parse_hhmm(s: &str) -> Option<u16> {
    let (h, m) = s.trim().split_once(':')?;
    let (h, m): (u16, u16) = (h.parse().ok()?, m.parse().ok()?);
    (h < 24 && m < 60).then_some(h * 60 + m)
}

fn wide_to_ascii(s: &str) -> String {
    s.chars().map(half_width).collect()
}

/// Where a worker can be reached, read from the contact they left.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Reach {
    Email(String),
    Phone(String),
}

/// The e-mail address or mainland mobile number in a worker's contact, if it is one.
pub fn reach_of(contact: &str) -> Option<Reach> {
    let c = wide_to_ascii(contact.trim());
    if c.contains('@') {
        return parse_email(&c).map(Reach::Email);
    }
    parse_phone(&c).map(Reach::Phone)
}

/// An e-mail address as accounts keep it: one `@`, a dotted domain, no spaces, at most 254.
pub fn parse_email(s: &str) -> Option<String> {
    let s = s.trim();
    let (local, domain) = s.split_once('@')?;
    let ok = !local.is_empty()
        && !local.starts_with('.')
        && !local.ends_with('.')
        && !s.contains("..")
        && s.chars().count() <= 254
        && domain.contains('.')
        && !domain.starts_with('.')
        && !domain.ends_with('.')
        && !domain.contains('@')
        && s.chars().all(|c| c.is_ascii_graphic() && c != '<' && c != '>' && c != ',' && c != ';');
    ok.then(|| s.to_owned())
}

/// A mainland mobile number: 11 digits starting with 1, spaces, dashes and a leading
/// `+86` / `86` allowed and dropped.
pub fn parse_phone(s: &str) -> Option<String> {
    let digits: String = s.chars().filter(|c| !matches!(c, ' ' | '-')).collect();
    let digits = digits.strip_prefix("+86").or_else(|| digits.strip_prefix("0086")).unwrap_or(&digits);
    let digits = if digits.len() == 13 { digits.strip_prefix("86").unwrap_or(digits) } else { digits };
    let ok = digits.len() == 11 && digits.starts_with('1') && digits.bytes().all(|b| b.is_ascii_digit());
    ok.then(|| digits.to_owned())
}

/// An account's e-mail address, or the field error (empty clears it).
pub fn check_email(s: &str) -> Result<Option<String>, FieldError> {
    if s.trim().is_empty() {
        return Ok(None);
    }
    parse_email(&wide_to_ascii(s)).map(Some).ok_or_else(|| FieldError::new("email", "is not an e-mail address"))
}

/// An account's mobile number, or the field error (empty clears it).
pub fn check_phone(s: &str) -> Result<Option<String>, FieldError> {
    if s.trim().is_empty() {
        return Ok(None);
    }
    parse_phone(&wide_to_ascii(s))
        .map(Some)
        .ok_or_else(|| FieldError::new("phone", "is not a mainland mobile number (11 digits)"))
}

/// An address as the record book, the logs and the pages show it: `z***@example.com`,
/// `138****5678`, a webhook's scheme and host only.
pub fn mask(channel: NoticeChannel, address: &str) -> String {
    match channel {
        NoticeChannel::App => address.to_owned(),
        NoticeChannel::Email => match address.split_once('@') {
            Some((local, domain)) => {
                let first: String = local.chars().take(1).collect();
                format!("{first}***@{domain}")
            }
            None => "***".to_owned(),
        },
        NoticeChannel::Sms => {
            let chars: Vec<char> = address.chars().collect();
            if chars.len() >= 7 {
                let head: String = chars[..3].iter().collect();
                let tail: String = chars[chars.len() - 4..].iter().collect();
                format!("{head}****{tail}")
            } else {
                "****".to_owned()
            }
        }
        NoticeChannel::Wecom => mask_url(address),
    }
}

/// A URL that may hold a secret (a robot's key, a gateway's token) as it may be shown:
/// its scheme and host, the rest elided.
pub fn mask_url(url: &str) -> String {
    match url.split_once("://") {
        Some((scheme, rest)) => {
            let host = rest.split(['/', '?', '#']).next().unwrap_or("");
            let host = host.rsplit('@').next().unwrap_or(host);
            format!("{scheme}://{host}/…")
        }
        None => "…".to_owned(),
    }
}

/// A WeChat Work group robot's webhook as a chair sets it: one `https://` URL of at most
/// 500 characters naming a host (no user name or password in it, not a private or
/// link-local address), or `http://` to this machine (a relay; [`webhook_is_local`], which
/// only an administrator may set).
pub fn check_webhook(url: &str) -> Result<Option<String>, FieldError> {
    let url = url.trim();
    if url.is_empty() {
        return Ok(None);
    }
    let bad = |m: &str| Err(FieldError::new("wecom_webhook", m));
    if url.chars().count() > 500 || url.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return bad("must be one URL of at most 500 characters");
    }
    let Some((scheme, rest)) = url.split_once("://") else { return bad("must be an https:// URL") };
    let authority = rest.split(['/', '?', '#']).next().unwrap_or("");
    if authority.contains('@') {
        return bad("must not hold a user name or password");
    }
    let host = host_of(authority);
    if host.is_empty() {
        return bad("must name the robot's host");
    }
    match scheme.to_ascii_lowercase().as_str() {
        "https" if is_private_address(host) => bad("must not be a private or link-local address"),
        "https" => Ok(Some(url.to_owned())),
        "http" if is_local_host(host) => Ok(Some(url.to_owned())),
        _ => bad("must be an https:// URL (http:// only to this machine)"),
    }
}

/// Whether a webhook (as [`check_webhook`] passed it) points at this machine.
pub fn webhook_is_local(url: &str) -> bool {
    let rest = url.split_once("://").map(|(_, r)| r).unwrap_or("");
    is_local_host(host_of(rest.split(['/', '?', '#']).next().unwrap_or("")))
}

/// The host of `host[:port]` or `[v6]:port`, brackets dropped.
fn host_of(authority: &str) -> &str {
    if let Some(v6) = authority.strip_prefix('[') {
        return v6.split(']').next().unwrap_or("");
    }
    authority.rsplit_once(':').map(|(h, _)| h).unwrap_or(authority)
}

fn is_local_host(host: &str) -> bool {
    host.eq_ignore_ascii_case("localhost")
        || host.parse::<std::net::IpAddr>().is_ok_and(|ip| ip.is_loopback() || ip.is_unspecified())
}

/// Loopback, private (RFC 1918, unique local) and link-local addresses, written as such.
fn is_private_address(host: &str) -> bool {
    use std::net::IpAddr;
    if is_local_host(host) {
        return true;
    }
    match host.parse::<IpAddr>() {
        Ok(IpAddr::V4(v4)) => {
            v4.is_private() || v4.is_link_local() || v4.octets()[0] == 100 && v4.octets()[1] & 0xc0 == 64
        }
        Ok(IpAddr::V6(v6)) => {
            let first = v6.segments()[0];
            first & 0xfe00 == 0xfc00
                || first & 0xffc0 == 0xfe80
                || v6.to_ipv4_mapped().is_some_and(|v4| v4.is_private() || v4.is_loopback())
        }
        Err(_) => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(s: &str) -> Timestamp {
        Timestamp::parse_rfc3339(s).unwrap()
    }

    #[test]
    fn a_message_names_the_case_and_never_more() {
        let about = About {
            number: "JD-2026-000123",
            case_kind: Some(Kind::Wellbeing),
            link: "https://y.example/cases/JD-2026-000123",
            ..About::default()
        };
        let m = message(NoticeKind::NewCase, &about, false);
        assert_eq!(m.text, "新的谈心理约事 JD-2026-000123，请登录查看：https://y.example/cases/JD-2026-000123");
        assert!(m.subject.starts_with(SIGNATURE));
        let receipt = message(
            NoticeKind::Registered,
            &About { tracking_code: Some("ABCD-EFGH"), link: "", ..about.clone() },
            true,
        );
        assert!(receipt.text.contains("ABCD-EFGH") && receipt.text.ends_with('。'));
    }

    #[test]
    fn a_part_not_known_is_left_out_whole() {
        let bare = About { number: "JD-2026-000001", ..About::default() };
        for kind in NoticeKind::ALL {
            for to_worker in [false, true] {
                let m = message(*kind, &bare, to_worker);
                for broken in ["（）", "，。", "，，", "：。", "  ", "地点：（"] {
                    assert!(!m.text.contains(broken) && !m.subject.contains(broken), "{kind}: {m:?}");
                }
            }
        }
        let due = About { when: Some(at("2026-12-07T16:00:00Z")), ..bare.clone() };
        assert_eq!(
            message(NoticeKind::DueTomorrow, &due, false).text,
            "约事 JD-2026-000001 明天（2026-12-08）到期，请按时办结。"
        );
        let booked = About { when: Some(at("2026-12-08T06:30:00Z")), place: Some("调解室"), ..bare };
        assert_eq!(
            message(NoticeKind::AppointmentBooked, &booked, false).text,
            "新预约：约事 JD-2026-000001，12月8日（周二）14:30，地点：调解室。"
        );
    }

    #[test]
    fn no_group_hears_of_a_wellbeing_case() {
        for kind in NoticeKind::ALL {
            let heard = kind.audiences(Kind::Wellbeing);
            assert!(!heard.contains(&Audience::Group) && !heard.contains(&Audience::Receptionists), "{kind}");
        }
        assert_eq!(NoticeKind::NewCase.audiences(Kind::Claim), &[Audience::Receptionists, Audience::Group]);
    }

    #[test]
    fn a_place_is_one_short_line() {
        let about = About {
            number: "JD-2026-000001",
            when: Some(at("2026-12-08T06:30:00Z")),
            place: Some("调解室\r\nBcc: x@evil.org"),
            ..About::default()
        };
        let m = message(NoticeKind::AppointmentBooked, &about, true);
        assert!(m.text.contains("地点：调解室 Bcc: x@evil.org。") && !m.text.contains('\n'), "{}", m.text);
        let long = "很".repeat(100);
        let m = message(NoticeKind::ReminderDay, &About { place: Some(&long), ..about }, true);
        assert!(m.text.contains(&format!("{}…", "很".repeat(59))) && !m.text.contains(&"很".repeat(60)), "{}", m.text);
    }

    #[test]
    fn times_read_in_china_time() {
        assert_eq!(words_of_time(at("2026-12-08T06:30:00Z")), "12月8日（周二）14:30");
    }

    #[test]
    fn entries_give_their_notices() {
        let mut case: CaseRecord = serde_json::from_value(serde_json::json!({
            "number": "JD-2026-000001", "union": "jd", "kind": "claim", "channel": "hotline",
            "opened_at": "2026-12-07T01:00:00Z", "status": "registered"
        }))
        .unwrap();
        let none = serde_json::Value::Null;
        assert_eq!(kinds_of_entry("register", &none, &case), vec![NoticeKind::NewCase]);
        case.urgency = Some(Urgency::Urgent);
        assert_eq!(kinds_of_entry("register", &none, &case), vec![NoticeKind::NewCase, NoticeKind::UrgentCase]);
        assert_eq!(kinds_of_entry("accept", &none, &case), vec![NoticeKind::UrgentCase]);
        case.urgency = Some(Urgency::Normal);
        assert!(kinds_of_entry("accept", &none, &case).is_empty());
        assert!(kinds_of_entry("schedule", &serde_json::json!({"starts_at": "x"}), &case).is_empty());
        assert_eq!(
            kinds_of_entry("schedule", &serde_json::json!({"appointment": 3}), &case),
            vec![NoticeKind::AppointmentBooked]
        );
        assert_eq!(
            kinds_of_entry("appointment", &serde_json::json!({"change": "cancel"}), &case),
            vec![NoticeKind::AppointmentCancelled]
        );
        assert!(kinds_of_entry("appointment", &serde_json::json!({"change": "held"}), &case).is_empty());
        assert_eq!(kinds_of_entry("explain", &none, &case), vec![NoticeKind::Answered]);
        assert_eq!(kinds_of_entry("transfer", &none, &case), vec![NoticeKind::NewCase]);
        assert_eq!(kinds_of_entry("return", &none, &case), vec![NoticeKind::NewCase]);
        assert!(kinds_of_entry("note", &none, &case).is_empty());
        assert!(kinds_of_entry("import", &none, &case).is_empty());
    }

    #[test]
    fn what_quiet_hours_hold() {
        assert!(NoticeKind::Answered.waits_for_quiet_hours(false));
        assert!(!NoticeKind::Answered.waits_for_quiet_hours(true));
        assert!(!NoticeKind::ReminderHour.waits_for_quiet_hours(false));
        assert!(NoticeKind::ReminderDay.waits_for_quiet_hours(false));
    }

    #[test]
    fn retries_back_off_then_stop() {
        assert_eq!(retry_delay_secs(0), None);
        assert_eq!(retry_delay_secs(1), Some(60));
        assert_eq!(retry_delay_secs(7), Some(12 * 3600));
        assert_eq!(retry_delay_secs(8), None);
    }

    #[test]
    fn quiet_hours_cross_midnight() {
        let q = QuietHours::default();
        // 23:30 China time → 08:00 the next day.
        assert_eq!(q.release_at(at("2026-12-07T15:30:00Z")), Some(at("2026-12-08T00:00:00Z")));
        // 07:59 → 08:00 the same day.
        assert_eq!(q.release_at(at("2026-12-07T23:59:00Z")), Some(at("2026-12-08T00:00:00Z")));
        // 08:00 and 21:59 are not quiet.
        assert_eq!(q.release_at(at("2026-12-08T00:00:00Z")), None);
        assert_eq!(q.release_at(at("2026-12-08T13:59:00Z")), None);
        let day = QuietHours { from: 12 * 60, to: 14 * 60 };
        assert_eq!(day.release_at(at("2026-12-08T04:30:00Z")), Some(at("2026-12-08T06:00:00Z")));
        let json = serde_json::to_value(q).unwrap();
        assert_eq!(json, serde_json::json!({"from": "22:00", "to": "08:00"}));
        assert!(serde_json::from_value::<QuietHours>(serde_json::json!({"from": "24:00", "to": "08:00"})).is_err());
    }

    #[test]
    fn contacts_and_masks() {
        assert_eq!(reach_of(" 138 1234 5678 "), Some(Reach::Phone("13812345678".into())));
        assert_eq!(reach_of("+86 138-1234-5678"), Some(Reach::Phone("13812345678".into())));
        assert_eq!(reach_of("１３８１２３４５６７８"), Some(Reach::Phone("13812345678".into())));
        assert_eq!(reach_of("wang@example.com"), Some(Reach::Email("wang@example.com".into())));
        assert_eq!(reach_of("车间王师傅"), None);
        assert_eq!(reach_of("0571-88888888"), None);
        assert_eq!(mask(NoticeChannel::Sms, "13812345678"), "138****5678");
        assert_eq!(mask(NoticeChannel::Email, "wang@example.com"), "w***@example.com");
        assert_eq!(
            mask(NoticeChannel::Wecom, "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=SECRET"),
            "https://qyapi.weixin.qq.com/…"
        );
        assert!(!mask_url("smtp://user:pass@mail.example:587").contains("pass"));
        assert!(check_webhook("http://example.com/x").is_err());
        for bad in [
            "https://",
            "https:// ",
            "http://localhost@evil.example/x?key=K",
            "https://user:pw@qyapi.weixin.qq.com/x",
            "http://127.0.0.1.nip.io:18181/x",
            "https://10.0.0.1:8443/internal",
            "https://192.168.1.5/x",
            "https://[fd00::1]/x",
            "https://169.254.169.254/latest",
            "ftp://qyapi.weixin.qq.com/x",
        ] {
            assert!(check_webhook(bad).is_err(), "{bad}");
        }
        let robot = "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=K";
        assert_eq!(check_webhook(robot).unwrap().as_deref(), Some(robot));
        assert!(!webhook_is_local(robot));
        assert!(check_webhook("http://127.0.0.1:18181/send?key=K").is_ok());
        assert!(webhook_is_local("http://127.0.0.1:18181/send?key=K"));
        assert!(webhook_is_local("http://localhost/x"));
        assert_eq!(check_webhook("").unwrap(), None);
        assert!(check_phone("12345").is_err());
        assert!(check_email("a@b").is_err());
        for bad in ["a..b@example.org", ".a@example.org", "a.@example.org", "a@example..org"] {
            assert!(check_email(bad).is_err(), "{bad}");
        }
    }
}
