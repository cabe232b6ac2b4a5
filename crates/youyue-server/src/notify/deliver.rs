//! Delivering one notice by one channel: e-mail over SMTP, a WeChat Work group robot's
//! webhook, an SMS gateway. Nothing here reads the store.
//!
//! The settings (`serve --smtp`, `--mail-from`, `--sms-gateway`) are read by [`Channels`]:
//! - `--smtp smtps://USER:PASS@HOST[:465]`: implicit TLS (recommended where offered);
//!   `smtp://USER:PASS@HOST[:587]`: STARTTLS, required (a server that does not offer it is
//!   an error, never a fall-back to plain text), except to a loopback host (a relay on this
//!   machine), where it is used when offered; `smtp://HOST:PORT?tls=none`: plain SMTP, for
//!   a relay that has no TLS, and never with a password unless the host is loopback.
//!   User and password are percent-decoded. Certificates are checked against the Mozilla
//!   roots compiled in (`webpki-roots`), so a container without a CA bundle works.
//! - `--sms-gateway URL`: `https://`, or `http://` to a loopback host (a relay on this
//!   machine); youyue POSTs `{"phone":"138…","text":"【工会有约】…"}`, the text always
//!   headed by the signature (`notice::SIGNATURE`) as carriers require.
//!
//! Errors are sorted for the sender's retries: a refusal that will not change (an SMTP 5xx,
//! an HTTP 4xx, a robot's invalid webhook) is `permanent`; a busy or unreachable receiver
//! (SMTP 4xx, HTTP 5xx, 408, 429, a robot's rate limit, timeouts, refused connections) is
//! not. No error message holds a webhook's or gateway's URL beyond its host, nor the SMTP
//! password.

use std::time::Duration;
use youyue_domain::notice::{mask, mask_url, NoticeChannel, SIGNATURE};

use lettre::message::Mailbox;
use lettre::transport::smtp::authentication::Credentials;
use lettre::transport::smtp::client::{Tls, TlsParameters};
use lettre::{AsyncSmtpTransport, AsyncTransport, Tokio1Executor};

/// One notice as a channel sends it.
#[derive(Debug, Clone)]
pub struct Outgoing<'a> {
    pub channel: NoticeChannel,
    /// The e-mail address, the mobile number, or the robot's webhook URL.
    pub to: &'a str,
    /// The e-mail's subject (other channels send `text` only).
    pub subject: &'a str,
    pub text: &'a str,
    /// Mobile numbers a WeChat Work message @mentions.
    pub mentions: &'a [String],
    /// The same for every attempt at one notice (`youyue-notice-ID-CREATED`): the SMS
    /// gateway gets it as the `Idempotency-Key` header and an e-mail as its Message-ID, so
    /// a repeat after a crash (at least once) can be told from a new message.
    pub key: Option<&'a str>,
}

/// Why a delivery failed: `permanent` ones are not tried again.
#[derive(Debug, Clone, thiserror::Error)]
#[error("{message}")]
pub struct DeliveryError {
    pub permanent: bool,
    /// Never holds a webhook's or gateway's URL in full (`youyue_domain::notice::mask_url`).
    pub message: String,
}

impl DeliveryError {
    fn permanent(message: impl Into<String>) -> DeliveryError {
        DeliveryError { permanent: true, message: message.into() }
    }
    fn transient(message: impl Into<String>) -> DeliveryError {
        DeliveryError { permanent: false, message: message.into() }
    }
}

/// How long one HTTP delivery (robot, gateway) may take, connecting included.
pub const HTTP_TIMEOUT: Duration = Duration::from_secs(10);
/// How long one SMTP command may take (lettre's timeout is per command, not per message).
pub const SMTP_TIMEOUT: Duration = Duration::from_secs(20);
/// WeChat Work cuts a text message at 2,048 bytes of UTF-8.
const WECOM_TEXT_BYTES: usize = 2048;

/// The channel settings of `youyue serve`, as given (none: that channel is off).
#[derive(Clone, Default)]
pub struct Channels {
    /// `--smtp URL`.
    pub smtp: Option<String>,
    /// `--mail-from ADDR`: `noreply@example.org` or `工会有约 <noreply@example.org>`.
    pub mail_from: Option<String>,
    /// `--sms-gateway URL`.
    pub sms_gateway: Option<String>,
}

impl std::fmt::Debug for Channels {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Channels")
            .field("smtp", &self.smtp.as_deref().map(mask_url))
            .field("mail_from", &self.mail_from)
            .field("sms_gateway", &self.sms_gateway.as_deref().map(mask_url))
            .finish()
    }
}

/// A channel setting that cannot be used: the flag (and its variable) and why.
#[derive(Debug, Clone, thiserror::Error)]
#[error("{flag}: {reason}")]
pub struct ChannelsError {
    /// `--smtp (YOUYUE_SMTP)` and so on.
    pub flag: &'static str,
    pub reason: String,
}

const SMTP_FLAG: &str = "--smtp (YOUYUE_SMTP)";
const FROM_FLAG: &str = "--mail-from (YOUYUE_MAIL_FROM)";
const SMS_FLAG: &str = "--sms-gateway (YOUYUE_SMS_GATEWAY)";

fn bad(flag: &'static str, reason: impl Into<String>) -> ChannelsError {
    ChannelsError { flag, reason: reason.into() }
}

impl Channels {
    /// Whether these settings can be used, naming the flag at fault (what `serve` checks
    /// before it starts).
    pub fn check(&self) -> Result<(), ChannelsError> {
        Transports::new(self).map(drop)
    }
}

/// How an SMTP connection is secured.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SmtpSecurity {
    /// `smtps://`: TLS from the first byte.
    Implicit,
    /// `smtp://`: STARTTLS, or no mail is sent.
    StartTls,
    /// `smtp://` to a loopback host: STARTTLS when the relay offers it.
    StartTlsIfOffered,
    /// `?tls=none`: plain SMTP.
    None,
}

/// An `--smtp` URL, read.
#[derive(Clone, PartialEq, Eq)]
pub struct SmtpUrl {
    pub host: String,
    pub port: u16,
    pub security: SmtpSecurity,
    /// User and password, percent-decoded.
    pub credentials: Option<(String, String)>,
}

impl std::fmt::Debug for SmtpUrl {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SmtpUrl")
            .field("host", &self.host)
            .field("port", &self.port)
            .field("security", &self.security)
            .field("user", &self.credentials.as_ref().map(|(u, _)| u))
            .finish()
    }
}

/// Whether `host` is this machine. (The url crate leaves an IPv4 address in an `smtp://`
/// URL, a scheme it does not know, as a name.)
fn is_loopback(host: &url::Host<&str>) -> bool {
    match host {
        url::Host::Domain(d) => {
            d.eq_ignore_ascii_case("localhost") || d.parse::<std::net::IpAddr>().is_ok_and(|a| a.is_loopback())
        }
        url::Host::Ipv4(a) => a.is_loopback(),
        url::Host::Ipv6(a) => a.is_loopback(),
    }
}

fn host_string(host: &url::Host<&str>) -> String {
    match host {
        url::Host::Domain(d) => (*d).to_owned(),
        url::Host::Ipv4(a) => a.to_string(),
        url::Host::Ipv6(a) => a.to_string(),
    }
}

fn percent_decoded(s: &str) -> Result<String, ChannelsError> {
    percent_encoding::percent_decode_str(s)
        .decode_utf8()
        .map(|c| c.into_owned())
        .map_err(|_| bad(SMTP_FLAG, "the user or password is not UTF-8 once percent-decoded"))
}

impl SmtpUrl {
    /// Reads `smtp://[USER:PASS@]HOST[:PORT][?tls=none]` or `smtps://…` (see the module's
    /// head for what each means). The error never repeats the URL (it holds a password).
    pub fn parse(text: &str) -> Result<SmtpUrl, ChannelsError> {
        let url = url::Url::parse(text.trim())
            .map_err(|e| bad(SMTP_FLAG, format!("not a URL ({e}); expected smtp://USER:PASS@HOST:587")))?;
        let implicit = match url.scheme() {
            "smtp" => false,
            "smtps" => true,
            other => {
                return Err(bad(
                    SMTP_FLAG,
                    format!("the scheme must be smtp:// (STARTTLS) or smtps:// (TLS), not {other}://"),
                ))
            }
        };
        let host = url.host().ok_or_else(|| bad(SMTP_FLAG, "no host"))?;
        if !matches!(url.path(), "" | "/") || url.fragment().is_some() {
            return Err(bad(SMTP_FLAG, "a URL of a server only: no path after the host"));
        }
        let mut plain = false;
        for (key, value) in url.query_pairs() {
            match (key.as_ref(), value.as_ref()) {
                ("tls", "none") if !implicit => plain = true,
                ("tls", "none") => return Err(bad(SMTP_FLAG, "smtps:// is TLS; use smtp://…?tls=none for plain SMTP")),
                ("tls", "required") if !implicit => {}
                ("tls", other) => return Err(bad(SMTP_FLAG, format!("tls={other} is not known: only tls=none"))),
                (other, _) => return Err(bad(SMTP_FLAG, format!("the parameter {other} is not known: only tls=none"))),
            }
        }
        let credentials = match (url.username(), url.password()) {
            ("", None) => None,
            ("", Some(_)) => return Err(bad(SMTP_FLAG, "a password without a user")),
            (_, None) => return Err(bad(SMTP_FLAG, "a user without a password (smtp://USER:PASS@HOST)")),
            (user, Some(pass)) => Some((percent_decoded(user)?, percent_decoded(pass)?)),
        };
        let loopback = is_loopback(&host);
        if plain && credentials.is_some() && !loopback {
            // A password in clear over the network: refused rather than leaked.
            return Err(bad(SMTP_FLAG, "tls=none with a password is allowed only to a loopback host"));
        }
        let explicit_required = url.query_pairs().any(|(k, v)| k == "tls" && v == "required");
        let security = if implicit {
            SmtpSecurity::Implicit
        } else if plain {
            SmtpSecurity::None
        } else if loopback && !explicit_required {
            SmtpSecurity::StartTlsIfOffered
        } else {
            SmtpSecurity::StartTls
        };
        let port = url.port().unwrap_or(if implicit { 465 } else { 587 });
        Ok(SmtpUrl { host: host_string(&host), port, security, credentials })
    }

    /// How it is shown in the log: scheme, host, port and user, never the password.
    pub fn masked(&self) -> String {
        let scheme = if self.security == SmtpSecurity::Implicit { "smtps" } else { "smtp" };
        let user = self.credentials.as_ref().map(|(u, _)| format!("{u}:***@")).unwrap_or_default();
        let host = if self.host.contains(':') { format!("[{}]", self.host) } else { self.host.clone() };
        let tls = match self.security {
            SmtpSecurity::Implicit => "TLS",
            SmtpSecurity::StartTls => "STARTTLS",
            SmtpSecurity::StartTlsIfOffered => "STARTTLS if offered",
            SmtpSecurity::None => "no TLS",
        };
        format!("{scheme}://{user}{host}:{} ({tls})", self.port)
    }
}

/// A gateway's or robot's URL as `--sms-gateway` takes it: `https://`, or `http://` to this
/// machine.
fn parse_http_url(flag: &'static str, text: &str) -> Result<url::Url, ChannelsError> {
    let url = url::Url::parse(text.trim()).map_err(|e| bad(flag, format!("not a URL ({e})")))?;
    let host = url.host().ok_or_else(|| bad(flag, "no host"))?;
    match url.scheme() {
        "https" => Ok(url),
        "http" if is_loopback(&host) => Ok(url),
        "http" => Err(bad(flag, "must be https:// (http:// only to a loopback host)")),
        other => Err(bad(flag, format!("must be an https:// URL, not {other}://"))),
    }
}

/// E-mail: the SMTP transport and the sender.
struct Mail {
    transport: AsyncSmtpTransport<Tokio1Executor>,
    from: Mailbox,
    shown: String,
}

/// The configured channels (`serve --smtp`, `--mail-from`, `--sms-gateway`; a union's robot
/// is set per union). The bell (`app`) needs none. The default: robots and the bell only.
pub struct Transports {
    mail: Option<Mail>,
    sms_gateway: Option<url::Url>,
    /// Posts to robots and the gateway; None only if the TLS client could not be made.
    http: Option<reqwest::Client>,
}

impl Default for Transports {
    fn default() -> Transports {
        Transports { mail: None, sms_gateway: None, http: http_client().ok() }
    }
}

impl std::fmt::Debug for Transports {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.describe())
    }
}

impl Transports {
    /// The transports of `channels`, or the flag at fault. `--smtp` and `--mail-from` go
    /// together: one without the other is an error.
    pub fn new(channels: &Channels) -> Result<Transports, ChannelsError> {
        let mail = match (&channels.smtp, &channels.mail_from) {
            (None, None) => None,
            (Some(_), None) => return Err(bad(FROM_FLAG, "is needed with --smtp: the address notices are sent from")),
            (None, Some(_)) => return Err(bad(SMTP_FLAG, "is needed with --mail-from: the server to send through")),
            (Some(smtp), Some(from)) => Some(Mail::new(&SmtpUrl::parse(smtp)?, from)?),
        };
        let sms_gateway = channels.sms_gateway.as_deref().map(|g| parse_http_url(SMS_FLAG, g)).transpose()?;
        let http = Some(http_client().map_err(|e| bad(SMS_FLAG, format!("the HTTPS client cannot be made: {e}")))?);
        Ok(Transports { mail, sms_gateway, http })
    }

    /// Which channels are on, for the log at start: addresses masked.
    pub fn describe(&self) -> String {
        let mail = match &self.mail {
            Some(m) => format!("e-mail via {}", m.shown),
            None => "e-mail off (no --smtp)".to_owned(),
        };
        let sms = match &self.sms_gateway {
            Some(g) => format!("SMS via {}", mask_url(g.as_str())),
            None => "SMS off (no --sms-gateway)".to_owned(),
        };
        let wecom = if self.http.is_some() { "WeChat Work robots per union" } else { "WeChat Work off" };
        format!("{mail}; {sms}; {wecom}; the bell always")
    }

    /// Whether notices by `channel` can be sent at all (none are written for one that cannot).
    pub fn has(&self, channel: NoticeChannel) -> bool {
        match channel {
            NoticeChannel::App => true,
            NoticeChannel::Email => self.mail.is_some(),
            NoticeChannel::Sms => self.sms_gateway.is_some() && self.http.is_some(),
            NoticeChannel::Wecom => self.http.is_some(),
        }
    }

    /// Sends one notice. The error never holds the address in full: a server's answer
    /// that repeats it (an SMTP "550 <wang@…> unknown") has it masked (`notice::mask`).
    pub async fn deliver(&self, out: &Outgoing<'_>) -> Result<(), DeliveryError> {
        self.deliver_unmasked(out).await.map_err(|mut e| {
            if !out.to.is_empty() && e.message.contains(out.to) {
                e.message = e.message.replace(out.to, &mask(out.channel, out.to));
            }
            e
        })
    }

    async fn deliver_unmasked(&self, out: &Outgoing<'_>) -> Result<(), DeliveryError> {
        match out.channel {
            // The bell's notices are read where they are stored: nothing to send.
            NoticeChannel::App => Ok(()),
            NoticeChannel::Email => match &self.mail {
                Some(mail) => mail.send(out).await,
                None => Err(DeliveryError::permanent("e-mail is not configured (--smtp)")),
            },
            NoticeChannel::Sms => match (&self.sms_gateway, &self.http) {
                (Some(gateway), Some(http)) => send_sms(http, gateway, out).await,
                _ => Err(DeliveryError::permanent("SMS is not configured (--sms-gateway)")),
            },
            NoticeChannel::Wecom => match &self.http {
                Some(http) => send_wecom(http, out).await,
                None => Err(DeliveryError::transient("the HTTPS client is not available")),
            },
        }
    }
}

/// The client of robots and gateways: rustls with the compiled-in roots, a timeout for the
/// whole exchange, and no redirects (a moved webhook is a misconfiguration, and following
/// it would send the message somewhere nobody configured).
fn http_client() -> Result<reqwest::Client, reqwest::Error> {
    reqwest::Client::builder()
        .timeout(HTTP_TIMEOUT)
        .connect_timeout(HTTP_TIMEOUT)
        .redirect(reqwest::redirect::Policy::none())
        .user_agent(concat!("youyue/", env!("CARGO_PKG_VERSION")))
        .build()
}

impl Mail {
    fn new(url: &SmtpUrl, from: &str) -> Result<Mail, ChannelsError> {
        let from: Mailbox = from
            .trim()
            .parse()
            .map_err(|e| bad(FROM_FLAG, format!("not an e-mail address ({e}); e.g. noreply@example.org")))?;
        let tls = || {
            TlsParameters::builder(url.host.clone())
                .build_rustls()
                .map_err(|e| bad(SMTP_FLAG, format!("TLS cannot be set up: {e}")))
        };
        let security = match url.security {
            SmtpSecurity::Implicit => Tls::Wrapper(tls()?),
            SmtpSecurity::StartTls => Tls::Required(tls()?),
            SmtpSecurity::StartTlsIfOffered => Tls::Opportunistic(tls()?),
            SmtpSecurity::None => Tls::None,
        };
        let mut builder = AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(url.host.clone())
            .port(url.port)
            .tls(security)
            .timeout(Some(SMTP_TIMEOUT));
        if let Some((user, pass)) = &url.credentials {
            builder = builder.credentials(Credentials::new(user.clone(), pass.clone()));
        }
        Ok(Mail { transport: builder.build(), shown: format!("{} from {}", url.masked(), from.email), from })
    }

    async fn send(&self, out: &Outgoing<'_>) -> Result<(), DeliveryError> {
        let to: Mailbox =
            out.to.parse().map_err(|e| DeliveryError::permanent(format!("not an e-mail address to send to: {e}")))?;
        // The Message-ID names the sender's domain rather than this machine's hostname.
        let local = out.key.map(str::to_owned).unwrap_or_else(crate::auth::random_token);
        let id = format!("<{local}@{}>", self.from.email.domain());
        let message = lettre::Message::builder()
            .from(self.from.clone())
            .to(to)
            .subject(out.subject)
            .message_id(Some(id))
            // A single part (not `body`), so that the message says `MIME-Version: 1.0`.
            .singlepart(lettre::message::SinglePart::plain(out.text.to_owned()))
            .map_err(|e| DeliveryError::permanent(format!("the e-mail cannot be made: {e}")))?;
        self.transport.send(message).await.map(drop).map_err(smtp_error)
    }
}

/// An SMTP failure sorted: 5xx and what the client refused (no STARTTLS where it is
/// required, no usable authentication) are permanent; 4xx, timeouts, TLS and connection
/// failures are tried again.
fn smtp_error(e: lettre::transport::smtp::Error) -> DeliveryError {
    let permanent = e.is_permanent() || e.is_client();
    let mut message = format!("SMTP: {e}");
    let mut source = std::error::Error::source(&e);
    while let Some(s) = source {
        message.push_str(&format!(": {s}"));
        source = s.source();
    }
    DeliveryError { permanent, message }
}

/// An HTTP failure before any answer (connecting, timing out), described without the URL.
fn http_error(what: &str, e: reqwest::Error) -> DeliveryError {
    let kind = if e.is_timeout() {
        "timed out"
    } else if e.is_connect() {
        "could not connect"
    } else {
        "failed"
    };
    let e = e.without_url();
    let mut message = format!("{what}: {kind}: {e}");
    let mut source = std::error::Error::source(&e);
    while let Some(s) = source {
        message.push_str(&format!(": {s}"));
        source = s.source();
    }
    DeliveryError::transient(message)
}

/// A robot's failure as its union's staff may read it: only what kind of failure, so that
/// a webhook pointed at a host inside the network tells them little about it; the whole
/// cause goes to the log.
fn robot_error(shown: &str, e: reqwest::Error) -> DeliveryError {
    let full = http_error(&format!("WeChat Work robot {shown}"), e);
    tracing::info!(error = %full.message, "WeChat Work robot not reached");
    let kind = full.message.split(": ").nth(1).unwrap_or("failed");
    DeliveryError::transient(format!("WeChat Work robot {shown}: {kind}"))
}

/// Whether an HTTP status a receiver answered is worth trying again: 5xx, 408 and 429.
fn status_is_transient(status: reqwest::StatusCode) -> bool {
    status.is_server_error()
        || status == reqwest::StatusCode::REQUEST_TIMEOUT
        || status == reqwest::StatusCode::TOO_MANY_REQUESTS
}

/// At most `max` bytes of `s`, cut at a character's boundary.
fn cut(s: &str, max: usize) -> &str {
    if s.len() <= max {
        return s;
    }
    let mut end = max;
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    &s[..end]
}

/// The JSON a WeChat Work group robot takes: `text` rather than `markdown`, because only
/// a text message can @mention people by mobile number.
pub fn wecom_body(text: &str, mentions: &[String]) -> serde_json::Value {
    serde_json::json!({
        "msgtype": "text",
        "text": {"content": cut(text, WECOM_TEXT_BYTES), "mentioned_mobile_list": mentions},
    })
}

/// The robot's answer: `{"errcode":0,"errmsg":"ok"}` when it took the message.
#[derive(serde::Deserialize)]
struct WecomAnswer {
    errcode: i64,
    #[serde(default)]
    errmsg: String,
}

/// WeChat Work error codes worth trying again: system busy (-1), too many messages a
/// minute (45009: a robot takes 20), too many at once (45033).
fn wecom_code_is_transient(code: i64) -> bool {
    matches!(code, -1 | 45009 | 45033)
}

async fn send_wecom(http: &reqwest::Client, out: &Outgoing<'_>) -> Result<(), DeliveryError> {
    let shown = mask_url(out.to);
    let url = parse_http_url("the union's WeChat Work webhook", out.to)
        .map_err(|e| DeliveryError::permanent(format!("{shown}: {}", e.reason)))?;
    let answer =
        http.post(url).json(&wecom_body(out.text, out.mentions)).send().await.map_err(|e| robot_error(&shown, e))?;
    let status = answer.status();
    if !status.is_success() {
        let message = format!("WeChat Work robot {shown}: HTTP {status}");
        return Err(DeliveryError { permanent: !status_is_transient(status), message });
    }
    let body = answer.bytes().await.map_err(|e| robot_error(&shown, e))?;
    let answer: WecomAnswer = serde_json::from_slice(&body).map_err(|_| {
        // Not the robot's JSON (a proxy's page?): perhaps better later.
        DeliveryError::transient(format!("WeChat Work robot {shown}: an answer that is not the robot's JSON"))
    })?;
    if answer.errcode == 0 {
        return Ok(());
    }
    // The robot's errmsg names neither key nor URL, only the code and a hint: kept short.
    let message =
        format!("WeChat Work robot {shown}: errcode {} {}", answer.errcode, cut(answer.errmsg.trim(), 200).trim());
    Err(DeliveryError { permanent: !wecom_code_is_transient(answer.errcode), message })
}

async fn send_sms(http: &reqwest::Client, gateway: &url::Url, out: &Outgoing<'_>) -> Result<(), DeliveryError> {
    let shown = mask_url(gateway.as_str());
    // Carriers take an SMS only under its sender's signature, first (notice::SIGNATURE).
    let text = if out.text.starts_with(SIGNATURE) { out.text.to_owned() } else { format!("{SIGNATURE}{}", out.text) };
    let mut request = http.post(gateway.clone()).json(&serde_json::json!({"phone": out.to, "text": text}));
    if let Some(key) = out.key {
        request = request.header("Idempotency-Key", key);
    }
    let answer = request.send().await.map_err(|e| http_error(&format!("SMS gateway {shown}"), e))?;
    let status = answer.status();
    if status.is_success() {
        return Ok(());
    }
    Err(DeliveryError {
        permanent: !status_is_transient(status),
        message: format!("SMS gateway {shown}: HTTP {status}"),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn smtp_urls() {
        let u = SmtpUrl::parse("smtp://me%40x.org:p%40ss@mail.example.org").unwrap();
        assert_eq!(u.port, 587);
        assert_eq!(u.security, SmtpSecurity::StartTls);
        assert_eq!(u.credentials, Some(("me@x.org".into(), "p@ss".into())));
        assert!(!u.masked().contains("p@ss") && !format!("{u:?}").contains("p@ss"));
        let s = SmtpUrl::parse("smtps://u:p@mail.example.org").unwrap();
        assert_eq!((s.port, s.security), (465, SmtpSecurity::Implicit));
        let l = SmtpUrl::parse("smtp://127.0.0.1:2525").unwrap();
        assert_eq!(l.security, SmtpSecurity::StartTlsIfOffered);
        let r = SmtpUrl::parse("smtp://localhost:2525?tls=required").unwrap();
        assert_eq!(r.security, SmtpSecurity::StartTls);
        let n = SmtpUrl::parse("smtp://[::1]:2525?tls=none").unwrap();
        assert_eq!((n.host.as_str(), n.security), ("::1", SmtpSecurity::None));
        assert!(SmtpUrl::parse("smtp://relay.lan:25?tls=none").is_ok());
        for wrong in [
            "http://mail.example.org",
            "smtp://u:secret@relay.lan?tls=none",
            "smtps://mail.example.org?tls=none",
            "smtp://u@mail.example.org",
            "smtp://mail.example.org/x",
            "smtp://mail.example.org?tls=maybe",
            "smtp://mail.example.org?auth=plain",
            "mail.example.org:587",
        ] {
            let e = SmtpUrl::parse(wrong).unwrap_err();
            assert_eq!(e.flag, SMTP_FLAG, "{wrong}");
            assert!(!e.to_string().contains("secret"), "{e}");
        }
    }

    #[test]
    fn settings_go_together() {
        let smtp = Some("smtp://127.0.0.1:25".to_owned());
        let from = Some("工会有约 <noreply@example.org>".to_owned());
        let only_smtp = Channels { smtp: smtp.clone(), ..Channels::default() };
        assert_eq!(only_smtp.check().unwrap_err().flag, FROM_FLAG);
        let only_from = Channels { mail_from: from.clone(), ..Channels::default() };
        assert_eq!(only_from.check().unwrap_err().flag, SMTP_FLAG);
        let bad_from = Channels { smtp: smtp.clone(), mail_from: Some("nobody".into()), ..Channels::default() };
        assert_eq!(bad_from.check().unwrap_err().flag, FROM_FLAG);
        let http_gateway = Channels { sms_gateway: Some("http://sms.example.org/send".into()), ..Channels::default() };
        assert_eq!(http_gateway.check().unwrap_err().flag, SMS_FLAG);
        let all = Channels { smtp, mail_from: from, sms_gateway: Some("https://sms.example.org/send?token=T".into()) };
        let t = Transports::new(&all).unwrap();
        assert!(NoticeChannel::ALL.iter().all(|c| t.has(*c)));
        assert!(!t.describe().contains("token") && t.describe().contains("noreply@example.org"));
        let none = Transports::new(&Channels::default()).unwrap();
        assert!(!none.has(NoticeChannel::Email) && !none.has(NoticeChannel::Sms) && none.has(NoticeChannel::Wecom));
    }

    #[test]
    fn wecom_text_is_cut_at_a_character() {
        let long = "约".repeat(1000);
        let body = wecom_body(&long, &["13812345678".to_owned()]);
        let content = body["text"]["content"].as_str().unwrap();
        assert!(content.len() <= WECOM_TEXT_BYTES && content.len() > WECOM_TEXT_BYTES - 3);
        assert_eq!(body["msgtype"], "text");
        assert_eq!(body["text"]["mentioned_mobile_list"][0], "13812345678");
    }
}
