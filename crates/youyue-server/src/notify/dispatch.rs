//! The dispatcher: each waiting event becomes its notices. Who is told follows from the
//! event's kinds (`NoticeKind::audiences`), resolved to people here; by which channels from
//! what each person left (the bell always; e-mail and SMS where they gave an address, the
//! channel is configured and they did not turn the kind off); in which words from
//! `notice::message` alone, so no case content can reach a notice.

use super::Outbox;
use crate::error::ApiError;
use std::collections::BTreeMap;
use youyue_domain::notice::{
    kinds_of_entry, message, reach_of, About, Audience, NoticeChannel, NoticeKind, QuietHours, Reach, CODE_SLOT,
};
use youyue_domain::{Role, Timestamp};
use youyue_store::{Appointment, NewNotice, NoticeEvent, Store, StoredCase, User};

/// Events dispatched a round.
const BATCH: i64 = 100;

/// Dispatches every waiting event, a batch at a time; returns how many notices it wrote.
/// An event whose notices cannot be worked out (a read failed) is logged and left for the
/// next round, so that it holds up no other.
pub async fn dispatch_waiting(outbox: &Outbox) -> Result<usize, ApiError> {
    let mut written = 0;
    loop {
        let events = outbox.store.waiting_notice_events(BATCH).await?;
        let full = events.len() as i64 == BATCH;
        let mut done = 0;
        for event in events {
            let now = Timestamp::now();
            let notices = match notices_of(outbox, &event, now).await {
                Ok(notices) => notices,
                Err(e @ ApiError::Unavailable(_)) => return Err(e),
                Err(e) => {
                    tracing::warn!(event = event.id, error = %e, "a notice event could not be dispatched; left waiting");
                    continue;
                }
            };
            if outbox.store.dispatch_notice_event(event.id, &notices, now).await? {
                written += notices.len();
                done += 1;
            }
        }
        // Another dispatcher holds what is left (PostgreSQL): its work, not ours.
        if !full || done == 0 {
            return Ok(written);
        }
    }
}

/// The kinds of notice an event gives rise to.
pub fn kinds_of(event: &NoticeEvent) -> Vec<NoticeKind> {
    match (event.kind, &event.entry) {
        (Some(kind), _) => vec![kind],
        (None, Some((action, detail))) => kinds_of_entry(action, detail, &event.case.record),
        (None, None) => Vec::new(),
    }
}

/// The notices of one event, as of `now`.
pub async fn notices_of(outbox: &Outbox, event: &NoticeEvent, now: Timestamp) -> Result<Vec<NewNotice>, ApiError> {
    let store = outbox.store.as_ref();
    let case = &event.case;
    let detail = event.entry.as_ref().map(|(_, d)| d);
    let appointment_id =
        event.appointment_id.or_else(|| detail.and_then(|d| d.get("appointment")).and_then(|a| a.as_i64()));
    let appointment = match appointment_id {
        Some(id) => store.appointment(id).await?,
        None => None,
    };
    let number = case.record.number.to_string();
    let mut out = Vec::new();
    let mut people = People::default();
    for kind in kinds_of(event) {
        let when = when_of(kind, case, detail, appointment.as_ref());
        let place = appointment.as_ref().map(|a| {
            if a.record.online && a.record.place.trim().is_empty() {
                "线上".to_owned()
            } else {
                a.record.place.clone()
            }
        });
        let staff_link = outbox.public_url.as_deref().map(|u| format!("{u}/cases/{number}")).unwrap_or_default();
        let about = About {
            number: &number,
            case_kind: Some(case.record.kind),
            when,
            place: place.as_deref(),
            tracking_code: None,
            link: &staff_link,
        };
        let mut told: BTreeMap<i64, User> = BTreeMap::new();
        let (mut group, mut worker) = (false, false);
        for audience in kind.audiences(case.record.kind) {
            match audience {
                Audience::Receptionists => {
                    for u in people.staff(store, case.union_id).await? {
                        if u.role == Role::Receptionist {
                            told.insert(u.id, u);
                        }
                    }
                }
                Audience::Chair | Audience::UnionBelow => {
                    for u in people.staff(store, case.union_id).await? {
                        if u.role == Role::Chair {
                            told.insert(u.id, u);
                        }
                    }
                }
                Audience::OnDuty => {
                    for u in on_duty(store, case, now).await? {
                        told.insert(u.id, u);
                    }
                }
                Audience::Handler => {
                    if let Some(u) = people.active(store, case.handler_id).await? {
                        told.insert(u.id, u);
                    }
                }
                Audience::Specialist => {
                    if let Some(u) = people.active(store, appointment.as_ref().map(|a| a.specialist_id)).await? {
                        told.insert(u.id, u);
                    }
                }
                Audience::Worker => worker = true,
                Audience::Group => group = true,
            }
        }
        let words = message(kind, &about, false);
        for u in told.values() {
            // A worker's own account hears of its case as the worker does, never as staff;
            // nobody is told of what they did themselves.
            if u.role == Role::Worker || event.actor.as_deref() == Some(u.username.as_str()) {
                continue;
            }
            out.push(notice(case, kind, NoticeChannel::App, Some(u.id), &u.username, &words, now));
            let wanted = !u.notices_off.contains(&kind);
            if let Some(email) = u.email.as_deref().filter(|_| wanted && outbox.transports.has(NoticeChannel::Email)) {
                out.push(notice(case, kind, NoticeChannel::Email, Some(u.id), email, &words, now));
            }
            if let Some(phone) = u.phone.as_deref().filter(|_| wanted && outbox.transports.has(NoticeChannel::Sms)) {
                out.push(notice(case, kind, NoticeChannel::Sms, Some(u.id), phone, &words, now));
            }
        }
        if group && outbox.transports.has(NoticeChannel::Wecom) && store.union_webhook(case.union_id).await?.is_some() {
            let mut n = notice(case, kind, NoticeChannel::Wecom, None, "", &words, now);
            n.union_id = Some(case.union_id);
            n.mentions = mentions(store, &mut people, case).await?;
            out.push(n);
        }
        if worker {
            out.extend(worker_notices(outbox, &mut people, event, kind, &about, now).await?);
        }
    }
    Ok(out)
}

/// The notices to the worker: by the contact they left, only if they agreed and the case
/// still holds it (anonymising removes both); and the bell of their own account, if they
/// raised the case with one.
async fn worker_notices(
    outbox: &Outbox,
    people: &mut People,
    event: &NoticeEvent,
    kind: NoticeKind,
    staff_about: &About<'_>,
    now: Timestamp,
) -> Result<Vec<NewNotice>, ApiError> {
    let case = &event.case;
    let track = outbox.public_url.as_deref().map(|u| format!("{u}/track")).unwrap_or_default();
    // The receipt's code is kept beside its words, never in them (`CODE_SLOT`).
    let code = (kind == NoticeKind::Registered).then_some(event.payload.clone()).flatten();
    // A receipt without its code (anonymised before it went) has nothing to say.
    if kind == NoticeKind::Registered && code.is_none() {
        return Ok(Vec::new());
    }
    let about = About { link: &track, tracking_code: code.as_ref().map(|_| CODE_SLOT), ..staff_about.clone() };
    let words = message(kind, &about, true);
    let mut out = Vec::new();
    if event.worker_agreed {
        match case.record.contact.as_deref().and_then(reach_of) {
            Some(Reach::Email(address)) if outbox.transports.has(NoticeChannel::Email) => {
                let mut n = notice(case, kind, NoticeChannel::Email, None, &address, &words, now);
                n.secret = code.clone();
                out.push(n);
            }
            Some(Reach::Phone(phone)) if outbox.transports.has(NoticeChannel::Sms) => {
                let mut n = notice(case, kind, NoticeChannel::Sms, None, &phone, &words, now);
                n.secret = code.clone();
                // No SMS wakes a worker at night, unless it cannot wait.
                if kind.waits_for_quiet_hours(case.record.urgency == Some(youyue_domain::Urgency::Urgent)) {
                    let quiet = quiet_hours(outbox.store.as_ref(), case).await?;
                    n.next_at = quiet.release_at(now).unwrap_or(now);
                }
                out.push(n);
            }
            _ => {}
        }
    }
    // The receipt's code is for the worker's contact only; their account has the case.
    if kind != NoticeKind::Registered {
        if let Some(u) = people.active(outbox.store.as_ref(), case.worker_user_id).await? {
            out.push(notice(case, kind, NoticeChannel::App, Some(u.id), &u.username, &words, now));
        }
    }
    Ok(out)
}

/// The time a notice of `kind` names: an appointment's start (as the entry states it, for
/// a change), or a deadline's day.
fn when_of(
    kind: NoticeKind,
    case: &StoredCase,
    detail: Option<&serde_json::Value>,
    appointment: Option<&Appointment>,
) -> Option<Timestamp> {
    match kind {
        NoticeKind::DueTomorrow | NoticeKind::Overdue => case.record.due_on.map(Timestamp::start_of_cst_day),
        _ => detail
            .and_then(|d| d.get("starts_at"))
            .and_then(|s| serde_json::from_value::<Timestamp>(s.clone()).ok())
            .or_else(|| appointment.map(|a| a.record.starts_at)),
    }
}

fn notice(
    case: &StoredCase,
    kind: NoticeKind,
    channel: NoticeChannel,
    user_id: Option<i64>,
    address: &str,
    words: &youyue_domain::notice::Message,
    now: Timestamp,
) -> NewNotice {
    NewNotice {
        case_id: case.id,
        kind,
        channel,
        user_id,
        union_id: None,
        address: address.to_owned(),
        mentions: Vec::new(),
        subject: words.subject.clone(),
        body: words.text.clone(),
        next_at: now,
        secret: None,
    }
}

/// Whom a group message @mentions: the case's handler, or else the union's chair, by the
/// mobile number on their account.
async fn mentions(store: &dyn Store, people: &mut People, case: &StoredCase) -> Result<Vec<String>, ApiError> {
    if let Some(phone) = people.active(store, case.handler_id).await?.and_then(|u| u.phone) {
        return Ok(vec![phone]);
    }
    Ok(people
        .staff(store, case.union_id)
        .await?
        .into_iter()
        .filter(|u| u.role == Role::Chair)
        .filter_map(|u| u.phone)
        .collect())
}

/// The active staff on duty at the case's union now, where a roster serves it (a shift
/// that began yesterday and runs on counts).
async fn on_duty(store: &dyn Store, case: &StoredCase, now: Timestamp) -> Result<Vec<User>, ApiError> {
    let Some(union) = store.union_by_id(case.union_id).await? else { return Ok(Vec::new()) };
    let today = now.cst_date();
    let yesterday = today.pred_opt().unwrap_or(today);
    let shifts = crate::service::roster::shifts_serving(store, &union, yesterday, today).await?;
    let mut out = Vec::new();
    for s in shifts.into_iter().filter(|s| s.starts_at <= now && now < s.ends_at) {
        if let Some(u) = store.user_by_username(&s.user).await?.filter(|u| u.active) {
            out.push(u);
        }
    }
    Ok(out)
}

/// The quiet hours of SMS to workers of the case's district (`service::notices::quiet_hours`).
pub async fn quiet_hours(store: &dyn Store, case: &StoredCase) -> Result<QuietHours, ApiError> {
    let Some(union) = store.union_by_id(case.union_id).await? else { return Ok(QuietHours::default()) };
    let root = if union.root_id == union.id { Some(union) } else { store.union_by_id(union.root_id).await? };
    match root {
        Some(root) => crate::service::notices::quiet_hours(store, root.code().as_str()).await,
        None => Ok(QuietHours::default()),
    }
}

/// Accounts read once per event.
#[derive(Default)]
struct People {
    by_id: BTreeMap<i64, Option<User>>,
    staff: BTreeMap<i64, Vec<User>>,
}

impl People {
    async fn active(&mut self, store: &dyn Store, id: Option<i64>) -> Result<Option<User>, ApiError> {
        let Some(id) = id else { return Ok(None) };
        if let Some(known) = self.by_id.get(&id) {
            return Ok(known.clone());
        }
        let user = store.user_by_id(id).await?.filter(|u| u.active);
        self.by_id.insert(id, user.clone());
        Ok(user)
    }

    async fn staff(&mut self, store: &dyn Store, union_id: i64) -> Result<Vec<User>, ApiError> {
        if let Some(known) = self.staff.get(&union_id) {
            return Ok(known.clone());
        }
        let staff = store.union_staff(union_id).await?;
        self.staff.insert(union_id, staff.clone());
        Ok(staff)
    }
}
