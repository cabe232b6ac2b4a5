//! Fresh databases, the server on a loopback port, and HTTP helpers.

use reqwest::StatusCode;
use serde_json::{json, Value};
use std::net::SocketAddr;
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, OnceLock};
use std::time::Duration;
use youyue_store::Store;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// Runs an async test fn once per backend: `both!(name)` makes `name::sqlite` and
/// `name::postgres`.
macro_rules! both {
    ($name:ident) => {
        mod $name {
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn sqlite() {
                super::$name(crate::harness::Backend::Sqlite).await
            }
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn postgres() {
                super::$name(crate::harness::Backend::Postgres).await
            }
        }
    };
}

pub fn pg_admin_url() -> String {
    std::env::var("YOUYUE_TEST_PG").unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/test".into())
}

/// A database of the test's own, dropped (PostgreSQL) or deleted (SQLite) afterwards.
pub struct TestDb {
    pub url: String,
    pg_name: Option<String>,
    _dir: Option<tempfile::TempDir>,
}

impl TestDb {
    pub async fn new(backend: Backend) -> TestDb {
        match backend {
            Backend::Sqlite => {
                let dir = tempfile::tempdir().unwrap();
                let url = format!("sqlite://{}", dir.path().join("youyue.db").display());
                TestDb { url, pg_name: None, _dir: Some(dir) }
            }
            Backend::Postgres => {
                let name = format!("youyue_t_{}", youyue_server::auth::random_token()[..16].to_owned());
                let admin = pg_admin_url();
                let mut conn = <sqlx::PgConnection as sqlx::Connection>::connect(&admin).await.unwrap_or_else(|e| {
                    panic!("PostgreSQL is required for the tests and is not reachable at {admin}: {e}")
                });
                sqlx::query(&format!("CREATE DATABASE {name}")).execute(&mut conn).await.unwrap();
                let base = admin.rsplit_once('/').map(|(b, _)| b.to_owned()).unwrap();
                TestDb { url: format!("{base}/{name}"), pg_name: Some(name), _dir: None }
            }
        }
    }
}

impl TestDb {
    /// Every index of the database, as the catalogue defines it, sorted: to see that an
    /// import left the schema as the migrations made it.
    pub async fn index_definitions(&self) -> Vec<String> {
        let mut defs: Vec<String> = if self.pg_name.is_some() {
            let mut conn = <sqlx::PgConnection as sqlx::Connection>::connect(&self.url).await.unwrap();
            sqlx::query_scalar("SELECT indexdef FROM pg_indexes WHERE schemaname = current_schema()")
                .fetch_all(&mut conn)
                .await
                .unwrap()
        } else {
            let mut conn = <sqlx::SqliteConnection as sqlx::Connection>::connect(&self.url).await.unwrap();
            sqlx::query_scalar(
                "SELECT name || ': ' || COALESCE(sql, '(constraint)') FROM sqlite_master WHERE type = 'index'",
            )
            .fetch_all(&mut conn)
            .await
            .unwrap()
        };
        defs.sort();
        defs
    }
}

impl Drop for TestDb {
    fn drop(&mut self) {
        if let Some(name) = self.pg_name.take() {
            let admin = pg_admin_url();
            // Drop runs outside any runtime we may block; use a thread with its own.
            let _ = std::thread::spawn(move || {
                let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
                rt.block_on(async {
                    if let Ok(mut conn) = <sqlx::PgConnection as sqlx::Connection>::connect(&admin).await {
                        let _ = sqlx::query(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
                            .execute(&mut conn)
                            .await;
                    }
                })
            })
            .join();
        }
    }
}

pub const PASSWORD: &str = "test-password-1";

/// One argon2id hash of [`PASSWORD`], computed once for all test accounts.
pub fn password_hash() -> &'static str {
    static HASH: OnceLock<String> = OnceLock::new();
    HASH.get_or_init(|| {
        std::thread::spawn(|| {
            let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
            rt.block_on(youyue_server::auth::hash_password(PASSWORD.to_owned())).unwrap()
        })
        .join()
        .unwrap()
    })
}

/// A worker's online claim for `union_id`, raised at `opened_at`, to register through the
/// store directly.
pub fn online_claim(union_id: i64, title: String, opened_at: youyue_domain::Timestamp) -> youyue_store::CaseDraft {
    youyue_store::CaseDraft {
        union_id,
        kind: youyue_domain::Kind::Claim,
        channel: youyue_domain::Channel::Online,
        collective: false,
        online: true,
        scheduled: false,
        immediate: false,
        people: 1,
        title,
        description: "加班费".into(),
        anonymous: false,
        worker_name: None,
        contact: None,
        worker_user_id: None,
        tracking_code_hash: None,
        notify_worker: false,
        receipt_code: None,
        idempotency: None,
        opened_at,
    }
}

/// The test district: jd → jd.s1 → (jd.s1.e1, jd.s1.e2); jd → jd.s2 → jd.s2.e1; and
/// staff at several levels. As import JSON Lines.
pub fn district_jsonl() -> String {
    let mut lines = vec![
        json!({"type":"union","code":"jd","name":"金东区总工会","parent":null}),
        json!({"type":"union","code":"jd.s1","name":"多湖街道总工会","parent":"jd"}),
        json!({"type":"union","code":"jd.s2","name":"东孝街道总工会","parent":"jd"}),
        json!({"type":"union","code":"jd.s1.e1","name":"纸箱厂工会","parent":"jd.s1","studio_opened_on":"2021-03-02"}),
        json!({"type":"union","code":"jd.s1.e2","name":"五金公司工会","parent":"jd.s1","studio_opened_on":"2021-05-18"}),
        json!({"type":"union","code":"jd.s2.e1","name":"食品公司工会","parent":"jd.s2","studio_opened_on":"2021-09-10"}),
    ];
    for (username, union, role) in [
        ("admin", "jd", "admin"),
        ("mediator", "jd", "handler"),
        ("s1chair", "jd.s1", "chair"),
        ("e1chair", "jd.s1.e1", "chair"),
        ("e1reception", "jd.s1.e1", "receptionist"),
        ("e1handler", "jd.s1.e1", "handler"),
        ("e2reception", "jd.s1.e2", "receptionist"),
        ("e2handler", "jd.s1.e2", "handler"),
        ("f1reception", "jd.s2.e1", "receptionist"),
        ("worker1", "jd.s1.e1", "worker"),
    ] {
        lines.push(json!({"type":"user","username":username,"name":format!("{username} 同志"),"union":union,"role":role,"password_hash":password_hash()}));
    }
    lines.iter().map(|l| format!("{l}\n")).collect()
}

pub async fn import_text(
    store: &dyn Store,
    text: &str,
) -> Result<youyue_store::ImportSummary, youyue_store::ImportError> {
    let mut lines = text
        .lines()
        .enumerate()
        .filter(|(_, l)| !l.trim().is_empty())
        .map(|(i, l)| (i + 1, youyue_domain::exchange::Line::parse(l)));
    store.import(&mut lines, youyue_domain::Timestamp::now()).await
}

pub async fn export_text(store: &dyn Store) -> String {
    let mut out = String::new();
    store
        .export(&mut |l| {
            out.push_str(&l.to_json().map_err(std::io::Error::other)?);
            out.push('\n');
            Ok(())
        })
        .await
        .unwrap();
    out
}

/// The service on a loopback port, over a fresh database holding the test district.
pub struct TestApp {
    pub store: Arc<dyn Store>,
    pub addr: SocketAddr,
    shutdown: Option<tokio::sync::oneshot::Sender<()>>,
    pub db: TestDb,
}

impl TestApp {
    pub async fn spawn(backend: Backend) -> TestApp {
        let app = TestApp::empty(backend).await;
        import_text(app.store.as_ref(), &district_jsonl()).await.unwrap();
        app
    }

    /// Built as `youyue serve` builds it (its limits, its background jobs), on port 0.
    pub async fn empty(backend: Backend) -> TestApp {
        TestApp::empty_with(backend, |_| {}).await
    }

    /// [`TestApp::spawn`] with settings of its own (`configure` changes the defaults).
    pub async fn spawn_with(backend: Backend, configure: impl FnOnce(&mut youyue_server::Config)) -> TestApp {
        let app = TestApp::empty_with(backend, configure).await;
        import_text(app.store.as_ref(), &district_jsonl()).await.unwrap();
        app
    }

    /// [`TestApp::empty`] with settings of its own.
    pub async fn empty_with(backend: Backend, configure: impl FnOnce(&mut youyue_server::Config)) -> TestApp {
        let db = TestDb::new(backend).await;
        let store = youyue_store::open(&db.url).await.unwrap();
        let mut config = youyue_server::Config::new(SocketAddr::from(([127, 0, 0, 1], 0)));
        configure(&mut config);
        let app = youyue_server::Application::build(store.clone(), config).await.unwrap();
        let addr = app.local_addr();
        // The first sweep runs at once: over the empty database, so that it cannot race
        // what a test imports and sweeps itself (the next is ten minutes away).
        let mut sweeps = app.sweeps_done();
        tokio::time::timeout(Duration::from_secs(60), sweeps.wait_for(|n| *n >= 1))
            .await
            .expect("the first sweep did not finish in a minute")
            .unwrap();
        let (tx, rx) = tokio::sync::oneshot::channel::<()>();
        tokio::spawn(app.run_until_stopped(async {
            let _ = rx.await;
        }));
        TestApp { store, addr, shutdown: Some(tx), db }
    }

    pub fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.addr)
    }

    /// A client without a session: a worker on the street.
    pub fn anonymous(&self) -> Client {
        Client { http: reqwest::Client::builder().cookie_store(true).build().unwrap(), base: self.url("") }
    }

    pub async fn login(&self, username: &str) -> Client {
        let c = self.anonymous();
        let (status, body) = c.post("/api/v1/session", json!({"username": username, "password": PASSWORD})).await;
        assert_eq!(status, StatusCode::OK, "login {username}: {body}");
        c
    }
}

impl Drop for TestApp {
    fn drop(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
    }
}

/// A cookie-keeping HTTP client with JSON helpers that return the status and the body.
pub struct Client {
    pub http: reqwest::Client,
    pub base: String,
}

impl Client {
    async fn read(resp: reqwest::Response) -> (StatusCode, Value) {
        let status = resp.status();
        let text = resp.text().await.unwrap();
        let body =
            if text.is_empty() { Value::Null } else { serde_json::from_str(&text).unwrap_or(Value::String(text)) };
        (status, body)
    }
    pub async fn get(&self, path: &str) -> (StatusCode, Value) {
        Self::read(self.http.get(format!("{}{path}", self.base)).send().await.unwrap()).await
    }
    pub async fn post(&self, path: &str, body: Value) -> (StatusCode, Value) {
        Self::read(self.http.post(format!("{}{path}", self.base)).json(&body).send().await.unwrap()).await
    }
    pub async fn patch(&self, path: &str, body: Value) -> (StatusCode, Value) {
        Self::read(self.http.patch(format!("{}{path}", self.base)).json(&body).send().await.unwrap()).await
    }
    pub async fn post_raw(&self, path: &str, content_type: &str, body: &str) -> (StatusCode, Value) {
        let r =
            self.http.post(format!("{}{path}", self.base)).header("content-type", content_type).body(body.to_owned());
        Self::read(r.send().await.unwrap()).await
    }
    /// POST that must succeed with `want`; returns the body.
    pub async fn ok(&self, path: &str, body: Value, want: StatusCode) -> Value {
        let (status, b) = self.post(path, body).await;
        assert_eq!(status, want, "POST {path}: {b}");
        b
    }
}

/// The China day of a time the API answered (RFC 3339): tests compare days with the
/// server's own times, never with their own clock (a day may end between the two).
pub fn cst_date(time: &Value) -> chrono::NaiveDate {
    let text = time.as_str().unwrap_or_else(|| panic!("not a time: {time}"));
    youyue_domain::Timestamp::parse_rfc3339(text).unwrap().cst_date()
}

/// Waits out the last minute of a China month, if the clock is in it, so that what a test
/// does next falls in one month (and year) on the server's clock too.
pub async fn clear_of_month_end() {
    for _ in 0..120 {
        let now = youyue_domain::Timestamp::now();
        let soon = youyue_domain::Timestamp::from_micros(now.micros() + 60_000_000);
        if youyue_domain::Period::month_of(now.cst_date()).contains(soon) {
            return;
        }
        tokio::time::sleep(Duration::from_secs(1)).await;
    }
    panic!("the month did not turn in two minutes");
}

/// Waits until `done` holds, looking every 10 ms for at most a minute.
pub async fn wait_until(done: impl Fn() -> bool, what: &str) {
    for _ in 0..6000 {
        if done() {
            return;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    panic!("waited a minute for {what}");
}

/// Asserts a JSON error: status, code, and (if given) the field named.
pub fn assert_error(got: &(StatusCode, Value), status: StatusCode, code: &str, field: Option<&str>) {
    assert_eq!(got.0, status, "body: {}", got.1);
    assert_eq!(got.1["error"]["code"], code, "body: {}", got.1);
    assert!(got.1["error"]["message"].as_str().is_some_and(|m| !m.is_empty()), "no message: {}", got.1);
    if let Some(f) = field {
        assert_eq!(got.1["error"]["field"], f, "body: {}", got.1);
    }
}

/// The real binary on `db`, as a user runs it.
pub fn youyue(db: &str, args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_youyue")).arg("--db").arg(db).args(args).env_remove("YOUYUE_DB").output().unwrap()
}

/// `youyue serve` as its own process on a port of its own choosing (public submissions
/// unlimited), once it has printed the address it listens on.
pub async fn start_server(db: &str) -> Server {
    Server::start(db, &["--submissions-per-minute", "1000000"]).await
}

/// A `youyue serve` process, killed when dropped.
pub struct Server {
    child: Child,
    pub addr: SocketAddr,
    stdout: Option<std::thread::JoinHandle<String>>,
    /// Where its log (standard error) goes: shown when a test fails on what it answered.
    log: tempfile::NamedTempFile,
}

impl Server {
    /// `youyue --db DB serve --listen 127.0.0.1:0 ARGS…`: the address is the one the server
    /// prints ("youyue is serving on http://ADDR"), so no port is chosen before it binds.
    pub async fn start(db: &str, args: &[&str]) -> Server {
        Server::spawn(Command::new(env!("CARGO_BIN_EXE_youyue")), db, args).await
    }

    /// [`Server::start`] with at most `limit` open files (`prlimit --nofile`), sockets
    /// included: to see what it does when clients would exhaust them.
    pub async fn start_with_open_files(limit: u32, db: &str, args: &[&str]) -> Server {
        let mut prlimit = Command::new("prlimit");
        prlimit.arg(format!("--nofile={limit}:{limit}")).arg(env!("CARGO_BIN_EXE_youyue"));
        Server::spawn(prlimit, db, args).await
    }

    /// `COMMAND --db DB serve --listen 127.0.0.1:0 ARGS…`, once it has printed its address.
    async fn spawn(mut command: Command, db: &str, args: &[&str]) -> Server {
        let log = tempfile::NamedTempFile::new().unwrap();
        let mut child = command
            .args(["--db", db, "serve", "--listen", "127.0.0.1:0"])
            .args(args)
            .env_remove("YOUYUE_DB")
            .stdout(Stdio::piped())
            .stderr(log.reopen().unwrap())
            .spawn()
            .unwrap();
        let out = child.stdout.take().unwrap();
        let (tx, rx) = tokio::sync::oneshot::channel::<SocketAddr>();
        // Reads stdout to its end (so the server never blocks on a full pipe) and keeps it.
        let stdout = std::thread::spawn(move || {
            let mut tx = Some(tx);
            let mut text = String::new();
            for line in std::io::BufRead::lines(std::io::BufReader::new(out)).map_while(Result::ok) {
                let addr = line.strip_prefix("youyue is serving on http://").and_then(|a| a.trim().parse().ok());
                if let Some(addr) = addr {
                    if let Some(tx) = tx.take() {
                        let _ = tx.send(addr);
                    }
                }
                text.push_str(&line);
                text.push('\n');
            }
            text
        });
        let addr = match tokio::time::timeout(Duration::from_secs(60), rx).await {
            Ok(Ok(addr)) => addr,
            failed => {
                let _ = child.kill();
                let _ = child.wait();
                let printed = stdout.join().unwrap_or_default();
                panic!("the server did not start ({failed:?}); it printed: {printed}");
            }
        };
        Server { child, addr, stdout: Some(stdout), log }
    }

    /// The lines of its log so far that report an error or a warning.
    pub fn log_problems(&self) -> String {
        let text = std::fs::read_to_string(self.log.path()).unwrap_or_default();
        text.lines().filter(|l| l.contains("ERROR") || l.contains("WARN")).collect::<Vec<_>>().join("\n")
    }

    pub fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.addr)
    }

    /// Its whole log so far (standard error).
    pub fn log(&self) -> String {
        std::fs::read_to_string(self.log.path()).unwrap_or_default()
    }

    /// Kills it (SIGKILL) and returns what it printed on stdout.
    pub fn kill(mut self) -> String {
        self.child.kill().unwrap();
        self.child.wait().unwrap();
        self.stdout.take().map(|t| t.join().unwrap()).unwrap_or_default()
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// One value of each row of a query of one column, on either database.
pub async fn column<T>(url: &str, sql: &str) -> Vec<T>
where
    T: Send + Unpin + for<'r> sqlx::Decode<'r, sqlx::Postgres> + sqlx::Type<sqlx::Postgres>,
    T: for<'r> sqlx::Decode<'r, sqlx::Sqlite> + sqlx::Type<sqlx::Sqlite>,
{
    if url.starts_with("postgres") {
        let mut c = <sqlx::PgConnection as sqlx::Connection>::connect(url).await.unwrap();
        sqlx::query_scalar(sql).fetch_all(&mut c).await.unwrap()
    } else {
        let mut c = <sqlx::SqliteConnection as sqlx::Connection>::connect(url).await.unwrap();
        sqlx::query_scalar(sql).fetch_all(&mut c).await.unwrap()
    }
}

/// Runs one statement on either database, beside the app.
pub async fn execute(url: &str, sql: &str) {
    if url.starts_with("postgres") {
        let mut c = <sqlx::PgConnection as sqlx::Connection>::connect(url).await.unwrap();
        sqlx::query(sql).execute(&mut c).await.unwrap();
    } else {
        let mut c = <sqlx::SqliteConnection as sqlx::Connection>::connect(url).await.unwrap();
        sqlx::query(sql).execute(&mut c).await.unwrap();
    }
}
