//! What a case is raised with, as the API and the pages both take it: the worker's words
//! (`CaseInput`), staff's registration (`RegisterInput`), and the checks that make a draft.

use crate::error::ApiError;
use serde::Deserialize;
use utoipa::ToSchema;
use youyue_domain::case::{check_people, check_text, Channel, Kind};
use youyue_domain::case::{MAX_SHORT_CHARS, MAX_TEXT_CHARS, MAX_TITLE_CHARS};
use youyue_domain::Timestamp;
use youyue_store::{CaseDraft, Union};

/// What a worker (or staff on their behalf) says when raising a case.
#[derive(Deserialize, serde::Serialize, ToSchema, Clone)]
#[serde(deny_unknown_fields)]
pub struct CaseInput {
    /// The union (studio) the case is raised with, e.g. "jd.s1.e7".
    pub union: String,
    pub kind: Kind,
    /// A short title; by default the start of the description.
    #[serde(default)]
    pub title: Option<String>,
    pub description: String,
    /// 集体: the case concerns several workers.
    #[serde(default)]
    pub collective: bool,
    /// How many workers it concerns (default 1).
    #[serde(default)]
    pub people: Option<i64>,
    /// The worker's identity is withheld from the enterprise's own staff.
    #[serde(default)]
    pub anonymous: bool,
    #[serde(default)]
    pub worker_name: Option<String>,
    /// A phone number or other way to reach the worker.
    #[serde(default)]
    pub contact: Option<String>,
    /// The worker agrees to be told of the case's progress (its number and tracking code,
    /// appointments, "it has an answer"; never its content) by SMS or e-mail: needs a
    /// `contact` that is a mainland mobile number or an e-mail address.
    #[serde(default, skip_serializing_if = "is_false")]
    pub notify: bool,
}

/// Left out of a request's hash when false, so that an idempotency key stored before the
/// field existed still matches its retry.
fn is_false(b: &bool) -> bool {
    !*b
}

impl CaseInput {
    /// Every text in Unicode NFC (`youyue_domain::case::nfc`).
    fn normalized(&self) -> CaseInput {
        use youyue_domain::case::nfc;
        CaseInput {
            title: self.title.as_deref().map(nfc),
            description: nfc(&self.description),
            worker_name: self.worker_name.as_deref().map(nfc),
            contact: self.contact.as_deref().map(nfc),
            ..self.clone()
        }
    }
}

/// A case registered by staff: it came by hotline, mailbox, reception day or forum.
#[derive(Deserialize, serde::Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RegisterInput {
    pub union: String,
    pub kind: Kind,
    #[serde(default)]
    pub title: Option<String>,
    pub description: String,
    #[serde(default)]
    pub collective: bool,
    #[serde(default)]
    pub people: Option<i64>,
    #[serde(default)]
    pub anonymous: bool,
    #[serde(default)]
    pub worker_name: Option<String>,
    #[serde(default)]
    pub contact: Option<String>,
    /// The worker agreed to be told by SMS or e-mail (see `CaseInput::notify`); with it the
    /// worker is sent the case's number and tracking code.
    #[serde(default, skip_serializing_if = "is_false")]
    pub notify: bool,
    pub channel: Channel,
    /// 线上: the conversation happens online.
    #[serde(default)]
    pub online: bool,
    /// 定期: raised at a scheduled reception day rather than ad hoc.
    #[serde(default)]
    pub scheduled: bool,
    /// 及时约办: to be handled at once.
    #[serde(default)]
    pub immediate: bool,
    /// When the worker raised it (RFC 3339); default now. Not in the future.
    #[serde(default)]
    pub opened_at: Option<String>,
}

impl RegisterInput {
    pub fn case_input(&self) -> CaseInput {
        CaseInput {
            union: self.union.clone(),
            kind: self.kind,
            title: self.title.clone(),
            description: self.description.clone(),
            collective: self.collective,
            people: self.people,
            anonymous: self.anonymous,
            worker_name: self.worker_name.clone(),
            contact: self.contact.clone(),
            notify: self.notify,
        }
    }
}

fn opt_text(field: &'static str, v: &Option<String>, max: usize) -> Result<Option<String>, ApiError> {
    match v.as_deref().map(str::trim) {
        Some("") | None => Ok(None),
        Some(s) => {
            check_text(field, s, max, false)?;
            Ok(Some(s.to_owned()))
        }
    }
}

/// The title a case gets when none was given: the description's first line, shortened
/// for lists (the description itself is kept whole).
fn default_title(description: &str) -> String {
    let first = description.lines().map(str::trim).find(|l| !l.is_empty()).unwrap_or_default();
    let mut t: String = first.chars().take(30).collect();
    if first.chars().count() > 30 {
        t.push('…');
    }
    t
}

/// Checks what the worker wrote and makes the draft of a new case.
pub fn draft(input: &CaseInput, union: &Union, channel: Channel, opened_at: Timestamp) -> Result<CaseDraft, ApiError> {
    let input = &input.normalized();
    check_text("description", &input.description, MAX_TEXT_CHARS, true)?;
    let title = match opt_text("title", &input.title, MAX_TITLE_CHARS)? {
        Some(t) => t,
        None => default_title(&input.description),
    };
    let people = input.people.unwrap_or(if input.collective { 0 } else { 1 });
    if input.collective && input.people.is_none() {
        return Err(ApiError::invalid("people", "say how many workers a collective case concerns"));
    }
    check_people(input.collective, people)?;
    let contact = opt_text("contact", &input.contact, MAX_SHORT_CHARS)?;
    // A consent is kept only with an address a notice can go to.
    if input.notify && contact.as_deref().and_then(youyue_domain::notice::reach_of).is_none() {
        return Err(ApiError::invalid(
            "contact",
            "must be a mainland mobile number or an e-mail address for the worker to be told of the case",
        ));
    }
    Ok(CaseDraft {
        union_id: union.id,
        kind: input.kind,
        channel,
        collective: input.collective,
        online: channel == Channel::Online,
        scheduled: false,
        immediate: false,
        people,
        title,
        description: input.description.trim_end().to_owned(),
        anonymous: input.anonymous,
        worker_name: opt_text("worker_name", &input.worker_name, MAX_SHORT_CHARS)?,
        contact,
        worker_user_id: None,
        tracking_code_hash: None,
        notify_worker: input.notify,
        receipt_code: None,
        idempotency: None,
        opened_at,
    })
}

/// A period from two 'YYYY-MM-DD' query values (a drill-down's, the figures'): both
/// required, each named when wrong.
pub fn figure_period(from: Option<&str>, to: Option<&str>) -> Result<youyue_domain::Period, ApiError> {
    let day = |field: &'static str, v: Option<&str>| {
        let v = v.ok_or_else(|| ApiError::invalid(field, "give the period of the figure"))?;
        youyue_domain::time::parse_date(v).map_err(|e| ApiError::invalid(field, e.to_string()))
    };
    youyue_domain::Period::new(day("from", from)?, day("to", to)?).map_err(|e| ApiError::invalid("to", e.to_string()))
}
