//! `youyue-bench`: generate a province (`gen`), get a staff token (`token`), wait for a
//! server (`wait`), find a free port (`free-port`) and measure it (`run`).

use anyhow::{bail, Context, Result};
use chrono::NaiveDate;
use clap::{Parser, Subcommand};
use std::io::Write;
use std::time::Duration;
use youyue_bench::gen::{self, GenOptions};
use youyue_bench::load::{self, RunOptions, Scenario};
use youyue_bench::report;

#[derive(Parser)]
#[command(name = "youyue-bench", version, about = "youyue's benchmark suite: data generator and HTTP load runner")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Writes a province as `youyue import` JSON Lines to standard output (deterministic).
    Gen {
        /// Number of cases.
        #[arg(long, default_value_t = 10_000)]
        cases: u64,
        /// Number of enterprise unions (each with a studio).
        #[arg(long, default_value_t = 2000)]
        unions: u32,
        /// Number of district unions below the province.
        #[arg(long, default_value_t = 100)]
        districts: u32,
        /// Street unions per district.
        #[arg(long, default_value_t = 5)]
        streets: u32,
        #[arg(long, default_value_t = 1)]
        seed: u64,
        /// Last day of the data, YYYY-MM-DD (China time).
        #[arg(long, default_value = "2026-11-30")]
        end: NaiveDate,
        /// Years of cases up to --end.
        #[arg(long, default_value_t = 10)]
        years: u32,
        /// Also write every case's record book (about 5 `record` lines a case).
        #[arg(long)]
        records: bool,
    },
    /// Logs in with a staff account and prints a new API token.
    Token {
        #[arg(long)]
        url: String,
        #[arg(long)]
        username: String,
        /// The password (default: environment BENCH_PASSWORD).
        #[arg(long, env = "BENCH_PASSWORD", hide_env_values = true)]
        password: String,
    },
    /// Polls a URL until it answers 200 and prints the milliseconds it took.
    Wait {
        #[arg(long)]
        url: String,
        /// Count from this moment (Unix time in seconds, e.g. `date +%s.%N`) rather than
        /// from the start of the wait.
        #[arg(long)]
        since: Option<f64>,
        #[arg(long, default_value_t = 300)]
        timeout_seconds: u64,
        /// Give up as soon as this process (the server) has ended.
        #[arg(long)]
        pid: Option<u32>,
    },
    /// Prints a TCP port on 127.0.0.1 that is free now.
    FreePort,
    /// Runs the scenarios against a server and prints a Markdown table.
    Run {
        /// The server, e.g. http://127.0.0.1:8080
        #[arg(long)]
        url: String,
        /// The server's process id, for its memory (VmRSS) and CPU time.
        #[arg(long)]
        pid: Option<u32>,
        /// A staff API token (`youyue-bench token`); the scenarios see what its account sees.
        #[arg(long, env = "BENCH_TOKEN", hide_env_values = true)]
        token: String,
        /// Comma-separated: floor, healthz, intake, inbox, case, action, dashboard_district,
        /// dashboard_tree, search; or all.
        #[arg(long, default_value = "all")]
        scenarios: String,
        /// Comma-separated numbers of concurrent clients.
        #[arg(long, default_value = "1,16,64")]
        concurrency: String,
        /// Seconds per scenario and concurrency.
        #[arg(long, default_value_t = 5.0)]
        seconds: f64,
        /// The dashboard's period (default: the previous calendar year).
        #[arg(long)]
        from: Option<NaiveDate>,
        #[arg(long)]
        to: Option<NaiveDate>,
        /// Write the results as JSON here.
        #[arg(long)]
        out: Option<String>,
        /// Write the Markdown here too.
        #[arg(long)]
        markdown: Option<String>,
        #[arg(long, default_value_t = 1)]
        seed: u64,
        /// Also measure the floor of a durable write (`insert_floor`, see `floor.rs`) in
        /// this database: `sqlite://FILE` (created) or a PostgreSQL URL (a table created
        /// and dropped).
        #[arg(long)]
        insert_floor_db: Option<String>,
    },
}

fn main() -> std::process::ExitCode {
    match real_main() {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("youyue-bench: {e:#}");
            std::process::ExitCode::FAILURE
        }
    }
}

fn runtime() -> Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_multi_thread().enable_all().build().context("starting the runtime")
}

fn real_main() -> Result<()> {
    let cli = Cli::parse();
    match cli.command {
        Command::Gen { cases, unions, districts, streets, seed, end, years, records } => {
            let opts =
                GenOptions { cases, unions, districts, streets_per_district: streets, seed, end, years, records };
            let started = std::time::Instant::now();
            let stdout = std::io::stdout();
            let mut out = std::io::BufWriter::with_capacity(1 << 20, stdout.lock());
            let sum = gen::generate(&opts, &mut out)?;
            out.flush()?;
            eprintln!(
                "generated {} unions, {} users, {} cases ({} registered, {} accepted, {} in progress, {} resolved, {} explained), {} record entries, {} to {}, in {:.1} s",
                sum.unions,
                sum.users,
                sum.cases,
                sum.by_status[0],
                sum.by_status[1],
                sum.by_status[2],
                sum.by_status[3],
                sum.by_status[4],
                sum.records,
                sum.first_day,
                sum.last_day,
                started.elapsed().as_secs_f64()
            );
            Ok(())
        }
        Command::Token { url, username, password } => {
            let token = runtime()?.block_on(load::create_token(&url, &username, &password))?;
            println!("{token}");
            Ok(())
        }
        Command::Wait { url, since, timeout_seconds, pid } => {
            let waited = runtime()?.block_on(load::wait_ready(&url, pid, Duration::from_secs(timeout_seconds)))?;
            let ms = match since {
                Some(t0) => {
                    let now = std::time::SystemTime::now()
                        .duration_since(std::time::UNIX_EPOCH)
                        .context("the clock is before 1970")?
                        .as_secs_f64();
                    (now - t0) * 1000.0
                }
                None => waited.as_secs_f64() * 1000.0,
            };
            println!("{ms:.0}");
            Ok(())
        }
        Command::FreePort => {
            let l = std::net::TcpListener::bind("127.0.0.1:0").context("binding 127.0.0.1:0")?;
            println!("{}", l.local_addr()?.port());
            Ok(())
        }
        Command::Run {
            url,
            pid,
            token,
            scenarios,
            concurrency,
            seconds,
            from,
            to,
            out,
            markdown,
            seed,
            insert_floor_db,
        } => {
            let concurrency: Vec<usize> = concurrency
                .split(',')
                .map(|c| c.trim().parse::<usize>().with_context(|| format!("--concurrency: \"{c}\" is not a number")))
                .collect::<Result<_>>()?;
            if seconds.is_nan() || seconds <= 0.0 {
                bail!("--seconds must be more than 0");
            }
            let opts = RunOptions {
                url,
                token,
                pid,
                scenarios: Scenario::parse_list(&scenarios)?,
                concurrency,
                seconds,
                from,
                to,
                seed,
                settle: Duration::from_millis(500),
            };
            let show = |c: &load::Cell| {
                eprintln!(
                    "{:<18} c={:<3} {:>8} requests {:>6} errors {:>9.1} req/s  p50 {:>9.2} ms  p99 {:>9.2} ms",
                    c.scenario, c.concurrency, c.requests, c.errors, c.rps, c.p50_ms, c.p99_ms
                );
            };
            let rt = runtime()?;
            let mut report = rt.block_on(load::run(&opts, show))?;
            if let Some(db) = insert_floor_db {
                let cells = rt.block_on(youyue_bench::floor::insert_floor(&db, &opts.concurrency, seconds))?;
                cells.iter().for_each(show);
                report.scenarios.push(load::ScenarioInfo {
                    name: "insert_floor".into(),
                    what:
                        "one case-shaped row inserted and committed alone, same durability, no HTTP (the write floor)"
                            .into(),
                });
                report.cells.extend(cells);
            }
            let md = report::markdown(&report);
            println!("{md}");
            if let Some(path) = out {
                std::fs::write(&path, serde_json::to_string_pretty(&report)? + "\n")
                    .with_context(|| format!("writing {path}"))?;
            }
            if let Some(path) = markdown {
                std::fs::write(&path, &md).with_context(|| format!("writing {path}"))?;
            }
            let errors: u64 = report.cells.iter().map(|c| c.errors).sum();
            if errors > 0 {
                eprintln!("youyue-bench: {errors} requests failed (see the errors column and the samples)");
            }
            Ok(())
        }
    }
}
