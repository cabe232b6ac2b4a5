//! The worker's pages, without an account, phone first: a studio's page to raise a case,
//! the tracking page to follow and rate it, and the studio's QR code for its sign.

use super::Form;
use super::{render, Ctx, Errors, PageResult};
use crate::error::ApiError;
use crate::service::{self, CaseInput};
use crate::AppState;
use askama::Template;
use axum::extract::{ConnectInfo, Path, Query, State};
use axum::http::{header, HeaderMap};
use axum::response::IntoResponse;
use serde::Deserialize;
use std::net::SocketAddr;
use youyue_domain::studio::BulletinRecord;
use youyue_domain::{Kind, Money, Timestamp};
use youyue_store::Union;

#[derive(Template)]
#[template(path = "home.html")]
struct HomePage {
    ctx: Ctx,
    studios: Vec<Union>,
}

pub async fn home(ctx: Ctx, State(state): State<AppState>) -> PageResult {
    if ctx.is_staff() {
        return Ok(axum::response::Redirect::to("/inbox").into_response());
    }
    // Studios are public: their names hang on signs at the workplace.
    let mut studios = Vec::new();
    let roots = state.store.top_level_unions().await?;
    for r in roots {
        let all = state.store.subtree(&r).await?;
        studios.extend(all.into_iter().filter(|u| u.record.studio_opened_on.is_some()));
    }
    Ok(render(&HomePage { ctx, studios }))
}

/// The four kinds in the worker's words: value, label, hint.
pub struct KindChoice {
    pub value: &'static str,
    pub label: &'static str,
    pub hint: &'static str,
}

pub fn kind_choices(ctx: &Ctx) -> Vec<KindChoice> {
    Kind::ALL
        .iter()
        .map(|k| {
            let (label, hint) = match k {
                Kind::Claim => ("kind_claim", "kind_claim_hint"),
                Kind::Dispute => ("kind_dispute", "kind_dispute_hint"),
                Kind::Wellbeing => ("kind_wellbeing", "kind_wellbeing_hint"),
                Kind::Suggestion => ("kind_suggestion", "kind_suggestion_hint"),
            };
            KindChoice { value: k.as_str(), label: ctx.lang.t(label), hint: ctx.lang.t(hint) }
        })
        .collect()
}

/// What the worker typed, kept as typed so that a refused form comes back filled in.
#[derive(Deserialize, Default)]
pub struct CaseForm {
    #[serde(default)]
    pub csrf: String,
    #[serde(default)]
    pub kind: String,
    #[serde(default)]
    pub title: String,
    #[serde(default)]
    pub description: String,
    #[serde(default)]
    pub collective: Option<String>,
    #[serde(default)]
    pub people: String,
    #[serde(default)]
    pub anonymous: Option<String>,
    #[serde(default)]
    pub worker_name: String,
    #[serde(default)]
    pub contact: String,
    /// The worker agrees to be told of the case's progress by SMS or e-mail.
    #[serde(default)]
    pub notify: Option<String>,
    /// Made when the form is shown: sending the same form twice (a double tap, a retry
    /// after the network dropped) makes one case, not two.
    #[serde(default)]
    pub idempotency_key: String,
}

impl CaseForm {
    /// The form's idempotency key, if it came with one.
    pub fn key(&self) -> Option<&str> {
        Some(self.idempotency_key.as_str()).filter(|k| !k.is_empty())
    }

    /// Every field's problem at once, so that the worker fixes them in one go. The
    /// service checks again; this only gathers the messages.
    pub fn problems(&self, lang: super::Lang) -> Errors {
        use youyue_domain::case::{check_people, check_text, MAX_SHORT_CHARS, MAX_TEXT_CHARS, MAX_TITLE_CHARS};
        let mut all = Errors::default();
        let mut add = |r: Result<(), ApiError>| {
            if let Err(e) = r {
                all.0.extend(Errors::from_api(lang, &e).0);
            }
        };
        add(Kind::parse(&self.kind).map(|_| ()).ok_or_else(|| ApiError::invalid("kind", "choose what it is about")));
        add(check_text("description", &self.description, MAX_TEXT_CHARS, true).map_err(Into::into));
        add(check_text("title", &self.title, MAX_TITLE_CHARS, false).map_err(Into::into));
        add(check_text("worker_name", &self.worker_name, MAX_SHORT_CHARS, false).map_err(Into::into));
        add(check_text("contact", &self.contact, MAX_SHORT_CHARS, false).map_err(Into::into));
        if self.notify.is_some() && youyue_domain::notice::reach_of(&self.contact).is_none() {
            add(Err(ApiError::invalid("contact", "must be a mainland mobile number or an e-mail address")));
        }
        let people = self.people.trim();
        if !people.is_empty() || self.collective.is_some() {
            add(match people.parse::<i64>() {
                Ok(n) => check_people(self.collective.is_some(), n).map_err(Into::into),
                Err(_) => Err(ApiError::invalid("people", "must be a whole number")),
            });
        }
        all
    }

    pub fn to_input(&self, union: &str) -> Result<CaseInput, ApiError> {
        let kind = Kind::parse(&self.kind).ok_or_else(|| ApiError::invalid("kind", "choose what it is about"))?;
        let people = match self.people.trim() {
            "" => None,
            p => Some(p.parse::<i64>().map_err(|_| ApiError::invalid("people", "must be a whole number"))?),
        };
        let some = |s: &str| Some(s.trim().to_owned()).filter(|s| !s.is_empty());
        Ok(CaseInput {
            union: union.to_owned(),
            kind,
            title: some(&self.title),
            description: self.description.clone(),
            collective: self.collective.is_some(),
            people,
            anonymous: self.anonymous.is_some(),
            worker_name: some(&self.worker_name),
            contact: some(&self.contact),
            notify: self.notify.is_some(),
        })
    }
}

#[derive(Template)]
#[template(path = "studio.html")]
struct StudioPage {
    ctx: Ctx,
    union: Union,
    kinds: Vec<KindChoice>,
    form: CaseForm,
    errors: Errors,
    bulletins: Vec<BulletinRecord>,
    /// Who is on duty this week (本周值班).
    duty: Vec<super::roster::DutyDay>,
}

/// The union of a studio's page, form and QR code: one with a studio, by the same rule as
/// the API's submissions (`access::studio_for_workers`).
async fn studio_union(state: &AppState, code: &str) -> Result<Union, super::PageError> {
    let found = crate::access::studio_for_workers(state.store.as_ref(), code).await?;
    Ok(found.ok_or_else(|| ApiError::not_found(format!("no studio \"{code}\"")))?)
}

/// Any union by its code, for the appraisal pages: workers rate their union whether or not
/// it has a studio (as `POST /api/v1/public/unions/{code}/votes` lets them).
async fn voted_union(state: &AppState, code: &str) -> Result<Union, super::PageError> {
    let not_found = || ApiError::not_found(format!("no union \"{code}\""));
    let c: youyue_domain::UnionCode = code.parse().map_err(|_| not_found())?;
    Ok(state.store.union_by_code(&c).await?.ok_or_else(not_found)?)
}

async fn studio_page(ctx: Ctx, state: &AppState, union: Union, form: CaseForm, errors: Errors) -> PageResult {
    let bulletins = state.store.bulletins(union.id, 10).await?;
    let kinds = kind_choices(&ctx);
    let duty = super::roster::week_on_duty(state, ctx.lang, &union).await?;
    let status =
        if errors.is_empty() { axum::http::StatusCode::OK } else { axum::http::StatusCode::UNPROCESSABLE_ENTITY };
    Ok((status, render(&StudioPage { ctx, union, kinds, form, errors, bulletins, duty })).into_response())
}

#[derive(Template)]
#[template(path = "studios_below.html")]
struct StudiosBelowPage {
    ctx: Ctx,
    union: Union,
    /// The studios below the union, or (when there are too many to list) its direct
    /// children, each linking to its own page, which lists again.
    studios: Vec<Union>,
    hint: String,
}

/// The most studios a union's page lists; past it, the unions directly below are listed.
const STUDIOS_LISTED: usize = 200;

pub async fn studio(ctx: Ctx, State(state): State<AppState>, Path(code): Path<String>) -> PageResult {
    let Some(union) = crate::access::studio_for_workers(state.store.as_ref(), &code).await? else {
        // A union without a studio takes no cases here: send the worker to the studios
        // below it (a district's page, a QR code printed before the studio closed).
        let union = voted_union(&state, &code).await?;
        let below = state.store.subtree(&union).await?;
        let mut studios: Vec<Union> =
            below.iter().filter(|u| u.id != union.id && u.record.studio_opened_on.is_some()).cloned().collect();
        if studios.len() > STUDIOS_LISTED {
            studios = below.into_iter().filter(|u| u.depth == union.depth + 1).collect();
        }
        studios.sort_by(|a, b| a.record.name.cmp(&b.record.name));
        let hint = ctx.t("studios_below_hint").replace("{name}", &union.record.name);
        return Ok(render(&StudiosBelowPage { ctx, union, studios, hint }));
    };
    let form = CaseForm { people: "1".into(), idempotency_key: crate::auth::random_token(), ..CaseForm::default() };
    studio_page(ctx, &state, union, form, Errors::default()).await
}

/// A form whose CSRF token does not match (the cookie was lost: a chat app's in-app
/// browser drops cookies): nothing is done, and the page comes back with what was typed, a
/// fresh token (the cookie is set again with this answer) and a message by the button.
fn csrf_lost(ctx: &Ctx, given: &str) -> Option<Errors> {
    ctx.check_csrf(given)
        .err()
        .map(|_| Errors(std::collections::HashMap::from([("csrf".to_owned(), ctx.t("csrf_kept").to_owned())])))
}

#[derive(Template)]
#[template(path = "submitted.html")]
struct SubmittedPage {
    ctx: Ctx,
    union: Union,
    number: String,
    code: String,
}

pub async fn submit(
    ctx: Ctx,
    State(state): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    Path(code): Path<String>,
    Form(form): Form<CaseForm>,
) -> PageResult {
    let union = studio_union(&state, &code).await?;
    if let Some(lost) = csrf_lost(&ctx, &form.csrf) {
        return studio_page(ctx, &state, union, form, lost).await;
    }
    let problems = form.problems(ctx.lang);
    if !problems.is_empty() {
        return studio_page(ctx, &state, union, form, problems).await;
    }
    let result = match form.to_input(union.record.code.as_str()) {
        Ok(input) => service::submit_public(&state, &input, peer.ip(), form.key()).await,
        Err(e) => Err(e),
    };
    match result {
        Ok(made) => {
            let page =
                SubmittedPage { ctx, union, number: made.case.record.number.to_string(), code: made.tracking_code };
            // The code is shown once: keep the page out of caches.
            Ok(([(header::CACHE_CONTROL, "no-store")], render(&page)).into_response())
        }
        Err(e @ (ApiError::Invalid { .. } | ApiError::BadRequest { .. } | ApiError::TooManyRequests)) => {
            let errors = Errors::from_api(ctx.lang, &e);
            studio_page(ctx, &state, union, form, errors).await
        }
        Err(e) => Err(e.into()),
    }
}

/// The address workers reach this site at, for a printed slip, a QR code or a sign: the
/// configured public URL, or else the address this request came to (`serve` warns at start
/// when no public URL is set).
pub fn site_base(state: &AppState, headers: &HeaderMap) -> String {
    let host = headers.get(header::HOST).and_then(|h| h.to_str().ok()).unwrap_or("127.0.0.1:8080");
    match &state.public_url {
        Some(u) => u.trim_end_matches('/').to_owned(),
        None => format!("{}://{host}", if state.secure_cookies { "https" } else { "http" }),
    }
}

/// The address of a studio's page that its QR code and sign carry.
fn studio_url(state: &AppState, headers: &HeaderMap, union: &Union) -> String {
    format!("{}/s/{}", site_base(state, headers), union.record.code)
}

/// `&`, `<`, `>` and `"` as XML entities: a union's name goes into the SVG's text.
fn xml_escape(s: &str) -> String {
    s.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;")
}

/// The QR code of `url` with its caption under it (the studio's name and the address, so
/// that a worker who cannot scan can type it), as one SVG.
fn captioned_qr(name: &str, url: &str) -> Result<String, ApiError> {
    let code = qrcode::QrCode::new(url.as_bytes()).map_err(|e| ApiError::internal_in("the QR code", e))?;
    let n = code.width();
    let colors = code.to_colors();
    // Units of one module; a quiet zone of four modules around the code.
    let quiet = 4;
    let side = n + 2 * quiet;
    let mut path = String::new();
    for (i, c) in colors.iter().enumerate() {
        if *c == qrcode::Color::Dark {
            path.push_str(&format!("M{} {}h1v1h-1z", i % n + quiet, i / n + quiet));
        }
    }
    // The caption: the name, then the address, each sized to the code's width (a CJK glyph
    // is one em wide, a monospace one about 0.6); one that would still be wider is
    // squeezed to fit (`textLength`), never cut at the edge.
    let width = side as f64;
    let fit = |chars: usize, em: f64, size: f64| {
        let wide = chars as f64 * em * size;
        if wide > width * 0.94 {
            format!(r#" textLength="{:.2}" lengthAdjust="spacingAndGlyphs""#, width * 0.94)
        } else {
            String::new()
        }
    };
    let (name_chars, url_chars) = (name.chars().count().max(1), url.chars().count().max(1));
    let name_size = (width * 0.9 / name_chars as f64).clamp(1.5, 3.0);
    let url_size = (width * 0.94 / (url_chars as f64 * 0.6)).clamp(1.0, 2.0);
    let (name_fit, url_fit) = (fit(name_chars, 1.0, name_size), fit(url_chars, 0.6, url_size));
    let name_y = width + name_size;
    let url_y = name_y + url_size * 1.6;
    let height = url_y + url_size * 0.8 + 1.0;
    let (name, url) = (xml_escape(name), xml_escape(url));
    Ok(format!(
        r##"<?xml version="1.0" encoding="UTF-8"?>
<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height:.2}" width="{w_px}" height="{h_px:.0}" role="img" aria-label="{name}">
<rect width="100%" height="100%" fill="#fff"/>
<path d="{path}" fill="#000" shape-rendering="crispEdges"/>
<text x="{mid}" y="{name_y:.2}" font-size="{name_size:.2}" font-family="sans-serif" font-weight="bold" text-anchor="middle"{name_fit}>{name}</text>
<text x="{mid}" y="{url_y:.2}" font-size="{url_size:.2}" font-family="monospace" text-anchor="middle"{url_fit}>{url}</text>
</svg>
"##,
        w_px = side * 8,
        h_px = height * 8.0,
        mid = width / 2.0,
    ))
}

/// The studio's QR code, as SVG, pointing at its page on this site, with the studio's name
/// and the address under it.
pub async fn qr(State(state): State<AppState>, Path(code): Path<String>, headers: HeaderMap) -> PageResult {
    let union = studio_union(&state, &code).await?;
    let svg = captioned_qr(&union.record.name, &studio_url(&state, &headers, &union))?;
    Ok(([(header::CONTENT_TYPE, "image/svg+xml")], svg).into_response())
}

#[derive(Template)]
#[template(path = "sign.html")]
struct SignPage {
    ctx: Ctx,
    union: Union,
    url: String,
}

/// The studio's sign, to print on A5: its name, the QR code and the address.
pub async fn sign(ctx: Ctx, State(state): State<AppState>, Path(code): Path<String>, headers: HeaderMap) -> PageResult {
    let union = studio_union(&state, &code).await?;
    let url = studio_url(&state, &headers, &union);
    Ok(render(&SignPage { ctx, union, url }))
}

#[derive(Template)]
#[template(path = "track.html")]
struct TrackPage {
    ctx: Ctx,
    number: String,
    code: String,
    /// The rating and comment as typed, kept when the rating is refused.
    rating: String,
    comment: String,
    errors: Errors,
    case: Option<service::Tracked>,
    notice: Option<String>,
    /// Free slots the worker may book (none while an appointment is booked).
    slots: Vec<youyue_domain::appointment::Slot>,
    /// Free slots of the booked appointment's specialist, to move it to.
    moves: Vec<youyue_domain::appointment::Slot>,
    /// The reason as typed, kept when a change is refused, and the form it was typed in.
    reason: String,
    op: String,
}

impl TrackPage {
    fn specialty(&self, s: &str) -> String {
        self.ctx.lang.specialty(s)
    }
    fn span(&self, from: &Timestamp, to: &Timestamp) -> String {
        self.ctx.lang.span(*from, *to)
    }
    fn appt_status(&self, s: &youyue_domain::appointment::AppointmentStatus) -> &'static str {
        self.ctx.lang.appointment_status(*s)
    }
    /// The value a slot's option carries: the specialist and the start.
    fn slot_value(&self, s: &youyue_domain::appointment::Slot) -> String {
        s.form_value()
    }
    /// Whether an appointment can still be moved or cancelled by the worker.
    fn changeable(&self, a: &youyue_store::Appointment) -> bool {
        a.record.may_change(Timestamp::now())
    }
    fn kind_label(&self, k: &Kind) -> &'static str {
        self.ctx.lang.kind(*k)
    }
    fn status_label(&self, s: &youyue_domain::Status) -> &'static str {
        self.ctx.lang.status(*s)
    }
    fn when(&self, t: &Timestamp) -> String {
        self.ctx.lang.datetime(*t)
    }
    fn money(&self, m: &Money) -> String {
        self.ctx.lang.money(*m)
    }
    fn day(&self, d: &chrono::NaiveDate) -> String {
        self.ctx.lang.date(*d)
    }
    fn step(&self, action: &str) -> String {
        self.ctx.lang.action(action)
    }
    /// A step's words, an appointment's time in words (not as stored).
    fn step_message(&self, s: &service::Step) -> Option<String> {
        s.appointment.as_ref().map(|a| self.ctx.lang.appointment(a)).or_else(|| s.message.clone())
    }
    fn rating_label(&self, r: &i64) -> &'static str {
        self.ctx.lang.rating(*r)
    }
}

#[derive(Deserialize, Default)]
pub struct TrackForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    number: String,
    #[serde(default)]
    code: String,
    #[serde(default)]
    rating: String,
    #[serde(default)]
    comment: String,
    /// An appointment form's: what to do (book, reschedule, cancel), which appointment,
    /// the chosen slot (`username|start`) and the reason.
    #[serde(default)]
    op: String,
    #[serde(default)]
    appointment: String,
    #[serde(default)]
    slot: String,
    #[serde(default)]
    reason: String,
}

/// The slots /track offers: to book, when the case is open and holds no booked
/// appointment; to move to, of the booked appointment's specialist.
async fn offered_slots(
    state: &AppState,
    case: &youyue_store::StoredCase,
    t: &service::Tracked,
) -> Result<(Vec<youyue_domain::appointment::Slot>, Vec<youyue_domain::appointment::Slot>), ApiError> {
    let now = Timestamp::now();
    let (from, to) = (now.cst_date(), now.cst_date() + chrono::Duration::days(service::appointments::DAYS_AHEAD));
    let booked = service::appointments::booked(&t.bookings);
    if let Some(a) = booked.first() {
        let mut all = crate::api::appointments::worker_slots(state, case, from, to, now).await?;
        all.retain(|s| s.user == a.record.specialist && s.specialty == a.record.specialty);
        return Ok((Vec::new(), all));
    }
    if !case.record.status.is_open() {
        return Ok((Vec::new(), Vec::new()));
    }
    Ok((crate::api::appointments::worker_slots(state, case, from, to, now).await?, Vec::new()))
}

/// The chosen slot of a form (`username|start`), or the slot field's error.
fn chosen_slot(slot: &str) -> Result<(String, Timestamp), ApiError> {
    youyue_domain::appointment::Slot::parse_form_value(slot).ok_or_else(|| ApiError::invalid("slot", "missing"))
}

/// The worker books, moves or cancels an appointment from /track, with the case's number
/// and code; the case is shown again with a notice, or with the refusal by its field.
pub async fn appointment(
    ctx: Ctx,
    State(state): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    Form(form): Form<TrackForm>,
) -> PageResult {
    let case = service::case_with_code(&state, peer.ip(), &form.number, &form.code).await;
    if let Some(lost) = csrf_lost(&ctx, &form.csrf) {
        return track_page(ctx, &state, form, case, None, lost).await;
    }
    let c = match case {
        Ok(c) => c,
        Err(e) => return track_page(ctx, &state, form, Err(e), None, Errors::default()).await,
    };
    let done = worker_appointment(&state, &c, &form).await;
    match done {
        Ok(key) => {
            let notice = Some(ctx.t(key).to_owned());
            let form = TrackForm { reason: String::new(), ..form };
            track_page(ctx, &state, form, Ok(c), notice, Errors::default()).await
        }
        Err(
            e @ (ApiError::Invalid { .. } | ApiError::Conflict(_) | ApiError::SlotTaken(_) | ApiError::NotFound(_)),
        ) => {
            let errors = Errors::from_api(ctx.lang, &e);
            track_page(ctx, &state, form, Ok(c), None, errors).await
        }
        Err(e) => Err(e.into()),
    }
}

/// Does what an appointment form asks; the notice's key.
async fn worker_appointment(
    state: &AppState,
    c: &youyue_store::StoredCase,
    form: &TrackForm,
) -> Result<&'static str, ApiError> {
    use service::appointments::{change, of_case, ChangeInput};
    let id = || form.appointment.trim().parse::<i64>().map_err(|_| ApiError::not_found("no such appointment"));
    match form.op.as_str() {
        "book" => {
            let (user, start) = chosen_slot(&form.slot)?;
            crate::api::appointments::worker_book(state, c, user, start, None, String::new()).await?;
            Ok("done_book")
        }
        "reschedule" => {
            let a = of_case(state, c, id()?).await?;
            let (_, start) = chosen_slot(&form.slot)?;
            let input = ChangeInput::Reschedule { starts_at: start, reason: form.reason.trim().to_owned() };
            change(state, c, &a, "worker", None, input).await?;
            Ok("done_reschedule")
        }
        "cancel" => {
            let a = of_case(state, c, id()?).await?;
            change(state, c, &a, "worker", None, ChangeInput::Cancel { reason: form.reason.trim().to_owned() }).await?;
            Ok("done_cancel")
        }
        _ => Err(ApiError::invalid("op", "must be book, reschedule or cancel")),
    }
}

/// The lookup form; `?number=` fills in the case number (the code never travels in a URL,
/// which ends up in logs and histories).
pub async fn track_form(ctx: Ctx, Query(q): Query<std::collections::HashMap<String, String>>) -> PageResult {
    let form = TrackForm { number: q.get("number").cloned().unwrap_or_default(), ..TrackForm::default() };
    lookup_form(ctx, form, Errors::default())
}

/// The lookup form again, with what was typed and `errors` by their fields.
fn lookup_form(ctx: Ctx, form: TrackForm, errors: Errors) -> PageResult {
    let status =
        if errors.is_empty() { axum::http::StatusCode::OK } else { axum::http::StatusCode::UNPROCESSABLE_ENTITY };
    let page = TrackPage {
        ctx,
        number: form.number.trim().to_owned(),
        code: form.code.trim().to_owned(),
        rating: form.rating,
        comment: form.comment,
        errors,
        case: None,
        notice: None,
        slots: Vec::new(),
        moves: Vec::new(),
        reason: String::new(),
        op: String::new(),
    };
    Ok((status, [(header::CACHE_CONTROL, "no-store")], render(&page)).into_response())
}

/// Each of the two fields left empty, asked for by name.
fn empty_lookup_fields(ctx: &Ctx, form: &TrackForm) -> Errors {
    let mut errors = Errors::default();
    if form.number.trim().is_empty() {
        errors.0.insert("number".to_owned(), ctx.t("number_empty").to_owned());
    }
    if form.code.trim().is_empty() {
        errors.0.insert("code".to_owned(), ctx.t("code_empty").to_owned());
    }
    errors
}

async fn track_page(
    ctx: Ctx,
    state: &AppState,
    form: TrackForm,
    result: Result<youyue_store::StoredCase, ApiError>,
    notice: Option<String>,
    extra: Errors,
) -> PageResult {
    let found = result.as_ref().ok().cloned();
    let (case, mut errors) = match result {
        Ok(c) => (Some(service::tracked(state, &c).await?), Errors::default()),
        Err(ApiError::NotFound(_)) => {
            let msg = ctx.t("not_found_code").to_owned();
            (None, Errors(std::collections::HashMap::from([("code".to_owned(), msg)])))
        }
        Err(
            e @ (ApiError::Invalid { .. }
            | ApiError::BadRequest { .. }
            | ApiError::Conflict(_)
            | ApiError::TooManyRequests),
        ) => (None, Errors::from_api(ctx.lang, &e)),
        Err(e) => return Err(e.into()),
    };
    errors.0.extend(extra.0);
    let (slots, moves) = match (&case, &found) {
        (Some(t), Some(c)) => offered_slots(state, c, t).await?,
        _ => (Vec::new(), Vec::new()),
    };
    let status =
        if errors.is_empty() { axum::http::StatusCode::OK } else { axum::http::StatusCode::UNPROCESSABLE_ENTITY };
    let page = TrackPage {
        ctx,
        number: form.number.trim().to_owned(),
        code: form.code.trim().to_owned(),
        rating: form.rating,
        comment: form.comment,
        errors,
        case,
        notice,
        slots,
        moves,
        reason: form.reason,
        op: form.op,
    };
    Ok((status, [(header::CACHE_CONTROL, "no-store")], render(&page)).into_response())
}

pub async fn track(
    ctx: Ctx,
    State(state): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    Form(form): Form<TrackForm>,
) -> PageResult {
    if let Some(lost) = csrf_lost(&ctx, &form.csrf) {
        return lookup_form(ctx, form, lost);
    }
    let empty = empty_lookup_fields(&ctx, &form);
    if !empty.is_empty() {
        return lookup_form(ctx, form, empty);
    }
    let result = service::case_with_code(&state, peer.ip(), &form.number, &form.code).await;
    track_page(ctx, &state, form, result, None, Errors::default()).await
}

pub async fn rate(
    ctx: Ctx,
    State(state): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    Form(form): Form<TrackForm>,
) -> PageResult {
    if let Some(lost) = csrf_lost(&ctx, &form.csrf) {
        // Nothing is rated; the case is shown again (a lookup changes nothing) with the
        // rating and comment as chosen, to send again.
        let case = service::case_with_code(&state, peer.ip(), &form.number, &form.code).await;
        return track_page(ctx, &state, form, case, None, lost).await;
    }
    let rating = form.rating.trim().parse::<i64>().unwrap_or(0);
    let comment = Some(form.comment.trim().to_owned()).filter(|c| !c.is_empty());
    let rated = service::rate_with_code(&state, peer.ip(), &form.number, &form.code, rating, comment).await;
    match rated {
        Ok(case) => {
            let notice = Some(ctx.t("thanks_rating").to_owned());
            track_page(ctx, &state, form, Ok(case), notice, Errors::default()).await
        }
        Err(e @ (ApiError::Invalid { .. } | ApiError::Conflict(_))) => {
            // Show the case again with the message by the rating form.
            let case = service::case_with_code(&state, peer.ip(), &form.number, &form.code).await;
            let errors = Errors::from_api(ctx.lang, &e);
            track_page(ctx, &state, form, case, None, errors).await
        }
        Err(e) => track_page(ctx, &state, form, Err(e), None, Errors::default()).await,
    }
}

pub const VOTER_COOKIE: &str = "youyue_voter";

#[derive(Template)]
#[template(path = "vote.html")]
struct VotePage {
    ctx: Ctx,
    union: Union,
    errors: Errors,
    notice: Option<String>,
}

impl VotePage {
    fn rating_label(&self, r: &i64) -> &'static str {
        self.ctx.lang.rating(*r)
    }
}

/// The voter's token from the cookie, or a new one to set.
fn voter_token(headers: &HeaderMap) -> (String, bool) {
    let jar = axum_extra::extract::CookieJar::from_headers(headers);
    match jar.get(VOTER_COOKIE).map(|c| c.value().to_owned()).filter(|v| v.len() == 64) {
        Some(t) => (t, false),
        None => (crate::auth::random_token(), true),
    }
}

fn with_voter_cookie(mut resp: axum::response::Response, token: &str) -> axum::response::Response {
    let cookie = format!("{VOTER_COOKIE}={token}; Path=/; Max-Age=63072000; HttpOnly; SameSite=Lax");
    if let Ok(v) = axum::http::HeaderValue::from_str(&cookie) {
        resp.headers_mut().append(header::SET_COOKIE, v);
    }
    resp
}

pub async fn vote_form(
    ctx: Ctx,
    State(state): State<AppState>,
    Path(code): Path<String>,
    headers: HeaderMap,
) -> PageResult {
    let union = voted_union(&state, &code).await?;
    let (token, fresh) = voter_token(&headers);
    let resp = render(&VotePage { ctx, union, errors: Errors::default(), notice: None });
    Ok(if fresh { with_voter_cookie(resp, &token) } else { resp })
}

#[derive(Deserialize, Default)]
pub struct VoteForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    round: String,
    #[serde(default)]
    score: String,
    #[serde(default)]
    comment: String,
}

pub async fn vote(
    ctx: Ctx,
    State(state): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    Path(code): Path<String>,
    headers: HeaderMap,
    Form(form): Form<VoteForm>,
) -> PageResult {
    ctx.check_csrf(&form.csrf)?;
    let union = voted_union(&state, &code).await?;
    let (token, fresh) = voter_token(&headers);
    let round = youyue_domain::appraisal::Round::parse(&form.round).unwrap_or(youyue_domain::appraisal::Round::Monthly);
    let score = form.score.trim().parse::<i64>().unwrap_or(0);
    let result = service::vote(&state, peer.ip(), union.record.code.as_str(), round, &token, score, form.comment).await;
    let (errors, notice) = match result {
        Ok(true) => (Errors::default(), Some(ctx.t("vote_counted").to_owned())),
        Ok(false) => (Errors::default(), Some(ctx.t("vote_already").to_owned())),
        Err(e @ (ApiError::Invalid { .. } | ApiError::TooManyRequests)) => (Errors::from_api(ctx.lang, &e), None),
        Err(e) => return Err(e.into()),
    };
    let status =
        if errors.is_empty() { axum::http::StatusCode::OK } else { axum::http::StatusCode::UNPROCESSABLE_ENTITY };
    let resp = (status, render(&VotePage { ctx, union, errors, notice })).into_response();
    Ok(if fresh { with_voter_cookie(resp, &token) } else { resp })
}
