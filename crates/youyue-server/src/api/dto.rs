//! What the API reads and writes. Requests refuse unknown fields; responses show times in
//! China Standard Time (RFC 3339, +08:00) and money as decimal strings of yuan.

use crate::access;
use crate::service::Tracked;
use serde::Serialize;
use utoipa::ToSchema;
use youyue_domain::arbitration::{case_mediation_ends_on, mediation_period_over};
use youyue_domain::case::{rating_label_zh, Channel, Kind, Status, Urgency};
use youyue_domain::command::{is_overdue, public_message};
use youyue_domain::exchange::RecordEntry;
use youyue_domain::workflow::Action;
use youyue_domain::Timestamp;
use youyue_store::{StoredCase, Union, User};

#[derive(Serialize, ToSchema)]
pub struct UserView {
    pub username: String,
    pub name: String,
    pub role: youyue_domain::Role,
    pub union: String,
    pub active: bool,
    /// What the account can serve as (staff only; may be empty).
    pub specialties: Vec<youyue_domain::roster::Specialty>,
    /// Where notices reach the person: in full to the person and to those who manage the
    /// account, masked (`z***@example.com`, `138****5678`) to other staff.
    pub email: Option<String>,
    pub phone: Option<String>,
    /// The kinds of notice the person turned off for e-mail and SMS (the bell keeps all).
    pub notices_off: Vec<youyue_domain::notice::NoticeKind>,
}

impl From<&User> for UserView {
    /// Without specialties: see `UserView::with`. Addresses in full: see `masked_for`.
    fn from(u: &User) -> UserView {
        UserView {
            username: u.username.clone(),
            name: u.name.clone(),
            role: u.role,
            union: u.union_code.to_string(),
            active: u.active,
            specialties: Vec::new(),
            email: u.email.clone(),
            phone: u.phone.clone(),
            notices_off: u.notices_off.clone(),
        }
    }
}

impl UserView {
    /// The account with its specialties, from `Store::specialties_of`.
    pub fn with(
        u: &User,
        specialties: &std::collections::BTreeMap<i64, Vec<youyue_domain::roster::Specialty>>,
    ) -> UserView {
        UserView { specialties: specialties.get(&u.id).cloned().unwrap_or_default(), ..UserView::from(u) }
    }

    /// The view as `viewer` may read it: addresses masked unless `access::sees_addresses`.
    pub fn masked_for(mut self, viewer: &User, u: &User) -> UserView {
        use youyue_domain::notice::{mask, NoticeChannel};
        if !access::sees_addresses(viewer, u) {
            self.email = self.email.map(|e| mask(NoticeChannel::Email, &e));
            self.phone = self.phone.map(|p| mask(NoticeChannel::Sms, &p));
        }
        self
    }
}

#[derive(Serialize, ToSchema)]
pub struct UnionView {
    pub code: String,
    pub name: String,
    pub parent: Option<String>,
    /// 'YYYY-MM-DD', absent when the union has no studio.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub studio_opened_on: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub case_prefix: Option<String>,
    pub depth: i64,
}

impl From<&Union> for UnionView {
    fn from(u: &Union) -> UnionView {
        UnionView {
            code: u.record.code.to_string(),
            name: u.record.name.clone(),
            parent: u.record.parent.as_ref().map(|p| p.to_string()),
            studio_opened_on: u.record.studio_opened_on.map(|d| d.to_string()),
            case_prefix: u.record.case_prefix.clone(),
            depth: u.depth,
        }
    }
}

/// One entry of the record book, as staff see it.
#[derive(Serialize, ToSchema)]
pub struct EntryView {
    pub seq: i64,
    /// RFC 3339, China time.
    pub at: String,
    pub actor: String,
    pub action: String,
    pub internal: bool,
    #[schema(value_type = Object)]
    pub detail: serde_json::Value,
}

impl EntryView {
    /// An entry as a worker account sees it: the action and the words meant for the
    /// worker, without the staff member's name or the before/after detail.
    pub fn for_worker(e: RecordEntry) -> EntryView {
        let message = public_message(&e.action, e.internal, &e.detail);
        let actor = if e.actor == "worker" { "worker" } else { "union" };
        let detail = match message {
            Some(m) => serde_json::json!({ "message": m }),
            None => serde_json::json!({}),
        };
        EntryView {
            seq: e.seq,
            at: e.at.to_rfc3339_cst(),
            actor: actor.to_owned(),
            action: e.action,
            internal: false,
            detail,
        }
    }
}

impl From<RecordEntry> for EntryView {
    fn from(e: RecordEntry) -> EntryView {
        EntryView {
            seq: e.seq,
            at: e.at.to_rfc3339_cst(),
            actor: e.actor,
            action: e.action,
            internal: e.internal,
            detail: e.detail,
        }
    }
}

/// A case as staff see it.
#[derive(Serialize, ToSchema)]
pub struct CaseView {
    pub number: String,
    pub union: String,
    pub kind: Kind,
    pub channel: Channel,
    pub collective: bool,
    pub online: bool,
    pub scheduled: bool,
    pub immediate: bool,
    pub people: i64,
    pub title: String,
    pub description: String,
    pub anonymous: bool,
    /// Absent when the worker gave none, or when it is hidden from the caller
    /// (`contact_hidden`).
    pub worker_name: Option<String>,
    pub contact: Option<String>,
    /// True when a name or contact was given but is not shown: the worker is anonymous and
    /// the caller's union is the case's own, or this is a list (read the case for them).
    pub contact_hidden: bool,
    pub opened_at: String,
    pub status: Status,
    pub urgency: Option<Urgency>,
    /// The union's own handling deadline ('YYYY-MM-DD'), in working days from acceptance.
    pub due_on: Option<String>,
    /// Open and past its deadline (a paused case is not late).
    pub overdue: bool,
    /// 挂起 (issue 22): the day the clock was paused ('YYYY-MM-DD'), the last day it may
    /// stay paused, and why (staff only); null while the clock runs.
    pub paused_since: Option<String>,
    pub paused_until: Option<String>,
    pub paused_reason: Option<String>,
    /// Disputes: the last day of the statutory mediation period ('YYYY-MM-DD'), 15
    /// calendar days after the day of registration, which is not counted.
    pub mediation_ends_on: Option<String>,
    /// Disputes: the mediation period has passed (from the day after `mediation_ends_on`).
    pub mediation_period_over: bool,
    /// 转仲裁: the arbitration commission the dispute was referred to.
    pub arbitration_commission: Option<String>,
    /// 'YYYY-MM-DD': the day of the referral.
    pub referred_on: Option<String>,
    pub accepted_at: Option<String>,
    pub handler: Option<String>,
    pub closed_at: Option<String>,
    pub agreement: Option<bool>,
    /// Yuan, two decimals.
    pub amount_recovered: Option<String>,
    pub adopted: Option<bool>,
    pub resolution: Option<String>,
    pub explanation: Option<String>,
    pub rating: Option<i64>,
    pub rating_comment: Option<String>,
    pub rated_at: Option<String>,
    /// What the caller may do now.
    pub actions: Vec<Action>,
    /// The record book, oldest first (on the single-case endpoints).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub record: Option<Vec<EntryView>>,
    /// Merge (issue 22): the number of the case this one joined (status `merged`).
    pub merged_into: Option<String>,
}

fn t(v: Option<Timestamp>) -> Option<String> {
    v.map(|t| t.to_rfc3339_cst())
}

impl CaseView {
    /// The view for a list: the worker's name and contact left out (`contact_hidden`).
    pub fn without_contact(mut self) -> CaseView {
        if self.worker_name.is_some() || self.contact.is_some() {
            self.contact_hidden = true;
        }
        self.worker_name = None;
        self.contact = None;
        self
    }

    pub fn new(user: &User, c: &StoredCase, record: Option<Vec<RecordEntry>>, now: Timestamp) -> CaseView {
        let r = &c.record;
        let staff = user.role.is_staff();
        let show_contact = access::can_see_contact(user, c);
        let actions = access::actions(user, c);
        CaseView {
            number: r.number.to_string(),
            union: r.union.to_string(),
            kind: r.kind,
            channel: r.channel,
            collective: r.collective,
            online: r.online,
            scheduled: r.scheduled,
            immediate: r.immediate,
            people: r.people,
            title: r.title.clone(),
            description: r.description.clone(),
            anonymous: r.anonymous,
            worker_name: if show_contact { r.worker_name.clone() } else { None },
            contact: if show_contact { r.contact.clone() } else { None },
            contact_hidden: !show_contact && (r.worker_name.is_some() || r.contact.is_some()),
            opened_at: r.opened_at.to_rfc3339_cst(),
            status: r.status,
            urgency: r.urgency,
            due_on: r.due_on.map(|d| d.to_string()),
            overdue: is_overdue(r.status, r.due_on, now) && r.paused_since.is_none(),
            paused_since: r.paused_since.map(|d| d.to_string()),
            paused_until: r.paused_until.map(|d| d.to_string()),
            paused_reason: if staff { r.paused_reason.clone() } else { None },
            mediation_ends_on: case_mediation_ends_on(r.kind, r.opened_at).map(|d| d.to_string()),
            mediation_period_over: mediation_period_over(r.kind, r.opened_at, now.cst_date()),
            arbitration_commission: r.arbitration_commission.clone(),
            referred_on: r.referred_on.map(|d| d.to_string()),
            accepted_at: t(r.accepted_at),
            // A worker reads neither staff names nor the union's internal entries.
            handler: if staff { r.handler.clone() } else { None },
            closed_at: t(r.closed_at),
            agreement: r.agreement,
            amount_recovered: r.amount_recovered.map(|m| m.to_string()),
            adopted: r.adopted,
            resolution: r.resolution.clone(),
            explanation: r.explanation.clone(),
            rating: r.rating,
            rating_comment: r.rating_comment.clone(),
            rated_at: t(r.rated_at),
            merged_into: r.merged_into.as_ref().map(|n| n.to_string()),
            actions,
            record: record.map(|es| {
                es.into_iter()
                    .filter(|e| staff || !e.internal)
                    .map(|e| if staff { EntryView::from(e) } else { EntryView::for_worker(e) })
                    .collect()
            }),
        }
    }
}

/// A step of the case as the worker sees it.
#[derive(Serialize, ToSchema)]
pub struct PublicStep {
    pub at: String,
    pub action: String,
    /// The step in Chinese, e.g. 已受理.
    pub label: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
}

/// A case as the worker sees it with its number and tracking code: no internal notes, no
/// staff names.
#[derive(Serialize, ToSchema)]
pub struct PublicCaseView {
    pub number: String,
    pub union_name: String,
    pub kind: Kind,
    pub status: Status,
    /// The status in Chinese.
    pub status_label: String,
    pub title: String,
    pub description: String,
    pub people: i64,
    pub opened_at: String,
    pub closed_at: Option<String>,
    /// The union's answer: what was done, or why it cannot be handled.
    pub answer: Option<String>,
    pub agreement: Option<bool>,
    pub amount_recovered: Option<String>,
    pub adopted: Option<bool>,
    pub rating: Option<i64>,
    pub rating_label: Option<String>,
    pub rating_comment: Option<String>,
    /// Whether the worker can rate it now.
    pub can_rate: bool,
    /// Disputes: the last day of the statutory mediation period ('YYYY-MM-DD').
    pub mediation_ends_on: Option<String>,
    /// When the dispute was referred to arbitration: where and by when to apply.
    pub arbitration: Option<PublicReferral>,
    pub timeline: Vec<PublicStep>,
    /// A dispute's signed mediation agreement: its terms (amounts, due days, paid or not)
    /// and the mediators' names as printed on it; null otherwise.
    pub mediation_agreement: Option<crate::service::agreement::WorkerAgreement>,
    /// The case's appointments with specialists (every status), earliest first.
    pub appointments: Vec<crate::api::appointments::PublicAppointmentView>,
    /// Merge (issue 22): for a merged case, the case it joined as its worker follows it
    /// (its progress and answer); null otherwise. Such a case is rated through the joined
    /// case's own worker only (`can_rate` is false).
    pub joined: Option<crate::api::merge::PublicJoined>,
}

/// A dispute referred to arbitration, as the worker reads it.
#[derive(Serialize, ToSchema)]
pub struct PublicReferral {
    /// The arbitration commission to apply to.
    pub commission: String,
    /// 'YYYY-MM-DD': the day of the referral.
    pub referred_on: String,
    /// 'YYYY-MM-DD': apply no later than this day (the one-year limitation, counted from
    /// the day the union received the dispute: the earliest it can end).
    pub apply_by: String,
}

pub(crate) fn action_label(action: &str) -> String {
    Action::parse(action).map(|a| a.label_zh().to_owned()).unwrap_or_else(|| match action {
        "import" => "导入".to_owned(),
        "agreement" => "录入调解协议".to_owned(),
        "agreement_edit" => "修改调解协议".to_owned(),
        "agreement_sign" => "签订调解协议".to_owned(),
        "agreement_payment" => "登记协议款支付".to_owned(),
        "appointment" => "约谈变更".to_owned(),
        other => other.to_owned(),
    })
}

impl From<Tracked> for PublicCaseView {
    fn from(c: Tracked) -> PublicCaseView {
        let timeline = c
            .timeline
            .into_iter()
            .map(|s| PublicStep {
                at: s.at.to_rfc3339_cst(),
                label: action_label(&s.action),
                message: s.message,
                action: s.action,
            })
            .collect();
        PublicCaseView {
            number: c.number,
            union_name: c.union_name,
            kind: c.kind,
            status: c.status,
            status_label: c.status.label_zh().to_owned(),
            title: c.title,
            description: c.description,
            people: c.people,
            opened_at: c.opened_at.to_rfc3339_cst(),
            closed_at: t(c.closed_at),
            answer: c.answer,
            agreement: c.agreement,
            amount_recovered: c.amount_recovered.map(|m| m.to_string()),
            adopted: c.adopted,
            rating: c.rating,
            rating_label: c.rating.and_then(|x| u8::try_from(x).ok()).map(|x| rating_label_zh(x).to_owned()),
            rating_comment: c.rating_comment,
            can_rate: c.can_rate,
            mediation_ends_on: c.mediation_ends_on.map(|d| d.to_string()),
            arbitration: c.referral.map(|r| PublicReferral {
                commission: r.commission,
                referred_on: r.referred_on.to_string(),
                apply_by: r.apply_by.to_string(),
            }),
            timeline,
            appointments: c.bookings.iter().map(crate::api::appointments::PublicAppointmentView::from).collect(),
            mediation_agreement: c.mediation,
            joined: c.joined.map(crate::api::merge::PublicJoined::from),
        }
    }
}
