//! What the API and the pages both do: raise a case, apply a workflow command, follow a
//! case with its tracking code. Handlers of either kind call these, so that a rule is
//! enforced once (permissions themselves are decided in `access`).

use crate::access;
use crate::api::cases::{draft, CaseInput, RegisterInput};
use crate::auth::sha256_hex;
use crate::error::ApiError;
use crate::AppState;
use rand::RngCore;
use std::net::IpAddr;
use youyue_domain::calendar::WorkCalendar;
use youyue_domain::case::Channel;
use youyue_domain::command::{self, Command, CommandError};
use youyue_domain::workflow::{transition, Actor as WorkflowActor, Role};
use youyue_domain::{tracking, Action, CaseNumber, Status, Timestamp, UnionCode};
use youyue_store::{Actor, StoredCase, User};

/// Who the record book names: staff by username; a worker account only as "worker",
/// since the enterprise's staff read the record book and the worker may be anonymous.
pub fn actor(user: &User) -> Actor<'_> {
    let label = if user.role.is_staff() { user.username.as_str() } else { "worker" };
    Actor { label, user_id: Some(user.id) }
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
    let case = access::visible_case(store, user, number).await?;
    let (cmd, handler_id) = make(&case)?;
    let now = Timestamp::now();
    let rules = deadline_rules(state, case.union_id).await?;
    let change = command::apply(&case.record, access::actor(user, &case), cmd, now, &rules)?;
    Ok(store.save_change(&case, &change, handler_id.or(case.handler_id), actor(user), now).await?)
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
        .ok_or_else(|| ApiError::Internal(format!("union {union_id} missing")))?;
    let root = state
        .store
        .union_by_id(union.root_id)
        .await?
        .ok_or_else(|| ApiError::Internal("top-level union missing".into()))?;
    match state.store.setting(&deadlines_key(root.record.code.as_str())).await? {
        Some(v) => serde_json::from_value(v).map_err(|e| ApiError::Internal(format!("stored deadlines: {e}"))),
        None => Ok(command::Deadlines::default()),
    }
}

/// What sets a deadline for a case of `union_id`: the calendar and its district's limits.
pub async fn deadline_rules(state: &AppState, union_id: i64) -> Result<command::DeadlineRules, ApiError> {
    Ok(command::DeadlineRules {
        calendar: work_calendar(state).await?,
        days: district_deadlines(state, union_id).await?,
    })
}

/// Looks up the handler to assign and checks they may take the case.
pub async fn assignment(state: &AppState, handler: &str) -> Result<User, ApiError> {
    state
        .store
        .user_by_username(handler)
        .await?
        .ok_or_else(|| ApiError::invalid("handler", format!("no account \"{handler}\"")))
}

/// A case registered by staff (any channel) or by a registered worker (their own).
pub async fn register(state: &AppState, user: &User, body: &RegisterInput) -> Result<StoredCase, ApiError> {
    let store = state.store.as_ref();
    let union = if user.role.is_staff() {
        let me = WorkflowActor { role: user.role, is_assigned_handler: false };
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
    if !user.role.is_staff() {
        // A worker raises their own case online, now; channel and time are staff's to record.
        let mut d = draft(&body.case_input(), &union, Channel::Online, now)?;
        d.worker_user_id = Some(user.id);
        return Ok(store.create_case(&d, actor(user)).await?);
    }
    let mut d = draft(&body.case_input(), &union, body.channel, opened_at)?;
    d.online = body.online || body.channel == Channel::Online;
    d.scheduled = body.scheduled;
    d.immediate = body.immediate;
    Ok(store.create_case(&d, actor(user)).await?)
}

/// A worker raises a case online without an account. Returns the case and its tracking
/// code, which is shown once and stored only as a hash.
pub async fn submit_public(state: &AppState, body: &CaseInput, ip: IpAddr) -> Result<(StoredCase, String), ApiError> {
    if !state.limits.submit_address.hit(&ip.to_string()) {
        return Err(ApiError::TooManyRequests);
    }
    let no_union = || ApiError::invalid("union", format!("no union \"{}\"", body.union));
    let code: UnionCode = body.union.parse().map_err(|_| no_union())?;
    let union = state.store.union_by_code(&code).await?.ok_or_else(no_union)?;
    let mut d = draft(body, &union, Channel::Online, Timestamp::now())?;
    let mut random = [0u8; tracking::LEN];
    rand::rngs::OsRng.fill_bytes(&mut random);
    let tracking_code = tracking::format_code(random);
    let normalized = tracking::normalize(&tracking_code).ok_or_else(|| ApiError::Internal("tracking code".into()))?;
    d.tracking_code_hash = Some(sha256_hex(&normalized));
    let case = state.store.create_case(&d, Actor { label: "worker", user_id: None }).await?;
    Ok((case, tracking_code))
}

/// The case, if the number and the code belong together; otherwise one 404 for both
/// mistakes, so that guessing learns nothing. Rate-limited per address.
pub async fn case_with_code(state: &AppState, ip: IpAddr, number: &str, code: &str) -> Result<StoredCase, ApiError> {
    if !state.limits.lookup_address.hit(&ip.to_string()) {
        return Err(ApiError::TooManyRequests);
    }
    let not_found = || ApiError::not_found("no case with this number and tracking code");
    let n: CaseNumber = number.trim().parse().map_err(|_| not_found())?;
    let normalized = tracking::normalize(code).ok_or_else(not_found)?;
    let case = state.store.case_by_number(&n).await?.ok_or_else(not_found)?;
    let given = sha256_hex(&normalized);
    match &case.record.tracking_code_hash {
        Some(h) if constant_time_eq(h.as_bytes(), given.as_bytes()) => Ok(case),
        _ => Err(not_found()),
    }
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
    let worker = WorkflowActor { role: Role::Worker, is_assigned_handler: false };
    let change = command::apply(
        &case.record,
        worker,
        Command::Rate { rating, comment },
        now,
        &command::DeadlineRules::default(),
    )?;
    Ok(state.store.save_change(&case, &change, case.handler_id, Actor { label: "worker", user_id: None }, now).await?)
}

/// Checks a login and opens a session. Failed attempts are counted per account and per
/// address; past the limit even a right password waits.
pub async fn login(state: &AppState, ip: IpAddr, username: &str, password: String) -> Result<(User, String), ApiError> {
    let account_key = username.to_lowercase();
    let address_key = ip.to_string();
    let limits = &state.limits;
    if limits.login_account.blocked(&account_key) || limits.login_address.blocked(&address_key) {
        return Err(ApiError::TooManyRequests);
    }
    let user = state.store.user_by_username(username).await?;
    let hash = user.as_ref().filter(|u| u.active).and_then(|u| u.password_hash.clone());
    if !crate::auth::verify_password(password, hash).await {
        limits.login_account.hit(&account_key);
        limits.login_address.hit(&address_key);
        return Err(ApiError::WrongCredentials);
    }
    let Some(user) = user else {
        return Err(ApiError::WrongCredentials);
    };
    limits.login_account.clear(&account_key);
    let token = crate::auth::random_token();
    let now = Timestamp::now();
    let expires = Timestamp::from_micros(now.micros() + crate::auth::SESSION_HOURS * 3_600_000_000);
    state.store.create_session(&sha256_hex(&token), user.id, now, expires).await?;
    Ok((user, token))
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
    let root = state
        .store
        .union_by_id(union.root_id)
        .await?
        .ok_or_else(|| ApiError::Internal("top-level union missing".into()))?;
    match state.store.setting(&weights_key(root.record.code.as_str())).await? {
        Some(v) => serde_json::from_value(v).map_err(|e| ApiError::Internal(format!("stored weights: {e}"))),
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
