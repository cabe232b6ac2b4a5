//! Delivering one notice by one channel: e-mail over SMTP, a WeChat Work group robot's
//! webhook, an SMS gateway. Nothing here reads the store.

use youyue_domain::notice::NoticeChannel;

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
}

/// Why a delivery failed: `permanent` ones are not tried again.
#[derive(Debug, Clone, thiserror::Error)]
#[error("{message}")]
pub struct DeliveryError {
    pub permanent: bool,
    /// Never holds a webhook's or gateway's URL in full (`youyue_domain::notice::mask_url`).
    pub message: String,
}

/// The configured channels (`serve --smtp`, `--mail-from`, `--sms-gateway`; a union's robot
/// is set per union). The bell (`app`) needs none.
#[derive(Debug, Default)]
pub struct Transports {}

impl Transports {
    /// Whether notices by `channel` can be sent at all (none are written for one that cannot).
    pub fn has(&self, channel: NoticeChannel) -> bool {
        matches!(channel, NoticeChannel::App | NoticeChannel::Wecom)
    }

    /// Sends one notice.
    pub async fn deliver(&self, out: &Outgoing<'_>) -> Result<(), DeliveryError> {
        Err(DeliveryError { permanent: true, message: format!("{} is not configured", out.channel) })
    }
}
