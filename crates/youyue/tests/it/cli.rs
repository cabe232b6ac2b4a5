//! The binary's contracts, run as a user runs them: `import`, `export`, `stats`, `serve`.

use crate::figures::figures_jsonl;
use crate::harness::{Backend, TestDb};
use std::io::Write;
use std::process::{Command, Stdio};

fn youyue(db: &str, args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_youyue")).arg("--db").arg(db).args(args).env_remove("YOUYUE_DB").output().unwrap()
}

fn ok(out: &std::process::Output) -> String {
    assert!(out.status.success(), "stderr: {}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8(out.stdout.clone()).unwrap()
}

async fn import_export_stats_commands(backend: Backend) {
    let db = TestDb::new(backend).await;
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("district.jsonl");
    std::fs::write(&file, figures_jsonl()).unwrap();
    ok(&youyue(&db.url, &["import", file.to_str().unwrap()]));

    let json: serde_json::Value = serde_json::from_str(&ok(&youyue(
        &db.url,
        &["stats", "--union", "jd", "--from", "2022-01-01", "--to", "2022-12-31", "--json"],
    )))
    .unwrap();
    assert_eq!(json["studios"], 2);
    assert_eq!(json["disputes_mediated"], 2);
    assert_eq!(json["people_involved"], 5);
    assert_eq!(json["amount_recovered"], "1350.55");
    assert_eq!(json["claims_resolved"], 2);
    assert_eq!(json["suggestions"], 3);
    assert_eq!(json["suggestions_adopted"], 1);
    assert_eq!(json["opened_by_kind"]["dispute"], 4);
    let text = ok(&youyue(&db.url, &["stats", "--union", "jd", "--from", "2022-01-01", "--to", "2022-12-31"]));
    assert!(text.contains("1350.55"), "{text}");

    // Export to standard output and to a file give the same lines; importing from
    // standard input into a fresh database of the other kind reproduces the figures.
    let exported = ok(&youyue(&db.url, &["export"]));
    let out = dir.path().join("out.jsonl");
    ok(&youyue(&db.url, &["export", out.to_str().unwrap()]));
    assert_eq!(std::fs::read_to_string(&out).unwrap(), exported);
    let other = TestDb::new(if backend == Backend::Sqlite { Backend::Postgres } else { Backend::Sqlite }).await;
    let mut child = Command::new(env!("CARGO_BIN_EXE_youyue"))
        .args(["--db", &other.url, "import", "-"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child.stdin.take().unwrap().write_all(exported.as_bytes()).unwrap();
    ok(&child.wait_with_output().unwrap());
    assert_eq!(ok(&youyue(&other.url, &["export", "-"])), exported);
    let again =
        ok(&youyue(&other.url, &["stats", "--union", "jd", "--from", "2022-01-01", "--to", "2022-12-31", "--json"]));
    assert_eq!(serde_json::from_str::<serde_json::Value>(&again).unwrap(), json);

    // A bad file: a non-zero exit, the line number and the reason, nothing written.
    let fresh = TestDb::new(backend).await;
    let bad = dir.path().join("bad.jsonl");
    let text = figures_jsonl().replacen("\"reception\"", "\"pigeon\"", 1);
    std::fs::write(&bad, &text).unwrap();
    let out = youyue(&fresh.url, &["import", bad.to_str().unwrap()]);
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    let bad_line = text.lines().position(|l| l.contains("pigeon")).unwrap() + 1;
    assert!(err.contains(&format!("line {bad_line}: channel")), "{err}");
    assert!(err.contains("nothing was written"), "{err}");
    assert_eq!(ok(&youyue(&fresh.url, &["export"])), "");
    // Bad arguments are named.
    let out = youyue(&db.url, &["stats", "--union", "jd", "--from", "2022-13-01", "--to", "2022-12-31"]);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("--from"));
    let out = youyue(&db.url, &["stats", "--union", "nowhere", "--from", "2022-01-01", "--to", "2022-12-31"]);
    assert!(String::from_utf8_lossy(&out.stderr).contains("--union"));
    let out = youyue("mysql://x", &["export"]);
    assert!(String::from_utf8_lossy(&out.stderr).contains("sqlite://"));
}
both!(import_export_stats_commands);

/// `youyue serve --demo` on a fresh SQLite file: the demo is seeded once, passwords are
/// printed, /healthz answers, and a second start leaves the data alone.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn serve_with_demo() {
    let dir = tempfile::tempdir().unwrap();
    let db = format!("sqlite://{}", dir.path().join("new.db").display());
    for round in 0..2 {
        let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
        let mut child = Command::new(env!("CARGO_BIN_EXE_youyue"))
            .args(["--db", &db, "serve", "--demo", "--listen", &format!("127.0.0.1:{port}")])
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let client = reqwest::Client::new();
        let mut healthy = false;
        for _ in 0..600 {
            if let Ok(r) = client.get(format!("http://127.0.0.1:{port}/healthz")).send().await {
                healthy = r.status().is_success();
                break;
            }
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        }
        child.kill().unwrap();
        let out = child.wait_with_output().unwrap();
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert!(healthy, "round {round}: /healthz never answered; stdout: {stdout}");
        if round == 0 {
            assert!(stdout.contains("admin"), "{stdout}");
            assert!(stdout.contains("e1reception"), "{stdout}");
            assert!(stdout.contains("tracking code"), "{stdout}");
        } else {
            assert!(stdout.contains("not empty"), "{stdout}");
        }
    }
    let exported = ok(&youyue(&db, &["export"]));
    assert_eq!(exported.lines().filter(|l| l.contains("\"type\":\"case\"")).count(), 8);
}
