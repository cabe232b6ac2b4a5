//! Strict request parsing: JSON bodies and query strings that name the field that is
//! wrong, as a JSON error, instead of axum's plain-text rejections.

use crate::error::ApiError;
use axum::body::Bytes;
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::request::Parts;
use serde::de::DeserializeOwned;

fn describe(path: String, inner: String) -> ApiError {
    if path == "." || path.is_empty() {
        ApiError::BadRequest { message: inner, field: None }
    } else {
        ApiError::BadRequest { message: format!("{path}: {inner}"), field: Some(path) }
    }
}

/// A JSON body. Requires `Content-Type: application/json`, which also keeps other sites'
/// plain HTML forms from posting to the API with a visitor's cookie.
pub struct ApiJson<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequest<S> for ApiJson<T> {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, ApiError> {
        let is_json =
            req.headers().get(axum::http::header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).is_some_and(|v| {
                v.split(';').next().is_some_and(|m| m.trim().eq_ignore_ascii_case("application/json"))
            });
        if !is_json {
            return Err(ApiError::BadRequest {
                message: "send a JSON body with Content-Type: application/json".into(),
                field: None,
            });
        }
        let bytes = Bytes::from_request(req, state).await.map_err(|e| {
            if e.status() == axum::http::StatusCode::PAYLOAD_TOO_LARGE {
                ApiError::TooLarge(crate::MAX_BODY_BYTES)
            } else {
                ApiError::BadRequest { message: format!("could not read the body: {e}"), field: None }
            }
        })?;
        let de = &mut serde_json::Deserializer::from_slice(&bytes);
        let value = serde_path_to_error::deserialize(de).map_err(|e| {
            let path = e.path().to_string();
            describe(path, e.into_inner().to_string())
        })?;
        Ok(ApiJson(value))
    }
}

/// A query string, parsed strictly.
pub struct ApiQuery<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequestParts<S> for ApiQuery<T> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, ApiError> {
        let q = parts.uri.query().unwrap_or_default();
        let de = serde_urlencoded::Deserializer::new(form_urlencoded::parse(q.as_bytes()));
        let value = serde_path_to_error::deserialize(de).map_err(|e| {
            let path = e.path().to_string();
            describe(path, e.into_inner().to_string())
        })?;
        Ok(ApiQuery(value))
    }
}

/// The `Idempotency-Key` header, if sent (its form is checked by `service::Retry`).
pub fn idempotency_key(headers: &axum::http::HeaderMap) -> Result<Option<String>, ApiError> {
    match headers.get("idempotency-key") {
        None => Ok(None),
        Some(v) => v.to_str().map(|s| Some(s.to_owned())).map_err(|_| ApiError::BadRequest {
            field: Some("Idempotency-Key".into()),
            message: "may hold only visible ASCII characters (a UUID, say)".into(),
        }),
    }
}

/// `Idempotent-Replayed: true` on an answer given again to a retry.
pub fn replayed_header(replayed: bool) -> axum::http::HeaderMap {
    let mut h = axum::http::HeaderMap::new();
    if replayed {
        h.insert("idempotent-replayed", axum::http::HeaderValue::from_static("true"));
    }
    h
}
