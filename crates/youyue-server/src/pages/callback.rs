//! 回访 and 发回重办 on the pages (issue 22): the call-back form and the review's two
//! outcomes on the case page (`case_callback.html`), the list of call-backs
//! (`/callbacks?union=&state=`) and of cases under review (`/reviews?union=`). Every rule is
//! `service::callback`'s, as for the API.

use super::{render, Ctx, Form, PageResult};
use crate::error::ApiError;
use crate::service::callback::{self as svc, Item};
use crate::AppState;
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Redirect};
use serde::Deserialize;
use std::collections::HashMap;
use youyue_domain::command::Command;
use youyue_store::{CallbackState, StoredCase, User};

/// The words of this module's keys.
pub fn words(key: &str) -> Option<(&'static str, &'static str)> {
    Some(match key {
        "callbacks" => ("回访", "Call-backs"),
        "callbacks_due" => ("待回访", "Due"),
        "callbacks_overdue" => ("逾期未回访", "Overdue"),
        "callbacks_done" => ("已回访", "Done"),
        "callbacks_none" => ("没有约事。", "No cases."),
        "reviews" => ("不满意复核", "Reviews"),
        "reviews_hint" => (
            "职工对答复不满意或非常不满意（本人评价或回访）的下级约事，由上级工会发回重办或维持答复。",
            "Cases below whose worker is not satisfied (by their rating or a call-back): send back to be redone, or confirm the answer.",
        ),
        "callback" => ("回访", "Call-back"),
        "callback_due_on" => ("回访期限", "Call-back due"),
        "callback_attempts" => ("回访次数", "Call-backs recorded"),
        "callback_called_at" => ("回访时间", "Called back"),
        "callback_hint" => (
            "约事办结后应在期限内回访职工。未联系上的可以记录后再次回访；联系上即完成回访。备注仅内部可见。",
            "Call the worker back within the time limit after closing. A call that did not reach them may be recorded and tried again; reaching them completes it. The note is internal.",
        ),
        "callback_reached" => ("是否联系上职工", "Was the worker reached?"),
        "callback_rating" => ("职工满意度", "The worker's satisfaction"),
        "callback_note" => ("回访记录", "Note"),
        "callback_reached_yes" => ("已联系上职工", "The worker was reached"),
        "callback_reached_no" => ("未联系上职工", "The worker was not reached"),
        "do_callback" => ("记录回访", "Record the call-back"),
        "done_callback" => ("已记录回访。", "Call-back recorded."),
        "under_review" => ("职工不满意，待上级工会复核。", "The worker is not satisfied: before the union above for review."),
        "review_confirmed" => ("已维持答复。", "The answer was confirmed."),
        "review" => ("复核", "Review"),
        "do_send_back" => ("发回重办", "Send back to be redone"),
        "done_send_back" => ("已发回重办，约事重新办理并有新的期限。", "Sent back: the case is redone, with a fresh deadline."),
        "send_back_reason" => ("发回理由", "Why it is to be redone"),
        "do_confirm" => ("维持答复", "Confirm the answer"),
        "done_confirm" => ("已维持答复。", "The answer is confirmed."),
        "confirm_note" => ("复核意见", "Note"),
        "rating_5" => ("非常满意", "Very satisfied"),
        "rating_4" => ("满意", "Satisfied"),
        "rating_3" => ("基本满意", "Fairly satisfied"),
        "rating_2" => ("不满意", "Not satisfied"),
        "rating_1" => ("非常不满意", "Not at all satisfied"),
        "worker_rating" => ("职工评价", "Worker's rating"),
        "closed_on" => ("办结日期", "Closed on"),
        _ => return None,
    })
}

/// A call-back entry of the record book in words: reached or not, and the satisfaction.
pub fn entry_words(ctx: &Ctx, detail: &serde_json::Value) -> Vec<String> {
    let reached = detail.get("reached").and_then(serde_json::Value::as_bool) == Some(true);
    let mut lines = vec![ctx.t(if reached { "callback_reached_yes" } else { "callback_reached_no" }).to_owned()];
    if let Some(r) = detail.get("rating").and_then(serde_json::Value::as_i64) {
        lines.push(format!("{}: {}", ctx.t("callback_rating"), ctx.t(&format!("rating_{r}"))));
    }
    lines
}

/// What the case page shows of the call-back and review, and which forms it offers.
#[derive(Default)]
pub struct Section {
    pub item: Option<Item>,
    /// The call-back form: closed, not yet called back, and the caller is staff.
    pub may_record: bool,
    /// Send back / confirm: under review, and the caller's union reviews it.
    pub may_review: bool,
}

pub async fn section(state: &AppState, user: &User, case: &StoredCase) -> Result<Section, ApiError> {
    if !user.role.is_staff() {
        return Ok(Section::default());
    }
    let item = svc::of_case(state, case).await?;
    let may_record = item.as_ref().is_some_and(|i| i.called_at.is_none());
    let pending = item.as_ref().is_some_and(|i| i.review == Some("pending"));
    let reviewer = youyue_domain::Role::Chair == user.role || youyue_domain::Role::Admin == user.role;
    let may_review = pending && reviewer && svc::may_review(user, case);
    Ok(Section { item, may_record, may_review })
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct CallbackForm {
    #[serde(default)]
    csrf: String,
    /// "yes" or "no".
    #[serde(default)]
    reached: String,
    /// 1 to 5, or empty.
    #[serde(default)]
    rating: String,
    #[serde(default)]
    note: String,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct ReviewForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    reason: String,
    #[serde(default)]
    note: String,
}

fn done(number: &str, what: &str) -> PageResult {
    Ok(Redirect::to(&format!("/cases/{number}?done={what}#done")).into_response())
}

pub async fn record(
    ctx: Ctx,
    State(state): State<AppState>,
    Path(number): Path<String>,
    Form(f): Form<CallbackForm>,
) -> PageResult {
    let user = ctx.require_staff()?.clone();
    ctx.check_csrf(&f.csrf)?;
    let reached = match f.reached.as_str() {
        "yes" => true,
        "no" => false,
        _ => return Err(ApiError::invalid("reached", "answer yes or no").into()),
    };
    let rating = match f.rating.trim() {
        "" => None,
        r => Some(r.parse::<i64>().map_err(|_| ApiError::invalid("rating", "must be 1 to 5"))?),
    };
    svc::record(&state, &user, &number, reached, rating, &f.note).await?;
    done(&number, "callback")
}

pub async fn send_back(
    ctx: Ctx,
    State(state): State<AppState>,
    Path(number): Path<String>,
    Form(f): Form<ReviewForm>,
) -> PageResult {
    let user = ctx.require_staff()?.clone();
    ctx.check_csrf(&f.csrf)?;
    svc::review(&state, &user, &number, Command::SendBack { reason: f.reason }).await?;
    done(&number, "send_back")
}

pub async fn confirm(
    ctx: Ctx,
    State(state): State<AppState>,
    Path(number): Path<String>,
    Form(f): Form<ReviewForm>,
) -> PageResult {
    let user = ctx.require_staff()?.clone();
    ctx.check_csrf(&f.csrf)?;
    svc::review(&state, &user, &number, Command::Confirm { note: f.note }).await?;
    done(&number, "confirm")
}

/// A row of the lists, in words.
pub struct Row {
    pub number: String,
    pub union_name: String,
    pub kind: &'static str,
    pub closed_on: String,
    pub due_on: String,
    pub overdue: bool,
    pub attempts: i64,
    pub rating: String,
}

#[derive(Template)]
#[template(path = "callbacks.html")]
struct ListPage {
    ctx: Ctx,
    /// "callbacks" or "reviews".
    what: &'static str,
    union: String,
    union_name: String,
    state: &'static str,
    rows: Vec<Row>,
}

fn rows(ctx: &Ctx, items: Vec<Item>) -> Vec<Row> {
    items
        .into_iter()
        .map(|i| Row {
            number: i.number,
            union_name: i.union_name,
            kind: ctx.lang.kind(i.kind),
            closed_on: i.closed_on.to_string(),
            due_on: i.due_on.to_string(),
            overdue: i.overdue,
            attempts: i.attempts,
            rating: i.rating.map(|r| ctx.t(&format!("rating_{r}")).to_owned()).unwrap_or_default(),
        })
        .collect()
}

fn only(q: &HashMap<String, String>, known: &[&str]) -> Result<(), ApiError> {
    match q.keys().find(|k| !known.contains(&k.as_str())) {
        Some(k) => Err(ApiError::BadRequest { message: format!("unknown parameter {k}"), field: None }),
        None => Ok(()),
    }
}

pub async fn list(ctx: Ctx, State(state): State<AppState>, Query(q): Query<HashMap<String, String>>) -> PageResult {
    let user = ctx.require_staff()?.clone();
    only(&q, &["union", "state"])?;
    let (which, state_key) = match q.get("state").map(|s| s.trim()).unwrap_or("due") {
        "due" | "" => (CallbackState::Due, "due"),
        "overdue" => (CallbackState::Overdue, "overdue"),
        "done" => (CallbackState::Done, "done"),
        _ => return Err(ApiError::invalid("state", "must be due, overdue or done").into()),
    };
    let union = svc::list_union(&state, &user, q.get("union").map(String::as_str)).await?;
    let items = svc::list(&state, &user, &union, which, svc::MAX_LIST).await?;
    let page = ListPage {
        rows: rows(&ctx, items),
        what: "callbacks",
        union: union.record.code.to_string(),
        union_name: union.record.name.clone(),
        state: state_key,
        ctx,
    };
    Ok(([(axum::http::header::CACHE_CONTROL, "no-store")], render(&page)).into_response())
}

pub async fn reviews(ctx: Ctx, State(state): State<AppState>, Query(q): Query<HashMap<String, String>>) -> PageResult {
    let user = ctx.require_staff()?.clone();
    only(&q, &["union"])?;
    let union = svc::list_union(&state, &user, q.get("union").map(String::as_str)).await?;
    let items = svc::reviews(&state, &user, &union, svc::MAX_LIST).await?;
    let page = ListPage {
        rows: rows(&ctx, items),
        what: "reviews",
        union: union.record.code.to_string(),
        union_name: union.record.name.clone(),
        state: "",
        ctx,
    };
    Ok(([(axum::http::header::CACHE_CONTROL, "no-store")], render(&page)).into_response())
}
