//! [`Store`] for the SQL store: each method hands over to the module of its concern.

use super::{
    accounts, agreements, appointments, assists, bell, callbacks, case_read, case_write, export, import, merge,
    notices, record_book, roster, studio, tallies, unions, Db, DIALECT,
};
use crate::{
    Actor, AgreementEntry, Appointment, Backend, CasePage, CaseQuery, ExportSink, ImportError, ImportSource,
    ImportSummary, SqlStore, Store, StoreError, StoredAgreement, StoredCase, Union, User,
};
use async_trait::async_trait;
use youyue_domain::command::Change;
use youyue_domain::exchange::{RecordEntry, UnionRecord, UserRecord};
use youyue_domain::stats::Stats;
use youyue_domain::studio::{BulletinRecord, StudioItemRecord};
use youyue_domain::{CaseNumber, Period, Timestamp, UnionCode};

#[async_trait]
impl Store for SqlStore<Db> {
    fn backend(&self) -> Backend {
        DIALECT.backend
    }

    async fn close(&self) {
        // The writer's connection last: on SQLite the last to close copies the log into the
        // file and removes it, which a read-only connection cannot.
        self.read.close().await;
        self.background.stop().await;
        self.write.close().await;
    }

    async fn ping(&self) -> Result<(), StoreError> {
        sqlx::query("SELECT 1").execute(&self.read).await?;
        // Reachable is not enough: a full disk leaves reads working and writes failing.
        self.group.health()
    }

    async fn is_empty(&self) -> Result<bool, StoreError> {
        unions::is_empty(self).await
    }

    async fn union_by_code(&self, code: &UnionCode) -> Result<Option<Union>, StoreError> {
        unions::union_by_code(self, code).await
    }

    async fn union_by_id(&self, id: i64) -> Result<Option<Union>, StoreError> {
        unions::union_by_id(self, id).await
    }

    async fn subtree(&self, root: &Union) -> Result<Vec<Union>, StoreError> {
        unions::subtree(self, root).await
    }

    async fn put_union(&self, rec: &UnionRecord, now: Timestamp) -> Result<Union, StoreError> {
        unions::put_union(self, rec, now).await
    }

    async fn create_user(&self, rec: &UserRecord, now: Timestamp) -> Result<User, StoreError> {
        accounts::create_user(self, rec, now).await
    }

    async fn user_by_username(&self, username: &str) -> Result<Option<User>, StoreError> {
        accounts::user_by_username(self, username).await
    }

    async fn user_by_id(&self, id: i64) -> Result<Option<User>, StoreError> {
        accounts::user_by_id(self, id).await
    }

    async fn users_within(&self, path: &str) -> Result<Vec<User>, StoreError> {
        accounts::users_within(self, path).await
    }

    async fn users_on_path(&self, path: &str) -> Result<Vec<User>, StoreError> {
        accounts::users_on_path(self, path).await
    }

    async fn change_user(&self, user_id: i64, change: &crate::UserChange) -> Result<(), StoreError> {
        accounts::change_user(self, user_id, change).await
    }

    async fn top_level_unions(&self) -> Result<Vec<Union>, StoreError> {
        unions::top_level_unions(self).await
    }

    async fn create_session(
        &self,
        token_hash: &str,
        user_id: i64,
        now: Timestamp,
        expires: Timestamp,
    ) -> Result<(), StoreError> {
        accounts::create_session(self, token_hash, user_id, now, expires).await
    }

    async fn session_user(&self, token_hash: &str, now: Timestamp) -> Result<Option<User>, StoreError> {
        accounts::session_user(self, token_hash, now).await
    }

    async fn delete_session(&self, token_hash: &str) -> Result<(), StoreError> {
        accounts::delete_session(self, token_hash).await
    }

    async fn end_sessions(&self, user_id: i64, keep: Option<&str>) -> Result<u64, StoreError> {
        accounts::end_sessions(self, user_id, keep).await
    }

    async fn create_api_token(
        &self,
        user_id: i64,
        name: &str,
        token_hash: &str,
        scope: crate::TokenScope,
        now: Timestamp,
    ) -> Result<i64, StoreError> {
        accounts::create_api_token(self, user_id, name, token_hash, scope, now).await
    }

    async fn api_token_user(&self, token_hash: &str) -> Result<Option<(User, crate::TokenScope)>, StoreError> {
        accounts::api_token_user(self, token_hash).await
    }

    async fn api_tokens(&self, user_id: i64) -> Result<Vec<crate::ApiToken>, StoreError> {
        accounts::api_tokens(self, user_id).await
    }

    async fn revoke_api_token(&self, user_id: i64, token_id: i64, now: Timestamp) -> Result<bool, StoreError> {
        accounts::revoke_api_token(self, user_id, token_id, now).await
    }

    async fn set_calendar_feed(&self, user_id: i64, secret_hash: &str, now: Timestamp) -> Result<(), StoreError> {
        accounts::set_calendar_feed(self, user_id, secret_hash, now).await
    }

    async fn revoke_calendar_feed(&self, user_id: i64) -> Result<bool, StoreError> {
        accounts::revoke_calendar_feed(self, user_id).await
    }

    async fn calendar_feed_since(&self, user_id: i64) -> Result<Option<Timestamp>, StoreError> {
        accounts::calendar_feed_since(self, user_id).await
    }

    async fn calendar_feed_user(&self, secret_hash: &str) -> Result<Option<User>, StoreError> {
        accounts::calendar_feed_user(self, secret_hash).await
    }

    async fn set_totp_secret(&self, user_id: i64, secret: Option<&str>) -> Result<(), StoreError> {
        accounts::set_totp_secret(self, user_id, secret).await
    }

    async fn unread_notices(&self, user_id: i64) -> Result<i64, StoreError> {
        bell::unread_notices(self, user_id).await
    }

    async fn unread_notice_page(
        &self,
        user_id: i64,
        limit: i64,
        offset: i64,
    ) -> Result<Vec<crate::Notice>, StoreError> {
        bell::unread_notice_page(self, user_id, limit, offset).await
    }

    async fn cases_past_retention(
        &self,
        path: &str,
        kind: youyue_domain::Kind,
        closed_before: Timestamp,
        limit: i64,
    ) -> Result<Vec<StoredCase>, StoreError> {
        case_read::cases_past_retention(self, path, kind, closed_before, limit).await
    }

    async fn idempotent_case(&self, key_hash: &str) -> Result<Option<crate::IdempotentCase>, StoreError> {
        case_read::idempotent_case(self, key_hash).await
    }

    async fn log_read(
        &self,
        case_id: i64,
        user_id: i64,
        what: crate::ReadKind,
        at: Timestamp,
        since: Timestamp,
    ) -> Result<(), StoreError> {
        case_read::log_read(self, case_id, user_id, what, at, since).await
    }

    async fn read_log(&self, case_id: i64) -> Result<Vec<crate::ReadLogEntry>, StoreError> {
        case_read::read_log(self, case_id).await
    }

    async fn create_case(&self, d: &crate::CaseDraft, actor: Actor<'_>) -> Result<StoredCase, StoreError> {
        let case = case_write::create_case(self, d, actor).await?;
        // Its events are committed: the dispatcher need not wait for its next look.
        self.outbox_wake.notify_one();
        Ok(case)
    }

    async fn case_by_number(&self, number: &CaseNumber) -> Result<Option<StoredCase>, StoreError> {
        case_read::case_by_number(self, number).await
    }

    async fn save_change(
        &self,
        case: &StoredCase,
        change: &Change,
        handler_id: Option<i64>,
        actor: Actor<'_>,
        now: Timestamp,
    ) -> Result<StoredCase, StoreError> {
        let saved = case_write::save_change(self, case, change, handler_id, actor, now).await?;
        self.outbox_wake.notify_one();
        Ok(saved)
    }

    async fn save_changes(
        &self,
        changes: &[(StoredCase, Change)],
        actor: Actor<'_>,
        now: Timestamp,
    ) -> Result<Vec<StoredCase>, StoreError> {
        let saved = merge::save_changes(self, changes, actor, now).await?;
        self.outbox_wake.notify_one();
        Ok(saved)
    }

    async fn cases_merged_into(&self, number: &CaseNumber) -> Result<Vec<StoredCase>, StoreError> {
        merge::cases_merged_into(self, number).await
    }

    async fn agreement(&self, case_id: i64) -> Result<Option<StoredAgreement>, StoreError> {
        agreements::agreement(self, case_id).await
    }

    async fn save_agreement(
        &self,
        case: &StoredCase,
        agreement: &youyue_domain::agreement::Agreement,
        version: Option<i64>,
        entry: &AgreementEntry,
        actor: Actor<'_>,
        now: Timestamp,
    ) -> Result<StoredAgreement, StoreError> {
        agreements::save_agreement(self, case, agreement, version, entry, actor, now).await
    }

    async fn agreements_within(&self, path: &str) -> Result<Vec<(CaseNumber, StoredAgreement)>, StoreError> {
        agreements::agreements_within(self, path).await
    }

    async fn agreement_figures(
        &self,
        union: &Union,
        period: Period,
        today: chrono::NaiveDate,
    ) -> Result<youyue_domain::agreement::AgreementFigures, StoreError> {
        agreements::agreement_figures(self, union, period, today).await
    }

    async fn overdue_agreements(&self, case_ids: &[i64], today: chrono::NaiveDate) -> Result<Vec<i64>, StoreError> {
        agreements::overdue_among(self, case_ids, today).await
    }

    async fn overdue_agreements_within(&self, path: &str, today: chrono::NaiveDate) -> Result<Vec<i64>, StoreError> {
        agreements::overdue_within(self, path, today).await
    }

    async fn record_book(&self, case_id: i64) -> Result<Vec<RecordEntry>, StoreError> {
        record_book::record_book(self, case_id).await
    }

    async fn case_assists(&self, case_id: i64) -> Result<Vec<crate::CaseAssist>, StoreError> {
        assists::case_assists(self, case_id).await
    }

    async fn list_cases(&self, q: &CaseQuery) -> Result<CasePage, StoreError> {
        case_read::list_cases(self, q).await
    }

    async fn count_by_status(&self, q: &CaseQuery) -> Result<crate::TabCounts, StoreError> {
        case_read::count_by_status(self, q).await
    }

    async fn book_appointment(
        &self,
        case: &StoredCase,
        specialist_id: i64,
        a: &youyue_domain::appointment::AppointmentRecord,
        actor: Actor<'_>,
        now: Timestamp,
    ) -> Result<Appointment, StoreError> {
        let booked = appointments::book_appointment(self, case, specialist_id, a, actor, now).await?;
        self.outbox_wake.notify_one();
        Ok(booked)
    }

    async fn change_appointment(
        &self,
        case: &StoredCase,
        before: &Appointment,
        after: &youyue_domain::appointment::AppointmentRecord,
        change: &youyue_domain::appointment::Change,
        actor: Actor<'_>,
        now: Timestamp,
    ) -> Result<Appointment, StoreError> {
        let changed = appointments::change_appointment(self, case, before, after, change, actor, now).await?;
        self.outbox_wake.notify_one();
        Ok(changed)
    }

    async fn appointment(&self, id: i64) -> Result<Option<Appointment>, StoreError> {
        appointments::appointment(self, id).await
    }

    async fn case_appointments(&self, case_id: i64) -> Result<Vec<Appointment>, StoreError> {
        appointments::case_appointments(self, case_id).await
    }

    async fn busy(
        &self,
        specialist_ids: &[i64],
        from: Timestamp,
        to: Timestamp,
    ) -> Result<Vec<youyue_domain::appointment::Busy>, StoreError> {
        appointments::busy(self, specialist_ids, from, to).await
    }

    async fn specialist_appointments(
        &self,
        specialist_id: i64,
        from: Timestamp,
        to: Timestamp,
    ) -> Result<Vec<Appointment>, StoreError> {
        appointments::specialist_appointments(self, specialist_id, from, to).await
    }

    async fn post_bulletin(&self, b: &BulletinRecord) -> Result<(), StoreError> {
        studio::post_bulletin(self, b).await
    }

    async fn bulletins(&self, union_id: i64, limit: i64) -> Result<Vec<BulletinRecord>, StoreError> {
        studio::bulletins(self, union_id, limit).await
    }

    async fn set_studio_items(&self, items: &[StudioItemRecord]) -> Result<(), StoreError> {
        studio::set_studio_items(self, items).await
    }

    async fn studio_items(&self, union_id: i64) -> Result<Vec<StudioItemRecord>, StoreError> {
        studio::studio_items(self, union_id).await
    }

    async fn stats(&self, union: &Union, period: Period) -> Result<Stats, StoreError> {
        tallies::stats(self, union, period).await
    }

    async fn figures(&self, union: &Union, period: Period) -> Result<crate::Figures, StoreError> {
        tallies::figures(self, union, period).await
    }

    async fn child_stats(&self, union: &Union, period: Period) -> Result<Vec<(Union, Stats)>, StoreError> {
        tallies::child_stats(self, union, period).await
    }

    async fn rebuild_tallies(&self) -> Result<(), StoreError> {
        tallies::rebuild_tallies(self).await
    }

    async fn sweep_supervision(&self, today: chrono::NaiveDate, now: Timestamp) -> Result<Vec<CaseNumber>, StoreError> {
        let raised = case_write::sweep_supervision(self, today, now).await?;
        if !raised.is_empty() {
            self.outbox_wake.notify_one();
        }
        Ok(raised)
    }

    async fn pauses_run_out(&self, today: chrono::NaiveDate) -> Result<Vec<StoredCase>, StoreError> {
        super::closed_loop::pauses_run_out(self, today).await
    }

    async fn escalated_below(&self, path: &str, limit: i64) -> Result<Vec<StoredCase>, StoreError> {
        super::closed_loop::escalated_below(self, path, limit).await
    }

    async fn cast_vote(&self, vote: &youyue_domain::appraisal::UnionVote) -> Result<bool, StoreError> {
        studio::cast_vote(self, vote).await
    }

    async fn vote_scores(
        &self,
        union: &Union,
        round: youyue_domain::appraisal::Round,
        period: Period,
    ) -> Result<Vec<i64>, StoreError> {
        studio::vote_scores(self, union, round, period).await
    }

    async fn list_votes(
        &self,
        union: &Union,
        round: youyue_domain::appraisal::Round,
        period: Period,
        limit: i64,
        offset: i64,
    ) -> Result<(i64, Vec<crate::ListedVote>), StoreError> {
        studio::list_votes(self, union, round, period, limit, offset).await
    }

    async fn setting(&self, key: &str) -> Result<Option<serde_json::Value>, StoreError> {
        studio::setting(self, key).await
    }

    async fn set_setting(&self, key: &str, value: &serde_json::Value) -> Result<(), StoreError> {
        studio::set_setting(self, key, value).await
    }

    async fn answered(&self, union: &Union, period: Period) -> Result<(i64, i64), StoreError> {
        tallies::answered(self, union, period).await
    }

    async fn calendar(&self) -> Result<Vec<youyue_domain::calendar::CalendarDay>, StoreError> {
        studio::calendar(self).await
    }

    async fn set_calendar(
        &self,
        set: &[youyue_domain::calendar::CalendarDay],
        remove: &[chrono::NaiveDate],
    ) -> Result<(), StoreError> {
        studio::set_calendar(self, set, remove).await
    }

    async fn backup_file(&self, path: &str) -> Result<bool, StoreError> {
        export::backup_file(self, path).await
    }

    async fn verify_chains(&self) -> Result<crate::ChainReport, StoreError> {
        record_book::verify_chains(self).await
    }

    async fn chain_heads(&self) -> Result<Vec<crate::ChainHead>, StoreError> {
        record_book::chain_heads(self).await
    }

    async fn entry_hash(&self, case: &CaseNumber, seq: i64) -> Result<Option<Option<String>>, StoreError> {
        record_book::entry_hash(self, case, seq).await
    }

    async fn import(&self, lines: &mut ImportSource<'_>, now: Timestamp) -> Result<ImportSummary, ImportError> {
        import::import(self, lines, now).await
    }

    async fn export(&self, sink: &mut ExportSink<'_>) -> Result<u64, StoreError> {
        export::export(self, sink).await
    }

    async fn specialties_of(
        &self,
        user_ids: &[i64],
    ) -> Result<std::collections::BTreeMap<i64, Vec<youyue_domain::roster::Specialty>>, StoreError> {
        roster::specialties_of(self, user_ids).await
    }

    async fn roster(&self, union_id: i64) -> Result<Option<youyue_domain::roster::Roster>, StoreError> {
        roster::roster(self, union_id).await
    }

    async fn rosters_on_path(&self, path: &str) -> Result<Vec<youyue_domain::roster::Roster>, StoreError> {
        roster::rosters_on_path(self, path).await
    }

    async fn put_roster(
        &self,
        union_id: i64,
        roster: &youyue_domain::roster::Roster,
        by: &str,
        now: Timestamp,
    ) -> Result<bool, StoreError> {
        roster::put_roster(self, union_id, roster, by, now).await
    }

    async fn roster_changes(&self, union_id: i64, limit: i64) -> Result<Vec<crate::RosterChange>, StoreError> {
        roster::roster_changes(self, union_id, limit).await
    }

    // Notices

    fn outbox_wake(&self) -> Option<std::sync::Arc<tokio::sync::Notify>> {
        Some(self.outbox_wake.clone())
    }

    async fn waiting_notice_events(&self, limit: i64) -> Result<Vec<crate::NoticeEvent>, StoreError> {
        notices::waiting_notice_events(self, limit).await
    }

    async fn dispatch_notice_event(
        &self,
        event_id: i64,
        list: &[crate::NewNotice],
        now: Timestamp,
    ) -> Result<bool, StoreError> {
        notices::dispatch_notice_event(self, event_id, list, now).await
    }

    async fn union_staff(&self, union_id: i64) -> Result<Vec<User>, StoreError> {
        notices::union_staff(self, union_id).await
    }

    async fn union_webhook(&self, union_id: i64) -> Result<Option<String>, StoreError> {
        notices::union_webhook(self, union_id).await
    }

    async fn set_union_webhook(&self, union_id: i64, url: Option<&str>, now: Timestamp) -> Result<(), StoreError> {
        notices::set_union_webhook(self, union_id, url, now).await
    }

    async fn claim_due_notices(
        &self,
        now: Timestamp,
        lease_until: Timestamp,
        limit: i64,
    ) -> Result<Vec<crate::Notice>, StoreError> {
        notices::claim_due_notices(self, now, lease_until, limit).await
    }

    async fn finish_notice_attempt(
        &self,
        notice_id: i64,
        attempt: &crate::NoticeAttempt,
        now: Timestamp,
    ) -> Result<(), StoreError> {
        notices::finish_notice_attempt(self, notice_id, attempt, now).await
    }

    async fn sweep_notice_timers(&self, today: chrono::NaiveDate, now: Timestamp) -> Result<u64, StoreError> {
        let written = notices::sweep_notice_timers(self, today, now).await?;
        if written > 0 {
            self.outbox_wake.notify_one();
        }
        Ok(written)
    }

    async fn user_notices(&self, user_id: i64, limit: i64, offset: i64) -> Result<crate::NoticePage, StoreError> {
        notices::user_notices(self, user_id, limit, offset).await
    }

    async fn mark_notices_read(&self, user_id: i64, notice_id: Option<i64>, now: Timestamp) -> Result<u64, StoreError> {
        notices::mark_notices_read(self, user_id, notice_id, now).await
    }

    async fn failed_notices(
        &self,
        path: &str,
        limit: i64,
        offset: i64,
    ) -> Result<(i64, Vec<crate::Notice>), StoreError> {
        notices::failed_notices(self, path, limit, offset).await
    }

    async fn notice(&self, id: i64) -> Result<Option<crate::Notice>, StoreError> {
        notices::notice(self, id).await
    }

    async fn retry_notice(&self, id: i64, now: Timestamp) -> Result<bool, StoreError> {
        let retried = notices::retry_notice(self, id, now).await?;
        if retried {
            self.outbox_wake.notify_one();
        }
        Ok(retried)
    }

    async fn case_notices(&self, case_id: i64) -> Result<Vec<crate::Notice>, StoreError> {
        notices::case_notices(self, case_id).await
    }

    async fn notice_attempts(&self, notice_id: i64) -> Result<Vec<crate::NoticeAttemptRecord>, StoreError> {
        notices::notice_attempts(self, notice_id).await
    }

    // Call-back and redo (issue 22).
    async fn callback_task(&self, case_id: i64) -> Result<Option<youyue_domain::callback::Task>, StoreError> {
        callbacks::task(self, case_id).await
    }

    async fn callbacks(
        &self,
        union: &crate::Union,
        state: crate::CallbackState,
        overdue_through: chrono::NaiveDate,
        limit: i64,
    ) -> Result<Vec<crate::CallbackRow>, StoreError> {
        callbacks::list(self, union, state, overdue_through, limit).await
    }

    async fn reviews(&self, union: &crate::Union, limit: i64) -> Result<Vec<crate::CallbackRow>, StoreError> {
        callbacks::reviews(self, union, limit).await
    }
}
