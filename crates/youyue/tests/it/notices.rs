//! Notices delivered by real channels: a real SMTP server (aiosmtpd, tests/it/smtpd.py) and
//! a loopback HTTP receiver playing the WeChat Work group robot and the SMS gateway. What
//! each receives is kept, so that every test's notices can be checked for privacy.

use crate::harness::{wait_until, TestDb};
use serde_json::{json, Value};
use std::collections::VecDeque;
use std::net::SocketAddr;
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use youyue_domain::notice::NoticeChannel;
use youyue_server::notify::deliver::{Channels, DeliveryError, Outgoing, Transports};

/// The Python with aiosmtpd: YOUYUE_TEST_PYTHON, else /opt/st/bin/python where it exists,
/// else python3 (Debian's python3-aiosmtpd).
fn python() -> String {
    if let Ok(p) = std::env::var("YOUYUE_TEST_PYTHON") {
        return p;
    }
    if std::path::Path::new("/opt/st/bin/python").exists() {
        return "/opt/st/bin/python".into();
    }
    "python3".into()
}

/// aiosmtpd on a loopback port it chose itself; each message as its JSON line (headers and
/// text decoded by Python's MIME parser).
pub struct Smtpd {
    child: Child,
    pub port: u16,
    mails: Arc<Mutex<Vec<Value>>>,
}

impl Smtpd {
    /// `smtpd.py ARGS…` (`--auth USER:PASS`, `--reject CODE`), once it has said its port.
    pub async fn start(args: &[&str]) -> Smtpd {
        let script = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/it/smtpd.py");
        let mut child = Command::new(python())
            .arg("-W")
            .arg("ignore")
            .arg(script)
            .args(args)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .unwrap_or_else(|e| panic!("cannot run {} (aiosmtpd is required): {e}", python()));
        let out = child.stdout.take().unwrap();
        let mails = Arc::new(Mutex::new(Vec::new()));
        let (tx, rx) = tokio::sync::oneshot::channel::<u16>();
        let kept = mails.clone();
        std::thread::spawn(move || {
            let mut tx = Some(tx);
            for line in std::io::BufRead::lines(std::io::BufReader::new(out)).map_while(Result::ok) {
                if let Some(port) = line.strip_prefix("PORT ").and_then(|p| p.trim().parse().ok()) {
                    if let Some(tx) = tx.take() {
                        let _ = tx.send(port);
                    }
                } else if let Ok(v) = serde_json::from_str::<Value>(&line) {
                    kept.lock().unwrap().push(v);
                }
            }
        });
        let port = tokio::time::timeout(Duration::from_secs(30), rx)
            .await
            .expect("aiosmtpd did not say its port in 30 s")
            .expect("aiosmtpd ended before it said its port");
        Smtpd { child, port, mails }
    }

    /// Every message received so far.
    pub fn mails(&self) -> Vec<Value> {
        self.mails.lock().unwrap().clone()
    }

    /// Waits until `n` messages have come, and returns them.
    pub async fn wait_for(&self, n: usize) -> Vec<Value> {
        let mails = self.mails.clone();
        wait_until(move || mails.lock().unwrap().len() >= n, &format!("{n} e-mails")).await;
        self.mails()
    }
}

impl Drop for Smtpd {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// One request a [`Receiver`] got.
#[derive(Debug, Clone)]
pub struct Received {
    /// Path and query, e.g. `/cgi-bin/webhook/send?key=K`.
    pub target: String,
    pub content_type: String,
    pub body: Value,
    /// The `Idempotency-Key` header ('' without one).
    pub idempotency_key: String,
}

/// A loopback HTTP receiver: the WeChat Work robot (any path but `/sms…`) and the SMS
/// gateway (`/sms…`). It answers from a queue of scripted answers, then as the real ones
/// do when all is well. It can be stopped (connections refused) and started again on the
/// same port.
pub struct Receiver {
    pub addr: SocketAddr,
    got: Arc<Mutex<Vec<Received>>>,
    answers: Arc<Mutex<VecDeque<(u16, String)>>>,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
}

impl Receiver {
    pub async fn start() -> Receiver {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let mut r =
            Receiver { addr: listener.local_addr().unwrap(), got: Arc::default(), answers: Arc::default(), stop: None };
        r.serve(listener);
        r
    }

    fn serve(&mut self, listener: tokio::net::TcpListener) {
        let (got, answers) = (self.got.clone(), self.answers.clone());
        let app = axum::Router::new().fallback(
            move |uri: axum::http::Uri, headers: axum::http::HeaderMap, body: axum::body::Bytes| {
                let (got, answers) = (got.clone(), answers.clone());
                async move {
                    let target = uri.path_and_query().map(|p| p.to_string()).unwrap_or_default();
                    let content_type = headers
                        .get(axum::http::header::CONTENT_TYPE)
                        .and_then(|v| v.to_str().ok())
                        .unwrap_or("")
                        .to_owned();
                    let body = serde_json::from_slice(&body)
                        .unwrap_or_else(|_| Value::String(String::from_utf8_lossy(&body).into_owned()));
                    let sms = target.starts_with("/sms");
                    let idempotency_key =
                        headers.get("idempotency-key").and_then(|v| v.to_str().ok()).unwrap_or("").to_owned();
                    got.lock().unwrap().push(Received { target, content_type, body, idempotency_key });
                    let (status, text) = answers.lock().unwrap().pop_front().unwrap_or_else(|| {
                        if sms {
                            (200, r#"{"ok":true}"#.to_owned())
                        } else {
                            (200, r#"{"errcode":0,"errmsg":"ok"}"#.to_owned())
                        }
                    });
                    (axum::http::StatusCode::from_u16(status).unwrap(), text)
                }
            },
        );
        let (tx, rx) = tokio::sync::oneshot::channel::<()>();
        tokio::spawn(async move {
            let _ = axum::serve(listener, app)
                .with_graceful_shutdown(async {
                    let _ = rx.await;
                })
                .await;
        });
        self.stop = Some(tx);
    }

    /// Stops listening: deliveries find the port closed.
    pub async fn stop(&mut self) {
        if let Some(tx) = self.stop.take() {
            let _ = tx.send(());
        }
        // Until the port refuses connections.
        for _ in 0..500 {
            if tokio::net::TcpStream::connect(self.addr).await.is_err() {
                return;
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        panic!("the receiver did not stop");
    }

    /// Listens again on the same port.
    pub async fn restart(&mut self) {
        let mut tries = 0;
        let listener = loop {
            match tokio::net::TcpListener::bind(self.addr).await {
                Ok(l) => break l,
                Err(e) if tries < 500 => {
                    tries += 1;
                    let _ = e;
                    tokio::time::sleep(Duration::from_millis(10)).await;
                }
                Err(e) => panic!("cannot listen on {} again: {e}", self.addr),
            }
        };
        self.serve(listener);
    }

    /// The next answers, in order: (HTTP status, body).
    pub fn answer(&self, status: u16, body: &str) {
        self.answers.lock().unwrap().push_back((status, body.to_owned()));
    }

    pub fn got(&self) -> Vec<Received> {
        self.got.lock().unwrap().clone()
    }

    pub fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.addr)
    }

    /// Waits until `n` requests have come, and returns them all.
    pub async fn wait_for(&self, n: usize) -> Vec<Received> {
        let got = self.got.clone();
        wait_until(move || got.lock().unwrap().len() >= n, &format!("{n} requests to the receiver")).await;
        self.got()
    }
}

impl Drop for Receiver {
    fn drop(&mut self) {
        if let Some(tx) = self.stop.take() {
            let _ = tx.send(());
        }
    }
}

/// A loopback port where nothing listens.
async fn closed_port() -> u16 {
    let l = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    l.local_addr().unwrap().port()
}

const FROM: &str = "工会有约 <noreply@youyue.example>";

fn transports(smtp: Option<String>, sms_gateway: Option<String>) -> Transports {
    let mail_from = smtp.as_ref().map(|_| FROM.to_owned());
    Transports::new(&Channels { smtp, mail_from, sms_gateway }).unwrap()
}

fn email<'a>(to: &'a str, subject: &'a str, text: &'a str) -> Outgoing<'a> {
    Outgoing { channel: NoticeChannel::Email, to, subject, text, mentions: &[], key: None }
}

const SUBJECT: &str = "【工会有约】新的谈心理约事 JD-2026-000123";
const TEXT: &str = "新的谈心理约事 JD-2026-000123，请登录查看：https://y.example/cases/JD-2026-000123";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_email_arrives_with_its_chinese_subject_and_text() {
    let smtpd = Smtpd::start(&[]).await;
    // Plain SMTP asked for; and the loopback default (STARTTLS when offered: aiosmtpd here
    // offers none, so plain too).
    for url in [format!("smtp://127.0.0.1:{}?tls=none", smtpd.port), format!("smtp://localhost:{}", smtpd.port)] {
        let t = transports(Some(url), None);
        assert!(t.has(NoticeChannel::Email));
        t.deliver(&email("wang@example.org", SUBJECT, TEXT)).await.unwrap();
    }
    let mails = smtpd.wait_for(2).await;
    for mail in &mails {
        assert_eq!(mail["mail_from"], "noreply@youyue.example");
        assert_eq!(mail["rcpt_tos"], json!(["wang@example.org"]));
        assert_eq!(mail["from"], FROM, "{mail}");
        assert_eq!(mail["to"], "wang@example.org");
        assert_eq!(mail["subject"], SUBJECT);
        assert_eq!(mail["content_type"], "text/plain");
        assert_eq!(mail["charset"], "utf-8");
        assert_eq!(mail["body"].as_str().unwrap().trim_end(), TEXT);
        assert!(mail["message_id"].as_str().unwrap().ends_with("@youyue.example>"), "{mail}");
        assert_eq!(mail["mime_version"], "1.0", "{mail}");
        assert_ne!(mail["date"], "None");
    }
    assert_ne!(mails[0]["message_id"], mails[1]["message_id"]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn smtp_authenticates_from_the_url_and_sorts_refusals() {
    let smtpd = Smtpd::start(&["--auth", "notices:p@ss w/rd"]).await;
    let port = smtpd.port;
    let good = transports(Some(format!("smtp://notices:p%40ss%20w%2Frd@127.0.0.1:{port}")), None);
    good.deliver(&email("li@example.org", SUBJECT, TEXT)).await.unwrap();
    let mails = smtpd.wait_for(1).await;
    assert_eq!(mails[0]["login"], "notices");
    assert_eq!(mails[0]["subject"], SUBJECT);

    // A wrong password: 535, permanent; the message never repeats the password.
    let wrong = transports(Some(format!("smtp://notices:wrong-secret@127.0.0.1:{port}")), None);
    let e = wrong.deliver(&email("li@example.org", SUBJECT, TEXT)).await.unwrap_err();
    assert!(e.permanent, "{e}");
    assert!(e.message.contains("535") && !e.message.contains("wrong-secret"), "{e}");
    // The server refuses the recipient: 550 permanent, 451 transient.
    for (code, permanent) in [("550", true), ("451", false)] {
        let refusing = Smtpd::start(&["--reject", code]).await;
        let t = transports(Some(format!("smtp://127.0.0.1:{}?tls=none", refusing.port)), None);
        let e = t.deliver(&email("li@example.org", SUBJECT, TEXT)).await.unwrap_err();
        assert_eq!(e.permanent, permanent, "{code}: {e}");
        assert!(e.message.contains(code), "{e}");
        // The server's answer repeats the address: it is masked in the error.
        assert!(e.message.contains("l***@example.org") && !e.message.contains("li@example.org"), "{e}");
        assert!(refusing.mails().is_empty());
    }
    // STARTTLS required and not offered: no mail in clear, and no use trying again.
    let t = transports(Some(format!("smtp://127.0.0.1:{port}?tls=required")), None);
    let e = t.deliver(&email("li@example.org", SUBJECT, TEXT)).await.unwrap_err();
    assert!(e.permanent, "{e}");
    // Implicit TLS to a plain server fails in the handshake: tried again later.
    let t = transports(Some(format!("smtps://127.0.0.1:{port}")), None);
    let e = t.deliver(&email("li@example.org", SUBJECT, TEXT)).await.unwrap_err();
    assert!(!e.permanent, "{e}");
    // Nobody listening: tried again later.
    let t = transports(Some(format!("smtp://127.0.0.1:{}?tls=none", closed_port().await)), None);
    let e = t.deliver(&email("li@example.org", SUBJECT, TEXT)).await.unwrap_err();
    assert!(!e.permanent, "{e}");
    // An address the notice cannot be sent to at all.
    let e = good.deliver(&email("not an address", SUBJECT, TEXT)).await.unwrap_err();
    assert!(e.permanent, "{e}");
    assert_eq!(smtpd.mails().len(), 1);
}

/// A relay that offers STARTTLS with a certificate no public root vouches for: STARTTLS is
/// taken (by default on loopback too), the certificate refused, and no mail goes in clear.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn starttls_when_offered_is_used_and_its_certificate_checked() {
    let dir = tempfile::tempdir().unwrap();
    let (cert, key) = (dir.path().join("cert.pem"), dir.path().join("key.pem"));
    let made = Command::new("openssl")
        .args(["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=localhost"])
        .arg("-keyout")
        .arg(&key)
        .arg("-out")
        .arg(&cert)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .expect("openssl makes the test's certificate");
    assert!(made.success());
    let smtpd = Smtpd::start(&["--starttls", cert.to_str().unwrap(), key.to_str().unwrap()]).await;
    for url in [format!("smtp://localhost:{}", smtpd.port), format!("smtp://localhost:{}?tls=required", smtpd.port)] {
        let e = transports(Some(url), None).deliver(&email("li@example.org", SUBJECT, TEXT)).await.unwrap_err();
        assert!(!e.permanent, "a certificate may be fixed: {e}");
        assert!(e.message.to_lowercase().contains("certificate") || e.message.contains("TLS"), "{e}");
    }
    // Asked for plain SMTP, it is plain.
    transports(Some(format!("smtp://localhost:{}?tls=none", smtpd.port)), None)
        .deliver(&email("li@example.org", SUBJECT, TEXT))
        .await
        .unwrap();
    assert_eq!(smtpd.wait_for(1).await.len(), 1);
}

fn wecom<'a>(url: &'a str, mentions: &'a [String]) -> Outgoing<'a> {
    Outgoing { channel: NoticeChannel::Wecom, to: url, subject: SUBJECT, text: TEXT, mentions, key: None }
}

fn assert_no_secret(e: &DeliveryError, secret: &str) {
    assert!(!e.message.contains(secret), "the secret is in the error: {e}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_wecom_robot_gets_its_json_and_its_errcodes_are_sorted() {
    let robot = Receiver::start().await;
    let url = robot.url("/cgi-bin/webhook/send?key=ROBOT-SECRET-KEY");
    let t = transports(None, None);
    assert!(t.has(NoticeChannel::Wecom) && !t.has(NoticeChannel::Email) && !t.has(NoticeChannel::Sms));
    let mentions = vec!["13812345678".to_owned()];
    t.deliver(&wecom(&url, &mentions)).await.unwrap();
    let got = robot.wait_for(1).await;
    assert_eq!(got[0].target, "/cgi-bin/webhook/send?key=ROBOT-SECRET-KEY");
    assert_eq!(got[0].content_type, "application/json");
    assert_eq!(
        got[0].body,
        json!({"msgtype": "text", "text": {"content": TEXT, "mentioned_mobile_list": ["13812345678"]}})
    );
    t.deliver(&wecom(&url, &[])).await.unwrap();
    assert_eq!(robot.wait_for(2).await[1].body["text"]["mentioned_mobile_list"], json!([]));

    // (answer, permanent?)
    let cases: [(u16, &str, bool); 6] = [
        (200, r#"{"errcode":45009,"errmsg":"api freq out of limit"}"#, false),
        (200, r#"{"errcode":93000,"errmsg":"invalid webhook url, hint: [x]"}"#, true),
        (200, r#"{"errcode":-1,"errmsg":"system busy"}"#, false),
        (200, "<html>a proxy's page</html>", false),
        (503, "busy", false),
        (404, "no such robot", true),
    ];
    for (status, body, permanent) in cases {
        robot.answer(status, body);
        let e = t.deliver(&wecom(&url, &mentions)).await.unwrap_err();
        assert_eq!(e.permanent, permanent, "{status} {body}: {e}");
        assert_no_secret(&e, "ROBOT-SECRET-KEY");
        assert!(e.message.contains(&robot.addr.to_string()), "the host is named: {e}");
    }
    assert!(t.deliver(&wecom(&url, &mentions)).await.is_ok(), "all well again");

    // Nobody listening: transient, and the key is not in the message.
    let down = format!("http://127.0.0.1:{}/cgi-bin/webhook/send?key=ROBOT-SECRET-KEY", closed_port().await);
    let e = t.deliver(&wecom(&down, &mentions)).await.unwrap_err();
    assert!(!e.permanent, "{e}");
    assert_no_secret(&e, "ROBOT-SECRET-KEY");
    // A webhook that is not https (nor loopback http) is refused before anything is sent.
    let e = t.deliver(&wecom("http://qyapi.example.org/send?key=ROBOT-SECRET-KEY", &mentions)).await.unwrap_err();
    assert!(e.permanent, "{e}");
    assert_no_secret(&e, "ROBOT-SECRET-KEY");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_sms_gateway_gets_its_json_and_its_statuses_are_sorted() {
    let gateway = Receiver::start().await;
    let t = transports(None, Some(gateway.url("/sms/send?token=GATEWAY-TOKEN")));
    assert!(t.has(NoticeChannel::Sms));
    let text = "【工会有约】您向工会反映的事项已登记，编号 JD-2026-000123，查询码 ABCD-EFGH。";
    let sms = Outgoing {
        channel: NoticeChannel::Sms,
        to: "13812345678",
        subject: SUBJECT,
        text,
        mentions: &[],
        key: Some("youyue-notice-7-1"),
    };
    t.deliver(&sms).await.unwrap();
    let got = gateway.wait_for(1).await;
    assert_eq!(got[0].target, "/sms/send?token=GATEWAY-TOKEN");
    assert_eq!(got[0].content_type, "application/json");
    assert_eq!(got[0].body, json!({"phone": "13812345678", "text": text}));
    assert_eq!(got[0].idempotency_key, "youyue-notice-7-1");

    for (status, permanent) in
        [(204, None), (400, Some(true)), (403, Some(true)), (429, Some(false)), (502, Some(false))]
    {
        gateway.answer(status, "");
        match (t.deliver(&sms).await, permanent) {
            (Ok(()), None) => {}
            (Err(e), Some(p)) => {
                assert_eq!(e.permanent, p, "{status}: {e}");
                assert!(e.message.contains(&status.to_string()), "{e}");
                assert_no_secret(&e, "GATEWAY-TOKEN");
            }
            (got, _) => panic!("{status}: {got:?}"),
        }
    }
    let down = transports(None, Some(format!("http://127.0.0.1:{}/sms?token=GATEWAY-TOKEN", closed_port().await)));
    let e = down.deliver(&sms).await.unwrap_err();
    assert!(!e.permanent, "{e}");
    assert_no_secret(&e, "GATEWAY-TOKEN");
    // Without a gateway there is no SMS channel.
    let none = transports(None, None);
    assert!(!none.has(NoticeChannel::Sms));
    assert!(none.deliver(&sms).await.unwrap_err().permanent);
}

/// `youyue serve` with these flags and environment, expected to refuse to start.
fn refused(args: &[&str], env: &[(&str, &str)]) -> String {
    let mut c = Command::new(env!("CARGO_BIN_EXE_youyue"));
    c.args(["--db", "sqlite:///nonexistent-dir/never.db", "serve", "--listen", "127.0.0.1:0"]).args(args);
    for v in ["YOUYUE_DB", "YOUYUE_SMTP", "YOUYUE_MAIL_FROM", "YOUYUE_SMS_GATEWAY"] {
        c.env_remove(v);
    }
    c.envs(env.iter().copied());
    let out = c.stdin(Stdio::null()).output().unwrap();
    assert!(!out.status.success(), "{args:?} started");
    String::from_utf8_lossy(&out.stderr).into_owned()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn serve_names_the_channel_flag_at_fault() {
    let e = refused(&["--smtp", "smtp://127.0.0.1:25"], &[]);
    assert!(e.contains("--mail-from"), "{e}");
    let e = refused(&["--mail-from", "noreply@youyue.example"], &[]);
    assert!(e.contains("--smtp"), "{e}");
    let e = refused(
        &[],
        &[("YOUYUE_SMTP", "smtp://u:s3cret-pw@relay.example.org?tls=none"), ("YOUYUE_MAIL_FROM", "a@b.org")],
    );
    assert!(e.contains("--smtp") && e.contains("loopback") && !e.contains("s3cret-pw"), "{e}");
    let e = refused(&["--smtp", "smtp://127.0.0.1:25", "--mail-from", "nobody"], &[]);
    assert!(e.contains("--mail-from"), "{e}");
    let e = refused(&["--sms-gateway", "http://sms.example.org/send?token=T0KEN"], &[]);
    assert!(e.contains("--sms-gateway") && !e.contains("T0KEN"), "{e}");
    let e = refused(&["--sms-gateway", "not a url"], &[]);
    assert!(e.contains("--sms-gateway"), "{e}");

    // Good flags: the server starts and logs which channels are on, masked.
    let db = TestDb::new(crate::harness::Backend::Sqlite).await;
    let server = crate::harness::Server::start(
        &db.url,
        &[
            "--smtp",
            "smtp://notices:s3cret-pw@127.0.0.1:2525",
            "--mail-from",
            FROM,
            "--sms-gateway",
            "http://127.0.0.1:9/sms?token=T0KEN",
        ],
    )
    .await;
    let log = server.log();
    assert!(log.contains("notice channels") && log.contains("127.0.0.1:2525"), "{log}");
    assert!(!log.contains("s3cret-pw") && !log.contains("T0KEN"), "{log}");
}

// ---------------------------------------------------------------------------------------
// End to end: cases registered through a real server, notices delivered by the real
// channels to the receivers above.

use crate::harness::{column, execute, Backend, Client, Server, TestApp, PASSWORD};
use reqwest::StatusCode;

/// What no notice may ever say: the cases' title and description, the workers' names.
const TITLE: &str = "机密标题甲乙丙";
const DESCRIPTION: &str = "机密描述丁戊己：车间主任拖欠加班费";
const NAME: &str = "王秘密";
const ANON_NAME: &str = "匿名李某";
const ANON_EMAIL: &str = "li.anon@example.org";
const PHONE: &str = "138 1234 5678";
const CHAIR_PHONE: &str = "13900001111";

/// Every text a test's receivers got: the SMS and robot JSON, the mails' headers and text.
fn received_texts(smtpd: Option<&Smtpd>, receivers: &[&Receiver]) -> Vec<String> {
    let mut texts: Vec<String> = receivers.iter().flat_map(|r| r.got()).map(|g| g.body.to_string()).collect();
    if let Some(s) = smtpd {
        for m in s.mails() {
            texts.push(format!("{} {} {}", m["subject"], m["body"], m["from"]));
        }
    }
    texts
}

/// The privacy sweep: no notice a receiver got says a case's title or description or a
/// worker's name, nor the anonymous worker's address (but in the one mail sent to it,
/// whose text still does not carry it).
fn assert_private(texts: &[String]) {
    assert!(!texts.is_empty(), "nothing was received");
    for t in texts {
        for secret in [TITLE, DESCRIPTION, "车间主任", NAME, ANON_NAME, ANON_EMAIL, "王", "李某"] {
            assert!(!t.contains(secret), "a notice says {secret:?}: {t}");
        }
    }
}

/// Polls `check` every 20 ms for at most a minute.
async fn eventually<F, Fut>(what: &str, check: F)
where
    F: Fn() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    for _ in 0..3000 {
        if check().await {
            return;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    panic!("waited a minute for {what}");
}

/// Lets the back-off (or the lease of a sender that died) run out now, as if its minutes
/// had passed: the notices are due at once. (The wall clock is not waited for.)
async fn back_off_elapsed(url: &str) {
    let now = youyue_domain::Timestamp::now().micros();
    execute(url, &format!("UPDATE notices SET next_at = {now}, claimed_until = NULL WHERE status = 'pending'")).await;
}

/// Quiet hours that never hold an SMS (from = to), whatever the hour the tests run at.
async fn no_quiet_hours(store: &dyn youyue_store::Store) {
    store.set_setting("notices:jd", &json!({"quiet_hours": {"from": "00:00", "to": "00:00"}})).await.unwrap();
}

/// The district's accounts and robots as an administrator sets them over the API: the
/// e1 receptionist's e-mail, the e1 chair's phone (the robot @mentions it), the e1
/// union's robot.
async fn set_up_contacts(admin: &Client, robot: &str) {
    let (s, b) = admin.patch("/api/v1/users/e1reception", json!({"email": "reception@e1.example"})).await;
    assert_eq!(s, StatusCode::OK, "{b}");
    let (s, b) = admin.patch("/api/v1/users/e1chair", json!({"phone": CHAIR_PHONE})).await;
    assert_eq!(s, StatusCode::OK, "{b}");
    let r = admin
        .http
        .put(format!("{}/api/v1/unions/jd.s1.e1/notices", admin.base))
        .json(&json!({"wecom_webhook": robot}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK, "{}", r.text().await.unwrap_or_default());
}

/// A hotline call registered by the e1 receptionist: the worker left a phone (or, when
/// anonymous, an e-mail) and agreed to be told. Returns (number, tracking code).
async fn register(staff: &Client, anonymous: bool, contact: &str) -> (String, String) {
    let name = if anonymous { ANON_NAME } else { NAME };
    let body = json!({
        "union": "jd.s1.e1", "kind": "claim", "channel": "hotline", "title": TITLE, "description": DESCRIPTION,
        "worker_name": name, "anonymous": anonymous, "contact": contact, "notify": true,
    });
    let b = staff.ok("/api/v1/cases", body, StatusCode::CREATED).await;
    (b["number"].as_str().unwrap().to_owned(), b["tracking_code"].as_str().unwrap().to_owned())
}

async fn login(base: &str, username: &str) -> Client {
    let c = Client { http: reqwest::Client::builder().cookie_store(true).build().unwrap(), base: base.to_owned() };
    let (status, body) = c.post("/api/v1/session", json!({"username": username, "password": PASSWORD})).await;
    assert_eq!(status, StatusCode::OK, "login {username}: {body}");
    c
}

/// Registered by staff with the worker's consent: the worker's SMS receipt carries the
/// number and tracking code; the receptionist's e-mail and the union's robot say there is
/// a new case; an anonymous worker who left an e-mail gets the receipt by mail.
async fn a_registration_reaches_every_channel(backend: Backend) {
    let smtpd = Smtpd::start(&[]).await;
    let receiver = Receiver::start().await;
    let (smtp_port, gateway) = (smtpd.port, receiver.url("/sms/send?token=GW-TOKEN"));
    let app = TestApp::spawn_with(backend, |c| {
        c.notices = Channels {
            smtp: Some(format!("smtp://127.0.0.1:{smtp_port}?tls=none")),
            mail_from: Some(FROM.into()),
            sms_gateway: Some(gateway),
        };
        c.notices_every = Duration::from_millis(100);
        c.public_url = Some("https://yy.example".into());
    })
    .await;
    no_quiet_hours(app.store.as_ref()).await;
    let admin = app.login("admin").await;
    set_up_contacts(&admin, &receiver.url("/cgi-bin/webhook/send?key=ROBOT-KEY")).await;
    // The chair registers: the receptionists are told (nobody is told of their own act).
    let staff = app.login("e1chair").await;
    let (number, code) = register(&staff, false, PHONE).await;
    let (anon_number, anon_code) = register(&staff, true, ANON_EMAIL).await;

    // The robot: two new cases, @mentioning the chair (no handler yet); the gateway: one SMS.
    let got = receiver.wait_for(3).await;
    let sms: Vec<_> = got.iter().filter(|g| g.target.starts_with("/sms")).collect();
    assert_eq!(sms.len(), 1, "{got:?}");
    assert_eq!(sms[0].target, "/sms/send?token=GW-TOKEN");
    assert_eq!(sms[0].body["phone"], "13812345678");
    let text = sms[0].body["text"].as_str().unwrap();
    assert!(text.starts_with("【工会有约】") && text.contains(&number) && text.contains(&code), "{text}");
    assert!(text.contains("https://yy.example/track"), "{text}");
    assert_eq!(sms[0].body.as_object().unwrap().len(), 2, "only phone and text: {}", sms[0].body);
    assert!(sms[0].idempotency_key.starts_with("youyue-notice-"), "{:?}", sms[0]);
    let robot: Vec<_> = got.iter().filter(|g| g.target.starts_with("/cgi-bin")).collect();
    assert_eq!(robot.len(), 2, "{got:?}");
    for (r, n) in robot.iter().zip([&number, &anon_number]) {
        assert_eq!(r.target, "/cgi-bin/webhook/send?key=ROBOT-KEY");
        assert_eq!(r.body["msgtype"], "text");
        assert_eq!(r.body["text"]["mentioned_mobile_list"], json!([CHAIR_PHONE]));
        let content = r.body["text"]["content"].as_str().unwrap();
        assert!(content.contains(n.as_str()) && content.contains("新的"), "{content}");
        assert!(content.contains(&format!("https://yy.example/cases/{n}")), "{content}");
    }

    // Mail: the receptionist twice (new cases), the anonymous worker once (the receipt).
    let mails = smtpd.wait_for(3).await;
    let to_reception: Vec<_> = mails.iter().filter(|m| m["to"] == "reception@e1.example").collect();
    assert_eq!(to_reception.len(), 2, "{mails:?}");
    // A notice's Message-ID is its own, the same at every attempt (a repeat can be told).
    for m in &to_reception {
        assert!(m["message_id"].as_str().unwrap().starts_with("<youyue-notice-"), "{m}");
    }
    for m in &to_reception {
        assert_eq!(m["from"], FROM);
        assert!(m["subject"].as_str().unwrap().starts_with("【工会有约】新的"), "{m}");
    }
    let to_worker: Vec<_> = mails.iter().filter(|m| m["rcpt_tos"] == json!([ANON_EMAIL])).collect();
    assert_eq!(to_worker.len(), 1, "{mails:?}");
    let body = to_worker[0]["body"].as_str().unwrap();
    assert!(body.contains(&anon_number) && body.contains(&anon_code), "{body}");
    // Nothing more comes once every notice is recorded as sent.
    let url = app.db.url.clone();
    eventually("every notice sent", || async {
        column::<i64>(&url, "SELECT COUNT(*) FROM notices WHERE status <> 'sent'").await == [0]
    })
    .await;
    assert_eq!(receiver.got().len(), 3);
    assert_eq!(smtpd.mails().len(), 3);
    // The worker's mail is To them; the privacy sweep reads what every notice says.
    let mut texts = received_texts(Some(&smtpd), &[&receiver]);
    for m in smtpd.mails() {
        assert!(!m["body"].as_str().unwrap().contains(ANON_EMAIL));
    }
    texts.retain(|t| !t.is_empty());
    assert_private(&texts);
}
both!(a_registration_reaches_every_channel);

/// The gateway down: the SMS is tried, fails (recorded), and is delivered once it is back
/// and the back-off has passed.
async fn a_receiver_down_is_tried_again_and_delivered_when_back(backend: Backend) {
    let mut receiver = Receiver::start().await;
    let gateway = receiver.url("/sms/send");
    let app = TestApp::spawn_with(backend, |c| {
        c.notices = Channels { sms_gateway: Some(gateway), ..Channels::default() };
        c.notices_every = Duration::from_millis(100);
    })
    .await;
    no_quiet_hours(app.store.as_ref()).await;
    receiver.stop().await;
    let staff = app.login("e1reception").await;
    let (number, code) = register(&staff, false, PHONE).await;
    let url = app.db.url.clone();
    let failed_once = "SELECT COUNT(*) FROM notices WHERE channel = 'sms' AND status = 'pending' AND attempts = 1 \
                       AND last_error IS NOT NULL";
    eventually("a failed attempt", || async { column::<i64>(&url, failed_once).await == [1] }).await;
    let next: Vec<i64> = column(&url, "SELECT next_at - created_at FROM notices WHERE channel = 'sms'").await;
    assert!(next[0] >= 60_000_000, "the first retry waits a minute: {next:?}");
    let errors: Vec<String> = column(&url, "SELECT last_error FROM notices WHERE channel = 'sms'").await;
    assert!(errors[0].contains("could not connect") && errors[0].contains("SMS gateway"), "{errors:?}");

    receiver.restart().await;
    back_off_elapsed(&url).await;
    let got = receiver.wait_for(1).await;
    assert_eq!(got[0].body["phone"], "13812345678");
    assert!(got[0].body["text"].as_str().unwrap().contains(&code));
    eventually("the SMS recorded as sent", || async {
        column::<i64>(&url, "SELECT COUNT(*) FROM notices WHERE channel = 'sms' AND status = 'sent' AND attempts = 2")
            .await
            == [1]
    })
    .await;
    let oks: Vec<bool> = column(
        &url,
        "SELECT a.ok FROM notice_attempts a JOIN notices n ON n.id = a.notice_id WHERE n.channel = 'sms' ORDER BY a.at",
    )
    .await;
    assert_eq!(oks, [false, true]);
    assert_eq!(receiver.got().len(), 1);
    // The record book has the final result, masked.
    let case = app.store.case_by_number(&number.parse().unwrap()).await.unwrap().unwrap();
    let book = app.store.record_book(case.id).await.unwrap();
    let entry = book.iter().find(|e| e.action == "notice" && e.detail["channel"] == "sms").expect("no notice entry");
    assert_eq!(entry.detail["to"], youyue_domain::notice::WORKER_RECIPIENT);
    assert_eq!(entry.detail["outcome"], "sent");
    assert_private(&received_texts(None, &[&receiver]));
}
both!(a_receiver_down_is_tried_again_and_delivered_when_back);

/// Quiet hours (a district setting) hold an SMS to a worker until they end: its stored
/// `next_at` is the domain's `release_at`, the robot's message goes at once, and the SMS
/// goes when its time has come.
async fn quiet_hours_hold_a_workers_sms(backend: Backend) {
    let receiver = Receiver::start().await;
    let gateway = receiver.url("/sms/send");
    let app = TestApp::spawn_with(backend, |c| {
        c.notices = Channels { sms_gateway: Some(gateway), ..Channels::default() };
        c.notices_every = Duration::from_millis(100);
    })
    .await;
    // Quiet from an hour ago to an hour ahead, China time.
    let hour = chrono::Timelike::hour(&youyue_domain::Timestamp::now().to_cst());
    let (from, to) = ((hour + 23) % 24, (hour + 1) % 24);
    let quiet = json!({"quiet_hours": {"from": format!("{from:02}:00"), "to": format!("{to:02}:00")}});
    app.store.set_setting("notices:jd", &quiet).await.unwrap();
    let admin = app.login("admin").await;
    set_up_contacts(&admin, &receiver.url("/cgi-bin/webhook/send?key=K")).await;
    let staff = app.login("e1reception").await;
    let (number, code) = register(&staff, false, PHONE).await;

    let url = app.db.url.clone();
    eventually("the robot's notice sent", || async {
        column::<i64>(&url, "SELECT COUNT(*) FROM notices WHERE channel = 'wecom' AND status = 'sent'").await == [1]
    })
    .await;
    let created: Vec<i64> = column(&url, "SELECT created_at FROM notices WHERE channel = 'sms'").await;
    let next: Vec<i64> = column(&url, "SELECT next_at FROM notices WHERE channel = 'sms' AND status = 'pending'").await;
    assert_eq!((created.len(), next.len()), (1, 1), "one SMS, held");
    let release = youyue_domain::notice::QuietHours { from: from as u16 * 60, to: to as u16 * 60 }
        .release_at(youyue_domain::Timestamp::from_micros(created[0]))
        .unwrap();
    assert_eq!(next[0], release.micros());
    // The sender has been round since the robot's went (it is woken every 100 ms): the SMS
    // stayed, since its time has not come.
    let sent_at: Vec<i64> = column(&url, "SELECT sent_at FROM notices WHERE channel = 'wecom'").await;
    eventually("a few more rounds of the sender", || async {
        youyue_domain::Timestamp::now().micros() > sent_at[0] + 500_000
    })
    .await;
    assert!(receiver.got().iter().all(|g| !g.target.starts_with("/sms")), "{:?}", receiver.got());
    // The quiet hours end (as if the clock had reached their end): it goes.
    back_off_elapsed(&url).await;
    let got = receiver.wait_for(2).await;
    let sms = got.iter().find(|g| g.target.starts_with("/sms")).unwrap();
    let text = sms.body["text"].as_str().unwrap();
    assert!(text.contains(&number) && text.contains(&code), "{text}");
    assert_private(&received_texts(None, &[&receiver]));
}
both!(quiet_hours_hold_a_workers_sms);

/// The district imported and quiet hours off in a fresh database, the robot of e1 set;
/// the store closed again (a server process opens it).
async fn prepared_db(backend: Backend, robot: &str) -> crate::harness::TestDb {
    let db = crate::harness::TestDb::new(backend).await;
    let store = youyue_store::open(&db.url).await.unwrap();
    crate::harness::import_text(store.as_ref(), &crate::harness::district_jsonl()).await.unwrap();
    no_quiet_hours(store.as_ref()).await;
    let e1 = store.union_by_code(&"jd.s1.e1".parse().unwrap()).await.unwrap().unwrap().id;
    store.set_union_webhook(e1, Some(robot), youyue_domain::Timestamp::now()).await.unwrap();
    store.close().await;
    db
}

/// SIGKILL between the commit and the send: the real binary (on a SQLite file, and on
/// PostgreSQL) registers cases while the receivers are down (the notices committed, tried,
/// not delivered), is killed, and started again with them up: exactly the notices due
/// arrive, each once.
async fn notices_committed_before_a_sigkill_are_delivered_once_after_restart(backend: Backend) {
    let mut receiver = Receiver::start().await;
    let db = prepared_db(backend, &receiver.url("/cgi-bin/webhook/send?key=K")).await;
    let gateway = receiver.url("/sms/send");
    let args = ["--sms-gateway", gateway.as_str(), "--public-url", "https://yy.example"];
    receiver.stop().await;
    let first = Server::start(&db.url, &args).await;
    let staff = login(&first.url(""), "e1reception").await;
    let mut cases = Vec::new();
    for _ in 0..2 {
        cases.push(register(&staff, false, PHONE).await);
    }
    // Both cases' SMS and robot notices committed and tried once, none delivered.
    let url = db.url.clone();
    eventually("the notices tried once", || async {
        column::<i64>(&url, "SELECT COUNT(*) FROM notices WHERE channel IN ('sms','wecom') AND attempts >= 1").await
            == [4]
    })
    .await;
    first.kill();
    assert!(receiver.got().is_empty());
    // Not sent twice in this window either: the killed process's claims and back-off run
    // out while it is down.
    back_off_elapsed(&db.url).await;
    receiver.restart().await;
    let second = Server::start(&db.url, &args).await;
    eventually("every notice sent after the restart", || async {
        column::<i64>(&url, "SELECT COUNT(*) FROM notices WHERE status <> 'sent'").await == [0]
    })
    .await;
    let got = receiver.got();
    let sms: Vec<_> = got.iter().filter(|g| g.target.starts_with("/sms")).collect();
    let robot: Vec<_> = got.iter().filter(|g| g.target.starts_with("/cgi-bin")).collect();
    assert_eq!((sms.len(), robot.len()), (2, 2), "{got:?}");
    for (number, code) in &cases {
        let texts: Vec<&str> = sms.iter().map(|g| g.body["text"].as_str().unwrap()).collect();
        assert_eq!(texts.iter().filter(|t| t.contains(number.as_str()) && t.contains(code.as_str())).count(), 1);
        let robot_texts: Vec<&str> = robot.iter().map(|g| g.body["text"]["content"].as_str().unwrap()).collect();
        assert_eq!(robot_texts.iter().filter(|t| t.contains(number.as_str())).count(), 1);
    }
    assert!(second.log_problems().is_empty(), "{}", second.log_problems());
    assert_private(&received_texts(None, &[&receiver]));
}
both!(notices_committed_before_a_sigkill_are_delivered_once_after_restart);

/// Two `youyue serve` processes on one PostgreSQL database, cases registered through both:
/// each notice is delivered once.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_servers_on_one_postgres_deliver_each_notice_once() {
    let receiver = Receiver::start().await;
    let db = prepared_db(Backend::Postgres, &receiver.url("/cgi-bin/webhook/send?key=K")).await;
    let gateway = receiver.url("/sms/send");
    let args = ["--sms-gateway", gateway.as_str(), "--public-url", "https://yy.example"];
    let servers = [Server::start(&db.url, &args).await, Server::start(&db.url, &args).await];
    let mut staff = Vec::new();
    for s in &servers {
        staff.push(login(&s.url(""), "e1reception").await);
    }
    let mut numbers = Vec::new();
    for i in 0..8 {
        let phone = format!("1380000000{i}");
        numbers.push((register(&staff[i % 2], false, &phone).await.0, phone));
    }
    let url = db.url.clone();
    eventually("16 notices sent", || async {
        column::<i64>(&url, "SELECT COUNT(*) FROM notices WHERE channel <> 'app' AND status = 'sent'").await == [16]
    })
    .await;
    let waiting: Vec<i64> = column(&url, "SELECT COUNT(*) FROM notice_events WHERE dispatched_at IS NULL").await;
    let unsent: Vec<i64> = column(&url, "SELECT COUNT(*) FROM notices WHERE status <> 'sent'").await;
    assert_eq!((waiting, unsent), (vec![0], vec![0]));
    let got = receiver.got();
    assert_eq!(got.len(), 16, "8 SMS and 8 robot messages: {got:?}");
    for (number, phone) in &numbers {
        assert_eq!(got.iter().filter(|g| g.body["phone"] == phone.as_str()).count(), 1, "{phone}");
        assert_eq!(
            got.iter()
                .filter(|g| g.body["text"]["content"].as_str().is_some_and(|t| t.contains(number.as_str())))
                .count(),
            1,
            "{number}"
        );
    }
    let attempts: Vec<i64> = column(&url, "SELECT COUNT(*) FROM notice_attempts").await;
    assert_eq!(attempts, [16]);
    for s in &servers {
        assert!(s.log_problems().is_empty(), "{}", s.log_problems());
    }
    assert_private(&received_texts(None, &[&receiver]));
}
