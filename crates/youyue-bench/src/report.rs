//! The results as a Markdown table.

use crate::load::{Cell, RunReport};
use std::fmt::Write;

fn mib(kib: Option<u64>) -> String {
    kib.map(|k| format!("{:.1}", k as f64 / 1024.0)).unwrap_or_else(|| "n/a".into())
}

/// Milliseconds with the precision that reads well: 0.123, 12.3, 1234.
fn ms(v: f64) -> String {
    if v < 10.0 {
        format!("{v:.2}")
    } else if v < 1000.0 {
        format!("{v:.1}")
    } else {
        format!("{v:.0}")
    }
}

fn pct(p: Option<f64>) -> String {
    p.map(|p| format!("{p:.0}")).unwrap_or_else(|| "n/a".into())
}

pub fn errors(c: &Cell) -> String {
    if c.errors == 0 {
        return "0".into();
    }
    let by: Vec<String> = c.error_statuses.iter().map(|(k, v)| format!("{v}×{k}")).collect();
    format!("**{}** ({})", c.errors, by.join(", "))
}

pub fn table(cells: &[Cell]) -> String {
    let mut s = String::new();
    s.push_str("| scenario | c | requests | errors | req/s | p50 ms | p99 ms | max ms | RSS idle MiB | RSS peak MiB | server CPU % | runner CPU % |\n");
    s.push_str("|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|\n");
    for c in cells {
        let _ = writeln!(
            s,
            "| {} | {} | {} | {} | {:.0} | {} | {} | {} | {} | {} | {} | {} |",
            c.scenario,
            c.concurrency,
            c.requests,
            errors(c),
            c.rps,
            ms(c.p50_ms),
            ms(c.p99_ms),
            ms(c.max_ms),
            mib(c.rss_idle_kib),
            mib(c.rss_peak_kib),
            pct(c.server_cpu_pct),
            pct(c.runner_cpu_pct),
        );
    }
    s
}

/// The table, what each scenario sends, and samples of any errors.
pub fn markdown(r: &RunReport) -> String {
    let mut s = table(&r.cells);
    s.push_str("\nScenarios:\n\n");
    for sc in &r.scenarios {
        let _ = writeln!(s, "- `{}`: {}", sc.name, sc.what);
    }
    let f = &r.fixture;
    let _ = writeln!(
        s,
        "\nData seen through the API: top union `{}`, {} districts, {} enterprise studios, {} cases ({} case numbers used); dashboard period {} to {}.",
        f.top, f.districts, f.enterprises, f.cases_total, f.known_cases, f.from, f.to
    );
    s.push_str(&closeness(&r.cells));
    let failing: Vec<&Cell> = r.cells.iter().filter(|c| c.errors > 0).collect();
    if !failing.is_empty() {
        s.push_str("\nError samples:\n\n");
        for c in failing {
            for e in &c.error_samples {
                let _ = writeln!(s, "- {} c={}: `{}`", c.scenario, c.concurrency, e.replace('`', "'"));
            }
        }
    }
    s
}

/// How close each scenario comes to its floor at the same concurrency: writes (`intake`,
/// `action`) to `insert_floor`, one durable insert a commit; the rest to `floor`, the HTTP
/// stack answering a static file. Over 100 % means more than the floor (grouped commits).
pub fn closeness(cells: &[Cell]) -> String {
    let find = |name: &str, c: usize| cells.iter().find(|x| x.scenario == name && x.concurrency == c);
    let mut rows = String::new();
    for cell in cells {
        let floor = match cell.scenario.as_str() {
            "floor" | "insert_floor" => continue,
            "intake" | "action" => "insert_floor",
            _ => "floor",
        };
        let Some(f) = find(floor, cell.concurrency).filter(|f| f.rps > 0.0) else { continue };
        let _ = writeln!(
            rows,
            "| {} | {} | {} | {:.0} | {:.0} | {:.1} % | {} | {} |",
            cell.scenario,
            cell.concurrency,
            floor,
            cell.rps,
            f.rps,
            cell.rps / f.rps * 100.0,
            ms(cell.p50_ms),
            ms(f.p50_ms),
        );
    }
    if rows.is_empty() {
        return String::new();
    }
    format!(
        "\nHow close each scenario comes to its floor (same concurrency):\n\n\
         | scenario | c | floor | req/s | floor req/s | of the floor | p50 ms | floor p50 ms |\n\
         |---|--:|---|--:|--:|--:|--:|--:|\n{rows}"
    )
}
