//! The union tree and a studio's own page: its eight configurations, its staff accounts
//! and its bulletin board. Viewing needs a staff account in the union's subtree; changing
//! needs a chair or an administrator (`access::may_manage_accounts`).

use super::Form;
use super::{render, Ctx, Errors, PageResult};
use crate::access;
use crate::auth;
use crate::error::ApiError;
use crate::service::{self, MIN_PASSWORD_CHARS};
use crate::AppState;
use askama::Template;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Redirect};
use serde::Deserialize;
use std::collections::{BTreeMap, HashMap};
use youyue_domain::exchange::{check_username, UserRecord};
use youyue_domain::roster::Specialty;
use youyue_domain::studio::{BulletinRecord, StudioItem, StudioItemRecord};
use youyue_domain::{Role, Timestamp};
use youyue_store::{Union, User};

#[derive(Template)]
#[template(path = "unions.html")]
struct UnionsPage {
    ctx: Ctx,
    unions: Vec<Union>,
}

impl UnionsPage {
    /// A class that indents a union by its depth below the first one listed.
    fn indent(&self, u: &Union) -> String {
        let base = self.unions.first().map_or(0, |r| r.depth);
        format!("depth-{}", (u.depth - base).clamp(0, 6))
    }
    fn opened(&self, u: &Union) -> String {
        u.record.studio_opened_on.map(|d| self.ctx.lang.date(d)).unwrap_or_default()
    }
}

pub async fn unions(ctx: Ctx, State(state): State<AppState>) -> PageResult {
    let user = ctx.require_staff()?.clone();
    let own = access::own_union(state.store.as_ref(), &user).await?;
    let unions = state.store.subtree(&own).await?;
    Ok(render(&UnionsPage { ctx, unions }))
}

/// One of the eight configurations as shown.
pub struct ItemRow {
    pub key: &'static str,
    pub label: &'static str,
    pub done: bool,
    pub note: String,
    pub updated: String,
}

#[derive(Template)]
#[template(path = "union.html")]
struct UnionPage {
    ctx: Ctx,
    union: Union,
    items: Vec<ItemRow>,
    staff: Vec<User>,
    bulletins: Vec<BulletinRecord>,
    can_manage: bool,
    roles: Vec<(&'static str, &'static str)>,
    /// Each account's specialties, and the choices with their words.
    specialties: BTreeMap<i64, Vec<Specialty>>,
    specialty_choices: Vec<(&'static str, &'static str)>,
    errors: Errors,
    notice: Option<String>,
    /// The union's notice settings as the caller may read them.
    notices: crate::service::notices::UnionNotices,
    /// The quiet hours' ends as `HH:MM`, for a district's form.
    quiet_from: String,
    quiet_to: String,
}

impl UnionPage {
    fn role_label(&self, r: &Role) -> &'static str {
        self.ctx.lang.role(*r)
    }
    fn has_specialty(&self, u: &User, s: &str) -> bool {
        self.specialties.get(&u.id).is_some_and(|v| v.iter().any(|x| x.as_str() == s))
    }
    fn specialty_words(&self, u: &User) -> String {
        let lang = self.ctx.lang;
        let v = self.specialties.get(&u.id).cloned().unwrap_or_default();
        v.iter().map(|s| super::roster::specialty_label(lang, *s)).collect::<Vec<_>>().join(" · ")
    }
}

async fn union_page_with(ctx: Ctx, state: &AppState, code: &str, errors: Errors, notice: Option<String>) -> PageResult {
    let user = ctx.require_staff()?.clone();
    let store = state.store.as_ref();
    let union = access::union_within(store, &user, code).await?;
    let stored = store.studio_items(union.id).await?;
    let items = StudioItem::ALL
        .iter()
        .map(|i| {
            let s = stored.iter().find(|r| r.item == *i);
            ItemRow {
                key: i.as_str(),
                label: if ctx.lang == super::Lang::Zh { i.label_zh() } else { i.label_en() },
                done: s.is_some_and(|r| r.done),
                note: s.map(|r| r.note.clone()).unwrap_or_default(),
                updated: s
                    .map(|r| format!("{} · {}", ctx.lang.datetime(r.updated_at), r.updated_by))
                    .unwrap_or_default(),
            }
        })
        .collect();
    let staff: Vec<User> =
        store.users_within(&union.path).await?.into_iter().filter(|u| u.union_id == union.id).collect();
    let ids: Vec<i64> = staff.iter().map(|u| u.id).collect();
    let specialties = store.specialties_of(&ids).await?;
    let lang = ctx.lang;
    let specialty_choices =
        Specialty::ALL.iter().map(|s| (s.as_str(), super::roster::specialty_label(lang, *s))).collect();
    let bulletins = store.bulletins(union.id, 20).await?;
    let can_manage = access::may_manage_accounts(&user, None).is_ok();
    let roles = access::grantable_roles(&user).into_iter().map(|r| (r.as_str(), ctx.lang.role(r))).collect();
    let notices = crate::service::notices::union_notices(state, &user, code).await?;
    let hhmm = |m: u16| format!("{:02}:{:02}", m / 60, m % 60);
    let (quiet_from, quiet_to) = notices.quiet_hours.map(|q| (hhmm(q.from), hhmm(q.to))).unwrap_or_default();
    let status =
        if errors.is_empty() { axum::http::StatusCode::OK } else { axum::http::StatusCode::UNPROCESSABLE_ENTITY };
    let page = UnionPage {
        notices,
        quiet_from,
        quiet_to,
        ctx,
        union,
        items,
        staff,
        bulletins,
        can_manage,
        roles,
        specialties,
        specialty_choices,
        errors,
        notice,
    };
    Ok((status, render(&page)).into_response())
}

pub async fn union_page(ctx: Ctx, State(state): State<AppState>, Path(code): Path<String>) -> PageResult {
    union_page_with(ctx, &state, &code, Errors::default(), None).await
}

/// Checks the CSRF token and that the caller manages the union; returns both.
async fn managed(ctx: &Ctx, state: &AppState, code: &str, csrf: &str) -> Result<(User, Union), super::PageError> {
    let user = ctx.require_staff()?.clone();
    ctx.check_csrf(csrf)?;
    let union = access::union_within(state.store.as_ref(), &user, code).await?;
    access::may_manage_accounts(&user, None)?;
    Ok((user, union))
}

pub async fn save_items(
    ctx: Ctx,
    State(state): State<AppState>,
    Path(code): Path<String>,
    Form(form): Form<HashMap<String, String>>,
) -> PageResult {
    let csrf = form.get("csrf").cloned().unwrap_or_default();
    let (user, union) = managed(&ctx, &state, &code, &csrf).await?;
    let now = Timestamp::now();
    let stored = state.store.studio_items(union.id).await?;
    // Every item is checked before any is written, and the changed ones are written
    // together; only what changed is written, so that "updated by" stays true.
    let mut changed = Vec::new();
    for item in StudioItem::ALL {
        let r = StudioItemRecord {
            union: union.record.code.clone(),
            item: *item,
            done: form.contains_key(&format!("done_{}", item.as_str())),
            note: form.get(&format!("note_{}", item.as_str())).map(|s| s.trim().to_owned()).unwrap_or_default(),
            updated_by: user.username.clone(),
            updated_at: now,
        };
        if let Err(e) = r.check() {
            let errors = Errors::from_api(ctx.lang, &e.into());
            return union_page_with(ctx, &state, &code, errors, None).await;
        }
        let unchanged = match stored.iter().find(|x| x.item == *item) {
            Some(b) => b.done == r.done && b.note == r.note,
            None => !r.done && r.note.is_empty(),
        };
        if !unchanged {
            changed.push(r);
        }
    }
    state.store.set_studio_items(&changed).await?;
    let notice = Some(ctx.t("saved").to_owned());
    union_page_with(ctx, &state, &code, Errors::default(), notice).await
}

#[derive(Deserialize, Default)]
pub struct BulletinForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    title: String,
    #[serde(default)]
    body: String,
}

pub async fn post_bulletin(
    ctx: Ctx,
    State(state): State<AppState>,
    Path(code): Path<String>,
    Form(form): Form<BulletinForm>,
) -> PageResult {
    let (user, union) = managed(&ctx, &state, &code, &form.csrf).await?;
    let b = BulletinRecord {
        union: union.record.code.clone(),
        title: form.title.trim().to_owned(),
        body: form.body.trim().to_owned(),
        posted_by: user.username.clone(),
        posted_at: Timestamp::now(),
    };
    if let Err(e) = b.check() {
        let errors = Errors::from_api(ctx.lang, &ApiError::from(e));
        return union_page_with(ctx, &state, &code, errors, None).await;
    }
    state.store.post_bulletin(&b).await?;
    let notice = Some(ctx.t("posted").to_owned());
    union_page_with(ctx, &state, &code, Errors::default(), notice).await
}

#[derive(Deserialize, Default)]
pub struct InviteForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    username: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    role: String,
}

pub async fn invite(
    ctx: Ctx,
    State(state): State<AppState>,
    Path(code): Path<String>,
    Form(form): Form<InviteForm>,
) -> PageResult {
    let (user, union) = managed(&ctx, &state, &code, &form.csrf).await?;
    let result = async {
        let role = Role::parse(&form.role)
            .filter(|r| r.is_staff())
            .ok_or_else(|| ApiError::invalid("role", "choose a role"))?;
        access::may_manage_accounts(&user, Some(role))?;
        check_username(form.username.trim())?;
        let password = auth::random_password();
        debug_assert!(password.chars().count() >= MIN_PASSWORD_CHARS);
        let rec = UserRecord {
            username: form.username.trim().to_owned(),
            name: form.name.trim().to_owned(),
            union: union.record.code.clone(),
            role,
            password_hash: Some(auth::hash_password(password.clone()).await?),
            active: true,
            specialties: Vec::new(),
            email: None,
            phone: None,
            notices_off: Vec::new(),
        };
        rec.check()?;
        state.store.create_user(&rec, Timestamp::now()).await?;
        Ok::<_, ApiError>((rec.username, password))
    }
    .await;
    match result {
        Ok((username, password)) => {
            let notice = Some(format!("{username} · {}: {password}", ctx.t("new_password")));
            union_page_with(ctx, &state, &code, Errors::default(), notice).await
        }
        Err(ApiError::Conflict(_)) => {
            let errors = Errors::from_api(ctx.lang, &ApiError::invalid("username", "taken"));
            union_page_with(ctx, &state, &code, errors, None).await
        }
        Err(e @ (ApiError::Invalid { .. } | ApiError::Forbidden(_))) => {
            let errors = Errors::from_api(ctx.lang, &e);
            union_page_with(ctx, &state, &code, errors, None).await
        }
        Err(e) => Err(e.into()),
    }
}

#[derive(Deserialize, Default)]
pub struct UserChangeForm {
    #[serde(default)]
    csrf: String,
    /// disable | enable | role | specialties
    #[serde(default)]
    op: String,
    #[serde(default)]
    role: String,
    /// The specialty boxes (`op=specialties`), one a specialty: ticked or absent.
    #[serde(default)]
    sp_mediator: Option<String>,
    #[serde(default)]
    sp_lawyer: Option<String>,
    #[serde(default)]
    sp_counsellor: Option<String>,
    #[serde(default)]
    sp_teacher: Option<String>,
    #[serde(default)]
    sp_arbitrator: Option<String>,
    #[serde(default)]
    sp_advisor: Option<String>,
    #[serde(default)]
    sp_liaison: Option<String>,
}

impl UserChangeForm {
    /// The ticked specialties.
    fn specialties(&self) -> Vec<Specialty> {
        let ticked = [
            (Specialty::Mediator, &self.sp_mediator),
            (Specialty::Lawyer, &self.sp_lawyer),
            (Specialty::Counsellor, &self.sp_counsellor),
            (Specialty::Teacher, &self.sp_teacher),
            (Specialty::Arbitrator, &self.sp_arbitrator),
            (Specialty::Advisor, &self.sp_advisor),
            (Specialty::Liaison, &self.sp_liaison),
        ];
        ticked.into_iter().filter(|(_, v)| v.is_some()).map(|(s, _)| s).collect()
    }
}

pub async fn change_user(
    ctx: Ctx,
    State(state): State<AppState>,
    Path((code, username)): Path<(String, String)>,
    Form(form): Form<UserChangeForm>,
) -> PageResult {
    let (user, union) = managed(&ctx, &state, &code, &form.csrf).await?;
    // This page manages the accounts of its own union only.
    let target = access::managed_account(state.store.as_ref(), &user, &username).await?;
    if target.union_id != union.id {
        return Err(ApiError::not_found(format!("no account \"{username}\"")).into());
    }
    let change = match form.op.as_str() {
        "disable" => Ok(service::AccountChange { active: Some(false), ..Default::default() }),
        "enable" => Ok(service::AccountChange { active: Some(true), ..Default::default() }),
        "specialties" => Ok(service::AccountChange { specialties: Some(form.specialties()), ..Default::default() }),
        "role" => match Role::parse(&form.role).filter(|r| r.is_staff()) {
            Some(r) => Ok(service::AccountChange { role: Some(r), ..Default::default() }),
            None => Err(ApiError::invalid("role", "choose a role")),
        },
        _ => Err(ApiError::invalid("general", "unknown change")),
    };
    let result = match change {
        Ok(c) => service::change_account(&state, &user, &target.username, c).await.map(|_| ()),
        Err(e) => Err(e),
    };
    match result {
        Ok(()) => Ok(Redirect::to(&format!("/unions/{code}#staff")).into_response()),
        // The staff list has one place for messages, above it.
        Err(e @ (ApiError::Invalid { .. } | ApiError::Forbidden(_))) => {
            let errors = Errors::general(ctx.lang, &e);
            union_page_with(ctx, &state, &code, errors, None).await
        }
        Err(e) => Err(e.into()),
    }
}

#[derive(Deserialize, Default)]
pub struct NoticesForm {
    #[serde(default)]
    csrf: String,
    /// save | clear | test
    #[serde(default)]
    op: String,
    /// A new robot URL; empty leaves the one set (the page never shows a URL in a field).
    #[serde(default)]
    wecom_webhook: String,
    /// A district's quiet hours, `HH:MM`.
    #[serde(default)]
    quiet_from: Option<String>,
    #[serde(default)]
    quiet_to: Option<String>,
}

/// Sets, clears or tries the union's WeChat Work group robot, and a district's quiet hours:
/// the same service as `PUT /api/v1/unions/{code}/notices`.
pub async fn set_notices(
    ctx: Ctx,
    State(state): State<AppState>,
    Path(code): Path<String>,
    Form(form): Form<NoticesForm>,
) -> PageResult {
    use crate::service::notices as svc;
    let user = ctx.require_staff()?.clone();
    ctx.check_csrf(&form.csrf)?;
    let result = match form.op.as_str() {
        "test" => match svc::test_webhook(&state, &user, &code).await {
            Ok(Ok(())) => Ok(ctx.t("webhook_test_sent").to_owned()),
            // What the robot (or the network) answered, in the page's place for alerts.
            Ok(Err(why)) => {
                let failed = format!("{}{why}", ctx.t("webhook_test_failed"));
                let errors = Errors(HashMap::from([("general".to_owned(), failed)]));
                return union_page_with(ctx, &state, &code, errors, None).await;
            }
            Err(e) => Err(e),
        },
        "clear" => {
            let change = svc::NoticesChange { wecom_webhook: Some(String::new()), ..Default::default() };
            svc::set_union_notices(&state, &user, &code, change).await.map(|_| ctx.t("saved").to_owned())
        }
        "save" => {
            let url = Some(form.wecom_webhook.trim().to_owned()).filter(|u| !u.is_empty());
            let quiet_hours = match (form.quiet_from.as_deref(), form.quiet_to.as_deref()) {
                (Some(from), Some(to)) => {
                    Some(svc::parse_quiet_hours(serde_json::json!({"from": from.trim(), "to": to.trim()})).map(Some))
                }
                (None, None) => None,
                _ => Some(Err(ApiError::invalid("quiet_hours", "give both ends"))),
            }
            .transpose();
            match quiet_hours {
                Ok(quiet_hours) => {
                    let change = svc::NoticesChange { wecom_webhook: url, quiet_hours };
                    svc::set_union_notices(&state, &user, &code, change).await.map(|_| ctx.t("saved").to_owned())
                }
                Err(e) => Err(e),
            }
        }
        _ => Err(ApiError::invalid("general", "unknown change")),
    };
    match result {
        Ok(notice) => union_page_with(ctx, &state, &code, Errors::default(), Some(notice)).await,
        Err(e @ (ApiError::Invalid { .. } | ApiError::Forbidden(_))) => {
            let errors = Errors::from_api(ctx.lang, &e);
            union_page_with(ctx, &state, &code, errors, None).await
        }
        Err(e) => Err(e.into()),
    }
}
