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
pub mod notify;
pub mod pages;
pub mod paper;
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
    /// The key of anonymous browsers' CSRF tokens (`auth::csrf_token`).
    pub csrf_key: Arc<auth::CsrfKey>,
    /// The address workers reach the site by (for the studios' QR codes), e.g.
    /// `https://youyue.jindong.example`; None: the address of the request.
    pub public_url: Option<String>,
    /// The CJK font of the agreements' PDFs (`paper.rs`), read at the first PDF.
    pub paper_font: Arc<paper::PaperFont>,
    /// The channels notices are delivered by (`notify::deliver`).
    pub transports: Arc<notify::deliver::Transports>,
}

/// Rate limits, per minute.
pub struct Limits {
    /// Failed logins and password confirmations (`auth::LoginRules`): a doubling wait up
    /// to 15 minutes after 5 free per account and address, 100 per account, 30 per address.
    pub login: auth::LoginGuard,
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
            login: auth::LoginGuard::new(auth::LoginRules::default()),
            submit_address: auth::RateLimiter::new(submissions, minute),
            lookup_address: auth::RateLimiter::new(60, minute),
            vote_address: auth::RateLimiter::new(300, Duration::from_secs(3600)),
        }
    }
}

impl AppState {
    pub fn new(store: Arc<dyn Store>) -> AppState {
        AppState {
            store,
            limits: Arc::new(Limits::default()),
            secure_cookies: false,
            csrf_key: Arc::new(auth::CsrfKey::random()),
            public_url: None,
            paper_font: Arc::new(paper::PaperFont::new(None)),
            transports: Arc::new(notify::deliver::Transports::default()),
        }
    }
}

pub fn router(state: AppState) -> Router {
    Router::new()
        .merge(pages::router(state.clone()))
        .route("/healthz", get(healthz))
        .nest("/api/v1", api::router())
        .fallback(pages::not_found)
        .layer(axum::middleware::from_fn(pages::csrf_cookie))
        .layer(axum::middleware::from_fn_with_state(state.clone(), auth::secure_cookies))
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

/// What the server is started with: the settings of `youyue serve`.
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
    /// How long a connection may take to send a whole request header, counted from when it
    /// opens or its previous response was sent: so it is also how long a keep-alive
    /// connection may sit idle (hyper starts this clock while it waits for the next request).
    pub header_timeout: Duration,
    /// How long a request's whole body may take to arrive, counted from its header.
    pub body_timeout: Duration,
    /// Connections served at once; further ones wait in the kernel's listen backlog (dropped
    /// when it is full) until one closes. Keep it below the open-file limit (`ulimit -n`).
    pub max_connections: usize,
    /// The font file of the agreements' PDFs (a collection's Simplified Chinese face is
    /// picked); None: Debian's Noto CJK or WenQuanYi where installed (`paper::DEFAULT_FONTS`).
    pub agreement_font: Option<std::path::PathBuf>,
    /// The channels notices are sent by (`--smtp`, `--mail-from`, `--sms-gateway`); none
    /// set: the bell and the unions' WeChat Work robots only.
    pub notices: notify::deliver::Channels,
    /// How long the notices' dispatcher and sender wait at most between two looks (a commit
    /// that wrote notice events wakes the dispatcher at once).
    pub notices_every: Duration,
}

impl Config {
    /// The defaults of `youyue serve`, listening on `listen`.
    pub fn new(listen: SocketAddr) -> Config {
        Config {
            listen,
            secure_cookies: false,
            public_url: None,
            submissions_per_minute: DEFAULT_SUBMISSIONS_PER_MINUTE,
            header_timeout: Duration::from_secs(DEFAULT_HEADER_TIMEOUT_SECS),
            body_timeout: Duration::from_secs(DEFAULT_BODY_TIMEOUT_SECS),
            max_connections: DEFAULT_MAX_CONNECTIONS,
            agreement_font: None,
            notices: notify::deliver::Channels::default(),
            notices_every: Duration::from_secs(DEFAULT_NOTICES_EVERY_SECS),
        }
    }
}

/// Public case submissions per address and minute unless configured otherwise.
pub const DEFAULT_SUBMISSIONS_PER_MINUTE: u32 = 60;
/// Seconds the notices' loops wait at most between two looks.
pub const DEFAULT_NOTICES_EVERY_SECS: u64 = 3;
/// Seconds for a whole request header (and for a keep-alive connection's idle wait).
pub const DEFAULT_HEADER_TIMEOUT_SECS: u64 = 10;
/// Seconds for a whole request body (256 KiB at most) after its header.
pub const DEFAULT_BODY_TIMEOUT_SECS: u64 = 30;
/// Connections served at once: well below the usual `ulimit -n` of servers, with room left
/// for the database's files and connections.
pub const DEFAULT_MAX_CONNECTIONS: usize = 4096;

/// The server, bound and with its background jobs running, not yet serving: the one way
/// `youyue serve` and the tests build it, so that both run the same limits and jobs.
pub struct Application {
    listener: tokio::net::TcpListener,
    local_addr: SocketAddr,
    state: AppState,
    connections: Connections,
    background: Background,
}

impl Application {
    /// Binds `config.listen` and starts the background jobs (supervision and retention
    /// sweeps, the first one at once, beside the requests; the notices' dispatcher, timed
    /// sweep and sender: `notify`). Notice channels that cannot be used are an
    /// `InvalidInput` error naming the flag (`serve` checks them before).
    pub async fn build(store: Arc<dyn Store>, config: Config) -> std::io::Result<Application> {
        let transports = notify::deliver::Transports::new(&config.notices)
            .map_err(|e| std::io::Error::new(std::io::ErrorKind::InvalidInput, e))?;
        tracing::info!(channels = %transports.describe(), "notice channels");
        let listener = tokio::net::TcpListener::bind(config.listen).await?;
        let local_addr = listener.local_addr()?;
        let (sweeps_tx, sweeps) = tokio::sync::watch::channel(0);
        let mut tasks = vec![spawn_supervision(store.clone(), sweeps_tx)];
        let connections = Connections {
            header_timeout: config.header_timeout,
            body_timeout: config.body_timeout,
            max: config.max_connections.max(1),
        };
        let state = AppState {
            store,
            limits: Arc::new(Limits::with_submissions_per_minute(config.submissions_per_minute)),
            secure_cookies: config.secure_cookies,
            csrf_key: Arc::new(auth::CsrfKey::random()),
            public_url: config.public_url,
            paper_font: Arc::new(paper::PaperFont::new(config.agreement_font)),
            transports: Arc::new(transports),
        };
        // Notices are dispatched and sent beside the requests, never in one.
        tasks.extend(notify::spawn(notify::Outbox {
            store: state.store.clone(),
            transports: state.transports.clone(),
            public_url: state.public_url.clone(),
            every: config.notices_every,
        }));
        let background = Background { sweeps, tasks };
        Ok(Application { listener, local_addr, state, connections, background })
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

    /// Serves until `shutdown` resolves, then waits for the open connections to finish
    /// their requests and stops the background jobs. The router gets the peer address
    /// (`ConnectInfo<SocketAddr>`) for rate limits.
    pub async fn run_until_stopped(
        self,
        shutdown: impl std::future::Future<Output = ()> + Send + 'static,
    ) -> std::io::Result<()> {
        let Application { listener, state, connections, background, .. } = self;
        serve(listener, router(state), connections, shutdown).await;
        drop(background);
        Ok(())
    }
}

/// The limits of the serving loop, from [`Config`].
struct Connections {
    header_timeout: Duration,
    body_timeout: Duration,
    max: usize,
}

/// Accepts connections while fewer than `limits.max` are open (the rest wait in the
/// kernel's backlog), each served as HTTP/1 with the header and body timeouts; on
/// `shutdown` stops accepting and lets the open ones finish their requests.
async fn serve(
    listener: tokio::net::TcpListener,
    router: Router,
    limits: Connections,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) {
    let permits = Arc::new(tokio::sync::Semaphore::new(limits.max));
    let graceful = hyper_util::server::graceful::GracefulShutdown::new();
    let mut http = hyper::server::conn::http1::Builder::new();
    http.timer(hyper_util::rt::TokioTimer::new()).header_read_timeout(limits.header_timeout);
    let mut shutdown = std::pin::pin!(shutdown);
    loop {
        let accepted = tokio::select! {
            () = &mut shutdown => break,
            accepted = accept(&listener, &permits) => accepted,
        };
        let (stream, peer, permit) = match accepted {
            Accepted::Connection(stream, peer, permit) => (stream, peer, permit),
            Accepted::Failed => continue,
            // The semaphore is never closed; stop rather than spin should it be.
            Accepted::Closed => break,
        };
        let router = router.clone();
        let body_timeout = limits.body_timeout;
        let service = hyper::service::service_fn(move |request: axum::http::Request<hyper::body::Incoming>| {
            let mut request = request.map(|body| axum::body::Body::new(DeadlineBody::new(body, body_timeout)));
            request.extensions_mut().insert(axum::extract::ConnectInfo(peer));
            tower::Service::call(&mut router.clone(), request)
        });
        let connection = graceful.watch(http.serve_connection(hyper_util::rt::TokioIo::new(stream), service));
        tokio::spawn(async move {
            if let Err(e) = connection.await {
                // Timeouts and clients that go away: routine, not the server's fault.
                tracing::debug!(error = %e, %peer, "connection ended with an error");
            }
            drop(permit);
        });
    }
    drop(listener);
    graceful.shutdown().await;
}

enum Accepted {
    Connection(tokio::net::TcpStream, SocketAddr, tokio::sync::OwnedSemaphorePermit),
    /// Nothing accepted this time (an aborted handshake, or out of file descriptors).
    Failed,
    Closed,
}

/// Waits for a free place, then for a connection. Out of file descriptors (EMFILE, ENFILE)
/// or memory, it waits a moment before trying again instead of spinning on the error.
async fn accept(listener: &tokio::net::TcpListener, permits: &Arc<tokio::sync::Semaphore>) -> Accepted {
    let Ok(permit) = permits.clone().acquire_owned().await else {
        return Accepted::Closed;
    };
    match listener.accept().await {
        Ok((stream, peer)) => Accepted::Connection(stream, peer, permit),
        Err(e) if is_connection_error(&e) => Accepted::Failed,
        Err(e) => {
            tracing::warn!(error = %e, "accepting a connection failed; trying again shortly");
            tokio::time::sleep(ACCEPT_BACKOFF).await;
            Accepted::Failed
        }
    }
}

/// How long to wait after an accept error that is the server's own (such as EMFILE).
const ACCEPT_BACKOFF: Duration = Duration::from_millis(100);

/// Errors of one connection that went away before it was accepted: the next accept is fine.
fn is_connection_error(e: &std::io::Error) -> bool {
    matches!(
        e.kind(),
        std::io::ErrorKind::ConnectionRefused
            | std::io::ErrorKind::ConnectionAborted
            | std::io::ErrorKind::ConnectionReset
    )
}

/// A request body that fails once `timeout` has passed since the request's header, however
/// steadily it trickles in (a per-read timeout would let one byte every few seconds through).
struct DeadlineBody {
    inner: hyper::body::Incoming,
    deadline: std::pin::Pin<Box<tokio::time::Sleep>>,
}

impl DeadlineBody {
    fn new(inner: hyper::body::Incoming, timeout: Duration) -> DeadlineBody {
        DeadlineBody { inner, deadline: Box::pin(tokio::time::sleep(timeout)) }
    }
}

/// The error a [`DeadlineBody`] ends with.
#[derive(Debug, thiserror::Error)]
#[error("the request body did not arrive in time")]
pub struct BodyTimeout;

impl http_body::Body for DeadlineBody {
    type Data = axum::body::Bytes;
    type Error = axum::BoxError;

    fn poll_frame(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Option<Result<http_body::Frame<Self::Data>, Self::Error>>> {
        use std::future::Future;
        use std::task::Poll;
        if let Poll::Ready(frame) = std::pin::Pin::new(&mut self.inner).poll_frame(cx) {
            return Poll::Ready(frame.map(|f| f.map_err(Into::into)));
        }
        match self.deadline.as_mut().poll(cx) {
            Poll::Ready(()) => Poll::Ready(Some(Err(Box::new(BodyTimeout)))),
            Poll::Pending => Poll::Pending,
        }
    }

    fn is_end_stream(&self) -> bool {
        self.inner.is_end_stream()
    }

    fn size_hint(&self) -> http_body::SizeHint {
        self.inner.size_hint()
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

/// Resumes pauses that ran out, raises late cases to the union above (督办) and chases them
/// (催办) in one pass, and anonymises cases past their retention,
/// now and then every ten minutes, for as long as the server runs; counts each finished
/// sweep in `sweeps`. A failed sweep is logged and tried again next time.
fn spawn_supervision(store: Arc<dyn Store>, sweeps: tokio::sync::watch::Sender<u64>) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(Duration::from_secs(600));
        loop {
            tick.tick().await;
            // Pauses past the district's allowance end by themselves (挂起, issue 22), before
            // the late cases are looked for.
            match service::deadline::sweep_pauses(store.as_ref(), youyue_domain::Timestamp::now()).await {
                Ok(done) if !done.is_empty() => tracing::info!(count = done.len(), "paused cases resumed"),
                Ok(_) => {}
                Err(e) => tracing::warn!(error = %e, "pause sweep failed"),
            }
            // Batch after batch until none is left (a large import may bring many late cases).
            loop {
                let now = youyue_domain::Timestamp::now();
                match store.sweep_supervision(now.cst_date(), now).await {
                    Ok(raised) if !raised.is_empty() => {
                        tracing::info!(count = raised.len(), "late cases raised for supervision or chased")
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
