//! The one HTTP error type. Internals are logged, never shown: the client gets
//! `{"error":{"code":"…","message":"…","field":"…"}}` with the right status.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use youyue_domain::case::FieldError;
use youyue_domain::command::CommandError;
use youyue_domain::workflow::WorkflowError;
use youyue_store::StoreError;

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
    #[error("the request body is larger than {0} bytes")]
    TooLarge(usize),
    #[error("too many attempts; wait a minute and try again")]
    TooManyRequests,
    /// Failed logins wait longer after each failure (seconds left).
    #[error("too many failed logins; try again in {0} seconds")]
    LoginDelayed(u64),
    #[error("the service is briefly unavailable; try again shortly")]
    Unavailable(String),
    #[error("something went wrong on our side; it has been logged")]
    Internal(String),
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct ErrorBody {
    pub error: ErrorDetail,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct ErrorDetail {
    /// A stable, machine-readable code: bad_request, invalid, unauthorized, forbidden,
    /// not_found, conflict, too_large, too_many_requests, unavailable, internal.
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

    pub fn status(&self) -> StatusCode {
        match self {
            ApiError::BadRequest { .. } => StatusCode::BAD_REQUEST,
            ApiError::Invalid { .. } => StatusCode::UNPROCESSABLE_ENTITY,
            ApiError::Unauthorized | ApiError::WrongCredentials | ApiError::SecondFactor => StatusCode::UNAUTHORIZED,
            ApiError::LoginDelayed(_) => StatusCode::TOO_MANY_REQUESTS,
            ApiError::Forbidden(_) => StatusCode::FORBIDDEN,
            ApiError::NotFound(_) => StatusCode::NOT_FOUND,
            ApiError::MethodNotAllowed => StatusCode::METHOD_NOT_ALLOWED,
            ApiError::Conflict(_) => StatusCode::CONFLICT,
            ApiError::TooLarge(_) => StatusCode::PAYLOAD_TOO_LARGE,
            ApiError::TooManyRequests => StatusCode::TOO_MANY_REQUESTS,
            ApiError::Unavailable(_) => StatusCode::SERVICE_UNAVAILABLE,
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
            ApiError::TooLarge(_) => "too_large",
            ApiError::TooManyRequests => "too_many_requests",
            ApiError::Unavailable(_) => "unavailable",
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
        match &self {
            ApiError::Internal(detail) => tracing::error!(%detail, "internal error"),
            ApiError::Unavailable(detail) => tracing::warn!(%detail, "database unavailable"),
            _ => {}
        }
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
            StoreError::Invalid { field, message } => ApiError::invalid(field, message),
            StoreError::Unavailable { what, .. } => ApiError::Unavailable(what),
            StoreError::Db(sqlx_error) => match sqlx_error {
                sqlx::Error::PoolTimedOut | sqlx::Error::PoolClosed | sqlx::Error::Io(_) | sqlx::Error::Tls(_) => {
                    ApiError::Unavailable(sqlx_error.to_string())
                }
                // PostgreSQL shutting down or restarting (57P01–57P03), a broken connection
                // (class 08), SQLite busy or locked past its timeout: the database is there
                // again shortly, nothing was written.
                sqlx::Error::Database(ref e)
                    if e.code()
                        .is_some_and(|c| c.starts_with("57P") || c.starts_with("08") || c == "5" || c == "6") =>
                {
                    ApiError::Unavailable(sqlx_error.to_string())
                }
                other => ApiError::Internal(other.to_string()),
            },
            other => ApiError::Internal(other.to_string()),
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
        }
    }
}

pub type ApiResult<T> = Result<T, ApiError>;
