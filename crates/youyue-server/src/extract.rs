//! Strict request parsing: JSON bodies and query strings that name the field that is
//! wrong, as a JSON error, instead of axum's plain-text rejections. And the one gate every
//! text from outside passes before anything reads it (`text`, the rule itself being
//! `youyue_domain::case::text_fault`): path segments and query values (`url_texts`, a layer
//! of the API and of the pages), JSON bodies (`ApiJson`) and form bodies (`form_body`,
//! the pages' `Form`).

use crate::error::ApiError;
use axum::body::Bytes;
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::request::Parts;
use serde::de::DeserializeOwned;
use youyue_domain::case::{text_fault, Lines};

fn describe(path: String, inner: String) -> ApiError {
    let top = path == "." || path.is_empty();
    // serde names a missing field only in its message: the error names it as the field.
    if let Some(name) = inner.strip_prefix("missing field `").and_then(|rest| rest.split('`').next()) {
        let field = if top { name.to_owned() } else { format!("{path}.{name}") };
        return ApiError::BadRequest { message: format!("{field}: is required"), field: Some(field) };
    }
    if top {
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
        json_texts(&bytes)?;
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

/// One text from outside, under the rule of `text_fault`: a 422 naming `field` otherwise.
fn text(field: &str, value: &str, lines: Lines) -> Result<(), ApiError> {
    match text_fault(value, lines) {
        Some(fault) => Err(ApiError::invalid(field, fault)),
        None => Ok(()),
    }
}

/// A name for a field whose own name is not a clean text (a key holding a NUL, say).
fn printable(name: &str) -> String {
    name.escape_debug().to_string()
}

/// Every string of a JSON body (that has parsed), each named by its path ("a.b[0]"). Line
/// breaks are allowed here: a description has them; single-line fields check their own.
fn json_texts(bytes: &[u8]) -> Result<(), ApiError> {
    fn walk(path: &str, v: &serde_json::Value) -> Result<(), ApiError> {
        match v {
            serde_json::Value::String(s) => text(if path.is_empty() { "." } else { path }, s, Lines::Many),
            serde_json::Value::Array(items) => {
                items.iter().enumerate().try_for_each(|(i, item)| walk(&format!("{path}[{i}]"), item))
            }
            serde_json::Value::Object(map) => map.iter().try_for_each(|(k, item)| {
                if text_fault(k, Lines::One).is_some() {
                    return Err(ApiError::invalid(printable(k), "is not a field name"));
                }
                walk(&if path.is_empty() { k.clone() } else { format!("{path}.{k}") }, item)
            }),
            _ => Ok(()),
        }
    }
    let value: serde_json::Value = serde_json::from_slice(bytes)
        .map_err(|e| ApiError::BadRequest { message: format!("the body is not JSON: {e}"), field: None })?;
    walk("", &value)
}

/// `application/x-www-form-urlencoded` (a form body, a query string) decoded strictly: a
/// name or value that is not UTF-8 is refused, naming it, where `form_urlencoded::parse`
/// would quietly put U+FFFD in its place; every value keeps the text rule (`lines`).
pub fn form_pairs(raw: &[u8], lines: Lines) -> Result<Vec<(String, String)>, ApiError> {
    // Percent-decoding as `form_urlencoded` does ('+' is a space, a '%' not followed by two
    // hex digits stays as it is), but into bytes, so that UTF-8 is checked afterwards.
    fn decode(part: &[u8]) -> Vec<u8> {
        let hex = |b: Option<&u8>| b.and_then(|b| (*b as char).to_digit(16));
        let mut out = Vec::with_capacity(part.len());
        let mut i = 0;
        while i < part.len() {
            match (part[i], hex(part.get(i + 1)), hex(part.get(i + 2))) {
                (b'%', Some(h), Some(l)) => {
                    // Two hex digits are at most 0xff.
                    out.push(u8::try_from(h * 16 + l).unwrap_or(b'%'));
                    i += 3;
                    continue;
                }
                (b'+', _, _) => out.push(b' '),
                (b, _, _) => out.push(b),
            }
            i += 1;
        }
        out
    }
    let mut pairs = Vec::new();
    for part in raw.split(|&b| b == b'&').filter(|p| !p.is_empty()) {
        let (name, value) = match part.iter().position(|&b| b == b'=') {
            Some(at) => (&part[..at], &part[at + 1..]),
            None => (part, &part[part.len()..]),
        };
        let name = String::from_utf8(decode(name)).map_err(|e| ApiError::BadRequest {
            message: "a field's name is not UTF-8".into(),
            field: Some(printable(&String::from_utf8_lossy(e.as_bytes()))),
        })?;
        if text_fault(&name, Lines::One).is_some() {
            return Err(ApiError::invalid(printable(&name), "is not a field name"));
        }
        let mut value = String::from_utf8(decode(value)).map_err(|_| ApiError::BadRequest {
            message: format!("{name}: is not UTF-8"),
            field: Some(name.clone()),
        })?;
        if lines == Lines::Many && value.contains(LINE_SEPARATORS) {
            // A manual line break pasted from Word (a vertical tab) and its kin are a line
            // break to whoever typed them: refusing them would throw the text away.
            value = value.replace(LINE_SEPARATORS, "\n");
        }
        text(&name, &value, lines)?;
        pairs.push((name, value));
    }
    Ok(pairs)
}

/// What a pasted text may break its lines with besides `\n`: vertical tab (Word's manual
/// line break), form feed, next line, line and paragraph separators.
const LINE_SEPARATORS: [char; 5] = ['\u{0b}', '\u{0c}', '\u{85}', '\u{2028}', '\u{2029}'];

/// A form body as `T`: every pair decoded strictly (`form_pairs`), a name outside `known`
/// refused (`None`: any name, for a form that is a map), and each wrong field named.
pub fn form_body<T: DeserializeOwned>(raw: &[u8], known: Option<&[&str]>) -> Result<T, ApiError> {
    let pairs = form_pairs(raw, Lines::Many)?;
    if let Some(known) = known {
        if let Some((name, _)) = pairs.iter().find(|(name, _)| !known.contains(&name.as_str())) {
            return Err(ApiError::BadRequest {
                message: format!("{name}: is not a field of this form"),
                field: Some(name.clone()),
            });
        }
    }
    // The pairs as checked (line breaks made `\n`), encoded again for serde.
    let checked = form_urlencoded::Serializer::new(String::new()).extend_pairs(&pairs).finish();
    let de = serde_urlencoded::Deserializer::new(form_urlencoded::parse(checked.as_bytes()));
    serde_path_to_error::deserialize(de).map_err(|e| {
        let path = e.path().to_string();
        describe(path, e.into_inner().to_string())
    })
}

/// The texts of a request's address, checked before any handler reads them: each path
/// segment (named by its parameter) and each query value. Both are single-line. A layer
/// (`from_fn(url_texts::<ApiError>)` on the API, `::<PageError>` on the pages), so that no
/// route, whatever extractor it uses, can forget it.
pub async fn url_texts<E>(req: Request, next: axum::middleware::Next) -> axum::response::Response
where
    E: From<ApiError> + axum::response::IntoResponse,
{
    let (mut parts, body) = req.into_parts();
    if let Err(e) = check_url(&mut parts).await {
        return E::from(e).into_response();
    }
    next.run(Request::from_parts(parts, body)).await
}

async fn check_url(parts: &mut Parts) -> Result<(), ApiError> {
    use axum::extract::rejection::RawPathParamsRejection;
    match axum::extract::RawPathParams::from_request_parts(parts, &()).await {
        Ok(params) => params.iter().try_for_each(|(name, value)| text(name, value, Lines::One))?,
        Err(RawPathParamsRejection::InvalidUtf8InPathParam(e)) => {
            // axum keeps the parameter's name to itself but for its message: "… in `name`".
            let message = e.body_text();
            let field = message.split('`').nth(1).map(str::to_owned);
            return Err(ApiError::BadRequest { message: "a path segment is not UTF-8".into(), field });
        }
        // No parameters (a route without any, or a fallback).
        Err(_) => {}
    }
    form_pairs(parts.uri.query().unwrap_or_default().as_bytes(), Lines::One)?;
    Ok(())
}

/// The field names of the struct `T` deserializes as (what `#[derive(Deserialize)]` hands
/// to `deserialize_struct`), or `None` for a map or anything else that takes any name.
pub fn field_names<T: DeserializeOwned>() -> Option<&'static [&'static str]> {
    struct Probe;
    #[derive(Debug)]
    struct Found(Option<&'static [&'static str]>);
    impl std::fmt::Display for Found {
        fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            f.write_str("probe")
        }
    }
    impl std::error::Error for Found {}
    impl serde::de::Error for Found {
        fn custom<M: std::fmt::Display>(_: M) -> Found {
            Found(None)
        }
    }
    impl<'de> serde::Deserializer<'de> for Probe {
        type Error = Found;
        fn deserialize_any<V: serde::de::Visitor<'de>>(self, _: V) -> Result<V::Value, Found> {
            Err(Found(None))
        }
        fn deserialize_struct<V: serde::de::Visitor<'de>>(
            self,
            _: &'static str,
            fields: &'static [&'static str],
            _: V,
        ) -> Result<V::Value, Found> {
            Err(Found(Some(fields)))
        }
        serde::forward_to_deserialize_any! {
            bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string bytes byte_buf
            option unit unit_struct newtype_struct seq tuple tuple_struct map enum identifier
            ignored_any
        }
    }
    match T::deserialize(Probe) {
        Err(Found(fields)) => fields,
        Ok(_) => None,
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn form_pairs_decode_as_browsers_encode_and_name_what_is_wrong() {
        let pairs = form_pairs(b"a=%E5%B7%A5+1&b=%zz&&c", Lines::One).unwrap();
        assert_eq!(pairs, [("a".into(), "工 1".into()), ("b".into(), "%zz".into()), ("c".into(), String::new())]);
        let e = form_pairs(b"ok=1&name=%FF", Lines::Many).unwrap_err();
        assert_eq!((e.status(), e.field().as_deref()), (axum::http::StatusCode::BAD_REQUEST, Some("name")));
        let e = form_pairs(b"q=a%00b", Lines::Many).unwrap_err();
        assert_eq!((e.status(), e.field().as_deref()), (axum::http::StatusCode::UNPROCESSABLE_ENTITY, Some("q")));
        assert!(form_pairs(b"text=a%0Ab", Lines::Many).is_ok());
        // Word's manual line break and its kin are line breaks in a text of many lines.
        let pairs = form_pairs(b"text=a%0Bb%E2%80%A8c%0Cd", Lines::Many).unwrap();
        assert_eq!(pairs, [("text".into(), "a\nb\nc\nd".into())]);
        assert!(form_pairs(b"q=a%0Bb", Lines::One).is_err());
        assert_eq!(form_pairs(b"q=a%0Ab", Lines::One).unwrap_err().field().as_deref(), Some("q"));
    }

    #[test]
    fn json_strings_are_named_by_their_path() {
        let e = json_texts(br#"{"a":{"b":["x","y\u0000"]}}"#).unwrap_err();
        assert_eq!(e.field().as_deref(), Some("a.b[1]"));
        assert!(json_texts(br#"{"d":"line\nline\ttab"}"#).is_ok());
    }

    #[test]
    fn a_struct_knows_its_field_names_and_a_map_takes_any() {
        #[derive(serde::Deserialize)]
        #[allow(dead_code)]
        struct Two {
            one: String,
            #[serde(default)]
            two: Option<String>,
        }
        assert_eq!(field_names::<Two>(), Some(&["one", "two"][..]));
        assert_eq!(field_names::<std::collections::HashMap<String, String>>(), None);
        let e = form_body::<Two>(b"one=1&three=3", field_names::<Two>()).err().unwrap();
        assert_eq!(e.field().as_deref(), Some("three"));
    }
}
