//! What each action does to a case: a pure function from the case as it is, who acts and
//! what they wrote, to the case as it will be and the record-book entry that says so.
//! Storage writes the result in one transaction, guarded by the case's version.

use crate::arbitration;
use crate::calendar::WorkCalendar;
use crate::case::{check_rating, check_text, FieldError, Kind, Outcome, Status, Urgency};
use crate::case::{MAX_SHORT_CHARS, MAX_TEXT_CHARS};
use crate::exchange::CaseRecord;
use crate::time::Timestamp;
use crate::workflow::{transition, Acting, Action, WorkflowError};
use chrono::NaiveDate;
use serde_json::{json, Map, Value};

#[derive(Debug, Clone, PartialEq)]
pub enum Command {
    /// 受理: classify (the kind may be corrected), set urgency and a deadline.
    Accept {
        kind: Option<Kind>,
        urgency: Urgency,
        due_on: Option<NaiveDate>,
    },
    /// 指派: `handler` is a username the caller has checked may handle this case.
    Assign {
        handler: String,
    },
    Note {
        text: String,
        internal: bool,
    },
    /// An appointment to meet the worker (约): when, where, with whom.
    Schedule {
        starts_at: Timestamp,
        place: String,
        note: String,
    },
    Resolve {
        resolution: String,
        outcome: Outcome,
    },
    Explain {
        explanation: String,
    },
    /// 转仲裁: the statutory mediation period of a dispute has passed without an
    /// agreement; the case closes as explained, telling the worker where to apply and by
    /// when (`arbitration::referral_explanation`).
    Refer {
        commission: String,
        referred_on: NaiveDate,
        note: Option<String>,
    },
    Reopen {
        reason: String,
    },
    Rate {
        rating: i64,
        comment: Option<String>,
    },
    /// The worker's name and contact removed for good (their right to erasure); the case,
    /// its text and its figures stay.
    Anonymise {
        reason: String,
    },
    /// Text taken out of the title and description for good (a name the worker typed):
    /// each occurrence becomes [`REDACTED`]. The entry says how many and why, never what.
    Redact {
        remove: String,
        reason: String,
    },
    /// 派单/改派: the case moves to union `to` (its name `to_name`, for the worker's view),
    /// which accepts it afresh: registered, no handler, no deadline. The caller has checked
    /// that `to` is within the actor's reach.
    Transfer {
        to: crate::UnionCode,
        to_name: String,
        reason: String,
    },
    /// 退单: a transferred case not yet accepted goes back to the union that sent it
    /// (`to`, read by the caller from the latest transfer entry).
    Return {
        to: crate::UnionCode,
        to_name: String,
        reason: String,
    },
    /// 催办 by hand from a union above: a note to the handling union, recorded (internal)
    /// and told to the handler and the union's chair (`notice::kinds_of_entry`).
    Chase {
        note: String,
    },
    // Call-back and redo (issue 22).
    /// 回访: whether the worker was reached, their satisfaction (1 to 5, required when
    /// reached, none when not) and an internal note. The entry's detail is exactly
    /// `{"reached":bool,"rating":int|null,"note":"…"}` (the closed-loop figures read it).
    Callback {
        reached: bool,
        rating: Option<i64>,
        note: String,
    },
    /// 发回重办: the union above sends a closed case back to be redone, with the reason; it
    /// reopens like `Reopen`, with a fresh deadline.
    SendBack {
        reason: String,
    },
    /// 维持答复: the union above confirms a closed case's answer after a review.
    Confirm {
        note: String,
    },
    // Merge (issue 22).
    /// 并单: this open case joins case `into` (`crate::merge` computes the rest); the
    /// entry says what the joined case was (`joined_before`) and the people it gained.
    Merge {
        into: crate::CaseNumber,
        people_added: i64,
        joined_before: crate::merge::Joined,
        reason: Option<String>,
    },
    /// The joined case's side of a merge: case `merged` joined it, its people now `joined`.
    Joined {
        merged: crate::CaseNumber,
        joined: crate::merge::Joined,
    },
    /// 撤销并单: the merged case is given back the open `status` it had before the merge.
    Unmerge {
        status: crate::case::Status,
        reason: String,
    },
    /// The joined case's side of an unmerge: case `merged` left it, its people now `joined`.
    Parted {
        merged: crate::CaseNumber,
        joined: crate::merge::Joined,
        reason: String,
    },
    // Deadline control (issue 22).
    /// 申请延期: the handler asks, before the deadline passes, for `due_on` (after the
    /// current deadline). The caller has checked that none is pending and the district's
    /// `max_extensions` is not used up (`deadline::may_ask_extension`).
    Extend {
        due_on: NaiveDate,
        reason: String,
    },
    /// 批准延期: the deadline becomes the date asked (`due_on`, read by the caller from the
    /// pending `extend` entry, `deadline::pending_extension`).
    ApproveExtension {
        due_on: NaiveDate,
    },
    /// 不予延期: the pending request is refused; the deadline stays.
    RefuseExtension {
        reason: String,
    },
    /// 挂起: the clock stops while the union waits for the worker, at most until `until`
    /// (`deadline::pause_until`).
    Pause {
        reason: String,
        until: NaiveDate,
    },
    /// 恢复办理: the clock runs again and the deadline moves later by the working days the
    /// case was paused (`deadline::paused_working_days`). The sweep ends a pause past its
    /// `paused_until` with `ended_on` = the day after it.
    Resume {
        ended_on: Option<NaiveDate>,
    },
    /// 提级督办: the `system` raises a case reopened, sent back or transferred `count` times
    /// to the union above its own (`raised_to`).
    Escalate {
        count: u32,
        raised_to: Option<String>,
    },
    // Joint handling (issue 22).
    /// 协办: union `union` (its name `union_name`), or only its specialist `user`, is asked
    /// to assist: it may read the case and add notes. The caller has checked both.
    Assist {
        union: crate::UnionCode,
        union_name: String,
        user: Option<String>,
        note: String,
    },
    /// 结束协办: the assistance of union `union` ends.
    EndAssist {
        union: crate::UnionCode,
        union_name: String,
    },
}

/// What redacted text is replaced with.
pub const REDACTED: &str = "【已删除】";

impl Command {
    pub fn action(&self) -> Action {
        match self {
            Command::Accept { .. } => Action::Accept,
            Command::Assign { .. } => Action::Assign,
            Command::Note { .. } => Action::Note,
            Command::Schedule { .. } => Action::Schedule,
            Command::Resolve { .. } => Action::Resolve,
            Command::Explain { .. } => Action::Explain,
            Command::Refer { .. } => Action::Refer,
            Command::Reopen { .. } => Action::Reopen,
            Command::Rate { .. } => Action::Rate,
            Command::Anonymise { .. } => Action::Anonymise,
            Command::Redact { .. } => Action::Redact,
            Command::Transfer { .. } => Action::Transfer,
            Command::Return { .. } => Action::Return,
            Command::Chase { .. } => Action::Chase,
            Command::Callback { .. } => Action::Callback,
            Command::SendBack { .. } => Action::SendBack,
            Command::Confirm { .. } => Action::Confirm,
            // Merge (issue 22).
            Command::Merge { .. } | Command::Joined { .. } => Action::Merge,
            Command::Unmerge { .. } | Command::Parted { .. } => Action::Unmerge,
            Command::Extend { .. } => Action::Extend,
            Command::ApproveExtension { .. } => Action::ApproveExtension,
            Command::RefuseExtension { .. } => Action::RefuseExtension,
            Command::Pause { .. } => Action::Pause,
            Command::Resume { .. } => Action::Resume,
            Command::Escalate { .. } => Action::Escalate,
            Command::Assist { .. } => Action::Assist,
            Command::EndAssist { .. } => Action::EndAssist,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CommandError {
    #[error(transparent)]
    Workflow(#[from] WorkflowError),
    #[error(transparent)]
    Field(#[from] FieldError),
    /// A referral before the statutory mediation period has passed.
    #[error(
        "the statutory mediation period runs until {ends_on} (15 calendar days from registration); \
         a dispute without an agreement may be referred to arbitration from the day after"
    )]
    MediationPeriodRunning { ends_on: NaiveDate },
    /// A referral of a case that is not a labour dispute.
    #[error("only a labour dispute is referred to arbitration")]
    NotADispute,
    /// Deadline control (issue 22): the case's clock is not in a state for this (a pause
    /// of a paused case, a resume of a running one, an extension after the deadline).
    #[error("{0}")]
    Clock(String),
}

/// The result of a command: the new state and the record-book entry.
#[derive(Debug, Clone, PartialEq)]
pub struct Change {
    pub case: CaseRecord,
    pub action: Action,
    pub internal: bool,
    /// `before`/`after` of every changed field, plus what the command wrote.
    pub detail: Value,
}

/// Working days to handle a case once accepted, by kind: the union's own limits, which a
/// district sets. The defaults: disputes 15, the others 10. Urgent cases (a wellbeing
/// crisis…) are due the same day whatever the kind. The statutory mediation period of a
/// dispute is another clock, in calendar days from registration (`arbitration`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Deadlines {
    pub claim: u32,
    pub dispute: u32,
    pub wellbeing: u32,
    pub suggestion: u32,
}

impl Default for Deadlines {
    fn default() -> Deadlines {
        Deadlines { claim: 10, dispute: 15, wellbeing: 10, suggestion: 10 }
    }
}

impl Deadlines {
    pub fn days(&self, kind: Kind) -> u32 {
        match kind {
            Kind::Claim => self.claim,
            Kind::Dispute => self.dispute,
            Kind::Wellbeing => self.wellbeing,
            Kind::Suggestion => self.suggestion,
        }
    }

    /// Between 1 and 60 working days each (a longer limit is no limit).
    pub fn check(&self) -> Result<(), FieldError> {
        for kind in Kind::ALL {
            let d = self.days(*kind);
            if !(1..=60).contains(&d) {
                return Err(FieldError::new(kind.as_str(), format!("{d} working days: must be 1 to 60")));
            }
        }
        Ok(())
    }
}

/// What decides a new deadline: the working-day calendar and the district's limits.
#[derive(Debug, Clone, Default)]
pub struct DeadlineRules {
    pub calendar: WorkCalendar,
    pub days: Deadlines,
}

/// Working days to accept a case once raised.
pub const ACCEPT_DAYS: u32 = 1;

/// The deadline for a case accepted on `day` (China date), in working days. A case marked
/// for immediate handling (及时约办) is due the same working day: `day` if it is one, else
/// the next.
pub fn default_due_on(
    kind: Kind,
    urgency: Urgency,
    immediate: bool,
    day: NaiveDate,
    rules: &DeadlineRules,
) -> NaiveDate {
    if urgency == Urgency::Urgent {
        return day;
    }
    if immediate {
        return rules.calendar.add_working_days(day, 0);
    }
    rules.calendar.add_working_days(day, rules.days.days(kind))
}

/// The deadline of a case reopened on `day` (China date): the district's working days for
/// its kind, counted from that day, whatever its urgency was (a reopened case is redone,
/// not answered on the spot).
pub fn reopened_due_on(kind: Kind, day: NaiveDate, rules: &DeadlineRules) -> NaiveDate {
    rules.calendar.add_working_days(day, rules.days.days(kind))
}

pub fn apply(
    case: &CaseRecord,
    actor: Acting,
    cmd: Command,
    now: Timestamp,
    rules: &DeadlineRules,
) -> Result<Change, CommandError> {
    let action = cmd.action();
    let next = match cmd {
        // The joined case's side of a merge or unmerge (issue 22) keeps its status.
        Command::Joined { .. } | Command::Parted { .. } => crate::workflow::joined(actor, action, case.status)?,
        _ => transition(actor, action, case.status, case.handler.is_some(), case.rating.is_some())?,
    };
    let mut new = case.clone();
    new.status = next;
    let mut extra = Map::new();
    let mut internal = false;
    let mut redacting = false;
    match cmd {
        Command::Accept { kind, urgency, due_on } => {
            let kind = kind.unwrap_or(case.kind);
            new.outcome().check_consistent(kind)?;
            let today = now.cst_date();
            let due = due_on.unwrap_or_else(|| default_due_on(kind, urgency, case.immediate, today, rules));
            if due < today {
                return Err(FieldError::new("due_on", "the deadline is already past").into());
            }
            new.kind = kind;
            new.urgency = Some(urgency);
            new.due_on = Some(due);
            new.accepted_at = Some(now);
        }
        Command::Assign { handler } => {
            new.handler = Some(handler);
        }
        Command::Note { text, internal: is_internal } => {
            check_text("text", &text, MAX_TEXT_CHARS, true)?;
            extra.insert("text".into(), text.into());
            internal = is_internal;
        }
        Command::Schedule { starts_at, place, note } => {
            check_text("place", &place, MAX_SHORT_CHARS, true)?;
            check_text("note", &note, MAX_TEXT_CHARS, false)?;
            extra.insert("starts_at".into(), json!(starts_at));
            extra.insert("place".into(), place.into());
            if !note.is_empty() {
                extra.insert("note".into(), note.into());
            }
        }
        Command::Resolve { resolution, outcome } => {
            check_text("resolution", &resolution, MAX_TEXT_CHARS, true)?;
            outcome.check_complete(case.kind)?;
            new.resolution = Some(resolution);
            new.agreement = outcome.agreement;
            new.amount_recovered = outcome.amount_recovered;
            new.adopted = outcome.adopted;
            new.closed_at = Some(now);
        }
        Command::Explain { explanation } => {
            check_text("explanation", &explanation, MAX_TEXT_CHARS, true)?;
            new.explanation = Some(explanation);
            new.closed_at = Some(now);
        }
        Command::Refer { commission, referred_on, note } => {
            if case.kind != Kind::Dispute {
                return Err(CommandError::NotADispute);
            }
            let received = case.opened_at.cst_date();
            let ends_on = arbitration::mediation_ends_on(received);
            let today = now.cst_date();
            if today <= ends_on {
                return Err(CommandError::MediationPeriodRunning { ends_on });
            }
            check_text("commission", &commission, MAX_SHORT_CHARS, true)?;
            if let Some(n) = &note {
                check_text("note", n, MAX_TEXT_CHARS, false)?;
            }
            if referred_on <= ends_on {
                return Err(FieldError::new(
                    "referred_on",
                    format!("is within the mediation period, which ran until {ends_on}"),
                )
                .into());
            }
            if referred_on > today {
                return Err(FieldError::new("referred_on", "is in the future").into());
            }
            let commission = commission.trim().to_owned();
            new.explanation =
                Some(arbitration::referral_explanation(received, &commission, referred_on, note.as_deref()));
            new.arbitration_commission = Some(commission);
            new.referred_on = Some(referred_on);
            new.closed_at = Some(now);
            if let Some(n) = note.filter(|n| !n.trim().is_empty()) {
                extra.insert("note".into(), n.into());
            }
        }
        Command::Reopen { reason } | Command::SendBack { reason } => {
            check_text("reason", &reason, MAX_TEXT_CHARS, true)?;
            extra.insert("reason".into(), reason.into());
            new.closed_at = None;
            new.agreement = None;
            new.amount_recovered = None;
            new.adopted = None;
            new.resolution = None;
            new.explanation = None;
            new.rating = None;
            new.rating_comment = None;
            new.rated_at = None;
            new.supervised_due_on = None;
            new.chased_due_on = None;
            new.arbitration_commission = None;
            new.referred_on = None;
            // A fresh deadline (issue 22): the district's working days for the case's kind,
            // counted from the reopening day; the old one has usually passed.
            new.due_on = Some(reopened_due_on(case.kind, now.cst_date(), rules));
        }
        Command::Anonymise { reason } => {
            check_text("reason", &reason, MAX_TEXT_CHARS, true)?;
            extra.insert("reason".into(), reason.into());
            extra.insert("personal_details_removed".into(), true.into());
            new.worker_name = None;
            new.contact = None;
            // The store deletes the consent (`forget_worker`); the record says so too.
            new.notify = false;
        }
        Command::Redact { remove, reason } => {
            check_text("remove", &remove, MAX_SHORT_CHARS, true)?;
            check_text("reason", &reason, MAX_TEXT_CHARS, true)?;
            let found = case.title.matches(remove.as_str()).count() + case.description.matches(remove.as_str()).count();
            if found == 0 {
                return Err(FieldError::new("remove", "is not in the title or the description").into());
            }
            new.title = case.title.replace(&remove, REDACTED);
            new.description = case.description.replace(&remove, REDACTED);
            extra.insert("reason".into(), reason.into());
            extra.insert("redacted".into(), found.into());
            redacting = true;
        }
        Command::Transfer { to, to_name, reason } | Command::Return { to, to_name, reason } => {
            check_text("reason", &reason, MAX_TEXT_CHARS, true)?;
            if to == case.union {
                return Err(FieldError::new("union", "is the case's own union").into());
            }
            extra.insert("reason".into(), reason.trim().into());
            extra.insert("from".into(), case.union.as_str().into());
            extra.insert("to".into(), to.as_str().into());
            extra.insert("to_name".into(), to_name.into());
            internal = false;
            new.union = to;
            new.handler = None;
            new.urgency = None;
            new.due_on = None;
            new.accepted_at = None;
            new.supervised_due_on = None;
            new.chased_due_on = None;
        }
        Command::Chase { note } => {
            check_text("note", &note, MAX_TEXT_CHARS, true)?;
            extra.insert("note".into(), note.into());
            internal = true;
        }
        Command::Callback { reached, rating, note } => {
            let (detail, is_internal) = crate::callback::detail(reached, rating, &note)?;
            extra.extend(detail);
            internal = is_internal;
        }
        Command::Confirm { note } => {
            check_text("note", &note, MAX_TEXT_CHARS, false)?;
            extra.insert("note".into(), note.into());
            internal = true;
        }
        // Merge (issue 22).
        Command::Merge { into, people_added, joined_before, reason } => {
            if into == case.number {
                return Err(FieldError::new("into", "is this case itself").into());
            }
            if let Some(r) = &reason {
                check_text("reason", r, MAX_TEXT_CHARS, false)?;
            }
            extra.insert("into".into(), into.to_string().into());
            extra.insert("people_added".into(), people_added.into());
            extra.insert("joined_before".into(), json!(joined_before));
            if let Some(r) = reason.filter(|r| !r.trim().is_empty()) {
                extra.insert("reason".into(), r.trim().into());
            }
            new.merged_into = Some(into);
        }
        Command::Joined { merged, joined } => {
            if merged == case.number {
                return Err(FieldError::new("into", "is this case itself").into());
            }
            extra.insert("merged".into(), merged.to_string().into());
            new.people = joined.people;
            new.collective = joined.collective;
        }
        Command::Unmerge { status, reason } => {
            check_text("reason", &reason, MAX_TEXT_CHARS, true)?;
            if !status.is_open() {
                return Err(FieldError::new("status", "a merged case goes back to an open status").into());
            }
            if let Some(into) = &case.merged_into {
                extra.insert("from".into(), into.to_string().into());
            }
            extra.insert("reason".into(), reason.trim().into());
            new.status = status;
            new.merged_into = None;
        }
        Command::Parted { merged, joined, reason } => {
            check_text("reason", &reason, MAX_TEXT_CHARS, true)?;
            extra.insert("merged".into(), merged.to_string().into());
            extra.insert("reason".into(), reason.trim().into());
            new.people = joined.people;
            new.collective = joined.collective;
        }
        // Deadline control (issue 22): internal entries (the worker reads the steps, never
        // the reasons).
        Command::Extend { due_on, reason } => {
            check_text("reason", &reason, MAX_TEXT_CHARS, true)?;
            let today = now.cst_date();
            let current = case.due_on.ok_or_else(|| CommandError::Clock("the case has no deadline".into()))?;
            if current < today {
                return Err(CommandError::Clock(format!(
                    "the deadline {current} has passed: an extension is asked before it"
                )));
            }
            if due_on <= current {
                return Err(FieldError::new("due_on", format!("must be after the current deadline {current}")).into());
            }
            extra.insert("due_on".into(), due_on.to_string().into());
            extra.insert("reason".into(), reason.trim().into());
            internal = true;
        }
        Command::ApproveExtension { due_on } => {
            new.due_on = Some(due_on);
            internal = true;
        }
        Command::RefuseExtension { reason } => {
            check_text("reason", &reason, MAX_TEXT_CHARS, true)?;
            extra.insert("reason".into(), reason.trim().into());
            internal = true;
        }
        Command::Pause { reason, until } => {
            check_text("reason", &reason, MAX_TEXT_CHARS, true)?;
            if case.paused_since.is_some() {
                return Err(CommandError::Clock("the case is paused already".into()));
            }
            let today = now.cst_date();
            if until < today {
                return Err(CommandError::Clock("the case may not be paused any longer".into()));
            }
            new.paused_since = Some(today);
            new.paused_until = Some(until);
            new.paused_reason = Some(reason.trim().to_owned());
            internal = true;
        }
        Command::Resume { ended_on } => {
            let (Some(since), Some(until)) = (case.paused_since, case.paused_until) else {
                return Err(CommandError::Clock("the case is not paused".into()));
            };
            let end = crate::deadline::pause_end(since, until, ended_on.unwrap_or(now.cst_date()));
            let working = crate::deadline::paused_working_days(&rules.calendar, since, end);
            new.due_on = case.due_on.map(|d| crate::deadline::moved_later(&rules.calendar, d, working));
            new.paused_since = None;
            new.paused_until = None;
            new.paused_reason = None;
            extra.insert("paused_days".into(), (end - since).num_days().into());
            extra.insert("paused_working_days".into(), working.into());
            internal = true;
        }
        Command::Escalate { count, raised_to } => {
            extra.insert("count".into(), count.into());
            extra.insert("raised_to".into(), raised_to.into());
            internal = true;
        }
        Command::Assist { union, union_name, user, note } => {
            check_text("note", &note, MAX_TEXT_CHARS, false)?;
            crate::assist::entry_detail(&mut extra, &union, &union_name, user.as_deref(), Some(note.trim()));
            internal = true;
        }
        Command::EndAssist { union, union_name } => {
            crate::assist::entry_detail(&mut extra, &union, &union_name, None, None);
            internal = true;
        }
        Command::Rate { rating, comment } => {
            let r = check_rating(rating)?;
            if let Some(c) = &comment {
                check_text("comment", c, MAX_TEXT_CHARS, false)?;
            }
            new.rating = Some(i64::from(r));
            new.rating_comment = comment.filter(|c| !c.trim().is_empty());
            new.rated_at = Some(now);
        }
    }
    // A case that closes or moves to another union keeps no paused clock (issue 22).
    if !new.status.is_open() || action == Action::Transfer || action == Action::Return {
        new.paused_since = None;
        new.paused_until = None;
        new.paused_reason = None;
    }
    // A change that breaks a rule every stored case keeps never reaches storage.
    new.check_workflow()?;
    let mut detail = diff(case, &new);
    if let Value::Object(d) = &mut detail {
        // The record book keeps the text as it now reads, never what was taken out.
        if let (true, Some(Value::Object(before))) = (redacting, d.get_mut("before")) {
            before.values_mut().for_each(|v| *v = Value::Null);
        }
        d.extend(extra);
    }
    Ok(Change { case: new, action, internal, detail })
}

/// Fields whose values never enter the record book: who the worker is and how to reach
/// them (an anonymous worker's enterprise reads the record book), and the code's hash.
const PERSONAL: [&str; 5] = ["worker_name", "contact", "worker_account", "tracking_code_hash", "notify"];

/// `{"before": {...}, "after": {...}}` over the fields that differ. A change to personal
/// details is recorded only as `personal_details_changed`.
pub fn diff(old: &CaseRecord, new: &CaseRecord) -> Value {
    let (Ok(Value::Object(a)), Ok(Value::Object(b))) = (serde_json::to_value(old), serde_json::to_value(new)) else {
        return json!({});
    };
    let mut before = Map::new();
    let mut after = Map::new();
    let keys: std::collections::BTreeSet<&String> = a.keys().chain(b.keys()).collect();
    for k in keys {
        let (x, y) = (a.get(k).unwrap_or(&Value::Null), b.get(k).unwrap_or(&Value::Null));
        if PERSONAL.contains(&k.as_str()) {
            if x != y && k != "tracking_code_hash" {
                before.insert("personal_details_changed".into(), Value::Bool(false));
                after.insert("personal_details_changed".into(), Value::Bool(true));
            }
            continue;
        }
        if x != y {
            before.insert(k.clone(), x.clone());
            after.insert(k.clone(), y.clone());
        }
    }
    let mut d = Map::new();
    if !after.is_empty() {
        d.insert("before".into(), Value::Object(before));
        d.insert("after".into(), Value::Object(after));
    }
    Value::Object(d)
}

/// What the worker may read of a record-book entry: its action and the words meant for
/// them (the union's answer, a public note, a meeting). Internal entries show nothing.
pub fn public_message(action: &str, internal: bool, detail: &Value) -> Option<String> {
    if internal {
        return None;
    }
    let after = |k: &str| detail.get("after").and_then(|a| a.get(k)).and_then(Value::as_str).map(str::to_owned);
    match action {
        "note" => detail.get("text").and_then(Value::as_str).map(str::to_owned),
        "resolve" => after("resolution"),
        "explain" | "refer" => after("explanation"),
        // The worker reads where the case went, never why (the reason is internal).
        "transfer" | "return" => detail.get("to_name").and_then(Value::as_str).map(|n| format!("转至{n}办理")),
        // A call-back and a sending-back in words, never the note or the reason.
        "callback" | "send_back" => crate::callback::public_words(action, detail),
        // Merge (issue 22): the worker reads that the matter is handled together, never why,
        // nor anything of the other workers.
        "merge" if detail.get("into").is_some() => {
            detail.get("into").and_then(Value::as_str).map(|n| format!("与同一事项并入{n}一并办理"))
        }
        "merge" => Some("同一事项的其他诉求已并入本件一并办理".to_owned()),
        "unmerge" if detail.get("from").is_some() => Some("撤销并单，本件单独办理".to_owned()),
        "schedule" => {
            let at = detail.get("starts_at").and_then(Value::as_str).unwrap_or_default();
            let place = detail.get("place").and_then(Value::as_str).unwrap_or_default();
            Some(format!("{at} {place}"))
        }
        // A change to an appointment: the new time of a move, and why it was moved or
        // cancelled.
        "appointment" => {
            let text = |k: &str| detail.get(k).and_then(Value::as_str).unwrap_or_default();
            let words = match text("change") {
                "reschedule" => format!("{} {}", text("starts_at"), text("reason")),
                "cancel" => text("reason").to_owned(),
                _ => String::new(),
            };
            Some(words.trim().to_owned()).filter(|w| !w.is_empty())
        }
        _ => None,
    }
}

/// What a reopened case had recorded when it was last closed, read from its latest `reopen`
/// entry: reopening clears the case's outcome (it is no longer the case's answer, and the
/// figures count a case only at its latest closing), so the new resolution starts from
/// this and the worker's earlier rating stays readable as history.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct EarlierOutcome {
    /// When the case was reopened.
    pub reopened_at: Option<Timestamp>,
    pub resolution: Option<String>,
    pub explanation: Option<String>,
    pub outcome: Outcome,
    pub rating: Option<i64>,
    pub rating_comment: Option<String>,
}

/// The outcome a case had before its latest reopening, if it was ever reopened and nothing
/// has closed it since (then its current fields are the answer).
pub fn earlier_outcome(entries: &[crate::exchange::RecordEntry]) -> Option<EarlierOutcome> {
    let last =
        entries.iter().rev().find(|e| matches!(e.action.as_str(), "reopen" | "send_back" | "resolve" | "explain"))?;
    if !matches!(last.action.as_str(), "reopen" | "send_back") {
        return None;
    }
    let before = last.detail.get("before")?;
    let text = |k: &str| before.get(k).and_then(Value::as_str).map(str::to_owned);
    let yes_no = |k: &str| before.get(k).and_then(Value::as_bool);
    Some(EarlierOutcome {
        reopened_at: Some(last.at),
        resolution: text("resolution"),
        explanation: text("explanation"),
        outcome: Outcome {
            agreement: yes_no("agreement"),
            amount_recovered: text("amount_recovered").and_then(|m| m.parse().ok()),
            adopted: yes_no("adopted"),
        },
        rating: before.get("rating").and_then(Value::as_i64),
        rating_comment: text("rating_comment"),
    })
}

/// Supervision (督办): a case still open after its deadline is raised to the union above
/// its own, once per deadline. Returns the deadline to record, if the case is due for it.
pub fn due_for_supervision(case: &CaseRecord, today: NaiveDate) -> Option<NaiveDate> {
    let due = case.due_on?;
    let late = case.status.is_open() && due < today && case.paused_since.is_none();
    (late && case.supervised_due_on != Some(due)).then_some(due)
}

/// 催办 of a missed deadline: the day after it, a case still open is chased by the `system`,
/// once per deadline. Returns the deadline to record, if the case is due for it.
///
/// A paused case is not late. Only a deadline missed at most `CHASE_WITHIN_DAYS` ago is
/// chased, so that the first sweep after an upgrade does not chase every old late case.
pub fn due_for_chase(case: &CaseRecord, today: NaiveDate) -> Option<NaiveDate> {
    let due = case.due_on?;
    let recent = (today - due).num_days() <= CHASE_WITHIN_DAYS;
    let late = case.status.is_open() && due < today && recent && case.paused_since.is_none();
    (late && case.chased_due_on != Some(due)).then_some(due)
}

/// Calendar days after a missed deadline within which the system still chases it (issue 22).
pub const CHASE_WITHIN_DAYS: i64 = 7;

/// Whether a case is past its deadline at `now`: open and due before today (China time).
pub fn is_overdue(status: Status, due_on: Option<NaiveDate>, now: Timestamp) -> bool {
    status.is_open() && due_on.is_some_and(|d| d < now.cst_date())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::case::Channel;
    use crate::workflow::Role;

    fn liu() -> CaseRecord {
        CaseRecord {
            number: "JD-2022-000001".parse().unwrap(),
            union: "jd.s1.e7".parse().unwrap(),
            kind: Kind::Dispute,
            channel: Channel::Online,
            collective: false,
            online: true,
            scheduled: false,
            people: 1,
            title: "工伤".into(),
            description: "手掌受伤".into(),
            anonymous: false,
            opened_at: Timestamp::parse_rfc3339("2022-02-10T09:00:00+08:00").unwrap(),
            status: Status::Registered,
            closed_at: None,
            agreement: None,
            amount_recovered: None,
            adopted: None,
            rating: None,
            immediate: false,
            worker_name: None,
            contact: None,
            urgency: None,
            due_on: None,
            accepted_at: None,
            handler: None,
            worker_account: None,
            supervised_due_on: None,
            chased_due_on: None,
            paused_since: None,
            paused_until: None,
            paused_reason: None,
            resolution: None,
            explanation: None,
            rating_comment: None,
            rated_at: None,
            tracking_code_hash: None,
            arbitration_commission: None,
            referred_on: None,
            notify: false,
            merged_into: None,
        }
    }

    fn t(s: &str) -> Timestamp {
        Timestamp::parse_rfc3339(s).unwrap()
    }

    #[test]
    fn liu_shifu_same_day() {
        let chair = Acting { role: Role::Chair, is_assigned_handler: false };
        let now = t("2022-02-10T10:00:00+08:00");
        let c = apply(
            &liu(),
            chair,
            Command::Accept { kind: None, urgency: Urgency::Urgent, due_on: None },
            now,
            &DeadlineRules::default(),
        )
        .unwrap();
        assert_eq!(c.case.status, Status::Accepted);
        assert_eq!(c.case.due_on, Some(now.cst_date()));
        assert_eq!(c.detail["after"]["status"], "accepted");
        let c = apply(&c.case, chair, Command::Assign { handler: "mediator".into() }, now, &DeadlineRules::default())
            .unwrap();
        let h = Acting { role: Role::Handler, is_assigned_handler: true };
        let outcome =
            Outcome { agreement: Some(true), amount_recovered: Some("30000".parse().unwrap()), adopted: None };
        let done = t("2022-02-10T17:30:00+08:00");
        let c = apply(
            &c.case,
            h,
            Command::Resolve { resolution: "签订调解协议".into(), outcome },
            done,
            &DeadlineRules::default(),
        )
        .unwrap();
        assert_eq!(c.case.status, Status::Resolved);
        assert_eq!(c.case.closed_at, Some(done));
        assert_eq!(c.detail["after"]["amount_recovered"], "30000.00");
        assert_eq!(public_message("resolve", false, &c.detail).as_deref(), Some("签订调解协议"));
        let worker = Acting { role: Role::Worker, is_assigned_handler: false };
        let c = apply(&c.case, worker, Command::Rate { rating: 5, comment: None }, done, &DeadlineRules::default())
            .unwrap();
        assert_eq!(c.case.rating, Some(5));
        let again = apply(&c.case, worker, Command::Rate { rating: 4, comment: None }, done, &DeadlineRules::default());
        assert!(matches!(again, Err(CommandError::Workflow(WorkflowError::AlreadyRated))));
        let c =
            apply(&c.case, chair, Command::Reopen { reason: "企业未按期支付".into() }, done, &DeadlineRules::default())
                .unwrap();
        assert_eq!(
            (c.case.status, c.case.closed_at, c.case.amount_recovered, c.case.rating),
            (Status::InProgress, None, None, None)
        );
        // A fresh deadline from the reopening day (a Thursday: a dispute's 15 working days later, the
        // kind's limit, not the urgent same day), its before and after in the entry.
        let fresh = NaiveDate::from_ymd_opt(2022, 3, 3);
        assert_eq!(c.case.due_on, fresh);
        assert_eq!(c.detail["before"]["due_on"], "2022-02-10");
        assert_eq!(c.detail["after"]["due_on"], "2022-03-03");
        // The earlier outcome and rating stay readable from the record book, until the
        // case is closed again.
        let entry = |seq: i64, ch: &Change| crate::exchange::RecordEntry {
            case: ch.case.number.clone(),
            seq,
            at: done,
            actor: "chair".into(),
            action: ch.action.as_str().into(),
            internal: false,
            detail: ch.detail.clone(),
        };
        let mut book = vec![entry(1, &c)];
        let earlier = earlier_outcome(&book).unwrap();
        assert_eq!(earlier.resolution.as_deref(), Some("签订调解协议"));
        assert_eq!(earlier.outcome.agreement, Some(true));
        assert_eq!(earlier.outcome.amount_recovered.map(|m| m.fen()), Some(3_000_000));
        assert_eq!(earlier.rating, Some(5));
        let outcome = Outcome { amount_recovered: Some("35000".parse().unwrap()), ..earlier.outcome };
        let again = apply(
            &c.case,
            h,
            Command::Resolve { resolution: "补足差额".into(), outcome },
            done,
            &DeadlineRules::default(),
        )
        .unwrap();
        book.push(entry(2, &again));
        assert_eq!(earlier_outcome(&book), None);
    }

    #[test]
    fn redacting_keeps_the_text_out_of_the_record_book() {
        let mut c = liu();
        c.title = "张三 工伤".into();
        c.description = "我叫张三，手掌受伤。张三的电话…".into();
        let chair = Acting { role: Role::Chair, is_assigned_handler: false };
        let cmd = |text: &str| Command::Redact { remove: text.into(), reason: "职工要求删去姓名".into() };
        let ch = apply(&c, chair, cmd("张三"), Timestamp::now(), &DeadlineRules::default()).unwrap();
        assert_eq!(ch.case.description, "我叫【已删除】，手掌受伤。【已删除】的电话…");
        assert_eq!(ch.case.title, "【已删除】 工伤");
        assert!(!ch.detail.to_string().contains("张三"), "{}", ch.detail);
        assert_eq!(ch.detail["redacted"], 3);
        assert_eq!(ch.detail["after"]["description"], ch.case.description.as_str());
        let e = apply(&c, chair, cmd("李四"), Timestamp::now(), &DeadlineRules::default()).unwrap_err();
        assert!(matches!(e, CommandError::Field(ref f) if f.field == "remove"), "{e:?}");
        let handler = Acting { role: Role::Handler, is_assigned_handler: true };
        assert!(apply(&c, handler, cmd("张三"), Timestamp::now(), &DeadlineRules::default()).is_err());
        // The book still replays to the case.
        let mut replay = crate::chain::Replay::default();
        replay.apply(0, "redact", &ch.detail);
        assert_eq!(replay.differences(&ch.case), vec![]);
    }

    #[test]
    fn resolving_needs_the_kinds_outcome() {
        let mut c = liu();
        c.status = Status::InProgress;
        c.handler = Some("m".into());
        let chair = Acting { role: Role::Chair, is_assigned_handler: false };
        let e = apply(
            &c,
            chair,
            Command::Resolve { resolution: "ok".into(), outcome: Outcome::default() },
            Timestamp::now(),
            &DeadlineRules::default(),
        )
        .unwrap_err();
        assert!(matches!(e, CommandError::Field(ref f) if f.field == "agreement"));
        let e =
            apply(&c, chair, Command::Explain { explanation: " ".into() }, Timestamp::now(), &DeadlineRules::default())
                .unwrap_err();
        assert!(matches!(e, CommandError::Field(ref f) if f.field == "explanation"));
    }

    #[test]
    fn a_dispute_goes_to_arbitration_once_its_mediation_period_has_passed() {
        let mut c = liu(); // registered 2022-02-10: the period runs until 2022-02-25
        c.status = Status::InProgress;
        c.handler = Some("m".into());
        let chair = Acting { role: Role::Chair, is_assigned_handler: false };
        let refer = |on: &str| Command::Refer {
            commission: " 金东区劳动人事争议仲裁委员会 ".into(),
            referred_on: crate::time::parse_date(on).unwrap(),
            note: Some("请预约".into()),
        };
        let rules = DeadlineRules::default();
        let e = apply(&c, chair, refer("2022-02-25"), t("2022-02-25T23:59:00+08:00"), &rules).unwrap_err();
        assert_eq!(e, CommandError::MediationPeriodRunning { ends_on: crate::time::parse_date("2022-02-25").unwrap() });
        let now = t("2022-02-26T00:00:00+08:00");
        let e = apply(&c, chair, refer("2022-02-25"), now, &rules).unwrap_err();
        assert!(matches!(e, CommandError::Field(ref f) if f.field == "referred_on"), "{e:?}");
        let e = apply(&c, chair, refer("2022-02-27"), now, &rules).unwrap_err();
        assert!(matches!(e, CommandError::Field(ref f) if f.field == "referred_on"), "{e:?}");
        let ch = apply(&c, chair, refer("2022-02-26"), now, &rules).unwrap();
        assert_eq!(ch.case.status, Status::Explained);
        assert_eq!(ch.case.closed_at, Some(now));
        assert_eq!(ch.case.arbitration_commission.as_deref(), Some("金东区劳动人事争议仲裁委员会"));
        assert_eq!(ch.detail["after"]["referred_on"], "2022-02-26");
        assert_eq!(ch.detail["note"], "请预约");
        let told = public_message("refer", false, &ch.detail).unwrap();
        assert!(told.contains("请最迟于2023年2月10日前申请"), "{told}");
        assert!(told.ends_with("请预约"), "{told}");
        // The book replays to the case; reopening takes the referral back.
        let mut replay = crate::chain::Replay::default();
        replay.apply(0, "refer", &ch.detail);
        assert_eq!(replay.differences(&ch.case), vec![]);
        let back = apply(&ch.case, chair, Command::Reopen { reason: "仲裁委不予受理".into() }, now, &rules).unwrap();
        assert_eq!((back.case.arbitration_commission, back.case.referred_on), (None, None));
        let mut claim = c.clone();
        claim.kind = Kind::Claim;
        assert_eq!(apply(&claim, chair, refer("2022-02-26"), now, &rules).unwrap_err(), CommandError::NotADispute);
    }

    #[test]
    fn a_transfer_starts_the_case_again_at_the_other_union() {
        let mut c = liu();
        c.status = Status::InProgress;
        c.handler = Some("m".into());
        c.urgency = Some(Urgency::Normal);
        c.due_on = Some(crate::time::parse_date("2022-02-20").unwrap());
        c.accepted_at = Some(t("2022-02-10T10:00:00+08:00"));
        let r = Acting { role: Role::Receptionist, is_assigned_handler: false };
        let to: crate::UnionCode = "jd.s1.e8".parse().unwrap();
        let cmd =
            |reason: &str| Command::Transfer {
                to: to.clone(), to_name: "八号企业工会".into(), reason: reason.into()
            };
        let rules = DeadlineRules::default();
        let e = apply(&c, r, cmd(" "), t("2022-02-11T09:00:00+08:00"), &rules).unwrap_err();
        assert!(matches!(e, CommandError::Field(ref f) if f.field == "reason"), "{e:?}");
        let ch = apply(&c, r, cmd("不属本企业"), t("2022-02-11T09:00:00+08:00"), &rules).unwrap();
        assert_eq!(ch.case.union, to);
        assert_eq!(
            (ch.case.status, ch.case.handler.clone(), ch.case.due_on, ch.case.accepted_at),
            (Status::Registered, None, None, None)
        );
        assert_eq!(ch.detail["before"]["union"], "jd.s1.e7");
        assert_eq!(ch.detail["after"]["union"], "jd.s1.e8");
        assert_eq!(ch.detail["reason"], "不属本企业");
        let told = public_message("transfer", ch.internal, &ch.detail).unwrap();
        assert_eq!(told, "转至八号企业工会办理");
        let mut replay = crate::chain::Replay::default();
        replay.apply(0, "transfer", &ch.detail);
        assert_eq!(replay.differences(&ch.case), vec![]);
        // Not to its own union.
        let same = Command::Transfer { to: c.union.clone(), to_name: "x".into(), reason: "x".into() };
        let e = apply(&c, r, same, t("2022-02-11T09:00:00+08:00"), &rules).unwrap_err();
        assert!(matches!(e, CommandError::Field(ref f) if f.field == "union"), "{e:?}");
        // Returned before it is accepted, to the union that sent it.
        let back =
            Command::Return {
                to: "jd.s1.e7".parse().unwrap(), to_name: "七号".into(), reason: "不是我们的".into()
            };
        let ret = apply(&ch.case, r, back.clone(), t("2022-02-11T10:00:00+08:00"), &rules).unwrap();
        assert_eq!(ret.case.union.as_str(), "jd.s1.e7");
        let mut accepted = ch.case.clone();
        accepted.status = Status::Accepted;
        assert!(apply(&accepted, r, back, t("2022-02-11T10:00:00+08:00"), &rules).is_err());
    }

    #[test]
    fn deadlines_skip_weekends() {
        let fri = NaiveDate::from_ymd_opt(2026, 11, 27).unwrap();
        assert_eq!(
            default_due_on(Kind::Claim, Urgency::Normal, false, fri, &DeadlineRules::default()),
            NaiveDate::from_ymd_opt(2026, 12, 11).unwrap()
        );
        assert_eq!(default_due_on(Kind::Claim, Urgency::Urgent, false, fri, &DeadlineRules::default()), fri);
    }

    #[test]
    fn an_immediate_case_is_due_the_same_working_day() {
        let rules = DeadlineRules { calendar: crate::calendar::tests::national_day_2025(), ..Default::default() };
        let day = |s: &str| crate::time::parse_date(s).unwrap();
        let due = |on: &str| default_due_on(Kind::Dispute, Urgency::Normal, true, day(on), &rules).to_string();
        assert_eq!(due("2025-09-30"), "2025-09-30");
        // Accepted on a holiday or a weekend: the next working day (the make-up Saturday
        // 11 October 2025 is one).
        assert_eq!(due("2025-10-01"), "2025-10-09");
        assert_eq!(due("2025-10-11"), "2025-10-11");
        assert_eq!(due("2025-10-12"), "2025-10-13");
        let mut c = liu();
        c.immediate = true;
        let chair = Acting { role: Role::Chair, is_assigned_handler: false };
        let accept = Command::Accept { kind: None, urgency: Urgency::Normal, due_on: None };
        let ch = apply(&c, chair, accept, t("2025-10-12T09:00:00+08:00"), &rules).unwrap();
        assert_eq!(ch.case.due_on, Some(day("2025-10-13")));
    }

    #[test]
    fn a_district_sets_its_own_deadlines() {
        let mon = crate::time::parse_date("2026-11-30").unwrap();
        let rules = DeadlineRules { days: Deadlines { dispute: 20, ..Deadlines::default() }, ..Default::default() };
        // 20 working days from Monday 30 November: four whole weeks later, Monday 28 December.
        assert_eq!(default_due_on(Kind::Dispute, Urgency::Normal, false, mon, &rules).to_string(), "2026-12-28");
        assert_eq!(default_due_on(Kind::Claim, Urgency::Normal, false, mon, &rules).to_string(), "2026-12-14");
        assert!(Deadlines { claim: 0, ..Deadlines::default() }.check().is_err());
        assert!(Deadlines { wellbeing: 61, ..Deadlines::default() }.check().is_err());
        assert!(Deadlines::default().check().is_ok());
    }
}
