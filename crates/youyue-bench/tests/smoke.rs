//! The benchmark's short run, so that it never rots: generate a tiny province, import it
//! with the real `youyue` binary, serve it, and run every scenario for about a second at
//! concurrency 2. It asserts that every request succeeded and that figures came out —
//! never how fast anything was.
//!
//! The `youyue` binary belongs to another package, whose `CARGO_BIN_EXE_youyue` this test
//! cannot see. It asks cargo for it with the command that CI runs,
//! `cargo test --workspace --no-run --message-format=json`, using the cargo that builds
//! this test (`env!("CARGO")`) in the same profile, and takes the executable's path from
//! cargo's own report. Under `cargo test --workspace` everything is built already with the
//! same features, so this is a no-op (a narrower `cargo build -p youyue` would unify
//! features differently and compile a second copy of the dependencies); under
//! `cargo test -p youyue-bench` the workspace's tests are built first. `YOUYUE_BIN`
//! overrides it.

// The helpers outside #[test] functions fail the test the same way the tests do.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::Duration;
use youyue_bench::gen::{self, GenOptions};
use youyue_bench::load::{self, RunOptions, Scenario};

fn youyue_bin() -> PathBuf {
    if let Ok(p) = std::env::var("YOUYUE_BIN") {
        return p.into();
    }
    let mut cmd = Command::new(env!("CARGO"));
    cmd.args(["test", "--workspace", "--no-run", "--message-format=json-render-diagnostics"]);
    if !cfg!(debug_assertions) {
        cmd.arg("--release");
    }
    let out = cmd.current_dir(env!("CARGO_MANIFEST_DIR")).stderr(Stdio::piped()).output().unwrap();
    assert!(out.status.success(), "cargo test --workspace --no-run failed:\n{}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
        .filter(|m| {
            m["reason"] == "compiler-artifact"
                && m["target"]["name"] == "youyue"
                && m["target"]["kind"] == serde_json::json!(["bin"])
                && m["profile"]["test"] == false
        })
        .find_map(|m| m["executable"].as_str().map(PathBuf::from))
        .expect("cargo reported no youyue executable")
}

/// The server, killed when the test ends however it ends.
struct Server(Child);

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

#[test]
fn every_scenario_runs_without_errors() {
    let bin = youyue_bin();
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("province.jsonl");
    let db = format!("sqlite://{}", dir.path().join("bench.db").display());

    let opts = GenOptions {
        cases: 300,
        unions: 12,
        districts: 2,
        streets_per_district: 2,
        records: true,
        ..Default::default()
    };
    let mut file = std::io::BufWriter::new(std::fs::File::create(&data).unwrap());
    let sum = gen::generate(&opts, &mut file).unwrap();
    drop(file);
    assert_eq!(sum.cases, 300);

    let import = Command::new(&bin).args(["--db", &db, "import"]).arg(&data).output().unwrap();
    let said = String::from_utf8_lossy(&import.stderr);
    assert!(import.status.success(), "import failed: {said}");
    assert!(said.contains("cases 300 new"), "{said}");
    assert!(!said.contains("break the workflow"), "generated cases break the workflow's rules: {said}");

    let password = "bench-password-0123";
    let add = Command::new(&bin)
        .args([
            "--db",
            &db,
            "add-user",
            "bench.admin",
            "--name",
            "压测管理员",
            "--union",
            gen::TOP_CODE,
            "--role",
            "admin",
        ])
        .env("YOUYUE_PASSWORD", password)
        .output()
        .unwrap();
    assert!(add.status.success(), "add-user failed: {}", String::from_utf8_lossy(&add.stderr));

    let child = Command::new(&bin)
        .args(["--db", &db, "serve", "--listen", "127.0.0.1:0", "--submissions-per-minute", "100000000"])
        .env("YOUYUE_LOG", "warn")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut server = Server(child);
    let pid = server.0.id();
    let mut lines = BufReader::new(server.0.stdout.take().unwrap()).lines();
    let url = loop {
        let line = lines.next().expect("the server ended before saying where it serves").unwrap();
        if let Some(rest) = line.split("serving on ").nth(1) {
            break rest.trim().to_owned();
        }
    };

    let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
    let mut report = rt.block_on(async {
        load::wait_ready(&format!("{url}/healthz"), Some(pid), Duration::from_secs(60)).await.unwrap();
        let token = load::create_token(&url, "bench.admin", password).await.unwrap();
        let opts = RunOptions {
            url: url.clone(),
            token,
            pid: Some(pid),
            scenarios: Scenario::ALL.to_vec(),
            concurrency: vec![2],
            seconds: 1.0,
            from: None,
            to: None,
            seed: 1,
            settle: Duration::from_millis(50),
        };
        let mut report = load::run(&opts, |_| {}).await.unwrap();
        // The write floor, in a file of its own.
        let floor_db = format!("sqlite://{}", dir.path().join("floor.db").display());
        report.cells.extend(youyue_bench::floor::insert_floor(&floor_db, &[1, 2], 0.5).await.unwrap());
        report
    });
    let table = youyue_bench::report::markdown(&report);
    let floors: Vec<_> = report.cells.iter().filter(|c| c.scenario == "insert_floor").collect();
    assert_eq!(floors.len(), 2, "{table}");
    assert!(floors.iter().all(|c| c.errors == 0 && c.requests > 0 && c.p50_ms <= c.p99_ms), "{table}");
    // Each scenario measured against its floor: the writes against the insert, the rest
    // against the static file.
    assert!(table.contains("| intake | 2 | insert_floor |") && table.contains("| case | 2 | floor |"), "{table}");
    report.cells.retain(|c| c.scenario != "insert_floor");
    assert_eq!(report.cells.len(), Scenario::ALL.len());
    for c in &report.cells {
        assert_eq!(c.errors, 0, "{} had errors:\n{table}", c.scenario);
        assert!(c.requests > 0 && c.rps > 0.0 && c.max_ms > 0.0, "{} produced no figures:\n{table}", c.scenario);
        assert!(c.p50_ms <= c.p99_ms && c.p99_ms <= c.max_ms, "{table}");
        assert!(c.rss_idle_kib.is_some_and(|k| k > 0) && c.rss_peak_kib.is_some(), "{table}");
        assert!(c.server_cpu_pct.is_some(), "{table}");
    }
    assert_eq!(report.fixture.districts, 2);
    assert!(table.contains("| dashboard_tree | 2 |"), "{table}");
}

#[test]
fn the_generator_is_deterministic() {
    let opts = GenOptions { cases: 500, unions: 10, districts: 2, records: true, ..Default::default() };
    let mut a = Vec::new();
    let mut b = Vec::new();
    gen::generate(&opts, &mut a).unwrap();
    gen::generate(&opts, &mut b).unwrap();
    assert_eq!(a, b);
    let mut c = Vec::new();
    gen::generate(&GenOptions { seed: 2, ..opts.clone() }, &mut c).unwrap();
    assert_ne!(a, c);
    // The record books add lines and change none of the others.
    let mut d = Vec::new();
    gen::generate(&GenOptions { records: false, ..opts }, &mut d).unwrap();
    let without_records: Vec<&str> =
        std::str::from_utf8(&a).unwrap().lines().filter(|l| !l.starts_with(r#"{"type":"record""#)).collect();
    assert_eq!(without_records, std::str::from_utf8(&d).unwrap().lines().collect::<Vec<_>>());
}

/// Every line is one `youyue import` reads, and every case keeps the workflow's rules and
/// the order of its times (checked with the domain's own parser).
#[test]
fn every_line_is_what_import_reads() {
    use youyue_domain::exchange::Line;
    let opts = GenOptions { cases: 4000, unions: 40, districts: 3, records: true, ..Default::default() };
    let mut out = Vec::new();
    gen::generate(&opts, &mut out).unwrap();
    let text = String::from_utf8(out).unwrap();
    let (mut cases, mut records) = (0, 0);
    let mut numbers = std::collections::HashSet::new();
    for (i, line) in text.lines().enumerate() {
        match Line::parse(line).unwrap_or_else(|e| panic!("line {}: {e}\n{line}", i + 1)) {
            Line::Case(c) => {
                cases += 1;
                c.check_workflow().unwrap_or_else(|e| panic!("line {}: {e}\n{line}", i + 1));
                assert!(numbers.insert(c.number.to_string()), "{line}");
                assert_eq!(c.number.year(), c.opened_at.to_cst().format("%Y").to_string().parse::<i32>().unwrap());
                if let Some(a) = c.accepted_at {
                    assert!(a > c.opened_at && c.due_on.is_some_and(|d| d >= a.cst_date()), "{line}");
                }
                if let Some(closed) = c.closed_at {
                    assert!(c.accepted_at.is_none_or(|a| closed > a), "{line}");
                    assert!(c.resolution.is_some() || c.explanation.is_some(), "{line}");
                }
                if c.rating.is_some() {
                    assert!(c.rated_at > c.closed_at, "{line}");
                }
                if c.status == youyue_domain::Status::InProgress {
                    assert!(c.handler.is_some(), "{line}");
                }
            }
            Line::Record(_) => records += 1,
            _ => {}
        }
    }
    assert_eq!(cases, 4000);
    assert!(records > 4 * cases, "{records} record entries for {cases} cases");
}
