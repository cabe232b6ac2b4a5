//! 协办 (joint handling, issue 22) on the case page: who assists (open and ended), the
//! form to ask a union or its specialist and to end an assistance (for whoever may, by the
//! workflow), and, for an assisting party, the notice that they may read and add notes.
//! The rules are `service::assist` and `access`; the words are here, in both languages.

use super::Lang;
use crate::access::Reach;
use crate::error::ApiError;
use crate::AppState;
use youyue_domain::workflow::transition;
use youyue_domain::Action;
use youyue_store::{StoredCase, User};

/// One assistance in words.
pub struct Line {
    pub union: String,
    pub union_code: String,
    pub who: String,
    pub note: String,
    pub when: String,
    pub open: bool,
}

/// The case page's 协办 section.
#[derive(Default)]
pub struct Section {
    pub lines: Vec<Line>,
    /// The caller may ask for and end assistance.
    pub may_ask: bool,
    /// The caller is an assisting party (reads and adds notes only).
    pub assisting: bool,
    pub words: Words,
}

/// The section's words in the page's language.
#[derive(Default)]
pub struct Words {
    pub title: &'static str,
    pub whole_union: &'static str,
    pub ended: &'static str,
    pub ask: &'static str,
    pub union: &'static str,
    pub user: &'static str,
    pub note: &'static str,
    pub end: &'static str,
    pub assisting: &'static str,
    pub optional: &'static str,
}

fn words(lang: Lang) -> Words {
    match lang {
        Lang::Zh => Words {
            title: "协办",
            whole_union: "全体工作人员",
            ended: "已结束",
            ask: "请求协办",
            union: "协办工会代码",
            user: "协办专家用户名",
            note: "协办事项",
            end: "结束协办",
            assisting: "您所在工会正在协办此约事：可以查阅并添加记录，不能办理、办结或转办。",
            optional: "可不填",
        },
        Lang::En => Words {
            title: "Joint handling",
            whole_union: "all staff",
            ended: "ended",
            ask: "Ask for assistance",
            union: "Assisting union's code",
            user: "Specialist's username",
            note: "What to assist with",
            end: "End assistance",
            assisting:
                "Your union assists with this case: you may read it and add notes, not handle, close or move it.",
            optional: "optional",
        },
    }
}

/// The section for `user` reading `case` with `reach`.
pub async fn section(
    state: &AppState,
    lang: Lang,
    user: &User,
    case: &StoredCase,
    reach: Reach,
) -> Result<Section, ApiError> {
    if !user.role.is_staff() {
        return Ok(Section::default());
    }
    let assists = state.store.case_assists(case.id).await?;
    let r = &case.record;
    let may_ask = reach == Reach::Full
        && transition(
            crate::access::actor(user, case),
            Action::Assist,
            r.status,
            r.handler.is_some(),
            r.rating.is_some(),
        )
        .is_ok();
    let w = words(lang);
    let lines = assists
        .into_iter()
        .map(|a| Line {
            union: a.union_name,
            union_code: a.union_code.to_string(),
            who: match (a.user_name, a.username) {
                (Some(n), Some(u)) => format!("{n}（{u}）"),
                (None, Some(u)) => u,
                _ => w.whole_union.to_owned(),
            },
            note: a.note,
            when: match a.ended_at {
                Some(e) => format!("{} — {} {}", lang.datetime(a.asked_at), w.ended, lang.datetime(e)),
                None => lang.datetime(a.asked_at),
            },
            open: a.ended_at.is_none(),
        })
        .collect();
    Ok(Section { lines, may_ask, assisting: reach == Reach::Assisting, words: w })
}
