#!/usr/bin/env python3
"""How each scenario's cost grows with the data: one table per backend from the results
files `bench/run.sh` writes (bench/results/RESULTS-<size>-<backend>.json).

    bench/growth.py > bench/results/GROWTH.md

For every scenario and size: p50 and p99 at one client and the best throughput over the
concurrencies run; the server's peak RSS over the whole run. The commit
and date of each file are listed, so that sizes measured on different code show it.
"""
import glob
import json
import os
import re
import sys

RESULTS = os.path.join(os.path.dirname(os.path.abspath(__file__)), "results")


def runs(backend):
    """(size, cells, {date, commit}) for each results file of the backend, smallest first."""
    found = []
    for path in glob.glob(os.path.join(RESULTS, f"RESULTS-*-{backend}.json")):
        size = int(re.search(r"RESULTS-(\d+)-", path).group(1))
        with open(path, encoding="utf-8") as f:
            cells = json.load(f)["cells"]
        header = {}
        md = path[: -len(".json")] + ".md"
        if os.path.exists(md):
            with open(md, encoding="utf-8") as f:
                for line in f:
                    m = re.match(r"- (date|commit): (.*)", line.strip())
                    if m:
                        header[m.group(1)] = m.group(2)
        found.append((size, cells, header))
    return sorted(found, key=lambda r: r[0])


def size_name(n):
    return f"{n // 1_000_000}M" if n >= 1_000_000 and n % 1_000_000 == 0 else f"{n // 1000}k"


def figure(x):
    return f"{x:,.0f}" if x >= 100 else f"{x:.3g}"


def table(backend):
    found = runs(backend)
    if not found:
        return []
    scenarios = []
    for _, cells, _ in found:
        for c in cells:
            if c["scenario"] not in scenarios:
                scenarios.append(c["scenario"])
    out = [f"## {backend}", ""]
    for size, _, header in found:
        out.append(f"- {size_name(size)}: {header.get('date', '?')}, commit {header.get('commit', '?')[:12]}")
    out.append("")
    names = [size_name(s) for s, _, _ in found]
    out.append("Each cell: p50 / p99 ms at one client · the best req/s over the concurrencies run (at c).")
    out.append("")
    out.append("| scenario | " + " | ".join(names) + " |")
    out.append("|---|" + "--:|" * len(names))
    for scenario in scenarios:
        row = []
        for _, cells, _ in found:
            mine = [c for c in cells if c["scenario"] == scenario]
            one = [c for c in mine if c["concurrency"] == 1]
            if not mine:
                row.append("–")
                continue
            best = max(mine, key=lambda c: c["rps"])
            latency = f"{figure(one[0]['p50_ms'])} / {figure(one[0]['p99_ms'])}" if one else "–"
            errors = sum(c["errors"] for c in mine)
            note = f"; {errors} errors" if errors else ""
            row.append(f"{latency} · {figure(best['rps'])}/s (c = {best['concurrency']}{note})")
        out.append(f"| {scenario} | " + " | ".join(row) + " |")
    peaks = []
    for _, cells, _ in found:
        kib = [c["rss_peak_kib"] for c in cells if c.get("rss_peak_kib")]
        peaks.append(f"{max(kib) / 1024:.0f} MiB" if kib else "–")
    out.append("| server's peak RSS | " + " | ".join(peaks) + " |")
    out.append("")
    return out


def main():
    lines = ["# How the cost grows with the data", "", "Written by `bench/growth.py` from the results files beside it.", ""]
    for backend in ("sqlite", "postgres"):
        lines += table(backend)
    sys.stdout.write("\n".join(lines))


if __name__ == "__main__":
    main()
