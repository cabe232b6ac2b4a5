//! The workflow (流程): which action may be taken from which state, by whom, and the state
//! it leads to. Storage applies these rules inside the transaction that makes the change;
//! nothing else decides them.
//!
//! ```text
//! registered ──accept──▶ accepted ──assign──▶ in_progress ──resolve──▶ resolved
//!     │                     │                    │   ▲                    │
//!     └──────explain────────┴──────explain───────┘   └──────reopen────────┤
//!                                   ▼                                     │
//!                               explained ────────────reopen──────────────┘
//! ```
//!
//! `refer` (转仲裁) closes an open dispute as explained, like `explain`, with the
//! arbitration commission it goes to; `command` checks that it is a dispute whose
//! statutory mediation period has passed (`arbitration`).

use crate::case::{string_enum, Status};

string_enum!(
    /// What an account may be. A worker raises and rates cases; the others are staff of
    /// the union the account belongs to and act within that union's subtree.
    Role {
        Worker = "worker" / "职工",
        Receptionist = "receptionist" / "接待员",
        Handler = "handler" / "承办人",
        Chair = "chair" / "工会主席",
        Admin = "admin" / "管理员",
    }
);

string_enum!(
    /// Everything that changes a case.
    Action {
        Register = "register" / "登记",
        Accept = "accept" / "受理",
        Assign = "assign" / "指派",
        Note = "note" / "记录",
        Schedule = "schedule" / "预约",
        Resolve = "resolve" / "解决",
        Explain = "explain" / "解释",
        Refer = "refer" / "转仲裁",
        Reopen = "reopen" / "重新办理",
        Rate = "rate" / "评价",
        Anonymise = "anonymise" / "匿名化",
        Redact = "redact" / "删除文字",
        Transfer = "transfer" / "转办",
        Return = "return" / "退单",
        // Deadline control (issue 22).
        Chase = "chase" / "催办",
        // Call-back and redo (issue 22).
        Callback = "callback" / "回访",
        SendBack = "send_back" / "发回重办",
        Confirm = "confirm" / "维持答复",
        // Merge (issue 22).
        Merge = "merge" / "并单",
        Unmerge = "unmerge" / "撤销并单",
        Extend = "extend" / "申请延期",
        ApproveExtension = "approve_extension" / "批准延期",
        RefuseExtension = "refuse_extension" / "不予延期",
        Pause = "pause" / "挂起",
        Resume = "resume" / "恢复办理",
        Escalate = "escalate" / "提级督办",
        // Joint handling (issue 22).
        Assist = "assist" / "协办",
        EndAssist = "end_assist" / "结束协办",
    }
);

impl Role {
    pub fn is_staff(self) -> bool {
        self != Role::Worker
    }
    /// May manage unions and staff accounts in the subtree.
    pub fn manages_accounts(self) -> bool {
        matches!(self, Role::Chair | Role::Admin)
    }
    /// May be assigned a case to handle.
    pub fn can_handle(self) -> bool {
        matches!(self, Role::Handler | Role::Chair | Role::Admin)
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum WorkflowError {
    #[error("a {role} may not {action} a case")]
    RoleMayNot { role: Role, action: Action },
    #[error("only the handler assigned to this case may {action} it")]
    NotAssigned { action: Action },
    #[error("cannot {action} a case that is {status}: {hint}")]
    WrongStatus { action: Action, status: Status, hint: &'static str },
    #[error("this case has already been rated")]
    AlreadyRated,
}

/// Who is acting, as far as the workflow cares.
#[derive(Debug, Clone, Copy)]
pub struct Acting {
    pub role: Role,
    /// Whether the actor is the handler currently assigned to the case.
    pub is_assigned_handler: bool,
}

/// Decides whether `actor` may take `action` on a case that is `status`, and the status
/// it leads to. `has_handler` says whether someone is assigned (a reopened case goes back
/// to them); `rated` whether the worker has rated it already.
pub fn transition(
    actor: Acting,
    action: Action,
    status: Status,
    has_handler: bool,
    rated: bool,
) -> Result<Status, WorkflowError> {
    use Role::*;
    use Status::*;
    let role = actor.role;
    let role_ok = match action {
        Action::Register => matches!(role, Receptionist | Handler | Chair | Admin),
        Action::Accept | Action::Assign => matches!(role, Receptionist | Chair | Admin),
        Action::Note | Action::Schedule => role.is_staff(),
        Action::Resolve => matches!(role, Handler | Chair | Admin),
        // 件件有回音: most hotline enquiries are answered on the spot by whoever takes the
        // call, so a receptionist may explain a case nobody handles yet (below).
        Action::Explain => matches!(role, Receptionist | Handler | Chair | Admin),
        // Whoever may resolve a dispute may conclude that its mediation failed.
        Action::Refer => matches!(role, Handler | Chair | Admin),
        Action::Reopen => matches!(role, Chair | Admin),
        Action::Rate => role == Worker,
        // A worker's right to have their personal data removed, met without deleting the
        // case: its figures stay.
        Action::Anonymise => matches!(role, Chair | Admin),
        // The same right for what the worker typed: a name in the description.
        Action::Redact => matches!(role, Chair | Admin),
        // 派单/改派 and 退单: whoever may accept a case may send it on or back.
        Action::Transfer | Action::Return => matches!(role, Receptionist | Chair | Admin),
        // 催办 by hand: a chair or administrator of a union strictly above the case's own
        // (`access::may_chase` checks the union); the `system` chases a missed deadline.
        Action::Chase => matches!(role, Chair | Admin),
        // 回访: any staff who can see the case (`service::callback` checks the rest).
        Action::Callback => role.is_staff(),
        // A review's outcome: a chair or administrator of the union above the case's own
        // (`crate::callback::reviewing`; `service::callback` checks the union).
        Action::SendBack | Action::Confirm => matches!(role, Chair | Admin),
        // Merge (issue 22): 并单 and its undoing, by whoever may accept a case.
        Action::Merge | Action::Unmerge => matches!(role, Receptionist | Chair | Admin),
        // Deadline control (issue 22): whoever handles the case asks for more time or
        // pauses its clock; a chair decides (`service::deadline`: of the case's union, or
        // a chair/administrator above, never the one who asked). The `system` escalates,
        // acting as an administrator (`access::actions` never offers it).
        Action::Extend | Action::Pause | Action::Resume => matches!(role, Handler | Chair | Admin),
        Action::ApproveExtension | Action::RefuseExtension => matches!(role, Chair | Admin),
        Action::Escalate => role == Admin,
        // 协办: the handling union's chair or administrator, or the case's assigned handler,
        // asks another union (or its specialist) to assist, and ends it.
        Action::Assist | Action::EndAssist => matches!(role, Handler | Chair | Admin),
    };
    if !role_ok {
        return Err(WorkflowError::RoleMayNot { role, action });
    }
    if role == Handler
        && matches!(
            action,
            Action::Resolve
                | Action::Explain
                | Action::Refer
                | Action::Extend
                | Action::Pause
                | Action::Resume
                | Action::Assist
                | Action::EndAssist
        )
        && !actor.is_assigned_handler
    {
        return Err(WorkflowError::NotAssigned { action });
    }
    let wrong = |hint| Err(WorkflowError::WrongStatus { action, status, hint });
    match (action, status) {
        (Action::Register, _) => Ok(Registered),
        // A merged case (issue 22) is done with but for its note, its erasure and unmerge.
        (Action::Note | Action::Anonymise | Action::Redact | Action::Unmerge, Merged) => {
            Ok(if action == Action::Unmerge { Registered } else { Merged })
        }
        (_, Merged) => wrong("it is merged into another case: unmerge it first"),
        (Action::Accept, Registered) => Ok(Accepted),
        (Action::Accept, _) => wrong("only a newly registered case is accepted"),
        (Action::Assign, Accepted | InProgress) => Ok(InProgress),
        (Action::Assign, Registered) => wrong("accept it first"),
        (Action::Assign, _) => wrong("reopen it first"),
        (Action::Note, _) => Ok(status),
        (Action::Schedule, Registered | Accepted | InProgress) => Ok(status),
        (Action::Schedule, _) => wrong("reopen it first"),
        (Action::Resolve, InProgress) => Ok(Resolved),
        (Action::Resolve, Registered | Accepted) => wrong("assign a handler first"),
        (Action::Resolve, _) => wrong("it is already closed"),
        (Action::Explain, InProgress) if role == Receptionist => wrong("its handler answers it now"),
        (Action::Explain, Registered | Accepted | InProgress) => Ok(Explained),
        (Action::Explain, _) => wrong("it is already closed"),
        (Action::Refer, Registered | Accepted | InProgress) => Ok(Explained),
        (Action::Refer, _) => wrong("it is already closed"),
        (Action::Reopen, Resolved | Explained) => Ok(if has_handler { InProgress } else { Accepted }),
        (Action::Reopen, _) => wrong("only a closed case is reopened"),
        (Action::Rate, Resolved | Explained) if rated => Err(WorkflowError::AlreadyRated),
        (Action::Rate, Resolved | Explained) => Ok(status),
        (Action::Rate, _) => wrong("a case is rated once it is closed"),
        (Action::Anonymise | Action::Redact, _) => Ok(status),
        // The case starts again at the union it goes to: registered, to be accepted there.
        (Action::Transfer, Registered | Accepted | InProgress) => Ok(Registered),
        (Action::Transfer, _) => wrong("it is already closed"),
        (Action::Return, Registered) => Ok(Registered),
        (Action::Return, _) => wrong("only a case not yet accepted is returned"),
        (Action::Chase, Registered | Accepted | InProgress) => Ok(status),
        (Action::Chase, _) => wrong("only an open case is chased"),
        (Action::Callback, Resolved | Explained) => Ok(status),
        (Action::Callback, _) => wrong("a case is called back once it is closed"),
        // 发回重办 reopens the case like `reopen`: back to its handler, if it has one.
        (Action::SendBack, Resolved | Explained) => Ok(if has_handler { InProgress } else { Accepted }),
        (Action::SendBack, _) => wrong("only a closed case is sent back"),
        (Action::Confirm, Resolved | Explained) => Ok(status),
        (Action::Confirm, _) => wrong("only a closed case's answer is confirmed"),
        // Merge (issue 22): an open case joins another; unmerge gives it back the status
        // it had (`command` reads it from the merge entry), shown here as registered.
        (Action::Merge, Registered | Accepted | InProgress) => Ok(Merged),
        (Action::Merge, _) => wrong("only an open case is merged"),
        (Action::Unmerge, _) => wrong("only a merged case is unmerged"),
        // Deadline control (issue 22): an accepted case, still open.
        (
            Action::Extend | Action::ApproveExtension | Action::RefuseExtension | Action::Pause | Action::Resume,
            Accepted | InProgress,
        ) => Ok(status),
        (Action::Extend | Action::ApproveExtension | Action::RefuseExtension | Action::Pause | Action::Resume, _) => {
            wrong("only an accepted, open case has a deadline to move")
        }
        (Action::Escalate, Registered | Accepted | InProgress) => Ok(status),
        (Action::Escalate, _) => wrong("only an open case is escalated"),
        (Action::Assist, Registered | Accepted | InProgress) => Ok(status),
        (Action::Assist, _) => wrong("only an open case is assisted"),
        (Action::EndAssist, Registered | Accepted | InProgress) => Ok(status),
        // Closing the case ended every assistance.
        (Action::EndAssist, _) => wrong("closing the case ended its assistance"),
    }
}

/// The joined case's side of a merge or unmerge (issue 22): whoever may merge, and the
/// joined case may be in any status but merged; it keeps its status.
pub fn joined(actor: Acting, action: Action, status: Status) -> Result<Status, WorkflowError> {
    let role = actor.role;
    if !matches!(action, Action::Merge | Action::Unmerge)
        || !matches!(role, Role::Receptionist | Role::Chair | Role::Admin)
    {
        return Err(WorkflowError::RoleMayNot { role, action });
    }
    if status == Status::Merged {
        return Err(WorkflowError::WrongStatus { action, status, hint: "it is merged into another case itself" });
    }
    Ok(status)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn staff(role: Role) -> Acting {
        Acting { role, is_assigned_handler: false }
    }

    #[test]
    fn the_happy_path() {
        let r = staff(Role::Receptionist);
        let h = Acting { role: Role::Handler, is_assigned_handler: true };
        assert_eq!(transition(r, Action::Accept, Status::Registered, false, false), Ok(Status::Accepted));
        assert_eq!(transition(r, Action::Assign, Status::Accepted, false, false), Ok(Status::InProgress));
        assert_eq!(transition(h, Action::Resolve, Status::InProgress, true, false), Ok(Status::Resolved));
        assert_eq!(transition(staff(Role::Worker), Action::Rate, Status::Resolved, true, false), Ok(Status::Resolved));
        assert_eq!(
            transition(staff(Role::Chair), Action::Reopen, Status::Resolved, true, true),
            Ok(Status::InProgress)
        );
        assert_eq!(
            transition(staff(Role::Chair), Action::Reopen, Status::Explained, false, true),
            Ok(Status::Accepted)
        );
    }

    #[test]
    fn every_action_from_every_state_for_every_role_is_decided() {
        // The table is total: no combination panics, and the closed-state rules hold.
        for role in Role::ALL {
            for action in Action::ALL {
                for status in Status::ALL {
                    for assigned in [false, true] {
                        let a = Acting { role: *role, is_assigned_handler: assigned };
                        if let Ok(next) = transition(a, *action, *status, assigned, false) {
                            if !status.is_open()
                                && !matches!(
                                    action,
                                    Action::Reopen
                                        | Action::Note
                                        | Action::Rate
                                        | Action::Register
                                        | Action::Anonymise
                                        | Action::Redact
                                        | Action::Callback
                                        | Action::SendBack
                                        | Action::Confirm
                                        | Action::Unmerge
                                )
                            {
                                panic!("{role} {action} from closed {status} went to {next}");
                            }
                        }
                    }
                }
            }
        }
    }

    #[test]
    fn refusals_say_why() {
        let e = transition(staff(Role::Receptionist), Action::Resolve, Status::InProgress, true, false).unwrap_err();
        assert_eq!(e, WorkflowError::RoleMayNot { role: Role::Receptionist, action: Action::Resolve });
        let e = transition(staff(Role::Handler), Action::Resolve, Status::InProgress, true, false).unwrap_err();
        assert_eq!(e, WorkflowError::NotAssigned { action: Action::Resolve });
        let e = transition(staff(Role::Chair), Action::Resolve, Status::Accepted, false, false).unwrap_err();
        assert!(e.to_string().contains("assign a handler first"));
        let e = transition(staff(Role::Worker), Action::Rate, Status::Resolved, false, true).unwrap_err();
        assert_eq!(e, WorkflowError::AlreadyRated);
        assert!(transition(staff(Role::Worker), Action::Rate, Status::InProgress, false, false).is_err());
        assert!(transition(staff(Role::Admin), Action::Accept, Status::Accepted, false, false).is_err());
    }

    #[test]
    fn a_referral_closes_an_open_case_as_explained() {
        let h = Acting { role: Role::Handler, is_assigned_handler: true };
        for status in [Status::Registered, Status::Accepted, Status::InProgress] {
            assert_eq!(transition(staff(Role::Chair), Action::Refer, status, false, false), Ok(Status::Explained));
        }
        assert_eq!(transition(h, Action::Refer, Status::InProgress, true, false), Ok(Status::Explained));
        assert!(transition(staff(Role::Handler), Action::Refer, Status::InProgress, true, false).is_err());
        assert!(transition(staff(Role::Receptionist), Action::Refer, Status::Accepted, false, false).is_err());
        assert!(transition(staff(Role::Chair), Action::Refer, Status::Explained, false, false).is_err());
    }

    #[test]
    fn a_case_is_transferred_while_open_and_returned_before_it_is_accepted() {
        for status in [Status::Registered, Status::Accepted, Status::InProgress] {
            assert_eq!(
                transition(staff(Role::Receptionist), Action::Transfer, status, true, false),
                Ok(Status::Registered)
            );
        }
        assert!(transition(staff(Role::Chair), Action::Transfer, Status::Resolved, true, false).is_err());
        assert!(transition(staff(Role::Handler), Action::Transfer, Status::Accepted, false, false).is_err());
        assert_eq!(
            transition(staff(Role::Chair), Action::Return, Status::Registered, false, false),
            Ok(Status::Registered)
        );
        assert!(transition(staff(Role::Chair), Action::Return, Status::Accepted, false, false).is_err());
        assert!(transition(staff(Role::Worker), Action::Return, Status::Registered, false, false).is_err());
    }

    #[test]
    fn an_open_case_is_merged_and_a_merged_case_only_unmerged() {
        for status in [Status::Registered, Status::Accepted, Status::InProgress] {
            assert_eq!(transition(staff(Role::Receptionist), Action::Merge, status, false, false), Ok(Status::Merged));
        }
        assert!(transition(staff(Role::Handler), Action::Merge, Status::Accepted, false, false).is_err());
        assert!(transition(staff(Role::Chair), Action::Merge, Status::Resolved, false, false).is_err());
        assert!(transition(staff(Role::Chair), Action::Merge, Status::Merged, false, false).is_err());
        assert!(transition(staff(Role::Chair), Action::Unmerge, Status::Merged, false, false).is_ok());
        assert!(transition(staff(Role::Chair), Action::Unmerge, Status::Accepted, false, false).is_err());
        for action in [Action::Accept, Action::Assign, Action::Resolve, Action::Explain, Action::Reopen, Action::Rate] {
            assert!(transition(staff(Role::Admin), action, Status::Merged, true, false).is_err(), "{action}");
        }
        assert_eq!(transition(staff(Role::Admin), Action::Note, Status::Merged, false, false), Ok(Status::Merged));
        // The joined case's side keeps its status, whatever it is but merged.
        assert_eq!(joined(staff(Role::Chair), Action::Merge, Status::Resolved), Ok(Status::Resolved));
        assert!(joined(staff(Role::Chair), Action::Merge, Status::Merged).is_err());
        assert!(joined(staff(Role::Handler), Action::Merge, Status::Accepted).is_err());
    }

    #[test]
    fn a_receptionist_answers_what_nobody_handles_yet() {
        let r = staff(Role::Receptionist);
        assert_eq!(transition(r, Action::Explain, Status::Registered, false, false), Ok(Status::Explained));
        assert_eq!(transition(r, Action::Explain, Status::Accepted, false, false), Ok(Status::Explained));
        let e = transition(r, Action::Explain, Status::InProgress, true, false).unwrap_err();
        assert!(e.to_string().contains("its handler answers it now"), "{e}");
        assert!(transition(r, Action::Resolve, Status::Accepted, false, false).is_err());
    }
}
