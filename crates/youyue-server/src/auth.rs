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

/// The server's key for the CSRF tokens of browsers without a session. Random for each
/// process: kept nowhere, so no export or backup holds it; an anonymous form opened before
/// a restart is refused once (reloading the page gives a fresh token).
pub struct CsrfKey([u8; 32]);

impl CsrfKey {
    pub fn random() -> CsrfKey {
        let mut b = [0u8; 32];
        rand::rngs::OsRng.fill_bytes(&mut b);
        CsrfKey(b)
    }
}

/// The CSRF token a form must carry. With a session: a hash of the session token, which
/// only this browser knows (it is HttpOnly), so the token is tied to the session and
/// survives a restart. Without one: an HMAC of the browser's `youyue_csrf` cookie under
/// the server's key, so that a cookie and token made up by someone else do not match.
/// Empty (matches nothing) without either.
pub fn csrf_token(key: &CsrfKey, session: Option<&str>, browser_nonce: &str) -> String {
    use hmac::Mac;
    if let Some(session) = session {
        return sha256_hex(&format!("youyue csrf\n{session}"));
    }
    if browser_nonce.is_empty() {
        return String::new();
    }
    let Ok(mut mac) = hmac::Hmac::<Sha256>::new_from_slice(&key.0) else {
        return String::new();
    };
    mac.update(b"youyue csrf anonymous\n");
    mac.update(browser_nonce.as_bytes());
    hex::encode(mac.finalize().into_bytes())
}

/// Under `--secure-cookies`, every cookie the server sets is marked `Secure` here, in one
/// place, whoever set it (session, CSRF, voter, language).
pub async fn secure_cookies(
    axum::extract::State(state): axum::extract::State<AppState>,
    req: axum::extract::Request,
    next: axum::middleware::Next,
) -> axum::response::Response {
    let mut resp = next.run(req).await;
    if !state.secure_cookies {
        return resp;
    }
    let set: Vec<_> = resp.headers().get_all(axum::http::header::SET_COOKIE).iter().cloned().collect();
    resp.headers_mut().remove(axum::http::header::SET_COOKIE);
    for v in set {
        let marked = match v.to_str() {
            Ok(text) if !text.split(';').any(|a| a.trim().eq_ignore_ascii_case("secure")) => {
                axum::http::HeaderValue::from_str(&format!("{text}; Secure")).unwrap_or(v)
            }
            _ => v,
        };
        resp.headers_mut().append(axum::http::header::SET_COOKIE, marked);
    }
    resp
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
/// `free` failures cost nothing, then 1 s, 2 s, 4 s … up to `max_wait`. One count per key;
/// `LoginGuard` keeps three of them under one lock.
struct Backoff {
    free: u32,
    max_wait: Duration,
    failures: HashMap<String, (u32, Instant)>,
}

impl Backoff {
    fn new(free: u32, max_wait: Duration) -> Backoff {
        Backoff { free, max_wait, failures: HashMap::new() }
    }

    fn wait_after(&self, failures: u32) -> Duration {
        if failures <= self.free {
            return Duration::ZERO;
        }
        let doublings = (failures - self.free - 1).min(20);
        Duration::from_secs(1u64 << doublings).min(self.max_wait)
    }

    /// Seconds still to wait before `key` may try again, if any.
    fn waiting(&self, key: &str, now: Instant) -> Option<u64> {
        let (n, last) = self.failures.get(key)?;
        let left = self.wait_after(*n).checked_sub(now.duration_since(*last))?;
        Some(left.as_secs().max(1))
    }

    fn count(&mut self, key: &str, now: Instant) {
        if self.failures.len() > 100_000 {
            // Forget those whose wait is long over.
            let limit = self.max_wait * 4;
            self.failures.retain(|_, (_, last)| now.duration_since(*last) < limit);
        }
        let e = self.failures.entry(key.to_owned()).or_insert((0, now));
        // A day without failures starts the count again.
        if now.duration_since(e.1) > Duration::from_secs(24 * 3600) {
            e.0 = 0;
        }
        e.0 = e.0.saturating_add(1);
        e.1 = now;
    }

    /// Takes back one counted attempt (it turned out not to be a failure).
    fn uncount(&mut self, key: &str) {
        if let Some(e) = self.failures.get_mut(key) {
            e.0 = e.0.saturating_sub(1);
        }
    }

    fn clear(&mut self, key: &str) {
        self.failures.remove(key);
    }
}

/// How many failed logins cost nothing, and the longest wait after more (see `LoginGuard`).
pub struct LoginRules {
    /// Per account and address: the owner's own typos, and one machine guessing one account.
    pub pair_free: u32,
    /// Per account from all addresses together: a guess spread over many addresses.
    pub account_free: u32,
    /// Per address over all accounts: one machine trying many accounts.
    pub address_free: u32,
    pub max_wait: Duration,
}

impl Default for LoginRules {
    /// 5 per pair as before; 30 per address, since a whole office logs in from one NAT
    /// address; 100 per account, which takes about twenty addresses to reach (and then
    /// holds up only addresses the account has not logged in from), while a guess spread
    /// over many gets 100 tries, then about 4 an hour.
    fn default() -> LoginRules {
        LoginRules { pair_free: 5, account_free: 100, address_free: 30, max_wait: Duration::from_secs(15 * 60) }
    }
}

/// The back-off of logins and password confirmations, counted per account and address
/// (so that guessing from elsewhere cannot lock a worker out of their own machine), per
/// account (a guess spread over many addresses) and per address (one machine, many
/// accounts). An attempt is checked and counted as a failure in one step under one lock,
/// before the password is verified: concurrent attempts cannot all pass the check before
/// any is counted. A right password takes its count back, clears the pair and makes the
/// address one of the account's own for 30 days, where the account's count does not hold
/// it up. In memory, like `RateLimiter`: a restart forgives everyone.
pub struct LoginGuard {
    counts: Mutex<LoginCounts>,
}

struct LoginCounts {
    pair: Backoff,
    account: Backoff,
    address: Backoff,
    /// Pairs that logged in (when): the account's own addresses, which the account's
    /// count across addresses does not hold up (like "familiar locations" in Microsoft's
    /// smart lockout), so that a guess spread elsewhere cannot lock the owner out there.
    known: HashMap<String, Instant>,
}

/// How long an address that logged in stays the account's own.
const KNOWN_FOR: Duration = Duration::from_secs(30 * 24 * 3600);

/// The keys one attempt was counted under.
struct AttemptKeys {
    pair: String,
    account: String,
    address: String,
}

impl LoginGuard {
    pub fn new(rules: LoginRules) -> LoginGuard {
        LoginGuard {
            counts: Mutex::new(LoginCounts {
                pair: Backoff::new(rules.pair_free, rules.max_wait),
                account: Backoff::new(rules.account_free, rules.max_wait),
                address: Backoff::new(rules.address_free, rules.max_wait),
                known: HashMap::new(),
            }),
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, LoginCounts> {
        // A panic while holding this lock leaves counts that are still counts.
        self.counts.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// One attempt at `username`'s password from `ip`: refused with the seconds to wait
    /// while any of its three counts is waiting, otherwise counted as a failure at once
    /// and returned; tell it `succeeded` or `not_tried` afterwards.
    pub fn try_attempt(&self, username: &str, ip: IpAddr) -> Result<LoginAttempt<'_>, ApiError> {
        let account = username.to_lowercase();
        let address = address_key(ip);
        let keys = AttemptKeys { pair: format!("{account}\n{address}"), account, address };
        let now = Instant::now();
        let mut c = self.lock();
        let known = c.known.get(&keys.pair).is_some_and(|at| now.duration_since(*at) < KNOWN_FOR);
        let wait = [
            c.pair.waiting(&keys.pair, now),
            if known { None } else { c.account.waiting(&keys.account, now) },
            c.address.waiting(&keys.address, now),
        ]
        .into_iter()
        .flatten()
        .max();
        if let Some(wait) = wait {
            return Err(ApiError::LoginDelayed(wait));
        }
        c.pair.count(&keys.pair, now);
        c.account.count(&keys.account, now);
        c.address.count(&keys.address, now);
        Ok(LoginAttempt { guard: self, keys })
    }
}

/// An attempt counted as a failure until told otherwise; dropped, it stays a failure.
#[must_use = "tell the attempt `succeeded` or `not_tried`, or it stays a failure"]
pub struct LoginAttempt<'a> {
    guard: &'a LoginGuard,
    keys: AttemptKeys,
}

impl LoginAttempt<'_> {
    /// The right password (and second factor): not a failure, the pair starts over and
    /// is known from now on. The account's and the address's counts keep their earlier
    /// failures (the owner's login must not reset a guess spread over many addresses).
    pub fn succeeded(self) {
        let now = Instant::now();
        let mut c = self.guard.lock();
        if c.known.len() > 100_000 {
            c.known.retain(|_, at| now.duration_since(*at) < KNOWN_FOR);
        }
        c.known.insert(self.keys.pair.clone(), now);
        c.pair.clear(&self.keys.pair);
        c.account.uncount(&self.keys.account);
        c.address.uncount(&self.keys.address);
    }

    /// The password was not checked (the database failed): the attempt does not count.
    pub fn not_tried(self) {
        let mut c = self.guard.lock();
        c.pair.uncount(&self.keys.pair);
        c.account.uncount(&self.keys.account);
        c.address.uncount(&self.keys.address);
    }
}

/// The address an attempt is counted under: an IPv6 client by its /64 (one subscriber's
/// network hands out any address in it), an IPv4-mapped one as IPv4.
fn address_key(ip: IpAddr) -> String {
    match ip {
        IpAddr::V4(a) => a.to_string(),
        IpAddr::V6(a) => match a.to_ipv4_mapped() {
            Some(v4) => v4.to_string(),
            None => {
                let s = a.segments();
                format!("{:x}:{:x}:{:x}:{:x}::/64", s[0], s[1], s[2], s[3])
            }
        },
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

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod tests {
    use super::*;
    use std::net::{Ipv4Addr, Ipv6Addr};

    fn rules() -> LoginRules {
        LoginRules { pair_free: 2, account_free: 4, address_free: 3, max_wait: Duration::from_secs(60) }
    }

    const A: IpAddr = IpAddr::V4(Ipv4Addr::new(10, 0, 0, 1));

    fn ip(n: u8) -> IpAddr {
        IpAddr::V4(Ipv4Addr::new(10, 0, 1, n))
    }

    /// Tries until refused; how many attempts were let through.
    fn tries(g: &LoginGuard, user: &str, from: IpAddr) -> u32 {
        let mut n = 0;
        while g.try_attempt(user, from).is_ok() {
            n += 1;
            assert!(n < 100);
        }
        n
    }

    #[test]
    fn the_pair_waits_after_its_free_failures_and_other_addresses_do_not() {
        let g = LoginGuard::new(rules());
        // Two free failures, and the third attempt still let through.
        assert_eq!(tries(&g, "Chair", A), 3);
        assert!(matches!(g.try_attempt("chair", A), Err(ApiError::LoginDelayed(_))), "the name's case is one account");
        // The owner elsewhere: not held up by the pair.
        g.try_attempt("chair", ip(2)).unwrap().succeeded();
    }

    #[test]
    fn the_account_waits_after_failures_from_many_addresses() {
        let g = LoginGuard::new(rules());
        // One failure from each of five addresses: four free, the fifth let through.
        for n in 0..5 {
            let _ = g.try_attempt("chair", ip(n)).unwrap();
        }
        assert!(g.try_attempt("chair", ip(9)).is_err(), "a spread guess meets the account's cap");
        assert!(g.try_attempt("other", ip(9)).is_ok());
    }

    #[test]
    fn an_address_the_account_logged_in_from_is_not_held_up_by_the_account_cap() {
        let g = LoginGuard::new(rules());
        g.try_attempt("chair", A).unwrap().succeeded();
        for n in 0..5 {
            let _ = g.try_attempt("chair", ip(n)).unwrap();
        }
        assert!(g.try_attempt("chair", ip(9)).is_err(), "elsewhere the account waits");
        g.try_attempt("chair", A).unwrap().succeeded();
        // Its own pair's count still holds it: three attempts, then a wait.
        assert_eq!(tries(&g, "chair", A), 3);
    }

    #[test]
    fn the_address_waits_after_failures_on_many_accounts() {
        let g = LoginGuard::new(rules());
        for n in 0..4 {
            let _ = g.try_attempt(&format!("user{n}"), A).unwrap();
        }
        assert!(g.try_attempt("user9", A).is_err());
        assert!(g.try_attempt("user9", ip(2)).is_ok());
    }

    #[test]
    fn a_right_password_is_not_a_failure_and_clears_the_pair() {
        let loose = || LoginRules { account_free: 50, address_free: 50, ..rules() };
        let g = LoginGuard::new(loose());
        for _ in 0..2 {
            let _ = g.try_attempt("chair", A).unwrap();
        }
        g.try_attempt("chair", A).unwrap().succeeded();
        // The pair starts over: three more let through.
        assert_eq!(tries(&g, "chair", A), 3);
        // Attempts the database never checked do not count.
        let g = LoginGuard::new(loose());
        for _ in 0..10 {
            g.try_attempt("chair", A).unwrap().not_tried();
        }
        assert_eq!(tries(&g, "chair", A), 3);
    }

    #[test]
    fn concurrent_attempts_are_counted_before_any_is_checked() {
        let g = std::sync::Arc::new(LoginGuard::new(rules()));
        let through: u32 = (0..40)
            .map(|_| {
                let g = g.clone();
                std::thread::spawn(move || u32::from(g.try_attempt("chair", A).is_ok()))
            })
            .collect::<Vec<_>>()
            .into_iter()
            .map(|t| t.join().unwrap())
            .sum();
        assert_eq!(through, 3);
    }

    #[test]
    fn an_ipv6_client_is_counted_by_its_64() {
        let a = IpAddr::V6(Ipv6Addr::new(0x2001, 0xdb8, 1, 2, 0, 0, 0, 1));
        let b = IpAddr::V6(Ipv6Addr::new(0x2001, 0xdb8, 1, 2, 0xffff, 3, 4, 5));
        assert_eq!(address_key(a), address_key(b));
        assert_ne!(address_key(a), address_key(IpAddr::V6(Ipv6Addr::new(0x2001, 0xdb8, 1, 3, 0, 0, 0, 1))));
        let mapped = IpAddr::V6(Ipv4Addr::new(10, 0, 0, 1).to_ipv6_mapped());
        assert_eq!(address_key(mapped), address_key(A));
    }

    #[test]
    fn csrf_tokens_need_the_session_or_the_key() {
        let (k1, k2) = (CsrfKey::random(), CsrfKey::random());
        let nonce = "ab".repeat(32);
        assert_ne!(csrf_token(&k1, None, &nonce), nonce, "not the cookie itself");
        assert_ne!(csrf_token(&k1, None, &nonce), csrf_token(&k2, None, &nonce), "the server's key decides");
        assert_eq!(csrf_token(&k1, Some("s"), &nonce), csrf_token(&k2, Some("s"), "other"), "a session's is its own");
        assert_ne!(csrf_token(&k1, Some("s"), &nonce), csrf_token(&k1, Some("t"), &nonce));
        assert_eq!(csrf_token(&k1, None, ""), "");
    }
}
