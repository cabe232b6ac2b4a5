//! The one place that decides who may see and do what. API handlers and pages both call
//! these functions; neither decides on its own.
//!
//! - Staff see and act only within their union's subtree.
//! - A worker account sees only the cases it raised.
//! - Something a caller may not see is reported as not found, so that its existence does
//!   not leak; something they may see but not do is forbidden.
//! - A wellbeing case (a psychological need) is seen only by the chairs above it and the
//!   staff member assigned to it (the counsellor); other staff learn only how many wait
//!   for a chair (`wellbeing_waiting_scope`).
//! - An anonymous worker's name and contact are shown only to staff of a union above the
//!   case's own (the district, the street), never to the enterprise's own staff.

use crate::error::ApiError;
use youyue_domain::workflow::{transition, Acting, Action, Role};
use youyue_domain::{Kind, Timestamp, UnionCode};
use youyue_store::{CaseQuery, ReadKind, Store, StoredCase, Union, User};

pub fn can_see_case(user: &User, case: &StoredCase) -> bool {
    if user.role.is_staff() {
        case.union_path.starts_with(&user.union_path)
            && (case.record.kind != Kind::Wellbeing || user.role == Role::Chair || case.handler_id == Some(user.id))
    } else {
        case.worker_user_id == Some(user.id)
    }
}

/// The cases a list may hold for the caller (`can_see_case` as a query): workers see their
/// own cases wherever they raised them, staff their subtree, and of the wellbeing cases
/// only those assigned to them unless they are a chair. Filters are added to it.
pub fn case_scope(user: &User) -> CaseQuery {
    let staff = user.role.is_staff();
    CaseQuery {
        within: if staff { user.union_path.clone() } else { "/".into() },
        worker_user_id: (!staff).then_some(user.id),
        wellbeing_only_handler: (staff && user.role != Role::Chair).then_some(user.id),
        ..CaseQuery::default()
    }
}

/// Who learns that a wellbeing case is waiting. A chair of its union or above sees every
/// one, accepts it and assigns the counsellor (a handler), who then sees it too. The other
/// staff of those unions are told only how many wait for a chair (registered, or accepted
/// without a counsellor): a receptionist can tell a worker who calls that the chair has it,
/// and nobody but the chair and the counsellor learns a title, a number or a word of it.
/// `None`: the caller is told nothing this way (a chair sees the cases themselves).
pub fn wellbeing_waiting_scope(user: &User) -> Option<CaseQuery> {
    (user.role.is_staff() && user.role != Role::Chair).then(|| CaseQuery {
        within: user.union_path.clone(),
        kind: Some(Kind::Wellbeing),
        open_only: true,
        ..CaseQuery::default()
    })
}

/// Of the counts by status of `wellbeing_waiting_scope`, the cases waiting for a chair.
pub fn wellbeing_waiting(by_status: &std::collections::BTreeMap<String, i64>) -> i64 {
    ["registered", "accepted"].iter().map(|s| by_status.get(*s).copied().unwrap_or(0)).sum()
}

/// What of a case a reading shows: the case itself (with the worker's name and contact,
/// where the caller may see them), or only its record book (which never holds them).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Shown {
    Case,
    RecordBook,
}

/// What reading this case must write in its read log: a wellbeing case, and the worker's
/// name or contact when they are shown.
pub fn reads_logged(user: &User, case: &StoredCase, shown: Shown) -> Vec<ReadKind> {
    let mut what = Vec::new();
    if !user.role.is_staff() {
        return what;
    }
    if case.record.kind == Kind::Wellbeing {
        what.push(ReadKind::Case);
    }
    let has_contact = case.record.worker_name.is_some() || case.record.contact.is_some();
    if shown == Shown::Case && has_contact && can_see_contact(user, case) {
        what.push(ReadKind::Contact);
    }
    what
}

/// A reading is logged once per account, case and kind of reading in this long: a page
/// reloaded sixteen times in a few minutes is one reading, not sixteen lines.
pub const READ_LOGGED_ONCE_PER_MICROS: i64 = 3_600_000_000;

/// Writes the caller's reading of a case into its read log (see `reads_logged`), unless it
/// was logged within the hour.
pub async fn log_reads(store: &dyn Store, user: &User, case: &StoredCase, shown: Shown) -> Result<(), ApiError> {
    let now = youyue_domain::Timestamp::now();
    let since = youyue_domain::Timestamp::from_micros(now.micros() - READ_LOGGED_ONCE_PER_MICROS);
    for what in reads_logged(user, case, shown) {
        store.log_read(case.id, user.id, what, now, since).await?;
    }
    Ok(())
}

/// Writes an `export` line in the read log of each wellbeing case a list shows the caller
/// (the inbox, the API's list, `inbox.xlsx`): its title is a confidential reading too, and
/// nobody else is shown one. Once an hour per account and case, as for `log_reads`.
pub async fn log_list_reads(store: &dyn Store, user: &User, cases: &[StoredCase]) -> Result<(), ApiError> {
    if !user.role.is_staff() {
        return Ok(());
    }
    let now = youyue_domain::Timestamp::now();
    let since = youyue_domain::Timestamp::from_micros(now.micros() - READ_LOGGED_ONCE_PER_MICROS);
    for case in cases.iter().filter(|c| c.record.kind == Kind::Wellbeing) {
        store.log_read(case.id, user.id, ReadKind::Export, now, since).await?;
    }
    Ok(())
}

/// The case, if it exists and the caller may see it; otherwise 404. A party assisting
/// with the case (协办, `assisting`) sees it but may do nothing through here: 403. They
/// read it and add notes through `readable_case` only.
pub async fn visible_case(store: &dyn Store, user: &User, number: &str) -> Result<StoredCase, ApiError> {
    match readable_case(store, user, number).await? {
        (case, Reach::Full) => Ok(case),
        (_, Reach::Assisting) => Err(assisting_only()),
    }
}

/// How far a caller reaches into a case they may read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reach {
    /// The case's union or one above it (`can_see_case`), or the worker's own.
    Full,
    /// 协办 (issue 22): a union asked to assist, or its named specialist: reads the case
    /// (the worker's name and contact masked) and its record book, and adds notes.
    Assisting,
}

fn assisting_only() -> ApiError {
    ApiError::Forbidden("you assist with this case (协办): you may read it and add notes, nothing else".into())
}

/// The case, if it exists and the caller may read it, and how far they reach; otherwise
/// 404. Only reading (the case, its record book, its page) and adding a note ask here;
/// everything else asks `visible_case`.
pub async fn readable_case(store: &dyn Store, user: &User, number: &str) -> Result<(StoredCase, Reach), ApiError> {
    let not_found = || ApiError::not_found(format!("no case {number} that you can see"));
    let n = number.parse().map_err(|_| not_found())?;
    let case = store.case_by_number(&n).await?.ok_or_else(not_found)?;
    if can_see_case(user, &case) {
        return Ok((case, Reach::Full));
    }
    if user.role.is_staff() && assisting(user, &store.case_assists(case.id).await?) {
        return Ok((case, Reach::Assisting));
    }
    Err(not_found())
}

/// 协办: whether the caller is an assisting party of these assistances (open ones): staff
/// of the union asked, when the whole union is; only the specialist named, when one is.
pub fn assisting(user: &User, assists: &[youyue_store::CaseAssist]) -> bool {
    user.role.is_staff()
        && user.active
        && assists
            .iter()
            .any(|a| a.is_open() && a.union_id == user.union_id && a.user_id.is_none_or(|id| id == user.id))
}

/// What an assisting party may do: add a note (403 for anything else).
pub fn assisting_may(action: Action) -> Result<(), ApiError> {
    if action == Action::Note {
        Ok(())
    } else {
        Err(assisting_only())
    }
}

/// 协办: the list of the cases the caller assists with now (`GET /api/v1/cases?assisting=true`,
/// the inbox's 协办 filter), outside their subtree. Staff only; `None` for a worker.
pub fn assisting_scope(user: &User) -> Option<CaseQuery> {
    user.role.is_staff().then(|| CaseQuery {
        within: "/".into(),
        assisting: Some((user.union_id, user.id)),
        ..CaseQuery::default()
    })
}

/// 协办: who may be asked to assist with `case`. A union of the case's district (the same
/// top-level union) that does not see the case already (neither the case's union nor one
/// above it); a specialist, when named, an active staff account of exactly that union. A
/// wellbeing case is assisted only by a named counsellor, never a whole union. One answer
/// for a union that does not exist and one outside the district (422 `union`), and for a
/// missing account and one elsewhere (422 `user`).
pub async fn assisting_party(
    store: &dyn Store,
    case: &StoredCase,
    code: &str,
    username: Option<&str>,
) -> Result<(Union, Option<User>), ApiError> {
    let code = code.trim();
    let unknown = || ApiError::invalid("union", format!("no union \"{code}\" in the case's district"));
    let parsed: UnionCode = code.parse().map_err(|_| unknown())?;
    let union = store.union_by_code(&parsed).await?.ok_or_else(unknown)?;
    let district = |path: &str| path.split('/').nth(1).map(str::to_owned);
    if district(&union.path) != district(&case.union_path) {
        return Err(unknown());
    }
    if case.union_path.starts_with(&union.path) {
        return Err(ApiError::invalid("union", format!("union \"{code}\" handles or oversees this case already")));
    }
    let user = match username.map(str::trim).filter(|u| !u.is_empty()) {
        None if case.record.kind == Kind::Wellbeing => {
            return Err(ApiError::invalid("user", "a wellbeing case is assisted only by a named specialist"));
        }
        None => None,
        Some(name) => {
            let refuse = || ApiError::invalid("user", format!("no active staff account \"{name}\" of union {code}"));
            let u = store.user_by_username(name).await?.ok_or_else(refuse)?;
            if u.union_id != union.id || !u.role.is_staff() || !u.active {
                return Err(refuse());
            }
            // A worker's troubles go to a counsellor, not to whoever works at that union.
            if case.record.kind == Kind::Wellbeing {
                let specialties = store.specialties_of(&[u.id]).await?;
                let counsellor =
                    specialties.get(&u.id).is_some_and(|s| s.contains(&youyue_domain::roster::Specialty::Counsellor));
                if !counsellor {
                    return Err(ApiError::invalid(
                        "user",
                        format!("\"{name}\" is not a counsellor: a wellbeing case is assisted only by one"),
                    ));
                }
            }
            Some(u)
        }
    };
    Ok((union, user))
}

/// How the workflow sees this user acting on this case.
pub fn actor(user: &User, case: &StoredCase) -> Acting {
    Acting { role: user.role, is_assigned_handler: case.handler_id == Some(user.id) }
}

/// What the caller may do to the case now (registering aside): the workflow's table for
/// the caller's role, the case's status and whether the caller is its handler.
pub fn actions(user: &User, case: &StoredCase) -> Vec<Action> {
    let (me, r) = (actor(user, case), &case.record);
    Action::ALL
        .iter()
        .copied()
        .filter(|a| *a != Action::Register)
        // 退单 is offered only for a case sent here and not yet accepted, which its record
        // book tells (`service::transfer::sent_from`): the case page adds it.
        .filter(|a| *a != Action::Return)
        // 协办 is asked for and ended in the case page's own section (whom, and whose
        // assistance is open, are not the workflow's to say).
        .filter(|a| !matches!(a, Action::Assist | Action::EndAssist))
        .filter(|a| transition(me, *a, r.status, r.handler.is_some(), r.rating.is_some()).is_ok())
        // 催办 is offered to a union strictly above the case's own.
        .filter(|a| *a != Action::Chase || above_case(user, case))
        // 发回重办 / 维持答复 depend on a pending review (the `callbacks` table): the case page
        // offers them (`pages::callback::section`), and GET /api/v1/reviews lists the cases.
        .filter(|a| !matches!(a, Action::SendBack | Action::Confirm))
        // Deadline control (issue 22): the system escalates; a pause and a resume each
        // when the clock runs or not; a decision on an extension to those who decide
        // (whether one is pending is the record book's: `service::deadline`).
        .filter(|a| *a != Action::Escalate)
        .filter(|a| *a != Action::Pause || r.paused_since.is_none())
        .filter(|a| *a != Action::Resume || r.paused_since.is_some())
        .filter(|a| !matches!(a, Action::ApproveExtension | Action::RefuseExtension) || decides_extensions(user, case))
        // 转仲裁 is offered once a dispute's statutory mediation period has passed.
        .filter(|a| {
            *a != Action::Refer
                || youyue_domain::arbitration::mediation_period_over(r.kind, r.opened_at, Timestamp::now().cst_date())
        })
        .collect()
}

/// Whether the caller's union is strictly above the case's (an ancestor, not the union
/// itself).
fn above_case(user: &User, case: &StoredCase) -> bool {
    user.role.is_staff() && case.union_path != user.union_path && case.union_path.starts_with(&user.union_path)
}

/// Who decides on an extension (issue 22): the chair of the case's own union, or a chair
/// or administrator of a union above it. (Not the one who asked: `service::deadline`.)
pub fn decides_extensions(user: &User, case: &StoredCase) -> bool {
    (user.role == Role::Chair && user.union_id == case.union_id)
        || (matches!(user.role, Role::Chair | Role::Admin) && above_case(user, case))
}

/// 催办 by hand (issue 22): a chair or administrator of a union strictly above the case's
/// own. The case is found first (404 outside the caller's subtree, like any case); its own
/// union's staff see it but may not chase it (403); the role is the workflow's.
pub fn may_chase(user: &User, case: &StoredCase) -> Result<(), ApiError> {
    if above_case(user, case) {
        Ok(())
    } else {
        Err(ApiError::Forbidden("only a union above the case's own chases it".into()))
    }
}

/// Whether the worker may rate the case now (with its tracking code, or their account).
pub fn worker_may_rate(case: &StoredCase) -> bool {
    let worker = Acting { role: Role::Worker, is_assigned_handler: false };
    let r = &case.record;
    transition(worker, Action::Rate, r.status, r.handler.is_some(), r.rating.is_some()).is_ok()
}

pub fn can_see_contact(user: &User, case: &StoredCase) -> bool {
    if !case.record.anonymous {
        return can_see_case(user, case);
    }
    user.role.is_staff() && case.union_path.starts_with(&user.union_path) && case.union_path != user.union_path
}

/// A union inside the caller's subtree (404 for one outside it, as for one that does not exist).
pub async fn union_within(store: &dyn Store, user: &User, code: &str) -> Result<Union, ApiError> {
    let not_found = || ApiError::not_found(format!("no union \"{code}\" that you can see"));
    let code: UnionCode = code.parse().map_err(|_| not_found())?;
    let u = store.union_by_code(&code).await?.ok_or_else(not_found)?;
    if u.path.starts_with(&user.union_path) {
        Ok(u)
    } else {
        Err(not_found())
    }
}

/// The union a worker may raise a case with, without an account, by its code: only one
/// with a studio (the API's submissions and the studio page both ask here). `None` for a
/// code of no union, or of a union without a studio.
pub async fn studio_for_workers(store: &dyn Store, code: &str) -> Result<Option<Union>, ApiError> {
    let Ok(code) = code.parse::<UnionCode>() else { return Ok(None) };
    Ok(store.union_by_code(&code).await?.filter(|u| u.record.studio_opened_on.is_some()))
}

/// The caller's own union.
pub async fn own_union(store: &dyn Store, user: &User) -> Result<Union, ApiError> {
    store
        .union_by_id(user.union_id)
        .await?
        .ok_or_else(|| ApiError::internal(format!("union of user {} is missing", user.id)))
}

/// The caller's district (top-level union), if the caller is its administrator: only they
/// set its assessment weights, deadlines and retention periods (`what`).
pub async fn district_administered(store: &dyn Store, user: &User, what: &str) -> Result<Union, ApiError> {
    let own = own_union(store, user).await?;
    if user.role != Role::Admin || own.depth != 0 {
        return Err(ApiError::Forbidden(format!("only a district's administrator sets its {what}")));
    }
    Ok(own)
}

/// Who reads a case's read log: the chairs and administrators who may see the case.
pub fn may_read_read_log(user: &User) -> Result<(), ApiError> {
    if user.role.manages_accounts() {
        Ok(())
    } else {
        Err(ApiError::Forbidden("only a chair or an administrator reads the read log".into()))
    }
}

/// The account a list of cases may be filtered by handler (`assigned`): one in the caller's
/// subtree or on the path above it (a district mediator handles an enterprise's cases).
pub async fn visible_handler(store: &dyn Store, user: &User, username: &str) -> Result<User, ApiError> {
    store
        .user_by_username(username)
        .await?
        .filter(|h| h.union_path.starts_with(&user.union_path) || user.union_path.starts_with(&h.union_path))
        .ok_or_else(|| ApiError::invalid("assigned", format!("no account \"{username}\" that you can see")))
}

/// Chairs and administrators manage unions and accounts in their subtree. A chair cannot
/// make an administrator.
pub fn may_manage_accounts(user: &User, new_role: Option<Role>) -> Result<(), ApiError> {
    if !user.role.manages_accounts() {
        return Err(ApiError::Forbidden("only a union chair or an administrator manages accounts".into()));
    }
    if new_role == Some(Role::Admin) && user.role != Role::Admin {
        return Err(ApiError::Forbidden("only an administrator makes another administrator".into()));
    }
    Ok(())
}

/// The roles the caller may give an account: what `may_manage_accounts` allows, in the order
/// a form lists them.
pub fn grantable_roles(user: &User) -> Vec<Role> {
    [Role::Receptionist, Role::Handler, Role::Chair, Role::Admin]
        .into_iter()
        .filter(|r| may_manage_accounts(user, Some(*r)).is_ok())
        .collect()
}

/// Who keeps the working-day calendar, which every district shares (the State Council's):
/// administrators.
pub fn may_keep_calendar(user: &User) -> Result<(), ApiError> {
    if user.role == Role::Admin {
        Ok(())
    } else {
        Err(ApiError::Forbidden("only an administrator keeps the calendar".into()))
    }
}

/// An account the caller may manage: in the caller's subtree (404 outside it, as for one
/// that does not exist) and of a role the caller may manage.
pub async fn managed_account(store: &dyn Store, user: &User, username: &str) -> Result<User, ApiError> {
    let not_found = || ApiError::not_found(format!("no account \"{username}\" that you can see"));
    let target = store.user_by_username(username).await?.ok_or_else(not_found)?;
    if !user.role.is_staff() || !target.union_path.starts_with(&user.union_path) {
        return Err(not_found());
    }
    may_manage_accounts(user, Some(target.role))?;
    Ok(target)
}

/// Who reads an account's e-mail address and phone in full: the person, and a chair or
/// administrator who manages the account (`managed_account`'s rule); other staff who list
/// accounts read them masked.
pub fn sees_addresses(viewer: &User, account: &User) -> bool {
    viewer.id == account.id
        || (viewer.role.is_staff()
            && account.union_path.starts_with(&viewer.union_path)
            && may_manage_accounts(viewer, Some(account.role)).is_ok())
}

/// Who sets a union's notices (its WeChat Work group robot; for a district also the quiet
/// hours of SMS to workers): its chairs and administrators and those of the unions above
/// it, as for its roster. 403 for other staff who see it (`union_within`, asked first).
pub fn may_set_union_notices(user: &User, union: &Union) -> Result<(), ApiError> {
    if user.role.manages_accounts() && union.path.starts_with(&user.union_path) {
        Ok(())
    } else {
        Err(ApiError::Forbidden("only a chair or an administrator of this union or above sets its notices".into()))
    }
}

/// Who reads a union's robot webhook URL in full: an administrator whose subtree holds the
/// union (the URL holds the robot's key); everyone else reads its scheme and host.
pub fn reads_webhook_in_full(user: &User, union: &Union) -> bool {
    user.role == Role::Admin && union.path.starts_with(&user.union_path)
}

/// Who reviews failed notices and sends them again: administrators and chairs, over the
/// cases of their subtree (`notice_within`). A chair sees their own unions' failures; an
/// administrator a wellbeing case's only without its number and words (see
/// `service::notices::failed`).
pub fn may_review_failed_notices(user: &User) -> Result<(), ApiError> {
    if user.role.manages_accounts() {
        Ok(())
    } else {
        Err(ApiError::Forbidden("only a chair or an administrator reviews failed notices".into()))
    }
}

/// Whether a notice is about a case in the caller's subtree (a notice about no case is
/// nobody's to review).
pub fn notice_within(user: &User, n: &youyue_store::Notice) -> bool {
    user.role.is_staff() && n.union_path.as_deref().is_some_and(|p| p.starts_with(&user.union_path))
}

/// The account `username` to be assigned `case` (`may_handle`). An account that does not
/// exist and one outside the case's union and the unions above it get the same answer,
/// so that assigning cannot tell who exists elsewhere, or their role.
pub async fn assignable_handler(store: &dyn Store, case: &StoredCase, username: &str) -> Result<User, ApiError> {
    let handler = store.user_by_username(username).await?.ok_or_else(|| not_assignable(username))?;
    may_handle(&handler, case)?;
    Ok(handler)
}

fn not_assignable(username: &str) -> ApiError {
    ApiError::invalid("handler", format!("no account \"{username}\" that may take this case"))
}

/// Whether `handler` may be assigned `case`: a staff account able to handle cases, active,
/// whose subtree holds the case (a district mediator may take an enterprise's case). One
/// outside is answered as one that does not exist; the role and being disabled are named
/// only for accounts on the case's path, which the caller may see anyway.
pub fn may_handle(handler: &User, case: &StoredCase) -> Result<(), ApiError> {
    if !case.union_path.starts_with(&handler.union_path) {
        return Err(not_assignable(&handler.username));
    }
    if !handler.active {
        return Err(ApiError::invalid("handler", format!("account \"{}\" is disabled", handler.username)));
    }
    if !handler.role.can_handle() {
        return Err(ApiError::invalid("handler", format!("a {} cannot be assigned cases", handler.role)));
    }
    Ok(())
}

/// How many cases a figure's list leaves out because the caller may not open them: the
/// wellbeing cases that the figure counts (it counts every case) and `case_scope` hides.
/// Said beside the list, so that a list shorter than its figure is never unexplained.
pub async fn hidden_from_figure(store: &dyn Store, q: &CaseQuery) -> Result<i64, ApiError> {
    if q.figure.is_none() || q.wellbeing_only_handler.is_none() {
        return Ok(0);
    }
    let counted = |q: CaseQuery| async move { store.list_cases(&CaseQuery { offset: 0, limit: 1, ..q }).await };
    let every = counted(CaseQuery { wellbeing_only_handler: None, ..q.clone() }).await?;
    let shown = counted(q.clone()).await?;
    // A text search may stop counting early: then no difference is claimed.
    if !(every.total_exact && shown.total_exact) {
        return Ok(0);
    }
    Ok((every.total - shown.total).max(0))
}

/// Who books, reschedules and cancels a case's appointments and records held or no-show:
/// staff who may see the case and may schedule a meeting for it (the workflow's `schedule`,
/// so only while it is open); a worker account never (workers use their tracking code).
pub fn may_book_appointment(user: &User, case: &StoredCase) -> Result<(), ApiError> {
    if !user.role.is_staff() {
        return Err(ApiError::Forbidden("workers book with their case's tracking code".into()));
    }
    let r = &case.record;
    transition(actor(user, case), Action::Schedule, r.status, r.handler.is_some(), r.rating.is_some())
        .map(|_| ())
        .map_err(|e| ApiError::Conflict(e.to_string()))
}

/// Who changes an appointment already made (reschedule, cancel, held, no-show): staff who
/// may see its case, whatever the case's status (a meeting of a case closed meanwhile is
/// still recorded as held or missed).
pub fn may_change_appointment(user: &User) -> Result<(), ApiError> {
    if user.role.is_staff() {
        Ok(())
    } else {
        Err(ApiError::Forbidden("workers change their appointment with the case's tracking code".into()))
    }
}

/// Whether the worker may book with the tracking code: the case is open (registered,
/// accepted or in progress) and holds no booked appointment yet (one at a time: the worker
/// reschedules it instead), so that a code cannot take a roster's every slot.
pub fn worker_may_book(case: &StoredCase, booked: usize) -> Result<(), ApiError> {
    if !case.record.status.is_open() {
        return Err(ApiError::Conflict("the case is closed: no appointment can be booked".into()));
    }
    if booked > 0 {
        return Err(ApiError::Conflict("the case has an appointment already: reschedule or cancel it".into()));
    }
    Ok(())
}

/// What may be done to a dispute's mediation agreement (调解协议书).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AgreementOp {
    /// Read it and its printed paper: any staff who can see the case.
    Read,
    /// Record or edit the draft, or sign it: while the case is accepted or in progress.
    Draft,
    /// Record a term's payment: once signed, whatever the case's status (payments come in
    /// after the case is resolved).
    Pay,
}

/// Who may act on a case's agreement, on a case the caller can see (`visible_case`): the
/// case must be a dispute (409 otherwise); staff read it; whoever may resolve the case (its
/// assigned handler, a chair or an administrator above it: the workflow's table) records,
/// edits and signs the draft and records payments. A worker account reads their terms on
/// `/track`, never here.
pub fn may_agreement(user: &User, case: &StoredCase, op: AgreementOp) -> Result<(), ApiError> {
    if !user.role.is_staff() {
        return Err(ApiError::Forbidden("only staff work on a mediation agreement".into()));
    }
    if case.record.kind != Kind::Dispute {
        return Err(ApiError::Conflict(format!(
            "case {} is a {}, not a dispute: only a dispute has a mediation agreement",
            case.record.number, case.record.kind
        )));
    }
    if op == AgreementOp::Read {
        return Ok(());
    }
    // The role rule of resolving, asked of a case in progress: who may resolve may mediate.
    let me = actor(user, case);
    transition(me, Action::Resolve, youyue_domain::Status::InProgress, true, false).map_err(|_| {
        ApiError::Forbidden("only the case's handler, a chair or an administrator works on its agreement".into())
    })?;
    if op == AgreementOp::Draft
        && !matches!(case.record.status, youyue_domain::Status::Accepted | youyue_domain::Status::InProgress)
    {
        return Err(ApiError::Conflict(format!(
            "case {} is {}: an agreement is drafted and signed while the case is accepted or in progress",
            case.record.number, case.record.status
        )));
    }
    Ok(())
}

/// Who lists a union's free slots: staff whose subtree holds the union (404 otherwise, as
/// for one that does not exist).
pub async fn slots_union(store: &dyn Store, user: &User, code: &str) -> Result<Union, ApiError> {
    if !user.role.is_staff() {
        return Err(ApiError::Forbidden("workers list slots with their case's tracking code".into()));
    }
    union_within(store, user, code).await
}

/// Who sets a union's duty roster: its chairs and administrators and those of the unions
/// above it. Others who may see the union are forbidden (403); one outside is 404
/// (`union_within`, asked first).
pub fn may_set_roster(user: &User, union: &Union) -> Result<(), ApiError> {
    if user.role.manages_accounts() && union.path.starts_with(&user.union_path) {
        Ok(())
    } else {
        Err(ApiError::Forbidden("only a chair or an administrator of this union or above sets its roster".into()))
    }
}

/// Whose duty list a caller may read: anyone's for a union with a studio (the studio's
/// public page shows who is on duty: names, specialties, times and places, never contact
/// details); otherwise only staff whose subtree holds the union. 404 for the rest.
pub async fn duty_readable(store: &dyn Store, caller: Option<&User>, code: &str) -> Result<Union, ApiError> {
    if let Some(u) = studio_for_workers(store, code).await? {
        return Ok(u);
    }
    match caller {
        Some(user) if user.role.is_staff() => union_within(store, user, code).await,
        _ => Err(ApiError::not_found(format!("no union \"{code}\" that you can see"))),
    }
}

/// Who a roster may name: the active staff of the union and of the unions above it
/// (`people`, by username). Anyone else is a 422 on the field that names them.
pub fn may_serve_on(
    people: &std::collections::BTreeMap<String, User>,
    username: &str,
    field: &str,
) -> Result<(), ApiError> {
    if people.contains_key(username) {
        Ok(())
    } else {
        Err(ApiError::invalid(
            field,
            format!("\"{username}\" is not an active staff account of this union or a union above it"),
        ))
    }
}

/// Who keeps a list of their own appointments and a calendar feed of them: staff (the
/// specialists booked are staff accounts); a worker follows their case on /track.
pub fn may_keep_a_calendar(user: &User) -> Result<(), ApiError> {
    if user.role.is_staff() {
        Ok(())
    } else {
        Err(ApiError::not_found("no such page"))
    }
}

/// A mediator named by username: a staff account on the case's path (its union or above),
/// active. A missing account and one elsewhere get one answer, as for assigning.
pub async fn mediator_account(
    store: &dyn Store,
    case: &StoredCase,
    field: String,
    username: &str,
) -> Result<User, ApiError> {
    let refuse = || ApiError::invalid(field.clone(), format!("no account \"{username}\" that may mediate this case"));
    let user = store.user_by_username(username).await?.ok_or_else(refuse)?;
    if !case.union_path.starts_with(&user.union_path) || !user.role.is_staff() || !user.active {
        return Err(refuse());
    }
    Ok(user)
}
