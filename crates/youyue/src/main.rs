//! The `youyue` binary: `serve`, `import`, `export`, `stats` and account set-up. The
//! contracts of these commands are relied on from outside (see README.md); keep them exact.

use anyhow::{bail, Context, Result};
use clap::{Parser, Subcommand};
use std::io::{BufRead, BufWriter, Write};
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;
use youyue_domain::exchange::{check_username, Line, UserRecord};
use youyue_domain::time::parse_date;
use youyue_domain::{Period, Role, Timestamp, UnionCode};
use youyue_server::service::MIN_PASSWORD_CHARS;
use youyue_server::{
    DEFAULT_BODY_TIMEOUT_SECS, DEFAULT_HEADER_TIMEOUT_SECS, DEFAULT_MAX_CONNECTIONS, DEFAULT_SUBMISSIONS_PER_MINUTE,
};
use youyue_store::Store;

#[derive(Parser)]
#[command(
    name = "youyue",
    version,
    about = "工会有约: workers' cases with their union, from intake to rating, and the district's figures"
)]
struct Cli {
    /// Database URL: sqlite://FILE (created when missing) or postgres://…
    #[arg(long, global = true, env = "YOUYUE_DB", default_value = "sqlite://youyue.db")]
    db: String,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Runs the web service.
    Serve {
        #[arg(long, default_value = "127.0.0.1:8080")]
        listen: SocketAddr,
        /// Seed a demo district into an empty database and print its accounts' passwords.
        #[arg(long)]
        demo: bool,
        /// Mark session cookies Secure (when served behind HTTPS).
        #[arg(long)]
        secure_cookies: bool,
        /// The address workers reach the site by, for the studios' QR codes
        /// (default: the address each request came to).
        #[arg(long, env = "YOUYUE_PUBLIC_URL")]
        public_url: Option<String>,
        /// Public case submissions allowed per address and minute (a factory behind one
        /// NAT shares an address).
        #[arg(long, default_value_t = DEFAULT_SUBMISSIONS_PER_MINUTE, env = "YOUYUE_SUBMISSIONS_PER_MINUTE")]
        submissions_per_minute: u32,
        /// Seconds a connection may take to send a whole request header; also how long a
        /// kept-alive connection may wait idle for its next request.
        #[arg(long, value_name = "SECONDS", default_value_t = DEFAULT_HEADER_TIMEOUT_SECS, value_parser = clap::value_parser!(u64).range(1..), env = "YOUYUE_HEADER_TIMEOUT")]
        header_timeout: u64,
        /// Seconds a request's whole body may take to arrive after its header.
        #[arg(long, value_name = "SECONDS", default_value_t = DEFAULT_BODY_TIMEOUT_SECS, value_parser = clap::value_parser!(u64).range(1..), env = "YOUYUE_BODY_TIMEOUT")]
        body_timeout: u64,
        /// Connections served at once; more wait in the kernel's backlog. Keep it below the
        /// open-file limit (`ulimit -n`), with room for the database.
        #[arg(long, value_name = "N", default_value_t = DEFAULT_MAX_CONNECTIONS, value_parser = clap::builder::RangedU64ValueParser::<usize>::new().range(1..), env = "YOUYUE_MAX_CONNECTIONS")]
        max_connections: usize,
        /// The CJK font file (OpenType, or a collection such as Noto CJK's .ttc, whose
        /// Simplified Chinese face is used) of the mediation agreements' PDFs. Without it,
        /// Debian's fonts-noto-cjk or WenQuanYi where installed; with none, the PDF answers
        /// 503 and the printable page still prints.
        #[arg(long, value_name = "FILE", env = "YOUYUE_AGREEMENT_FONT")]
        agreement_font: Option<std::path::PathBuf>,
        /// The SMTP server notices are e-mailed through: smtps://USER:PASS@HOST[:465] (TLS),
        /// smtp://USER:PASS@HOST[:587] (STARTTLS, required unless HOST is loopback), or
        /// smtp://HOST:PORT?tls=none (plain; a password only to a loopback host). Needs
        /// --mail-from. Without it, no e-mail notices.
        #[arg(long, value_name = "URL", env = "YOUYUE_SMTP", hide_env_values = true)]
        smtp: Option<String>,
        /// The address notices are e-mailed from: ADDR or "NAME <ADDR>".
        #[arg(long, value_name = "ADDR", env = "YOUYUE_MAIL_FROM")]
        mail_from: Option<String>,
        /// The SMS gateway notices are texted through (https://, or http:// on loopback):
        /// youyue POSTs {"phone":"…","text":"…"} and takes any 2xx as sent. Without it, no SMS.
        #[arg(long, value_name = "URL", env = "YOUYUE_SMS_GATEWAY", hide_env_values = true)]
        sms_gateway: Option<String>,
    },
    /// Imports JSON Lines (all or nothing); FILE `-` reads standard input.
    Import { file: String },
    /// Exports everything as JSON Lines; no FILE or `-` writes standard output.
    Export { file: Option<String> },
    /// Prints the figures for a union's subtree over a period of China calendar days.
    Stats {
        #[arg(long)]
        union: String,
        /// First day, YYYY-MM-DD (included).
        #[arg(long)]
        from: String,
        /// Last day, YYYY-MM-DD (included).
        #[arg(long)]
        to: String,
        #[arg(long)]
        json: bool,
    },
    /// Checks every case's record-book hash chain; exits 1 naming each case whose record
    /// book was changed outside youyue. With --heads, also checks chain heads signed off
    /// earlier (lines `NUMBER SEQ HASH`, as `heads` prints them).
    Verify {
        #[arg(long)]
        heads: Option<String>,
    },
    /// Writes a consistent backup of the running database to FILE (which must not exist):
    /// a SQLite database file on SQLite, JSON Lines (a full export) on PostgreSQL.
    Backup { file: String },
    /// Restores a backup into the database named by --db, which must be empty (a SQLite
    /// backup is copied into place: stop the server first; a JSON Lines backup is imported).
    Restore { file: String },
    /// Prints the head of every case's record-book chain (`NUMBER SEQ HASH`), for a district
    /// to sign off and keep.
    Heads,
    /// Resumes the paused cases whose pause ran out (printed "NUMBER resumed"), then raises
    /// every case still open after its deadline to the union above (督办) and chases it
    /// (催办, a deadline missed at most 7 days ago), once per deadline each, and prints
    /// their numbers (`serve` does this every ten minutes by itself).
    Supervise,
    /// Anonymises every closed case past its district's retention period for its kind (name
    /// and contact removed, the case and its figures kept) and prints their numbers; `serve`
    /// does it every ten minutes.
    Retention,
    /// Creates a staff account. The password is read from YOUYUE_PASSWORD, or generated and
    /// printed once.
    AddUser {
        username: String,
        #[arg(long)]
        name: String,
        #[arg(long)]
        union: String,
        /// worker | receptionist | handler | chair | admin
        #[arg(long)]
        role: String,
    },
}

/// A line on standard output; a closed pipe (`youyue stats | head`) ends the command
/// quietly instead of panicking as `println!` would.
macro_rules! out {
    ($($arg:tt)*) => {{
        use std::io::Write as _;
        writeln!(std::io::stdout().lock(), $($arg)*)?
    }};
}

fn main() -> std::process::ExitCode {
    let cli = Cli::parse();
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_env("YOUYUE_LOG")
                // sqlx's slow-statement warnings print whole statements (a bulk upsert is
                // thousands of characters) and its PostgreSQL notices are chatter.
                .unwrap_or_else(|_| {
                    tracing_subscriber::EnvFilter::new("info,sqlx::query=error,sqlx::postgres::notice=warn")
                }),
        )
        .with_writer(std::io::stderr)
        // Colours only on a terminal: a log file gets plain text.
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .init();
    let runtime = match tokio::runtime::Runtime::new() {
        Ok(r) => r,
        Err(e) => {
            eprintln!("youyue: cannot start: {e}");
            return std::process::ExitCode::FAILURE;
        }
    };
    match runtime.block_on(run(cli)) {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) if closed_pipe(&e) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("youyue: {e:#}");
            std::process::ExitCode::FAILURE
        }
    }
}

/// Whether the command stopped because whoever read its output went away.
fn closed_pipe(e: &anyhow::Error) -> bool {
    e.chain().any(|c| c.downcast_ref::<std::io::Error>().is_some_and(|io| io.kind() == std::io::ErrorKind::BrokenPipe))
}

async fn run(cli: Cli) -> Result<()> {
    if let Command::Restore { file } = &cli.command {
        return restore(&cli.db, file).await;
    }
    if let Command::Serve { smtp, mail_from, sms_gateway, .. } = &cli.command {
        // Before the database is opened or the port bound: a mistyped channel stops the start
        // with the flag's name.
        let (smtp, mail_from, sms_gateway) = (smtp.clone(), mail_from.clone(), sms_gateway.clone());
        youyue_server::notify::deliver::Channels { smtp, mail_from, sms_gateway }.check()?;
    }
    let store = youyue_store::open(&cli.db).await.with_context(|| format!("opening {}", redact(&cli.db)))?;
    let done = command(cli.command, store.clone()).await;
    // Closed, not just dropped: the process may end before dropped connections close, and
    // a SQLite file would keep its write-ahead log beside it (as large as the last import).
    store.close().await;
    done
}

async fn command(command: Command, store: Arc<dyn Store>) -> Result<()> {
    match command {
        Command::Serve {
            listen,
            demo,
            secure_cookies,
            public_url,
            submissions_per_minute,
            header_timeout,
            body_timeout,
            max_connections,
            agreement_font,
            smtp,
            mail_from,
            sms_gateway,
        } => {
            let notices = youyue_server::notify::deliver::Channels { smtp, mail_from, sms_gateway };
            let config = youyue_server::Config {
                listen,
                secure_cookies,
                public_url,
                submissions_per_minute,
                header_timeout: Duration::from_secs(header_timeout),
                body_timeout: Duration::from_secs(body_timeout),
                max_connections,
                agreement_font,
                notices,
                notices_every: Duration::from_secs(youyue_server::DEFAULT_NOTICES_EVERY_SECS),
            };
            serve(store, config, demo).await
        }
        Command::Import { file } => import(store.as_ref(), &file).await,
        Command::Supervise => {
            let now = Timestamp::now();
            for n in youyue_server::service::deadline::sweep_pauses(store.as_ref(), now).await.context("pause sweep")? {
                out!("{n} resumed");
            }
            loop {
                let now = Timestamp::now();
                let swept = store.sweep_supervision(now.cst_date(), now).await.context("supervision sweep")?;
                if swept.is_empty() {
                    return Ok(());
                }
                for n in swept {
                    out!("{n}");
                }
            }
        }
        Command::Retention => {
            let done = youyue_server::service::sweep_retention(store.as_ref(), Timestamp::now())
                .await
                .context("retention sweep")?;
            for n in done {
                out!("{n}");
            }
            Ok(())
        }
        Command::Export { file } => export(store.as_ref(), file.as_deref()).await,
        Command::Verify { heads } => verify(store.as_ref(), heads.as_deref()).await,
        Command::Backup { file } => backup(store.as_ref(), &file).await,
        Command::Restore { .. } => Ok(()),
        Command::Heads => {
            let mut out = std::io::BufWriter::new(std::io::stdout().lock());
            for h in store.chain_heads().await? {
                writeln!(out, "{} {} {}", h.case, h.seq, h.hash)?;
            }
            out.flush()?;
            Ok(())
        }
        Command::Stats { union, from, to, json } => stats(store.as_ref(), &union, &from, &to, json).await,
        Command::AddUser { username, name, union, role } => add_user(store.as_ref(), username, name, union, role).await,
    }
}

fn redact(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(s), Some(at)) if at > s => format!("{}://…@{}", &url[..s], &url[at + 1..]),
        _ => url.to_owned(),
    }
}

async fn serve(store: Arc<dyn Store>, config: youyue_server::Config, demo: bool) -> Result<()> {
    if demo {
        if store.is_empty().await? {
            let password = std::env::var("YOUYUE_DEMO_PASSWORD").ok();
            let seeded = youyue_server::demo::seed(store.as_ref(), password).await.context("seeding the demo")?;
            out!("Demo district seeded. Accounts (passwords are shown only now):");
            for a in &seeded.accounts {
                out!("  {:<12} {:<18} {:<10} {:<12} {}", a.username, a.password, a.union, a.role.as_str(), a.name);
            }
            if let Some((number, code)) = &seeded.sample_case {
                out!("A worker's case to look up: number {number}, tracking code {code}");
            }
        } else {
            out!("--demo: the database is not empty, so no demo data was added.");
        }
    }
    let listen = config.listen;
    let public_url = config.public_url.clone();
    let app =
        youyue_server::Application::build(store, config).await.with_context(|| format!("listening on {listen}"))?;
    if public_url.is_none() {
        // A sign printed now would send workers to whatever address the printer's browser
        // used (often 127.0.0.1): say so where the operator looks, the log and the console.
        let warning = format!(
            "no --public-url set: the studios' QR codes and signs carry the address each request came to \
             (here http://{}); set --public-url (or YOUYUE_PUBLIC_URL) to the address workers reach before printing them",
            app.local_addr()
        );
        tracing::warn!("{warning}");
        out!("Warning: {warning}");
    }
    // The tests and scripts read the address from this line (the port, when asked for 0);
    // the warning comes first, so that whoever has read this line has read it too.
    out!("youyue is serving on http://{}", app.local_addr());
    app.run_until_stopped(shutdown_signal()).await.context("serving")?;
    Ok(())
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! { _ = ctrl_c => {}, _ = term => {} }
}

/// Reads lines, numbering them from 1; blank lines carry nothing and are passed over. A
/// line is read at most `max` bytes (and its newline) far: a longer one is an error, never
/// held whole in memory.
struct NumberedLines<R> {
    reader: R,
    number: usize,
    max: usize,
}

impl<R: BufRead> Iterator for NumberedLines<R> {
    type Item = (usize, std::result::Result<Line, String>);
    fn next(&mut self) -> Option<Self::Item> {
        loop {
            let mut buf = Vec::new();
            self.number += 1;
            let limit = u64::try_from(self.max).unwrap_or(u64::MAX).saturating_add(1);
            match std::io::Read::take(&mut self.reader, limit).read_until(b'\n', &mut buf) {
                Ok(0) => return None,
                Ok(_) => {}
                Err(e) => return Some((self.number, Err(format!("cannot read: {e}")))),
            }
            // The newline is not counted (a last line may have none).
            if buf.len() - usize::from(buf.last() == Some(&b'\n')) > self.max {
                return Some((self.number, Err(format!("longer than {} bytes (the most a line may hold)", self.max))));
            }
            let text = match String::from_utf8(buf) {
                Ok(t) => t,
                Err(_) => return Some((self.number, Err("not valid UTF-8".into()))),
            };
            let text = if self.number == 1 { text.trim_start_matches('\u{feff}') } else { &text };
            let text = text.trim_end_matches(['\n', '\r']);
            if text.trim().is_empty() {
                continue;
            }
            return Some((self.number, Line::parse(text)));
        }
    }
}

async fn import(store: &dyn Store, file: &str) -> Result<()> {
    let reader: Box<dyn BufRead + Send> = if file == "-" {
        Box::new(std::io::BufReader::new(std::io::stdin()))
    } else {
        Box::new(std::io::BufReader::new(std::fs::File::open(file).with_context(|| format!("cannot open {file}"))?))
    };
    let mut lines = NumberedLines { reader, number: 0, max: youyue_domain::exchange::MAX_LINE_BYTES };
    match store.import(&mut lines, Timestamp::now()).await {
        Ok(s) => {
            eprintln!(
                "imported {file}: unions {} new, {} updated; users {} new, {} updated; cases {} new, {} updated; record entries {} new; read-log lines {} new; roster versions {} new; {} lines unchanged",
                s.unions_created, s.unions_updated, s.users_created, s.users_updated, s.cases_created, s.cases_updated, s.records_added, s.reads_added, s.rosters_added, s.unchanged
            );
            if s.irregular > 0 {
                eprintln!("note: {} cases break the workflow's rules and were kept as given, e.g.:", s.irregular);
                for e in &s.irregular_examples {
                    eprintln!("  {e}");
                }
            }
            Ok(())
        }
        Err(e) => Err(anyhow::Error::new(e).context(format!("import of {file} failed, nothing was written"))),
    }
}

async fn export(store: &dyn Store, file: Option<&str>) -> Result<()> {
    let to_stdout = matches!(file, None | Some("-"));
    let out: Box<dyn Write + Send> = match file {
        None | Some("-") => Box::new(std::io::stdout()),
        Some(path) => Box::new(std::fs::File::create(path).with_context(|| format!("cannot create {path}"))?),
    };
    let mut out = BufWriter::new(out);
    let mut sink = |line: &Line| -> std::io::Result<()> {
        let json = line.to_json().map_err(std::io::Error::other)?;
        out.write_all(json.as_bytes())?;
        out.write_all(b"\n")
    };
    let n = store.export(&mut sink).await?;
    out.flush()?;
    if !to_stdout {
        eprintln!("exported {n} lines");
    }
    Ok(())
}

async fn stats(store: &dyn Store, union: &str, from: &str, to: &str, json: bool) -> Result<()> {
    let code: UnionCode = union.parse().context("--union")?;
    let from = parse_date(from).context("--from")?;
    let to = parse_date(to).context("--to")?;
    let period = Period::new(from, to).context("--to")?;
    let u = store.union_by_code(&code).await?.ok_or_else(|| anyhow::anyhow!("--union: no union \"{code}\""))?;
    let view = youyue_server::service::agreement::stats_view(store, &u, period).await?;
    if json {
        out!("{}", serde_json::to_string_pretty(&view)?);
        return Ok(());
    }
    let (s, a) = (&view.stats, &view.agreements);
    out!("{}（{}）{} — {}", u.record.name, s.union, s.from, s.to);
    let rows: [(&str, String); 10] = [
        ("工作室 studios", s.studios.to_string()),
        ("调解劳动纠纷 disputes mediated", s.disputes_mediated.to_string()),
        ("涉及职工 people involved", s.people_involved.to_string()),
        ("追讨工资补偿金 amount recovered (yuan)", s.amount_recovered.to_string()),
        ("解决职工诉求 claims resolved", s.claims_resolved.to_string()),
        ("建言献策 suggestions", s.suggestions.to_string()),
        ("采纳 suggestions adopted", s.suggestions_adopted.to_string()),
        ("登记 cases opened (registered)", s.cases_opened.to_string()),
        ("办结 cases closed", s.cases_closed().to_string()),
        ("解决 / 解释说明 resolved / explained", format!("{} / {}", s.cases_resolved, s.cases_explained)),
    ];
    for (label, value) in rows {
        out!("  {label:<40} {value:>14}");
    }
    let rate = a.performance_rate.map(|r| format!("{:.2}%", r * 100.0)).unwrap_or_else(|| "-".into());
    let agreement_rows: [(&str, String); 4] = [
        ("调解协议 agreements signed", a.agreements_signed.to_string()),
        (
            "履行率 terms paid on time / due",
            format!("{} / {} ({rate})", a.agreement_terms_on_time, a.agreement_terms_due),
        ),
        ("协议金额 money agreed (yuan)", a.money_agreed.to_string()),
        ("已履行 money paid (yuan)", a.money_paid.to_string()),
    ];
    for (label, value) in agreement_rows {
        out!("  {label:<40} {value:>14}");
    }
    for (title, map) in
        [("by kind", &s.opened_by_kind), ("by channel", &s.opened_by_channel), ("by status", &s.opened_by_status)]
    {
        let parts: Vec<String> = map.iter().map(|(k, v)| format!("{k} {v}")).collect();
        out!("  opened {title}: {}", parts.join(", "));
    }
    Ok(())
}

async fn add_user(store: &dyn Store, username: String, name: String, union: String, role: String) -> Result<()> {
    // The field errors name their field ("username: …", "name: …").
    check_username(&username)?;
    let role = Role::parse(&role).ok_or_else(|| anyhow::anyhow!("--role: one of {}", Role::choices()))?;
    let union: UnionCode = union.parse().context("--union")?;
    let (password, show) = match std::env::var("YOUYUE_PASSWORD") {
        Ok(p) if p.chars().count() >= MIN_PASSWORD_CHARS => (p, false),
        Ok(_) => bail!("YOUYUE_PASSWORD must be at least {MIN_PASSWORD_CHARS} characters"),
        Err(_) => (youyue_server::auth::random_password(), true),
    };
    let hash = youyue_server::auth::hash_password(password.clone()).await.context("hashing the password")?;
    let rec = UserRecord {
        username,
        name,
        union,
        role,
        password_hash: Some(hash),
        active: true,
        specialties: Vec::new(),
        email: None,
        phone: None,
        notices_off: Vec::new(),
    };
    rec.check()?;
    let u = store.create_user(&rec, Timestamp::now()).await.context("creating the account")?;
    if show {
        out!("created {} ({}) in {}; password (shown only now): {password}", u.username, u.role, u.union_code);
    } else {
        out!("created {} ({}) in {}", u.username, u.role, u.union_code);
    }
    Ok(())
}

/// `youyue verify`: the chains, then the signed-off heads; exit 1 on any problem.
async fn verify(store: &dyn youyue_store::Store, heads: Option<&str>) -> Result<()> {
    let report = store.verify_chains().await?;
    let mut problems: Vec<String> =
        report.problems.iter().map(|p| format!("case {} entry #{}: {}", p.case, p.seq, p.what)).collect();
    let mut checked_heads = 0;
    if let Some(file) = heads {
        let text = std::fs::read_to_string(file).with_context(|| format!("reading {file}"))?;
        for (i, line) in text.lines().enumerate().filter(|(_, l)| !l.trim().is_empty()) {
            let bad = || anyhow::anyhow!("{file} line {}: expected NUMBER SEQ HASH, got \"{line}\"", i + 1);
            let mut parts = line.split_whitespace();
            let (Some(number), Some(seq), Some(hash), None) = (parts.next(), parts.next(), parts.next(), parts.next())
            else {
                return Err(bad());
            };
            let number: youyue_domain::CaseNumber = number.parse().map_err(|_| bad())?;
            let seq: i64 = seq.parse().map_err(|_| bad())?;
            checked_heads += 1;
            match store.entry_hash(&number, seq).await? {
                Some(Some(h)) if h == hash => {}
                Some(Some(_)) => problems.push(format!("case {number} entry #{seq}: differs from the head signed off")),
                Some(None) => problems.push(format!("case {number} entry #{seq}: has no hash, but one was signed off")),
                None => {
                    problems.push(format!("case {number} entry #{seq}: signed off, but no longer in the record book"))
                }
            }
        }
    }
    out!(
        "checked {} cases ({} whose record book does not say how they began), {} record entries ({} written before the chain), {checked_heads} signed-off heads: {}",
        report.cases,
        report.unstarted,
        report.entries,
        report.unchained,
        if problems.is_empty() { "all intact".to_owned() } else { format!("{} problems", problems.len()) }
    );
    if problems.is_empty() {
        return Ok(());
    }
    for p in &problems {
        eprintln!("{p}");
    }
    std::process::exit(1);
}

/// `youyue backup FILE`.
async fn backup(store: &dyn youyue_store::Store, file: &str) -> Result<()> {
    if std::path::Path::new(file).exists() {
        anyhow::bail!("{file} exists already: a backup never overwrites a file");
    }
    if store.backup_file(file).await? {
        eprintln!("backed up to {file} (a SQLite database; restore with `youyue --db sqlite://NEW restore {file}`)");
        return Ok(());
    }
    export(store, Some(file)).await?;
    eprintln!("backed up to {file} (JSON Lines; restore with `youyue --db postgres://… restore {file}` into an empty database)");
    Ok(())
}

/// The file a `sqlite://` URL names (without its query).
fn sqlite_path(url: &str) -> Option<&str> {
    let rest = url.strip_prefix("sqlite://").or_else(|| url.strip_prefix("sqlite:"))?;
    Some(rest.split('?').next().unwrap_or(rest))
}

/// `youyue restore FILE`: a SQLite backup is copied into place (then migrated and checked);
/// JSON Lines are imported. Either way only into an empty database.
async fn restore(db: &str, file: &str) -> Result<()> {
    let mut head = [0u8; 16];
    let n = std::io::Read::read(&mut std::fs::File::open(file).with_context(|| format!("opening {file}"))?, &mut head)
        .with_context(|| format!("reading {file}"))?;
    let is_sqlite = n == 16 && &head == b"SQLite format 3\0";
    if is_sqlite {
        let Some(target) = sqlite_path(db) else {
            anyhow::bail!(
                "{file} is a SQLite backup: restore it into a sqlite:// database, or export it and import that"
            );
        };
        if std::path::Path::new(target).exists() {
            let store = youyue_store::open(db).await.with_context(|| format!("opening {}", redact(db)))?;
            if !store.is_empty().await? {
                anyhow::bail!("{target} already holds data: restore into a new file");
            }
        }
        for suffix in ["", "-wal", "-shm"] {
            let _ = std::fs::remove_file(format!("{target}{suffix}"));
        }
        std::fs::copy(file, target).with_context(|| format!("copying {file} to {target}"))?;
    } else {
        let store = youyue_store::open(db).await.with_context(|| format!("opening {}", redact(db)))?;
        if !store.is_empty().await? {
            anyhow::bail!("{} already holds data: restore into an empty database", redact(db));
        }
        import(store.as_ref(), file).await?;
    }
    // Opening migrates an older backup; the chains say whether it arrived whole.
    let store = youyue_store::open(db).await.with_context(|| format!("opening {}", redact(db)))?;
    let report = store.verify_chains().await?;
    if !report.problems.is_empty() {
        anyhow::bail!(
            "restored, but {} record books fail their chains or differ from their cases: run `youyue verify`",
            report.problems.len()
        );
    }
    eprintln!("restored {file}: {} cases, {} record entries, chains intact", report.cases, report.entries);
    Ok(())
}
