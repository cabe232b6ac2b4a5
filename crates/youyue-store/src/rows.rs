//! Rows as the databases return them, and their conversion to the domain's types. Shared by
//! both backends: every column is TEXT, a 64-bit integer or a boolean on both.

use crate::{StoreError, StoredCase, Union, User};
use sqlx::query::Query;
use sqlx::query_builder::Separated;
use sqlx::{Database, Encode, Type};
use youyue_domain::case::{Channel, Kind, Status, Urgency};
use youyue_domain::exchange::{CaseRecord, RecordEntry, UnionRecord};
use youyue_domain::notice::NoticeKind;
use youyue_domain::time::parse_date;
use youyue_domain::{Money, Role, Timestamp};

fn corrupt(what: &str, value: &str) -> StoreError {
    StoreError::Corrupt(format!("{what} \"{value}\""))
}

#[derive(sqlx::FromRow)]
pub struct UnionRow {
    pub id: i64,
    pub code: String,
    pub name: String,
    pub parent_code: Option<String>,
    pub path: String,
    pub depth: i64,
    pub root_id: i64,
    pub case_prefix: Option<String>,
    pub studio_opened_on: Option<String>,
}

pub const UNION_SELECT: &str = "SELECT u.id, u.code, u.name, p.code AS parent_code, u.path, u.depth, u.root_id, \
     u.case_prefix, u.studio_opened_on FROM unions u LEFT JOIN unions p ON p.id = u.parent_id";

impl TryFrom<UnionRow> for Union {
    type Error = StoreError;
    fn try_from(r: UnionRow) -> Result<Union, StoreError> {
        let code = r.code.parse().map_err(|_| corrupt("union code", &r.code))?;
        let parent = match r.parent_code {
            Some(p) => Some(p.parse().map_err(|_| corrupt("union code", &p))?),
            None => None,
        };
        let studio_opened_on = match r.studio_opened_on {
            Some(d) => Some(parse_date(&d).map_err(|_| corrupt("date", &d))?),
            None => None,
        };
        Ok(Union {
            id: r.id,
            record: UnionRecord {
                code,
                name: r.name,
                parent,
                studio_opened_on,
                case_prefix: r.case_prefix,
                wecom_webhook: None,
            },
            path: r.path,
            depth: r.depth,
            root_id: r.root_id,
        })
    }
}

#[derive(sqlx::FromRow)]
pub struct UserRow {
    pub id: i64,
    pub username: String,
    pub name: String,
    pub role: String,
    pub active: bool,
    pub union_id: i64,
    pub union_code: String,
    pub union_path: String,
    pub password_hash: Option<String>,
    pub totp_secret: Option<String>,
    pub email: Option<String>,
    pub phone: Option<String>,
    pub notices_off: String,
}

macro_rules! user_columns {
    () => {
        "s.id, s.username, s.name, s.role, s.active, s.union_id, u.code AS union_code, u.path AS union_path, \
         s.password_hash, s.totp_secret, s.email, s.phone, s.notices_off"
    };
}

pub const USER_SELECT: &str = concat!("SELECT ", user_columns!(), " FROM users s JOIN unions u ON u.id = s.union_id");

/// An unrevoked API token's active account and the token's scope, in one read (every call
/// a script makes).
pub const TOKEN_USER_SELECT: &str = concat!(
    "SELECT ",
    user_columns!(),
    ", t.scope FROM users s JOIN unions u ON u.id = s.union_id JOIN api_tokens t ON t.user_id = s.id \
     WHERE t.token_hash = $1 AND t.revoked_at IS NULL AND s.active"
);

#[derive(sqlx::FromRow)]
pub struct TokenUserRow {
    #[sqlx(flatten)]
    pub user: UserRow,
    pub scope: String,
}

impl TryFrom<UserRow> for User {
    type Error = StoreError;
    fn try_from(r: UserRow) -> Result<User, StoreError> {
        Ok(User {
            id: r.id,
            role: Role::parse(&r.role).ok_or_else(|| corrupt("role", &r.role))?,
            union_code: r.union_code.parse().map_err(|_| corrupt("union code", &r.union_code))?,
            username: r.username,
            name: r.name,
            active: r.active,
            union_id: r.union_id,
            union_path: r.union_path,
            password_hash: r.password_hash,
            totp_secret: r.totp_secret,
            email: r.email,
            phone: r.phone,
            // A name this build does not know (a kind retired) is dropped, not an error.
            notices_off: r.notices_off.split(',').filter_map(NoticeKind::parse).collect(),
        })
    }
}

#[derive(sqlx::FromRow)]
pub struct CaseRow {
    pub id: i64,
    pub version: i64,
    pub union_id: i64,
    pub union_code: String,
    pub union_path: String,
    pub handler_id: Option<i64>,
    pub handler_username: Option<String>,
    pub worker_username: Option<String>,
    pub worker_user_id: Option<i64>,
    pub record_len: i64,
    pub number: String,
    pub kind: String,
    pub channel: String,
    pub collective: bool,
    pub online: bool,
    pub scheduled: bool,
    pub immediate: bool,
    pub people: i64,
    pub title: String,
    pub description: String,
    pub anonymous: bool,
    pub worker_name: Option<String>,
    pub contact: Option<String>,
    pub opened_at: i64,
    pub status: String,
    pub urgency: Option<String>,
    pub due_on: Option<String>,
    pub accepted_at: Option<i64>,
    pub closed_at: Option<i64>,
    pub agreement: Option<bool>,
    pub amount_recovered_fen: Option<i64>,
    pub adopted: Option<bool>,
    pub resolution: Option<String>,
    pub explanation: Option<String>,
    pub rating: Option<i64>,
    pub rating_comment: Option<String>,
    pub rated_at: Option<i64>,
    pub tracking_code_hash: Option<String>,
    pub supervised_due_on: Option<String>,
    pub arbitration_commission: Option<String>,
    pub referred_on: Option<String>,
    /// Whether `case_notify` holds the worker's consent.
    pub notify: bool,
    pub chased_due_on: Option<String>,
    pub merged_into: Option<String>,
    pub paused_since: Option<String>,
    pub paused_until: Option<String>,
    pub paused_reason: Option<String>,
}

pub const CASE_SELECT: &str = "SELECT c.id, c.version, c.union_id, u.code AS union_code, u.path AS union_path, \
     c.handler_id, h.username AS handler_username, w.username AS worker_username, c.worker_user_id, c.record_len, c.number, c.kind, c.channel, \
     c.collective, c.online, c.scheduled, c.immediate, c.people, c.title, c.description, c.anonymous, \
     c.worker_name, c.contact, c.opened_at, c.status, c.urgency, c.due_on, c.accepted_at, c.closed_at, \
     c.agreement, c.amount_recovered_fen, c.adopted, c.resolution, c.explanation, c.rating, c.rating_comment, \
     c.rated_at, c.tracking_code_hash, c.supervised_due_on, c.arbitration_commission, c.referred_on, \
     c.chased_due_on, c.merged_into, c.paused_since, c.paused_until, c.paused_reason, EXISTS (SELECT 1 FROM case_notify cn WHERE cn.case_id = c.id) AS notify \
     FROM cases c JOIN unions u ON u.id = c.union_id LEFT JOIN users h ON h.id = c.handler_id LEFT JOIN users w ON w.id = c.worker_user_id";

fn ts(v: Option<i64>) -> Option<Timestamp> {
    v.map(Timestamp::from_micros)
}

impl TryFrom<CaseRow> for StoredCase {
    type Error = StoreError;
    fn try_from(r: CaseRow) -> Result<StoredCase, StoreError> {
        let record = CaseRecord {
            number: r.number.parse().map_err(|_| corrupt("case number", &r.number))?,
            union: r.union_code.parse().map_err(|_| corrupt("union code", &r.union_code))?,
            kind: Kind::parse(&r.kind).ok_or_else(|| corrupt("kind", &r.kind))?,
            channel: Channel::parse(&r.channel).ok_or_else(|| corrupt("channel", &r.channel))?,
            collective: r.collective,
            online: r.online,
            scheduled: r.scheduled,
            people: r.people,
            title: r.title,
            description: r.description,
            anonymous: r.anonymous,
            opened_at: Timestamp::from_micros(r.opened_at),
            status: Status::parse(&r.status).ok_or_else(|| corrupt("status", &r.status))?,
            closed_at: ts(r.closed_at),
            agreement: r.agreement,
            amount_recovered: match r.amount_recovered_fen {
                Some(f) => Some(Money::from_fen(f).ok_or_else(|| corrupt("amount", &f.to_string()))?),
                None => None,
            },
            adopted: r.adopted,
            rating: r.rating,
            immediate: r.immediate,
            worker_name: r.worker_name,
            contact: r.contact,
            urgency: match r.urgency {
                Some(u) => Some(Urgency::parse(&u).ok_or_else(|| corrupt("urgency", &u))?),
                None => None,
            },
            due_on: match r.due_on {
                Some(d) => Some(parse_date(&d).map_err(|_| corrupt("date", &d))?),
                None => None,
            },
            accepted_at: ts(r.accepted_at),
            handler: r.handler_username,
            worker_account: r.worker_username,
            resolution: r.resolution,
            explanation: r.explanation,
            rating_comment: r.rating_comment,
            rated_at: ts(r.rated_at),
            tracking_code_hash: r.tracking_code_hash,
            supervised_due_on: match r.supervised_due_on {
                Some(d) => Some(parse_date(&d).map_err(|_| corrupt("date", &d))?),
                None => None,
            },
            arbitration_commission: r.arbitration_commission,
            referred_on: match r.referred_on {
                Some(d) => Some(parse_date(&d).map_err(|_| corrupt("date", &d))?),
                None => None,
            },
            notify: r.notify,
            chased_due_on: match r.chased_due_on {
                Some(d) => Some(parse_date(&d).map_err(|_| corrupt("date", &d))?),
                None => None,
            },
            merged_into: match r.merged_into {
                Some(n) => Some(n.parse().map_err(|_| corrupt("case number", &n))?),
                None => None,
            },
            paused_since: match r.paused_since {
                Some(d) => Some(parse_date(&d).map_err(|_| corrupt("date", &d))?),
                None => None,
            },
            paused_until: match r.paused_until {
                Some(d) => Some(parse_date(&d).map_err(|_| corrupt("date", &d))?),
                None => None,
            },
            paused_reason: r.paused_reason,
        };
        Ok(StoredCase {
            id: r.id,
            version: r.version,
            union_id: r.union_id,
            union_path: r.union_path,
            handler_id: r.handler_id,
            worker_user_id: r.worker_user_id,
            record_len: r.record_len,
            record,
        })
    }
}

/// Declares the mutable columns of a case once, each with its type as bound and its value
/// from a record; from that one list come [`CaseColumns`], [`CASE_COLUMNS`] (the insert's
/// column list and the update's SET list) and the binds, all in the same order.
macro_rules! case_columns {
    ($lt:lifetime; $($column:ident: $ty:ty = |$c:ident| $value:expr,)*) => {
        /// The mutable columns of a case, in the order of [`CASE_COLUMNS`], ready to bind.
        /// The lifetime is the binds': a record's words are `'static`, and a statement's
        /// arguments borrow them for as long as the statement lives.
        pub struct CaseColumns<$lt> {
            $(pub $column: $ty,)*
        }

        /// Columns written by both insert and update, in the order they are bound.
        pub const CASE_COLUMNS: &[&str] = &[$(stringify!($column)),*];

        impl From<&CaseRecord> for CaseColumns<'static> {
            fn from(record: &CaseRecord) -> CaseColumns<'static> {
                CaseColumns { $($column: { let $c = record; $value },)* }
            }
        }

        impl<$lt> CaseColumns<$lt> {
            /// Binds the columns in [`CASE_COLUMNS`] order, after the parameters bound before.
            pub fn bind<DB: Database>(&$lt self, q: Query<$lt, DB, DB::Arguments<$lt>>) -> Query<$lt, DB, DB::Arguments<$lt>>
            where
                $(&$lt $ty: Encode<$lt, DB> + Type<DB>,)*
            {
                q$(.bind(&self.$column))*
            }

            /// Binds the columns in [`CASE_COLUMNS`] order into a multi-row insert's row.
            pub fn push_binds<DB: Database>(&$lt self, row: &mut Separated<'_, $lt, DB, &'static str>)
            where
                $(&$lt $ty: Encode<$lt, DB> + Type<DB>,)*
            {
                $(row.push_bind(&self.$column);)*
            }
        }
    };
}

case_columns! {
    'a;
    kind: &'a str = |c| c.kind.as_str(),
    channel: &'a str = |c| c.channel.as_str(),
    collective: bool = |c| c.collective,
    online: bool = |c| c.online,
    scheduled: bool = |c| c.scheduled,
    immediate: bool = |c| c.immediate,
    people: i64 = |c| c.people,
    title: String = |c| c.title.clone(),
    description: String = |c| c.description.clone(),
    anonymous: bool = |c| c.anonymous,
    worker_name: Option<String> = |c| c.worker_name.clone(),
    contact: Option<String> = |c| c.contact.clone(),
    opened_at: i64 = |c| c.opened_at.micros(),
    status: &'a str = |c| c.status.as_str(),
    urgency: Option<&'a str> = |c| c.urgency.map(|u| u.as_str()),
    due_on: Option<String> = |c| c.due_on.map(|d| d.to_string()),
    accepted_at: Option<i64> = |c| c.accepted_at.map(Timestamp::micros),
    closed_at: Option<i64> = |c| c.closed_at.map(Timestamp::micros),
    agreement: Option<bool> = |c| c.agreement,
    amount_recovered_fen: Option<i64> = |c| c.amount_recovered.map(Money::fen),
    adopted: Option<bool> = |c| c.adopted,
    resolution: Option<String> = |c| c.resolution.clone(),
    explanation: Option<String> = |c| c.explanation.clone(),
    rating: Option<i64> = |c| c.rating,
    rating_comment: Option<String> = |c| c.rating_comment.clone(),
    rated_at: Option<i64> = |c| c.rated_at.map(Timestamp::micros),
    tracking_code_hash: Option<String> = |c| c.tracking_code_hash.clone(),
    supervised_due_on: Option<String> = |c| c.supervised_due_on.map(|d| d.to_string()),
    arbitration_commission: Option<String> = |c| c.arbitration_commission.clone(),
    referred_on: Option<String> = |c| c.referred_on.map(|d| d.to_string()),
    chased_due_on: Option<String> = |c| c.chased_due_on.map(|d| d.to_string()),
    merged_into: Option<String> = |c| c.merged_into.as_ref().map(|n| n.to_string()),
    paused_since: Option<String> = |c| c.paused_since.map(|d| d.to_string()),
    paused_until: Option<String> = |c| c.paused_until.map(|d| d.to_string()),
    paused_reason: Option<String> = |c| c.paused_reason.clone(),
}

/// `UPDATE cases SET <columns>…, union_id, handler_id, worker_user_id, updated_at,
/// version + 1 WHERE id AND version`, parameters in that order.
pub fn case_update_sql(b: crate::Backend) -> String {
    let n = CASE_COLUMNS.len();
    let sets: Vec<String> = CASE_COLUMNS.iter().enumerate().map(|(i, c)| format!("{c} = {}", b.param(i + 1))).collect();
    format!(
        "UPDATE cases SET {}, union_id = {}, handler_id = {}, worker_user_id = {}, updated_at = {}, \
         version = version + 1 WHERE id = {} AND version = {}",
        sets.join(", "),
        b.param(n + 1),
        b.param(n + 2),
        b.param(n + 3),
        b.param(n + 4),
        b.param(n + 5),
        b.param(n + 6),
    )
}

#[derive(sqlx::FromRow)]
pub struct EntryRow {
    pub case_id: i64,
    pub number: String,
    pub seq: i64,
    pub at: i64,
    pub actor: String,
    pub action: String,
    pub internal: bool,
    pub detail: String,
}

impl EntryRow {
    pub fn into_entry(self) -> Result<RecordEntry, StoreError> {
        Ok(RecordEntry {
            case: self.number.parse().map_err(|_| corrupt("case number", &self.number))?,
            seq: self.seq,
            at: Timestamp::from_micros(self.at),
            actor: self.actor,
            action: self.action,
            internal: self.internal,
            detail: serde_json::from_str(&self.detail).map_err(|_| corrupt("record detail", &self.detail))?,
        })
    }
}

pub const ENTRY_SELECT: &str = "SELECT e.case_id, c.number, e.seq, e.at, e.actor, e.action, e.internal, e.detail \
     FROM record_entries e JOIN cases c ON c.id = e.case_id";
