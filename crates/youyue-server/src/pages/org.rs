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
use std::collections::HashMap;
use youyue_domain::exchange::{check_username, UserRecord};
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
    errors: Errors,
    notice: Option<String>,
}

impl UnionPage {
    fn role_label(&self, r: &Role) -> &'static str {
        self.ctx.lang.role(*r)
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
    let staff = store.users_within(&union.path).await?.into_iter().filter(|u| u.union_id == union.id).collect();
    let bulletins = store.bulletins(union.id, 20).await?;
    let can_manage = access::may_manage_accounts(&user, None).is_ok();
    let roles = access::grantable_roles(&user).into_iter().map(|r| (r.as_str(), ctx.lang.role(r))).collect();
    let status =
        if errors.is_empty() { axum::http::StatusCode::OK } else { axum::http::StatusCode::UNPROCESSABLE_ENTITY };
    let page = UnionPage { ctx, union, items, staff, bulletins, can_manage, roles, errors, notice };
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
    /// disable | enable | role
    #[serde(default)]
    op: String,
    #[serde(default)]
    role: String,
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
