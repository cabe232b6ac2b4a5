//! Storage of youyue. One small trait, [`Store`], and one implementation per database:
//! [`sqlite`] (the embedded default) and [`postgres`] (cities and provinces). Both compile
//! the same SQL, `src/sql/` (one file per concern), each with its own `Dialect` value (what
//! its SQL says differently); what else differs (connecting, pools, migrations) lives in
//! each backend's module. Every multi-row change runs in one transaction.

use async_trait::async_trait;
use youyue_domain::case::{Channel, Kind, Status};
use youyue_domain::command::Change;
use youyue_domain::exchange::{CaseRecord, Line, RecordEntry, UnionRecord, UserRecord};
use youyue_domain::stats::Stats;
use youyue_domain::studio::{BulletinRecord, StudioItemRecord};
use youyue_domain::{CaseNumber, Period, Role, Timestamp, UnionCode};

pub mod postgres;
pub mod sqlite;

/// Which database a store talks to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

impl Backend {
    /// The `i`th (from 1) parameter of a statement whose parameters appear in the order they
    /// are bound. SQLite gets a plain `?`: sqlx looks up every parameter's name when it
    /// binds, and SQLite finds a `$N` name by scanning a list of them, so a statement with
    /// n named parameters costs n² to bind (a 64-row tally upsert has 2,304); plain `?`
    /// have no names.
    pub(crate) fn param(self, i: usize) -> String {
        match self {
            Backend::Sqlite => "?".to_owned(),
            Backend::Postgres => format!("${i}"),
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("{0} not found")]
    NotFound(String),
    /// Someone else changed the row first, or a unique name is taken.
    #[error("{0}")]
    Conflict(String),
    /// Another active booking holds the specialist's time (see migration 0016).
    #[error("the specialist is already booked at that time")]
    SlotTaken,
    /// The request contradicts what is stored (a parent that would make a cycle…).
    #[error("{field}: {message}")]
    Invalid { field: &'static str, message: String },
    /// A stored value that does not parse: the database was edited by hand.
    #[error("stored data is damaged: {0}")]
    Corrupt(String),
    #[error("unsupported database URL \"{0}\": use sqlite://FILE or postgres://…")]
    BadUrl(String),
    /// A submission's idempotency key has made a case already: look that case up
    /// (`Store::idempotent_case`).
    #[error("this idempotency key has been used")]
    IdempotencyKeyUsed,
    /// The database cannot be reached, or cannot take the work now. `what` says so in full
    /// (the cause's text included, as users see it); `source` keeps the cause itself, for a
    /// log of the whole chain.
    #[error("database unavailable: {what}")]
    Unavailable {
        what: String,
        #[source]
        source: Option<Box<dyn std::error::Error + Send + Sync>>,
    },
    #[error(transparent)]
    Db(#[from] sqlx::Error),
    #[error(transparent)]
    Migrate(#[from] sqlx::migrate::MigrateError),
}

impl StoreError {
    pub fn invalid(field: &'static str, message: impl Into<String>) -> StoreError {
        StoreError::Invalid { field, message: message.into() }
    }

    /// Whether this is a fault of the database rather than of the request: one after which
    /// the database may have rolled the whole transaction back (SQLite on a full disk, an
    /// I/O error, no memory, busy or locked; PostgreSQL out of resources such as disk, a
    /// system error, shutting down), or the connection is broken. Such a write was not
    /// done and may succeed later: callers answer 503, never 500. The only such rule.
    pub fn is_fault(&self) -> bool {
        match self {
            StoreError::Db(e) => is_db_fault(e),
            StoreError::Unavailable { .. } => true,
            _ => false,
        }
    }

    /// `Unavailable` with nothing underneath.
    pub(crate) fn unavailable(what: impl Into<String>) -> StoreError {
        StoreError::Unavailable { what: what.into(), source: None }
    }

    /// `Unavailable` because of `cause`: "{context}: {cause}", the cause kept as the source.
    pub(crate) fn unavailable_because(
        context: impl std::fmt::Display,
        cause: impl std::error::Error + Send + Sync + 'static,
    ) -> StoreError {
        StoreError::Unavailable { what: format!("{context}: {cause}"), source: Some(Box::new(cause)) }
    }
}

/// See [`StoreError::is_fault`].
pub(crate) fn is_db_fault(e: &sqlx::Error) -> bool {
    match e {
        sqlx::Error::Database(db) => {
            if let Some(pg) = db.try_downcast_ref::<sqlx::postgres::PgDatabaseError>() {
                // Insufficient resources (a full disk), a system error, shutting down or
                // restarting, a broken connection; and anything that ended the session
                // (FATAL: "could not write init file" on a full disk comes as XX000).
                let code = pg.code();
                let session_ended =
                    matches!(pg.severity(), sqlx::postgres::PgSeverity::Fatal | sqlx::postgres::PgSeverity::Panic);
                session_ended || ["53", "58", "57P", "08"].iter().any(|class| code.starts_with(class))
            } else if db.try_downcast_ref::<sqlx::sqlite::SqliteError>().is_some() {
                // SQLite's extended result codes keep the primary one in the low byte:
                // BUSY, LOCKED, NOMEM, IOERR, FULL, CANTOPEN.
                let primary = db.code().and_then(|c| c.parse::<i32>().ok()).map_or(0, |c| c & 0xff);
                matches!(primary, 5 | 6 | 7 | 10 | 13 | 14)
            } else {
                false
            }
        }
        sqlx::Error::Io(_)
        | sqlx::Error::Tls(_)
        | sqlx::Error::Protocol(_)
        | sqlx::Error::PoolTimedOut
        | sqlx::Error::PoolClosed
        | sqlx::Error::WorkerCrashed => true,
        _ => false,
    }
}

/// An import that failed: nothing was written.
#[derive(Debug, thiserror::Error)]
#[error("line {line}: {message}")]
pub struct ImportError {
    pub line: usize,
    pub message: String,
    /// What failed underneath, when it was the store rather than the file.
    #[source]
    pub source: Option<StoreError>,
}

impl ImportError {
    /// What is wrong with a line of the file.
    pub(crate) fn at(line: usize, message: impl Into<String>) -> ImportError {
        ImportError { line, message: message.into(), source: None }
    }

    /// The store failed on a line: its message, and it as the source.
    pub(crate) fn failed(line: usize, e: impl Into<StoreError>) -> ImportError {
        let e = e.into();
        ImportError { line, message: e.to_string(), source: Some(e) }
    }

    /// The store failed on a line while `doing` something: "{doing}: {message}".
    pub(crate) fn failed_while(line: usize, doing: &str, e: impl Into<StoreError>) -> ImportError {
        let e = e.into();
        ImportError { line, message: format!("{doing}: {e}"), source: Some(e) }
    }
}

#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct ImportSummary {
    pub unions_created: u64,
    pub unions_updated: u64,
    pub users_created: u64,
    pub users_updated: u64,
    pub cases_created: u64,
    pub cases_updated: u64,
    pub records_added: u64,
    /// Lines of read logs added.
    pub reads_added: u64,
    pub appointments_added: u64,
    /// Versions of duty rosters added to the roster log.
    pub rosters_added: u64,
    /// Mediation agreements stored (new or replaced).
    pub agreements_stored: u64,
    /// Assistances (协办, issue 22) added.
    pub assists_added: u64,
    pub unchanged: u64,
    /// Cases kept as given although they break the workflow's rules (a closing time on an
    /// open case, an agreement on a claim…): records of the past are not rewritten.
    pub irregular: u64,
    /// The first few of them, with their line numbers.
    pub irregular_examples: Vec<String>,
}

/// 协办 (issue 22): one assistance of a case as stored (`case_assists`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CaseAssist {
    pub union_id: i64,
    pub union_code: UnionCode,
    pub union_name: String,
    /// The specialist named, or none: the whole union assists.
    pub user_id: Option<i64>,
    pub username: Option<String>,
    pub user_name: Option<String>,
    pub note: String,
    pub asked_by: String,
    pub asked_at: Timestamp,
    pub ended_at: Option<Timestamp>,
    pub ended_by: Option<String>,
}

impl CaseAssist {
    pub fn is_open(&self) -> bool {
        self.ended_at.is_none()
    }
}

/// A union as stored, with its place in the tree.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Union {
    pub id: i64,
    pub record: UnionRecord,
    /// `/1/5/9/`: the ids from the top-level union down to this one.
    pub path: String,
    pub depth: i64,
    pub root_id: i64,
}

impl Union {
    /// Whether `other` is this union or lies below it.
    pub fn contains(&self, other_path: &str) -> bool {
        other_path.starts_with(&self.path)
    }
    pub fn code(&self) -> &UnionCode {
        &self.record.code
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct User {
    pub id: i64,
    pub username: String,
    pub name: String,
    pub role: Role,
    pub active: bool,
    pub union_id: i64,
    pub union_code: UnionCode,
    pub union_path: String,
    pub password_hash: Option<String>,
    /// The base32 TOTP secret, once the account has turned on its second factor.
    pub totp_secret: Option<String>,
    /// Where notices reach the person besides the bell (`youyue_domain::notice`).
    pub email: Option<String>,
    pub phone: Option<String>,
    /// The kinds of notice the person turned off for e-mail and SMS.
    pub notices_off: Vec<youyue_domain::notice::NoticeKind>,
}

/// What an API token may do: `Read` tokens only read (GET); `Write` tokens act as their
/// account does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenScope {
    Read,
    Write,
}

impl TokenScope {
    pub fn as_str(self) -> &'static str {
        match self {
            TokenScope::Read => "read",
            TokenScope::Write => "write",
        }
    }
    pub fn parse(s: &str) -> Option<TokenScope> {
        match s {
            "read" => Some(TokenScope::Read),
            "write" => Some(TokenScope::Write),
            _ => None,
        }
    }
}

/// An API token as its owner sees it (never the secret).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiToken {
    pub id: i64,
    pub name: String,
    pub scope: TokenScope,
    pub created_at: Timestamp,
    pub revoked_at: Option<Timestamp>,
}

/// A retry's key, as stored with the case the first attempt made. See
/// `idempotency_keys` in migration 0010.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IdempotencyKey {
    /// SHA-256 of who sent it and the key.
    pub key_hash: String,
    /// SHA-256 of the request body: a key reused for a different request is refused.
    pub request_hash: String,
    /// Random, stored: with the key it re-derives the tracking code of a public submission.
    pub salt: String,
}

/// A case found by the idempotency key that made it.
#[derive(Debug, Clone)]
pub struct IdempotentCase {
    pub case: StoredCase,
    pub request_hash: String,
    pub salt: String,
}

/// What a logged read was of.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReadKind {
    /// A wellbeing case's page or API view.
    Case,
    /// A worker's name and contact shown to staff.
    Contact,
    /// Personal data in a download.
    Export,
}

impl ReadKind {
    pub fn as_str(self) -> &'static str {
        match self {
            ReadKind::Case => "case",
            ReadKind::Contact => "contact",
            ReadKind::Export => "export",
        }
    }
}

/// One line of a case's read log.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReadLogEntry {
    pub username: String,
    pub what: String,
    pub at: Timestamp,
}

/// A change to an account; the parts that are None stay as they are.
#[derive(Debug, Clone, Default)]
pub struct UserChange {
    pub active: Option<bool>,
    pub role: Option<Role>,
    pub password_hash: Option<String>,
    /// The account's specialties, replacing those it has.
    pub specialties: Option<Vec<youyue_domain::roster::Specialty>>,
    /// Where notices reach the person: `Some(None)` clears the address.
    pub email: Option<Option<String>>,
    pub phone: Option<Option<String>>,
    /// The kinds of notice the person turned off for e-mail and SMS, replacing the set.
    pub notices_off: Option<Vec<youyue_domain::notice::NoticeKind>>,
}

/// A case as stored: its record plus what storage keeps beside it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredCase {
    pub id: i64,
    /// Raised by every change; a change is saved only against the version it was made from.
    pub version: i64,
    pub union_id: i64,
    pub union_path: String,
    pub handler_id: Option<i64>,
    pub worker_user_id: Option<i64>,
    pub record_len: i64,
    pub record: CaseRecord,
}

/// A case to register and who registers it (the record book's actor).
#[derive(Debug, Clone)]
pub struct Registration {
    pub draft: CaseDraft,
    pub label: String,
}

/// A new case before it has a number.
#[derive(Debug, Clone)]
pub struct CaseDraft {
    pub union_id: i64,
    pub kind: Kind,
    pub channel: Channel,
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
    pub worker_user_id: Option<i64>,
    pub tracking_code_hash: Option<String>,
    /// The worker agreed to be told of the case by the contact they left (`case_notify`).
    pub notify_worker: bool,
    /// The tracking code itself, only for the receipt a worker who agreed is sent when
    /// staff registered the case; it goes into the notice event and is never stored with
    /// the case.
    pub receipt_code: Option<String>,
    pub opened_at: Timestamp,
    /// Stored with the case so that a retry finds it (see `Store::idempotent_case`).
    pub idempotency: Option<IdempotencyKey>,
}

/// Filters of the case list. `within` is the caller's subtree path, always applied.
#[derive(Debug, Clone, Default)]
pub struct CaseQuery {
    pub within: String,
    pub union_path: Option<String>,
    pub status: Option<Status>,
    pub open_only: bool,
    pub kind: Option<Kind>,
    pub channel: Option<Channel>,
    pub handler_id: Option<i64>,
    pub worker_user_id: Option<i64>,
    /// Open cases whose deadline is before this China date.
    pub overdue_before: Option<String>,
    /// Cases whose signed mediation agreement has an amount term unpaid after its due
    /// day, judged on this China date (`agreement::Performance::Overdue`).
    pub agreement_overdue_on: Option<String>,
    /// A case number, or words in the title or description.
    pub text: Option<String>,
    pub sort: CaseSort,
    /// Only cases below this union (not its own): what its staff supervise (督办).
    pub below_union: Option<i64>,
    /// The cases behind a figure (the dashboard's drill-down).
    pub figure: Option<youyue_domain::figures::CaseFilter>,
    /// Set for a viewer who is not a chair: wellbeing cases only if assigned to this
    /// account (a psychological need is confidential). None: every case.
    pub wellbeing_only_handler: Option<i64>,
    /// 协办 (issue 22): only cases this union (`.0`) assists now, the whole union or this
    /// account (`.1`) named as its specialist.
    pub assisting: Option<(i64, i64)>,
    /// 退单 (issue 22): only cases returned at least this many times.
    pub returned_at_least: Option<i64>,
    pub offset: i64,
    pub limit: i64,
}

/// The order of the case list.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum CaseSort {
    #[default]
    Newest,
    Oldest,
    /// Earliest deadline first; cases without one last.
    Due,
}

#[derive(Debug, Clone)]
pub struct CasePage {
    /// How many cases match, or, when `total_exact` is false, how many at least: a text
    /// search stops counting past a bound that grows with the store (`sql/search.rs`).
    pub total: i64,
    pub total_exact: bool,
    pub cases: Vec<StoredCase>,
}

/// The inbox's tab counts: cases per status. A text search with very many matches stops
/// counting (`CasePage::total_exact`): then `exact` is false, `by_status` is empty and
/// `at_least` cases match.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TabCounts {
    pub by_status: std::collections::BTreeMap<String, i64>,
    pub exact: bool,
    pub at_least: i64,
}

impl TabCounts {
    pub fn exact(by_status: std::collections::BTreeMap<String, i64>) -> TabCounts {
        let at_least = by_status.values().sum();
        TabCounts { by_status, exact: true, at_least }
    }
}

/// An appointment as stored: its record plus the ids behind it and the specialist's name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Appointment {
    pub case_id: i64,
    pub specialist_id: i64,
    /// The specialist's display name.
    pub specialist_name: String,
    pub record: youyue_domain::appointment::AppointmentRecord,
}

impl Appointment {
    pub fn id(&self) -> i64 {
        self.record.id
    }
}

/// A case's mediation agreement as stored (migration 0017).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredAgreement {
    pub case_id: i64,
    /// Raised by every write; a write is saved only over the version it was made from.
    pub version: i64,
    /// When the signature was recorded (the day on the paper is `agreement.signed_on`).
    pub signed_at: Option<Timestamp>,
    pub updated_at: Timestamp,
    pub agreement: youyue_domain::agreement::Agreement,
}

/// What an agreement write appends to its case's record book.
#[derive(Debug, Clone)]
pub struct AgreementEntry {
    pub action: &'static str,
    pub detail: serde_json::Value,
}

/// What the record book gets with a change: who did it.
#[derive(Debug, Clone)]
pub struct Actor<'a> {
    pub label: &'a str,
    pub user_id: Option<i64>,
}

pub type ExportSink<'a> = dyn FnMut(&Line) -> std::io::Result<()> + Send + 'a;
pub type ImportSource<'a> = dyn Iterator<Item = (usize, Result<Line, String>)> + Send + 'a;

#[async_trait]
pub trait Store: Send + Sync + 'static {
    fn backend(&self) -> Backend;
    /// Closes the connections once the writes in flight are done (SQLite: the last to close
    /// copies the log into the file and removes it). Calls after this fail.
    async fn close(&self);
    /// Answers once the database can be queried.
    async fn ping(&self) -> Result<(), StoreError>;
    /// True when no union (and so nothing else) is stored yet.
    async fn is_empty(&self) -> Result<bool, StoreError>;

    async fn union_by_code(&self, code: &UnionCode) -> Result<Option<Union>, StoreError>;
    async fn union_by_id(&self, id: i64) -> Result<Option<Union>, StoreError>;
    /// The union and every union below it, parents before children.
    async fn subtree(&self, root: &Union) -> Result<Vec<Union>, StoreError>;
    /// Creates the union, or updates the one with the same code; refuses a cycle.
    async fn put_union(&self, rec: &UnionRecord, now: Timestamp) -> Result<Union, StoreError>;

    async fn create_user(&self, rec: &UserRecord, now: Timestamp) -> Result<User, StoreError>;
    async fn user_by_username(&self, username: &str) -> Result<Option<User>, StoreError>;
    async fn user_by_id(&self, id: i64) -> Result<Option<User>, StoreError>;
    /// Accounts of the unions in the subtree at `path`.
    async fn users_within(&self, path: &str) -> Result<Vec<User>, StoreError>;
    /// Accounts of the union at `path` and of every union above it (who may take its cases).
    async fn users_on_path(&self, path: &str) -> Result<Vec<User>, StoreError>;
    /// Applies every part of `change` in one transaction.
    async fn change_user(&self, user_id: i64, change: &UserChange) -> Result<(), StoreError>;
    /// The unions without a parent (districts, cities…).
    async fn top_level_unions(&self) -> Result<Vec<Union>, StoreError>;

    async fn create_session(
        &self,
        token_hash: &str,
        user_id: i64,
        now: Timestamp,
        expires: Timestamp,
    ) -> Result<(), StoreError>;
    /// The active user of an unexpired session.
    async fn session_user(&self, token_hash: &str, now: Timestamp) -> Result<Option<User>, StoreError>;
    async fn delete_session(&self, token_hash: &str) -> Result<(), StoreError>;
    /// Ends every session of the account but `keep` (logout everywhere, a password
    /// change); returns how many ended.
    async fn end_sessions(&self, user_id: i64, keep: Option<&str>) -> Result<u64, StoreError>;
    async fn create_api_token(
        &self,
        user_id: i64,
        name: &str,
        token_hash: &str,
        scope: TokenScope,
        now: Timestamp,
    ) -> Result<i64, StoreError>;
    /// The active account of an unrevoked token, and what the token may do.
    async fn api_token_user(&self, token_hash: &str) -> Result<Option<(User, TokenScope)>, StoreError>;
    /// The account's tokens, newest first.
    async fn api_tokens(&self, user_id: i64) -> Result<Vec<ApiToken>, StoreError>;
    /// Revokes one of the account's tokens; false if it has no such unrevoked token.
    async fn revoke_api_token(&self, user_id: i64, token_id: i64, now: Timestamp) -> Result<bool, StoreError>;
    /// Gives the account a calendar feed with this secret's hash, replacing any it had.
    async fn set_calendar_feed(&self, user_id: i64, secret_hash: &str, now: Timestamp) -> Result<(), StoreError>;
    /// Revokes the account's calendar feed; false if it had none.
    async fn revoke_calendar_feed(&self, user_id: i64) -> Result<bool, StoreError>;
    /// When the account's calendar feed was set, if it has one.
    async fn calendar_feed_since(&self, user_id: i64) -> Result<Option<Timestamp>, StoreError>;
    /// The active account whose calendar feed has this secret's hash.
    async fn calendar_feed_user(&self, secret_hash: &str) -> Result<Option<User>, StoreError>;
    /// Turns the second factor on (a secret) or off (None).
    async fn set_totp_secret(&self, user_id: i64, secret: Option<&str>) -> Result<(), StoreError>;
    /// The bell: how many of the person's app notices are unread.
    async fn unread_notices(&self, user_id: i64) -> Result<i64, StoreError>;
    /// The person's unread app notices only, newest first, one page (addresses masked).
    async fn unread_notice_page(&self, user_id: i64, limit: i64, offset: i64) -> Result<Vec<Notice>, StoreError>;

    /// Closed cases of `kind` in the subtree at `path`, closed before `closed_before`, that
    /// still hold a worker's name or contact: what a retention period anonymises. At most
    /// `limit`, oldest first.
    async fn cases_past_retention(
        &self,
        path: &str,
        kind: Kind,
        closed_before: Timestamp,
        limit: i64,
    ) -> Result<Vec<StoredCase>, StoreError>;
    /// The case a submission with this key made, if any.
    async fn idempotent_case(&self, key_hash: &str) -> Result<Option<IdempotentCase>, StoreError>;
    /// Records that `user_id` read something confidential of a case at `at`, unless the
    /// same reading by the same account was recorded at or after `since`.
    async fn log_read(
        &self,
        case_id: i64,
        user_id: i64,
        what: ReadKind,
        at: Timestamp,
        since: Timestamp,
    ) -> Result<(), StoreError>;
    /// A case's read log, oldest first.
    async fn read_log(&self, case_id: i64) -> Result<Vec<ReadLogEntry>, StoreError>;

    /// Numbers the case (prefix of its top-level union, China year of `opened_at`), stores
    /// it and its first record-book entry, in one transaction.
    async fn create_case(&self, draft: &CaseDraft, actor: Actor<'_>) -> Result<StoredCase, StoreError>;
    async fn case_by_number(&self, number: &CaseNumber) -> Result<Option<StoredCase>, StoreError>;
    /// Saves `change` made from `case` and appends its record-book entry, in one
    /// transaction. Fails with `Conflict` if the case changed since it was read.
    async fn save_change(
        &self,
        case: &StoredCase,
        change: &Change,
        handler_id: Option<i64>,
        actor: Actor<'_>,
        now: Timestamp,
    ) -> Result<StoredCase, StoreError>;
    async fn record_book(&self, case_id: i64) -> Result<Vec<RecordEntry>, StoreError>;
    /// Merge (issue 22): saves changes to several cases (the merged case and the case it
    /// joins) and appends each one's record-book entry, in one transaction, each against
    /// the version it was computed from (`Conflict` otherwise, and nothing is written).
    /// Handlers stay as they are.
    async fn save_changes(
        &self,
        changes: &[(StoredCase, Change)],
        actor: Actor<'_>,
        now: Timestamp,
    ) -> Result<Vec<StoredCase>, StoreError>;
    /// The cases merged into the case numbered `number` (status `merged`), oldest first.
    async fn cases_merged_into(&self, number: &CaseNumber) -> Result<Vec<StoredCase>, StoreError>;
    /// 协办 (issue 22): the case's assistances, open and ended, oldest first.
    async fn case_assists(&self, case_id: i64) -> Result<Vec<CaseAssist>, StoreError>;

    /// A case's mediation agreement, if one was recorded.
    async fn agreement(&self, case_id: i64) -> Result<Option<StoredAgreement>, StoreError>;
    /// Writes a case's agreement and appends `entry` to its record book, in one
    /// transaction: inserted when `version` is None, else only over that version
    /// (`Conflict` otherwise, as when inserting over an existing one).
    async fn save_agreement(
        &self,
        case: &StoredCase,
        agreement: &youyue_domain::agreement::Agreement,
        version: Option<i64>,
        entry: &AgreementEntry,
        actor: Actor<'_>,
        now: Timestamp,
    ) -> Result<StoredAgreement, StoreError>;
    /// Every agreement of the cases in the subtree of union path `path`, in case order.
    async fn agreements_within(&self, path: &str) -> Result<Vec<(CaseNumber, StoredAgreement)>, StoreError>;
    /// The agreement figures of a union's subtree and a period, terms judged on `today`.
    async fn agreement_figures(
        &self,
        union: &Union,
        period: Period,
        today: chrono::NaiveDate,
    ) -> Result<youyue_domain::agreement::AgreementFigures, StoreError>;
    /// Of these cases, those with a signed agreement's term unpaid after its due day.
    async fn overdue_agreements(&self, case_ids: &[i64], today: chrono::NaiveDate) -> Result<Vec<i64>, StoreError>;
    /// The cases of the subtree of union path `path` with an agreement term overdue.
    async fn overdue_agreements_within(&self, path: &str, today: chrono::NaiveDate) -> Result<Vec<i64>, StoreError>;
    async fn list_cases(&self, q: &CaseQuery) -> Result<CasePage, StoreError>;
    /// How many cases match `q` in each status (its own status filter ignored): the
    /// inbox's tab counts.
    async fn count_by_status(&self, q: &CaseQuery) -> Result<TabCounts, StoreError>;

    /// Books an appointment (its `id` is ignored) for the case and writes its `schedule`
    /// entry, in one transaction. `SlotTaken` if an active booking of the specialist
    /// overlaps it, whoever committed it first (migration 0016).
    async fn book_appointment(
        &self,
        case: &StoredCase,
        specialist_id: i64,
        a: &youyue_domain::appointment::AppointmentRecord,
        actor: Actor<'_>,
        now: Timestamp,
    ) -> Result<Appointment, StoreError>;
    /// Saves `after`, made from `before` by `change`, with its record-book entry, in one
    /// transaction; `Conflict` if the appointment changed meanwhile, `SlotTaken` if a
    /// new time overlaps another booking of the specialist.
    async fn change_appointment(
        &self,
        case: &StoredCase,
        before: &Appointment,
        after: &youyue_domain::appointment::AppointmentRecord,
        change: &youyue_domain::appointment::Change,
        actor: Actor<'_>,
        now: Timestamp,
    ) -> Result<Appointment, StoreError>;
    async fn appointment(&self, id: i64) -> Result<Option<Appointment>, StoreError>;
    /// A case's appointments, earliest first.
    async fn case_appointments(&self, case_id: i64) -> Result<Vec<Appointment>, StoreError>;
    /// The active bookings of these accounts that overlap `from`..`to`.
    async fn busy(
        &self,
        specialist_ids: &[i64],
        from: Timestamp,
        to: Timestamp,
    ) -> Result<Vec<youyue_domain::appointment::Busy>, StoreError>;
    /// One specialist's appointments (every status) starting in `from`..`to`, earliest first.
    async fn specialist_appointments(
        &self,
        specialist_id: i64,
        from: Timestamp,
        to: Timestamp,
    ) -> Result<Vec<Appointment>, StoreError>;

    /// Posts an announcement on a union's bulletin board.
    async fn post_bulletin(&self, b: &BulletinRecord) -> Result<(), StoreError>;
    /// The newest announcements of a union, newest first.
    async fn bulletins(&self, union_id: i64, limit: i64) -> Result<Vec<BulletinRecord>, StoreError>;
    /// Sets some of a studio's eight configuration items, all or none.
    async fn set_studio_items(&self, items: &[StudioItemRecord]) -> Result<(), StoreError>;
    async fn studio_items(&self, union_id: i64) -> Result<Vec<StudioItemRecord>, StoreError>;

    /// The figures of the `stats` contract over the union's subtree.
    async fn stats(&self, union: &Union, period: Period) -> Result<Stats, StoreError>;
    /// Everything the dashboard shows of the union's subtree and the period, from the
    /// running tallies.
    async fn figures(&self, union: &Union, period: Period) -> Result<Figures, StoreError>;
    /// The `stats` figures of each of the union's direct children, in code order.
    async fn child_stats(&self, union: &Union, period: Period) -> Result<Vec<(Union, Stats)>, StoreError>;
    /// Recomputes the running tallies from the cases (they are derived data; a repair).
    async fn rebuild_tallies(&self) -> Result<(), StoreError>;

    /// Raises every case still open after its deadline, its clock not paused, to the union
    /// above its own (督办): a `supervise` entry in its record book, once per deadline; and
    /// chases it (催办, issue 22) the day after a deadline missed at most
    /// `command::CHASE_WITHIN_DAYS` ago: a `system` `chase` entry naming the deadline, once
    /// per deadline. Works in batches of at most 500 (one transaction each); returns the
    /// numbers raised or chased by this batch.
    async fn sweep_supervision(&self, today: chrono::NaiveDate, now: Timestamp) -> Result<Vec<CaseNumber>, StoreError>;

    /// Deadline control (issue 22): open cases paused past their `paused_until` (at most
    /// 500), for the sweep to resume.
    async fn pauses_run_out(&self, today: chrono::NaiveDate) -> Result<Vec<StoredCase>, StoreError>;

    /// Open cases strictly below the union at `path` that were escalated (提级督办), newest
    /// first, at most `limit`.
    async fn escalated_below(&self, path: &str, limit: i64) -> Result<Vec<StoredCase>, StoreError>;

    /// Records a worker's vote on their union; false if this voter already voted in this
    /// round (the first vote stands).
    async fn cast_vote(&self, vote: &youyue_domain::appraisal::UnionVote) -> Result<bool, StoreError>;
    /// The scores of votes cast in the period on the unions of the subtree, for a round.
    async fn vote_scores(
        &self,
        union: &Union,
        round: youyue_domain::appraisal::Round,
        period: Period,
    ) -> Result<Vec<i64>, StoreError>;

    /// The votes behind [`Store::vote_scores`], newest first: the total and one page.
    async fn list_votes(
        &self,
        union: &Union,
        round: youyue_domain::appraisal::Round,
        period: Period,
        limit: i64,
        offset: i64,
    ) -> Result<(i64, Vec<ListedVote>), StoreError>;

    /// A district's setting (JSON), if set.
    async fn setting(&self, key: &str) -> Result<Option<serde_json::Value>, StoreError>;
    async fn set_setting(&self, key: &str, value: &serde_json::Value) -> Result<(), StoreError>;
    /// Cases of the subtree due in the period, and how many of them are closed (件件有回音).
    async fn answered(&self, union: &Union, period: Period) -> Result<(i64, i64), StoreError>;

    /// The working-day calendar's entries, in day order.
    async fn calendar(&self) -> Result<Vec<youyue_domain::calendar::CalendarDay>, StoreError>;
    /// Sets calendar entries and removes others, in one transaction.
    async fn set_calendar(
        &self,
        set: &[youyue_domain::calendar::CalendarDay],
        remove: &[chrono::NaiveDate],
    ) -> Result<(), StoreError>;

    /// Writes a consistent copy of the whole database to a new file while others go on
    /// writing, if the database can (SQLite: `VACUUM INTO`); false if it cannot (PostgreSQL:
    /// back up with `export`, which reads one snapshot).
    async fn backup_file(&self, path: &str) -> Result<bool, StoreError>;

    /// Walks every case's record-book hash chain and reports where one breaks.
    async fn verify_chains(&self) -> Result<ChainReport, StoreError>;
    /// The last entry of every case's record book with its hash: what a district signs off.
    async fn chain_heads(&self) -> Result<Vec<ChainHead>, StoreError>;
    /// The stored hash of one entry (None: no such entry; Some(None): written before the chain).
    async fn entry_hash(&self, case: &CaseNumber, seq: i64) -> Result<Option<Option<String>>, StoreError>;

    /// Imports JSON Lines already parsed, all or nothing.
    async fn import(&self, lines: &mut ImportSource<'_>, now: Timestamp) -> Result<ImportSummary, ImportError>;
    /// Writes every union, user, case and record-book entry, in an order import reads back.
    async fn export(&self, sink: &mut ExportSink<'_>) -> Result<u64, StoreError>;

    /// The specialties of each of these accounts that has any, in `Specialty::ALL` order.
    async fn specialties_of(
        &self,
        user_ids: &[i64],
    ) -> Result<std::collections::BTreeMap<i64, Vec<youyue_domain::roster::Specialty>>, StoreError>;
    /// A union's duty roster (its `union` set, names left empty), if it has one.
    async fn roster(&self, union_id: i64) -> Result<Option<youyue_domain::roster::Roster>, StoreError>;
    /// The rosters of the union at `path` and of every union above it, top first.
    async fn rosters_on_path(&self, path: &str) -> Result<Vec<youyue_domain::roster::Roster>, StoreError>;
    /// Replaces a union's roster and appends it to the roster log, in one transaction;
    /// false if it was already exactly this (nothing written).
    async fn put_roster(
        &self,
        union_id: i64,
        roster: &youyue_domain::roster::Roster,
        by: &str,
        now: Timestamp,
    ) -> Result<bool, StoreError>;
    /// The roster log of a union, newest first.
    async fn roster_changes(&self, union_id: i64, limit: i64) -> Result<Vec<RosterChange>, StoreError>;

    // Notices (issue 21): the transactional outbox. Live writes (registration, workflow
    // changes, the supervision sweep, appointments) write their events in their own
    // transaction; the server's `notify` turns events into notices and delivers them.

    /// Woken after a commit that wrote notice events, so the dispatcher need not wait for
    /// its next look; None: the dispatcher only looks every few seconds.
    fn outbox_wake(&self) -> Option<std::sync::Arc<tokio::sync::Notify>> {
        None
    }
    /// Events not yet dispatched, oldest first, at most `limit`, each with its case as it
    /// is now. Reading takes no lock: `dispatch_notice_event` decides who writes.
    async fn waiting_notice_events(&self, limit: i64) -> Result<Vec<NoticeEvent>, StoreError>;
    /// In one transaction: claims the event (`FOR UPDATE SKIP LOCKED` on PostgreSQL), writes
    /// its notices, marks it dispatched and clears its payload. False, and nothing written,
    /// if it was dispatched already or another dispatcher holds it.
    async fn dispatch_notice_event(
        &self,
        event_id: i64,
        notices: &[NewNotice],
        now: Timestamp,
    ) -> Result<bool, StoreError>;
    /// The active accounts of one union (not those below it).
    async fn union_staff(&self, union_id: i64) -> Result<Vec<User>, StoreError>;
    /// A union's WeChat Work group robot's webhook URL, if set (a secret: never logged).
    async fn union_webhook(&self, union_id: i64) -> Result<Option<String>, StoreError>;
    /// Sets (Some) or removes (None) a union's robot webhook.
    async fn set_union_webhook(&self, union_id: i64, url: Option<&str>, now: Timestamp) -> Result<(), StoreError>;
    /// Claims up to `limit` due notices to deliver (pending, `next_at` ≤ now, not claimed
    /// by a sender whose lease runs on; `FOR UPDATE SKIP LOCKED` on PostgreSQL) until
    /// `lease_until`, and commits. The only reading with addresses in full.
    async fn claim_due_notices(
        &self,
        now: Timestamp,
        lease_until: Timestamp,
        limit: i64,
    ) -> Result<Vec<Notice>, StoreError>;
    /// Records one attempt and its result in one transaction; with `attempt.book`, also
    /// the case's internal `notice` record-book entry (which gives rise to no event).
    async fn finish_notice_attempt(
        &self,
        notice_id: i64,
        attempt: &NoticeAttempt,
        now: Timestamp,
    ) -> Result<(), StoreError>;
    /// Writes the timed events due by `now` (China day `today`): deadline tomorrow, missed
    /// deadline, appointment reminders a day and an hour before; each once only
    /// (`notice_events.dedupe`). Returns how many it wrote.
    async fn sweep_notice_timers(&self, today: chrono::NaiveDate, now: Timestamp) -> Result<u64, StoreError>;
    /// A person's bell: their `app` notices newest first, one page, with the total and the
    /// unread count.
    async fn user_notices(&self, user_id: i64, limit: i64, offset: i64) -> Result<NoticePage, StoreError>;
    /// Marks one of the person's app notices read (Some) or all of them (None); how many
    /// changed.
    async fn mark_notices_read(&self, user_id: i64, notice_id: Option<i64>, now: Timestamp) -> Result<u64, StoreError>;
    /// Failed notices about cases in the subtree of union path `path`, newest first: the
    /// total and one page (addresses masked).
    async fn failed_notices(&self, path: &str, limit: i64, offset: i64) -> Result<(i64, Vec<Notice>), StoreError>;
    /// One notice (address masked).
    async fn notice(&self, id: i64) -> Result<Option<Notice>, StoreError>;
    /// Sends a failed notice again: pending, due at `now`, its attempts kept. False if it
    /// is not failed (or its worker's address was removed with the case's personal details).
    async fn retry_notice(&self, id: i64, now: Timestamp) -> Result<bool, StoreError>;
    /// The notices about a case, oldest first (addresses masked), for its page.
    async fn case_notices(&self, case_id: i64) -> Result<Vec<Notice>, StoreError>;
    /// The attempts to deliver a notice, oldest first.
    async fn notice_attempts(&self, notice_id: i64) -> Result<Vec<NoticeAttemptRecord>, StoreError>;

    // Call-back and redo (issue 22).
    /// A closed case's call-back task and review (`callbacks`, from its record book).
    async fn callback_task(&self, case_id: i64) -> Result<Option<youyue_domain::callback::Task>, StoreError>;
    /// Call-backs of the cases of a union's subtree: due (not done, closed after
    /// `overdue_through`), overdue (not done, closed on or before it) or done; oldest
    /// closing first, at most `limit`.
    async fn callbacks(
        &self,
        union: &Union,
        state: CallbackState,
        overdue_through: chrono::NaiveDate,
        limit: i64,
    ) -> Result<Vec<CallbackRow>, StoreError>;
    /// Cases under review (`pending`) that a union reviews: those of the unions right below
    /// it, and its own when it is a top-level union; oldest closing first, at most `limit`.
    async fn reviews(&self, union: &Union, limit: i64) -> Result<Vec<CallbackRow>, StoreError>;
}

/// A notice event waiting for the dispatcher (migration 0019's `notice_events`).
#[derive(Debug, Clone)]
pub struct NoticeEvent {
    pub id: i64,
    /// The case as it is now.
    pub case: StoredCase,
    /// The record-book entry behind it (None: a timed event or a receipt).
    pub seq: Option<i64>,
    /// That entry's action and detail.
    pub entry: Option<(String, serde_json::Value)>,
    /// Who made the change (the entry's actor: a username, `worker` or `system`); they are
    /// not told of their own act.
    pub actor: Option<String>,
    /// The kind of a timed event or a receipt (`registered`).
    pub kind: Option<youyue_domain::notice::NoticeKind>,
    pub appointment_id: Option<i64>,
    /// What only the moment knew (a receipt's tracking code).
    pub payload: Option<String>,
    /// The worker agreed to be told of the case (`case_notify`).
    pub worker_agreed: bool,
    pub created_at: Timestamp,
}

/// A notice as the dispatcher writes it.
#[derive(Debug, Clone)]
pub struct NewNotice {
    pub case_id: i64,
    pub kind: youyue_domain::notice::NoticeKind,
    pub channel: youyue_domain::notice::NoticeChannel,
    /// The person told (staff, or the worker's own account); None for a worker's contact
    /// and a union's group.
    pub user_id: Option<i64>,
    /// The union whose group robot gets it (`wecom`).
    pub union_id: Option<i64>,
    /// E-mail address or phone; the username for `app`; '' for `wecom`.
    pub address: String,
    /// Phones a WeChat Work message @mentions.
    pub mentions: Vec<String>,
    pub subject: String,
    pub body: String,
    /// When it may first go (quiet hours). An `app` notice is written sent.
    pub next_at: Timestamp,
    /// Put into the body in place of `notice::CODE_SLOT` only when it is sent.
    pub secret: Option<String>,
}

/// A notice as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Notice {
    pub id: i64,
    pub event_id: i64,
    pub case_id: Option<i64>,
    pub case_number: Option<String>,
    /// The path of the case's union: who may see it is decided by it.
    pub union_path: Option<String>,
    pub kind: youyue_domain::notice::NoticeKind,
    pub channel: youyue_domain::notice::NoticeChannel,
    pub user_id: Option<i64>,
    pub union_id: Option<i64>,
    /// In full only from `claim_due_notices`; masked (`notice::mask`) everywhere else,
    /// and `notice::WORKER_RECIPIENT` for the worker's own contact.
    pub address: String,
    /// Only from `claim_due_notices`: what the sender puts in for `notice::CODE_SLOT`.
    pub secret: Option<String>,
    pub mentions: Vec<String>,
    pub subject: String,
    pub body: String,
    pub status: youyue_domain::notice::NoticeStatus,
    pub attempts: i64,
    pub next_at: Timestamp,
    pub last_error: Option<String>,
    pub sent_at: Option<Timestamp>,
    pub read_at: Option<Timestamp>,
    pub created_at: Timestamp,
}

impl Notice {
    /// Whether "send again" can do anything: a failed notice that still has someone to
    /// go to (anonymising takes the worker's address away for good).
    pub fn may_send_again(&self) -> bool {
        use youyue_domain::notice::{NoticeChannel, NoticeStatus};
        let worker_gone = self.user_id.is_none()
            && matches!(self.channel, NoticeChannel::Email | NoticeChannel::Sms)
            && self.address.is_empty();
        self.status == NoticeStatus::Failed && self.channel != NoticeChannel::App && !worker_gone
    }
}

/// One page of a person's bell.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NoticePage {
    pub total: i64,
    pub unread: i64,
    pub notices: Vec<Notice>,
}

/// What came of one attempt to deliver a notice.
#[derive(Debug, Clone)]
pub struct NoticeAttempt {
    pub ok: bool,
    /// Why it failed (masked: no URL, address or text in full).
    pub error: Option<String>,
    /// The notice's status after it: sent, pending (tried again at `next_at`) or failed.
    pub status: youyue_domain::notice::NoticeStatus,
    pub next_at: Timestamp,
    /// The detail of the case's `notice` record-book entry, on a final result.
    pub book: Option<serde_json::Value>,
}

/// One recorded attempt (`notice_attempts`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NoticeAttemptRecord {
    pub at: Timestamp,
    pub ok: bool,
    pub error: Option<String>,
}

/// A roster as it was set (the roster log).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RosterChange {
    pub roster: youyue_domain::roster::Roster,
    pub changed_by: String,
    pub changed_at: Timestamp,
}

/// What `verify_chains` found.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ChainReport {
    pub cases: u64,
    pub entries: u64,
    /// Entries written before the chain existed (migration 0009), not covered by it.
    pub unchained: u64,
    /// Cases whose record book does not say what they were at the start (no registration
    /// entry, no import entry with the case as it arrived: books imported from elsewhere):
    /// only the fields their entries changed are compared.
    pub unstarted: u64,
    pub problems: Vec<ChainProblem>,
}

/// The first place a case's record book fails its chain.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChainProblem {
    pub case: String,
    pub seq: i64,
    pub what: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChainHead {
    pub case: String,
    pub seq: i64,
    pub hash: String,
}

/// A vote as the drill-down lists it: never the voter's token.
#[derive(Debug, Clone, PartialEq)]
pub struct ListedVote {
    pub union: String,
    pub union_name: String,
    /// The round's month (`YYYY-MM`) or year.
    pub key: String,
    pub score: i64,
    pub comment: String,
    pub at: Timestamp,
}

/// The figures of a union's subtree over a period (see [`Store::figures`]).
#[derive(Debug, Clone, PartialEq)]
pub struct Figures {
    pub stats: Stats,
    /// Every China month of the period that has any case: `(YYYY-MM, opened, resolved)`.
    pub months: Vec<(String, i64, i64)>,
    pub timeliness: youyue_domain::timeliness::Timeliness,
    /// Workers' ratings of the cases closed in the period.
    pub case_ratings: youyue_domain::appraisal::VoteSummary,
}

/// Opens the database named by the URL, creating a SQLite file when missing, and brings
/// its schema up to date.
pub async fn open(url: &str) -> Result<std::sync::Arc<dyn Store>, StoreError> {
    if url.starts_with("sqlite:") {
        Ok(std::sync::Arc::new(sqlite::SqliteStore::open(url).await?))
    } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
        Ok(std::sync::Arc::new(postgres::PostgresStore::open(url).await?))
    } else {
        Err(StoreError::BadUrl(url.to_owned()))
    }
}

/// Escapes `%`, `_` and `\` for a `LIKE … ESCAPE '\'` pattern.
pub fn like_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        if matches!(c, '%' | '_' | '\\') {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

mod dialect;
mod group;
mod rows;

/// The SQL store, with one pool for reads and one for writes. On SQLite the write pool has
/// a single connection, so writers queue in the application instead of failing with
/// SQLITE_BUSY; on PostgreSQL both are the same pool.
pub struct SqlStore<DB: sqlx::Database> {
    read: sqlx::Pool<DB>,
    write: sqlx::Pool<DB>,
    /// Writes committed in groups: registrations on both databases, workflow changes on
    /// SQLite (see `group.rs` and `SqlStore::write_job`).
    group: group::GroupWriter<DB>,
    /// Tasks that live as long as the store (SQLite's checkpointer); stopped
    /// when it is dropped.
    background: Background,
    /// Notified after a commit that wrote notice events (`Store::outbox_wake`).
    outbox_wake: std::sync::Arc<tokio::sync::Notify>,
}

/// Tasks a store runs beside its requests: told to stop by `close`, aborted with the
/// store.
struct Background {
    stop: tokio::sync::watch::Sender<bool>,
    tasks: std::sync::Mutex<Vec<tokio::task::JoinHandle<()>>>,
}

impl Default for Background {
    fn default() -> Self {
        Background { stop: tokio::sync::watch::channel(false).0, tasks: Default::default() }
    }
}

impl Background {
    /// Asks every task to stop (each watches `stop`, and sees it even if it was busy when
    /// it was sent) and waits for them.
    async fn stop(&self) {
        self.stop.send_replace(true);
        let tasks = match self.tasks.lock() {
            Ok(mut tasks) => std::mem::take(&mut *tasks),
            Err(poisoned) => std::mem::take(&mut *poisoned.into_inner()),
        };
        for task in tasks {
            // A task that panicked has nothing left to close.
            let _ = task.await;
        }
    }
}

impl Drop for Background {
    fn drop(&mut self) {
        let tasks = match self.tasks.get_mut() {
            Ok(tasks) => tasks,
            Err(poisoned) => poisoned.into_inner(),
        };
        for task in tasks.iter() {
            task.abort();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::error::Error;

    #[test]
    fn an_import_error_says_its_line_and_keeps_its_cause() {
        let e = ImportError::failed_while(7, "database", sqlx::Error::PoolTimedOut);
        assert_eq!(e.to_string(), format!("line 7: database: {}", sqlx::Error::PoolTimedOut));
        let cause = e.source().map(ToString::to_string);
        assert_eq!(cause, Some(sqlx::Error::PoolTimedOut.to_string()));
        assert!(ImportError::at(3, "seq: a gap").source().is_none());
    }

    #[test]
    fn an_unavailable_database_keeps_its_cause() {
        let io = std::io::Error::other("refused");
        let e = StoreError::unavailable_because("postgres://u@h/db", io);
        assert_eq!(e.to_string(), "database unavailable: postgres://u@h/db: refused");
        assert_eq!(e.source().map(ToString::to_string), Some("refused".to_owned()));
    }
}

/// Which call-backs a list asks for (issue 22).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CallbackState {
    Due,
    Overdue,
    Done,
}

impl CallbackState {
    pub fn parse(s: &str) -> Option<CallbackState> {
        match s {
            "due" => Some(CallbackState::Due),
            "overdue" => Some(CallbackState::Overdue),
            "done" => Some(CallbackState::Done),
            _ => None,
        }
    }
}

/// A closed case's call-back task as a list shows it: no title, no name, no contact.
#[derive(Debug, Clone, PartialEq)]
pub struct CallbackRow {
    pub case_id: i64,
    pub number: CaseNumber,
    pub union_code: String,
    pub union_name: String,
    pub kind: Kind,
    pub status: Status,
    /// The worker's own rating, if they rated.
    pub rating: Option<i64>,
    /// Who handles it (a wellbeing case is listed only to its handler and chairs).
    pub handler_id: Option<i64>,
    pub task: youyue_domain::callback::Task,
}
