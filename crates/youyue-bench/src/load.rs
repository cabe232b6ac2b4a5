//! The load runner: for each scenario and concurrency, `c` client tasks, each with its own
//! keep-alive connection, send requests back to back for a fixed time. Every response is
//! read to its end; a non-2xx answer or a transport failure is an error, counted and kept
//! as a sample, never dropped. Latencies are of every request, errors included.

use crate::procfs;
use crate::rng::Rng;
use crate::texts;
use anyhow::{bail, Context, Result};
use chrono::{Datelike, NaiveDate};
use reqwest::{Method, Url};
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use std::collections::BTreeMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Scenario {
    Floor,
    Healthz,
    Intake,
    Inbox,
    Case,
    Action,
    DashboardDistrict,
    DashboardTree,
    Search,
}

impl Scenario {
    pub const ALL: [Scenario; 9] = [
        Scenario::Floor,
        Scenario::Healthz,
        Scenario::Intake,
        Scenario::Inbox,
        Scenario::Case,
        Scenario::Action,
        Scenario::DashboardDistrict,
        Scenario::DashboardTree,
        Scenario::Search,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Scenario::Floor => "floor",
            Scenario::Healthz => "healthz",
            Scenario::Intake => "intake",
            Scenario::Inbox => "inbox",
            Scenario::Case => "case",
            Scenario::Action => "action",
            Scenario::DashboardDistrict => "dashboard_district",
            Scenario::DashboardTree => "dashboard_tree",
            Scenario::Search => "search",
        }
    }

    /// What the scenario sends, for the report.
    pub fn what(self) -> &'static str {
        match self {
            Scenario::Floor => "GET /static/app.css (embedded stylesheet: the HTTP stack and middleware, no database)",
            Scenario::Healthz => "GET /healthz (one database ping)",
            Scenario::Intake => "POST /api/v1/public/cases (a worker's online submission to an enterprise studio)",
            Scenario::Inbox => {
                "GET /api/v1/cases first page, rotating: open=true&union=<enterprise>; status=registered&union=<district>; kind=dispute&status=in_progress&union=<district>; status=registered (whole province)"
            }
            Scenario::Case => "GET /api/v1/cases/{n} and GET /api/v1/cases/{n}/record, alternately, on known cases",
            Scenario::Action => {
                "POST /api/v1/cases/{n}/notes (internal note); each client slot on its own cases, so no version conflicts"
            }
            Scenario::DashboardDistrict => "GET /api/v1/dashboard?union=<district>&from&to over one year",
            Scenario::DashboardTree => "GET /api/v1/dashboard?union=<province>&from&to over one year",
            Scenario::Search => "GET /api/v1/cases?q=工资 (text filter, whole province, first page)",
        }
    }

    pub fn parse(s: &str) -> Option<Scenario> {
        Scenario::ALL.iter().copied().find(|x| x.name() == s)
    }

    /// Comma-separated names; `all` for every scenario.
    pub fn parse_list(s: &str) -> Result<Vec<Scenario>> {
        if s.trim() == "all" {
            return Ok(Scenario::ALL.to_vec());
        }
        s.split(',')
            .map(str::trim)
            .filter(|x| !x.is_empty())
            .map(|x| {
                Scenario::parse(x).with_context(|| {
                    let names: Vec<&str> = Scenario::ALL.iter().map(|s| s.name()).collect();
                    format!("unknown scenario \"{x}\" (one of: all, {})", names.join(", "))
                })
            })
            .collect()
    }
}

/// What the scenarios need to know of the data set, found through the API.
#[derive(Debug, Clone, Serialize)]
pub struct Fixture {
    /// The caller's own union (the province for an administrator on it).
    pub top: String,
    pub districts: Vec<String>,
    /// Unions with a studio and no union below them.
    pub enterprises: Vec<String>,
    /// Numbers of existing cases, from several places in the list.
    pub cases: Vec<String>,
    pub cases_total: i64,
    pub from: NaiveDate,
    pub to: NaiveDate,
}

#[derive(Debug, Clone)]
pub struct RunOptions {
    pub url: String,
    pub token: String,
    /// The server's process id, for its memory and CPU time.
    pub pid: Option<u32>,
    pub scenarios: Vec<Scenario>,
    pub concurrency: Vec<usize>,
    pub seconds: f64,
    /// The dashboard's period; by default the previous calendar year.
    pub from: Option<NaiveDate>,
    pub to: Option<NaiveDate>,
    pub seed: u64,
    /// Pause before each cell, after which the idle memory is read.
    pub settle: Duration,
}

/// One scenario at one concurrency.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Cell {
    pub scenario: String,
    pub concurrency: usize,
    pub seconds: f64,
    pub requests: u64,
    pub errors: u64,
    /// Errors by HTTP status (or "transport").
    pub error_statuses: BTreeMap<String, u64>,
    /// The first few error answers, for the report.
    pub error_samples: Vec<String>,
    pub rps: f64,
    pub mean_ms: f64,
    pub p50_ms: f64,
    pub p99_ms: f64,
    pub max_ms: f64,
    pub rss_idle_kib: Option<u64>,
    pub rss_peak_kib: Option<u64>,
    /// The server's CPU time over the cell's wall time (200 % = both cores of two).
    pub server_cpu_pct: Option<f64>,
    /// The same for this load runner, which shares the machine.
    pub runner_cpu_pct: Option<f64>,
}

#[derive(Debug, Clone, Serialize)]
pub struct RunReport {
    pub url: String,
    pub seconds_per_cell: f64,
    pub concurrency: Vec<usize>,
    pub fixture: FixtureSummary,
    pub scenarios: Vec<ScenarioInfo>,
    pub cells: Vec<Cell>,
}

#[derive(Debug, Clone, Serialize)]
pub struct ScenarioInfo {
    pub name: String,
    pub what: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct FixtureSummary {
    pub top: String,
    pub districts: usize,
    pub enterprises: usize,
    pub known_cases: usize,
    pub cases_total: i64,
    pub from: NaiveDate,
    pub to: NaiveDate,
}

fn client(timeout: Duration) -> Result<reqwest::Client> {
    reqwest::Client::builder()
        .timeout(timeout)
        .pool_max_idle_per_host(1)
        .tcp_nodelay(true)
        .build()
        .context("building the HTTP client")
}

async fn get_json(client: &reqwest::Client, url: Url, token: &str) -> Result<Value> {
    let resp = client.get(url.clone()).bearer_auth(token).send().await.with_context(|| format!("GET {url}"))?;
    let status = resp.status();
    let body = resp.text().await.with_context(|| format!("reading GET {url}"))?;
    if !status.is_success() {
        bail!("GET {url}: {status}: {}", body.chars().take(300).collect::<String>());
    }
    serde_json::from_str(&body).with_context(|| format!("GET {url}: not JSON"))
}

/// Finds the caller's union, the districts and enterprises below it, and case numbers.
pub async fn discover(base: &Url, token: &str, from: Option<NaiveDate>, to: Option<NaiveDate>) -> Result<Fixture> {
    let client = client(Duration::from_secs(300))?;
    let me = get_json(&client, base.join("api/v1/me")?, token).await.context("who the token belongs to")?;
    let top = me["union"].as_str().context("/api/v1/me has no union")?.to_owned();
    let unions = get_json(&client, base.join("api/v1/unions")?, token).await?;
    let unions = unions.as_array().context("/api/v1/unions is not a list")?;
    let top_depth = unions.iter().find(|u| u["code"] == top.as_str()).and_then(|u| u["depth"].as_i64()).unwrap_or(0);
    let parents: std::collections::HashSet<&str> = unions.iter().filter_map(|u| u["parent"].as_str()).collect();
    let mut districts = Vec::new();
    let mut enterprises = Vec::new();
    for u in unions {
        let Some(code) = u["code"].as_str() else { continue };
        if u["depth"].as_i64() == Some(top_depth + 1) {
            districts.push(code.to_owned());
        }
        if u["studio_opened_on"].is_string() && !parents.contains(code) {
            enterprises.push(code.to_owned());
        }
    }
    if districts.is_empty() {
        districts.push(top.clone());
    }
    if enterprises.is_empty() {
        bail!("no union with a studio below {top}: the intake scenario has nowhere to submit");
    }

    // Case numbers from the newest page and pages spread over the whole list.
    let mut list = base.join("api/v1/cases")?;
    list.query_pairs_mut().append_pair("per_page", "200");
    let first = get_json(&client, list.clone(), token).await?;
    let total = first["total"].as_i64().unwrap_or(0);
    let pages = (total + 199) / 200;
    let mut cases: Vec<String> = Vec::new();
    let mut take = |v: &Value| {
        for c in v["cases"].as_array().into_iter().flatten() {
            if let Some(n) = c["number"].as_str() {
                cases.push(n.to_owned());
            }
        }
    };
    take(&first);
    let mut seen_pages = vec![1];
    for f in [0.25, 0.5, 0.75, 1.0] {
        let p = ((pages as f64 * f).ceil() as i64).max(1);
        if seen_pages.contains(&p) {
            continue;
        }
        seen_pages.push(p);
        let mut u = list.clone();
        u.query_pairs_mut().append_pair("page", &p.to_string());
        take(&get_json(&client, u, token).await?);
    }
    cases.sort();
    cases.dedup();
    if cases.is_empty() {
        bail!("the token's union {top} has no cases: import a data set first");
    }
    let last_year = chrono::Utc::now().year() - 1;
    let from = from.or_else(|| NaiveDate::from_ymd_opt(last_year, 1, 1)).context("--from")?;
    let to = to.or_else(|| NaiveDate::from_ymd_opt(last_year, 12, 31)).context("--to")?;
    Ok(Fixture { top, districts, enterprises, cases, cases_total: total, from, to })
}

/// What one request is.
struct Req {
    method: Method,
    url: Url,
    body: Option<Value>,
    /// Public requests carry no token.
    auth: bool,
}

struct Slot {
    slot: usize,
    slots: usize,
    rng: Rng,
    n: u64,
}

impl Slot {
    fn next(&mut self, scenario: Scenario, base: &Url, fx: &Fixture) -> Result<Req> {
        let k = self.n;
        self.n += 1;
        let get = |url: Url| Req { method: Method::GET, url, body: None, auth: true };
        let url_with = |path: &str, params: &[(&str, &str)]| -> Result<Url> {
            let mut u = base.join(path)?;
            if !params.is_empty() {
                let mut q = u.query_pairs_mut();
                for (a, b) in params {
                    q.append_pair(a, b);
                }
            }
            Ok(u)
        };
        let from = fx.from.to_string();
        let to = fx.to.to_string();
        Ok(match scenario {
            Scenario::Floor => Req { auth: false, ..get(url_with("static/app.css", &[])?) },
            Scenario::Healthz => Req { auth: false, ..get(url_with("healthz", &[])?) },
            Scenario::Intake => {
                let union = self.rng.pick(&fx.enterprises).clone();
                let ind = self.rng.pick(texts::INDUSTRIES);
                let kind = ["claim", "dispute", "wellbeing", "suggestion"][self.rng.below(4) as usize];
                let story = match kind {
                    "claim" => texts::claim(&mut self.rng, ind, "我们公司", 1),
                    "dispute" => texts::dispute(&mut self.rng, ind, "我们公司", 1),
                    "wellbeing" => texts::wellbeing(&mut self.rng, ind),
                    _ => texts::suggestion(&mut self.rng, ind),
                };
                let mut body = json!({"union": union, "kind": kind, "description": story.description});
                if self.rng.chance(0.5) {
                    body["title"] = story.title.into();
                }
                if self.rng.chance(0.6) {
                    body["worker_name"] = texts::informal_name(&mut self.rng).into();
                    body["contact"] = texts::phone(&mut self.rng).into();
                } else {
                    body["anonymous"] = true.into();
                }
                Req { method: Method::POST, url: url_with("api/v1/public/cases", &[])?, body: Some(body), auth: false }
            }
            Scenario::Inbox => {
                let district = self.rng.pick(&fx.districts).clone();
                let enterprise = self.rng.pick(&fx.enterprises).clone();
                let url = match k % 4 {
                    0 => url_with("api/v1/cases", &[("open", "true"), ("union", &enterprise)])?,
                    1 => url_with("api/v1/cases", &[("status", "registered"), ("union", &district)])?,
                    2 => url_with(
                        "api/v1/cases",
                        &[("kind", "dispute"), ("status", "in_progress"), ("union", &district)],
                    )?,
                    _ => url_with("api/v1/cases", &[("status", "registered")])?,
                };
                get(url)
            }
            Scenario::Case => {
                let i = ((k / 2) as usize * self.slots + self.slot) % fx.cases.len();
                let n = &fx.cases[i];
                if k.is_multiple_of(2) {
                    get(url_with(&format!("api/v1/cases/{n}"), &[])?)
                } else {
                    get(url_with(&format!("api/v1/cases/{n}/record"), &[])?)
                }
            }
            Scenario::Action => {
                // Slot s uses cases s, s + c, s + 2c…: two slots never write the same case.
                let own = fx.cases.len().div_ceil(self.slots).max(1);
                let i = (self.slot + self.slots * (k as usize % own)) % fx.cases.len();
                let n = &fx.cases[i];
                let text = format!("压测记录 {k}：{}", self.rng.pick(texts::NOTES));
                Req {
                    method: Method::POST,
                    url: url_with(&format!("api/v1/cases/{n}/notes"), &[])?,
                    body: Some(json!({"text": text, "internal": true})),
                    auth: true,
                }
            }
            Scenario::DashboardDistrict => {
                let d = self.rng.pick(&fx.districts).clone();
                get(url_with("api/v1/dashboard", &[("union", &d), ("from", &from), ("to", &to)])?)
            }
            Scenario::DashboardTree => {
                get(url_with("api/v1/dashboard", &[("union", &fx.top), ("from", &from), ("to", &to)])?)
            }
            Scenario::Search => get(url_with("api/v1/cases", &[("q", "工资")])?),
        })
    }
}

#[derive(Default)]
struct SlotResult {
    micros: Vec<u64>,
    errors: u64,
    statuses: BTreeMap<String, u64>,
    samples: Vec<String>,
}

async fn run_slot(
    scenario: Scenario,
    base: Url,
    token: Arc<str>,
    fx: Arc<Fixture>,
    mut slot: Slot,
    deadline: Instant,
) -> Result<SlotResult> {
    let client = client(Duration::from_secs(120))?;
    let mut out = SlotResult::default();
    while Instant::now() < deadline {
        let req = slot.next(scenario, &base, &fx)?;
        let mut b = client.request(req.method.clone(), req.url.clone());
        if req.auth {
            b = b.bearer_auth(&*token);
        }
        if let Some(body) = &req.body {
            b = b.json(body);
        }
        let t0 = Instant::now();
        let outcome = match b.send().await {
            Ok(resp) => {
                let status = resp.status();
                match resp.bytes().await {
                    Ok(_) if status.is_success() => Ok(()),
                    Ok(body) => Err((status.as_u16().to_string(), String::from_utf8_lossy(&body).into_owned())),
                    Err(e) => Err(("transport".to_owned(), format!("reading the body: {e}"))),
                }
            }
            Err(e) => Err(("transport".to_owned(), e.to_string())),
        };
        out.micros.push(t0.elapsed().as_micros() as u64);
        if let Err((status, text)) = outcome {
            out.errors += 1;
            *out.statuses.entry(status.clone()).or_default() += 1;
            if out.samples.len() < 3 {
                let text: String = text.chars().take(300).collect();
                out.samples.push(format!("{} {} → {status}: {text}", req.method, req.url.path()));
            }
        }
    }
    Ok(out)
}

/// The value at quantile `q` (nearest rank) of sorted values.
pub fn quantile(sorted: &[u64], q: f64) -> u64 {
    if sorted.is_empty() {
        return 0;
    }
    let rank = (q * sorted.len() as f64).ceil() as usize;
    sorted[rank.clamp(1, sorted.len()) - 1]
}

/// Runs one scenario at one concurrency.
pub async fn run_cell(
    opts: &RunOptions,
    base: &Url,
    fx: &Arc<Fixture>,
    scenario: Scenario,
    concurrency: usize,
) -> Result<Cell> {
    tokio::time::sleep(opts.settle).await;
    let rss_idle = opts.pid.and_then(procfs::rss_kib);
    let cpu_before = opts.pid.and_then(procfs::cpu_ticks);
    let me = std::process::id();
    let own_before = procfs::cpu_ticks(me);
    // Memory every 100 ms while the clients run.
    let stop = Arc::new(AtomicBool::new(false));
    let sampler = opts.pid.map(|pid| {
        let stop = stop.clone();
        tokio::spawn(async move {
            let mut peak = procfs::rss_kib(pid).unwrap_or(0);
            let mut tick = tokio::time::interval(Duration::from_millis(100));
            while !stop.load(Ordering::Relaxed) {
                tick.tick().await;
                peak = peak.max(procfs::rss_kib(pid).unwrap_or(0));
            }
            peak
        })
    });
    let token: Arc<str> = Arc::from(opts.token.as_str());
    let started = Instant::now();
    let deadline = started + Duration::from_secs_f64(opts.seconds);
    let root = Rng::new(opts.seed).fork(concurrency as u64 * 100 + scenario as u64);
    let mut tasks = Vec::new();
    for s in 0..concurrency {
        let slot = Slot { slot: s, slots: concurrency, rng: root.fork(s as u64), n: 0 };
        tasks.push(tokio::spawn(run_slot(scenario, base.clone(), token.clone(), fx.clone(), slot, deadline)));
    }
    let mut micros = Vec::new();
    let mut errors = 0;
    let mut statuses: BTreeMap<String, u64> = BTreeMap::new();
    let mut samples = Vec::new();
    for t in tasks {
        let r = t.await.context("a client task failed")??;
        micros.extend(r.micros);
        errors += r.errors;
        for (k, v) in r.statuses {
            *statuses.entry(k).or_default() += v;
        }
        for s in r.samples {
            if samples.len() < 5 {
                samples.push(s);
            }
        }
    }
    let elapsed = started.elapsed().as_secs_f64();
    stop.store(true, Ordering::Relaxed);
    let rss_peak = match sampler {
        Some(h) => Some(h.await.context("the memory sampler failed")?),
        None => None,
    };
    let pct = |before: Option<u64>, after: Option<u64>| match (before, after) {
        (Some(a), Some(b)) => Some((b.saturating_sub(a)) as f64 / procfs::TICKS_PER_SECOND / elapsed * 100.0),
        _ => None,
    };
    let server_cpu_pct = pct(cpu_before, opts.pid.and_then(procfs::cpu_ticks));
    let runner_cpu_pct = pct(own_before, procfs::cpu_ticks(me));
    Ok(Cell {
        rss_idle_kib: rss_idle,
        rss_peak_kib: rss_peak.map(|p| p.max(rss_idle.unwrap_or(0))),
        server_cpu_pct,
        runner_cpu_pct,
        ..Cell::of_latencies(scenario.name(), concurrency, elapsed, micros, errors, statuses, samples)
    })
}

impl Cell {
    /// A cell from every request's latency in microseconds (any order), without the
    /// server's memory and CPU.
    pub fn of_latencies(
        scenario: &str,
        concurrency: usize,
        elapsed: f64,
        mut micros: Vec<u64>,
        errors: u64,
        error_statuses: BTreeMap<String, u64>,
        error_samples: Vec<String>,
    ) -> Cell {
        micros.sort_unstable();
        let ms = |us: u64| us as f64 / 1000.0;
        let n = micros.len() as u64;
        Cell {
            scenario: scenario.into(),
            concurrency,
            seconds: elapsed,
            requests: n,
            errors,
            error_statuses,
            error_samples,
            rps: n as f64 / elapsed,
            mean_ms: if n == 0 { 0.0 } else { micros.iter().sum::<u64>() as f64 / n as f64 / 1000.0 },
            p50_ms: ms(quantile(&micros, 0.50)),
            p99_ms: ms(quantile(&micros, 0.99)),
            max_ms: ms(micros.last().copied().unwrap_or(0)),
            rss_idle_kib: None,
            rss_peak_kib: None,
            server_cpu_pct: None,
            runner_cpu_pct: None,
        }
    }
}

/// Discovers the data set and runs every scenario at every concurrency, in that order.
/// `progress` is called after each cell.
pub async fn run(opts: &RunOptions, mut progress: impl FnMut(&Cell)) -> Result<RunReport> {
    let mut url = opts.url.clone();
    if !url.ends_with('/') {
        url.push('/');
    }
    let base = Url::parse(&url).with_context(|| format!("--url {}", opts.url))?;
    if opts.concurrency.is_empty() || opts.concurrency.contains(&0) {
        bail!("--concurrency: at least one, each 1 or more");
    }
    let fx = Arc::new(discover(&base, &opts.token, opts.from, opts.to).await?);
    let mut cells = Vec::new();
    for &scenario in &opts.scenarios {
        for &c in &opts.concurrency {
            let cell = run_cell(opts, &base, &fx, scenario, c).await?;
            progress(&cell);
            cells.push(cell);
        }
    }
    Ok(RunReport {
        url: opts.url.clone(),
        seconds_per_cell: opts.seconds,
        concurrency: opts.concurrency.clone(),
        fixture: FixtureSummary {
            top: fx.top.clone(),
            districts: fx.districts.len(),
            enterprises: fx.enterprises.len(),
            known_cases: fx.cases.len(),
            cases_total: fx.cases_total,
            from: fx.from,
            to: fx.to,
        },
        scenarios: opts
            .scenarios
            .iter()
            .map(|s| ScenarioInfo { name: s.name().to_owned(), what: s.what().to_owned() })
            .collect(),
        cells,
    })
}

/// Logs in with a staff account and creates an API token.
pub async fn create_token(url: &str, username: &str, password: &str) -> Result<String> {
    let mut url = url.to_owned();
    if !url.ends_with('/') {
        url.push('/');
    }
    let base = Url::parse(&url)?;
    let client = reqwest::Client::builder().cookie_store(true).timeout(Duration::from_secs(60)).build()?;
    let resp = client
        .post(base.join("api/v1/session")?)
        .json(&json!({"username": username, "password": password}))
        .send()
        .await
        .context("POST /api/v1/session")?;
    let status = resp.status();
    if !status.is_success() {
        bail!("logging in as {username}: {status}: {}", resp.text().await.unwrap_or_default());
    }
    let resp = client
        .post(base.join("api/v1/tokens")?)
        .json(&json!({"name": "youyue-bench"}))
        .send()
        .await
        .context("POST /api/v1/tokens")?;
    let status = resp.status();
    let body: Value = resp.json().await.context("POST /api/v1/tokens: not JSON")?;
    if !status.is_success() {
        bail!("creating a token: {status}: {body}");
    }
    body["token"].as_str().map(str::to_owned).context("POST /api/v1/tokens gave no token")
}

/// Polls `url` until it answers 200; returns how long that took. Gives up when the
/// process `pid` (the server) has ended.
pub async fn wait_ready(url: &str, pid: Option<u32>, timeout: Duration) -> Result<Duration> {
    let client = client(Duration::from_secs(5))?;
    let started = Instant::now();
    loop {
        if let Ok(resp) = client.get(url).send().await {
            if resp.status().is_success() {
                return Ok(started.elapsed());
            }
        }
        if let Some(pid) = pid {
            if procfs::rss_kib(pid).is_none() {
                bail!("the server (process {pid}) has ended before {url} answered");
            }
        }
        if started.elapsed() > timeout {
            bail!("{url} did not answer 200 within {timeout:?}");
        }
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quantiles_by_nearest_rank() {
        let v: Vec<u64> = (1..=100).collect();
        assert_eq!(quantile(&v, 0.5), 50);
        assert_eq!(quantile(&v, 0.99), 99);
        assert_eq!(quantile(&v, 1.0), 100);
        assert_eq!(quantile(&[7], 0.99), 7);
        assert_eq!(quantile(&[], 0.5), 0);
    }

    #[test]
    fn scenario_names_round_trip() {
        for s in Scenario::ALL {
            assert_eq!(Scenario::parse(s.name()), Some(s));
        }
        assert_eq!(Scenario::parse_list("all").unwrap().len(), 9);
        assert!(Scenario::parse_list("inbox,nope").is_err());
    }
}
