//! Who is calling: a session cookie (pages and the browser), a bearer API token (scripts),
//! or nobody (a worker without an account). Passwords are argon2id, hashed off the async
//! threads; session and API tokens are random and stored only as SHA-256 hashes.

use crate::error::ApiError;
use crate::AppState;
use argon2::password_hash::{rand_core::OsRng, PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::Argon2;
use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::Method;
use axum_extra::extract::cookie::{Cookie, SameSite};
use rand::RngCore;
use sha2::{Digest, Sha256};
use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::Mutex;
use std::time::{Duration, Instant};
use youyue_domain::Timestamp;
use youyue_store::{TokenScope, User};

pub const SESSION_COOKIE: &str = "youyue_session";
/// A staff session lasts a working day and a bit; it survives a restart (it is stored).
pub const SESSION_HOURS: i64 = 12;
pub const API_TOKEN_PREFIX: &str = "yy_";

pub fn sha256_hex(s: &str) -> String {
    hex::encode(Sha256::digest(s.as_bytes()))
}

/// 32 random bytes as hex: session ids and API tokens.
pub fn random_token() -> String {
    let mut b = [0u8; 32];
    rand::rngs::OsRng.fill_bytes(&mut b);
    hex::encode(b)
}

/// A password for a new account, printed once: 16 letters and digits, ~95 bits.
pub fn random_password() -> String {
    const ALPHABET: &[u8] = b"abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789";
    let mut b = [0u8; 16];
    rand::rngs::OsRng.fill_bytes(&mut b);
    b.iter().map(|x| char::from(ALPHABET[usize::from(*x) % ALPHABET.len()])).collect()
}

pub async fn hash_password(password: String) -> Result<String, ApiError> {
    tokio::task::spawn_blocking(move || {
        let salt = SaltString::generate(&mut OsRng);
        Argon2::default().hash_password(password.as_bytes(), &salt).map(|h| h.to_string())
    })
    .await
    .map_err(|e| ApiError::internal_in("hashing a password", e))?
    .map_err(|e| ApiError::internal(format!("hashing a password: {e}")))
}

/// Verifies in constant time; with no stored hash a dummy one is checked, so that a
/// missing account takes as long as a wrong password.
pub async fn verify_password(password: String, hash: Option<String>) -> bool {
    const DUMMY: &str =
        "$argon2id$v=19$m=19456,t=2,p=1$c29tZXNhbHRzb21lc2FsdA$0nP6aDxGF0W0o4p8xV2mhuYyQ9Xk3B2pAFs1M1tqFzE";
    let has = hash.is_some();
    tokio::task::spawn_blocking(move || {
        let stored = hash.unwrap_or_else(|| DUMMY.to_owned());
        let Ok(parsed) = PasswordHash::new(&stored) else {
            return false;
        };
        Argon2::default().verify_password(password.as_bytes(), &parsed).is_ok() && has
    })
    .await
    .unwrap_or(false)
}

pub fn session_cookie(token: String, secure: bool) -> Cookie<'static> {
    Cookie::build((SESSION_COOKIE, token))
        .path("/")
        .http_only(true)
        .secure(secure)
        .same_site(SameSite::Lax)
        .max_age(time_duration_hours(SESSION_HOURS))
        .build()
}

fn time_duration_hours(h: i64) -> time::Duration {
    time::Duration::hours(h)
}

/// The caller, if any. Extracting it never fails: handlers decide what they need.
#[derive(Debug, Clone)]
pub struct Caller {
    pub user: Option<User>,
    /// The session token when the caller came with a cookie (for logout).
    pub session_token: Option<String>,
}

impl Caller {
    pub fn user(&self) -> Result<&User, ApiError> {
        self.user.as_ref().ok_or(ApiError::Unauthorized)
    }
    /// Staff only: a worker account is refused.
    pub fn staff(&self) -> Result<&User, ApiError> {
        let u = self.user()?;
        if u.role.is_staff() {
            Ok(u)
        } else {
            Err(ApiError::Forbidden("this is for union staff".into()))
        }
    }
}

impl FromRequestParts<AppState> for Caller {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Caller, ApiError> {
        if let Some(auth) = parts.headers.get(axum::http::header::AUTHORIZATION) {
            let token = auth
                .to_str()
                .ok()
                .and_then(|v| v.strip_prefix("Bearer "))
                .and_then(|t| t.trim().strip_prefix(API_TOKEN_PREFIX))
                .ok_or(ApiError::Unauthorized)?;
            let user = state.store.api_token_user(&sha256_hex(token)).await?;
            // A wrong token is an error, not an anonymous call: scripts must learn of it.
            return match user {
                // A read-only token reads: every change is a POST, PUT, PATCH or DELETE.
                Some((_, TokenScope::Read)) if !matches!(parts.method, Method::GET | Method::HEAD) => {
                    Err(ApiError::Forbidden("this API token may only read".into()))
                }
                Some((u, _)) => Ok(Caller { user: Some(u), session_token: None }),
                None => Err(ApiError::Unauthorized),
            };
        }
        let jar = axum_extra::extract::CookieJar::from_headers(&parts.headers);
        if let Some(c) = jar.get(SESSION_COOKIE) {
            let token = c.value().to_owned();
            let user = state.store.session_user(&sha256_hex(&token), Timestamp::now()).await?;
            return Ok(Caller { user, session_token: Some(token) });
        }
        Ok(Caller { user: None, session_token: None })
    }
}

/// Counts events per key in a sliding minute window: failed logins per account and per
/// address, public submissions per address. In memory: a restart forgives everyone, which
/// is acceptable for a limit measured in minutes.
pub struct RateLimiter {
    window: Duration,
    max: u32,
    hits: Mutex<HashMap<String, (Instant, u32)>>,
}

impl RateLimiter {
    pub fn new(max: u32, window: Duration) -> RateLimiter {
        RateLimiter { window, max, hits: Mutex::new(HashMap::new()) }
    }

    /// Records one event for `key`; false once the key is over its limit.
    pub fn hit(&self, key: &str) -> bool {
        let now = Instant::now();
        let Ok(mut hits) = self.hits.lock() else {
            return true;
        };
        if hits.len() > 100_000 {
            let w = self.window;
            hits.retain(|_, (start, _)| now.duration_since(*start) < w);
        }
        let e = hits.entry(key.to_owned()).or_insert((now, 0));
        if now.duration_since(e.0) >= self.window {
            *e = (now, 0);
        }
        e.1 += 1;
        e.1 <= self.max
    }

    /// Whether `key` is over its limit, without counting.
    pub fn blocked(&self, key: &str) -> bool {
        let Ok(hits) = self.hits.lock() else {
            return false;
        };
        hits.get(key).is_some_and(|(start, n)| Instant::now().duration_since(*start) < self.window && *n >= self.max)
    }

    pub fn clear(&self, key: &str) {
        if let Ok(mut hits) = self.hits.lock() {
            hits.remove(key);
        }
    }
}

/// The client's address as the socket saw it.
pub fn client_ip(parts: &Parts) -> Option<IpAddr> {
    parts.extensions.get::<axum::extract::ConnectInfo<std::net::SocketAddr>>().map(|c| c.0.ip())
}

/// Failed logins make the next attempt wait, longer after each failure: the first
/// `free` failures cost nothing, then 1 s, 2 s, 4 s … up to `max_wait`. A right password
/// clears the account's count. Per account (a guessed password) and per address (one
/// machine trying many accounts; its `free` allowance is larger, since a whole office may
/// log in from one NAT address). In memory, like `RateLimiter`.
pub struct Backoff {
    free: u32,
    max_wait: Duration,
    failures: Mutex<HashMap<String, (u32, Instant)>>,
}

impl Backoff {
    pub fn new(free: u32, max_wait: Duration) -> Backoff {
        Backoff { free, max_wait, failures: Mutex::new(HashMap::new()) }
    }

    fn wait_after(&self, failures: u32) -> Duration {
        if failures <= self.free {
            return Duration::ZERO;
        }
        let doublings = (failures - self.free - 1).min(20);
        Duration::from_secs(1u64 << doublings).min(self.max_wait)
    }

    /// Seconds still to wait before `key` may try again, if any.
    pub fn waiting(&self, key: &str) -> Option<u64> {
        let failures = self.failures.lock().ok()?;
        let (n, last) = failures.get(key)?;
        let left = self.wait_after(*n).checked_sub(last.elapsed())?;
        Some(left.as_secs().max(1))
    }

    pub fn fail(&self, key: &str) {
        let Ok(mut failures) = self.failures.lock() else { return };
        if failures.len() > 100_000 {
            // Forget those whose wait is long over.
            let limit = self.max_wait * 4;
            failures.retain(|_, (_, last)| last.elapsed() < limit);
        }
        let e = failures.entry(key.to_owned()).or_insert((0, Instant::now()));
        // A day without failures starts the count again.
        if e.1.elapsed() > Duration::from_secs(24 * 3600) {
            e.0 = 0;
        }
        e.0 = e.0.saturating_add(1);
        e.1 = Instant::now();
    }

    pub fn clear(&self, key: &str) {
        if let Ok(mut failures) = self.failures.lock() {
            failures.remove(key);
        }
    }
}

/// TOTP second factor (RFC 6238: SHA-1, 6 digits, 30 s steps, one step of clock skew
/// either way), as authenticator apps expect.
pub mod totp {
    use totp_rs::{Algorithm, Secret, TOTP};

    fn of(secret_base32: &str) -> Option<TOTP> {
        let bytes = Secret::Encoded(secret_base32.to_owned()).to_bytes().ok()?;
        TOTP::new(Algorithm::SHA1, 6, 1, 30, bytes).ok()
    }

    /// A new random secret, base32 (160 bits, as RFC 4226 recommends).
    pub fn new_secret() -> String {
        let mut b = [0u8; 20];
        rand::RngCore::fill_bytes(&mut rand::rngs::OsRng, &mut b);
        Secret::Raw(b.to_vec()).to_encoded().to_string()
    }

    /// Whether `code` is right for `secret` at `unix_seconds`.
    pub fn checks(secret_base32: &str, code: &str, unix_seconds: u64) -> bool {
        let code: String = code.chars().filter(|c| !c.is_whitespace()).collect();
        of(secret_base32).is_some_and(|t| t.check(&code, unix_seconds))
    }

    /// The code for `secret` at `unix_seconds` (for tests and the set-up check).
    pub fn code(secret_base32: &str, unix_seconds: u64) -> Option<String> {
        of(secret_base32).map(|t| t.generate(unix_seconds))
    }

    /// What an authenticator app scans or is given to add the account.
    pub fn otpauth_url(secret_base32: &str, username: &str) -> String {
        let account: String = form_urlencoded::byte_serialize(username.as_bytes()).collect();
        format!(
            "otpauth://totp/youyue:{account}?secret={secret_base32}&issuer=youyue&algorithm=SHA1&digits=6&period=30"
        )
    }
}

pub fn unix_now() -> u64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_secs()).unwrap_or(0)
}
