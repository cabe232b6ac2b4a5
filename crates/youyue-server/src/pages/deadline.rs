//! Deadline control on the case page (issue 22): 催办 (chase), 延期 (extension), 挂起 and
//! 恢复办理 (pause, resume), and their words.

use super::staff::ActionForm;
use super::{render, Ctx, PageResult};
use crate::service::deadline::Ask;
use crate::AppState;
use askama::Template;
use axum::extract::{Query, State};
use std::collections::HashMap;
use youyue_domain::Action;

/// One escalated case, in words.
pub struct EscalatedRow {
    pub number: String,
    pub title: String,
    pub union: String,
    pub status: &'static str,
    pub due_on: Option<String>,
}

#[derive(Template)]
#[template(path = "escalations.html")]
struct EscalationsPage {
    ctx: Ctx,
    union_name: String,
    rows: Vec<EscalatedRow>,
}

/// 提级督办: the escalated open cases below the caller's union (or `?union=CODE` within
/// reach), as `GET /api/v1/escalations` lists them.
pub async fn escalations(
    ctx: Ctx,
    State(state): State<AppState>,
    Query(q): Query<HashMap<String, String>>,
) -> PageResult {
    let user = ctx.require_staff()?.clone();
    let union = match q.get("union").filter(|c| !c.trim().is_empty()) {
        Some(code) => crate::access::union_within(state.store.as_ref(), &user, code).await?,
        None => state
            .store
            .union_by_id(user.union_id)
            .await?
            .ok_or_else(|| crate::error::ApiError::internal("the caller's union is missing"))?,
    };
    let found = crate::service::deadline::escalations(&state, &user, union.record.code.as_str()).await?;
    crate::access::log_list_reads(state.store.as_ref(), &user, &found).await?;
    let rows = found
        .iter()
        .map(|c| EscalatedRow {
            number: c.record.number.to_string(),
            title: c.record.title.clone(),
            union: c.record.union.to_string(),
            status: ctx.lang.status(c.record.status),
            due_on: c.record.due_on.map(|d| d.to_string()),
        })
        .collect();
    Ok(render(&EscalationsPage { union_name: union.record.name.clone(), ctx, rows }))
}

/// What a case page's form for `action` asks of the case's clock, if it is one of these.
pub fn ask_for(action: Action, f: &ActionForm) -> Option<Ask> {
    Some(match action {
        Action::Extend => Ask::Extend { due_on: f.due_on.clone(), reason: f.reason.clone() },
        Action::ApproveExtension => Ask::Approve,
        Action::RefuseExtension => Ask::Refuse { reason: f.reason.clone() },
        Action::Pause => Ask::Pause { reason: f.reason.clone() },
        Action::Resume => Ask::Resume,
        _ => return None,
    })
}

/// The page's words for deadline control, Chinese and English.
pub fn words(key: &str) -> Option<(&'static str, &'static str)> {
    Some(match key {
        "do_chase" => ("催办", "Chase"),
        "done_chase" => ("已催办，承办人和该会主席会收到通知。", "Chased: the handler and the union's chair are told."),
        "chase_hint" => (
            "上级工会督促本约事尽快办理。催办记入登记簿（内部），职工看不到。",
            "A union above urges this case on. The chase is in the record book (internal); the worker does not see it.",
        ),
        "chase_note" => ("催办意见", "What you ask of the handling union"),
        "do_extend" => ("申请延期", "Ask for an extension"),
        "done_extend" => ("已申请延期，等待主席或上级工会决定。", "Extension asked: a chair or the union above decides."),
        "extend_hint" => (
            "办理期限届满前可申请延期，由本会主席或上级工会批准。申请理由职工看不到。",
            "Ask before the deadline passes; the union's chair or the union above decides. The worker does not see the reason.",
        ),
        "extend_due_on" => ("申请延至", "New deadline asked"),
        "do_decide_extension" => ("审批延期申请", "Decide on the extension"),
        "do_approve_extension" => ("批准延期", "Approve the extension"),
        "done_approve_extension" => ("已批准延期，办理期限已更新。", "Extension approved: the deadline is the date asked."),
        "do_refuse_extension" => ("不予延期", "Refuse the extension"),
        "done_refuse_extension" => ("已不予延期，办理期限不变。", "Extension refused: the deadline stays."),
        "do_pause" => ("挂起", "Pause the clock"),
        "done_pause" => ("已挂起，挂起期间不计入办理时限。", "Paused: the days paused do not count."),
        "pause_hint" => (
            "等待职工补充材料等情形可挂起；恢复办理时期限顺延挂起的工作日数。挂起合计不超过本区规定天数。",
            "While waiting for the worker; on resuming, the deadline moves later by the working days paused, up to the district's limit.",
        ),
        "do_resume" => ("恢复办理", "Resume"),
        "done_resume" => ("已恢复办理，办理期限已顺延。", "Resumed: the deadline moved later by the working days paused."),
        "paused_since" => ("挂起自", "Paused since"),
        "paused_until" => ("最迟至", "at most until"),
        "paused_reason" => ("挂起原因", "Why paused"),
        "paused_days" => ("挂起天数", "Days paused"),
        "paused_working_days" => ("挂起工作日数", "Working days paused"),
        "raised_to" => ("提交至", "Raised to"),
        "escalations_title" => ("提级督办", "Escalated cases"),
        "escalations_hint" => (
            "下级工会的约事被重新办理、发回重办或转办达到本区规定次数后，自动提交上一级工会督办。",
            "Cases below that were reopened, sent back or transferred the district's number of times, raised to the union above.",
        ),
        "no_escalations" => ("没有提级督办的约事。", "No escalated cases."),
        "count" => ("次数", "Times"),
        _ => return None,
    })
}
