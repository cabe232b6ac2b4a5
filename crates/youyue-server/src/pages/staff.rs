//! Staff pages: logging in, the inbox, registering a case, and the case page with its
//! record book and the actions the case's state and the user's role allow.

use super::worker::{kind_choices, CaseForm, KindChoice};
use super::Form;
use super::{local_path, render, Ctx, Errors, PageResult};
use crate::access;
use crate::auth;
use crate::error::ApiError;
use crate::service::{self, RegisterInput};
use crate::AppState;
use askama::Template;
use axum::extract::{ConnectInfo, Path, Query, State};
use axum::http::{header, HeaderValue};
use axum::response::{IntoResponse, Redirect};
use serde::Deserialize;
use std::collections::{BTreeMap, HashMap};
use std::net::SocketAddr;
use youyue_domain::case::{Channel, Outcome, Urgency};
use youyue_domain::command::Command;
use youyue_domain::exchange::{CaseRecord, RecordEntry};
use youyue_domain::{Action, Kind, Money, Status, Timestamp};
use youyue_store::{CaseQuery, CaseSort, StoredCase, Union, User};

#[derive(Template)]
#[template(path = "login.html")]
struct LoginPage {
    ctx: Ctx,
    username: String,
    next: String,
    errors: Errors,
}

#[derive(Deserialize, Default)]
pub struct LoginForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    username: String,
    #[serde(default)]
    password: String,
    /// The authenticator app's code, for accounts with a second factor.
    #[serde(default)]
    totp: String,
    #[serde(default)]
    next: String,
}

pub async fn login_form(ctx: Ctx, Query(q): Query<HashMap<String, String>>) -> PageResult {
    let next = local_path(q.get("next"));
    Ok(render(&LoginPage { ctx, username: String::new(), next, errors: Errors::default() }))
}

pub async fn login(
    ctx: Ctx,
    State(state): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    Form(form): Form<LoginForm>,
) -> PageResult {
    ctx.check_csrf(&form.csrf)?;
    let totp = Some(form.totp.trim()).filter(|t| !t.is_empty());
    match service::login(&state, peer.ip(), form.username.trim(), form.password, totp).await {
        Ok((_, token)) => {
            let cookie = auth::session_cookie(token, state.secure_cookies).to_string();
            let mut resp = Redirect::to(&local_path(Some(&form.next)).replace("/login", "/inbox")).into_response();
            if let Ok(v) = HeaderValue::from_str(&cookie) {
                resp.headers_mut().append(header::SET_COOKIE, v);
            }
            Ok(resp)
        }
        Err(
            e @ (ApiError::WrongCredentials
            | ApiError::TooManyRequests
            | ApiError::LoginDelayed(_)
            | ApiError::SecondFactor),
        ) => {
            let errors = Errors::from_api(ctx.lang, &e);
            let page = LoginPage { ctx, username: form.username, next: form.next, errors };
            Ok((e.status(), render(&page)).into_response())
        }
        Err(e) => Err(e.into()),
    }
}

#[derive(Deserialize, Default)]
pub struct CsrfOnly {
    #[serde(default)]
    csrf: String,
}

pub async fn logout(
    ctx: Ctx,
    State(state): State<AppState>,
    jar: axum_extra::extract::CookieJar,
    Form(form): Form<CsrfOnly>,
) -> PageResult {
    ctx.check_csrf(&form.csrf)?;
    if let Some(c) = jar.get(auth::SESSION_COOKIE) {
        state.store.delete_session(&auth::sha256_hex(c.value())).await?;
    }
    let mut resp = Redirect::to("/").into_response();
    let clear = format!("{}=; Path=/; Max-Age=0; HttpOnly; SameSite=Lax", auth::SESSION_COOKIE);
    if let Ok(v) = HeaderValue::from_str(&clear) {
        resp.headers_mut().append(header::SET_COOKIE, v);
    }
    Ok(resp)
}

/// One row of the inbox.
pub struct Row {
    pub number: String,
    pub title: String,
    pub union: String,
    pub kind: &'static str,
    pub status: &'static str,
    pub status_class: &'static str,
    pub opened: String,
    pub due: String,
    /// "red" when late, "amber" when due today or tomorrow.
    pub due_class: &'static str,
    pub due_badge: &'static str,
    pub handler: String,
    pub people: i64,
    /// An open dispute whose statutory mediation period has passed.
    pub mediation_over: bool,
    /// A signed mediation agreement's payment is overdue.
    pub agreement_overdue: bool,
}

fn row(
    ctx: &Ctx,
    c: &StoredCase,
    union_names: &HashMap<i64, String>,
    people: &HashMap<String, String>,
    today: chrono::NaiveDate,
    now: Timestamp,
) -> Row {
    let r = &c.record;
    let (due_class, due_badge) = match r.due_on {
        Some(d) if r.status.is_open() && d < today => ("red", ctx.t("overdue_badge")),
        Some(d) if r.status.is_open() && d == today => ("amber", ctx.t("due_today")),
        Some(d) if r.status.is_open() && today.succ_opt() == Some(d) => ("amber", ctx.t("due_soon_badge")),
        _ => ("", ""),
    };
    Row {
        number: r.number.to_string(),
        title: r.title.clone(),
        union: union_names.get(&c.union_id).cloned().unwrap_or_else(|| r.union.to_string()),
        kind: ctx.lang.kind(r.kind),
        status: ctx.lang.status(r.status),
        status_class: match r.status {
            Status::Resolved => "ok",
            Status::Explained => "",
            _ => "amber",
        },
        opened: ctx.lang.datetime(r.opened_at),
        due: r.due_on.map(|d| ctx.lang.date(d)).unwrap_or_default(),
        due_class,
        due_badge,
        handler: r.handler.as_deref().map(|h| person(ctx, people, h)).unwrap_or_default(),
        people: r.people,
        mediation_over: super::arbitration::mediation_over_open(r, now),
        agreement_overdue: false,
    }
}

/// People by their names: each username in `usernames` that is an account, as its name,
/// with the username after it for an administrator (who manages accounts by it). Others
/// (`worker`, `system`, `import`, an account since removed) are left out.
async fn names_of(
    store: &dyn youyue_store::Store,
    viewer: &User,
    usernames: &std::collections::BTreeSet<&str>,
) -> Result<HashMap<String, String>, ApiError> {
    let mut names = HashMap::new();
    for u in usernames {
        if let Some(acc) = store.user_by_username(u).await? {
            let shown = match (viewer.role == youyue_domain::Role::Admin, acc.name.trim().is_empty()) {
                (_, true) => acc.username.clone(),
                (true, false) => format!("{}（{}）", acc.name, acc.username),
                (false, false) => acc.name.clone(),
            };
            names.insert(acc.username, shown);
        }
    }
    Ok(names)
}

/// A person as a page shows them: their name where `names_of` found one.
fn person(ctx: &Ctx, names: &HashMap<String, String>, username: &str) -> String {
    match names.get(username) {
        Some(n) => n.clone(),
        None if username == "worker" => ctx.t("worker").to_owned(),
        None => username.to_owned(),
    }
}

/// A tab of the inbox with its count.
pub struct Tab {
    pub key: &'static str,
    pub label: &'static str,
    pub count: String,
    pub href: String,
    pub current: bool,
}

#[derive(Deserialize, Default, Clone)]
pub struct InboxParams {
    #[serde(default)]
    tab: String,
    #[serde(default)]
    kind: String,
    #[serde(default)]
    channel: String,
    #[serde(default)]
    overdue: String,
    /// `overdue`: cases with a mediation agreement's payment overdue.
    #[serde(default)]
    agreement: String,
    #[serde(default)]
    mine: String,
    #[serde(default)]
    q: String,
    #[serde(default)]
    sort: String,
    #[serde(default)]
    union: String,
    #[serde(default)]
    page: String,
    /// The drill-down from the dashboard: a figure and its period.
    #[serde(default)]
    figure: String,
    #[serde(default)]
    from: String,
    #[serde(default)]
    to: String,
    /// 协办 (issue 22): `1`, the cases the caller's union assists with now.
    #[serde(default)]
    assisting: String,
    /// `1`: cases returned (退单) twice or more.
    #[serde(default)]
    returned_twice: String,
}

impl InboxParams {
    pub fn tab(&self) -> &str {
        &self.tab
    }

    /// The same list as a spreadsheet.
    pub fn xlsx_href(&self) -> String {
        self.href(&[]).replacen("/inbox?", "/inbox.xlsx?", 1)
    }

    fn href(&self, change: &[(&str, &str)]) -> String {
        let mut pairs: BTreeMap<&str, String> = [
            ("tab", self.tab.clone()),
            ("kind", self.kind.clone()),
            ("channel", self.channel.clone()),
            ("overdue", self.overdue.clone()),
            ("agreement", self.agreement.clone()),
            ("mine", self.mine.clone()),
            ("q", self.q.clone()),
            ("sort", self.sort.clone()),
            ("union", self.union.clone()),
            ("figure", self.figure.clone()),
            ("from", self.from.clone()),
            ("to", self.to.clone()),
            ("assisting", self.assisting.clone()),
            ("returned_twice", self.returned_twice.clone()),
        ]
        .into_iter()
        .collect();
        for (k, v) in change {
            pairs.insert(k, (*v).to_owned());
        }
        let mut out = form_urlencoded::Serializer::new(String::new());
        for (k, v) in pairs.iter().filter(|(_, v)| !v.is_empty()) {
            out.append_pair(k, v);
        }
        format!("/inbox?{}", out.finish())
    }
}

#[derive(Template)]
#[template(path = "inbox.html")]
struct InboxPage {
    ctx: Ctx,
    p: InboxParams,
    tabs: Vec<Tab>,
    rows: Vec<Row>,
    total: String,
    page: i64,
    pages: String,
    prev: Option<String>,
    next: Option<String>,
    kinds: Vec<(&'static str, &'static str)>,
    channels: Vec<(&'static str, &'static str)>,
    unions: Vec<Union>,
    /// What the list is, when it is the cases behind a dashboard figure.
    drill: Option<String>,
    /// Confidential wellbeing cases waiting for a chair that the caller may not open.
    wellbeing_waiting: i64,
    /// Which side of a rate the list is (its denominator), and how many confidential
    /// cases the figure counts that the list leaves out.
    drill_side: Option<String>,
    drill_hidden: Option<String>,
}

const PER_PAGE: i64 = 25;

/// The case query of the inbox's parameters (filters, drill-down), and what the page
/// shows beside the list: the caller, the drill-down's title, the unions to filter by.
pub async fn inbox_query(
    ctx: &Ctx,
    state: &AppState,
    p: &InboxParams,
) -> Result<(User, CaseQuery, Option<String>, Vec<Union>), super::PageError> {
    let user = ctx.require_user()?.clone();
    let store = state.store.as_ref();
    let today = Timestamp::now().cst_date();
    let mut q = CaseQuery {
        kind: Kind::parse(&p.kind),
        channel: Channel::parse(&p.channel),
        text: Some(youyue_domain::case::nfc(&p.q)).filter(|t| !t.trim().is_empty()),
        sort: match p.sort.as_str() {
            "oldest" => CaseSort::Oldest,
            "due" => CaseSort::Due,
            _ => CaseSort::Newest,
        },
        ..match access::assisting_scope(&user).filter(|_| p.assisting == "1") {
            Some(assisting) => assisting,
            None => access::case_scope(&user),
        }
    };
    if p.returned_twice == "1" {
        q.returned_at_least = Some(service::transfer::FLAGGED_RETURNS as i64);
    }
    if p.mine == "1" {
        q.handler_id = Some(user.id);
    }
    if p.overdue == "1" {
        q.overdue_before = Some(today.to_string());
    }
    if p.agreement == "overdue" {
        q.agreement_overdue_on = Some(today.to_string());
    }
    if p.tab == "supervised" {
        // 督办: late cases of the unions below the user's own.
        q.below_union = Some(user.union_id);
        q.overdue_before = Some(today.to_string());
    }
    let mut drill = None;
    if let Some(f) = youyue_domain::figures::Figure::parse(&p.figure) {
        let period = service::figure_period(Some(&p.from), Some(&p.to))?;
        q.figure = Some(f.filter(period, today));
        drill =
            Some(format!("{} · {} — {}", ctx.t(f.as_str()), ctx.lang.date(period.from()), ctx.lang.date(period.to())));
    }
    let own = access::own_union(store, &user).await?;
    let unions = if user.role.is_staff() { store.subtree(&own).await? } else { Vec::new() };
    if !p.union.is_empty() {
        q.union_path = Some(access::union_within(store, &user, &p.union).await?.path);
    }
    Ok((user, q, drill, unions))
}

/// The tab in force: the one asked for, else all cases behind a figure, else the open ones.
pub fn apply_tab<'a>(q: &mut CaseQuery, tab: &'a str, drill: bool) -> &'a str {
    let tab = if !tab.is_empty() {
        tab
    } else if drill {
        "all"
    } else {
        "open"
    };
    match tab {
        "open" => q.open_only = true,
        "all" | "supervised" => {}
        s => q.status = Status::parse(s),
    }
    tab
}

pub async fn inbox(ctx: Ctx, State(state): State<AppState>, Query(p): Query<InboxParams>) -> PageResult {
    let store = state.store.as_ref();
    let now = Timestamp::now();
    let today = now.cst_date();
    let (user, mut q, drill, unions) = inbox_query(&ctx, &state, &p).await?;
    let counts = store.count_by_status(&q).await?;
    // A text search with very many matches is counted only so far: its tabs then show no
    // number (the list's own count says how many at least, for the tab shown).
    let count = |s: &str| counts.by_status.get(s).copied().unwrap_or(0);
    let shown = |n: i64| if counts.exact { n.to_string() } else { String::new() };
    let open = shown(count("registered") + count("accepted") + count("in_progress"));
    let at_least = |c: &youyue_store::TabCounts| {
        if c.exact {
            c.at_least.to_string()
        } else {
            format!("{}+", c.at_least)
        }
    };
    let all = shown(counts.at_least);
    let wellbeing_waiting = match access::wellbeing_waiting_scope(&user) {
        Some(wq) => access::wellbeing_waiting(&store.count_by_status(&wq).await?.by_status),
        None => 0,
    };
    let tab = apply_tab(&mut q, &p.tab, drill.is_some()).to_owned();
    let tab = tab.as_str();
    let supervised = if ctx.is_staff() {
        let mut sq = q.clone();
        sq.status = None;
        sq.open_only = false;
        sq.below_union = ctx.user.as_ref().map(|u| u.union_id);
        sq.overdue_before = Some(today.to_string());
        at_least(&store.count_by_status(&sq).await?)
    } else {
        "0".to_owned()
    };
    let tabs = vec![
        ("open", ctx.t("open"), open),
        ("registered", ctx.lang.status(Status::Registered), shown(count("registered"))),
        ("accepted", ctx.lang.status(Status::Accepted), shown(count("accepted"))),
        ("in_progress", ctx.lang.status(Status::InProgress), shown(count("in_progress"))),
        ("resolved", ctx.lang.status(Status::Resolved), shown(count("resolved"))),
        ("explained", ctx.lang.status(Status::Explained), shown(count("explained"))),
        // Merge (issue 22).
        ("merged", ctx.lang.status(Status::Merged), shown(count("merged"))),
        ("all", ctx.t("all"), all),
        ("supervised", ctx.t("supervised"), supervised),
    ]
    .into_iter()
    .map(|(key, label, count)| Tab { key, label, count, href: p.href(&[("tab", key)]), current: key == tab })
    .collect::<Vec<_>>();
    let page = p.page.parse::<i64>().ok().filter(|n| (1..=1_000_000).contains(n)).unwrap_or(1);
    q.offset = (page - 1) * PER_PAGE;
    q.limit = PER_PAGE;
    let found = store.list_cases(&q).await?;
    access::log_list_reads(store, &user, &found.cases).await?;
    let drill_side = youyue_domain::figures::Figure::parse(&p.figure)
        .map(|f| format!("side_{}", f.as_str()))
        .filter(|key| ctx.t(key) != key.as_str())
        .map(|key| ctx.t(&key).to_owned());
    let hidden = access::hidden_from_figure(store, &q).await?;
    let drill_hidden = (hidden > 0).then(|| ctx.t("hidden_confidential").replace("{n}", &hidden.to_string()));
    let names: HashMap<i64, String> = unions.iter().map(|u| (u.id, u.record.name.clone())).collect();
    let handlers = found.cases.iter().filter_map(|c| c.record.handler.as_deref()).collect();
    let people = names_of(store, &user, &handlers).await?;
    let ids: Vec<i64> = found.cases.iter().map(|c| c.id).collect();
    let late = state.store.overdue_agreements(&ids, today).await?;
    let rows = found
        .cases
        .iter()
        .map(|c| Row { agreement_overdue: late.contains(&c.id), ..row(&ctx, c, &names, &people, today, now) })
        .collect();
    // A text search with very many matches counts only so far: the pager then goes on
    // while pages come full.
    let counted = ((found.total + PER_PAGE - 1) / PER_PAGE).max(1);
    let more = !found.total_exact && found.cases.len() as i64 == PER_PAGE;
    let page_s = |n: i64| n.to_string();
    let prev = (page > 1).then(|| p.href(&[("tab", tab), ("page", &page_s(page - 1))]));
    let next = (page < counted || more).then(|| p.href(&[("tab", tab), ("page", &page_s(page + 1))]));
    let kinds = Kind::ALL.iter().map(|k| (k.as_str(), ctx.lang.kind(*k))).collect();
    let channels = Channel::ALL.iter().map(|c| (c.as_str(), ctx.lang.channel(*c))).collect();
    let p = InboxParams { tab: tab.to_owned(), ..p };
    Ok(render(&InboxPage {
        ctx,
        p,
        tabs,
        rows,
        total: if found.total_exact { found.total.to_string() } else { format!("{}+", found.total) },
        page,
        pages: if found.total_exact { counted.to_string() } else { format!("{counted}+") },
        prev,
        next,
        kinds,
        channels,
        unions,
        drill,
        wellbeing_waiting,
        drill_side,
        drill_hidden,
    }))
}

/// The register form: what the worker said, plus how it came.
#[derive(Deserialize, Default)]
pub struct RegisterForm {
    #[serde(flatten)]
    case: CaseForm,
    #[serde(default)]
    union: String,
    #[serde(default)]
    channel: String,
    #[serde(default)]
    opened_at: String,
    #[serde(default)]
    scheduled: Option<String>,
    #[serde(default)]
    immediate: Option<String>,
}

impl RegisterForm {
    /// The names of the fields above besides `case` (serde cannot tell them through
    /// `flatten`; `super::FormFields` needs them).
    pub const OWN_FIELDS: [&'static str; 5] = ["union", "channel", "opened_at", "scheduled", "immediate"];
}

#[derive(Template)]
#[template(path = "new_case.html")]
struct NewCasePage {
    ctx: Ctx,
    form: RegisterForm,
    errors: Errors,
    kinds: Vec<KindChoice>,
    channels: Vec<(&'static str, &'static str)>,
    unions: Vec<Union>,
}

async fn new_case_page(ctx: Ctx, state: &AppState, user: &User, form: RegisterForm, errors: Errors) -> PageResult {
    let own = access::own_union(state.store.as_ref(), user).await?;
    let unions = state.store.subtree(&own).await?;
    let kinds = kind_choices(&ctx);
    let channels = Channel::ALL.iter().map(|c| (c.as_str(), ctx.lang.channel(*c))).collect();
    let status =
        if errors.is_empty() { axum::http::StatusCode::OK } else { axum::http::StatusCode::UNPROCESSABLE_ENTITY };
    Ok((status, render(&NewCasePage { ctx, form, errors, kinds, channels, unions })).into_response())
}

pub async fn new_case_form(ctx: Ctx, State(state): State<AppState>) -> PageResult {
    let user = ctx.require_staff()?.clone();
    let mut form = RegisterForm { channel: "hotline".into(), ..RegisterForm::default() };
    form.case.people = "1".into();
    form.case.idempotency_key = auth::random_token();
    form.union = user.union_code.to_string();
    new_case_page(ctx, &state, &user, form, Errors::default()).await
}

/// `2026-03-02T14:05` from a datetime-local field, taken as China time.
fn local_time(field: &'static str, s: &str) -> Result<Option<String>, ApiError> {
    let s = s.trim();
    if s.is_empty() {
        return Ok(None);
    }
    let with_seconds = if s.len() == 16 { format!("{s}:00") } else { s.to_owned() };
    let t = format!("{with_seconds}+08:00");
    Timestamp::parse_rfc3339(&t).map_err(|e| ApiError::invalid(field, e.to_string()))?;
    Ok(Some(t))
}

/// The page after registering: the tracking code shown once, to read out or send, on a
/// slip that prints alone (for a worker who came in).
#[derive(Template)]
#[template(path = "registered.html")]
struct RegisteredPage {
    ctx: Ctx,
    union_name: String,
    number: String,
    code: String,
    track_url: String,
    registered_on: String,
    /// A wellbeing case goes to the chair: a receptionist who registered it cannot open it.
    can_open: bool,
}

async fn registered_page(
    ctx: Ctx,
    state: &AppState,
    user: &User,
    headers: &axum::http::HeaderMap,
    made: service::Registered,
) -> PageResult {
    let union_name = state.store.union_by_id(made.case.union_id).await?.map(|u| u.record.name).unwrap_or_default();
    let page = RegisteredPage {
        union_name,
        number: made.case.record.number.to_string(),
        code: made.tracking_code,
        track_url: format!("{}/track", super::worker::site_base(state, headers)),
        registered_on: ctx.lang.datetime(made.case.record.opened_at),
        can_open: access::can_see_case(user, &made.case),
        ctx,
    };
    // The code is shown once: keep the page out of caches.
    Ok(([(axum::http::header::CACHE_CONTROL, "no-store")], render(&page)).into_response())
}

pub async fn new_case(
    ctx: Ctx,
    State(state): State<AppState>,
    headers: axum::http::HeaderMap,
    Form(form): Form<RegisterForm>,
) -> PageResult {
    let user = ctx.require_staff()?.clone();
    ctx.check_csrf(&form.case.csrf)?;
    let problems = form.case.problems(ctx.lang);
    if !problems.is_empty() {
        return new_case_page(ctx, &state, &user, form, problems).await;
    }
    let input = (|| {
        let case = form.case.to_input(&form.union)?;
        let channel = Channel::parse(&form.channel).ok_or_else(|| ApiError::invalid("channel", "choose a channel"))?;
        Ok::<_, ApiError>(RegisterInput {
            union: case.union,
            kind: case.kind,
            title: case.title,
            description: case.description,
            collective: case.collective,
            people: case.people,
            anonymous: case.anonymous,
            worker_name: case.worker_name,
            contact: case.contact,
            notify: case.notify,
            channel,
            online: channel == Channel::Online,
            scheduled: form.scheduled.is_some(),
            immediate: form.immediate.is_some(),
            opened_at: local_time("opened_at", &form.opened_at)?,
        })
    })();
    let result = match input {
        Ok(i) => service::register(&state, &user, &i, form.case.key()).await,
        Err(e) => Err(e),
    };
    match result {
        Ok(made) => registered_page(ctx, &state, &user, &headers, made).await,
        Err(e @ (ApiError::Invalid { .. } | ApiError::BadRequest { .. })) => {
            let errors = Errors::from_api(ctx.lang, &e);
            new_case_page(ctx, &state, &user, form, errors).await
        }
        Err(ApiError::NotFound(_)) => {
            let errors = Errors::from_api(ctx.lang, &ApiError::invalid("union", "no such union"));
            new_case_page(ctx, &state, &user, form, errors).await
        }
        Err(e) => Err(e.into()),
    }
}

/// A record-book entry in words.
pub struct EntryLine {
    pub seq: i64,
    pub at: String,
    pub actor: String,
    pub action: String,
    pub internal: bool,
    pub lines: Vec<String>,
}

/// A record-book field's name in words.
fn field_label(ctx: &Ctx, key: &str) -> String {
    let zh_en = match key {
        "status" => ("状态", "Status"),
        "kind" => ("类别", "Kind"),
        "channel" => ("来源", "Channel"),
        "people" => ("人数", "People"),
        "collective" => ("集体", "Collective"),
        "anonymous" => ("匿名", "Anonymous"),
        "title" => ("标题", "Title"),
        "union" => ("所属工会", "Union"),
        "opened_at" => ("登记时间", "Raised"),
        "online" => ("线上", "Online"),
        "scheduled" => ("定期接待日", "Scheduled reception day"),
        "immediate" => ("及时约办", "Handled at once"),
        "contact_given" => ("留有联系方式", "Contact given"),
        "urgency" => ("紧急程度", "Urgency"),
        "due_on" => ("期限", "Deadline"),
        "accepted_at" => ("受理时间", "Accepted"),
        "closed_at" => ("办结时间", "Closed"),
        "handler" => ("承办人", "Handler"),
        "agreement" => ("调解协议", "Agreement"),
        "amount_recovered" => ("追回金额", "Money recovered"),
        "adopted" => ("采纳", "Adopted"),
        "resolution" => ("办理结果", "Resolution"),
        "explanation" => ("解释说明", "Explanation"),
        "rating" => ("评价", "Rating"),
        "rating_comment" => ("评价意见", "Comment"),
        "rated_at" => ("评价时间", "Rated"),
        "text" => ("内容", "Text"),
        "reason" => ("原因", "Reason"),
        "place" => ("地点", "Where"),
        "starts_at" => ("时间", "When"),
        "note" => ("说明", "Note"),
        "raised_to" => ("提级至", "Raised to"),
        "description" => ("具体情况", "Description"),
        "redacted" => ("删除处数", "Places removed"),
        "arbitration_commission" => ("仲裁委员会", "Arbitration commission"),
        "referred_on" => ("转仲裁日期", "Referred on"),
        "to_name" => ("转至", "To"),
        "supervised_due_on" => ("督办所涉期限", "Deadline supervised"),
        "chased_due_on" => ("催办所涉期限", "Deadline chased"),
        other => match super::deadline::words(other) {
            Some(w) => w,
            None => return other.to_owned(),
        },
    };
    if ctx.lang == super::Lang::Zh { zh_en.0 } else { zh_en.1 }.to_owned()
}

/// A record-book value in words: statuses and kinds by name, times in China time, money in yuan.
fn field_value(ctx: &Ctx, key: &str, v: &serde_json::Value) -> String {
    use serde_json::Value;
    let l = ctx.lang;
    match v {
        Value::Null => "—".to_owned(),
        Value::Bool(b) => ctx.t(if *b { "yes" } else { "no" }).to_owned(),
        Value::String(s) => match key {
            "status" => Status::parse(s).map(|x| l.status(x).to_owned()),
            "kind" => Kind::parse(s).map(|x| l.kind(x).to_owned()),
            "channel" => Channel::parse(s).map(|x| l.channel(x).to_owned()),
            "urgency" => Some(ctx.t(s).to_owned()),
            "amount_recovered" => s.parse::<Money>().ok().map(|m| l.money(m)),
            "due_on" | "referred_on" => youyue_domain::time::parse_date(s).ok().map(|d| l.date(d)),
            k if k.ends_with("_at") => Timestamp::parse_rfc3339(s).ok().map(|t| l.datetime(t)),
            _ => None,
        }
        .unwrap_or_else(|| s.clone()),
        Value::Number(n) if key == "rating" => n.as_i64().map(|r| l.rating(r).to_owned()).unwrap_or_default(),
        other => other.to_string(),
    }
}

/// An entry as a worker account reads it: who (the union or the worker) and the words
/// meant for the worker; internal entries are not shown at all.
fn worker_entry_line(ctx: &Ctx, e: &RecordEntry) -> EntryLine {
    let actor = if e.actor == "worker" { ctx.t("worker") } else { ctx.t("union") };
    // An appointment's time in words, as on /track.
    let lines = match service::appointment(e) {
        Some(a) => vec![ctx.lang.appointment(&a)],
        None => youyue_domain::command::public_message(&e.action, e.internal, &e.detail).into_iter().collect(),
    };
    EntryLine {
        seq: e.seq,
        at: ctx.lang.datetime(e.at),
        actor: actor.to_owned(),
        action: ctx.lang.action(&e.action),
        internal: false,
        lines,
    }
}

fn entry_line(ctx: &Ctx, names: &HashMap<String, String>, e: &RecordEntry) -> EntryLine {
    let mut lines = Vec::new();
    // A notice sent about the case: channel, masked recipient, kind and outcome in words.
    if e.action == "notice" {
        lines.push(super::notices::entry_words(ctx.lang, &e.detail));
    }
    if e.action == "callback" {
        lines.extend(super::callback::entry_words(ctx, &e.detail));
    }
    for key in ["text", "reason", "redacted", "place", "starts_at", "note", "due_on", "raised_to", "to_name"] {
        if let Some(v) = e.detail.get(key) {
            lines.push(format!("{}: {}", field_label(ctx, key), field_value(ctx, key, v)));
        }
    }
    let before = e.detail.get("before").and_then(|v| v.as_object());
    if let Some(after) = e.detail.get("after").and_then(|v| v.as_object()) {
        // A handler is an account: shown by name like the entry's actor.
        let value = |k: &str, v: &serde_json::Value| match (k, v.as_str()) {
            ("handler", Some(u)) => person(ctx, names, u),
            _ => field_value(ctx, k, v),
        };
        for (k, a) in after {
            let line = match before {
                Some(b) => format!(
                    "{}: {} → {}",
                    field_label(ctx, k),
                    value(k, b.get(k).unwrap_or(&serde_json::Value::Null)),
                    value(k, a)
                ),
                None => format!("{}: {}", field_label(ctx, k), value(k, a)),
            };
            lines.push(line);
        }
    }
    EntryLine {
        seq: e.seq,
        at: ctx.lang.datetime(e.at),
        actor: person(ctx, names, &e.actor),
        action: ctx.lang.action(&e.action),
        internal: e.internal,
        lines,
    }
}

#[derive(Template)]
#[template(path = "case.html")]
struct CasePage {
    ctx: Ctx,
    /// The case as stored, with what the caller may not read taken out (`shown_to`).
    c: CaseRecord,
    /// A name or contact was given but the caller may not see it.
    contact_hidden: bool,
    overdue: bool,
    /// What the caller may do to the case now.
    actions: Vec<Action>,
    union_name: String,
    record: Vec<EntryLine>,
    handlers: Vec<User>,
    kinds: Vec<(&'static str, &'static str)>,
    errors: Errors,
    /// The action whose form is open (after a refusal).
    open_action: String,
    form: ActionForm,
    /// Who read the case's confidential parts (chairs and administrators see it): user,
    /// what, when.
    reads: Vec<(String, String, String)>,
    /// What the case recorded before its latest reopening (shown as history).
    earlier: Option<youyue_domain::command::EarlierOutcome>,
    /// The handler by name (staff only).
    handler_name: Option<String>,
    /// The confirmation of the action just taken (an i18n key), or empty.
    done: &'static str,
    /// Printed as the staff's full copy with internal notes; otherwise the printed page is
    /// the worker's copy, which the worker signs, without them.
    internal_copy: bool,
    /// A dispute's statutory mediation clock (`case_arbitration*.html`).
    clock: super::arbitration::Clock,
    /// 及时约办: who is on duty for the case's union now (`case_on_duty.html`).
    on_duty: Vec<super::duty_now::OnDuty>,
    /// The case's appointments with specialists, earliest first.
    appointments: Vec<youyue_store::Appointment>,
    /// Whether the caller may book and change them.
    can_book: bool,
    can_change: bool,
    /// Every specialty, with its words, for the booking's first step.
    specialties: Vec<(&'static str, String)>,
    /// The specialty chosen (`?specialty=`), and its free slots of the coming two weeks.
    specialty: String,
    slots: Vec<youyue_domain::appointment::Slot>,
    /// A dispute's mediation agreement (`agreement_section.html`).
    agreement: Option<super::agreement::Section>,
    /// 转自 X：reason — the union that sent the case here and why, while it waits to be
    /// accepted or returned (staff only).
    moved_from: Option<(String, String)>,
    /// 退单 is open to the caller: the case was sent here and is not accepted yet.
    may_return: bool,
    /// Returned twice or more (flagged to the district).
    returned_twice: bool,
    /// The call-back and review (issue 22).
    callback: super::callback::Section,
    /// Merge (issue 22): the cases merged into this one that the caller can see.
    merged_cases: Vec<String>,
    /// 协办 (issue 22).
    assist: super::assist::Section,
}

impl CasePage {
    fn specialty_label(&self, s: &str) -> String {
        self.ctx.lang.specialty(s)
    }
    fn span(&self, from: &Timestamp, to: &Timestamp) -> String {
        self.ctx.lang.span(*from, *to)
    }
    fn appt_status(&self, s: &youyue_domain::appointment::AppointmentStatus) -> &'static str {
        self.ctx.lang.appointment_status(*s)
    }
    fn slot_value(&self, s: &youyue_domain::appointment::Slot) -> String {
        s.form_value()
    }
    /// Booked and not begun: it may be moved or cancelled.
    fn upcoming(&self, a: &youyue_store::Appointment) -> bool {
        a.record.may_change(Timestamp::now())
    }
    /// Booked and begun: held or no-show may be recorded.
    fn begun(&self, a: &youyue_store::Appointment) -> bool {
        a.record.status == youyue_domain::appointment::AppointmentStatus::Booked
            && a.record.starts_at <= Timestamp::now()
    }
    /// Free slots of the appointment's specialist and specialty, to move it to.
    fn moves(&self, a: &youyue_store::Appointment) -> Vec<&youyue_domain::appointment::Slot> {
        self.slots.iter().filter(|s| s.user == a.record.specialist && s.specialty == a.record.specialty).collect()
    }
    /// Now, for the printed record book's header.
    fn printed_at(&self) -> String {
        self.ctx.lang.datetime(Timestamp::now())
    }
    fn can(&self, a: Action) -> bool {
        self.actions.contains(&a)
    }
    fn when(&self, t: &Timestamp) -> String {
        self.ctx.lang.datetime(*t)
    }
    fn money(&self, m: &Money) -> String {
        self.ctx.lang.money(*m)
    }
    fn kind_label(&self) -> &'static str {
        self.ctx.lang.kind(self.c.kind)
    }
    fn status_label(&self) -> &'static str {
        self.ctx.lang.status(self.c.status)
    }
    fn channel_label(&self) -> &'static str {
        self.ctx.lang.channel(self.c.channel)
    }
    fn is_dispute(&self) -> bool {
        self.c.kind == Kind::Dispute
    }
    fn is_suggestion(&self) -> bool {
        self.c.kind == Kind::Suggestion
    }
    fn due_label(&self) -> String {
        self.c.due_on.map(|d| self.ctx.lang.date(d)).unwrap_or_default()
    }
    fn rating_label(&self, r: &i64) -> &'static str {
        self.ctx.lang.rating(*r)
    }
}

/// Every field any action's form may send.
#[derive(Deserialize, Default)]
pub struct ActionForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    pub kind: String,
    #[serde(default)]
    pub urgency: String,
    #[serde(default)]
    pub due_on: String,
    #[serde(default)]
    pub handler: String,
    #[serde(default)]
    pub text: String,
    #[serde(default)]
    pub internal: Option<String>,
    #[serde(default)]
    pub starts_at: String,
    #[serde(default)]
    pub place: String,
    #[serde(default)]
    pub note: String,
    #[serde(default)]
    pub resolution: String,
    #[serde(default)]
    pub agreement: String,
    #[serde(default)]
    pub amount_recovered: String,
    #[serde(default)]
    pub adopted: String,
    #[serde(default)]
    pub explanation: String,
    #[serde(default)]
    pub reason: String,
    /// The text to take out (redact).
    #[serde(default)]
    pub remove: String,
    /// The arbitration commission (refer).
    #[serde(default)]
    pub commission: String,
    /// 'YYYY-MM-DD' (refer).
    #[serde(default)]
    pub referred_on: String,
    /// The code of the union a case is transferred to.
    #[serde(default)]
    pub union: String,
    /// Merge (issue 22): the number of the case this one joins.
    #[serde(default)]
    pub into: String,
    /// 协办: the specialist asked (a username), or empty for the whole union.
    #[serde(default)]
    pub specialist: String,
}

async fn case_page_with(
    ctx: Ctx,
    state: &AppState,
    number: &str,
    errors: Errors,
    open_action: String,
    form: ActionForm,
    view: CaseView,
) -> PageResult {
    let user = ctx.require_user()?.clone();
    let store = state.store.as_ref();
    let (case, reach) = access::readable_case(store, &user, number).await?;
    let full = reach == access::Reach::Full;
    let record = store.record_book(case.id).await?;
    let union_name = store.union_by_id(case.union_id).await?.map(|u| u.record.name).unwrap_or_default();
    let read_log =
        if full && access::may_read_read_log(&user).is_ok() { store.read_log(case.id).await? } else { Vec::new() };
    let names = if user.role.is_staff() {
        let mut everyone = std::collections::BTreeSet::new();
        for e in &record {
            everyone.insert(e.actor.as_str());
            for w in ["before", "after"] {
                if let Some(h) = e.detail.get(w).and_then(|d| d.get("handler")).and_then(|h| h.as_str()) {
                    everyone.insert(h);
                }
            }
        }
        everyone.extend(case.record.handler.as_deref());
        everyone.extend(read_log.iter().map(|r| r.username.as_str()));
        names_of(store, &user, &everyone).await?
    } else {
        HashMap::new()
    };
    let lines = if user.role.is_staff() {
        record.iter().map(|e| entry_line(&ctx, &names, e)).collect()
    } else {
        record.iter().filter(|e| !e.internal).map(|e| worker_entry_line(&ctx, e)).collect()
    };
    let handlers = if full && user.role.is_staff() {
        store
            .users_on_path(&case.union_path)
            .await?
            .into_iter()
            .filter(|u| access::may_handle(u, &case).is_ok())
            .collect()
    } else {
        Vec::new()
    };
    access::log_reads(store, &user, &case, access::Shown::Case).await?;
    let reads = if !read_log.is_empty() {
        let what = |w: &str| match (ctx.lang, w) {
            (super::Lang::Zh, "case") => "查阅心理约事",
            (super::Lang::Zh, "contact") => "查看联系方式",
            (super::Lang::Zh, _) => "在清单或导出表格中看到标题",
            (_, w) => match w {
                "case" => "read the wellbeing case",
                "contact" => "saw the contact",
                _ => "saw the title in a list or a download",
            },
        };
        read_log
            .iter()
            .map(|r| (person(&ctx, &names, &r.username), what(&r.what).to_owned(), ctx.datetime(&r.at)))
            .collect()
    } else {
        Vec::new()
    };
    let earlier = youyue_domain::command::earlier_outcome(&record);
    let mut form = form;
    if let (Some(e), true) = (&earlier, open_action.is_empty()) {
        // A reopened case's new resolution starts from what was recorded before, so that
        // re-resolving never drops the agreement or the money by leaving them blank.
        let yes_no = |b: Option<bool>| b.map(|b| if b { "yes" } else { "no" }).unwrap_or_default().to_owned();
        form.resolution = e.resolution.clone().unwrap_or_default();
        form.explanation = e.explanation.clone().unwrap_or_default();
        form.agreement = yes_no(e.outcome.agreement);
        form.adopted = yes_no(e.outcome.adopted);
        form.amount_recovered = e.outcome.amount_recovered.map(|m| m.to_string()).unwrap_or_default();
    }
    let (c, contact_hidden) = shown_to(&user, &case);
    let handler_name = c.handler.as_deref().map(|h| person(&ctx, &names, h));
    // A paused case is not late (issue 22).
    let overdue = youyue_domain::command::is_overdue(c.status, c.due_on, Timestamp::now()) && c.paused_since.is_none();
    let mut actions = access::actions(&user, &case);
    if !full {
        actions.retain(|a| *a == Action::Note);
    }
    let assist = super::assist::section(state, ctx.lang, &user, &case, reach).await?;
    let (moved_from, may_return) = moved_here(store, &user, &case, &record).await?;
    let merged_cases = super::merge::merged_cases(store, &user, &case).await?;
    let returned_twice =
        user.role.is_staff() && service::transfer::returns(&record) >= service::transfer::FLAGGED_RETURNS;
    let agreement = if full { super::agreement::section(&ctx, state, &user, &case).await? } else { None };
    let kinds = Kind::ALL.iter().map(|k| (k.as_str(), ctx.lang.kind(*k))).collect();
    let mut clock = super::arbitration::Clock::of(ctx.lang, &c, Timestamp::now());
    // A signed agreement settled the dispute: arbitration is not offered.
    clock.over_open &= !agreement.as_ref().is_some_and(|a| a.signed);
    let on_duty = if full && user.role.is_staff() {
        super::duty_now::on_duty_now(state, ctx.lang, &case, Timestamp::now()).await?
    } else {
        Vec::new()
    };
    if form.referred_on.is_empty() {
        form.referred_on = Timestamp::now().cst_date().to_string();
    }
    let appointments = store.case_appointments(case.id).await?;
    let can_book = full && access::may_book_appointment(&user, &case).is_ok();
    let can_change = full && access::may_change_appointment(&user).is_ok();
    let specialties: Vec<(&'static str, String)> = SPECIALTIES.iter().map(|k| (*k, ctx.lang.specialty(k))).collect();
    // The chosen specialty's free slots; with none chosen, those of the specialties of the
    // booked appointments (to move them to).
    let mut wanted: Vec<&str> = SPECIALTIES.iter().copied().filter(|k| *k == view.specialty).collect();
    if wanted.is_empty() && can_change {
        for a in service::appointments::booked(&appointments) {
            wanted.extend(SPECIALTIES.iter().copied().filter(|k| *k == a.record.specialty));
        }
    }
    let slots = if wanted.is_empty() || !(can_book || can_change) {
        Vec::new()
    } else {
        let union = store.union_by_id(case.union_id).await?;
        match union {
            Some(u) => {
                let now = Timestamp::now();
                let to = now.cst_date() + chrono::Duration::days(service::appointments::DAYS_AHEAD);
                service::appointments::slots(state, &u, &wanted, now.cst_date(), to, now).await?
            }
            None => Vec::new(),
        }
    };
    let status =
        if errors.is_empty() { axum::http::StatusCode::OK } else { axum::http::StatusCode::UNPROCESSABLE_ENTITY };
    let page = CasePage {
        ctx,
        c,
        contact_hidden,
        overdue,
        actions,
        union_name,
        record: lines,
        handlers,
        kinds,
        errors,
        open_action,
        form,
        reads,
        earlier,
        handler_name,
        done: view.done,
        internal_copy: view.internal_copy,
        clock,
        on_duty,
        appointments,
        can_book,
        can_change,
        specialties,
        specialty: view.specialty,
        slots,
        agreement,
        moved_from,
        may_return,
        returned_twice,
        callback: super::callback::section(state, &user, &case).await?,
        merged_cases,
        assist,
    };
    Ok((status, render(&page)).into_response())
}

/// Who sent the case here and why (the union's name and the reason), while it is
/// registered here after a transfer; and whether the caller may return it (退单).
async fn moved_here(
    store: &dyn youyue_store::Store,
    user: &User,
    case: &StoredCase,
    record: &[youyue_domain::exchange::RecordEntry],
) -> Result<(Option<(String, String)>, bool), ApiError> {
    if !user.role.is_staff() || case.record.status != youyue_domain::Status::Registered {
        return Ok((None, false));
    }
    let Some(from) = service::transfer::sent_from(record, case.record.union.as_str()) else { return Ok((None, false)) };
    let reason = record
        .iter()
        .rev()
        .find(|e| e.action == "transfer")
        .and_then(|e| e.detail.get("reason"))
        .and_then(|r| r.as_str())
        .unwrap_or_default()
        .to_owned();
    let name = match from.parse() {
        Ok(code) => store.union_by_code(&code).await?.map(|u| u.record.name).unwrap_or(from),
        Err(_) => from,
    };
    let r = &case.record;
    let may = user.union_id == case.union_id
        && youyue_domain::workflow::transition(access::actor(user, case), Action::Return, r.status, false, false)
            .is_ok();
    Ok((Some((name, reason)), may))
}

/// The case as `user` may read it, and whether a name or contact was held back: the
/// worker's name and contact only where `access::can_see_contact` allows; staff names
/// only for staff.
fn shown_to(user: &User, case: &StoredCase) -> (CaseRecord, bool) {
    let mut c = case.record.clone();
    let given = c.worker_name.is_some() || c.contact.is_some();
    let hidden = given && !access::can_see_contact(user, case);
    if hidden {
        c.worker_name = None;
        c.contact = None;
    }
    if !user.role.is_staff() {
        c.handler = None;
    }
    (c, hidden)
}

pub async fn case_page(
    ctx: Ctx,
    State(state): State<AppState>,
    Path(number): Path<String>,
    Query(q): Query<HashMap<String, String>>,
) -> PageResult {
    // After an action the page says it was done (`?done=accept`, from `case_action`'s
    // redirect): a known action's words only, never the query's text.
    let done = q.get("done").and_then(|a| Action::parse(a)).and_then(done_key).unwrap_or_default();
    let done = match q.get("appt").map(String::as_str) {
        Some("book") => "done_book",
        Some("reschedule") => "done_reschedule",
        Some("cancel") => "done_cancel",
        Some("outcome") => "done_outcome",
        _ => done,
    };
    let specialty = q.get("specialty").filter(|k| SPECIALTIES.contains(&k.as_str())).cloned().unwrap_or_default();
    // `?copy=internal`: the full record book, internal notes included and marked so, for
    // staff; without it the page prints as the worker's copy.
    let internal_copy = q.get("copy").is_some_and(|c| c == "internal") && ctx.is_staff();
    let page = CaseView { done, internal_copy, specialty };
    case_page_with(ctx, &state, &number, Errors::default(), String::new(), ActionForm::default(), page).await
}

/// How the case page is asked for: after which action, which printed copy.
#[derive(Default)]
struct CaseView {
    /// The confirmation of the action just taken (an i18n key), or empty.
    done: &'static str,
    internal_copy: bool,
    /// The specialty whose free slots to offer (`?specialty=`), or empty.
    specialty: String,
}

/// The specialties, in the order the booking lists them.
const SPECIALTIES: [&str; 7] = ["mediator", "lawyer", "counsellor", "teacher", "arbitrator", "advisor", "liaison"];

/// Every field the appointment forms may send.
#[derive(Deserialize, Default)]
pub struct AppointmentForm {
    #[serde(default)]
    csrf: String,
    /// `username|start`, a free slot.
    #[serde(default)]
    slot: String,
    #[serde(default)]
    place: String,
    #[serde(default)]
    online: Option<String>,
    #[serde(default)]
    link: String,
    #[serde(default)]
    note: String,
    /// reschedule, cancel, held, no_show (changes).
    #[serde(default)]
    op: String,
    #[serde(default)]
    reason: String,
    #[serde(default)]
    specialty: String,
}

fn chosen_slot(slot: &str) -> Result<(String, Timestamp), ApiError> {
    youyue_domain::appointment::Slot::parse_form_value(slot).ok_or_else(|| ApiError::invalid("slot", "missing"))
}

/// Staff book a free slot for the case from its page.
pub async fn book_appointment(
    ctx: Ctx,
    State(state): State<AppState>,
    Path(number): Path<String>,
    Form(form): Form<AppointmentForm>,
) -> PageResult {
    let user = ctx.require_staff()?.clone();
    ctx.check_csrf(&form.csrf)?;
    let result = async {
        let case = access::visible_case(state.store.as_ref(), &user, &number).await?;
        access::may_book_appointment(&user, &case)?;
        let (specialist, starts_at) = chosen_slot(&form.slot)?;
        let input = service::appointments::BookInput {
            specialist,
            starts_at,
            place: Some(form.place.trim().to_owned()).filter(|p| !p.is_empty()),
            online: form.online.as_ref().map(|_| true),
            link: Some(form.link.trim().to_owned()).filter(|l| !l.is_empty()),
            note: form.note.trim().to_owned(),
        };
        service::appointments::book(&state, &case, &user.username, Some(user.id), &[], input).await
    }
    .await;
    appointment_done(ctx, &state, &number, "book", form.specialty, result.map(|_| ())).await
}

/// Staff reschedule, cancel or record the outcome of an appointment from the case page.
pub async fn change_appointment(
    ctx: Ctx,
    State(state): State<AppState>,
    Path((number, id)): Path<(String, String)>,
    Form(form): Form<AppointmentForm>,
) -> PageResult {
    use service::appointments::ChangeInput;
    let user = ctx.require_staff()?.clone();
    ctx.check_csrf(&form.csrf)?;
    let result = async {
        let case = access::visible_case(state.store.as_ref(), &user, &number).await?;
        access::may_change_appointment(&user)?;
        let id = id.parse::<i64>().map_err(|_| ApiError::not_found("no such appointment"))?;
        let a = service::appointments::of_case(&state, &case, id).await?;
        let input = match form.op.as_str() {
            "reschedule" => {
                let (_, starts_at) = chosen_slot(&form.slot)?;
                ChangeInput::Reschedule { starts_at, reason: form.reason.trim().to_owned() }
            }
            "cancel" => ChangeInput::Cancel { reason: form.reason.trim().to_owned() },
            "held" => ChangeInput::Record(youyue_domain::appointment::Outcome::Held),
            "no_show" => ChangeInput::Record(youyue_domain::appointment::Outcome::NoShow),
            _ => return Err(ApiError::invalid("op", "must be reschedule, cancel, held or no_show")),
        };
        service::appointments::change(&state, &case, &a, &user.username, Some(user.id), input).await
    }
    .await;
    let what = if matches!(form.op.as_str(), "held" | "no_show") { "outcome" } else { form.op.as_str() };
    let what = if ["reschedule", "cancel", "outcome"].contains(&what) { what } else { "outcome" };
    appointment_done(ctx, &state, &number, what, String::new(), result.map(|_| ())).await
}

/// After an appointment form: back to the case page saying so, or the page again with
/// the refusal by its field.
async fn appointment_done(
    ctx: Ctx,
    state: &AppState,
    number: &str,
    what: &str,
    specialty: String,
    result: Result<(), ApiError>,
) -> PageResult {
    match result {
        Ok(()) => Ok(Redirect::to(&format!("/cases/{number}?appt={what}#appointments")).into_response()),
        Err(
            e @ (ApiError::Invalid { .. }
            | ApiError::BadRequest { .. }
            | ApiError::Conflict(_)
            | ApiError::SlotTaken(_)
            | ApiError::Forbidden(_)),
        ) => {
            let errors = Errors::from_api(ctx.lang, &e);
            let view = CaseView { specialty, ..CaseView::default() };
            case_page_with(ctx, state, number, errors, "appointment".into(), ActionForm::default(), view).await
        }
        Err(e) => Err(e.into()),
    }
}

/// The confirmation shown after `action`.
fn done_key(action: Action) -> Option<&'static str> {
    Some(match action {
        Action::Accept => "done_accept",
        Action::Assign => "done_assign",
        Action::Note => "done_note",
        Action::Schedule => "done_schedule",
        Action::Resolve => "done_resolve",
        Action::Explain => "done_explain",
        Action::Refer => "done_refer",
        Action::Reopen => "done_reopen",
        Action::Anonymise => "done_anonymise",
        Action::Redact => "done_redact",
        Action::Transfer => "done_transfer",
        Action::Return => "done_return",
        Action::Chase => "done_chase",
        Action::Callback => "done_callback",
        Action::SendBack => "done_send_back",
        Action::Confirm => "done_confirm",
        // Merge (issue 22).
        Action::Merge => "done_merge",
        Action::Unmerge => "done_unmerge",
        Action::Extend => "done_extend",
        Action::ApproveExtension => "done_approve_extension",
        Action::RefuseExtension => "done_refuse_extension",
        Action::Pause => "done_pause",
        Action::Resume => "done_resume",
        Action::Assist | Action::EndAssist => "done_note",
        Action::Register | Action::Rate | Action::Escalate => return None,
    })
}

fn yes_no(field: &'static str, v: &str) -> Result<Option<bool>, ApiError> {
    match v {
        "yes" => Ok(Some(true)),
        "no" => Ok(Some(false)),
        "" => Ok(None),
        _ => Err(ApiError::invalid(field, "answer yes or no")),
    }
}

fn command_for(action: Action, f: &ActionForm) -> Result<Command, ApiError> {
    Ok(match action {
        Action::Accept => Command::Accept {
            kind: Kind::parse(&f.kind),
            urgency: Urgency::parse(&f.urgency).unwrap_or(Urgency::Normal),
            due_on: match f.due_on.trim() {
                "" => None,
                d => Some(youyue_domain::time::parse_date(d).map_err(|e| ApiError::invalid("due_on", e.to_string()))?),
            },
        },
        Action::Note => Command::Note { text: f.text.clone(), internal: f.internal.is_some() },
        Action::Schedule => {
            let at =
                local_time("starts_at", &f.starts_at)?.ok_or_else(|| ApiError::invalid("starts_at", "say when"))?;
            let starts_at = Timestamp::parse_rfc3339(&at).map_err(|e| ApiError::invalid("starts_at", e.to_string()))?;
            Command::Schedule { starts_at, place: f.place.clone(), note: f.note.clone() }
        }
        Action::Resolve => {
            let amount_recovered = match f.amount_recovered.trim().replace([',', '，', '¥'], "").as_str() {
                "" => None,
                a => Some(a.parse::<Money>().map_err(|e| ApiError::invalid("amount_recovered", e.to_string()))?),
            };
            let outcome = Outcome {
                agreement: yes_no("agreement", &f.agreement)?,
                amount_recovered,
                adopted: yes_no("adopted", &f.adopted)?,
            };
            Command::Resolve { resolution: f.resolution.clone(), outcome }
        }
        Action::Explain => Command::Explain { explanation: f.explanation.clone() },
        Action::Refer => Command::Refer {
            commission: f.commission.clone(),
            referred_on: youyue_domain::time::parse_date(f.referred_on.trim())
                .map_err(|e| ApiError::invalid("referred_on", e.to_string()))?,
            note: Some(f.note.clone()),
        },
        Action::Reopen => Command::Reopen { reason: f.reason.clone() },
        Action::Anonymise => Command::Anonymise { reason: f.reason.clone() },
        Action::Redact => Command::Redact { remove: f.remove.clone(), reason: f.reason.clone() },
        Action::Chase => Command::Chase { note: f.note.clone() },
        Action::Assign
        | Action::Register
        | Action::Rate
        | Action::Transfer
        | Action::Return
        | Action::Callback
        | Action::SendBack
        | Action::Confirm => return Err(ApiError::not_found("no such action")),
        Action::Merge | Action::Unmerge => return Err(ApiError::not_found("no such action")),
        Action::Extend
        | Action::ApproveExtension
        | Action::RefuseExtension
        | Action::Pause
        | Action::Resume
        | Action::Escalate => return Err(ApiError::not_found("no such action")),
        Action::Assist | Action::EndAssist => return Err(ApiError::not_found("no such action")),
    })
}

pub async fn case_action(
    ctx: Ctx,
    State(state): State<AppState>,
    Path((number, action)): Path<(String, String)>,
    Form(form): Form<ActionForm>,
) -> PageResult {
    let user = ctx.require_staff()?.clone();
    ctx.check_csrf(&form.csrf)?;
    let action_kind = Action::parse(&action).ok_or_else(|| ApiError::not_found("no such action"))?;
    let result = if action_kind == Action::Assign {
        service::assign(&state, &user, &number, form.handler.trim()).await
    } else if action_kind == Action::Transfer {
        service::transfer::transfer(&state, &user, &number, &form.union, &form.reason).await
    } else if action_kind == Action::Return {
        service::transfer::give_back(&state, &user, &number, &form.reason).await
    } else if matches!(action_kind, Action::Merge | Action::Unmerge) {
        super::merge::act(&state, &user, &number, action_kind, &form.into, &form.reason).await
    } else if let Some(ask) = super::deadline::ask_for(action_kind, &form) {
        service::deadline::act(&state, &user, &number, ask).await
    } else if action_kind == Action::Assist {
        let specialist = Some(form.specialist.as_str()).filter(|s| !s.trim().is_empty());
        service::assist::ask(&state, &user, &number, &form.union, specialist, &form.note).await
    } else if action_kind == Action::EndAssist {
        service::assist::end(&state, &user, &number, &form.union).await
    } else {
        match command_for(action_kind, &form) {
            Ok(cmd) => service::apply(&state, &user, &number, |_| Ok((cmd, None))).await,
            Err(e) => Err(e),
        }
    };
    match result {
        // A case moved out of the caller's subtree is no longer theirs to open.
        Ok(saved) if !access::can_see_case(&user, &saved) && action_kind != Action::Note => {
            Ok(Redirect::to(&format!("/inbox?moved={number}")).into_response())
        }
        Ok(_) => Ok(Redirect::to(&format!("/cases/{number}?done={}#done", action_kind.as_str())).into_response()),
        Err(
            e @ (ApiError::Invalid { .. }
            | ApiError::BadRequest { .. }
            | ApiError::Conflict(_)
            | ApiError::Refused { .. }
            | ApiError::Forbidden(_)),
        ) => {
            let errors = Errors::from_api(ctx.lang, &e);
            case_page_with(ctx, &state, &number, errors, action, form, CaseView::default()).await
        }
        Err(e) => Err(e.into()),
    }
}
