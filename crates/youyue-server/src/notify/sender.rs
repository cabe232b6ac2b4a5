//! The sender: claims due notices (a lease, committed before anything is sent), delivers
//! each, and records the attempt and its result. A crash between a delivery and its record
//! sends that notice again once the lease ends: at least once, never lost. The window is
//! one delivery long, as each result is recorded as soon as it is known.

use super::deliver::Outgoing;
use super::Outbox;
use youyue_domain::notice::{mask, retry_delay_secs, NoticeChannel, NoticeStatus, CODE_SLOT, WORKER_RECIPIENT};
use youyue_domain::Timestamp;
use youyue_store::{Notice, NoticeAttempt, StoreError};

/// Notices claimed at a time, delivered side by side: a slow or dead receiver (a robot
/// that never answers) holds up only its own notice, not the district's.
const BATCH: i64 = 16;
/// The most one delivery may take, whatever its transport's own timeouts add up to.
const DELIVERY_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(60);
/// How long a claim holds: longer than a delivery and its record, so that no other sender
/// takes a notice still being sent; short, so that a crash delays the rest little.
const LEASE_MICROS: i64 = 3 * 60 * 1_000_000;
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
        let mut deliveries = tokio::task::JoinSet::new();
        for n in claimed {
            let outbox = outbox.clone();
            deliveries.spawn(async move { send_one(&outbox, &n).await });
        }
        let mut failed = None;
        while let Some(done) = deliveries.join_next().await {
            attempted += 1;
            match done {
                Ok(Ok(())) => {}
                Ok(Err(e)) => failed = failed.or(Some(e)),
                Err(e) => tracing::warn!(error = %e, "a notice's delivery stopped before its result was recorded"),
            }
        }
        if let Some(e) = failed {
            return Err(e);
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
    // The receipt's code goes into its words only now (never stored in them).
    let body = match &n.secret {
        Some(secret) => n.body.replace(CODE_SLOT, secret),
        None => n.body.clone(),
    };
    let result = if to.is_empty() {
        Err(super::deliver::DeliveryError { permanent: true, message: "no address to send to".to_owned() })
    } else if body.contains(CODE_SLOT) {
        Err(super::deliver::DeliveryError {
            permanent: true,
            message: "the tracking code is no longer kept".to_owned(),
        })
    } else {
        let key = format!("youyue-notice-{}-{}", n.id, n.created_at.micros());
        let out = Outgoing {
            channel: n.channel,
            to: &to,
            subject: &n.subject,
            text: &body,
            mentions: &n.mentions,
            key: Some(&key),
        };
        match tokio::time::timeout(DELIVERY_TIMEOUT, outbox.transports.deliver(&out)).await {
            Ok(result) => result,
            Err(_) => Err(super::deliver::DeliveryError {
                permanent: false,
                message: format!("no answer within {} s", DELIVERY_TIMEOUT.as_secs()),
            }),
        }
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
    // The worker's own contact is never shown, even masked (`WORKER_RECIPIENT`).
    let to_worker = n.user_id.is_none() && matches!(n.channel, NoticeChannel::Email | NoticeChannel::Sms);
    let masked_to = match (to.is_empty(), to_worker) {
        (true, _) => String::new(),
        (false, true) => WORKER_RECIPIENT.to_owned(),
        (false, false) => mask(n.channel, &to),
    };
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
