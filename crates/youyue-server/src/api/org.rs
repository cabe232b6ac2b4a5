//! The union tree and staff accounts, within the caller's subtree.

use crate::access;
use crate::api::dto::{UnionView, UserView};
use crate::auth::{self, Caller};
use crate::error::{ApiError, ApiResult, ErrorBody};
use crate::extract::ApiJson;
use crate::service;
use crate::AppState;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::Json;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use youyue_domain::calendar::CalendarDay;
use youyue_domain::exchange::{check_username, UnionRecord, UserRecord};
use youyue_domain::studio::{BulletinRecord, StudioItem, StudioItemRecord};
use youyue_domain::{Role, Timestamp, UnionCode};

/// The caller's union and every union below it, parents first.
#[utoipa::path(get, path = "/api/v1/unions", tag = "organisation",
    responses((status = 200, body = [UnionView]), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody)))]
pub async fn list_unions(State(state): State<AppState>, caller: Caller) -> ApiResult<Json<Vec<UnionView>>> {
    let user = caller.staff()?;
    let own = access::own_union(state.store.as_ref(), user).await?;
    let all = state.store.subtree(&own).await?;
    Ok(Json(all.iter().map(UnionView::from).collect()))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewUnion {
    /// e.g. "jd.s1.e8": a–z, 0–9, '.', '-', '_'.
    pub code: String,
    pub name: String,
    /// A union in the caller's subtree.
    pub parent: String,
    /// 'YYYY-MM-DD' when the union's studio opened; absent if it has none yet.
    #[serde(default)]
    pub studio_opened_on: Option<String>,
}

/// Adds a union (and its studio) below one in the caller's subtree (chair or administrator).
#[utoipa::path(post, path = "/api/v1/unions", request_body = NewUnion, tag = "organisation",
    responses((status = 201, body = UnionView), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn create_union(
    State(state): State<AppState>,
    caller: Caller,
    ApiJson(body): ApiJson<NewUnion>,
) -> ApiResult<(StatusCode, Json<UnionView>)> {
    let user = caller.staff()?;
    access::may_manage_accounts(user, None)?;
    let store = state.store.as_ref();
    let parent = access::union_within(store, user, &body.parent).await?;
    let code: UnionCode = body
        .code
        .parse()
        .map_err(|e: youyue_domain::union::UnionCodeError| ApiError::invalid("code", e.to_string()))?;
    if store.union_by_code(&code).await?.is_some() {
        return Err(ApiError::Conflict(format!("union code \"{code}\" is taken")));
    }
    let studio_opened_on = match &body.studio_opened_on {
        Some(d) => {
            Some(youyue_domain::time::parse_date(d).map_err(|e| ApiError::invalid("studio_opened_on", e.to_string()))?)
        }
        None => None,
    };
    let rec = UnionRecord {
        code,
        name: body.name.trim().to_owned(),
        parent: Some(parent.record.code),
        studio_opened_on,
        case_prefix: None,
        wecom_webhook: None,
    };
    rec.check()?;
    let u = store.put_union(&rec, Timestamp::now()).await?;
    Ok((StatusCode::CREATED, Json(UnionView::from(&u))))
}

/// Accounts of the unions in the caller's subtree.
#[utoipa::path(get, path = "/api/v1/users", tag = "organisation",
    responses((status = 200, body = [UserView]), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody)))]
pub async fn list_users(State(state): State<AppState>, caller: Caller) -> ApiResult<Json<Vec<UserView>>> {
    let user = caller.staff()?;
    let users = state.store.users_within(&user.union_path).await?;
    let ids: Vec<i64> = users.iter().map(|u| u.id).collect();
    let specialties = state.store.specialties_of(&ids).await?;
    Ok(Json(users.iter().map(|u| UserView::with(u, &specialties).masked_for(user, u)).collect()))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewUser {
    pub username: String,
    pub name: String,
    /// A union in the caller's subtree.
    pub union: String,
    pub role: Role,
    /// At least 10 characters; leave out to have one generated and shown once.
    #[serde(default)]
    pub password: Option<String>,
    /// What a staff account can serve as: mediator, lawyer, counsellor, teacher,
    /// arbitrator, advisor, liaison. A worker account has none.
    #[serde(default)]
    pub specialties: Vec<String>,
}

#[derive(Serialize, ToSchema)]
pub struct UserCreated {
    pub user: UserView,
    /// The generated password, shown once; absent when one was given.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub password: Option<String>,
}

/// Creates an account in the caller's subtree (chair or administrator).
#[utoipa::path(post, path = "/api/v1/users", request_body = NewUser, tag = "organisation",
    responses((status = 201, body = UserCreated), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn create_user(
    State(state): State<AppState>,
    caller: Caller,
    ApiJson(body): ApiJson<NewUser>,
) -> ApiResult<(StatusCode, Json<UserCreated>)> {
    let user = caller.staff()?;
    access::may_manage_accounts(user, Some(body.role))?;
    check_username(&body.username)?;
    let specialties = service::specialties_for(body.role, &body.specialties)?;
    let union = access::union_within(state.store.as_ref(), user, &body.union).await?;
    let (password, generated) = match body.password {
        Some(p) => {
            service::check_new_password("password", &p)?;
            (p, None)
        }
        None => {
            let p = auth::random_password();
            (p.clone(), Some(p))
        }
    };
    let rec = UserRecord {
        username: body.username,
        name: body.name.trim().to_owned(),
        union: union.record.code,
        role: body.role,
        password_hash: Some(auth::hash_password(password).await?),
        active: true,
        specialties,
        email: None,
        phone: None,
        notices_off: Vec::new(),
    };
    rec.check()?;
    let created = state.store.create_user(&rec, Timestamp::now()).await?;
    let view = UserView { specialties: rec.specialties, ..UserView::from(&created) };
    Ok((StatusCode::CREATED, Json(UserCreated { user: view, password: generated })))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UserChange {
    /// false disables the account and ends its sessions.
    #[serde(default)]
    pub active: Option<bool>,
    /// A new password (at least 10 characters); ends the account's sessions.
    #[serde(default)]
    pub password: Option<String>,
    /// A new role (chair or administrator; only an administrator makes an administrator).
    #[serde(default)]
    pub role: Option<Role>,
    /// The account's specialties, replacing those it has (staff only).
    #[serde(default)]
    pub specialties: Option<Vec<String>>,
    /// Where e-mail notices go; "" or null clears it.
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<String>)]
    pub email: Option<Option<String>>,
    /// A mainland mobile number (11 digits) for SMS notices; "" or null clears it.
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<String>)]
    pub phone: Option<Option<String>>,
    /// Kinds of notice not to send by e-mail or SMS (the bell keeps them): new_case,
    /// urgent_case, assigned, due_tomorrow, overdue, chased, supervised,
    /// appointment_booked, appointment_changed, appointment_cancelled, reminder_day,
    /// reminder_hour. Replaces the set.
    #[serde(default)]
    pub notices_off: Option<Vec<String>>,
}

/// A field that may be sent as null: present (`Some`, null as `Some(None)`) or absent
/// (`None`, by `#[serde(default)]`).
fn present<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<Option<String>>, D::Error> {
    Option::<String>::deserialize(d).map(Some)
}

/// Disables or enables an account, sets its password, role or specialties (chair or administrator, in their
/// subtree; anyone for their own password), and its e-mail, phone and the notices turned off (the
/// person, or a chair or administrator over the account).
#[utoipa::path(patch, path = "/api/v1/users/{username}", request_body = UserChange, tag = "organisation",
    params(("username" = String, Path)),
    responses((status = 200, body = UserView), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 422, body = ErrorBody)))]
pub async fn change_user(
    State(state): State<AppState>,
    caller: Caller,
    Path(username): Path<String>,
    ApiJson(body): ApiJson<UserChange>,
) -> ApiResult<Json<UserView>> {
    let me = caller.user()?;
    let specialties = match &body.specialties {
        Some(names) => Some(service::parse_specialties(names)?),
        None => None,
    };
    // null and "" both clear an address.
    let cleared = |v: Option<Option<String>>| v.map(Option::unwrap_or_default);
    let change = service::AccountChange {
        active: body.active,
        password: body.password,
        role: body.role,
        specialties,
        email: cleared(body.email),
        phone: cleared(body.phone),
        notices_off: body.notices_off,
    };
    let updated = service::change_account(&state, me, &username, change).await?;
    let specialties = state.store.specialties_of(&[updated.id]).await?;
    Ok(Json(UserView::with(&updated, &specialties)))
}

#[derive(Serialize, ToSchema)]
pub struct BulletinView {
    pub title: String,
    pub body: String,
    /// The staff member who posted it; left out on the public list.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub posted_by: Option<String>,
    /// RFC 3339, China time.
    pub posted_at: String,
}

impl From<BulletinRecord> for BulletinView {
    fn from(b: BulletinRecord) -> BulletinView {
        BulletinView {
            title: b.title,
            body: b.body,
            posted_by: Some(b.posted_by),
            posted_at: b.posted_at.to_rfc3339_cst(),
        }
    }
}

/// A studio's bulletin board (公告栏), newest first: public.
#[utoipa::path(get, path = "/api/v1/public/unions/{code}/bulletins", tag = "public",
    params(("code" = String, Path)),
    responses((status = 200, body = [BulletinView]), (status = 404, body = ErrorBody)))]
pub async fn public_bulletins(
    State(state): State<AppState>,
    Path(code): Path<String>,
) -> ApiResult<Json<Vec<BulletinView>>> {
    let not_found = || ApiError::not_found(format!("no union \"{code}\""));
    let c: UnionCode = code.parse().map_err(|_| not_found())?;
    let u = state.store.union_by_code(&c).await?.ok_or_else(not_found)?;
    let list = state.store.bulletins(u.id, 50).await?;
    // Staff usernames are not published: they are login names.
    Ok(Json(list.into_iter().map(|b| BulletinView { posted_by: None, ..BulletinView::from(b) }).collect()))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewBulletin {
    pub title: String,
    pub body: String,
}

/// Posts on a studio's bulletin board (chair or administrator, in their subtree).
#[utoipa::path(post, path = "/api/v1/unions/{code}/bulletins", request_body = NewBulletin, tag = "organisation",
    params(("code" = String, Path)),
    responses((status = 201, body = BulletinView), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 422, body = ErrorBody)))]
pub async fn post_bulletin(
    State(state): State<AppState>,
    caller: Caller,
    Path(code): Path<String>,
    ApiJson(body): ApiJson<NewBulletin>,
) -> ApiResult<(StatusCode, Json<BulletinView>)> {
    let user = caller.staff()?;
    let union = access::union_within(state.store.as_ref(), user, &code).await?;
    access::may_manage_accounts(user, None)?;
    let b = BulletinRecord {
        union: union.record.code,
        title: body.title.trim().to_owned(),
        body: body.body.trim().to_owned(),
        posted_by: user.username.clone(),
        posted_at: Timestamp::now(),
    };
    b.check()?;
    state.store.post_bulletin(&b).await?;
    Ok((StatusCode::CREATED, Json(BulletinView::from(b))))
}

#[derive(Serialize, ToSchema)]
pub struct StudioItemView {
    pub item: StudioItem,
    pub label: String,
    pub done: bool,
    pub note: String,
    pub updated_by: Option<String>,
    pub updated_at: Option<String>,
}

/// A studio's eight configurations (8 个配置), all eight listed.
#[utoipa::path(get, path = "/api/v1/unions/{code}/studio", tag = "organisation",
    params(("code" = String, Path)),
    responses((status = 200, body = [StudioItemView]), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn studio_items(
    State(state): State<AppState>,
    caller: Caller,
    Path(code): Path<String>,
) -> ApiResult<Json<Vec<StudioItemView>>> {
    let user = caller.staff()?;
    let union = access::union_within(state.store.as_ref(), user, &code).await?;
    let stored = state.store.studio_items(union.id).await?;
    Ok(Json(
        StudioItem::ALL
            .iter()
            .map(|i| {
                let s = stored.iter().find(|r| r.item == *i);
                StudioItemView {
                    item: *i,
                    label: i.label_zh().to_owned(),
                    done: s.is_some_and(|r| r.done),
                    note: s.map(|r| r.note.clone()).unwrap_or_default(),
                    updated_by: s.map(|r| r.updated_by.clone()),
                    updated_at: s.map(|r| r.updated_at.to_rfc3339_cst()),
                }
            })
            .collect(),
    ))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct StudioItemInput {
    pub done: bool,
    #[serde(default)]
    pub note: String,
}

/// Sets one of the studio's configurations (chair or administrator).
#[utoipa::path(put, path = "/api/v1/unions/{code}/studio/{item}", request_body = StudioItemInput, tag = "organisation",
    params(("code" = String, Path), ("item" = String, Path, description = "workplace | sign | rules | hotline | mailbox | roster | record_book | bulletin_board")),
    responses((status = 204), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn set_studio_item(
    State(state): State<AppState>,
    caller: Caller,
    Path((code, item)): Path<(String, String)>,
    ApiJson(body): ApiJson<StudioItemInput>,
) -> ApiResult<StatusCode> {
    let user = caller.staff()?;
    let union = access::union_within(state.store.as_ref(), user, &code).await?;
    access::may_manage_accounts(user, None)?;
    let item = StudioItem::parse(&item).ok_or_else(|| ApiError::not_found(format!("no configuration \"{item}\"")))?;
    let r = StudioItemRecord {
        union: union.record.code,
        item,
        done: body.done,
        note: body.note.trim().to_owned(),
        updated_by: user.username.clone(),
        updated_at: Timestamp::now(),
    };
    r.check()?;
    state.store.set_studio_items(std::slice::from_ref(&r)).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// The working-day calendar: public holidays and make-up working days (调休), in day order.
#[utoipa::path(get, path = "/api/v1/calendar", tag = "organisation",
    responses((status = 200, body = [Object]), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody)))]
pub async fn calendar(State(state): State<AppState>, caller: Caller) -> ApiResult<Json<Vec<CalendarDay>>> {
    caller.staff()?;
    Ok(Json(state.store.calendar().await?))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CalendarChange {
    /// Days to set: `{"day":"2026-10-01","kind":"holiday","name":"国庆节"}`; kind is
    /// holiday or workday (a make-up working weekend day).
    #[serde(default)]
    #[schema(value_type = Vec<Object>)]
    pub set: Vec<CalendarDay>,
    /// Days to remove, 'YYYY-MM-DD'.
    #[serde(default)]
    pub remove: Vec<String>,
}

/// Updates the calendar (administrators), all or nothing.
#[utoipa::path(put, path = "/api/v1/calendar", request_body = CalendarChange, tag = "organisation",
    responses((status = 204), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn set_calendar(
    State(state): State<AppState>,
    caller: Caller,
    ApiJson(body): ApiJson<CalendarChange>,
) -> ApiResult<StatusCode> {
    let user = caller.staff()?;
    access::may_keep_calendar(user)?;
    for d in &body.set {
        youyue_domain::case::check_text("name", &d.name, 200, false)?;
    }
    let remove = body
        .remove
        .iter()
        .map(|d| youyue_domain::time::parse_date(d).map_err(|e| ApiError::invalid("remove", e.to_string())))
        .collect::<Result<Vec<_>, _>>()?;
    state.store.set_calendar(&body.set, &remove).await?;
    Ok(StatusCode::NO_CONTENT)
}
