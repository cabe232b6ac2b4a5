//! The timed events: a deadline tomorrow, a missed deadline, an appointment a day and an
//! hour ahead. Storage writes each once only (`notice_events.dedupe`), so a sweep may run
//! as often as it likes, on as many servers as there are.

use youyue_domain::Timestamp;
use youyue_store::{Store, StoreError};

/// Writes the timed events due at `now`; how many.
pub async fn sweep(store: &dyn Store, now: Timestamp) -> Result<u64, StoreError> {
    store.sweep_notice_timers(now.cst_date(), now).await
}
