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
                    got.lock().unwrap().push(Received { target, content_type, body });
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
    Outgoing { channel: NoticeChannel::Email, to, subject, text, mentions: &[] }
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

fn wecom<'a>(url: &'a str, mentions: &'a [String]) -> Outgoing<'a> {
    Outgoing { channel: NoticeChannel::Wecom, to: url, subject: SUBJECT, text: TEXT, mentions }
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
    let sms = Outgoing { channel: NoticeChannel::Sms, to: "13812345678", subject: SUBJECT, text, mentions: &[] };
    t.deliver(&sms).await.unwrap();
    let got = gateway.wait_for(1).await;
    assert_eq!(got[0].target, "/sms/send?token=GATEWAY-TOKEN");
    assert_eq!(got[0].content_type, "application/json");
    assert_eq!(got[0].body, json!({"phone": "13812345678", "text": text}));

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
