//! Server-rendered pages, in Chinese by default and English by a switch. Handlers are
//! thin: they read the form, call `service`/`access` (the same functions as the API) and
//! render a template from `templates/`. Every form carries a CSRF token tied to the
//! session, or for a browser without one to its `youyue_csrf` cookie under a server key
//! (`auth::csrf_token`; the cookie is HttpOnly and SameSite=Lax).

use crate::auth::{self, Caller};
use crate::error::ApiError;
use crate::AppState;
use askama::Template;
use axum::extract::{FromRequest, FromRequestParts, Path, Query, Request};
use axum::http::{header, request::Parts, HeaderValue, StatusCode};
use axum::middleware::Next;
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::Router;
use axum_extra::extract::CookieJar;
use std::collections::HashMap;
use youyue_store::User;

mod account;
mod agreement;
mod arbitration;
mod assessment;
mod assist;
mod callback;
mod dashboard;
mod deadline;
mod duty_now;
pub mod i18n;
mod me;
// Merge (issue 22).
mod merge;
mod notices;
mod org;
mod roster;
mod staff;
mod worker;
mod xlsx;

pub use i18n::Lang;

pub const CSRF_COOKIE: &str = "youyue_csrf";
pub const LANG_COOKIE: &str = "lang";

pub fn router(state: AppState) -> Router<AppState> {
    Router::new()
        .route("/", get(worker::home))
        .route("/lang/{code}", get(set_lang))
        .route("/static/app.css", get(css))
        .route("/s/{code}", get(worker::studio).post(worker::submit))
        .route("/s/{code}/qr.svg", get(worker::qr))
        .route("/s/{code}/sign", get(worker::sign))
        .route("/s/{code}/roster", get(roster::print))
        .route("/s/{code}/rate", get(worker::vote_form).post(worker::vote))
        .route("/track", get(worker::track_form).post(worker::track))
        .route("/track/rate", post(worker::rate))
        .route("/track/appointment", post(worker::appointment))
        .route("/login", get(staff::login_form).post(staff::login))
        .route("/logout", post(staff::logout))
        .route("/account", get(account::account))
        .route("/account/password", post(account::change_password))
        .route("/account/sessions", post(account::logout_everywhere))
        .route("/account/totp", post(account::set_totp))
        .route("/account/notices", post(account::set_notices))
        .route("/account/calendar", post(me::rotate_calendar))
        .route("/account/calendar/revoke", post(me::revoke_calendar))
        .route("/me/appointments", get(me::my_appointments))
        .route("/notices", get(notices::list))
        .route("/notices/read-all", post(notices::read_all))
        .route("/notices/failed", get(notices::failed))
        .route("/notices/{id}", get(notices::open))
        .route("/notices/{id}/retry", post(notices::retry))
        .route("/cal/{file}", get(me::calendar_feed))
        .route("/inbox", get(staff::inbox))
        .route("/cases/new", get(staff::new_case_form).post(staff::new_case))
        .route("/cases/{number}", get(staff::case_page))
        .route("/cases/{number}/agreement", get(agreement::paper_page).post(agreement::save_draft))
        .route("/cases/{number}/agreement.pdf", get(agreement::paper_pdf))
        .route("/cases/{number}/agreement/sign", post(agreement::sign))
        .route("/cases/{number}/agreement/pay", post(agreement::pay))
        // Call-back and redo (issue 22).
        .route("/cases/{number}/callback", post(callback::record))
        .route("/cases/{number}/send-back", post(callback::send_back))
        .route("/cases/{number}/confirm", post(callback::confirm))
        .route("/callbacks", get(callback::list))
        .route("/reviews", get(callback::reviews))
        .route("/cases/{number}/{action}", post(staff::case_action))
        .route("/cases/{number}/book", post(staff::book_appointment))
        .route("/cases/{number}/appointments/{id}", post(staff::change_appointment))
        .route("/dashboard", get(dashboard::dashboard))
        .route("/escalations", get(deadline::escalations))
        .route("/dashboard/votes", get(dashboard::votes))
        .route("/assessment", get(assessment::assessment))
        .route("/assessment.xlsx", get(xlsx::assessment_xlsx))
        .route("/dashboard.xlsx", get(xlsx::dashboard_xlsx))
        .route("/inbox.xlsx", get(xlsx::cases_xlsx))
        .route("/unions", get(org::unions))
        .route("/unions/{code}", get(org::union_page))
        .route("/unions/{code}/items", post(org::save_items))
        .route("/unions/{code}/bulletins", post(org::post_bulletin))
        .route("/unions/{code}/users", post(org::invite))
        .route("/unions/{code}/users/{username}", post(org::change_user))
        .route("/unions/{code}/roster", get(roster::edit).post(roster::save))
        .route("/unions/{code}/notices", post(org::set_notices))
        .layer(axum::middleware::from_fn(crate::extract::url_texts::<PageError>))
        .layer(axum::middleware::from_fn_with_state(state, error_pages))
}

/// A form body, read as strictly as the API reads JSON: a name the form does not have, a
/// part that is not UTF-8, or a text breaking `text_fault` is a 400/422 page naming the
/// field (axum's `Form` answers plain text, keeps unknown names and turns bad bytes into
/// U+FFFD).
pub struct Form<T>(pub T);

/// A form the pages take, and the names it knows (`None`: any name, for a map).
pub trait FormFields: serde::de::DeserializeOwned {
    fn names() -> Option<Vec<&'static str>> {
        crate::extract::field_names::<Self>().map(<[_]>::to_vec)
    }
}

// Every form of the pages: each refuses the names it does not know.
impl FormFields for HashMap<String, String> {}
impl FormFields for account::PasswordForm {}
impl FormFields for account::CsrfForm {}
impl FormFields for account::TotpForm {}
impl FormFields for account::NoticesForm {}
impl FormFields for notices::CsrfForm {}
impl FormFields for org::BulletinForm {}
impl FormFields for org::InviteForm {}
impl FormFields for org::UserChangeForm {}
impl FormFields for org::NoticesForm {}
impl FormFields for staff::LoginForm {}
impl FormFields for staff::CsrfOnly {}
impl FormFields for staff::ActionForm {}
impl FormFields for staff::AppointmentForm {}
impl FormFields for worker::CaseForm {}
impl FormFields for worker::TrackForm {}
impl FormFields for worker::VoteForm {}
impl FormFields for callback::CallbackForm {}
impl FormFields for callback::ReviewForm {}
impl FormFields for staff::RegisterForm {
    // `#[serde(flatten)]` hides the names from serde: the case's and the registration's own.
    fn names() -> Option<Vec<&'static str>> {
        let mut names = worker::CaseForm::names()?;
        names.extend(staff::RegisterForm::OWN_FIELDS);
        Some(names)
    }
}

impl<S: Send + Sync, T: FormFields> FromRequest<S> for Form<T> {
    type Rejection = PageError;

    async fn from_request(req: Request, state: &S) -> Result<Self, PageError> {
        let is_form = req
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.split(';').next())
            .is_some_and(|m| m.trim().eq_ignore_ascii_case("application/x-www-form-urlencoded"));
        if !is_form {
            return Err(ApiError::BadRequest {
                message: "send the form as application/x-www-form-urlencoded".into(),
                field: None,
            }
            .into());
        }
        let bytes = axum::body::Bytes::from_request(req, state).await.map_err(|e| {
            if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
                ApiError::TooLarge(crate::MAX_BODY_BYTES)
            } else {
                ApiError::BadRequest { message: format!("could not read the form: {e}"), field: None }
            }
        })?;
        Ok(Form(crate::extract::form_body(&bytes, T::names().as_deref())?))
    }
}

/// Makes sure every browser has a CSRF token: an existing cookie is reused, otherwise
/// one is made and set with the response.
pub async fn csrf_cookie(mut req: Request, next: Next) -> Response {
    let existing = CookieJar::from_headers(req.headers())
        .get(CSRF_COOKIE)
        .map(|c| c.value().to_owned())
        .filter(|v| v.len() == 64 && v.bytes().all(|b| b.is_ascii_hexdigit()));
    let (token, fresh) = match existing {
        Some(t) => (t, false),
        None => (auth::random_token(), true),
    };
    req.extensions_mut().insert(CsrfToken(token.clone()));
    let mut resp = next.run(req).await;
    if fresh {
        let cookie = format!("{CSRF_COOKIE}={token}; Path=/; HttpOnly; SameSite=Lax");
        if let Ok(v) = HeaderValue::from_str(&cookie) {
            resp.headers_mut().append(header::SET_COOKIE, v);
        }
    }
    resp
}

#[derive(Clone)]
pub struct CsrfToken(pub String);

/// What every page knows: the language, who is logged in, the CSRF token, where it is.
pub struct Ctx {
    pub lang: Lang,
    pub user: Option<User>,
    pub csrf: String,
    pub path: String,
    /// The bell: the logged-in person's unread notices (one count a page).
    pub unread: i64,
}

impl FromRequestParts<AppState> for Ctx {
    type Rejection = PageError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Ctx, PageError> {
        let lang = lang_of(&parts.headers);
        let caller = Caller::from_request_parts(parts, state).await?;
        let nonce = parts.extensions.get::<CsrfToken>().map(|t| t.0.as_str()).unwrap_or_default();
        let session = caller.user.as_ref().and(caller.session_token.as_deref());
        let csrf = auth::csrf_token(&state.csrf_key, session, nonce);
        let path = parts.uri.path_and_query().map(|p| p.as_str().to_owned()).unwrap_or_else(|| "/".into());
        let unread = match &caller.user {
            Some(u) => state.store.unread_notices(u.id).await?,
            None => 0,
        };
        Ok(Ctx { lang, user: caller.user, csrf, path, unread })
    }
}

impl Ctx {
    pub fn t<'a>(&self, key: &'a str) -> &'a str {
        self.lang.t(key)
    }

    pub fn other_lang_href(&self) -> String {
        format!("/lang/{}?next={}", self.lang.other().code(), urlencode(&self.path))
    }

    pub fn is_staff(&self) -> bool {
        self.user.as_ref().is_some_and(|u| u.role.is_staff())
    }

    pub fn manages(&self) -> bool {
        self.user.as_ref().is_some_and(|u| u.role.manages_accounts())
    }

    /// The logged-in user, or a redirect to the login page.
    pub fn require_user(&self) -> Result<&User, PageError> {
        self.user.as_ref().ok_or_else(|| PageError::login(&self.path))
    }

    pub fn require_staff(&self) -> Result<&User, PageError> {
        let u = self.require_user()?;
        if u.role.is_staff() {
            Ok(u)
        } else {
            Err(ApiError::Forbidden("this is for union staff".into()).into())
        }
    }

    /// A form's token must be this session's, or this browser's without one.
    pub fn check_csrf(&self, given: &str) -> Result<(), PageError> {
        let ok = !self.csrf.is_empty()
            && given.len() == self.csrf.len()
            && given.bytes().zip(self.csrf.bytes()).fold(0u8, |a, (x, y)| a | (x ^ y)) == 0;
        if ok {
            Ok(())
        } else {
            Err(ApiError::BadRequest { message: self.t("csrf").to_owned(), field: None }.into())
        }
    }

    pub fn datetime(&self, t: &youyue_domain::Timestamp) -> String {
        self.lang.datetime(*t)
    }
}

/// Messages next to form fields, keyed by field name.
#[derive(Default)]
pub struct Errors(pub HashMap<String, String>);

impl Errors {
    pub fn get(&self, field: &str) -> Option<&str> {
        self.0.get(field).map(String::as_str)
    }
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
    /// An error shown in the page's one place for messages (`general`), whatever its field.
    pub fn general(lang: Lang, e: &ApiError) -> Errors {
        Errors(HashMap::from([("general".to_owned(), general_message(lang, e))]))
    }
    /// Puts an API error next to its field (in the page's language), or under `general`.
    pub fn from_api(lang: Lang, e: &ApiError) -> Errors {
        let field = e.field().unwrap_or_else(|| "general".into());
        let message = match e {
            ApiError::Invalid { message, .. } | ApiError::BadRequest { message, field: Some(_) } => {
                lang.field_error(&field, message)
            }
            _ => general_message(lang, e),
        };
        Errors(HashMap::from([(field, message)]))
    }
}

/// Chinese words for a field that was refused (the API's own message is English); an
/// empty required field is asked for by `Lang::field_error` instead.
pub(super) fn field_message_zh(field: &str) -> Option<&'static str> {
    Some(match field {
        "kind" => "请选择约什么。",
        "description" => "请填写具体情况（不超过 20000 字）。",
        "title" => "标题不能超过 200 字。",
        "people" => "请填写涉及人数：个人至少 1 人，集体至少 2 人。",
        "worker_name" | "name" => "请填写称呼（不超过 200 字）。",
        "contact" => "联系方式不能超过 200 字；同意接收短信/邮件通知的，须填写手机号码或电子邮箱。",
        "email" => "请填写正确的电子邮箱地址，如 wang@example.com；留空则不发邮件。",
        "phone" => "请填写 11 位手机号码；留空则不发短信。",
        "notices_off" => "请从列出的通知类型中选择。",
        "wecom_webhook" => "请填写企业微信群机器人的 Webhook 地址（https:// 开头，不超过 500 字）；留空则不发。",
        "quiet_hours" => "免打扰时段须写作 时:分（00:00–23:59），且只能在区级（顶级）工会设置。",
        "union" => "没有这个工会。",
        "channel" => "请选择来源。",
        "opened_at" => "请填写正确的时间，且不能晚于现在。",
        "text" => "请填写内容。",
        "place" => "请填写地点。",
        "starts_at" => "请填写正确的时间。",
        "slot" => "请选择一个空闲时段。",
        "specialist" => "请选择一个空闲时段。",
        "link" => "请填写正确的链接（https:// 或 tel:）。",
        "outcome" => "请选择结果。",
        "resolution" => "请填写办理结果。",
        "agreement" => "纠纷须说明是否达成调解协议。",
        "adopted" => "建议须说明企业是否采纳。",
        "amount_recovered" => "金额须为元，最多两位小数，如 30000 或 4500.50；一件最多 100000000.00 元（一亿元）。",
        "explanation" => "请填写解释说明。",
        "reason" => "请填写原因。",
        "remove" => "请填写要删除的文字，须与标题或具体情况中的原文完全一致。",
        "handler" => "请选择能够承办此约事的人员。",
        "due_on" => "期限须为日期，写作 年-月-日（如 2026-03-31），且不能早于今天。",
        "commission" => "请填写劳动人事争议仲裁委员会的名称（不超过 200 字）。",
        "referred_on" => "转仲裁日期须在法定调解期限届满之后，且不能晚于今天。",
        "rating" => "请选择一个评价。",
        "comment" => "意见不能超过 20000 字。",
        "username" => "用户名须为 1–64 位小写字母、数字或 . _ -，且未被占用。",
        "password" => "请输入正确的密码（新设的密码至少 10 位）。",
        "current" => "当前密码不对。",
        "new" => "新密码至少 10 位，且须与当前密码不同。",
        "again" => "两次输入的新密码不一致。",
        "code" => "动态码不对，请输入应用上现在显示的 6 位数字。",
        "totp" => "请输入身份验证器上的 6 位动态码。",
        "body" => "请填写正文。",
        "note" => "说明不能超过 200 字。",
        "active" => "不能停用自己的账号：请另一位管理员操作。",
        "role" => "请选择角色；自己的角色须由另一位主席或管理员更改。",
        "score" => "请选择一个评价。",
        "number" => "请填写正确的约事编号，如 JD-2026-000123。",
        "round" => "请选择一月一评或年度测评。",
        "Idempotency-Key" => "表单已失效，请刷新页面后重新提交。",
        _ => return None,
    })
}

fn general_message(lang: Lang, e: &ApiError) -> String {
    match (lang, e) {
        // A refused value, also where the page has one place for messages: a sentence in
        // the page's language (the API's message is English).
        (_, ApiError::Invalid { field, message }) => lang.field_error(field, message),
        (Lang::Zh, ApiError::WrongCredentials) => "用户名或密码不对。".into(),
        (Lang::Zh, ApiError::TooManyRequests) => "尝试次数过多，请稍等一分钟再试。".into(),
        (Lang::Zh, ApiError::LoginDelayed(s)) => format!("登录失败次数过多，请 {s} 秒后再试。"),
        (Lang::Zh, ApiError::SecondFactor) => "请输入身份验证器上的 6 位动态码。".into(),
        (Lang::Zh, ApiError::NotFound(_)) => "没有找到，或您无权查看。".into(),
        // The API's reason is English: the Chinese page says it in Chinese only.
        (Lang::Zh, ApiError::Forbidden(_)) => "您的角色不能进行此操作。".into(),
        (Lang::Zh, ApiError::SlotTaken(_)) => "这个时段刚被别人约走了，请另选一个空闲时段。".into(),
        (Lang::Zh, ApiError::Conflict(_)) => "当前状态不允许此操作，或约事刚被他人修改，请刷新页面后再看。".into(),
        (Lang::Zh, ApiError::Refused { code: "mediation_period_running", .. }) => {
            "法定调解期限（登记次日起 15 日）尚未届满，届满后未达成调解协议的，才能转仲裁。".into()
        }
        (Lang::Zh, ApiError::Refused { code: "not_a_dispute", .. }) => "只有劳动纠纷才能转仲裁。".into(),
        (Lang::Zh, ApiError::Refused { .. }) => "当前状态不允许此操作。".into(),
        (Lang::Zh, ApiError::Unavailable(_)) => "系统暂时繁忙，请稍后再试。".into(),
        (Lang::Zh, ApiError::NotProvided(_)) => "服务器没有可用的中文字体，无法生成 PDF；请用打印页面打印。".into(),
        (Lang::Zh, ApiError::Internal(_)) => "系统出错，已记录，请稍后再试。".into(),
        _ => e.public_message(),
    }
}

/// The language of a request: its `lang` cookie, Chinese without one.
pub fn lang_of(headers: &axum::http::HeaderMap) -> Lang {
    Lang::from_cookie(CookieJar::from_headers(headers).get(LANG_COOKIE).map(|c| c.value()))
}

/// An error shown as a page a person can understand (404, 403, …), or a redirect to log in.
/// Handlers return it with `?` from any `ApiError` or `StoreError`; the page itself is
/// rendered in the request's language by `error_pages`.
pub enum PageError {
    Failed(ApiError),
    /// Not logged in: to the login page, and back to `next` afterwards.
    Login {
        next: String,
    },
}

impl PageError {
    fn login(next: &str) -> PageError {
        PageError::Login { next: next.to_owned() }
    }
}

impl From<ApiError> for PageError {
    fn from(e: ApiError) -> PageError {
        PageError::Failed(e)
    }
}

impl From<youyue_store::StoreError> for PageError {
    fn from(e: youyue_store::StoreError) -> PageError {
        PageError::Failed(e.into())
    }
}

/// A page error on its way out of a handler, for `error_pages` to render.
#[derive(Clone)]
struct Unrendered(std::sync::Arc<ApiError>);

#[derive(Template)]
#[template(path = "error.html")]
struct ErrorPage {
    ctx: Ctx,
    title: String,
    message: String,
    /// The refused field's own name, for whoever reads the page's markup (the message
    /// names it in the page's words).
    field: Option<String>,
}

impl IntoResponse for PageError {
    fn into_response(self) -> Response {
        match self {
            PageError::Login { next } => Redirect::to(&format!("/login?next={}", urlencode(&next))).into_response(),
            PageError::Failed(err) => {
                err.log("page");
                let mut response = err.status().into_response();
                response.extensions_mut().insert(Unrendered(std::sync::Arc::new(err)));
                response
            }
        }
    }
}

/// Renders the page of a handler's error in the request's language: the one place that
/// knows both (a handler's error is made before, and without, the page's context).
async fn error_pages(
    axum::extract::State(state): axum::extract::State<AppState>,
    req: Request,
    next: Next,
) -> Response {
    let asked = Asked::of(&req);
    let mut response = next.run(req).await;
    match response.extensions_mut().remove::<Unrendered>() {
        // A server-side failure (the database away) is not asked about the session again.
        Some(Unrendered(err)) if err.status().is_server_error() => error_page(asked.logged_out(), &err),
        Some(Unrendered(err)) => error_page(asked.ctx(&state).await, &err),
        None => response,
    }
}

/// What an error page needs of its request, kept while the handler consumes it: the page
/// is shown as the caller's (their header, their way home), like any other page.
struct Asked {
    headers: axum::http::HeaderMap,
    uri: axum::http::Uri,
    csrf: Option<CsrfToken>,
}

impl Asked {
    fn of(req: &Request) -> Asked {
        Asked { headers: req.headers().clone(), uri: req.uri().clone(), csrf: req.extensions().get().cloned() }
    }

    /// The page context of the request; a session that cannot be read shows the page
    /// logged out.
    async fn ctx(self, state: &AppState) -> Ctx {
        let fallback = self.logged_out();
        let (mut parts, ()) = axum::http::Request::new(()).into_parts();
        parts.headers = self.headers;
        parts.uri = self.uri;
        if let Some(t) = self.csrf {
            parts.extensions.insert(t);
        }
        Ctx::from_request_parts(&mut parts, state).await.unwrap_or(fallback)
    }

    /// The page as shown to nobody in particular, in the request's language.
    fn logged_out(&self) -> Ctx {
        Ctx { lang: lang_of(&self.headers), user: None, csrf: String::new(), path: "/".into(), unread: 0 }
    }
}

/// The page of an error (404, 403, 409, 422, 503, …) in the caller's language.
fn error_page(ctx: Ctx, err: &ApiError) -> Response {
    let lang = ctx.lang;
    let status = err.status();
    let title = match status {
        StatusCode::NOT_FOUND => lang.t("not_found_title"),
        StatusCode::FORBIDDEN => lang.t("forbidden_title"),
        _ => lang.t("error_title"),
    };
    // A refused value is named: the page has no form to put the message next to (and the
    // field may be a part of the address, not one the worker typed).
    let message = match err {
        ApiError::Invalid { field, message } => match lang {
            Lang::Zh => format!("{}：{}", i18n::zh_field_noun(field).unwrap_or(field), lang.t("bad_value_page")),
            Lang::En => format!("{field}: {}", lang.field_error(field, message)),
        },
        _ => general_message(lang, err),
    };
    let page = ErrorPage { ctx, title: title.to_owned(), message, field: err.field() };
    (status, render(&page)).into_response()
}

pub type PageResult = Result<Response, PageError>;

/// Renders a template; a template that fails to render is an internal error.
pub fn render<T: Template>(t: &T) -> Response {
    match t.render() {
        Ok(html) => Html(html).into_response(),
        Err(e) => {
            tracing::error!(error = %e, "template failed");
            (StatusCode::INTERNAL_SERVER_ERROR, "template error").into_response()
        }
    }
}

/// The HTML 404 for paths no page or API answers.
pub async fn not_found(axum::extract::State(state): axum::extract::State<AppState>, req: Request) -> Response {
    error_page(Asked::of(&req).ctx(&state).await, &ApiError::not_found("no such page"))
}

pub fn urlencode(s: &str) -> String {
    form_urlencoded::byte_serialize(s.as_bytes()).collect()
}

/// Only paths of this site are followed after a switch or a login (no open redirect).
pub fn local_path(next: Option<&String>) -> String {
    match next {
        // Printable ASCII only: browsers drop tabs and newlines, so "/\t/evil" would act as "//evil".
        Some(n)
            if n.starts_with('/')
                && !n.starts_with("//")
                && !n.contains('\\')
                && n.bytes().all(|b| b.is_ascii_graphic()) =>
        {
            n.clone()
        }
        _ => "/".into(),
    }
}

async fn set_lang(Path(code): Path<String>, Query(q): Query<HashMap<String, String>>) -> Response {
    let lang = if code == "en" { "en" } else { "zh" };
    let cookie = format!("{LANG_COOKIE}={lang}; Path=/; Max-Age=31536000; SameSite=Lax");
    let mut resp = Redirect::to(&local_path(q.get("next"))).into_response();
    if let Ok(v) = HeaderValue::from_str(&cookie) {
        resp.headers_mut().append(header::SET_COOKIE, v);
    }
    resp
}

async fn css() -> Response {
    (
        [(header::CONTENT_TYPE, "text/css; charset=utf-8"), (header::CACHE_CONTROL, "public, max-age=3600")],
        include_str!("../../static/app.css"),
    )
        .into_response()
}

#[cfg(test)]
mod tests {
    use super::local_path;

    #[test]
    fn only_local_paths_are_followed() {
        let go = |s: &str| local_path(Some(&s.to_owned()));
        assert_eq!(go("/inbox?tab=all"), "/inbox?tab=all");
        for bad in ["//evil.example", "/\t/evil.example", "/\\evil", "https://evil.example", "/%0a", "/ x"] {
            let expect = if bad == "/%0a" { "/%0a" } else { "/" };
            assert_eq!(go(bad), expect, "{bad:?}");
        }
        assert_eq!(local_path(None), "/");
    }
}
