//! Notices (通知): the transactional outbox's background work. Storage writes an event in
//! the transaction of the change that causes it; here the dispatcher turns events into
//! notices (who is told, by which channel, in which words: `youyue_domain::notice`), the
//! sender delivers them with retries (`deliver`: SMTP, WeChat Work robot, SMS gateway), and
//! the sweep writes the timed events (deadlines, reminders). None of it runs in a request.

pub mod deliver;
pub mod dispatch;
pub mod sender;
pub mod sweep;

use deliver::{DeliveryError, Outgoing};
use std::sync::Arc;
use std::time::Duration;
use youyue_domain::notice::NoticeChannel;
use youyue_store::Store;

/// The delivery the sender uses: [`deliver::Transports`] in the server; the sender and the
/// dispatcher take any, so that a caller may deliver otherwise (a test's failing channel).
#[async_trait::async_trait]
pub trait Deliver: Send + Sync {
    /// Whether notices by `channel` can be sent at all (none are written for one that cannot).
    fn has(&self, channel: NoticeChannel) -> bool;
    /// Sends one notice.
    async fn deliver(&self, out: &Outgoing<'_>) -> Result<(), DeliveryError>;
}

#[async_trait::async_trait]
impl Deliver for deliver::Transports {
    fn has(&self, channel: NoticeChannel) -> bool {
        deliver::Transports::has(self, channel)
    }
    async fn deliver(&self, out: &Outgoing<'_>) -> Result<(), DeliveryError> {
        deliver::Transports::deliver(self, out).await
    }
}

/// What the outbox's loops work with.
#[derive(Clone)]
pub struct Outbox {
    pub store: Arc<dyn Store>,
    pub transports: Arc<dyn Deliver>,
    /// The site's address, for the links in notices (None: no link).
    pub public_url: Option<String>,
    /// How long the loops wait at most between two looks (they are also woken by commits
    /// that wrote events).
    pub every: Duration,
}

/// How often the timed events are swept for (a reminder an hour before may come this late).
const SWEEP_EVERY: Duration = Duration::from_secs(60);

/// Starts the dispatcher (with the timed sweep) and the sender, each its own task, so a
/// slow delivery never holds up the bell. They run until aborted; work interrupted by an
/// abort is done again (an event not yet dispatched is still waiting; a notice claimed but
/// not recorded is claimed again when its lease ends: at least once).
pub fn spawn(outbox: Outbox) -> Vec<tokio::task::JoinHandle<()>> {
    let send_wake = Arc::new(tokio::sync::Notify::new());
    let dispatcher = {
        let outbox = outbox.clone();
        let send_wake = send_wake.clone();
        tokio::spawn(async move {
            let wake = outbox.store.outbox_wake();
            let mut last_sweep: Option<tokio::time::Instant> = None;
            loop {
                if last_sweep.is_none_or(|t| t.elapsed() >= SWEEP_EVERY) {
                    last_sweep = Some(tokio::time::Instant::now());
                    if let Err(e) = sweep::sweep(outbox.store.as_ref(), youyue_domain::Timestamp::now()).await {
                        tracing::warn!(error = %e, "the sweep for deadline and reminder notices failed");
                    }
                }
                match dispatch::dispatch_waiting(&outbox).await {
                    Ok(written) if written > 0 => send_wake.notify_one(),
                    Ok(_) => {}
                    Err(e) => tracing::warn!(error = %e, "dispatching notices failed; trying again"),
                }
                wait(wake.as_deref(), outbox.every).await;
            }
        })
    };
    let sender = tokio::spawn(async move {
        loop {
            if let Err(e) = sender::send_due(&outbox).await {
                tracing::warn!(error = %e, "sending notices failed; trying again");
            }
            wait(Some(&send_wake), outbox.every).await;
        }
    });
    vec![dispatcher, sender]
}

/// Waits for `every`, or less if woken.
async fn wait(wake: Option<&tokio::sync::Notify>, every: Duration) {
    match wake {
        Some(w) => {
            let _ = tokio::time::timeout(every, w.notified()).await;
        }
        None => tokio::time::sleep(every).await,
    }
}
