//! The one HTTP error type. Internals are logged with their causes, never shown: the
//! client gets `{"error":{"code":"…","message":"…","field":"…"}}` with the right status.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use youyue_domain::case::FieldError;
use youyue_domain::command::CommandError;
use youyue_domain::workflow::WorkflowError;
use youyue_store::StoreError;

/// What went wrong inside, with its chain of causes (`source()`), for the log.
pub type Cause = Box<dyn std::error::Error + Send + Sync>;

#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    /// The body or query could not be read at all (not JSON, wrong type…).
    #[error("{message}")]
    BadRequest { message: String, field: Option<String> },
    /// Well-formed, but a field's value is not acceptable.
    #[error("{field}: {message}")]
    Invalid { field: String, message: String },
    #[error("log in first")]
    Unauthorized,
    #[error("wrong username or password")]
    WrongCredentials,
    /// The password was right; the account's second factor is missing or wrong.
    #[error("enter the 6-digit code from your authenticator app")]
    SecondFactor,
    #[error("{0}")]
    Forbidden(String),
    #[error("{0}")]
    NotFound(String),
    #[error("this endpoint does not take that method")]
    MethodNotAllowed,
    /// The case is not in a state that allows this, or changed meanwhile.
    #[error("{0}")]
    Conflict(String),
    /// A conflict with the case's state that has a code of its own (409), e.g.
    /// `mediation_period_running`: a client can tell it from a concurrent change.
    #[error("{message}")]
    Refused { code: &'static str, message: String },
    /// The specialist's slot was booked by someone else first; the message lists slots
    /// still free.
    #[error("{0}")]
    SlotTaken(String),
    #[error("the request body is larger than {0} bytes")]
    TooLarge(usize),
    #[error("too many attempts; wait a minute and try again")]
    TooManyRequests,
    /// Failed logins wait longer after each failure (seconds left).
    #[error("too many failed logins; try again in {0} seconds")]
    LoginDelayed(u64),
    /// The database cannot be reached now (logged as a warning, with its cause).
    #[error("the service is briefly unavailable; try again shortly")]
    Unavailable(#[source] Cause),
    /// Something this server cannot make until its operator provides it (the PDF of an
    /// agreement without a CJK font); the message says what.
    #[error("{0}")]
    NotProvided(String),
    /// A fault of ours: the client is told only that; the log gets the cause.
    #[error("something went wrong on our side; it has been logged")]
    Internal(#[source] Cause),
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct ErrorBody {
    pub error: ErrorDetail,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct ErrorDetail {
    /// A stable, machine-readable code: bad_request, invalid, unauthorized, forbidden,
    /// not_found, conflict, slot_taken, too_large, too_many_requests, unavailable, internal;
    /// and the conflicts of their own: mediation_period_running, not_a_dispute, agreement_signed.
    pub code: &'static str,
    pub message: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
}

impl ApiError {
    pub fn invalid(field: impl Into<String>, message: impl Into<String>) -> ApiError {
        ApiError::Invalid { field: field.into(), message: message.into() }
    }
    pub fn not_found(what: impl Into<String>) -> ApiError {
        ApiError::NotFound(what.into())
    }
    /// An internal error from what went wrong (an error, which keeps its own causes, or
    /// words saying what is missing).
    pub fn internal(cause: impl Into<Cause>) -> ApiError {
        ApiError::Internal(cause.into())
    }
    /// An internal error: `context` says what was being done, `cause` why it failed.
    pub fn internal_in(context: &str, cause: impl std::error::Error + Send + Sync + 'static) -> ApiError {
        ApiError::Internal(Box::new(Context { context: context.to_owned(), cause: Box::new(cause) }))
    }

    /// Writes an internal or unavailable error to the log with its whole chain of causes;
    /// the others are the client's own mistakes and are not logged. `place` says where
    /// (the API or a page).
    pub fn log(&self, place: &str) {
        match self {
            ApiError::Internal(cause) => tracing::error!(error = %Chain(cause.as_ref()), place, "internal error"),
            ApiError::Unavailable(cause) => {
                tracing::warn!(error = %Chain(cause.as_ref()), place, "database unavailable")
            }
            _ => {}
        }
    }

    pub fn status(&self) -> StatusCode {
        match self {
            ApiError::BadRequest { .. } => StatusCode::BAD_REQUEST,
            ApiError::Invalid { .. } => StatusCode::UNPROCESSABLE_ENTITY,
            ApiError::Unauthorized | ApiError::WrongCredentials | ApiError::SecondFactor => StatusCode::UNAUTHORIZED,
            ApiError::LoginDelayed(_) => StatusCode::TOO_MANY_REQUESTS,
            ApiError::Forbidden(_) => StatusCode::FORBIDDEN,
            ApiError::NotFound(_) => StatusCode::NOT_FOUND,
            ApiError::MethodNotAllowed => StatusCode::METHOD_NOT_ALLOWED,
            ApiError::Conflict(_) | ApiError::Refused { .. } | ApiError::SlotTaken(_) => StatusCode::CONFLICT,
            ApiError::TooLarge(_) => StatusCode::PAYLOAD_TOO_LARGE,
            ApiError::TooManyRequests => StatusCode::TOO_MANY_REQUESTS,
            ApiError::Unavailable(_) | ApiError::NotProvided(_) => StatusCode::SERVICE_UNAVAILABLE,
            ApiError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    pub fn code(&self) -> &'static str {
        match self {
            ApiError::BadRequest { .. } => "bad_request",
            ApiError::Invalid { .. } => "invalid",
            ApiError::Unauthorized | ApiError::WrongCredentials => "unauthorized",
            ApiError::SecondFactor => "second_factor",
            ApiError::LoginDelayed(_) => "too_many_requests",
            ApiError::Forbidden(_) => "forbidden",
            ApiError::NotFound(_) => "not_found",
            ApiError::MethodNotAllowed => "method_not_allowed",
            ApiError::Conflict(_) => "conflict",
            ApiError::Refused { code, .. } => code,
            ApiError::SlotTaken(_) => "slot_taken",
            ApiError::TooLarge(_) => "too_large",
            ApiError::TooManyRequests => "too_many_requests",
            ApiError::Unavailable(_) => "unavailable",
            ApiError::NotProvided(_) => "not_provided",
            ApiError::Internal(_) => "internal",
        }
    }

    /// What the person is told: internals stay in the log.
    pub fn public_message(&self) -> String {
        match self {
            ApiError::Invalid { message, .. } => message.clone(),
            other => other.to_string(),
        }
    }

    pub fn field(&self) -> Option<String> {
        match self {
            ApiError::Invalid { field, .. } => Some(field.clone()),
            ApiError::BadRequest { field, .. } => field.clone(),
            ApiError::SecondFactor => Some("totp".into()),
            _ => None,
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        self.log("api");
        let body =
            ErrorBody { error: ErrorDetail { code: self.code(), message: self.public_message(), field: self.field() } };
        let mut response = (self.status(), axum::Json(body)).into_response();
        let wait = match &self {
            ApiError::LoginDelayed(s) => Some(*s),
            ApiError::TooManyRequests => Some(60),
            ApiError::Unavailable(_) => Some(5),
            _ => None,
        };
        if let Some(s) = wait {
            response.headers_mut().insert(axum::http::header::RETRY_AFTER, axum::http::HeaderValue::from(s));
        }
        response
    }
}

impl From<StoreError> for ApiError {
    fn from(e: StoreError) -> ApiError {
        match e {
            StoreError::NotFound(what) => ApiError::NotFound(format!("{what} not found")),
            StoreError::Conflict(m) => ApiError::Conflict(m),
            e @ StoreError::SlotTaken => ApiError::SlotTaken(e.to_string()),
            StoreError::Invalid { field, message } => ApiError::invalid(field, message),
            // The database cannot take the work now (a full disk, a lost connection, busy,
            // shutting down): nothing was written, try again later. The store decides which.
            e if e.is_fault() => ApiError::Unavailable(Box::new(e)),
            // PostgreSQL chose this transaction to break a deadlock, or could not serialise it:
            // nothing was written, and the same request may well pass when sent again.
            StoreError::Db(sqlx::Error::Database(ref e)) if e.code().is_some_and(|c| c == "40P01" || c == "40001") => {
                ApiError::Conflict("the case was changed by someone else meanwhile; reload it and try again".into())
            }
            // A text PostgreSQL cannot hold (a NUL: 22021, 22P05) that got past `extract`'s
            // checks: the sender's mistake, not ours. Only a backstop.
            StoreError::Db(sqlx::Error::Database(ref e)) if e.code().is_some_and(|c| c == "22021" || c == "22P05") => {
                ApiError::BadRequest { message: "a text holds a character that cannot be stored".into(), field: None }
            }
            other => ApiError::Internal(Box::new(other)),
        }
    }
}

impl From<FieldError> for ApiError {
    fn from(e: FieldError) -> ApiError {
        ApiError::invalid(e.field, e.message)
    }
}

impl From<CommandError> for ApiError {
    fn from(e: CommandError) -> ApiError {
        match e {
            CommandError::Field(f) => f.into(),
            CommandError::Workflow(w @ (WorkflowError::RoleMayNot { .. } | WorkflowError::NotAssigned { .. })) => {
                ApiError::Forbidden(w.to_string())
            }
            CommandError::Workflow(w) => ApiError::Conflict(w.to_string()),
            e @ CommandError::MediationPeriodRunning { .. } => {
                ApiError::Refused { code: "mediation_period_running", message: e.to_string() }
            }
            e @ CommandError::NotADispute => ApiError::Refused { code: "not_a_dispute", message: e.to_string() },
            CommandError::Clock(m) => ApiError::Conflict(m),
        }
    }
}

pub type ApiResult<T> = Result<T, ApiError>;

/// What was being done when `cause` failed: the first link of a logged chain.
#[derive(Debug, thiserror::Error)]
#[error("{context}")]
struct Context {
    context: String,
    #[source]
    cause: Cause,
}

/// An error and each of its causes, one after another: "a: b: c" (zero2prod's
/// `error_chain_fmt`, on one line for the log).
pub struct Chain<'a>(pub &'a (dyn std::error::Error + 'static));

impl std::fmt::Display for Chain<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}", self.0)?;
        let mut next = self.0.source();
        while let Some(cause) = next {
            write!(f, ": {cause}")?;
            next = cause.source();
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_log_keeps_every_cause_and_the_client_sees_none() {
        let io = std::io::Error::other("disk full");
        let e = ApiError::internal_in("writing the case", StoreError::Db(sqlx::Error::Io(io)));
        let ApiError::Internal(cause) = &e else { panic!("not internal: {e:?}") };
        let logged = Chain(cause.as_ref()).to_string();
        assert!(logged.starts_with("writing the case: "), "{logged}");
        assert!(logged.ends_with("disk full"), "{logged}");
        assert_eq!(e.public_message(), "something went wrong on our side; it has been logged");
        assert_eq!(e.code(), "internal");
        assert_eq!(e.status(), StatusCode::INTERNAL_SERVER_ERROR);
    }

    #[test]
    fn an_unreachable_database_is_unavailable_with_its_cause() {
        let e = ApiError::from(StoreError::Db(sqlx::Error::PoolTimedOut));
        assert_eq!(e.status(), StatusCode::SERVICE_UNAVAILABLE);
        let ApiError::Unavailable(cause) = &e else { panic!("not unavailable: {e:?}") };
        assert!(Chain(cause.as_ref()).to_string().contains("pool timed out"), "{}", Chain(cause.as_ref()));
        let response = e.into_response();
        assert_eq!(response.headers().get(axum::http::header::RETRY_AFTER).map(|v| v.as_bytes()), Some(&b"5"[..]));
    }

    /// A database error with only a SQLSTATE, as PostgreSQL sends for a NUL in a text.
    #[derive(Debug, thiserror::Error)]
    #[error("invalid byte sequence for encoding \"UTF8\": 0x00")]
    struct Sqlstate(&'static str);

    impl sqlx::error::DatabaseError for Sqlstate {
        fn message(&self) -> &str {
            "invalid byte sequence for encoding \"UTF8\": 0x00"
        }
        fn code(&self) -> Option<std::borrow::Cow<'_, str>> {
            Some(self.0.into())
        }
        fn as_error(&self) -> &(dyn std::error::Error + Send + Sync + 'static) {
            self
        }
        fn as_error_mut(&mut self) -> &mut (dyn std::error::Error + Send + Sync + 'static) {
            self
        }
        fn into_error(self: Box<Self>) -> Box<dyn std::error::Error + Send + Sync + 'static> {
            self
        }
        fn kind(&self) -> sqlx::error::ErrorKind {
            sqlx::error::ErrorKind::Other
        }
    }

    #[test]
    fn a_text_postgresql_cannot_store_is_the_senders_mistake() {
        for code in ["22021", "22P05"] {
            let e = ApiError::from(StoreError::Db(sqlx::Error::Database(Box::new(Sqlstate(code)))));
            assert_eq!(e.status(), StatusCode::BAD_REQUEST, "{code}");
        }
        let other = ApiError::from(StoreError::Db(sqlx::Error::Database(Box::new(Sqlstate("42P01")))));
        assert_eq!(other.status(), StatusCode::INTERNAL_SERVER_ERROR);
    }
}
