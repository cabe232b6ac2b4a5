//! The HTTP layer of youyue: thin axum handlers over the domain and the store. Permissions
//! are decided in `access`, errors rendered by `error`, bodies parsed by `extract`.

use axum::http::{header, HeaderValue};
use axum::routing::get;
use axum::Router;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;
use tower_http::set_header::SetResponseHeaderLayer;
use youyue_store::Store;

pub mod access;
pub mod api;
pub mod auth;
pub mod demo;
pub mod error;
pub mod extract;
pub mod pages;
pub mod service;

/// The largest request body accepted: a case's text is at most 20,000 characters.
pub const MAX_BODY_BYTES: usize = 256 * 1024;

/// What every handler can reach.
#[derive(Clone)]
pub struct AppState {
    pub store: Arc<dyn Store>,
    pub limits: Arc<Limits>,
    /// Mark cookies `Secure` (set when served behind HTTPS).
    pub secure_cookies: bool,
    /// The address workers reach the site by (for the studios' QR codes), e.g.
    /// `https://youyue.jindong.example`; None: the address of the request.
    pub public_url: Option<String>,
}

/// Rate limits, per minute.
pub struct Limits {
    /// Failed logins per account: 5 free, then a doubling wait up to 15 minutes.
    pub login_account: auth::Backoff,
    /// Failed logins per address: 30 free (an office behind one NAT address), then the
    /// same doubling wait.
    pub login_address: auth::Backoff,
    /// Public case submissions per address: generous, since a whole factory may share one
    /// address behind its NAT.
    pub submit_address: auth::RateLimiter,
    /// Tracking-code lookups per address (guessing codes).
    pub lookup_address: auth::RateLimiter,
    /// Votes on unions per address per hour: a whole workshop may vote from one address.
    pub vote_address: auth::RateLimiter,
}

impl Default for Limits {
    fn default() -> Limits {
        Limits::with_submissions_per_minute(DEFAULT_SUBMISSIONS_PER_MINUTE)
    }
}

impl Limits {
    /// The defaults with another limit on public submissions per address and minute (a
    /// district whose workers submit from one large NAT raises it; the benchmark lifts it).
    pub fn with_submissions_per_minute(submissions: u32) -> Limits {
        let minute = Duration::from_secs(60);
        Limits {
            login_account: auth::Backoff::new(5, Duration::from_secs(15 * 60)),
            login_address: auth::Backoff::new(30, Duration::from_secs(15 * 60)),
            submit_address: auth::RateLimiter::new(submissions, minute),
            lookup_address: auth::RateLimiter::new(60, minute),
            vote_address: auth::RateLimiter::new(300, Duration::from_secs(3600)),
        }
    }
}

impl AppState {
    pub fn new(store: Arc<dyn Store>) -> AppState {
        AppState { store, limits: Arc::new(Limits::default()), secure_cookies: false, public_url: None }
    }
}

pub fn router(state: AppState) -> Router {
    Router::new()
        .merge(pages::router())
        .route("/healthz", get(healthz))
        .nest("/api/v1", api::router())
        .fallback(pages::not_found)
        .layer(axum::middleware::from_fn(pages::csrf_cookie))
        .layer(SetResponseHeaderLayer::if_not_present(header::CONTENT_SECURITY_POLICY, HeaderValue::from_static(CSP)))
        .layer(SetResponseHeaderLayer::if_not_present(
            header::X_CONTENT_TYPE_OPTIONS,
            HeaderValue::from_static("nosniff"),
        ))
        .layer(SetResponseHeaderLayer::if_not_present(header::REFERRER_POLICY, HeaderValue::from_static("same-origin")))
        .layer(axum::extract::DefaultBodyLimit::max(MAX_BODY_BYTES))
        .layer(tower_http::trace::TraceLayer::new_for_http())
        .with_state(state)
}

/// On every response: no scripts at all, styles and images from this site only, forms post
/// only here, never framed.
const CSP: &str = "default-src 'self'; script-src 'none'; style-src 'self'; img-src 'self' data:; \
                   form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

async fn healthz(axum::extract::State(state): axum::extract::State<AppState>) -> Result<&'static str, error::ApiError> {
    state.store.ping().await?;
    Ok("ok")
}

/// What the server is started with: the settings of `youyue serve`. The connection
/// timeouts and caps of later issues belong here too.
#[derive(Clone, Debug)]
pub struct Config {
    /// The address to listen on; port 0 takes a free one (see [`Application::local_addr`]).
    pub listen: SocketAddr,
    /// Mark session cookies `Secure` (when served behind HTTPS).
    pub secure_cookies: bool,
    /// The address workers reach the site by, for the studios' QR codes.
    pub public_url: Option<String>,
    /// Public case submissions allowed per address and minute.
    pub submissions_per_minute: u32,
}

impl Config {
    /// The defaults of `youyue serve`, listening on `listen`.
    pub fn new(listen: SocketAddr) -> Config {
        Config {
            listen,
            secure_cookies: false,
            public_url: None,
            submissions_per_minute: DEFAULT_SUBMISSIONS_PER_MINUTE,
        }
    }
}

/// Public case submissions per address and minute unless configured otherwise.
pub const DEFAULT_SUBMISSIONS_PER_MINUTE: u32 = 60;

/// The server, bound and with its background jobs running, not yet serving: the one way
/// `youyue serve` and the tests build it, so that both run the same limits and jobs.
pub struct Application {
    listener: tokio::net::TcpListener,
    local_addr: SocketAddr,
    state: AppState,
    background: Background,
}

impl Application {
    /// Binds `config.listen` and starts the background jobs (supervision and retention
    /// sweeps, the first one at once, beside the requests).
    pub async fn build(store: Arc<dyn Store>, config: Config) -> std::io::Result<Application> {
        let listener = tokio::net::TcpListener::bind(config.listen).await?;
        let local_addr = listener.local_addr()?;
        let (sweeps_tx, sweeps) = tokio::sync::watch::channel(0);
        let background = Background { sweeps, tasks: vec![spawn_supervision(store.clone(), sweeps_tx)] };
        let state = AppState {
            store,
            limits: Arc::new(Limits::with_submissions_per_minute(config.submissions_per_minute)),
            secure_cookies: config.secure_cookies,
            public_url: config.public_url,
        };
        Ok(Application { listener, local_addr, state, background })
    }

    /// The address bound, with the port taken when `listen` asked for port 0.
    pub fn local_addr(&self) -> SocketAddr {
        self.local_addr
    }

    /// How many sweeps (supervision, then retention) have finished since the start: a
    /// caller that must not race the first one waits for it to reach 1.
    pub fn sweeps_done(&self) -> tokio::sync::watch::Receiver<u64> {
        self.background.sweeps.clone()
    }

    /// Serves until `shutdown` resolves, then stops the background jobs. The router gets
    /// the peer address for rate limits.
    pub async fn run_until_stopped(
        self,
        shutdown: impl std::future::Future<Output = ()> + Send + 'static,
    ) -> std::io::Result<()> {
        let Application { listener, state, background, .. } = self;
        let served = axum::serve(listener, router(state).into_make_service_with_connect_info::<SocketAddr>())
            .with_graceful_shutdown(shutdown)
            .await;
        drop(background);
        served
    }
}

/// The jobs that run beside the requests, stopped when the application is dropped (also
/// when it is built and never run).
struct Background {
    sweeps: tokio::sync::watch::Receiver<u64>,
    tasks: Vec<tokio::task::JoinHandle<()>>,
}

impl Drop for Background {
    fn drop(&mut self) {
        for t in &self.tasks {
            t.abort();
        }
    }
}

/// Raises late cases to the union above (督办) and anonymises cases past their retention,
/// now and then every ten minutes, for as long as the server runs; counts each finished
/// sweep in `sweeps`. A failed sweep is logged and tried again next time.
fn spawn_supervision(store: Arc<dyn Store>, sweeps: tokio::sync::watch::Sender<u64>) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(Duration::from_secs(600));
        loop {
            tick.tick().await;
            // Batch after batch until none is left (a large import may bring many late cases).
            loop {
                let now = youyue_domain::Timestamp::now();
                match store.sweep_supervision(now.cst_date(), now).await {
                    Ok(raised) if !raised.is_empty() => {
                        tracing::info!(count = raised.len(), "late cases raised for supervision")
                    }
                    Ok(_) => break,
                    Err(e) => {
                        tracing::warn!(error = %e, "supervision sweep failed");
                        break;
                    }
                }
            }
            // Personal details past their district's retention period are removed.
            match service::sweep_retention(store.as_ref(), youyue_domain::Timestamp::now()).await {
                Ok(done) if !done.is_empty() => tracing::info!(count = done.len(), "cases anonymised by retention"),
                Ok(_) => {}
                Err(e) => tracing::warn!(error = %e, "retention sweep failed"),
            }
            sweeps.send_modify(|n| *n += 1);
        }
    })
}
