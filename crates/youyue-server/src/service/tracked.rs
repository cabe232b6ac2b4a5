//! What a worker reads of their case when they follow it: the stored case with no internal
//! entries, no staff names and no name or contact. The tracking page shows it; the public
//! API answers it (`PublicCaseView`).

use crate::access;
use crate::error::ApiError;
use crate::AppState;
use chrono::NaiveDate;
use youyue_domain::arbitration;
use youyue_domain::command::public_message;
use youyue_domain::exchange::RecordEntry;
use youyue_domain::{Kind, Money, Status, Timestamp};
use youyue_store::StoredCase;

/// A case as the worker follows it with its number and code: no internal entries, no
/// staff names, no name or contact.
pub struct Tracked {
    pub number: String,
    pub union_name: String,
    pub kind: Kind,
    pub status: Status,
    pub title: String,
    pub description: String,
    pub people: i64,
    pub opened_at: Timestamp,
    pub closed_at: Option<Timestamp>,
    /// The union's answer: what was done, or why it cannot be handled.
    pub answer: Option<String>,
    pub agreement: Option<bool>,
    pub amount_recovered: Option<Money>,
    pub adopted: Option<bool>,
    pub rating: Option<i64>,
    pub rating_comment: Option<String>,
    pub can_rate: bool,
    /// Disputes: the last day of the statutory mediation period.
    pub mediation_ends_on: Option<NaiveDate>,
    /// Where the dispute was referred to arbitration, and by when the worker applies.
    pub referral: Option<Referral>,
    pub timeline: Vec<Step>,
    /// A dispute's signed mediation agreement as the worker reads it (a draft is not shown).
    pub mediation: Option<super::agreement::WorkerAgreement>,
    /// The case's appointments with specialists, earliest first (every status).
    pub bookings: Vec<youyue_store::Appointment>,
    /// Merge (issue 22): the progress of the case a merged case joined.
    pub joined: Option<super::merge::JoinedProgress>,
}

/// A referral to arbitration (转仲裁) as the worker needs it.
pub struct Referral {
    pub commission: String,
    pub referred_on: NaiveDate,
    /// Apply no later than this (`arbitration::apply_by`).
    pub apply_by: NaiveDate,
}

/// A step of the case in the worker's words.
pub struct Step {
    pub at: Timestamp,
    pub action: String,
    /// The words for the worker as stored (an appointment's time as RFC 3339, for the API).
    pub message: Option<String>,
    /// An appointment the step made, for a page to put its time in words.
    pub appointment: Option<Appointment>,
}

/// When and where the worker is to come (a `schedule` entry).
pub struct Appointment {
    pub starts_at: Timestamp,
    pub place: String,
}

/// The appointment a record entry made, if it is a `schedule` entry the worker may read.
pub fn appointment(e: &RecordEntry) -> Option<Appointment> {
    let text = |k: &str| e.detail.get(k).and_then(serde_json::Value::as_str);
    // A booking's or the free-text meeting's time and place; a move's new time and why.
    let place = match e.action.as_str() {
        "schedule" => text("place"),
        "appointment" if text("change") == Some("reschedule") => text("reason"),
        _ => return None,
    };
    if e.internal {
        return None;
    }
    let starts_at = Timestamp::parse_rfc3339(text("starts_at")?).ok()?;
    Some(Appointment { starts_at, place: place.unwrap_or_default().to_owned() })
}

/// The case as the worker reads it with its number and code (`case_with_code`).
pub async fn tracked(state: &AppState, c: &StoredCase) -> Result<Tracked, ApiError> {
    let union = state.store.union_by_id(c.union_id).await?.map(|u| u.record.name).unwrap_or_default();
    let record = state.store.record_book(c.id).await?;
    let mut t = Tracked::new(c, union, record);
    t.bookings = state.store.case_appointments(c.id).await?;
    t.mediation = super::agreement::for_worker(state.store.as_ref(), c).await?;
    t.joined = super::merge::joined_progress(state, c).await?;
    Ok(t)
}

impl Tracked {
    fn new(c: &StoredCase, union_name: String, record: Vec<RecordEntry>) -> Tracked {
        let r = &c.record;
        let timeline = record
            .into_iter()
            .filter(|e| !e.internal)
            .map(|e| Step {
                at: e.at,
                message: public_message(&e.action, e.internal, &e.detail),
                appointment: appointment(&e),
                action: e.action,
            })
            .collect();
        Tracked {
            number: r.number.to_string(),
            union_name,
            kind: r.kind,
            status: r.status,
            title: r.title.clone(),
            description: r.description.clone(),
            people: r.people,
            opened_at: r.opened_at,
            closed_at: r.closed_at,
            answer: r.resolution.clone().or_else(|| r.explanation.clone()),
            agreement: r.agreement,
            amount_recovered: r.amount_recovered,
            adopted: r.adopted,
            rating: r.rating,
            rating_comment: r.rating_comment.clone(),
            can_rate: access::worker_may_rate(c),
            mediation_ends_on: arbitration::case_mediation_ends_on(r.kind, r.opened_at),
            referral: match (&r.arbitration_commission, r.referred_on) {
                (Some(commission), Some(referred_on)) => Some(Referral {
                    commission: commission.clone(),
                    referred_on,
                    apply_by: arbitration::apply_by(r.opened_at.cst_date()),
                }),
                _ => None,
            },
            timeline,
            bookings: Vec::new(),
            mediation: None,
            joined: None,
        }
    }
}
