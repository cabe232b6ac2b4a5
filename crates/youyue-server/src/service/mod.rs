//! What the API and the pages both do: raise a case (its inputs in `input`), apply a
//! workflow command, follow a case with its tracking code (`tracked`), change an account
//! (`account`). Handlers of either kind call these, so that a rule is enforced once
//! (permissions themselves are decided in `access`).

use crate::access;
use crate::auth::sha256_hex;
use crate::error::ApiError;
use crate::AppState;
use rand::RngCore;
use sha2::Digest;
use std::net::IpAddr;
use youyue_domain::calendar::WorkCalendar;
use youyue_domain::case::Channel;
use youyue_domain::command::{self, Command, CommandError};
use youyue_domain::workflow::{transition, Acting, Role};
use youyue_domain::{tracking, Action, NumberQuery, Status, Timestamp, UnionCode};
use youyue_store::{Actor, IdempotencyKey, StoreError, StoredCase, User};

mod account;
pub mod agreement;
pub mod appointments;
pub mod assist;
pub mod callback;
pub mod deadline;
mod input;
pub mod notices;
pub mod roster;
mod tracked;
pub mod transfer;
// Merge (issue 22).
pub mod merge;
pub use account::{
    change_account, check_new_password, parse_notices_off, parse_specialties, specialties_for, AccountChange,
    MIN_PASSWORD_CHARS,
};
pub use input::{draft, figure_period, CaseInput, RegisterInput};
pub use tracked::{appointment, tracked, Appointment, Referral, Step, Tracked};

/// Who the record book names: staff by username; a worker account only as "worker",
/// since the enterprise's staff read the record book and the worker may be anonymous.
pub fn actor(user: &User) -> Actor<'_> {
    let label = if user.role.is_staff() { user.username.as_str() } else { "worker" };
    Actor { label, user_id: Some(user.id) }
}

/// Whether the workflow lets `user` take `action` on `case` as it stands (409/403 with why),
/// for the services that check before they read more.
pub(crate) fn check_transition(user: &User, case: &StoredCase, action: Action) -> Result<(), ApiError> {
    let r = &case.record;
    youyue_domain::workflow::transition(
        access::actor(user, case),
        action,
        r.status,
        r.handler.is_some(),
        r.rating.is_some(),
    )
    .map_err(command::CommandError::from)?;
    Ok(())
}

/// Applies `cmd` to a case already checked and saves it (with `handler_id` as the case's
/// handler afterwards); a reopening, sending-back or transfer may then raise it (提级督办).
pub(crate) async fn save_command(
    state: &AppState,
    user: &User,
    case: &StoredCase,
    cmd: Command,
    handler_id: Option<i64>,
) -> Result<StoredCase, ApiError> {
    let now = Timestamp::now();
    let rules = deadline_rules(state, case.union_id).await?;
    let change = command::apply(&case.record, access::actor(user, case), cmd, now, &rules)?;
    let saved = state.store.save_change(case, &change, handler_id, actor(user), now).await?;
    if youyue_domain::deadline::ESCALATING.contains(&change.action.as_str()) {
        return Ok(deadline::escalate_after_change(state.store.as_ref(), saved).await);
    }
    Ok(saved)
}

/// Applies a command to a case the caller can see and saves it with its record entry.
/// `make` turns the case into the command and, for an assignment, the handler's id.
pub async fn apply(
    state: &AppState,
    user: &User,
    number: &str,
    make: impl FnOnce(&StoredCase) -> Result<(Command, Option<i64>), ApiError>,
) -> Result<StoredCase, ApiError> {
    let store = state.store.as_ref();
    // 协办: an assisting party reaches this far only to add a note (403 otherwise).
    let (case, reach) = access::readable_case(store, user, number).await?;
    let (cmd, handler_id) = make(&case)?;
    if reach == access::Reach::Assisting {
        access::assisting_may(cmd.action())?;
    }
    // A dispute with a signed agreement resolves with it (`agreement::settle_outcome`).
    let cmd = match cmd {
        Command::Resolve { resolution, outcome } => {
            Command::Resolve { resolution, outcome: agreement::settle_outcome(store, &case, outcome).await? }
        }
        // A dispute settled by a signed agreement is not one mediation failed to settle.
        refer @ Command::Refer { .. } => {
            agreement::refuse_referral_if_signed(store, &case).await?;
            refer
        }
        // 催办 comes from a union above the case's own.
        chase @ Command::Chase { .. } => {
            access::may_chase(user, &case)?;
            chase
        }
        other => other,
    };
    let now = Timestamp::now();
    let rules = deadline_rules(state, case.union_id).await?;
    let change = command::apply(&case.record, access::actor(user, &case), cmd, now, &rules)?;
    let saved = store.save_change(&case, &change, handler_id.or(case.handler_id), actor(user), now).await?;
    // 提级督办 (issue 22) after a reopening or a sending-back.
    if youyue_domain::deadline::ESCALATING.contains(&change.action.as_str()) {
        return Ok(deadline::escalate_after_change(store, saved).await);
    }
    Ok(saved)
}

/// The working-day calendar as stored (a small table, read when a deadline is computed).
pub async fn work_calendar(state: &AppState) -> Result<WorkCalendar, ApiError> {
    Ok(WorkCalendar::new(state.store.calendar().await?))
}

/// The setting that holds a district's handling deadlines.
pub fn deadlines_key(root_code: &str) -> String {
    format!("deadlines:{root_code}")
}

/// The handling deadlines of the district (top-level union) above `union_id`: its own if
/// set, the defaults otherwise.
pub async fn district_deadlines(state: &AppState, union_id: i64) -> Result<command::Deadlines, ApiError> {
    let union = state
        .store
        .union_by_id(union_id)
        .await?
        .ok_or_else(|| ApiError::internal(format!("union {union_id} missing")))?;
    let root =
        state.store.union_by_id(union.root_id).await?.ok_or_else(|| ApiError::internal("top-level union missing"))?;
    match state.store.setting(&deadlines_key(root.record.code.as_str())).await? {
        Some(v) => serde_json::from_value(v).map_err(|e| ApiError::internal_in("stored deadlines", e)),
        None => Ok(command::Deadlines::default()),
    }
}

/// The setting that holds a district's closed-loop limits (call-back, extensions, pauses,
/// escalation).
pub fn closed_loop_key(root_code: &str) -> String {
    format!("closed_loop:{root_code}")
}

/// The closed-loop limits of the district (top-level union) above `union_id`: its own if
/// set, the defaults otherwise.
pub async fn district_closed_loop(
    store: &dyn youyue_store::Store,
    union_id: i64,
) -> Result<youyue_domain::closed_loop::ClosedLoop, ApiError> {
    let union =
        store.union_by_id(union_id).await?.ok_or_else(|| ApiError::internal(format!("union {union_id} missing")))?;
    let root = store.union_by_id(union.root_id).await?.ok_or_else(|| ApiError::internal("top-level union missing"))?;
    match store.setting(&closed_loop_key(root.record.code.as_str())).await? {
        Some(v) => serde_json::from_value(v).map_err(|e| ApiError::internal_in("stored closed-loop limits", e)),
        None => Ok(youyue_domain::closed_loop::ClosedLoop::default()),
    }
}

/// The setting that holds a district's retention periods.
pub fn retention_key(root_code: &str) -> String {
    format!("retention:{root_code}")
}

/// A district's retention periods (none set: nothing is removed by itself).
pub async fn district_retention(
    store: &dyn youyue_store::Store,
    root_code: &str,
) -> Result<youyue_domain::retention::Retention, ApiError> {
    match store.setting(&retention_key(root_code)).await? {
        Some(v) => serde_json::from_value(v).map_err(|e| ApiError::internal_in("stored retention", e)),
        None => Ok(youyue_domain::retention::Retention::default()),
    }
}

/// Anonymises every closed case that has outlived its district's retention period for its
/// kind, as `system`, with the reason in the record book. Returns the case numbers.
pub async fn sweep_retention(store: &dyn youyue_store::Store, now: Timestamp) -> Result<Vec<String>, ApiError> {
    let mut done = Vec::new();
    let system = Acting { role: Role::Admin, is_assigned_handler: false };
    for district in store.top_level_unions().await? {
        let retention = district_retention(store, district.record.code.as_str()).await?;
        for kind in youyue_domain::Kind::ALL {
            let (Some(before), Some(years)) = (retention.closed_before(*kind, now), retention.years(*kind)) else {
                continue;
            };
            loop {
                let batch = store.cases_past_retention(&district.path, *kind, before, 500).await?;
                if batch.is_empty() {
                    break;
                }
                for case in batch {
                    let reason = format!("retention: personal details are kept {years} years after closing");
                    let change = command::apply(
                        &case.record,
                        system,
                        Command::Anonymise { reason },
                        now,
                        &command::DeadlineRules::default(),
                    )?;
                    store
                        .save_change(&case, &change, case.handler_id, Actor { label: "system", user_id: None }, now)
                        .await?;
                    done.push(case.record.number.to_string());
                }
            }
        }
    }
    Ok(done)
}

/// What sets a deadline for a case of `union_id`: the calendar and its district's limits.
pub async fn deadline_rules(state: &AppState, union_id: i64) -> Result<command::DeadlineRules, ApiError> {
    Ok(command::DeadlineRules {
        calendar: work_calendar(state).await?,
        days: district_deadlines(state, union_id).await?,
    })
}

/// Assigns `handler` to a case the caller can see: the case is found first (404 if not
/// the caller's), then the account (`access::assignable_handler`: one answer for missing
/// and outside), checked again on the case as saved.
pub async fn assign(state: &AppState, user: &User, number: &str, handler: &str) -> Result<StoredCase, ApiError> {
    let case = access::visible_case(state.store.as_ref(), user, number).await?;
    let handler = access::assignable_handler(state.store.as_ref(), &case, handler).await?;
    apply(state, user, number, |case| {
        access::may_handle(&handler, case)?;
        Ok((Command::Assign { handler: handler.username.clone() }, Some(handler.id)))
    })
    .await
}

/// A case registered by staff (any channel) or by a registered worker (their own). It
/// gets a tracking code by the online form's rules (`TrackingCode`), so that a worker who
/// phoned or came in can follow and rate it too.
pub async fn register(
    state: &AppState,
    user: &User,
    body: &RegisterInput,
    key: Option<&str>,
) -> Result<Registered, ApiError> {
    let store = state.store.as_ref();
    let key = key.map(|k| Retry::new(&format!("user:{}", user.id), k, body)).transpose()?;
    if let Some(k) = &key {
        if let Some(found) = k.earlier(state).await? {
            return Ok(Registered::earlier(k, found));
        }
    }
    let union = if user.role.is_staff() {
        let me = Acting { role: user.role, is_assigned_handler: false };
        transition(me, Action::Register, Status::Registered, false, false).map_err(CommandError::from)?;
        access::union_within(store, user, &body.union).await?
    } else {
        let code: UnionCode = body.union.parse().map_err(|_| ApiError::invalid("union", "no such union"))?;
        store.union_by_code(&code).await?.ok_or_else(|| ApiError::invalid("union", "no such union"))?
    };
    let now = Timestamp::now();
    let opened_at = match body.opened_at.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        Some(s) => {
            let t = Timestamp::parse_rfc3339(s).map_err(|e| ApiError::invalid("opened_at", e.to_string()))?;
            if t > now {
                return Err(ApiError::invalid("opened_at", "is in the future"));
            }
            t
        }
        None => now,
    };
    let mut d = if user.role.is_staff() {
        let mut d = draft(&body.case_input(), &union, body.channel, opened_at)?;
        d.online = body.online || body.channel == Channel::Online;
        d.scheduled = body.scheduled;
        d.immediate = body.immediate;
        d
    } else {
        // A worker raises their own case online, now; channel and time are staff's to record.
        let mut d = draft(&body.case_input(), &union, Channel::Online, now)?;
        d.worker_user_id = Some(user.id);
        d
    };
    let code = TrackingCode::new(key.as_ref())?;
    d.tracking_code_hash = Some(code.hash.clone());
    // A worker who phoned or came in and agreed to be told is sent the code staff read out.
    if user.role.is_staff() && d.notify_worker {
        d.receipt_code = Some(code.code.clone());
    }
    match (create(state, d, actor(user), key.as_ref()).await?, &key) {
        (Made::New(case), _) => Ok(Registered { case, tracking_code: code.code, replayed: false }),
        (Made::Earlier(found), Some(k)) => Ok(Registered::earlier(k, found)),
        (Made::Earlier(_), None) => Err(ApiError::internal("a case made earlier without a key")),
    }
}

/// A case just made, or the one an earlier attempt with the same idempotency key made,
/// with its tracking code (shown once, or again to a retry with the same key).
pub struct Registered {
    pub case: StoredCase,
    pub tracking_code: String,
    pub replayed: bool,
}

impl Registered {
    /// The answer to a retry: the earlier case, its code derived again from the key and the
    /// salt stored with it.
    fn earlier(k: &Retry, found: youyue_store::IdempotentCase) -> Registered {
        Registered { tracking_code: k.tracking_code(&found.salt), case: found.case, replayed: true }
    }
}

/// A new case's tracking code and the hash that is stored of it. With an idempotency key
/// the code is derived from the key and the key's salt, so that a retry shows it again;
/// without one it is random.
struct TrackingCode {
    code: String,
    hash: String,
}

impl TrackingCode {
    fn new(key: Option<&Retry>) -> Result<TrackingCode, ApiError> {
        let code = match key {
            Some(k) => k.tracking_code(&k.stored.salt),
            None => {
                let mut random = [0u8; tracking::LEN];
                rand::rngs::OsRng.fill_bytes(&mut random);
                tracking::format_code(random)
            }
        };
        let normalized = tracking::normalize(&code)
            .ok_or_else(|| ApiError::internal("a tracking code made that does not read back"))?;
        Ok(TrackingCode { hash: sha256_hex(&normalized), code })
    }
}

/// What storing a draft came to.
enum Made {
    New(StoredCase),
    /// A concurrent attempt with the same idempotency key stored its case first.
    Earlier(youyue_store::IdempotentCase),
}

/// Stores the draft with the key, if any; a key already used answers the case it made.
async fn create(
    state: &AppState,
    mut d: youyue_store::CaseDraft,
    by: Actor<'_>,
    key: Option<&Retry>,
) -> Result<Made, ApiError> {
    d.idempotency = key.map(|k| k.stored.clone());
    match (state.store.create_case(&d, by).await, key) {
        (Ok(case), _) => Ok(Made::New(case)),
        (Err(StoreError::IdempotencyKeyUsed), Some(k)) => k
            .earlier(state)
            .await?
            .map(Made::Earlier)
            .ok_or_else(|| ApiError::internal("an idempotency key is taken but its case is not found")),
        (Err(e), _) => Err(e.into()),
    }
}

/// The longest idempotency key accepted (a UUID is 36 characters).
pub const MAX_IDEMPOTENCY_KEY: usize = 200;

/// A submission's idempotency key (the `Idempotency-Key` header, or the hidden field of the
/// worker's form): a retry with the same key and the same request gets the first attempt's
/// case, not a second one.
pub struct Retry {
    key: String,
    stored: IdempotencyKey,
}

impl Retry {
    /// `scope` keeps one sender's keys apart from another's; `request` is what was sent.
    pub fn new(scope: &str, key: &str, request: &impl serde::Serialize) -> Result<Retry, ApiError> {
        let bad = |m: &str| ApiError::BadRequest { field: Some("Idempotency-Key".into()), message: m.into() };
        if key.is_empty() || key.len() > MAX_IDEMPOTENCY_KEY {
            return Err(bad("must be 1 to 200 characters"));
        }
        if !key.bytes().all(|b| b.is_ascii_graphic()) {
            return Err(bad("may hold only visible ASCII characters (a UUID, say)"));
        }
        let request = serde_json::to_string(request).map_err(|e| ApiError::internal_in("a request as JSON", e))?;
        let mut salt = [0u8; 16];
        rand::rngs::OsRng.fill_bytes(&mut salt);
        Ok(Retry {
            key: key.to_owned(),
            stored: IdempotencyKey {
                key_hash: sha256_hex(&format!("{scope}\n{key}")),
                request_hash: sha256_hex(&request),
                salt: hex::encode(salt),
            },
        })
    }

    /// The case an earlier attempt made; refused if that attempt sent something else.
    async fn earlier(&self, state: &AppState) -> Result<Option<youyue_store::IdempotentCase>, ApiError> {
        match state.store.idempotent_case(&self.stored.key_hash).await? {
            Some(found) if found.request_hash == self.stored.request_hash => Ok(Some(found)),
            Some(_) => Err(ApiError::invalid("Idempotency-Key", "was used before for a different request")),
            None => Ok(None),
        }
    }

    /// The tracking code of the case this key makes: derived from the key and a stored
    /// salt, so that a retry can be shown the code again although only its hash is stored.
    fn tracking_code(&self, salt: &str) -> String {
        let digest = sha2::Sha256::digest(format!("youyue tracking code\n{salt}\n{}", self.key).as_bytes());
        let mut random = [0u8; tracking::LEN];
        random.copy_from_slice(&digest[..tracking::LEN]);
        tracking::format_code(random)
    }
}

/// A worker raises a case online without an account. Returns the case and its tracking
/// code, which is shown once and stored only as a hash.
///
/// With an idempotency key, a retry of the same submission answers the first one's case and
/// code (and is not counted against the address's limit).
pub async fn submit_public(
    state: &AppState,
    body: &CaseInput,
    ip: IpAddr,
    key: Option<&str>,
) -> Result<Submission, ApiError> {
    let key = key.map(|k| Retry::new("public", k, body)).transpose()?;
    if let Some(k) = &key {
        if let Some(found) = k.earlier(state).await? {
            return Ok(Submission::earlier(k, found));
        }
    }
    if !state.limits.submit_address.hit(&ip.to_string()) {
        return Err(ApiError::TooManyRequests);
    }
    let union = crate::access::studio_for_workers(state.store.as_ref(), &body.union)
        .await?
        .ok_or_else(|| ApiError::invalid("union", format!("no union with a studio \"{}\"", body.union)))?;
    let mut d = draft(body, &union, Channel::Online, Timestamp::now())?;
    let code = TrackingCode::new(key.as_ref())?;
    d.tracking_code_hash = Some(code.hash.clone());
    match (create(state, d, Actor { label: "worker", user_id: None }, key.as_ref()).await?, &key) {
        (Made::New(case), _) => Ok(Submission { case, tracking_code: code.code, replayed: false }),
        (Made::Earlier(found), Some(k)) => Ok(Submission::earlier(k, found)),
        (Made::Earlier(_), None) => Err(ApiError::internal("a case made earlier without a key")),
    }
}

/// A worker's submission as answered: the case, its tracking code (shown once, or again
/// to a retry with the same key), and whether this was a retry.
pub struct Submission {
    pub case: StoredCase,
    pub tracking_code: String,
    pub replayed: bool,
}

impl Submission {
    /// The answer to a retry: the earlier case, its code derived again from the key and the
    /// salt stored with it.
    fn earlier(k: &Retry, found: youyue_store::IdempotentCase) -> Submission {
        Submission { tracking_code: k.tracking_code(&found.salt), case: found.case, replayed: true }
    }
}

/// The case, if the number and the code belong together; otherwise one 404 for both
/// mistakes, so that guessing learns nothing. Rate-limited per address.
pub async fn case_with_code(state: &AppState, ip: IpAddr, number: &str, code: &str) -> Result<StoredCase, ApiError> {
    if !state.limits.lookup_address.hit(&ip.to_string()) {
        return Err(ApiError::TooManyRequests);
    }
    let not_found = || ApiError::not_found("no case with this number and tracking code");
    // The number as a worker types it: any letter case, with or without dashes and spaces
    // (a prefix ending in digits, written together, can be read more than one way).
    let Some(NumberQuery::Whole(numbers)) = NumberQuery::parse(number) else {
        return Err(not_found());
    };
    let normalized = tracking::normalize(code).ok_or_else(not_found)?;
    let given = sha256_hex(&normalized);
    for n in &numbers {
        let Some(case) = state.store.case_by_number(n).await? else {
            continue;
        };
        if case.record.tracking_code_hash.as_ref().is_some_and(|h| constant_time_eq(h.as_bytes(), given.as_bytes())) {
            return Ok(case);
        }
    }
    Err(not_found())
}

fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// The worker rates their closed case with its number and code.
pub async fn rate_with_code(
    state: &AppState,
    ip: IpAddr,
    number: &str,
    code: &str,
    rating: i64,
    comment: Option<String>,
) -> Result<StoredCase, ApiError> {
    let case = case_with_code(state, ip, number, code).await?;
    let now = Timestamp::now();
    let worker = Acting { role: Role::Worker, is_assigned_handler: false };
    let change = command::apply(
        &case.record,
        worker,
        Command::Rate { rating, comment },
        now,
        &command::DeadlineRules::default(),
    )?;
    Ok(state.store.save_change(&case, &change, case.handler_id, Actor { label: "worker", user_id: None }, now).await?)
}

/// Checks a login and opens a session. The attempt is counted before the password is
/// checked and taken back when it is right (`auth::LoginGuard`: per account and address,
/// per account, per address); an account with a second factor also needs its current
/// TOTP code.
pub async fn login(
    state: &AppState,
    ip: IpAddr,
    username: &str,
    password: String,
    totp: Option<&str>,
) -> Result<(User, String), ApiError> {
    let attempt = state.limits.login.try_attempt(username, ip)?;
    let user = match state.store.user_by_username(username).await {
        Ok(u) => u,
        Err(e) => {
            attempt.not_tried();
            return Err(e.into());
        }
    };
    let hash = user.as_ref().filter(|u| u.active).and_then(|u| u.password_hash.clone());
    if !crate::auth::verify_password(password, hash).await {
        return Err(ApiError::WrongCredentials);
    }
    let Some(user) = user else {
        return Err(ApiError::WrongCredentials);
    };
    if let Some(secret) = &user.totp_secret {
        let right = totp.is_some_and(|code| crate::auth::totp::checks(secret, code, crate::auth::unix_now()));
        if !right {
            return Err(ApiError::SecondFactor);
        }
    }
    attempt.succeeded();
    let token = open_session(state, &user).await?;
    Ok((user, token))
}

/// Checks the caller's own password again (before a sensitive change), counted like a
/// login attempt. `field` names the form or body field the password came in.
pub async fn confirm_password(
    state: &AppState,
    ip: IpAddr,
    user: &User,
    password: String,
    field: &'static str,
) -> Result<(), ApiError> {
    let attempt = state.limits.login.try_attempt(&user.username, ip)?;
    if !crate::auth::verify_password(password, user.password_hash.clone()).await {
        return Err(ApiError::invalid(field, "is not this account's password"));
    }
    attempt.succeeded();
    Ok(())
}

/// Turns the account's second factor on (`secret` with the app's current `code` for it,
/// which proves the app holds it) or off (`secret` None), after the password again.
pub async fn set_second_factor(
    state: &AppState,
    ip: IpAddr,
    user: &User,
    password: String,
    secret: Option<&str>,
    code: &str,
) -> Result<(), ApiError> {
    confirm_password(state, ip, user, password, "password").await?;
    if let Some(s) = secret {
        if !crate::auth::totp::checks(s, code, crate::auth::unix_now()) {
            return Err(ApiError::invalid("code", "is not the app's current code for this secret"));
        }
    }
    Ok(state.store.set_totp_secret(user.id, secret).await?)
}

/// An account changes its own password: every session and API token of it ends (the
/// caller opens a new session).
pub async fn change_password(
    state: &AppState,
    ip: IpAddr,
    user: &User,
    current: String,
    new: String,
) -> Result<(), ApiError> {
    check_new_password("new", &new)?;
    if new.chars().count() > 200 {
        return Err(ApiError::invalid("new", "must be at most 200 characters"));
    }
    if new == current {
        return Err(ApiError::invalid("new", "must differ from the current password"));
    }
    confirm_password(state, ip, user, current, "current").await?;
    let password_hash = Some(crate::auth::hash_password(new).await?);
    // A new password ends every session of the account and revokes its API tokens.
    let change = youyue_store::UserChange { password_hash, ..youyue_store::UserChange::default() };
    Ok(state.store.change_user(user.id, &change).await?)
}

/// A new session for the account; its token goes into the cookie.
pub async fn open_session(state: &AppState, user: &User) -> Result<String, ApiError> {
    let token = crate::auth::random_token();
    let now = Timestamp::now();
    let expires = Timestamp::from_micros(now.micros() + crate::auth::SESSION_HOURS * 3_600_000_000);
    state.store.create_session(&sha256_hex(&token), user.id, now, expires).await?;
    Ok(token)
}

/// One month of the dashboard's trend.
#[derive(Debug, Clone, serde::Serialize)]
pub struct MonthFigures {
    /// `YYYY-MM`, China time.
    pub month: String,
    pub opened: i64,
    pub resolved: i64,
}

/// Everything the dashboard shows for a union's subtree and a period.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Dashboard {
    pub stats: youyue_domain::stats::Stats,
    /// Every month the period touches, with zeros where nothing happened.
    pub months: Vec<MonthFigures>,
    /// The union's direct children with their own figures (the ranking).
    pub children: Vec<ChildFigures>,
    pub timeliness: youyue_domain::timeliness::Timeliness,
    /// Workers' ratings of the cases closed in the period.
    pub case_ratings: youyue_domain::appraisal::VoteSummary,
    /// Workers' votes on their unions cast in the period: monthly and yearly.
    pub monthly_votes: youyue_domain::appraisal::VoteSummary,
    pub yearly_votes: youyue_domain::appraisal::VoteSummary,
}

#[derive(Debug, Clone, serde::Serialize)]
pub struct ChildFigures {
    pub code: String,
    pub name: String,
    pub stats: youyue_domain::stats::Stats,
}

/// The dashboard's figures for a union the caller can see.
pub async fn dashboard(
    state: &AppState,
    union: &youyue_store::Union,
    period: youyue_domain::Period,
) -> Result<Dashboard, ApiError> {
    let store = state.store.as_ref();
    let youyue_store::Figures { stats, months: found, timeliness, case_ratings } = store.figures(union, period).await?;
    let months = period
        .months()
        .into_iter()
        .map(|m| {
            let (opened, resolved) = found.iter().find(|(x, _, _)| *x == m).map(|(_, o, r)| (*o, *r)).unwrap_or((0, 0));
            MonthFigures { month: m, opened, resolved }
        })
        .collect();
    let children = store
        .child_stats(union, period)
        .await?
        .into_iter()
        .map(|(child, stats)| ChildFigures { code: child.record.code.to_string(), name: child.record.name, stats })
        .collect();
    use youyue_domain::appraisal::{Round, VoteSummary};
    let monthly_votes = VoteSummary::of(&store.vote_scores(union, Round::Monthly, period).await?);
    let yearly_votes = VoteSummary::of(&store.vote_scores(union, Round::Yearly, period).await?);
    Ok(Dashboard { stats, months, children, timeliness, case_ratings, monthly_votes, yearly_votes })
}

/// A worker's vote on their union (一月一评 / 年度测评), without an account. `voter` is the
/// token the worker's browser keeps; only its hash is stored, and its first vote in a round
/// stands. Votes are also limited per address (generously: a factory shares one).
/// Returns whether this vote was counted (false: this voter had already voted).
pub async fn vote(
    state: &AppState,
    ip: IpAddr,
    union_code: &str,
    round: youyue_domain::appraisal::Round,
    voter: &str,
    score: i64,
    comment: String,
) -> Result<bool, ApiError> {
    if voter.len() < 16 || voter.len() > 128 {
        return Err(ApiError::invalid("voter", "must be a token of 16 to 128 characters"));
    }
    if !state.limits.vote_address.hit(&ip.to_string()) {
        return Err(ApiError::TooManyRequests);
    }
    let no_union = || ApiError::not_found(format!("no union \"{union_code}\""));
    let code: UnionCode = union_code.parse().map_err(|_| no_union())?;
    let union = state.store.union_by_code(&code).await?.ok_or_else(no_union)?;
    let now = Timestamp::now();
    let v = youyue_domain::appraisal::UnionVote {
        union: union.record.code,
        round,
        key: round.key(now),
        voter: sha256_hex(voter),
        score,
        comment: comment.trim().to_owned(),
        at: now,
    };
    v.check()?;
    Ok(state.store.cast_vote(&v).await?)
}

/// One union's line of the assessment table.
#[derive(Debug, Clone, serde::Serialize)]
pub struct AssessmentRow {
    pub code: String,
    pub name: String,
    pub parts: youyue_domain::assessment::Parts,
    /// Out of 100; None when no part has data.
    pub score: Option<f64>,
}

/// The key under which a district keeps its assessment weights.
pub fn weights_key(root_code: &str) -> String {
    format!("assessment_weights:{root_code}")
}

/// The weights of the district (top-level union) `union` belongs to; the defaults if unset.
pub async fn assessment_weights(
    state: &AppState,
    union: &youyue_store::Union,
) -> Result<youyue_domain::assessment::Weights, ApiError> {
    let root =
        state.store.union_by_id(union.root_id).await?.ok_or_else(|| ApiError::internal("top-level union missing"))?;
    match state.store.setting(&weights_key(root.record.code.as_str())).await? {
        Some(v) => serde_json::from_value(v).map_err(|e| ApiError::internal_in("stored weights", e)),
        None => Ok(youyue_domain::assessment::Weights::default()),
    }
}

/// The yearly assessment of every union with a studio in `union`'s subtree (each over its
/// own subtree), best first.
pub async fn assessment(
    state: &AppState,
    union: &youyue_store::Union,
    year: i32,
) -> Result<(youyue_domain::assessment::Weights, Vec<AssessmentRow>), ApiError> {
    use youyue_domain::appraisal::{is_satisfied, Round};
    use youyue_domain::assessment::{share, Parts};
    let store = state.store.as_ref();
    let weights = assessment_weights(state, union).await?;
    let from = chrono::NaiveDate::from_ymd_opt(year, 1, 1).ok_or_else(|| ApiError::invalid("year", "no such year"))?;
    let to = chrono::NaiveDate::from_ymd_opt(year, 12, 31).ok_or_else(|| ApiError::invalid("year", "no such year"))?;
    let period = youyue_domain::Period::new(from, to).map_err(|e| ApiError::invalid("year", e.to_string()))?;
    let mut rows = Vec::new();
    for u in store.subtree(union).await?.into_iter().filter(|u| u.record.studio_opened_on.is_some_and(|d| d <= to)) {
        let f = store.figures(&u, period).await?;
        let t = f.timeliness;
        let monthly = store.vote_scores(&u, Round::Monthly, period).await?;
        let yearly = store.vote_scores(&u, Round::Yearly, period).await?;
        let items = store.studio_items(u.id).await?;
        let (due, closed) = store.answered(&u, period).await?;
        let count = |v: &[i64]| (v.iter().filter(|s| is_satisfied(**s)).count() as u64, v.len() as u64);
        let (ms, mn) = count(&monthly);
        // Satisfaction counts the case ratings and the monthly votes together.
        let (rs, rn) = (f.case_ratings.satisfied + ms, f.case_ratings.votes + mn);
        let (ys, yn) = count(&yearly);
        let parts = Parts {
            on_time: share(t.closed_on_time, t.closed_with_deadline),
            satisfaction: share(rs, rn),
            appraisal: share(ys, yn),
            checklist: share(
                items.iter().filter(|i| i.done).count() as u64,
                youyue_domain::studio::StudioItem::ALL.len() as u64,
            ),
            answered: share(closed.max(0) as u64, due.max(0) as u64),
            resolution: share(f.stats.cases_resolved, f.stats.cases_closed()),
        };
        rows.push(AssessmentRow {
            code: u.record.code.to_string(),
            name: u.record.name.clone(),
            parts,
            score: parts.score(&weights),
        });
    }
    rows.sort_by(|a, b| b.score.unwrap_or(-1.0).total_cmp(&a.score.unwrap_or(-1.0)).then(a.code.cmp(&b.code)));
    Ok((weights, rows))
}
