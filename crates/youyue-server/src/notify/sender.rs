//! The sender: claims due notices (a lease, committed before anything is sent), delivers
//! each, and records the attempt and its result. A crash between a delivery and its record
//! sends that notice again once the lease ends: at least once, never lost. The window is
//! one delivery long, as each result is recorded as soon as it is known.

use super::deliver::Outgoing;
use super::Outbox;
use youyue_domain::notice::{mask, retry_delay_secs, NoticeChannel, NoticeStatus};
use youyue_domain::Timestamp;
use youyue_store::{Notice, NoticeAttempt, StoreError};

/// Notices claimed at a time: each delivery may take its transport's whole timeout, and
/// the claim must not run out before the last of them is recorded.
const BATCH: i64 = 10;
/// How long a claim holds (longer than `BATCH` deliveries that all time out).
const LEASE_MICROS: i64 = 10 * 60 * 1_000_000;
/// Batches a round, so the loop gets back to waiting now and then.
const ROUNDS: usize = 20;

/// Delivers the notices due now; returns how many it attempted.
pub async fn send_due(outbox: &Outbox) -> Result<usize, StoreError> {
    let mut attempted = 0;
    for _ in 0..ROUNDS {
        let now = Timestamp::now();
        let claimed =
            outbox.store.claim_due_notices(now, Timestamp::from_micros(now.micros() + LEASE_MICROS), BATCH).await?;
        if claimed.is_empty() {
            break;
        }
        for n in claimed {
            send_one(outbox, &n).await?;
            attempted += 1;
        }
    }
    Ok(attempted)
}

/// Delivers one claimed notice and records what came of it.
pub async fn send_one(outbox: &Outbox, n: &Notice) -> Result<(), StoreError> {
    // A group's robot is read when the message goes: a URL changed or removed since counts.
    let to = match (n.channel, n.union_id) {
        (NoticeChannel::Wecom, Some(union)) => outbox.store.union_webhook(union).await?.unwrap_or_default(),
        (NoticeChannel::Wecom, None) => String::new(),
        _ => n.address.clone(),
    };
    let result = if to.is_empty() {
        Err(super::deliver::DeliveryError { permanent: true, message: "no address to send to".to_owned() })
    } else {
        let key = format!("youyue-notice-{}-{}", n.id, n.created_at.micros());
        let out = Outgoing {
            channel: n.channel,
            to: &to,
            subject: &n.subject,
            text: &n.body,
            mentions: &n.mentions,
            key: Some(&key),
        };
        outbox.transports.deliver(&out).await
    };
    let now = Timestamp::now();
    let attempts = n.attempts.saturating_add(1);
    let (status, next_at, error) = match result {
        Ok(()) => (NoticeStatus::Sent, now, None),
        Err(e) if e.permanent => (NoticeStatus::Failed, now, Some(e.message)),
        Err(e) => match retry_delay_secs(u32::try_from(attempts).unwrap_or(u32::MAX)) {
            Some(delay) => {
                (NoticeStatus::Pending, Timestamp::from_micros(now.micros() + delay * 1_000_000), Some(e.message))
            }
            None => (NoticeStatus::Failed, now, Some(e.message)),
        },
    };
    let masked_to = if to.is_empty() { String::new() } else { mask(n.channel, &to) };
    match &error {
        None => tracing::info!(notice = n.id, channel = %n.channel, to = %masked_to, "notice sent"),
        Some(e) => tracing::info!(
            notice = n.id, channel = %n.channel, to = %masked_to, attempts, outcome = %status, error = %e,
            "notice not delivered"
        ),
    }
    // The record book keeps the final result of each notice about its case.
    let book = (status != NoticeStatus::Pending && n.case_id.is_some()).then(|| {
        serde_json::json!({
            "kind": n.kind, "channel": n.channel, "to": masked_to, "outcome": status, "attempts": attempts,
        })
    });
    let attempt = NoticeAttempt { ok: error.is_none(), error, status, next_at, book };
    outbox.store.finish_notice_attempt(n.id, &attempt, now).await
}
