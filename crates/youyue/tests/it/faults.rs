//! Faults below the service: the file system the database lives on fills up. Whatever the
//! database answers, no write is acknowledged unless it was committed, no case number is
//! handed out twice, the service says 503 while it cannot write and recovers by itself.

use crate::harness::{pg_admin_url, start_server, youyue, Backend, Client, Server, PASSWORD};
use reqwest::StatusCode;
use serde_json::{json, Value};
use std::collections::{BTreeMap, BTreeSet};
use std::io::Write;
use std::path::Path;
use std::process::Command;
use std::time::Duration;

/// A small tmpfs mounted on a directory of the test's own, unmounted when dropped (also when
/// the test fails). Mounting needs root, as the suite has locally and in CI: without it the
/// test fails, since a skipped fault test proves nothing.
struct Tmpfs {
    dir: tempfile::TempDir,
}

impl Tmpfs {
    fn mount(size: &str) -> Tmpfs {
        let dir = tempfile::tempdir().unwrap();
        let out = Command::new("mount")
            .args(["-t", "tmpfs", "-o", &format!("size={size}"), "tmpfs"])
            .arg(dir.path())
            .output()
            .unwrap_or_else(|e| panic!("this test mounts a tmpfs and could not run `mount`: {e}"));
        assert!(
            out.status.success(),
            "this test mounts a small tmpfs (a full disk) and must run as root, as CI and local runs do; \
             `mount -t tmpfs` said: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        Tmpfs { dir }
    }

    fn path(&self) -> &Path {
        self.dir.path()
    }
}

impl Drop for Tmpfs {
    fn drop(&mut self) {
        let plain = Command::new("umount").arg(self.dir.path()).status();
        if !plain.is_ok_and(|s| s.success()) {
            // Still in use (a server the failing test left behind): detach it now, the
            // kernel frees it when the last file closes.
            let _ = Command::new("umount").arg("-l").arg(self.dir.path()).status();
        }
    }
}

/// A PostgreSQL tablespace in `dir` (on the test's tmpfs) and a database that keeps all its
/// tables there; both dropped when this is. PostgreSQL's own log (`pg_wal`) stays in its data
/// directory, so only this database's tables run out of space, not the server. Needs the
/// server on this machine (to reach `dir`): else the test fails saying so.
struct PgTablespace {
    name: String,
    url: String,
}

impl PgTablespace {
    async fn create(dir: &Path) -> PgTablespace {
        std::fs::create_dir(dir).unwrap();
        let chown = Command::new("chown").arg("postgres:postgres").arg(dir).output().unwrap();
        assert!(
            chown.status.success(),
            "a tablespace directory must belong to the user PostgreSQL runs as (postgres), on this machine: {}",
            String::from_utf8_lossy(&chown.stderr)
        );
        let name = format!("youyue_full_{}", youyue_server::auth::random_token()[..16].to_owned());
        let admin = pg_admin_url();
        let mut conn = <sqlx::PgConnection as sqlx::Connection>::connect(&admin)
            .await
            .unwrap_or_else(|e| panic!("PostgreSQL is required for the tests and is not reachable at {admin}: {e}"));
        sqlx::query(&format!("CREATE TABLESPACE {name} LOCATION '{}'", dir.display()))
            .execute(&mut conn)
            .await
            .unwrap_or_else(|e| {
                panic!("a tablespace on the test's file system (PostgreSQL must run on this machine): {e}")
            });
        let base = admin.rsplit_once('/').map(|(b, _)| b.to_owned()).unwrap();
        // Made before the database, so that a failure below drops the tablespace too.
        let tablespace = PgTablespace { url: format!("{base}/{name}"), name };
        sqlx::query(&format!("CREATE DATABASE {0} TABLESPACE {0}", tablespace.name)).execute(&mut conn).await.unwrap();
        tablespace
    }
}

impl Drop for PgTablespace {
    fn drop(&mut self) {
        let (name, admin) = (self.name.clone(), pg_admin_url());
        // Drop runs outside any runtime we may block; use a thread with its own.
        let _ = std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
            rt.block_on(async {
                if let Ok(mut conn) = <sqlx::PgConnection as sqlx::Connection>::connect(&admin).await {
                    let _ =
                        sqlx::query(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)")).execute(&mut conn).await;
                    let _ = sqlx::query(&format!("DROP TABLESPACE IF EXISTS {name}")).execute(&mut conn).await;
                }
            })
        })
        .join();
    }
}

/// Writes zeros to `file` until the file system is full; returns the bytes written.
fn fill(file: &Path) -> u64 {
    let mut f = std::fs::OpenOptions::new().create(true).append(true).open(file).unwrap();
    let mut written = 0;
    for chunk in [1 << 20, 4096, 512] {
        let zeros = vec![0u8; chunk];
        loop {
            match f.write(&zeros) {
                Ok(0) => break,
                Ok(n) => written += n as u64,
                Err(e) if e.raw_os_error() == Some(28) => break, // ENOSPC
                Err(e) => panic!("filling {}: {e}", file.display()),
            }
        }
    }
    let _ = f.sync_all();
    written
}

/// The test's public submissions and what they were answered.
struct Submissions<'a> {
    server: &'a Server,
    http: reqwest::Client,
    /// Number → description, for every 201.
    acked: BTreeMap<String, String>,
    /// 201s counted one by one (a number given twice would count twice).
    numbers_given: usize,
}

impl Submissions<'_> {
    /// One wave of four concurrent submissions (so that the group writer gets several writes
    /// per commit), each answered one of `allowed`: a 201 with a number not given before,
    /// anything else `unavailable`. The statuses.
    async fn wave(&mut self, tag: &str, allowed: &[StatusCode], phase: &str) -> Vec<StatusCode> {
        let mut set = tokio::task::JoinSet::new();
        for i in 0..4 {
            let description = format!("满盘测试 {tag}-{i}");
            let (http, url) = (self.http.clone(), self.server.url("/api/v1/public/cases"));
            set.spawn(async move {
                let body = json!({"union":"jd.s1.e1","kind":"claim","description":description});
                let r = http.post(url).json(&body).send().await.unwrap();
                let status = r.status();
                let text = r.text().await.unwrap();
                (description, status, serde_json::from_str(&text).unwrap_or(Value::String(text)))
            });
        }
        let mut statuses = Vec::new();
        while let Some(answer) = set.join_next().await {
            let (description, status, body) = answer.unwrap();
            assert!(
                allowed.contains(&status),
                "{phase}: {description} answered {status}: {body}; the server logged:\n{}",
                self.server.log_problems()
            );
            if status == StatusCode::CREATED {
                let number = body["number"].as_str().unwrap().to_owned();
                self.numbers_given += 1;
                let before = self.acked.insert(number.clone(), description.clone());
                assert!(before.is_none(), "{phase}: {number} given twice ({before:?}, then {description})");
            } else {
                assert_eq!(body["error"]["code"], "unavailable", "{phase}: {description}: {body}");
            }
            statuses.push(status);
        }
        statuses
    }

    /// Waves answered 201 or 503 until one's statuses satisfy `done` (at most 100 waves,
    /// `after` run after each other one): that wave's index.
    async fn until(
        &mut self,
        phase: &str,
        done: impl Fn(&[StatusCode]) -> bool,
        mut after: impl FnMut(),
    ) -> Option<usize> {
        for w in 0..100 {
            let allowed = [StatusCode::CREATED, StatusCode::SERVICE_UNAVAILABLE];
            if done(&self.wave(&format!("{phase}{w}"), &allowed, phase).await) {
                return Some(w);
            }
            after();
        }
        None
    }

    async fn health(&self) -> StatusCode {
        self.http.get(self.server.url("/healthz")).send().await.unwrap().status()
    }
}

/// Every acknowledged case is readable through the API with what was sent.
async fn all_readable(server: &Server, acked: &BTreeMap<String, String>, when: &str) {
    let admin = Client { http: reqwest::Client::builder().cookie_store(true).build().unwrap(), base: server.url("") };
    let login = admin.post("/api/v1/session", json!({"username":"admin","password":PASSWORD})).await;
    assert_eq!(login.0, StatusCode::OK, "login {when}: {}", login.1);
    for (number, description) in acked {
        let (status, body) = admin.get(&format!("/api/v1/cases/{number}")).await;
        assert_eq!(status, StatusCode::OK, "acknowledged {number} ({description}) is not there {when}: {body}");
        assert_eq!(body["description"], *description, "{number} {when}");
    }
}

/// The database on a file system that fills up (SQLite's file; PostgreSQL's tablespace):
/// submissions while it is full are refused with 503 (never 500) and /healthz says 503; once
/// space is freed 201s resume without a restart; every 201 is there, before and after a
/// restart, and no number was given twice. (While full, a write may still fit in log frames
/// that a failed one gave back — the background notice writes fail and give back more than
/// a submission needs — and is then committed and answered 201: that is allowed, as long
/// as it is stored.)
async fn full_disk_acknowledges_only_what_it_stores(backend: Backend) {
    let fs = Tmpfs::mount("16m");
    // Declared after the file system: dropped before it is unmounted.
    let tablespace = match backend {
        Backend::Sqlite => None,
        Backend::Postgres => Some(PgTablespace::create(&fs.path().join("pg")).await),
    };
    let url = match &tablespace {
        None => format!("sqlite://{}", fs.path().join("youyue.db").display()),
        Some(t) => t.url.clone(),
    };
    let scratch = tempfile::tempdir().unwrap();
    let district = scratch.path().join("district.jsonl");
    std::fs::write(&district, crate::harness::district_jsonl()).unwrap();
    let import = youyue(&url, &["import", district.to_str().unwrap()]);
    assert!(import.status.success(), "{import:?}");

    let server = start_server(&url).await;
    let http = reqwest::Client::builder().timeout(Duration::from_secs(20)).build().unwrap();
    let mut subs = Submissions { server: &server, http, acked: BTreeMap::new(), numbers_given: 0 };

    // Room to write: every submission is a case.
    for w in 0..3 {
        subs.wave(&format!("a{w}"), &[StatusCode::CREATED], "before").await;
    }
    assert_eq!(subs.health().await, StatusCode::OK);

    // Full: writes that still fit in space the database has already may succeed; once one
    // is refused, the disk is full for good (until freed). A reader holding its snapshot
    // keeps SQLite from starting its log over (it would write over the log's old frames, no
    // new space needed), so every later write has to grow the log.
    let mut reader = None;
    if backend == Backend::Sqlite {
        let mut conn = <sqlx::SqliteConnection as sqlx::Connection>::connect(&url).await.unwrap();
        sqlx::query("BEGIN").execute(&mut conn).await.unwrap();
        let _: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM cases").fetch_one(&mut conn).await.unwrap();
        reader = Some(conn);
    }
    let filler = fs.path().join("filler");
    let filled = fill(&filler);
    let refused_first = subs
        .until(
            "b",
            |s| s.contains(&StatusCode::SERVICE_UNAVAILABLE),
            || {
                // What the database freed meanwhile is taken as well.
                fill(&filler);
            },
        )
        .await
        .expect("400 submissions on a full disk and none refused");
    let (mut refused, mut unhealthy) = (0, 0);
    for w in 0..15 {
        let statuses =
            subs.wave(&format!("c{w}"), &[StatusCode::SERVICE_UNAVAILABLE, StatusCode::CREATED], "full").await;
        refused += statuses.iter().filter(|s| **s == StatusCode::SERVICE_UNAVAILABLE).count();
        if w % 5 == 4 && subs.health().await == StatusCode::SERVICE_UNAVAILABLE {
            unhealthy += 1;
        }
    }
    assert!(refused >= 45, "only {refused} of 60 submissions refused while the disk was full");
    assert!(unhealthy >= 1, "/healthz never said 503 while the disk was full");

    // Space again: without a restart, writes succeed again (looked for in bounded waves).
    if let Some(mut conn) = reader {
        sqlx::query("COMMIT").execute(&mut conn).await.unwrap();
        sqlx::Connection::close(conn).await.unwrap();
    }
    std::fs::remove_file(&filler).unwrap();
    let resumed = subs
        .until("d", |s| s.iter().all(|s| *s == StatusCode::CREATED), || {})
        .await
        .expect("writes did not resume in 100 waves after space was freed");
    for w in 0..5 {
        subs.wave(&format!("e{w}"), &[StatusCode::CREATED], "after").await;
    }
    let mut healthy = false;
    for _ in 0..100 {
        if subs.health().await == StatusCode::OK {
            healthy = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(healthy, "/healthz did not say 200 again in 10 s after space was freed");

    let Submissions { acked, numbers_given, .. } = subs;
    assert_eq!(numbers_given, acked.len());
    all_readable(&server, &acked, "while serving").await;
    server.kill();
    let server = start_server(&url).await;
    all_readable(&server, &acked, "after a restart").await;
    server.kill();

    // Stored are exactly the acknowledged ones, and the record chains verify.
    let export = youyue(&url, &["export"]);
    assert!(export.status.success(), "{export:?}");
    let stored: BTreeSet<String> = String::from_utf8(export.stdout)
        .unwrap()
        .lines()
        .filter_map(|l| serde_json::from_str::<Value>(l).ok())
        .filter(|v| v["type"] == "case" && v["description"].as_str().is_some_and(|d| d.starts_with("满盘测试")))
        .map(|v| v["number"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(stored, acked.keys().cloned().collect::<BTreeSet<_>>(), "stored cases are the acknowledged ones");
    let verify = youyue(&url, &["verify"]);
    assert!(String::from_utf8_lossy(&verify.stdout).contains("all intact"), "{verify:?}");
    eprintln!(
        "full disk ({backend:?}): {filled} bytes of filler, first refusal in wave {refused_first}, {refused} of 60 \
         refused while full, writes resumed in wave {resumed} after freeing, {} acknowledged and all stored",
        acked.len()
    );
    drop(tablespace);
    drop(fs);
}
both!(full_disk_acknowledges_only_what_it_stores);
