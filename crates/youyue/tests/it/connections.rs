//! Slow and idle clients (issue 18, item 4): the HTTP layer cuts off a header or body sent
//! byte by byte and connections left idle, caps the connections it serves, and keeps
//! answering everyone else meanwhile. About the HTTP layer, not the database: SQLite only.

use crate::harness::{Backend, Server, TestDb};
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// Every wait of these tests ends within this, far above the timeouts the servers are given.
const BOUND: Duration = Duration::from_secs(60);

/// One byte at this pace: a client that never stops sending, only too slowly.
const PACE: Duration = Duration::from_millis(100);

/// What a trickling client saw: how many of its slow bytes went out before the server
/// closed the connection, and what the server answered, if anything.
struct Trickled {
    sent: usize,
    answer: String,
}

/// Writes `head` at once, then `slow` one byte per [`PACE`], reading all along; ends when
/// the server closes the connection (end of file, or an error on either side).
async fn trickle(stream: TcpStream, head: Vec<u8>, slow: Vec<u8>) -> Trickled {
    let (mut rd, mut wr) = stream.into_split();
    let mut answer = Vec::new();
    let mut sent = 0;
    if wr.write_all(&head).await.is_err() {
        return Trickled { sent, answer: String::new() };
    }
    let mut buf = [0u8; 4096];
    let mut tick = tokio::time::interval(PACE);
    loop {
        tokio::select! {
            read = rd.read(&mut buf) => match read {
                Ok(0) | Err(_) => break,
                Ok(n) => answer.extend_from_slice(&buf[..n]),
            },
            _ = tick.tick() => {
                assert!(sent < slow.len(), "all {} slow bytes went through and the server still waits", slow.len());
                if wr.write_all(&slow[sent..=sent]).await.is_err() {
                    break;
                }
                sent += 1;
            }
        }
    }
    Trickled { sent, answer: String::from_utf8_lossy(&answer).into_owned() }
}

async fn healthz(client: &reqwest::Client, server: &Server) {
    let resp = client.get(server.url("/healthz")).send().await.expect("/healthz did not answer");
    assert_eq!(resp.status(), reqwest::StatusCode::OK);
}

fn client() -> reqwest::Client {
    reqwest::Client::builder().timeout(BOUND).build().unwrap()
}

/// Many connections each sending a request header one byte at a time (slowloris): the
/// server answers /healthz meanwhile and closes each of them after the header timeout,
/// long before their header is complete.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn slowloris_is_cut_off_and_the_rest_served() {
    let db = TestDb::new(Backend::Sqlite).await;
    let server = Server::start(&db.url, &["--header-timeout", "1"]).await;
    let slow = format!("Host: localhost\r\nX-Slow: {}\r\n\r\n", "a".repeat(300)).into_bytes();
    let mut senders = Vec::new();
    for _ in 0..50 {
        let stream = TcpStream::connect(server.addr).await.unwrap();
        senders.push(tokio::spawn(trickle(stream, b"GET /healthz HTTP/1.1\r\n".to_vec(), slow.clone())));
    }
    let client = client();
    for _ in 0..5 {
        healthz(&client, &server).await;
    }
    for sender in senders {
        let t = tokio::time::timeout(BOUND, sender).await.expect("a slow sender was never cut off").unwrap();
        assert!(t.sent < slow.len(), "the whole header went through");
        assert!(!t.answer.contains(" 200 "), "a slow header was answered: {}", t.answer);
    }
    healthz(&client, &server).await;
}

/// A request body sent one byte at a time is cut off after the body timeout (the server
/// may answer it with an error first), and the server still serves others.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn slow_body_is_cut_off() {
    let db = TestDb::new(Backend::Sqlite).await;
    let server = Server::start(&db.url, &["--body-timeout", "1"]).await;
    // JSON with room for spaces: valid however much of it arrives.
    let slow = " ".repeat(500).into_bytes();
    let head = format!(
        "POST /api/v1/session HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\n\
         Content-Length: {}\r\n\r\n{{",
        slow.len() + 1
    );
    let stream = TcpStream::connect(server.addr).await.unwrap();
    let sender = tokio::spawn(trickle(stream, head.into_bytes(), slow.clone()));
    healthz(&client(), &server).await;
    let t = tokio::time::timeout(BOUND, sender).await.expect("a slow body was never cut off").unwrap();
    assert!(t.sent < slow.len(), "the whole body went through");
    assert!(t.answer.is_empty() || t.answer.starts_with("HTTP/1.1 4"), "a slow body was answered: {}", t.answer);
    healthz(&client(), &server).await;
}

/// A kept-alive connection that sends nothing after its response is closed by the server.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn idle_keep_alive_is_closed() {
    let db = TestDb::new(Backend::Sqlite).await;
    let server = Server::start(&db.url, &["--header-timeout", "1"]).await;
    let mut stream = TcpStream::connect(server.addr).await.unwrap();
    stream.write_all(b"GET /healthz HTTP/1.1\r\nHost: localhost\r\n\r\n").await.unwrap();
    let mut answer = Vec::new();
    let mut buf = [0u8; 4096];
    let closed = tokio::time::timeout(BOUND, async {
        loop {
            match stream.read(&mut buf).await {
                Ok(0) | Err(_) => return,
                Ok(n) => answer.extend_from_slice(&buf[..n]),
            }
        }
    })
    .await;
    let answer = String::from_utf8_lossy(&answer);
    assert!(answer.starts_with("HTTP/1.1 200"), "answered: {answer}");
    assert!(answer.ends_with("ok"), "answered: {answer}");
    assert!(closed.is_ok(), "the idle connection was never closed");
}

/// Under an open-file limit of 128 and a cap of 64 connections, 300 connections opened and
/// left silent: /healthz still answers (the excess waits in the backlog and the idle ones
/// are closed), and so does everything once the flood has gone.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn idle_flood_under_a_low_open_file_limit() {
    let db = TestDb::new(Backend::Sqlite).await;
    let args = ["--max-connections", "64", "--header-timeout", "2"];
    let server = Server::start_with_open_files(128, &db.url, &args).await;
    let mut flood = Vec::new();
    for _ in 0..300 {
        let stream = tokio::time::timeout(BOUND, TcpStream::connect(server.addr)).await;
        flood.push(stream.expect("a connection was neither queued nor refused").unwrap());
    }
    let client = client();
    healthz(&client, &server).await;
    drop(flood);
    healthz(&client, &server).await;
    // A login reads a body, the database and the peer's address (its rate limit).
    let login = serde_json::json!({"username": "nobody", "password": "wrong-password-1"});
    let resp = client.post(server.url("/api/v1/session")).json(&login).send().await.unwrap();
    assert_eq!(resp.status(), reqwest::StatusCode::UNAUTHORIZED);
}
